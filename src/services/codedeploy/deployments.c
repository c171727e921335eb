/* codedeploy/deployments: CreateDeployment, GetDeployment, BatchGetDeployments,
 * ListDeployments, StopDeployment, ContinueDeployment, and the targets of a deployment
 * (ListDeploymentTargets, GetDeploymentTarget, BatchGetDeploymentTargets and the legacy
 * ListDeploymentInstances, GetDeploymentInstance, BatchGetDeploymentInstances).
 *
 * These operations never change a deployment's state: CreateDeployment and StopDeployment
 * record intent in one store transaction and wake the engine (src/engine/engine.h), which owns
 * every transition.  Reads assemble the AWS shapes from the rows the engine keeps.
 *
 * Choices (AWS leaves them open or Slipway differs on purpose):
 * - Targets are registered on-premises instances: targetId and the legacy instance id in lists
 *   are the instance name, targetArn and InstanceSummary.instanceId its ARN.  Get/BatchGet accept
 *   either.
 * - lifecycleEvents list every event AWS lists for an in-place deployment, in its order:
 *   BeforeBlockTraffic, BlockTraffic, AfterBlockTraffic, ApplicationStop … ValidateService,
 *   BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic; without a load balancer the six
 *   traffic events are Skipped, with no start or end time, as AWS shows them.  Start and End
 *   are instants and are not listed.  An event is InProgress from the moment the agent takes
 *   its command (PollHostCommand) until it reports completion.
 * - String / AppSpecContent revisions deploy to Server applications too (an AppSpec with hooks
 *   and no files); AWS allows them for Lambda and ECS only.
 * - Blue/green and load-balancer (WITH_TRAFFIC_CONTROL) groups deploy (docs/traffic.md): the
 *   group's deploymentStyle, loadBalancerInfo and blueGreenDeploymentConfiguration are copied
 *   into the deployment when it is created.  Blue/green replacement instances are named by
 *   targetInstances.tagFilters (or ec2TagSet), as on-premises tag filters; a green fleet copied
 *   from an Auto Scaling group, and Lambda applications, are refused with
 *   OperationNotSupportedException.  A blue/green deployment waiting for ContinueDeployment is
 *   reported Ready (stored InProgress, phase "ready").
 * - StopDeployment waits up to two seconds for the engine to stop the deployment: Succeeded when
 *   it did, Pending while lifecycle events already handed to agents are still finishing.  An
 *   instance stopped mid-way ends Failed (its remaining events Skipped); one not started, Skipped.
 * - In-place targets carry no Blue/Green label: a non-empty instanceTypeFilter or
 *   ServerInstanceLabel filter matches none of them.
 * - A group has one active deployment at a time, as in AWS: CreateDeployment while one is
 *   Created, Queued or InProgress answers DeploymentLimitExceededException naming it.  With
 *   slipwayd --queue-deployments it is queued instead (Queued until the engine starts it).
 *   Automatic rollbacks are the engine's and start after the deployment they replace.
 * - ListDeployments lists newest first.  Deployments belong to their group by its id, so a
 *   renamed group keeps its deployments (which still show the names they were created with).
 */
#include "common.h"
#include "configs.h"
#include "model/deploy.h"
#include "engine/engine.h"
#include "engine/fleet.h"
#include "engine/inplace.h"
#include "model/configs.h"
#include "model/deployments.h"
#include "model/groups.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DEPLOY_BATCH_MAX       25
#define DEPLOY_DESCRIPTION_MAX 256
#define DEPLOY_ACTIVE_MAX      1000 /* not yet finished, per account */
#define DEPLOY_STOP_WAIT_MS    2000

static const char *const deploy__target_statuses[] = { "Pending", "InProgress", "Succeeded",
						       "Failed",  "Skipped",	"Unknown",
						       "Ready",	  NULL };
static const char *const deploy__rollback_events[] = { "DEPLOYMENT_FAILURE",
						       "DEPLOYMENT_STOP_ON_ALARM",
						       "DEPLOYMENT_STOP_ON_REQUEST", NULL };
static const char *const deploy__file_exists[] = { "DISALLOW", "OVERWRITE", "RETAIN", NULL };

