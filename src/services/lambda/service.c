/* lambda/service: the REST-JSON front — function URLs first, then the route table
 * (decode.c), the operation, and the reply or Lambda's error shape. */
#include "lambda.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

#define LAMBDA_CONTENT_TYPE "application/json"

/* Lambda's REST-JSON error: the code's status, x-amzn-ErrorType, x-amzn-RequestId and
 * {"Type", "message" (or "Message"), "__type"} so botocore raises the modeled exception. */
static void lambda__error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	const struct err_wire w = err_wire(e->code, NULL);
	bool upper = e->code == SW_E_LAMBDA_ResourceNotFound || e->code == SW_E_LAMBDA_Service;
	json_t *j = json_pack("{s:s,s:s,s:s}", "Type", w.http_status >= 500 ? "Service" : "User",
			      upper ? "Message" : "message", err_message(e), "__type", w.aws_type);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	resp->status = w.http_status;
	buf_reset(&resp->body);
	if (s)
		buf_adds(&resp->body, s);
	free(s);
	http_resp_header(resp, "Content-Type", LAMBDA_CONTENT_TYPE);
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
	http_resp_header(resp, "x-amzn-ErrorType", w.aws_type);
}

static void lambda__handle(struct http_req *req, struct http_resp *resp)
{
	const struct lambda_op *op;
	struct rest_match m;
	struct err e;
	json_t *in = NULL;
	int r;

	if (lambda_url_request(req)) {
		lambda_url_serve(req, resp, &req->who);
		return;
	}
	err_clear(&e);
	r = lambda_decode(req, buf_str(&req->body), req->body.len, &m, &op, &in, &e);
	if (r < 0) {
		lambda__error(req, resp, &e);
		return;
	}
	struct lambda_call c = {
		.env = req->env,
		.req = req,
		.resp = resp,
		.who = &req->who,
		.m = &m,
		.in = in,
		.status = op->status,
		.err = &e,
	};

	r = lambda_err_map(&e, op->fn(&c));
	json_decref(in);
	if (r < 0) {
		json_decref(c.out);
		lambda__error(req, resp, &e);
		return;
	}
	if (op->raw) /* written by the op, or parked (status 0): nothing more to do */
		return;
	resp->status = c.status;
	buf_reset(&resp->body);
	if (c.out) {
		char *s = json_dumps(c.out, JSON_COMPACT);

		json_decref(c.out);
		if (!s || buf_adds(&resp->body, s)) {
			free(s);
			err_set(&e, SW_E_LAMBDA_Service, "the reply is too large");
			lambda__error(req, resp, &e);
			return;
		}
		free(s);
		http_resp_header(resp, "Content-Type", LAMBDA_CONTENT_TYPE);
	}
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
}

const struct service lambda_service = {
	.name = "lambda",
	.handle = lambda__handle,
	.error = lambda__error,
};
