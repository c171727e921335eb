/* codedeploy/deployment_groups: CreateDeploymentGroup, GetDeploymentGroup,
 * BatchGetDeploymentGroups, ListDeploymentGroups, UpdateDeploymentGroup, DeleteDeploymentGroup,
 * and the validation of every group setting.  The rows are model/groups.c's (the table's one
 * writer); this file holds the API around them.
 *
 * A group lives in deployment_groups as its full DeploymentGroupInfo document (`doc`), with
 * `config` beside it so that DeleteDeploymentConfig can see whether a configuration is in use.
 * Create and update share one path: the request (for an update, the current settings with the
 * request's members laid over them) goes through cd_group_settings(), which validates every
 * setting and fills in AWS's defaults. */
#include "common.h"
#include "configs.h"
#include "model/deploy.h"
#include "model/configs.h"
#include "model/groups.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define GROUP_PER_APP_MAX  1000
#define GROUP_BATCH_MAX	   100
#define GROUP_TAG_SETS_MAX 3
#define GROUP_ASG_MAX	   10
#define GROUP_ALARMS_MAX   10
#define GROUP_TRIGGERS_MAX 10
#define GROUP_LB_MAX	   10
#define GROUP_WAIT_MAX	   2880 /* minutes: AWS's two-day limits on blue/green waits */
#define GROUP_LONG_NAME	   255	/* alarm, Auto Scaling group, load balancer, trigger names */

/* The members of CreateDeploymentGroup that are settings (and so can be updated). */
static const char *const group__setting_keys[] = {
	"deploymentConfigName",
	"ec2TagFilters",
	"onPremisesInstanceTagFilters",
	"autoScalingGroups",
	"serviceRoleArn",
	"triggerConfigurations",
	"alarmConfiguration",
	"autoRollbackConfiguration",
	"outdatedInstancesStrategy",
	"deploymentStyle",
	"blueGreenDeploymentConfiguration",
	"loadBalancerInfo",
	"ec2TagSet",
	"ecsServices",
	"onPremisesTagSet",
	"terminationHookEnabled",
	NULL,
};

static const char *const group__filter_types[] = { "KEY_ONLY", "VALUE_ONLY", "KEY_AND_VALUE",
						   NULL };
static const char *const group__trigger_events[] = {
	"DeploymentStart",
	"DeploymentSuccess",
	"DeploymentFailure",
	"DeploymentStop",
	"DeploymentRollback",
	"DeploymentReady",
	"InstanceStart",
	"InstanceSuccess",
	"InstanceFailure",
	"InstanceReady",
	NULL,
};
static const char *const group__rollback_events[] = { "DEPLOYMENT_FAILURE",
						      "DEPLOYMENT_STOP_ON_ALARM",
						      "DEPLOYMENT_STOP_ON_REQUEST", NULL };

static bool group__one_of(const char *v, const char *const *allowed)
{
	for (; v && *allowed; allowed++)
		if (strcmp(v, *allowed) == 0)
			return true;
	return false;
}

/* A member that is present and not null. */
static json_t *group__member(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_null(v) ? NULL : v;
}

/* Optional string member; a value of another type is reported with `code`. */
static int group__str(const json_t *o, const char *key, const char **out, int code,
		      const char *what, struct err *e)
{
	json_t *v = group__member(o, key);

	if (!v)
		return 0;
	if (!json_is_string(v))
		return err_set(e, code, "%s.%s must be a string", what, key);
	*out = json_string_value(v);
	return 0;
}

static int group__bool(const json_t *o, const char *key, bool *out, int code, const char *what,
		       struct err *e)
{
	json_t *v = group__member(o, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return err_set(e, code, "%s.%s must be true or false", what, key);
	*out = json_is_true(v);
	return 0;
}

static int group__int(const json_t *o, const char *key, int64_t *out, int code, const char *what,
		      struct err *e)
{
	json_t *v = group__member(o, key);

	if (!v)
		return 0;
	if (!json_is_integer(v))
		return err_set(e, code, "%s.%s must be an integer", what, key);
	*out = json_integer_value(v);
	return 0;
}

/* A list member (absent → NULL); another type is reported with `code`. */
static int group__list(const json_t *o, const char *key, json_t **out, int code, const char *what,
		       struct err *e)
{
	json_t *v = group__member(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return err_set(e, code, "%s must be a list", what);
	*out = v;
	return 0;
}

static int group__object(const json_t *o, const char *key, json_t **out, int code, const char *what,
			 struct err *e)
{
	json_t *v = group__member(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_is_object(v))
		return err_set(e, code, "%s must be an object", what);
	*out = v;
	return 0;
}

/* ---- tag filters ---- */

/* [{Key, Value, Type}] (EC2 or on-premises): the copy keeps the members its Type uses. */
static int group__filters(const json_t *list, int code, const char *what, json_t **out,
			  struct err *e)
{
	size_t i;
	json_t *f;

