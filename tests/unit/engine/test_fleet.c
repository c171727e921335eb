/* test_fleet: minimum-healthy-hosts arithmetic and batch choice — the worked examples of
 * docs/compatibility.md §3.2, the fail-fast and last-instance rules, and health ordering. */
#include "engine/fleet.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static json_t *config(const char *name, const char *type, int64_t value)
{
	json_t *j = json_pack("{s:s}", "deploymentConfigName", name);

	if (type)
		json_object_set_new(
		    j, "minimumHealthyHosts",
		    json_pack("{s:s,s:I}", "type", type, "value", (json_int_t)value));
	return j;
}

static int64_t min_healthy(const char *name, const char *type, int64_t value, int64_t n)
{
	struct fleet_rule rule;
	struct err e = { 0 };
	json_t *j = config(name, type, value);
	int64_t m = -1;

	assert_int_equal(fleet_rule_from_config(j, &rule, &e), 0);
	json_decref(j);
	assert_int_equal(fleet_min_healthy(&rule, n, &m, &e), 0);
	return m;
}

/* A whole deployment driven by fleet_step: outcome[i] says whether the i-th instance started
 * succeeds.  Instances in flight finish in start order, one per step.  Returns the verdict and
 * reports how many instances were started and the most in flight at once. */
struct sim {
	int64_t started;
	int64_t max_in_flight;
};

static enum fleet_verdict simulate(int64_t m, int64_t n, const bool *outcome, struct sim *s)
{
	struct fleet_counts c = { .remaining = n };
	int64_t next_to_finish = 0, start;
	enum fleet_verdict v;

	memset(s, 0, sizeof(*s));
	for (;;) {
		v = fleet_step(m, &c, &start);
		if (v != FLEET_CONTINUE)
			return v;
		c.remaining -= start;
		c.in_progress += start;
		s->started += start;
		if (c.in_progress > s->max_in_flight)
			s->max_in_flight = c.in_progress;
		assert_true(c.in_progress > 0); /* CONTINUE always leaves something to wait for */
		if (outcome[next_to_finish++])
			c.succeeded++;
		else
			c.failed++;
		c.in_progress--;
	}
}

static void all(bool *v, size_t n, bool value)
{
	for (size_t i = 0; i < n; i++)
		v[i] = value;
}

/* §3.2, N = 9: HOST_COUNT 6 → 3 at a time, success needs ≥ 6. */
static void test_host_count_6_of_9_deploys_3_at_a_time(void **state)
{
	bool out[9];
	struct sim s;
	int64_t m = min_healthy("custom", "HOST_COUNT", 6, 9);

	(void)state;
	assert_int_equal(m, 6);
	assert_int_equal(fleet_batch_size(9, m), 3);
	all(out, 9, true);
	assert_int_equal(simulate(m, 9, out, &s), FLEET_SUCCEEDED);
	assert_int_equal(s.max_in_flight, 3);
	/* three failures still leave six healthy: success */
	out[0] = out[4] = out[8] = false;
	assert_int_equal(simulate(m, 9, out, &s), FLEET_SUCCEEDED);
	/* a fourth failure cannot be absorbed */
	out[1] = false;
	assert_int_equal(simulate(m, 9, out, &s), FLEET_FAILED);
}

/* §3.2, N = 9: FLEET_PERCENT 40 → M = ⌈3.6⌉ = 4 → 5 at a time, success needs ≥ 4. */
static void test_fleet_percent_40_of_9_deploys_5_at_a_time(void **state)
{
	bool out[9];
	struct sim s;
	int64_t m = min_healthy("custom", "FLEET_PERCENT", 40, 9);

	(void)state;
	assert_int_equal(m, 4);
	assert_int_equal(fleet_batch_size(9, m), 5);
	all(out, 9, true);
	assert_int_equal(simulate(m, 9, out, &s), FLEET_SUCCEEDED);
	assert_int_equal(s.max_in_flight, 5);
}

/* §3.2, N = 9: HalfAtATime (FLEET_PERCENT 50) → M = ⌈4.5⌉ = 5 → 4 at a time. */
static void test_half_at_a_time_of_9_deploys_4_at_a_time(void **state)
{
	bool out[9];
	struct sim s;
	int64_t m = min_healthy("CodeDeployDefault.HalfAtATime", "FLEET_PERCENT", 50, 9);

	(void)state;
	assert_int_equal(m, 5);
	assert_int_equal(fleet_batch_size(9, m), 4);
	all(out, 9, true);
	assert_int_equal(simulate(m, 9, out, &s), FLEET_SUCCEEDED);
	assert_int_equal(s.max_in_flight, 4);
	/* four failures among the last instances leave five healthy: success */
	out[5] = out[6] = out[7] = out[8] = false;
	assert_int_equal(simulate(m, 9, out, &s), FLEET_SUCCEEDED);
	/* a fifth failure: not */
	out[4] = false;
	assert_int_equal(simulate(m, 9, out, &s), FLEET_FAILED);
	/* four failures first: the remaining five would all have to succeed, but taking any one
	 * of them out of service breaks the minimum, so the deployment fails at once */
	all(out, 9, true);
	out[0] = out[1] = out[2] = out[3] = false;
	assert_int_equal(simulate(m, 9, out, &s), FLEET_FAILED);
	assert_int_equal(s.started, 4);
}

