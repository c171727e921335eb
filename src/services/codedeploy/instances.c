/* codedeploy/instances: (stub — to be implemented). */
#include "common.h"

const struct json_op codedeploy_instance_ops[] = {
	{ "RegisterOnPremisesInstance", NULL, 0 },
	{ "DeregisterOnPremisesInstance", NULL, 0 },
	{ "GetOnPremisesInstance", NULL, 0 },
	{ "ListOnPremisesInstances", NULL, 0 },
	{ "BatchGetOnPremisesInstances", NULL, 0 },
	{ "AddTagsToOnPremisesInstances", NULL, 0 },
	{ "RemoveTagsFromOnPremisesInstances", NULL, 0 },
	{ NULL, NULL, 0 },
};