	*out = NULL;
	if (!json_is_array(list))
		return err_set(e, code, "%s must be a list", what);
	json_array_foreach(list, i, f)
	{
		const char *key = NULL, *value = NULL, *type = NULL, *need;
		bool has_key, has_value, ok;

		if (!json_is_object(f) || group__str(f, "Key", &key, code, what, e) ||
		    group__str(f, "Value", &value, code, what, e) ||
		    group__str(f, "Type", &type, code, what, e))
			return err_set(e, code, "%s[%zu] must be {Key, Value, Type} with strings",
				       what, i);
		if (!group__one_of(type, group__filter_types))
			return err_set(e, code,
				       "%s[%zu].Type must be KEY_ONLY, VALUE_ONLY or KEY_AND_VALUE",
				       what, i);
		has_key = key && *key;
		has_value = value && *value;
		if (strcmp(type, "KEY_ONLY") == 0) {
			ok = has_key && !has_value;
			need = "a Key and no Value";
		} else if (strcmp(type, "VALUE_ONLY") == 0) {
			ok = !has_key && has_value;
			need = "a Value and no Key";
		} else {
			ok = has_key && has_value;
			need = "a Key and a Value";
		}
		if (!ok)
			return err_set(e, code,
				       "%s[%zu]: a %s filter needs %s (Key '%s', Value '%s')", what,
				       i, type, need, key ? key : "", value ? value : "");
		if ((key && strlen(key) > 128) || (value && strlen(value) > 256))
			return err_set(e, code,
				       "%s[%zu]: a tag key has at most 128 characters, a value at "
				       "most 256",
				       what, i);
	}
	*out = json_array();
	json_array_foreach(list, i, f)
	{
		const char *type = json_string_value(json_object_get(f, "Type"));
		json_t *copy = json_object();

		if (strcmp(type, "VALUE_ONLY") != 0)
			json_object_set(copy, "Key", json_object_get(f, "Key"));
		if (strcmp(type, "KEY_ONLY") != 0)
			json_object_set(copy, "Value", json_object_get(f, "Value"));
		json_set_str(copy, "Type", type);
		json_array_append_new(*out, copy);
	}
	return 0;
}

/* {<list_key>: [[filter…]…]} with at most three inner lists: *out is NULL when empty. */
static int group__tag_set(const json_t *set, const char *list_key, int code, const char *what,
			  json_t **out, struct err *e)
{
	json_t *lists = NULL, *inner, *copies;
	size_t i;

	*out = NULL;
	if (!json_is_object(set))
		return err_set(e, code, "%s must be an object {%s}", what, list_key);
	if (group__list(set, list_key, &lists, code, what, e))
		return -code;
	if (!lists || json_array_size(lists) == 0)
		return 0;
	if (json_array_size(lists) > GROUP_TAG_SETS_MAX)
		return err_set(e, SW_E_TagSetListLimitExceeded,
			       "%s has %zu tag groups; at most %d are allowed", what,
			       json_array_size(lists), GROUP_TAG_SETS_MAX);
	copies = json_array();
	json_array_foreach(lists, i, inner)
	{
		json_t *filters;
		int r = group__filters(inner, code, what, &filters, e);

		if (r) {
			json_decref(copies);
			return r;
		}
		json_array_append_new(copies, filters);
	}
	*out = json_object();
	json_object_set_new(*out, list_key, copies);
	return 0;
}

/* ec2TagFilters + ec2TagSet, or the on-premises pair: validated, mutually exclusive. */
static int group__targets(const json_t *in, json_t *out, const char *filters_key,
			  const char *set_key, const char *list_key, int code, int combo_code,
			  struct err *e)
{
	json_t *filters = NULL, *set = NULL, *fcopy = NULL, *scopy = NULL;
	int r;

