/* engine: the reconciler's scheduler — one thread, one pass at a time over every registered
 * kind of durable work (job.h), woken by engine_wake() or by the earliest timer a step asked
 * for.  It knows how to list, step, give up on and announce an item, and nothing of what an
 * item is: deployments are deployment.c, their strategies strategy_*.c.
 *
 * Every pass reloads what is in progress and steps each item in its own write transaction:
 * nothing is remembered between passes but the time of the next timer, so a restarted
 * slipwayd continues from the store alone.  Time the server was down is not counted against
 * agents (a timeout runs from the later of the event and the engine's start).
 */
#include "engine.h"
#include "job.h"
#include "store/store.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENGINE_IDLE_MS	60000 /* a pass at least this often, whatever the timers say */
#define ENGINE_RETRY_MS 2000  /* after a store error */

/* The kinds of work, stepped in this order on every pass. */
static const struct job_kind *const engine__kinds[] = {
	&alarm_job_kind, /* first, so that deployments see this pass's alarm states */
	&deploy_job_kind,
};

#define ENGINE_NKINDS (sizeof(engine__kinds) / sizeof(engine__kinds[0]))

struct engine {
	struct store *store;
	char region[64];
	char account[32];
	struct engine_options opt;
	struct engine_ctx ctx;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the engine waits on it */
	pthread_cond_t done; /* engine_sync() waits on it */
	uint64_t wake_seq;   /* bumped by engine_wake */
	uint64_t done_seq;   /* the wake_seq the last finished pass started from */
	bool stopping;
};

/* ---- one pass ---- */

struct engine_item {
	const struct job_kind *kind;
	struct job_step step;
};

static int engine__step(struct store_conn *sc, void *arg, struct err *e)
{
	struct engine_item *it = arg;

	it->step.next = INT64_MAX;
	it->step.finished = false;
	return it->kind->step(sc, &it->step, e);
}

static int engine__give_up(struct store_conn *sc, void *arg, struct err *e)
{
	struct engine_item *it = arg;

	it->step.next = INT64_MAX;
	it->step.finished = false;
	return it->kind->give_up(sc, &it->step, e);
}

struct engine_list {
	const struct job_kind *kind;
	json_t *ids;
	int64_t next; /* kind->next's answer */
};

static int engine__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct engine_list *l = arg;
	int r = l->kind->list(sc, l->ids, e);

	l->next = INT64_MAX;
	if (!r && l->kind->next)
		r = l->kind->next(sc, &l->next, e);
	return r;
}

static void engine__min(int64_t *next, int64_t at)
{
	if (at < *next)
		*next = at;
}

/* Steps every item of one kind in progress; lowers *next to the earliest timer. */
static void engine__pass_kind(struct engine *en, const struct job_kind *kind, int64_t *next,
			      bool *again)
{
	struct engine_list l = { .kind = kind, .ids = json_array() };
	struct err e = { 0 };
	size_t i;
	json_t *v;

	if (!l.ids || store_read(en->store, engine__list, &l, &e)) {
		log_error("engine", "cannot list %ss: %s", kind->name, err_message(&e));
		json_decref(l.ids);
		engine__min(next, time_now_ms() + ENGINE_RETRY_MS);
		return;
	}
	engine__min(next, l.next);
	json_array_foreach(l.ids, i, v)
	{
		struct engine_item it = { .kind = kind, .step = { .ctx = &en->ctx } };
		char why[256];
		int r;

		it.step.id = json_string_value(v);
		it.step.now = time_now_ms();
		err_clear(&e);
		r = store_write(en->store, engine__step, &it, &e);
		if (r && r != -SW_E_STORE && r != -SW_E_AGAIN && r != -SW_E_NOMEM) {
			log_error("engine", "%s %s fails: cannot reconcile it: %s", kind->name,
				  it.step.id, err_message(&e));
			str_fmt(why, sizeof(why), "Slipway could not carry the %s on: %s",
				kind->name, err_message(&e));
			it.step.why = why;
			it.step.now = time_now_ms();
			err_clear(&e);
			r = store_write(en->store, engine__give_up, &it, &e);
		}
		if (r) {
			log_error("engine", "%s %s: %s (retrying)", kind->name, it.step.id,
				  err_message(&e));
			engine__min(next, time_now_ms() + ENGINE_RETRY_MS);
		} else {
			if (it.step.finished)
				*again = true;
			engine__min(next, it.step.next);
		}
		kind->done(&it.step, r == 0);
	}
	json_decref(l.ids);
}

