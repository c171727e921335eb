/* iam: users and access keys. */
#ifndef SW_IAM_H
#define SW_IAM_H

#include "server/service.h"
#include "server/slipwayd.h"

extern const struct query_op iam_ops[];

#endif