	filters = group__member(in, filters_key);
	set = group__member(in, set_key);
	if (filters) {
		r = group__filters(filters, code, filters_key, &fcopy, e);
		if (r)
			return r;
	}
	if (set) {
		r = group__tag_set(set, list_key, code, set_key, &scopy, e);
		if (r) {
			json_decref(fcopy);
			return r;
		}
	}
	if (fcopy && json_array_size(fcopy) && scopy) {
		json_decref(fcopy);
		json_decref(scopy);
		return err_set(e, combo_code,
			       "%s and %s cannot both be used in the same deployment group; "
			       "clear one of them",
			       filters_key, set_key);
	}
	json_object_set_new(out, filters_key, fcopy ? fcopy : json_array());
	if (scopy)
		json_object_set_new(out, set_key, scopy);
	return 0;
}

/* ---- the other settings ---- */

/* arn:<partition>:<service>:<region>:<account>:<resource> split in place; false if malformed. */
static bool group__arn(const char *arn, const char *service, bool want_region, bool want_account,
		       const char **resource)
{
	const char *p = arn, *parts[6];
	size_t lens[6], n = 0;

	if (!str_starts(arn, "arn:"))
		return false;
	while (n < 5) {
		const char *colon = strchr(p, ':');

		if (!colon)
			return false;
		parts[n] = p;
		lens[n++] = (size_t)(colon - p);
		p = colon + 1;
	}
	parts[5] = p;
	lens[5] = strlen(p);
	if (lens[1] == 0 || lens[2] != strlen(service) || memcmp(parts[2], service, lens[2]) != 0)
		return false;
	if (want_region != (lens[3] > 0))
		return false;
	if (want_account) {
		if (lens[4] != 12)
			return false;
		for (size_t i = 0; i < 12; i++)
			if (parts[4][i] < '0' || parts[4][i] > '9')
				return false;
	}
	if (lens[5] == 0)
		return false;
	*resource = parts[5];
	return true;
}

static int group__role(const char *arn, struct err *e)
{
	const char *res = NULL;

	if (!arn || !*arn)
		return err_set(e, SW_E_RoleRequired,
			       "A service role ARN (serviceRoleArn) is required");
	if (strlen(arn) > 2048 || !group__arn(arn, "iam", false, true, &res) ||
	    !str_starts(res, "role/") || !res[5])
		return err_set(e, SW_E_InvalidRole,
			       "The service role ARN '%s' is not valid: expected "
			       "arn:aws:iam::<account-id>:role/<name>",
			       arn);
	return 0;
}

static int group__asgs(const json_t *list, json_t **out, struct err *e)
{
	const int code = SW_E_InvalidAutoScalingGroup;
	size_t i, j;
	json_t *n;

	*out = NULL;
	if (!json_is_array(list))
		return err_set(e, code, "autoScalingGroups must be a list of names");
	if (json_array_size(list) > GROUP_ASG_MAX)
		return err_set(e, code, "at most %d Auto Scaling groups per deployment group",
			       GROUP_ASG_MAX);
	json_array_foreach(list, i, n)
	{
		if (!json_is_string(n) || !json_string_length(n) ||
		    json_string_length(n) > GROUP_LONG_NAME)
			return err_set(
			    e, code, "autoScalingGroups[%zu] must be a name of 1 to %d characters",
			    i, GROUP_LONG_NAME);
		for (j = 0; j < i; j++)
			if (json_equal(n, json_array_get(list, j)))
				return err_set(e, code, "Auto Scaling group '%s' is listed twice",
					       json_string_value(n));
	}
	*out = json_array();
	json_array_foreach(list, i, n) json_array_append_new(*out, json_pack("{s:O}", "name", n));
	return 0;
}

static int group__triggers(const json_t *list, json_t **out, struct err *e)
{
	const int code = SW_E_InvalidTriggerConfig;
	size_t i, k;
	json_t *t, *ev;

	*out = NULL;
	if (!json_is_array(list))
		return err_set(e, code, "triggerConfigurations must be a list");
	if (json_array_size(list) > GROUP_TRIGGERS_MAX)
		return err_set(e, SW_E_TriggerTargetsLimitExceeded,
			       "at most %d triggers per deployment group", GROUP_TRIGGERS_MAX);
	json_array_foreach(list, i, t)
	{
		const char *name = NULL, *target = NULL, *res;
		json_t *events = NULL;

		if (!json_is_object(t) || group__str(t, "triggerName", &name, code, "trigger", e) ||
		    group__str(t, "triggerTargetArn", &target, code, "trigger", e) ||
		    group__list(t, "triggerEvents", &events, code, "triggerEvents", e))
			return err_set(e, code,
				       "triggerConfigurations[%zu] must be {triggerName, "
				       "triggerTargetArn, triggerEvents}",
				       i);
		if (!name || !*name || strlen(name) > GROUP_LONG_NAME)
			return err_set(e, code,
				       "triggerConfigurations[%zu].triggerName must have 1 to %d "
				       "characters",
				       i, GROUP_LONG_NAME);
		for (k = 0; k < i; k++)
			if (str_eq(name, json_string_value(json_object_get(json_array_get(list, k),
									   "triggerName"))))
				return err_set(e, code, "trigger name '%s' is used twice", name);
		if (!target || !group__arn(target, "sns", true, true, &res))
			return err_set(e, code,
				       "trigger '%s': triggerTargetArn must be an SNS topic ARN "
				       "(arn:aws:sns:<region>:<account-id>:<topic>)",
				       name);
		if (!events || json_array_size(events) == 0)
			return err_set(e, code,
				       "trigger '%s' needs at least one triggerEvents entry", name);
		json_array_foreach(events, k, ev)
		{
			if (!group__one_of(json_string_value(ev), group__trigger_events))
				return err_set(
				    e, code,
				    "trigger '%s': '%s' is not a trigger event (one of "
				    "DeploymentStart, DeploymentSuccess, DeploymentFailure, "
				    "DeploymentStop, DeploymentRollback, DeploymentReady, "
				    "InstanceStart, InstanceSuccess, InstanceFailure, "
				    "InstanceReady)",
				    name, json_is_string(ev) ? json_string_value(ev) : "?");
		}
	}
	*out = json_array();
	json_array_foreach(list, i, t)
	{
		json_array_append_new(
		    *out,
		    json_pack("{s:O,s:O,s:O}", "triggerName", json_object_get(t, "triggerName"),
			      "triggerTargetArn", json_object_get(t, "triggerTargetArn"),
			      "triggerEvents", json_object_get(t, "triggerEvents")));
	}
	return 0;
}

static int group__alarms(const json_t *ac, json_t **out, struct err *e)
{
	const int code = SW_E_InvalidAlarmConfig;
	bool enabled = false, ignore = false;
	json_t *alarms = NULL, *a, *copies;
	size_t i, k;

	*out = NULL;
	if (ac) {
		if (!json_is_object(ac))
			return err_set(e, code, "alarmConfiguration must be an object");
		if (group__bool(ac, "enabled", &enabled, code, "alarmConfiguration", e) ||
		    group__bool(ac, "ignorePollAlarmFailure", &ignore, code, "alarmConfiguration",
				e) ||
		    group__list(ac, "alarms", &alarms, code, "alarmConfiguration.alarms", e))
			return -code;
	}
	if (alarms && json_array_size(alarms) > GROUP_ALARMS_MAX)
		return err_set(e, SW_E_AlarmsLimitExceeded,
			       "at most %d alarms per deployment group, not %zu", GROUP_ALARMS_MAX,
			       json_array_size(alarms));
	copies = json_array();
	json_array_foreach(alarms, i, a)
	{
		const char *name = NULL;

		if (!json_is_object(a) ||
		    group__str(a, "name", &name, code, "alarmConfiguration.alarms", e) || !name ||
		    !*name || strlen(name) > GROUP_LONG_NAME) {
			json_decref(copies);
			return err_set(
			    e, code,
			    "alarmConfiguration.alarms[%zu] must be {name} with a name of "
			    "1 to %d characters",
			    i, GROUP_LONG_NAME);
		}
		for (k = 0; k < i; k++)
			if (str_eq(name, json_string_value(
					     json_object_get(json_array_get(alarms, k), "name")))) {
				json_decref(copies);
				return err_set(e, code, "alarm '%s' is listed twice", name);
			}
		json_array_append_new(copies, json_pack("{s:s}", "name", name));
	}
	if (enabled && json_array_size(copies) == 0) {
		json_decref(copies);
		return err_set(e, code, "the alarm configuration is enabled but lists no alarms");
	}
	*out = json_pack("{s:b,s:b,s:o}", "enabled", enabled, "ignorePollAlarmFailure", ignore,
			 "alarms", copies);
	return 0;
}

static int group__rollback(const json_t *arc, json_t **out, struct err *e)
{
	const int code = SW_E_InvalidAutoRollbackConfig;
	json_t *events = NULL, *ev, *copies;
	bool enabled = false;
	size_t i;

	*out = NULL;
	if (arc) {
		if (!json_is_object(arc))
			return err_set(e, code, "autoRollbackConfiguration must be an object");
		if (group__bool(arc, "enabled", &enabled, code, "autoRollbackConfiguration", e) ||
		    group__list(arc, "events", &events, code, "autoRollbackConfiguration.events",
				e))
			return -code;
	}
	copies = json_array();
	json_array_foreach(events, i, ev)
	{
		size_t k;
		bool seen = false;

		if (!group__one_of(json_string_value(ev), group__rollback_events)) {
			json_decref(copies);
			return err_set(e, code,
				       "'%s' is not a rollback event (DEPLOYMENT_FAILURE, "
				       "DEPLOYMENT_STOP_ON_ALARM or DEPLOYMENT_STOP_ON_REQUEST)",
				       json_is_string(ev) ? json_string_value(ev) : "?");
		}
		for (k = 0; k < json_array_size(copies); k++)
			seen = seen || json_equal(ev, json_array_get(copies, k));
		if (!seen)
			json_array_append(copies, ev);
	}
	if (enabled && json_array_size(copies) == 0) {
		json_decref(copies);
		return err_set(e, code,
			       "automatic rollback is enabled but no triggering events are listed");
	}
	*out = json_pack("{s:b,s:o}", "enabled", enabled, "events", copies);
	return 0;
}

/* deploymentStyle with its defaults; Lambda groups are always BLUE_GREEN behind traffic
 * control, as AWS reports them. */
static int group__style(const json_t *ds, const char *platform, json_t **out, struct err *e)
{
	const int code = SW_E_InvalidDeploymentStyle;
	static const char *const types[] = { "IN_PLACE", "BLUE_GREEN", NULL };
	static const char *const options[] = { "WITH_TRAFFIC_CONTROL", "WITHOUT_TRAFFIC_CONTROL",
					       NULL };
	const char *type = NULL, *option = NULL;
	bool lambda = strcmp(platform, "Lambda") == 0;

	*out = NULL;
	if (ds) {
		if (!json_is_object(ds))
			return err_set(e, code, "deploymentStyle must be an object");
		if (group__str(ds, "deploymentType", &type, code, "deploymentStyle", e) ||
		    group__str(ds, "deploymentOption", &option, code, "deploymentStyle", e))
			return -code;
	}
	if (type && !group__one_of(type, types))
		return err_set(e, code, "deploymentType must be IN_PLACE or BLUE_GREEN, not '%s'",
			       type);
	if (option && !group__one_of(option, options))
		return err_set(e, code,
			       "deploymentOption must be WITH_TRAFFIC_CONTROL or "
			       "WITHOUT_TRAFFIC_CONTROL, not '%s'",
			       option);
	if (lambda) {
		if ((type && strcmp(type, "BLUE_GREEN") != 0) ||
		    (option && strcmp(option, "WITH_TRAFFIC_CONTROL") != 0))
			return err_set(
			    e, code,
			    "a Lambda deployment group always shifts traffic: its style is "
			    "BLUE_GREEN with WITH_TRAFFIC_CONTROL");
		type = "BLUE_GREEN";
		option = "WITH_TRAFFIC_CONTROL";
	}
	if (!type)
		type = "IN_PLACE";
	if (!option)
		option = strcmp(type, "BLUE_GREEN") == 0 ? "WITH_TRAFFIC_CONTROL"
							 : "WITHOUT_TRAFFIC_CONTROL";
	if (strcmp(type, "BLUE_GREEN") == 0 && strcmp(option, "WITHOUT_TRAFFIC_CONTROL") == 0)
		return err_set(e, code,
			       "a BLUE_GREEN deployment reroutes traffic through a load balancer: "
			       "use WITH_TRAFFIC_CONTROL");
	*out = json_pack("{s:s,s:s}", "deploymentType", type, "deploymentOption", option);
	return 0;
}

/* [{name}] lists of load balancers / target groups. */
static int group__lb_names(const json_t *lbi, const char *key, json_t **out, struct err *e)
{
	const int code = SW_E_InvalidLoadBalancerInfo;
	json_t *list = NULL, *item;
	size_t i, k;

	*out = NULL;
	if (group__list(lbi, key, &list, code, key, e))
		return -code;
	if (!list || json_array_size(list) == 0)
		return 0;
	if (json_array_size(list) > GROUP_LB_MAX)
		return err_set(e, code, "loadBalancerInfo.%s has at most %d entries", key,
			       GROUP_LB_MAX);
	json_array_foreach(list, i, item)
	{
		const char *name = NULL;

		if (!json_is_object(item) || group__str(item, "name", &name, code, key, e) ||
		    !name || !*name || strlen(name) > GROUP_LONG_NAME)
			return err_set(
			    e, code,
			    "loadBalancerInfo.%s[%zu] must be {name} with a name of 1 to "
			    "%d characters",
			    key, i, GROUP_LONG_NAME);
		for (k = 0; k < i; k++)
			if (str_eq(name, json_string_value(
					     json_object_get(json_array_get(list, k), "name"))))
				return err_set(e, code, "loadBalancerInfo.%s lists '%s' twice", key,
					       name);
	}
	*out = json_array();
	json_array_foreach(list, i, item)
	    json_array_append_new(*out, json_pack("{s:O}", "name", json_object_get(item, "name")));
	return 0;
}

static int group__lb(const json_t *lbi, json_t **out, struct err *e)
{
	const int code = SW_E_InvalidLoadBalancerInfo;
	json_t *elbs = NULL, *tgs = NULL, *pairs = NULL;
	int r;

	*out = NULL;
	if (!json_is_object(lbi))
		return err_set(e, code, "loadBalancerInfo must be an object");
	if (group__list(lbi, "targetGroupPairInfoList", &pairs, code, "targetGroupPairInfoList", e))
		return -code;
	if (pairs && json_array_size(pairs))
		return err_set(e, SW_E_InvalidTargetGroupPair,
			       "targetGroupPairInfoList is for ECS deployment groups only; use "
			       "elbInfoList or targetGroupInfoList");
	r = group__lb_names(lbi, "elbInfoList", &elbs, e);
	if (!r)
		r = group__lb_names(lbi, "targetGroupInfoList", &tgs, e);
	if (r) {
		json_decref(elbs);
		return r;
	}
	if (!elbs && !tgs)
		return 0;
	*out = json_object();
	if (elbs)
		json_object_set_new(*out, "elbInfoList", elbs);
	if (tgs)
		json_object_set_new(*out, "targetGroupInfoList", tgs);
	return 0;
}

/* blueGreenDeploymentConfiguration with every part filled in (AWS console defaults:
 * terminate the original fleet after 60 minutes, reroute as soon as the replacement is ready,
 * replacement instances that already exist). */
static int group__blue_green(const json_t *bg, json_t **out, struct err *e)
{
	const int code = SW_E_InvalidBlueGreenDeploymentConfiguration;
	static const char *const terminate_actions[] = { "TERMINATE", "KEEP_ALIVE", NULL };
	static const char *const ready_actions[] = { "CONTINUE_DEPLOYMENT", "STOP_DEPLOYMENT",
						     NULL };
	static const char *const green_actions[] = { "DISCOVER_EXISTING", "COPY_AUTO_SCALING_GROUP",
						     NULL };
	const char *term_action = "TERMINATE", *ready_action = "CONTINUE_DEPLOYMENT",
		   *green_action = "DISCOVER_EXISTING";
	int64_t term_wait = 60, ready_wait = 0;
	json_t *term = NULL, *ready = NULL, *green = NULL;
	const char *what = "blueGreenDeploymentConfiguration";

	*out = NULL;
	if (bg) {
		if (!json_is_object(bg))
			return err_set(e, code, "%s must be an object", what);
		if (group__object(bg, "terminateBlueInstancesOnDeploymentSuccess", &term, code,
				  "terminateBlueInstancesOnDeploymentSuccess", e) ||
		    group__object(bg, "deploymentReadyOption", &ready, code,
				  "deploymentReadyOption", e) ||
		    group__object(bg, "greenFleetProvisioningOption", &green, code,
				  "greenFleetProvisioningOption", e))
			return -code;
	}
	if (term && (group__str(term, "action", &term_action, code,
				"terminateBlueInstancesOnDeploymentSuccess", e) ||
		     group__int(term, "terminationWaitTimeInMinutes", &term_wait, code,
				"terminateBlueInstancesOnDeploymentSuccess", e)))
		return -code;
	if (ready &&
	    (group__str(ready, "actionOnTimeout", &ready_action, code, "deploymentReadyOption",
			e) ||
	     group__int(ready, "waitTimeInMinutes", &ready_wait, code, "deploymentReadyOption", e)))
		return -code;
	if (green &&
	    group__str(green, "action", &green_action, code, "greenFleetProvisioningOption", e))
		return -code;
	if (!group__one_of(term_action, terminate_actions))
		return err_set(e, code,
			       "terminateBlueInstancesOnDeploymentSuccess.action must be TERMINATE "
			       "or KEEP_ALIVE, not '%s'",
			       term_action);
	if (term_wait < 0 || term_wait > GROUP_WAIT_MAX)
		return err_set(e, code,
			       "terminationWaitTimeInMinutes must be between 0 and %d (2 days)",
			       GROUP_WAIT_MAX);
	if (!group__one_of(ready_action, ready_actions))
		return err_set(e, code,
			       "deploymentReadyOption.actionOnTimeout must be CONTINUE_DEPLOYMENT "
			       "or STOP_DEPLOYMENT, not '%s'",
			       ready_action);
	if (ready_wait < 0 || ready_wait > GROUP_WAIT_MAX)
		return err_set(e, code, "waitTimeInMinutes must be between 0 and %d (2 days)",
			       GROUP_WAIT_MAX);
	if (!group__one_of(green_action, green_actions))
		return err_set(e, code,
			       "greenFleetProvisioningOption.action must be DISCOVER_EXISTING or "
			       "COPY_AUTO_SCALING_GROUP, not '%s'",
			       green_action);
	*out = json_pack(
	    "{s:{s:s,s:I},s:{s:s,s:I},s:{s:s}}", "terminateBlueInstancesOnDeploymentSuccess",
	    "action", term_action, "terminationWaitTimeInMinutes", (json_int_t)term_wait,
	    "deploymentReadyOption", "actionOnTimeout", ready_action, "waitTimeInMinutes",
	    (json_int_t)ready_wait, "greenFleetProvisioningOption", "action", green_action);
	return 0;
}

/* Settings a Lambda group cannot have: each one's exception when it is set. */
static int group__lambda_rejects(const json_t *in, struct err *e)
{
	static const struct {
		const char *key;
		int code;
	} rejects[] = {
		{ "ec2TagFilters", SW_E_InvalidEC2Tag },
		{ "ec2TagSet", SW_E_InvalidEC2Tag },
		{ "onPremisesInstanceTagFilters", SW_E_InvalidTag },
		{ "onPremisesTagSet", SW_E_InvalidTag },
		{ "autoScalingGroups", SW_E_InvalidAutoScalingGroup },
		{ "loadBalancerInfo", SW_E_InvalidLoadBalancerInfo },
		{ "blueGreenDeploymentConfiguration",
		  SW_E_InvalidBlueGreenDeploymentConfiguration },
	};

	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		json_t *v = group__member(in, rejects[i].key);
		bool set = v && !(json_is_array(v) && json_array_size(v) == 0);

		/* An empty tag set ({ec2TagSetList: []}) is as good as none. */
		if (set && json_is_object(v) && json_object_size(v) == 1) {
			json_t *inner = json_object_iter_value(json_object_iter(v));

			set = !(json_is_array(inner) && json_array_size(inner) == 0);
		}
		if (set)
			return err_set(e, rejects[i].code,
				       "%s does not apply to a Lambda deployment group",
				       rejects[i].key);
	}
	return 0;
}

int cd_group_settings(const json_t *in, const char *platform, json_t **result, struct err *e)
{
	bool lambda = strcmp(platform, "Lambda") == 0, hook = false;
	const char *config = NULL, *role = NULL, *strategy = "UPDATE";
	json_t *out = json_object(), *v = NULL, *copy;
	json_t *ecs = NULL;
	int r;

	*result = NULL;
	if (lambda && (r = group__lambda_rejects(in, e)))
		goto fail;

	/* deploymentConfigName: existence and platform are the caller's (they need the store). */
	r = group__str(in, "deploymentConfigName", &config, SW_E_InvalidDeploymentConfigName,
		       "deploymentConfigName", e);
	if (r)
		goto fail;
	if (config && (!*config || strlen(config) > CD_NAME_MAX)) {
		r = err_set(e, SW_E_InvalidDeploymentConfigName,
			    "deploymentConfigName must have 1 to %d characters", CD_NAME_MAX);
		goto fail;
	}
	json_set_str(out, "deploymentConfigName",
		     config   ? config
		     : lambda ? CD_DEFAULT_LAMBDA_CONFIG
			      : CD_DEFAULT_SERVER_CONFIG);

	/* Targets: EC2 and on-premises tag filters or tag sets. */
	r = group__targets(in, out, "ec2TagFilters", "ec2TagSet", "ec2TagSetList",
			   SW_E_InvalidEC2Tag, SW_E_InvalidEC2TagCombination, e);
	if (!r)
		r = group__targets(in, out, "onPremisesInstanceTagFilters", "onPremisesTagSet",
				   "onPremisesTagSetList", SW_E_InvalidTag,
				   SW_E_InvalidOnPremisesTagCombination, e);
	if (r)
		goto fail;

	v = group__member(in, "autoScalingGroups");
	if (v) {
		r = group__asgs(v, &copy, e);
		if (r)
			goto fail;
		json_object_set_new(out, "autoScalingGroups", copy);
	} else {
		json_object_set_new(out, "autoScalingGroups", json_array());
	}

	r = group__str(in, "serviceRoleArn", &role, SW_E_InvalidRole, "serviceRoleArn", e);
	if (!r)
		r = group__role(role, e);
	if (r)
		goto fail;
	json_set_str(out, "serviceRoleArn", role);

	v = group__member(in, "triggerConfigurations");
	if (v) {
		r = group__triggers(v, &copy, e);
		if (r)
			goto fail;
		json_object_set_new(out, "triggerConfigurations", copy);
	} else {
		json_object_set_new(out, "triggerConfigurations", json_array());
	}

	r = group__alarms(group__member(in, "alarmConfiguration"), &copy, e);
	if (r)
		goto fail;
	json_object_set_new(out, "alarmConfiguration", copy);
	r = group__rollback(group__member(in, "autoRollbackConfiguration"), &copy, e);
	if (r)
		goto fail;
	json_object_set_new(out, "autoRollbackConfiguration", copy);

	r = group__style(group__member(in, "deploymentStyle"), platform, &copy, e);
	if (r)
		goto fail;
	json_object_set_new(out, "deploymentStyle", copy);

	r = group__str(in, "outdatedInstancesStrategy", &strategy, SW_E_InvalidInput,
		       "outdatedInstancesStrategy", e);
	if (r)
		goto fail;
	if (strcmp(strategy, "UPDATE") != 0 && strcmp(strategy, "IGNORE") != 0) {
		r = err_set(e, SW_E_InvalidInput,
			    "outdatedInstancesStrategy must be UPDATE or IGNORE, not '%s'",
			    strategy);
		goto fail;
	}
	json_set_str(out, "outdatedInstancesStrategy", strategy);

	/* Blue/green: filled in for BLUE_GREEN server groups, kept when given for IN_PLACE. */
	v = group__member(in, "blueGreenDeploymentConfiguration");
	if (!lambda && (v || strcmp(json_string_value(json_object_get(
					json_object_get(out, "deploymentStyle"), "deploymentType")),
				    "BLUE_GREEN") == 0)) {
		r = group__blue_green(v, &copy, e);
		if (r)
			goto fail;
		json_object_set_new(out, "blueGreenDeploymentConfiguration", copy);
		if (strcmp(json_string_value(json_object_get(
			       json_object_get(copy, "greenFleetProvisioningOption"), "action")),
			   "COPY_AUTO_SCALING_GROUP") == 0 &&
		    json_array_size(json_object_get(out, "autoScalingGroups")) == 0) {
			r = err_set(
			    e, SW_E_InvalidBlueGreenDeploymentConfiguration,
			    "COPY_AUTO_SCALING_GROUP copies the group's Auto Scaling group: "
			    "name one in autoScalingGroups");
			goto fail;
		}
	}

	v = group__member(in, "loadBalancerInfo");
	copy = NULL;
	if (v) {
		r = group__lb(v, &copy, e);
		if (r)
			goto fail;
		if (copy)
			json_object_set_new(out, "loadBalancerInfo", copy);
	}
	if (!lambda &&
	    strcmp(json_string_value(json_object_get(json_object_get(out, "deploymentStyle"),
						     "deploymentOption")),
		   "WITH_TRAFFIC_CONTROL") == 0 &&
	    !copy) {
		r = err_set(e, SW_E_InvalidLoadBalancerInfo,
			    "deployments WITH_TRAFFIC_CONTROL need a load balancer: name a "
			    "Classic Load Balancer in loadBalancerInfo.elbInfoList or a target "
			    "group in loadBalancerInfo.targetGroupInfoList");
		goto fail;
	}

	r = group__list(in, "ecsServices", &ecs, SW_E_InvalidECSService, "ecsServices", e);
	if (r)
		goto fail;
	if (ecs && json_array_size(ecs)) {
		r = err_set(e, SW_E_InvalidECSService,
			    "ecsServices apply to ECS deployment groups only, and Slipway has no "
			    "ECS compute platform");
		goto fail;
	}

	r = group__bool(in, "terminationHookEnabled", &hook, SW_E_InvalidInput, "deployment group",
			e);
	if (r)
		goto fail;
	if (lambda && hook) {
		r = err_set(e, SW_E_InvalidInput,
			    "terminationHookEnabled applies to Auto Scaling groups, not to Lambda "
			    "deployment groups");
		goto fail;
	}
	json_object_set_new(out, "terminationHookEnabled", json_boolean(hook));
	*result = out;
	return 0;
fail:
	json_decref(out);
	return r;
}

/* ---- store access ---- */

/* Adds the lifecycle hook names AWS reports for each Auto Scaling group. */
static void group__hooks(json_t *doc)
{
	const char *name = json_string_value(json_object_get(doc, "deploymentGroupName"));
	const char *id = json_string_value(json_object_get(doc, "deploymentGroupId"));
	bool termination = json_is_true(json_object_get(doc, "terminationHookEnabled"));
	json_t *asgs = json_object_get(doc, "autoScalingGroups"), *a;
	char hook[256];
	size_t i;

	json_array_foreach(asgs, i, a)
	{
		str_fmt(hook, sizeof(hook),
			"CodeDeploy-managed-automatic-launch-deployment-hook-%s-%.8s", name, id);
		json_set_str(a, "hook", hook);
		json_object_del(a, "terminationHook");
		if (termination) {
			str_fmt(hook, sizeof(hook), "CodeDeploy-managed-termination-hook-%s-%.8s",
				name, id);
			json_set_str(a, "terminationHook", hook);
		}
	}
}

/* Checks that the named configuration exists and suits the application's platform. */
static int group__check_config(struct store_conn *sc, const char *name, const char *platform,
			       struct err *e)
{
	json_t *info = NULL;
	const char *cp;
	int r = model_config_get(sc, name, &info, e);

