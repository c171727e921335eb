/* test_sigv4: AWS Signature Version 4 against the published examples (the SigV4 test suite, the
 * IAM and S3 documentation), header and presigned-query parsing errors, canonicalisation rules,
 * URI encoding, and aws-chunked chunk signatures. */
#include "base/err.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SUITE_KEY    "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_DATE   "20150830T123600Z"
#define S3_KEY	     "AKIAIOSFODNN7EXAMPLE"
#define S3_SECRET    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define NKV(a)	     (sizeof(a) / sizeof((a)[0]))

/* Fills a as a verifier would after parsing, for the given scope. */
static void auth_for(struct sigv4_auth *a, const char *akid, const char *amz_date,
		     const char *region, const char *service, const char *signed_headers)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(str_copy(a->access_key, sizeof(a->access_key), akid), 0);
	assert_int_equal(str_copyn(a->date, sizeof(a->date), amz_date, 8), 0);
	assert_int_equal(str_copy(a->region, sizeof(a->region), region), 0);
	assert_int_equal(str_copy(a->service, sizeof(a->service), service), 0);
	assert_int_equal(str_copy(a->amz_date, sizeof(a->amz_date), amz_date), 0);
	assert_int_equal(str_copy(a->signed_headers, sizeof(a->signed_headers), signed_headers), 0);
}

/* Signs r with the secret under a and checks the signature (and, if given, the canonical
 * request). */
static void check_signature(const struct sigv4_request *r, const struct sigv4_auth *a,
			    const char *secret, const char *expect_sig,
			    const char *expect_canonical)
{
	uint8_t key[SHA256_LEN];
	struct buf canonical = BUF_INIT(1 << 16);
	struct err e = { 0 };
	char sig[65];

	sigv4_signing_key(secret, a->date, a->region, a->service, key);
	assert_int_equal(sigv4_signature(r, a, key, sig, &canonical, &e), 0);
	if (expect_canonical)
		assert_string_equal(buf_str(&canonical), expect_canonical);
	assert_string_equal(sig, expect_sig);
	buf_release(&canonical);
}

#define assert_prefix(s, prefix) assert_true(str_starts((s), (prefix)))

/* The canonical request the library builds for r under a's signed headers. */
static char *canonical_of(const struct sigv4_request *r, const struct sigv4_auth *a)
{
	uint8_t key[SHA256_LEN] = { 0 };
	struct buf canonical = BUF_INIT(1 << 16);
	struct err e = { 0 };
	char sig[65];

	assert_int_equal(sigv4_signature(r, a, key, sig, &canonical, &e), 0);
	return buf_detach(&canonical);
}

static void test_signing_key_from_the_iam_docs(void **state)
{
	uint8_t key[SHA256_LEN];
	char hex[65];

	(void)state;
	sigv4_signing_key(SUITE_SECRET, "20150830", "us-east-1", "iam", key);
	hex_encode(key, SHA256_LEN, hex);
	assert_string_equal(hex,
			    "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

static void test_suite_get_vanilla(void **state)
{
	static const struct sigv4_kv h[] = { { "Host", "example.amazonaws.com" },
					     { "X-Amz-Date", SUITE_DATE } };
	struct sigv4_request r = { "GET", "/", NULL, 0, h, NKV(h), EMPTY_SHA256, false };
	struct sigv4_auth a;

	(void)state;
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "service", "host;x-amz-date");
	check_signature(&r, &a, SUITE_SECRET,
			"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
			"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
			"host;x-amz-date\n" EMPTY_SHA256);
}

static void test_suite_post_vanilla(void **state)
{
	static const struct sigv4_kv h[] = { { "Host", "example.amazonaws.com" },
					     { "X-Amz-Date", SUITE_DATE } };
	struct sigv4_request r = { "POST", "/", NULL, 0, h, NKV(h), EMPTY_SHA256, false };
	struct sigv4_auth a;

	(void)state;
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "service", "host;x-amz-date");
	check_signature(&r, &a, SUITE_SECRET,
			"5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", NULL);
}

