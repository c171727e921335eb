/* model/logs: log groups, streams and events over the store (see logs.h). */
#include "logs.h"
#include "store/store.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <string.h>

/* Rows per query when a walk must skip rows that SQL cannot rule out (pattern, prefix). */
#define LOGS_CHUNK 200

/* A random positive id (see migration 0009). */
static int logs__new_id(int64_t *out, struct err *e)
{
	uint64_t u;

	if (random_bytes(&u, sizeof(u)))
		return err_set(e, SW_E_INTERNAL, "no random bytes for a log id");
	*out = (int64_t)(u >> 2) + 1;
	return 0;
}

static int logs__no_group(struct err *e)
{
	return err_set(e, SW_E_LOGS_ResourceNotFound, "The specified log group does not exist.");
}

static int logs__no_stream(struct err *e)
{
	return err_set(e, SW_E_LOGS_ResourceNotFound, "The specified log stream does not exist.");
}

int64_t logs_group_cutoff(const struct logs_group *g, int64_t now_ms)
{
	if (g->retention_days <= 0)
		return INT64_MIN;
	return now_ms - (int64_t)g->retention_days * LOGS_DAY_MS;
}

/* ---- groups ---- */

#define LOGS_GROUP_COLS "id, name, created, retention_days, class, stored_bytes"

static void logs__group_row(struct store_stmt *st, struct logs_group *g)
{
	g->id = store_col_int(st, 0);
	str_copy(g->name, sizeof(g->name), store_col_text(st, 1));
	g->created = store_col_int(st, 2);
	g->retention_days = store_col_null(st, 3) ? 0 : (int)store_col_int(st, 3);
	str_copy(g->cls, sizeof(g->cls), store_col_text(st, 4));
	g->stored_bytes = store_col_int(st, 5);
}

int logs_group_create(struct store_conn *c, const char *name, const char *cls, int64_t now_ms,
		      struct err *e)
{
	int64_t id = 0;
	int r = logs__new_id(&id, e);

	if (r)
		return r;
	r = store_exec(c, NULL,
		       "INSERT INTO log_groups (id, name, created, class) VALUES (?, ?, ?, ?) "
		       "ON CONFLICT (name) DO NOTHING",
		       "itit", e, id, name, now_ms, cls);
	if (r < 0)
		return r;
	if (store_changes(c) == 0)
		return err_set(e, SW_E_LOGS_ResourceAlreadyExists,
			       "The specified log group already exists");
	return 0;
}

int logs_group_get(struct store_conn *c, const char *name, struct logs_group *out, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT " LOGS_GROUP_COLS " FROM log_groups WHERE name = ?", "t",
			   e, name);

	if (r < 0)
		return r;
	if (r == 0)
		return logs__no_group(e);
	logs__group_row(st, out);
	return 0;
}

int logs_group_delete(struct store_conn *c, const char *name, struct err *e)
{
	struct logs_group g;
	int r = logs_group_get(c, name, &g, e);

	if (!r)
		r = store_exec(c, NULL, "DELETE FROM log_events WHERE group_id = ?", "i", e, g.id);
	if (r >= 0)
		r = store_exec(c, NULL, "DELETE FROM log_streams WHERE group_id = ?", "i", e, g.id);
	if (r >= 0)
		r = store_exec(c, NULL, "DELETE FROM log_groups WHERE id = ?", "i", e, g.id);
	return r < 0 ? r : 0;
}

int logs_group_retention(struct store_conn *c, const char *name, int days, struct err *e)
{
	int r =
	    days > 0
		? store_exec(c, NULL, "UPDATE log_groups SET retention_days = ? WHERE name = ?",
			     "it", e, (int64_t)days, name)
		: store_exec(c, NULL, "UPDATE log_groups SET retention_days = NULL WHERE name = ?",
			     "t", e, name);

	if (r < 0)
		return r;
	return store_changes(c) ? 0 : logs__no_group(e);
}

