/* postgres: the store backend for teams that run several slipwayd replicas on one database —
 * libpq, one connection per thread, write transactions serialised by an advisory lock. */
#include "store_int.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"

#include <errno.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PG_CACHE      256	/* prepared statements kept per connection */
#define PG_SQL_MAX    (1 << 20) /* longest statement text after rewriting */
#define PG_PARAMS_MAX 4096	/* most `?` in one statement */

/*
 * Advisory lock keys.  PostgreSQL scopes advisory locks to the current database, so several
 * Slipway installations can share a server.  Every write transaction takes PG_WRITE_LOCK for
 * its duration: writes are serialised across all replicas exactly as SQLite's BEGIN IMMEDIATE
 * serialises them across connections.  PG_MIGRATE_LOCK is held for a whole migration run, so
 * replicas that start together on an empty database apply each migration once.
 */
#define PG_WRITE_LOCK	"7236846402597146625" /* 0x646e_6177_7069_6c01: "slipwayd" + 1 */
#define PG_MIGRATE_LOCK "7236846402597146626"

/* Parameter type OIDs (pg_type.h is a server header). */
#define PG_OID_INT8   20
#define PG_OID_TEXT   25
#define PG_OID_FLOAT8 701

struct pg_store {
	char *conninfo; /* the URL as given: never logged, it may carry a password */
};

struct pg_conn;

struct pg_stmt {
	struct store_stmt base;
	struct pg_conn *conn;
	const char *sql; /* cache key: the caller's literal */
	char *text;	 /* sql with $1, $2 … in place of `?` */
	char name[24];	 /* server-side prepared statement; "" until prepared */
	int nparams;
	char **values; /* bound values as text, owned; NULL is SQL NULL */
	char *kinds;   /* per parameter: 'i' bound as int, 'd' double, 't' text, 'n' NULL */
	PGresult *res; /* the executed result, rows read one per step */
	int row;
	int nrows;
};

struct pg_conn {
	struct store_conn base;
	PGconn *pg;
	struct pg_stmt cache[PG_CACHE];
	unsigned next_victim;
	unsigned next_name;
	int64_t changes;
};

extern const struct store_ops store_postgres_ops;

/* Records the failure of res (or of the connection when res says nothing) in e.  Serialisation
 * failures, deadlocks and lock timeouts become -SW_E_AGAIN so the transaction is retried. */
static int pg__err(PGconn *pg, const PGresult *res, struct err *e, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int code = SW_E_STORE;
	size_t n;

	if (!msg || !msg[0])
		msg = PQerrorMessage(pg);
	if (!msg || !msg[0])
		msg = res ? PQresStatus(PQresultStatus(res)) : "no connection";
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	if (state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
		      strcmp(state, "55P03") == 0))
		code = SW_E_AGAIN;
	return err_set(e, code, "%s: %.*s%s%s%s", what, (int)n, msg, state ? " (SQLSTATE " : "",
		       state ? state : "", state ? ")" : "");
}

static bool pg__ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* Runs sql (one or more statements, no parameters); 0 or the error of the failing one. */
static int pg__run(PGconn *pg, const char *sql, struct err *e, const char *what)
{
	PGresult *res = PQexec(pg, sql);
	int r = pg__ok(res) ? 0 : pg__err(pg, res, e, what);

	PQclear(res);
	return r;
}

/* Server notices ("relation … already exists, skipping") go to the log, not to stderr. */
static void pg__notice(void *arg, const char *msg)
{
	size_t n = strlen(msg);

	(void)arg;
	while (n > 0 && msg[n - 1] == '\n')
		n--;
	log_debug("store", "postgres: %.*s", (int)n, msg);
}

/* Session settings, on every new or reset connection. */
static int pg__session(PGconn *pg, struct err *e)
{
	PQsetNoticeProcessor(pg, pg__notice, NULL);
	/* Like SQLite's busy timeout: a lock not granted in time is -SW_E_AGAIN, retried. */
	return pg__run(pg, "SET lock_timeout = '5s'", e, "cannot configure the connection");
}