/* One pass over every kind; returns when the next timer is due. */
static int64_t engine__pass(struct engine *en, bool *again)
{
	int64_t next = time_now_ms() + ENGINE_IDLE_MS;

	*again = false;
	for (size_t k = 0; k < ENGINE_NKINDS; k++)
		engine__pass_kind(en, engine__kinds[k], &next, again);
	return next;
}

/* ---- the thread ---- */

static void engine__deadline(struct timespec *ts, int64_t wait_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += wait_ms / 1000;
	ts->tv_nsec += (wait_ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static void *engine__main(void *arg)
{
	struct engine *en = arg;

	pthread_mutex_lock(&en->lock);
	while (!en->stopping) {
		uint64_t seq = en->wake_seq;
		int64_t next, wait;
		bool again;

		pthread_mutex_unlock(&en->lock);
		next = engine__pass(en, &again);
		pthread_mutex_lock(&en->lock);
		en->done_seq = seq;
		pthread_cond_broadcast(&en->done);
		if (en->stopping || again || en->wake_seq != seq)
			continue;
		wait = next - time_now_ms();
		if (wait <= 0)
			continue;
		if (wait > ENGINE_IDLE_MS)
			wait = ENGINE_IDLE_MS;
		{
			struct timespec ts;

			engine__deadline(&ts, wait);
			while (!en->stopping && en->wake_seq == seq &&
			       pthread_cond_timedwait(&en->wake, &en->lock, &ts) == 0)
				;
		}
	}
	pthread_mutex_unlock(&en->lock);
	store_thread_done(en->store);
	return NULL;
}

int engine_start(const struct engine_env *env, const struct engine_options *opt,
		 struct engine **out, struct err *e)
{
	struct engine *en = calloc(1, sizeof(*en));
	pthread_condattr_t ca;

	if (!en)
		return err_set(e, SW_E_NOMEM, NULL);
	if (str_copy(en->region, sizeof(en->region), env->region ? env->region : "") ||
	    str_copy(en->account, sizeof(en->account), env->account ? env->account : "")) {
		free(en);
		return err_set(e, SW_E_INVALID, "region or account too long for the engine");
	}
	en->store = env->store;
	en->opt = *opt;
	if (en->opt.agent_timeout_ms <= 0)
		en->opt.agent_timeout_ms = ENGINE_AGENT_TIMEOUT_DEFAULT * 1000LL;
	if (en->opt.event_timeout_ms <= 0)
		en->opt.event_timeout_ms = ENGINE_EVENT_TIMEOUT_DEFAULT * 1000LL;
	en->ctx = (struct engine_ctx){
		.opt = &en->opt,
		.since = time_now_ms(),
		.region = en->region,
		.account = en->account,
	};
	pthread_mutex_init(&en->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&en->wake, &ca);
	pthread_cond_init(&en->done, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&en->thread, NULL, engine__main, en) != 0) {
		pthread_mutex_destroy(&en->lock);
		pthread_cond_destroy(&en->wake);
		pthread_cond_destroy(&en->done);
		free(en);
		return err_set(e, SW_E_INTERNAL, "cannot start the engine thread");
	}
	en->started = true;
	log_info("engine", "started (agent timeout %" PRId64 " s, event timeout %" PRId64 " s)",
		 en->opt.agent_timeout_ms / 1000, en->opt.event_timeout_ms / 1000);
	*out = en;
	return 0;
}

void engine_stop(struct engine *en)
{
	if (!en)
		return;
	pthread_mutex_lock(&en->lock);
	en->stopping = true;
	pthread_cond_broadcast(&en->wake);
	pthread_cond_broadcast(&en->done);
	pthread_mutex_unlock(&en->lock);
	if (en->started)
		pthread_join(en->thread, NULL);
	pthread_mutex_destroy(&en->lock);
	pthread_cond_destroy(&en->wake);
	pthread_cond_destroy(&en->done);
	free(en);
}

void engine_wake(struct engine *en)
{
	if (!en)
		return;
	pthread_mutex_lock(&en->lock);
	en->wake_seq++;
	pthread_cond_signal(&en->wake);
	pthread_mutex_unlock(&en->lock);
}

int engine_sync(struct engine *en, int64_t timeout_ms)
{
	struct timespec ts;
	uint64_t want;
	int r = 0;

	if (!en)
		return 1;
	engine__deadline(&ts, timeout_ms > 0 ? timeout_ms : 0);
	pthread_mutex_lock(&en->lock);
	want = ++en->wake_seq;
	pthread_cond_signal(&en->wake);
	while (en->done_seq < want && !en->stopping && r == 0)
		r = pthread_cond_timedwait(&en->done, &en->lock, &ts);
	r = en->done_seq >= want ? 0 : 1;
	pthread_mutex_unlock(&en->lock);
	return r;
}
