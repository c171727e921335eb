/* lambda: the functions service (AWS Lambda, REST-JSON under /2015-03-31/, /2017-10-31/,
 * /2019-09-30/, /2021-10-31/; SigV4 service `lambda`).  service.c is the route table and the
 * front (decoding, encoding, Lambda's error shape); one file per resource does the work. */
#ifndef SW_SERVICES_LAMBDA_H
#define SW_SERVICES_LAMBDA_H

#include "contract/env.h"
#include "contract/http.h"
#include "contract/rest.h"
#include "contract/service.h"
#include "contract/park.h"
#include "functions/functions.h"
#include "model/lambda.h"

#include <jansson.h>
#include <pthread.h>

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

/*
 * One RequestResponse invocation in flight for a request (Invoke, a function URL): started
 * once, then the request parks until the runtime's answer, and the handler — called again
 * from the start when woken — finds it in req->svc_state and reads the result.
 */
struct lambda_run {
	pthread_mutex_t lock;
	int refs; /* the request's and the runtime's */
	bool done, expired;
	char key[HTTP_PARK_KEY_MAX];
	struct park *park;
	int64_t wait_ms; /* how long the request may park: the timeout and init, with margin */
	/* the result, once done */
	enum fn_outcome outcome;
	char *payload;
	size_t len;
	char version[24];
	char *tail;
	size_t tail_len;
};

/* The run req started, or NULL before it started one. */
struct lambda_run *lambda_run_of(struct http_req *req);
/* Starts inv (its done and arg are set here) for req: -SW_E_LAMBDA_TooManyRequests … as
 * functions_invoke, with nothing started. */
int lambda_run_start(struct http_req *req, struct fn_invoke *inv, struct err *e);
/* True when run is done (or its wait expired: run->expired), false when req parked
 * (resp->status is 0 then: answer nothing). */
bool lambda_run_ready(struct http_req *req, struct http_resp *resp, struct lambda_run *run);
/* Resolves name:qualifier for an invocation now (alias weights drawn here). */
int lambda_target_resolve(struct env *env, const char *name, const char *qualifier,
			  struct lambda_target *t, struct err *e);
int lambda_target_resolve_at(struct env *env, const char *name, const char *qualifier, double u,
			     struct lambda_target *t, struct err *e);
/* provisioned.c: keeps want environments warm for name:qualifier (0: no longer); and, at
 * start, every stored provisioned-concurrency configuration. */
void lambda_provision_warm(struct env *env, const char *name, const char *qualifier, int want);
void lambda_provision_boot(struct env *env);
/* A uniform draw in [0, 1) for alias routing (a per-thread generator). */
double lambda_uniform(void);
/* The queue of Event invocations: stores one for target name/qualifier (in its own write) and
 * wakes the delivery thread. */
int lambda_event_queue(struct env *env, const char *name, const char *qualifier,
		       const char *invoked_arn, const char *request_id, const void *payload,
		       size_t len, struct err *e);
/* What a function URL invokes. */
struct lambda_url_target {
	char function[LAMBDA_NAME_MAX + 1];
	char qualifier[LAMBDA_QUALIFIER_MAX + 1]; /* "" for the unqualified function */
	char auth_type[16];			  /* "NONE" or "AWS_IAM" */
};

/* The event of Lambda's HTTP payload format 2.0 for req to the URL url_id (path: the part of
 * the path after the id, "/" at least). */
json_t *lambda_url_event(const struct http_req *req, const char *url_id, const char *account,
			 const char *path, int64_t now_ms);
/* Fills resp from the function's answer (len bytes of JSON): -1 when it is not a valid
 * answer (a bad statusCode or base64 body), which the URL answers with a 502. */
int lambda_url_response(const char *payload, size_t len, struct http_resp *resp);

/* url.c: a request to a function URL (…/lambda-url/<url-id>/… or Host <url-id>.lambda-url.…),
 * signed or not; who is NULL when unsigned.  Writes resp or parks. */
void lambda_url_serve(struct http_req *req, struct http_resp *resp, const struct principal *who);
bool lambda_url_request(const struct http_req *req); /* whether req is for a function URL */