	if (r)
		return r;
	cp = json_string_value(json_object_get(info, "computePlatform"));
	if (!str_eq(cp, platform)) {
		r = err_set(e, SW_E_InvalidDeploymentConfigName,
			    "deployment configuration '%s' is for the %s compute platform, but the "
			    "application's is %s",
			    name, cp ? cp : "?", platform);
	}
	json_decref(info);
	return r;
}

/* ---- operations ---- */

struct group_create {
	struct call *c;
	const char *app;
	const char *name;
	json_t *tags;
	char id[37];
};

static int group__create(struct store_conn *sc, void *arg, struct err *e)
{
	struct group_create *a = arg;
	char platform[16], arn[512];
	json_t *settings = NULL, *doc;
	int64_t count = 0;
	int r;

	r = cd_app_get(sc, a->app, platform, sizeof(platform), NULL, 0, e);
	if (r)
		return r;
	r = cd_group_settings(a->c->in, platform, &settings, e);
	if (r)
		return r;
	r = group__check_config(
	    sc, json_string_value(json_object_get(settings, "deploymentConfigName")), platform, e);
	if (r)
		goto out;
	r = model_groups_count(sc, a->app, &count, e);
	if (r < 0)
		goto out;
	if (count >= GROUP_PER_APP_MAX) {
		r = err_set(e, SW_E_DeploymentGroupLimitExceeded,
			    "application '%s' already has %d deployment groups", a->app,
			    GROUP_PER_APP_MAX);
		goto out;
	}
	doc = json_pack("{s:s,s:s,s:s}", "applicationName", a->app, "deploymentGroupId", a->id,
			"deploymentGroupName", a->name);
	json_object_update(doc, settings);
	json_set_str(doc, "computePlatform", platform);
	group__hooks(doc);
	r = model_group_insert(sc, a->app, doc, e);
	json_decref(doc);
	if (r)
		goto out;
	cd_group_arn(a->c->env, a->app, a->name, arn, sizeof(arn));
	r = model_tags_put(sc, arn, a->tags, e);
out:
	json_decref(settings);
	return r;
}

static int group__names(struct call *c, const char *group_key, const char **app, const char **group)
{
	int r = cd_name(c->in, "applicationName", SW_E_ApplicationNameRequired,
			SW_E_InvalidApplicationName, "application", app, c->err);

	if (!r && group_key)
		r = cd_name(c->in, group_key, SW_E_DeploymentGroupNameRequired,
			    SW_E_InvalidDeploymentGroupName, "deployment group", group, c->err);
	return r;
}

static int CreateDeploymentGroup(struct call *c)
{
	struct group_create a = { .c = c };
	int r;

	r = group__names(c, "deploymentGroupName", &a.app, &a.name);
	if (!r)
		r = json_opt_arr(c->in, "tags", &a.tags, c->err);
	if (!r)
		r = cd_tags_validate(a.tags, SW_E_InvalidTagsToAdd, c->err);
	if (r)
		return r;
	uuid_v4(a.id);
	r = store_write(c->env->store, group__create, &a, c->err);
	if (r)
		return r;
	c->out = json_pack("{s:s}", "deploymentGroupId", a.id);
	return 0;
}

struct group_get {
	const char *app;
	const json_t *names; /* array of group names */
	json_t *infos;
	json_t *missing;
};

static int group__get(struct store_conn *sc, void *arg, struct err *e)
{
	struct group_get *g = arg;
	size_t i;
	json_t *n;
	int r;

	r = cd_app_get(sc, g->app, NULL, 0, NULL, 0, e);
	if (r)
		return r;
	json_array_foreach(g->names, i, n)
	{
		json_t *info = NULL;

		r = model_group_load(sc, g->app, json_string_value(n), &info, e);
		if (r == -SW_E_DeploymentGroupDoesNotExist && g->missing) {
			err_clear(e); /* reported in errorMessage, not as an error */
			json_array_append(g->missing, n);
			continue;
		}
		if (r)
			return r;
		json_array_append_new(g->infos, info);
	}
	return 0;
}

static int GetDeploymentGroup(struct call *c)
{
	struct group_get g = { 0 };
	const char *name;
	int r;

	r = group__names(c, "deploymentGroupName", &g.app, &name);
	if (r)
		return r;
	g.names = json_pack("[s]", name);
	g.infos = json_array();
	r = store_read(c->env->store, group__get, &g, c->err);
	if (!r)
		c->out = json_pack("{s:O}", "deploymentGroupInfo", json_array_get(g.infos, 0));
	json_decref((json_t *)g.names);
	json_decref(g.infos);
	return r;
}

static int BatchGetDeploymentGroups(struct call *c)
{
	struct group_get g = { 0 };
	json_t *names = NULL, *n;
	size_t i;
	int r;

	r = group__names(c, NULL, &g.app, NULL);
	if (!r)
		r = json_opt_arr(c->in, "deploymentGroupNames", &names, c->err);
	if (r)
		return r;
	if (!names || json_array_size(names) == 0)
		return err_set(c->err, SW_E_DeploymentGroupNameRequired,
			       "deploymentGroupNames must name at least one deployment group");
	if (json_array_size(names) > GROUP_BATCH_MAX)
		return err_set(c->err, SW_E_BatchLimitExceeded,
			       "at most %d deployment groups per call", GROUP_BATCH_MAX);
	json_array_foreach(names, i, n)
	{
		if (!json_is_string(n) || !json_string_length(n) ||
		    json_string_length(n) > CD_NAME_MAX)
			return err_set(
			    c->err, SW_E_InvalidDeploymentGroupName,
			    "deploymentGroupNames[%zu] is not a valid deployment group name", i);
	}
	g.names = names;
	g.infos = json_array();
	g.missing = json_array();
	r = store_read(c->env->store, group__get, &g, c->err);
	if (!r) {
		c->out = json_pack("{s:O}", "deploymentGroupsInfo", g.infos);
		if (json_array_size(g.missing)) {
			char msg[2048];
			size_t used;

			used = (size_t)snprintf(msg, sizeof(msg), "Deployment groups not found:");
			json_array_foreach(g.missing, i, n)
			{
				if (used >= sizeof(msg))
					break;
				used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s %s",
							 i ? "," : "", json_string_value(n));
			}
			json_set_str(c->out, "errorMessage", msg);
		}
	}
	json_decref(g.infos);
	json_decref(g.missing);
	return r;
}