/* §3.2, N = 9: AllAtOnce (HOST_COUNT 0) → all 9, success needs ≥ 1. */
static void test_all_at_once_of_9_deploys_9_and_needs_one_success(void **state)
{
	bool out[9];
	struct sim s;
	int64_t m = min_healthy("CodeDeployDefault.AllAtOnce", "HOST_COUNT", 0, 9);

	(void)state;
	assert_int_equal(m, 0);
	all(out, 9, false);
	assert_int_equal(simulate(m, 9, out, &s), FLEET_FAILED);
	assert_int_equal(s.max_in_flight, 9);
	out[5] = true;
	assert_int_equal(simulate(m, 9, out, &s), FLEET_SUCCEEDED);
}

/* §3.2, N = 10, M = 9: one at a time, any failure fails at once unless it is the last one. */
static void test_n10_m9_fails_fast_except_on_the_last_instance(void **state)
{
	bool out[10];
	struct sim s;
	int64_t m = min_healthy("custom", "FLEET_PERCENT", 90, 10);

	(void)state;
	assert_int_equal(m, 9);
	all(out, 10, true);
	out[3] = false;
	assert_int_equal(simulate(m, 10, out, &s), FLEET_FAILED);
	assert_int_equal(s.started, 4); /* stopped right after the failure */
	assert_int_equal(s.max_in_flight, 1);
	all(out, 10, true);
	out[9] = false; /* the last instance failing still leaves 9 healthy */
	assert_int_equal(simulate(m, 10, out, &s), FLEET_SUCCEEDED);
	assert_int_equal(s.started, 10);
}

/* §3.2, N = 10, M = 8: two at a time, a second failure fails at once unless it was the last. */
static void test_n10_m8_second_failure_fails_unless_last(void **state)
{
	bool out[10];
	struct sim s;
	int64_t m = min_healthy("custom", "HOST_COUNT", 8, 10);

	(void)state;
	all(out, 10, true);
	assert_int_equal(simulate(m, 10, out, &s), FLEET_SUCCEEDED);
	assert_int_equal(s.max_in_flight, 2);
	out[1] = false;
	out[4] = false;
	assert_int_equal(simulate(m, 10, out, &s), FLEET_FAILED);
	assert_true(s.started < 10);
	all(out, 10, true);
	out[1] = false;
	out[9] = false;
	assert_int_equal(simulate(m, 10, out, &s), FLEET_SUCCEEDED);
}

/* The in-flight rule from counts directly: with one failure and one in flight at M = 8 of 10,
 * nothing more may start, but the deployment waits rather than failing. */
static void test_step_waits_while_an_instance_is_in_flight(void **state)
{
	struct fleet_counts c = { .succeeded = 3, .failed = 2, .in_progress = 1, .remaining = 4 };
	int64_t start = -1;

	(void)state;
	assert_int_equal(fleet_step(8, &c, &start), FLEET_CONTINUE);
	assert_int_equal(start, 0);
	c.in_progress = 0;
	c.succeeded = 4;
	assert_int_equal(fleet_step(8, &c, &start), FLEET_FAILED);
}

/* HEALTH_CONSTRAINTS_INVALID: 95 % of 10 rounds up to 10 = N; HOST_COUNT ≥ N. */
static void test_minimum_not_below_n_is_invalid_up_front(void **state)
{
	struct fleet_rule rule = { FLEET_FLEET_PERCENT, 95 };
	struct err e = { 0 };
	int64_t m;

	(void)state;
	assert_int_equal(fleet_min_healthy(&rule, 10, &m, &e), -SW_E_INVALID);
	assert_int_equal(m, 10);
	rule.value = 89; /* ⌈8.9⌉ = 9 < 10 */
	assert_int_equal(fleet_min_healthy(&rule, 10, &m, &e), 0);
	assert_int_equal(m, 9);
	rule = (struct fleet_rule){ FLEET_HOST_COUNT, 3 };
	assert_int_equal(fleet_min_healthy(&rule, 3, &m, &e), -SW_E_INVALID);
	assert_int_equal(fleet_min_healthy(&rule, 4, &m, &e), 0);
	rule.value = 1;
	assert_int_equal(fleet_min_healthy(&rule, 1, &m, &e), -SW_E_INVALID);
}

