/* alarms: CloudWatch alarms in the store — what the deployment engine asks of them (and the
 * evaluator, engine/alarm_eval.c, and the monitoring API, services/monitoring/alarms.c,
 * maintain). */
#ifndef SW_MODEL_ALARMS_H
#define SW_MODEL_ALARMS_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

#define ALARM_NAME_MAX 255

enum alarm_state {
	ALARM_STATE_NONE = 0, /* no such alarm */
	ALARM_STATE_OK,
	ALARM_STATE_ALARM,
	ALARM_STATE_INSUFFICIENT_DATA,
};

/* "OK", "ALARM", "INSUFFICIENT_DATA" (NULL for NONE), and back (NONE for anything else). */
const char *alarm_state_name(enum alarm_state s);
enum alarm_state alarm_state_parse(const char *s);

/* The current state of the alarm (metric or composite) called name; ALARM_STATE_NONE when
 * there is none.  Returns 0 or a store error. */
int alarm_state_get(struct store_conn *c, const char *name, enum alarm_state *out, struct err *e);

/* One alarm as stored.  Strings are owned (alarm_row_release). */
struct alarm_row {
	char *name, *arn, *type; /* type: "MetricAlarm" or "CompositeAlarm" */
	json_t *doc;		 /* the configuration as DescribeAlarms echoes it */
	bool actions_enabled;
	char *state, *reason, *reason_data; /* reason_data may be NULL */
	int64_t state_updated, state_transitioned, config_updated, due;
};
void alarm_row_release(struct alarm_row *a);

/* The alarm called name into out: 1, 0 when there is none, or a store error. */
int alarm_get(struct store_conn *c, const char *name, struct alarm_row *out, struct err *e);
/* Every alarm, by name, each passed to fn (borrowed for the call); fn's non-zero return stops
 * the walk and is returned. */
int alarms_each(struct store_conn *c, int (*fn)(void *arg, const struct alarm_row *a), void *arg,
		struct err *e);
/* Creates or replaces a's configuration (name, arn, type, doc, actions_enabled,
 * config_updated, due); a new alarm takes a's state fields, an existing one keeps its own.
 * watch: [[ns, metric], …] that make it due; children: the names its rule reads (composites).
 * Returns 1 when it created the alarm, 0 when it replaced one. */
int alarm_put(struct store_conn *c, const struct alarm_row *a, const json_t *watch,
	      const json_t *children, struct err *e);
/* Deletes the alarm (its watch and refs go with it; history stays). 1 deleted, 0 none. */
int alarm_delete(struct store_conn *c, const char *name, struct err *e);
/* The composite alarms whose rules name name, into parents (a JSON array of names). */
int alarm_parents(struct store_conn *c, const char *name, json_t *parents, struct err *e);
/* The names a composite's rule reads, into children. */
int alarm_children(struct store_conn *c, const char *name, json_t *children, struct err *e);
/* Records a state update at now: 1 when the value changed (state_transitioned moves too), 0
 * when it did not, or an error.  The parents of an alarm whose value changed are made due. */
int alarm_set_state(struct store_conn *c, const char *name, const char *state, const char *reason,
		    const char *reason_data, int64_t now, struct err *e);
int alarm_set_actions(struct store_conn *c, const char *name, bool enabled, struct err *e);
/* The next evaluation of the alarm is due at `due`. */
int alarm_set_due(struct store_conn *c, const char *name, int64_t due, struct err *e);
/* The names of the alarms due at now into names: metric alarms first, then composites. */
int alarms_due(struct store_conn *c, int64_t now, json_t *names, struct err *e);
/* The earliest due time of any alarm (INT64_MAX when there are none). */
int alarms_next_due(struct store_conn *c, int64_t *out, struct err *e);

/* An entry of DescribeAlarmHistory. */
int alarm_history_add(struct store_conn *c, const char *alarm, const char *type, int64_t ts,
		      const char *item_type, const char *summary, const char *data, struct err *e);
/*
 * A state update of alarm a at now, as CloudWatch records it: the state fields (alarm_set_state)
 * and, when the value changes, a StateUpdate history item (HistoryData with the old and new
 * state) and, when actions are enabled, an Action item for each action of the new state —
 * which says it failed, as Slipway delivers no alarm actions.  Returns 1 when the value
 * changed, 0 when it did not, or an error.
 */
int alarm_transition(struct store_conn *c, const struct alarm_row *a, const char *state,
		     const char *reason, const char *reason_data, int64_t now, struct err *e);

/* History items into out (a JSON array of DescribeAlarmHistory's AlarmHistoryItem), newest
 * first unless asc: of alarm (NULL: all), item_type and types ("MetricAlarm",
 * "CompositeAlarm"; NULL: both) when given, with ts in [start, end), after the item numbered
 * *after (0: from the start), at most limit; *after becomes the last item's number, or 0 when
 * there are no more. */
int alarm_history_list(struct store_conn *c, const char *alarm, const char *item_type,
		       const char *type, int64_t start, int64_t end, bool asc, int64_t *after,
		       size_t limit, json_t *out, struct err *e);

/* Drops history older than before (ms). */
int alarm_history_expire(struct store_conn *c, int64_t before, struct err *e);

/* Marks every alarm that watches (ns, metric_name) due for evaluation now (inside the caller's
 * write transaction; PutMetricData calls it).  Returns how many it marked (>= 0), so the
 * caller wakes the evaluator only when that is worth it. */
int alarms_touch(struct store_conn *c, const char *ns, const char *metric_name, struct err *e);

#endif
