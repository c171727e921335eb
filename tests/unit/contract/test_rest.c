/* test_rest: the REST route matcher (contract/rest.c) — templates, greedy labels, the order of
 * a table, query and header conditions, "no route" against "not this method", and the attacks
 * on path parameters (NUL, bad escapes, overlong values, dot segments). */
#include "contract/rest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

enum {
	T_LIST,
	T_LOCATION,
	T_LIST_V2,
	T_BUCKET_GET,
	T_BUCKET_PUT,
	T_COPY_PART,
	T_PART,
	T_COPY,
	T_PUT,
	T_GET,
	T_ANY_DELETE,
	T_INVOKE,
	T_FN_GET,
	T_ONLY_PLAIN,
	T_COUNT,
};

static const int ops[T_COUNT];

#define OP(x) (&ops[x])

static const struct rest_route table[] = {
	{ "GET", "/", .op = OP(T_LIST) },
	{ "GET", "/2015-03-31/functions/{FunctionName}/invocations", .op = OP(T_FN_GET) },
	{ "POST", "/2015-03-31/functions/{FunctionName}/invocations", .op = OP(T_INVOKE) },
	{ "GET", "/{Bucket}", .query = { "location" }, .op = OP(T_LOCATION) },
	{ "GET", "/{Bucket}", .query = { "list-type=2" }, .op = OP(T_LIST_V2) },
	{ "GET", "/{Bucket}", .op = OP(T_BUCKET_GET) },
	{ "PUT", "/{Bucket}", .op = OP(T_BUCKET_PUT) },
	{ "PUT", "/{Bucket}/{Key+}", .query = { "uploadId", "partNumber" },
	  .header = "x-amz-copy-source", .op = OP(T_COPY_PART) },
	{ "PUT", "/{Bucket}/{Key+}", .query = { "uploadId", "partNumber" }, .op = OP(T_PART) },
	{ "PUT", "/{Bucket}/{Key+}", .header = "x-amz-copy-source", .op = OP(T_COPY) },
	{ "PUT", "/{Bucket}/{Key+}", .op = OP(T_PUT) },
	{ "GET", "/{Bucket}/{Key+}", .no_query = { "uploadId", "tagging" }, .op = OP(T_GET) },
	{ "*", "/{Bucket}/{Key+}", .query = { "force" }, .op = OP(T_ANY_DELETE) },
	{ "HEAD", "/plain/", .op = OP(T_ONLY_PLAIN) },
	{ NULL },
};

static struct http_req req;
static struct rest_match m;

/* Resets req: no query, no headers. */
static void fresh(void)
{
	memset(&req, 0, sizeof(req));
}

static void query(const char *name, const char *value)
{
	req.query[req.nquery].name = name;
	req.query[req.nquery].value = value;
	req.nquery++;
}

static void header(const char *name, const char *value)
{
	req.headers[req.nheaders].name = name;
	req.headers[req.nheaders].value = value;
	req.nheaders++;
}

/* The operation index matched, or -1 (with r in *rc). */
static int match(const char *method, const char *path, int *rc)
{
	int r = rest_match(table, method, path, &req, &m);

	if (rc)
		*rc = r;
	if (r != REST_MATCHED)
		return -1;
	assert_non_null(m.route);
	return (int)((const int *)m.route->op - ops);
}

