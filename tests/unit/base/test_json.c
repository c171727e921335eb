/* test_json: request-body parsing (errors an SDK sees as SerializationException) and the typed
 * member getters handlers validate with. */
#include "base/err.h"
#include "base/json.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

static json_t *parse_ok(const char *text)
{
	json_t *j = NULL;
	struct err e = { 0 };

	if (json_parse_object(text, strlen(text), &j, &e) != 0)
		fail_msg("rejected '%s': %s", text, e.msg);
	assert_non_null(j);
	assert_true(json_is_object(j));
	return j;
}

static void test_parse_objects(void **state)
{
	json_t *j;
	const char *s = NULL;

	(void)state;
	j = parse_ok("{}");
	assert_int_equal(json_object_size(j), 0);
	json_decref(j);
	j = parse_ok(" \n{\"applicationName\": \"web\", \"n\": [1, {\"x\": null}]}\n ");
	assert_int_equal(json_opt_str(j, "applicationName", &s, NULL), 0);
	assert_string_equal(s, "web");
	json_decref(j);
	j = parse_ok("{\"u\": \"\\u20ac \\ud83d\\ude00\"}"); /* escapes, a surrogate pair */
	assert_int_equal(json_opt_str(j, "u", &s, NULL), 0);
	assert_string_equal(s, "\xe2\x82\xac \xf0\x9f\x98\x80");
	json_decref(j);
}

static void test_empty_body_is_an_empty_object(void **state)
{
	json_t *j = NULL;
	struct err e = { 0 };

	(void)state;
	/* the aws CLI sends no body for operations without input */
	assert_int_equal(json_parse_object("", 0, &j, &e), 0);
	assert_true(json_is_object(j));
	assert_int_equal(json_object_size(j), 0);
	json_decref(j);
	/* n bounds the input: a longer buffer is not read past n */
	assert_int_equal(json_parse_object("{}garbage", 2, &j, &e), 0);
	json_decref(j);
}

static void test_parse_errors_are_serialization(void **state)
{
	static const char *const bad[] = {
		"[]",
		"\"text\"",
		"42",
		"null",
		"{",
		"{\"a\": }",
		"{\"a\": 1,}",
		"{'a': 1}",
		"{\"a\": 1} {\"b\": 2}",
		"{\"a\": 1, \"a\": 2}", /* duplicate keys are refused, not silently merged */
		"{\"a\": \"\\ud800\"}", /* a lone surrogate */
		"{\"a\": \"\xff\"}",	/* not UTF-8 */
		"{\"a\": NaN}",
		" ",
	};
	json_t *j;
	struct err e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = NULL;
		err_clear(&e);
		if (json_parse_object(bad[i], strlen(bad[i]), &j, &e) != -SW_E_Serialization)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(e.code, SW_E_Serialization);
		assert_true(e.msg[0] != '\0');
		assert_null(j); /* nothing to free on failure */
	}
	/* malformed JSON reports where */
	err_clear(&e);
	assert_int_equal(json_parse_object("{\n\"a\": ]}", 9, &j, &e), -SW_E_Serialization);
	assert_non_null(strstr(e.msg, "line 2"));
	/* an embedded NUL inside the given length is an error, not a silent truncation */
	assert_int_equal(json_parse_object("{\"a\":1}\0", 8, &j, &e), -SW_E_Serialization);
	/* e may be NULL */
	assert_int_equal(json_parse_object("[", 1, &j, NULL), -SW_E_Serialization);
}

static void test_typed_getters(void **state)
{
	json_t *j = parse_ok("{\"s\": \"v\", \"b\": true, \"f\": false, \"i\": -7, \"big\": "
			     "9007199254740993, \"r\": 3.0, \"h\": 2.5, \"huge\": 1e300, "
			     "\"o\": {\"k\": 1}, \"a\": [1, 2], \"z\": null}");
	const char *s = "unset";
	bool b = false;
	int64_t i = 99;
	double d = -1;
	json_t *o = NULL, *a = NULL;

	(void)state;
	assert_int_equal(json_opt_str(j, "s", &s, NULL), 0);
	assert_string_equal(s, "v");
	assert_int_equal(json_opt_bool(j, "b", &b, NULL), 0);
	assert_true(b);
	assert_int_equal(json_opt_bool(j, "f", &b, NULL), 0);
	assert_false(b);
	assert_int_equal(json_opt_int(j, "i", &i, NULL), 0);
	assert_int_equal(i, -7);
	assert_int_equal(json_opt_int(j, "big", &i, NULL), 0);
	assert_true(i == 9007199254740993LL);		     /* integers are exact, not doubles */
	assert_int_equal(json_opt_int(j, "r", &i, NULL), 0); /* 3.0 is an integer value */
	assert_int_equal(i, 3);
	assert_int_equal(json_opt_num(j, "h", &d, NULL), 0);
	assert_true(d == 2.5);
	assert_int_equal(json_opt_num(j, "i", &d, NULL), 0); /* integers are numbers */
	assert_true(d == -7.0);
	assert_int_equal(json_opt_obj(j, "o", &o, NULL), 0);
	assert_true(json_is_object(o));
	assert_int_equal(json_opt_arr(j, "a", &a, NULL), 0);
	assert_int_equal(json_array_size(a), 2);
	json_decref(j);
}

