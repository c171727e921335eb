/* engine: the deployment reconciler thread — starts queued deployments, drives each instance's
 * lifecycle events through host commands, applies minimum-healthy-hosts batching, times out
 * silent agents, stops, finishes and rolls back deployments.
 *
 * Every pass reloads the deployments that are not finished and reconciles each in its own
 * write transaction: nothing is remembered between passes but the time of the next timer, so a
 * restarted slipwayd continues from the store alone.  Time the server was down is not counted
 * against agents (a timeout runs from the later of the event and the engine's start).
 */
#include "engine.h"
#include "deploy.h"
#include "fleet.h"
#include "inplace.h"
#include "rollback.h"
#include "contract/env.h"
#include "model/configs.h"
#include "model/groups.h"
#include "model/instances.h"
#include "model/revisions.h"
#include "store/store.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENGINE_IDLE_MS	    60000 /* a pass at least this often, whatever the timers say */
#define ENGINE_RETRY_MS	    2000  /* after a store error */
#define ENGINE_INSTANCE_MAX 1000  /* instances in one deployment, as AWS */
#define ENGINE_CMD_MAX	    16
#define ENGINE_NAME_MAX	    100 /* application, group and configuration names */

#define ENGINE_AGENT_MESSAGE                                                                  \
	"CodeDeploy agent was not able to receive the lifecycle event. Check the CodeDeploy " \
	"agent logs on your host and make sure the agent is running and can connect to the "  \
	"CodeDeploy server."
#define ENGINE_HEALTH_MESSAGE                                                                    \
	"The overall deployment failed because too many individual instances failed "            \
	"deployment, too few healthy instances are available for deployment, or some instances " \
	"in your deployment group are experiencing problems."
#define ENGINE_NO_INSTANCES_MESSAGE                                                               \
	"The deployment failed because no instances were found for your deployment group. Check " \
	"your deployment group settings to make sure the tags for your on-premises instances "    \
	"correctly identify the instances you want to deploy to, and then try again."

struct engine {
	struct env *env;
	struct engine_options opt;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the engine waits on it */
	pthread_cond_t done; /* engine_sync() waits on it */
	uint64_t wake_seq;   /* bumped by engine_wake */
	uint64_t done_seq;   /* the wake_seq the last finished pass started from */
	bool stopping;
	int64_t since; /* wall ms when the engine started */
};

/* One deployment being reconciled (inside its write transaction). */
struct engine_step {
	struct engine *en;
	char id[DEPLOY_ID_SIZE];
	int64_t now;
	int64_t next;	/* earliest timer */
	json_t *notify; /* instances with a newly queued command */
	bool finished;	/* reached a terminal state (another deployment may start) */
	char why[256];	/* engine__give_up's message */
	/* the row */
	enum deploy_status status;
	char app[ENGINE_NAME_MAX + 1];
	char group[ENGINE_NAME_MAX + 1];
	char group_id[64];
	char creator[32];
	char config[ENGINE_NAME_MAX + 1];
	char rkey[MODEL_REVISION_KEY_MAX];
	json_t *revision;
	json_t *doc;
	int64_t created;
	int64_t min_healthy;
	bool stopping;
	int stop_rollback; /* -1 absent */
};

/* ---- small helpers ---- */

static void engine__timer(struct engine_step *s, int64_t at)
{
	if (at < s->next)
		s->next = at;
}

static int engine__load(struct store_conn *sc, struct engine_step *s, struct err *e)
{
	struct store_stmt *st;
	int r;

	r = store_exec(sc, &st,
		       "SELECT status, app, grp, group_id, creator, config, rkey, revision, doc, "
		       "created, min_healthy, stop_requested, stop_rollback FROM deployments WHERE "
		       "id = ?",
		       "t", e, s->id);
	if (r <= 0)
		return r < 0 ? r : 1;
	int status = deploy_status_parse(store_col_text(st, 0));

	if (status < 0)
		return err_set(e, SW_E_INTERNAL, "deployment %s has status '%s'", s->id,
			       store_col_text(st, 0));
	s->status = (enum deploy_status)status;
	str_copy(s->app, sizeof(s->app), store_col_text(st, 1));
	str_copy(s->group, sizeof(s->group), store_col_text(st, 2));
	str_copy(s->group_id, sizeof(s->group_id), store_col_text(st, 3));
	str_copy(s->creator, sizeof(s->creator), store_col_text(st, 4));
	str_copy(s->config, sizeof(s->config), store_col_text(st, 5));
	str_copy(s->rkey, sizeof(s->rkey), store_col_text(st, 6));
	s->revision = json_loads(store_col_text(st, 7), 0, NULL);
	s->doc = json_loads(store_col_text(st, 8), 0, NULL);
	s->created = store_col_int(st, 9);
	s->min_healthy = store_col_null(st, 10) ? 0 : store_col_int(st, 10);
	s->stopping = !store_col_null(st, 11);
	s->stop_rollback = store_col_null(st, 12) ? -1 : (int)store_col_int(st, 12);
	if (!s->revision || !json_is_object(s->doc))
		return err_set(e, SW_E_INTERNAL, "deployment %s has a corrupt document", s->id);
	return 0;
}

