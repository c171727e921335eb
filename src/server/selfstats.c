/* selfstats: slipwayd's API and agent numbers, counted in memory and flushed to the store
 * (selfstats.h). */
#include "selfstats.h"
#include "contract/http.h"
#include "contract/service.h"
#include "slipwayd.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "model/logs.h"
#include "model/selfmon.h"
#include "services/agentchannel/channel.h"
#include "services/iam/errors.h"
#include "store/store.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SELFSTATS_AGENTS_MAX	 100000 /* instances remembered; more are not counted */
#define SELFSTATS_AGENT_BUCKETS	 1024
#define SELFSTATS_AGENT_SLACK_MS 10000 /* an agent re-polls right after its poll is answered */
#define SELFSTATS_GAUGE_MS	 60000 /* AgentsConnected is put this often even unchanged */

enum { SLOT_EMPTY, SLOT_FILLING, SLOT_READY };

/* The counters of one (service, operation).  Filled once (SLOT_FILLING → SLOT_READY, under no
 * lock), then only counted; flushed_* are the flushing thread's alone. */
struct selfstats__op {
	atomic_int state;
	char service[32];
	char op[64];
	atomic_uint_fast64_t requests, errors;
	uint64_t flushed_requests, flushed_errors;
};

struct selfstats__agent {
	struct selfstats__agent *next;
	int64_t seen; /* monotonic ms of its last poll */
	char name[];
};

struct selfstats {
	struct slipwayd *d;
	pthread_t thread;
	pthread_mutex_t lock; /* stop, cond */
	pthread_cond_t cond;
	bool stop;
	struct selfstats__op ops[SELFSTATS_OPS_MAX];
	struct selfstats__op other; /* what does not fit in ops */
	pthread_mutex_t agents_lock;
	struct selfstats__agent *agents[SELFSTATS_AGENT_BUCKETS];
	size_t nagents;
	/* the flushing thread's */
	long last_agents;
	int64_t agents_put, expired;
};

/* ---- what a request names ---- */

