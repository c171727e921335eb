/* model/lambda_events: the durable queue of Event invocations (migration 0011).  Invoke puts an
 * event in its write before answering 202; the function runtime's event thread
 * (functions/events.c) claims the due ones, and after the delivery deletes an event or puts it
 * back with a later due time.  Every function runs in the caller's transaction. */
#ifndef SW_MODEL_LAMBDA_EVENTS_H
#define SW_MODEL_LAMBDA_EVENTS_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

struct lambda_event {
	int64_t id;
	char function[65];
	char qualifier[129];
	char invoked_arn[400];
	char request_id[37];
	char *payload; /* NUL-terminated, len bytes (the claimer's: lambda_event_release) */
	size_t len;
	int attempts; /* earlier deliveries that failed */
};

void lambda_event_release(struct lambda_event *ev);

/* Queues an event, due at once. */
int lambda_event_put(struct store_conn *c, const struct lambda_event *ev, int64_t now_ms,
		     struct err *e);

/* Claims up to max waiting events due by now_ms, oldest due first, into out (which holds max;
 * *n set): each is marked claimed, so no other claim takes it. */
int lambda_events_claim(struct store_conn *c, int64_t now_ms, struct lambda_event *out, size_t max,
			size_t *n, struct err *e);
/* The event was delivered, or is given up: deletes it. */
int lambda_event_delete(struct store_conn *c, int64_t id, struct err *e);
/* Puts a claimed event back, due at due_ms; failed counts one more failed attempt (a throttle
 * does not count). */
int lambda_event_retry(struct store_conn *c, int64_t id, int64_t due_ms, bool failed,
		       struct err *e);
/* Releases every claim (at start: the deliveries a stopped slipwayd had begun are delivered
 * again — Lambda's at-least-once). */
int lambda_events_unclaim(struct store_conn *c, struct err *e);
/* Events waiting (claimed or not), for tests and stats. */
int lambda_events_count(struct store_conn *c, int64_t *n, struct err *e);

#endif