static bool engine__doc_flag(const struct engine_step *s, const char *key)
{
	return json_is_true(json_object_get(s->doc, key));
}

/* ---- finishing ---- */

/* The group's document: lastAttemptedDeployment, and on success lastSuccessfulDeployment and
 * targetRevision. */
static int engine__update_group(struct store_conn *sc, struct engine_step *s, json_t **group_doc,
				struct err *e)
{
	struct model_group_deployment d = {
		.id = s->id,
		.status = deploy_status_name(s->status),
		.create_time = s->created,
		.end_time = s->now,
	};

	if (s->status == DEPLOY_SUCCEEDED)
		return model_group_record_success(sc, s->group_id, &d, s->revision, group_doc, e);
	return model_group_record_attempt(sc, s->group_id, &d, group_doc, e);
}

/* Instance and revision health of the group's instances after the deployment (§3.3). */
static int engine__update_health(struct store_conn *sc, struct engine_step *s,
				 const json_t *group_doc, struct err *e)
{
	bool ok = s->status == DEPLOY_SUCCEEDED;
	const json_t *target = json_object_get(group_doc, "targetRevision");
	char target_key[MODEL_REVISION_KEY_MAX] = "";
	struct err ignored = { 0 };
	struct store_stmt *st;
	json_t *done = json_array(), *failed = json_array(), *v;
	size_t i;
	int r;

	if (target && model_revision_key(target, target_key, sizeof(target_key), &ignored))
		target_key[0] = '\0';
	r = store_exec(sc, &st,
		       "SELECT instance, status FROM deployment_targets WHERE deployment = ?", "t",
		       e, s->id);
	while (r == 1) {
		const char *status = store_col_text(st, 1);

		if (strcmp(status, "Succeeded") == 0)
			json_array_append_new(done, json_string(store_col_text(st, 0)));
		else if (strcmp(status, "Failed") == 0)
			json_array_append_new(failed, json_string(store_col_text(st, 0)));
		r = store_step(st, e);
	}
	json_array_foreach(done, i, v)
	{
		if (r < 0)
			break;
		r = model_instance_health_succeeded(
		    sc, s->group_id, json_string_value(v), s->rkey,
		    ok || strcmp(target_key, s->rkey) == 0 ? "Current" : "Old", s->now, e);
	}
	json_array_foreach(failed, i, v)
	{
		if (r < 0)
			break;
		/* after a successful deployment the failures' revision is unknown; after a failed
		 * one they keep what they had */
		r = model_instance_health_failed(sc, s->group_id, json_string_value(v), ok, s->now,
						 e);
	}
	if (r >= 0 && ok)
		r = model_instance_health_demote(sc, s->group_id, s->rkey, s->now, e);
	json_decref(done);
	json_decref(failed);
	return r < 0 ? r : 0;
}

