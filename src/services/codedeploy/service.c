/* codedeploy/service: the CodeDeploy control API (JSON 1.1, `CodeDeploy_20141006.*`) — the
 * union of every resource file's operation table. */
#include "common.h"

static const struct json_op *const codedeploy__tables[] = {
	codedeploy_application_ops, codedeploy_config_ops,   codedeploy_group_ops,
	codedeploy_instance_ops,    codedeploy_revision_ops, codedeploy_deployment_ops,
	codedeploy_tag_ops,	    codedeploy_misc_ops,     NULL,
};

static const struct json_service codedeploy__json = {
	.target_prefix = "CodeDeploy_20141006.",
	.tables = codedeploy__tables,
};

static void codedeploy_handle(struct http_req *req, struct http_resp *resp)
{
	json_proto_handle(&codedeploy__json, req, resp);
}

static void codedeploy_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	json_proto_list(&codedeploy__json, "CodeDeploy", fn, arg);
}

const struct service codedeploy_service = {
	.name = "codedeploy",
	.handle = codedeploy_handle,
	.error = json_proto_error,
	.list_ops = codedeploy_list,
};
