/* park: parked requests by key, the timer that ends them, and the shutdown that answers them
 * (contract/park.h is what a service sees, server/park.h the server's side). */
#include "park.h"
#include "contract/env.h"
#include "contract/http.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PARK_BUCKETS  256  /* wait lists (and generations) by key hash */
#define PARK_DRAIN_MS 3000 /* how long shutdown waits for resumed requests to be answered */

/* One parked request (req->park), kept from its first park until the request is done. */
struct park_entry {
	struct park *park;
	struct park_entry *prev, *next; /* in its bucket while parked */
	bool linked;
	unsigned bucket;
	void *conn;
	char key[HTTP_PARK_KEY_MAX];
	int64_t deadline; /* monotonic ms */
};

struct park_bucket {
	struct park_entry *head, *tail; /* oldest first */
	uint64_t generation;
};

struct park {
	const struct park_ops *ops;
	void *ops_arg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t timer;
	bool timer_started;
	bool shutting_down;
	int64_t drain_ms;
	size_t nparked;
	uint64_t live; /* entries not freed yet (atomic): parked requests not answered yet */
	struct park_bucket buckets[PARK_BUCKETS];
};

static unsigned park__bucket(const char *key)
{
	return str_hash(key) % PARK_BUCKETS;
}

/* Takes pe out of its bucket (lock held). */
static void park__unlink(struct park *p, struct park_entry *pe)
{
	struct park_bucket *b = &p->buckets[pe->bucket];

	if (!pe->linked)
		return;
	if (pe->prev)
		pe->prev->next = pe->next;
	else
		b->head = pe->next;
	if (pe->next)
		pe->next->prev = pe->prev;
	else
		b->tail = pe->prev;
	pe->prev = pe->next = NULL;
	pe->linked = false;
	p->nparked--;
}

/* Unlinks pe and resumes its connection (lock held). */
static void park__resume(struct park *p, struct park_entry *pe)
{
	if (!pe->linked)
		return;
	park__unlink(p, pe);
	p->ops->resume(p->ops_arg, pe->conn);
}

static void *park__timer(void *arg)
{
	struct park *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->shutting_down) {
		int64_t now = time_mono_ms(), next = now + 60000;
		struct timespec ts;

		for (unsigned i = 0; i < PARK_BUCKETS; i++) {
			struct park_entry *pe = p->buckets[i].head, *n;

			for (; pe; pe = n) {
				n = pe->next;
				if (pe->deadline <= now)
					park__resume(p, pe);
				else if (pe->deadline < next)
					next = pe->deadline;
			}
		}
		ts.tv_sec = next / 1000;
		ts.tv_nsec = (next % 1000) * 1000000;
		pthread_cond_timedwait(&p->cond, &p->lock, &ts);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int park_new(const struct park_ops *ops, void *arg, int64_t drain_ms, struct park **out,
	     struct err *e)
{
	struct park *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;

	if (!p)
		return err_set(e, SW_E_NOMEM, NULL);
	p->ops = ops;
	p->ops_arg = arg;
	p->drain_ms = drain_ms > 0 ? drain_ms : PARK_DRAIN_MS;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&p->timer, NULL, park__timer, p) != 0) {
		pthread_cond_destroy(&p->cond);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return err_set(e, SW_E_INTERNAL, "cannot start the parked requests' timer thread");
	}
	p->timer_started = true;
	*out = p;
	return 0;
}

void park_shutdown(struct park *p)
{
	size_t n;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	n = p->nparked;
	p->shutting_down = true;
	for (unsigned i = 0; i < PARK_BUCKETS; i++)
		while (p->buckets[i].head)
			park__resume(p, p->buckets[i].head);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	if (p->timer_started) {
		pthread_join(p->timer, NULL);
		p->timer_started = false;
	}
	/* the resumed requests are answered by the HTTP threads: give them the time to be, so
	 * that stopping the daemon does not cut them off */
	for (int64_t until = time_mono_ms() + p->drain_ms;
	     __atomic_load_n(&p->live, __ATOMIC_SEQ_CST) && time_mono_ms() < until;)
		usleep(5000);
	if (n)
		log_info("park", "answered %zu parked requests before stopping", n);
}

