/* model/logs_errors: CloudWatch Logs' exception codes, where the model (which may not include
 * services/) can name them.  The table that registers them is services/logs/errors.c. */
#ifndef SW_MODEL_LOGS_ERRORS_H
#define SW_MODEL_LOGS_ERRORS_H

#include "base/err.h"

/* X(code, http status, AWS type, default message), as in base/err.h; one row per line. */
/* clang-format off */
#define SW_ERRORS_LOGS(X) \
	X(LOGS_ResourceAlreadyExists, 400, "ResourceAlreadyExistsException", "The specified resource already exists.") \
	X(LOGS_ResourceNotFound, 400, "ResourceNotFoundException", "The specified resource does not exist.") \
	X(LOGS_InvalidParameter, 400, "InvalidParameterException", "A parameter is specified incorrectly.") \
	X(LOGS_LimitExceeded, 400, "LimitExceededException", "You have reached the maximum number of resources that can be created.") \
	X(LOGS_OperationAborted, 400, "OperationAbortedException", "Multiple concurrent requests to update the same resource were in conflict.") \
	X(LOGS_ServiceUnavailable, 500, "ServiceUnavailableException", "The service cannot complete the request.")
/* clang-format on */

enum logs_err {
	SW_E__LOGS_BEFORE = SW_ERR_BASE_LOGS - 1,
#define X(code, http, aws, msg) SW_E_##code,
	SW_ERRORS_LOGS(X)
#undef X
	    SW_E__LOGS_END
};

#endif
