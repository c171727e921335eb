/* lambda/service: placeholder until the REST-JSON front lands. */
#include "lambda.h"

static void lambda__handle(struct http_req *req, struct http_resp *resp)
{
	struct err e;

	err_set(&e, SW_E_NotImplemented, "Lambda is not implemented yet");
	json_proto_error(req, resp, &e);
}

const struct service lambda_service = {
	.name = "lambda",
	.handle = lambda__handle,
	.error = json_proto_error,
};
