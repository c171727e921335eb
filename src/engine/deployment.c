/* deployment: deployments as a kind of engine job (job.h) — what every deployment goes through
 * whatever its strategy (strategy.h): whose turn it is in its group, a stop before it started,
 * handing it to its strategy, and finishing it (status, targets, the group's document,
 * instance health, automatic rollback).
 *
 * Each pass reloads the deployment from the store and moves it one legal step in its own write
 * transaction: nothing is remembered between passes but the time of the next timer, so a
 * restarted slipwayd continues from the store alone. */
#include "job.h"
#include "model/deploy.h"
#include "deploy_alarms.h"
#include "rollback.h"
#include "strategy.h"
#include "model/deployments.h"
#include "model/groups.h"
#include "model/instances.h"
#include "model/revisions.h"
#include "model/selfmon.h"
#include "model/targets.h"
#include "base/log.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

/* ---- shared with the strategies (strategy.h) ---- */

void deploy_timer(struct deploy_run *run, int64_t at)
{
	if (at < run->job->next)
		run->job->next = at;
}

bool deploy_option(const struct deploy_run *run, const char *key)
{
	return json_is_true(json_object_get(run->d.doc, key));
}

const struct deploy_strategy *deploy_strategy_select(const struct model_deployment *d)
{
	/* Server is the one compute platform the engine drives so far; Lambda traffic shifting
	 * (computePlatform) gets its ops table here. */
	const json_t *style = json_object_get(d->doc, "deploymentStyle");

	if (str_eq(json_string_value(json_object_get(style, "deploymentType")), "BLUE_GREEN"))
		return &deploy_strategy_bluegreen;
	return &deploy_strategy_inplace;
}

int deploy_started(struct store_conn *sc, struct deploy_run *run, int64_t min_healthy,
		   struct err *e)
{
	int64_t now = run->job->now;
	int r;

	run->status = DEPLOY_IN_PROGRESS;
	run->d.min_healthy = min_healthy;
	r = model_deployment_start(sc, run->id, now, min_healthy, e);
	if (!r)
		r = model_revision_used(sc, run->d.app, run->d.revision, run->d.rkey, now, e);
	if (!r)
		r = selfmon_deployment_status(sc, run->id, run->d.app, run->d.group, "InProgress",
					      NULL, NULL, now, e);
	if (r)
		return r;
	/* the group shows this deployment as its last attempt from now on */
	return model_group_record_attempt(sc, run->d.group_id,
					  &(struct model_group_deployment){
					      .id = run->id,
					      .status = deploy_status_name(DEPLOY_IN_PROGRESS),
					      .create_time = run->d.created,
					  },
					  NULL, e);
}

/* ---- finishing ---- */

/* The group's document: lastAttemptedDeployment, and on success lastSuccessfulDeployment and
 * targetRevision. */
static int deployment__update_group(struct store_conn *sc, struct deploy_run *run,
				    json_t **group_doc, struct err *e)
{
	struct model_group_deployment g = {
		.id = run->id,
		.status = deploy_status_name(run->status),
		.create_time = run->d.created,
		.end_time = run->job->now,
	};

	if (run->status == DEPLOY_SUCCEEDED)
		return model_group_record_success(sc, run->d.group_id, &g, run->d.revision,
						  group_doc, e);
	return model_group_record_attempt(sc, run->d.group_id, &g, group_doc, e);
}

