/* model/targets: deployment targets, one row per instance of a deployment (0005_deployments). */
#include "targets.h"
#include "store/store.h"

static int tg__done(int r)
{
	return r < 0 ? r : 0;
}

int model_target_insert(struct store_conn *c, const char *deployment, const char *instance,
			const char *arn, const char *host, int64_t seq, const char *status,
			const char *label, int64_t now, struct err *e)
{
	return tg__done(store_exec(c, NULL,
				   "INSERT INTO deployment_targets (deployment, instance, "
				   "instance_arn, host, seq, status, label, updated) VALUES (?, ?, "
				   "?, ?, ?, ?, ?, ?)",
				   "ttttitti", e, deployment, instance, arn, host, seq, status,
				   label, now));
}

int model_targets_list(struct store_conn *c, const char *deployment, json_t **out, struct err *e)
{
	struct store_stmt *st;
	json_t *list = json_array();
	int r;

	if (!list)
		return err_set(e, SW_E_NOMEM, NULL);
	r = store_exec(
	    c, &st,
	    "SELECT instance, status, label FROM deployment_targets WHERE deployment = ? "
	    "ORDER BY seq",
	    "t", e, deployment);
	while (r == 1) {
		json_t *t = json_pack("{s:s,s:s}", "instance", store_col_text(st, 0), "status",
				      store_col_text(st, 1));

		if (!store_col_null(st, 2))
			json_object_set_new(t, "label", json_string(store_col_text(st, 2)));
		json_array_append_new(list, t);
		r = store_step(st, e);
	}
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*out = list;
	return 0;
}

int model_target_exists(struct store_conn *c, const char *deployment, const char *instance,
			struct err *e)
{
	struct store_stmt *st;

	return store_exec(c, &st,
			  "SELECT 1 FROM deployment_targets WHERE deployment = ? AND instance = ?",
			  "tt", e, deployment, instance);
}

int model_targets_started(struct store_conn *c, const char *deployment, int64_t *n, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st,
			   "SELECT COUNT(*) FROM deployment_targets WHERE deployment = ? AND "
			   "started IS NOT NULL",
			   "t", e, deployment);

	*n = r == 1 ? store_col_int(st, 0) : 0;
	return tg__done(r);
}

int model_target_start(struct store_conn *c, const char *deployment, const char *instance,
		       int64_t now, struct err *e)
{
	return tg__done(store_exec(c, NULL,
				   "UPDATE deployment_targets SET status = 'InProgress', started "
				   "= ?, updated = ? WHERE deployment = ? AND instance = ?",
				   "iitt", e, now, now, deployment, instance));
}

int model_target_end(struct store_conn *c, const char *deployment, const char *instance,
		     const char *status, int64_t now, struct err *e)
{
	return tg__done(store_exec(c, NULL,
				   "UPDATE deployment_targets SET status = ?, ended = ?, updated = "
				   "? WHERE deployment = ? AND instance = ?",
				   "tiitt", e, status, now, now, deployment, instance));
}

int model_target_set_status(struct store_conn *c, const char *deployment, const char *instance,
			    const char *status, int64_t now, struct err *e)
{
	return tg__done(store_exec(c, NULL,
				   "UPDATE deployment_targets SET status = ?, updated = ? WHERE "
				   "deployment = ? AND instance = ?",
				   "titt", e, status, now, deployment, instance));
}

int model_targets_skip_pending(struct store_conn *c, const char *deployment, int64_t now,
			       struct err *e)
{
	return tg__done(store_exec(c, NULL,
				   "UPDATE deployment_targets SET status = 'Skipped', updated = ? "
				   "WHERE deployment = ? AND status = 'Pending'",
				   "it", e, now, deployment));
}

int model_targets_abandon(struct store_conn *c, const char *deployment, int64_t now, struct err *e)
{
	return tg__done(store_exec(
	    c, NULL,
	    "UPDATE deployment_targets SET status = CASE status WHEN 'Pending' THEN 'Skipped' ELSE "
	    "'Failed' END, ended = CASE status WHEN 'Pending' THEN ended ELSE ? END, updated = "
	    "? "
	    "WHERE deployment = ? AND status IN ('Pending', 'InProgress', 'Ready')",
	    "iit", e, now, now, deployment));
}
