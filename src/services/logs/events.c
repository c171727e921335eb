/* logs/events: PutLogEvents, GetLogEvents, FilterLogEvents (reference §4.4–4.6). */
#include "common.h"
#include "model/logfilter.h"
#include "store/store.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define LOGS_PUT_EVENTS_MAX  10000
#define LOGS_PUT_BYTES_MAX   1048576 /* Σ (UTF-8 message bytes + 26) */
#define LOGS_EVENT_OVERHEAD  26
#define LOGS_TOO_NEW_MS	     (2 * 3600 * 1000LL)
#define LOGS_TOO_OLD_MS	     (14 * LOGS_DAY_MS)
#define LOGS_SPAN_MS	     LOGS_DAY_MS
#define LOGS_GET_EVENTS_MAX  10000
#define LOGS_REPLY_BYTES_MAX 1048576 /* what one Get/Filter reply carries at most */
#define LOGS_FILTER_CHUNK    1000    /* rows per query of FilterLogEvents */
#define LOGS_FILTER_SCAN_MAX 50000   /* rows one FilterLogEvents call looks at */
#define LOGS_GET_TOKEN_LEN   60	     /* f/ + 56 digits + /s */
#define LOGS_ID_MOD	     ((int64_t)1000000000000000000) /* 10^18: a stream id's share of a token */

/* ---- PutLogEvents ---- */

struct logs_put {
	char group[LOGS_NAME_MAX + 1];
	const char *stream;
	struct logs_event_in *ev;
	size_t n;
	/* results (reset by each run of the transaction) */
	int64_t too_new_start, too_old_end, expired_end; /* -1: none */
	int64_t next_seq;
};

static int logs__put(struct store_conn *sc, void *arg, struct err *e)
{
	struct logs_put *p = arg;
	int64_t now = time_now_ms(), cutoff, first = 0, last = 0;
	struct logs_group g;
	struct logs_stream s;
	size_t from = 0, to = 0;
	int r = logs_group_get(sc, p->group, &g, e);

	if (!r)
		r = logs_stream_get(sc, g.id, p->stream, &s, e);
	if (r)
		return r;
	cutoff = logs_group_cutoff(&g, now);
	p->too_new_start = p->too_old_end = p->expired_end = -1;
	/* the events are in chronological order: too old and expired ones lead, too new trail */
	for (size_t i = 0; i < p->n; i++) {
		int64_t ts = p->ev[i].ts;

		if (ts > now + LOGS_TOO_NEW_MS) {
			if (p->too_new_start < 0)
				p->too_new_start = (int64_t)i;
		} else if (ts < now - LOGS_TOO_OLD_MS) {
			p->too_old_end = (int64_t)i + 1;
		} else if (ts < cutoff) {
			p->expired_end = (int64_t)i + 1;
		} else {
			if (to == 0)
				from = i, first = ts;
			to = i + 1;
			last = ts;
		}
	}
	if (to && last - first > LOGS_SPAN_MS)
		return err_set(
		    e, SW_E_LOGS_InvalidParameter,
		    "The batch of log events in a single PutLogEvents request cannot span "
		    "more than 24 hours.");
	if (to)
		r = logs_events_append(sc, &s, p->ev + from, to - from, now, e);
	p->next_seq = s.last_seq + 1;
	return r;
}

