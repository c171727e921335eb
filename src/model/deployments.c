/* model/deployments: deployment rows (0005_deployments.sql). */
#include "deployments.h"
#include "store/store.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

#define DEPLOYMENT_ID_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

static int dep__done(int r)
{
	return r < 0 ? r : 0;
}

void model_deployment_release(struct model_deployment *d)
{
	json_decref(d->revision);
	json_decref(d->doc);
	d->revision = d->doc = NULL;
}

int model_deployment_load(struct store_conn *c, const char *id, struct model_deployment *d,
			  struct err *e)
{
	struct store_stmt *st;
	int r;

	model_deployment_release(d);
	r = store_exec(c, &st,
		       "SELECT status, app, grp, group_id, creator, config, rkey, revision, doc, "
		       "created, min_healthy, stop_requested, stop_rollback, error_code, "
		       "error_message, phase, phase_since, continue_ready, continue_wait, "
		       "shift_step, shift_at, rollback_of FROM deployments WHERE id = ?",
		       "t", e, id);
	if (r <= 0)
		return r;
	str_copy(d->status, sizeof(d->status), store_col_text(st, 0));
	str_copy(d->app, sizeof(d->app), store_col_text(st, 1));
	str_copy(d->group, sizeof(d->group), store_col_text(st, 2));
	str_copy(d->group_id, sizeof(d->group_id), store_col_text(st, 3));
	str_copy(d->creator, sizeof(d->creator), store_col_text(st, 4));
	str_copy(d->config, sizeof(d->config), store_col_text(st, 5));
	str_copy(d->rkey, sizeof(d->rkey), store_col_text(st, 6));
	d->revision = json_loads(store_col_text(st, 7), 0, NULL);
	d->doc = json_loads(store_col_text(st, 8), 0, NULL);
	d->created = store_col_int(st, 9);
	d->min_healthy = store_col_null(st, 10) ? 0 : store_col_int(st, 10);
	d->stopping = !store_col_null(st, 11);
	d->stop_rollback = store_col_null(st, 12) ? -1 : (int)store_col_int(st, 12);
	d->stop_code[0] = d->stop_message[0] = '\0';
	if (d->stopping && str_eq(store_col_text(st, 13), "ALARM_ACTIVE")) {
		str_copy(d->stop_code, sizeof(d->stop_code), "ALARM_ACTIVE");
		str_copy(d->stop_message, sizeof(d->stop_message), store_col_text(st, 14));
	}
	str_copy(d->phase, sizeof(d->phase), store_col_null(st, 15) ? "" : store_col_text(st, 15));
	d->phase_since = store_col_null(st, 16) ? 0 : store_col_int(st, 16);
	d->continue_ready = store_col_null(st, 17) ? 0 : store_col_int(st, 17);
	d->continue_wait = store_col_null(st, 18) ? 0 : store_col_int(st, 18);
	d->shift_step = store_col_null(st, 19) ? 0 : store_col_int(st, 19);
	d->shift_at = store_col_null(st, 20) ? 0 : store_col_int(st, 20);
	str_copy(d->rollback_of, sizeof(d->rollback_of),
		 store_col_null(st, 21) ? "" : store_col_text(st, 21));
	if (!d->revision || !json_is_object(d->doc))
		return err_set(e, SW_E_INTERNAL, "deployment %s has a corrupt document", id);
	return 1;
}

int model_deployment_insert(struct store_conn *c, const struct model_deployment_new *n, char *id,
			    struct err *e)
{
	char *rev = json_dump(n->revision);
	char *prev = n->previous_revision ? json_dump(n->previous_revision) : NULL;
	char *doc = json_dump(n->doc);
	int r = -SW_E_NOMEM;

	if (!rev || !doc || (n->previous_revision && !prev)) {
		err_set(e, SW_E_NOMEM, NULL);
		goto out;
	}
	/* 36^9 ids: a collision is all but impossible, but cheap to rule out */
	for (int attempt = 0; attempt < 8; attempt++) {
		memcpy(id, "d-", 2);
		random_string(id + 2, 9, DEPLOYMENT_ID_ALPHABET);
		r = store_exec(
		    c, NULL,
		    "INSERT INTO deployments (id, app, grp, group_id, status, creator, "
		    "config, created, revision, rkey, bundle_etag, previous_revision, "
		    "rollback_of, doc) VALUES (?, ?, ?, ?, 'Created', ?, ?, ?, ?, ?, ?, ?, "
		    "?, ?) ON CONFLICT (id) DO NOTHING",
		    "ttttttitttttt", e, id, n->app, n->group, n->group_id, n->creator, n->config,
		    n->now, rev, n->rkey, n->bundle_etag, prev, n->rollback_of, doc);
		if (r < 0 || store_changes(c) == 1)
			break;
		r = err_set(e, SW_E_INTERNAL, "could not draw a unique deployment id");
	}
out:
	free(rev);
	free(prev);
	free(doc);
	return dep__done(r);
}

int model_deployments_unfinished(struct store_conn *c, const char *group_id, json_t *ids,
				 struct err *e)
{
	struct store_stmt *st;
	int r;

	if (group_id)
		r = store_exec(c, &st,
			       "SELECT id FROM deployments WHERE group_id = ? AND status IN "
			       "('Created', 'Queued', 'InProgress') ORDER BY created, id",
			       "t", e, group_id);
	else
		r = store_exec(c, &st,
			       "SELECT id FROM deployments WHERE status IN ('Created', 'Queued', "
			       "'InProgress') ORDER BY created, id",
			       "", e);
	while (r == 1) {
		json_array_append_new(ids, json_string(store_col_text(st, 0)));
		r = store_step(st, e);
	}
	return dep__done(r);
}

