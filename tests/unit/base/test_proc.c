/* test_proc: running a program under one deadline — exit status, a timeout that kills the
 * whole group, a daemon child holding the pipes, the line bound, stdin from /dev/null. */
#include "base/proc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What on_line saw. */
struct seen {
	char out[131072];
	size_t out_len;
	char err[4096];
	size_t err_len;
	size_t lines, longest;
};

static void on_line(void *ctx, enum proc_stream stream, const char *line, size_t len)
{
	struct seen *s = ctx;
	char *to = stream == PROC_STDOUT ? s->out : s->err;
	size_t *n = stream == PROC_STDOUT ? &s->out_len : &s->err_len;
	size_t size = stream == PROC_STDOUT ? sizeof(s->out) : sizeof(s->err);

	s->lines++;
	if (len > s->longest)
		s->longest = len;
	if (*n + len < size) {
		memcpy(to + *n, line, len);
		*n += len;
		to[*n] = '\0';
	}
}

static int run_sh(const char *script, int64_t timeout_ms, bool no_kill, struct seen *s,
		  struct proc_result *res)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	struct proc_spec spec = { .argv = argv,
				  .timeout_ms = timeout_ms,
				  .term_wait_ms = 300,
				  .no_kill = no_kill,
				  .on_line = on_line,
				  .ctx = s };
	struct err e = { 0 };

	memset(s, 0, sizeof(*s));
	return proc_run(&spec, res, &e);
}

/* True once pid is gone or a zombie (a killed orphan waits for init to reap it). */
static bool dead(pid_t pid)
{
	for (int i = 0; i < 100; i++) {
		char path[64], stat[256] = "";
		FILE *fp;
		char *rp;

		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
		fp = fopen(path, "r");
		if (!fp)
			return true;
		if (!fgets(stat, sizeof(stat), fp))
			stat[0] = '\0';
		fclose(fp);
		rp = strrchr(stat, ')');
		if (rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X'))
			return true;
		usleep(20000);
	}
	return false;
}

static void test_exit_status_and_output(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct proc_result res;

	(void)state;
	assert_int_equal(
	    run_sh("echo one; echo two >&2; printf 'three'; exit 3", 5000, false, s, &res), 0);
	assert_int_equal(res.outcome, PROC_EXITED);
	assert_true(WIFEXITED(res.status));
	assert_int_equal(WEXITSTATUS(res.status), 3);
	assert_string_equal(s->out, "one\nthree"); /* the unterminated last line arrives too */
	assert_string_equal(s->err, "two\n");
	assert_int_equal(run_sh("kill -9 $$", 5000, false, s, &res), 0);
	assert_int_equal(res.outcome, PROC_EXITED);
	assert_true(WIFSIGNALED(res.status));
	assert_int_equal(WTERMSIG(res.status), SIGKILL);
	{
		char *argv[] = { "/nonexistent/program", NULL };
		struct proc_spec spec = {
			.argv = argv, .timeout_ms = 5000, .on_line = on_line, .ctx = s
		};
		struct err e = { 0 };

		memset(s, 0, sizeof(*s));
		assert_int_equal(proc_run(&spec, &res, &e), 0);
		assert_int_equal(res.outcome, PROC_EXITED);
		assert_int_equal(WEXITSTATUS(res.status), 127);
		assert_non_null(strstr(s->err, "cannot execute /nonexistent/program: "));
	}
	free(s);
}

/* The program and a grandchild that ignores SIGTERM both die at the deadline. */
static void test_timeout_kills_the_group(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct proc_result res;
	int64_t child = 0;

	(void)state;
	assert_int_equal(run_sh("/bin/sh -c \"trap '' TERM; echo \\$\\$; exec sleep 30\" & "
				"sleep 30",
				500, false, s, &res),
			 0);
	assert_int_equal(res.outcome, PROC_TIMED_OUT);
	assert_true(WIFSIGNALED(res.status)); /* reaped */
	assert_true(s->out_len > 0);
	child = strtoll(s->out, NULL, 10);
	assert_true(child > 1);
	assert_true(dead((pid_t)child));
	free(s);
}

/* With no_kill (hooks, as AWS) the group gets SIGTERM only: the program dies of it. */
static void test_timeout_term_only(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct proc_result res;

	(void)state;
	assert_int_equal(run_sh("sleep 30", 300, true, s, &res), 0);
	assert_int_equal(res.outcome, PROC_TIMED_OUT);
	assert_true(WIFSIGNALED(res.status));
	assert_int_equal(WTERMSIG(res.status), SIGTERM);
	free(s);
}

/* The program exits at once; its background child keeps stdout open past the deadline. */
static void test_daemon_child_holds_the_pipes(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct proc_result res;

	(void)state;
	assert_int_equal(run_sh("sleep 30 2>/dev/null & echo started; exit 0", 500, false, s, &res),
			 0);
	assert_int_equal(res.outcome, PROC_LEFT_OPEN);
	assert_int_equal(res.left_open, PROC_STDOUT);
	assert_true(WIFEXITED(res.status));
	assert_int_equal(WEXITSTATUS(res.status), 0);
	assert_string_equal(s->out, "started\n");
	kill(-res.pid, SIGKILL); /* proc_run leaves the daemon alone: the caller decides */
	free(s);
}

/* A 100 000-byte line arrives in pieces of at most PROC_LINE_MAX, every byte of it. */
static void test_output_bound(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct proc_result res;

	(void)state;
	assert_int_equal(
	    run_sh("head -c 100000 /dev/zero | tr '\\0' x; echo", 5000, false, s, &res), 0);
	assert_int_equal(res.outcome, PROC_EXITED);
	assert_int_equal(WEXITSTATUS(res.status), 0);
	assert_int_equal(s->longest, PROC_LINE_MAX);
	assert_int_equal(s->out_len, 100001);
	assert_int_equal(s->lines, (100001 + PROC_LINE_MAX - 1) / PROC_LINE_MAX);
	assert_int_equal(s->out[s->out_len - 1], '\n');
	free(s);
}

/* stdin is /dev/null: a program reading it sees end of file at once, never the test's input. */
static void test_stdin_is_closed(void **state)
{
	struct seen *s = calloc(1, sizeof(*s));
	struct proc_result res;

	(void)state;
	assert_int_equal(run_sh("cat; read x; echo \"read=$?\"", 5000, false, s, &res), 0);
	assert_int_equal(res.outcome, PROC_EXITED);
	assert_int_equal(WEXITSTATUS(res.status), 0);
	assert_string_equal(s->out, "read=1\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status_and_output),
		cmocka_unit_test(test_timeout_kills_the_group),
		cmocka_unit_test(test_timeout_term_only),
		cmocka_unit_test(test_daemon_child_holds_the_pipes),
		cmocka_unit_test(test_output_bound),
		cmocka_unit_test(test_stdin_is_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
