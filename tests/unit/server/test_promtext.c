/* test_promtext: the Prometheus text encoder (server/promtext.c) — the exact text of a scrape,
 * names and label names sanitized into the grammar, colliding names kept apart, label values
 * escaped, invalid UTF-8 replaced, special values, and a full buffer leaving only complete
 * families. */
#include "server/promtext.h"
#include "base/err.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static const struct metric_totals totals = { .count = 3, .sum = 7.5, .last_value = 2 };

static void test_a_metric_is_three_families(void **state)
{
	struct buf out = BUF_INIT(1u << 20);
	struct promtext p;
	struct metric_dim dims[] = { { "Service", "codedeploy" }, { "Operation", "ListApps" } };
	struct metric_totals t2 = { .count = 1, .sum = 0.1, .last_value = 0.1 };

	(void)state;
	promtext_init(&p, &out);
	assert_int_equal(promtext_begin(&p, "Slipway", "ApiRequests"), 0);
	assert_int_equal(promtext_series(&p, dims, 2, "Count", &totals), 0);
	assert_int_equal(promtext_series(&p, NULL, 0, NULL, &t2), 0);
	assert_int_equal(promtext_end(&p), 0);
	promtext_release(&p);
	assert_string_equal(
	    buf_str(&out),
	    "# HELP cloudwatch_Slipway_ApiRequests_sum CloudWatch metric Slipway ApiRequests: sum "
	    "of the values since the first datum\n"
	    "# TYPE cloudwatch_Slipway_ApiRequests_sum counter\n"
	    "cloudwatch_Slipway_ApiRequests_sum{dimension_Operation=\"ListApps\","
	    "dimension_Service=\"codedeploy\",unit=\"Count\"} 7.5\n"
	    "cloudwatch_Slipway_ApiRequests_sum 0.1\n"
	    "# HELP cloudwatch_Slipway_ApiRequests_count CloudWatch metric Slipway ApiRequests: "
	    "number of values (SampleCount) since the first datum\n"
	    "# TYPE cloudwatch_Slipway_ApiRequests_count counter\n"
	    "cloudwatch_Slipway_ApiRequests_count{dimension_Operation=\"ListApps\","
	    "dimension_Service=\"codedeploy\",unit=\"Count\"} 3\n"
	    "cloudwatch_Slipway_ApiRequests_count 1\n"
	    "# HELP cloudwatch_Slipway_ApiRequests_last CloudWatch metric Slipway ApiRequests: the "
	    "last value recorded\n"
	    "# TYPE cloudwatch_Slipway_ApiRequests_last gauge\n"
	    "cloudwatch_Slipway_ApiRequests_last{dimension_Operation=\"ListApps\","
	    "dimension_Service=\"codedeploy\",unit=\"Count\"} 2\n"
	    "cloudwatch_Slipway_ApiRequests_last 0.1\n");
	buf_release(&out);
}

static void test_names_are_sanitized(void **state)
{
	char s[64];

	(void)state;
	assert_int_equal(promtext_sanitize(s, sizeof(s), "AWS/EC2"), 7);
	assert_string_equal(s, "AWS_EC2");
	promtext_sanitize(s, sizeof(s), "a  b//c:d");
	assert_string_equal(s, "a_b_c_d"); /* runs are one '_'; ':' is not for exporters */
	promtext_sanitize(s, sizeof(s),
			  "Gr\xc3\xb6\xc3\x9f"
			  "e 9");
	assert_string_equal(s, "Gr_e_9");
	promtext_sanitize(s, 4, "abcdef");
	assert_string_equal(s, "abc");
}

