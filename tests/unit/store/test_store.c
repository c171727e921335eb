/* test_store: the store's contract, the same on every backend — SQLite in a temporary
 * directory, or the PostgreSQL database named by SLIPWAY_TEST_PG_URL (tests/e2e runs this
 * binary against a real server; `meson test` runs it on SQLite). */
#include "store/store.h"
#include "services/codedeploy/errors.h" /* a handler-like error to roll back on */
#include "base/str.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct store *store;
static char tmpdir[64];

static int setup(void **state)
{
	const char *url = getenv("SLIPWAY_TEST_PG_URL");
	struct err e = { 0 };

	str_copy(tmpdir, sizeof(tmpdir), "/tmp/slipway-store-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (store_open_url(&store, tmpdir, url, &e)) {
		fprintf(stderr, "cannot open the store: %s\n", err_message(&e));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	store_free(store);
	store = NULL;
	str_fmt(path, sizeof(path), "%s/slipway.db", tmpdir);
	unlink(path);
	str_fmt(path, sizeof(path), "%s/slipway.db-wal", tmpdir);
	unlink(path);
	str_fmt(path, sizeof(path), "%s/slipway.db-shm", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

/* -- helpers ------------------------------------------------------------------------------ */

struct sql {
	const char *sql;
	const char *types;
	const char *a, *b; /* text arguments, in order of the 't's */
	int64_t i;	   /* the one int argument */
	int want;	   /* store_exec's result */
	char out[256];	   /* column 0 of the first row as text ("(null)" for NULL) */
	int64_t out_int;   /* column 0 as int */
};

static int run_sql(struct store_conn *c, void *arg, struct err *e)
{
	struct sql *q = arg;
	struct store_stmt *st;
	int r;

	if (strcmp(q->types, "") == 0)
		r = store_exec(c, &st, q->sql, "", e);
	else if (strcmp(q->types, "t") == 0)
		r = store_exec(c, &st, q->sql, "t", e, q->a);
	else if (strcmp(q->types, "i") == 0)
		r = store_exec(c, &st, q->sql, "i", e, q->i);
	else if (strcmp(q->types, "n") == 0)
		r = store_exec(c, &st, q->sql, "n", e);
	else if (strcmp(q->types, "tt") == 0)
		r = store_exec(c, &st, q->sql, "tt", e, q->a, q->b);
	else if (strcmp(q->types, "ti") == 0)
		r = store_exec(c, &st, q->sql, "ti", e, q->a, q->i);
	else if (strcmp(q->types, "tit") == 0)
		r = store_exec(c, &st, q->sql, "tit", e, q->a, q->i, q->b);
	else
		r = -SW_E_INTERNAL;
	if (r == 1) {
		const char *v = store_col_text(st, 0);

		str_copy(q->out, sizeof(q->out), store_col_null(st, 0) ? "(null)" : v);
		q->out_int = store_col_int(st, 0);
	}
	q->want = r;
	return r < 0 ? r : 0;
}

/* Runs one statement in its own write (or read) transaction; returns store_exec's result. */
static int sql_tx(bool write, struct sql *q)
{
	struct err e = { 0 };
	int r = write ? store_write(store, run_sql, q, &e) : store_read(store, run_sql, q, &e);

	if (r)
		fprintf(stderr, "%s: %s\n", q->sql, err_message(&e));
	return r ? r : q->want;
}

struct on_thread {
	bool write;
	struct sql *q;
	int r;
};

static void *on_thread(void *arg)
{
	struct on_thread *t = arg;

	t->r = sql_tx(t->write, t->q);
	store_thread_done(store);
	return NULL;
}

/* sql_tx on a connection of its own (a new thread's), closed afterwards. */
static int sql_tx_new_thread(bool write, struct sql *q)
{
	struct on_thread t = { write, q, -SW_E_INTERNAL };
	pthread_t id;

	if (pthread_create(&id, NULL, on_thread, &t))
		return -SW_E_INTERNAL;
	pthread_join(id, NULL);
	return t.r;
}

static int script(struct store_conn *c, void *arg, struct err *e)
{
	/* DDL through the ordinary statement path: portable on both backends. */
	int r = store_exec(c, NULL, arg, "", e);

	return r < 0 ? r : 0;
}

static void make_table(void)
{
	struct err e = { 0 };

	assert_int_equal(store_write(store, script,
				     "CREATE TABLE IF NOT EXISTS t_store (name TEXT PRIMARY KEY, "
				     "n BIGINT, note TEXT)",
				     &e),
			 0);
	assert_int_equal(store_write(store, script, "DELETE FROM t_store", &e), 0);
}

/* -- tests -------------------------------------------------------------------------------- */

static void test_migrations_applied(void **state)
{
	struct sql q = { .sql = "SELECT COUNT(*) FROM schema_migrations", .types = "" };

	assert_true(store_schema_version(store) >= 1);
	assert_int_equal(sql_tx(false, &q), 1);
	assert_true(q.out_int >= 1);
}

static void test_values_round_trip(void **state)
{
	struct sql ins = { .sql = "INSERT INTO t_store (name, n, note) VALUES (?, ?, ?)",
			   .types = "tit" };
	struct sql get = { .sql = "SELECT n FROM t_store WHERE name = ?", .types = "t" };
	struct sql note = { .sql = "SELECT note FROM t_store WHERE name = ?", .types = "t" };

	make_table();
	ins.a = "big", ins.i = INT64_MAX, ins.b = "h\xc3\xa9llo, w\xc3\xb6rld \xe2\x9c\x93";
	assert_int_equal(sql_tx(true, &ins), 0);
	ins.a = "small", ins.i = INT64_MIN, ins.b = NULL;
	assert_int_equal(sql_tx(true, &ins), 0);

	get.a = "big";
	assert_int_equal(sql_tx(false, &get), 1);
	assert_true(get.out_int == INT64_MAX);
	get.a = "small";
	assert_int_equal(sql_tx(false, &get), 1);
	assert_true(get.out_int == INT64_MIN);
	get.a = "missing";
	assert_int_equal(sql_tx(false, &get), 0);

	note.a = "big";
	assert_int_equal(sql_tx(false, &note), 1);
	assert_string_equal(note.out, "h\xc3\xa9llo, w\xc3\xb6rld \xe2\x9c\x93");
	note.a = "small";
	assert_int_equal(sql_tx(false, &note), 1);
	assert_string_equal(note.out, "(null)");
}

/* Doubles ('d', store_col_double) keep every bit on both backends, and compare as numbers.
 * (It runs on the store's writer thread, so it reports what went wrong rather than asserting.) */
static int doubles__run(struct store_conn *c, void *arg, struct err *e)
{
	static const double vals[] = { 0.1, -5.5, 1.7458e108, 4.9e-300, 12345678.875 };
	const char **bad = arg;
	struct store_stmt *st;
	int r;

	r = store_exec(c, NULL, "CREATE TABLE IF NOT EXISTS t_dbl (k INTEGER, v DOUBLE PRECISION)",
		       "", e);
	if (r >= 0)
		r = store_exec(c, NULL, "DELETE FROM t_dbl", "", e);
	for (size_t i = 0; r >= 0 && i < sizeof(vals) / sizeof(vals[0]); i++)
		r = store_exec(c, NULL, "INSERT INTO t_dbl (k, v) VALUES (?, ?)", "id", e,
			       (int64_t)i, vals[i]);
	if (r < 0)
		return *bad = "insert", r;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		r = store_exec(c, &st, "SELECT v FROM t_dbl WHERE k = ?", "i", e, (int64_t)i);
		if (r != 1 || store_col_double(st, 0) != vals[i])
			return *bad = "a value changed", -1;
	}
	r = store_exec(c, &st, "SELECT COUNT(*) FROM t_dbl WHERE v > ?", "d", e, 0.0);
	if (r != 1 || store_col_int(st, 0) != 4)
		return *bad = "a comparison with a double parameter", -1;
	r = store_exec(c, &st, "SELECT SUM(v) FROM t_dbl WHERE v < ?", "d", e, 1.0);
	if (r != 1 || store_col_double(st, 0) != 0.1 + -5.5 + 4.9e-300)
		return *bad = "a sum", -1;
	return 0;
}

static void test_doubles_round_trip(void **state)
{
	const char *bad = NULL;
	struct err e = { 0 };
	int r = store_write(store, doubles__run, &bad, &e);

	if (r)
		fail_msg("doubles: %s (%s)", bad ? bad : "?", err_message(&e));
}

static void test_question_mark_in_literal_is_not_a_parameter(void **state)
{
	struct sql q = { .sql = "SELECT 'why?' || ? /* a '?' here too */", .types = "t", .a = "!" };

	assert_int_equal(sql_tx(false, &q), 1);
	assert_string_equal(q.out, "why?!");
}

struct changes {
	int64_t first, second, update;
};

static int count_changes(struct store_conn *c, void *arg, struct err *e)
{
	struct changes *ch = arg;
	static const char *ins = "INSERT INTO t_store (name, n) VALUES (?, 1) ON CONFLICT (name) "
				 "DO NOTHING";
	int r = store_exec(c, NULL, ins, "t", e, "dup");

	if (r < 0)
		return r;
	ch->first = store_changes(c);
	r = store_exec(c, NULL, ins, "t", e, "dup");
	if (r < 0)
		return r;
	ch->second = store_changes(c);
	r = store_exec(c, NULL, "INSERT INTO t_store (name, n) VALUES ('other', 1)", "", e);
	if (r < 0)
		return r;
	r = store_exec(c, NULL, "UPDATE t_store SET n = n + 1", "", e);
	if (r < 0)
		return r;
	ch->update = store_changes(c);
	return 0;
}

static void test_changes(void **state)
{
	struct changes ch = { -1, -1, -1 };
	struct err e = { 0 };

	make_table();
	assert_int_equal(store_write(store, count_changes, &ch, &e), 0);
	assert_int_equal(ch.first, 1);
	assert_int_equal(ch.second, 0);
	assert_int_equal(ch.update, 2);
}

static int insert_then_fail(struct store_conn *c, void *arg, struct err *e)
{
	int r = store_exec(c, NULL, "INSERT INTO t_store (name, n) VALUES (?, 1)", "t", e, arg);

	return r < 0 ? r : err_set(e, SW_E_ApplicationAlreadyExists, "no");
}

static int nested(struct store_conn *c, void *arg, struct err *e)
{
	int r = store_exec(c, NULL, "INSERT INTO t_store (name, n) VALUES ('outer', 1)", "", e);

	if (r < 0)
		return r;
	/* an inner store_write joins the outer transaction: its failure undoes both */
	return store_write(store, insert_then_fail, "inner", e);
}

static void test_rollback(void **state)
{
	struct sql count = { .sql = "SELECT COUNT(*) FROM t_store", .types = "" };
	struct err e = { 0 };

	make_table();
	assert_int_equal(store_write(store, insert_then_fail, "gone", &e),
			 -SW_E_ApplicationAlreadyExists);
	assert_int_equal(store_write(store, nested, NULL, &e), -SW_E_ApplicationAlreadyExists);
	assert_int_equal(sql_tx(false, &count), 1);
	assert_int_equal(count.out_int, 0);
}

static void test_failed_statement_then_next_transaction(void **state)
{
	struct sql ins = { .sql = "INSERT INTO t_store (name, n) VALUES (?, ?)", .types = "ti" };
	struct sql count = { .sql = "SELECT COUNT(*) FROM t_store", .types = "" };

	make_table();
	ins.a = "once", ins.i = 1;
	assert_int_equal(sql_tx(true, &ins), 0);
	assert_int_equal(sql_tx(true, &ins), -SW_E_STORE); /* primary key */
	ins.a = "twice";
	assert_int_equal(sql_tx(true, &ins), 0); /* the connection is usable again */
	assert_int_equal(sql_tx(false, &count), 1);
	assert_int_equal(count.out_int, 2);
}

static void test_parameter_without_context(void **state)
{
	/* `? IS NULL` says nothing about the parameter's type. */
	struct sql q = { .sql = "SELECT COUNT(*) FROM t_store WHERE ? IS NULL OR name = ?",
			 .types = "tt" };
	struct sql ins = { .sql = "INSERT INTO t_store (name, n) VALUES (?, ?)", .types = "ti" };

	make_table();
	ins.a = "a", ins.i = 1;
	assert_int_equal(sql_tx(true, &ins), 0);
	ins.a = "b";
	assert_int_equal(sql_tx(true, &ins), 0);
	q.a = NULL, q.b = NULL;
	assert_int_equal(sql_tx(true, &q), 1); /* in a write transaction: it must survive */
	assert_int_equal(q.out_int, 2);
	q.a = "x", q.b = "b";
	assert_int_equal(sql_tx(false, &q), 1);
	assert_int_equal(q.out_int, 1);
}

static void test_int_against_text_column(void **state)
{
	struct sql ins = { .sql = "INSERT INTO t_store (name, n) VALUES ('42', 7)", .types = "" };
	struct sql q = { .sql = "SELECT n FROM t_store WHERE name = ?", .types = "i", .i = 42 };

	make_table();
	assert_int_equal(sql_tx(true, &ins), 0);
	assert_int_equal(sql_tx(true, &q), 1);
	assert_int_equal(q.out_int, 7);
}

struct listing {
	char names[8][16];
	int n;
};

static int list_names(struct store_conn *c, void *arg, struct err *e)
{
	struct listing *l = arg;
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT name FROM t_store WHERE name > ? ORDER BY name LIMIT ?",
			   "ti", e, "", (int64_t)8);

	for (l->n = 0; r == 1 && l->n < 8; r = store_step(st, e))
		str_copy(l->names[l->n++], sizeof(l->names[0]), store_col_text(st, 0));
	return r < 0 ? r : 0;
}

static void test_text_sorts_byte_by_byte(void **state)
{
	static const char *in[] = { "b", "B", "a-1", "a_1", "A", "a" };
	static const char *want[] = { "A", "B", "a", "a-1", "a_1", "b" };
	struct sql ins = { .sql = "INSERT INTO t_store (name) VALUES (?)", .types = "t" };
	struct listing l = { 0 };
	struct err e = { 0 };

	make_table();
	for (size_t i = 0; i < 6; i++) {
		ins.a = in[i];
		assert_int_equal(sql_tx(true, &ins), 0);
	}
	assert_int_equal(store_read(store, list_names, &l, &e), 0);
	assert_int_equal(l.n, 6);
	for (int i = 0; i < 6; i++)
		assert_string_equal(l.names[i], want[i]);
}

#define WRITERS	  4
#define INCREMENT 50

/* Read, then write what was read plus one: lost updates unless writers are serialised. */
static int increment(struct store_conn *c, void *arg, struct err *e)
{
	struct store_stmt *st;
	int64_t n;
	int r = store_exec(c, &st, "SELECT n FROM t_store WHERE name = 'counter'", "", e);

	if (r != 1)
		return r < 0 ? r : err_set(e, SW_E_INTERNAL, "no counter");
	n = store_col_int(st, 0);
	r = store_exec(c, NULL, "UPDATE t_store SET n = ? WHERE name = 'counter'", "i", e, n + 1);
	return r < 0 ? r : 0;
}

static void *writer(void *arg)
{
	struct err e = { 0 };
	intptr_t failures = 0;

	for (int i = 0; i < INCREMENT; i++)
		if (store_write(store, increment, NULL, &e)) {
			fprintf(stderr, "increment: %s\n", err_message(&e));
			failures++;
		}
	store_thread_done(store);
	return (void *)failures;
}

static void test_writes_are_serialised(void **state)
{
	struct sql ins = { .sql = "INSERT INTO t_store (name, n) VALUES ('counter', 0)",
			   .types = "" };
	struct sql get = { .sql = "SELECT n FROM t_store WHERE name = 'counter'", .types = "" };
	pthread_t t[WRITERS];

	make_table();
	assert_int_equal(sql_tx(true, &ins), 0);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, NULL), 0);
	for (int i = 0; i < WRITERS; i++) {
		void *failures;

		pthread_join(t[i], &failures);
		assert_int_equal((intptr_t)failures, 0);
	}
	/* Read on a fresh connection: see test_reads_see_other_connections_commits. */
	assert_int_equal(sql_tx_new_thread(false, &get), 1);
	assert_int_equal(get.out_int, WRITERS * INCREMENT);
}

