/* test_err: the error table — every code has a name, an AWS type and an HTTP status — and the
 * recording helpers. */
#include "base/err.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static void test_every_code_is_complete(void **state)
{
	(void)state;
	for (int c = 0; c < SW_E__COUNT; c++) {
		const struct err_info *i = err_info(c);

		assert_non_null(i->name);
		assert_non_null(i->aws_type);
		if (!i->name[0])
			fail_msg("code %d has no name", c);
		if (c != SW_E_OK && !i->aws_type[0])
			fail_msg("code %s has no AWS type", i->name);
		if (c != SW_E_OK && (i->http_status < 300 || i->http_status > 599))
			fail_msg("code %s has HTTP status %d", i->name, i->http_status);
		/* an AWS type is one word, as it appears in __type and <Code> */
		for (const char *p = i->aws_type; *p; p++)
			if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= '0' && *p <= '9')))
				fail_msg("code %s has AWS type '%s'", i->name, i->aws_type);
	}
	assert_int_equal(err_info(SW_E_OK)->http_status, 200);
}

static void test_names_are_unique(void **state)
{
	(void)state;
	for (int a = 0; a < SW_E__COUNT; a++)
		for (int b = a + 1; b < SW_E__COUNT; b++)
			if (strcmp(err_info(a)->name, err_info(b)->name) == 0)
				fail_msg("codes %d and %d are both named %s", a, b,
					 err_info(a)->name);
}

static void test_codedeploy_exceptions(void **state)
{
	int seen = 0;

	(void)state;
	/* every CodeDeploy code is `<Name>Exception`, HTTP 400 */
#define C(n)                                                      \
	do {                                                      \
		const struct err_info *i = err_info(SW_E_##n);    \
		assert_string_equal(i->name, #n);                 \
		assert_string_equal(i->aws_type, #n "Exception"); \
		assert_int_equal(i->http_status, 400);            \
		seen++;                                           \
	} while (0);
	SW_ERRORS_CODEDEPLOY(C)
#undef C
	assert_true(seen > 50);
	assert_string_equal(err_info(SW_E_ApplicationDoesNotExist)->aws_type,
			    "ApplicationDoesNotExistException");
}

static void test_wire_types_clients_rely_on(void **state)
{
	(void)state;
	/* botocore maps these to its exception classes */
	assert_string_equal(err_info(SW_E_Serialization)->aws_type, "SerializationException");
	assert_string_equal(err_info(SW_E_SignatureDoesNotMatch)->aws_type,
			    "InvalidSignatureException");
	/* JSON 1.1 services answer 400 for every InvalidSignatureException, a wrong secret and an
	 * expired signature alike (issue 9); the query and S3 fronts map them to their 403s. */
	assert_int_equal(err_info(SW_E_SignatureDoesNotMatch)->http_status, 400);
	assert_int_equal(err_info(SW_E_RequestExpired)->http_status,
			 err_info(SW_E_SignatureDoesNotMatch)->http_status);
	assert_string_equal(err_info(SW_E_RequestExpired)->aws_type,
			    err_info(SW_E_SignatureDoesNotMatch)->aws_type);
	assert_string_equal(err_info(SW_E_InvalidClientTokenId)->aws_type,
			    "UnrecognizedClientException");
	assert_string_equal(err_info(SW_E_MissingAuthenticationToken)->aws_type,
			    "MissingAuthenticationTokenException");
	assert_string_equal(err_info(SW_E_NoSuchKey)->aws_type, "NoSuchKey");
	assert_int_equal(err_info(SW_E_NoSuchKey)->http_status, 404);
	assert_int_equal(err_info(SW_E_NoSuchBucket)->http_status, 404);
	assert_int_equal(err_info(SW_E_BucketNotEmpty)->http_status, 409);
	assert_int_equal(err_info(SW_E_InvalidRange)->http_status, 416);
	assert_int_equal(err_info(SW_E_NotModified)->http_status, 304);
	assert_string_equal(err_info(SW_E_NoSuchEntity)->aws_type, "NoSuchEntity");
	assert_int_equal(err_info(SW_E_TOO_LARGE)->http_status, 413);
	assert_int_equal(err_info(SW_E_AGAIN)->http_status, 503);
}

static void test_lookup_accepts_negative_and_unknown_codes(void **state)
{
	(void)state;
	assert_ptr_equal(err_info(-SW_E_NoSuchKey), err_info(SW_E_NoSuchKey));
	assert_ptr_equal(err_info(SW_E__COUNT), err_info(SW_E_INTERNAL));
	assert_ptr_equal(err_info(-SW_E__COUNT - 5), err_info(SW_E_INTERNAL));
	assert_ptr_equal(err_info(1 << 30), err_info(SW_E_INTERNAL));
}

static void test_set_records_and_returns_negative(void **state)
{
	struct err e = { 0 };

	(void)state;
	assert_int_equal(err_set(&e, SW_E_ApplicationDoesNotExist, "no application '%s'", "web"),
			 -SW_E_ApplicationDoesNotExist);
	assert_int_equal(e.code, SW_E_ApplicationDoesNotExist);
	assert_string_equal(err_message(&e), "no application 'web'");
	/* a negative code is the same code */
	assert_int_equal(err_set(&e, -SW_E_NoSuchKey, NULL), -SW_E_NoSuchKey);
	assert_int_equal(e.code, SW_E_NoSuchKey);
	/* no text: the table's message, or the name when the table has none */
	assert_string_equal(err_message(&e), "The specified key does not exist.");
	err_set(&e, SW_E_InvalidTagsToAdd, NULL);
	assert_string_equal(err_message(&e), "InvalidTagsToAdd");
	/* e may be NULL */
	assert_int_equal(err_set(NULL, SW_E_INVALID, "dropped %d", 1), -SW_E_INVALID);
	err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(err_message(&e), "success");
}

static void test_long_messages_are_truncated_safely(void **state)
{
	struct err e;
	char big[2000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set(&e, SW_E_INVALID, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_is_complete),
		cmocka_unit_test(test_names_are_unique),
		cmocka_unit_test(test_codedeploy_exceptions),
		cmocka_unit_test(test_wire_types_clients_rely_on),
		cmocka_unit_test(test_lookup_accepts_negative_and_unknown_codes),
		cmocka_unit_test(test_set_records_and_returns_negative),
		cmocka_unit_test(test_long_messages_are_truncated_safely),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