static int logs__put_events(const json_t *list, struct logs_put *p, struct err *e)
{
	size_t i, bytes = 0;
	json_t *v;

	if (!list || json_array_size(list) == 0)
		return logs_invalid(e, "logEvents", NULL,
				    "Member must have length greater than or equal to 1");
	if (json_array_size(list) > LOGS_PUT_EVENTS_MAX)
		return logs_invalid(e, "logEvents", "[...]",
				    "Member must have length less than or equal to 10000");
	p->ev = calloc(json_array_size(list), sizeof(*p->ev));
	if (!p->ev)
		return err_set(e, SW_E_NOMEM, NULL);
	json_array_foreach(list, i, v)
	{
		struct logs_event_in *ev = &p->ev[i];
		json_t *msg = json_object_get(v, "message");
		int r = json_is_object(v) ? json_opt_int(v, "timestamp", &ev->ts, e) : 0;

		if (r)
			return r;
		if (!json_is_object(v) || !json_is_integer(json_object_get(v, "timestamp")) ||
		    !json_is_string(msg))
			return err_set(e, SW_E_LOGS_InvalidParameter,
				       "logEvents[%zu] needs a timestamp and a message", i);
		ev->message = json_string_value(msg);
		ev->len = json_string_length(msg);
		if (ev->len == 0)
			return err_set(e, SW_E_LOGS_InvalidParameter,
				       "logEvents[%zu].message must have length greater than or "
				       "equal to 1",
				       i);
		if (strlen(ev->message) != ev->len)
			return err_set(e, SW_E_LOGS_InvalidParameter,
				       "logEvents[%zu].message may not contain NUL characters", i);
		if (i && ev->ts < p->ev[i - 1].ts)
			return err_set(e, SW_E_LOGS_InvalidParameter,
				       "Log events in a single PutLogEvents request must be in "
				       "chronological order.");
		bytes += ev->len + LOGS_EVENT_OVERHEAD;
		if (bytes > LOGS_PUT_BYTES_MAX)
			return err_set(e, SW_E_LOGS_InvalidParameter,
				       "Upload too large: the log events exceed %d bytes (each "
				       "event counts its message's bytes and 26)",
				       LOGS_PUT_BYTES_MAX);
	}
	p->n = json_array_size(list);
	return 0;
}

static int PutLogEvents(struct call *c)
{
	struct logs_put p = { 0 };
	json_t *list = NULL, *rejected;
	const char *token = NULL, *group;
	char next[64];
	int r = logs_group_name(c->in, "logGroupName", &group, c->err);

	if (!r)
		r = logs_stream_name(c->in, "logStreamName", &p.stream, c->err);
	if (!r)
		r = json_opt_str(c->in, "sequenceToken", &token, c->err); /* ignored, as AWS does */
	if (!r)
		r = json_opt_arr(c->in, "logEvents", &list, c->err);
	if (!r) {
		str_copy(p.group, sizeof(p.group), group);
		r = logs__put_events(list, &p, c->err);
	}
	if (!r)
		r = store_write(c->env->store, logs__put, &p, c->err);
	free(p.ev);
	if (r)
		return r;
	str_fmt(next, sizeof(next), "%056" PRId64, p.next_seq);
	c->out = json_pack("{s:s}", "nextSequenceToken", next);
	if (p.too_new_start < 0 && p.too_old_end < 0 && p.expired_end < 0)
		return 0;
	rejected = json_object();
	if (p.too_new_start >= 0)
		json_object_set_new(rejected, "tooNewLogEventStartIndex",
				    json_integer(p.too_new_start));
	if (p.too_old_end >= 0)
		json_object_set_new(rejected, "tooOldLogEventEndIndex",
				    json_integer(p.too_old_end));
	if (p.expired_end >= 0)
		json_object_set_new(rejected, "expiredLogEventEndIndex",
				    json_integer(p.expired_end));
	json_object_set_new(c->out, "rejectedLogEventsInfo", rejected);
	return 0;
}

/* ---- GetLogEvents ---- */

/* A token of GetLogEvents: f/ (events after pos) or b/ (events before pos), 56 digits — the
 * timestamp, the sequence number and the stream's id mod 10^18 — and /s. */
static void logs__get_token(char dir, const struct logs_pos *pos, int64_t stream_id,
			    char out[LOGS_GET_TOKEN_LEN + 1])
{
	str_fmt(out, LOGS_GET_TOKEN_LEN + 1, "%c/%019" PRId64 "%019" PRId64 "%018" PRId64 "/s", dir,
		pos->ts, pos->seq, stream_id % LOGS_ID_MOD);
}

static int logs__get_token_parse(const char *t, int64_t stream_id, char *dir, struct logs_pos *pos,
				 struct err *e)
{
	char part[20];
	int64_t id;