struct group_list {
	const char *app;
	struct cd_page page;
};

static int group__list_page(struct store_conn *sc, void *arg, struct err *e)
{
	struct group_list *l = arg;
	json_t *names, *v;
	size_t i;
	int r;

	r = cd_app_get(sc, l->app, NULL, 0, NULL, 0, e);
	if (r)
		return r;
	names = json_array();
	if (!names)
		return err_set(e, SW_E_NOMEM, NULL);
	r = model_groups_page(sc, l->app, l->page.after, (int64_t)CD_PAGE_SIZE + 1, names, e);
	json_array_foreach(names, i, v)
	{
		if (r || cd_page_add(&l->page, json_string_value(v)))
			break;
	}
	json_decref(names);
	return r;
}

static int ListDeploymentGroups(struct call *c)
{
	struct group_list l = { .page.after = "" };
	int r = group__names(c, NULL, &l.app, NULL);

	if (r)
		return r;
	c->out = json_pack("{s:s}", "applicationName", l.app);
	return cd_list_names(c, "deploymentGroups", &l.page, group__list_page, &l);
}

struct group_update {
	struct call *c;
	const char *app;
	const char *from;
	const char *to;
};

/* The current settings in request shape, with the request's settings laid over them. */
static json_t *group__merged_input(const json_t *doc, const json_t *req)
{
	json_t *in = json_object(), *v;

	for (const char *const *k = group__setting_keys; *k; k++) {
		v = group__member(req, *k);
		if (!v)
			v = json_object_get(doc, *k);
		if (!v)
			continue;
		if (strcmp(*k, "autoScalingGroups") == 0 && v == json_object_get(doc, *k)) {
			json_t *names = json_array(), *a;
			size_t i;

			json_array_foreach(v, i, a)
			    json_array_append(names, json_object_get(a, "name"));
			json_object_set_new(in, *k, names);
		} else {
			json_object_set(in, *k, v);
		}
	}
	return in;
}