/* Ends the deployment in status (Succeeded, Failed, Stopped) with an error code/message. */
static int engine__finish(struct store_conn *sc, struct engine_step *s, enum deploy_status status,
			  const char *code, const char *message, struct err *e)
{
	struct rollback_input rb = { 0 };
	struct store_stmt *st;
	json_t *group_doc = NULL;
	int r;

	s->status = status;
	r = store_exec(sc, NULL,
		       "UPDATE deployments SET status = ?, completed = ?, error_code = ?, "
		       "error_message = ? WHERE id = ?",
		       "tittt", e, deploy_status_name(status), s->now, code, message, s->id);
	if (r >= 0)
		r = store_exec(
		    sc, NULL,
		    "UPDATE host_commands SET status = 'Skipped' WHERE deployment = ? AND "
		    "status = 'Pending' AND delivered IS NULL",
		    "t", e, s->id);
	if (r >= 0)
		r = store_exec(
		    sc, NULL,
		    "UPDATE deployment_targets SET status = 'Skipped', updated = ? WHERE "
		    "deployment = ? AND status = 'Pending'",
		    "it", e, s->now, s->id);
	if (r >= 0)
		r = engine__update_group(sc, s, &group_doc, e);
	if (r >= 0)
		r = engine__update_health(sc, s, group_doc, e);
	if (r >= 0 && status != DEPLOY_SUCCEEDED) {
		r = store_exec(sc, &st,
			       "SELECT COUNT(*) FROM deployment_targets WHERE deployment = ? AND "
			       "started IS NOT NULL",
			       "t", e, s->id);
		if (r >= 0) {
			rb.attempted = r == 1 && store_col_int(st, 0) > 0;
			rb.id = s->id;
			rb.status = status;
			rb.creator = s->creator;
			rb.app = s->app;
			rb.group = s->group;
			rb.group_id = s->group_id;
			rb.config = s->config;
			rb.doc = s->doc;
			rb.stop_rollback = s->stop_rollback;
			rb.group_doc = group_doc;
			rb.now = s->now;
			r = rollback_after(sc, &rb, e);
		}
	}
	json_decref(group_doc);
	if (r < 0)
		return r;
	s->finished = true;
	log_info("engine", "deployment %s %s%s%s", s->id, deploy_status_name(status),
		 code ? ": " : "", code ? code : "");
	return 0;
}

/* ---- starting ---- */

struct engine_target {
	char name[128];
	char arn[512];
	char host[512];
	char rkey[MODEL_REVISION_KEY_MAX];
	enum fleet_revision_health revision;
	bool healthy;
	bool skip; /* updateOutdatedInstancesOnly: already has the revision */
};

static int engine__describe_instances(struct store_conn *sc, struct engine_step *s,
				      const json_t *names, struct engine_target *t, struct err *e)
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
			r = model_instance_health_get(sc, s->group_id, name, &h, e);
		if (r < 0)
			return r;
		t[i].revision = FLEET_REV_UNKNOWN;
		t[i].healthy = false;
		if (r == 1) {
			str_copy(t[i].rkey, sizeof(t[i].rkey), h.rkey);
			t[i].revision = fleet_revision_health_parse(h.revision_health);
			t[i].healthy = h.healthy;
		}
		t[i].skip = engine__doc_flag(s, "updateOutdatedInstancesOnly") &&
			    t[i].revision == FLEET_REV_CURRENT && strcmp(t[i].rkey, s->rkey) == 0;
	}
	return 0;
}

static int engine__insert_targets(struct store_conn *sc, struct engine_step *s,
				  struct engine_target *t, struct fleet_instance *order, size_t n,
				  size_t total, struct err *e)
{
	size_t nev, seq = 0;
	const struct inplace_event *ev = inplace_events(false, &nev);
	int r = 0;

	/* the ones to deploy, in deployment order, then those skipped */
	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct engine_target *x = NULL;

		for (size_t k = 0; k < total; k++)
			if (!t[k].skip && strcmp(t[k].name, order[i].name) == 0)
				x = &t[k];
		r = store_exec(
		    sc, NULL,
		    "INSERT INTO deployment_targets (deployment, instance, instance_arn, "
		    "host, seq, status, updated) VALUES (?, ?, ?, ?, ?, 'Pending', ?)",
		    "ttttii", e, s->id, x->name, x->arn, x->host, (int64_t)seq++, s->now);
		for (size_t k = 0; k < nev && r >= 0; k++) {
			char id[40] = "hc-";

			uuid_v4(id + 3);
			r = store_exec(sc, NULL,
				       "INSERT INTO host_commands (id, deployment, instance, name, "
				       "position, status) VALUES (?, ?, ?, ?, ?, 'Pending')",
				       "tttti", e, id, s->id, x->name, ev[k].name,
				       (int64_t)ev[k].position);
		}
	}
	for (size_t k = 0; k < total && r >= 0; k++) {
		if (!t[k].skip)
			continue;
		r = store_exec(
		    sc, NULL,
		    "INSERT INTO deployment_targets (deployment, instance, instance_arn, "
		    "host, seq, status, updated) VALUES (?, ?, ?, ?, ?, 'Skipped', ?)",
		    "ttttii", e, s->id, t[k].name, t[k].arn, t[k].host, (int64_t)seq++, s->now);
	}
	return r < 0 ? r : 0;
}