static void test_literals_and_labels(void **state)
{
	(void)state;
	fresh();
	assert_int_equal(match("GET", "/", NULL), T_LIST);
	assert_int_equal(m.nparams, 0);
	assert_int_equal(match("POST", "/2015-03-31/functions/my-fn/invocations", NULL), T_INVOKE);
	assert_string_equal(rest_param(&m, "FunctionName"), "my-fn");
	assert_null(rest_param(&m, "Function"));
	assert_int_equal(match("GET", "/2015-03-31/functions/my-fn/invocations", NULL), T_FN_GET);
	/* a literal segment is not a label: "/2015-03-31/functions/x" is a bucket and a key */
	assert_int_equal(match("GET", "/2015-03-31/functions/x", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Bucket"), "2015-03-31");
	assert_string_equal(rest_param(&m, "Key"), "functions/x");
	assert_int_equal(m.params[1].len, strlen("functions/x"));
}

static void test_decoded_once(void **state)
{
	(void)state;
	fresh();
	assert_int_equal(match("GET", "/b%41/a%252Fb%2Fc", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Bucket"), "bA");
	assert_string_equal(rest_param(&m, "Key"), "a%2Fb/c");
	/* %2F is data inside a label, never a segment boundary */
	assert_int_equal(match("PUT", "/a%2Fb", NULL), T_BUCKET_PUT);
	assert_string_equal(rest_param(&m, "Bucket"), "a/b");
	/* '+' is not a space in a path */
	assert_int_equal(match("GET", "/b/a+b%20c", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Key"), "a+b c");
	/* UTF-8 passes through */
	assert_int_equal(match("GET", "/b/%C3%A9t%C3%A9", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Key"), "\xc3\xa9t\xc3\xa9");
}

static void test_nul_and_bad_escapes(void **state)
{
	static const char *const bad[] = {
		"/b/%00",
		"/b/a%00b",
		"/b/%",
		"/b/%4",
		"/b/a%4",
		"/b/%zz",
		"/b/%g0",
		"/b/%0g",
		"/b/x%%41",
		"/b/%-1",
		"/b/% 1",
		"/b/%\xff"
		"0",
		"/b/%u0041",
	};

	(void)state;
	fresh();
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;

		assert_int_equal(match("GET", bad[i], &rc), -1);
		assert_int_equal(rc, -SW_E_INVALID);
		assert_non_null(m.bad);
		assert_int_equal(m.bad_len, 3);
		assert_memory_equal(m.bad, "Key", 3);
		/* the parameters before the bad one are there */
		assert_int_equal(m.nparams, 1);
		assert_string_equal(rest_param(&m, "Bucket"), "b");
	}
	/* in the first label: nothing decoded */
	assert_int_equal(match("GET", "/%00/k", NULL), -1);
	assert_memory_equal(m.bad, "Bucket", 6);
	assert_int_equal(m.nparams, 0);
	/* a malformed parameter is an error whatever the method: never a 405 or a 404 */
	{
		int rc;

		assert_int_equal(match("PATCH", "/b/%zz", &rc), -1);
		assert_int_equal(rc, -SW_E_INVALID);
		assert_int_equal(match("PATCH", "/%00", &rc), -1);
		assert_int_equal(rc, -SW_E_INVALID);
	}
	/* an escape in a literal part is not decoded: it simply does not match */
	assert_int_equal(match("HEAD", "/pl%61in/", NULL), -1);
}

static void test_dot_segments_are_data(void **state)
{
	(void)state;
	fresh();
	assert_int_equal(match("GET", "/b/../../etc/passwd", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Key"), "../../etc/passwd");
	assert_int_equal(match("GET", "/../x", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Bucket"), "..");
	assert_int_equal(match("GET", "/%2E%2E/%2e", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Bucket"), "..");
	assert_string_equal(rest_param(&m, "Key"), ".");
	assert_int_equal(match("GET", "/.", NULL), T_BUCKET_GET);
	assert_string_equal(rest_param(&m, "Bucket"), ".");
}

static void test_overlong(void **state)
{
	char *path = malloc(3 * (REST_VALUE_MAX + 2) + 8);
	size_t n;
	int rc;

	(void)state;
	assert_non_null(path);
	fresh();
	/* exactly REST_VALUE_MAX decoded bytes fit, one more does not */
	memcpy(path, "/b/", 3);
	memset(path + 3, 'k', REST_VALUE_MAX);
	path[3 + REST_VALUE_MAX] = '\0';
	assert_int_equal(match("GET", path, NULL), T_GET);
	assert_int_equal(m.params[1].len, REST_VALUE_MAX);
	assert_int_equal(strlen(rest_param(&m, "Key")), REST_VALUE_MAX);
	path[3 + REST_VALUE_MAX] = 'k';
	path[4 + REST_VALUE_MAX] = '\0';
	assert_int_equal(match("GET", path, &rc), -1);
	assert_int_equal(rc, -SW_E_TOO_LARGE);
	assert_memory_equal(m.bad, "Key", 3);
	/* counted after decoding: REST_VALUE_MAX escapes fit, one more does not */
	n = 3;
	for (int i = 0; i < REST_VALUE_MAX; i++, n += 3)
		memcpy(path + n, "%41", 3);
	path[n] = '\0';
	assert_int_equal(match("GET", path, NULL), T_GET);
	assert_int_equal(m.params[1].len, REST_VALUE_MAX);
	memcpy(path + n, "%41", 4);
	assert_int_equal(match("GET", path, &rc), -1);
	assert_int_equal(rc, -SW_E_TOO_LARGE);
	/* an overlong bucket and a full key: both fit REST_VALUES_MAX */
	path[0] = '/';
	memset(path + 1, 'b', REST_VALUE_MAX);
	path[1 + REST_VALUE_MAX] = '/';
	memset(path + 2 + REST_VALUE_MAX, 'k', REST_VALUE_MAX);
	path[2 + 2 * REST_VALUE_MAX] = '\0';
	assert_int_equal(match("GET", path, NULL), T_GET);
	assert_int_equal(strlen(rest_param(&m, "Bucket")), REST_VALUE_MAX);
	assert_int_equal(strlen(rest_param(&m, "Key")), REST_VALUE_MAX);
	free(path);
}

static void test_trailing_slashes_and_empty_labels(void **state)
{
	int rc;

	(void)state;
	fresh();
	/* "/{Bucket}" is not "/{Bucket}/": a trailing slash is another path */
	assert_int_equal(match("PUT", "/b/", &rc), -1);
	assert_int_equal(rc, REST_NO_ROUTE);
	/* a label matches at least one byte */
	assert_int_equal(match("GET", "//k", &rc), -1);
	assert_int_equal(rc, REST_NO_ROUTE);
	assert_int_equal(match("GET", "/2015-03-31/functions//invocations", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Key"), "functions//invocations");
	/* a greedy label takes trailing and doubled slashes as data */
	assert_int_equal(match("GET", "/b/k/", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Key"), "k/");
	assert_int_equal(match("GET", "/b//", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Key"), "/");
	assert_int_equal(match("GET", "/b//k//", NULL), T_GET);
	assert_string_equal(rest_param(&m, "Key"), "/k//");
	/* a literal trailing slash must be there */
	assert_int_equal(match("HEAD", "/plain/", NULL), T_ONLY_PLAIN);
	assert_int_equal(match("HEAD", "/plain", &rc), -1);
	assert_int_equal(rc, REST_NO_METHOD); /* "/plain" is a bucket, and no HEAD /{Bucket} */
	assert_int_equal(match("HEAD", "/plain//", &rc), -1);
	assert_int_equal(rc, REST_NO_METHOD); /* bucket "plain", key "/" */
	assert_int_equal(match("GET", "", &rc), -1);
	assert_int_equal(rc, REST_NO_ROUTE);
	assert_int_equal(match("GET", "b", &rc), -1);
	assert_int_equal(rc, REST_NO_ROUTE);
}

static void test_no_route_or_no_method(void **state)
{
	int rc;

	(void)state;
	fresh();
	assert_int_equal(match("DELETE", "/b", &rc), -1);
	assert_int_equal(rc, REST_NO_METHOD);
	/* the parameters of the first template that fit are there for the 405's message */
	assert_string_equal(rest_param(&m, "Bucket"), "b");
	assert_null(m.route);
	assert_int_equal(match("DELETE", "/b/k", &rc), -1);
	assert_int_equal(rc, REST_NO_METHOD);
	assert_string_equal(rest_param(&m, "Key"), "k");
	assert_int_equal(match("get", "/", &rc), -1); /* methods are case-sensitive */
	assert_int_equal(rc, REST_NO_METHOD);
	assert_int_equal(match("POST", "/", &rc), -1);
	assert_int_equal(rc, REST_NO_METHOD);
	assert_int_equal(match("GET", "/2015-03-31/functions/f/invocations/x", NULL), T_GET);
}

static void test_conditions_and_order(void **state)
{
	int rc;

	(void)state;
	fresh();
	query("location", NULL);
	assert_int_equal(match("GET", "/b", NULL), T_LOCATION);
	fresh();
	query("list-type", "2");
	assert_int_equal(match("GET", "/b", NULL), T_LIST_V2);
	fresh();
	query("list-type", "1");
	assert_int_equal(match("GET", "/b", NULL), T_BUCKET_GET);
	fresh();
	query("list-type", "2x");
	assert_int_equal(match("GET", "/b", NULL), T_BUCKET_GET);
	fresh();
	query("list-type", NULL); /* present without a value: "" */
	assert_int_equal(match("GET", "/b", NULL), T_BUCKET_GET);
	fresh();
	query("list-type", "1");
	query("list-type", "2"); /* the first occurrence counts */
	assert_int_equal(match("GET", "/b", NULL), T_BUCKET_GET);
	fresh();
	query("list-typeX", "2"); /* names are compared whole */
	query("list", "2");
	assert_int_equal(match("GET", "/b", NULL), T_BUCKET_GET);

	/* every required key, then the header, in table order */
	fresh();
	query("uploadId", "u");
	query("partNumber", "1");
	header("X-Amz-Copy-Source", "/src/key"); /* header names are case-insensitive */
	assert_int_equal(match("PUT", "/b/k", NULL), T_COPY_PART);
	fresh();
	query("partNumber", "1");
	query("uploadId", "u");
	assert_int_equal(match("PUT", "/b/k", NULL), T_PART);
	fresh();
	query("uploadId", "u");
	header("x-amz-copy-source", "/src/key");
	assert_int_equal(match("PUT", "/b/k", NULL), T_COPY);
	fresh();
	query("uploadId", "u");
	assert_int_equal(match("PUT", "/b/k", NULL), T_PUT);

	/* forbidden keys; "*" is any method */
	fresh();
	query("tagging", NULL);
	assert_int_equal(match("GET", "/b/k", &rc), -1);
	assert_int_equal(rc, REST_NO_METHOD);
	query("force", NULL);
	assert_int_equal(match("GET", "/b/k", NULL), T_ANY_DELETE);
	assert_int_equal(match("DELETE", "/b/k", NULL), T_ANY_DELETE);
	assert_int_equal(match("BREW", "/b/k", NULL), T_ANY_DELETE);
	fresh();
	query("force", NULL);
	assert_int_equal(match("GET", "/b/k", NULL), T_GET); /* the earlier route wins */
	/* a later winner's parameters replace the first template's */
	assert_int_equal(match("DELETE", "/b/k%2Fx", NULL), T_ANY_DELETE);
	assert_string_equal(rest_param(&m, "Key"), "k/x");
}

static void test_decode(void **state)
{
	char out[8];
	size_t len;

	(void)state;
	assert_int_equal(rest_decode("a%41+", 5, out, sizeof(out), &len), 0);
	assert_string_equal(out, "aA+");
	assert_int_equal(len, 3);
	assert_int_equal(rest_decode("", 0, out, sizeof(out), &len), 0);
	assert_string_equal(out, "");
	assert_int_equal(rest_decode("1234567", 7, out, sizeof(out), &len), 0);
	assert_int_equal(rest_decode("12345678", 8, out, sizeof(out), &len), -SW_E_TOO_LARGE);
	assert_int_equal(rest_decode("%4", 2, out, sizeof(out), &len), -SW_E_INVALID);
	/* n bounds the input: the escape is cut short, not read past */
	assert_int_equal(rest_decode("%41", 2, out, sizeof(out), &len), -SW_E_INVALID);
	assert_int_equal(rest_decode("%00", 3, out, sizeof(out), &len), -SW_E_INVALID);
	assert_int_equal(rest_decode("a\0b", 3, out, sizeof(out), &len), -SW_E_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literals_and_labels),
		cmocka_unit_test(test_decoded_once),
		cmocka_unit_test(test_nul_and_bad_escapes),
		cmocka_unit_test(test_dot_segments_are_data),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_trailing_slashes_and_empty_labels),
		cmocka_unit_test(test_no_route_or_no_method),
		cmocka_unit_test(test_conditions_and_order),
		cmocka_unit_test(test_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
