/* traffic errors: the rows of SW_ERRORS_TRAFFIC. */
#include "errors.h"

static const struct err_info traffic__err_rows[] = {
#define X(code, http, aws, msg) { #code, http, aws, msg },
	SW_ERRORS_TRAFFIC(X)
#undef X
};

_Static_assert(SW_E__TRAFFIC_END <= SW_ERR_BASE_TRAFFIC + SW_ERR_RANGE,
	       "traffic's codes outgrew their range");

const struct err_table traffic_err_table = {
	.service = "traffic",
	.first = SW_ERR_BASE_TRAFFIC,
	.end = SW_E__TRAFFIC_END,
	.rows = traffic__err_rows,
};
ERR_REGISTER(traffic_err_table)
