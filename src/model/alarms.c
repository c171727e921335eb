/* alarms: the alarms, alarm_watch, alarm_refs and alarm_history tables (model/alarms.h). */
#include "alarms.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static const char *const alarm__states[] = { NULL, "OK", "ALARM", "INSUFFICIENT_DATA" };

const char *alarm_state_name(enum alarm_state s)
{
	return (unsigned)s < 4 ? alarm__states[s] : NULL;
}

enum alarm_state alarm_state_parse(const char *s)
{
	for (int i = 1; s && i < 4; i++)
		if (strcmp(alarm__states[i], s) == 0)
			return (enum alarm_state)i;
	return ALARM_STATE_NONE;
}

void alarm_row_release(struct alarm_row *a)
{
	free(a->name);
	free(a->arn);
	free(a->type);
	json_decref(a->doc);
	free(a->state);
	free(a->reason);
	free(a->reason_data);
	memset(a, 0, sizeof(*a));
}

#define ALARM__COLS                                                                          \
	"name, arn, type, doc, actions_enabled, state, reason, reason_data, state_updated, " \
	"state_transitioned, config_updated, due"

static int alarm__row(struct store_stmt *st, struct alarm_row *a, struct err *e)
{
	const char *rd = store_col_text(st, 7);

	memset(a, 0, sizeof(*a));
	a->name = str_dup(store_col_text(st, 0));
	a->arn = str_dup(store_col_text(st, 1));
	a->type = str_dup(store_col_text(st, 2));
	a->doc = json_loads(store_col_text(st, 3), 0, NULL);
	a->actions_enabled = store_col_int(st, 4) != 0;
	a->state = str_dup(store_col_text(st, 5));
	a->reason = str_dup(store_col_text(st, 6));
	a->reason_data = rd ? str_dup(rd) : NULL;
	a->state_updated = store_col_int(st, 8);
	a->state_transitioned = store_col_int(st, 9);
	a->config_updated = store_col_int(st, 10);
	a->due = store_col_int(st, 11);
	if (!a->name || !a->arn || !a->type || !a->state || !a->reason || (rd && !a->reason_data)) {
		alarm_row_release(a);
		return err_set(e, SW_E_NOMEM, NULL);
	}
	if (!a->doc) {
		alarm_row_release(a);
		return err_set(e, SW_E_STORE, "alarm '%s' has a corrupt configuration",
			       store_col_text(st, 0));
	}
	return 0;
}

int alarm_get(struct store_conn *c, const char *name, struct alarm_row *out, struct err *e)
{
	struct store_stmt *st;
	int r =
	    store_exec(c, &st, "SELECT " ALARM__COLS " FROM alarms WHERE name = ?", "t", e, name);

	if (r <= 0)
		return r;
	return alarm__row(st, out, e) ? -SW_E_STORE : 1;
}

int alarm_state_get(struct store_conn *c, const char *name, enum alarm_state *out, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT state FROM alarms WHERE name = ?", "t", e, name);

	*out = ALARM_STATE_NONE;
	if (r < 0)
		return r;
	if (r > 0)
		*out = alarm_state_parse(store_col_text(st, 0));
	return 0;
}

int alarms_each(struct store_conn *c, int (*fn)(void *arg, const struct alarm_row *a), void *arg,
		struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT " ALARM__COLS " FROM alarms ORDER BY name", "", e);

	for (; r > 0; r = store_step(st, e)) {
		struct alarm_row a;

		if ((r = alarm__row(st, &a, e)))
			return r;
		r = fn(arg, &a);
		alarm_row_release(&a);
		if (r)
			return r;
	}
	return r;
}

