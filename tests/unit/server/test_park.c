/* test_park: the wait list of parked requests (server/park.c) without libmicrohttpd — fake
 * suspend/resume ops record what the server would do to each connection: a wake resumes the
 * requests of its key only, a wake between "looked" and "parked" is not slept through, the
 * deadline resumes a request and then makes it expire, and shutdown answers everything. */
#include "server/park.h"
#include "contract/env.h"
#include "contract/http.h"
#include "base/timeutil.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define NCONN 4

/* A connection: suspended or not, and how often it was resumed. */
struct fake_conn {
	int suspended;
	int resumed;
};

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

static void fake_suspend(void *arg, void *conn)
{
	struct fake_conn *c = conn;

	(void)arg;
	pthread_mutex_lock(&fake_lock);
	assert_int_equal(c->suspended, 0);
	c->suspended = 1;
	pthread_mutex_unlock(&fake_lock);
}

static void fake_resume(void *arg, void *conn)
{
	struct fake_conn *c = conn;

	(void)arg;
	pthread_mutex_lock(&fake_lock);
	assert_int_equal(c->suspended, 1);
	c->suspended = 0;
	c->resumed++;
	pthread_mutex_unlock(&fake_lock);
}

static int resumed(struct fake_conn *c)
{
	int n;

	pthread_mutex_lock(&fake_lock);
	n = c->resumed;
	pthread_mutex_unlock(&fake_lock);
	return n;
}

static const struct park_ops fake_ops = { .suspend = fake_suspend, .resume = fake_resume };

struct fixture {
	struct park *park;
	struct env env;
	struct fake_conn conn[NCONN];
	struct http_req req[NCONN];
};

static int setup(void **state)
{
	static struct fixture f;
	struct err e = { 0 };

	memset(&f, 0, sizeof(f));
	assert_int_equal(park_new(&fake_ops, NULL, 100, &f.park, &e), 0);
	f.env.park = f.park;
	for (int i = 0; i < NCONN; i++) {
		f.req[i].env = &f.env;
		f.req[i].conn = &f.conn[i];
	}
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	park_shutdown(f->park);
	for (int i = 0; i < NCONN; i++)
		park_request_done(&f->req[i]);
	park_free(f->park);
	return 0;
}

static enum http_park_result park_now(struct fixture *f, int i, const char *key, int64_t ms)
{
	return http_park(&f->req[i], key, http_park_generation(f->park, key), ms);
}

static void test_wake_by_key(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(park_now(f, 0, "commands/a", 60000), HTTP_PARKED);
	assert_int_equal(park_now(f, 1, "commands/a", 60000), HTTP_PARKED);
	assert_int_equal(park_now(f, 2, "commands/b", 60000), HTTP_PARKED);
	assert_int_equal(park_count(f->park), 3);
	assert_int_equal(http_unpark(f->park, "commands/nobody"), 0);
	assert_int_equal(http_unpark(f->park, "commands/a"), 2);
	assert_int_equal(resumed(&f->conn[0]), 1);
	assert_int_equal(resumed(&f->conn[1]), 1);
	assert_int_equal(resumed(&f->conn[2]), 0);
	assert_int_equal(park_count(f->park), 1);
	/* woken, its handler looks again and parks again, under the same deadline */
	assert_int_equal(park_now(f, 0, "commands/a", 60000), HTTP_PARKED);
	assert_int_equal(http_unpark(f->park, "commands/b"), 1);
	assert_int_equal(resumed(&f->conn[2]), 1);
	assert_int_equal(park_count(f->park), 1);
	assert_int_equal(http_unpark(NULL, "commands/a"), 0);
}