int logs_groups_list(struct store_conn *c, const struct logs_group_query *q,
		     int (*fn)(void *arg, const struct logs_group *g), void *arg, bool *more,
		     struct err *e)
{
	struct logs_group g;
	char after[LOGS_NAME_MAX + 1];
	size_t taken = 0;

	*more = false;
	str_copy(after, sizeof(after), q->after ? q->after : "");
	for (;;) {
		struct store_stmt *st;
		size_t rows = 0;
		int r =
		    store_exec(c, &st,
			       "SELECT " LOGS_GROUP_COLS " FROM log_groups WHERE name > ? AND "
			       "name >= ? ORDER BY name LIMIT ?",
			       "tti", e, after, q->prefix ? q->prefix : "", (int64_t)LOGS_CHUNK);

		for (; r == 1; r = store_step(st, e)) {
			rows++;
			logs__group_row(st, &g);
			str_copy(after, sizeof(after), g.name);
			if (q->prefix && !str_starts(g.name, q->prefix))
				return 0;
			if (q->pattern && !strstr(g.name, q->pattern))
				continue;
			if (q->cls && strcmp(q->cls, g.cls) != 0)
				continue;
			if (taken == q->limit) {
				*more = true;
				return 0;
			}
			taken++;
			r = fn(arg, &g);
			if (r)
				return r;
		}
		if (r < 0)
			return r;
		if (rows < LOGS_CHUNK)
			return 0;
	}
}

/* ---- streams ---- */

#define LOGS_STREAM_COLS \
	"id, group_id, name, created, first_event, last_event, last_ingestion, last_seq"

static void logs__stream_row(struct store_stmt *st, struct logs_stream *s)
{
	s->id = store_col_int(st, 0);
	s->group_id = store_col_int(st, 1);
	str_copy(s->name, sizeof(s->name), store_col_text(st, 2));
	s->created = store_col_int(st, 3);
	s->has_events = !store_col_null(st, 5);
	s->first_event = store_col_int(st, 4);
	s->last_event = store_col_int(st, 5);
	s->last_ingestion = store_col_int(st, 6);
	s->last_seq = store_col_int(st, 7);
}

int logs_stream_create(struct store_conn *c, const char *group, const char *name, int64_t now_ms,
		       struct err *e)
{
	struct logs_group g;
	int64_t id = 0;
	int r = logs_group_get(c, group, &g, e);

	if (!r)
		r = logs__new_id(&id, e);
	if (r)
		return r;
	r = store_exec(c, NULL,
		       "INSERT INTO log_streams (id, group_id, name, created) VALUES (?, ?, ?, ?) "
		       "ON CONFLICT (group_id, name) DO NOTHING",
		       "iiti", e, id, g.id, name, now_ms);
	if (r < 0)
		return r;
	if (store_changes(c) == 0)
		return err_set(e, SW_E_LOGS_ResourceAlreadyExists,
			       "The specified log stream already exists");
	return 0;
}

int logs_stream_get(struct store_conn *c, int64_t group_id, const char *name,
		    struct logs_stream *out, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st,
			   "SELECT " LOGS_STREAM_COLS " FROM log_streams WHERE group_id = ? AND "
			   "name = ?",
			   "it", e, group_id, name);

	if (r < 0)
		return r;
	if (r == 0)
		return logs__no_stream(e);
	logs__stream_row(st, out);
	return 0;
}

int logs_stream_delete(struct store_conn *c, const char *group, const char *name, struct err *e)
{
	struct logs_group g;
	struct logs_stream s;
	struct store_stmt *st;
	int64_t bytes = 0;
	int r = logs_group_get(c, group, &g, e);

	if (!r)
		r = logs_stream_get(c, g.id, name, &s, e);
	if (!r)
		r = store_exec(c, &st,
			       "SELECT COALESCE(SUM(bytes), 0) FROM log_events WHERE stream_id = ?",
			       "i", e, s.id);
	if (r == 1)
		bytes = store_col_int(st, 0);
	if (r >= 0)
		r = store_exec(c, NULL, "DELETE FROM log_events WHERE stream_id = ?", "i", e, s.id);
	if (r >= 0)
		r = store_exec(c, NULL, "DELETE FROM log_streams WHERE id = ?", "i", e, s.id);
	if (r >= 0)
		r = store_exec(c, NULL,
			       "UPDATE log_groups SET stored_bytes = stored_bytes - ? WHERE id = ?",
			       "ii", e, bytes, g.id);
	return r < 0 ? r : 0;
}

