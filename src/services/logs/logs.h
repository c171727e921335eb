/* logs: the CloudWatch Logs API (AWS JSON 1.1, `Logs_20140328.*`, SigV4 service `logs`). */
#ifndef SW_LOGS_H
#define SW_LOGS_H

#include "errors.h"
#include "contract/service.h"

#define LOGS_TARGET_PREFIX "Logs_20140328."

extern const struct json_op logs_ops[]; /* service.c */

#endif
