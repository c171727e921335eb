/* test_shift: traffic schedules of every trafficRoutingConfig type (the linear end rule, the
 * time scale, the limits, bad configs) and the HAProxy weights of a share for fleets of
 * various sizes. */
#include "engine/shift.h"
#include "base/timeutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static struct shift_step steps[SHIFT_STEPS_MAX];
static size_t n;

/* Parses text as JSON and builds its schedule; returns shift_schedule's result. */
static int schedule(const char *text, struct err *e)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	int r;

	assert_non_null(j);
	memset(e, 0, sizeof(*e));
	r = shift_schedule(j, steps, SHIFT_STEPS_MAX, &n, e);
	json_decref(j);
	return r;
}

static void ok(const char *text)
{
	struct err e;

	if (schedule(text, &e) != 0)
		fail_msg("%s: %s", text, e.msg);
}

static void expect_step(size_t i, int percent, int minutes)
{
	assert_true(i < n);
	assert_int_equal(steps[i].percent, percent);
	assert_int_equal(steps[i].wait_minutes, minutes);
	assert_int_equal(steps[i].wait_ms, (int64_t)minutes * 60000 / (int64_t)time_scale());
}

static void test_all_at_once(void **state)
{
	(void)state;
	ok("{\"type\": \"AllAtOnce\"}");
	assert_int_equal(n, 1);
	expect_step(0, 100, 0);
}

static void test_canary(void **state)
{
	(void)state;
	ok("{\"type\": \"TimeBasedCanary\", \"timeBasedCanary\": {\"canaryPercentage\": 10, "
	   "\"canaryInterval\": 5}}");
	assert_int_equal(n, 2);
	expect_step(0, 10, 5);
	expect_step(1, 100, 0);
}

/* ceil(100/p) shifts, the last capped at 100, each followed by the interval (N × interval). */
static void test_linear_end_rule(void **state)
{
	(void)state;
	ok("{\"type\": \"TimeBasedLinear\", \"timeBasedLinear\": {\"linearPercentage\": 10, "
	   "\"linearInterval\": 10}}");
	assert_int_equal(n, 10);
	for (size_t i = 0; i < 10; i++)
		expect_step(i, (int)(i + 1) * 10, 10);

	ok("{\"type\": \"TimeBasedLinear\", \"timeBasedLinear\": {\"linearPercentage\": 30, "
	   "\"linearInterval\": 2}}");
	assert_int_equal(n, 4);
	expect_step(0, 30, 2);
	expect_step(1, 60, 2);
	expect_step(2, 90, 2);
	expect_step(3, 100, 2);

	ok("{\"type\": \"TimeBasedLinear\", \"timeBasedLinear\": {\"linearPercentage\": 99, "
	   "\"linearInterval\": 1}}");
	assert_int_equal(n, 2);
	expect_step(0, 99, 1);
	expect_step(1, 100, 1);

	/* 1 %: the longest schedule fits SHIFT_STEPS_MAX */
	ok("{\"type\": \"TimeBasedLinear\", \"timeBasedLinear\": {\"linearPercentage\": 1, "
	   "\"linearInterval\": 1}}");
	assert_int_equal(n, 100);
	expect_step(99, 100, 1);
}

/* (N − 1) × interval is the span from the first shift to the last: 2880 is the limit. */
static void test_linear_span_limit(void **state)
{
	struct err e;

	(void)state;
	ok("{\"type\": \"TimeBasedLinear\", \"timeBasedLinear\": {\"linearPercentage\": 10, "
	   "\"linearInterval\": 320}}");
	assert_int_equal(schedule("{\"type\": \"TimeBasedLinear\", \"timeBasedLinear\": "
				  "{\"linearPercentage\": 10, \"linearInterval\": 321}}",
				  &e),
			 -SW_E_InvalidTrafficRoutingConfiguration);
	assert_non_null(strstr(e.msg, "2889 minutes"));
}