static void test_suite_post_x_www_form_urlencoded(void **state)
{
	static const struct sigv4_kv h[] = { { "Content-Type",
					       "application/x-www-form-urlencoded" },
					     { "Host", "example.amazonaws.com" },
					     { "X-Amz-Date", SUITE_DATE } };
	uint8_t digest[SHA256_LEN];
	char body_hash[65];
	struct sigv4_request r = { "POST", "/", NULL, 0, h, NKV(h), body_hash, false };
	struct sigv4_auth a;

	(void)state;
	sha256("Param1=value1", 13, digest);
	hex_encode(digest, SHA256_LEN, body_hash);
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "service", "content-type;host;x-amz-date");
	check_signature(&r, &a, SUITE_SECRET,
			"ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
			"POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
			"host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
			"content-type;host;x-amz-date\n"
			"9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
}

static void test_suite_query_order_and_empty_key(void **state)
{
	static const struct sigv4_kv h[] = { { "Host", "example.amazonaws.com" },
					     { "X-Amz-Date", SUITE_DATE } };
	static const struct sigv4_kv q[] = { { "Param2", "value2" }, { "Param1", "value1" } };
	static const struct sigv4_kv q1[] = { { "Param1", "value1" } };
	struct sigv4_request r = { "GET", "/", q, NKV(q), h, NKV(h), EMPTY_SHA256, false };
	struct sigv4_auth a;

	(void)state;
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "service", "host;x-amz-date");
	/* get-vanilla-query-order-key-case: parameters are sorted */
	check_signature(&r, &a, SUITE_SECRET,
			"b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
			"GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
			"x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" EMPTY_SHA256);
	r.query = q1;
	r.nquery = 1;
	check_signature(&r, &a, SUITE_SECRET,
			"a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb", NULL);
}

static void test_suite_header_value_trim(void **state)
{
	static const struct sigv4_kv h[] = { { "Host", "example.amazonaws.com" },
					     { "My-Header1", " value1" },
					     { "My-Header2", " \"a   b   c\"" },
					     { "X-Amz-Date", SUITE_DATE } };
	struct sigv4_request r = { "GET", "/", NULL, 0, h, NKV(h), EMPTY_SHA256, false };
	struct sigv4_auth a;

	(void)state;
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "service",
		 "host;my-header1;my-header2;x-amz-date");
	check_signature(&r, &a, SUITE_SECRET,
			"acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
			"GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\n"
			"my-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\n"
			"host;my-header1;my-header2;x-amz-date\n" EMPTY_SHA256);
}

static void test_suite_paths_encoded_once(void **state)
{
	static const struct sigv4_kv h[] = { { "Host", "example.amazonaws.com" },
					     { "X-Amz-Date", SUITE_DATE } };
	struct sigv4_request r = {
		"GET", "/example space/", NULL, 0, h, NKV(h), EMPTY_SHA256, true
	};
	struct sigv4_auth a;

	(void)state;
	/* The suite's canonical URIs are encoded once, as S3 does it. */
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "service", "host;x-amz-date");
	check_signature(&r, &a, SUITE_SECRET,
			"652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741", NULL);
	r.path = "/\xe1\x88\xb4";
	check_signature(&r, &a, SUITE_SECRET,
			"8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85", NULL);
	r.path = "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	check_signature(&r, &a, SUITE_SECRET,
			"07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f", NULL);
	/* the same path, already percent-encoded as a client sends it, signs the same */
	r.path = "/example%20space/";
	check_signature(&r, &a, SUITE_SECRET,
			"652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741", NULL);
}