int alarm_put(struct store_conn *c, const struct alarm_row *a, const json_t *watch,
	      const json_t *children, struct err *e)
{
	char *doc = json_dumps(a->doc, JSON_COMPACT | JSON_SORT_KEYS);
	struct store_stmt *st;
	const json_t *v;
	bool created;
	size_t i;
	int r;

	if (!doc)
		return err_set(e, SW_E_NOMEM, NULL);
	r = store_exec(c, &st, "SELECT 1 FROM alarms WHERE name = ?", "t", e, a->name);
	created = r == 0;
	if (r >= 0 && created)
		r = store_exec(c, NULL,
			       "INSERT INTO alarms (" ALARM__COLS
			       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       "ttttittniiii", e, a->name, a->arn, a->type, doc,
			       (int64_t)a->actions_enabled, a->state, a->reason, a->state_updated,
			       a->state_transitioned, a->config_updated, a->due);
	else if (r >= 0)
		r = store_exec(c, NULL,
			       "UPDATE alarms SET arn = ?, type = ?, doc = ?, actions_enabled = ?, "
			       "config_updated = ?, due = ? WHERE name = ?",
			       "tttiiit", e, a->arn, a->type, doc, (int64_t)a->actions_enabled,
			       a->config_updated, a->due, a->name);
	free(doc);
	if (r < 0)
		return r;
	if ((r = store_exec(c, NULL, "DELETE FROM alarm_watch WHERE alarm = ?", "t", e, a->name)) <
	    0)
		return r;
	json_array_foreach(watch, i, v)
	{
		r = store_exec(c, NULL,
			       "INSERT INTO alarm_watch (alarm, ns, metric) VALUES (?, ?, ?) ON "
			       "CONFLICT DO NOTHING",
			       "ttt", e, a->name, json_string_value(json_array_get(v, 0)),
			       json_string_value(json_array_get(v, 1)));
		if (r < 0)
			return r;
	}
	if ((r = store_exec(c, NULL, "DELETE FROM alarm_refs WHERE parent = ?", "t", e, a->name)) <
	    0)
		return r;
	json_array_foreach(children, i, v)
	{
		r = store_exec(
		    c, NULL,
		    "INSERT INTO alarm_refs (parent, child) VALUES (?, ?) ON CONFLICT DO "
		    "NOTHING",
		    "tt", e, a->name, json_string_value(v));
		if (r < 0)
			return r;
	}
	return created ? 1 : 0;
}

int alarm_delete(struct store_conn *c, const char *name, struct err *e)
{
	int r;

	if ((r = store_exec(c, NULL, "DELETE FROM alarm_watch WHERE alarm = ?", "t", e, name)) <
		0 ||
	    (r = store_exec(c, NULL, "DELETE FROM alarm_refs WHERE parent = ?", "t", e, name)) <
		0 ||
	    (r = store_exec(c, NULL, "DELETE FROM alarms WHERE name = ?", "t", e, name)) < 0)
		return r;
	return store_changes(c) > 0;
}

static int alarm__names(struct store_conn *c, const char *sql, const char *name, json_t *out,
			struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, sql, "t", e, name);

	for (; r > 0; r = store_step(st, e))
		json_array_append_new(out, json_string(store_col_text(st, 0)));
	return r;
}

int alarm_parents(struct store_conn *c, const char *name, json_t *parents, struct err *e)
{
	return alarm__names(c, "SELECT parent FROM alarm_refs WHERE child = ? ORDER BY parent",
			    name, parents, e);
}

int alarm_children(struct store_conn *c, const char *name, json_t *children, struct err *e)
{
	return alarm__names(c, "SELECT child FROM alarm_refs WHERE parent = ? ORDER BY child", name,
			    children, e);
}

int alarm_set_state(struct store_conn *c, const char *name, const char *state, const char *reason,
		    const char *reason_data, int64_t now, struct err *e)
{
	struct store_stmt *st;
	bool changed;
	int r = store_exec(c, &st, "SELECT state FROM alarms WHERE name = ?", "t", e, name);

	if (r <= 0)
		return r < 0 ? r : err_set(e, SW_E_NOT_FOUND, "no alarm '%s'", name);
	changed = strcmp(store_col_text(st, 0), state) != 0;
	r = store_exec(
	    c, NULL,
	    "UPDATE alarms SET state = ?, reason = ?, reason_data = ?, state_updated = ?, "
	    "state_transitioned = CASE WHEN ? = 1 THEN ? ELSE state_transitioned END "
	    "WHERE name = ?",
	    "tttiiit", e, state, reason, reason_data, now, (int64_t)changed, now, name);
	if (r < 0)
		return r;
	if (changed &&
	    (r = store_exec(
		 c, NULL,
		 "UPDATE alarms SET due = 0 WHERE name IN (SELECT parent FROM alarm_refs "
		 "WHERE child = ?)",
		 "t", e, name)) < 0)
		return r;
	return changed;
}