/* A new connection with our defaults (the URL's own settings win over them) in *out. */
static int pg__connect(const char *conninfo, PGconn **out, struct err *e)
{
	static const char *const keys[] = { "fallback_application_name", "client_encoding",
					    "connect_timeout", "dbname", NULL };
	const char *const values[] = { "slipwayd", "UTF8", "10", conninfo, NULL };
	PGconn *pg = PQconnectdbParams(keys, values, 1);
	int r;

	if (!pg)
		return err_set(e, SW_E_NOMEM, NULL);
	if (PQstatus(pg) != CONNECTION_OK)
		r = pg__err(pg, NULL, e, "cannot connect to postgres");
	else
		r = pg__session(pg, e);
	if (r) {
		PQfinish(pg);
		return r;
	}
	*out = pg;
	return 0;
}

/* Checks what the store relies on once at open, with a connection of its own, so a bad URL or
 * an unreachable server is reported at start with libpq's own words. */
static int pg__check(PGconn *pg, struct err *e)
{
	const char *enc = PQparameterStatus(pg, "server_encoding");
	PGresult *res;
	int r = 0;

	if (PQserverVersion(pg) < 90500)
		return err_set(e, SW_E_STORE,
			       "postgres %d is too old: the store needs 9.5 or later",
			       PQserverVersion(pg));
	if (enc && strcmp(enc, "UTF8") != 0)
		log_warn("store",
			 "postgres database encoding is '%s', not UTF8: names outside "
			 "ASCII may be refused",
			 enc);
	res = PQexec(pg, "SELECT datcollate, current_database() FROM pg_database "
			 "WHERE datname = current_database()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		r = pg__err(pg, res, e, "cannot read the database's settings");
	} else if (PQntuples(res) == 1) {
		const char *coll = PQgetvalue(res, 0, 0);

		/* SQLite compares text byte by byte; so do C and POSIX.  Any other collation
		 * orders listings (and their nextToken pages) differently from the SQLite store. */
		if (strcmp(coll, "C") != 0 && strcmp(coll, "POSIX") != 0 && !str_starts(coll, "C."))
			log_warn(
			    "store",
			    "postgres database '%s' has collation '%s': listings will not be in "
			    "byte order as with SQLite; create it with LC_COLLATE 'C'",
			    PQgetvalue(res, 0, 1), coll);
		log_info("store", "postgres database '%s' on %s:%s (server %d)",
			 PQgetvalue(res, 0, 1), PQhost(pg), PQport(pg), PQserverVersion(pg));
	}
	PQclear(res);
	return r;
}

static int pg_open(struct store *s, const char *url, struct err *e)
{
	struct pg_store *b;
	PGconn *pg = NULL; /* gcc -O3 cannot see that pg__connect sets it on success */
	int r;

	if (!PQisthreadsafe())
		return err_set(e, SW_E_STORE, "this libpq is not thread-safe");
	b = calloc(1, sizeof(*b));
	if (!b || !(b->conninfo = str_dup(url))) {
		free(b);
		return err_set(e, SW_E_NOMEM, NULL);
	}
	s->backend = b;
	r = pg__connect(b->conninfo, &pg, e);
	if (r)
		return r;
	r = pg__check(pg, e);
	PQfinish(pg);
	return r;
}

static void pg_close(struct store *s)
{
	struct pg_store *b = s->backend;

	if (!b)
		return;
	explicit_bzero(b->conninfo, strlen(b->conninfo));
	free(b->conninfo);
	free(b);
	s->backend = NULL;
}

/* Forgets the result and the bound values; the server-side statement stays prepared. */
static void pg__stmt_reset(struct pg_stmt *st)
{
	PQclear(st->res);
	st->res = NULL;
	st->row = st->nrows = 0;
	for (int i = 0; i < st->nparams; i++) {
		free(st->values[i]);
		st->values[i] = NULL;
		st->kinds[i] = 'n';
	}
}

