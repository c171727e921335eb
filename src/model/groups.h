/* model/groups: the owner of `deployment_groups` — every write to the table is a verb here, for
 * the CodeDeploy handlers (create, update, delete) and the engine (what a deployment records
 * in its group's document). */
#ifndef SW_MODEL_GROUPS_H
#define SW_MODEL_GROUPS_H

#include "base/err.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

/*
 * The DeploymentGroupInfo of app's group, exactly as GetDeploymentGroup returns it: every
 * setting with AWS's defaults filled in (deploymentConfigName, ec2TagFilters, onPremisesInstance-
 * TagFilters, autoScalingGroups, serviceRoleArn, triggerConfigurations, alarmConfiguration,
 * autoRollbackConfiguration, deploymentStyle, outdatedInstancesStrategy, terminationHookEnabled,
 * computePlatform, and when set ec2TagSet, onPremisesTagSet, loadBalancerInfo,
 * blueGreenDeploymentConfiguration), plus targetRevision / lastSuccessfulDeployment /
 * lastAttemptedDeployment, which the engine records through model_group_record_*
 * (UpdateDeploymentGroup keeps them).  applicationName and deploymentGroupName always reflect
 * the current names (an application rename does not rewrite the documents).
 *
 * *doc is a new reference.  Fails with ApplicationDoesNotExist, DeploymentGroupDoesNotExist,
 * INTERNAL for a corrupt document, or a store error.  Runs inside the caller's transaction.
 */
int model_group_get(struct store_conn *c, const char *app, const char *group, json_t **doc,
		    struct err *e);

/* model_group_get without the application check (the caller knows it exists). */
int model_group_load(struct store_conn *c, const char *app, const char *group, json_t **doc,
		     struct err *e);

/* The current application and group names of the group whose id is group_id.  Returns 1 when
 * found, 0 when the group is gone, or a negative store error. */
int model_group_names(struct store_conn *c, const char *group_id, char *app, size_t app_size,
		      char *group, size_t group_size, struct err *e);

/* The id of app's group named group (id may be NULL: does it exist?): 1 when found, 0 when
 * not, or a store error. */
int model_group_id(struct store_conn *c, const char *app, const char *group, char *id, size_t size,
		   struct err *e);

/* app's groups, by name, as a new array of {name, id, doc} (doc: the stored document, or null
 * when corrupt). */
int model_groups_of(struct store_conn *c, const char *app, json_t **out, struct err *e);

/* How many groups app has (into *n). */
int model_groups_count(struct store_conn *c, const char *app, int64_t *n, struct err *e);

/* Up to limit names of app's groups after `after` (exclusive, byte order), appended to names. */
int model_groups_page(struct store_conn *c, const char *app, const char *after, int64_t limit,
		      json_t *names, struct err *e);

/* A group that names deployment configuration config: 1 with its app and name, 0 when none. */
int model_group_using_config(struct store_conn *c, const char *config, char *app, size_t app_size,
			     char *group, size_t group_size, struct err *e);

/* Inserts a new group of app from its document (deploymentGroupName, deploymentGroupId,
 * deploymentConfigName): DeploymentGroupAlreadyExists when app has one of that name. */
int model_group_insert(struct store_conn *c, const char *app, const json_t *doc, struct err *e);

/* Replaces the document (and name and config columns) of app's group old_name. */
int model_group_update(struct store_conn *c, const char *app, const char *old_name,
		       const json_t *doc, struct err *e);

/* Deletes app's group named group; a group that does not exist is no error. */
int model_group_delete(struct store_conn *c, const char *app, const char *group, struct err *e);

/* A deployment as its group's document shows it (lastAttemptedDeployment,
 * lastSuccessfulDeployment: LastDeploymentInfo). */
struct model_group_deployment {
	const char *id;
	const char *status;  /* "InProgress", "Succeeded", … */
	int64_t create_time; /* ms */
	int64_t end_time;    /* ms; 0 while it runs */
};

/* Records d as the group's lastAttemptedDeployment.  A group deleted meanwhile is left alone
 * (no error, *doc_out untouched).  When doc_out is not NULL, it receives the updated document
 * (new reference). */
int model_group_record_attempt(struct store_conn *c, const char *group_id,
			       const struct model_group_deployment *d, json_t **doc_out,
			       struct err *e);

/* Records the successful d as the group's lastAttemptedDeployment and lastSuccessfulDeployment
 * and revision (a RevisionLocation) as its targetRevision; otherwise as
 * model_group_record_attempt. */
int model_group_record_success(struct store_conn *c, const char *group_id,
			       const struct model_group_deployment *d, const json_t *revision,
			       json_t **doc_out, struct err *e);

/* After a blue/green deployment: the group's instances are the replacement fleet — its
 * onPremisesInstanceTagFilters become filters (EC2TagFilter and TagFilter share a shape) and
 * its onPremisesTagSet the ec2TagSet tag_set (or goes, when tag_set is NULL). */
int model_group_set_instances(struct store_conn *c, const char *group_id, const json_t *filters,
			      const json_t *tag_set, struct err *e);

#endif
