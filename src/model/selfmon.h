/* model/selfmon: Slipway's own numbers and events in its CloudWatch store (docs/metrics.md) —
 * metrics in namespace Slipway and the Logs group /slipway/deployments, one stream per
 * deployment, one JSON line per status change and per lifecycle event result.
 *
 * Every function runs in the caller's write transaction, next to the change it reports, so a
 * number or line is there exactly when the change committed. */
#ifndef SW_MODEL_SELFMON_H
#define SW_MODEL_SELFMON_H

#include "base/err.h"
#include "model/metrics.h"

#include <stddef.h>
#include <stdint.h>

struct store_conn;

#define SELFMON_NAMESPACE	"Slipway"
#define SELFMON_DEPLOYMENT_LOGS "/slipway/deployments"

/* Records one datum of metric name in namespace Slipway at now_ms (unit "Count", "Seconds" …). */
int selfmon_put(struct store_conn *c, const char *name, const struct metric_dim *dims, size_t ndims,
		const char *unit, double value, int64_t now_ms, struct err *e);

/*
 * Deployment id of application app and group group (names as at creation) now has status
 * (Queued, InProgress, Succeeded, Failed, Stopped), with an error code and message (or NULL).
 * InProgress counts DeploymentsStarted; an end counts DeploymentsSucceeded, DeploymentsFailed or
 * DeploymentsStopped, its DeploymentDuration (seconds since it started, when it did) and
 * DeploymentsRolledBack when a rollback of it was created (call after the rollback).  Every
 * status also writes a line to the deployment's stream.
 */
int selfmon_deployment_status(struct store_conn *c, const char *id, const char *app,
			      const char *group, const char *status, const char *code,
			      const char *message, int64_t now_ms, struct err *e);

/* Host command id (a lifecycle event of one instance) got its result (Succeeded, Failed):
 * writes its line to its deployment's stream.  A command that is gone is no error. */
int selfmon_command_result(struct store_conn *c, const char *id, int64_t now_ms, struct err *e);

#endif
