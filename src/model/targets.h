/* model/targets: the owner of `deployment_targets` — the instances a deployment reaches, in
 * deployment order, each with its status (Pending, InProgress, Succeeded, Failed, Skipped).
 * The engine writes them; the API and the agent channel read them. */
#ifndef SW_MODEL_TARGETS_H
#define SW_MODEL_TARGETS_H

#include "base/err.h"

#include <jansson.h>
#include <stdint.h>

struct store_conn;

/* Adds instance (its ARN and HostIdentifier) as the seq-th target of deployment with status
 * ("Pending", or "Skipped" for one that is up to date) and label (a blue/green deployment's
 * "Blue" or "Green"; NULL in place). */
int model_target_insert(struct store_conn *c, const char *deployment, const char *instance,
			const char *arn, const char *host, int64_t seq, const char *status,
			const char *label, int64_t now, struct err *e);

/* The targets of deployment in deployment order as a new array of {instance, status[,
 * label]}. */
int model_targets_list(struct store_conn *c, const char *deployment, json_t **out, struct err *e);

/* 1 when instance is a target of deployment, 0 when not, or a store error. */
int model_target_exists(struct store_conn *c, const char *deployment, const char *instance,
			struct err *e);

/* How many targets of deployment were ever started (into *n). */
int model_targets_started(struct store_conn *c, const char *deployment, int64_t *n, struct err *e);

/* A target starts (InProgress) at now. */
int model_target_start(struct store_conn *c, const char *deployment, const char *instance,
		       int64_t now, struct err *e);
/* A target ends in status (Succeeded or Failed) at now. */
int model_target_end(struct store_conn *c, const char *deployment, const char *instance,
		     const char *status, int64_t now, struct err *e);
/* A target's status changes without it ending (blue/green: a green instance installed is
 * "Ready", then "InProgress" again while traffic reaches it). */
int model_target_set_status(struct store_conn *c, const char *deployment, const char *instance,
			    const char *status, int64_t now, struct err *e);
/* A target's status changes without it ending (blue/green: a green instance installed is
 * "Ready", then "InProgress" again while traffic reaches it). */
int model_target_set_status(struct store_conn *c, const char *deployment, const char *instance,
			    const char *status, int64_t now, struct err *e);

/* Every target of deployment still Pending is Skipped. */
int model_targets_skip_pending(struct store_conn *c, const char *deployment, int64_t now,
			       struct err *e);
/* The deployment was stopped under its targets: Pending ones Skipped, InProgress and Ready ones
 * Failed (ended now). */
int model_targets_abandon(struct store_conn *c, const char *deployment, int64_t now, struct err *e);

#endif
