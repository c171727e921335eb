/* iam/service: the IAM subset (AWS query protocol) — Slipway's key management. */
#include "iam.h"

static const struct query_service iam__query = {
	.xmlns = "https://iam.amazonaws.com/doc/2010-05-08/",
	.ops = iam_ops,
};

static void iam_handle(struct http_req *req, struct http_resp *resp)
{
	query_proto_handle(&iam__query, req, resp);
}

static void iam_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	for (const struct query_op *op = iam_ops; op->name; op++)
		fn("IAM", op->name, op->fn != NULL, arg);
}

const struct service iam_service = {
	.name = "iam",
	.handle = iam_handle,
	.error = query_proto_error,
	.list_ops = iam_list,
};
