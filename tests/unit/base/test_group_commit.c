/* test_group_commit: store_write under concurrency — the group commit (one writer thread, a
 * savepoint per write) must give every caller exactly its own outcome: all successful writes
 * durable and visible when store_write returns, a failed write rolled back alone, conflicts decided
 * once, nested writes joining their outer transaction, and a failure of a whole batch retried write
 * by write. */
#include "base/err.h"
#include "base/str.h"
#include "store/store.h"

#include <ftw.h>
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

#define THREADS 32

struct fixture {
	char dir[64];
	struct store *s;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct err e = { 0 };

	str_copy(f->dir, sizeof(f->dir), "/tmp/slipway-test-store.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	if (store_open(&f->s, f->dir, &e))
		fail_msg("store_open: %s", err_message(&e));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	store_free(f->s);
	nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* ---- helpers run inside transactions ---- */

struct put {
	const char *k;
	int fail; /* after inserting: 0 succeed, 1 fail with INVALID, 2 end the transaction */
};

static int put_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct put *p = arg;
	int r = store_exec(c, NULL, "INSERT INTO meta (k, v) VALUES (?, 'v')", "t", e, p->k);

	if (r < 0)
		return r;
	if (p->fail == 1)
		return err_set(e, SW_E_INVALID, "write '%s' refused after its insert", p->k);
	if (p->fail == 2)
		return store_exec(c, NULL, "ROLLBACK", "", e) < 0 ? -SW_E_STORE : 0;
	return 0;
}

struct count {
	const char *like;
	int64_t n;
};

static int count_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct count *q = arg;
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT COUNT(*) FROM meta WHERE k LIKE ?", "t", e, q->like);

	if (r < 0)
		return r;
	q->n = store_col_int(st, 0);
	return 0;
}

static int64_t count_keys(struct store *s, const char *like)
{
	struct count q = { like, -1 };
	struct err e = { 0 };

	if (store_read(s, count_fn, &q, &e))
		fail_msg("count: %s", err_message(&e));
	return q.n;
}

static bool has_key(struct store *s, const char *k)
{
	return count_keys(s, k) == 1;
}

/* ---- concurrent writers ---- */

struct worker {
	struct store *s;
	int id;
	int writes;
	int mode; /* 0 all succeed, 1 every third fails, 2 every fifth ends its transaction */
	int ok, failed, bad;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < w->writes; i++) {
		char k[64];
		struct put p = { k, 0 };
		struct err e = { 0 };
		int r;

		snprintf(k, sizeof(k), "w%d-%d", w->id, i);
		if (w->mode == 1 && i % 3 == 0)
			p.fail = 1;
		if (w->mode == 2 && i % 5 == 0)
			p.fail = 2;
		r = store_write(w->s, put_fn, &p, &e);
		if (r == 0) {
			w->ok++;
			/* read-your-writes from this thread's own connection, right away */
			if (!has_key(w->s, k))
				w->bad++;
		} else {
			w->failed++;
			if (p.fail == 1 && (r != -SW_E_INVALID || !strstr(e.msg, "refused")))
				w->bad++;
			if (!p.fail)
				w->bad++;
		}
	}
	store_thread_done(w->s);
	return NULL;
}

static void run_workers(struct store *s, int mode, int writes, struct worker *ws)
{
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++) {
		ws[i] = (struct worker){ .s = s, .id = i, .writes = writes, .mode = mode };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &ws[i]), 0);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

static void test_concurrent_writes_all_commit(void **state)
{
	struct fixture *f = *state;
	struct worker ws[THREADS];
	struct err e = { 0 };

	run_workers(f->s, 0, 40, ws);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(ws[i].ok, 40);
		assert_int_equal(ws[i].bad, 0);
	}
	assert_int_equal(count_keys(f->s, "w%"), THREADS * 40);
	/* on disk: a fresh open of the directory sees every acknowledged write */
	store_free(f->s);
	f->s = NULL;
	assert_int_equal(store_open(&f->s, f->dir, &e), 0);
	assert_int_equal(count_keys(f->s, "w%"), THREADS * 40);
}

