/* strategy_bluegreen: blue/green deployments of on-premises fleets behind a load balancer
 * (codedeploy.md §2.2, §3.2, §4; docs/traffic.md).
 *
 * The original (blue) fleet is the group's instances; the replacement (green) fleet is the
 * instances the deployment's targetInstances tag filters select.  The deployment moves through
 * phases, each recorded in its row (phase, phase_since) so that a restarted slipwayd resumes:
 *
 *   install  green runs ApplicationStop … ValidateService, batched by the configuration's
 *            minimum healthy hosts; an installed green target is Ready
 *   ready    with deploymentReadyOption STOP_DEPLOYMENT, the deployment is Ready until
 *            ContinueDeployment (READY_WAIT), and Stopped after waitTimeInMinutes
 *   reroute  green runs BeforeAllowTraffic, AllowTraffic, AfterAllowTraffic, batched again; or,
 *            when the configuration has a trafficRoutingConfig (a Slipway extension for host
 *            fleets), every green server is admitted at weight 0 and the weights of both
 *            fleets follow the schedule (shift.h) step by step, with the alarms checked on
 *            every pass, until green has it all
 *   block    every blue instance runs BeforeBlockTraffic, BlockTraffic, AfterBlockTraffic; one
 *            failure fails the deployment
 *   wait     terminationWaitTimeInMinutes (or ContinueDeployment TERMINATION_WAIT), then blue
 *            is kept (KEEP_ALIVE: registered, out of traffic) or deregistered (TERMINATE), the
 *            group's instances become the green fleet, and the deployment Succeeded
 *
 * A rollback of a blue/green deployment (creator codeDeployRollback, rollback_of set) re-admits
 * the original instances (BeforeAllowTraffic … AfterAllowTraffic, phase "readmit") and then
 * blocks the replacement ones (phase "block"), in AWS's order. */
#include "strategy.h"
#include "fleet.h"
#include "inplace.h"
#include "lifecycle.h"
#include "shift.h"
#include "traffic_events.h"
#include "model/configs.h"
#include "model/groups.h"
#include "model/host_commands.h"
#include "model/instances.h"
#include "model/targets.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define BG_INSTANCE_MAX 1000

#define BG_HEALTH_MESSAGE                                                                        \
	"The overall deployment failed because too many individual instances failed "            \
	"deployment, too few healthy instances are available for deployment, or some instances " \
	"in your deployment group are experiencing problems."

static const struct lifecycle_window bg__install = { LIFECYCLE_INSTALL_FIRST,
						     LIFECYCLE_INSTALL_LAST, false };
static const struct lifecycle_window bg__allow = { LIFECYCLE_ALLOW_FIRST, LIFECYCLE_ALLOW_LAST,
						   false };
static const struct lifecycle_window bg__allow_held = { LIFECYCLE_ALLOW_FIRST, LIFECYCLE_ALLOW_LAST,
							true };
static const struct lifecycle_window bg__block = { LIFECYCLE_BLOCK_FIRST, LIFECYCLE_BLOCK_LAST,
						   false };

static bool bg__is_rollback(const struct deploy_run *run)
{
	return str_eq(run->d.creator, DEPLOY_CREATOR_ROLLBACK) && run->d.rollback_of[0];
}

static const json_t *bg__config(const struct deploy_run *run, const char *part)
{
	return json_object_get(json_object_get(run->d.doc, "blueGreenDeploymentConfiguration"),
			       part);
}

/* A CodeDeploy "minutes" setting of the blue/green configuration, in ms (--time-scale). */
static int64_t bg__minutes(const struct deploy_run *run, const char *part, const char *key)
{
	const json_t *v = json_object_get(bg__config(run, part), key);

	return time_scaled_ms(60.0 * (double)(json_is_integer(v) ? json_integer_value(v) : 0));
}