static void test_colliding_names_get_their_own_families(void **state)
{
	struct buf out = BUF_INIT(1u << 20);
	struct promtext p;
	struct metric_dim d1[] = { { "a b", "1" }, { "a_b", "2" }, { "a/b", "3" } };

	(void)state;
	promtext_init(&p, &out);
	assert_int_equal(promtext_begin(&p, "My/App", "x"), 0);
	assert_int_equal(promtext_series(&p, d1, 3, "None", &totals), 0);
	assert_int_equal(promtext_end(&p), 0);
	assert_int_equal(promtext_begin(&p, "My App", "x"), 0);
	assert_int_equal(promtext_series(&p, NULL, 0, "None", &totals), 0);
	assert_int_equal(promtext_end(&p), 0);
	assert_int_equal(promtext_begin(&p, "My", "App/x"), 0);
	assert_int_equal(promtext_series(&p, NULL, 0, "None", &totals), 0);
	assert_int_equal(promtext_end(&p), 0);
	promtext_release(&p);
	/* sorted by name: "a b" < "a/b" < "a_b" */
	assert_non_null(strstr(buf_str(&out), "cloudwatch_My_App_x_sum{dimension_a_b=\"1\","
					      "dimension_a_b_2=\"3\",dimension_a_b_3=\"2\","
					      "unit=\"None\"} 7.5\n"));
	assert_non_null(strstr(buf_str(&out), "# TYPE cloudwatch_My_App_x_2_sum counter\n"
					      "cloudwatch_My_App_x_2_sum{unit=\"None\"} 7.5\n"));
	assert_non_null(strstr(buf_str(&out), "# TYPE cloudwatch_My_App_x_3_last gauge\n"));
	assert_null(strstr(buf_str(&out), "x_4"));
	buf_release(&out);
}

static void test_label_values_and_help_are_escaped(void **state)
{
	struct buf out = BUF_INIT(1u << 20);
	struct buf v = BUF_INIT(1024);
	struct promtext p;
	struct metric_dim d[] = { { "Host", "a\"b\\c\nd" } };

	(void)state;
	assert_int_equal(promtext_label_value(&v, "ok \xe2\x82\xac \xff\xc3(\xed\xa0\x80."), 0);
	/* U+FFFD for a stray byte, a cut sequence and an encoded surrogate (one per byte) */
	assert_string_equal(buf_str(&v), "ok \xe2\x82\xac \xef\xbf\xbd\xef\xbf\xbd("
					 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd.");
	promtext_init(&p, &out);
	assert_int_equal(promtext_begin(&p, "N\\s\n", "m\"x"), 0);
	assert_int_equal(promtext_series(&p, d, 1, "Per\"cent", &totals), 0);
	assert_int_equal(promtext_end(&p), 0);
	promtext_release(&p);
	assert_non_null(strstr(buf_str(&out), "# HELP cloudwatch_N_s_m_x_sum CloudWatch metric "
					      "N\\\\s\\n m\"x: sum"));
	assert_non_null(strstr(buf_str(&out), "{dimension_Host=\"a\\\"b\\\\c\\nd\","
					      "unit=\"Per\\\"cent\"} 7.5\n"));
	buf_release(&out);
	buf_release(&v);
}

static void test_values(void **state)
{
	struct buf b = BUF_INIT(1024);

	(void)state;
	promtext_value(&b, 0.1);
	buf_addc(&b, ' ');
	promtext_value(&b, 1e300);
	buf_addc(&b, ' ');
	promtext_value(&b, -0.30000000000000004);
	buf_addc(&b, ' ');
	promtext_value(&b, NAN);
	buf_addc(&b, ' ');
	promtext_value(&b, INFINITY);
	buf_addc(&b, ' ');
	promtext_value(&b, -INFINITY);
	assert_string_equal(buf_str(&b), "0.1 1e+300 -0.30000000000000004 NaN +Inf -Inf");
	buf_release(&b);
}

static void test_a_full_buffer_keeps_complete_families(void **state)
{
	struct buf out = BUF_INIT(1200);
	struct promtext p;
	size_t before;
	int r = 0, done = 0;

	(void)state;
	promtext_init(&p, &out);
	for (int i = 0; i < 100 && !r; i++) {
		char name[16];

		snprintf(name, sizeof(name), "m%d", i);
		before = out.len;
		assert_int_equal(promtext_begin(&p, "N", name), 0);
		assert_int_equal(promtext_series(&p, NULL, 0, "Count", &totals), 0);
		r = promtext_end(&p);
		done += !r;
	}
	promtext_release(&p);
	assert_int_equal(r, -SW_E_TOO_LARGE);
	assert_true(done >= 1);
	assert_int_equal(out.len, before); /* the metric that did not fit left nothing */
	assert_int_equal(out.p[out.len - 1], '\n');
	assert_non_null(strstr(buf_str(&out), "cloudwatch_N_m0_last{unit=\"Count\"} 2\n"));
	buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_metric_is_three_families),
		cmocka_unit_test(test_names_are_sanitized),
		cmocka_unit_test(test_colliding_names_get_their_own_families),
		cmocka_unit_test(test_label_values_and_help_are_escaped),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_a_full_buffer_keeps_complete_families),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
