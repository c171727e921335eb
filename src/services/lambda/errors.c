/* lambda errors: the rows of SW_ERRORS_LAMBDA (model/lambda_errors.h). */
#include "model/lambda_errors.h"

static const struct err_info lambda__err_rows[] = {
#define X(code, http, aws, msg) { #code, http, aws, msg },
	SW_ERRORS_LAMBDA(X)
#undef X
};

_Static_assert(SW_E__LAMBDA_END <= SW_ERR_BASE_LAMBDA + SW_ERR_RANGE,
	       "lambda's codes outgrew their range");

const struct err_table lambda_err_table = {
	.service = "lambda",
	.first = SW_ERR_BASE_LAMBDA,
	.end = SW_E__LAMBDA_END,
	.rows = lambda__err_rows,
};
ERR_REGISTER(lambda_err_table)