static int engine__start(struct store_conn *sc, struct engine_step *s, const char *app,
			 const char *group, struct err *e)
{
	json_t *doc = NULL, *config = NULL, *names = NULL;
	struct engine_target *t = NULL;
	struct fleet_instance *order = NULL;
	struct fleet_rule rule;
	struct err why = { 0 };
	size_t total, n = 0;
	int64_t m = 0;
	int r;

	r = model_group_get(sc, app, group, &doc, e);
	if (r)
		return r;
	r = model_config_get(sc, s->config, &config, &why);
	if (!r)
		r = fleet_rule_from_config(config, &rule, &why);
	if (r) {
		r = engine__finish(sc, s, DEPLOY_FAILED, "CODEDEPLOY_RESOURCE_CANNOT_BE_FOUND",
				   err_message(&why), e);
		goto out;
	}
	r = model_instances_matching(sc, json_object_get(doc, "onPremisesInstanceTagFilters"),
				     json_object_get(doc, "onPremisesTagSet"), &names, &why);
	if (r) {
		r = engine__finish(sc, s, DEPLOY_FAILED, "DEPLOYMENT_GROUP_MISSING",
				   err_message(&why), e);
		goto out;
	}
	total = json_array_size(names);
	if (total == 0) {
		r = engine__finish(sc, s, DEPLOY_FAILED, "NO_INSTANCES",
				   ENGINE_NO_INSTANCES_MESSAGE, e);
		goto out;
	}
	if (total > ENGINE_INSTANCE_MAX) {
		char msg[200];

		str_fmt(
		    msg, sizeof(msg),
		    "The deployment group selects %zu instances; a deployment reaches at most %d",
		    total, ENGINE_INSTANCE_MAX);
		r = engine__finish(sc, s, DEPLOY_FAILED, "OVER_MAX_INSTANCES", msg, e);
		goto out;
	}
	t = calloc(total, sizeof(*t));
	order = calloc(total, sizeof(*order));
	if (!t || !order) {
		r = err_set(e, SW_E_NOMEM, NULL);
		goto out;
	}
	r = engine__describe_instances(sc, s, names, t, e);
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
		r = engine__finish(sc, s, DEPLOY_FAILED, "HEALTH_CONSTRAINTS_INVALID",
				   err_message(&why), e);
		goto out;
	}
	r = engine__insert_targets(sc, s, t, order, n, total, e);
	if (r)
		goto out;
	s->status = DEPLOY_IN_PROGRESS;
	s->min_healthy = m;
	r = store_exec(sc, NULL,
		       "UPDATE deployments SET status = 'InProgress', started = ?, min_healthy = ? "
		       "WHERE id = ?",
		       "iit", e, s->now, m, s->id);
	if (r >= 0)
		r = model_revision_used(sc, s->app, s->revision, s->rkey, s->now, e);
	if (r < 0)
		goto out;
	/* the group shows this deployment as its last attempt from now on */
	r = model_group_record_attempt(sc, s->group_id,
				       &(struct model_group_deployment){
					   .id = s->id,
					   .status = deploy_status_name(DEPLOY_IN_PROGRESS),
					   .create_time = s->created,
				       },
				       NULL, e);
	if (r < 0)
		goto out;
	log_info("engine",
		 "deployment %s started: %zu instances (%zu up to date), minimum healthy "
		 "%" PRId64,
		 s->id, total, total - n, m);
out:
	free(t);
	free(order);
	json_decref(doc);
	json_decref(config);
	json_decref(names);
	return r < 0 ? r : 0;
}

/* Created or Queued: start when the group has nothing in progress and this is the next one. */
static int engine__maybe_start(struct store_conn *sc, struct engine_step *s, struct err *e)
{
	struct store_stmt *st;
	char app[ENGINE_NAME_MAX + 1], group[ENGINE_NAME_MAX + 1];
	int r;

	r = model_group_names(sc, s->group_id, app, sizeof(app), group, sizeof(group), e);
	if (r < 0)
		return r;
	if (r == 0)
		return engine__finish(sc, s, DEPLOY_FAILED, "DEPLOYMENT_GROUP_MISSING",
				      "The deployment group was deleted before the deployment "
				      "started",
				      e);
	if (s->stopping)
		return engine__finish(sc, s, DEPLOY_STOPPED, "MANUAL_STOP",
				      "The deployment was stopped by a StopDeployment request "
				      "before it started",
				      e);
	r = store_exec(sc, &st,
		       "SELECT id FROM deployments WHERE group_id = ? AND status = 'InProgress'",
		       "t", e, s->group_id);
	if (r == 0)
		r = store_exec(sc, &st,
			       "SELECT id FROM deployments WHERE group_id = ? AND status IN "
			       "('Created', 'Queued') ORDER BY CASE WHEN creator = "
			       "'codeDeployRollback' THEN 0 ELSE 1 END, created, id",
			       "t", e, s->group_id);
	if (r < 0)
		return r;
	if (r == 1 && strcmp(store_col_text(st, 0), s->id) != 0) {
		if (s->status == DEPLOY_QUEUED)
			return 0;
		s->status = DEPLOY_QUEUED;
		r = store_exec(sc, NULL, "UPDATE deployments SET status = 'Queued' WHERE id = ?",
			       "t", e, s->id);
		return r < 0 ? r : 0;
	}
	return engine__start(sc, s, app, group, e);
}