	if (strlen(t) != LOGS_GET_TOKEN_LEN || (t[0] != 'f' && t[0] != 'b') || t[1] != '/' ||
	    strcmp(t + 58, "/s") != 0)
		return logs_bad_token(e);
	for (int i = 2; i < 58; i++) {
		if (t[i] < '0' || t[i] > '9')
			return logs_bad_token(e);
	}
	str_copyn(part, sizeof(part), t + 2, 19);
	str_to_i64(part, 0, INT64_MAX, &pos->ts);
	str_copyn(part, sizeof(part), t + 21, 19);
	str_to_i64(part, 0, INT64_MAX, &pos->seq);
	str_copyn(part, sizeof(part), t + 40, 18);
	str_to_i64(part, 0, INT64_MAX, &id);
	if (id != stream_id % LOGS_ID_MOD || pos->ts < 0 || pos->seq < 0)
		return logs_bad_token(e);
	*dir = t[0];
	return 0;
}

struct logs_get {
	char group[LOGS_NAME_MAX + 1];
	const char *stream;
	const char *token;
	int64_t start, end, limit;
	bool from_head;
	/* results */
	json_t *events; /* in the order read */
	size_t bytes;
	struct logs_pos first, last; /* of the rows read */
	char forward[LOGS_GET_TOKEN_LEN + 1], backward[LOGS_GET_TOKEN_LEN + 1];
};

static int logs__get_one(void *arg, const struct logs_event *ev)
{
	struct logs_get *g = arg;
	size_t n = strlen(ev->message) + LOGS_EVENT_OVERHEAD;

	if (json_array_size(g->events) && g->bytes + n > LOGS_REPLY_BYTES_MAX)
		return 1;
	g->bytes += n;
	if (!json_array_size(g->events))
		g->first = (struct logs_pos){ ev->ts, ev->seq };
	g->last = (struct logs_pos){ ev->ts, ev->seq };
	json_array_append_new(g->events,
			      json_pack("{s:I,s:s,s:I}", "timestamp", (json_int_t)ev->ts, "message",
					ev->message, "ingestionTime", (json_int_t)ev->ingested));
	return 0;
}

static int logs__get(struct store_conn *sc, void *arg, struct err *e)
{
	struct logs_get *g = arg;
	struct logs_pos pos = { 0, 0 }, lo, hi;
	struct logs_group grp;
	struct logs_stream s;
	int64_t start;
	bool forward;
	char dir = 0;
	int r = logs_group_get(sc, g->group, &grp, e);

	if (!r)
		r = logs_stream_get(sc, grp.id, g->stream, &s, e);
	if (!r && g->token)
		r = logs__get_token_parse(g->token, s.id, &dir, &pos, e);
	if (r)
		return r;
	json_array_clear(g->events);
	g->bytes = 0;
	start = logs_group_cutoff(&grp, time_now_ms());
	if (start < g->start)
		start = g->start;
	forward = dir ? dir == 'f' : g->from_head;
	r = logs_stream_events(sc, s.id, start, g->end, dir ? &pos : NULL, forward,
			       (size_t)g->limit, logs__get_one, g, e);
	if (r < 0)
		return r;
	if (json_array_size(g->events)) {
		/* backward reads come newest first: the reply is ascending */
		if (!forward) {
			size_t n = json_array_size(g->events);
			json_t *asc = json_array();

			for (size_t i = n; i > 0; i--)
				json_array_append(asc, json_array_get(g->events, i - 1));
			json_array_clear(g->events);
			json_array_extend(g->events, asc);
			json_decref(asc);
		}
		lo = forward ? g->first : g->last;
		hi = forward ? g->last : g->first;
		logs__get_token('f', &hi, s.id, g->forward);
		logs__get_token('b', &lo, s.id, g->backward);
		return 0;
	}
	/* Nothing there: the direction read gives back the caller's own token (the end of the
	 * data), the other one starts where this one stands. */
	if (!dir) {
		logs__get_token('f', &pos, s.id, g->forward);
		logs__get_token('b', &pos, s.id, g->backward);
	} else if (dir == 'f') {
		str_copy(g->forward, sizeof(g->forward), g->token);
		pos.seq++;
		logs__get_token('b', &pos, s.id, g->backward);
	} else {
		str_copy(g->backward, sizeof(g->backward), g->token);
		if (pos.seq > 0)
			pos.seq--;
		else if (pos.ts > 0)
			pos = (struct logs_pos){ pos.ts - 1, INT64_MAX };
		logs__get_token('f', &pos, s.id, g->forward);
	}
	return 0;
}

