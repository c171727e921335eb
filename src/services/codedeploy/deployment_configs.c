/* codedeploy/deployment_configs: (stub — to be implemented). */
#include "common.h"

const struct json_op codedeploy_config_ops[] = {
	{ "CreateDeploymentConfig", NULL, 0 },
	{ "GetDeploymentConfig", NULL, 0 },
	{ "DeleteDeploymentConfig", NULL, 0 },
	{ "ListDeploymentConfigs", NULL, 0 },
	{ NULL, NULL, 0 },
};
