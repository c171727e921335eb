/* model/lambda_errors: Lambda's exception codes, where the model and the function runtime
 * (which may not include services/) can name them.  The table that registers them is
 * services/lambda/errors.c. */
#ifndef SW_MODEL_LAMBDA_ERRORS_H
#define SW_MODEL_LAMBDA_ERRORS_H

#include "base/err.h"

/* X(code, http status, AWS type, default message), as in base/err.h; one row per line. */
/* clang-format off */
#define SW_ERRORS_LAMBDA(X) \
	X(LAMBDA_ResourceNotFound, 404, "ResourceNotFoundException", "The resource you requested does not exist.") \
	X(LAMBDA_ResourceConflict, 409, "ResourceConflictException", "The resource already exists, or another operation is in progress.") \
	X(LAMBDA_ResourceInUse, 400, "ResourceInUseException", "The operation conflicts with the resource's availability.") \
	X(LAMBDA_InvalidParameterValue, 400, "InvalidParameterValueException", "One of the parameters in the request is not valid.") \
	X(LAMBDA_InvalidRequestContent, 400, "InvalidRequestContentException", "The request body could not be parsed as JSON.") \
	X(LAMBDA_Validation, 400, "ValidationException", "The request failed validation.") \
	X(LAMBDA_PreconditionFailed, 412, "PreconditionFailedException", "The RevisionId provided does not match the latest RevisionId for the Lambda function or alias.") \
	X(LAMBDA_RequestTooLarge, 413, "RequestTooLargeException", "The request payload exceeded the Invoke request body JSON input quota.") \
	X(LAMBDA_UnsupportedMediaType, 415, "UnsupportedMediaTypeException", "The content type of the Invoke request body is not JSON.") \
	X(LAMBDA_TooManyRequests, 429, "TooManyRequestsException", "Rate Exceeded.") \
	X(LAMBDA_CodeStorageExceeded, 400, "CodeStorageExceededException", "Your Amazon Web Services account has exceeded its maximum total code size.") \
	X(LAMBDA_ProvisionedConcurrencyConfigNotFound, 404, "ProvisionedConcurrencyConfigNotFoundException", "The specified configuration does not exist.") \
	X(LAMBDA_Service, 500, "ServiceException", "The Lambda service encountered an internal error.") \
	X(LAMBDA_ResourceNotReady, 502, "ResourceNotReadyException", "The function is inactive and its VPC connection is no longer available.") \
	X(LAMBDA_InvalidZipFile, 502, "InvalidZipFileException", "Lambda could not unzip the deployment package.") \
	X(LAMBDA_InvalidRuntime, 502, "InvalidRuntimeException", "The runtime or runtime version specified is not supported.")
/* clang-format on */

enum lambda_err {
	SW_E__LAMBDA_BEFORE = SW_ERR_BASE_LAMBDA - 1,
#define X(code, http, aws, msg) SW_E_##code,
	SW_ERRORS_LAMBDA(X)
#undef X
	    SW_E__LAMBDA_END
};

#endif
