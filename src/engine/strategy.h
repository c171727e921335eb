/* strategy: how a deployment deploys — an ops table per kind of deployment, selected from the
 * deployment's style and compute platform (deployment.c, deploy_strategy_select).  In-place
 * (strategy_inplace.c: instances, host commands, minimum healthy hosts) is the one today;
 * blue/green and Lambda traffic shifting would each be another `struct deploy_strategy`.
 *
 * What every deployment shares stays in deployment.c and is not a strategy's business: whose
 * turn it is in its group (Created → Queued → InProgress), StopDeployment before it started,
 * and finishing (deploy_finish: the status, the targets left Skipped, the group's last
 * attempted / successful deployment, instance health, automatic rollback). */
#ifndef SW_ENGINE_STRATEGY_H
#define SW_ENGINE_STRATEGY_H

#include "model/deploy.h"
#include "job.h"
#include "model/deployments.h"
#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct store_conn;
struct deploy_strategy;

/* A deployment being reconciled, inside its write transaction. */
struct deploy_run {
	struct job_step *job; /* now, next (deploy_timer), finished */
	const struct deploy_strategy *strategy;
	char id[DEPLOY_ID_SIZE];
	enum deploy_status status;
	struct model_deployment d; /* the row */
	/* the group's current names (it may have been renamed since): set before start() */
	char group_app[MODEL_NAME_MAX + 1];
	char group_name[MODEL_NAME_MAX + 1];
	json_t
	    *notify; /* instances with a newly queued host command (announced after the commit) */
	bool auth_changed; /* an instance was deregistered (announced after the commit) */
};

struct deploy_strategy {
	const char *name; /* "in-place": logs */
	/* It is the deployment's turn in its group (Created or Queued, not stopping): resolve its
	 * targets and record them, then InProgress (model_deployment_start) — or end it with
	 * deploy_finish when it cannot start (no instances, a bad configuration…). */
	int (*start)(struct store_conn *c, struct deploy_run *run, struct err *e);
	/* One pass over an InProgress deployment: step the targets in flight (target_step),
	 * start more when the rules allow, stop when asked, and deploy_finish when it is over. */
	int (*advance)(struct store_conn *c, struct deploy_run *run, struct err *e);
	/* Moves one target (an instance, a Lambda alias…) as far as it can go now; *state gets
	 * its status afterwards: "InProgress", "Succeeded" or "Failed". */
	int (*target_step)(struct store_conn *c, struct deploy_run *run, const char *target,
			   char *state, size_t state_size, struct err *e);
	/* The deployment ends (any final status): close what the strategy holds open (in-place:
	 * host commands no agent took).  Runs first in deploy_finish; may be NULL. */
	int (*finish)(struct store_conn *c, struct deploy_run *run, struct err *e);
};

extern const struct deploy_strategy deploy_strategy_inplace;
extern const struct deploy_strategy deploy_strategy_bluegreen;

/* The strategy of a deployment, from its deploymentStyle and computePlatform. */
const struct deploy_strategy *deploy_strategy_select(const struct model_deployment *d);

/* Ends the deployment in status (Succeeded, Failed, Stopped) with an error code and message
 * (NULL for a success): see the top of this file.  Sets run->job->finished. */
int deploy_finish(struct store_conn *c, struct deploy_run *run, enum deploy_status status,
		  const char *code, const char *message, struct err *e);

/* What start() calls once the deployment's targets are recorded: InProgress with its minimum
 * of healthy targets fixed, the revision's "used" times, and the group's lastAttemptedDeployment
 * from now on. */
int deploy_started(struct store_conn *c, struct deploy_run *run, int64_t min_healthy,
		   struct err *e);

/* Asks for a pass at `at` (wall ms) at the latest. */
void deploy_timer(struct deploy_run *run, int64_t at);

/* A boolean option of the deployment's request (ignoreApplicationStopFailures, …). */
bool deploy_option(const struct deploy_run *run, const char *key);

#endif
