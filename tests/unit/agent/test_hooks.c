/* test_hooks: the bounded tail of whole lines, and a flooding script whose output all reaches
 * the log while the tail stays under 2 KB. */
#include "agent/hooks.h"
#include "agent/layout.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void test_tail_keeps_whole_recent_lines(void **state)
{
	struct hook_tail t = { .len = 0 };
	char line[64];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof(line), "[stdout]line %d\n", i);

		hook_tail_add(&t, line, (size_t)n);
		assert_true(t.len <= HOOK_TAIL_MAX);
	}
	assert_non_null(strstr(t.text, "[stdout]line 999\n"));
	assert_null(strstr(t.text, "line 1\n"));
	assert_true(strncmp(t.text, "[stdout]line ", 13) == 0); /* starts on a whole line */
	assert_int_equal(strlen(t.text), t.len);
	{
		char big[3000];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\n';
		hook_tail_add(&t, big, sizeof(big));
		assert_int_equal(t.len, 0);
	}
}

static void test_flood_and_environment(void **state)
{
	char dir[] = "/tmp/sw-hooks-XXXXXX", script[256], logp[256], archive[256];
	struct appspec_script sc = { .location = "flood.sh", .timeout = 60 };
	struct appspec_hook hook = { .event = "AfterInstall", .scripts = &sc, .nscripts = 1 };
	struct hook_env env = { .deployment_id = "d-TEST",
				.application_name = "app",
				.deployment_group_name = "g",
				.deployment_group_id = "gid" };
	struct hook_result *res = calloc(1, sizeof(*res));
	struct stat st;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(archive, sizeof(archive), "%s", dir);
	snprintf(script, sizeof(script), "%s/flood.sh", dir);
	snprintf(logp, sizeof(logp), "%s/logs/scripts.log", dir);
	fp = fopen(script, "w");
	fputs(
	    "#!/bin/sh\nyes 'a fairly long line of output from a chatty script' | head -n 200000\n"
	    "echo \"env:$LIFECYCLE_EVENT:$DEPLOYMENT_ID:$DEPLOYMENT_GROUP_ID\"\nexit 2\n",
	    fp);
	fclose(fp);
	chmod(script, 0644); /* not executable: the runner makes it so */
	assert_int_equal(hook_run_event("AfterInstall", &hook, archive, &env, logp, NULL, res), -1);
	assert_int_equal(res->code, HOOK_SCRIPT_FAILED);
	assert_string_equal(res->message,
			    "Script at specified location: flood.sh failed with exit code 2");
	assert_true(res->tail.len <= HOOK_TAIL_MAX);
	assert_non_null(strstr(res->tail.text, "[stdout]env:AfterInstall:d-TEST:gid\n"));
	assert_int_equal(stat(logp, &st), 0);
	assert_true(st.st_size > 200000 * 50); /* every line reached the log file */
	assert_int_equal(stat(script, &st), 0);
	assert_true(st.st_mode & 0100);
	free(res);
	layout_rm_rf(dir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_keeps_whole_recent_lines),
		cmocka_unit_test(test_flood_and_environment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
