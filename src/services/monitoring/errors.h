/* monitoring errors: CloudWatch's error shapes (JSON 1.0 / CBOR `__type`), with the query code
 * each one also goes by (query `<Code>`, the `x-amzn-query-error` header): monitoring_query_code.
 */
#ifndef SW_MONITORING_ERRORS_H
#define SW_MONITORING_ERRORS_H

#include "base/err.h"

/* X(code, http status, shape name, default message), as in base/err.h; one row per line. */
/* clang-format off */
#define SW_ERRORS_MONITORING(X) \
	X(CW_InvalidParameterValue, 400, "InvalidParameterValueException", "The value of an input parameter is bad or out-of-range.") \
	X(CW_MissingParameter, 400, "MissingRequiredParameterException", "An input parameter that is required is missing.") \
	X(CW_InvalidParameterCombination, 400, "InvalidParameterCombinationException", "Parameters were used together that cannot be used together.") \
	X(CW_ResourceNotFound, 404, "ResourceNotFound", "The named resource does not exist.") \
	X(CW_ResourceNotFoundException, 404, "ResourceNotFoundException", "The named resource does not exist.") \
	X(CW_InvalidNextToken, 400, "InvalidNextToken", "The next token specified is invalid.") \
	X(CW_InvalidFormat, 400, "InvalidFormatFault", "Data was not syntactically valid JSON.") \
	X(CW_LimitExceeded, 400, "LimitExceededFault", "The quota for alarms for this customer has already been reached.") \
	X(CW_InternalService, 500, "InternalServiceFault", "Request processing has failed due to some unknown error, exception, or failure.") \
	X(CW_ConcurrentModification, 429, "ConcurrentModificationException", "More than one process tried to modify a resource at the same time.")
/* clang-format on */

enum monitoring_err {
	SW_E__MONITORING_BEFORE = SW_ERR_BASE_MONITORING - 1,
#define X(code, http, aws, msg) SW_E_##code,
	SW_ERRORS_MONITORING(X)
#undef X
	    SW_E__MONITORING_END
};

/* The rows of SW_ERRORS_MONITORING; registered at start (ERR_REGISTER in errors.c). */
extern const struct err_table monitoring_err_table;

/* The query protocol's code for a monitoring code ("InvalidParameterValue" for
 * InvalidParameterValueException…), NULL for a code that is not CloudWatch's own. */
const char *monitoring_query_code(int code);

#endif
