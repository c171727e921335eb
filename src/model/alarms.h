/* alarms: CloudWatch alarms in the store — what the deployment engine asks of them (and the
 * evaluator, engine/alarm_eval.c, and the monitoring API, services/monitoring/alarms.c,
 * maintain). */
#ifndef SW_MODEL_ALARMS_H
#define SW_MODEL_ALARMS_H

#include "base/err.h"

#include <stddef.h>

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

/* Marks every alarm that watches (ns, metric_name) due for evaluation now (inside the caller's
 * write transaction; PutMetricData calls it).  Returns how many it marked (>= 0), so the
 * caller wakes the evaluator only when that is worth it. */
int alarms_touch(struct store_conn *c, const char *ns, const char *metric_name, struct err *e);

#endif
