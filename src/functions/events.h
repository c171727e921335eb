/* functions/events: delivering the Event invocations of the durable queue
 * (model/lambda_events.h) — one thread that claims due events, hands them to the runtime
 * (functions_invoke) and, when a delivery ends, deletes the event or puts it back: a function
 * error is retried twice, after one and then two (scaled) minutes, as Lambda does; a throttle
 * is retried a second later without counting; an event whose function is gone is dropped.
 * At start every claim of an earlier process is released, so an accepted event is delivered
 * even when slipwayd stopped in the middle (at least once, as in Lambda). */
#ifndef SW_FUNCTIONS_EVENTS_H
#define SW_FUNCTIONS_EVENTS_H

#include "base/err.h"

struct fn_events;
struct functions;
struct store;

#define FN_EVENT_ATTEMPTS 3 /* the first delivery and Lambda's two retries */

/* Starts the thread; at most inflight events are delivered at once. */
int fn_events_start(struct fn_events **out, struct functions *f, struct store *s, int inflight,
		    struct err *e);
/* An event was queued (after its commit): look now rather than at the next tick.  Any thread;
 * NULL is a no-op. */
void fn_events_wake(struct fn_events *ev);
/* Stops claiming and joins the thread; deliveries in flight end when the runtime stops
 * (functions_stop), and are delivered again after a restart. */
void fn_events_stop(struct fn_events *ev);
/* Frees ev, after fn_events_stop and functions_stop.  NULL is a no-op. */
void fn_events_free(struct fn_events *ev);

#endif