static bool deploy__in(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static bool deploy__terminal(const char *status)
{
	int st = deploy_status_parse(status);

	return st >= 0 && deploy_status_final((enum deploy_status)st);
}

/* A deploymentId member: DeploymentIdRequired / InvalidDeploymentId. */
static int deploy__id_arg(const json_t *in, const char *key, const char **out, struct err *e)
{
	const char *id = NULL;
	int r = json_opt_str(in, key, &id, e);

	if (r)
		return r;
	if (!id || !*id)
		return err_set(e, SW_E_DeploymentIdRequired, "%s is required", key);
	if (!deploy_id_valid(id))
		return err_set(e, SW_E_InvalidDeploymentId,
			       "'%.40s' is not a deployment id (d- and 9 letters or digits)", id);
	*out = id;
	return 0;
}

static json_t *deploy__parse(const char *text)
{
	return text ? json_loads(text, 0, NULL) : NULL;
}

/* ---- CreateDeployment ---- */

struct deploy_create {
	struct call *c;
	const char *app;
	const char *group;
	const char *config; /* NULL: the group's */
	const json_t *revision;
	json_t *doc; /* options as DeploymentInfo members */
	const json_t *rollback_override;
	const json_t *target_instances; /* blue/green: the replacement fleet (borrowed) */
	char id[DEPLOY_ID_SIZE];
};

static int deploy__check_rollback(const json_t *arc, struct err *e)
{
	json_t *events = NULL, *ev;
	bool enabled = false;
	size_t i;

	if (!json_is_object(arc))
		return err_set(e, SW_E_InvalidAutoRollbackConfig,
			       "autoRollbackConfiguration must be an object {enabled, events}");
	if (json_opt_bool(arc, "enabled", &enabled, e) || json_opt_arr(arc, "events", &events, e))
		return err_set(e, SW_E_InvalidAutoRollbackConfig,
			       "autoRollbackConfiguration is {enabled: boolean, events: [string]}");
	json_array_foreach(events, i, ev)
	{
		if (!deploy__in(json_string_value(ev), deploy__rollback_events))
			return err_set(e, SW_E_InvalidAutoRollbackConfig,
				       "autoRollbackConfiguration.events[%zu] must be "
				       "DEPLOYMENT_FAILURE, DEPLOYMENT_STOP_ON_ALARM or "
				       "DEPLOYMENT_STOP_ON_REQUEST",
				       i);
	}
	if (enabled && json_array_size(events) == 0)
		return err_set(e, SW_E_InvalidAutoRollbackConfig,
			       "autoRollbackConfiguration is enabled but names no events");
	return 0;
}

/* Validates the request members that need no store and builds the options document. */
static int deploy__options(struct deploy_create *a, struct err *e)
{
	const json_t *in = a->c->in;
	const char *desc = NULL, *feb = "DISALLOW";
	json_t *v;
	bool flag;
	int r;

	r = cd_name(in, "applicationName", SW_E_ApplicationNameRequired,
		    SW_E_InvalidApplicationName, "application", &a->app, e);
	if (!r)
		r = cd_name(in, "deploymentGroupName", SW_E_DeploymentGroupNameRequired,
			    SW_E_InvalidDeploymentGroupName, "deployment group", &a->group, e);
	if (!r)
		r = json_opt_str(in, "deploymentConfigName", &a->config, e);
	if (!r)
		r = json_opt_str(in, "description", &desc, e);
	if (!r)
		r = json_opt_str(in, "fileExistsBehavior", &feb, e);
	if (r)
		return r;
	if (a->config && (!*a->config || strlen(a->config) > CD_NAME_MAX))
		return err_set(e, SW_E_InvalidDeploymentConfigName,
			       "deploymentConfigName must have 1 to %d characters", CD_NAME_MAX);
	if (desc && strlen(desc) > DEPLOY_DESCRIPTION_MAX)
		return err_set(e, SW_E_DescriptionTooLong,
			       "description is longer than %d characters", DEPLOY_DESCRIPTION_MAX);
	if (!deploy__in(feb, deploy__file_exists))
		return err_set(e, SW_E_InvalidFileExistsBehavior,
			       "fileExistsBehavior must be DISALLOW, OVERWRITE or RETAIN, not '%s'",
			       feb);
	a->revision = json_object_get(in, "revision");
	if (!a->revision || json_is_null(a->revision))
		return err_set(e, SW_E_RevisionRequired, "revision is required");

	a->doc = json_object();
	if (desc)
		json_set_str(a->doc, "description", desc);
	v = json_object_get(in, "ignoreApplicationStopFailures");
	if (v && !json_is_null(v) && !json_is_boolean(v))
		return err_set(e, SW_E_InvalidIgnoreApplicationStopFailuresValue,
			       "ignoreApplicationStopFailures must be true or false");
	flag = json_is_true(v);
	json_object_set_new(a->doc, "ignoreApplicationStopFailures", json_boolean(flag));
	v = json_object_get(in, "updateOutdatedInstancesOnly");
	if (v && !json_is_null(v) && !json_is_boolean(v))
		return err_set(e, SW_E_InvalidUpdateOutdatedInstancesOnlyValue,
			       "updateOutdatedInstancesOnly must be true or false");
	json_object_set_new(a->doc, "updateOutdatedInstancesOnly", json_boolean(json_is_true(v)));
	json_set_str(a->doc, "fileExistsBehavior", feb);
	v = json_object_get(in, "autoRollbackConfiguration");
	if (v && !json_is_null(v)) {
		r = deploy__check_rollback(v, e);
		if (r)
			return r;
		a->rollback_override = v;
	}
	v = json_object_get(in, "targetInstances");
	if (v && !json_is_null(v))
		a->target_instances = v; /* checked against the group's style in deploy__create */
	v = json_object_get(in, "overrideAlarmConfiguration");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v))
			return err_set(e, SW_E_InvalidAlarmConfig,
				       "overrideAlarmConfiguration must be an object");
		json_object_set(a->doc, "overrideAlarmConfiguration", v);
	}
	return 0;
}

/* The replacement fleet of a blue/green deployment: targetInstances.tagFilters (EC2TagFilter
 * shape) or ec2TagSet, as on-premises tag filters; autoScalingGroups have no meaning here. */
static int deploy__target_instances(const json_t *ti, const char *group, json_t *doc, struct err *e)
{
	const json_t *filters = json_object_get(ti, "tagFilters");
	const json_t *set = json_object_get(ti, "ec2TagSet");
	const json_t *asgs = json_object_get(ti, "autoScalingGroups");

	if (!json_is_object(ti))
		return err_set(e, SW_E_InvalidTargetInstances, "targetInstances must be an object");
	if (json_array_size(asgs))
		return err_set(e, SW_E_InvalidTargetInstances,
			       "targetInstances.autoScalingGroups: Slipway has no Auto Scaling "
			       "groups; name the replacement instances with tagFilters");
	if (json_array_size(filters) && json_is_object(set))
		return err_set(e, SW_E_InvalidTargetInstances,
			       "targetInstances takes tagFilters or ec2TagSet, not both");
	if (!json_array_size(filters) && !json_array_size(json_object_get(set, "ec2TagSetList")))
		return err_set(e, SW_E_InvalidTargetInstances,
			       "a blue/green deployment to deployment group '%s' names its "
			       "replacement (green) instances with targetInstances.tagFilters",
			       group);
	json_object_set(doc, "targetInstances", (json_t *)ti);
	return 0;
}

/* What the group's style asks of the deployment: refuses what the engine does not drive
 * (other compute platforms, a copied Auto Scaling group) and copies the group's style, load
 * balancers and blue/green settings into the deployment's document, as GetDeployment shows
 * them (a later change to the group does not change a deployment under way). */
static int deploy__style(const struct deploy_create *a, const json_t *group, struct err *e)
{
	const json_t *style = json_object_get(group, "deploymentStyle");
	const char *type = json_string_value(json_object_get(style, "deploymentType"));
	const char *option = json_string_value(json_object_get(style, "deploymentOption"));
	const char *platform = json_string_value(json_object_get(group, "computePlatform"));
	const json_t *bg = json_object_get(group, "blueGreenDeploymentConfiguration");
	const json_t *lbi = json_object_get(group, "loadBalancerInfo");
	bool blue_green = str_eq(type, "BLUE_GREEN");
	int r;

	if (platform && strcmp(platform, "Server") != 0)
		return err_set(e, SW_E_OperationNotSupported,
			       "deployment group '%s' is for the %s compute platform; Slipway's "
			       "engine deploys to Server (EC2/on-premises) groups only so far",
			       a->group, platform);
	if (blue_green &&
	    str_eq(json_string_value(json_object_get(
		       json_object_get(bg, "greenFleetProvisioningOption"), "action")),
		   "COPY_AUTO_SCALING_GROUP"))
		return err_set(e, SW_E_OperationNotSupported,
			       "deployment group '%s' provisions its green fleet by copying an "
			       "Auto Scaling group, which Slipway does not have: use "
			       "DISCOVER_EXISTING and targetInstances",
			       a->group);
	if (!blue_green && a->target_instances)
		return err_set(
		    e, SW_E_InvalidTargetInstances,
		    "targetInstances names the replacement fleet of a blue/green "
		    "deployment; deployment group '%s' deploys in place to the instances "
		    "its tags select",
		    a->group);
	if (blue_green) {
		if (!a->target_instances)
			return err_set(e, SW_E_InvalidTargetInstances,
				       "a blue/green deployment to deployment group '%s' names "
				       "its replacement (green) instances with "
				       "targetInstances.tagFilters",
				       a->group);
		r = deploy__target_instances(a->target_instances, a->group, a->doc, e);
		if (r)
			return r;
		if (bg)
			json_object_set(a->doc, "blueGreenDeploymentConfiguration", (json_t *)bg);
	}
	json_object_set_new(a->doc, "deploymentStyle",
			    json_pack("{s:s,s:s}", "deploymentType",
				      blue_green ? "BLUE_GREEN" : "IN_PLACE", "deploymentOption",
				      blue_green || str_eq(option, "WITH_TRAFFIC_CONTROL")
					  ? "WITH_TRAFFIC_CONTROL"
					  : "WITHOUT_TRAFFIC_CONTROL"));
	if (json_is_object(lbi))
		json_object_set(a->doc, "loadBalancerInfo", (json_t *)lbi);
	return 0;
}