static void test_wake_one_takes_the_oldest(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(park_now(f, 0, "next/fn", 60000), HTTP_PARKED);
	assert_int_equal(park_now(f, 1, "next/fn", 60000), HTTP_PARKED);
	assert_int_equal(park_now(f, 2, "next/fn", 60000), HTTP_PARKED);
	assert_int_equal(http_unpark_one(f->park, "next/fn"), 1);
	assert_int_equal(resumed(&f->conn[0]), 1);
	assert_int_equal(resumed(&f->conn[1]), 0);
	assert_int_equal(http_unpark_one(f->park, "next/fn"), 1);
	assert_int_equal(resumed(&f->conn[1]), 1);
	assert_int_equal(resumed(&f->conn[2]), 0);
	assert_int_equal(http_unpark_one(f->park, "next/other"), 0);
	assert_int_equal(park_count(f->park), 1);
}

static void test_a_wake_before_the_park_is_not_missed(void **state)
{
	struct fixture *f = *state;
	uint64_t gen = http_park_generation(f->park, "commands/a");

	/* the handler looked in the store and found nothing; then the command is queued and
	 * its key woken, before the handler parks */
	assert_int_equal(http_unpark(f->park, "commands/a"), 0);
	assert_int_equal(http_park(&f->req[0], "commands/a", gen, 60000), HTTP_PARK_RETRY);
	assert_int_equal(f->conn[0].suspended, 0);
	assert_int_equal(park_count(f->park), 0);
	/* looked again with the new generation: parks */
	assert_int_equal(park_now(f, 0, "commands/a", 60000), HTTP_PARKED);
	/* another key's wake does not resume it */
	assert_int_equal(http_unpark(f->park, "commands/c"), 0);
	assert_int_equal(resumed(&f->conn[0]), 0);
}

static void test_the_deadline_resumes_then_expires(void **state)
{
	struct fixture *f = *state;
	int64_t until = time_mono_ms() + 5000;

	assert_int_equal(park_now(f, 0, "commands/a", 50), HTTP_PARKED);
	assert_int_equal(park_now(f, 1, "commands/a", 60000), HTTP_PARKED);
	while (!resumed(&f->conn[0]) && time_mono_ms() < until)
		usleep(5000);
	assert_int_equal(resumed(&f->conn[0]), 1);
	assert_int_equal(resumed(&f->conn[1]), 0);
	/* the deadline is the first park's: a later park of the request answers at once */
	assert_int_equal(park_now(f, 0, "commands/a", 60000), HTTP_PARK_EXPIRED);
	assert_int_equal(f->conn[0].suspended, 0);
	assert_int_equal(park_count(f->park), 1);
}

static void test_a_dropped_request_leaves_the_list(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(park_now(f, 0, "commands/a", 60000), HTTP_PARKED);
	park_request_done(&f->req[0]); /* the connection went away while parked */
	assert_null(f->req[0].park);
	assert_int_equal(park_count(f->park), 0);
	assert_int_equal(http_unpark(f->park, "commands/a"), 0);
	f->conn[0].suspended = 0;
}

static void test_shutdown_answers_everything(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(park_now(f, 0, "commands/a", 60000), HTTP_PARKED);
	assert_int_equal(park_now(f, 1, "commands/b", 60000), HTTP_PARKED);
	park_shutdown(f->park); /* waits up to the drain time (100 ms) for the answers */
	assert_int_equal(resumed(&f->conn[0]), 1);
	assert_int_equal(resumed(&f->conn[1]), 1);
	assert_int_equal(park_count(f->park), 0);
	/* resumed, the handlers answer; a request parking from now on answers at once */
	assert_int_equal(park_now(f, 0, "commands/a", 60000), HTTP_PARK_EXPIRED);
	assert_int_equal(park_now(f, 2, "commands/a", 60000), HTTP_PARK_EXPIRED);
	assert_int_equal(f->conn[2].suspended, 0);
	assert_int_equal(http_unpark(f->park, "commands/a"), 0);
	park_shutdown(f->park); /* a second call does nothing more */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wake_by_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wake_one_takes_the_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_wake_before_the_park_is_not_missed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_the_deadline_resumes_then_expires, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_dropped_request_leaves_the_list, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_answers_everything, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
