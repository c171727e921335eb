/* codedeploy/deployments: deployments and their targets (the engine's API; next issue). */
#include "common.h"

const struct json_op codedeploy_deployment_ops[] = {
	{ "CreateDeployment", NULL, 0 },
	{ "GetDeployment", NULL, 0 },
	{ "ListDeployments", NULL, 0 },
	{ "BatchGetDeployments", NULL, 0 },
	{ "StopDeployment", NULL, 0 },
	{ "ContinueDeployment", NULL, 0 },
	{ "SkipWaitTimeForInstanceTermination", NULL, 0 },
	{ "GetDeploymentTarget", NULL, 0 },
	{ "ListDeploymentTargets", NULL, 0 },
	{ "BatchGetDeploymentTargets", NULL, 0 },
	{ "GetDeploymentInstance", NULL, 0 },
	{ "ListDeploymentInstances", NULL, 0 },
	{ "BatchGetDeploymentInstances", NULL, 0 },
	{ NULL, NULL, 0 },
};
