/* test_vec: the typed growable array — push and growth, the maximum, release of an empty vec. */
#include "base/err.h"
#include "base/vec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

struct point {
	int x, y;
};

struct points {
	VEC_MEMBERS(struct point);
};

static void test_push_grows_and_keeps_order(void **state)
{
	VEC(int) v = VEC_INIT(100000);

	(void)state;
	for (int i = 0; i < 10000; i++)
		assert_int_equal(vec_push(&v, i * 3), 0);
	assert_int_equal(v.n, 10000);
	assert_true(v.cap >= v.n);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(v.v[i], i * 3);
	vec_release(&v);
	assert_null(v.v);
	assert_int_equal(v.n, 0);
	assert_int_equal(v.cap, 0);
	assert_int_equal(v.max, 100000); /* reusable with the same bound */
	assert_int_equal(vec_push(&v, 7), 0);
	assert_int_equal(v.v[0], 7);
	vec_release(&v);
}

static void test_maximum_is_an_error_not_a_crash(void **state)
{
	struct points p = VEC_INIT(3);
	struct point pt = { 1, 2 };

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(vec_push(&p, pt), 0);
	assert_true(p.cap <= 3); /* never more room than the maximum */
	assert_int_equal(vec_push(&p, pt), -SW_E_TOO_LARGE);
	assert_int_equal(p.n, 3); /* the vec as it was */
	assert_int_equal(p.v[2].y, 2);
	assert_int_equal(vec_grow(&p, SIZE_MAX), -SW_E_TOO_LARGE);
	assert_int_equal(vec_grow(&p, 0), 0);
	vec_release(&p);
}

static void test_grow_reserves_without_changing_length(void **state)
{
	VEC(char *) v = VEC_INIT(1000);

	(void)state;
	assert_int_equal(vec_grow(&v, 500), 0);
	assert_int_equal(v.n, 0);
	assert_true(v.cap >= 500 && v.cap <= 1000);
	vec_release(&v);
}

static void test_release_of_empty_vec(void **state)
{
	VEC(double) v = { 0 };
	struct points p = VEC_INIT(10);

	(void)state;
	vec_release(&v); /* never grown: nothing to free */
	vec_release(&v); /* twice is fine too */
	vec_release(&p);
	assert_null(v.v);
	assert_int_equal(vec_push(&v, 1.5), -SW_E_TOO_LARGE); /* max 0 holds nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_grows_and_keeps_order),
		cmocka_unit_test(test_maximum_is_an_error_not_a_crash),
		cmocka_unit_test(test_grow_reserves_without_changing_length),
		cmocka_unit_test(test_release_of_empty_vec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
