/* test_err: the generic codes — every one has a name, an AWS type and an HTTP status — the
 * registry of service tables (two services may give one AWS name different statuses), the
 * protocol views, and the recording helpers.  The real services' tables are checked in
 * tests/unit/server/test_errors.c. */
#include "base/err.h"

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Two made-up services with colliding AWS names, declared as a service's errors.h does, in
 * ranges no real service uses. */
#define TEST_BASE_LAMBDA (90 * SW_ERR_RANGE)
#define TEST_BASE_WATCH	 (91 * SW_ERR_RANGE)

/* clang-format off */
#define TEST_ERRORS_LAMBDA(X) \
	X(L_InvalidParameterValue, 400, "InvalidParameterValueException", "lambda: bad value") \
	X(L_TooManyRequests, 429, "TooManyRequestsException", NULL) \
	X(L_LimitExceeded, 400, "LimitExceeded", "lambda: limit")
#define TEST_ERRORS_WATCH(X) \
	X(W_InvalidParameterValue, 400, "InvalidParameterValue", "watch: bad value") \
	X(W_LimitExceeded, 409, "LimitExceeded", "watch: limit") \
	X(W_InternalFailure, 500, "InternalServiceError", NULL)
/* clang-format on */

enum {
	T__LAMBDA_BEFORE = TEST_BASE_LAMBDA - 1,
#define X(code, http, aws, msg) T_##code,
	TEST_ERRORS_LAMBDA(X) T__LAMBDA_END,
	T__WATCH_BEFORE = TEST_BASE_WATCH - 1,
	TEST_ERRORS_WATCH(X) T__WATCH_END,
#undef X
};

#define X(code, http, aws, msg) { #code, http, aws, msg },
static const struct err_info lambda_rows[] = { TEST_ERRORS_LAMBDA(X) };
static const struct err_info watch_rows[] = { TEST_ERRORS_WATCH(X) };
#undef X

static const struct err_table lambda_table = { "lambda", TEST_BASE_LAMBDA, T__LAMBDA_END,
					       lambda_rows };
static const struct err_table watch_table = { "watch", TEST_BASE_WATCH, T__WATCH_END, watch_rows };

static int setup_tables(void **state)
{
	(void)state;
	return err_register(&lambda_table) || err_register(&watch_table);
}