static int deploy__create(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_create *a = arg;
	struct deploy_new n = { 0 };
	struct store_stmt *st;
	struct fleet_rule rule;
	json_t *group = NULL, *config = NULL, *rev = NULL, *arc;
	char platform[16], rkey[CD_REVISION_KEY_MAX];
	int r;

	r = cd_app_get(sc, a->app, platform, sizeof(platform), NULL, 0, e);
	if (r)
		return r;
	r = model_group_get(sc, a->app, a->group, &group, e);
	if (r)
		return r;
	r = deploy__style(a, group, e);
	if (r)
		goto out;
	if (!a->config)
		a->config = json_string_value(json_object_get(group, "deploymentConfigName"));
	if (!a->config)
		a->config = CD_DEFAULT_SERVER_CONFIG;
	r = model_config_get(sc, a->config, &config, e);
	if (!r)
		r = fleet_rule_from_config(config, &rule, e);
	if (r)
		goto out;
	r = cd_revision_resolve(sc, platform, a->revision, &rev, rkey, sizeof(rkey), e);
	if (r)
		goto out;
	r = store_exec(sc, &st,
		       "SELECT COUNT(*) FROM deployments WHERE status IN ('Created', 'Queued', "
		       "'InProgress')",
		       "", e);
	if (r < 0)
		goto out;
	if (store_col_int(st, 0) >= DEPLOY_ACTIVE_MAX) {
		r = err_set(e, SW_E_DeploymentLimitExceeded,
			    "there are already %d deployments in progress or queued",
			    DEPLOY_ACTIVE_MAX);
		goto out;
	}
	/* One active deployment per group, as AWS: refused, or queued behind it by choice */
	if (!a->c->env->cfg->queue_deployments) {
		r = store_exec(sc, &st,
			       "SELECT id FROM deployments WHERE group_id = ? AND status IN "
			       "('Created', 'Queued', 'InProgress', 'Baking', 'Ready') ORDER BY "
			       "created, id",
			       "t", e,
			       json_string_value(json_object_get(group, "deploymentGroupId")));
		if (r < 0)
			goto out;
		if (r == 1) {
			r = err_set(e, SW_E_DeploymentLimitExceeded,
				    "The Deployment Group '%s' already has an active Deployment "
				    "'%s'",
				    a->group, store_col_text(st, 0));
			goto out;
		}
	}
	arc = a->rollback_override ? (json_t *)a->rollback_override
				   : json_object_get(group, "autoRollbackConfiguration");
	json_object_set_new(a->doc, "autoRollbackConfiguration",
			    arc ? json_deep_copy(arc)
				: json_pack("{s:b,s:[]}", "enabled", 0, "events"));
	json_set_str(a->doc, "computePlatform", "Server");
	n.app = a->app;
	n.group = a->group;
	n.group_id = json_string_value(json_object_get(group, "deploymentGroupId"));
	n.creator = DEPLOY_CREATOR_USER;
	n.config = json_string_value(json_object_get(config, "deploymentConfigName"));
	n.revision = rev;
	n.rkey = rkey;
	n.previous_revision = json_object_get(group, "targetRevision");
	n.doc = a->doc;
	n.now = time_now_ms();
	if (!n.group_id || !n.config) {
		r = err_set(e, SW_E_INTERNAL, "deployment group '%s' has no id", a->group);
		goto out;
	}
	r = deploy_insert(sc, &n, e);
	if (!r)
		memcpy(a->id, n.id, sizeof(a->id));
out:
	json_decref(group);
	json_decref(config);
	json_decref(rev);
	return r;
}

static int CreateDeployment(struct call *c)
{
	struct deploy_create a = { .c = c };
	int r = deploy__options(&a, c->err);

	if (!r)
		r = store_write(c->env->store, deploy__create, &a, c->err);
	json_decref(a.doc);
	if (r)
		return r;
	engine_wake(c->env->engine);
	c->out = json_pack("{s:s}", "deploymentId", a.id);
	return 0;
}

/* ---- DeploymentInfo ---- */

#define DEPLOY_COLUMNS                                                                          \
	"SELECT id, app, grp, status, creator, config, created, started, completed, revision, " \
	"previous_revision, rollback_of, rollback_id, rollback_message, error_code, "           \
	"error_message, doc, stop_requested, phase FROM deployments WHERE id = ?"

static int deploy__overview(struct store_conn *sc, const char *id, json_t *info, struct err *e)
{
	static const char *const keys[] = { "Pending", "InProgress", "Succeeded",
					    "Failed",  "Skipped",    "Ready" };
	json_t *ov = json_object();
	struct store_stmt *st;
	int r;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_set_new(ov, keys[i], json_integer(0));
	json_object_set_new(info, "deploymentOverview", ov);
	r = store_exec(sc, &st,
		       "SELECT status, COUNT(*) FROM deployment_targets WHERE deployment = ? GROUP "
		       "BY status",
		       "t", e, id);
	while (r == 1) {
		const char *s = store_col_text(st, 0);

		if (json_object_get(ov, s))
			json_object_set_new(ov, s, json_integer(store_col_int(st, 1)));
		r = store_step(st, e);
	}
	return r < 0 ? r : 0;
}

