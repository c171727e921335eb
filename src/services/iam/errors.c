/* iam errors: the rows of SW_ERRORS_IAM. */
#include "errors.h"

static const struct err_info iam__err_rows[] = {
#define X(code, http, aws, msg) { #code, http, aws, msg },
	SW_ERRORS_IAM(X)
#undef X
};

_Static_assert(SW_E__IAM_END <= SW_ERR_BASE_IAM + SW_ERR_RANGE, "iam's codes outgrew their range");

const struct err_table iam_err_table = {
	.service = "iam",
	.first = SW_ERR_BASE_IAM,
	.end = SW_E__IAM_END,
	.rows = iam__err_rows,
};
ERR_REGISTER(iam_err_table)
