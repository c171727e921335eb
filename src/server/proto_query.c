/* proto_query: the AWS query protocol (form-encoded Action=…, XML replies) used by IAM. */
#include "contract/query_form.h"
#include "contract/service.h"
#include "services/iam/errors.h"
#include "slipwayd.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <string.h>

const char *query_param(const struct query_call *c, const char *name)
{
	for (size_t i = 0; i < c->nparams; i++)
		if (strcmp(c->params[i].name, name) == 0)
			return c->params[i].value;
	return NULL;
}

void query_proto_error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	const struct err_wire w = err_wire(e->code, &query_err_view);

	resp->status = w.http_status;
	buf_reset(&resp->body);
	query_error_xml(&resp->body, "https://iam.amazonaws.com/doc/2010-05-08/", w.aws_type,
			resp->status >= 500, err_message(e), req->request_id);
	http_resp_header(resp, "Content-Type", "text/xml");
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
}

void query_proto_handle(const struct query_service *svc, struct http_req *req,
			struct http_resp *resp)
{
	struct query_form f;
	struct buf result = BUF_INIT(32u << 20);
	struct query_call c = { .env = req->env, .req = req, .who = &req->who, .err = &req->err };
	const struct query_op *op = NULL;
	const char *action;
	int r;

	query_form_init(&f, QUERY_MAX_PARAMS);
	r = query_form_parse(&f, buf_str(&req->body), req->body.len, &req->err);
	c.params = f.params.v;
	c.nparams = f.params.n;
	c.result = &result;
	action = r ? NULL : query_param(&c, "Action");
	if (!r && !action)
		r = err_set(&req->err, SW_E_InvalidAction, "Action is required");
	for (const struct query_op *o = svc->ops; !r && o->name; o++)
		if (strcmp(o->name, action) == 0)
			op = o;
	if (!r && !op)
		r = err_set(&req->err, SW_E_InvalidAction, "Could not find operation %s", action);
	if (!r && req->who.kind != PRINCIPAL_ADMIN) {
		char what[200];

		r = err_set(&req->err, SW_E_AccessDenied,
			    "User: %s is %s and is not authorized to perform: iam:%s",
			    req->who.user_arn, principal_describe(&req->who, what, sizeof(what)),
			    action);
	}
	if (!r)
		r = op->fn(&c);
	if (r < 0) {
		if (!req->err.code)
			err_set(&req->err, r, NULL);
		query_proto_error(req, resp, &req->err);
	} else {
		resp->status = 200;
		buf_addf(&resp->body, "<%sResponse xmlns=\"%s\">\n", action, svc->xmlns);
		if (result.len)
			buf_addf(&resp->body, "  <%sResult>\n%s  </%sResult>\n", action,
				 buf_str(&result), action);
		buf_addf(
		    &resp->body,
		    "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
		    "</%sResponse>\n",
		    req->request_id, action);
		http_resp_header(resp, "Content-Type", "text/xml");
		http_resp_header(resp, "x-amzn-RequestId", req->request_id);
	}
	buf_release(&result);
	query_form_release(&f);
}