/* Frees everything the slot holds; the server-side statement is left to the caller. */
static void pg__stmt_release(struct pg_stmt *st)
{
	pg__stmt_reset(st);
	free(st->values);
	free(st->kinds);
	free(st->text);
	memset(st, 0, sizeof(*st));
}

static struct store_conn *pg_conn_open(struct store *s, struct err *e)
{
	struct pg_store *b = s->backend;
	struct pg_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		err_set(e, SW_E_NOMEM, NULL);
		return NULL;
	}
	if (pg__connect(b->conninfo, &c->pg, e)) {
		free(c);
		return NULL;
	}
	c->base.backend = c;
	return &c->base;
}

static void pg_conn_close(struct store_conn *base)
{
	struct pg_conn *c = (struct pg_conn *)base;

	for (int i = 0; i < PG_CACHE; i++)
		pg__stmt_release(&c->cache[i]);
	PQfinish(c->pg);
	free(c);
}

/* After the server went away: a new session, in which nothing is prepared yet. */
static int pg__reconnect(struct pg_conn *c, struct err *e)
{
	log_warn("store", "postgres connection lost (%s); reconnecting", PQerrorMessage(c->pg));
	for (int i = 0; i < PG_CACHE; i++) {
		pg__stmt_reset(&c->cache[i]);
		c->cache[i].name[0] = '\0';
	}
	PQreset(c->pg);
	if (PQstatus(c->pg) != CONNECTION_OK)
		return pg__err(c->pg, NULL, e, "cannot reconnect to postgres");
	return pg__session(c->pg, e);
}

static int pg_begin(struct store_conn *base, bool write, struct err *e)
{
	struct pg_conn *c = (struct pg_conn *)base;
	/* Reads see one snapshot; writes wait for the lock, then each statement sees everything
	 * committed before it — which, with every writer holding the lock, cannot change under
	 * them. */
	const char *sql = write ? "BEGIN ISOLATION LEVEL READ COMMITTED; "
				  "SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")"
				: "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
	int r;

	for (int attempt = 0;; attempt++) {
		if (PQstatus(c->pg) != CONNECTION_OK) {
			r = pg__reconnect(c, e);
			if (r)
				return r;
		}
		r = pg__run(c->pg, sql, e, "cannot begin a transaction");
		if (!r)
			return 0;
		if (PQtransactionStatus(c->pg) != PQTRANS_IDLE &&
		    PQtransactionStatus(c->pg) != PQTRANS_UNKNOWN)
			PQclear(PQexec(c->pg, "ROLLBACK"));
		/* A connection that broke while idle (server restart, failover) is found here,
		 * before any of the transaction's work: reconnect once and begin again. */
		if (attempt > 0 || PQstatus(c->pg) == CONNECTION_OK)
			return r;
	}
}

static int pg_commit(struct store_conn *base, struct err *e)
{
	struct pg_conn *c = (struct pg_conn *)base;
	PGresult *res = PQexec(c->pg, "COMMIT");
	int r = 0;

	if (!pg__ok(res))
		r = pg__err(c->pg, res, e, "cannot commit");
	else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0)
		/* A statement failed and fn carried on: PostgreSQL has already given up. */
		r = err_set(e, SW_E_STORE,
			    "cannot commit: the transaction was aborted by an "
			    "earlier failed statement");
	PQclear(res);
	return r;
}

static void pg_rollback(struct store_conn *base)
{
	struct pg_conn *c = (struct pg_conn *)base;
	PGTransactionStatusType ts = PQtransactionStatus(c->pg);

	if (ts != PQTRANS_IDLE && ts != PQTRANS_UNKNOWN)
		PQclear(PQexec(c->pg, "ROLLBACK"));
}

/*
 * Rewrites `?` placeholders to $1, $2 … outside string literals, quoted identifiers and
 * comments.  Returns the number of parameters, or a negative error.
 */