static int group__update(struct store_conn *sc, void *arg, struct err *e)
{
	struct group_update *u = arg;
	char platform[16], from[512], to[512];
	json_t *doc = NULL, *in = NULL, *settings = NULL;
	int r;

	r = cd_app_get(sc, u->app, platform, sizeof(platform), NULL, 0, e);
	if (!r)
		r = model_group_load(sc, u->app, u->from, &doc, e);
	if (r)
		return r;
	in = group__merged_input(doc, u->c->in);
	r = cd_group_settings(in, platform, &settings, e);
	if (r)
		goto out;
	if (group__member(u->c->in, "deploymentConfigName"))
		r = group__check_config(
		    sc, json_string_value(json_object_get(settings, "deploymentConfigName")),
		    platform, e);
	if (r)
		goto out;
	if (strcmp(u->from, u->to) != 0) {
		r = model_group_id(sc, u->app, u->to, NULL, 0, e);
		if (r < 0)
			goto out;
		if (r == 1) {
			r = err_set(e, SW_E_DeploymentGroupAlreadyExists,
				    "A deployment group named '%s' already exists for application "
				    "'%s'",
				    u->to, u->app);
			goto out;
		}
	}
	/* Replace every setting, keep what the engine maintains (targetRevision, …). */
	for (const char *const *k = group__setting_keys; *k; k++)
		json_object_del(doc, *k);
	json_object_update(doc, settings);
	json_set_str(doc, "deploymentGroupName", u->to);
	json_set_str(doc, "computePlatform", platform);
	group__hooks(doc);
	r = model_group_update(sc, u->app, u->from, doc, e);
	if (r || strcmp(u->from, u->to) == 0)
		goto out;
	cd_group_arn(u->c->env, u->app, u->from, from, sizeof(from));
	cd_group_arn(u->c->env, u->app, u->to, to, sizeof(to));
	r = model_tags_rename(sc, from, to, e);
out:
	json_decref(doc);
	json_decref(in);
	json_decref(settings);
	return r;
}

