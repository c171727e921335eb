/* err: the one table of error codes, their AWS exception names and HTTP statuses. */
#ifndef SW_ERR_H
#define SW_ERR_H

#include <stdarg.h>

/*
 * X(code, http status, AWS error type, default message).
 * Functions return 0 on success or -SW_E_<code>; the details for a person go into a
 * caller-owned struct err.  The AWS type is what goes on the wire (`__type`, `<Code>`).
 */
#define SW_ERRORS_GENERIC(X)                                                                \
	X(OK, 200, "", "success")                                                           \
	X(NOMEM, 500, "InternalFailure", "out of memory")                                   \
	X(INTERNAL, 500, "InternalFailure", "internal error")                               \
	X(IO, 500, "InternalFailure", "input/output error")                                 \
	X(STORE, 500, "InternalFailure", "store error")                                     \
	X(TOO_LARGE, 413, "RequestEntityTooLarge", "request body too large")                \
	X(TRUNCATED, 500, "InternalFailure", "value too long")                              \
	X(NOT_FOUND, 404, "ResourceNotFoundException", "not found")                         \
	X(INVALID, 400, "ValidationException", "invalid input")                             \
	X(Serialization, 400, "SerializationException", "malformed request body")           \
	X(UnknownOperation, 400, "UnknownOperationException", "unknown operation")          \
	X(NotImplemented, 501, "NotImplementedException", "operation not implemented")      \
	X(MissingAuthenticationToken, 403, "MissingAuthenticationTokenException",           \
	  "request is missing authentication token")                                        \
	X(IncompleteSignature, 400, "IncompleteSignatureException", "incomplete signature") \
	X(InvalidClientTokenId, 400, "UnrecognizedClientException",                         \
	  "the security token included in the request is invalid")                          \
	X(SignatureDoesNotMatch, 400, "InvalidSignatureException",                          \
	  "the request signature we calculated does not match the signature you provided")  \
	X(RequestExpired, 400, "InvalidSignatureException", "signature expired")            \
	X(AccessDenied, 400, "AccessDeniedException", "access denied")                      \
	X(Throttling, 400, "ThrottlingException", "rate exceeded")                          \
	X(AGAIN, 503, "ServiceUnavailable", "try again")