static int bg__phase(struct store_conn *sc, struct deploy_run *run, const char *phase,
		     struct err *e)
{
	log_info("engine", "deployment %s: blue/green phase %s", run->id, phase);
	str_copy(run->d.phase, sizeof(run->d.phase), phase);
	run->d.phase_since = run->job->now;
	return model_deployment_set_phase(sc, run->id, phase, run->job->now, e);
}

/* ---- start ---- */

/* Inserts instance as a target labelled label with the commands of window w. */
static int bg__insert(struct store_conn *sc, struct deploy_run *run, const char *name,
		      const char *label, const struct lifecycle_window *w, int64_t seq,
		      struct err *e)
{
	char arn[512], host[512];
	size_t nev;
	const struct inplace_event *ev = inplace_events(true, &nev);
	int r = model_instance_host(sc, name, arn, sizeof(arn), host, sizeof(host), e);

	if (r >= 0)
		r = model_target_insert(sc, run->id, name, arn, host, seq, "Pending", label,
					run->job->now, e);
	for (size_t k = 0; k < nev && r >= 0; k++)
		if (ev[k].position >= w->first && ev[k].position <= w->last)
			r = model_command_insert(sc, run->id, name, ev[k].name,
						 (int64_t)ev[k].position, e);
	return r < 0 ? r : 0;
}

static bool bg__in(const json_t *names, const char *name)
{
	const json_t *v;
	size_t i;

	json_array_foreach(names, i, v)
	{
		if (str_eq(json_string_value(v), name))
			return true;
	}
	return false;
}

/* The green fleet: targetInstances' tagFilters, or its ec2TagSet as an on-premises tag set. */
static int bg__green(struct store_conn *sc, const struct deploy_run *run, json_t **names,
		     struct err *e)
{
	const json_t *ti = json_object_get(run->d.doc, "targetInstances");
	const json_t *set = json_object_get(ti, "ec2TagSet");
	json_t *tag_set = NULL;
	int r;

	if (json_is_object(set))
		tag_set = json_pack("{s:O}", "onPremisesTagSetList",
				    json_object_get(set, "ec2TagSetList"));
	r = model_instances_matching(sc, json_object_get(ti, "tagFilters"), tag_set, names, e);
	json_decref(tag_set);
	return r;
}

/* The deployment's minimum healthy rule; a Server configuration that only shifts traffic has
 * none (HOST_COUNT 0). */
static int bg__rule(struct store_conn *sc, struct deploy_run *run, struct fleet_rule *rule,
		    json_t **config, struct err *e)
{
	int r = model_config_get(sc, run->d.config, config, e);

	if (r)
		return r;
	if (!json_object_get(*config, "minimumHealthyHosts") &&
	    json_object_get(*config, "trafficRoutingConfig")) {
		*rule = (struct fleet_rule){ FLEET_HOST_COUNT, 0 };
		return 0;
	}
	return fleet_rule_from_config(*config, rule, e);
}

static int bg__start_rollback(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	json_t *prior = NULL, *t;
	int64_t seq = 0;
	size_t i;
	int r = model_targets_list(sc, run->d.rollback_of, &prior, e);

	if (r)
		return r;
	/* the original fleet first (it is re-admitted first), then the replacement */
	json_array_foreach(prior, i, t)
	{
		if (r == 0 && str_eq(json_string_value(json_object_get(t, "label")), "Blue"))
			r = bg__insert(sc, run, json_string_value(json_object_get(t, "instance")),
				       "Blue", &bg__allow, seq++, e);
	}
	json_array_foreach(prior, i, t)
	{
		if (r == 0 && str_eq(json_string_value(json_object_get(t, "label")), "Green") &&
		    !str_eq(json_string_value(json_object_get(t, "status")), "Skipped"))
			r = bg__insert(sc, run, json_string_value(json_object_get(t, "instance")),
				       "Green", &bg__block, seq++, e);
	}
	json_decref(prior);
	if (!r)
		r = deploy_started(sc, run, 0, e);
	if (!r)
		r = bg__phase(sc, run, "readmit", e);
	return r;
}

