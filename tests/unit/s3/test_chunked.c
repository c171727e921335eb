/* test_chunked: the aws-chunked decoder — botocore's unsigned trailer form, AWS's published
 * signed-chunk example, signed trailers, and malformed bodies, each fed split at many points. */
#include "base/crypto.h"
#include "base/err.h"
#include "base/sigv4.h"
#include "base/str.h"
#include "services/s3/chunked.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

struct sink {
	char *data;
	size_t len, cap;
};

static int sink_data(void *arg, const void *p, size_t n, struct err *e)
{
	struct sink *s = arg;

	(void)e;
	if (s->len + n > s->cap) {
		s->cap = (s->len + n) * 2;
		s->data = realloc(s->data, s->cap);
		assert_non_null(s->data);
	}
	memcpy(s->data + s->len, p, n);
	s->len += n;
	return 0;
}

/* The AWS documentation's example: secret wJalr…EXAMPLEKEY, 2013-05-24, us-east-1, s3. */
static void example_signing(uint8_t key[SHA256_LEN], struct sigv4_auth *a)
{
	memset(a, 0, sizeof(*a));
	sigv4_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1", "s3",
			  key);
	str_copy(a->access_key, sizeof(a->access_key), "AKIAIOSFODNN7EXAMPLE");
	str_copy(a->date, sizeof(a->date), "20130524");
	str_copy(a->region, sizeof(a->region), "us-east-1");
	str_copy(a->service, sizeof(a->service), "s3");
	str_copy(a->amz_date, sizeof(a->amz_date), "20130524T000000Z");
	str_copy(a->signature, sizeof(a->signature),
		 "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
}

enum mode { UNSIGNED, SIGNED, SIGNED_TRAILER };

/* Decodes body fed in pieces of at most step bytes (split first at split, when non-zero). */
static int decode(enum mode mode, const char *body, size_t n, size_t split, size_t step,
		  struct sink *out, struct s3_chunked *keep, struct err *e)
{
	struct s3_chunked c;
	uint8_t key[SHA256_LEN];
	struct sigv4_auth a;
	size_t off = 0;
	int r = 0;

	s3_chunked_init(&c, sink_data, out);
	if (mode != UNSIGNED) {
		example_signing(key, &a);
		s3_chunked_verify(&c, key, &a, a.signature, mode == SIGNED_TRAILER);
	}
	if (split && split < n) {
		r = s3_chunked_feed(&c, body, split, e);
		off = split;
	}
	while (!r && off < n) {
		size_t k = n - off < step ? n - off : step;

		r = s3_chunked_feed(&c, body + off, k, e);
		off += k;
	}
	if (!r)
		r = s3_chunked_finish(&c, e);
	if (keep)
		*keep = c;
	s3_chunked_release(&c);
	return r;
}

static const char botocore_body[] = "6\r\nhello \r\n5\r\nworld\r\n0\r\n"
				    "x-amz-checksum-crc32:DUoRhQ==\r\n\r\n";

static void test_unsigned_trailer_every_split(void **state)
{
	size_t n = sizeof(botocore_body) - 1;

	(void)state;
	for (size_t split = 0; split <= n; split++) {
		for (size_t step = 1; step <= n; step += (step < 4 ? 1 : 7)) {
			struct sink out = { 0 };
			struct s3_chunked c;
			struct err e = { 0 };

			assert_int_equal(
			    decode(UNSIGNED, botocore_body, n, split, step, &out, &c, &e), 0);
			assert_int_equal(out.len, 11);
			assert_memory_equal(out.data, "hello world", 11);
			assert_string_equal(s3_chunked_trailer(&c, "X-Amz-Checksum-CRC32"),
					    "DUoRhQ==");
			assert_int_equal(c.decoded, 11);
			free(out.data);
		}
	}
}

static void test_unsigned_without_trailer(void **state)
{
	static const char body[] = "3\r\nabc\r\n0\r\n\r\n";
	static const char bare_end[] = "3\r\nabc\r\n0\r\n"; /* no final empty line */
	struct sink out = { 0 };
	struct err e = { 0 };

	(void)state;
	assert_int_equal(decode(UNSIGNED, body, sizeof(body) - 1, 0, 1, &out, NULL, &e), 0);
	assert_int_equal(decode(UNSIGNED, bare_end, sizeof(bare_end) - 1, 0, 5, &out, NULL, &e), 0);
	assert_int_equal(out.len, 6);
	free(out.data);
}

/* The example body: 65536 and 1024 bytes of 'a' and the final chunk, with AWS's signatures. */
static char *example_body(size_t *n)
{
	static const char *const sigs[] = {
		"ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
		"0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
		"b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
	};
	static const size_t sizes[] = { 65536, 1024, 0 };
	char *b = malloc(70000), *p = b;

	assert_non_null(b);
	for (int i = 0; i < 3; i++) {
		p += snprintf(p, 128, "%zx;chunk-signature=%s\r\n", sizes[i], sigs[i]);
		memset(p, 'a', sizes[i]);
		p += sizes[i];
		if (sizes[i]) {
			memcpy(p, "\r\n", 2);
			p += 2;
		}
	}
	memcpy(p, "\r\n", 2);
	p += 2;
	*n = (size_t)(p - b);
	return b;
}