/* The four orders of DescribeLogStreams; each starts strictly after a position.  k is the last
 * event's timestamp, -1 for a stream without events. */
static const char *const logs__stream_sql[2][2] = {
	{
	    "SELECT " LOGS_STREAM_COLS " FROM log_streams WHERE group_id = ? AND name > ? AND "
	    "name >= ? ORDER BY name LIMIT ?",
	    "SELECT " LOGS_STREAM_COLS " FROM log_streams WHERE group_id = ? AND (? = '' OR name "
	    "< ?) ORDER BY name DESC LIMIT ?",
	},
	{
	    "SELECT " LOGS_STREAM_COLS " FROM log_streams WHERE group_id = ? AND "
	    "(COALESCE(last_event, -1) > ? OR (COALESCE(last_event, -1) = ? AND name > ?)) ORDER "
	    "BY COALESCE(last_event, -1), name LIMIT ?",
	    "SELECT " LOGS_STREAM_COLS " FROM log_streams WHERE group_id = ? AND "
	    "(COALESCE(last_event, -1) < ? OR (COALESCE(last_event, -1) = ? AND name < ?)) ORDER "
	    "BY COALESCE(last_event, -1) DESC, name DESC LIMIT ?",
	},
};

static int logs__streams_chunk(struct store_conn *c, const struct logs_stream_query *q,
			       const char *after, int64_t after_last, bool first,
			       struct store_stmt **st, struct err *e)
{
	const char *sql = logs__stream_sql[q->by_last_event][q->descending];
	int64_t n = LOGS_CHUNK;

	if (!q->by_last_event && !q->descending)
		return store_exec(c, st, sql, "itti", e, q->group_id, after,
				  q->prefix ? q->prefix : "", n);
	if (!q->by_last_event && first && !q->after_name && q->prefix) {
		/* above every name that starts with the prefix: U+10FFFF, the last code point */
		char hi[LOGS_NAME_MAX + 8];

		str_fmt(hi, sizeof(hi), "%s\xf4\x8f\xbf\xbf", q->prefix);
		return store_exec(c, st, sql, "itti", e, q->group_id, hi, hi, n);
	}
	if (!q->by_last_event)
		return store_exec(c, st, sql, "itti", e, q->group_id, after, after, n);
	if (first && !q->after_name)
		after_last = q->descending ? INT64_MAX : INT64_MIN;
	return store_exec(c, st, sql, "iiiti", e, q->group_id, after_last, after_last, after, n);
}

int logs_streams_list(struct store_conn *c, const struct logs_stream_query *q,
		      int (*fn)(void *arg, const struct logs_stream *s), void *arg, bool *more,
		      struct err *e)
{
	struct logs_stream s;
	char after[LOGS_NAME_MAX + 1];
	int64_t after_last = q->after_last;
	size_t taken = 0;
	bool first = true;

	*more = false;
	str_copy(after, sizeof(after), q->after_name ? q->after_name : "");
	for (;; first = false) {
		struct store_stmt *st;
		size_t rows = 0;
		int r = logs__streams_chunk(c, q, after, after_last, first, &st, e);

		for (; r == 1; r = store_step(st, e)) {
			rows++;
			logs__stream_row(st, &s);
			str_copy(after, sizeof(after), s.name);
			after_last = s.has_events ? s.last_event : -1;
			if (q->prefix && !str_starts(s.name, q->prefix)) {
				/* ascending: past the prefix's names; descending: not there yet */
				if (!q->descending || strcmp(s.name, q->prefix) < 0)
					return 0;
				continue;
			}
			if (taken == q->limit) {
				*more = true;
				return 0;
			}
			taken++;
			r = fn(arg, &s);
			if (r)
				return r;
		}
		if (r < 0)
			return r;
		if (rows < LOGS_CHUNK)
			return 0;
	}
}