static int pg__rewrite(const char *sql, struct buf *out)
{
	int n = 0, r = 0;

	for (const char *p = sql; *p && !r; p++) {
		if (*p == '?') {
			if (n == PG_PARAMS_MAX)
				return -SW_E_TOO_LARGE;
			r = buf_addf(out, "$%d", ++n);
		} else if (*p == '\'' || *p == '"') {
			const char *q = p + 1;

			while (*q && *q != *p)
				q++;
			r = buf_add(out, p, (size_t)(q - p) + (*q ? 1 : 0));
			p = *q ? q : q - 1; /* a doubled quote just reopens the literal */
		} else if (p[0] == '-' && p[1] == '-') {
			size_t len = strcspn(p, "\n");

			r = buf_add(out, p, len);
			p += len - 1;
		} else if (p[0] == '/' && p[1] == '*') {
			const char *end = strstr(p + 2, "*/");
			size_t len = end ? (size_t)(end + 2 - p) : strlen(p);

			r = buf_add(out, p, len);
			p += len - 1;
		} else {
			r = buf_addc(out, *p);
		}
	}
	return r ? r : n;
}

static struct store_stmt *pg_prepare(struct store_conn *base, const char *sql, struct err *e)
{
	struct pg_conn *c = (struct pg_conn *)base;
	struct pg_stmt *slot = NULL;
	struct buf text = BUF_INIT(PG_SQL_MAX);
	int n;

	for (int i = 0; i < PG_CACHE; i++) {
		if (c->cache[i].sql == sql) {
			pg__stmt_reset(&c->cache[i]);
			return &c->cache[i].base;
		}
		if (!slot && !c->cache[i].sql)
			slot = &c->cache[i];
	}
	if (!slot) {
		slot = &c->cache[c->next_victim++ % PG_CACHE];
		if (slot->name[0]) {
			char dealloc[64];

			/* Best effort: in an aborted transaction this fails and the plan stays
			 * on the server until the connection closes, which is harmless. */
			str_fmt(dealloc, sizeof(dealloc), "DEALLOCATE %s", slot->name);
			PQclear(PQexec(c->pg, dealloc));
		}
		pg__stmt_release(slot);
	}
	n = pg__rewrite(sql, &text);
	if (n < 0) {
		buf_release(&text);
		err_set(e, SW_E_STORE, "statement too long or with too many parameters: %.80s",
			sql);
		return NULL;
	}
	slot->text = buf_detach(&text);
	slot->values = calloc((size_t)n + 1, sizeof(*slot->values));
	slot->kinds = calloc((size_t)n + 1, 1);
	if (!slot->text || !slot->values || !slot->kinds) {
		pg__stmt_release(slot);
		err_set(e, SW_E_NOMEM, NULL);
		return NULL;
	}
	memset(slot->kinds, 'n', (size_t)n);
	slot->nparams = n;
	slot->base.ops = &store_postgres_ops;
	slot->conn = c;
	slot->sql = sql;
	return &slot->base;
}

static int pg__bind(struct pg_stmt *st, int idx, char *v, char kind)
{
	if (idx < 1 || idx > st->nparams) {
		free(v);
		return -SW_E_STORE;
	}
	PQclear(st->res); /* binding starts a new execution, as with sqlite3_reset */
	st->res = NULL;
	free(st->values[idx - 1]);
	st->values[idx - 1] = v;
	st->kinds[idx - 1] = kind;
	return 0;
}

static int pg_bind_text(struct store_stmt *base, int idx, const char *v)
{
	struct pg_stmt *st = (struct pg_stmt *)base;
	char *copy = NULL;

	if (v && !(copy = str_dup(v)))
		return -SW_E_NOMEM;
	return pg__bind(st, idx, copy, v ? 't' : 'n');
}

static int pg_bind_int(struct store_stmt *base, int idx, int64_t v)
{
	struct pg_stmt *st = (struct pg_stmt *)base;
	char num[24], *copy;

	str_fmt(num, sizeof(num), "%" PRId64, v);
	copy = str_dup(num);
	if (!copy)
		return -SW_E_NOMEM;
	return pg__bind(st, idx, copy, 'i');
}

