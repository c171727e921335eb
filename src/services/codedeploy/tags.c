/* codedeploy/tags: (stub — to be implemented). */
#include "common.h"

const struct json_op codedeploy_tag_ops[] = {
	{ "TagResource", NULL, 0 },
	{ "UntagResource", NULL, 0 },
	{ "ListTagsForResource", NULL, 0 },
	{ NULL, NULL, 0 },
};