/* DeploymentInfo of one deployment; 1 when it does not exist. */
static int deploy__info(struct store_conn *sc, const char *id, json_t **out, struct err *e)
{
	struct store_stmt *st;
	json_t *info, *doc, *rb = NULL;
	int r = store_exec(sc, &st, DEPLOY_COLUMNS, "t", e, id);

	if (r <= 0)
		return r < 0 ? r : 1;
	info = json_object();
	json_set_str(info, "applicationName", store_col_text(st, 1));
	json_set_str(info, "deploymentGroupName", store_col_text(st, 2));
	json_set_str(info, "deploymentConfigName", store_col_text(st, 5));
	json_set_str(info, "deploymentId", store_col_text(st, 0));
	json_object_set_new(info, "revision", deploy__parse(store_col_text(st, 9)));
	if (!store_col_null(st, 10))
		json_object_set_new(info, "previousRevision",
				    deploy__parse(store_col_text(st, 10)));
	/* a blue/green deployment waiting for ContinueDeployment is Ready */
	json_set_str(info, "status",
		     str_eq(store_col_text(st, 3), "InProgress") &&
			     str_eq(store_col_text(st, 18), "ready")
			 ? "Ready"
			 : store_col_text(st, 3));
	if (!store_col_null(st, 14))
		json_object_set_new(
		    info, "errorInformation",
		    json_pack("{s:s,s:s}", "code", store_col_text(st, 14), "message",
			      store_col_text(st, 15) ? store_col_text(st, 15) : ""));
	json_set_time(info, "createTime", store_col_int(st, 6));
	if (!store_col_null(st, 7))
		json_set_time(info, "startTime", store_col_int(st, 7));
	if (!store_col_null(st, 8))
		json_set_time(info, "completeTime", store_col_int(st, 8));
	json_set_str(info, "creator", store_col_text(st, 4));
	if (!store_col_null(st, 11) || !store_col_null(st, 12) || !store_col_null(st, 13)) {
		rb = json_object();
		json_set_str(rb, "rollbackDeploymentId", store_col_text(st, 12));
		json_set_str(rb, "rollbackTriggeringDeploymentId", store_col_text(st, 11));
		json_set_str(rb, "rollbackMessage", store_col_text(st, 13));
		json_object_set_new(info, "rollbackInfo", rb);
	}
	doc = deploy__parse(store_col_text(st, 16));
	if (json_is_object(doc))
		json_object_update_missing(info, doc);
	json_decref(doc);
	json_object_set_new(info, "instanceTerminationWaitTimeStarted",
			    json_boolean(str_eq(store_col_text(st, 18), "wait")));
	json_object_set_new(info, "deploymentStatusMessages", json_array());
	r = deploy__overview(sc, id, info, e);
	if (r) {
		json_decref(info);
		return r;
	}
	*out = info;
	return 0;
}

struct deploy_get {
	const char *id;
	const json_t *ids;
	json_t *out;
};

static int deploy__get(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_get *g = arg;
	int r = deploy__info(sc, g->id, &g->out, e);

	if (r == 1)
		return err_set(e, SW_E_DeploymentDoesNotExist, "Deployment %s does not exist",
			       g->id);
	return r;
}

static int GetDeployment(struct call *c)
{
	struct deploy_get g = { 0 };
	int r = deploy__id_arg(c->in, "deploymentId", &g.id, c->err);

	if (!r)
		r = store_read(c->env->store, deploy__get, &g, c->err);
	if (r)
		return r;
	c->out = json_pack("{s:o}", "deploymentInfo", g.out);
	return 0;
}

static int deploy__batch(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_get *g = arg;
	size_t i;
	json_t *v;

	json_array_foreach(g->ids, i, v)
	{
		json_t *info;
		int r = deploy__info(sc, json_string_value(v), &info, e);

		if (r < 0)
			return r;
		if (r == 0)
			json_array_append_new(g->out, info);
	}
	return 0;
}

/* A list of ids: required, at most max (limit_code), each well-formed (invalid_code). */
static int deploy__id_list(const json_t *in, const char *key, size_t max, int required_code,
			   int limit_code, json_t **out, struct err *e)
{
	json_t *ids = NULL, *v;
	size_t i;
	int r = json_opt_arr(in, key, &ids, e);

	if (r)
		return r;
	if (!ids || json_array_size(ids) == 0)
		return err_set(e, required_code, "%s must name at least one", key);
	if (json_array_size(ids) > max)
		return err_set(e, limit_code, "%s names %zu; at most %zu per call", key,
			       json_array_size(ids), max);
	json_array_foreach(ids, i, v)
	{
		if (!json_is_string(v))
			return err_set(e, SW_E_Serialization, "%s[%zu] must be a string", key, i);
	}
	*out = ids;
	return 0;
}

static int BatchGetDeployments(struct call *c)
{
	struct deploy_get g = { 0 };
	json_t *ids = NULL, *v;
	size_t i;
	int r;

	r = deploy__id_list(c->in, "deploymentIds", DEPLOY_BATCH_MAX, SW_E_DeploymentIdRequired,
			    SW_E_BatchLimitExceeded, &ids, c->err);
	if (r)
		return r;
	json_array_foreach(ids, i, v)
	{
		if (!deploy_id_valid(json_string_value(v)))
			return err_set(c->err, SW_E_InvalidDeploymentId,
				       "deploymentIds[%zu] '%.40s' is not a deployment id", i,
				       json_string_value(v));
	}
	g.ids = ids;
	g.out = json_array();
	r = store_read(c->env->store, deploy__batch, &g, c->err);
	if (r) {
		json_decref(g.out);
		return r;
	}
	c->out = json_pack("{s:o}", "deploymentsInfo", g.out);
	return 0;
}

/* ---- ListDeployments ---- */

struct deploy_list {
	const char *app;
	const char *group;
	const json_t *statuses;
	bool external; /* filtered by externalId: Slipway's deployments have none */
	int64_t from, to;
	int64_t after_created; /* INT64_MAX: first page */
	char after_id[DEPLOY_ID_SIZE];
	json_t *ids;
	char next[512];
};

static bool deploy__status_wanted(const struct deploy_list *l, const char *status)
{
	size_t i;
	json_t *v;

	if (!l->statuses || json_array_size(l->statuses) == 0)
		return true;
	json_array_foreach(l->statuses, i, v)
	{
		if (strcmp(json_string_value(v), status) == 0)
			return true;
	}
	return false;
}

