/* traffic errors: the exceptions of Slipway's load-balancer API (a Slipway extension, JSON 1.1
 * `__type`). */
#ifndef SW_TRAFFIC_ERRORS_H
#define SW_TRAFFIC_ERRORS_H

#include "base/err.h"

/* X(code, http status, AWS-style type, default message), as in base/err.h; one row per line. */
/* clang-format off */
#define SW_ERRORS_TRAFFIC(X) \
	X(LoadBalancerNotFound, 400, "LoadBalancerNotFoundException", "No such load balancer is declared to slipwayd.") \
	X(TargetGroupNotFound, 400, "TargetGroupNotFoundException", "The load balancer has no such backend.") \
	X(LoadBalancerUnavailable, 503, "LoadBalancerUnavailableException", "The load balancer could not be reached or answered an error.")
/* clang-format on */

enum traffic_err {
	SW_E__TRAFFIC_BEFORE = SW_ERR_BASE_TRAFFIC - 1,
#define X(code, http, aws, msg) SW_E_##code,
	SW_ERRORS_TRAFFIC(X)
#undef X
	    SW_E__TRAFFIC_END
};

/* The rows of SW_ERRORS_TRAFFIC; registered at start (ERR_REGISTER in errors.c). */
extern const struct err_table traffic_err_table;

#endif
