/* s3 errors: S3's error codes (REST-XML `<Error><Code>`) and S3's names for the generic ones. */
#ifndef SW_S3_ERRORS_H
#define SW_S3_ERRORS_H

#include "base/err.h"

/* X(code, http status, S3 code, default message), as in base/err.h; one row per line. */
/* clang-format off */
#define SW_ERRORS_S3(X) \
	X(NoSuchBucket, 404, "NoSuchBucket", "The specified bucket does not exist") \
	X(NoSuchKey, 404, "NoSuchKey", "The specified key does not exist.") \
	X(NoSuchUpload, 404, "NoSuchUpload", "The specified upload does not exist.") \
	X(BucketAlreadyOwnedByYou, 409, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.") \
	X(BucketNotEmpty, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty") \
	X(InvalidBucketName, 400, "InvalidBucketName", "The specified bucket is not valid.") \
	X(InvalidArgument, 400, "InvalidArgument", "Invalid Argument") \
	X(InvalidRange, 416, "InvalidRange", "The requested range is not satisfiable") \
	X(InvalidPart, 400, "InvalidPart", "One or more of the specified parts could not be found.") \
	X(InvalidPartOrder, 400, "InvalidPartOrder", "The list of parts was not in ascending order.") \
	X(EntityTooSmall, 400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.") \
	X(EntityTooLarge, 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size") \
	X(MalformedXML, 400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema") \
	X(BadDigest, 400, "BadDigest", "The Content-MD5 or checksum you specified did not match what we received.") \
	X(XAmzContentSHA256Mismatch, 400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.") \
	X(IncompleteBody, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header") \
	X(MethodNotAllowed, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.") \
	X(PreconditionFailed, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold") \
	X(NotModified, 304, "NotModified", "Not Modified") \
	X(InvalidRequest, 400, "InvalidRequest", "Invalid Request") \
	X(InvalidDigest, 400, "InvalidDigest", "The Content-MD5 you specified was invalid.") \
	X(MetadataTooLarge, 400, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.") \
	X(KeyTooLongError, 400, "KeyTooLongError", "Your key is too long") \
	X(AuthorizationQueryParametersError, 400, "AuthorizationQueryParametersError", "Query-string authentication parameters are malformed.")
/* clang-format on */

enum s3_err {
	SW_E__S3_BEFORE = SW_ERR_BASE_S3 - 1,
#define X(code, http, aws, msg) SW_E_##code,
	SW_ERRORS_S3(X)
#undef X
	    SW_E__S3_END
};

/* The rows of SW_ERRORS_S3; registered at start (ERR_REGISTER in errors.c). */
extern const struct err_table s3_err_table;

/* How S3 answers the generic codes (AccessDenied, SignatureDoesNotMatch, … 403; InternalError
 * for any server error), for err_wire(). */
extern const struct err_view s3_err_view;

#endif