static int deploy__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_list *l = arg;
	struct store_stmt *st;
	json_t *group = NULL;
	const char *group_id = NULL;
	int64_t n = 0;
	int r;

	if (l->app) {
		r = model_group_get(sc, l->app, l->group, &group, e);
		if (r)
			return r;
		group_id = json_string_value(json_object_get(group, "deploymentGroupId"));
	}
	if (l->external) {
		json_decref(group);
		return 0;
	}
	/* newest first; the token is the (created, id) of the last one returned */
	if (group_id)
		r = store_exec(
		    sc, &st,
		    "SELECT id, status, created, phase FROM deployments WHERE group_id = ? "
		    "AND "
		    "(created < ? OR (created = ? AND id < ?)) AND created >= ? AND "
		    "created <= ? ORDER BY created DESC, id DESC",
		    "tiitii", e, group_id, l->after_created, l->after_created, l->after_id, l->from,
		    l->to);
	else
		r = store_exec(
		    sc, &st,
		    "SELECT id, status, created, phase FROM deployments WHERE (created < ? OR "
		    "(created = ? AND id < ?)) AND created >= ? AND created <= ? ORDER BY "
		    "created DESC, id DESC",
		    "iitii", e, l->after_created, l->after_created, l->after_id, l->from, l->to);
	json_decref(group);
	while (r == 1) {
		/* a blue/green deployment waiting for ContinueDeployment is Ready */
		const char *status = str_eq(store_col_text(st, 1), "InProgress") &&
					     str_eq(store_col_text(st, 3), "ready")
					 ? "Ready"
					 : store_col_text(st, 1);

		if (deploy__status_wanted(l, status)) {
			char key[64];

			if (++n > CD_PAGE_SIZE) {
				const char *last = json_string_value(
				    json_array_get(l->ids, json_array_size(l->ids) - 1));

				str_fmt(key, sizeof(key), "%" PRId64 ":%s", l->after_created, last);
				cd_token_encode(key, l->next, sizeof(l->next));
				break;
			}
			json_array_append_new(l->ids, json_string(store_col_text(st, 0)));
			l->after_created = store_col_int(st, 2);
		}
		r = store_step(st, e);
	}
	return r < 0 ? r : 0;
}

static int deploy__time_range(const json_t *in, struct deploy_list *l, struct err *e)
{
	json_t *range = NULL;
	double start = 0, end = 0;
	bool have_start, have_end;
	int r = json_opt_obj(in, "createTimeRange", &range, e);

	l->from = INT64_MIN;
	l->to = INT64_MAX;
	if (r || !range)
		return r;
	have_start = json_is_number(json_object_get(range, "start"));
	have_end = json_is_number(json_object_get(range, "end"));
	if (json_opt_num(range, "start", &start, e) || json_opt_num(range, "end", &end, e))
		return err_set(e, SW_E_InvalidTimeRange,
			       "createTimeRange is {start, end} in epoch seconds");
	if (have_start)
		l->from = (int64_t)(start * 1000.0);
	if (have_end)
		l->to = (int64_t)(end * 1000.0);
	if (have_start && have_end && l->from > l->to)
		return err_set(e, SW_E_InvalidTimeRange,
			       "createTimeRange.start is after createTimeRange.end");
	return 0;
}

static int ListDeployments(struct call *c)
{
	struct deploy_list l = { .after_created = INT64_MAX };
	const char *token = NULL, *external = NULL;
	json_t *statuses = NULL, *v;
	size_t i;
	int r;

	r = json_opt_str(c->in, "applicationName", &l.app, c->err);
	if (!r)
		r = json_opt_str(c->in, "deploymentGroupName", &l.group, c->err);
	if (!r)
		r = json_opt_str(c->in, "externalId", &external, c->err);
	if (!r)
		r = json_opt_arr(c->in, "includeOnlyStatuses", &statuses, c->err);
	if (!r)
		r = json_opt_str(c->in, "nextToken", &token, c->err);
	if (!r)
		r = deploy__time_range(c->in, &l, c->err);
	if (r)
		return r;
	if (l.app && !*l.app)
		l.app = NULL;
	if (l.group && !*l.group)
		l.group = NULL;
	if (l.group && !l.app)
		return err_set(c->err, SW_E_ApplicationNameRequired,
			       "deploymentGroupName needs applicationName");
	if (l.app && !l.group)
		return err_set(c->err, SW_E_DeploymentGroupNameRequired,
			       "applicationName needs deploymentGroupName");
	if (l.app && strlen(l.app) > CD_NAME_MAX)
		return err_set(c->err, SW_E_InvalidApplicationName,
			       "application name is longer than %d characters", CD_NAME_MAX);
	if (l.group && strlen(l.group) > CD_NAME_MAX)
		return err_set(c->err, SW_E_InvalidDeploymentGroupName,
			       "deployment group name is longer than %d characters", CD_NAME_MAX);
	json_array_foreach(statuses, i, v)
	{
		if (deploy_status_parse(json_string_value(v)) < 0)
			return err_set(c->err, SW_E_InvalidDeploymentStatus,
				       "includeOnlyStatuses[%zu] is not a deployment status", i);
	}
	l.statuses = statuses;
	l.external = external && *external;
	if (token) {
		char key[64];
		char *colon;
		int64_t created;

		r = cd_token_decode(token, key, sizeof(key), c->err);
		if (r)
			return r;
		colon = strchr(key, ':');
		if (!colon)
			return err_set(c->err, SW_E_InvalidNextToken,
				       "The next token is not valid");
		*colon = '\0';
		if (str_to_i64(key, INT64_MIN, INT64_MAX, &created) || !deploy_id_valid(colon + 1))
			return err_set(c->err, SW_E_InvalidNextToken,
				       "The next token is not valid");
		l.after_created = created;
		str_copy(l.after_id, sizeof(l.after_id), colon + 1);
	}
	l.ids = json_array();
	r = store_read(c->env->store, deploy__list, &l, c->err);
	if (r) {
		json_decref(l.ids);
		return r;
	}
	c->out = json_pack("{s:o}", "deployments", l.ids);
	if (l.next[0])
		json_set_str(c->out, "nextToken", l.next);
	return 0;
}

/* ---- StopDeployment / ContinueDeployment ---- */

struct deploy_stop {
	const char *id;
	int rollback; /* -1 absent, 0, 1 */
	char status[16];
};

static int deploy__status(struct store_conn *sc, const char *id, char *out, size_t size,
			  struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(sc, &st, "SELECT status FROM deployments WHERE id = ?", "t", e, id);

	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_DeploymentDoesNotExist, "Deployment %s does not exist", id);
	str_copy(out, size, store_col_text(st, 0));
	return 0;
}

static int deploy__stop(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_stop *s = arg;
	int r = deploy__status(sc, s->id, s->status, sizeof(s->status), e);

	if (r)
		return r;
	if (deploy__terminal(s->status))
		return err_set(e, SW_E_DeploymentAlreadyCompleted,
			       "Deployment %s has already completed (%s)", s->id, s->status);
	return model_deployment_request_stop(sc, s->id, time_now_ms(), s->rollback, e);
}

static int deploy__read_status(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_stop *s = arg;

	return deploy__status(sc, s->id, s->status, sizeof(s->status), e);
}

