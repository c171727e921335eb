/* store: the one small SQL layer every piece of state goes through.
 *
 * Statements use `?` placeholders and portable SQL so that the same text runs on every backend
 * (SQLite, and PostgreSQL for several replicas: struct store_ops).  A connection is bound
 * to the calling thread.  Writes go through store_write(), which owns the transaction, so the
 * commit policy (group commit: one writer thread, see store.c) lives in one place.
 */
#ifndef SW_STORE_H
#define SW_STORE_H

#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

struct store;
struct store_conn;
struct store_stmt;

/* Opens (creating if needed) the store in directory dir and runs pending migrations. */
int store_open(struct store **out, const char *dir, struct err *e);
/* Opens the store named by url and runs pending migrations: url NULL or "" is SQLite in dir
 * (store_open); `postgres://…` or `postgresql://…` is that PostgreSQL database (any libpq
 * connection URI; the database must exist).  Any other scheme is -SW_E_INVALID.  The URL is
 * not logged (it may hold a password). */
int store_open_url(struct store **out, const char *dir, const char *url, struct err *e);
/* Closes every connection; the struct is freed. */
void store_free(struct store *s);
/* Number of migrations compiled in, and the schema version of the open store. */
int store_schema_version(struct store *s);

/* The calling thread's connection (opened on first use, closed by store_free or
 * store_thread_done). NULL on failure. */
struct store_conn *store_conn(struct store *s);
/* Releases the calling thread's connection before the thread exits. */
void store_thread_done(struct store *s);

typedef int (*store_fn)(struct store_conn *c, void *arg, struct err *e);
/* Runs fn inside one write transaction; commits when fn returns 0, else rolls back and returns
 * fn's error.  Busy databases are retried; an error of the store itself is SW_E_STORE.
 * Returns once the write is durable.  fn runs on the store's writer thread (not the caller's),
 * in a savepoint of a transaction it may share with concurrent writes, and may run more than
 * once if that transaction has to be retried: it must rely on c, arg and e only.  Called
 * inside a transaction of the calling thread, fn joins that transaction instead. */
int store_write(struct store *s, store_fn fn, void *arg, struct err *e);
/* Runs fn inside one read transaction (a consistent snapshot). */
int store_read(struct store *s, store_fn fn, void *arg, struct err *e);

/* 1 when a row is ready, 0 when done, negative on error (e set). */
int store_step(struct store_stmt *st, struct err *e);
/* Column values of the current row (0-based), valid until the next step/reset. */
const char *store_col_text(struct store_stmt *st, int col); /* NULL for SQL NULL */
int64_t store_col_int(struct store_stmt *st, int col);
double store_col_double(struct store_stmt *st, int col); /* 0 for SQL NULL */
bool store_col_null(struct store_stmt *st, int col);
/* Rows changed by the last statement on c. */
int64_t store_changes(struct store_conn *c);

/*
 * Convenience: prepares sql, binds args by the letters of types ('t' text, 'i' int64, 'd' double —
 * finite only —, 'n' NULL) and steps once.  Returns 1 if a row is available (read it with
 * store_col_*), 0 if none, negative on error.  The statement stays valid until the next
 * store_prepare of the same sql.
 */
int store_exec(struct store_conn *c, struct store_stmt **out, const char *sql, const char *types,
	       struct err *e, ...);

/* The backend interface: what a new backend implements. */
struct store_ops {
	const char *name;
	int (*open)(struct store *s, const char *dir, struct err *e);
	void (*close)(struct store *s);
	struct store_conn *(*conn_open)(struct store *s, struct err *e);
	void (*conn_close)(struct store_conn *c);
	int (*begin)(struct store_conn *c, bool write, struct err *e);
	int (*commit)(struct store_conn *c, struct err *e);
	void (*rollback)(struct store_conn *c);
	struct store_stmt *(*prepare)(struct store_conn *c, const char *sql, struct err *e);
	int (*bind_text)(struct store_stmt *st, int idx, const char *v);
	int (*bind_int)(struct store_stmt *st, int idx, int64_t v);
	int (*bind_null)(struct store_stmt *st, int idx);
	int (*bind_double)(struct store_stmt *st, int idx, double v);
	int (*step)(struct store_stmt *st, struct err *e);
	const char *(*col_text)(struct store_stmt *st, int col);
	int64_t (*col_int)(struct store_stmt *st, int col);
	bool (*col_null)(struct store_stmt *st, int col);
	double (*col_double)(struct store_stmt *st, int col);
	int64_t (*changes)(struct store_conn *c);
	int (*exec_script)(struct store_conn *c, const char *sql, struct err *e);
	/* Optional: held around the migration run (lock true, then false on the same
	 * connection) so that processes sharing one database migrate it one at a time. */
	int (*migrate_lock)(struct store_conn *c, bool lock, struct err *e);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_postgres_ops; /* open() receives the URL, not dir */

#endif
