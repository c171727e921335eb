/* codedeploy/deployment_groups: (stub — to be implemented). */
#include "common.h"

const struct json_op codedeploy_group_ops[] = {
	{ "CreateDeploymentGroup", NULL, 0 },
	{ "GetDeploymentGroup", NULL, 0 },
	{ "UpdateDeploymentGroup", NULL, 0 },
	{ "DeleteDeploymentGroup", NULL, 0 },
	{ "ListDeploymentGroups", NULL, 0 },
	{ "BatchGetDeploymentGroups", NULL, 0 },
	{ NULL, NULL, 0 },
};