static int bg__start(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	json_t *group = NULL, *config = NULL, *blue = NULL, *green = NULL, *v;
	struct fleet_instance *order = NULL;
	struct fleet_rule rule;
	struct err why = { 0 };
	size_t nblue, ngreen, i, nb = 0;
	int64_t m = 0;
	int r;

	if (bg__is_rollback(run))
		return bg__start_rollback(sc, run, e);
	if (!tev_with_traffic(run->d.doc))
		return deploy_finish(sc, run, DEPLOY_FAILED, "MISSING_ELB_INFORMATION",
				     "A blue/green deployment moves traffic through a load "
				     "balancer: the deployment group names no target group in "
				     "loadBalancerInfo",
				     e);
	r = model_group_get(sc, run->group_app, run->group_name, &group, e);
	if (r)
		return r;
	r = bg__rule(sc, run, &rule, &config, &why);
	if (r) {
		r = deploy_finish(sc, run, DEPLOY_FAILED, "CODEDEPLOY_RESOURCE_CANNOT_BE_FOUND",
				  err_message(&why), e);
		goto out;
	}
	r = model_instances_matching(sc, json_object_get(group, "onPremisesInstanceTagFilters"),
				     json_object_get(group, "onPremisesTagSet"), &blue, &why);
	if (!r)
		r = bg__green(sc, run, &green, &why);
	if (r) {
		r = deploy_finish(sc, run, DEPLOY_FAILED, "DEPLOYMENT_GROUP_MISSING",
				  err_message(&why), e);
		goto out;
	}
	ngreen = json_array_size(green);
	nblue = json_array_size(blue);
	if (ngreen == 0) {
		r = deploy_finish(sc, run, DEPLOY_FAILED, "NO_INSTANCES",
				  "No instances match the deployment's targetInstances: the "
				  "replacement (green) fleet is empty",
				  e);
		goto out;
	}
	if (ngreen + nblue > BG_INSTANCE_MAX) {
		r = deploy_finish(sc, run, DEPLOY_FAILED, "OVER_MAX_INSTANCES",
				  "The two fleets have more than 1000 instances together", e);
		goto out;
	}
	if (fleet_min_healthy(&rule, (int64_t)ngreen, &m, &why)) {
		r = deploy_finish(sc, run, DEPLOY_FAILED, "HEALTH_CONSTRAINTS_INVALID",
				  err_message(&why), e);
		goto out;
	}
	order = calloc(ngreen, sizeof(*order));
	if (!order) {
		r = err_set(e, SW_E_NOMEM, NULL);
		goto out;
	}
	json_array_foreach(green, i, v)
	{
		struct model_instance_health h;

		order[i].name = json_string_value(v);
		order[i].revision = FLEET_REV_UNKNOWN;
		r = model_instance_health_get(sc, run->d.group_id, order[i].name, &h, e);
		if (r < 0)
			goto out;
		if (r == 1) {
			order[i].revision = fleet_revision_health_parse(h.revision_health);
			order[i].healthy = h.healthy;
		}
	}
	fleet_order(order, ngreen);
	r = 0;
	for (i = 0; i < ngreen && !r; i++)
		r = bg__insert(sc, run, order[i].name, "Green",
			       &(struct lifecycle_window){ LIFECYCLE_INSTALL_FIRST,
							   LIFECYCLE_ALLOW_LAST, false },
			       (int64_t)i, e);
	/* an instance in both fleets is being replaced: it is green */
	json_array_foreach(blue, i, v)
	{
		if (!r && !bg__in(green, json_string_value(v)))
			r = bg__insert(sc, run, json_string_value(v), "Blue", &bg__block,
				       (int64_t)(ngreen + nb++), e);
	}
	if (!r)
		r = deploy_started(sc, run, m, e);
	if (!r)
		r = bg__phase(sc, run, "install", e);
	if (!r)
		log_info("engine",
			 "deployment %s started (blue/green): %zu replacement instances, %zu "
			 "original, minimum healthy %" PRId64,
			 run->id, ngreen, nb, m);
out:
	free(order);
	json_decref(group);
	json_decref(config);
	json_decref(blue);
	json_decref(green);
	return r < 0 ? r : 0;
}