/* OneAtATime: one at a time; a single instance must succeed; many fail at the first failure
 * except the last instance. */
static void test_one_at_a_time(void **state)
{
	bool out[5];
	struct sim s;
	int64_t m;

	(void)state;
	m = min_healthy(FLEET_ONE_AT_A_TIME_NAME, "MOST_CONCURRENCY", 1, 1);
	assert_int_equal(m, 0);
	out[0] = false;
	assert_int_equal(simulate(m, 1, out, &s), FLEET_FAILED);
	out[0] = true;
	assert_int_equal(simulate(m, 1, out, &s), FLEET_SUCCEEDED);

	/* the name decides even when the config says FLEET_PERCENT 99 */
	m = min_healthy(FLEET_ONE_AT_A_TIME_NAME, "FLEET_PERCENT", 99, 5);
	assert_int_equal(m, 4);
	all(out, 5, true);
	assert_int_equal(simulate(m, 5, out, &s), FLEET_SUCCEEDED);
	assert_int_equal(s.max_in_flight, 1);
	out[0] = false;
	assert_int_equal(simulate(m, 5, out, &s), FLEET_FAILED);
	assert_int_equal(s.started, 1);
	all(out, 5, true);
	out[4] = false;
	assert_int_equal(simulate(m, 5, out, &s), FLEET_SUCCEEDED);
}

static void test_rule_rejects_non_server_and_bad_values(void **state)
{
	struct fleet_rule rule;
	struct err e = { 0 };
	json_t *j;

	(void)state;
	j = config("CodeDeployDefault.LambdaAllAtOnce", NULL, 0);
	assert_int_equal(fleet_rule_from_config(j, &rule, &e), -SW_E_InvalidDeploymentConfigName);
	json_decref(j);
	j = config("x", "FLEET_PERCENT", 100);
	assert_int_equal(fleet_rule_from_config(j, &rule, &e), -SW_E_InvalidDeploymentConfigName);
	json_decref(j);
	j = config("x", "HOST_COUNT", -1);
	assert_int_equal(fleet_rule_from_config(j, &rule, &e), -SW_E_InvalidDeploymentConfigName);
	json_decref(j);
	j = config("x", "SOMETHING", 1);
	assert_int_equal(fleet_rule_from_config(j, &rule, &e), -SW_E_InvalidDeploymentConfigName);
	json_decref(j);
	j = config("x", "FLEET_PERCENT", 0);
	assert_int_equal(fleet_rule_from_config(j, &rule, &e), 0);
	assert_int_equal(rule.type, FLEET_FLEET_PERCENT);
	json_decref(j);
}

static void test_order_puts_unhealthy_and_unknown_first(void **state)
{
	struct fleet_instance v[] = {
		{ "a-current", true, FLEET_REV_CURRENT },
		{ "b-old", true, FLEET_REV_OLD },
		{ "c-unknown", true, FLEET_REV_UNKNOWN },
		{ "d-sick-current", false, FLEET_REV_CURRENT },
		{ "e-sick-unknown", false, FLEET_REV_UNKNOWN },
		{ "f-sick-old", false, FLEET_REV_OLD },
		{ "a-sick-unknown", false, FLEET_REV_UNKNOWN },
	};
	const char *want[] = { "a-sick-unknown", "e-sick-unknown", "f-sick-old", "d-sick-current",
			       "c-unknown",	 "b-old",	   "a-current" };

	(void)state;
	fleet_order(v, sizeof(v) / sizeof(v[0]));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(v[i].name, want[i]);
	assert_string_equal(fleet_revision_health_name(FLEET_REV_OLD), "Old");
	assert_int_equal(fleet_revision_health_parse("Current"), FLEET_REV_CURRENT);
	assert_int_equal(fleet_revision_health_parse(NULL), FLEET_REV_UNKNOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_count_6_of_9_deploys_3_at_a_time),
		cmocka_unit_test(test_fleet_percent_40_of_9_deploys_5_at_a_time),
		cmocka_unit_test(test_half_at_a_time_of_9_deploys_4_at_a_time),
		cmocka_unit_test(test_all_at_once_of_9_deploys_9_and_needs_one_success),
		cmocka_unit_test(test_n10_m9_fails_fast_except_on_the_last_instance),
		cmocka_unit_test(test_n10_m8_second_failure_fails_unless_last),
		cmocka_unit_test(test_step_waits_while_an_instance_is_in_flight),
		cmocka_unit_test(test_minimum_not_below_n_is_invalid_up_front),
		cmocka_unit_test(test_one_at_a_time),
		cmocka_unit_test(test_rule_rejects_non_server_and_bad_values),
		cmocka_unit_test(test_order_puts_unhealthy_and_unknown_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