static void test_steps(void **state)
{
	(void)state;
	ok("{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": ["
	   "{\"percentage\": 5, \"waitInMinutes\": 1}, {\"percentage\": 25, \"waitInMinutes\": 1},"
	   "{\"percentage\": 50, \"waitInMinutes\": 3}, {\"percentage\": 100}]}}");
	assert_int_equal(n, 4);
	expect_step(0, 5, 1);
	expect_step(1, 25, 1);
	expect_step(2, 50, 3);
	expect_step(3, 100, 0);

	/* a single step, and a bake at 100 % given for the last one; zero waits */
	ok("{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": 100}]}}");
	assert_int_equal(n, 1);
	expect_step(0, 100, 0);
	ok("{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": 1, "
	   "\"waitInMinutes\": 0}, {\"percentage\": 100, \"waitInMinutes\": 2880}]}}");
	expect_step(0, 1, 0);
	expect_step(1, 100, 2880);
}

/* Twenty steps are allowed, twenty-one are not. */
static void test_steps_count_limit(void **state)
{
	char text[2048];
	size_t used;
	struct err e;

	(void)state;
	for (int count = 20; count <= 21; count++) {
		used = (size_t)snprintf(
		    text, sizeof(text),
		    "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [");
		for (int i = 1; i <= count; i++)
			used += (size_t)snprintf(text + used, sizeof(text) - used,
						 "%s{\"percentage\": %d, \"waitInMinutes\": 1}",
						 i > 1 ? "," : "", i == count ? 100 : i);
		snprintf(text + used, sizeof(text) - used, "]}}");
		if (count == 20) {
			ok(text);
			assert_int_equal(n, 20);
		} else {
			assert_int_equal(schedule(text, &e),
					 -SW_E_InvalidTrafficRoutingConfiguration);
			assert_non_null(strstr(e.msg, "limit is 20"));
		}
	}
}

/* Under --time-scale 60 a CodeDeploy minute lasts one second. */
static void test_time_scale(void **state)
{
	(void)state;
	assert_int_equal(time_scale_set(60), 0);
	ok("{\"type\": \"TimeBasedCanary\", \"timeBasedCanary\": {\"canaryPercentage\": 10, "
	   "\"canaryInterval\": 5}}");
	assert_int_equal(steps[0].wait_minutes, 5);
	assert_int_equal(steps[0].wait_ms, 5000);
	assert_int_equal(steps[1].wait_ms, 0);
	ok("{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": 50, "
	   "\"waitInMinutes\": 2}, {\"percentage\": 100}]}}");
	assert_int_equal(steps[0].wait_ms, 2000);
	assert_int_equal(time_scale_set(1), 0);
	ok("{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": 50, "
	   "\"waitInMinutes\": 2}, {\"percentage\": 100}]}}");
	assert_int_equal(steps[0].wait_ms, 120000);
}

