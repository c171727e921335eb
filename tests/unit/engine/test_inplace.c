/* test_inplace: the per-instance lifecycle decisions — event order, one command with the agent
 * at a time, failures, ignoreApplicationStopFailures, agent and event timeouts, and stopping. */
#include "engine/inplace.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#define AGENT_MS 300000
#define EVENT_MS 3900000

static struct inplace_ctx ctx(int64_t now)
{
	struct inplace_ctx c = {
		.now = now,
		.since = 0,
		.agent_timeout_ms = AGENT_MS,
		.event_timeout_ms = EVENT_MS,
	};

	return c;
}

/* The seven commands of an in-place deployment without a load balancer, none reached. */
static size_t fresh(struct inplace_cmd *v)
{
	size_t n;
	const struct inplace_event *ev = inplace_events(false, &n);

	for (size_t i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].name = ev[i].name;
		v[i].status = INPLACE_PENDING;
	}
	return n;
}

static void test_events_in_aws_order(void **state)
{
	static const char *const want[] = { "ApplicationStop", "DownloadBundle", "BeforeInstall",
					    "Install",	       "AfterInstall",	 "ApplicationStart",
					    "ValidateService" };
	size_t n;
	const struct inplace_event *ev = inplace_events(false, &n);

	(void)state;
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(ev[i].name, want[i]);
		assert_int_equal(ev[i].position, (int)i + 4); /* of AWS's 13 */
		assert_true(ev[i].agent);
	}
	ev = inplace_events(true, &n);
	assert_int_equal(n, 13);
	assert_string_equal(ev[12].name, "AfterAllowTraffic");
	assert_int_equal(ev[12].position, 13);
	assert_false(ev[1].agent); /* BlockTraffic is the service's */
}

static void test_runs_every_event_one_at_a_time(void **state)
{
	struct inplace_cmd v[16];
	struct inplace_ctx c = ctx(1000);
	struct inplace_decision d;
	size_t n = fresh(v);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		inplace_decide(&c, v, n, &d);
		assert_int_equal(d.action, INPLACE_QUEUE);
		assert_int_equal(d.index, i);
		v[i].queued = c.now;
		inplace_decide(&c, v, n, &d);
		assert_int_equal(d.action, INPLACE_WAIT); /* the agent has not taken it yet */
		assert_int_equal(d.timer, c.now + AGENT_MS);
		v[i].delivered = v[i].acked = c.now;
		v[i].status = INPLACE_IN_PROGRESS;
		inplace_decide(&c, v, n, &d);
		assert_int_equal(d.action, INPLACE_WAIT);
		assert_int_equal(d.timer, c.now + EVENT_MS);
		v[i].status = INPLACE_SUCCEEDED;
	}
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_DONE_SUCCEEDED);
}

static void test_a_failure_ends_the_instance_unless_a_forgiven_stop(void **state)
{
	struct inplace_cmd v[16];
	struct inplace_ctx c = ctx(1000);
	struct inplace_decision d;
	size_t n = fresh(v);

	(void)state;
	v[0].status = INPLACE_FAILED; /* ApplicationStop */
	v[0].queued = 1;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_DONE_FAILED);
	c.ignore_stop_failures = true;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_QUEUE);
	assert_int_equal(d.index, 1);
	v[1].status = INPLACE_SUCCEEDED;
	v[2].status = INPLACE_FAILED; /* BeforeInstall: never forgiven */
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_DONE_FAILED);
}

static void test_timeouts(void **state)
{
	struct inplace_cmd v[16];
	struct inplace_ctx c = ctx(0);
	struct inplace_decision d;
	size_t n = fresh(v);

	(void)state;
	/* queued and never taken */
	v[0].queued = 1000;
	c.now = 1000 + AGENT_MS;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_TIMEOUT_AGENT);
	/* taken but never acknowledged: counted from the delivery */
	v[0].delivered = 2000;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_WAIT);
	c.now = 2000 + AGENT_MS;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_TIMEOUT_AGENT);
	/* the server was down: time before its start is not counted */
	c.since = 5000000;
	c.now = c.since + 10;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_WAIT);
	assert_int_equal(d.timer, c.since + AGENT_MS);
	/* acknowledged and never completed */
	c.since = 0;
	v[0].status = INPLACE_IN_PROGRESS;
	v[0].acked = 3000;
	c.now = 3000 + EVENT_MS - 1;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_WAIT);
	c.now++;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_TIMEOUT_EVENT);
	/* unless the agent said it needs longer */
	v[0].deadline = c.now + 5000;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_WAIT);
	assert_int_equal(d.timer, v[0].deadline);
}

static void test_stopping(void **state)
{
	struct inplace_cmd v[16];
	struct inplace_ctx c = ctx(1000);
	struct inplace_decision d;
	size_t n = fresh(v);

	(void)state;
	c.stopping = true;
	/* nothing reached yet: the instance stops */
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_DONE_FAILED);
	/* queued, not taken: cancelled */
	v[0].queued = 900;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_CANCEL);
	assert_int_equal(d.index, 0);
	/* taken: runs to its end */
	v[0].delivered = 950;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_WAIT);
	v[0].status = INPLACE_SUCCEEDED;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_DONE_FAILED);
	/* cancelled command: the instance ends */
	c.stopping = false;
	v[1].status = INPLACE_SKIPPED;
	inplace_decide(&c, v, n, &d);
	assert_int_equal(d.action, INPLACE_DONE_FAILED);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(inplace_stop_class("ApplicationStop"));
	assert_true(inplace_stop_class("AfterBlockTraffic"));
	assert_false(inplace_stop_class("ValidateService"));
	assert_int_equal(inplace_status_parse("InProgress"), INPLACE_IN_PROGRESS);
	assert_int_equal(inplace_status_parse("Bogus"), -1);
	assert_string_equal(inplace_status_name(INPLACE_SKIPPED), "Skipped");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_in_aws_order),
		cmocka_unit_test(test_runs_every_event_one_at_a_time),
		cmocka_unit_test(test_a_failure_ends_the_instance_unless_a_forgiven_stop),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_stopping),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
