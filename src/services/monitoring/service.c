/* monitoring/service: CloudWatch's fronts — AWS JSON 1.0 (`X-Amz-Target:
 * GraniteServiceVersion20100801.<Op>`) today; each decodes into the one JSON object the
 * operation's handler takes and encodes what it returns. */
#include "monitoring.h"

#include <stdio.h>

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
	const char *qc = monitoring_query_code(e->code);

	json_proto_error_body(req, resp, e, MONITORING_JSON_CONTENT_TYPE);
	if (qc) {
		char hdr[128];

		snprintf(hdr, sizeof(hdr), "%s;%s", qc,
			 resp->status >= 500 ? "Receiver" : "Sender");
		http_resp_header(resp, "x-amzn-query-error", hdr);
	}
}

static const struct json_service monitoring__json = {
	.target_prefix = MONITORING_TARGET_PREFIX,
	.tables = monitoring__tables,
	.content_type = MONITORING_JSON_CONTENT_TYPE,
	.error = monitoring__json_error,
};

static void monitoring_handle(struct http_req *req, struct http_resp *resp)
{
	json_proto_handle(&monitoring__json, req, resp);
}

static void monitoring_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	json_proto_list(&monitoring__json, "CloudWatch", fn, arg);
}

const struct service monitoring_service = {
	.name = "monitoring",
	.handle = monitoring_handle,
	.error = monitoring__json_error,
	.list_ops = monitoring_list,
};
