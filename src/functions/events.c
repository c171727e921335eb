/* functions/events: delivering queued Event invocations (see events.h). */
#include "events.h"
#include "functions.h"
#include "model/lambda.h"
#include "model/lambda_events.h"
#include "store/store.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/timeutil.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FN_EVENTS_TICK_MS   500	 /* how often the queue is looked at without a wake */
#define FN_EVENTS_THROTTLED 1000 /* a throttled event is tried again this much later (ms) */
#define FN_EVENTS_CLAIM_MAX 16

/* One delivery in flight, then on the finished list. */
struct fn_event_job {
	struct fn_event_job *next;
	struct fn_events *ev;
	struct lambda_event event;
	enum fn_outcome outcome;
};

struct fn_events {
	struct functions *fn;
	struct store *store;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping, woken;
	int inflight, inflight_max;
	struct fn_event_job *finished; /* deliveries that ended, for the thread to record */
};

static void fn_events__job_free(struct fn_event_job *j)
{
	lambda_event_release(&j->event);
	free(j);
}

/* The runtime's callback: queue the outcome for the events thread (the store is written
 * there, never on the runtime's thread). */
static void fn_events__done(void *arg, const struct fn_result *r)
{
	struct fn_event_job *j = arg;
	struct fn_events *ev = j->ev;

	j->outcome = r->outcome;
	pthread_mutex_lock(&ev->lock);
	j->next = ev->finished;
	ev->finished = j;
	ev->inflight--;
	pthread_cond_signal(&ev->wake);
	pthread_mutex_unlock(&ev->lock);
}

struct fn_events__record {
	const struct fn_event_job *j;
	int64_t due; /* retry at; 0: delete */
	bool failed; /* counts as a failed attempt */
};

static int fn_events__record_fn(struct store_conn *c, void *arg, struct err *e)
{
	const struct fn_events__record *rec = arg;

	if (!rec->due)
		return lambda_event_delete(c, rec->j->event.id, e);
	return lambda_event_retry(c, rec->j->event.id, rec->due, rec->failed, e);
}

/* Records how a delivery ended. */
static void fn_events__record(struct fn_events *ev, const struct fn_event_job *j)
{
	const struct lambda_event *le = &j->event;
	struct fn_events__record rec = { .j = j };
	struct err e;

	if (j->outcome != FN_OK) {
		int attempt = le->attempts + 1;

		if (attempt < FN_EVENT_ATTEMPTS) {
			rec.due = time_now_ms() + time_scaled_ms(60.0 * attempt);
			rec.failed = true;
			log_info("functions",
				 "event %s for %s failed (attempt %d of %d): retried in %lld ms",
				 le->request_id, le->function, attempt, FN_EVENT_ATTEMPTS,
				 (long long)(rec.due - time_now_ms()));
		} else {
			log_warn(
			    "functions",
			    "event %s for %s failed %d times: dropped, as Lambda drops an event "
			    "without a destination",
			    le->request_id, le->function, attempt);
		}
	}
	if (store_write(ev->store, fn_events__record_fn, &rec, &e) < 0)
		log_error("functions", "event %s: %s", le->request_id, err_message(&e));
}

struct fn_events__resolve {
	const struct lambda_event *le;
	struct lambda_target *t;
	double u;
};

static int fn_events__resolve_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct fn_events__resolve *rs = arg;

	return lambda_resolve(c, rs->le->function, rs->le->qualifier, rs->u, rs->t, e);
}

static double fn_events__uniform(void)
{
	uint64_t u = 0;

	(void)random_bytes(&u, sizeof(u));
	return (double)(u >> 11) / 9007199254740992.0; /* 53 bits: [0, 1) */
}

struct fn_events__claim {
	struct lambda_event got[FN_EVENTS_CLAIM_MAX];
	size_t n, max;
};

static int fn_events__claim_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct fn_events__claim *cl = arg;

	for (size_t i = 0; i < cl->n; i++) /* a retried transaction claims afresh */
		lambda_event_release(&cl->got[i]);
	return lambda_events_claim(c, time_now_ms(), cl->got, cl->max, &cl->n, e);
}

