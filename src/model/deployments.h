/* model/deployments: the owner of `deployments` — every write to the table is a verb here: the
 * insertion of a new deployment (CreateDeployment, a rollback), StopDeployment's request, and
 * the engine's transitions.  Statuses are the names the store and the wire hold ("Created",
 * "InProgress", …; engine/deploy.h has the enum).  The API's views of a deployment
 * (GetDeployment, ListDeployments, …) read the table in services/codedeploy/deployments.c. */
#ifndef SW_MODEL_DEPLOYMENTS_H
#define SW_MODEL_DEPLOYMENTS_H

#include "model/revisions.h"
#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

#define MODEL_DEPLOYMENT_ID_SIZE 12  /* "d-" + 9 + NUL */
#define MODEL_NAME_MAX		 100 /* application, group and configuration names */

/* A deployment row as the engine reconciles it. */
struct model_deployment {
	char status[16];
	char app[MODEL_NAME_MAX + 1];
	char group[MODEL_NAME_MAX + 1];
	char group_id[64];
	char creator[32];
	char config[MODEL_NAME_MAX + 1];
	char rkey[MODEL_REVISION_KEY_MAX];
	json_t *revision; /* RevisionLocation (owned) */
	json_t *doc;	  /* the request's options (owned) */
	int64_t created;
	int64_t min_healthy; /* 0 until it started */
	bool stopping;	     /* StopDeployment was called, or an alarm stops it */
	int stop_rollback;   /* its autoRollbackEnabled: -1 absent, 0, 1 */
	/* Why it is stopping when not by StopDeployment: "ALARM_ACTIVE" ("" otherwise), and the
	 * message the deployment ends with. */
	char stop_code[32];
	char stop_message[512];
	/* Blue/green (0012_bluegreen): its phase ("" in place) and since when; when
	 * ContinueDeployment asked to end the ready wait and the termination wait (0: not); the
	 * weighted shift's step reached and when. */
	char phase[16];
	int64_t phase_since;
	int64_t continue_ready;
	int64_t continue_wait;
	int64_t shift_step;
	int64_t shift_at;
	char rollback_of[MODEL_DEPLOYMENT_ID_SIZE]; /* a rollback: the deployment it replaces */
};

/* Loads deployment id into *d (released first, so a struct may be reused): 1 when found, 0
 * when not, INTERNAL for a corrupt row, or a store error. */
int model_deployment_load(struct store_conn *c, const char *id, struct model_deployment *d,
			  struct err *e);
/* Frees what *d holds and clears the pointers. */
void model_deployment_release(struct model_deployment *d);

/* A deployment to record (status Created).  Strings and JSON are borrowed. */
struct model_deployment_new {
	const char *app;
	const char *group;
	const char *group_id;
	const char *creator;
	const char *config;
	const json_t *revision;
	const char *rkey;
	const char *bundle_etag;	 /* or NULL */
	const json_t *previous_revision; /* or NULL */
	const char *rollback_of;	 /* or NULL */
	const json_t *doc;
	int64_t now;
};

/* Inserts a new deployment with a fresh id (into id, MODEL_DEPLOYMENT_ID_SIZE bytes). */
int model_deployment_insert(struct store_conn *c, const struct model_deployment_new *n, char *id,
			    struct err *e);

/* The ids of the unfinished deployments (Created, Queued, InProgress) — of one group, or of all
 * when group_id is NULL — oldest first, appended to ids (a JSON array). */
int model_deployments_unfinished(struct store_conn *c, const char *group_id, json_t *ids,
				 struct err *e);

/* Whose turn it is in a group: the deployment in progress, else the first waiting one
 * (rollbacks first, then by creation).  1 with its id, 0 when there is none. */
int model_deployment_group_turn(struct store_conn *c, const char *group_id, char *id, size_t size,
				struct err *e);

/* The request's options (doc) of deployment id: 1 with *doc a new reference, 0 when not found. */
int model_deployment_options(struct store_conn *c, const char *id, json_t **doc, struct err *e);

/* Transitions.  Created → Queued; → InProgress with its minimum of healthy hosts fixed;
 * → a final status with an error code and message (both may be NULL). */
int model_deployment_set_queued(struct store_conn *c, const char *id, struct err *e);
int model_deployment_start(struct store_conn *c, const char *id, int64_t now, int64_t min_healthy,
			   struct err *e);
int model_deployment_finish(struct store_conn *c, const char *id, const char *status, int64_t now,
			    const char *code, const char *message, struct err *e);
/* Stopped at now without the engine (its group is being deleted): stop_requested set too. */
int model_deployment_abandon(struct store_conn *c, const char *id, int64_t now, const char *code,
			     const char *message, struct err *e);

/* StopDeployment: records the request (the first one's time stays) and, when rollback is 0 or
 * 1, its autoRollbackEnabled. */
int model_deployment_request_stop(struct store_conn *c, const char *id, int64_t now, int rollback,
				  struct err *e);

/* An alarm stops the deployment: recorded as a stop request with its error code and message
 * (the first stop's stay). */
int model_deployment_stop_on_alarm(struct store_conn *c, const char *id, int64_t now,
				   const char *message, struct err *e);

/* Rollbacks: links deployment id to its rollback (rollback_id may be NULL) with a message. */
int model_deployment_set_rollback(struct store_conn *c, const char *id, const char *rollback_id,
				  const char *message, struct err *e);

/* Blue/green: the deployment enters phase (install, ready, reroute, block, wait) at now. */
int model_deployment_set_phase(struct store_conn *c, const char *id, const char *phase, int64_t now,
			       struct err *e);
/* ContinueDeployment: READY_WAIT (ready_wait) or TERMINATION_WAIT, recorded at now (the first
 * request's time stays). */
int model_deployment_continue(struct store_conn *c, const char *id, bool ready_wait, int64_t now,
			      struct err *e);
/* Weighted shifting: step reached at at. */
int model_deployment_set_shift(struct store_conn *c, const char *id, int64_t step, int64_t at,
			       struct err *e);
#endif
