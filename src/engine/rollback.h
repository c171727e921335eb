/* rollback: automatic rollback of a deployment that failed or was stopped — a new deployment of
 * the deployment group's last successful revision (docs/compatibility.md §4, §5.5). */
#ifndef SW_ENGINE_ROLLBACK_H
#define SW_ENGINE_ROLLBACK_H

#include "base/err.h"
#include "model/deploy.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct store_conn;

/* A deployment that just ended, as the engine knows it.  Everything is borrowed. */
struct rollback_input {
	const char *id;
	enum deploy_status status; /* DEPLOY_FAILED or DEPLOY_STOPPED */
	const char *creator;
	const char *app;
	const char *group;
	const char *group_id;
	const char *config;
	const json_t *doc;	 /* its options: autoRollbackConfiguration, … */
	int stop_rollback;	 /* StopDeployment's autoRollbackEnabled: -1 absent, 0, 1 */
	bool stop_on_alarm;	 /* an alarm stopped it (ALARM_ACTIVE) */
	const json_t *group_doc; /* the group's document (targetRevision…); may be NULL */
	const json_t *revision;	 /* its own revision (a blue/green rollback's fallback) */
	bool attempted;		 /* at least one instance was started */
	int64_t now;
};

/*
 * Applies the rule: when a rollback is wanted, records a new deployment (creator
 * codeDeployRollback) of the group's targetRevision with the triggering deployment's
 * configuration and the fileExistsBehavior of the last successful deployment, and links the two
 * (rollbackDeploymentId / rollbackTriggeringDeploymentId, rollbackMessage on both).  When the
 * group has no successful revision, only a rollbackMessage saying so is recorded — except for a
 * blue/green deployment, whose rollback moves traffic back to the original fleet whatever it
 * runs: it names the deployment's own revision (the hooks come from each host's installs).  Store
 * errors only; runs in the engine's transaction.
 */
int rollback_after(struct store_conn *c, const struct rollback_input *in, struct err *e);

#endif