/* ---- passes ---- */

struct bg_fleet {
	json_t *targets; /* {instance, status, label} */
	struct fleet_counts c;
};

static void bg__count(struct fleet_counts *c, const char *state, const char *done_as)
{
	if (str_eq(state, "InProgress"))
		c->in_progress++;
	else if (str_eq(state, done_as))
		c->succeeded++;
	else
		c->failed++;
}

/* Moves one target through window w; when the window is done, the target is Ready
 * (done_as "Ready": installed, waiting for traffic) or ends. */
static int bg__step_one(struct store_conn *sc, struct deploy_run *run, const char *name,
			const struct lifecycle_window *w, const char *done_as, char *state,
			size_t size, struct err *e)
{
	int r = lifecycle_step(sc, run, name, w, state, size, NULL, e);

	if (r || str_eq(state, "InProgress"))
		return r;
	if (str_eq(state, "Succeeded") && str_eq(done_as, "Ready"))
		return model_target_set_status(sc, run->id, name, "Ready", run->job->now, e);
	return model_target_end(sc, run->id, name, state, run->job->now, e);
}

/* One step of a batched part (install: Pending → Ready; reroute: Ready → Succeeded) over the
 * targets labelled label: moves those in flight, starts more as the minimum allows.  *verdict
 * as fleet_step's. */
static int bg__batched(struct store_conn *sc, struct deploy_run *run, json_t *targets,
		       const char *label, const struct lifecycle_window *w, const char *from,
		       const char *done_as, enum fleet_verdict *verdict, struct err *e)
{
	struct fleet_counts c = { 0 };
	json_t *waiting = json_array(), *v;
	int64_t start = 0;
	size_t i;
	int r = 0;

	json_array_foreach(targets, i, v)
	{
		const char *status = json_string_value(json_object_get(v, "status"));
		const char *name = json_string_value(json_object_get(v, "instance"));
		char state[16];

		if (!str_eq(json_string_value(json_object_get(v, "label")), label))
			continue;
		if (str_eq(status, from)) {
			json_array_append(waiting, json_object_get(v, "instance"));
			continue;
		}
		/* in the reroute part, targets that failed to install count as failed */
		if (!str_eq(status, "InProgress")) {
			bg__count(&c, status, done_as);
			continue;
		}
		r = bg__step_one(sc, run, name, w, done_as, state, sizeof(state), e);
		if (r)
			goto out;
		bg__count(&c, str_eq(state, "Succeeded") ? done_as : state, done_as);
	}
	c.remaining = (int64_t)json_array_size(waiting);
	*verdict = FLEET_CONTINUE;
	if (run->d.stopping) {
		if (c.in_progress == 0)
			*verdict = FLEET_FAILED;
		goto out;
	}
	for (size_t next = 0;;) {
		*verdict = fleet_step(run->d.min_healthy, &c, &start);
		if (*verdict != FLEET_CONTINUE || start == 0)
			break;
		for (int64_t k = 0; k < start; k++, next++) {
			const char *name = json_string_value(json_array_get(waiting, next));
			char state[16];

			r = model_target_start(sc, run->id, name, run->job->now, e);
			if (!r)
				r = bg__step_one(sc, run, name, w, done_as, state, sizeof(state),
						 e);
			if (r)
				goto out;
			c.remaining--;
			bg__count(&c, str_eq(state, "Succeeded") ? done_as : state, done_as);
		}
	}
out:
	json_decref(waiting);
	return r;
}

/* Every target labelled label at once through window w (block, readmit).  *all_done: none
 * in flight; *failed: how many failed. */