/* Instance and revision health of the group's instances after the deployment (§3.3). */
static int deployment__update_health(struct store_conn *sc, struct deploy_run *run,
				     const json_t *group_doc, struct err *e)
{
	bool ok = run->status == DEPLOY_SUCCEEDED;
	const json_t *target = json_object_get(group_doc, "targetRevision");
	char target_key[MODEL_REVISION_KEY_MAX] = "";
	struct err ignored = { 0 };
	json_t *targets = NULL, *t;
	int64_t now = run->job->now;
	size_t i;
	int r;

	if (target && model_revision_key(target, target_key, sizeof(target_key), &ignored))
		target_key[0] = '\0';
	r = model_targets_list(sc, run->id, &targets, e);
	if (r)
		return r;
	json_array_foreach(targets, i, t)
	{
		const char *instance = json_string_value(json_object_get(t, "instance"));
		const char *status = json_string_value(json_object_get(t, "status"));
		const char *label = json_string_value(json_object_get(t, "label"));

		/* blue/green: only the replacement fleet installs the revision; a rollback only
		 * moves traffic */
		if (label &&
		    (str_eq(label, "Blue") || str_eq(run->d.creator, DEPLOY_CREATOR_ROLLBACK)))
			continue;
		if (str_eq(status, "Succeeded"))
			r = model_instance_health_succeeded(
			    sc, run->d.group_id, instance, run->d.rkey,
			    ok || strcmp(target_key, run->d.rkey) == 0 ? "Current" : "Old", now, e);
		else if (str_eq(status, "Failed"))
			/* after a successful deployment the failures' revision is unknown; after a
			 * failed one they keep what they had */
			r = model_instance_health_failed(sc, run->d.group_id, instance, ok, now, e);
		if (r < 0)
			break;
	}
	if (r >= 0 && ok)
		r = model_instance_health_demote(sc, run->d.group_id, run->d.rkey, now, e);
	json_decref(targets);
	return r < 0 ? r : 0;
}

int deploy_finish(struct store_conn *sc, struct deploy_run *run, enum deploy_status status,
		  const char *code, const char *message, struct err *e)
{
	struct rollback_input rb = { 0 };
	json_t *group_doc = NULL;
	int64_t now = run->job->now, started = 0;
	int r;

	run->status = status;
	r = model_deployment_finish(sc, run->id, deploy_status_name(status), now, code, message, e);
	if (r >= 0 && run->strategy->finish)
		r = run->strategy->finish(sc, run, e);
	if (r >= 0)
		r = model_targets_skip_pending(sc, run->id, now, e);
	if (r >= 0)
		r = deployment__update_group(sc, run, &group_doc, e);
	if (r >= 0)
		r = deployment__update_health(sc, run, group_doc, e);
	if (r >= 0 && status != DEPLOY_SUCCEEDED) {
		r = model_targets_started(sc, run->id, &started, e);
		if (r >= 0) {
			rb.attempted = started > 0;
			rb.id = run->id;
			rb.status = status;
			rb.creator = run->d.creator;
			rb.app = run->d.app;
			rb.group = run->d.group;
			rb.group_id = run->d.group_id;
			rb.config = run->d.config;
			rb.doc = run->d.doc;
			rb.stop_rollback = run->d.stop_rollback;
			rb.stop_on_alarm = strcmp(code ? code : "", "ALARM_ACTIVE") == 0;
			rb.group_doc = group_doc;
			rb.revision = run->d.revision;
			rb.now = now;
			r = rollback_after(sc, &rb, e);
		}
	}
	if (r >= 0)
		r = selfmon_deployment_status(sc, run->id, run->d.app, run->d.group,
					      deploy_status_name(status), code, message, now, e);
	json_decref(group_doc);
	if (r < 0)
		return r;
	run->job->finished = true;
	log_info("engine", "deployment %s %s%s%s", run->id, deploy_status_name(status),
		 code ? ": " : "", code ? code : "");
	return 0;
}

/* ---- one step ---- */

/* Loads the row: 1 when the deployment is gone (nothing to do). */
static int deployment__load(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	int status, r;

	r = model_deployment_load(sc, run->id, &run->d, e);
	if (r <= 0)
		return r < 0 ? r : 1;
	status = deploy_status_parse(run->d.status);
	if (status < 0)
		return err_set(e, SW_E_INTERNAL, "deployment %s has status '%s'", run->id,
			       run->d.status);
	run->status = (enum deploy_status)status;
	run->strategy = deploy_strategy_select(&run->d);
	return 0;
}