static void test_iam_list_users_example(void **state)
{
	static const struct sigv4_kv h[] = {
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
		{ "Host", "iam.amazonaws.com" },
		{ "X-Amz-Date", SUITE_DATE },
	};
	static const struct sigv4_kv q[] = { { "Action", "ListUsers" },
					     { "Version", "2010-05-08" } };
	struct sigv4_request r = { "GET", "/", q, NKV(q), h, NKV(h), EMPTY_SHA256, false };
	struct sigv4_auth a;
	struct buf out = BUF_INIT(4096);

	(void)state;
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "iam", "content-type;host;x-amz-date");
	check_signature(&r, &a, SUITE_SECRET,
			"5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
			"GET\n/\nAction=ListUsers&Version=2010-05-08\n"
			"content-type:application/x-www-form-urlencoded; charset=utf-8\n"
			"host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
			"content-type;host;x-amz-date\n" EMPTY_SHA256);
	/* the client side produces the documented Authorization header */
	assert_int_equal(
	    sigv4_sign(&r, SUITE_KEY, SUITE_SECRET, "us-east-1", "iam", SUITE_DATE, &out), 0);
	assert_string_equal(
	    buf_str(&out),
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/"
	    "aws4_request, SignedHeaders=content-type;host;x-amz-date, "
	    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
	buf_release(&out);
}

static void test_sign_then_parse_round_trip(void **state)
{
	static const struct sigv4_kv h[] = { { "x-amz-date", SUITE_DATE },
					     { "HOST", "example.amazonaws.com" },
					     { "Host", "example.amazonaws.com" } };
	struct sigv4_request r = { "GET", "/", NULL, 0, h, NKV(h), EMPTY_SHA256, false };
	struct buf out = BUF_INIT(4096);
	struct sigv4_auth a;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(
	    sigv4_sign(&r, SUITE_KEY, SUITE_SECRET, "us-east-1", "service", SUITE_DATE, &out), 0);
	/* names are lower-cased, sorted and deduplicated */
	assert_non_null(strstr(buf_str(&out), "SignedHeaders=host;x-amz-date, "));
	assert_int_equal(sigv4_parse_header(buf_str(&out), &a, &e), 0);
	assert_string_equal(a.access_key, SUITE_KEY);
	assert_string_equal(a.date, "20150830");
	assert_string_equal(a.region, "us-east-1");
	assert_string_equal(a.service, "service");
	assert_string_equal(a.signed_headers, "host;x-amz-date");
	assert_int_equal(strlen(a.signature), 64);
	assert_false(a.presigned);
	buf_release(&out);
}

static void test_s3_get_object_example(void **state)
{
	static const struct sigv4_kv h[] = { { "Host", "examplebucket.s3.amazonaws.com" },
					     { "Range", "bytes=0-9" },
					     { "x-amz-content-sha256", EMPTY_SHA256 },
					     { "x-amz-date", "20130524T000000Z" } };
	struct sigv4_request r = { "GET", "/test.txt", NULL, 0, h, NKV(h), EMPTY_SHA256, true };
	struct sigv4_auth a;

	(void)state;
	auth_for(&a, S3_KEY, "20130524T000000Z", "us-east-1", "s3",
		 "host;range;x-amz-content-sha256;x-amz-date");
	check_signature(&r, &a, S3_SECRET,
			"f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41", NULL);
}

static void test_s3_presigned_url_example(void **state)
{
	static const struct sigv4_kv h[] = { { "Host", "examplebucket.s3.amazonaws.com" } };
	static const struct sigv4_kv q[] = {
		{ "X-Amz-Algorithm", "AWS4-HMAC-SHA256" },
		{ "X-Amz-Credential",
		  "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" },
		{ "X-Amz-Date", "20130524T000000Z" },
		{ "X-Amz-Expires", "86400" },
		{ "X-Amz-SignedHeaders", "host" },
		{ "X-Amz-Signature",
		  "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404" },
	};
	struct sigv4_request r = { "GET", "/test.txt", q, NKV(q), h, NKV(h), SIGV4_UNSIGNED, true };
	struct sigv4_auth a;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(sigv4_parse_query(q, NKV(q), &a, &e), 0);
	assert_true(a.presigned);
	assert_int_equal(a.expires, 86400);
	assert_string_equal(a.access_key, S3_KEY);
	assert_string_equal(a.date, "20130524");
	assert_string_equal(a.region, "us-east-1");
	assert_string_equal(a.service, "s3");
	assert_string_equal(a.amz_date, "20130524T000000Z");
	assert_string_equal(a.signed_headers, "host");
	/* X-Amz-Signature itself is left out of the canonical query */
	check_signature(
	    &r, &a, S3_SECRET, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
	    "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
	    "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date="
	    "20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n"
	    "host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD");
}