static int bg__all(struct store_conn *sc, struct deploy_run *run, json_t *targets,
		   const char *label, const struct lifecycle_window *w, bool *all_done,
		   int64_t *failed, struct err *e)
{
	json_t *v;
	size_t i;
	int r = 0;

	*all_done = true;
	*failed = 0;
	json_array_foreach(targets, i, v)
	{
		const char *status = json_string_value(json_object_get(v, "status"));
		const char *name = json_string_value(json_object_get(v, "instance"));
		char state[16];

		if (!str_eq(json_string_value(json_object_get(v, "label")), label))
			continue;
		if (str_eq(status, "Failed")) {
			(*failed)++;
			continue;
		}
		if (!str_eq(status, "Pending") && !str_eq(status, "InProgress"))
			continue;
		if (str_eq(status, "Pending")) {
			if (run->d.stopping)
				continue;
			r = model_target_start(sc, run->id, name, run->job->now, e);
			if (r)
				return r;
		}
		r = lifecycle_step(sc, run, name, w, state, sizeof(state), NULL, e);
		if (!r && !str_eq(state, "InProgress"))
			r = model_target_end(sc, run->id, name, state, run->job->now, e);
		if (r)
			return r;
		if (str_eq(state, "InProgress"))
			*all_done = false;
		else if (str_eq(state, "Failed"))
			(*failed)++;
	}
	return 0;
}

static int bg__stopped(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	if (run->d.stop_code[0])
		return deploy_finish(sc, run, DEPLOY_STOPPED, run->d.stop_code, run->d.stop_message,
				     e);
	return deploy_finish(sc, run, DEPLOY_STOPPED, "MANUAL_STOP",
			     "The deployment was stopped by a StopDeployment request", e);
}

/* A replacement instance's run ends mid-shift: what is open fails, what is not reached is
 * Skipped. */
static int bg__fail_held(struct store_conn *sc, struct deploy_run *run, const char *name,
			 const char *msg, struct err *e)
{
	struct model_command v[16];
	size_t n = 0;
	int r = model_commands_of(sc, run->id, name, v, 16, &n, e);

	for (size_t i = 0; r >= 0 && i < n; i++)
		if (str_eq(v[i].status, "InProgress") ||
		    (str_eq(v[i].status, "Pending") && v[i].queued))
			r = model_command_fail(sc, v[i].id, run->job->now, msg, e);
	if (r >= 0)
		r = model_commands_skip_undelivered(sc, run->id, name, e);
	return r < 0 ? r : 0;
}

