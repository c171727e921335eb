/* test_lambda_rules: qualifier resolution, alias-name and version rules, weight validation,
 * the weighted pick and publish-if-changed (reference functions.md §1). */
#include "model/lambda_rules.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_references(void **state)
{
	struct lambda_ref r;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(lambda_ref_parse("web", 140, &r, &e), 0);
	assert_string_equal(r.name, "web");
	assert_string_equal(r.qualifier, "");
	assert_int_equal(lambda_ref_parse("web:live", 140, &r, &e), 0);
	assert_string_equal(r.qualifier, "live");
	assert_int_equal(lambda_ref_parse("web:$LATEST", 140, &r, &e), 0);
	assert_int_equal(lambda_ref_parse("123456789012:function:web:7", 140, &r, &e), 0);
	assert_string_equal(r.account, "123456789012");
	assert_string_equal(r.name, "web");
	assert_string_equal(r.qualifier, "7");
	assert_int_equal(
	    lambda_ref_parse("arn:aws:lambda:eu-west-1:123456789012:function:web", 140, &r, &e), 0);
	assert_string_equal(r.region, "eu-west-1");
	assert_string_equal(r.qualifier, "");
	assert_int_equal(lambda_ref_parse("arn:aws:lambda:eu-west-1:123456789012:function:web:prod",
					  140, &r, &e),
			 0);
	assert_string_equal(r.qualifier, "prod");
	/* what is refused */
	static const char *const bad[] = {
		"",
		"we b",
		"web:",
		"web:live:extra",
		"web:$latest",
		"web:07",
		"arn:aws:s3:::bucket",
		"arn:aws:lambda:eu-west-1:123456789012:layer:x",
		"12345:function:web",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
		"a:b:c:d:e:f:g:h:i",
		"web\nx",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lambda_ref_parse(bad[i], 140, &r, &e) != -SW_E_INVALID)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(lambda_ref_parse("web:live", 5, &r, &e), -SW_E_INVALID); /* too long */
}

static void test_names(void **state)
{
	(void)state;
	assert_true(lambda_alias_name_valid("live"));
	assert_true(lambda_alias_name_valid("v2-canary_1"));
	assert_false(lambda_alias_name_valid("12"));	  /* would look like a version */
	assert_false(lambda_alias_name_valid("$LATEST")); /* not an alias name */
	assert_false(lambda_alias_name_valid(""));
	assert_true(lambda_version_valid("$LATEST"));
	assert_true(lambda_version_valid("1"));
	assert_false(lambda_version_valid("0"));
	assert_false(lambda_version_valid("01"));
	assert_false(lambda_version_valid("1e3"));
	assert_false(lambda_version_published("$LATEST"));
}

static bool exists(void *arg, const char *v)
{
	(void)arg;
	return strcmp(v, "1") == 0 || strcmp(v, "2") == 0 || strcmp(v, "3") == 0;
}

static int routing(const char *primary, const char *weights_json, struct lambda_routing *r)
{
	json_t *w = weights_json ? json_loads(weights_json, 0, NULL) : NULL;
	struct err e = { 0 };
	int rc = lambda_routing_parse(primary, w, exists, NULL, r, &e);

	json_decref(w);
	return rc;
}

static void test_routing(void **state)
{
	struct lambda_routing r;

	(void)state;
	assert_int_equal(routing("2", "{\"3\": 0.1}", &r), 0);
	assert_string_equal(r.primary, "2");
	assert_string_equal(r.secondary, "3");
	assert_true(r.weight == 0.1);
	assert_int_equal(routing("2", "{}", &r), 0); /* resets routing */
	assert_string_equal(r.secondary, "");
	assert_int_equal(routing("$LATEST", NULL, &r), 0);
	assert_int_equal(routing("2", "{\"3\": 0.1, \"1\": 0.1}", &r), -SW_E_INVALID);
	assert_int_equal(routing("$LATEST", "{\"3\": 0.1}", &r), -SW_E_INVALID);
	assert_int_equal(routing("2", "{\"2\": 0.1}", &r), -SW_E_INVALID);
	assert_int_equal(routing("2", "{\"$LATEST\": 0.1}", &r), -SW_E_INVALID);
	assert_int_equal(routing("2", "{\"3\": 1.0}", &r), -SW_E_INVALID);
	assert_int_equal(routing("2", "{\"3\": -0.1}", &r), -SW_E_INVALID);
	assert_int_equal(routing("2", "{\"3\": \"0.1\"}", &r), -SW_E_INVALID);
	assert_int_equal(routing("2", "{\"9\": 0.1}", &r), -SW_E_NOT_FOUND);
	assert_int_equal(routing("9", NULL, &r), -SW_E_NOT_FOUND);
	assert_int_equal(routing("live", NULL, &r), -SW_E_INVALID); /* never another alias */
}

static void test_pick(void **state)
{
	struct lambda_routing r = { "2", "3", 0.1 };
	size_t second = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		second += strcmp(lambda_routing_pick(&r, i / 1000.0), "3") == 0;
	assert_int_equal(second, 100); /* exactly the weight over a uniform grid */
	r.secondary[0] = '\0';
	assert_string_equal(lambda_routing_pick(&r, 0.0), "2");
}

static void test_publish(void **state)
{
	struct err e = { 0 };

	(void)state;
	assert_true(lambda_publish_needed("c1", "k1", NULL, NULL)); /* the first version */
	assert_false(lambda_publish_needed("c1", "k1", "c1", "k1"));
	assert_true(lambda_publish_needed("c2", "k1", "c1", "k1")); /* new code */
	assert_true(lambda_publish_needed("c1", "k2", "c1", "k1")); /* new configuration */
	assert_int_equal(lambda_publish_check_sha(NULL, "c1", &e), 0);
	assert_int_equal(lambda_publish_check_sha("c1", "c1", &e), 0);
	assert_int_equal(lambda_publish_check_sha("c0", "c1", &e), -SW_E_INVALID);
	assert_non_null(strstr(e.msg, "is different from current CodeSHA256 in $LATEST"));
}

/* Which runtimes CreateFunction accepts, and how each runs. */
static void test_runtimes(void **state)
{
	(void)state;
	assert_int_equal(lambda_runtime_kind("provided.al2023"), LAMBDA_RT_PROVIDED);
	assert_int_equal(lambda_runtime_kind("provided"), LAMBDA_RT_PROVIDED);
	assert_int_equal(lambda_runtime_kind("python3.12"), LAMBDA_RT_PYTHON);
	assert_int_equal(lambda_runtime_kind("nodejs20.x"), LAMBDA_RT_NODE);
	assert_int_equal(lambda_runtime_kind("java21"), LAMBDA_RT_UNKNOWN);
	assert_int_equal(lambda_runtime_kind("python3.12 "), LAMBDA_RT_UNKNOWN);
	assert_int_equal(lambda_runtime_kind("Python3.12"), LAMBDA_RT_UNKNOWN);
	assert_int_equal(lambda_runtime_kind(""), LAMBDA_RT_UNKNOWN);
	assert_int_equal(lambda_runtime_kind(NULL), LAMBDA_RT_UNKNOWN);
	assert_non_null(strstr(lambda_runtimes_supported, "provided.al2023"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_references), cmocka_unit_test(test_names),
		cmocka_unit_test(test_routing),	   cmocka_unit_test(test_pick),
		cmocka_unit_test(test_publish),	   cmocka_unit_test(test_runtimes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
