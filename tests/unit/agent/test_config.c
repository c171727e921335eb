/* test_config: the agent's configuration file — defaults, symbol-style keys, and refusal of
 * incomplete or invalid files with every missing key named (and of out-of-range values). */
#include "agent/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/sw-config-XXXXXX";
static char cfg_path[256], crt_path[256];

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cfg_path, sizeof(cfg_path), "%s/agent.yml", dir);
	snprintf(crt_path, sizeof(crt_path), "%s/server.crt", dir);
	write_file(crt_path, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(cfg_path);
	unlink(crt_path);
	rmdir(dir);
	return 0;
}

static int load(const char *text, struct agent_config *c, struct err *e)
{
	char body[2048];

	snprintf(body, sizeof(body), text, crt_path);
	write_file(cfg_path, body);
	err_clear(e);
	return config_load(cfg_path, c, e);
}

static void test_good_config_and_defaults(void **state)
{
	struct agent_config c;
	struct err e;

	(void)state;
	assert_int_equal(load("---\n:aws_access_key_id: AKID\n:aws_secret_access_key: SECRET\n"
			      "iam_user_arn: arn:aws:iam::1:user/h\nregion: eu-west-1\n"
			      "endpoint: https://slipway.example:8790/\nca_file: %s\n"
			      "unknown_setting: ignored\n",
			      &c, &e),
			 0);
	assert_string_equal(c.access_key, "AKID");
	assert_string_equal(c.host_identifier, "arn:aws:iam::1:user/h");
	assert_string_equal(c.endpoint, "https://slipway.example:8790");
	assert_string_equal(c.root_dir, "/opt/codedeploy-agent/deployment-root");
	assert_int_equal(c.max_revisions, 5);
	assert_int_equal(c.http_read_timeout, 80);
	assert_int_equal(c.max_script_log_bytes, 1 << 20);
	assert_non_null(strstr(c.ca_pem, "BEGIN CERTIFICATE"));
	config_release(&c);
}

static void test_refusals(void **state)
{
	struct agent_config c;
	struct err e;
	char want[512];

	(void)state;
	assert_int_equal(load("region: us-east-1\nca_file: %s\n", &c, &e), -SW_E_INVALID);
	snprintf(want, sizeof(want),
		 "configuration file '%s' is incomplete: missing 'aws_access_key_id', "
		 "'aws_secret_access_key', 'iam_user_arn', 'endpoint'",
		 cfg_path);
	assert_string_equal(err_message(&e), want);
	config_release(&c);
	assert_int_equal(load("- a\n", &c, &e), -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "must be a mapping"));
	config_release(&c);
	assert_int_equal(load("aws_access_key_id: A\naws_secret_access_key: S\niam_user_arn: x\n"
			      "region: r\nendpoint: http://h\nca_file: %s\nmax_revisions: many\n",
			      &c, &e),
			 -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "'max_revisions' must be an integer from 1"));
	config_release(&c);
	assert_int_equal(load("aws_access_key_id: A\naws_secret_access_key: S\niam_user_arn: x\n"
			      "region: r\nendpoint: http://h\nca_file: %s\n"
			      ":max_script_log_bytes: 100\n",
			      &c, &e),
			 -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "'max_script_log_bytes' must be an integer from "
						"1024 to 1073741824 (got '100')"));
	config_release(&c);
	assert_int_equal(load("aws_access_key_id: A\naws_secret_access_key: S\niam_user_arn: x\n"
			      "region: r\nendpoint: http://h\nca_file: %s\n"
			      "max_script_log_bytes: 65536\n",
			      &c, &e),
			 0);
	assert_int_equal(c.max_script_log_bytes, 65536);
	config_release(&c);
	unlink(cfg_path);
	assert_int_equal(config_load(cfg_path, &c, &e), -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "cannot be read"));
	config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_config_and_defaults),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