/* Weighted shifting: green admitted at weight 0 and held; then the schedule's steps. */
static int bg__shift(struct store_conn *sc, struct deploy_run *run, json_t *targets,
		     const json_t *routing, bool *done, struct err *e)
{
	const struct engine_options *opt = run->job->ctx->opt;
	struct shift_step steps[SHIFT_STEPS_MAX];
	size_t nsteps = 0, ngreen = 0, nblue = 0, i;
	bool all_up = true, in_flight = false;
	int64_t now = run->job->now, failed = 0;
	struct err why = { 0 };
	char msg[1024];
	json_t *v;
	int r = 0;

	*done = false;
	if (shift_schedule(routing, steps, SHIFT_STEPS_MAX, &nsteps, &why) || nsteps == 0)
		return deploy_finish(sc, run, DEPLOY_FAILED, "CODEDEPLOY_RESOURCE_CANNOT_BE_FOUND",
				     err_message(&why), e);
	json_array_foreach(targets, i, v)
	{
		const char *status = json_string_value(json_object_get(v, "status"));
		const char *name = json_string_value(json_object_get(v, "instance"));
		const char *label = json_string_value(json_object_get(v, "label"));
		char state[16];
		bool up = false;

		if (str_eq(label, "Blue")) {
			nblue++;
			continue;
		}
		if (str_eq(status, "Failed")) {
			failed++;
			continue;
		}
		if (!str_eq(status, "Ready") && !str_eq(status, "InProgress"))
			continue;
		ngreen++;
		if (str_eq(status, "Ready") && (r = model_target_start(sc, run->id, name, now, e)))
			return r;
		r = lifecycle_step(sc, run, name, &bg__allow_held, state, sizeof(state), &up, e);
		if (!r && !str_eq(state, "InProgress"))
			r = model_target_end(sc, run->id, name, state, now, e);
		if (r)
			return r;
		if (str_eq(state, "Failed"))
			failed++;
		else if (str_eq(state, "InProgress") && !up)
			all_up = false, in_flight = true;
		else if (str_eq(state, "InProgress"))
			in_flight = true;
	}
	if (failed > 0 || run->d.stopping) {
		/* a stop (or an alarm) ends the shift where it stands: the held AllowTraffic events
		 * fail, and a rollback re-admits the original fleet at its configured weight */
		str_fmt(msg, sizeof(msg), "traffic shifting stopped at step %" PRId64 " of %zu: %s",
			run->d.shift_step, nsteps,
			failed ? "a replacement instance failed" : "the deployment is stopping");
		json_array_foreach(targets, i, v)
		{
			const char *name = json_string_value(json_object_get(v, "instance"));

			if (!str_eq(json_string_value(json_object_get(v, "label")), "Green") ||
			    !str_eq(json_string_value(json_object_get(v, "status")), "InProgress"))
				continue;
			r = bg__fail_held(sc, run, name, msg, e);
			if (!r)
				r = model_target_end(sc, run->id, name, "Failed", now, e);
			if (r)
				return r;
		}
		if (run->d.stopping)
			return bg__stopped(sc, run, e);
		return deploy_finish(sc, run, DEPLOY_FAILED, "HEALTH_CONSTRAINTS", msg, e);
	}
	if (!in_flight) {
		*done = true; /* every replacement instance has run AfterAllowTraffic */
		return 0;
	}
	if (!all_up)
		return 0; /* a hook or a health check is under way: its own timer is set */
	/* each step's wait follows it, the last one's too (the linear end rule, shift.h) */
	if (run->d.shift_step > 0 && now < run->d.shift_at + steps[run->d.shift_step - 1].wait_ms) {
		deploy_timer(run, run->d.shift_at + steps[run->d.shift_step - 1].wait_ms);
		return 0;
	}
	if ((size_t)run->d.shift_step < nsteps) {
		const struct shift_step *s = &steps[run->d.shift_step];
		int wg = 0, wb = 0;

		shift_weights(s->percent, ngreen, nblue, &wg, &wb);
		json_array_foreach(targets, i, v)
		{
			const char *name = json_string_value(json_object_get(v, "instance"));
			const char *label = json_string_value(json_object_get(v, "label"));

			if (str_eq(label, "Green") &&
			    !str_eq(json_string_value(json_object_get(v, "status")), "InProgress"))
				continue;
			if (tev_set_weight(opt, run->d.doc, name, str_eq(label, "Blue") ? wb : wg,
					   msg, sizeof(msg)))
				return deploy_finish(sc, run, DEPLOY_FAILED,
						     "ELASTIC_LOAD_BALANCING_INVALID", msg, e);
		}
		r = model_deployment_set_shift(sc, run->id, run->d.shift_step + 1, now, e);
		if (r)
			return r;
		run->d.shift_step++;
		run->d.shift_at = now;
		log_info("engine",
			 "deployment %s: traffic step %" PRId64 " of %zu: %d%% to the replacement "
			 "fleet (weights green %d, blue %d)",
			 run->id, run->d.shift_step, nsteps, s->percent, wg, wb);
		deploy_timer(run, now + s->wait_ms); /* the wait, or at once */
		return 0;
	}
	/* 100 %: the held AllowTraffic events end; AfterAllowTraffic follows */
	str_fmt(msg, sizeof(msg), "in traffic: shifted to the replacement fleet in %zu steps",
		nsteps);
	json_array_foreach(targets, i, v)
	{
		const char *name = json_string_value(json_object_get(v, "instance"));

		if (str_eq(json_string_value(json_object_get(v, "label")), "Green") &&
		    str_eq(json_string_value(json_object_get(v, "status")), "InProgress"))
			r = lifecycle_release_allow(sc, run, name, msg, e);
		if (r)
			return r;
	}
	deploy_timer(run, now); /* another pass runs AfterAllowTraffic */
	return 0;
}