static int GetLogEvents(struct call *c)
{
	struct logs_get g = { .start = INT64_MIN, .end = INT64_MAX, .limit = LOGS_GET_EVENTS_MAX };
	int r = logs_group_ref(c->in, g.group, c->err);

	if (!r)
		r = logs_stream_name(c->in, "logStreamName", &g.stream, c->err);
	if (!r)
		r = json_opt_int(c->in, "startTime", &g.start, c->err);
	if (!r)
		r = json_opt_int(c->in, "endTime", &g.end, c->err);
	if (!r)
		r = logs_opt_range(c->in, "limit", 1, LOGS_GET_EVENTS_MAX, &g.limit, c->err);
	if (!r)
		r = json_opt_bool(c->in, "startFromHead", &g.from_head, c->err);
	if (!r)
		r = json_opt_str(c->in, "nextToken", &g.token, c->err);
	if (r)
		return r;
	g.events = json_array();
	r = store_read(c->env->store, logs__get, &g, c->err);
	if (r) {
		json_decref(g.events);
		return r;
	}
	c->out = json_pack("{s:o,s:s,s:s}", "events", g.events, "nextForwardToken", g.forward,
			   "nextBackwardToken", g.backward);
	return 0;
}

/* ---- FilterLogEvents ---- */

struct logs_filter {
	char group[LOGS_NAME_MAX + 1];
	const json_t *names; /* logStreamNames, or NULL */
	const char *prefix;
	struct logfilter *pattern;
	int64_t start, end, limit;
	bool has_after;
	struct logs_gpos after;
	/* results */
	json_t *events;
	size_t bytes;
	struct logs_gpos last;
	bool more;
};

static bool logs__stream_named(const json_t *names, const char *stream)
{
	size_t i;
	json_t *n;

	json_array_foreach(names, i, n)
	{
		if (strcmp(json_string_value(n), stream) == 0)
			return true;
	}
	return false;
}

static int logs__filter_one(void *arg, const struct logs_event *ev)
{
	struct logs_filter *f = arg;
	size_t len = strlen(ev->message);
	char id[64];

	if (f->names && !logs__stream_named(f->names, ev->stream))
		return 0;
	if (!logfilter_match(f->pattern, ev->message, len))
		return 0;
	/* a match that does not fit (the limit, the reply's size) starts the next page: the
	 * reply has a nextToken exactly when one more event is there */
	if ((int64_t)json_array_size(f->events) >= f->limit ||
	    (json_array_size(f->events) &&
	     f->bytes + len + LOGS_EVENT_OVERHEAD > LOGS_REPLY_BYTES_MAX))
		return 1;
	f->bytes += len + LOGS_EVENT_OVERHEAD;
	str_fmt(id, sizeof(id), "%019" PRId64 "%018" PRId64 "%019" PRId64, ev->ts,
		ev->stream_id % LOGS_ID_MOD, ev->seq);
	json_array_append_new(f->events,
			      json_pack("{s:s,s:I,s:s,s:I,s:s}", "logStreamName", ev->stream,
					"timestamp", (json_int_t)ev->ts, "message", ev->message,
					"ingestionTime", (json_int_t)ev->ingested, "eventId", id));
	f->last = (struct logs_gpos){ ev->ts, ev->ingested, ev->stream_id, ev->seq };
	return 0;
}

static int logs__filter(struct store_conn *sc, void *arg, struct err *e)
{
	struct logs_filter *f = arg;
	struct logs_gpos pos = f->after, read;
	struct logs_group g;
	int64_t start;
	size_t scanned = 0;
	int r = logs_group_get(sc, f->group, &g, e);

	if (r)
		return r;
	json_array_clear(f->events);
	f->bytes = 0;
	f->more = false;
	start = logs_group_cutoff(&g, time_now_ms());
	if (start < f->start)
		start = f->start;
	for (;;) {
		size_t n;

		r = logs_group_events(sc, g.id, start, f->end,
				      f->has_after || scanned ? &pos : NULL, f->prefix,
				      LOGS_FILTER_CHUNK, logs__filter_one, f, &read, &n, e);
		if (r < 0)
			return r;
		if (r) { /* the page is full (limit or size): the rest is for the next page */
			f->more = true;
			return 0;
		}
		if (n < LOGS_FILTER_CHUNK) /* the end of the data */
			return 0;
		scanned += n;
		pos = read;
		f->last = read;
		if (scanned >= LOGS_FILTER_SCAN_MAX) {
			f->more = true; /* a partial page, as AWS sends while it searches */
			return 0;
		}
	}
}

