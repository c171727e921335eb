/* query_form: the application/x-www-form-urlencoded body parser of the AWS query protocol
 * (IAM, CloudWatch), exposed so that its fuzz target can reach it. */
#ifndef SW_QUERY_FORM_H
#define SW_QUERY_FORM_H

#include "base/buf.h"
#include "base/err.h"
#include "services/iam/errors.h"
#include "base/sigv4.h"

#include <stddef.h>

#define QUERY_MAX_PARAMS 256

struct query_form {
	struct sigv4_kv params[QUERY_MAX_PARAMS]; /* decoded names and values, in body order */
	size_t n;
	struct buf store; /* decoded names and values, NUL-separated */
};

/* Parses the len bytes at s: fields split on '&' (empty ones skipped), name and value on the
 * first '=' (no '=': the value is ""), '+' is a space, %XX escapes are decoded.  Errors:
 * Serialization for a bad escape, ValidationError past QUERY_MAX_PARAMS fields.  On success
 * params[0..n) point into f->store; call query_form_release afterwards, whatever the result. */
int query_form_parse(struct query_form *f, const char *s, size_t len, struct err *e);
void query_form_release(struct query_form *f);

#endif