void park_free(struct park *p)
{
	if (!p)
		return;
	park_shutdown(p);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

size_t park_count(struct park *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->nparked;
	pthread_mutex_unlock(&p->lock);
	return n;
}

uint64_t http_park_generation(struct park *p, const char *key)
{
	uint64_t g;

	pthread_mutex_lock(&p->lock);
	g = p->buckets[park__bucket(key)].generation;
	pthread_mutex_unlock(&p->lock);
	return g;
}

enum http_park_result http_park(struct http_req *req, const char *key, uint64_t gen,
				int64_t timeout_ms)
{
	struct park *p = req->env->park;
	struct park_entry *pe = req->park;
	struct park_bucket *b;
	enum http_park_result r;

	if (!pe) {
		pe = calloc(1, sizeof(*pe));
		if (!pe)
			return HTTP_PARK_EXPIRED;
		pe->park = p;
		pe->deadline = time_mono_ms() + timeout_ms;
		req->park = pe;
		__atomic_add_fetch(&p->live, 1, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_lock(&p->lock);
	if (pe->linked) { /* a programmer's mistake: parked twice without a wake */
		pthread_mutex_unlock(&p->lock);
		log_error("park", "request parked twice [%s]", req->request_id);
		return HTTP_PARK_EXPIRED;
	}
	str_copy(pe->key, sizeof(pe->key), key);
	pe->bucket = park__bucket(pe->key);
	pe->conn = req->conn;
	b = &p->buckets[pe->bucket];
	if (p->shutting_down || time_mono_ms() >= pe->deadline) {
		r = HTTP_PARK_EXPIRED;
	} else if (b->generation != gen) {
		r = HTTP_PARK_RETRY;
	} else {
		/* suspended under the lock, so that a wake cannot resume it before it is */
		p->ops->suspend(p->ops_arg, pe->conn);
		pe->next = NULL;
		pe->prev = b->tail;
		if (b->tail)
			b->tail->next = pe;
		else
			b->head = pe;
		b->tail = pe;
		pe->linked = true;
		p->nparked++;
		pthread_cond_signal(&p->cond); /* the timer looks at the new deadline */
		r = HTTP_PARKED;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

static size_t park__wake(struct park *p, const char *key, size_t max)
{
	char k[HTTP_PARK_KEY_MAX];
	struct park_bucket *b;
	struct park_entry *pe, *n;
	size_t woken = 0;

	if (!p)
		return 0;
	str_copy(k, sizeof(k), key); /* cut as http_park cuts */
	pthread_mutex_lock(&p->lock);
	b = &p->buckets[park__bucket(k)];
	b->generation++;
	for (pe = b->head; pe && (!max || woken < max); pe = n) {
		n = pe->next;
		if (strcmp(pe->key, k) == 0) {
			park__resume(p, pe);
			woken++;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return woken;
}

size_t http_unpark(struct park *p, const char *key)
{
	return park__wake(p, key, 0);
}

size_t http_unpark_one(struct park *p, const char *key)
{
	return park__wake(p, key, 1);
}

void park_request_done(struct http_req *req)
{
	struct park_entry *pe = req->park;
	struct park *p;

	if (!pe)
		return;
	req->park = NULL;
	p = pe->park;
	__atomic_sub_fetch(&p->live, 1, __ATOMIC_SEQ_CST);
	/* Normally unlinked already: a wake, the timer and shutdown unlink an entry before they
	 * resume its connection, and only a resumed connection completes.  The lock is taken
	 * only in the abnormal case, as libmicrohttpd may call this with its own locks held. */
	if (__atomic_load_n(&pe->linked, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&p->lock);
		park__unlink(p, pe);
		pthread_mutex_unlock(&p->lock);
	}
	free(pe);
}