/* The end: blue kept or deregistered, the group's instances the green fleet, Succeeded. */
static int bg__retire(struct store_conn *sc, struct deploy_run *run, json_t *targets, struct err *e)
{
	const json_t *ti = json_object_get(run->d.doc, "targetInstances");
	const char *action = json_string_value(json_object_get(
	    bg__config(run, "terminateBlueInstancesOnDeploymentSuccess"), "action"));
	bool terminate = str_eq(action, "TERMINATE");
	json_t *v;
	size_t i;
	int r = 0;

	json_array_foreach(targets, i, v)
	{
		const char *name = json_string_value(json_object_get(v, "instance"));

		if (!terminate || !str_eq(json_string_value(json_object_get(v, "label")), "Blue"))
			continue;
		r = model_instance_deregister(sc, name, run->job->now, e);
		if (r < 0)
			return r;
		run->auth_changed = true;
		log_info("engine",
			 "deployment %s: original instance '%s' terminated (deregistered)", run->id,
			 name);
	}
	r = model_group_set_instances(sc, run->d.group_id, json_object_get(ti, "tagFilters"),
				      json_is_object(json_object_get(ti, "ec2TagSet"))
					  ? json_object_get(ti, "ec2TagSet")
					  : NULL,
				      e);
	return r ? r : deploy_finish(sc, run, DEPLOY_SUCCEEDED, NULL, NULL, e);
}

