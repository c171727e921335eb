/* logs/service: CloudWatch Logs — groups, streams, events, retention. */
#include "common.h"

/* What is listed but not implemented yet: NotImplementedException naming the operation. */
const struct json_op logs_ops[] = {
	{ "TagLogGroup", NULL, 0 },
	{ "UntagLogGroup", NULL, 0 },
	{ "ListTagsLogGroup", NULL, 0 },
	{ "TagResource", NULL, 0 },
	{ "UntagResource", NULL, 0 },
	{ "ListTagsForResource", NULL, 0 },
	{ "PutMetricFilter", NULL, 0 },
	{ "DescribeMetricFilters", NULL, 0 },
	{ "DeleteMetricFilter", NULL, 0 },
	{ "PutSubscriptionFilter", NULL, 0 },
	{ "StartQuery", NULL, 0 },
	{ "GetQueryResults", NULL, 0 },
	{ NULL, NULL, 0 },
};

static const struct json_op *const logs__tables[] = { logs_group_ops, logs_stream_ops,
						      logs_event_ops, logs_ops, NULL };
static const struct json_service logs__json = {
	.target_prefix = LOGS_TARGET_PREFIX,
	.tables = logs__tables,
};

static void logs_handle(struct http_req *req, struct http_resp *resp)
{
	json_proto_handle(&logs__json, req, resp);
}

static void logs_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	json_proto_list(&logs__json, "Logs", fn, arg);
}

const struct service logs_service = {
	.name = "logs",
	.handle = logs_handle,
	.error = json_proto_error,
	.list_ops = logs_list,
};