static void test_s3_streaming_chunk_signatures(void **state)
{
	/* "Signature Calculations for the Authorization Header: Transferring Payload in Multiple
	 * Chunks": 66560 bytes of 'a' in a 65536-byte chunk, a 1024-byte chunk and the final
	 * empty chunk. */
	static const struct sigv4_kv h[] = {
		{ "Host", "s3.amazonaws.com" },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", SIGV4_STREAMING },
		{ "Content-Encoding", "aws-chunked" },
		{ "x-amz-decoded-content-length", "66560" },
		{ "Content-Length", "66824" },
	};
	struct sigv4_request r = {
		"PUT", "/examplebucket/chunkObject.txt", NULL, 0, h, NKV(h), SIGV4_STREAMING, true
	};
	struct sigv4_auth a;
	uint8_t key[SHA256_LEN], digest[SHA256_LEN];
	char *data = malloc(65536), hash[65], sig[65], prev[65];

	(void)state;
	assert_non_null(data);
	memset(data, 'a', 65536);
	auth_for(&a, S3_KEY, "20130524T000000Z", "us-east-1", "s3",
		 "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
		 "x-amz-decoded-content-length;x-amz-storage-class");
	check_signature(&r, &a, S3_SECRET,
			"4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", NULL);
	sigv4_signing_key(S3_SECRET, a.date, a.region, a.service, key);
	memcpy(prev, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", 65);
	sha256(data, 65536, digest);
	hex_encode(digest, SHA256_LEN, hash);
	sigv4_chunk_signature(key, &a, prev, hash, false, sig);
	assert_string_equal(sig,
			    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
	memcpy(prev, sig, 65);
	sha256(data, 1024, digest);
	hex_encode(digest, SHA256_LEN, hash);
	sigv4_chunk_signature(key, &a, prev, hash, false, sig);
	assert_string_equal(sig,
			    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
	memcpy(prev, sig, 65);
	sigv4_chunk_signature(key, &a, prev, EMPTY_SHA256, false, sig);
	assert_string_equal(sig,
			    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
	/* a chunk signed under another previous signature differs (the chain binds order) */
	sigv4_chunk_signature(key, &a,
			      "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
			      EMPTY_SHA256, false, prev);
	assert_string_not_equal(prev, sig);
	/* the trailer form signs a different string */
	sigv4_chunk_signature(key, &a, sig, EMPTY_SHA256, true, prev);
	assert_string_not_equal(prev, sig);
	free(data);
}

static void test_non_s3_paths_are_encoded_twice(void **state)
{
	static const struct sigv4_kv h[] = { { "host", "h" } };
	struct sigv4_request r = {
		"GET", "/a%20b/c~d/%E2%82%AC", NULL, 0, h, 1, EMPTY_SHA256, false
	};
	struct sigv4_auth a;
	char *c;

	(void)state;
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "codedeploy", "host");
	c = canonical_of(&r, &a);
	assert_prefix(c, "GET\n/a%2520b/c~d/%25E2%2582%25AC\n");
	free(c);
	r.s3 = true;
	c = canonical_of(&r, &a);
	assert_prefix(c, "GET\n/a%20b/c~d/%E2%82%AC\n");
	free(c);
	r.path = "";
	c = canonical_of(&r, &a);
	assert_prefix(c, "GET\n/\n\n");
	free(c);
	/* an escape that is not hex cannot be canonicalised */
	r.path = "/bad%zz";
	{
		uint8_t key[SHA256_LEN] = { 0 };
		struct err e = { 0 };
		char sig[65];

		assert_int_equal(sigv4_signature(&r, &a, key, sig, NULL, &e),
				 -SW_E_IncompleteSignature);
	}
}

static void test_canonical_query_rules(void **state)
{
	static const struct sigv4_kv h[] = { { "host", "h" } };
	static const struct sigv4_kv q[] = {
		{ "b", "2" },
		{ "a", "z" },
		{ "a", "y" }, /* same name: sorted by value */
		{ "flag", NULL },
		{ "sp", "x%20y" },
		{ "raw", "a b" },
		{ "tilde", "~" },
		{ "plus", "%2B" },
		{ "low", "%2f" },
		{ "X-Amz-Signature", "dropped" },
	};
	struct sigv4_request r = { "GET", "/", q, NKV(q), h, 1, EMPTY_SHA256, false };
	struct sigv4_auth a;
	char *c;

	(void)state;
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "s", "host");
	c = canonical_of(&r, &a);
	assert_string_equal(c, "GET\n/\na=y&a=z&b=2&flag=&low=%2F&plus=%2B&raw=a%20b&sp=x%20y&"
			       "tilde=~\nhost:h\n\nhost\n" EMPTY_SHA256);
	free(c);
}

static void test_canonical_headers_rules(void **state)
{
	static const struct sigv4_kv h[] = {
		{ "Host", "h" },
		{ "My-Header1", "value2" },
		{ "my-header1", "value2" },
		{ "MY-HEADER1", "value1" }, /* repeated names join with ',' in request order */
		{ "X-Spaces", "\t a \t  b   c \t" }, /* trimmed, inner runs collapsed */
		{ "X-Empty", "" },
		{ "X-Unsigned", "ignored" },
	};
	struct sigv4_request r = { "GET", "/", NULL, 0, h, NKV(h), "UNSIGNED-PAYLOAD", false };
	struct sigv4_auth a;
	char *c;

	(void)state;
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "s", "host;my-header1;x-empty;x-spaces");
	c = canonical_of(&r, &a);
	assert_string_equal(c, "GET\n/\n\nhost:h\nmy-header1:value2,value2,value1\nx-empty:\n"
			       "x-spaces:a b c\n\nhost;my-header1;x-empty;x-spaces\n"
			       "UNSIGNED-PAYLOAD");
	free(c);
}

static void test_signature_needs_every_signed_header(void **state)
{
	static const struct sigv4_kv h[] = { { "Host", "h" } };
	struct sigv4_request r = { "GET", "/", NULL, 0, h, NKV(h), EMPTY_SHA256, false };
	uint8_t key[SHA256_LEN] = { 0 };
	struct sigv4_auth a;
	struct err e = { 0 };
	char sig[65];

	(void)state;
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "s", "host;x-amz-date");
	assert_int_equal(sigv4_signature(&r, &a, key, sig, NULL, &e), -SW_E_SignatureDoesNotMatch);
	assert_int_equal(e.code, SW_E_SignatureDoesNotMatch);
	assert_non_null(strstr(e.msg, "x-amz-date"));
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "s", "host;;x-amz-date");
	assert_int_equal(sigv4_signature(&r, &a, key, sig, NULL, &e), -SW_E_IncompleteSignature);
	/* a header whose name merely starts with a signed name does not count */
	auth_for(&a, SUITE_KEY, SUITE_DATE, "us-east-1", "s", "hos");
	assert_int_equal(sigv4_signature(&r, &a, key, sig, NULL, &e), -SW_E_SignatureDoesNotMatch);
}

