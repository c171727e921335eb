/* test_rapi_parse: the Runtime API's request parser — heads, framing, limits, chunked bodies,
 * routes (functions/rapi_parse.h). */
#include "functions/rapi_parse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static int parse(const char *s, struct rapi_req *r)
{
	return rapi_parse_head(s, strlen(s), r);
}

static void test_next(void **state)
{
	struct rapi_req r;
	char id[64];
	const char *s = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:9\r\n"
			"User-Agent: curl\r\n\r\n";

	(void)state;
	assert_int_equal(parse(s, &r), 1);
	assert_int_equal(r.method, RAPI_GET);
	assert_string_equal(r.path, "/2018-06-01/runtime/invocation/next");
	assert_int_equal(r.framing, RAPI_BODY_NONE);
	assert_int_equal(r.head_len, strlen(s));
	assert_false(r.close);
	assert_int_equal(rapi_route(&r, id), RAPI_R_NEXT);
	/* every prefix of the head asks for more */
	for (size_t i = 0; i < strlen(s); i++)
		assert_int_equal(rapi_parse_head(s, i, &r), 0);
}

static void test_response(void **state)
{
	struct rapi_req r;
	char id[64];
	const char *s = "POST /2018-06-01/runtime/invocation/abc-1/response HTTP/1.1\r\n"
			"Content-Length: 5\r\nExpect: 100-continue\r\n\r\nhello";

	(void)state;
	assert_int_equal(parse(s, &r), 1);
	assert_int_equal(r.framing, RAPI_BODY_LENGTH);
	assert_int_equal(r.content_length, 5);
	assert_true(r.expect_continue);
	assert_string_equal(s + r.head_len, "hello");
	assert_int_equal(rapi_route(&r, id), RAPI_R_RESPONSE);
	assert_string_equal(id, "abc-1");

	s = "POST /2018-06-01/runtime/invocation/x/error HTTP/1.1\r\n"
	    "Lambda-Runtime-Function-Error-Type: Runtime.Oops\r\nConnection: close\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	assert_int_equal(parse(s, &r), 1);
	assert_int_equal(r.framing, RAPI_BODY_CHUNKED);
	assert_string_equal(r.error_type, "Runtime.Oops");
	assert_true(r.close);
	assert_int_equal(rapi_route(&r, id), RAPI_R_ERROR);
	assert_string_equal(id, "x");

	s = "POST /2018-06-01/runtime/init/error HTTP/1.0\r\n\r\n";
	assert_int_equal(parse(s, &r), 1);
	assert_true(r.close);
	assert_int_equal(rapi_route(&r, id), RAPI_R_INIT_ERROR);
}

static void test_bad(void **state)
{
	struct rapi_req r;
	char id[64];
	static const char *const bad[] = {
		"GET\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"GET nopath HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
		"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
		"GET / HTTP/1.1\r\n folded\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 99999999999999999\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &r), -1);
	/* a head over the limit */
	static char big[RAPI_HEAD_MAX + 10];
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
	assert_int_equal(rapi_parse_head(big, sizeof(big), &r), -1);
	/* routes that do not exist */
	assert_int_equal(parse("POST /2018-06-01/runtime/invocation/next HTTP/1.1\r\n\r\n", &r), 1);
	assert_int_equal(rapi_route(&r, id), RAPI_R_UNKNOWN);
	assert_int_equal(
	    parse("POST /2018-06-01/runtime/invocation//response HTTP/1.1\r\n\r\n", &r), 1);
	assert_int_equal(rapi_route(&r, id), RAPI_R_UNKNOWN);
	assert_int_equal(
	    parse("GET /2018-06-01/runtime/invocation/a/response HTTP/1.1\r\n\r\n", &r), 1);
	assert_int_equal(rapi_route(&r, id), RAPI_R_UNKNOWN);
	assert_int_equal(parse("GET /other HTTP/1.1\r\n\r\n", &r), 1);
	assert_int_equal(rapi_route(&r, id), RAPI_R_UNKNOWN);
}

static void test_chunked(void **state)
{
	struct rapi_chunked c;
	char in[] = "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	size_t used, out;

	(void)state;
	rapi_chunked_init(&c);
	assert_int_equal(rapi_chunked_feed(&c, in, strlen(in), &used, &out), 1);
	assert_int_equal(out, 11);
	assert_memory_equal(in, "hello world", 11);
	assert_int_equal(used,
			 strlen("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n"));

	/* byte by byte */
	char in2[] = "3\r\nabc\r\n0\r\n\r\n";
	char got[8];
	size_t g = 0;
	int rc = 0;
	rapi_chunked_init(&c);
	for (size_t i = 0; i < strlen(in2); i++) {
		rc = rapi_chunked_feed(&c, in2 + i, 1, &used, &out);
		assert_true(rc >= 0);
		assert_int_equal(used, 1);
		if (out)
			got[g++] = in2[i];
	}
	assert_int_equal(rc, 1);
	assert_int_equal(g, 3);
	assert_memory_equal(got, "abc", 3);

	char bad1[] = "x\r\n";
	rapi_chunked_init(&c);
	assert_int_equal(rapi_chunked_feed(&c, bad1, strlen(bad1), &used, &out), -1);
	char bad2[] = "3\r\nabcX";
	rapi_chunked_init(&c);
	assert_int_equal(rapi_chunked_feed(&c, bad2, strlen(bad2), &used, &out), -1);
	char bad3[] = "ffffffffffffffff\r\n";
	rapi_chunked_init(&c);
	assert_int_equal(rapi_chunked_feed(&c, bad3, strlen(bad3), &used, &out), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_chunked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