static int bg__advance(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	json_t *targets = NULL, *config = NULL;
	enum fleet_verdict verdict;
	int64_t now = run->job->now, failed = 0;
	bool all_done = false;
	int r;

	for (int guard = 0; guard < 8 && !run->job->finished; guard++) {
		const char *phase = run->d.phase;

		json_decref(targets);
		targets = NULL;
		r = model_targets_list(sc, run->id, &targets, e);
		if (r)
			goto out;
		if (str_eq(phase, "install")) {
			r = bg__batched(sc, run, targets, "Green", &bg__install, "Pending", "Ready",
					&verdict, e);
			if (r || verdict == FLEET_CONTINUE)
				goto out;
			if (run->d.stopping) {
				r = bg__stopped(sc, run, e);
				goto out;
			}
			if (verdict == FLEET_FAILED) {
				r = deploy_finish(sc, run, DEPLOY_FAILED, "HEALTH_CONSTRAINTS",
						  BG_HEALTH_MESSAGE, e);
				goto out;
			}
			r = bg__phase(sc, run,
				      str_eq(json_string_value(json_object_get(
						 bg__config(run, "deploymentReadyOption"),
						 "actionOnTimeout")),
					     "STOP_DEPLOYMENT")
					  ? "ready"
					  : "reroute",
				      e);
		} else if (str_eq(phase, "ready")) {
			int64_t until =
			    run->d.phase_since +
			    bg__minutes(run, "deploymentReadyOption", "waitTimeInMinutes");

			if (run->d.stopping) {
				r = bg__stopped(sc, run, e);
			} else if (run->d.continue_ready) {
				r = bg__phase(sc, run, "reroute", e);
			} else if (now >= until) {
				r = deploy_finish(
				    sc, run, DEPLOY_STOPPED, "TIMEOUT",
				    "The deployment was stopped: ContinueDeployment was "
				    "not called within the ready wait "
				    "(deploymentReadyOption STOP_DEPLOYMENT, "
				    "waitTimeInMinutes)",
				    e);
			} else {
				deploy_timer(run, until);
				goto out;
			}
		} else if (str_eq(phase, "reroute")) {
			const json_t *routing;

			json_decref(config);
			config = NULL;
			r = model_config_get(sc, run->d.config, &config, e);
			if (r)
				goto out;
			routing = json_object_get(config, "trafficRoutingConfig");
			if (routing) {
				bool shifted;

				r = bg__shift(sc, run, targets, routing, &shifted, e);
				if (r || !shifted || run->job->finished)
					goto out;
				/* AfterAllowTraffic, then the original fleet */
				r = bg__batched(sc, run, targets, "Green", &bg__allow, "Ready",
						"Succeeded", &verdict, e);
			} else {
				r = bg__batched(sc, run, targets, "Green", &bg__allow, "Ready",
						"Succeeded", &verdict, e);
			}
			if (r || verdict == FLEET_CONTINUE)
				goto out;
			if (run->d.stopping) {
				r = bg__stopped(sc, run, e);
				goto out;
			}
			if (verdict == FLEET_FAILED) {
				r = deploy_finish(sc, run, DEPLOY_FAILED, "HEALTH_CONSTRAINTS",
						  BG_HEALTH_MESSAGE, e);
				goto out;
			}
			r = bg__phase(sc, run, "block", e);
		} else if (str_eq(phase, "readmit") || str_eq(phase, "block")) {
			bool readmit = str_eq(phase, "readmit");

			r = bg__all(sc, run, targets,
				    readmit ? "Blue" : (bg__is_rollback(run) ? "Green" : "Blue"),
				    readmit ? &bg__allow : &bg__block, &all_done, &failed, e);
			if (r || !all_done)
				goto out;
			if (failed) {
				r = deploy_finish(sc, run, DEPLOY_FAILED, "HEALTH_CONSTRAINTS",
						  readmit ? "An original instance could not be "
							    "re-admitted to the load balancer"
							  : "An original instance could not be "
							    "blocked from the load balancer: a "
							    "blue/green deployment fails when any "
							    "original instance is not deregistered",
						  e);
				goto out;
			}
			if (run->d.stopping) {
				r = bg__stopped(sc, run, e);
				goto out;
			}
			if (readmit)
				r = bg__phase(sc, run, "block", e);
			else if (bg__is_rollback(run))
				r = deploy_finish(sc, run, DEPLOY_SUCCEEDED, NULL, NULL, e);
			else
				r = bg__phase(sc, run, "wait", e);
		} else if (str_eq(phase, "wait")) {
			int64_t until =
			    run->d.phase_since +
			    bg__minutes(run, "terminateBlueInstancesOnDeploymentSuccess",
					"terminationWaitTimeInMinutes");

			if (run->d.stopping) {
				r = bg__stopped(sc, run, e);
			} else if (run->d.continue_wait || now >= until) {
				r = bg__retire(sc, run, targets, e);
			} else {
				deploy_timer(run, until);
				goto out;
			}
		} else {
			r = err_set(e, SW_E_INTERNAL, "blue/green deployment %s has phase '%s'",
				    run->id, phase);
		}
		if (r)
			goto out;
	}
out:
	json_decref(targets);
	json_decref(config);
	return r;
}

static int bg__target_step(struct store_conn *sc, struct deploy_run *run, const char *instance,
			   char *state, size_t state_size, struct err *e)
{
	static const struct lifecycle_window all = { LIFECYCLE_BLOCK_FIRST, LIFECYCLE_ALLOW_LAST,
						     false };

	return lifecycle_step(sc, run, instance, &all, state, state_size, NULL, e);
}

/* The deployment ended: host commands no agent took will not run, and replacement instances
 * left Ready (installed, never given traffic) end Failed, as instances stopped mid-way do. */
static int bg__finish(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	int r = model_commands_skip_undelivered(sc, run->id, NULL, e);

	return r < 0 ? r : model_targets_abandon(sc, run->id, run->job->now, e);
}

const struct deploy_strategy deploy_strategy_bluegreen = {
	.name = "blue/green",
	.start = bg__start,
	.advance = bg__advance,
	.target_step = bg__target_step,
	.finish = bg__finish,
};
