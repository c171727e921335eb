/* query_form: the application/x-www-form-urlencoded body parser of the AWS query protocol
 * (IAM, CloudWatch), shared by the server's IAM front and CloudWatch's query front. */
#ifndef SW_QUERY_FORM_H
#define SW_QUERY_FORM_H

#include "base/buf.h"
#include "base/err.h"
#include "base/sigv4.h"
#include "base/vec.h"

#include <stddef.h>

/* IAM's fields per request; CloudWatch's PutMetricData needs far more (its front sets its own
 * maximum). */
#define QUERY_MAX_PARAMS 256

struct query_form {
	VEC(struct sigv4_kv) params; /* decoded names and values, in body order */
	struct buf store;	     /* decoded names and values, NUL-separated */
};

/* Sets f up, empty, for at most max_params fields. */
void query_form_init(struct query_form *f, size_t max_params);
/* Parses the len bytes at s: fields split on '&' (empty ones skipped), name and value on the
 * first '=' (no '=': the value is ""), '+' is a space, %XX escapes are decoded.  Errors:
 * Serialization for a bad escape, INVALID past the maximum number of fields or for a decoded
 * NUL, TOO_LARGE past HTTP_MAX_BODY bytes of decoded text, NOMEM.  On success params.v[0..n)
 * point into f->store; call query_form_release afterwards, whatever the result. */
int query_form_parse(struct query_form *f, const char *s, size_t len, struct err *e);
void query_form_release(struct query_form *f);

/* The query protocol's names for the generic codes: every authentication and authorisation
 * failure is a 403 (an expired signature is called a mismatch), a malformed or invalid request
 * is a ValidationError, an unknown Action an InvalidAction, and a success code that reaches an
 * error writer a plain 400.  Every other code keeps its own row. */
extern const struct err_view query_err_view;

/* Appends the query protocol's <ErrorResponse> (namespace xmlns) with <Type> Receiver (a server
 * fault) or Sender, <Code> code and <Message> message (escaped).  0, or -SW_E_TOO_LARGE. */
int query_error_xml(struct buf *out, const char *xmlns, const char *code, bool receiver,
		    const char *message, const char *request_id);

#endif
