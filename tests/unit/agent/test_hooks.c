/* test_hooks: the bounded tail of whole lines, a flooding script whose output all reaches the
 * log (under the cap) while the tail stays under 2 KB, and the per-script cap on both logs. */
#include "agent/hooks.h"
#include "agent/layout.h"
#include "base/fs.h"
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	assert_int_equal(
	    hook_run_event("AfterInstall", &hook, archive, &env, logp, NULL, 64 << 20, res), -1);
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
	fs_rm_rf(dir, NULL);
}

static size_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (size_t)st.st_size;
}

static char *read_all(const char *path)
{
	size_t n = file_size(path);
	char *text = malloc(n + 1);
	FILE *fp = fopen(path, "r");

	assert_non_null(text);
	assert_non_null(fp);
	assert_int_equal(fread(text, 1, n, fp), n);
	fclose(fp);
	text[n] = '\0';
	return text;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* A script printing 20 MB: each log keeps at most the cap of it plus one note, the script runs
 * to its end (its output is drained: it never blocks on a full pipe), the tail ends with its
 * last line, and the next script of the event has a cap of its own. */
static void test_output_cap_per_script_run(void **state)
{
	enum { CAP = 64 << 10, SLACK = 1024 };
	char dir[] = "/tmp/sw-hooks-XXXXXX", path[256], logp[256], dlogp[256], done[256];
	struct appspec_script sc[2] = { { .location = "flood.sh", .timeout = 120 },
					{ .location = "after.sh", .timeout = 60 } };
	struct appspec_hook hook = { .event = "ApplicationStart", .scripts = sc, .nscripts = 2 };
	struct hook_env env = { .deployment_id = "d-CAPPED" };
	struct hook_result *res = calloc(1, sizeof(*res));
	const char *note = "[slipway-agent] output truncated after 65536 bytes "
			   "(max_script_log_bytes); the script went on running\n";
	char *log, *dlog;
	FILE *fp;

	(void)state;
	assert_non_null(res);
	assert_non_null(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/logs/scripts.log", dir);
	snprintf(dlogp, sizeof(dlogp), "%s/deployment-logs/deployments.log", dir);
	snprintf(done, sizeof(done), "%s/flood-finished", dir);
	snprintf(path, sizeof(path), "%s/flood.sh", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp,
		"#!/bin/sh\n"
		"yes 'first lines of a very chatty script, forty-nine' | head -n 400000\n"
		"echo 'some of it on stderr' >&2\n"
		"touch %s\n"
		"echo 'the very last line'\n",
		done);
	fclose(fp);
	chmod(path, 0755);
	snprintf(path, sizeof(path), "%s/after.sh", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("#!/bin/sh\necho 'the second script is logged again'\n", fp);
	fclose(fp);
	chmod(path, 0755);

	assert_int_equal(
	    hook_run_event("ApplicationStart", &hook, dir, &env, logp, dlogp, CAP, res), 0);
	assert_int_equal(access(done, F_OK), 0); /* the flood ran to its end */
	/* two script runs: each at most CAP of output, plus the event, script and note lines */
	assert_true(file_size(logp) <= 2 * CAP + SLACK);
	assert_true(file_size(dlogp) <= 2 * CAP + SLACK);
	log = read_all(logp);
	dlog = read_all(dlogp);
	assert_int_equal(count(log, note), 1);
	assert_int_equal(count(dlog, note), 1);
	assert_non_null(strstr(log, "[stdout]first lines of a very chatty script, forty-nine\n"));
	assert_null(strstr(log, "the very last line"));
	assert_null(strstr(log, "some of it on stderr"));
	assert_non_null(strstr(log, "Script - after.sh\n"));
	assert_non_null(strstr(log, "[stdout]the second script is logged again\n"));
	assert_non_null(strstr(dlog, "[d-CAPPED][stdout]the second script is logged again\n"));
	/* the first script's output stops right where its note is */
	assert_true(strstr(log, note) < strstr(log, "Script - after.sh"));
	/* the tail is the end of the output, not its start */
	assert_true(res->tail.len <= HOOK_TAIL_MAX);
	assert_non_null(strstr(res->tail.text, "[stdout]the very last line\n"));
	assert_true(str_ends(res->tail.text, "Script - after.sh\n[stdout]the second script is "
					     "logged again\n"));
	assert_true(res->tail.len > 1000);
	free(log);
	free(dlog);
	free(res);
	fs_rm_rf(dir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_keeps_whole_recent_lines),
		cmocka_unit_test(test_flood_and_environment),
		cmocka_unit_test(test_output_cap_per_script_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
