/* codedeploy errors: the rows of SW_ERRORS_CODEDEPLOY. */
#include "errors.h"

static const struct err_info codedeploy__err_rows[] = {
#define C(n) { #n, 400, #n "Exception", NULL },
	SW_ERRORS_CODEDEPLOY(C)
#undef C
};

_Static_assert(SW_E__CODEDEPLOY_END <= SW_ERR_BASE_CODEDEPLOY + SW_ERR_RANGE,
	       "codedeploy's codes outgrew their range");

const struct err_table codedeploy_err_table = {
	.service = "codedeploy",
	.first = SW_ERR_BASE_CODEDEPLOY,
	.end = SW_E__CODEDEPLOY_END,
	.rows = codedeploy__err_rows,
};
ERR_REGISTER(codedeploy_err_table)
