/* helper: posix_spawn of a helper next to the agent, its stdin fed and its stdout collected
 * under one poll() loop, and wait4() for its exit status and peak RSS. */
#include "helper.h"
#include "base/log.h"
#include "base/str.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define HELPER_VERIFY_TIMEOUT_MS 60000

/* The path of helper name: the running executable's directory + name.  -SW_E_IO when the
 * executable's path cannot be read, -SW_E_TRUNCATED when it is too long. */
static int helper_path(const char *name, char *out, size_t size, struct err *e)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0)
		return err_set(e, SW_E_IO, "cannot find the agent's own executable: %s",
			       strerror(errno));
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return err_set(e, SW_E_IO, "cannot find the agent's own directory");
	*slash = '\0';
	if (str_fmt(out, size, "%s/%s", self, name))
		return err_set(e, SW_E_TRUNCATED, "the path of %s is too long", name);
	return 0;
}

static int64_t helper__now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int helper__spawn(const char *path, const char *const *argv, int in_fd, int out_fd,
			 pid_t *pid)
{
	static const int defaults[] = { SIGPIPE, SIGTERM, SIGINT,  SIGHUP,
					SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int rc;

	sigemptyset(&none);
	sigemptyset(&def);
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		sigaddset(&def, defaults[i]);
	if ((rc = posix_spawn_file_actions_init(&fa)))
		return rc;
	if ((rc = posix_spawnattr_init(&at))) {
		posix_spawn_file_actions_destroy(&fa);
		return rc;
	}
	/* dup2 clears close-on-exec on 0 and 1; every other descriptor of ours has it set. */
	rc = posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
	if (!rc)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	if (!rc)
		rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |
						       POSIX_SPAWN_SETPGROUP);
	if (!rc)
		rc = posix_spawnattr_setsigdefault(&at, &def);
	if (!rc)
		rc = posix_spawnattr_setsigmask(&at, &none);
	if (!rc)
		rc = posix_spawnattr_setpgroup(&at, 0);
	if (!rc)
		rc = posix_spawn(pid, path, &fa, &at, (char *const *)argv, environ);
	posix_spawnattr_destroy(&at);
	posix_spawn_file_actions_destroy(&fa);
	return rc;
}

/* Feeds input and collects the output until the helper closes its stdout (or fails). */
static int helper__talk(const char *name, pid_t pid, int *in_fd, int *out_fd, const char *input,
			size_t input_len, int timeout_ms, struct buf *out, struct err *e)
{
	int64_t deadline = timeout_ms > 0 ? helper__now_ms() + timeout_ms : 0;
	size_t off = 0;

	fcntl(*in_fd, F_SETFL, O_NONBLOCK);
	fcntl(*out_fd, F_SETFL, O_NONBLOCK);
	if (!input_len) {
		close(*in_fd);
		*in_fd = -1;
	}
	while (*out_fd >= 0) {
		struct pollfd p[2] = { { *out_fd, POLLIN, 0 }, { *in_fd, POLLOUT, 0 } };
		int ms = -1, r;

		if (deadline) {
			int64_t left = deadline - helper__now_ms();

			if (left <= 0) {
				kill(-pid, SIGKILL);
				return err_set(e, SW_E_INTERNAL, "%s took longer than %d s", name,
					       timeout_ms / 1000);
			}
			ms = (int)left;
		}
		r = poll(p, *in_fd >= 0 ? 2 : 1, ms);
		if (r < 0 && errno != EINTR)
			return err_set(e, SW_E_INTERNAL, "poll: %s", strerror(errno));
		if (r <= 0)
			continue;
		if (*in_fd >= 0 && p[1].revents) {
			ssize_t w = write(*in_fd, input + off, input_len - off);

			if (w > 0)
				off += (size_t)w;
			if (off == input_len || (w < 0 && errno != EAGAIN && errno != EINTR)) {
				close(*in_fd); /* EOF for the helper (or it stopped reading) */
				*in_fd = -1;
			}
		}
		if (p[0].revents) {
			char chunk[8192];
			ssize_t n = read(*out_fd, chunk, sizeof(chunk));

			if (n > 0 && buf_add(out, chunk, (size_t)n)) {
				kill(-pid, SIGKILL);
				return err_set(e, SW_E_TOO_LARGE, "%s wrote more than %zu bytes",
					       name, out->max);
			}
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(*out_fd);
				*out_fd = -1;
			}
		}
	}
	return 0;
}

/*
 * Runs helper name with args (NULL-terminated, at most HELPER_MAX_ARGS; argv[0] is added) in a
 * process group of its own with default signal handling, input (input_len bytes, may be 0) on
 * its standard input and its standard output appended to out (whose max bounds it); its
 * standard error is the agent's (the log).  timeout_ms > 0 kills it after that long.  Returns 0
 * when it exits with status 0.  When it exits with another status its output is its error, one
 * line: -SW_E_INVALID with that text.  -SW_E_IO when it cannot be started, -SW_E_INTERNAL when it
 * dies of a signal or times out, -SW_E_TOO_LARGE when its output exceeds out's max.  When
 * peak_kib is not NULL it receives the helper's peak resident size in KiB (0 if unknown).
 */
