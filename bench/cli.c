/* bench/cli: the `slipway` client's figures — start-up time (`slipway --version`, the median of
 * many runs, beside /bin/true for the cost of a bare fork and exec) and the time to list every
 * deployment page by page (`slipway deploy list … --output text`, the median of a few runs, with
 * the rows and requests counted).  It prints figures only; targets are for people to compare.
 * bench/cli.sh seeds a store and runs it against a private slipwayd. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t bench__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bench__cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Runs argv once with stdout (and stderr, when count_err) read through pipes; returns the
 * wall time in ns, or -1.  lines/err_lines (optional) count the newlines of each. */
static int64_t bench__run(char *const argv[], long *lines, long *err_lines)
{
	posix_spawn_file_actions_t fa;
	int out[2], err[2], status;
	char buf[65536];
	pid_t pid;
	int64_t t0;
	ssize_t n;

	if (pipe(out) != 0 || pipe(err) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	posix_spawn_file_actions_addclose(&fa, err[0]);
	t0 = bench__now_ns();
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(err[1]);
	if (lines)
		*lines = 0;
	if (err_lines)
		*err_lines = 0;
	while ((n = read(out[0], buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; lines && i < n; i++)
			*lines += buf[i] == '\n';
	while ((n = read(err[0], buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; err_lines && i < n; i++)
			*err_lines += buf[i] == '\n';
	close(out[0]);
	close(err[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: %s exited abnormally (status %d)\n", argv[0], status);
		return -1;
	}
	return bench__now_ns() - t0;
}

/* Runs argv `runs` times; prints min / median / p90 in ms under label. */
static int bench__series(const char *label, char *const argv[], int runs, long *lines)
{
	int64_t *t = calloc((size_t)runs, sizeof(*t));

	if (!t)
		return -1;
	for (int i = 0; i < runs; i++) {
		t[i] = bench__run(argv, lines, NULL);
		if (t[i] < 0) {
			free(t);
			return -1;
		}
	}
	qsort(t, (size_t)runs, sizeof(*t), bench__cmp);
	printf("%-44s median %8.2f ms   min %8.2f ms   p90 %8.2f ms   (%d runs)\n", label,
	       (double)t[runs / 2] / 1e6, (double)t[0] / 1e6, (double)t[runs * 9 / 10] / 1e6, runs);
	free(t);
	return 0;
}

static void bench__usage(FILE *fp)
{
	fprintf(fp,
		"usage: cli --slipway PATH [--startup-runs N] [--list-runs N] [--app APP "
		"--group GROUP]\n"
		"Prints slipway's start-up time and, with the endpoint and credentials in the "
		"environment\n(SLIPWAY_ENDPOINT, AWS_SHARED_CREDENTIALS_FILE, ...), the time to "
		"list every deployment.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "slipway", required_argument, NULL, 's' },
		{ "startup-runs", required_argument, NULL, 'n' },
		{ "list-runs", required_argument, NULL, 'l' },
		{ "app", required_argument, NULL, 'a' },
		{ "group", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *cli = NULL, *app = NULL, *group = NULL;
	long startup_runs = 300, list_runs = 5, rows = 0, requests = 0;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 's':
			cli = optarg;
			break;
		case 'n':
		case 'l':
			errno = 0;
			*(c == 'n' ? &startup_runs : &list_runs) = strtol(optarg, &end, 10);
			if (errno || *end || (c == 'n' ? startup_runs : list_runs) < 0) {
				bench__usage(stderr);
				return 2;
			}
			break;
		case 'a':
			app = optarg;
			break;
		case 'g':
			group = optarg;
			break;
		case 'h':
			bench__usage(stdout);
			return 0;
		default:
			bench__usage(stderr);
			return 2;
		}
	}
	if (!cli) {
		bench__usage(stderr);
		return 2;
	}
	if (startup_runs > 0) {
		char *truth[] = { "/bin/true", NULL };
		char *version[] = { cli, "--version", NULL };

		if (bench__series("fork+exec of /bin/true (baseline)", truth, (int)startup_runs,
				  NULL) ||
		    bench__series("slipway --version (start-up)", version, (int)startup_runs, NULL))
			return 1;
	}
	if (list_runs > 0) {
		char *all[] = { cli, "deploy", "list", "--output", "text", NULL };
		char *one[] = { cli,	   "deploy", "list",	 "--app", app,
				"--group", group,    "--output", "text",  NULL };
		char *debug[] = { cli, "deploy", "list", "--output", "text", "--debug", NULL };
		char label[160];

		if (bench__run(debug, &rows, &requests) < 0)
			return 1;
		printf(
		    "deploy list: %ld deployments in %ld requests (ListDeployments pages of 100, "
		    "BatchGetDeployments of 25)\n",
		    rows, requests);
		if (bench__series("slipway deploy list (every deployment)", all, (int)list_runs,
				  &rows))
			return 1;
		if (app && group) {
			snprintf(label, sizeof(label), "slipway deploy list --app %s --group %s",
				 app, group);
			if (bench__series(label, one, (int)list_runs, &rows))
				return 1;
		}
	}
	return 0;
}
