/* model/instances: on-premises instances as the engine and the handlers read them (tag-filter
 * validation and matching) and instance_health, each deployment group's view of its instances
 * (written by the engine through the verbs below). */
#ifndef SW_MODEL_INSTANCES_H
#define SW_MODEL_INSTANCES_H

#include "model/revisions.h"
#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

/*
 * Validates a list of TagFilter objects {Key, Value, Type}.  Type is KEY_ONLY (needs Key),
 * VALUE_ONLY (needs Value) or KEY_AND_VALUE (needs Key and Value); when Type is absent it is
 * inferred from which of Key and Value are present.  NULL or JSON null is an empty list.
 * Anything else fails with invalid_code (InvalidTagFilter for ListOnPremisesInstances,
 * InvalidTag for deployment groups), or Serialization for wrong JSON types.
 */
int model_tag_filters_validate(const json_t *filters, int invalid_code, struct err *e);

/*
 * The names of the *registered* on-premises instances a deployment group targets, sorted by
 * name, as a new JSON array of strings in *names_out.
 *
 * tag_filters: a list of TagFilter (onPremisesInstanceTagFilters) — an instance matches when
 * any filter matches one of its tags (OR).  tag_set: an OnPremisesTagSet object
 * {onPremisesTagSetList: [[TagFilter…]…]} or that list of lists itself — an instance matches
 * when, for every non-empty inner list, at least one of its filters matches (OR within a list,
 * AND across lists).  Either may be NULL; when neither has a filter no instance matches (a
 * group without on-premises filters has no on-premises instances).  Giving filters in both
 * fails with InvalidOnPremisesTagCombination, as CreateDeploymentGroup does.  Filters are
 * validated as by model_tag_filters_validate (code InvalidTagFilter).  Runs inside the caller's
 * transaction on c; *names_out is untouched on failure.
 */
int model_instances_matching(struct store_conn *c, const json_t *tag_filters, const json_t *tag_set,
			     json_t **names_out, struct err *e);

/* Whether any filter of the list matches one of the tags (tags: an object key → value)
 * — OR; an empty list matches nothing. */
bool model_tag_filters_any(const json_t *filters, const json_t *tags);

/* The instances (status "Registered", "Deregistered" or NULL for both), sorted by name, as a
 * new array of {"name": …, "tags": {key: value…}}. */
int model_instances_load(struct store_conn *c, const char *status, json_t **out, struct err *e);

/* An instance's ARN and HostIdentifier (its IAM user's or session's ARN, "" when neither):
 * 1 when registered under that name (ever), 0 when not, or a store error. */
int model_instance_host(struct store_conn *c, const char *name, char *arn, size_t arn_size,
			char *host, size_t host_size, struct err *e);

/* An instance's health in a deployment group (§3.3). */
struct model_instance_health {
	char rkey[MODEL_REVISION_KEY_MAX]; /* the revision it last installed; "" when unknown */
	char revision_health[16];	   /* "Current", "Old", "Unknown" */
	bool healthy;
};

/* 1 with *out filled when the group has a record of the instance, 0 when not, or a store
 * error. */
int model_instance_health_get(struct store_conn *c, const char *group_id, const char *instance,
			      struct model_instance_health *out, struct err *e);
/* The instance installed rkey: Healthy, with revision_health ("Current" or "Old"). */
int model_instance_health_succeeded(struct store_conn *c, const char *group_id,
				    const char *instance, const char *rkey,
				    const char *revision_health, int64_t now, struct err *e);
/* The instance failed a deployment: Unhealthy; with forget_revision (after a deployment that
 * succeeded) its revision becomes Unknown, otherwise it keeps what it had. */
int model_instance_health_failed(struct store_conn *c, const char *group_id, const char *instance,
				 bool forget_revision, int64_t now, struct err *e);
/* After a successful deployment of rkey: every other Current instance of the group is Old. */
int model_instance_health_demote(struct store_conn *c, const char *group_id, const char *rkey,
				 int64_t now, struct err *e);

/* Deregisters instance name (DeregisterOnPremisesInstance, and blue/green TERMINATE): status
 * Deregistered at now, its tags gone, its IAM user an ordinary user and its keys Inactive, in
 * the caller's transaction.  1 when it exists (already deregistered is no error), 0 when
 * not. */
int model_instance_deregister(struct store_conn *c, const char *name, int64_t now, struct err *e);

#endif