/* Hands one claimed event to the runtime; takes le's payload. */
static void fn_events__deliver(struct fn_events *ev, struct lambda_event *le)
{
	struct fn_event_job *j = calloc(1, sizeof(*j));
	struct lambda_target *t = malloc(sizeof(*t));
	struct fn_events__resolve rs = { .le = le, .t = t, .u = fn_events__uniform() };
	struct fn_invoke inv = { 0 };
	struct err e;
	int r;

	if (!j || !t) {
		free(j);
		free(t);
		lambda_event_release(le);
		log_error("functions", "no memory to deliver an event");
		return; /* still claimed: delivered after a restart */
	}
	j->ev = ev;
	j->event = *le;
	le->payload = NULL;
	r = store_read(ev->store, fn_events__resolve_fn, &rs, &e);
	if (r == -SW_E_LAMBDA_ResourceNotFound) {
		log_warn("functions", "event %s: %s: dropped", j->event.request_id,
			 err_message(&e));
		j->outcome = FN_OK; /* nothing to retry */
		fn_events__record(ev, j);
		goto out;
	}
	if (r < 0) {
		log_error("functions", "event %s: %s", j->event.request_id, err_message(&e));
		goto out; /* still claimed: delivered after a restart */
	}
	inv.target = t;
	inv.payload = j->event.payload;
	inv.len = j->event.len;
	memcpy(inv.request_id, j->event.request_id, sizeof(inv.request_id));
	memcpy(inv.invoked_arn, j->event.invoked_arn, sizeof(inv.invoked_arn));
	inv.done = fn_events__done;
	inv.arg = j;
	pthread_mutex_lock(&ev->lock);
	ev->inflight++;
	pthread_mutex_unlock(&ev->lock);
	r = functions_invoke(ev->fn, &inv, &e);
	if (r == 0) {
		free(t);
		return; /* fn_events__done has j */
	}
	pthread_mutex_lock(&ev->lock);
	ev->inflight--;
	pthread_mutex_unlock(&ev->lock);
	if (r == -SW_E_LAMBDA_TooManyRequests) {
		struct fn_events__record rec = { .j = j,
						 .due = time_now_ms() + FN_EVENTS_THROTTLED };

		if (store_write(ev->store, fn_events__record_fn, &rec, &e) < 0)
			log_error("functions", "event %s: %s", j->event.request_id,
				  err_message(&e));
	} else {
		log_error("functions", "event %s: %s", j->event.request_id, err_message(&e));
	}
out:
	free(t);
	fn_events__job_free(j);
}

static void fn_events__wait(struct fn_events *ev)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)FN_EVENTS_TICK_MS * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	while (!ev->stopping && !ev->woken && !ev->finished &&
	       pthread_cond_timedwait(&ev->wake, &ev->lock, &ts) == 0)
		;
	ev->woken = false;
}

static void *fn_events__main(void *arg)
{
	struct fn_events *ev = arg;
	struct fn_events__claim cl;

	pthread_mutex_lock(&ev->lock);
	while (!ev->stopping) {
		struct fn_event_job *done = ev->finished;
		int room = ev->inflight_max - ev->inflight;
		struct err e;

		ev->finished = NULL;
		pthread_mutex_unlock(&ev->lock);
		while (done) {
			struct fn_event_job *next = done->next;

			fn_events__record(ev, done);
			fn_events__job_free(done);
			done = next;
		}
		memset(&cl, 0, sizeof(cl));
		cl.max = room < FN_EVENTS_CLAIM_MAX ? (size_t)(room > 0 ? room : 0)
						    : FN_EVENTS_CLAIM_MAX;
		if (cl.max && store_write(ev->store, fn_events__claim_fn, &cl, &e) < 0)
			log_error("functions", "claiming events: %s", err_message(&e));
		for (size_t i = 0; i < cl.n; i++)
			fn_events__deliver(ev, &cl.got[i]);
		pthread_mutex_lock(&ev->lock);
		if (cl.n && (size_t)cl.n == cl.max)
			continue; /* more may be due */
		fn_events__wait(ev);
	}
	pthread_mutex_unlock(&ev->lock);
	store_thread_done(ev->store);
	return NULL;
}

static int fn_events__unclaim_fn(struct store_conn *c, void *arg, struct err *e)
{
	(void)arg;
	return lambda_events_unclaim(c, e);
}

int fn_events_start(struct fn_events **out, struct functions *f, struct store *s, int inflight,
		    struct err *e)
{
	struct fn_events *ev = calloc(1, sizeof(*ev));

	*out = NULL;
	if (!ev)
		return err_set(e, SW_E_NOMEM, "no memory for the event queue");
	ev->fn = f;
	ev->store = s;
	ev->inflight_max = inflight > 0 ? inflight : 1;
	pthread_mutex_init(&ev->lock, NULL);
	pthread_cond_init(&ev->wake, NULL);
	if (store_write(s, fn_events__unclaim_fn, NULL, e) < 0) {
		fn_events_free(ev);
		return -SW_E_STORE;
	}
	if (pthread_create(&ev->thread, NULL, fn_events__main, ev)) {
		fn_events_free(ev);
		return err_set(e, SW_E_INTERNAL, "cannot start the event thread");
	}
	ev->started = true;
	*out = ev;
	return 0;
}

void fn_events_wake(struct fn_events *ev)
{
	if (!ev)
		return;
	pthread_mutex_lock(&ev->lock);
	ev->woken = true;
	pthread_cond_signal(&ev->wake);
	pthread_mutex_unlock(&ev->lock);
}

void fn_events_stop(struct fn_events *ev)
{
	if (!ev || !ev->started)
		return;
	pthread_mutex_lock(&ev->lock);
	ev->stopping = true;
	pthread_cond_signal(&ev->wake);
	pthread_mutex_unlock(&ev->lock);
	pthread_join(ev->thread, NULL);
	ev->started = false;
}

void fn_events_free(struct fn_events *ev)
{
	if (!ev)
		return;
	fn_events_stop(ev);
	while (ev->finished) { /* ended by functions_stop: delivered again after a restart */
		struct fn_event_job *next = ev->finished->next;

		fn_events__job_free(ev->finished);
		ev->finished = next;
	}
	pthread_cond_destroy(&ev->wake);
	pthread_mutex_destroy(&ev->lock);
	free(ev);
}