static void test_signed_example_from_aws(void **state)
{
	static const size_t splits[] = { 0, 1, 50, 86, 87, 88, 65623, 65624, 65625, 66700 };
	static const size_t steps[] = { 1, 2, 3, 1000, 4096, 100000 };
	size_t n;
	char *body = example_body(&n);

	(void)state;
	for (size_t i = 0; i < sizeof(splits) / sizeof(splits[0]); i++) {
		for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			struct sink out = { 0 };
			struct err e = { 0 };

			if (steps[k] == 1 && splits[i] > 100)
				continue; /* byte by byte once is enough */
			assert_int_equal(
			    decode(SIGNED, body, n, splits[i], steps[k], &out, NULL, &e), 0);
			assert_int_equal(out.len, 66560);
			for (size_t j = 0; j < out.len; j++)
				assert_int_equal(out.data[j], 'a');
			free(out.data);
		}
	}
	free(body);
}

static void test_signed_tampering_is_caught(void **state)
{
	size_t n;
	char *body = example_body(&n);
	struct sink out = { 0 };
	struct err e = { 0 };
	char *sig;

	(void)state;
	/* one data byte of the second chunk */
	body[n - 200] = 'b';
	assert_int_equal(decode(SIGNED, body, n, 0, 4096, &out, NULL, &e),
			 -SW_E_SignatureDoesNotMatch);
	body[n - 200] = 'a';
	/* one character of the final chunk's signature */
	sig = strstr(body + 65600, "b6c6ea8a");
	assert_non_null(sig);
	sig[0] = 'c';
	e.code = 0;
	assert_int_equal(decode(SIGNED, body, n, 0, 4096, &out, NULL, &e),
			 -SW_E_SignatureDoesNotMatch);
	sig[0] = 'b';
	/* a chunk without a signature */
	e.code = 0;
	assert_int_equal(decode(SIGNED, "3\r\nabc\r\n0\r\n\r\n", 14, 0, 100, &out, NULL, &e),
			 -SW_E_SignatureDoesNotMatch);
	/* the right bytes under another seed (the request was signed by someone else) */
	{
		struct s3_chunked c;
		uint8_t key[SHA256_LEN];
		struct sigv4_auth a;

		example_signing(key, &a);
		s3_chunked_init(&c, sink_data, &out);
		s3_chunked_verify(
		    &c, key, &a, "0000000000000000000000000000000000000000000000000000000000000000",
		    false);
		assert_int_equal(s3_chunked_feed(&c, body, n, &e), -SW_E_SignatureDoesNotMatch);
		s3_chunked_release(&c);
	}
	free(out.data);
	free(body);
}

/* A signed body with a trailer, signed with the same chain sigv4_chunk_signature builds. */
static size_t signed_trailer_body(char *b, size_t size, const char *trailer_value,
				  bool sign_trailer)
{
	uint8_t key[SHA256_LEN], h[SHA256_LEN];
	struct sigv4_auth a;
	char prev[65], sig[65], hex[65], trailer[128];
	size_t n = 0;

	example_signing(key, &a);
	str_copy(prev, sizeof(prev), a.signature);
	sha256("hello", 5, h);
	hex_encode(h, SHA256_LEN, hex);
	sigv4_chunk_signature(key, &a, prev, hex, false, sig);
	n += (size_t)snprintf(b + n, size - n, "5;chunk-signature=%s\r\nhello\r\n", sig);
	memcpy(prev, sig, sizeof(prev));
	sha256("", 0, h);
	hex_encode(h, SHA256_LEN, hex);
	sigv4_chunk_signature(key, &a, prev, hex, false, sig);
	n += (size_t)snprintf(b + n, size - n, "0;chunk-signature=%s\r\n", sig);
	memcpy(prev, sig, sizeof(prev));
	snprintf(trailer, sizeof(trailer), "x-amz-checksum-crc32:%s\n", "NhCmhg==");
	sha256(trailer, strlen(trailer), h);
	hex_encode(h, SHA256_LEN, hex);
	sigv4_chunk_signature(key, &a, prev, hex, true, sig);
	n += (size_t)snprintf(b + n, size - n, "x-amz-checksum-crc32:%s\r\n", trailer_value);
	if (sign_trailer)
		n += (size_t)snprintf(b + n, size - n, "x-amz-trailer-signature:%s\r\n", sig);
	n += (size_t)snprintf(b + n, size - n, "\r\n");
	return n;
}

