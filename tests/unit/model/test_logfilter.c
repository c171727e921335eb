/* test_logfilter: the filter-pattern matcher, construct by construct (reference §4.6). */
#include "model/logfilter.h"
#include "model/logs_errors.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* Whether pattern p matches message m (p must compile). */
static bool match(const char *p, const char *m)
{
	struct logfilter *f;
	struct err e = { 0 };
	bool hit;

	if (logfilter_compile(p, &f, &e)) {
		print_error("pattern '%s' did not compile: %s\n", p, err_message(&e));
		fail();
	}
	hit = logfilter_match(f, m, strlen(m));
	logfilter_free(f);
	return hit;
}

static void invalid(const char *p)
{
	struct logfilter *f = (struct logfilter *)1;
	struct err e = { 0 };

	if (logfilter_compile(p, &f, &e) != -SW_E_LOGS_InvalidParameter) {
		print_error("pattern '%s' compiled\n", p);
		fail();
	}
	assert_null(f);
	assert_non_null(strstr(err_message(&e), "Invalid filter pattern"));
}

static void test_empty_matches_all(void **state)
{
	assert_true(match("", "anything"));
	assert_true(match(NULL, "anything"));
	assert_true(match("   ", "x"));
}

static void test_terms_and_case_sensitive(void **state)
{
	assert_true(match("ERROR", "an ERROR here"));
	assert_false(match("ERROR", "an error here"));
	assert_true(match("ERROR Exception", "ERROR: NullPointer Exception"));
	assert_false(match("ERROR Exception", "ERROR only"));
}

static void test_quoted_phrase(void **state)
{
	assert_true(match("\"disk full\"", "ERROR disk full now"));
	assert_false(match("\"disk full\"", "disk is full"));
	assert_true(match("\"say \\\"hi\\\"\"", "they say \"hi\" twice"));
	invalid("\"unterminated");
	invalid("\"\"");
}

static void test_or_terms(void **state)
{
	assert_true(match("?ERROR ?WARN", "WARN slow"));
	assert_true(match("?ERROR ?WARN", "ERROR bad"));
	assert_false(match("?ERROR ?WARN", "INFO fine"));
	invalid("? ERROR");
}

static void test_exclusion(void **state)
{
	assert_true(match("ERROR -Retry", "ERROR disk"));
	assert_false(match("ERROR -Retry", "ERROR Retry later"));
	assert_false(match("-\"Retry later\"", "ERROR Retry later"));
	assert_true(match("-DEBUG", "INFO x"));
	invalid("-");
}

static const char doc[] = "{\"level\":\"error\",\"status\":500,\"latency\":1.5,\"ok\":false,"
			  "\"on\":true,\"gone\":null,\"user\":{\"name\":\"ann\",\"tags\":"
			  "[{\"k\":\"a\"},{\"k\":\"b\"}]},\"list\":[3,4]}";

static void test_json_equality(void **state)
{
	assert_true(match("{ $.level = \"error\" }", doc));
	assert_false(match("{ $.level = \"info\" }", doc));
	assert_true(match("{ $.level = error }", doc)); /* a bare word is a string */
	assert_true(match("{ $.status = 500 }", doc));
	assert_true(match("{ $.status != 200 }", doc));
	assert_false(match("{ $.status != 500 }", doc));
	assert_false(match("{ $.missing != 1 }", doc)); /* != needs the member */
	assert_false(match("{ $.level = 500 }", doc));	/* types must agree */
}

static void test_json_numeric(void **state)
{
	assert_true(match("{ $.status > 499 }", doc));
	assert_true(match("{ $.status >= 500 }", doc));
	assert_false(match("{ $.status < 500 }", doc));
	assert_true(match("{ $.status <= 500 }", doc));
	assert_true(match("{ $.latency < 2 }", doc));
	assert_true(match("{ $.latency > 1.25 }", doc));
	assert_false(match("{ $.level > 1 }", doc)); /* a string is no number */
	invalid("{ $.status > \"x\" }");
	invalid("{ $.status > abc }");
}