/* ---- in progress ---- */

struct engine_cmd_row {
	char id[40];
	char name[32];
	struct inplace_cmd c;
};

static int engine__fail_command(struct store_conn *sc, struct engine_step *s, const char *id,
				const char *message, struct err *e)
{
	int r =
	    store_exec(sc, NULL,
		       "UPDATE host_commands SET status = 'Failed', completed = ?, error_code = "
		       "'UnknownError', script_name = '', message = ?, log_tail = '' WHERE id = ? "
		       "AND status IN ('Pending', 'InProgress')",
		       "itt", e, s->now, message, id);

	return r < 0 ? r : 0;
}

/* Moves one instance as far as it can go now.  Sets *state to the target's status. */
static int engine__target(struct store_conn *sc, struct engine_step *s, const char *instance,
			  char *state, size_t state_size, struct err *e)
{
	struct engine_cmd_row rows[ENGINE_CMD_MAX];
	struct inplace_cmd cmds[ENGINE_CMD_MAX];
	struct inplace_ctx ctx = {
		.now = s->now,
		.since = s->en->since,
		.agent_timeout_ms = s->en->opt.agent_timeout_ms,
		.event_timeout_ms = s->en->opt.event_timeout_ms,
		.stopping = s->stopping,
		.ignore_stop_failures = engine__doc_flag(s, "ignoreApplicationStopFailures"),
	};
	struct inplace_decision dec;
	struct store_stmt *st;
	size_t n = 0;
	int r;

	r = store_exec(sc, &st,
		       "SELECT id, name, status, queued, delivered, acked, deadline FROM "
		       "host_commands WHERE deployment = ? AND instance = ? ORDER BY position",
		       "tt", e, s->id, instance);
	while (r == 1 && n < ENGINE_CMD_MAX) {
		int status = inplace_status_parse(store_col_text(st, 2));

		str_copy(rows[n].id, sizeof(rows[n].id), store_col_text(st, 0));
		str_copy(rows[n].name, sizeof(rows[n].name), store_col_text(st, 1));
		rows[n].c.name = rows[n].name;
		rows[n].c.status = status < 0 ? INPLACE_FAILED : (enum inplace_cmd_status)status;
		rows[n].c.queued = store_col_null(st, 3) ? 0 : store_col_int(st, 3);
		rows[n].c.delivered = store_col_null(st, 4) ? 0 : store_col_int(st, 4);
		rows[n].c.acked = store_col_null(st, 5) ? 0 : store_col_int(st, 5);
		rows[n].c.deadline = store_col_null(st, 6) ? 0 : store_col_int(st, 6);
		cmds[n] = rows[n].c;
		n++;
		r = store_step(st, e);
	}
	if (r < 0)
		return r;
	for (int guard = 0; guard < 4 * ENGINE_CMD_MAX; guard++) {
		char msg[256];

		inplace_decide(&ctx, cmds, n, &dec);
		switch (dec.action) {
		case INPLACE_WAIT:
			engine__timer(s, dec.timer);
			return str_copy(state, state_size, "InProgress");
		case INPLACE_QUEUE:
			r = store_exec(sc, NULL, "UPDATE host_commands SET queued = ? WHERE id = ?",
				       "it", e, s->now, rows[dec.index].id);
			if (r < 0)
				return r;
			cmds[dec.index].queued = s->now;
			json_array_append_new(s->notify, json_string(instance));
			break;
		case INPLACE_TIMEOUT_AGENT:
			log_warn("engine",
				 "deployment %s: the agent of '%s' did not take %s in time", s->id,
				 instance, cmds[dec.index].name);
			r = engine__fail_command(sc, s, rows[dec.index].id, ENGINE_AGENT_MESSAGE,
						 e);
			if (r)
				return r;
			cmds[dec.index].status = INPLACE_FAILED;
			break;
		case INPLACE_TIMEOUT_EVENT:
			str_fmt(msg, sizeof(msg),
				"The lifecycle event did not complete within %" PRId64
				" seconds after the agent acknowledged it; the agent stopped "
				"reporting (was it killed?)",
				s->en->opt.event_timeout_ms / 1000);
			r = engine__fail_command(sc, s, rows[dec.index].id, msg, e);
			if (r)
				return r;
			cmds[dec.index].status = INPLACE_FAILED;
			break;
		case INPLACE_CANCEL:
			r = store_exec(
			    sc, NULL,
			    "UPDATE host_commands SET status = 'Skipped' WHERE id = ? AND "
			    "status = 'Pending'",
			    "t", e, rows[dec.index].id);
			if (r < 0)
				return r;
			cmds[dec.index].status = INPLACE_SKIPPED;
			break;
		case INPLACE_DONE_SUCCEEDED:
		case INPLACE_DONE_FAILED: {
			const char *to =
			    dec.action == INPLACE_DONE_SUCCEEDED ? "Succeeded" : "Failed";

			r = store_exec(
			    sc, NULL,
			    "UPDATE host_commands SET status = 'Skipped' WHERE deployment = "
			    "? AND instance = ? AND status = 'Pending' AND delivered IS "
			    "NULL",
			    "tt", e, s->id, instance);
			if (r >= 0)
				r = store_exec(
				    sc, NULL,
				    "UPDATE deployment_targets SET status = ?, ended = ?, "
				    "updated = ? WHERE deployment = ? AND instance = ?",
				    "tiitt", e, to, s->now, s->now, s->id, instance);
			if (r < 0)
				return r;
			log_info("engine", "deployment %s: instance '%s' %s", s->id, instance, to);
			return str_copy(state, state_size, to);
		}
		}
	}
	return err_set(e, SW_E_INTERNAL, "instance '%s' of %s does not settle", instance, s->id);
}

