/* health: `/healthz` liveness for load balancers and tests (no signature needed). */
#include "contract/service.h"
#include "slipwayd.h"

static void health_handle(struct http_req *req, struct http_resp *resp)
{
	(void)req;
	resp->status = 200;
	buf_adds(&resp->body, "ok\n");
	http_resp_header(resp, "Content-Type", "text/plain");
}

static void health_error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	(void)req;
	resp->status = err_info(e->code)->http_status;
	buf_reset(&resp->body);
	buf_addf(&resp->body, "%s\n", err_message(e));
	http_resp_header(resp, "Content-Type", "text/plain");
}

const struct service health_service = {
	.name = "health",
	.anonymous = true,
	.handle = health_handle,
	.error = health_error,
};