/* Each bad config fails with InvalidTrafficRoutingConfiguration and a message naming what. */
static void test_bad_configs(void **state)
{
	static const struct {
		const char *json, *says;
	} bad[] = {
		{ "[]", "must be an object" },
		{ "{}", "type is required" },
		{ "{\"type\": 5}", "type must be a string" },
		{ "{\"type\": \"Sideways\"}", "not 'Sideways'" },
		{ "{\"type\": \"AllAtOnce\", \"timeBasedLinear\": {}}",
		  "takes no timeBasedLinear" },
		{ "{\"type\": \"TimeBasedCanary\"}", "timeBasedCanary is required" },
		{ "{\"type\": \"TimeBasedCanary\", \"timeBasedCanary\": {\"canaryPercentage\": "
		  "100, "
		  "\"canaryInterval\": 5}}",
		  "between 1 and 99" },
		{ "{\"type\": \"TimeBasedCanary\", \"timeBasedCanary\": {\"canaryPercentage\": 10, "
		  "\"canaryInterval\": 0}}",
		  "at least 1 minute" },
		{ "{\"type\": \"TimeBasedCanary\", \"timeBasedCanary\": {\"canaryPercentage\": 10, "
		  "\"canaryInterval\": 2881}}",
		  "at most 2880" },
		{ "{\"type\": \"TimeBasedCanary\", \"timeBasedCanary\": {\"canaryPercentage\": "
		  "\"x\", "
		  "\"canaryInterval\": 5}}",
		  "must be integers" },
		{ "{\"type\": \"TimeBasedLinear\", \"timeBasedLinear\": {\"linearPercentage\": 0, "
		  "\"linearInterval\": 1}}",
		  "between 1 and 99" },
		{ "{\"type\": \"TimeBasedLinear\", \"timeBasedLinear\": {\"linearPercentage\": 1, "
		  "\"linearInterval\": 4611686018427387904}}",
		  "at most 2880 minutes" },
		{ "{\"type\": \"TimeBasedLinear\", \"timeBasedCanary\": {\"canaryPercentage\": 10, "
		  "\"canaryInterval\": 5}}",
		  "takes no timeBasedCanary" },
		{ "{\"type\": \"SlipwaySteps\"}", "slipwaySteps {steps" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": []}}",
		  "1 to 20 steps" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": 5}}",
		  "1 to 20 steps" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [7]}}",
		  "steps[0] must be an object" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"waitInMinutes\": "
		  "1}]}}",
		  "steps[0].percentage is required" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percent\": "
		  "100}]}}",
		  "unknown member 'percent'" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": "
		  "0}, "
		  "{\"percentage\": 100}]}}",
		  "between 1 and 100, not 0" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": "
		  "101}]}}",
		  "between 1 and 100, not 101" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": "
		  "50}, "
		  "{\"percentage\": 50}, {\"percentage\": 100}]}}",
		  "steps[1].percentage 50 does not exceed" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": "
		  "60}, "
		  "{\"percentage\": 40}, {\"percentage\": 100}]}}",
		  "must increase strictly" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": "
		  "5}, "
		  "{\"percentage\": 50}]}}",
		  "must shift 100%, not 50%" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": 5, "
		  "\"waitInMinutes\": -1}, {\"percentage\": 100}]}}",
		  "waitInMinutes must be between 0 and 2880, not -1" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": 5, "
		  "\"waitInMinutes\": 1.5}, {\"percentage\": 100}]}}",
		  "must be integers" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": 5, "
		  "\"waitInMinutes\": 2000}, {\"percentage\": 100, \"waitInMinutes\": 881}]}}",
		  "add up to more than 2880" },
		{ "{\"type\": \"SlipwaySteps\", \"slipwaySteps\": {\"steps\": [{\"percentage\": "
		  "100}]},"
		  " \"timeBasedCanary\": {}}",
		  "takes no timeBasedCanary" },
		{ "{\"type\": \"TimeBasedCanary\", \"timeBasedCanary\": {\"canaryPercentage\": 10, "
		  "\"canaryInterval\": 5}, \"slipwaySteps\": {\"steps\": []}}",
		  "takes no slipwaySteps" },
	};
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = schedule(bad[i].json, &e);

		if (r != -SW_E_InvalidTrafficRoutingConfiguration)
			fail_msg("%s: got %d (%s)", bad[i].json, r, e.msg);
		if (!strstr(e.msg, bad[i].says))
			fail_msg("%s: message '%s' lacks '%s'", bad[i].json, e.msg, bad[i].says);
	}
}

/* A caller's array too small for the schedule is a clear error, not an overrun. */
static void test_small_array(void **state)
{
	json_t *j = json_pack("{s:s,s:{s:i,s:i}}", "type", "TimeBasedLinear", "timeBasedLinear",
			      "linearPercentage", 25, "linearInterval", 1);
	struct shift_step few[3];
	struct err e = { 0 };

	(void)state;
	assert_int_equal(shift_schedule(j, few, 3, &n, &e), -SW_E_INVALID);
	assert_non_null(strstr(e.msg, "more than 3 steps"));
	json_decref(j);
}

static double share(int wg, int wb, size_t ng, size_t nb)
{
	double g = (double)ng * wg, b = (double)nb * wb;

	return 100.0 * g / (g + b);
}

