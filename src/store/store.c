/* store: connections per thread, transactions and migrations over a backend's ops. */
#include "store_int.h"
#include "base/log.h"
#include "base/str.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void store__forget(void *p)
{
	(void)p; /* connections are closed by store_free or store_thread_done */
}

struct store_conn *store_conn(struct store *s)
{
	struct store_conn *c = pthread_getspecific(s->key);
	struct err e = { 0 };

	if (c)
		return c;
	c = s->ops->conn_open(s, &e);
	if (!c) {
		log_error("store", "cannot open a connection: %s", err_message(&e));
		return NULL;
	}
	c->store = s;
	pthread_setspecific(s->key, c);
	pthread_mutex_lock(&s->lock);
	c->next = s->conns;
	s->conns = c;
	pthread_mutex_unlock(&s->lock);
	return c;
}

void store_thread_done(struct store *s)
{
	struct store_conn *c = pthread_getspecific(s->key), **pp;

	if (!c)
		return;
	pthread_setspecific(s->key, NULL);
	pthread_mutex_lock(&s->lock);
	for (pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	s->ops->conn_close(c);
}

/* One transaction on c: begin, fn, commit; busy databases are retried. A nested call (c is
 * already inside a transaction) joins the outer one. */
static int store__tx_on(struct store *s, struct store_conn *c, bool write, store_fn fn, void *arg,
			struct err *e)
{
	int r;

	if (c->depth) { /* nested: join the outer transaction */
		c->depth++;
		r = fn(c, arg, e);
		c->depth--;
		return r;
	}
	for (int attempt = 0;; attempt++) {
		r = s->ops->begin(c, write, e);
		if (r == -SW_E_AGAIN && attempt < 200) {
			usleep(1000);
			continue;
		}
		if (r)
			return r;
		c->depth = 1;
		r = fn(c, arg, e);
		c->depth = 0;
		if (r) {
			s->ops->rollback(c);
			return r;
		}
		r = s->ops->commit(c, e);
		if (r == -SW_E_AGAIN && attempt < 200) {
			s->ops->rollback(c);
			usleep(1000);
			continue;
		}
		if (r)
			s->ops->rollback(c);
		return r;
	}
}

static int store__tx(struct store *s, bool write, store_fn fn, void *arg, struct err *e)
{
	struct store_conn *c = store_conn(s);

	if (!c)
		return err_set(e, SW_E_STORE, "no store connection");
	return store__tx_on(s, c, write, fn, arg, e);
}

/*
 * Group commit.  Every store_write is handed to one writer thread, which takes all the writes
 * that queued up while it was committing the previous batch and runs them in one transaction,
 * each inside its own savepoint: a write whose fn fails is rolled back to its savepoint alone,
 * the others stay.  One commit (one fsync of the WAL with synchronous=FULL) then makes the whole
 * batch durable, and only then is each caller answered, so every store_write still returns
 * after its own changes are on disk.  Under load the batches grow by themselves (no timer):
 * throughput rises with concurrency while a lone write still costs one commit.
 *
 * If the batch itself fails (begin, a savepoint statement, the commit — e.g. a disk error or a
 * backend that dropped the whole transaction), nothing of it is kept and every write of the
 * batch is run again in a transaction of its own, so each caller gets its own outcome.  fns may
 * therefore run more than once, as they already could when a busy commit was retried.
 */
#define STORE_BATCH_MAX 256

struct store__job {
	store_fn fn;
	void *arg;
	struct err *e;
	int result;
	bool done;
	pthread_cond_t cond;
	struct store__job *next;
};

struct store_writer {
	struct store *s;
	pthread_t thread;
	pthread_mutex_t lock; /* guards the queue and every job's done */
	pthread_cond_t wake;  /* on CLOCK_MONOTONIC */
	struct store__job *head, **tail;
	int queued;	    /* jobs in the queue */
	int last_batch;	    /* size of the previous batch */
	int64_t last_tx_ns; /* how long the previous batch took */
	bool stop;
};

static int64_t store__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int store__sql(struct store *s, struct store_conn *c, const char *sql)
{
	struct err e = { 0 };

	return s->ops->exec_script(c, sql, &e);
}

/* Runs n jobs (n > 1) in one transaction with a savepoint each; false if the batch failed as a
 * whole (then nothing of it was kept). */
static bool store__batch_tx(struct store *s, struct store_conn *c, struct store__job *batch)
{
	struct err e = { 0 };
	int r;

	for (int attempt = 0;; attempt++) {
		r = s->ops->begin(c, true, &e);
		if (r != -SW_E_AGAIN || attempt >= 200)
			break;
		usleep(1000);
	}
	if (r)
		return false;
	c->depth = 1;
	for (struct store__job *j = batch; j; j = j->next) {
		if (store__sql(s, c, "SAVEPOINT sw_write"))
			goto broken;
		j->result = j->fn(c, j->arg, j->e);
		if (j->result && store__sql(s, c, "ROLLBACK TO SAVEPOINT sw_write"))
			goto broken;
		if (store__sql(s, c, "RELEASE SAVEPOINT sw_write"))
			goto broken;
	}
	c->depth = 0;
	if (s->ops->commit(c, &e) == 0)
		return true;
	log_warn("store", "group commit failed, retrying its writes one by one: %s",
		 err_message(&e));
	s->ops->rollback(c);
	return false;
broken:
	c->depth = 0;
	s->ops->rollback(c);
	return false;
}

static void store__batch(struct store *s, struct store_conn *c, struct store__job *batch)
{
	if (!c) {
		for (struct store__job *j = batch; j; j = j->next)
			j->result = err_set(j->e, SW_E_STORE, "no store connection");
		return;
	}
	if (batch->next && store__batch_tx(s, c, batch))
		return;
	for (struct store__job *j = batch; j; j = j->next)
		j->result = store__tx_on(s, c, true, j->fn, j->arg, j->e);
}

/*
 * Called with the first write queued: when the previous batch had several writers, waits a
 * little for as many to queue up again.  Without it the batches shrink to whoever happened to
 * be ready the moment a commit ended (writers released by one commit need a few hundred
 * microseconds to bring their next write), and each commit's fsync serves fewer writes.  The
 * wait is at most half the previous batch's duration (capped at 1 ms), so a lone writer never
 * waits and the added latency stays below the time a commit takes anyway.
 */
static void store__linger(struct store_writer *w)
{
	int64_t wait_ns = w->last_tx_ns / 2, deadline;
	struct timespec ts;

	if (w->last_batch < 2 || w->queued >= w->last_batch)
		return;
	if (wait_ns > 1000000)
		wait_ns = 1000000;
	deadline = store__now_ns() + wait_ns;
	ts.tv_sec = (time_t)(deadline / 1000000000);
	ts.tv_nsec = (long)(deadline % 1000000000);
	while (w->queued < w->last_batch && !w->stop)
		if (pthread_cond_timedwait(&w->wake, &w->lock, &ts) == ETIMEDOUT)
			break;
}

static void *store__writer_main(void *arg)
{
	struct store_writer *w = arg;
	struct store_conn *c = store_conn(w->s);
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&w->lock);
	for (;;) {
		struct store__job *batch, *j, **pp;
		int64_t t0;
		int n = 0;

		while (!w->head && !w->stop)
			pthread_cond_wait(&w->wake, &w->lock);
		if (!w->head)
			break;
		store__linger(w);
		/* take up to STORE_BATCH_MAX queued writes, oldest first */
		batch = w->head;
		for (pp = &w->head; *pp && n < STORE_BATCH_MAX; pp = &(*pp)->next)
			n++;
		w->head = *pp;
		*pp = NULL;
		if (!w->head)
			w->tail = &w->head;
		w->queued -= n;
		w->last_batch = n;
		pthread_mutex_unlock(&w->lock);
		t0 = store__now_ns();
		store__batch(w->s, c, batch);
		pthread_mutex_lock(&w->lock);
		w->last_tx_ns = store__now_ns() - t0;
		for (j = batch; j;) {
			struct store__job *next = j->next;

			j->done = true; /* j lives on its caller's stack: not touched after this */
			pthread_cond_signal(&j->cond);
			j = next;
		}
	}
	pthread_mutex_unlock(&w->lock);
	store_thread_done(w->s);
	return NULL;
}