static void test_parse_header_accepts_sdk_forms(void **state)
{
	static const char *const ok[] = {
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		"SignedHeaders=content-type;host;x-amz-date, "
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
		/* no spaces after the commas (some SDKs) */
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request,"
		"SignedHeaders=content-type;host;x-amz-date,"
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
		/* another order, extra whitespace */
		"AWS4-HMAC-SHA256   "
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924"
		"a6f2b5d7 ,\tSignedHeaders=content-type;host;x-amz-date ,  "
		"Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request",
	};
	struct sigv4_auth a;
	struct err e = { 0 };

	(void)state;
	for (size_t i = 0; i < NKV(ok); i++) {
		if (sigv4_parse_header(ok[i], &a, &e) != 0)
			fail_msg("rejected form %zu: %s", i, e.msg);
		assert_string_equal(a.access_key, "AKIDEXAMPLE");
		assert_string_equal(a.date, "20150830");
		assert_string_equal(a.region, "us-east-1");
		assert_string_equal(a.service, "iam");
		assert_string_equal(a.signed_headers, "content-type;host;x-amz-date");
		assert_string_equal(
		    a.signature,
		    "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
	}
}

static void test_parse_header_errors(void **state)
{
	static const char sig[] =
	    "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
	static const char *const creds[] = {
		"AKIDEXAMPLE/20150830/us-east-1/iam",			 /* four parts */
		"AKIDEXAMPLE/20150830/us-east-1/iam/aws4_requestX",	 /* wrong terminator */
		"AKIDEXAMPLE/20150830/us-east-1/iam/extra/aws4_request", /* six parts */
		"/20150830/us-east-1/iam/aws4_request",			 /* no access key */
		"AKIDEXAMPLE/2015083/us-east-1/iam/aws4_request",	 /* short date */
		"AKIDEXAMPLE/20150830/a-region-name-that-is-far-too-long-to-be-real/iam/"
		"aws4_request",
	};
	char h[512];
	struct sigv4_auth a;
	struct err e = { 0 };
	char longsh[1200];

	(void)state;
	for (size_t i = 0; i < NKV(creds); i++) {
		str_fmt(h, sizeof(h), "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=host, %s",
			creds[i], sig);
		err_clear(&e);
		if (sigv4_parse_header(h, &a, &e) != -SW_E_IncompleteSignature)
			fail_msg("accepted credential '%s'", creds[i]);
		assert_int_equal(e.code, SW_E_IncompleteSignature);
		assert_true(e.msg[0] != '\0');
	}
	static const char *const bad[] = {
		"",
		"Bearer abc",
		"AWS4-HMAC-SHA1 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		"SignedHeaders=host, Signature=00",
		"AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA256Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request",
		"AWS4-HMAC-SHA256 Credential",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		"SignedHeaders=host", /* no signature */
		"AWS4-HMAC-SHA256 SignedHeaders=host, "
		"Signature=5d672d79c15b13162d9279b0855cfba6789a"
		"8edb4c82c400e06b5924a6f2b5d7", /* no credential */
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		"SignedHeaders=host, Signature=5d672d79", /* short signature */
		"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		"SignedHeaders=host, "
		"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924"
		"a6f2b5d7ff", /* long signature */
	};
	for (size_t i = 0; i < NKV(bad); i++) {
		err_clear(&e);
		if (sigv4_parse_header(bad[i], &a, &e) != -SW_E_IncompleteSignature)
			fail_msg("accepted header '%s'", bad[i]);
		assert_int_equal(e.code, SW_E_IncompleteSignature);
	}
	/* SignedHeaders longer than the field holds */
	memset(longsh, 'x', sizeof(longsh));
	longsh[sizeof(longsh) - 1] = '\0';
	{
		struct buf b = BUF_INIT(4096);

		buf_addf(
		    &b,
		    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
		    "SignedHeaders=%s, %s",
		    longsh, sig);
		assert_int_equal(sigv4_parse_header(buf_str(&b), &a, &e),
				 -SW_E_IncompleteSignature);
		buf_release(&b);
	}
}

static void test_parse_query_presence_and_errors(void **state)
{
	static const struct sigv4_kv none[] = { { "list-type", "2" }, { "prefix", NULL } };
	struct sigv4_kv q[] = {
		{ "X-Amz-Algorithm", "AWS4-HMAC-SHA256" },
		{ "X-Amz-Credential", "AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request" },
		{ "X-Amz-Date", "20240101T000000Z" },
		{ "X-Amz-SignedHeaders", "host%3Bx-amz-meta-a" },
		{ "X-Amz-Signature",
		  "0000000000000000000000000000000000000000000000000000000000000000" },
		{ "X-Amz-Expires", "604800" },
	};
	struct sigv4_auth a;
	struct err e = { 0 };

	(void)state;
	assert_int_equal(sigv4_parse_query(none, NKV(none), &a, &e), 1);
	assert_int_equal(sigv4_parse_query(NULL, 0, &a, &e), 1);
	assert_int_equal(sigv4_parse_query(q, NKV(q), &a, &e), 0);
	assert_string_equal(a.signed_headers, "host;x-amz-meta-a"); /* decoded */
	assert_int_equal(a.expires, 604800);
	/* without X-Amz-Expires: the maximum, seven days */
	assert_int_equal(sigv4_parse_query(q, NKV(q) - 1, &a, &e), 0);
	assert_int_equal(a.expires, 604800);

	static const char *const bad_expires[] = { "0", "604801", "-1", "1h", "" };
	for (size_t i = 0; i < NKV(bad_expires); i++) {
		q[5].value = bad_expires[i];
		if (sigv4_parse_query(q, NKV(q), &a, &e) != -SW_E_IncompleteSignature)
			fail_msg("accepted X-Amz-Expires '%s'", bad_expires[i]);
	}
	q[5].value = "1";
	assert_int_equal(sigv4_parse_query(q, NKV(q), &a, &e), 0);
	assert_int_equal(a.expires, 1);

	/* each required parameter missing in turn */
	for (size_t skip = 0; skip < 5; skip++) {
		struct sigv4_kv part[6];
		size_t n = 0;

		for (size_t i = 0; i < NKV(q); i++)
			if (i != skip)
				part[n++] = q[i];
		err_clear(&e);
		if (sigv4_parse_query(part, n, &a, &e) != -SW_E_IncompleteSignature)
			fail_msg("accepted a presigned query without %s", q[skip].name);
		assert_int_equal(e.code, SW_E_IncompleteSignature);
	}
	q[0].value = "AWS4-HMAC-SHA1";
	assert_int_equal(sigv4_parse_query(q, NKV(q), &a, &e), -SW_E_IncompleteSignature);
	q[0].value = "AWS4-HMAC-SHA256";
	q[4].value = "abc";
	assert_int_equal(sigv4_parse_query(q, NKV(q), &a, &e), -SW_E_IncompleteSignature);
	q[4].value = "0000000000000000000000000000000000000000000000000000000000000000";
	q[1].value = "AKID%2F20240101%2Fus-east-1%2Fs3";
	assert_int_equal(sigv4_parse_query(q, NKV(q), &a, &e), -SW_E_IncompleteSignature);
	q[1].value = "AKID%ZZ20240101%2Fus-east-1%2Fs3%2Faws4_request";
	assert_int_equal(sigv4_parse_query(q, NKV(q), &a, &e), -SW_E_IncompleteSignature);
	q[1].value = "AKID%2F20240101%2Fus-east-1%2Fs3%2Faws4_request";
	q[2].value = "20240101T000000Z-and-more";
	assert_int_equal(sigv4_parse_query(q, NKV(q), &a, &e), -SW_E_IncompleteSignature);
}

static void test_amz_date(void **state)
{
	static const char *const bad[] = {
		"",
		"20150830T123600",
		"20150830T123600ZZ",
		"2015-08-30T12:36:00Z",
		"20150830X123600Z",
		"20151330T123600Z",
		"20150800T123600Z",
		"20150832T123600Z",
		"20150830T243600Z",
		"20150830T126000Z",
		"2015083aT123600Z",
		"20150830T12360 Z",
	};
	time_t t = 0;
	char out[17];

	(void)state;
	assert_int_equal(sigv4_parse_amz_date(SUITE_DATE, &t), 0);
	assert_int_equal((long long)t, 1440938160LL);
	sigv4_format_amz_date(t, out);
	assert_string_equal(out, SUITE_DATE);
	sigv4_format_amz_date(0, out);
	assert_string_equal(out, "19700101T000000Z");
	for (size_t i = 0; i < NKV(bad); i++)
		if (sigv4_parse_amz_date(bad[i], &t) != -SW_E_INVALID)
			fail_msg("accepted X-Amz-Date '%s'", bad[i]);
}

static void test_uri_encode(void **state)
{
	struct buf b = BUF_INIT(1024);
	const char *all = "AZaz09-_.~ /+=&%?#\xe2\x82\xac";

	(void)state;
	assert_int_equal(uri_encode(&b, all, strlen(all), false), 0);
	assert_string_equal(buf_str(&b), "AZaz09-_.~%20%2F%2B%3D%26%25%3F%23%E2%82%AC");
	buf_reset(&b);
	assert_int_equal(uri_encode(&b, all, strlen(all), true), 0);
	assert_string_equal(buf_str(&b), "AZaz09-_.~%20/%2B%3D%26%25%3F%23%E2%82%AC");
	buf_reset(&b);
	assert_int_equal(uri_encode(&b, "a\0b", 3, false), 0); /* a length, not a C string */
	assert_string_equal(buf_str(&b), "a%00b");
	buf_reset(&b);
	assert_int_equal(uri_encode(&b, "", 0, false), 0);
	assert_int_equal(b.len, 0);
	buf_release(&b);
	/* the output's limit is honoured */
	{
		struct buf small = BUF_INIT(5);

		assert_int_equal(uri_encode(&small, "  ", 2, false), -SW_E_TOO_LARGE);
		buf_release(&small);
	}
}

static void test_uri_decode(void **state)
{
	struct buf b = BUF_INIT(1024);

	(void)state;
	assert_int_equal(uri_decode(&b, "a%20b%2fc%2F%e2%82%AC+", 22), 0);
	assert_string_equal(buf_str(&b), "a b/c/\xe2\x82\xac+"); /* '+' is not a space here */
	buf_reset(&b);
	assert_int_equal(uri_decode(&b, "%41", 3), 0);
	assert_string_equal(buf_str(&b), "A");
	buf_reset(&b);
	assert_int_equal(uri_decode(&b, "%00", 3), 0);
	assert_int_equal(b.len, 1);
	assert_int_equal(b.p[0], '\0');
	buf_reset(&b);
	/* only the first n bytes count */
	assert_int_equal(uri_decode(&b, "ab%41", 2), 0);
	assert_string_equal(buf_str(&b), "ab");
	static const char *const bad[] = { "%", "%4", "a%", "%zz", "%4g", "%g4", "100%" };
	for (size_t i = 0; i < NKV(bad); i++) {
		buf_reset(&b);
		if (uri_decode(&b, bad[i], strlen(bad[i])) != -SW_E_INVALID)
			fail_msg("uri_decode accepted '%s'", bad[i]);
	}
	/* a truncated escape at the end of a slice, even if the string continues */
	buf_reset(&b);
	assert_int_equal(uri_decode(&b, "x%41", 3), -SW_E_INVALID);
	buf_release(&b);
}

static void test_encode_decode_round_trip(void **state)
{
	struct buf enc = BUF_INIT(4096), dec = BUF_INIT(4096);
	char all[256];

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	assert_int_equal(uri_encode(&enc, all, 256, false), 0);
	assert_int_equal(uri_decode(&dec, enc.p, enc.len), 0);
	assert_int_equal(dec.len, 256);
	assert_memory_equal(dec.p, all, 256);
	buf_release(&enc);
	buf_release(&dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signing_key_from_the_iam_docs),
		cmocka_unit_test(test_suite_get_vanilla),
		cmocka_unit_test(test_suite_post_vanilla),
		cmocka_unit_test(test_suite_post_x_www_form_urlencoded),
		cmocka_unit_test(test_suite_query_order_and_empty_key),
		cmocka_unit_test(test_suite_header_value_trim),
		cmocka_unit_test(test_suite_paths_encoded_once),
		cmocka_unit_test(test_iam_list_users_example),
		cmocka_unit_test(test_sign_then_parse_round_trip),
		cmocka_unit_test(test_s3_get_object_example),
		cmocka_unit_test(test_s3_presigned_url_example),
		cmocka_unit_test(test_s3_streaming_chunk_signatures),
		cmocka_unit_test(test_non_s3_paths_are_encoded_twice),
		cmocka_unit_test(test_canonical_query_rules),
		cmocka_unit_test(test_canonical_headers_rules),
		cmocka_unit_test(test_signature_needs_every_signed_header),
		cmocka_unit_test(test_parse_header_accepts_sdk_forms),
		cmocka_unit_test(test_parse_header_errors),
		cmocka_unit_test(test_parse_query_presence_and_errors),
		cmocka_unit_test(test_amz_date),
		cmocka_unit_test(test_uri_encode),
		cmocka_unit_test(test_uri_decode),
		cmocka_unit_test(test_encode_decode_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
