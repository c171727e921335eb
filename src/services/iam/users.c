/* iam/users: (stub — to be implemented). */
#include "iam.h"

const struct query_op iam_ops[] = {
	{ "CreateUser", NULL },
	{ NULL, NULL },
};