static int StopDeployment(struct call *c)
{
	struct deploy_stop s = { .rollback = -1 };
	json_t *v;
	int r = deploy__id_arg(c->in, "deploymentId", &s.id, c->err);

	if (r)
		return r;
	v = json_object_get(c->in, "autoRollbackEnabled");
	if (v && !json_is_null(v)) {
		if (!json_is_boolean(v))
			return err_set(c->err, SW_E_Serialization,
				       "autoRollbackEnabled must be true or false");
		s.rollback = json_is_true(v);
	}
	r = store_write(c->env->store, deploy__stop, &s, c->err);
	if (r)
		return r;
	/* the engine stops it; wait a little so that the common case answers Succeeded */
	for (int64_t until = time_mono_ms() + DEPLOY_STOP_WAIT_MS; time_mono_ms() < until;) {
		engine_sync(c->env->engine, until - time_mono_ms());
		r = store_read(c->env->store, deploy__read_status, &s, c->err);
		if (r)
			return r;
		if (deploy__terminal(s.status))
			break;
	}
	if (deploy__terminal(s.status))
		c->out = json_pack("{s:s,s:s}", "status", "Succeeded", "statusMessage",
				   "Deployment stopped");
	else
		c->out = json_pack("{s:s,s:s}", "status", "Pending", "statusMessage",
				   "Stopping: lifecycle events already running on instances are "
				   "finishing; no new ones will start");
	return 0;
}

struct deploy_continue {
	const char *id;
	bool ready_wait; /* READY_WAIT, else TERMINATION_WAIT */
};

/* ContinueDeployment: READY_WAIT ends a blue/green deployment's ready wait (it must be Ready);
 * TERMINATION_WAIT ends its wait before the original instances are retired (it must be
 * blue/green and not finished; asked early, the wait is skipped when it comes). */
static int deploy__continue(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_continue *a = arg;
	struct store_stmt *st;
	json_t *doc;
	bool blue_green;
	char status[16], phase[16];
	int r = store_exec(sc, &st, "SELECT status, phase, doc FROM deployments WHERE id = ?", "t",
			   e, a->id);

	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_DeploymentDoesNotExist, "Deployment %s does not exist",
			       a->id);
	str_copy(status, sizeof(status), store_col_text(st, 0));
	str_copy(phase, sizeof(phase), store_col_null(st, 1) ? "" : store_col_text(st, 1));
	doc = deploy__parse(store_col_text(st, 2));
	blue_green = str_eq(json_string_value(json_object_get(
				json_object_get(doc, "deploymentStyle"), "deploymentType")),
			    "BLUE_GREEN");
	json_decref(doc);
	if (deploy__terminal(status))
		return err_set(e, SW_E_DeploymentAlreadyCompleted,
			       "Deployment %s has already completed (%s)", a->id, status);
	if (a->ready_wait && !(str_eq(status, "InProgress") && str_eq(phase, "ready")))
		return err_set(
		    e, SW_E_DeploymentIsNotInReadyState, "Deployment %s is not Ready: %s", a->id,
		    blue_green ? "its replacement instances are not waiting for "
				 "ContinueDeployment"
			       : "only blue/green deployments wait for ContinueDeployment");
	if (!a->ready_wait && !blue_green)
		return err_set(e, SW_E_UnsupportedActionForDeploymentType,
			       "Deployment %s is an in-place deployment: there is no termination "
			       "wait to skip",
			       a->id);
	return model_deployment_continue(sc, a->id, a->ready_wait, time_now_ms(), e);
}

static int ContinueDeployment(struct call *c)
{
	struct deploy_continue a = { 0 };
	const char *type = "READY_WAIT";
	int r = deploy__id_arg(c->in, "deploymentId", &a.id, c->err);

	if (!r)
		r = json_opt_str(c->in, "deploymentWaitType", &type, c->err);
	if (r)
		return r;
	if (strcmp(type, "READY_WAIT") != 0 && strcmp(type, "TERMINATION_WAIT") != 0)
		return err_set(c->err, SW_E_InvalidDeploymentWaitType,
			       "deploymentWaitType must be READY_WAIT or TERMINATION_WAIT");
	a.ready_wait = strcmp(type, "READY_WAIT") == 0;
	r = store_write(c->env->store, deploy__continue, &a, c->err);
	if (r)
		return r;
	engine_wake(c->env->engine);
	c->out = json_object();
	return 0;
}

/* ---- targets ---- */

/* A Skipped LifecycleEvent: one of the deployment type's events this deployment does not run
 * (the traffic events of a group without a load balancer). */
static json_t *deploy__skipped_event(const char *name)
{
	return json_pack("{s:s,s:s}", "lifecycleEventName", name, "status", "Skipped");
}

/* The lifecycle events of one target: every event AWS lists for an in-place deployment, in
 * its order — those with a host command as the command stands, the others Skipped (fill);
 * a blue/green target lists only its own (the original fleet's block events, the
 * replacement's install and allow events). */
static int deploy__events(struct store_conn *sc, const char *id, const char *instance,
			  bool target_done, bool fill, json_t **out, int64_t *latest, struct err *e)
{
	struct store_stmt *st;
	size_t nall, next = 0;
	const struct inplace_event *all = inplace_events(true, &nall);

	if (!fill)
		nall = 0; /* blue/green: an instance lists the events it runs */
	json_t *list = json_array();
	int r;

	r = store_exec(sc, &st,
		       "SELECT name, status, queued, delivered, acked, completed, error_code, "
		       "script_name, message, log_tail, position FROM host_commands WHERE "
		       "deployment = ? AND instance = ? ORDER BY position",
		       "tt", e, id, instance);
	while (r == 1) {
		json_t *ev = json_object();
		const char *status = store_col_text(st, 1);
		int64_t position = store_col_int(st, 10);

		for (; next < nall && all[next].position < position; next++)
			json_array_append_new(list, deploy__skipped_event(all[next].name));
		if (next < nall && all[next].position == position)
			next++;
		json_set_str(ev, "lifecycleEventName", store_col_text(st, 0));
		for (int col = 2; col <= 5; col++)
			if (!store_col_null(st, col) && store_col_int(st, col) > *latest)
				*latest = store_col_int(st, col);
		if (strcmp(status, "Pending") == 0 && !store_col_null(st, 3))
			status = "InProgress"; /* the agent has it */
		else if (strcmp(status, "Pending") == 0 && target_done)
			status = "Skipped";
		if (!store_col_null(st, 3))
			json_set_time(ev, "startTime", store_col_int(st, 3));
		else if (!store_col_null(st, 4))
			json_set_time(ev, "startTime", store_col_int(st, 4));
		if (!store_col_null(st, 5))
			json_set_time(ev, "endTime", store_col_int(st, 5));
		json_set_str(ev, "status", status);
		if (!store_col_null(st, 6)) {
			json_t *diag = json_object();

			json_set_str(diag, "errorCode", store_col_text(st, 6));
			json_set_str(diag, "scriptName",
				     store_col_text(st, 7) ? store_col_text(st, 7) : "");
			json_set_str(diag, "message",
				     store_col_text(st, 8) ? store_col_text(st, 8) : "");
			json_set_str(diag, "logTail",
				     store_col_text(st, 9) ? store_col_text(st, 9) : "");
			json_object_set_new(ev, "diagnostics", diag);
		}
		json_array_append_new(list, ev);
		r = store_step(st, e);
	}
	if (r < 0) {
		json_decref(list);
		return r;
	}
	for (; next < nall; next++)
		json_array_append_new(list, deploy__skipped_event(all[next].name));
	*out = list;
	return 0;
}