static int helper_run(const char *name, const char *const *args, const void *input,
		      size_t input_len, int timeout_ms, struct buf *out, long *peak_kib,
		      struct err *e)
{
	const char *argv[HELPER_MAX_ARGS + 2];
	char path[PATH_MAX];
	int in[2] = { -1, -1 }, outp[2] = { -1, -1 }, status = 0, r, rc;
	struct rusage ru;
	size_t n = 0;
	pid_t pid;

	if (peak_kib)
		*peak_kib = 0;
	r = helper_path(name, path, sizeof(path), e);
	if (r)
		return r;
	argv[n++] = path;
	for (; args && args[n - 1]; n++) {
		if (n > HELPER_MAX_ARGS)
			return err_set(e, SW_E_INTERNAL, "too many arguments for %s", name);
		argv[n] = args[n - 1];
	}
	argv[n] = NULL;
	if (pipe2(in, O_CLOEXEC) || pipe2(outp, O_CLOEXEC)) {
		r = err_set(e, SW_E_IO, "cannot run %s: pipe: %s", name, strerror(errno));
		goto out;
	}
	rc = helper__spawn(path, argv, in[0], outp[1], &pid);
	close(in[0]);
	close(outp[1]);
	in[0] = outp[1] = -1;
	if (rc) {
		r = err_set(e, SW_E_IO, "cannot run %s: %s", path, strerror(rc));
		goto out;
	}
	r = helper__talk(name, pid, &in[1], &outp[0], input, input_len, timeout_ms, out, e);
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			if (!r)
				r = err_set(e, SW_E_INTERNAL, "cannot wait for %s: %s", name,
					    strerror(errno));
			goto out;
		}
	}
	if (peak_kib)
		*peak_kib = ru.ru_maxrss;
	if (r)
		goto out;
	if (WIFSIGNALED(status)) {
		r = err_set(e, SW_E_INTERNAL, "%s died of signal %d", name, WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0) {
		while (out->len && (out->p[out->len - 1] == '\n' || out->p[out->len - 1] == '\r'))
			out->p[--out->len] = '\0';
		r = out->len ? err_set(e, SW_E_INVALID, "%s", out->p)
			     : err_set(e, SW_E_INVALID, "%s failed with status %d", name,
				       WEXITSTATUS(status));
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (outp[i] >= 0)
			close(outp[i]);
	}
	return r;
}

int helper_unpack(const char *path, const char *type, const char *dest, struct err *e)
{
	const char *args[] = { path, dest, type ? type : "", NULL };
	struct buf out = BUF_INIT(4096);
	int64_t start = helper__now_ms();
	long peak = 0;
	int r = helper_run(HELPER_UNPACK, args, NULL, 0, 0, &out, &peak, e);

	/* bench/agent.sh reads the peak from this line. */
	log_info("agent", "unpack %s in %.1f s; unpack helper peak RSS %ld KiB",
		 r ? "failed" : "done", (double)(helper__now_ms() - start) / 1000, peak);
	buf_release(&out);
	return r;
}

/* The last envelope verified, and what it held: the agent fetches the same signed
 * specification for every lifecycle event of a deployment, and starting the verifier (loading
 * OpenSSL) costs ~3 ms each time; byte-identical input gives the identical answer. */
static struct {
	char *cert_file;
	char *format;
	char *payload;
	struct buf content;
} helper__verified = { .content = BUF_INIT(1u << 20) };

static void helper__verified_forget(void)
{
	free(helper__verified.cert_file);
	free(helper__verified.format);
	free(helper__verified.payload);
	helper__verified.cert_file = helper__verified.format = helper__verified.payload = NULL;
	buf_release(&helper__verified.content);
}

int helper_open_envelope(const char *cert_file, const char *format, const char *payload,
			 struct buf *out, struct err *e)
{
	const char *args[] = { cert_file, format, NULL };
	size_t before = out->len;
	int r;

	if (!format || !payload)
		return err_set(e, SW_E_INVALID, "deployment specification envelope is incomplete");
	if (helper__verified.payload && strcmp(helper__verified.payload, payload) == 0 &&
	    strcmp(helper__verified.format, format) == 0 &&
	    strcmp(helper__verified.cert_file, cert_file) == 0) {
		r = buf_add(out, buf_str(&helper__verified.content), helper__verified.content.len);
		return r ? err_set(e, r, NULL) : 0;
	}
	helper__verified_forget();
	r = helper_run(HELPER_VERIFY, args, payload, strlen(payload), HELPER_VERIFY_TIMEOUT_MS, out,
		       NULL, e);
	if (r)
		return r;
	helper__verified.cert_file = str_dup(cert_file);
	helper__verified.format = str_dup(format);
	helper__verified.payload = str_dup(payload);
	if (!helper__verified.cert_file || !helper__verified.format || !helper__verified.payload ||
	    buf_add(&helper__verified.content, buf_str(out) + before, out->len - before))
		helper__verified_forget();
	return 0;
}