/* ---- events ---- */

int logs_events_append(struct store_conn *c, struct logs_stream *s, const struct logs_event_in *ev,
		       size_t n, int64_t now_ms, struct err *e)
{
	int64_t bytes = 0;
	int r = 0;

	for (size_t i = 0; i < n && r >= 0; i++) {
		r = store_exec(c, NULL,
			       "INSERT INTO log_events (stream_id, seq, group_id, ts, ingested, "
			       "bytes, message) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       "iiiiiit", e, s->id, s->last_seq + 1, s->group_id, ev[i].ts, now_ms,
			       (int64_t)ev[i].len, ev[i].message);
		if (r < 0)
			break;
		s->last_seq++;
		bytes += (int64_t)ev[i].len;
		if (!s->has_events || ev[i].ts < s->first_event)
			s->first_event = ev[i].ts;
		if (!s->has_events || ev[i].ts > s->last_event)
			s->last_event = ev[i].ts;
		s->has_events = true;
		s->last_ingestion = now_ms;
	}
	if (r < 0 || n == 0)
		return r < 0 ? r : 0;
	r = store_exec(
	    c, NULL,
	    "UPDATE log_streams SET first_event = ?, last_event = ?, last_ingestion = ?, "
	    "last_seq = ? WHERE id = ?",
	    "iiiii", e, s->first_event, s->last_event, s->last_ingestion, s->last_seq, s->id);
	if (r >= 0)
		r = store_exec(c, NULL,
			       "UPDATE log_groups SET stored_bytes = stored_bytes + ? WHERE id = ?",
			       "ii", e, bytes, s->group_id);
	return r < 0 ? r : 0;
}

int logs_stream_events(struct store_conn *c, int64_t stream_id, int64_t start, int64_t end,
		       const struct logs_pos *from, bool forward, size_t limit,
		       int (*fn)(void *arg, const struct logs_event *ev), void *arg, struct err *e)
{
	struct logs_pos p = { INT64_MIN, INT64_MIN };
	struct store_stmt *st;
	int r;

	if (from)
		p = *from;
	else if (!forward)
		p = (struct logs_pos){ INT64_MAX, INT64_MAX };
	r = store_exec(c, &st,
		       forward
			   ? "SELECT ts, ingested, seq, message FROM log_events WHERE stream_id "
			     "= ? AND ts >= ? AND ts < ? AND (ts > ? OR (ts = ? AND seq > ?)) "
			     "ORDER BY ts, seq LIMIT ?"
			   : "SELECT ts, ingested, seq, message FROM log_events WHERE stream_id "
			     "= ? AND ts >= ? AND ts < ? AND (ts < ? OR (ts = ? AND seq < ?)) "
			     "ORDER BY ts DESC, seq DESC LIMIT ?",
		       "iiiiiii", e, stream_id, start, end, p.ts, p.ts, p.seq, (int64_t)limit);
	for (; r == 1; r = store_step(st, e)) {
		struct logs_event ev = {
			.ts = store_col_int(st, 0),
			.ingested = store_col_int(st, 1),
			.stream_id = stream_id,
			.seq = store_col_int(st, 2),
			.message = store_col_text(st, 3),
		};

		r = fn(arg, &ev);
		if (r)
			return r;
	}
	return r < 0 ? r : 0;
}

int logs_group_events(struct store_conn *c, int64_t group_id, int64_t start, int64_t end,
		      const struct logs_gpos *after, const char *prefix, size_t limit,
		      int (*fn)(void *arg, const struct logs_event *ev), void *arg,
		      struct logs_gpos *last, size_t *nread, struct err *e)
{
	struct logs_gpos p = { INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN };
	struct store_stmt *st;
	int r;

