/* monitoring errors: the rows of SW_ERRORS_MONITORING and their query codes. */
#include "errors.h"

#include <stdlib.h>

static const struct err_info monitoring__err_rows[] = {
#define X(code, http, aws, msg) { #code, http, aws, msg },
	SW_ERRORS_MONITORING(X)
#undef X
};

_Static_assert(SW_E__MONITORING_END <= SW_ERR_BASE_MONITORING + SW_ERR_RANGE,
	       "monitoring's codes outgrew their range");

const struct err_table monitoring_err_table = {
	.service = "monitoring",
	.first = SW_ERR_BASE_MONITORING,
	.end = SW_E__MONITORING_END,
	.rows = monitoring__err_rows,
};
ERR_REGISTER(monitoring_err_table)

/* The query codes differ from the shape names irregularly (MissingParameter,
 * InternalServiceError), so each is spelled out. */
static const struct {
	int code;
	const char *query;
} monitoring__query_codes[] = {
	{ SW_E_CW_InvalidParameterValue, "InvalidParameterValue" },
	{ SW_E_CW_MissingParameter, "MissingParameter" },
	{ SW_E_CW_InvalidParameterCombination, "InvalidParameterCombination" },
	{ SW_E_CW_ResourceNotFound, "ResourceNotFound" },
	{ SW_E_CW_ResourceNotFoundException, "ResourceNotFoundException" },
	{ SW_E_CW_InvalidNextToken, "InvalidNextToken" },
	{ SW_E_CW_InvalidFormat, "InvalidFormat" },
	{ SW_E_CW_LimitExceeded, "LimitExceeded" },
	{ SW_E_CW_InternalService, "InternalServiceError" },
	{ SW_E_CW_ConcurrentModification, "ConcurrentModificationException" },
};

const char *monitoring_query_code(int code)
{
	if (code < 0)
		code = -code;
	for (size_t i = 0; i < sizeof(monitoring__query_codes) / sizeof(monitoring__query_codes[0]);
	     i++)
		if (monitoring__query_codes[i].code == code)
			return monitoring__query_codes[i].query;
	return NULL;
}