static int engine__start_target(struct store_conn *sc, struct engine_step *s, const char *instance,
				struct err *e)
{
	int r =
	    store_exec(sc, NULL,
		       "UPDATE deployment_targets SET status = 'InProgress', started = ?, updated "
		       "= ? WHERE deployment = ? AND instance = ?",
		       "iitt", e, s->now, s->now, s->id, instance);

	return r < 0 ? r : 0;
}

static int engine__advance(struct store_conn *sc, struct engine_step *s, struct err *e)
{
	struct store_stmt *st;
	struct fleet_counts c = { 0 };
	json_t *running = json_array(), *waiting = json_array(), *v;
	enum fleet_verdict verdict;
	int64_t start;
	size_t i;
	int r;

	r = store_exec(sc, &st,
		       "SELECT instance, status FROM deployment_targets WHERE deployment = ? ORDER "
		       "BY seq",
		       "t", e, s->id);
	while (r == 1) {
		const char *status = store_col_text(st, 1);

		if (strcmp(status, "InProgress") == 0)
			json_array_append_new(running, json_string(store_col_text(st, 0)));
		else if (strcmp(status, "Pending") == 0)
			json_array_append_new(waiting, json_string(store_col_text(st, 0)));
		else if (strcmp(status, "Succeeded") == 0)
			c.succeeded++;
		else if (strcmp(status, "Failed") == 0)
			c.failed++;
		r = store_step(st, e);
	}
	if (r < 0)
		goto out;
	r = 0;
	c.remaining = (int64_t)json_array_size(waiting);
	json_array_foreach(running, i, v)
	{
		char state[16];

		r = engine__target(sc, s, json_string_value(v), state, sizeof(state), e);
		if (r)
			goto out;
		if (strcmp(state, "InProgress") == 0)
			c.in_progress++;
		else if (strcmp(state, "Succeeded") == 0)
			c.succeeded++;
		else
			c.failed++;
	}
	if (s->stopping) {
		/* nothing new starts; the deployment stops once nothing is with an agent */
		if (c.in_progress == 0)
			r = engine__finish(sc, s, DEPLOY_STOPPED, "MANUAL_STOP",
					   "The deployment was stopped by a StopDeployment request",
					   e);
		goto out;
	}
	for (size_t next = 0;;) {
		verdict = fleet_step(s->min_healthy, &c, &start);
		if (verdict != FLEET_CONTINUE || start == 0)
			break;
		for (int64_t k = 0; k < start; k++, next++) {
			const char *instance = json_string_value(json_array_get(waiting, next));
			char state[16];

			r = engine__start_target(sc, s, instance, e);
			if (!r)
				r = engine__target(sc, s, instance, state, sizeof(state), e);
			if (r)
				goto out;
			c.remaining--;
			if (strcmp(state, "InProgress") == 0)
				c.in_progress++;
			else if (strcmp(state, "Succeeded") == 0)
				c.succeeded++;
			else
				c.failed++;
		}
	}
	if (verdict == FLEET_SUCCEEDED)
		r = engine__finish(sc, s, DEPLOY_SUCCEEDED, NULL, NULL, e);
	else if (verdict == FLEET_FAILED)
		r = engine__finish(sc, s, DEPLOY_FAILED, "HEALTH_CONSTRAINTS",
				   ENGINE_HEALTH_MESSAGE, e);
out:
	json_decref(running);
	json_decref(waiting);
	return r;
}

