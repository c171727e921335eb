/* iam errors: IAM's error codes (query protocol `<Error><Code>`). */
#ifndef SW_IAM_ERRORS_H
#define SW_IAM_ERRORS_H

#include "base/err.h"

/* X(code, http status, IAM code, default message), as in base/err.h; one row per line.
 * InvalidAction and ValidationError are also what the query front (server/proto_query.c) answers
 * for a request it cannot parse or dispatch. */
/* clang-format off */
#define SW_ERRORS_IAM(X) \
	X(NoSuchEntity, 404, "NoSuchEntity", "The request was rejected because it referenced a resource entity that does not exist.") \
	X(EntityAlreadyExists, 409, "EntityAlreadyExists", "The request was rejected because it attempted to create a resource that already exists.") \
	X(DeleteConflict, 409, "DeleteConflict", "The request was rejected because it attempted to delete a resource that has attached subordinate entities.") \
	X(LimitExceeded, 409, "LimitExceeded", "The request was rejected because it attempted to create resources beyond the current AWS account limits.") \
	X(ValidationError, 400, "ValidationError", "validation error") \
	X(InvalidAction, 400, "InvalidAction", "The action or operation requested is invalid.")
/* clang-format on */

enum iam_err {
	SW_E__IAM_BEFORE = SW_ERR_BASE_IAM - 1,
#define X(code, http, aws, msg) SW_E_##code,
	SW_ERRORS_IAM(X)
#undef X
	    SW_E__IAM_END
};

/* The rows of SW_ERRORS_IAM; registered at start (ERR_REGISTER in errors.c). */
extern const struct err_table iam_err_table;

#endif
