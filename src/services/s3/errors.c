/* s3 errors: the rows of SW_ERRORS_S3, and how S3 names the generic codes. */
#include "errors.h"

static const struct err_info s3__err_rows[] = {
#define X(code, http, aws, msg) { #code, http, aws, msg },
	SW_ERRORS_S3(X)
#undef X
};

_Static_assert(SW_E__S3_END <= SW_ERR_BASE_S3 + SW_ERR_RANGE, "s3's codes outgrew their range");

const struct err_table s3_err_table = {
	.service = "s3",
	.first = SW_ERR_BASE_S3,
	.end = SW_E__S3_END,
	.rows = s3__err_rows,
};
ERR_REGISTER(s3_err_table)

/* S3 names the generic codes its own way: authentication
 * failures are 403s with S3's names, and every server error is `InternalError`. */
static const struct err_remap s3__generic_names[] = {
	{ SW_E_SignatureDoesNotMatch, 403, "SignatureDoesNotMatch" },
	{ SW_E_InvalidClientTokenId, 403, "InvalidAccessKeyId" },
	{ SW_E_RequestExpired, 403, "RequestTimeTooSkewed" },
	{ SW_E_AccessDenied, 403, "AccessDenied" },
	{ SW_E_MissingAuthenticationToken, 403, "AccessDenied" },
	{ SW_E_IncompleteSignature, 400, "AuthorizationHeaderMalformed" },
	{ SW_E_NotImplemented, 501, "NotImplemented" },
	{ SW_E_TOO_LARGE, 400, "MaxMessageLengthExceeded" },
	{ SW_E_INVALID, 400, "InvalidArgument" },
	{ SW_E_Serialization, 400, "InvalidArgument" },
	{ SW_E_AGAIN, 503, "SlowDown" },
	{ SW_E_Throttling, 503, "SlowDown" },
};

static const struct err_remap s3__server_error = { SW_E_INTERNAL, 500, "InternalError" };

const struct err_view s3_err_view = {
	.remap = s3__generic_names,
	.nremap = sizeof(s3__generic_names) / sizeof(s3__generic_names[0]),
	.server_error = &s3__server_error,
};