static int pg_bind_double(struct store_stmt *base, int idx, double v)
{
	struct pg_stmt *st = (struct pg_stmt *)base;
	char num[32], *copy;

	str_fmt(num, sizeof(num), "%.17g", v);
	copy = str_dup(num);
	if (!copy)
		return -SW_E_NOMEM;
	return pg__bind(st, idx, copy, 'd');
}

static int pg_bind_null(struct store_stmt *base, int idx)
{
	return pg__bind((struct pg_stmt *)base, idx, NULL, 'n');
}

/*
 * Prepares st on the server, with parameter types taken from the first execution's bindings:
 * an int is int8, anything else is left for the server to infer from its context.  Where the
 * context says nothing (`? IS NULL`) the text parameters are declared text; where int8 does not
 * fit the context (an int compared with a text column) every type is left to the server.
 * Inside a transaction each attempt runs under a savepoint, as a failed Parse would otherwise
 * abort the whole transaction.
 */
/* The declared type of a parameter bound as kind; other is what text and NULL get. */
static Oid pg__param_type(char kind, Oid other)
{
	return kind == 'i' ? PG_OID_INT8 : kind == 'd' ? PG_OID_FLOAT8 : other;
}

static int pg__stmt_prepare(struct pg_stmt *st, struct err *e)
{
	struct pg_conn *c = st->conn;
	bool in_tx = PQtransactionStatus(c->pg) == PQTRANS_INTRANS;
	Oid *types = calloc((size_t)st->nparams + 1, sizeof(*types));
	bool has_int = false;
	int r = 0;

	if (!types)
		return err_set(e, SW_E_NOMEM, NULL);
	str_fmt(st->name, sizeof(st->name), "sw_%u", c->next_name++);
	for (int i = 0; i < st->nparams; i++) {
		types[i] = pg__param_type(st->kinds[i], 0);
		has_int |= st->kinds[i] == 'i';
	}
	for (int attempt = 0; attempt < 3; attempt++) {
		PGresult *res;
		char state[6] = "";

		if (in_tx && (r = pg__run(c->pg, "SAVEPOINT sw_prepare", e, "cannot prepare")))
			break;
		res = PQprepare(c->pg, st->name, st->text, st->nparams, types);
		if (pg__ok(res)) {
			PQclear(res);
			r = in_tx ? pg__run(c->pg, "RELEASE SAVEPOINT sw_prepare", e,
					    "cannot prepare")
				  : 0;
			break;
		}
		r = pg__err(c->pg, res, e, "cannot prepare statement");
		if (PQresultErrorField(res, PG_DIAG_SQLSTATE))
			str_copy(state, sizeof(state), PQresultErrorField(res, PG_DIAG_SQLSTATE));
		PQclear(res);
		if (in_tx && pg__run(c->pg, "ROLLBACK TO SAVEPOINT sw_prepare", NULL, "rollback"))
			break;
		if (attempt == 0 && strcmp(state, "42P18") == 0) { /* indeterminate_datatype */
			for (int i = 0; i < st->nparams; i++)
				types[i] = pg__param_type(st->kinds[i], PG_OID_TEXT);
		} else if (attempt == 0 && has_int &&
			   (strcmp(state, "42883") == 0 || strcmp(state, "42804") == 0 ||
			    strcmp(state, "42725") == 0)) { /* no such operator, type mismatch */
			memset(types, 0, sizeof(*types) * (size_t)st->nparams);
		} else {
			break;
		}
	}
	free(types);
	if (r) {
		log_debug("store", "cannot prepare: %s", st->text);
		st->name[0] = '\0';
	}
	return r;
}