static void test_json_and_or_parens(void **state)
{
	assert_true(match("{ $.level = \"error\" && $.status = 500 }", doc));
	assert_false(match("{ $.level = \"error\" && $.status = 200 }", doc));
	assert_true(match("{ $.level = \"info\" || $.status = 500 }", doc));
	assert_false(match("{ $.level = \"info\" || $.status = 200 }", doc));
	/* && binds tighter than || */
	assert_true(match("{ $.status = 500 || $.level = \"x\" && $.status = 1 }", doc));
	assert_false(match("{ ($.status = 500 || $.level = \"x\") && $.status = 1 }", doc));
	assert_true(match("{ (($.status = 500)) }", doc));
	invalid("{ ($.status = 500 }");
	invalid("{ $.status = 500 && }");
}

static void test_json_wildcards(void **state)
{
	assert_true(match("{ $.level = \"err*\" }", doc));
	assert_true(match("{ $.level = \"*ro*\" }", doc));
	assert_false(match("{ $.level = \"*x*\" }", doc));
	assert_true(match("{ $.user.name = * }", doc));
	assert_true(match("{ $.level != \"inf*\" }", doc));
}

static void test_json_exists_null_bool(void **state)
{
	assert_true(match("{ $.gone IS NULL }", doc));
	assert_false(match("{ $.status IS NULL }", doc));
	assert_false(match("{ $.missing IS NULL }", doc));
	assert_true(match("{ $.on IS TRUE }", doc));
	assert_true(match("{ $.ok IS FALSE }", doc));
	assert_false(match("{ $.ok IS TRUE }", doc));
	assert_true(match("{ $.status EXISTS }", doc));
	assert_true(match("{ $.missing NOT EXISTS }", doc));
	assert_false(match("{ $.status NOT EXISTS }", doc));
	invalid("{ $.a IS MAYBE }");
	invalid("{ $.a NOT THERE }");
}

static void test_json_paths(void **state)
{
	assert_true(match("{ $.user.tags[1].k = \"b\" }", doc));
	assert_false(match("{ $.user.tags[0].k = \"b\" }", doc));
	assert_false(match("{ $.user.tags[7].k EXISTS }", doc));
	assert_true(match("{ $.list[0] = 3 }", doc));
	assert_false(match("{ $.user[0] EXISTS }", doc)); /* an index of an object */
	invalid("{ $ = 1 }");
	invalid("{ $.a[x] = 1 }");
	invalid("{ $. = 1 }");
	invalid("{ a = 1 }");
}

static void test_json_never_matches_text(void **state)
{
	assert_false(match("{ $.level NOT EXISTS }", "level=error plain text"));
	assert_false(match("{ $.a NOT EXISTS }", "\"a string\""));
	assert_false(match("{ $.a NOT EXISTS }", "{broken"));
	assert_true(match("{ $.a NOT EXISTS }", "{}"));
}

static void test_invalid_shapes(void **state)
{
	char big[LOGFILTER_PATTERN_MAX + 2];

	invalid("{ }");
	invalid("{ $.a = 1 ");
	invalid("{ $.a = 1 } trailing");
	invalid("{ $.a == 1 }");
	invalid("ab\"cd");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	invalid(big);
	invalid(
	    "{ ((((((((((((((((((((((((((((((((((($.a = 1))))))))))))))))))))))))))))))))))) }");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_matches_all),
		cmocka_unit_test(test_terms_and_case_sensitive),
		cmocka_unit_test(test_quoted_phrase),
		cmocka_unit_test(test_or_terms),
		cmocka_unit_test(test_exclusion),
		cmocka_unit_test(test_json_equality),
		cmocka_unit_test(test_json_numeric),
		cmocka_unit_test(test_json_and_or_parens),
		cmocka_unit_test(test_json_wildcards),
		cmocka_unit_test(test_json_exists_null_bool),
		cmocka_unit_test(test_json_paths),
		cmocka_unit_test(test_json_never_matches_text),
		cmocka_unit_test(test_invalid_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
