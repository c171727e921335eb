/* test_alarm_eval: the metric-alarm rule against AWS's documented tables (reference
 * cloudwatch.md §3.5), the period range, and the words of the reasons (§3.6). */
#include "engine/alarm_eval.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* A range written as AWS's tables do, oldest first: '0' not breaching, 'X' breaching,
 * '-' missing (threshold 1, GreaterThanOrEqualToThreshold). */
static enum alarm_state eval(const char *range, int m, int n, enum alarm_missing missing,
			     struct alarm_eval_out *out)
{
	static struct alarm_slot slots[32];
	size_t k = 0;

	for (const char *p = range; *p; p++) {
		if (*p == ' ')
			continue;
		slots[k] = (struct alarm_slot){ .ts = (int64_t)k * 60000,
						.present = *p != '-',
						.value = *p == 'X' ? 5 : 0,
						.sample_count = 1 };
		k++;
	}
	struct alarm_eval_in in = { slots, k, n, m, ALARM_CMP_GE, 1.0, missing, ALARM_STATE_OK };
	alarm_evaluate(&in, out);
	return out->state;
}

#define KEEP ALARM_STATE_NONE
#define OK   ALARM_STATE_OK
#define AL   ALARM_STATE_ALARM
#define ID   ALARM_STATE_INSUFFICIENT_DATA

static void test_aws_table(void **state)
{
	static const struct {
		int m, n;
		const char *range;
		enum alarm_state want[4]; /* missing, ignore, breaching, notBreaching */
	} rows[] = {
		{ 3, 3, "0 - X - X", { OK, OK, OK, OK } },
		{ 3, 3, "0 - - - -", { OK, OK, OK, OK } },
		{ 3, 3, "- - - - -", { ID, KEEP, AL, OK } },
		{ 3, 3, "0 X X - X", { AL, AL, AL, AL } },
		{ 3, 3, "- - - - X", { ID, KEEP, AL, OK } },
		{ 3, 3, "X - - - -", { AL, KEEP, AL, OK } },
		{ 2, 3, "0 - X - X", { AL, AL, AL, AL } },
		{ 2, 3, "0 0 X 0 X", { AL, AL, AL, AL } },
		{ 2, 3, "0 - X - -", { OK, OK, AL, OK } },
		{ 2, 3, "- - - - 0", { OK, OK, AL, OK } },
		{ 2, 3, "- - - - X", { ID, KEEP, AL, OK } },
	};
	static const enum alarm_missing opts[4] = { ALARM_MISSING_MISSING, ALARM_MISSING_IGNORE,
						    ALARM_MISSING_BREACHING,
						    ALARM_MISSING_NOT_BREACHING };
	struct alarm_eval_out out;

	(void)state;
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
		for (int o = 0; o < 4; o++) {
			enum alarm_state got =
			    eval(rows[r].range, rows[r].m, rows[r].n, opts[o], &out);

			if (got != rows[r].want[o])
				fail_msg("%d/%d '%s' option %d: got %d, want %d", rows[r].m,
					 rows[r].n, rows[r].range, o, got, rows[r].want[o]);
		}
}

static void test_m_of_n_skips_gaps(void **state)
{
	struct alarm_eval_out out;

	(void)state;
	/* 3 of 5 real newest points are looked at, gaps skipped: X 0 X → 2 of 3 */
	assert_int_equal(eval("X - X 0 - X", 2, 3, ALARM_MISSING_MISSING, &out), AL);
	assert_int_equal(out.nused, 3);
	assert_int_equal(out.breaching, 2);
	assert_int_equal(out.used[0], 5); /* newest first */
	assert_int_equal(eval("X - X 0 - X", 3, 3, ALARM_MISSING_BREACHING, &out), OK);
}

static void test_range(void **state)
{
	(void)state;
	assert_int_equal(alarm_eval_range(1), 3);
	assert_int_equal(alarm_eval_range(3), 5);
	assert_int_equal(alarm_eval_range(9), 12);
}

static void test_reasons(void **state)
{
	struct alarm_slot s[1] = {
		{ .ts = 1770890400000LL, .present = true, .value = 5, .sample_count = 1 }
	};
	struct alarm_eval_in in = {
		s, 1, 1, 1, ALARM_CMP_GT, 1.0, ALARM_MISSING_MISSING, ALARM_STATE_OK
	};
	struct alarm_eval_out out;
	char why[1024];

	(void)state;
	alarm_evaluate(&in, &out);
	alarm_reason(&in, &out, ALARM_STATE_OK, why, sizeof(why));
	assert_string_equal(why, "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (12/02/26 "
				 "10:00:00)] was greater than the threshold (1.0) (minimum 1 "
				 "datapoint for OK -> ALARM transition).");
	s[0].value = 0;
	in.cmp = ALARM_CMP_GE;
	alarm_evaluate(&in, &out);
	alarm_reason(&in, &out, ALARM_STATE_ALARM, why, sizeof(why));
	assert_string_equal(why, "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (12/02/26 "
				 "10:00:00)] was not greater than or equal to the threshold (1.0) "
				 "(minimum 1 datapoint for ALARM -> OK transition).");
	in.nslots = 0;
	in.n = in.m = 2;
	in.missing = ALARM_MISSING_BREACHING;
	alarm_evaluate(&in, &out);
	alarm_reason(&in, &out, ALARM_STATE_OK, why, sizeof(why));
	assert_string_equal(why, "Threshold Crossed: no datapoints were received for 2 periods and "
				 "2 missing datapoints were treated as [Breaching].");
	in.missing = ALARM_MISSING_MISSING;
	alarm_evaluate(&in, &out);
	alarm_reason(&in, &out, ALARM_STATE_OK, why, sizeof(why));
	assert_string_equal(why, "Insufficient Data: 2 datapoints were unknown.");
}

static void test_numbers(void **state)
{
	char b[40];

	(void)state;
	alarm_number(5, b, sizeof(b));
	assert_string_equal(b, "5.0");
	alarm_number(0.25, b, sizeof(b));
	assert_string_equal(b, "0.25");
	alarm_number(193.3, b, sizeof(b));
	assert_string_equal(b, "193.3");
	alarm_number(1e10, b, sizeof(b));
	assert_string_equal(b, "1.0E10");
	alarm_number(-2.5, b, sizeof(b));
	assert_string_equal(b, "-2.5");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_table), cmocka_unit_test(test_m_of_n_skips_gaps),
		cmocka_unit_test(test_range),	  cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
