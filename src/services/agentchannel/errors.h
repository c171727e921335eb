/* agentchannel errors: the CodeDeploy Commands API's exceptions (JSON 1.1 `__type`). */
#ifndef SW_AGENTCHANNEL_ERRORS_H
#define SW_AGENTCHANNEL_ERRORS_H

#include "base/err.h"

/* X(code, http status, AWS type, default message), as in base/err.h; one row per line. */
/* clang-format off */
#define SW_ERRORS_COMMANDS(X) \
	X(ClientException, 400, "ClientException", "invalid agent request") \
	X(ServerException, 500, "ServerException", "server error")
/* clang-format on */

enum commands_err {
	SW_E__COMMANDS_BEFORE = SW_ERR_BASE_COMMANDS - 1,
#define X(code, http, aws, msg) SW_E_##code,
	SW_ERRORS_COMMANDS(X)
#undef X
	    SW_E__COMMANDS_END
};

/* The rows of SW_ERRORS_COMMANDS; registered at start (ERR_REGISTER in errors.c). */
extern const struct err_table commands_err_table;

#endif
