/* rollback: automatic rollback of failed and stopped deployments. */
#include "rollback.h"
#include "model/deploy.h"
#include "model/deployments.h"
#include "model/revisions.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"

#include <string.h>

static bool rollback__event(const json_t *doc, const char *event)
{
	const json_t *arc = json_object_get(doc, "autoRollbackConfiguration");
	const json_t *v;
	size_t i;

	if (!json_is_true(json_object_get(arc, "enabled")))
		return false;
	json_array_foreach(json_object_get(arc, "events"), i, v)
	{
		if (str_eq(json_string_value(v), event))
			return true;
	}
	return false;
}

/* Whether the deployment must be rolled back: never a rollback itself nor one that touched no
 * instance; Failed when its autoRollbackConfiguration is enabled for DEPLOYMENT_FAILURE;
 * Stopped by an alarm when it is enabled for DEPLOYMENT_STOP_ON_ALARM; Stopped otherwise when
 * StopDeployment said autoRollbackEnabled=true, or said nothing and the configuration is
 * enabled for DEPLOYMENT_STOP_ON_REQUEST. */
static bool rollback_wanted(const struct rollback_input *in)
{
	if (strcmp(in->creator, DEPLOY_CREATOR_ROLLBACK) == 0 || !in->attempted)
		return false;
	if (in->status == DEPLOY_FAILED)
		return rollback__event(in->doc, "DEPLOYMENT_FAILURE");
	if (in->status == DEPLOY_STOPPED && in->stop_on_alarm)
		return rollback__event(in->doc, "DEPLOYMENT_STOP_ON_ALARM");
	if (in->status == DEPLOY_STOPPED) {
		if (in->stop_rollback >= 0)
			return in->stop_rollback == 1;
		return rollback__event(in->doc, "DEPLOYMENT_STOP_ON_REQUEST");
	}
	return false;
}

/* The fileExistsBehavior of the group's last successful deployment ("DISALLOW" when unknown):
 * AWS reuses it for rollbacks. */
static int rollback__file_exists(struct store_conn *c, const struct rollback_input *in, char *out,
				 size_t size, struct err *e)
{
	const json_t *last = json_object_get(in->group_doc, "lastSuccessfulDeployment");
	const char *id = json_string_value(json_object_get(last, "deploymentId"));
	json_t *doc = NULL;
	int r;

	str_copy(out, size, "DISALLOW");
	if (!id)
		return 0;
	r = model_deployment_options(c, id, &doc, e);
	if (r <= 0)
		return r;
	if (json_string_value(json_object_get(doc, "fileExistsBehavior")))
		str_copy(out, size, json_string_value(json_object_get(doc, "fileExistsBehavior")));
	json_decref(doc);
	return 0;
}

int rollback_after(struct store_conn *c, const struct rollback_input *in, struct err *e)
{
	const json_t *target = json_object_get(in->group_doc, "targetRevision");
	struct deploy_new n = { 0 };
	char rkey[MODEL_REVISION_KEY_MAX], feb[16], msg[300];
	const char *why = in->status == DEPLOY_FAILED ? "DEPLOYMENT_FAILURE"
			  : in->stop_on_alarm	      ? "DEPLOYMENT_STOP_ON_ALARM"
						      : "DEPLOYMENT_STOP_ON_REQUEST";
	struct err bad = { 0 };
	json_t *doc;
	int r;

	if (!rollback_wanted(in))
		return 0;
	if (!json_is_object(target) &&
	    str_eq(json_string_value(json_object_get(json_object_get(in->doc, "deploymentStyle"),
						     "deploymentType")),
		   "BLUE_GREEN"))
		target = in->revision;
	if (!json_is_object(target) || model_revision_key(target, rkey, sizeof(rkey), &bad)) {
		str_fmt(msg, sizeof(msg),
			"Automatic rollback (%s) was not possible: deployment group '%s' has no "
			"previous successful revision to roll back to",
			why, in->group);
		r = model_deployment_set_rollback(c, in->id, NULL, msg, e);
		log_info("engine",
			 "deployment %s: no rollback, the group has no successful revision",
			 in->id);
		return r < 0 ? r : 0;
	}
	r = rollback__file_exists(c, in, feb, sizeof(feb), e);
	if (r)
		return r;
	doc = json_object();
	json_object_set_new(
	    doc, "ignoreApplicationStopFailures",
	    json_boolean(json_is_true(json_object_get(in->doc, "ignoreApplicationStopFailures"))));
	json_object_set_new(doc, "updateOutdatedInstancesOnly", json_false());
	json_set_str(doc, "fileExistsBehavior", feb);
	if (json_object_get(in->doc, "autoRollbackConfiguration"))
		json_object_set(doc, "autoRollbackConfiguration",
				json_object_get(in->doc, "autoRollbackConfiguration"));
	/* the same style and load balancers: an in-place rollback runs the same order, a
	 * blue/green one re-admits the original fleet and blocks the replacement */
	if (json_object_get(in->doc, "deploymentStyle"))
		json_object_set(doc, "deploymentStyle",
				json_object_get(in->doc, "deploymentStyle"));
	else
		json_object_set_new(doc, "deploymentStyle",
				    json_pack("{s:s,s:s}", "deploymentType", "IN_PLACE",
					      "deploymentOption", "WITHOUT_TRAFFIC_CONTROL"));
	if (json_object_get(in->doc, "loadBalancerInfo"))
		json_object_set(doc, "loadBalancerInfo",
				json_object_get(in->doc, "loadBalancerInfo"));
	if (json_object_get(in->doc, "blueGreenDeploymentConfiguration"))
		json_object_set(doc, "blueGreenDeploymentConfiguration",
				json_object_get(in->doc, "blueGreenDeploymentConfiguration"));
	json_set_str(doc, "computePlatform", "Server");
	n.app = in->app;
	n.group = in->group;
	n.group_id = in->group_id;
	n.creator = DEPLOY_CREATOR_ROLLBACK;
	n.config = in->config;
	n.revision = target;
	n.rkey = rkey;
	n.previous_revision = json_is_object(json_object_get(in->group_doc, "targetRevision"))
				  ? json_object_get(in->group_doc, "targetRevision")
				  : NULL;
	n.rollback_of = in->id;
	n.doc = doc;
	n.now = in->now;
	r = deploy_insert(c, &n, e);
	json_decref(doc);
	if (r)
		return r;
	str_fmt(msg, sizeof(msg),
		"Automatic rollback (%s): deployment %s redeploys the last successful revision of "
		"deployment group '%s'",
		why, n.id, in->group);
	r = model_deployment_set_rollback(c, in->id, n.id, msg, e);
	if (r >= 0) {
		str_fmt(msg, sizeof(msg), "Rollback of deployment %s, which ended %s (%s)", in->id,
			deploy_status_name(in->status), why);
		r = model_deployment_set_rollback(c, n.id, NULL, msg, e);
	}
	if (r >= 0)
		log_info("engine", "deployment %s: rolling back with %s", in->id, n.id);
	return r < 0 ? r : 0;
}