static bool selfstats__name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* The value of a query form's Action field in body, or NULL; its length into *n. */
static const char *selfstats__form_action(const struct buf *body, size_t *n)
{
	const char *p = body->p, *end = body->p + body->len;

	while (p && p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;

		if ((size_t)(stop - p) > 7 && memcmp(p, "Action=", 7) == 0) {
			*n = (size_t)(stop - p - 7);
			return p + 7;
		}
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

void selfstats_operation(const struct http_req *req, char *out, size_t size)
{
	const char *ctype = http_header(req, "Content-Type");
	const char *s = NULL, *p;
	size_t n = 0;

	if (req->err.code == SW_E_UnknownOperation || req->err.code == SW_E_InvalidAction) {
		s = "Unknown";
		n = 7;
	} else if (req->target[0]) {
		p = strrchr(req->target, '.');
		s = p ? p + 1 : req->target;
		n = strlen(s);
	} else if ((p = strstr(req->path, "/operation/"))) {
		s = p + 11;
		n = strcspn(s, "/?");
	} else if (ctype && str_starts(ctype, "application/x-www-form-urlencoded") &&
		   req->body.len) {
		s = selfstats__form_action(&req->body, &n);
	}
	if (!s) {
		s = req->method ? req->method : "";
		n = strlen(s);
	}
	if (!selfstats__name_ok(s, n) || n >= size || str_copyn(out, size, s, n))
		str_copy(out, size, "Unknown");
}

/* ---- counting ---- */

/* The counters of (service, op), made on first use; s->other when the table is full. */
static struct selfstats__op *selfstats__slot(struct selfstats *s, const char *service,
					     const char *op)
{
	uint32_t h = str_hash(service) * 31u + str_hash(op);

	for (size_t k = 0; k < SELFSTATS_OPS_MAX; k++) {
		struct selfstats__op *o = &s->ops[(h + k) % SELFSTATS_OPS_MAX];
		int state = atomic_load_explicit(&o->state, memory_order_acquire);

		if (state == SLOT_EMPTY) {
			int expected = SLOT_EMPTY;

			if (atomic_compare_exchange_strong(&o->state, &expected, SLOT_FILLING)) {
				str_copy(o->service, sizeof(o->service), service);
				str_copy(o->op, sizeof(o->op), op);
				atomic_store_explicit(&o->state, SLOT_READY, memory_order_release);
				return o;
			}
			state = expected;
		}
		/* another thread is naming this slot: it takes a few instructions */
		while (state == SLOT_FILLING) {
			sched_yield();
			state = atomic_load_explicit(&o->state, memory_order_acquire);
		}
		if (strcmp(o->service, service) == 0 && strcmp(o->op, op) == 0)
			return o;
	}
	return &s->other;
}

void selfstats_answered(struct selfstats *s, const struct http_req *req, int status)
{
	const char *service = req->service ? req->service->name : "unknown";
	struct selfstats__op *o;
	char op[64];

	if (!s || (req->service && req->service->anonymous))
		return;
	selfstats_operation(req, op, sizeof(op));
	o = selfstats__slot(s, service, op);
	atomic_fetch_add_explicit(&o->requests, 1, memory_order_relaxed);
	if (status >= 400)
		atomic_fetch_add_explicit(&o->errors, 1, memory_order_relaxed);
}

void selfstats_handling(struct selfstats *s, const struct http_req *req)
{
	const char *name = req->who.instance;
	struct selfstats__agent *a;
	uint32_t h;

	if (!s || req->who.kind != PRINCIPAL_INSTANCE || !name[0] ||
	    !str_ends(req->target, ".PollHostCommand"))
		return;
	h = str_hash(name) % SELFSTATS_AGENT_BUCKETS;
	pthread_mutex_lock(&s->agents_lock);
	for (a = s->agents[h]; a && strcmp(a->name, name) != 0; a = a->next)
		;
	if (!a && s->nagents < SELFSTATS_AGENTS_MAX &&
	    (a = malloc(sizeof(*a) + strlen(name) + 1))) {
		memcpy(a->name, name, strlen(name) + 1);
		a->next = s->agents[h];
		s->agents[h] = a;
		s->nagents++;
	}
	if (a)
		a->seen = time_mono_ms();
	pthread_mutex_unlock(&s->agents_lock);
}

/* The agents that polled within window ms; forgets the others. */
static long selfstats__agents(struct selfstats *s, int64_t window)
{
	int64_t now = time_mono_ms();
	long n = 0;

	pthread_mutex_lock(&s->agents_lock);
	for (size_t i = 0; i < SELFSTATS_AGENT_BUCKETS; i++)
		for (struct selfstats__agent **pp = &s->agents[i]; *pp;) {
			struct selfstats__agent *a = *pp;

			if (now - a->seen > window) {
				*pp = a->next;
				free(a);
				s->nagents--;
				continue;
			}
			n++;
			pp = &a->next;
		}
	pthread_mutex_unlock(&s->agents_lock);
	return n;
}

/* ---- flushing ---- */

/* One flush: the counters' deltas, the gauge and the retention, in one write. */
struct selfstats__flush {
	struct selfstats *s;
	struct selfstats__op *ops[SELFSTATS_OPS_MAX + 1];
	uint64_t requests[SELFSTATS_OPS_MAX + 1], errors[SELFSTATS_OPS_MAX + 1];
	size_t n;
	long agents; /* < 0: not put this time */
	bool expire;
	int64_t now;
};

static int selfstats__write(struct store_conn *c, void *arg, struct err *e)
{
	struct selfstats__flush *f = arg;
	int r = 0;

	for (size_t i = 0; i < f->n && !r; i++) {
		const struct metric_dim dims[] = { { "Operation", f->ops[i]->op },
						   { "Service", f->ops[i]->service } };

		r = selfmon_put(c, "ApiRequests", dims, 2, "Count", (double)f->requests[i], f->now,
				e);
		if (!r)
			r = selfmon_put(c, "ApiErrors", dims, 2, "Count", (double)f->errors[i],
					f->now, e);
	}
	if (!r && f->agents >= 0)
		r = selfmon_put(c, "AgentsConnected", NULL, 0, "Count", (double)f->agents, f->now,
				e);
	if (!r && f->expire) {
		int64_t gone = metrics_expire(c, f->now, e);

		if (gone >= 0)
			gone = logs_expire(c, f->now, e);
		r = gone < 0 ? (int)gone : 0;
	}
	return r;
}

static void selfstats__flush(struct selfstats *s)
{
	struct selfstats__flush *f = calloc(1, sizeof(*f));
	int64_t mono = time_mono_ms();
	struct err e = { 0 };
	long agents;

	if (!f)
		return;
	f->s = s;
	f->now = time_now_ms();
	for (size_t i = 0; i <= SELFSTATS_OPS_MAX; i++) {
		struct selfstats__op *o = i < SELFSTATS_OPS_MAX ? &s->ops[i] : &s->other;
		uint64_t req, err;

		if (i < SELFSTATS_OPS_MAX &&
		    atomic_load_explicit(&o->state, memory_order_acquire) != SLOT_READY)
			continue;
		req = atomic_load_explicit(&o->requests, memory_order_relaxed);
		err = atomic_load_explicit(&o->errors, memory_order_relaxed);
		if (req == o->flushed_requests)
			continue;
		f->ops[f->n] = o;
		f->requests[f->n] = req - o->flushed_requests;
		f->errors[f->n] = err - o->flushed_errors;
		f->n++;
	}
	agents = selfstats__agents(s, agentchannel_poll_timeout_ms(&s->d->env) +
					  SELFSTATS_AGENT_SLACK_MS);
	f->agents =
	    agents != s->last_agents || !s->agents_put || mono - s->agents_put >= SELFSTATS_GAUGE_MS
		? agents
		: -1;
	f->expire = !s->expired || mono - s->expired >= SELFSTATS_EXPIRE_MS;
	if (f->n || f->agents >= 0 || f->expire) {
		if (store_write(s->d->env.store, selfstats__write, f, &e)) {
			log_warn("selfstats", "cannot record slipwayd's own metrics: %s",
				 err_message(&e));
		} else {
			for (size_t i = 0; i < f->n; i++) {
				f->ops[i]->flushed_requests += f->requests[i];
				f->ops[i]->flushed_errors += f->errors[i];
			}
			if (f->agents >= 0) {
				s->last_agents = agents;
				s->agents_put = mono;
			}
			if (f->expire)
				s->expired = mono;
		}
	}
	free(f);
}

static void *selfstats__main(void *arg)
{
	struct selfstats *s = arg;
	bool stop = false;

	while (!stop) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += SELFSTATS_FLUSH_MS / 1000;
		pthread_mutex_lock(&s->lock);
		while (!s->stop && pthread_cond_timedwait(&s->cond, &s->lock, &until) == 0)
			;
		stop = s->stop;
		pthread_mutex_unlock(&s->lock);
		selfstats__flush(s);
	}
	store_thread_done(s->d->env.store);
	return NULL;
}

int selfstats_start(struct slipwayd *d, struct err *e)
{
	struct selfstats *s = calloc(1, sizeof(*s));

	if (!s)
		return err_set(e, SW_E_NOMEM, NULL);
	s->d = d;
	s->last_agents = -1;
	str_copy(s->other.service, sizeof(s->other.service), "unknown");
	str_copy(s->other.op, sizeof(s->other.op), "Other");
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->agents_lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, selfstats__main, s)) {
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		pthread_mutex_destroy(&s->agents_lock);
		free(s);
		return err_set(e, SW_E_INTERNAL, "cannot start the metrics thread");
	}
	d->stats = s;
	return 0;
}

void selfstats_stop(struct slipwayd *d)
{
	struct selfstats *s = d->stats;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	for (size_t i = 0; i < SELFSTATS_AGENT_BUCKETS; i++)
		for (struct selfstats__agent *a = s->agents[i], *next; a; a = next) {
			next = a->next;
			free(a);
		}
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->agents_lock);
	free(s);
	d->stats = NULL;
}