static int engine__reconcile(struct store_conn *sc, void *arg, struct err *e)
{
	struct engine_step *s = arg;
	int r;

	json_decref(s->revision);
	json_decref(s->doc);
	s->revision = s->doc = NULL;
	json_array_clear(s->notify);
	s->finished = false;
	s->next = INT64_MAX;
	r = engine__load(sc, s, e);
	if (r)
		return r < 0 ? r : 0;
	if (s->status == DEPLOY_CREATED || s->status == DEPLOY_QUEUED)
		r = engine__maybe_start(sc, s, e);
	if (!r && s->status == DEPLOY_IN_PROGRESS && !s->finished)
		r = engine__advance(sc, s, e);
	return r;
}

/* A deployment the engine cannot reconcile (corrupt rows, a bug): fail it instead of retrying
 * forever. */
static int engine__give_up(struct store_conn *sc, void *arg, struct err *e)
{
	struct engine_step *s = arg;
	int r;

	json_decref(s->revision);
	json_decref(s->doc);
	s->revision = s->doc = NULL;
	r = engine__load(sc, s, e);
	if (r)
		return r < 0 ? r : 0;
	return engine__finish(sc, s, DEPLOY_FAILED, "INTERNAL_ERROR", s->why, e);
}

/* ---- the thread ---- */

struct engine_list {
	json_t *ids;
};

static int engine__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct engine_list *l = arg;
	struct store_stmt *st;
	int r;

	r = store_exec(sc, &st,
		       "SELECT id FROM deployments WHERE status IN ('Created', 'Queued', "
		       "'InProgress') ORDER BY created, id",
		       "", e);
	while (r == 1) {
		json_array_append_new(l->ids, json_string(store_col_text(st, 0)));
		r = store_step(st, e);
	}
	return r < 0 ? r : 0;
}

/* One pass over every unfinished deployment; returns when the next timer is due. */
static int64_t engine__pass(struct engine *en, bool *again)
{
	struct engine_list l = { .ids = json_array() };
	struct err e = { 0 };
	int64_t next = time_now_ms() + ENGINE_IDLE_MS;
	size_t i;
	json_t *v;

	*again = false;
	if (store_read(en->env->store, engine__list, &l, &e)) {
		log_error("engine", "cannot list deployments: %s", err_message(&e));
		json_decref(l.ids);
		return time_now_ms() + ENGINE_RETRY_MS;
	}
	json_array_foreach(l.ids, i, v)
	{
		struct engine_step s = { .en = en, .notify = json_array() };
		size_t k;
		json_t *h;
		int r;

		str_copy(s.id, sizeof(s.id), json_string_value(v));
		s.now = time_now_ms();
		err_clear(&e);
		r = store_write(en->env->store, engine__reconcile, &s, &e);
		if (r && r != -SW_E_STORE && r != -SW_E_AGAIN && r != -SW_E_NOMEM) {
			log_error("engine", "deployment %s fails: cannot reconcile it: %s", s.id,
				  err_message(&e));
			str_fmt(s.why, sizeof(s.why),
				"Slipway could not carry the deployment on: %s", err_message(&e));
			s.now = time_now_ms();
			err_clear(&e);
			r = store_write(en->env->store, engine__give_up, &s, &e);
		}
		if (r) {
			log_error("engine", "deployment %s: %s (retrying)", s.id, err_message(&e));
			if (time_now_ms() + ENGINE_RETRY_MS < next)
				next = time_now_ms() + ENGINE_RETRY_MS;
		} else {
			if (s.finished)
				*again = true;
			if (s.next < next)
				next = s.next;
			json_array_foreach(s.notify, k, h)
			{
				if (en->opt.on_command)
					en->opt.on_command(en->opt.on_command_arg,
							   json_string_value(h));
			}
		}
		json_decref(s.notify);
		json_decref(s.revision);
		json_decref(s.doc);
	}
	json_decref(l.ids);
	return next;
}

