/* store: connections per thread, transactions and migrations over a backend's ops. */
#include "store_int.h"
#include "base/log.h"
#include "base/str.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
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

static int store__tx(struct store *s, bool write, store_fn fn, void *arg, struct err *e)
{
	struct store_conn *c = store_conn(s);
	int r;

	if (!c)
		return err_set(e, SW_E_STORE, "no store connection");
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

int store_write(struct store *s, store_fn fn, void *arg, struct err *e)
{
	return store__tx(s, true, fn, arg, e);
}

int store_read(struct store *s, store_fn fn, void *arg, struct err *e)
{
	return store__tx(s, false, fn, arg, e);
}

struct store_stmt *store_prepare(struct store_conn *c, const char *sql, struct err *e)
{
	return c->store->ops->prepare(c, sql, e);
}

int store_bind_text(struct store_stmt *st, int idx, const char *v)
{
	return st->ops->bind_text(st, idx, v);
}

int store_bind_int(struct store_stmt *st, int idx, int64_t v)
{
	return st->ops->bind_int(st, idx, v);
}

int store_bind_null(struct store_stmt *st, int idx)
{
	return st->ops->bind_null(st, idx);
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
	r = store_exec(c, &st, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "", e);
	if (r < 0)
		return r;
	have = r == 1 ? (int)store_col_int(st, 0) : 0;
	for (int i = 0; i < store_migration_count; i++) {
		const struct store_migration *m = &store_migrations[i];

		if (m->version <= have)
			continue;
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