int model_deployment_group_turn(struct store_conn *c, const char *group_id, char *id, size_t size,
				struct err *e)
{
	struct store_stmt *st;
	int r;

	r = store_exec(c, &st,
		       "SELECT id FROM deployments WHERE group_id = ? AND status = 'InProgress'",
		       "t", e, group_id);
	if (r == 0)
		r = store_exec(c, &st,
			       "SELECT id FROM deployments WHERE group_id = ? AND status IN "
			       "('Created', 'Queued') ORDER BY CASE WHEN creator = "
			       "'codeDeployRollback' THEN 0 ELSE 1 END, created, id",
			       "t", e, group_id);
	if (r == 1)
		str_copy(id, size, store_col_text(st, 0));
	return r;
}

int model_deployment_options(struct store_conn *c, const char *id, json_t **doc, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT doc FROM deployments WHERE id = ?", "t", e, id);

	if (r == 1)
		*doc = json_loads(store_col_text(st, 0), 0, NULL);
	return r;
}

int model_deployment_set_queued(struct store_conn *c, const char *id, struct err *e)
{
	return dep__done(store_exec(
	    c, NULL, "UPDATE deployments SET status = 'Queued' WHERE id = ?", "t", e, id));
}

int model_deployment_start(struct store_conn *c, const char *id, int64_t now, int64_t min_healthy,
			   struct err *e)
{
	return dep__done(store_exec(c, NULL,
				    "UPDATE deployments SET status = 'InProgress', started = ?, "
				    "min_healthy = ? WHERE id = ?",
				    "iit", e, now, min_healthy, id));
}

int model_deployment_finish(struct store_conn *c, const char *id, const char *status, int64_t now,
			    const char *code, const char *message, struct err *e)
{
	return dep__done(store_exec(c, NULL,
				    "UPDATE deployments SET status = ?, completed = ?, error_code "
				    "= ?, error_message = ? WHERE id = ?",
				    "tittt", e, status, now, code, message, id));
}

int model_deployment_abandon(struct store_conn *c, const char *id, int64_t now, const char *code,
			     const char *message, struct err *e)
{
	return dep__done(
	    store_exec(c, NULL,
		       "UPDATE deployments SET status = 'Stopped', completed = ?, error_code "
		       "= ?, error_message = ?, stop_requested = COALESCE(stop_requested, ?) "
		       "WHERE id = ?",
		       "ittit", e, now, code, message, now, id));
}

int model_deployment_request_stop(struct store_conn *c, const char *id, int64_t now, int rollback,
				  struct err *e)
{
	if (rollback < 0)
		return dep__done(store_exec(c, NULL,
					    "UPDATE deployments SET stop_requested = "
					    "COALESCE(stop_requested, ?) WHERE id = ?",
					    "it", e, now, id));
	return dep__done(
	    store_exec(c, NULL,
		       "UPDATE deployments SET stop_requested = COALESCE(stop_requested, "
		       "?), stop_rollback = ? WHERE id = ?",
		       "iit", e, now, (int64_t)rollback, id));
}

int model_deployment_stop_on_alarm(struct store_conn *c, const char *id, int64_t now,
				   const char *message, struct err *e)
{
	return dep__done(store_exec(
	    c, NULL,
	    "UPDATE deployments SET stop_requested = COALESCE(stop_requested, ?), error_code = "
	    "CASE WHEN stop_requested IS NULL THEN 'ALARM_ACTIVE' ELSE error_code END, "
	    "error_message = CASE WHEN stop_requested IS NULL THEN ? ELSE error_message END "
	    "WHERE id = ?",
	    "itt", e, now, message, id));
}

int model_deployment_set_rollback(struct store_conn *c, const char *id, const char *rollback_id,
				  const char *message, struct err *e)
{
	if (!rollback_id)
		return dep__done(
		    store_exec(c, NULL, "UPDATE deployments SET rollback_message = ? WHERE id = ?",
			       "tt", e, message, id));
	return dep__done(store_exec(
	    c, NULL, "UPDATE deployments SET rollback_id = ?, rollback_message = ? WHERE id = ?",
	    "ttt", e, rollback_id, message, id));
}

int model_deployment_set_phase(struct store_conn *c, const char *id, const char *phase, int64_t now,
			       struct err *e)
{
	return dep__done(
	    store_exec(c, NULL, "UPDATE deployments SET phase = ?, phase_since = ? WHERE id = ?",
		       "tit", e, phase, now, id));
}

int model_deployment_continue(struct store_conn *c, const char *id, bool ready_wait, int64_t now,
			      struct err *e)
{
	if (ready_wait)
		return dep__done(store_exec(c, NULL,
					    "UPDATE deployments SET continue_ready = "
					    "COALESCE(continue_ready, ?) WHERE id = ?",
					    "it", e, now, id));
	return dep__done(
	    store_exec(c, NULL,
		       "UPDATE deployments SET continue_wait = COALESCE(continue_wait, "
		       "?) WHERE id = ?",
		       "it", e, now, id));
}

int model_deployment_set_shift(struct store_conn *c, const char *id, int64_t step, int64_t at,
			       struct err *e)
{
	return dep__done(
	    store_exec(c, NULL, "UPDATE deployments SET shift_step = ?, shift_at = ? WHERE id = ?",
		       "iit", e, step, at, id));
}