	*nread = 0;
	if (after)
		p = *after;
	r = store_exec(
	    c, &st,
	    "SELECT e.ts, e.ingested, e.stream_id, e.seq, e.message, s.name FROM "
	    "log_events e JOIN log_streams s ON s.id = e.stream_id WHERE e.group_id = ? "
	    "AND e.ts >= ? AND e.ts <= ? AND (e.ts, e.ingested, e.stream_id, e.seq) > (?, "
	    "?, ?, ?) ORDER BY e.ts, e.ingested, e.stream_id, e.seq LIMIT ?",
	    "iiiiiiii", e, group_id, start, end, p.ts, p.ingested, p.stream_id, p.seq,
	    (int64_t)limit);
	for (; r == 1; r = store_step(st, e)) {
		struct logs_event ev = {
			.ts = store_col_int(st, 0),
			.ingested = store_col_int(st, 1),
			.stream_id = store_col_int(st, 2),
			.seq = store_col_int(st, 3),
			.message = store_col_text(st, 4),
			.stream = store_col_text(st, 5),
		};

		(*nread)++;
		*last = (struct logs_gpos){ ev.ts, ev.ingested, ev.stream_id, ev.seq };
		if (prefix && !str_starts(ev.stream, prefix))
			continue;
		r = fn(arg, &ev);
		if (r)
			return r;
	}
	return r < 0 ? r : 0;
}

int64_t logs_expire(struct store_conn *c, int64_t now_ms, struct err *e)
{
	int64_t after = 0, removed = 0;

	for (;;) {
		struct store_stmt *st;
		int64_t id, cutoff, bytes = 0, n;
		int r = store_exec(c, &st,
				   "SELECT id, retention_days FROM log_groups WHERE retention_days "
				   "IS NOT NULL AND id > ? ORDER BY id LIMIT 1",
				   "i", e, after);

		if (r <= 0)
			return r < 0 ? r : removed;
		id = after = store_col_int(st, 0);
		cutoff = now_ms - store_col_int(st, 1) * LOGS_DAY_MS;
		r = store_exec(
		    c, &st,
		    "SELECT COALESCE(SUM(bytes), 0) FROM log_events WHERE group_id = ? AND "
		    "ts < ?",
		    "ii", e, id, cutoff);
		if (r == 1)
			bytes = store_col_int(st, 0);
		if (r >= 0 && bytes)
			r = store_exec(c, NULL,
				       "DELETE FROM log_events WHERE group_id = ? AND ts < ?", "ii",
				       e, id, cutoff);
		if (r < 0)
			return r;
		if (!bytes)
			continue;
		n = store_changes(c);
		removed += n;
		r = store_exec(c, NULL,
			       "UPDATE log_groups SET stored_bytes = stored_bytes - ? WHERE id = ?",
			       "ii", e, bytes, id);
		if (r < 0)
			return r;
	}
}

int logs_append(struct store_conn *c, const char *group, const char *stream, int64_t ts_ms,
		const char *msg, struct err *e)
{
	struct logs_event_in ev = { .ts = ts_ms, .message = msg, .len = strlen(msg) };
	int64_t now_ms = time_now_ms();
	struct logs_group g;
	struct logs_stream s;
	int r;

	if (!*group || strlen(group) > LOGS_NAME_MAX || !*stream ||
	    strlen(stream) > LOGS_NAME_MAX || !*msg)
		return err_set(e, SW_E_LOGS_InvalidParameter,
			       "a log group and stream need 1 to %d characters and an event a "
			       "message",
			       LOGS_NAME_MAX);
	r = logs_group_get(c, group, &g, e);
	if (r == -SW_E_LOGS_ResourceNotFound) {
		r = logs_group_create(c, group, LOGS_CLASS_STANDARD, now_ms, e);
		if (!r)
			r = logs_group_get(c, group, &g, e);
	}
	if (!r)
		r = logs_stream_get(c, g.id, stream, &s, e);
	if (r == -SW_E_LOGS_ResourceNotFound) {
		r = logs_stream_create(c, group, stream, now_ms, e);
		if (!r)
			r = logs_stream_get(c, g.id, stream, &s, e);
	}
	if (!r)
		r = logs_events_append(c, &s, &ev, 1, now_ms, e);
	return r;
}
