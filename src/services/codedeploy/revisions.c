/* codedeploy/revisions: (stub — to be implemented). */
#include "common.h"

const struct json_op codedeploy_revision_ops[] = {
	{ "RegisterApplicationRevision", NULL, 0 },
	{ "GetApplicationRevision", NULL, 0 },
	{ "ListApplicationRevisions", NULL, 0 },
	{ "BatchGetApplicationRevisions", NULL, 0 },
	{ NULL, NULL, 0 },
};