/* CodeDeploy's exceptions: every one is `<Name>Exception` on the wire, HTTP 400. */
#define SW_ERRORS_CODEDEPLOY(C)                      \
	C(AlarmsLimitExceeded)                       \
	C(ApplicationAlreadyExists)                  \
	C(ApplicationDoesNotExist)                   \
	C(ApplicationLimitExceeded)                  \
	C(ApplicationNameRequired)                   \
	C(ArnNotSupported)                           \
	C(BatchLimitExceeded)                        \
	C(BucketNameFilterRequired)                  \
	C(DeploymentAlreadyCompleted)                \
	C(DeploymentAlreadyStarted)                  \
	C(DeploymentConfigAlreadyExists)             \
	C(DeploymentConfigDoesNotExist)              \
	C(DeploymentConfigInUse)                     \
	C(DeploymentConfigLimitExceeded)             \
	C(DeploymentConfigNameRequired)              \
	C(DeploymentDoesNotExist)                    \
	C(DeploymentGroupAlreadyExists)              \
	C(DeploymentGroupDoesNotExist)               \
	C(DeploymentGroupLimitExceeded)              \
	C(DeploymentGroupNameRequired)               \
	C(DeploymentIdRequired)                      \
	C(DeploymentIsNotInReadyState)               \
	C(DeploymentLimitExceeded)                   \
	C(DeploymentNotStarted)                      \
	C(DeploymentTargetDoesNotExist)              \
	C(DeploymentTargetIdRequired)                \
	C(DeploymentTargetListSizeExceeded)          \
	C(DescriptionTooLong)                        \
	C(IamArnRequired)                            \
	C(IamSessionArnAlreadyRegistered)            \
	C(IamUserArnAlreadyRegistered)               \
	C(IamUserArnRequired)                        \
	C(InstanceDoesNotExist)                      \
	C(InstanceIdRequired)                        \
	C(InstanceLimitExceeded)                     \
	C(InstanceNameAlreadyRegistered)             \
	C(InstanceNameRequired)                      \
	C(InstanceNotRegistered)                     \
	C(InvalidAlarmConfig)                        \
	C(InvalidApplicationName)                    \
	C(InvalidArn)                                \
	C(InvalidAutoRollbackConfig)                 \
	C(InvalidAutoScalingGroup)                   \
	C(InvalidBlueGreenDeploymentConfiguration)   \
	C(InvalidBucketNameFilter)                   \
	C(InvalidComputePlatform)                    \
	C(InvalidDeployedStateFilter)                \
	C(InvalidDeploymentConfigName)               \
	C(InvalidDeploymentGroupName)                \
	C(InvalidDeploymentId)                       \
	C(InvalidDeploymentInstanceType)             \
	C(InvalidDeploymentStatus)                   \
	C(InvalidDeploymentStyle)                    \
	C(InvalidDeploymentTargetId)                 \
	C(InvalidDeploymentWaitType)                 \
	C(InvalidEC2TagCombination)                  \
	C(InvalidEC2Tag)                             \
	C(InvalidECSService)                         \
	C(InvalidExternalId)                         \
	C(InvalidFileExistsBehavior)                 \
	C(InvalidIamSessionArn)                      \
	C(InvalidIamUserArn)                         \
	C(InvalidIgnoreApplicationStopFailuresValue) \
	C(InvalidInput)                              \
	C(InvalidInstanceId)                         \
	C(InvalidInstanceName)                       \
	C(InvalidInstanceStatus)                     \
	C(InvalidInstanceType)                       \
	C(InvalidKeyPrefixFilter)                    \
	C(InvalidLifecycleEventHookExecutionId)      \
	C(InvalidLifecycleEventHookExecutionStatus)  \
	C(InvalidLoadBalancerInfo)                   \
	C(InvalidMinimumHealthyHostValue)            \
	C(InvalidNextToken)                          \
	C(InvalidOnPremisesTagCombination)           \
	C(InvalidOperation)                          \
	C(InvalidRegistrationStatus)                 \
	C(InvalidRevision)                           \
	C(InvalidRole)                               \
	C(InvalidSortBy)                             \
	C(InvalidSortOrder)                          \
	C(InvalidTag)                                \
	C(InvalidTagFilter)                          \
	C(InvalidTagsToAdd)                          \
	C(InvalidTarget)                             \
	C(InvalidTargetFilterName)                   \
	C(InvalidTargetGroupPair)                    \
	C(InvalidTargetInstances)                    \
	C(InvalidTimeRange)                          \
	C(InvalidTrafficRoutingConfiguration)        \
	C(InvalidTriggerConfig)                      \
	C(InvalidUpdateOutdatedInstancesOnlyValue)   \
	C(InvalidZonalDeploymentConfiguration)       \
	C(LifecycleEventAlreadyCompleted)            \
	C(LifecycleHookLimitExceeded)                \
	C(MultipleIamArnsProvided)                   \
	C(OperationNotSupported)                     \
	C(ResourceArnRequired)                       \
	C(ResourceValidation)                        \
	C(RevisionDoesNotExist)                      \
	C(RevisionRequired)                          \
	C(RoleRequired)                              \
	C(TagLimitExceeded)                          \
	C(TagRequired)                               \
	C(TagSetListLimitExceeded)                   \
	C(TriggerTargetsLimitExceeded)               \
	C(UnsupportedActionForDeploymentType)

/* The agent channel (CodeDeploy Commands API). */
#define SW_ERRORS_COMMANDS(X)                                               \
	X(ClientException, 400, "ClientException", "invalid agent request") \
	X(ServerException, 500, "ServerException", "server error")

