/* logs/service: CloudWatch Logs — groups, streams, events, retention. */
#include "logs.h"

const struct json_op logs_ops[] = {
	{ "CreateLogGroup", NULL, 0 },	      { "DeleteLogGroup", NULL, 0 },
	{ "DescribeLogGroups", NULL, 0 },     { "CreateLogStream", NULL, 0 },
	{ "DeleteLogStream", NULL, 0 },	      { "DescribeLogStreams", NULL, 0 },
	{ "PutLogEvents", NULL, 0 },	      { "GetLogEvents", NULL, 0 },
	{ "FilterLogEvents", NULL, 0 },	      { "PutRetentionPolicy", NULL, 0 },
	{ "DeleteRetentionPolicy", NULL, 0 }, { NULL, NULL, 0 },
};

static const struct json_op *const logs__tables[] = { logs_ops, NULL };

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