static void test_failed_write_rolls_back_alone(void **state)
{
	struct fixture *f = *state;
	struct worker ws[THREADS];

	run_workers(f->s, 1, 30, ws);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(ws[i].ok, 20);
		assert_int_equal(ws[i].failed, 10);
		assert_int_equal(ws[i].bad, 0);
	}
	assert_int_equal(count_keys(f->s, "w%"), THREADS * 20);
	assert_false(has_key(f->s, "w0-0"));
	assert_false(has_key(f->s, "w31-27"));
	assert_true(has_key(f->s, "w31-28"));
}

static void test_batch_failure_is_retried_write_by_write(void **state)
{
	struct fixture *f = *state;
	struct worker ws[THREADS];

	/* a write that ends the whole transaction takes its batch down with it: the other writes
	 * must still be committed (retried one by one), and only it fails */
	run_workers(f->s, 2, 25, ws);
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(ws[i].ok, 20);
		assert_int_equal(ws[i].failed, 5);
		assert_int_equal(ws[i].bad, 0);
	}
	assert_int_equal(count_keys(f->s, "w%"), THREADS * 20);
}

struct racer {
	struct store *s;
	int wins, conflicts, other;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < 20; i++) {
		char k[32];
		struct put p = { k, 0 };
		struct err e = { 0 };
		int rc;

		snprintf(k, sizeof(k), "dup-%d", i);
		rc = store_write(r->s, put_fn, &p, &e);
		if (rc == 0)
			r->wins++;
		else if (rc == -SW_E_STORE)
			r->conflicts++;
		else
			r->other++;
	}
	store_thread_done(r->s);
	return NULL;
}

static void test_conflicting_writes_decided_once(void **state)
{
	struct fixture *f = *state;
	struct racer rs[THREADS] = { 0 };
	pthread_t t[THREADS];
	int wins = 0, conflicts = 0;

	for (int i = 0; i < THREADS; i++) {
		rs[i].s = f->s;
		assert_int_equal(pthread_create(&t[i], NULL, racer_main, &rs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		wins += rs[i].wins;
		conflicts += rs[i].conflicts;
		assert_int_equal(rs[i].other, 0);
	}
	/* each of the 20 keys was won exactly once; every other attempt hit the constraint */
	assert_int_equal(wins, 20);
	assert_int_equal(conflicts, THREADS * 20 - 20);
	assert_int_equal(count_keys(f->s, "dup-%"), 20);
}

struct nest {
	struct store *s;
	bool fail_outer;
};

static int inner_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct put p = { "nested-inner", 0 };

	(void)arg;
	return put_fn(c, &p, e);
}

static int outer_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct nest *n = arg;
	struct put p = { "nested-outer", 0 };
	int r = put_fn(c, &p, e);

	if (!r)
		r = store_write(n->s, inner_fn, NULL, e); /* joins this transaction */
	if (!r && n->fail_outer)
		r = err_set(e, SW_E_INVALID, "outer fails after the inner write");
	return r;
}

static void test_nested_write_joins_outer(void **state)
{
	struct fixture *f = *state;
	struct nest n = { f->s, true };
	struct err e = { 0 };

	assert_int_equal(store_write(f->s, outer_fn, &n, &e), -SW_E_INVALID);
	assert_false(has_key(f->s, "nested-outer"));
	assert_false(has_key(f->s, "nested-inner")); /* rolled back with the outer */
	n.fail_outer = false;
	assert_int_equal(store_write(f->s, outer_fn, &n, &e), 0);
	assert_true(has_key(f->s, "nested-outer"));
	assert_true(has_key(f->s, "nested-inner"));
}

static int write_inside_read_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct store *s = arg;
	struct put p = { "from-read", 0 };

	(void)c;
	return store_write(s, put_fn, &p, e);
}

static void test_write_inside_read_joins(void **state)
{
	struct fixture *f = *state;
	struct err e = { 0 };

	/* a write issued inside this thread's read transaction runs in it, on this connection */
	assert_int_equal(store_read(f->s, write_inside_read_fn, f->s, &e), 0);
	assert_true(has_key(f->s, "from-read"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_concurrent_writes_all_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_write_rolls_back_alone, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batch_failure_is_retried_write_by_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_conflicting_writes_decided_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nested_write_joins_outer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_inside_read_joins, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