static void test_weights_ends(void **state)
{
	int wg, wb;

	(void)state;
	shift_weights(0, 4, 4, &wg, &wb);
	assert_int_equal(wg, 0);
	assert_true(wb >= 1);
	shift_weights(100, 4, 4, &wg, &wb);
	assert_true(wg >= 1);
	assert_int_equal(wb, 0);
	shift_weights(50, 4, 4, &wg, &wb);
	assert_int_equal(wg, 1);
	assert_int_equal(wb, 1);
	shift_weights(10, 2, 2, &wg, &wb);
	assert_int_equal(wg, 1);
	assert_int_equal(wb, 9);
	shift_weights(25, 1, 3, &wg, &wb); /* one green server against three blue ones */
	assert_int_equal(wg, 1);
	assert_int_equal(wb, 1);
	shift_weights(50, 0, 3, &wg, &wb);
	assert_true(wg >= 1 && wb >= 1);
}

/* Every fleet pair up to 10 + 10, every percent: within 1 point wherever HAProxy's weights
 * can express it (at most 0.05), saturated at 256:1 where they cannot, and never worse than
 * the best pair of weights found by trying them all. */
static void test_weights_share(void **state)
{
	double worst = 0;

	(void)state;
	for (size_t ng = 1; ng <= 10; ng++) {
		for (size_t nb = 1; nb <= 10; nb++) {
			for (int p = 1; p <= 99; p++) {
				double need = (double)p * nb / ((double)(100 - p) * ng), err;
				int wg, wb;

				shift_weights(p, ng, nb, &wg, &wb);
				assert_true(wg >= 1 && wg <= SHIFT_WEIGHT_MAX);
				assert_true(wb >= 1 && wb <= SHIFT_WEIGHT_MAX);
				err = share(wg, wb, ng, nb) - p;
				err = err < 0 ? -err : err;
				if (need >= 1.0 / SHIFT_WEIGHT_MAX && need <= SHIFT_WEIGHT_MAX) {
					if (err > worst)
						worst = err;
					assert_true(err <= 0.05);
				} else {
					/* beyond the range: the extreme pair, toward percent */
					assert_true(need > 1 ? wg == SHIFT_WEIGHT_MAX && wb == 1
							     : wg == 1 && wb == SHIFT_WEIGHT_MAX);
				}
				if (ng == nb)
					assert_true(err <= 0.05);
			}
		}
	}
	print_message("worst share error where expressible: %.4f percentage points\n", worst);
}

static void test_weights_are_optimal(void **state)
{
	static const struct {
		int p;
		size_t ng, nb;
	} cases[] = { { 5, 4, 4 },   { 33, 3, 7 }, { 10, 10, 1 },
		      { 99, 1, 10 }, { 1, 10, 1 }, { 67, 6, 9 } };

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double best = 1e9, got, d;
		int wg, wb;

		for (int g = 1; g <= SHIFT_WEIGHT_MAX; g++)
			for (int b = 1; b <= SHIFT_WEIGHT_MAX; b++) {
				d = share(g, b, cases[c].ng, cases[c].nb) - cases[c].p;
				d = d < 0 ? -d : d;
				if (d < best)
					best = d;
			}
		shift_weights(cases[c].p, cases[c].ng, cases[c].nb, &wg, &wb);
		got = share(wg, wb, cases[c].ng, cases[c].nb) - cases[c].p;
		got = got < 0 ? -got : got;
		assert_true(got <= best + 1e-9);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_at_once),	cmocka_unit_test(test_canary),
		cmocka_unit_test(test_linear_end_rule), cmocka_unit_test(test_linear_span_limit),
		cmocka_unit_test(test_steps),		cmocka_unit_test(test_steps_count_limit),
		cmocka_unit_test(test_time_scale),	cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_small_array),	cmocka_unit_test(test_weights_ends),
		cmocka_unit_test(test_weights_share),	cmocka_unit_test(test_weights_are_optimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
