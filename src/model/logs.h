/* model/logs: CloudWatch Logs in the store — log groups, their streams and the streams' events
 * (migration 0009).  What the Logs API (services/logs/) and the daemon's own logging
 * (logs_append) call.
 *
 * Events are appended and read in pages: every read is a query bounded by a LIMIT and hands its
 * rows to a callback, so nothing holds a stream or a group whole.  Every function runs in the
 * caller's transaction (store_read / store_write); the callers validate AWS's limits, this layer
 * stores and reads.  Names are not checked here beyond what SQL needs. */
#ifndef SW_MODEL_LOGS_H
#define SW_MODEL_LOGS_H

#include "model/logs_errors.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

#define LOGS_NAME_MAX	    512 /* group and stream names */
#define LOGS_DAY_MS	    86400000LL
#define LOGS_CLASS_STANDARD "STANDARD"

struct logs_group {
	int64_t id;
	char name[LOGS_NAME_MAX + 1];
	int64_t created;
	int retention_days; /* 0: never expire */
	char cls[24];
	int64_t stored_bytes;
};

/* The oldest timestamp g still shows at now_ms: INT64_MIN when it keeps everything. */
int64_t logs_group_cutoff(const struct logs_group *g, int64_t now_ms);

/* Creates group name of class cls: -SW_E_LOGS_ResourceAlreadyExists when it exists. */
int logs_group_create(struct store_conn *c, const char *name, const char *cls, int64_t now_ms,
		      struct err *e);
/* Reads group name into out: -SW_E_LOGS_ResourceNotFound ("The specified log group does not
 * exist.") when there is none. */
int logs_group_get(struct store_conn *c, const char *name, struct logs_group *out, struct err *e);
/* Deletes group name with its streams and events: -SW_E_LOGS_ResourceNotFound when missing. */
int logs_group_delete(struct store_conn *c, const char *name, struct err *e);
/* Sets (days > 0) or removes (days 0) the retention of group name. */
int logs_group_retention(struct store_conn *c, const char *name, int days, struct err *e);

/* Which groups a page lists: names > after (NULL: from the first), starting with prefix and/or
 * containing pattern (case-sensitive; NULL: any), ascending in byte order. */
struct logs_group_query {
	const char *after;
	const char *prefix;
	const char *pattern;
	const char *cls; /* NULL: any class */
	size_t limit;	 /* the page's size (>= 1) */
};
/* Calls fn for up to q->limit groups; *more says whether another matching group follows.  fn's
 * non-zero return stops the walk and is returned. */
int logs_groups_list(struct store_conn *c, const struct logs_group_query *q,
		     int (*fn)(void *arg, const struct logs_group *g), void *arg, bool *more,
		     struct err *e);

struct logs_stream {
	int64_t id;
	int64_t group_id;
	char name[LOGS_NAME_MAX + 1];
	int64_t created;
	bool has_events; /* first/last_event and last_ingestion are set */
	int64_t first_event, last_event, last_ingestion;
	int64_t last_seq;
};

/* Creates stream name in group: -SW_E_LOGS_ResourceNotFound (no group) or
 * -SW_E_LOGS_ResourceAlreadyExists. */
int logs_stream_create(struct store_conn *c, const char *group, const char *name, int64_t now_ms,
		       struct err *e);
/* Reads a stream: -SW_E_LOGS_ResourceNotFound ("The specified log stream does not exist."). */
int logs_stream_get(struct store_conn *c, int64_t group_id, const char *name,
		    struct logs_stream *out, struct err *e);
/* Deletes a stream and its events (its bytes leave the group's storedBytes). */
int logs_stream_delete(struct store_conn *c, const char *group, const char *name, struct err *e);

/* Which streams of a group a page lists.  by_last_event orders by (last event timestamp, name),
 * a stream without events first; else by name.  The page starts after the position
 * (after_last, after_name) in that order (after_name NULL: from the start). */
struct logs_stream_query {
	int64_t group_id;
	const char *prefix; /* NULL: any */
	bool by_last_event;
	bool descending;
	const char *after_name;
	int64_t after_last; /* by_last_event: the last event of after_name's stream, -1 if none */
	size_t limit;
};
int logs_streams_list(struct store_conn *c, const struct logs_stream_query *q,
		      int (*fn)(void *arg, const struct logs_stream *s), void *arg, bool *more,
		      struct err *e);

/* One event to append: message is NUL-terminated, len its UTF-8 length. */
struct logs_event_in {
	int64_t ts;
	const char *message;
	size_t len;
};
/* Appends n events to stream s (read by logs_stream_get in the same transaction), updating its
 * timestamps and the group's storedBytes; s->last_seq becomes the last event's seq. */
int logs_events_append(struct store_conn *c, struct logs_stream *s, const struct logs_event_in *ev,
		       size_t n, int64_t now_ms, struct err *e);

/* An event read back.  Strings are valid during the callback only. */
struct logs_event {
	int64_t ts, ingested, stream_id, seq;
	const char *message;
	const char *stream; /* the stream's name (group reads only; NULL otherwise) */
};

/* A place in a stream: events are ordered by (ts, seq). */
struct logs_pos {
	int64_t ts, seq;
};

/* The events of a stream with start <= ts < end, ordered by (ts, seq): forward, those after
 * `from` ascending; backward, those before `from` descending (from NULL: from the start or the
 * end).  At most limit rows; fn's non-zero return stops the walk and is returned. */
int logs_stream_events(struct store_conn *c, int64_t stream_id, int64_t start, int64_t end,
		       const struct logs_pos *from, bool forward, size_t limit,
		       int (*fn)(void *arg, const struct logs_event *ev), void *arg, struct err *e);

/* A place in a group: events are ordered by (ts, ingested, stream_id, seq). */
struct logs_gpos {
	int64_t ts, ingested, stream_id, seq;
};
/* The events of a group with start <= ts <= end, after `after` (NULL: from the start),
 * ascending, of streams whose name starts with prefix (NULL: every stream); at most limit rows.
 * *nread is the number of rows read and *last the position of the last one (whether fn took it
 * or not).  Returns 0 or an error; fn's non-zero return stops the walk and is returned. */
int logs_group_events(struct store_conn *c, int64_t group_id, int64_t start, int64_t end,
		      const struct logs_gpos *after, const char *prefix, size_t limit,
		      int (*fn)(void *arg, const struct logs_event *ev), void *arg,
		      struct logs_gpos *last, size_t *nread, struct err *e);

/* Deletes the events that have outlived their group's retention at now_ms; returns how many
 * (>= 0) or an error.  Called now and then by the daemon, and by PutRetentionPolicy. */
int64_t logs_expire(struct store_conn *c, int64_t now_ms, struct err *e);

/* The daemon's own logging: appends one event (msg, NUL-terminated, non-empty) at ts_ms to
 * stream in group, creating either on demand (group of class STANDARD, no retention).  Runs in
 * the caller's write transaction (store_write); no AWS limit is checked but the group and
 * stream names' lengths. */
int logs_append(struct store_conn *c, const char *group, const char *stream, int64_t ts_ms,
		const char *msg, struct err *e);

#endif