int alarm_set_actions(struct store_conn *c, const char *name, bool enabled, struct err *e)
{
	int r = store_exec(c, NULL, "UPDATE alarms SET actions_enabled = ? WHERE name = ?", "it", e,
			   (int64_t)enabled, name);

	return r < 0 ? r : 0;
}

int alarm_set_due(struct store_conn *c, const char *name, int64_t due, struct err *e)
{
	int r = store_exec(c, NULL, "UPDATE alarms SET due = ? WHERE name = ?", "it", e, due, name);

	return r < 0 ? r : 0;
}

int alarms_due(struct store_conn *c, int64_t now, json_t *names, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st,
			   "SELECT name FROM alarms WHERE due <= ? ORDER BY CASE WHEN type = "
			   "'MetricAlarm' THEN 0 ELSE 1 END, name",
			   "i", e, now);

	for (; r > 0; r = store_step(st, e))
		json_array_append_new(names, json_string(store_col_text(st, 0)));
	return r;
}

int alarms_next_due(struct store_conn *c, int64_t *out, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT MIN(due) FROM alarms", "", e);

	*out = INT64_MAX;
	if (r > 0 && !store_col_null(st, 0))
		*out = store_col_int(st, 0);
	return r < 0 ? r : 0;
}

int alarm_history_add(struct store_conn *c, const char *alarm, const char *type, int64_t ts,
		      const char *item_type, const char *summary, const char *data, struct err *e)
{
	struct store_stmt *st;
	int64_t seq = 1;
	int r = store_exec(c, &st, "SELECT MAX(seq) FROM alarm_history", "", e);

	if (r < 0)
		return r;
	if (r > 0 && !store_col_null(st, 0))
		seq = store_col_int(st, 0) + 1;
	r = store_exec(c, NULL,
		       "INSERT INTO alarm_history (seq, alarm, type, ts, item_type, summary, data) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?)",
		       "ittittt", e, seq, alarm, type, ts, item_type, summary, data);
	return r < 0 ? r : 0;
}

int alarm_history_expire(struct store_conn *c, int64_t before, struct err *e)
{
	int r = store_exec(c, NULL, "DELETE FROM alarm_history WHERE ts < ?", "i", e, before);

	return r < 0 ? r : 0;
}

int alarms_touch(struct store_conn *c, const char *ns, const char *metric_name, struct err *e)
{
	int r = store_exec(c, NULL,
			   "UPDATE alarms SET due = 0 WHERE due > 0 AND name IN (SELECT alarm FROM "
			   "alarm_watch WHERE ns = ? AND metric = ?)",
			   "tt", e, ns, metric_name);

	return r < 0 ? r : (int)store_changes(c);
}

/* {"stateValue", "stateReason", "stateReasonData"} of HistoryData. */
static json_t *alarm__hist_state(const char *state, const char *reason, const char *data)
{
	json_t *j = json_pack("{s:s,s:s}", "stateValue", state, "stateReason", reason);
	json_t *d = data ? json_loads(data, 0, NULL) : NULL;

	if (j && d)
		json_object_set_new(j, "stateReasonData", d);
	else
		json_decref(d);
	return j;
}