static void test_every_generic_code_is_complete(void **state)
{
	(void)state;
	for (int c = 0; c < SW_E__GENERIC_COUNT; c++) {
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

static void test_generic_names_are_unique(void **state)
{
	(void)state;
	for (int a = 0; a < SW_E__GENERIC_COUNT; a++)
		for (int b = a + 1; b < SW_E__GENERIC_COUNT; b++)
			if (strcmp(err_info(a)->name, err_info(b)->name) == 0)
				fail_msg("codes %d and %d are both named %s", a, b,
					 err_info(a)->name);
}

static void test_generic_wire_types(void **state)
{
	(void)state;
	/* botocore maps these to its exception classes (JSON 1.1's names and statuses) */
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
	assert_int_equal(err_info(SW_E_TOO_LARGE)->http_status, 413);
	assert_int_equal(err_info(SW_E_AGAIN)->http_status, 503);
}

static void test_one_aws_name_two_statuses(void **state)
{
	(void)state;
	/* the same AWS name in two services, each with its own status and message */
	assert_string_equal(err_info(T_L_LimitExceeded)->aws_type, "LimitExceeded");
	assert_int_equal(err_info(T_L_LimitExceeded)->http_status, 400);
	assert_string_equal(err_info(T_L_LimitExceeded)->message, "lambda: limit");
	assert_string_equal(err_info(T_W_LimitExceeded)->aws_type, "LimitExceeded");
	assert_int_equal(err_info(T_W_LimitExceeded)->http_status, 409);
	assert_string_equal(err_info(T_W_LimitExceeded)->message, "watch: limit");
	assert_ptr_not_equal(err_info(T_L_LimitExceeded), err_info(T_W_LimitExceeded));
	/* names that differ only by the suffix stay apart */
	assert_string_equal(err_info(T_L_InvalidParameterValue)->aws_type,
			    "InvalidParameterValueException");
	assert_string_equal(err_info(T_W_InvalidParameterValue)->aws_type, "InvalidParameterValue");
	assert_string_equal(err_info(T_L_TooManyRequests)->name, "L_TooManyRequests");
	assert_int_equal(err_info(T_L_TooManyRequests)->http_status, 429);
	/* recording works the same for a service's code */
	{
		struct err e = { 0 };

		assert_int_equal(err_set(&e, T_W_LimitExceeded, NULL), -T_W_LimitExceeded);
		assert_string_equal(err_message(&e), "watch: limit");
		err_set(&e, T_L_TooManyRequests, NULL);
		assert_string_equal(err_message(&e), "L_TooManyRequests");
	}
}

static void test_unknown_codes_are_internal(void **state)
{
	const struct err_info *internal = err_info(SW_E_INTERNAL);

	(void)state;
	assert_string_equal(internal->name, "INTERNAL");
	assert_int_equal(internal->http_status, 500);
	assert_ptr_equal(err_info(-SW_E_AGAIN), err_info(SW_E_AGAIN));
	assert_ptr_equal(err_info(-T_W_LimitExceeded), err_info(T_W_LimitExceeded));
	assert_ptr_equal(err_info(SW_E__GENERIC_COUNT), internal);   /* past the generic codes */
	assert_ptr_equal(err_info(SW_ERR_RANGE - 1), internal);	     /* the gap before a range */
	assert_ptr_equal(err_info(T__LAMBDA_END), internal);	     /* past a table's rows */
	assert_ptr_equal(err_info(TEST_BASE_WATCH + 999), internal); /* end of its range */
	assert_ptr_equal(err_info(95 * SW_ERR_RANGE + 1), internal); /* nobody's range */
	assert_ptr_equal(err_info(-SW_E__GENERIC_COUNT - 5), internal);
	assert_ptr_equal(err_info(1 << 30), internal);
	assert_ptr_equal(err_info(INT_MAX), internal);
	assert_ptr_equal(err_info(INT_MIN), internal);
}

static void test_register_refuses_bad_tables(void **state)
{
	static const struct err_info rows[2] = { { "A", 400, "A", NULL }, { "B", 400, "B", NULL } };
	const struct err_table same_base = { "other", TEST_BASE_LAMBDA, TEST_BASE_LAMBDA + 1,
					     rows };
	const struct err_table generic = { "generic", 0, 2, rows };
	const struct err_table unaligned = { "unaligned", TEST_BASE_WATCH + 5, TEST_BASE_WATCH + 7,
					     rows };
	const struct err_table too_long = { "long", 92 * SW_ERR_RANGE, 93 * SW_ERR_RANGE + 1,
					    rows };
	const struct err_table backwards = { "backwards", 92 * SW_ERR_RANGE, 92 * SW_ERR_RANGE - 1,
					     rows };

	(void)state;
	assert_int_equal(err_register(&lambda_table), 0); /* again: a no-op */
	assert_int_equal(err_register(&same_base), -SW_E_INVALID);
	assert_int_equal(err_register(&generic), -SW_E_INVALID);
	assert_int_equal(err_register(&unaligned), -SW_E_INVALID);
	assert_int_equal(err_register(&too_long), -SW_E_INVALID);
	assert_int_equal(err_register(&backwards), -SW_E_INVALID);
	assert_int_equal(err_register(NULL), -SW_E_INVALID);
	/* nothing refused was registered: lambda's rows are still lambda's */
	assert_string_equal(err_info(TEST_BASE_LAMBDA)->name, "L_InvalidParameterValue");
}

static void test_views_rename_codes(void **state)
{
	static const struct err_remap names[] = {
		{ SW_E_AccessDenied, 403, "AccessDenied" },
		{ T_L_LimitExceeded, 429, "Renamed" },
	};
	static const struct err_remap server_error = { SW_E_INTERNAL, 500, "InternalError" };
	const struct err_view plain = { names, 2, NULL };
	const struct err_view s3ish = { names, 2, &server_error };
	struct err_wire w;

	(void)state;
	/* no view: the code's own row */
	w = err_wire(SW_E_AccessDenied, NULL);
	assert_int_equal(w.http_status, 400);
	assert_string_equal(w.aws_type, "AccessDeniedException");
	w = err_wire(T_W_LimitExceeded, NULL);
	assert_int_equal(w.http_status, 409);
	assert_string_equal(w.aws_type, "LimitExceeded");
	/* a remap row wins, for generic and service codes alike */
	w = err_wire(SW_E_AccessDenied, &plain);
	assert_int_equal(w.http_status, 403);
	assert_string_equal(w.aws_type, "AccessDenied");
	w = err_wire(T_L_LimitExceeded, &s3ish);
	assert_int_equal(w.http_status, 429);
	assert_string_equal(w.aws_type, "Renamed");
	/* others keep their rows, unless they are server errors and the view names those */
	w = err_wire(T_W_LimitExceeded, &s3ish);
	assert_int_equal(w.http_status, 409);
	w = err_wire(T_W_InternalFailure, &plain);
	assert_string_equal(w.aws_type, "InternalServiceError");
	w = err_wire(T_W_InternalFailure, &s3ish);
	assert_string_equal(w.aws_type, "InternalError");
	w = err_wire(SW_E_OK, &s3ish);
	assert_int_equal(w.http_status, 500);
	w = err_wire(-SW_E_AccessDenied, &s3ish);
	assert_string_equal(w.aws_type, "InternalError");
	w = err_wire(77777, &s3ish);
	assert_int_equal(w.http_status, 500);
	assert_string_equal(w.aws_type, "InternalError");
	w = err_wire(77777, NULL);
	assert_string_equal(w.aws_type, "InternalFailure");
}

static void test_set_records_and_returns_negative(void **state)
{
	struct err e = { 0 };

	(void)state;
	assert_int_equal(err_set(&e, SW_E_NOT_FOUND, "no application '%s'", "web"),
			 -SW_E_NOT_FOUND);
	assert_int_equal(e.code, SW_E_NOT_FOUND);
	assert_string_equal(err_message(&e), "no application 'web'");
	/* a negative code is the same code */
	assert_int_equal(err_set(&e, -SW_E_AGAIN, NULL), -SW_E_AGAIN);
	assert_int_equal(e.code, SW_E_AGAIN);
	/* no text: the table's message */
	assert_string_equal(err_message(&e), "try again");
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
		cmocka_unit_test(test_every_generic_code_is_complete),
		cmocka_unit_test(test_generic_names_are_unique),
		cmocka_unit_test(test_generic_wire_types),
		cmocka_unit_test(test_one_aws_name_two_statuses),
		cmocka_unit_test(test_unknown_codes_are_internal),
		cmocka_unit_test(test_register_refuses_bad_tables),
		cmocka_unit_test(test_views_rename_codes),
		cmocka_unit_test(test_set_records_and_returns_negative),
		cmocka_unit_test(test_long_messages_are_truncated_safely),
	};

	return cmocka_run_group_tests(tests, setup_tables, NULL);
}