static int pg_step(struct store_stmt *base, struct err *e)
{
	struct pg_stmt *st = (struct pg_stmt *)base;
	struct pg_conn *c = st->conn;
	int r;

	if (!st->res) {
		PGresult *res;

		if (!st->name[0] && (r = pg__stmt_prepare(st, e)))
			return r;
		res = PQexecPrepared(c->pg, st->name, st->nparams, (const char *const *)st->values,
				     NULL, NULL, 0);
		if (!pg__ok(res)) {
			r = pg__err(c->pg, res, e, "statement failed");
			PQclear(res);
			return r;
		}
		if (!str_starts(PQcmdStatus(res), "SELECT")) {
			int64_t n = 0;

			str_to_i64(PQcmdTuples(res), 0, INT64_MAX, &n);
			c->changes = n;
		}
		st->res = res;
		st->row = -1;
		st->nrows = PQntuples(res);
	}
	if (st->row + 1 < st->nrows) {
		st->row++;
		return 1;
	}
	/* Done: free the rows now; stepping again executes again, as sqlite3_step does. */
	PQclear(st->res);
	st->res = NULL;
	st->row = st->nrows = 0;
	return 0;
}

static bool pg__has(struct pg_stmt *st, int col)
{
	return st->res && st->row >= 0 && st->row < st->nrows && col >= 0 &&
	       col < PQnfields(st->res);
}

static const char *pg_col_text(struct store_stmt *base, int col)
{
	struct pg_stmt *st = (struct pg_stmt *)base;

	if (!pg__has(st, col) || PQgetisnull(st->res, st->row, col))
		return NULL;
	return PQgetvalue(st->res, st->row, col);
}

/* Text to int64 as SQLite converts it: leading digits count, booleans are 1 and 0, anything
 * else is 0. */
static int64_t pg_col_int(struct store_stmt *base, int col)
{
	const char *v = pg_col_text(base, col);
	long long n;
	char *end;

	if (!v)
		return 0;
	if (strcmp(v, "t") == 0)
		return 1;
	if (strcmp(v, "f") == 0)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	return end == v ? 0 : (int64_t)n;
}

static double pg_col_double(struct store_stmt *base, int col)
{
	const char *v = pg_col_text(base, col);

	return v ? strtod(v, NULL) : 0;
}

static bool pg_col_null(struct store_stmt *base, int col)
{
	struct pg_stmt *st = (struct pg_stmt *)base;

	return !pg__has(st, col) || PQgetisnull(st->res, st->row, col);
}

static int64_t pg_changes(struct store_conn *base)
{
	return ((struct pg_conn *)base)->changes;
}

static int pg_exec_script(struct store_conn *base, const char *sql, struct err *e)
{
	struct pg_conn *c = (struct pg_conn *)base;

	return pg__run(c->pg, sql, e, "script failed");
}

static int pg_migrate_lock(struct store_conn *base, bool lock, struct err *e)
{
	struct pg_conn *c = (struct pg_conn *)base;
	int r;

	if (!lock)
		return pg__run(c->pg, "SELECT pg_advisory_unlock(" PG_MIGRATE_LOCK ")", e,
			       "cannot release the migration lock");
	/* Another replica may be migrating: wait as long as it takes, saying so. */
	while ((r = pg__run(c->pg, "SELECT pg_advisory_lock(" PG_MIGRATE_LOCK ")", e,
			    "cannot take the migration lock")) == -SW_E_AGAIN)
		log_info("store", "waiting for another slipwayd to finish migrating the database");
	return r;
}

const struct store_ops store_postgres_ops = {
	.name = "postgres",
	.open = pg_open,
	.close = pg_close,
	.conn_open = pg_conn_open,
	.conn_close = pg_conn_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.prepare = pg_prepare,
	.bind_text = pg_bind_text,
	.bind_int = pg_bind_int,
	.bind_null = pg_bind_null,
	.bind_double = pg_bind_double,
	.step = pg_step,
	.col_text = pg_col_text,
	.col_int = pg_col_int,
	.col_null = pg_col_null,
	.col_double = pg_col_double,
	.changes = pg_changes,
	.exec_script = pg_exec_script,
	.migrate_lock = pg_migrate_lock,
};
