/* test_host: how a Host header addresses S3 (s3_addressing) — path-style for addresses and the
 * S3 domains themselves, virtual-hosted for <bucket>.<domain>, refused for any other name — and
 * the validation of --s3-domain names. */
#include "server/slipwayd.h"
#include "services/s3/s3.h"
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static struct slipwayd_config cfg;

static int setup(void **state)
{
	struct err e = { 0 };

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	assert_int_equal(slipwayd_s3_domain_add(&cfg, "localhost", &e), 0);
	assert_int_equal(slipwayd_s3_domain_add(&cfg, "S3.Example.Test.", &e), 0);
	assert_int_equal(slipwayd_s3_domain_add(&cfg, "s3.example.test", &e), 0); /* once */
	return 0;
}

static enum s3_addressing addr(const char *host, char *bucket)
{
	return s3_addressing(&cfg, host, bucket, 64);
}

static void test_path_style(void **state)
{
	char b[64] = "x";

	(void)state;
	assert_int_equal(addr(NULL, b), S3_PATH_STYLE);
	assert_string_equal(b, "");
	assert_int_equal(addr("", b), S3_PATH_STYLE);
	assert_int_equal(addr("127.0.0.1:8790", b), S3_PATH_STYLE);
	assert_int_equal(addr("127.0.0.1", b), S3_PATH_STYLE);
	assert_int_equal(addr("[::1]:8790", b), S3_PATH_STYLE);
	assert_int_equal(addr("localhost:8790", b), S3_PATH_STYLE);
	assert_int_equal(addr("LocalHost", b), S3_PATH_STYLE);
	assert_int_equal(addr("localhost.", b), S3_PATH_STYLE);
	assert_int_equal(addr("s3.example.test:443", b), S3_PATH_STYLE);
	assert_string_equal(b, "");
}

static void test_virtual_hosted(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(addr("bucket.localhost:8790", b), S3_VIRTUAL_HOSTED);
	assert_string_equal(b, "bucket");
	assert_int_equal(addr("My.Bucket.LOCALHOST", b), S3_VIRTUAL_HOSTED);
	assert_string_equal(b, "my.bucket");
	/* the longest domain wins */
	assert_int_equal(addr("rev.s3.example.test", b), S3_VIRTUAL_HOSTED);
	assert_string_equal(b, "rev");
	assert_int_equal(addr("victim.localhost.", b), S3_VIRTUAL_HOSTED);
	assert_string_equal(b, "victim");
	/* too long for a bucket name: no bucket, the caller refuses it */
	assert_int_equal(addr("a234567890123456789012345678901234567890123456789012345678901234"
			      ".localhost",
			      b),
			 S3_VIRTUAL_HOSTED);
	assert_string_equal(b, "");
	assert_int_equal(s3_addressing(&cfg, "k.localhost", NULL, 0), S3_VIRTUAL_HOSTED);
}

static void test_unknown_hosts_are_not_guessed(void **state)
{
	char b[64];

	(void)state;
	assert_int_equal(addr("bucket.example.test", b), S3_UNKNOWN_HOST);
	assert_int_equal(addr("example.test", b), S3_UNKNOWN_HOST);
	assert_int_equal(addr("myhost:8790", b), S3_UNKNOWN_HOST);
	assert_int_equal(addr("xlocalhost", b), S3_UNKNOWN_HOST);
	assert_int_equal(addr(".localhost", b), S3_UNKNOWN_HOST);
	assert_int_equal(addr("a:b:c", b), S3_UNKNOWN_HOST);
	assert_int_equal(addr(":8790", b), S3_UNKNOWN_HOST);
	assert_string_equal(b, "");
}

static void test_domain_names(void **state)
{
	struct slipwayd_config c;
	struct err e = { 0 };

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(slipwayd_s3_domain_add(&c, "bad_name", &e), -SW_E_INVALID);
	assert_int_equal(slipwayd_s3_domain_add(&c, "127.0.0.1", &e), -SW_E_INVALID);
	assert_int_equal(slipwayd_s3_domain_add(&c, "host:8790", &e), -SW_E_INVALID);
	assert_int_equal(slipwayd_s3_domain_add(&c, "a..b", &e), -SW_E_INVALID);
	assert_int_equal(slipwayd_s3_domain_add(&c, "", &e), -SW_E_INVALID);
	assert_int_equal(c.ns3_domains, 0);
	for (int i = 0; i < SLIPWAYD_S3_DOMAINS_MAX; i++) {
		char name[16];

		assert_int_equal(str_fmt(name, sizeof(name), "s%d.test", i), 0);
		assert_int_equal(slipwayd_s3_domain_add(&c, name, &e), 0);
	}
	assert_int_equal(slipwayd_s3_domain_add(&c, "one.more", &e), -SW_E_INVALID);
	assert_string_equal(c.s3_domains[0], "s0.test");
	slipwayd_s3_domains_default(&c); /* full: nothing added, nothing broken */
	assert_int_equal(c.ns3_domains, SLIPWAYD_S3_DOMAINS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_style),
		cmocka_unit_test(test_virtual_hosted),
		cmocka_unit_test(test_unknown_hosts_are_not_guessed),
		cmocka_unit_test(test_domain_names),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
