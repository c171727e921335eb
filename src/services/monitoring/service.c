/* monitoring/service: CloudWatch's fronts — AWS JSON 1.0 (`X-Amz-Target:
 * GraniteServiceVersion20100801.<Op>`), Smithy RPC v2 CBOR (POST
 * /service/GraniteServiceVersion20100801/operation/<Op>) and the query protocol (Action=<Op>);
 * each decodes into the one JSON object the operation's handler takes and encodes what it
 * returns (reference/cloudwatch.md §1.1). */
#include "monitoring.h"
#include "cbor.h"
#include "query.h"

#define MONITORING_JSON_CONTENT_TYPE "application/x-amz-json-1.0"

/* Operations of the model that Slipway does not serve: they answer NotImplemented. */
static const struct json_op monitoring__other_ops[] = {
	{ "DeleteDashboards", NULL, 0 },
	{ "GetDashboard", NULL, 0 },
	{ "ListDashboards", NULL, 0 },
	{ "PutDashboard", NULL, 0 },
	{ "DeleteAnomalyDetector", NULL, 0 },
	{ "DescribeAnomalyDetectors", NULL, 0 },
	{ "PutAnomalyDetector", NULL, 0 },
	{ "DeleteInsightRules", NULL, 0 },
	{ "DescribeInsightRules", NULL, 0 },
	{ "PutInsightRule", NULL, 0 },
	{ "GetInsightRuleReport", NULL, 0 },
	{ "GetMetricWidgetImage", NULL, 0 },
	{ "DeleteMetricStream", NULL, 0 },
	{ "GetMetricStream", NULL, 0 },
	{ "ListMetricStreams", NULL, 0 },
	{ "PutMetricStream", NULL, 0 },
	{ NULL, NULL, 0 },
};

static const struct json_op *const monitoring__tables[] = {
	monitoring_metric_ops,
	monitoring_alarm_ops,
	monitoring__other_ops,
	NULL,
};

/* JSON 1.0 errors: `__type` is the shape's name, and x-amzn-query-error carries the query code
 * so that botocore raises the modeled exception (client.exceptions.ResourceNotFound …). */
static void monitoring__json_error(struct http_req *req, struct http_resp *resp,
				   const struct err *e)
{
	json_proto_error_body(req, resp, e, MONITORING_JSON_CONTENT_TYPE);
	monitoring_query_error_header(resp, e);
}

static const struct json_service monitoring__json = {
	.target_prefix = MONITORING_TARGET_PREFIX,
	.tables = monitoring__tables,
	.content_type = MONITORING_JSON_CONTENT_TYPE,
	.error = monitoring__json_error,
};

enum monitoring__front { MONITORING_JSON, MONITORING_CBOR, MONITORING_QUERY };

/* Which protocol the request speaks (§1.1): the CBOR path is CBOR (which refuses an
 * X-Amz-Target), else X-Amz-Target is JSON 1.0, and anything else the query protocol. */
static enum monitoring__front monitoring__front(const struct http_req *req)
{
	const char *op;
	size_t len;

	if (monitoring_cbor_path(req->path, &op, &len))
		return MONITORING_CBOR;
	if (req->target[0])
		return MONITORING_JSON;
	return MONITORING_QUERY;
}

static void monitoring_handle(struct http_req *req, struct http_resp *resp)
{
	switch (monitoring__front(req)) {
	case MONITORING_JSON:
		json_proto_handle(&monitoring__json, req, resp);
		break;
	case MONITORING_CBOR:
		monitoring_cbor_handle(&monitoring__json, req, resp);
		break;
	case MONITORING_QUERY:
		monitoring_query_handle(&monitoring__json, req, resp);
		break;
	}
}

/* An error before the handler runs (authentication, a body too large), in the request's
 * protocol. */
static void monitoring_error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	switch (monitoring__front(req)) {
	case MONITORING_JSON:
		monitoring__json_error(req, resp, e);
		break;
	case MONITORING_CBOR:
		monitoring_cbor_error(req, resp, e);
		break;
	case MONITORING_QUERY:
		monitoring_query_error(req, resp, e);
		break;
	}
}

static void monitoring_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	json_proto_list(&monitoring__json, "CloudWatch", fn, arg);
}

const struct service monitoring_service = {
	.name = "monitoring",
	.gzip_bodies = true, /* PutMetricData's, from 10 KB on */
	.handle = monitoring_handle,
	.error = monitoring_error,
	.list_ops = monitoring_list,
};
