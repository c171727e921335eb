/* rest: the route table of a REST protocol — method, path template, query and header
 * conditions to an operation — and its matcher, shared by the server and the services. */
#ifndef SW_REST_H
#define SW_REST_H

#include "contract/http.h"

#include <stdbool.h>
#include <stddef.h>

#define REST_PARAMS_MAX 4    /* labels in one template */
#define REST_VALUE_MAX	4096 /* decoded bytes of one path parameter */
#define REST_VALUES_MAX 8192 /* decoded bytes of all of a match's parameters */
#define REST_CONDS_MAX	3    /* required or forbidden query keys of one route */

/*
 * One route.  A table is a static const array of them ending in a { NULL } row, and the
 * matcher takes the FIRST route that matches in table order: put the most specific first
 * (`PUT /{Bucket}/{Key+}` with ?uploadId and x-amz-copy-source before the one with ?uploadId
 * only, before plain PUT).
 *
 * path is a template as the AWS Smithy models write them: literal text, `{Name}` labels that
 * are whole segments and match one non-empty segment (up to the next '/'), and at most one
 * greedy `{Name+}` label, the last segment, that matches the rest of the path, '/' and all,
 * at least one byte.  Literals compare byte for byte with the raw (percent-encoded) path, so
 * `/x` and `/x/` are different paths and "." or ".." segments are plain data.
 */
struct rest_route {
	const char *method; /* "GET", …, or "*" for any; NULL ends the table */
	const char *path;
	/* query keys that must be present ("uploads"), or present with this raw value
	 * ("list-type=2"); the first occurrence of a key counts */
	const char *query[REST_CONDS_MAX];
	const char *no_query[REST_CONDS_MAX]; /* query keys that must be absent */
	const char *header;		      /* a header that must be present, or NULL */
	const void *op;			      /* what the table's owner dispatches to */
};

/* A path parameter: its label's name (not terminated) and its value, percent-decoded exactly
 * once, NUL-terminated, inside the match. */
struct rest_param {
	const char *name;
	size_t name_len;
	const char *value;
	size_t len;
};

struct rest_match {
	const struct rest_route *route; /* the route that matched, or NULL */
	struct rest_param params[REST_PARAMS_MAX];
	size_t nparams;
	const char *bad; /* a failed parameter's label name (bad_len bytes), or NULL */
	size_t bad_len;
	char values[REST_VALUES_MAX + REST_PARAMS_MAX];
};

/* What rest_match found when it returns no error. */
enum rest_found {
	REST_MATCHED = 0,   /* m->route and m->params */
	REST_NO_ROUTE = 1,  /* no template matches the path (a 404) */
	REST_NO_METHOD = 2, /* some template matches the path, but no route's method, query and
			     * header conditions (a 405): m->params are the first such route's */
};

/*
 * Matches method, path (percent-encoded, as sent; need not be req->path: a service may match
 * a path it rebuilt) and req's query and headers against routes.  The parameters of the first
 * route whose template matches the path are decoded whatever the method, so a malformed
 * parameter is an error before any method or condition is looked at:
 *  -SW_E_INVALID    an invalid percent-escape, or one that decodes to NUL;
 *  -SW_E_TOO_LARGE  a value over REST_VALUE_MAX bytes (or all of them over REST_VALUES_MAX);
 * either with m->bad naming the label and m->params holding the parameters before it.
 * Otherwise returns an enum rest_found.  Allocates nothing; m is the caller's.
 */
int rest_match(const struct rest_route *routes, const char *method, const char *path,
	       const struct http_req *req, struct rest_match *m);

/* The value of the parameter labelled name, or NULL (name is compared whole). */
const char *rest_param(const struct rest_match *m, const char *name);

/*
 * Percent-decodes the n bytes at s into out (size bytes, always NUL-terminated when size > 0),
 * length in *len: -SW_E_INVALID for a '%' not followed by two hex digits or one that decodes
 * to NUL, -SW_E_TOO_LARGE when the result and its NUL do not fit.  '+' is just '+'.
 */
int rest_decode(const char *s, size_t n, char *out, size_t size, size_t *len);

#endif
