/* agentchannel/channel: suspended long polls and the timer that ends them. */
#include "channel.h"
#include "contract/http.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL_DRAIN_MS 3000 /* how long shutdown waits for resumed polls to be answered */

struct agentchannel_waiter {
	struct agentchannel *ch;
	struct agentchannel_waiter *prev, *next; /* in ch->waiting while suspended */
	bool linked;
	struct MHD_Connection *conn;
	char instance[129];
	int64_t deadline; /* monotonic ms */
};

struct agentchannel {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t timer;
	bool timer_started;
	bool shutting_down;
	uint64_t generation;
	int64_t poll_timeout_ms;
	struct agentchannel_waiter *waiting;
	size_t nwaiting;
	uint64_t live; /* waiters not freed yet (atomic): polls not answered yet */
};

/* Takes w out of the list and resumes its connection (lock held). */
static void channel__resume(struct agentchannel *ch, struct agentchannel_waiter *w)
{
	if (!w->linked)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		ch->waiting = w->next;
	if (w->next)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	w->linked = false;
	ch->nwaiting--;
	MHD_resume_connection(w->conn);
}

static void channel__deadline(struct timespec *ts, int64_t mono_ms)
{
	ts->tv_sec = mono_ms / 1000;
	ts->tv_nsec = (mono_ms % 1000) * 1000000;
}

static void *channel__timer(void *arg)
{
	struct agentchannel *ch = arg;

	pthread_mutex_lock(&ch->lock);
	while (!ch->shutting_down) {
		int64_t now = time_mono_ms(), next = now + 60000;
		struct agentchannel_waiter *w = ch->waiting, *n;
		struct timespec ts;

		for (; w; w = n) {
			n = w->next;
			if (w->deadline <= now)
				channel__resume(ch, w);
			else if (w->deadline < next)
				next = w->deadline;
		}
		channel__deadline(&ts, next);
		pthread_cond_timedwait(&ch->cond, &ch->lock, &ts);
	}
	pthread_mutex_unlock(&ch->lock);
	return NULL;
}

int agentchannel_new(int64_t poll_timeout_ms, struct agentchannel **out, struct err *e)
{
	struct agentchannel *ch = calloc(1, sizeof(*ch));
	pthread_condattr_t ca;

	if (!ch)
		return err_set(e, SW_E_NOMEM, NULL);
	ch->poll_timeout_ms =
	    poll_timeout_ms > 0 ? poll_timeout_ms : AGENTCHANNEL_POLL_TIMEOUT_DEFAULT * 1000LL;
	pthread_mutex_init(&ch->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ch->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&ch->timer, NULL, channel__timer, ch) != 0) {
		pthread_cond_destroy(&ch->cond);
		pthread_mutex_destroy(&ch->lock);
		free(ch);
		return err_set(e, SW_E_INTERNAL, "cannot start the agent channel's timer thread");
	}
	ch->timer_started = true;
	*out = ch;
	return 0;
}

void agentchannel_shutdown(struct agentchannel *ch)
{
	size_t n;

	if (!ch)
		return;
	pthread_mutex_lock(&ch->lock);
	n = ch->nwaiting;
	ch->shutting_down = true;
	while (ch->waiting)
		channel__resume(ch, ch->waiting);
	pthread_cond_broadcast(&ch->cond);
	pthread_mutex_unlock(&ch->lock);
	if (ch->timer_started) {
		pthread_join(ch->timer, NULL);
		ch->timer_started = false;
	}
	/* the resumed polls are answered by the HTTP threads: give them the time to be, so that
	 * stopping the daemon does not cut them off */
	for (int64_t until = time_mono_ms() + CHANNEL_DRAIN_MS;
	     __atomic_load_n(&ch->live, __ATOMIC_SEQ_CST) && time_mono_ms() < until;)
		usleep(5000);
	if (n)
		log_info("agentchannel", "answered %zu waiting agent polls before stopping", n);
}

void agentchannel_free(struct agentchannel *ch)
{
	if (!ch)
		return;
	agentchannel_shutdown(ch);
	pthread_cond_destroy(&ch->cond);
	pthread_mutex_destroy(&ch->lock);
	free(ch);
}

void agentchannel_notify(void *arg, const char *instance)
{
	struct agentchannel *ch = arg;
	struct agentchannel_waiter *w, *n;

	if (!ch)
		return;
	pthread_mutex_lock(&ch->lock);
	ch->generation++;
	for (w = ch->waiting; w; w = n) {
		n = w->next;
		if (strcmp(w->instance, instance) == 0)
			channel__resume(ch, w);
	}
	pthread_mutex_unlock(&ch->lock);
}

uint64_t agentchannel_generation(struct agentchannel *ch)
{
	uint64_t g;

	pthread_mutex_lock(&ch->lock);
	g = ch->generation;
	pthread_mutex_unlock(&ch->lock);
	return g;
}

static void channel__waiter_free(void *p)
{
	struct agentchannel_waiter *w = p;

	if (!w)
		return;
	__atomic_sub_fetch(&w->ch->live, 1, __ATOMIC_SEQ_CST);
	/* Normally unlinked already: notify, the timer and shutdown unlink a waiter before they
	 * resume its connection, and only a resumed connection completes.  The lock is taken only
	 * in the abnormal case, as libmicrohttpd may call this with its own locks held. */
	if (!w->linked) {
		free(w);
		return;
	}
	pthread_mutex_lock(&w->ch->lock);
	if (w->linked) {
		if (w->prev)
			w->prev->next = w->next;
		else
			w->ch->waiting = w->next;
		if (w->next)
			w->next->prev = w->prev;
		w->ch->nwaiting--;
	}
	pthread_mutex_unlock(&w->ch->lock);
	free(w);
}

enum agentchannel_wait_result agentchannel_wait(struct agentchannel *ch, struct http_req *req,
						const char *instance, uint64_t gen)
{
	struct agentchannel_waiter *w = req->svc_state;
	enum agentchannel_wait_result r;

	if (!w) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return AGENTCHANNEL_ANSWER;
		w->ch = ch;
		w->conn = req->conn;
		str_copy(w->instance, sizeof(w->instance), instance);
		w->deadline = time_mono_ms() + ch->poll_timeout_ms;
		req->svc_state = w;
		req->svc_state_free = channel__waiter_free;
		__atomic_add_fetch(&ch->live, 1, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_lock(&ch->lock);
	if (ch->shutting_down || time_mono_ms() >= w->deadline) {
		r = AGENTCHANNEL_ANSWER;
	} else if (ch->generation != gen) {
		r = AGENTCHANNEL_RETRY;
	} else {
		/* suspended under the lock, so that a notify cannot resume it before it is */
		MHD_suspend_connection(w->conn);
		w->next = ch->waiting;
		if (w->next)
			w->next->prev = w;
		w->prev = NULL;
		ch->waiting = w;
		w->linked = true;
		ch->nwaiting++;
		pthread_cond_signal(&ch->cond);
		r = AGENTCHANNEL_SUSPENDED;
	}
	pthread_mutex_unlock(&ch->lock);
	return r;
}
