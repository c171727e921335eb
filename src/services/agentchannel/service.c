/* agentchannel/service: the CodeDeploy Commands API the host agents speak (JSON 1.1,
 * `CodeDeployCommandService_v20141006.*`). */
#include "server/service.h"

static const struct json_op commands__ops[] = {
	{ "PollHostCommand", NULL, OP_INSTANCE_OK },
	{ "GetDeploymentSpecification", NULL, OP_INSTANCE_OK },
	{ "PutHostCommandAcknowledgement", NULL, OP_INSTANCE_OK },
	{ "PostHostCommandUpdate", NULL, OP_INSTANCE_OK },
	{ "PutHostCommandComplete", NULL, OP_INSTANCE_OK },
	{ NULL, NULL, 0 },
};

static const struct json_op *const commands__tables[] = { commands__ops, NULL };

static const struct json_service commands__json = {
	.target_prefix = "CodeDeployCommandService_v20141006.",
	.tables = commands__tables,
};

static void commands_handle(struct http_req *req, struct http_resp *resp)
{
	json_proto_handle(&commands__json, req, resp);
}

static void commands_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	json_proto_list(&commands__json, "CodeDeploy Commands (agent)", fn, arg);
}

const struct service commands_service = {
	.name = "commands",
	.handle = commands_handle,
	.error = json_proto_error,
	.list_ops = commands_list,
};