enum deploy_target_shape { SHAPE_TARGET, SHAPE_INSTANCE };

/* The deployment must exist and have started (its targets are chosen when it starts). */
static int deploy__started(struct store_conn *sc, const char *id, struct err *e)
{
	char status[16];
	int r = deploy__status(sc, id, status, sizeof(status), e);

	if (r)
		return r;
	if (strcmp(status, "Created") == 0 || strcmp(status, "Queued") == 0)
		return err_set(e, SW_E_DeploymentNotStarted,
			       "Deployment %s has not started yet (%s): its targets are chosen "
			       "when it starts",
			       id, status);
	return 0;
}

/* One target as InstanceTarget or InstanceSummary; 1 when the deployment has no such target
 * (name is an instance name or ARN). */
static int deploy__target(struct store_conn *sc, const char *id, const char *name,
			  enum deploy_target_shape shape, json_t **out, struct err *e)
{
	struct store_stmt *st;
	json_t *t, *events;
	char instance[256], arn[512], status[16], label[8] = "";
	int64_t updated;
	int r;

	r = store_exec(sc, &st,
		       "SELECT instance, instance_arn, status, updated, label FROM "
		       "deployment_targets WHERE deployment = ? AND (instance = ? OR instance_arn "
		       "= ?)",
		       "ttt", e, id, name, name);
	if (r <= 0)
		return r < 0 ? r : 1;
	str_copy(instance, sizeof(instance), store_col_text(st, 0));
	str_copy(arn, sizeof(arn), store_col_text(st, 1));
	str_copy(status, sizeof(status), store_col_text(st, 2));
	updated = store_col_int(st, 3);
	if (!store_col_null(st, 4))
		str_copy(label, sizeof(label), store_col_text(st, 4));
	/* lastUpdatedAt: the target's own changes or its events', whichever is later */
	r = deploy__events(sc, id, instance,
			   !str_eq(status, "Pending") && !str_eq(status, "InProgress") &&
			       !str_eq(status, "Ready"),
			   label[0] == '\0', &events, &updated, e);
	if (r)
		return r;
	t = json_object();
	json_set_str(t, "deploymentId", id);
	if (shape == SHAPE_TARGET) {
		json_set_str(t, "targetId", instance);
		json_set_str(t, "targetArn", arn);
	} else {
		json_set_str(t, "instanceId", arn);
	}
	json_set_str(t, "status", status);
	json_set_time(t, "lastUpdatedAt", updated);
	json_object_set_new(t, "lifecycleEvents", events);
	if (label[0])
		json_set_str(t, shape == SHAPE_TARGET ? "instanceLabel" : "instanceType", label);
	*out = t;
	return 0;
}

struct deploy_targets {
	const char *id;
	const char *name;
	const json_t *names;
	enum deploy_target_shape shape;
	json_t *out;
	json_t *missing;
	/* listing */
	const json_t *statuses;
	const json_t *labels; /* Blue/Green labels wanted (in-place targets have none) */
	char after[256];
	char next[512];
};

static int deploy__get_target(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_targets *g = arg;
	int r = deploy__started(sc, g->id, e);

	if (!r)
		r = deploy__target(sc, g->id, g->name, g->shape, &g->out, e);
	if (r == 1)
		return err_set(e,
			       g->shape == SHAPE_TARGET ? SW_E_DeploymentTargetDoesNotExist
							: SW_E_InstanceDoesNotExist,
			       "Deployment %s has no target '%s'", g->id, g->name);
	return r;
}

static int deploy__batch_targets(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_targets *g = arg;
	size_t i;
	json_t *v;
	int r = deploy__started(sc, g->id, e);

	if (r)
		return r;
	json_array_foreach(g->names, i, v)
	{
		json_t *t;

		r = deploy__target(sc, g->id, json_string_value(v), g->shape, &t, e);
		if (r < 0)
			return r;
		if (r == 0)
			json_array_append_new(g->out, t);
		else if (g->shape == SHAPE_TARGET)
			return err_set(e, SW_E_DeploymentTargetDoesNotExist,
				       "Deployment %s has no target '%s'", g->id,
				       json_string_value(v));
		else
			json_array_append(g->missing, v);
	}
	return 0;
}

static int deploy__list_targets(struct store_conn *sc, void *arg, struct err *e)
{
	struct deploy_targets *l = arg;
	struct store_stmt *st;
	int n = 0;
	int r = deploy__started(sc, l->id, e);

	if (r)
		return r;
	r = store_exec(sc, &st,
		       "SELECT instance, status, label FROM deployment_targets WHERE deployment = "
		       "? AND instance > ? ORDER BY instance",
		       "tt", e, l->id, l->after);
	while (r == 1) {
		bool wanted = json_array_size(l->statuses) == 0;
		bool labelled = !l->labels;
		size_t i;
		json_t *v;

		json_array_foreach(l->statuses, i, v)
		{
			if (strcmp(json_string_value(v), store_col_text(st, 1)) == 0)
				wanted = true;
		}
		json_array_foreach(l->labels, i, v)
		{
			if (!store_col_null(st, 2) &&
			    strcmp(json_string_value(v), store_col_text(st, 2)) == 0)
				labelled = true;
		}
		wanted = wanted && labelled;
		if (wanted) {
			if (++n > CD_PAGE_SIZE) {
				cd_token_encode(json_string_value(json_array_get(
						    l->out, json_array_size(l->out) - 1)),
						l->next, sizeof(l->next));
				break;
			}
			json_array_append_new(l->out, json_string(store_col_text(st, 0)));
		}
		r = store_step(st, e);
	}
	return r < 0 ? r : 0;
}

static int deploy__status_filter(const json_t *list, const char *what, struct err *e)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
	{
		if (!deploy__in(json_string_value(v), deploy__target_statuses))
			return err_set(e, SW_E_InvalidInstanceStatus,
				       "%s[%zu] must be Pending, InProgress, Succeeded, Failed, "
				       "Skipped, Unknown or Ready",
				       what, i);
	}
	return 0;
}

static int deploy__label_filter(const json_t *list, const char *what, int code, struct err *e)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
	{
		const char *s = json_string_value(v);

		if (!s || (strcmp(s, "Blue") != 0 && strcmp(s, "Green") != 0))
			return err_set(e, code, "%s[%zu] must be Blue or Green", what, i);
	}
	return 0;
}