/* The writer thread, started on the first store_write; NULL if it cannot be started. */
static struct store_writer *store__writer(struct store *s)
{
	struct store_writer *w = __atomic_load_n(&s->writer, __ATOMIC_ACQUIRE);

	if (w)
		return w;
	pthread_mutex_lock(&s->lock);
	w = s->writer;
	if (!w && (w = calloc(1, sizeof(*w)))) {
		pthread_condattr_t ca;

		w->s = s;
		w->tail = &w->head;
		pthread_mutex_init(&w->lock, NULL);
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w->wake, &ca);
		pthread_condattr_destroy(&ca);
		if (pthread_create(&w->thread, NULL, store__writer_main, w) == 0) {
			__atomic_store_n(&s->writer, w, __ATOMIC_RELEASE);
		} else {
			log_warn("store",
				 "cannot start the writer thread: writes commit one by one");
			pthread_cond_destroy(&w->wake);
			pthread_mutex_destroy(&w->lock);
			free(w);
			w = NULL;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return w;
}

static void store__writer_stop(struct store *s)
{
	struct store_writer *w = s->writer;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true; /* the writer drains the queue first */
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	s->writer = NULL;
}

int store_write(struct store *s, store_fn fn, void *arg, struct err *e)
{
	struct store_conn *c = pthread_getspecific(s->key);
	struct store__job job = { .fn = fn, .arg = arg, .e = e };
	struct store_writer *w;

	if (c && c->depth) /* inside a transaction of this thread: join it */
		return store__tx_on(s, c, true, fn, arg, e);
	w = store__writer(s);
	if (!w)
		return store__tx(s, true, fn, arg, e);
	pthread_cond_init(&job.cond, NULL);
	pthread_mutex_lock(&w->lock);
	*w->tail = &job;
	w->tail = &job.next;
	w->queued++;
	pthread_cond_signal(&w->wake);
	while (!job.done)
		pthread_cond_wait(&job.cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
	pthread_cond_destroy(&job.cond);
	return job.result;
}

int store_read(struct store *s, store_fn fn, void *arg, struct err *e)
{
	return store__tx(s, false, fn, arg, e);
}

/* A prepared statement, cached per connection by the address of sql (pass string literals).
 * Returns NULL and sets e on failure. The statement is reset and unbound. */
static struct store_stmt *store_prepare(struct store_conn *c, const char *sql, struct err *e)
{
	return c->store->ops->prepare(c, sql, e);
}

static int store_bind_text(struct store_stmt *st, int idx, const char *v)
{
	return st->ops->bind_text(st, idx, v);
}

static int store_bind_int(struct store_stmt *st, int idx, int64_t v)
{
	return st->ops->bind_int(st, idx, v);
}

static int store_bind_null(struct store_stmt *st, int idx)
{
	return st->ops->bind_null(st, idx);
}

static int store_bind_double(struct store_stmt *st, int idx, double v)
{
	return st->ops->bind_double(st, idx, v);
}

int store_step(struct store_stmt *st, struct err *e)
{
	return st->ops->step(st, e);
}

const char *store_col_text(struct store_stmt *st, int col)
{
	return st->ops->col_text(st, col);
}

int64_t store_col_int(struct store_stmt *st, int col)
{
	return st->ops->col_int(st, col);
}

bool store_col_null(struct store_stmt *st, int col)
{
	return st->ops->col_null(st, col);
}

double store_col_double(struct store_stmt *st, int col)
{
	return st->ops->col_double(st, col);
}

int64_t store_changes(struct store_conn *c)
{
	return c->store->ops->changes(c);
}

int store_exec(struct store_conn *c, struct store_stmt **out, const char *sql, const char *types,
	       struct err *e, ...)
{
	struct store_stmt *st = store_prepare(c, sql, e);
	va_list ap;
	int r = 0, i = 1;

	if (!st)
		return -SW_E_STORE;
	va_start(ap, e);
	for (const char *t = types; *t && !r; t++, i++) {
		switch (*t) {
		case 't':
			r = store_bind_text(st, i, va_arg(ap, const char *));
			break;
		case 'i':
			r = store_bind_int(st, i, va_arg(ap, int64_t));
			break;
		case 'd':
			r = store_bind_double(st, i, va_arg(ap, double));
			break;
		case 'n':
			r = store_bind_null(st, i);
			break;
		default:
			r = -SW_E_INTERNAL;
		}
	}
	va_end(ap);
	if (r)
		return err_set(e, SW_E_STORE, "cannot bind parameter %d of: %s", i - 1, sql);
	if (out)
		*out = st;
	return store_step(st, e);
}

static int store__migrate(struct store *s, struct err *e)
{
	struct store_conn *c = store_conn(s);
	struct store_stmt *st;
	int r, have = 0;

	if (!c)
		return err_set(e, SW_E_STORE, "no store connection");
	r = s->ops->exec_script(c,
				"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
				"PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
				e);
	if (r)
		return r;
	/* Each migration is applied unless its own version is recorded: a migration numbered
	 * below one already applied (branches landing out of order) still runs. */
	for (int i = 0; i < store_migration_count; i++) {
		const struct store_migration *m = &store_migrations[i];

		r = store_exec(c, &st, "SELECT 1 FROM schema_migrations WHERE version = ?", "i", e,
			       (int64_t)m->version);
		if (r < 0)
			return r;
		if (r == 1) {
			if (m->version > have)
				have = m->version;
			continue;
		}
		r = s->ops->begin(c, true, e);
		if (!r)
			r = s->ops->exec_script(c, m->sql, e);
		if (!r)
			r = store_exec(c, NULL,
				       "INSERT INTO schema_migrations (version, name, applied_at) "
				       "VALUES (?, ?, ?)",
				       "iti", e, (int64_t)m->version, m->name, (int64_t)time(NULL));
		if (r >= 0)
			r = s->ops->commit(c, e);
		if (r < 0) {
			s->ops->rollback(c);
			return err_set(e, SW_E_STORE, "migration %04d_%s failed: %s", m->version,
				       m->name, err_message(e));
		}
		log_info("store", "applied migration %04d_%s", m->version, m->name);
		if (m->version > have)
			have = m->version;
	}
	s->version = have;
	return 0;
}

/* store__migrate under the backend's migration lock, when it has one. */
static int store__migrate_locked(struct store *s, struct err *e)
{
	struct store_conn *c;
	int r;

	if (!s->ops->migrate_lock)
		return store__migrate(s, e);
	c = store_conn(s);
	if (!c)
		return err_set(e, SW_E_STORE, "no store connection");
	r = s->ops->migrate_lock(c, true, e);
	if (r)
		return r;
	r = store__migrate(s, e);
	s->ops->migrate_lock(c, false, NULL);
	return r;
}

int store_open(struct store **out, const char *dir, struct err *e)
{
	return store_open_url(out, dir, NULL, e);
}

int store_open_url(struct store **out, const char *dir, const char *url, struct err *e)
{
	const struct store_ops *ops = &store_sqlite_ops;
	struct store *s;
	int r;

	if (url && url[0]) {
		if (!str_starts(url, "postgres://") && !str_starts(url, "postgresql://"))
			return err_set(e, SW_E_INVALID,
				       "unsupported store URL: want postgres:// or postgresql://");
		ops = &store_postgres_ops;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, SW_E_NOMEM, NULL);
	s->ops = ops;
	pthread_mutex_init(&s->lock, NULL);
	if (pthread_key_create(&s->key, store__forget)) {
		free(s);
		return err_set(e, SW_E_INTERNAL, "pthread_key_create failed");
	}
	r = s->ops->open(s, ops == &store_sqlite_ops ? dir : url, e);
	if (!r)
		r = store__migrate_locked(s, e);
	if (r) {
		store_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int store_schema_version(struct store *s)
{
	return s->version;
}

void store_free(struct store *s)
{
	struct store_conn *c, *next;

	if (!s)
		return;
	store__writer_stop(s);
	for (c = s->conns; c; c = next) {
		next = c->next;
		s->ops->conn_close(c);
	}
	s->conns = NULL;
	pthread_setspecific(s->key, NULL);
	if (s->ops->close)
		s->ops->close(s);
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}