/* A connection's later transactions see what other connections committed meanwhile, even when
 * its previous transaction left a statement with unread rows (store_exec of a single row): on
 * SQLite such a statement would pin the connection's old WAL snapshot (stale reads, then
 * SQLITE_BUSY for good on its next BEGIN IMMEDIATE). */
static void test_reads_see_other_connections_commits(void **state)
{
	struct sql ins = { .sql = "INSERT INTO t_store (name, n) VALUES (?, ?)", .types = "ti" };
	struct sql get = { .sql = "SELECT n FROM t_store WHERE name = ?", .types = "t" };

	make_table();
	ins.a = "first", ins.i = 1;
	assert_int_equal(sql_tx(true, &ins), 0);
	get.a = "first";
	assert_int_equal(sql_tx(false, &get), 1); /* the row is left unread past the first */
	ins.a = "second", ins.i = 2;
	assert_int_equal(sql_tx_new_thread(true, &ins), 0);
	get.a = "second";
	assert_int_equal(sql_tx(false, &get), 1);
	assert_int_equal(get.out_int, 2);
	ins.a = "third", ins.i = 3;
	assert_int_equal(sql_tx(true, &ins), 0);
}

static void test_unsupported_url(void **state)
{
	struct store *s = NULL;
	struct err e = { 0 };

	assert_int_equal(store_open_url(&s, tmpdir, "mysql://localhost/x", &e), -SW_E_INVALID);
	assert_null(s);
	assert_non_null(strstr(err_message(&e), "postgres"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrations_applied),
		cmocka_unit_test(test_values_round_trip),
		cmocka_unit_test(test_doubles_round_trip),
		cmocka_unit_test(test_question_mark_in_literal_is_not_a_parameter),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_failed_statement_then_next_transaction),
		cmocka_unit_test(test_parameter_without_context),
		cmocka_unit_test(test_int_against_text_column),
		cmocka_unit_test(test_text_sorts_byte_by_byte),
		cmocka_unit_test(test_writes_are_serialised),
		cmocka_unit_test(test_reads_see_other_connections_commits),
		cmocka_unit_test(test_unsupported_url),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
