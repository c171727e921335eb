/* strategy_inplace: the in-place deployment strategy — the group's instances by its tag
 * filters, ordered and batched by minimum healthy hosts (fleet.c), each driven through its
 * lifecycle events as host commands for its agent (inplace.c decides, this file applies),
 * with silent agents timed out. */
#include "strategy.h"
#include "fleet.h"
#include "inplace.h"
#include "lifecycle.h"
#include "traffic_events.h"
#include "model/configs.h"
#include "model/groups.h"
#include "model/host_commands.h"
#include "model/instances.h"
#include "model/targets.h"
#include "base/log.h"
#include "base/str.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define INPLACE_INSTANCE_MAX 1000 /* instances in one deployment, as AWS */
#define INPLACE_HEALTH_MESSAGE                                                                   \
	"The overall deployment failed because too many individual instances failed "            \
	"deployment, too few healthy instances are available for deployment, or some instances " \
	"in your deployment group are experiencing problems."
#define INPLACE_NO_INSTANCES_MESSAGE                                                              \
	"The deployment failed because no instances were found for your deployment group. Check " \
	"your deployment group settings to make sure the tags for your on-premises instances "    \
	"correctly identify the instances you want to deploy to, and then try again."

/* ---- start ---- */

struct inplace_target {
	char name[128];
	char arn[512];
	char host[512];
	char rkey[MODEL_REVISION_KEY_MAX];
	enum fleet_revision_health revision;
	bool healthy;
	bool skip; /* updateOutdatedInstancesOnly: already has the revision */
};

static int inplace__describe(struct store_conn *sc, struct deploy_run *run, const json_t *names,
			     struct inplace_target *t, struct err *e)
{
	struct model_instance_health h;
	size_t i;
	json_t *v;
	int r;

	json_array_foreach(names, i, v)
	{
		const char *name = json_string_value(v);

		str_copy(t[i].name, sizeof(t[i].name), name);
		r = model_instance_host(sc, name, t[i].arn, sizeof(t[i].arn), t[i].host,
					sizeof(t[i].host), e);
		if (r >= 0)
			r = model_instance_health_get(sc, run->d.group_id, name, &h, e);
		if (r < 0)
			return r;
		t[i].revision = FLEET_REV_UNKNOWN;
		t[i].healthy = false;
		if (r == 1) {
			str_copy(t[i].rkey, sizeof(t[i].rkey), h.rkey);
			t[i].revision = fleet_revision_health_parse(h.revision_health);
			t[i].healthy = h.healthy;
		}
		t[i].skip = deploy_option(run, "updateOutdatedInstancesOnly") &&
			    t[i].revision == FLEET_REV_CURRENT &&
			    strcmp(t[i].rkey, run->d.rkey) == 0;
	}
	return 0;
}

static int inplace__insert_targets(struct store_conn *sc, struct deploy_run *run,
				   struct inplace_target *t, struct fleet_instance *order, size_t n,
				   size_t total, struct err *e)
{
	size_t nev, seq = 0;
	const struct inplace_event *ev = inplace_events(tev_with_traffic(run->d.doc), &nev);
	int64_t now = run->job->now;
	int r = 0;

	/* the ones to deploy, in deployment order, then those skipped */
	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct inplace_target *x = NULL;

		for (size_t k = 0; k < total; k++)
			if (!t[k].skip && strcmp(t[k].name, order[i].name) == 0)
				x = &t[k];
		r = model_target_insert(sc, run->id, x->name, x->arn, x->host, (int64_t)seq++,
					"Pending", NULL, now, e);
		for (size_t k = 0; k < nev && r >= 0; k++)
			r = model_command_insert(sc, run->id, x->name, ev[k].name,
						 (int64_t)ev[k].position, e);
	}
	for (size_t k = 0; k < total && r >= 0; k++) {
		if (t[k].skip)
			r = model_target_insert(sc, run->id, t[k].name, t[k].arn, t[k].host,
						(int64_t)seq++, "Skipped", NULL, now, e);
	}
	return r < 0 ? r : 0;
}

static int inplace__start(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	json_t *doc = NULL, *config = NULL, *names = NULL;
	struct inplace_target *t = NULL;
	struct fleet_instance *order = NULL;
	struct fleet_rule rule;
	struct err why = { 0 };
	size_t total, n = 0;
	int64_t m = 0;
	int r;

	r = model_group_get(sc, run->group_app, run->group_name, &doc, e);
	if (r)
		return r;
	r = model_config_get(sc, run->d.config, &config, &why);
	if (!r)
		r = fleet_rule_from_config(config, &rule, &why);
	if (r) {
		r = deploy_finish(sc, run, DEPLOY_FAILED, "CODEDEPLOY_RESOURCE_CANNOT_BE_FOUND",
				  err_message(&why), e);
		goto out;
	}
	r = model_instances_matching(sc, json_object_get(doc, "onPremisesInstanceTagFilters"),
				     json_object_get(doc, "onPremisesTagSet"), &names, &why);
	if (r) {
		r = deploy_finish(sc, run, DEPLOY_FAILED, "DEPLOYMENT_GROUP_MISSING",
				  err_message(&why), e);
		goto out;
	}
	total = json_array_size(names);
	if (total == 0) {
		r = deploy_finish(sc, run, DEPLOY_FAILED, "NO_INSTANCES",
				  INPLACE_NO_INSTANCES_MESSAGE, e);
		goto out;
	}
	if (total > INPLACE_INSTANCE_MAX) {
		char msg[200];

		str_fmt(
		    msg, sizeof(msg),
		    "The deployment group selects %zu instances; a deployment reaches at most %d",
		    total, INPLACE_INSTANCE_MAX);
		r = deploy_finish(sc, run, DEPLOY_FAILED, "OVER_MAX_INSTANCES", msg, e);
		goto out;
	}
	t = calloc(total, sizeof(*t));
	order = calloc(total, sizeof(*order));
	if (!t || !order) {
		r = err_set(e, SW_E_NOMEM, NULL);
		goto out;
	}
	r = inplace__describe(sc, run, names, t, e);
	if (r)
		goto out;
	for (size_t i = 0; i < total; i++) {
		if (t[i].skip)
			continue;
		order[n].name = t[i].name;
		order[n].healthy = t[i].healthy;
		order[n].revision = t[i].revision;
		n++;
	}
	fleet_order(order, n);
	if (n > 0 && fleet_min_healthy(&rule, (int64_t)n, &m, &why)) {
		r = deploy_finish(sc, run, DEPLOY_FAILED, "HEALTH_CONSTRAINTS_INVALID",
				  err_message(&why), e);
		goto out;
	}
	r = inplace__insert_targets(sc, run, t, order, n, total, e);
	if (!r)
		r = deploy_started(sc, run, m, e);
	if (r)
		goto out;
	log_info("engine",
		 "deployment %s started: %zu instances (%zu up to date), minimum healthy "
		 "%" PRId64,
		 run->id, total, total - n, m);
out:
	free(t);
	free(order);
	json_decref(doc);
	json_decref(config);
	json_decref(names);
	return r < 0 ? r : 0;
}

