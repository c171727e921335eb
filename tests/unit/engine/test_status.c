/* test_status: the one names table of deployment statuses — every status round-trips through
 * its name, spellings AWS does not use are refused, and only Succeeded, Failed and Stopped are
 * final. */
#include "model/deploy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void test_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < DEPLOY__NSTATUS; i++) {
		const char *name = deploy_status_name((enum deploy_status)i);

		assert_true(name[0] != '\0');
		assert_int_equal(deploy_status_parse(name), i);
	}
	assert_string_equal(deploy_status_name(DEPLOY_IN_PROGRESS), "InProgress");
	assert_string_equal(deploy_status_name(DEPLOY__NSTATUS), "");
}

static void test_refused(void **state)
{
	(void)state;
	assert_int_equal(deploy_status_parse(NULL), -1);
	assert_int_equal(deploy_status_parse(""), -1);
	assert_int_equal(deploy_status_parse("succeeded"), -1);
	assert_int_equal(deploy_status_parse("In Progress"), -1);
	assert_int_equal(deploy_status_parse("Succeeded "), -1);
}

static void test_final(void **state)
{
	(void)state;
	for (int i = 0; i < DEPLOY__NSTATUS; i++) {
		bool final = i == DEPLOY_SUCCEEDED || i == DEPLOY_FAILED || i == DEPLOY_STOPPED;

		assert_int_equal(deploy_status_final((enum deploy_status)i), final);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_final),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
