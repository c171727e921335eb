/* s3/service: (stub — to be implemented). */
#include "server/service.h"

static void s3_error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	json_proto_error(req, resp, e);
}

static void s3_handle(struct http_req *req, struct http_resp *resp)
{
	err_set(&req->err, SW_E_NotImplemented, "S3 is not implemented yet");
	s3_error(req, resp, &req->err);
}

const struct service s3_service = {
	.name = "s3",
	.handle = s3_handle,
	.error = s3_error,
};