/* S3's error codes (REST-XML `<Error><Code>`). */
#define SW_ERRORS_S3(X)                                                                          \
	X(NoSuchBucket, 404, "NoSuchBucket", "The specified bucket does not exist")              \
	X(NoSuchKey, 404, "NoSuchKey", "The specified key does not exist.")                      \
	X(NoSuchUpload, 404, "NoSuchUpload", "The specified upload does not exist.")             \
	X(BucketAlreadyOwnedByYou, 409, "BucketAlreadyOwnedByYou",                               \
	  "Your previous request to create the named bucket succeeded and you already own it.")  \
	X(BucketNotEmpty, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty")  \
	X(InvalidBucketName, 400, "InvalidBucketName", "The specified bucket is not valid.")     \
	X(InvalidArgument, 400, "InvalidArgument", "Invalid Argument")                           \
	X(InvalidRange, 416, "InvalidRange", "The requested range is not satisfiable")           \
	X(InvalidPart, 400, "InvalidPart",                                                       \
	  "One or more of the specified parts could not be found.")                              \
	X(InvalidPartOrder, 400, "InvalidPartOrder",                                             \
	  "The list of parts was not in ascending order.")                                       \
	X(EntityTooSmall, 400, "EntityTooSmall",                                                 \
	  "Your proposed upload is smaller than the minimum allowed object size.")               \
	X(EntityTooLarge, 400, "EntityTooLarge",                                                 \
	  "Your proposed upload exceeds the maximum allowed size")                               \
	X(MalformedXML, 400, "MalformedXML",                                                     \
	  "The XML you provided was not well-formed or did not validate against our published "  \
	  "schema")                                                                              \
	X(BadDigest, 400, "BadDigest",                                                           \
	  "The Content-MD5 or checksum you specified did not match what we received.")           \
	X(XAmzContentSHA256Mismatch, 400, "XAmzContentSHA256Mismatch",                           \
	  "The provided 'x-amz-content-sha256' header does not match what was computed.")        \
	X(IncompleteBody, 400, "IncompleteBody",                                                 \
	  "You did not provide the number of bytes specified by the Content-Length HTTP header") \
	X(MethodNotAllowed, 405, "MethodNotAllowed",                                             \
	  "The specified method is not allowed against this resource.")                          \
	X(PreconditionFailed, 412, "PreconditionFailed",                                         \
	  "At least one of the pre-conditions you specified did not hold")                       \
	X(NotModified, 304, "NotModified", "Not Modified")                                       \
	X(InvalidRequest, 400, "InvalidRequest", "Invalid Request")                              \
	X(InvalidDigest, 400, "InvalidDigest", "The Content-MD5 you specified was invalid.")     \
	X(MetadataTooLarge, 400, "MetadataTooLarge",                                             \
	  "Your metadata headers exceed the maximum allowed metadata size.")                     \
	X(KeyTooLongError, 400, "KeyTooLongError", "Your key is too long")                       \
	X(AuthorizationQueryParametersError, 400, "AuthorizationQueryParametersError",           \
	  "Query-string authentication parameters are malformed.")

/* IAM's error codes (query protocol `<Error><Code>`). */
#define SW_ERRORS_IAM(X)                                                                           \
	X(NoSuchEntity, 404, "NoSuchEntity",                                                       \
	  "The request was rejected because it referenced a resource entity that does not exist.") \
	X(EntityAlreadyExists, 409, "EntityAlreadyExists",                                         \
	  "The request was rejected because it attempted to create a resource that already "       \
	  "exists.")                                                                               \
	X(DeleteConflict, 409, "DeleteConflict",                                                   \
	  "The request was rejected because it attempted to delete a resource that has attached "  \
	  "subordinate entities.")                                                                 \
	X(LimitExceeded, 409, "LimitExceeded",                                                     \
	  "The request was rejected because it attempted to create resources beyond the current "  \
	  "AWS account limits.")                                                                   \
	X(ValidationError, 400, "ValidationError", "validation error")                             \
	X(InvalidAction, 400, "InvalidAction", "The action or operation requested is invalid.")

#define SW__CD_AS_X(n) X(n, 400, #n "Exception", NULL)

enum sw_err {
#define X(code, http, aws, msg) SW_E_##code,
	SW_ERRORS_GENERIC(X)
#define C(n) SW_E_##n,
	    SW_ERRORS_CODEDEPLOY(C) SW_ERRORS_COMMANDS(X) SW_ERRORS_S3(X) SW_ERRORS_IAM(X)
#undef C
#undef X
		SW_E__COUNT
};

struct err_info {
	const char *name;     /* the code's own name, e.g. "ApplicationDoesNotExist" */
	int http_status;      /* what the protocol layer answers with */
	const char *aws_type; /* e.g. "ApplicationDoesNotExistException" */
	const char *message;  /* default text, may be NULL */
};

/* An error for a person: which code and what exactly went wrong. */
struct err {
	int code;
	char msg[512];
};

/* The table row for a code, positive or negative; an unknown code yields INTERNAL's row. */
const struct err_info *err_info(int code);

/* Records code and message in e (which may be NULL) and returns -code, so callers can write
 * `return err_set(e, SW_E_INVALID, "…");`.  fmt may be NULL for the table's message. */
int err_set(struct err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int err_vset(struct err *e, int code, const char *fmt, va_list ap);

/* The message to show: e's own text, else the table's message. */
const char *err_message(const struct err *e);

void err_clear(struct err *e);

#endif
