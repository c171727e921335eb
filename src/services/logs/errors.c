/* logs errors: the rows of SW_ERRORS_LOGS. */
#include "errors.h"

static const struct err_info logs__err_rows[] = {
#define X(code, http, aws, msg) { #code, http, aws, msg },
	SW_ERRORS_LOGS(X)
#undef X
};

_Static_assert(SW_E__LOGS_END <= SW_ERR_BASE_LOGS + SW_ERR_RANGE,
	       "logs' codes outgrew their range");

const struct err_table logs_err_table = {
	.service = "logs",
	.first = SW_ERR_BASE_LOGS,
	.end = SW_E__LOGS_END,
	.rows = logs__err_rows,
};
ERR_REGISTER(logs_err_table)
