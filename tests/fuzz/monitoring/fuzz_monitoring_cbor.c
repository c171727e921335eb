/* fuzz_monitoring_cbor: CloudWatch's CBOR front — a request body decoded into the JSON object,
 * then encoded back as DescribeAlarms' reply and as PutMetricData's input. */
#include "services/monitoring/cbor.h"
#include "services/monitoring/errors.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT(64u << 20);
	json_t *in = NULL, *back = NULL;
	struct err e;
	int r;

	err_clear(&e);
	r = monitoring_cbor_decode(data, size, &in, &e);
	if (r == 0) {
		if (!json_is_object(in))
			abort();
		if (monitoring_cbor_encode(monitoring_op_shapes("DescribeAlarms")->output, in,
					   &out))
			abort();
		buf_reset(&out);
		if (monitoring_cbor_encode(monitoring_op_shapes("PutMetricData")->input, in, &out))
			abort();
		/* what the encoder writes, the decoder reads */
		if (monitoring_cbor_decode((const uint8_t *)out.p, out.len, &back, &e) != 0 &&
		    e.code != SW_E_Serialization)
			abort();
	} else if (in || (r != -SW_E_Serialization && r != -SW_E_CW_InvalidParameterValue &&
			  r != -SW_E_NOMEM)) {
		abort();
	}
	json_decref(in);
	json_decref(back);
	buf_release(&out);
	return 0;
}