static void engine__deadline(struct timespec *ts, int64_t wait_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += wait_ms / 1000;
	ts->tv_nsec += (wait_ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static void *engine__main(void *arg)
{
	struct engine *en = arg;

	pthread_mutex_lock(&en->lock);
	while (!en->stopping) {
		uint64_t seq = en->wake_seq;
		int64_t next, wait;
		bool again;

		pthread_mutex_unlock(&en->lock);
		next = engine__pass(en, &again);
		pthread_mutex_lock(&en->lock);
		en->done_seq = seq;
		pthread_cond_broadcast(&en->done);
		if (en->stopping || again || en->wake_seq != seq)
			continue;
		wait = next - time_now_ms();
		if (wait <= 0)
			continue;
		if (wait > ENGINE_IDLE_MS)
			wait = ENGINE_IDLE_MS;
		{
			struct timespec ts;

			engine__deadline(&ts, wait);
			while (!en->stopping && en->wake_seq == seq &&
			       pthread_cond_timedwait(&en->wake, &en->lock, &ts) == 0)
				;
		}
	}
	pthread_mutex_unlock(&en->lock);
	store_thread_done(en->env->store);
	return NULL;
}

int engine_start(struct env *env, const struct engine_options *opt, struct engine **out,
		 struct err *e)
{
	struct engine *en = calloc(1, sizeof(*en));
	pthread_condattr_t ca;

	if (!en)
		return err_set(e, SW_E_NOMEM, NULL);
	en->env = env;
	en->opt = *opt;
	if (en->opt.agent_timeout_ms <= 0)
		en->opt.agent_timeout_ms = ENGINE_AGENT_TIMEOUT_DEFAULT * 1000LL;
	if (en->opt.event_timeout_ms <= 0)
		en->opt.event_timeout_ms = ENGINE_EVENT_TIMEOUT_DEFAULT * 1000LL;
	en->since = time_now_ms();
	pthread_mutex_init(&en->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&en->wake, &ca);
	pthread_cond_init(&en->done, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&en->thread, NULL, engine__main, en) != 0) {
		pthread_mutex_destroy(&en->lock);
		pthread_cond_destroy(&en->wake);
		pthread_cond_destroy(&en->done);
		free(en);
		return err_set(e, SW_E_INTERNAL, "cannot start the engine thread");
	}
	en->started = true;
	log_info("engine", "started (agent timeout %" PRId64 " s, event timeout %" PRId64 " s)",
		 en->opt.agent_timeout_ms / 1000, en->opt.event_timeout_ms / 1000);
	*out = en;
	return 0;
}

void engine_stop(struct engine *en)
{
	if (!en)
		return;
	pthread_mutex_lock(&en->lock);
	en->stopping = true;
	pthread_cond_broadcast(&en->wake);
	pthread_cond_broadcast(&en->done);
	pthread_mutex_unlock(&en->lock);
	if (en->started)
		pthread_join(en->thread, NULL);
	pthread_mutex_destroy(&en->lock);
	pthread_cond_destroy(&en->wake);
	pthread_cond_destroy(&en->done);
	free(en);
}

void engine_wake(struct engine *en)
{
	if (!en)
		return;
	pthread_mutex_lock(&en->lock);
	en->wake_seq++;
	pthread_cond_signal(&en->wake);
	pthread_mutex_unlock(&en->lock);
}

int engine_sync(struct engine *en, int64_t timeout_ms)
{
	struct timespec ts;
	uint64_t want;
	int r = 0;

	if (!en)
		return 1;
	engine__deadline(&ts, timeout_ms > 0 ? timeout_ms : 0);
	pthread_mutex_lock(&en->lock);
	want = ++en->wake_seq;
	pthread_cond_signal(&en->wake);
	while (en->done_seq < want && !en->stopping && r == 0)
		r = pthread_cond_timedwait(&en->done, &en->lock, &ts);
	r = en->done_seq >= want ? 0 : 1;
	pthread_mutex_unlock(&en->lock);
	return r;
}