static void test_signed_trailer(void **state)
{
	char body[1024];
	size_t n = signed_trailer_body(body, sizeof(body), "NhCmhg==", true);
	struct sink out = { 0 };
	struct s3_chunked c;
	struct err e = { 0 };

	(void)state;
	for (size_t split = 0; split < n; split += 13) {
		out.len = 0;
		assert_int_equal(decode(SIGNED_TRAILER, body, n, split, 7, &out, &c, &e), 0);
		assert_string_equal(s3_chunked_trailer(&c, "x-amz-checksum-crc32"), "NhCmhg==");
	}
	/* a changed trailer no longer matches its signature */
	n = signed_trailer_body(body, sizeof(body), "AAAAAA==", true);
	assert_int_equal(decode(SIGNED_TRAILER, body, n, 0, 64, &out, NULL, &e),
			 -SW_E_SignatureDoesNotMatch);
	/* and an unsigned trailer on a signed stream is refused */
	n = signed_trailer_body(body, sizeof(body), "NhCmhg==", false);
	assert_int_equal(decode(SIGNED_TRAILER, body, n, 0, 64, &out, NULL, &e),
			 -SW_E_SignatureDoesNotMatch);
	/* trailers are not allowed on STREAMING-AWS4-HMAC-SHA256-PAYLOAD */
	n = signed_trailer_body(body, sizeof(body), "NhCmhg==", true);
	assert_int_equal(decode(SIGNED, body, n, 0, 64, &out, NULL, &e), -SW_E_InvalidRequest);
	free(out.data);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *body;
		int code;
	} cases[] = {
		{ "zz\r\nab\r\n0\r\n\r\n", SW_E_InvalidRequest },     /* size not hex */
		{ "\r\n", SW_E_InvalidRequest },		      /* empty size */
		{ "2\r\nabc\r\n0\r\n\r\n", SW_E_InvalidRequest },     /* data longer than size */
		{ "2\r\nab\rX0\r\n\r\n", SW_E_InvalidRequest },	      /* no LF after data */
		{ "2 junk\r\nab\r\n0\r\n\r\n", SW_E_InvalidRequest }, /* text after size */
		{ "11111111111111111\r\n", SW_E_InvalidRequest },     /* 17 hex digits */
		{ "3\r\nab", SW_E_IncompleteBody },		      /* truncated data */
		{ "3\r\nabc\r\n", SW_E_IncompleteBody },	      /* no final chunk */
		{ "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAA", SW_E_IncompleteBody },
		{ "0\r\n\r\nmore", SW_E_InvalidRequest },	  /* data after the end */
		{ "0\r\n:novalue\r\n\r\n", SW_E_InvalidRequest }, /* trailer without name */
		{ "0\r\na:1\r\nb:2\r\nc:3\r\nd:4\r\ne:5\r\nf:6\r\ng:7\r\nh:8\r\ni:9\r\n\r\n",
		  SW_E_InvalidRequest }, /* too many trailers */
	};
	struct sink out = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t step = 1; step < 20; step += 6) {
			struct err e = { 0 };
			int r = decode(UNSIGNED, cases[i].body, strlen(cases[i].body), 0, step,
				       &out, NULL, &e);

			if (r != -cases[i].code)
				fail_msg("case %zu (step %zu): got %d (%s), want %d", i, step, r,
					 err_message(&e), -cases[i].code);
		}
	}
	free(out.data);
}

static void test_long_line_and_limit(void **state)
{
	char *body = malloc(S3_CHUNKED_LINE_MAX + 16);
	struct s3_chunked c;
	struct sink out = { 0 };
	struct err e = { 0 };

	(void)state;
	assert_non_null(body);
	memset(body, 'f', S3_CHUNKED_LINE_MAX + 8);
	body[0] = '1';
	body[1] = ';';
	assert_int_equal(decode(UNSIGNED, body, S3_CHUNKED_LINE_MAX + 8, 0, 100, &out, NULL, &e),
			 -SW_E_InvalidRequest);
	free(body);
	/* x-amz-decoded-content-length: a chunk beyond it is refused before its data arrives */
	s3_chunked_init(&c, sink_data, &out);
	c.limit = 4;
	assert_int_equal(s3_chunked_feed(&c, "3\r\nabc\r\n2\r\n", 11, &e), -SW_E_IncompleteBody);
	s3_chunked_release(&c);
	assert_int_equal(out.len, 3);
	free(out.data);
}

/* A data callback's error stops decoding and is returned as it is. */
static int refuse(void *arg, const void *p, size_t n, struct err *e)
{
	(void)arg;
	(void)p;
	(void)n;
	return err_set(e, SW_E_EntityTooLarge, "too big");
}

static void test_callback_error(void **state)
{
	struct s3_chunked c;
	struct err e = { 0 };

	(void)state;
	s3_chunked_init(&c, refuse, NULL);
	assert_int_equal(s3_chunked_feed(&c, "3\r\nabc\r\n0\r\n\r\n", 14, &e),
			 -SW_E_EntityTooLarge);
	assert_int_equal(s3_chunked_feed(&c, "x", 1, &e), -SW_E_InvalidRequest);
	s3_chunked_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsigned_trailer_every_split),
		cmocka_unit_test(test_unsigned_without_trailer),
		cmocka_unit_test(test_signed_example_from_aws),
		cmocka_unit_test(test_signed_tampering_is_caught),
		cmocka_unit_test(test_signed_trailer),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_long_line_and_limit),
		cmocka_unit_test(test_callback_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