static int deploy__run_list(struct call *c, struct deploy_targets *l, const char *out_key)
{
	const char *token = NULL;
	int r = json_opt_str(c->in, "nextToken", &token, c->err);

	if (!r && token)
		r = cd_token_decode(token, l->after, sizeof(l->after), c->err);
	if (r)
		return r;
	l->out = json_array();
	r = store_read(c->env->store, deploy__list_targets, l, c->err);
	if (r) {
		json_decref(l->out);
		return r;
	}
	c->out = json_pack("{s:o}", out_key, l->out);
	if (l->next[0])
		json_set_str(c->out, "nextToken", l->next);
	return 0;
}

static int ListDeploymentTargets(struct call *c)
{
	struct deploy_targets l = { 0 };
	json_t *filters = NULL;
	const char *key;
	json_t *v;
	int r = deploy__id_arg(c->in, "deploymentId", &l.id, c->err);

	if (!r)
		r = json_opt_obj(c->in, "targetFilters", &filters, c->err);
	if (r)
		return r;
	json_object_foreach(filters, key, v)
	{
		if (!json_is_array(v))
			return err_set(c->err, SW_E_Serialization,
				       "targetFilters.%s must be a list", key);
		if (strcmp(key, "TargetStatus") == 0) {
			r = deploy__status_filter(v, "targetFilters.TargetStatus", c->err);
			l.statuses = v;
		} else if (strcmp(key, "ServerInstanceLabel") == 0) {
			r = deploy__label_filter(v, "targetFilters.ServerInstanceLabel",
						 SW_E_InvalidDeploymentInstanceType, c->err);
			if (json_array_size(v))
				l.labels = v;
		} else {
			r = err_set(c->err, SW_E_InvalidTargetFilterName,
				    "targetFilters has an unknown filter '%s' (TargetStatus or "
				    "ServerInstanceLabel)",
				    key);
		}
		if (r)
			return r;
	}
	return deploy__run_list(c, &l, "targetIds");
}

static int ListDeploymentInstances(struct call *c)
{
	struct deploy_targets l = { 0 };
	json_t *statuses = NULL, *types = NULL;
	int r = deploy__id_arg(c->in, "deploymentId", &l.id, c->err);

	if (!r)
		r = json_opt_arr(c->in, "instanceStatusFilter", &statuses, c->err);
	if (!r)
		r = json_opt_arr(c->in, "instanceTypeFilter", &types, c->err);
	if (!r)
		r = deploy__status_filter(statuses, "instanceStatusFilter", c->err);
	if (!r)
		r = deploy__label_filter(types, "instanceTypeFilter", SW_E_InvalidInstanceType,
					 c->err);
	if (r)
		return r;
	l.statuses = statuses;
	l.labels = json_array_size(types) ? types : NULL;
	return deploy__run_list(c, &l, "instancesList");
}

static int deploy__one_target(struct call *c, enum deploy_target_shape shape)
{
	struct deploy_targets g = { .shape = shape };
	const char *key = shape == SHAPE_TARGET ? "targetId" : "instanceId";
	int r = deploy__id_arg(c->in, "deploymentId", &g.id, c->err);

	if (!r)
		r = json_opt_str(c->in, key, &g.name, c->err);
	if (r)
		return r;
	if (!g.name || !*g.name)
		return err_set(c->err,
			       shape == SHAPE_TARGET ? SW_E_DeploymentTargetIdRequired
						     : SW_E_InstanceIdRequired,
			       "%s is required", key);
	r = store_read(c->env->store, deploy__get_target, &g, c->err);
	if (r)
		return r;
	if (shape == SHAPE_TARGET)
		c->out = json_pack("{s:{s:s,s:o}}", "deploymentTarget", "deploymentTargetType",
				   "InstanceTarget", "instanceTarget", g.out);
	else
		c->out = json_pack("{s:o}", "instanceSummary", g.out);
	return 0;
}

static int GetDeploymentTarget(struct call *c)
{
	return deploy__one_target(c, SHAPE_TARGET);
}

static int GetDeploymentInstance(struct call *c)
{
	return deploy__one_target(c, SHAPE_INSTANCE);
}

static int deploy__many_targets(struct call *c, enum deploy_target_shape shape)
{
	struct deploy_targets g = { .shape = shape };
	bool t = shape == SHAPE_TARGET;
	json_t *names = NULL;
	int r = deploy__id_arg(c->in, "deploymentId", &g.id, c->err);

	if (!r)
		r = deploy__id_list(c->in, t ? "targetIds" : "instanceIds", DEPLOY_BATCH_MAX,
				    t ? SW_E_DeploymentTargetIdRequired : SW_E_InstanceIdRequired,
				    t ? SW_E_DeploymentTargetListSizeExceeded
				      : SW_E_BatchLimitExceeded,
				    &names, c->err);
	if (r)
		return r;
	g.names = names;
	g.out = json_array();
	g.missing = json_array();
	r = store_read(c->env->store, deploy__batch_targets, &g, c->err);
	if (!r) {
		if (t) {
			json_t *list = json_array();
			size_t i;
			json_t *v;

			json_array_foreach(g.out, i, v)
			{
				json_array_append_new(
				    list, json_pack("{s:s,s:O}", "deploymentTargetType",
						    "InstanceTarget", "instanceTarget", v));
			}
			c->out = json_pack("{s:o}", "deploymentTargets", list);
		} else {
			c->out = json_pack("{s:O}", "instancesSummary", g.out);
			if (json_array_size(g.missing)) {
				char *s = json_dump(g.missing);

				json_object_set_new(
				    c->out, "errorMessage",
				    json_sprintf("Deployment %s has no instances %s", g.id,
						 s ? s : "[]"));
				free(s);
			}
		}
	}
	json_decref(g.out);
	json_decref(g.missing);
	return r;
}

static int BatchGetDeploymentTargets(struct call *c)
{
	return deploy__many_targets(c, SHAPE_TARGET);
}

static int BatchGetDeploymentInstances(struct call *c)
{
	return deploy__many_targets(c, SHAPE_INSTANCE);
}

const struct json_op codedeploy_deployment_ops[] = {
	{ "CreateDeployment", CreateDeployment, 0 },
	{ "GetDeployment", GetDeployment, 0 },
	{ "ListDeployments", ListDeployments, 0 },
	{ "BatchGetDeployments", BatchGetDeployments, 0 },
	{ "StopDeployment", StopDeployment, 0 },
	{ "ContinueDeployment", ContinueDeployment, 0 },
	{ "SkipWaitTimeForInstanceTermination", NULL, 0 },
	{ "GetDeploymentTarget", GetDeploymentTarget, 0 },
	{ "ListDeploymentTargets", ListDeploymentTargets, 0 },
	{ "BatchGetDeploymentTargets", BatchGetDeploymentTargets, 0 },
	{ "GetDeploymentInstance", GetDeploymentInstance, 0 },
	{ "ListDeploymentInstances", ListDeploymentInstances, 0 },
	{ "BatchGetDeploymentInstances", BatchGetDeploymentInstances, 0 },
	{ NULL, NULL, 0 },
};
