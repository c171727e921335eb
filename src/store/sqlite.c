/* sqlite: the embedded store backend — one file in the data directory, WAL mode. */
#include "store_int.h"
#include "base/str.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQLITE_CACHE 64 /* prepared statements kept per connection */

struct sqlite_stmt {
	struct store_stmt base;
	const char *sql; /* cache key: the caller's literal */
	sqlite3_stmt *st;
	sqlite3 *db;
};

struct sqlite_conn {
	struct store_conn base;
	sqlite3 *db;
	struct sqlite_stmt cache[SQLITE_CACHE];
	unsigned next_victim;
};

static int sqlite__err(sqlite3 *db, int rc, struct err *e, const char *what)
{
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return err_set(e, SW_E_AGAIN, "database is busy");
	return err_set(e, SW_E_STORE, "%s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

static int sqlite_open(struct store *s, const char *dir, struct err *e)
{
	char path[4096];

	if (str_fmt(path, sizeof(path), "%s/slipway.db", dir))
		return err_set(e, SW_E_INVALID, "data directory path too long");
	s->path = str_dup(path);
	return s->path ? 0 : err_set(e, SW_E_NOMEM, NULL);
}

static void sqlite_close(struct store *s)
{
	(void)s;
}

static int sqlite__pragmas(sqlite3 *db, struct err *e)
{
	static const char pragmas[] = "PRAGMA journal_mode=WAL;"
				      "PRAGMA synchronous=FULL;"
				      "PRAGMA foreign_keys=ON;"
				      "PRAGMA temp_store=MEMORY;"
				      "PRAGMA cache_size=-4000;";
	int rc = sqlite3_exec(db, pragmas, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqlite__err(db, rc, e, "cannot configure the database");
}

static struct store_conn *sqlite_conn_open(struct store *s, struct err *e)
{
	struct sqlite_conn *c = calloc(1, sizeof(*c));
	int rc;

	if (!c) {
		err_set(e, SW_E_NOMEM, NULL);
		return NULL;
	}
	rc =
	    sqlite3_open_v2(s->path, &c->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		sqlite__err(c->db, rc, e, "cannot open the database");
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, 5000);
	if (sqlite__pragmas(c->db, e)) {
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	c->base.backend = c;
	return &c->base;
}

static void sqlite_conn_close(struct store_conn *base)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;

	for (int i = 0; i < SQLITE_CACHE; i++)
		sqlite3_finalize(c->cache[i].st);
	sqlite3_close(c->db);
	free(c);
}

/* Resets every cached statement.  A statement left on a row (a lookup that read the one row it
 * wanted) keeps its connection in a read transaction after COMMIT/ROLLBACK; in WAL mode the
 * next BEGIN IMMEDIATE on that connection then fails with SQLITE_BUSY_SNAPSHOT for good once
 * another connection has committed.  Transactions end with no statement active. */
static void sqlite__reset_all(struct sqlite_conn *c)
{
	for (int i = 0; i < SQLITE_CACHE; i++)
		if (c->cache[i].st)
			sqlite3_reset(c->cache[i].st);
}

static int sqlite_begin(struct store_conn *base, bool write, struct err *e)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;
	int rc = sqlite3_exec(c->db, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqlite__err(c->db, rc, e, "cannot begin a transaction");
}

static int sqlite_commit(struct store_conn *base, struct err *e)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;
	int rc;

	sqlite__reset_all(c);
	rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqlite__err(c->db, rc, e, "cannot commit");
}

static void sqlite_rollback(struct store_conn *base)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;

	sqlite__reset_all(c);
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

extern const struct store_ops store_sqlite_ops;

static struct store_stmt *sqlite_prepare(struct store_conn *base, const char *sql, struct err *e)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;
	struct sqlite_stmt *slot = NULL;
	int rc;

	for (int i = 0; i < SQLITE_CACHE; i++) {
		if (c->cache[i].sql == sql) {
			sqlite3_reset(c->cache[i].st);
			sqlite3_clear_bindings(c->cache[i].st);
			return &c->cache[i].base;
		}
		if (!slot && !c->cache[i].sql)
			slot = &c->cache[i];
	}
	if (!slot) {
		slot = &c->cache[c->next_victim++ % SQLITE_CACHE];
		sqlite3_finalize(slot->st);
		memset(slot, 0, sizeof(*slot));
	}
	rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &slot->st, NULL);
	if (rc != SQLITE_OK) {
		sqlite__err(c->db, rc, e, "cannot prepare statement");
		slot->st = NULL;
		return NULL;
	}
	slot->base.ops = &store_sqlite_ops;
	slot->sql = sql;
	slot->db = c->db;
	return &slot->base;
}

static int sqlite_bind_text(struct store_stmt *base, int idx, const char *v)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;
	int rc = v ? sqlite3_bind_text(st->st, idx, v, -1, SQLITE_TRANSIENT)
		   : sqlite3_bind_null(st->st, idx);

	return rc == SQLITE_OK ? 0 : -SW_E_STORE;
}

static int sqlite_bind_int(struct store_stmt *base, int idx, int64_t v)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;

	return sqlite3_bind_int64(st->st, idx, v) == SQLITE_OK ? 0 : -SW_E_STORE;
}

static int sqlite_bind_null(struct store_stmt *base, int idx)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;

	return sqlite3_bind_null(st->st, idx) == SQLITE_OK ? 0 : -SW_E_STORE;
}

static int sqlite_bind_double(struct store_stmt *base, int idx, double v)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;

	return sqlite3_bind_double(st->st, idx, v) == SQLITE_OK ? 0 : -SW_E_STORE;
}

static int sqlite_step(struct store_stmt *base, struct err *e)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;
	int rc = sqlite3_step(st->st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	rc = sqlite__err(st->db, rc, e, "statement failed");
	sqlite3_reset(st->st);
	return rc;
}

static const char *sqlite_col_text(struct store_stmt *base, int col)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;

	return (const char *)sqlite3_column_text(st->st, col);
}

static int64_t sqlite_col_int(struct store_stmt *base, int col)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;

	return sqlite3_column_int64(st->st, col);
}

static double sqlite_col_double(struct store_stmt *base, int col)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;

	return sqlite3_column_double(st->st, col);
}

static bool sqlite_col_null(struct store_stmt *base, int col)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;

	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

static int64_t sqlite_changes(struct store_conn *base)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;

	return sqlite3_changes64(c->db);
}

static int sqlite_exec_script(struct store_conn *base, const char *sql, struct err *e)
{
	struct sqlite_conn *c = (struct sqlite_conn *)base;
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK) {
		err_set(e, rc == SQLITE_BUSY ? SW_E_AGAIN : SW_E_STORE, "%s",
			msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -e->code;
	}
	return 0;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.conn_open = sqlite_conn_open,
	.conn_close = sqlite_conn_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.prepare = sqlite_prepare,
	.bind_text = sqlite_bind_text,
	.bind_int = sqlite_bind_int,
	.bind_null = sqlite_bind_null,
	.bind_double = sqlite_bind_double,
	.step = sqlite_step,
	.col_text = sqlite_col_text,
	.col_int = sqlite_col_int,
	.col_null = sqlite_col_null,
	.col_double = sqlite_col_double,
	.changes = sqlite_changes,
	.exec_script = sqlite_exec_script,
};
