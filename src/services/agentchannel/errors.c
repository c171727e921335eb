/* agentchannel errors: the rows of SW_ERRORS_COMMANDS. */
#include "errors.h"

static const struct err_info commands__err_rows[] = {
#define X(code, http, aws, msg) { #code, http, aws, msg },
	SW_ERRORS_COMMANDS(X)
#undef X
};

_Static_assert(SW_E__COMMANDS_END <= SW_ERR_BASE_COMMANDS + SW_ERR_RANGE,
	       "commands's codes outgrew their range");

const struct err_table commands_err_table = {
	.service = "commands",
	.first = SW_ERR_BASE_COMMANDS,
	.end = SW_E__COMMANDS_END,
	.rows = commands__err_rows,
};
ERR_REGISTER(commands_err_table)