/* FilterLogEvents' nextToken: the position of the last event looked at, four numbers. */
static void logs__filter_token(const struct logs_gpos *p, char *out, size_t size)
{
	str_fmt(out, size, "%020" PRId64 "%020" PRId64 "%020" PRId64 "%020" PRId64, p->ts,
		p->ingested, p->stream_id, p->seq);
}

static int logs__filter_token_parse(const char *t, struct logs_gpos *p, struct err *e)
{
	int64_t v[4];
	char part[21];

	if (strlen(t) != 80)
		return logs_bad_token(e);
	for (int i = 0; i < 4; i++) {
		str_copyn(part, sizeof(part), t + 20 * i, 20);
		if (part[0] == '+' || part[0] == ' ' ||
		    str_to_i64(part, INT64_MIN, INT64_MAX, &v[i]))
			return logs_bad_token(e);
	}
	*p = (struct logs_gpos){ v[0], v[1], v[2], v[3] };
	return 0;
}

static int logs__filter_args(struct call *c, struct logs_filter *f, const char **pattern,
			     const char **next)
{
	json_t *names = NULL;
	size_t i;
	json_t *n;
	int r = logs_group_ref(c->in, f->group, c->err);

	if (!r)
		r = json_opt_arr(c->in, "logStreamNames", &names, c->err);
	if (!r)
		r = json_opt_str(c->in, "logStreamNamePrefix", &f->prefix, c->err);
	if (!r)
		r = json_opt_int(c->in, "startTime", &f->start, c->err);
	if (!r)
		r = json_opt_int(c->in, "endTime", &f->end, c->err);
	if (!r)
		r = logs_opt_range(c->in, "limit", 1, LOGS_GET_EVENTS_MAX, &f->limit, c->err);
	if (!r)
		r = json_opt_str(c->in, "filterPattern", pattern, c->err);
	if (!r)
		r = json_opt_str(c->in, "nextToken", next, c->err);
	if (r)
		return r;
	if (names && f->prefix)
		return err_set(c->err, SW_E_LOGS_InvalidParameter,
			       "Cannot specify both logStreamNames and logStreamNamePrefix");
	if (names && (json_array_size(names) < 1 || json_array_size(names) > 100))
		return logs_invalid(c->err, "logStreamNames", "[...]",
				    "Member must have length between 1 and 100");
	json_array_foreach(names, i, n)
	{
		if (!json_is_string(n))
			return err_set(c->err, SW_E_Serialization,
				       "logStreamNames[%zu] must be a string", i);
	}
	f->names = names;
	return 0;
}

static int FilterLogEvents(struct call *c)
{
	struct logs_filter f = { .start = INT64_MIN,
				 .end = INT64_MAX,
				 .limit = LOGS_GET_EVENTS_MAX };
	const char *pattern = NULL, *next = NULL;
	char token[96];
	int r = logs__filter_args(c, &f, &pattern, &next);

	if (!r && next) {
		r = logs__filter_token_parse(next, &f.after, c->err);
		f.has_after = true;
	}
	if (!r)
		r = logfilter_compile(pattern, &f.pattern, c->err);
	if (r)
		return r;
	f.events = json_array();
	r = store_read(c->env->store, logs__filter, &f, c->err);
	logfilter_free(f.pattern);
	if (r) {
		json_decref(f.events);
		return r;
	}
	c->out = json_pack("{s:o,s:[]}", "events", f.events, "searchedLogStreams");
	if (f.more) {
		logs__filter_token(&f.last, token, sizeof(token));
		json_set_str(c->out, "nextToken", token);
	}
	return 0;
}

const struct json_op logs_event_ops[] = {
	{ "PutLogEvents", PutLogEvents, 0 },
	{ "GetLogEvents", GetLogEvents, 0 },
	{ "FilterLogEvents", FilterLogEvents, 0 },
	{ NULL, NULL, 0 },
};
