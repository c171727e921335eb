/* lambda: the functions service (AWS Lambda, REST-JSON under /2015-03-31/, /2017-10-31/,
 * /2019-09-30/, /2021-10-31/; SigV4 service `lambda`).  service.c is the route table and the
 * front (decoding, encoding, Lambda's error shape); one file per resource does the work. */
#ifndef SW_SERVICES_LAMBDA_H
#define SW_SERVICES_LAMBDA_H

#include "contract/env.h"
#include "contract/http.h"
#include "contract/rest.h"
#include "contract/service.h"
#include "model/lambda.h"

#include <jansson.h>

/* One call of a Lambda operation. */
struct lambda_call {
	struct env *env;
	struct http_req *req;
	struct http_resp *resp; /* a raw operation (Invoke) fills it itself */
	const struct principal *who;
	const struct rest_match *m; /* the path's parameters */
	json_t *in;  /* the JSON body (an object; {} when empty), NULL for a raw op */
	json_t *out; /* the reply (a new reference) or NULL for no body */
	int status;  /* the success status; preset from the route's */
	struct err *err;
};

struct lambda_op {
	const char *name;
	int (*fn)(struct lambda_call *c); /* NULL: NotImplemented */
	int status;			  /* success status: 200, 201, 202, 204 */
	/* The body is the operation's (Invoke's payload), not a JSON request: the handler
	 * reads req->body and writes resp itself, or parks (resp->status = 0); on an error
	 * return the front writes the error as usual. */
	bool raw;
};

/* invoke.c */
int lambda_invoke(struct lambda_call *c);
/* url.c: a request to a function URL (…/lambda-url/<url-id>/… or Host <url-id>.lambda-url.…),
 * signed or not; who is NULL when unsigned.  Writes resp or parks. */
void lambda_url_serve(struct http_req *req, struct http_resp *resp, const struct principal *who);
bool lambda_url_request(const struct http_req *req); /* whether req is for a function URL */

extern const struct service lambda_url_service; /* unsigned requests to function URLs */

#endif