int alarm_transition(struct store_conn *c, const struct alarm_row *a, const char *state,
		     const char *reason, const char *reason_data, int64_t now, struct err *e)
{
	char summary[300], *hd;
	json_t *h, *actions;
	const json_t *v;
	size_t i;
	int r = alarm_set_state(c, a->name, state, reason, reason_data, now, e);

	if (r <= 0)
		return r;
	h = json_pack("{s:s,s:o,s:o}", "version", "1.0", "oldState",
		      alarm__hist_state(a->state, a->reason, a->reason_data), "newState",
		      alarm__hist_state(state, reason, reason_data));
	hd = h ? json_dumps(h, JSON_COMPACT) : NULL;
	json_decref(h);
	if (!hd)
		return err_set(e, SW_E_NOMEM, NULL);
	str_fmt(summary, sizeof(summary), "Alarm updated from %s to %s", a->state, state);
	r = alarm_history_add(c, a->name, a->type, now, "StateUpdate", summary, hd, e);
	free(hd);
	if (r || !a->actions_enabled)
		return r ? r : 1;
	actions = json_object_get(a->doc, strcmp(state, "ALARM") == 0 ? "AlarmActions"
					  : strcmp(state, "OK") == 0  ? "OKActions"
								      : "InsufficientDataActions");
	json_array_foreach(actions, i, v)
	{
		const char *arn = json_string_value(v);
		char *data;

		if (!arn)
			continue;
		str_fmt(summary, sizeof(summary),
			"Failed to execute action %.150s. Reason: Slipway does not deliver alarm "
			"actions",
			arn);
		h = json_pack("{s:s,s:s,s:s}", "actionState", "Failed", "notificationResource", arn,
			      "error", "Slipway does not deliver alarm actions");
		data = h ? json_dumps(h, JSON_COMPACT) : NULL;
		json_decref(h);
		if (!data)
			return err_set(e, SW_E_NOMEM, NULL);
		r = alarm_history_add(c, a->name, a->type, now, "Action", summary, data, e);
		free(data);
		if (r)
			return r;
	}
	return 1;
}

int alarm_history_list(struct store_conn *c, const char *alarm, const char *item_type,
		       const char *type, int64_t start, int64_t end, bool asc, int64_t *after,
		       size_t limit, json_t *out, struct err *e)
{
	struct store_stmt *st;
	int64_t last = 0;
	size_t n = 0;
	int r;

	if (asc)
		r = store_exec(c, &st,
			       "SELECT seq, alarm, type, ts, item_type, summary, data FROM "
			       "alarm_history WHERE (? IS NULL OR alarm = ?) AND (? IS NULL OR "
			       "item_type = ?) AND (? IS NULL OR type = ?) AND ts >= ? AND ts < ? "
			       "AND seq > ? ORDER BY seq",
			       "ttttttiii", e, alarm, alarm, item_type, item_type, type, type,
			       start, end, *after);
	else
		r = store_exec(c, &st,
			       "SELECT seq, alarm, type, ts, item_type, summary, data FROM "
			       "alarm_history WHERE (? IS NULL OR alarm = ?) AND (? IS NULL OR "
			       "item_type = ?) AND (? IS NULL OR type = ?) AND ts >= ? AND ts < ? "
			       "AND (? = 0 OR seq < ?) ORDER BY seq DESC",
			       "ttttttiiii", e, alarm, alarm, item_type, item_type, type, type,
			       start, end, *after, *after);
	for (; r > 0; r = store_step(st, e)) {
		json_t *it;

		if (n == limit) {
			*after = last;
			return 0;
		}
		it = json_pack("{s:s,s:s,s:f,s:s,s:s,s:s}", "AlarmName", store_col_text(st, 1),
			       "AlarmType", store_col_text(st, 2), "Timestamp",
			       (double)store_col_int(st, 3) / 1000.0, "HistoryItemType",
			       store_col_text(st, 4), "HistorySummary", store_col_text(st, 5),
			       "HistoryData", store_col_text(st, 6));
		if (!it || json_array_append_new(out, it))
			return err_set(e, SW_E_NOMEM, NULL);
		last = store_col_int(st, 0);
		n++;
	}
	*after = 0;
	return r;
}
