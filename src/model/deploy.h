/* deploy: deployments as the API, the agent channel and the engine share them — identifiers,
 * the insertion of a new deployment, and the statuses (the rows are model/deployments.c's). */
#ifndef SW_MODEL_DEPLOY_H
#define SW_MODEL_DEPLOY_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

#define DEPLOY_ID_SIZE	    12 /* "d-" + 9 + NUL */
#define DEPLOY_CREATOR_USER "user"
/* The DeploymentCreator enum of the AWS model spells rollbacks so (the "autoRollback"
 * is not a value SDKs accept). */
#define DEPLOY_CREATOR_ROLLBACK "codeDeployRollback"

/* A deployment's status (DeploymentStatus in the AWS model).  deploy_status_name() is the one
 * names table: the store and the wire hold the names. */
enum deploy_status {
	DEPLOY_CREATED,
	DEPLOY_QUEUED,
	DEPLOY_IN_PROGRESS,
	DEPLOY_BAKING,
	DEPLOY_SUCCEEDED,
	DEPLOY_FAILED,
	DEPLOY_STOPPED,
	DEPLOY_READY,
	DEPLOY__NSTATUS
};

/* "Created", "InProgress", …; "" for a value out of range. */
const char *deploy_status_name(enum deploy_status st);
/* The status named s (exact spelling), or -1. */
int deploy_status_parse(const char *s);
/* Succeeded, Failed or Stopped: nothing more happens to the deployment. */
bool deploy_status_final(enum deploy_status st);

/* True for `d-` followed by 9 uppercase letters or digits. */
bool deploy_id_valid(const char *id);

/* A deployment to record (status Created).  Strings and JSON are borrowed. */
struct deploy_new {
	char id[DEPLOY_ID_SIZE]; /* out: the new id */
	const char *app;
	const char *group;
	const char *group_id;
	const char *creator;
	const char *config;
	const json_t *revision; /* RevisionLocation */
	const char *rkey;
	const char *bundle_etag;	 /* S3: the object's ETag to pin, or NULL */
	const json_t *previous_revision; /* NULL when the group has none */
	const char *rollback_of;	 /* NULL unless a rollback */
	const json_t *doc; /* DeploymentInfo members of the request (description, options…) */
	int64_t now;
};

/* Inserts a new deployment with a fresh id.  Store errors only. */
int deploy_insert(struct store_conn *c, struct deploy_new *n, struct err *e);

/*
 * Stops, inside the caller's write transaction, every unfinished deployment (Created, Queued,
 * InProgress) of the deployment group group_id, which the caller is deleting with its group or
 * application: nothing would be left to finish them, and they would hold their deployment
 * configuration until agents timed out.  Each ends Stopped with errorInformation {code,
 * message}; host commands not handed to an agent are Skipped, those an agent holds Failed (its
 * acknowledgement answers Failed, so it does not run them; a late report is ignored); pending
 * instances Skipped, instances mid-way Failed.  No rollback follows.  Logs each one.  Returns
 * how many were stopped, or a negative code on a store error.
 */
int deploy_stop_orphans(struct store_conn *c, const char *group_id, const char *code,
			const char *message, int64_t now, struct err *e);

/* The DeploymentExecutionId the agent channel uses for a deployment:
 * CodeDeploy/<region>/Prod/arn:aws:sds:<region>:<account>:deployment/<id>. */
int deploy_execution_id(const char *region, const char *account, const char *id, char *out,
			size_t size);
/* The deployment id at the end of a DeploymentExecutionId (or of a deployment ARN, or the id
 * itself); -SW_E_INVALID when there is none. */
int deploy_id_from_execution(const char *exec, char *out, size_t size);

#endif
