/* test_str: bounded copies and formatting, strict integer parsing, glob matching. */
#include "base/err.h"
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_copy_fits(void **state)
{
	char dst[6];

	(void)state;
	assert_int_equal(str_copy(dst, sizeof(dst), "hello"), 0); /* 5 + NUL: exact fit */
	assert_string_equal(dst, "hello");
	assert_int_equal(str_copy(dst, sizeof(dst), ""), 0);
	assert_string_equal(dst, "");
}

static void test_copy_truncates_and_terminates(void **state)
{
	char dst[6];

	(void)state;
	memset(dst, 'X', sizeof(dst));
	assert_int_equal(str_copy(dst, sizeof(dst), "hello!"), -SW_E_TRUNCATED);
	assert_string_equal(dst, "hello");
	assert_int_equal(str_copy(dst, 1, "abc"), -SW_E_TRUNCATED);
	assert_string_equal(dst, "");
	dst[0] = 'Q';
	assert_int_equal(str_copy(dst, 0, "abc"), -SW_E_TRUNCATED);
	assert_int_equal(dst[0], 'Q'); /* size 0: nothing written at all */
}

static void test_copyn_takes_a_prefix(void **state)
{
	char dst[8];

	(void)state;
	assert_int_equal(str_copyn(dst, sizeof(dst), "abcdef", 3), 0);
	assert_string_equal(dst, "abc");
	assert_int_equal(str_copyn(dst, sizeof(dst), "abcdefghij", 7), 0);
	assert_string_equal(dst, "abcdefg");
	assert_int_equal(str_copyn(dst, sizeof(dst), "abcdefghij", 8), -SW_E_TRUNCATED);
	assert_string_equal(dst, "abcdefg");
	/* n bytes are taken as given, even past a NUL (callers pass lengths of slices) */
	assert_int_equal(str_copyn(dst, sizeof(dst), "ab\0cd", 5), 0);
	assert_memory_equal(dst, "ab\0cd", 6);
}

static void test_fmt_reports_truncation(void **state)
{
	char dst[8];

	(void)state;
	assert_int_equal(str_fmt(dst, sizeof(dst), "%d-%s", 12, "ab"), 0);
	assert_string_equal(dst, "12-ab");
	assert_int_equal(str_fmt(dst, sizeof(dst), "%s", "1234567"), 0);
	assert_int_equal(str_fmt(dst, sizeof(dst), "%s", "12345678"), -SW_E_TRUNCATED);
	assert_string_equal(dst, "1234567");
}

static void test_to_i64_accepts_plain_decimals(void **state)
{
	int64_t v = -42;

	(void)state;
	assert_int_equal(str_to_i64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(str_to_i64("-17", -100, 100, &v), 0);
	assert_int_equal(v, -17);
	assert_int_equal(str_to_i64("007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(str_to_i64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(str_to_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MIN);
}

static void test_to_i64_rejects_everything_else(void **state)
{
	static const char *const bad[] = {
		"",
		" 1",
		"\t1",
		"1 ",
		"1\n",
		"1x",
		"x1",
		"0x10",
		"1e3",
		"1.0",
		"--1",
		"- 1",
		"-",
		"+",
		"٣",			/* a non-ASCII digit */
		"9223372036854775808",	/* one past INT64_MAX */
		"-9223372036854775809", /* one past INT64_MIN */
		"99999999999999999999999999",
	};
	int64_t v = 1234;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (str_to_i64(bad[i], INT64_MIN, INT64_MAX, &v) != -SW_E_INVALID)
			fail_msg("str_to_i64 accepted '%s'", bad[i]);
		assert_int_equal(v, 1234); /* out untouched on failure */
	}
	assert_int_equal(str_to_i64(NULL, 0, 1, &v), -SW_E_INVALID);
	assert_int_equal(v, 1234);
}

static void test_to_i64_enforces_range(void **state)
{
	int64_t v = 5;

	(void)state;
	assert_int_equal(str_to_i64("65535", 0, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(str_to_i64("65536", 0, 65535, &v), -SW_E_INVALID);
	assert_int_equal(str_to_i64("-1", 0, 65535, &v), -SW_E_INVALID);
	assert_int_equal(str_to_i64("1", 1, 1, &v), 0);
	assert_int_equal(str_to_i64("0", 1, 1, &v), -SW_E_INVALID);
	assert_int_equal(v, 1);
}

static void test_prefix_suffix_equality(void **state)
{
	(void)state;
	assert_true(str_starts("CodeDeploy_20141006.ListApplications", "CodeDeploy_20141006."));
	assert_false(str_starts("Code", "CodeDeploy"));
	assert_true(str_starts("anything", ""));
	assert_true(str_ends("bundle.tar.gz", ".tar.gz"));
	assert_false(str_ends("gz", ".tar.gz"));
	assert_true(str_ends("x", ""));
	assert_true(str_eq("a", "a"));
	assert_false(str_eq("a", "A"));
	assert_true(str_eq(NULL, NULL));
	assert_false(str_eq(NULL, ""));
	assert_false(str_eq("", NULL));
	assert_true(str_caseeq("Content-Type", "content-type"));
	assert_false(str_caseeq("Content-Type", "content-typ"));
	assert_true(str_caseeq(NULL, NULL));
	assert_false(str_caseeq("a", NULL));
}

static void test_dup(void **state)
{
	char *a = str_dup("text"), *b = str_ndup("prefix-and-more", 6);

	(void)state;
	assert_string_equal(a, "text");
	assert_string_equal(b, "prefix");
	assert_null(str_dup(NULL));
	free(a);
	free(b);
}

static void test_glob(void **state)
{
	static const struct {
		const char *pattern, *s;
		bool match;
	} cases[] = {
		{ "*", "", true },
		{ "*", "anything/at/all", true },
		{ "", "", true },
		{ "", "a", false },
		{ "abc", "abc", true },
		{ "abc", "abcd", false },
		{ "abc", "ab", false },
		{ "a*c", "abc", true },
		{ "a*c", "ac", true },
		{ "a*c", "a/b/c", true }, /* '*' crosses '/' */
		{ "a*c", "acb", false },
		{ "*.zip", "revision.zip", true },
		{ "*.zip", "revision.zip.bak", false },
		{ "a*b*c", "aXbYbZc", true },
		{ "a*b*c", "aXcYb", false },
		{ "**", "x", true },
		{ "a**", "a", true },
		{ "*a", "bbbba", true },
		{ "*aab", "aaaab", true }, /* needs backtracking */
		{ "a?c", "abc", false },   /* only '*' is special */
		{ "a?c", "a?c", true },
		{ "prod-*", "prod-web-1", true },
		{ "prod-*", "staging-web-1", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (str_glob(cases[i].pattern, cases[i].s) != cases[i].match)
			fail_msg("str_glob('%s', '%s') should be %s", cases[i].pattern, cases[i].s,
				 cases[i].match ? "true" : "false");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_fits),
		cmocka_unit_test(test_copy_truncates_and_terminates),
		cmocka_unit_test(test_copyn_takes_a_prefix),
		cmocka_unit_test(test_fmt_reports_truncation),
		cmocka_unit_test(test_to_i64_accepts_plain_decimals),
		cmocka_unit_test(test_to_i64_rejects_everything_else),
		cmocka_unit_test(test_to_i64_enforces_range),
		cmocka_unit_test(test_prefix_suffix_equality),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_glob),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
