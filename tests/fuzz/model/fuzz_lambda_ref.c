/* fuzz_lambda_ref: function references (names, partial and full ARNs, qualifiers), and alias
 * routing from a JSON weight map.  Input: a reference, optionally a NUL and the weights' JSON. */
#include "model/lambda_rules.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz__exists(void *arg, const char *v)
{
	(void)arg;
	return strlen(v) % 2 == 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	struct lambda_ref ref;
	struct lambda_routing r;
	struct err e = { 0 };
	size_t n;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	n = strlen(copy);
	if (lambda_ref_parse(copy, 256, &ref, &e) == 0 && n < size) {
		json_t *w = json_loads(copy + n + 1, 0, NULL);

		if (lambda_routing_parse(ref.qualifier[0] ? ref.qualifier : "1", w, fuzz__exists,
					 NULL, &r, &e) == 0)
			lambda_routing_pick(&r, 0.5);
		json_decref(w);
	}
	free(copy);
	return 0;
}