static void test_absent_and_null_leave_defaults(void **state)
{
	json_t *j = parse_ok("{\"z\": null}");
	const char *s = "default";
	bool b = true;
	int64_t i = 42;
	double d = 1.5;
	json_t *o = (json_t *)&o, *a = (json_t *)&a;
	const char *keys[] = { "z", "missing" };

	(void)state;
	for (int k = 0; k < 2; k++) {
		assert_int_equal(json_opt_str(j, keys[k], &s, NULL), 0);
		assert_int_equal(json_opt_bool(j, keys[k], &b, NULL), 0);
		assert_int_equal(json_opt_int(j, keys[k], &i, NULL), 0);
		assert_int_equal(json_opt_num(j, keys[k], &d, NULL), 0);
		assert_int_equal(json_opt_obj(j, keys[k], &o, NULL), 0);
		assert_int_equal(json_opt_arr(j, keys[k], &a, NULL), 0);
	}
	assert_string_equal(s, "default");
	assert_true(b);
	assert_int_equal(i, 42);
	assert_true(d == 1.5);
	assert_ptr_equal(o, (json_t *)&o);
	assert_ptr_equal(a, (json_t *)&a);
	json_decref(j);
}

static void test_wrong_types_name_the_member(void **state)
{
	json_t *j =
	    parse_ok("{\"s\": 1, \"b\": \"true\", \"i\": \"7\", \"h\": 2.5, \"huge\": 1e300, "
		     "\"n\": \"1.0\", \"o\": [], \"a\": {}}");
	const char *s = "default";
	bool b = false;
	int64_t i = 42;
	double d = 1.5;
	json_t *o = NULL, *a = NULL;
	struct err e;

	(void)state;
	err_clear(&e);
	assert_int_equal(json_opt_str(j, "s", &s, &e), -SW_E_Serialization);
	assert_non_null(strstr(e.msg, "'s'"));
	err_clear(&e);
	assert_int_equal(json_opt_bool(j, "b", &b, &e), -SW_E_Serialization);
	assert_non_null(strstr(e.msg, "'b'"));
	assert_int_equal(json_opt_int(j, "i", &i, &e), -SW_E_Serialization);
	assert_int_equal(json_opt_int(j, "h", &i, &e), -SW_E_Serialization);	/* fraction */
	assert_int_equal(json_opt_int(j, "huge", &i, &e), -SW_E_Serialization); /* no overflow */
	assert_int_equal(json_opt_num(j, "n", &d, &e), -SW_E_Serialization);
	assert_int_equal(json_opt_obj(j, "o", &o, &e), -SW_E_Serialization);
	assert_int_equal(json_opt_arr(j, "a", &a, &e), -SW_E_Serialization);
	assert_non_null(strstr(e.msg, "'a'"));
	assert_int_equal(e.code, SW_E_Serialization);
	/* outputs untouched on error */
	assert_string_equal(s, "default");
	assert_false(b);
	assert_int_equal(i, 42);
	assert_true(d == 1.5);
	assert_null(o);
	assert_null(a);
	json_decref(j);
}

static void test_dump_and_setters(void **state)
{
	json_t *j = json_object();
	char *s;

	(void)state;
	assert_int_equal(json_set_str(j, "name", "web"), 0);
	assert_int_equal(json_set_str(j, "none", NULL), 0); /* NULL: member not added */
	assert_null(json_object_get(j, "none"));
	assert_int_equal(json_set_time(j, "t", 1700000000123LL), 0);
	assert_true(json_is_real(json_object_get(j, "t")));
	assert_true(json_real_value(json_object_get(j, "t")) > 1700000000.12 &&
		    json_real_value(json_object_get(j, "t")) < 1700000000.13);
	json_object_del(j, "t");
	s = json_dump(j);
	assert_string_equal(s, "{\"name\":\"web\"}"); /* compact: no spaces */
	free(s);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_objects),
		cmocka_unit_test(test_empty_body_is_an_empty_object),
		cmocka_unit_test(test_parse_errors_are_serialization),
		cmocka_unit_test(test_typed_getters),
		cmocka_unit_test(test_absent_and_null_leave_defaults),
		cmocka_unit_test(test_wrong_types_name_the_member),
		cmocka_unit_test(test_dump_and_setters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
