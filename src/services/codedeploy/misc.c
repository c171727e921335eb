/* codedeploy/misc: operations Slipway answers with NotImplemented (GitHub tokens, external-id
 * cleanup) until their features exist; listed so the README's table shows them. */
#include "common.h"

const struct json_op codedeploy_misc_ops[] = {
	{ "PutLifecycleEventHookExecutionStatus", NULL, OP_INSTANCE_OK },
	{ "DeleteResourcesByExternalId", NULL, 0 },
	{ "DeleteGitHubAccountToken", NULL, 0 },
	{ "ListGitHubAccountTokenNames", NULL, 0 },
	{ NULL, NULL, 0 },
};
