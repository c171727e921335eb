/* fuzz_query_form: form-encoded bodies of the AWS query protocol (IAM, CloudWatch) —
 * query_form_parse. */
#include "base/err.h"
#include "contract/query_form.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query_form form, *f = &form;
	struct err e;
	size_t fields = 0;
	int r;

	query_form_init(f, QUERY_MAX_PARAMS);
	err_clear(&e);
	r = query_form_parse(f, (const char *)data, size, &e);
	if (r == 0) {
		/* every field is a decoded, NUL-terminated name and value inside the store */
		for (size_t i = 0; i < f->params.n; i++) {
			const char *n = f->params.v[i].name, *v = f->params.v[i].value;

			if (!n || !v || n < f->store.p || v < f->store.p ||
			    v + strlen(v) >= f->store.p + f->store.len + 1)
				abort();
		}
		/* one field per non-empty '&'-separated piece */
		for (size_t i = 0; i < size;) {
			size_t j = i;

			while (j < size && data[j] != '&')
				j++;
			fields += j > i;
			i = j + 1;
		}
		if (fields != f->params.n)
			abort();
	} else if (r != -SW_E_Serialization && r != -SW_E_INVALID && r != -SW_E_TOO_LARGE) {
		abort();
	}
	query_form_release(f);
	return 0;
}
