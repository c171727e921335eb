/* proto_json: the AWS JSON 1.1 protocol — X-Amz-Target dispatch, `__type` errors. */
#include "contract/service.h"
#include "slipwayd.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

static const struct json_op *json__find(const struct json_service *svc, const char *name)
{
	for (const struct json_op *const *t = svc->tables; *t; t++)
		for (const struct json_op *op = *t; op->name; op++)
			if (strcmp(op->name, name) == 0)
				return op;
	return NULL;
}

void json_proto_error_body(struct http_req *req, struct http_resp *resp, const struct err *e,
			   const char *content_type)
{
	/* every code as its own row says */
	const struct err_wire w = err_wire(e->code, NULL);
	json_t *j = json_object();
	char *s;

	resp->status = w.http_status;
	json_object_set_new(j, "__type", json_string(w.aws_type));
	json_object_set_new(j, "message", json_string(err_message(e)));
	s = json_dump(j);
	json_decref(j);
	buf_reset(&resp->body);
	if (s)
		buf_adds(&resp->body, s);
	free(s);
	http_resp_header(resp, "Content-Type", content_type);
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
}

void json_proto_error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	json_proto_error_body(req, resp, e, JSON_11_CONTENT_TYPE);
	http_resp_header(resp, "x-amzn-ErrorType", err_wire(e->code, NULL).aws_type);
}

const struct json_op *json_proto_op(const struct json_service *svc, const char *opname,
				    const struct principal *who, struct err *e)
{
	const struct json_op *op = json__find(svc, opname);

	if (!op) {
		err_set(e, SW_E_UnknownOperation, "unknown operation '%s'", opname);
		return NULL;
	}
	if (!op->fn) {
		err_set(e, SW_E_NotImplemented, "operation '%s' is not implemented by slipwayd yet",
			opname);
		return NULL;
	}
	if (!(who->kind == PRINCIPAL_ADMIN ||
	      (who->kind == PRINCIPAL_INSTANCE && (op->flags & OP_INSTANCE_OK)))) {
		char what[200];

		err_set(e, SW_E_AccessDenied, "User: %s is %s and is not authorized to perform: %s",
			who->user_arn, principal_describe(who, what, sizeof(what)), opname);
		return NULL;
	}
	return op;
}

void json_proto_handle(const struct json_service *svc, struct http_req *req, struct http_resp *resp)
{
	const char *opname = req->target + strlen(svc->target_prefix);
	const struct json_op *op = json_proto_op(svc, opname, &req->who, &req->err);
	struct call c = { .env = req->env, .req = req, .who = &req->who, .err = &req->err };
	void (*error)(struct http_req *, struct http_resp *, const struct err *) =
	    svc->error ? svc->error : json_proto_error;
	char *s;
	int r;

	if (!op) {
		error(req, resp, &req->err);
		return;
	}
	r = json_parse_object(buf_str(&req->body), req->body.len, &c.in, &req->err);
	if (!r)
		r = op->fn(&c);
	json_decref(c.in);
	if (r < 0) {
		if (!req->err.code)
			err_set(&req->err, r, NULL);
		json_decref(c.out);
		error(req, resp, &req->err);
		return;
	}
	s = c.out ? json_dump(c.out) : NULL;
	json_decref(c.out);
	resp->status = 200;
	buf_adds(&resp->body, s ? s : "{}");
	free(s);
	http_resp_header(resp, "Content-Type",
			 svc->content_type ? svc->content_type : JSON_11_CONTENT_TYPE);
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
}

void json_proto_list(const struct json_service *svc, const char *name,
		     void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	for (const struct json_op *const *t = svc->tables; *t; t++)
		for (const struct json_op *op = *t; op->name; op++)
			fn(name, op->name, op->fn != NULL, arg);
}
