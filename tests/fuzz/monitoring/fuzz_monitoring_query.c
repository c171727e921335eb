/* fuzz_monitoring_query: CloudWatch's query front — a form body decoded for the operation its
 * Action names (PutMetricData when it names none the model has), then encoded back as that
 * operation's reply. */
#include "services/monitoring/query.h"
#include "services/monitoring/errors.h"
#include "contract/query_form.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct monitoring_op_shapes *op = NULL;
	struct buf xml = BUF_INIT(64u << 20);
	struct query_form f;
	json_t *in = NULL;
	struct err e;
	int r;

	err_clear(&e);
	query_form_init(&f, MONITORING_QUERY_MAX_PARAMS);
	if (query_form_parse(&f, (const char *)data, size, &e) == 0) {
		for (size_t i = 0; i < f.params.n && !op; i++)
			if (strcmp(f.params.v[i].name, "Action") == 0)
				op = monitoring_op_shapes(f.params.v[i].value);
		if (!op)
			op = monitoring_op_shapes("PutMetricData");
		r = monitoring_query_decode(op->input, f.params.v, f.params.n, &in, &e);
		if (r == 0) {
			if (!json_is_object(in))
				abort();
			/* whatever the handler returns, of whatever type, encodes */
			if (monitoring_query_encode(op, in, "r", &xml) != 0)
				abort();
		} else if (in || (r != -SW_E_CW_InvalidParameterValue && r != -SW_E_NOMEM)) {
			abort();
		}
	}
	json_decref(in);
	buf_release(&xml);
	query_form_release(&f);
	return 0;
}