static int UpdateDeploymentGroup(struct call *c)
{
	struct group_update u = { .c = c };
	int r;

	r = group__names(c, "currentDeploymentGroupName", &u.app, &u.from);
	if (r)
		return r;
	u.to = u.from;
	if (group__member(c->in, "newDeploymentGroupName")) {
		r = cd_name(c->in, "newDeploymentGroupName", SW_E_InvalidDeploymentGroupName,
			    SW_E_InvalidDeploymentGroupName, "new deployment group", &u.to, c->err);
		if (r)
			return r;
	}
	r = store_write(c->env->store, group__update, &u, c->err);
	if (r)
		return r;
	/* Slipway installs no Auto Scaling lifecycle hooks, so none are ever left behind. */
	c->out = json_pack("{s:[]}", "hooksNotCleanedUp");
	return 0;
}

struct group_delete {
	struct call *c;
	const char *app;
	const char *name;
};

static int group__delete(struct store_conn *sc, void *arg, struct err *e)
{
	struct group_delete *d = arg;
	char arn[512], msg[300], id[64];
	int r;

	/* its unfinished deployments stop with it (in this transaction) */
	r = model_group_id(sc, d->app, d->name, id, sizeof(id), e);
	if (r == 1) {
		str_fmt(msg, sizeof(msg),
			"The deployment group '%s' was deleted before the deployment finished: "
			"Slipway stopped it",
			d->name);
		r = deploy_stop_orphans(sc, id, "DEPLOYMENT_GROUP_MISSING", msg, time_now_ms(), e);
	}
	if (r < 0)
		return r;
	r = model_group_delete(sc, d->app, d->name, e);
	if (r < 0)
		return r;
	cd_group_arn(d->c->env, d->app, d->name, arn, sizeof(arn));
	return model_tags_drop(sc, arn, e);
}

static int DeleteDeploymentGroup(struct call *c)
{
	struct group_delete d = { .c = c };
	int r;

	r = group__names(c, "deploymentGroupName", &d.app, &d.name);
	if (r)
		return r;
	/* As in AWS (whose model lists no DoesNotExist error here), deleting a group that does
	 * not exist succeeds. */
	r = store_write(c->env->store, group__delete, &d, c->err);
	if (r)
		return r;
	c->out = json_pack("{s:[]}", "hooksNotCleanedUp");
	return 0;
}

const struct json_op codedeploy_group_ops[] = {
	{ "CreateDeploymentGroup", CreateDeploymentGroup, 0 },
	{ "GetDeploymentGroup", GetDeploymentGroup, 0 },
	{ "UpdateDeploymentGroup", UpdateDeploymentGroup, 0 },
	{ "DeleteDeploymentGroup", DeleteDeploymentGroup, 0 },
	{ "ListDeploymentGroups", ListDeploymentGroups, 0 },
	{ "BatchGetDeploymentGroups", BatchGetDeploymentGroups, 0 },
	{ NULL, NULL, 0 },
};