/* Created or Queued: start when the group has nothing in progress and this is the next one. */
static int deployment__maybe_start(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	char turn[DEPLOY_ID_SIZE];
	int r;

	r = model_group_names(sc, run->d.group_id, run->group_app, sizeof(run->group_app),
			      run->group_name, sizeof(run->group_name), e);
	if (r < 0)
		return r;
	if (r == 0)
		return deploy_finish(sc, run, DEPLOY_FAILED, "DEPLOYMENT_GROUP_MISSING",
				     "The deployment group was deleted before the deployment "
				     "started",
				     e);
	if (run->d.stopping)
		return deploy_finish(sc, run, DEPLOY_STOPPED, "MANUAL_STOP",
				     "The deployment was stopped by a StopDeployment request "
				     "before it started",
				     e);
	r = model_deployment_group_turn(sc, run->d.group_id, turn, sizeof(turn), e);
	if (r < 0)
		return r;
	if (r == 1 && strcmp(turn, run->id) != 0) {
		if (run->status == DEPLOY_QUEUED)
			return 0;
		run->status = DEPLOY_QUEUED;
		r = model_deployment_set_queued(sc, run->id, e);
		return r ? r
			 : selfmon_deployment_status(sc, run->id, run->d.app, run->d.group,
						     "Queued", NULL, NULL, run->job->now, e);
	}
	return run->strategy->start(sc, run, e);
}

/* The run of this item, kept from one attempt to the next (s->state). */
static struct deploy_run *deployment__run(struct job_step *s, struct err *e)
{
	struct deploy_run *run = s->state;

	if (!run) {
		run = calloc(1, sizeof(*run));
		if (!run || !(run->notify = json_array())) {
			free(run);
			err_set(e, SW_E_NOMEM, NULL);
			return NULL;
		}
		s->state = run;
	}
	run->job = s;
	str_copy(run->id, sizeof(run->id), s->id);
	json_array_clear(run->notify);
	run->auth_changed = false;
	return run;
}

static int deployment__step(struct store_conn *sc, struct job_step *s, struct err *e)
{
	struct deploy_run *run = deployment__run(s, e);
	int r;

	if (!run)
		return -SW_E_NOMEM;
	r = deployment__load(sc, run, e);
	if (r)
		return r < 0 ? r : 0;
	if (run->status == DEPLOY_CREATED || run->status == DEPLOY_QUEUED)
		r = deployment__maybe_start(sc, run, e);
	if (!r && run->status == DEPLOY_IN_PROGRESS && !s->finished && !run->d.stopping)
		r = deploy_alarms_check(sc, run, e);
	if (!r && run->status == DEPLOY_IN_PROGRESS && !s->finished)
		r = run->strategy->advance(sc, run, e);
	return r;
}

/* A deployment the engine cannot reconcile (corrupt rows, a bug): fail it instead of retrying
 * forever. */
static int deployment__give_up(struct store_conn *sc, struct job_step *s, struct err *e)
{
	struct deploy_run *run = deployment__run(s, e);
	int r;

	if (!run)
		return -SW_E_NOMEM;
	r = deployment__load(sc, run, e);
	if (r)
		return r < 0 ? r : 0;
	return deploy_finish(sc, run, DEPLOY_FAILED, "INTERNAL_ERROR", s->why, e);
}

static int deployment__list(struct store_conn *sc, json_t *ids, struct err *e)
{
	return model_deployments_unfinished(sc, NULL, ids, e);
}

static void deployment__done(struct job_step *s, bool committed)
{
	struct deploy_run *run = s->state;
	const struct engine_options *opt = s->ctx->opt;
	size_t i;
	json_t *v;

	if (!run)
		return;
	if (committed && opt->on_command) {
		json_array_foreach(run->notify, i, v)
		{
			opt->on_command(opt->on_command_arg, json_string_value(v));
		}
	}
	if (committed && run->auth_changed && opt->on_auth_changed)
		opt->on_auth_changed(opt->on_auth_changed_arg);
	model_deployment_release(&run->d);
	json_decref(run->notify);
	free(run);
	s->state = NULL;
}

const struct job_kind deploy_job_kind = {
	.name = "deployment",
	.list = deployment__list,
	.step = deployment__step,
	.give_up = deployment__give_up,
	.done = deployment__done,
};
