/* test_buf: the bounded byte buffer — limits, growth, formatting, XML escaping, detach. */
#include "base/buf.h"
#include "base/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_empty_buffer_reads_as_empty_string(void **state)
{
	struct buf b = BUF_INIT(16);

	(void)state;
	assert_null(b.p);
	assert_string_equal(buf_str(&b), "");
	assert_int_equal(b.len, 0);
	buf_reset(&b); /* must not touch a NULL pointer */
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
}

static void test_add_keeps_nul_termination(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(buf_add(&b, "abc", 3), 0);
	assert_int_equal(b.len, 3);
	assert_int_equal(b.p[3], '\0');
	assert_int_equal(buf_adds(&b, "def"), 0);
	assert_int_equal(buf_addc(&b, '!'), 0);
	assert_string_equal(buf_str(&b), "abcdef!");
	assert_int_equal(b.len, 7);
	/* binary data with embedded NULs counts every byte */
	assert_int_equal(buf_add(&b, "x\0y", 3), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.p + 7, "x\0y", 3);
	assert_int_equal(b.p[10], '\0');
	buf_release(&b);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
}

static void test_limit_is_exact_and_failure_leaves_buffer_intact(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	assert_int_equal(buf_adds(&b, "12345678"), 0); /* exactly max */
	assert_int_equal(b.len, 8);
	assert_int_equal(buf_addc(&b, 'x'), -SW_E_TOO_LARGE);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_str(&b), "12345678");
	assert_true(b.cap <= 9); /* never allocates past max + NUL */
	buf_reset(&b);
	assert_int_equal(buf_adds(&b, "1234"), 0);
	assert_int_equal(buf_adds(&b, "56789"), -SW_E_TOO_LARGE);
	assert_string_equal(buf_str(&b), "1234");
	/* a huge length must not overflow the size arithmetic */
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), -SW_E_TOO_LARGE);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX - 2), -SW_E_TOO_LARGE);
	assert_string_equal(buf_str(&b), "1234");
	buf_release(&b);
}

static void test_zero_max_accepts_nothing(void **state)
{
	struct buf b = BUF_INIT(0);

	(void)state;
	assert_int_equal(buf_addc(&b, 'a'), -SW_E_TOO_LARGE);
	assert_int_equal(buf_add(&b, "", 0), 0);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
}

static void test_growth_preserves_contents(void **state)
{
	struct buf b = BUF_INIT(1 << 20);
	size_t prev_cap = 0, grew = 0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		assert_int_equal(buf_addc(&b, (char)('a' + i % 26)), 0);
		if (b.cap != prev_cap) {
			grew++;
			prev_cap = b.cap;
		}
	}
	assert_int_equal(b.len, 100000);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(b.p[i], 'a' + i % 26);
	assert_int_equal(b.p[100000], '\0');
	/* geometric growth: a handful of reallocations, not one per byte */
	assert_true(grew < 20);
	assert_true(b.cap > b.len);
	buf_release(&b);
}

static void test_reset_keeps_storage(void **state)
{
	struct buf b = BUF_INIT(4096);
	char *p;

	(void)state;
	assert_int_equal(buf_adds(&b, "some text that is long enough"), 0);
	p = b.p;
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	assert_ptr_equal(b.p, p);
	assert_int_equal(buf_adds(&b, "new"), 0);
	assert_string_equal(buf_str(&b), "new");
	buf_release(&b);
}

static void test_addf_formats_and_respects_limit(void **state)
{
	struct buf b = BUF_INIT(16);

	(void)state;
	assert_int_equal(buf_addf(&b, "%s-%d", "ab", 42), 0);
	assert_string_equal(buf_str(&b), "ab-42");
	assert_int_equal(buf_addf(&b, "%05d", 7), 0);
	assert_string_equal(buf_str(&b), "ab-4200007");
	/* would end at 17 bytes: refused, nothing appended */
	assert_int_equal(buf_addf(&b, "%s", "1234567"), -SW_E_TOO_LARGE);
	assert_string_equal(buf_str(&b), "ab-4200007");
	assert_int_equal(buf_addf(&b, "%s", "123456"), 0);
	assert_int_equal(b.len, 16);
	assert_int_equal(buf_addf(&b, "%s", ""), 0);
	buf_release(&b);
}

static void test_addf_grows_across_many_sizes(void **state)
{
	struct buf b = BUF_INIT(1 << 16);
	char expect[1000];

	(void)state;
	memset(expect, 'z', sizeof(expect));
	for (int n = 0; n < 1000; n += 37) {
		buf_reset(&b);
		assert_int_equal(buf_addf(&b, "%.*s|", n, expect), 0);
		assert_int_equal(b.len, (size_t)n + 1);
		assert_memory_equal(b.p, expect, (size_t)n);
		assert_int_equal(b.p[n], '|');
	}
	buf_release(&b);
}

static void test_xml_escapes_the_five_specials(void **state)
{
	struct buf b = BUF_INIT(1024);

	(void)state;
	assert_int_equal(buf_add_xml(&b, "a<b>c&d\"e'f"), 0);
	assert_string_equal(buf_str(&b), "a&lt;b&gt;c&amp;d&quot;e&apos;f");
	buf_reset(&b);
	assert_int_equal(buf_add_xml(&b, "plain text/with:colons"), 0);
	assert_string_equal(buf_str(&b), "plain text/with:colons");
	buf_reset(&b);
	assert_int_equal(buf_add_xml(&b, "&amp;"), 0); /* already-escaped text is escaped again */
	assert_string_equal(buf_str(&b), "&amp;amp;");
	buf_reset(&b);
	assert_int_equal(buf_add_xml(&b, "\xe2\x82\xac"), 0); /* UTF-8 passes through */
	assert_string_equal(buf_str(&b), "\xe2\x82\xac");
	buf_release(&b);
}

static void test_xml_escape_reports_limit(void **state)
{
	struct buf b = BUF_INIT(6);

	(void)state;
	assert_int_equal(buf_add_xml(&b, "<<"), -SW_E_TOO_LARGE);
	assert_true(b.len <= 6);
	buf_release(&b);
}

static void test_detach_hands_over_storage(void **state)
{
	struct buf b = BUF_INIT(64);
	char *s;

	(void)state;
	assert_int_equal(buf_adds(&b, "hello"), 0);
	s = buf_detach(&b);
	assert_string_equal(s, "hello");
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 64); /* the limit survives: the buf can be reused */
	assert_int_equal(buf_adds(&b, "again"), 0);
	assert_string_equal(buf_str(&b), "again");
	free(s);
	buf_release(&b);
}

static void test_detach_of_empty_buffer_is_empty_string(void **state)
{
	struct buf b = BUF_INIT(64);
	char *s = buf_detach(&b);

	(void)state;
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_buffer_reads_as_empty_string),
		cmocka_unit_test(test_add_keeps_nul_termination),
		cmocka_unit_test(test_limit_is_exact_and_failure_leaves_buffer_intact),
		cmocka_unit_test(test_zero_max_accepts_nothing),
		cmocka_unit_test(test_growth_preserves_contents),
		cmocka_unit_test(test_reset_keeps_storage),
		cmocka_unit_test(test_addf_formats_and_respects_limit),
		cmocka_unit_test(test_addf_grows_across_many_sizes),
		cmocka_unit_test(test_xml_escapes_the_five_specials),
		cmocka_unit_test(test_xml_escape_reports_limit),
		cmocka_unit_test(test_detach_hands_over_storage),
		cmocka_unit_test(test_detach_of_empty_buffer_is_empty_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