extern const struct service lambda_url_service; /* unsigned requests to function URLs */

/* The control plane's operations (functions.c, aliases.c, concurrency.c, urls.c, tags.c). */
int lambda_op_create_alias(struct lambda_call *c);
int lambda_op_put_provisioned_concurrency_config(struct lambda_call *c);
int lambda_op_get_provisioned_concurrency_config(struct lambda_call *c);
int lambda_op_delete_provisioned_concurrency_config(struct lambda_call *c);
int lambda_op_list_provisioned_concurrency_configs(struct lambda_call *c);
int lambda_op_create_function_url_config(struct lambda_call *c);
int lambda_op_get_function_url_config(struct lambda_call *c);
int lambda_op_update_function_url_config(struct lambda_call *c);
int lambda_op_delete_function_url_config(struct lambda_call *c);
int lambda_op_list_function_url_configs(struct lambda_call *c);
int lambda_op_create_function(struct lambda_call *c);
int lambda_op_delete_alias(struct lambda_call *c);
int lambda_op_delete_function(struct lambda_call *c);
int lambda_op_delete_function_concurrency(struct lambda_call *c);
int lambda_op_get_account_settings(struct lambda_call *c);
int lambda_op_get_alias(struct lambda_call *c);
int lambda_op_get_function(struct lambda_call *c);
int lambda_op_get_function_concurrency(struct lambda_call *c);
int lambda_op_get_function_configuration(struct lambda_call *c);
int lambda_op_list_aliases(struct lambda_call *c);
int lambda_op_list_functions(struct lambda_call *c);
int lambda_op_list_tags(struct lambda_call *c);
int lambda_op_list_versions_by_function(struct lambda_call *c);
int lambda_op_publish_version(struct lambda_call *c);
int lambda_op_put_function_concurrency(struct lambda_call *c);
int lambda_op_tag_resource(struct lambda_call *c);
int lambda_op_untag_resource(struct lambda_call *c);
int lambda_op_update_alias(struct lambda_call *c);
int lambda_op_update_function_code(struct lambda_call *c);
int lambda_op_update_function_configuration(struct lambda_call *c);

/* decode.c: the front's request decoding, without a store (fuzzed). */
#define LAMBDA_BODY_MAX (8u << 20) /* the server buffers 8 MiB (HTTP_MAX_BODY) */

/*
 * Matches the request (method, raw path, req's query) against the route table: *op and m on
 * success, else -SW_E_UnknownOperation (no route), -SW_E_NotImplemented (an operation of
 * Lambda's model that Slipway does not do, naming it), -SW_E_LAMBDA_InvalidParameterValue (a
 * malformed path parameter).  Unless the op is raw, parses body (n bytes; none: {}) into *in
 * (a new object): -SW_E_LAMBDA_InvalidRequestContent when it is not a JSON object or over
 * LAMBDA_BODY_MAX.  Checks the common query parameters' forms (MaxItems 1..10000).
 */
int lambda_decode(const struct http_req *req, const void *body, size_t n, struct rest_match *m,
		  const struct lambda_op **op, json_t **in, struct err *e);
/* Lambda's error mapping: the rules' generic SW_E_INVALID / SW_E_NOT_FOUND become Lambda's
 * ValidationException (a "1 validation error detected" message), InvalidParameterValue or
 * ResourceNotFound; other codes are kept. */
int lambda_err_map(struct err *e, int rc);

/* code.c: a presigned S3 GET URL (10 minutes, the caller's key) for the zip in blob, into out. */
int lambda_code_location(struct lambda_call *c, const char *blob, int64_t size, char *out,
			 size_t outsize);

/* common.c */
/* The function named by the path's {FunctionName} (any of Lambda's forms, 140 characters),
 * its account and region checked against ours; qualifier out of the name, if any. */
int lambda_fn_ref(struct lambda_call *c, struct lambda_ref *ref);
/* A query parameter (decoded), NULL when absent or too long (e set then). */
const char *lambda_query(struct lambda_call *c, const char *name, char *buf, size_t size);
/* The unqualified function ARN. */
void lambda_fn_arn(const struct lambda_call *c, const char *name, char *out, size_t size);

#endif
