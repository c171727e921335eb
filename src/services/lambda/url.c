/* lambda/url: serving function URLs — Lambda's HTTP payload format 2.0 over an invocation
 * through the URL's qualifier. */
#include "lambda.h"

#include <string.h>

bool lambda_url_request(const struct http_req *req)
{
	return strncmp(req->path, "/lambda-url/", 12) == 0;
}

void lambda_url_serve(struct http_req *req, struct http_resp *resp, const struct principal *who)
{
	struct err e;

	(void)who;
	err_set(&e, SW_E_NotImplemented, "function URLs are not implemented yet");
	json_proto_error(req, resp, &e);
}

static void lambda_url__handle(struct http_req *req, struct http_resp *resp)
{
	lambda_url_serve(req, resp, NULL);
}

const struct service lambda_url_service = {
	.name = "lambda-url",
	.anonymous = true,
	.handle = lambda_url__handle,
	.error = json_proto_error,
};