/* ---- one instance ---- */

/* Moves one instance as far as it can go now.  Sets *state to the target's status. */
static int inplace__target_step(struct store_conn *sc, struct deploy_run *run, const char *instance,
				char *state, size_t state_size, struct err *e)
{
	static const struct lifecycle_window all = { LIFECYCLE_BLOCK_FIRST, LIFECYCLE_ALLOW_LAST,
						     false };
	int r = lifecycle_step(sc, run, instance, &all, state, state_size, NULL, e);

	if (r || str_eq(state, "InProgress"))
		return r;
	r = model_commands_skip_undelivered(sc, run->id, instance, e);
	if (r >= 0)
		r = model_target_end(sc, run->id, instance, state, run->job->now, e);
	if (r < 0)
		return r;
	log_info("engine", "deployment %s: instance '%s' %s", run->id, instance, state);
	return 0;
}

/* ---- the fleet ---- */

static void inplace__count(struct fleet_counts *c, const char *state)
{
	if (strcmp(state, "InProgress") == 0)
		c->in_progress++;
	else if (strcmp(state, "Succeeded") == 0)
		c->succeeded++;
	else
		c->failed++;
}

static int inplace__advance(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	struct fleet_counts c = { 0 };
	json_t *targets = NULL, *running = json_array(), *waiting = json_array(), *v;
	enum fleet_verdict verdict;
	int64_t start;
	size_t i;
	int r;

	r = model_targets_list(sc, run->id, &targets, e);
	if (r)
		goto out;
	json_array_foreach(targets, i, v)
	{
		const char *status = json_string_value(json_object_get(v, "status"));
		json_t *instance = json_object_get(v, "instance");

		if (strcmp(status, "InProgress") == 0)
			json_array_append(running, instance);
		else if (strcmp(status, "Pending") == 0)
			json_array_append(waiting, instance);
		else if (strcmp(status, "Succeeded") == 0)
			c.succeeded++;
		else if (strcmp(status, "Failed") == 0)
			c.failed++;
	}
	c.remaining = (int64_t)json_array_size(waiting);
	json_array_foreach(running, i, v)
	{
		char state[16];

		r = inplace__target_step(sc, run, json_string_value(v), state, sizeof(state), e);
		if (r)
			goto out;
		inplace__count(&c, state);
	}
	if (run->d.stopping) {
		/* nothing new starts; the deployment stops once nothing is with an agent */
		if (c.in_progress == 0)
			r = run->d.stop_code[0]
				? deploy_finish(sc, run, DEPLOY_STOPPED, run->d.stop_code,
						run->d.stop_message, e)
				: deploy_finish(sc, run, DEPLOY_STOPPED, "MANUAL_STOP",
						"The deployment was stopped by a StopDeployment "
						"request",
						e);
		goto out;
	}
	for (size_t next = 0;;) {
		verdict = fleet_step(run->d.min_healthy, &c, &start);
		if (verdict != FLEET_CONTINUE || start == 0)
			break;
		for (int64_t k = 0; k < start; k++, next++) {
			const char *instance = json_string_value(json_array_get(waiting, next));
			char state[16];

			r = model_target_start(sc, run->id, instance, run->job->now, e);
			if (!r)
				r = inplace__target_step(sc, run, instance, state, sizeof(state),
							 e);
			if (r)
				goto out;
			c.remaining--;
			inplace__count(&c, state);
		}
	}
	if (verdict == FLEET_SUCCEEDED)
		r = deploy_finish(sc, run, DEPLOY_SUCCEEDED, NULL, NULL, e);
	else if (verdict == FLEET_FAILED)
		r = deploy_finish(sc, run, DEPLOY_FAILED, "HEALTH_CONSTRAINTS",
				  INPLACE_HEALTH_MESSAGE, e);
out:
	json_decref(targets);
	json_decref(running);
	json_decref(waiting);
	return r;
}

/* The deployment ended: host commands no agent took will not run. */
static int inplace__finish(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	return model_commands_skip_undelivered(sc, run->id, NULL, e);
}

const struct deploy_strategy deploy_strategy_inplace = {
	.name = "in-place",
	.start = inplace__start,
	.advance = inplace__advance,
	.target_step = inplace__target_step,
	.finish = inplace__finish,
};
