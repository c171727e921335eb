/* hooks: fork/exec of hook scripts with one deadline, line-by-line logging and a bounded tail. */
#include "hooks.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "layout.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/banned.h" /* last: it redefines libc names */

extern char **environ;

#define HOOK_LINE_MAX 16384 /* a longer line is cut into pieces of this size */

void hook_tail_add(struct hook_tail *t, const char *entry, size_t len)
{
	if (len > HOOK_TAIL_MAX) {
		/* It could never fit: the AWS agent's tail ends up empty, so does ours. */
		t->len = 0;
		t->text[0] = '\0';
		return;
	}
	while (t->len + len > HOOK_TAIL_MAX) {
		char *nl = memchr(t->text, '\n', t->len);
		size_t drop = nl ? (size_t)(nl - t->text) + 1 : t->len;

		memmove(t->text, t->text + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->text + t->len, entry, len);
	t->len += len;
	t->text[t->len] = '\0';
}

/* One log file and how much of the running script's output it took. */
struct hook__file {
	int fd;
	size_t used; /* bytes of this script run's output written, timestamps included */
	bool full;   /* the note is written: the rest of this run's output is not */
};

/* Where one event's output goes.  Each script run may write at most max_bytes of its output
 * to each file; all of it reaches the tail. */
struct hook__sink {
	struct hook__file log;
	struct hook__file dlog;
	const char *deployment_id;
	struct hook_tail *tail;
	size_t max_bytes;
	bool noted; /* the note went to the tail during this script run */
	char note[160];
	size_t note_len;
};

static void hook__write_all(int fd, const char *p, size_t n)
{
	while (fd >= 0 && n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* Writes stamp + line to f.  For script output (output true) the entry that would take f past
 * max bytes is replaced by the sink's note, and the ones after it are dropped.  Returns true
 * when it wrote the note. */
static bool hook__put(struct hook__sink *s, struct hook__file *f, const char *stamp, size_t slen,
		      const char *line, size_t len, bool output)
{
	if (f->fd < 0 || (output && f->full))
		return false;
	if (output && f->used + slen + len > s->max_bytes) {
		f->full = true;
		hook__write_all(f->fd, stamp, slen);
		hook__write_all(f->fd, s->note, s->note_len);
		return true;
	}
	hook__write_all(f->fd, stamp, slen);
	hook__write_all(f->fd, line, len);
	if (output)
		f->used += slen + len;
	return false;
}

/* True when neither file takes any more of this script run's output. */
static bool hook__files_full(const struct hook__sink *s)
{
	return (s->log.fd < 0 || s->log.full) && (s->dlog.fd < 0 || s->dlog.full);
}

/*
 * Logs one entry (prefix + text, newline added when missing) to the files and the tail.  A
 * script's output (output true) counts against the cap of each file separately: the first
 * entry that would take a file past it is replaced there by one note, and from then on the
 * script's output reaches only the tail, which so still ends with its last lines.  The agent's
 * own entries (event, script) are always written.
 */
static void hook__log(struct hook__sink *s, const char *prefix, const char *text, size_t len,
		      bool output)
{
	char stamp[64], dstamp[80];
	struct timeval tv;
	struct tm tm;
	size_t plen = strlen(prefix), slen, dlen;
	bool noted = false;
	char *line;

	if (len && text[len - 1] == '\n')
		len--;
	line = malloc(plen + len + 2);
	if (!line)
		return;
	memcpy(line, prefix, plen);
	memcpy(line + plen, text, len);
	line[plen + len] = '\n';
	len += plen + 1;
	if (!output || !hook__files_full(s)) {
		gettimeofday(&tv, NULL);
		localtime_r(&tv.tv_sec, &tm);
		slen = strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S ", &tm);
		dlen = strftime(dstamp, sizeof(dstamp), "[%Y-%m-%d %H:%M:%S", &tm);
		snprintf(dstamp + dlen, sizeof(dstamp) - dlen, ".%03d] [%s]",
			 (int)(tv.tv_usec / 1000), s->deployment_id ? s->deployment_id : "");
		noted = hook__put(s, &s->log, stamp, slen, line, len, output);
		noted |= hook__put(s, &s->dlog, dstamp, strlen(dstamp), line, len, output);
	}
	if (noted && !s->noted) {
		s->noted = true;
		hook_tail_add(s->tail, s->note, s->note_len);
	}
	hook_tail_add(s->tail, line, len);
	free(line);
}

/* One output pipe with its partial line. */
struct hook__stream {
	int fd;
	const char *prefix;
	char line[HOOK_LINE_MAX];
	size_t len;
};

static void hook__stream_read(struct hook__stream *st, struct hook__sink *s)
{
	char buf[4096];
	ssize_t n = read(st->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (st->len)
			hook__log(s, st->prefix, st->line, st->len, true);
		st->len = 0;
		close(st->fd);
		st->fd = -1;
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		st->line[st->len++] = buf[i];
		if (buf[i] == '\n' || st->len == sizeof(st->line)) {
			hook__log(s, st->prefix, st->line, st->len, true);
			st->len = 0;
		}
	}
}

static int hook__pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

static const char *hook__find(const char *name)
{
	static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin", NULL };
	static char path[128];

	for (int i = 0; dirs[i]; i++) {
		str_fmt(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return path;
	}
	return name;
}

/* envp = environ with our variables replacing any of the same name. */
static char **hook__envp(const char *event, const struct hook_env *env)
{
	const char *names[] = { "LIFECYCLE_EVENT",     "DEPLOYMENT_ID",
				"APPLICATION_NAME",    "DEPLOYMENT_GROUP_NAME",
				"DEPLOYMENT_GROUP_ID", "BUNDLE_BUCKET",
				"BUNDLE_KEY",	       "BUNDLE_VERSION",
				"BUNDLE_ETAG",	       "BUNDLE_COMMIT" };
	const char *values[] = { event,
				 env->deployment_id,
				 env->application_name,
				 env->deployment_group_name,
				 env->deployment_group_id,
				 env->bundle_bucket,
				 env->bundle_key,
				 env->bundle_version,
				 env->bundle_etag,
				 env->bundle_commit };
	size_t nvars = sizeof(names) / sizeof(names[0]), n = 0, k = 0;
	char **out;

	while (environ[n])
		n++;
	out = calloc(n + nvars + 1, sizeof(char *));
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool ours = false;

		for (size_t j = 0; j < nvars; j++) {
			size_t l = strlen(names[j]);

			if (!strncmp(environ[i], names[j], l) && environ[i][l] == '=')
				ours = true;
		}
		if (!ours)
			out[k++] = environ[i];
	}
	for (size_t j = 0; j < nvars; j++) {
		size_t l;

		if (!values[j])
			continue;
		l = strlen(names[j]) + strlen(values[j]) + 2;
		out[k] = malloc(l);
		if (!out[k])
			continue;
		snprintf(out[k], l, "%s=%s", names[j], values[j]);
		k++;
	}
	out[k] = NULL;
	return out;
}

static void hook__envp_free(char **envp)
{
	if (!envp)
		return;
	for (size_t i = 0; envp[i]; i++) {
		bool inherited = false;

		for (size_t j = 0; environ[j]; j++)
			if (environ[j] == envp[i])
				inherited = true;
		if (!inherited)
			free(envp[i]);
	}
	free(envp);
}

static int hook__fail(struct hook_result *res, int code, const struct appspec_script *sc,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int hook__fail(struct hook_result *res, int code, const struct appspec_script *sc,
		      const char *fmt, ...)
{
	va_list ap;

	res->code = code;
	str_copy(res->script, sizeof(res->script), sc ? sc->location : "");
	va_start(ap, fmt);
	vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
	return -1;
}

static void hook__prefix(const struct appspec_script *sc, char *out, size_t size)
{
	if (sc->runas)
		snprintf(out, size, "Script at specified location: %s run as user %s", sc->location,
			 sc->runas);
	else
		snprintf(out, size, "Script at specified location: %s", sc->location);
}

/* Child side: never returns. */
static void hook__child(int out_w, int err_w, char *const argv[], char *const envp[])
{
	sigset_t none;
	int devnull = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0)
		_exit(127);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	execve(argv[0], argv, envp);
	dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int hook__run_script(const char *event, const struct appspec_script *sc,
			    const char *archive_dir, const struct hook_env *env,
			    struct hook__sink *sink, struct hook_result *res)
{
	char path[4096], prefix[1400];
	struct hook__stream *streams;
	char *argv[8];
	char **envp;
	int k = 0, po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pidfd, status = 0;
	int64_t deadline;
	bool exited = false, timed_out = false;
	struct stat st;
	pid_t pid;
	int rc = 0;

	(void)event;
	if (str_fmt(path, sizeof(path), "%s/%s", archive_dir, sc->location))
		return hook__fail(res, HOOK_SCRIPT_MISSING, sc, "Script location too long: %s",
				  sc->location);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return hook__fail(res, HOOK_SCRIPT_MISSING, sc,
				  "Script does not exist at specified location: %s", path);
	if (access(path, X_OK) != 0 || !(st.st_mode & 0111)) {
		if (chmod(path, (st.st_mode | 0111) & 07777) != 0)
			return hook__fail(res, HOOK_SCRIPT_NOT_EXECUTABLE, sc,
					  "Unable to set script at specified location: %s as "
					  "executable",
					  sc->location);
	}
	if (sc->sudo)
		argv[k++] = (char *)hook__find("sudo");
	if (sc->runas) {
		static char su[128];

		str_copy(su, sizeof(su), hook__find("su"));
		if (!sc->sudo)
			argv[k++] = su;
		else
			argv[k++] = "su";
		argv[k++] = sc->runas;
		argv[k++] = "-c";
	}
	argv[k++] = path;
	argv[k] = NULL;
	hook__log(sink, "Script - ", sc->location, strlen(sc->location), false);
	/* the cap is per script run */
	sink->log.used = sink->dlog.used = 0;
	sink->log.full = sink->dlog.full = sink->noted = false;
	streams = calloc(2, sizeof(*streams));
	envp = hook__envp(event, env);
	if (!streams || !envp || pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		rc = hook__fail(res, HOOK_UNKNOWN_ERROR, sc, "cannot start %s: %s", sc->location,
				strerror(errno));
		goto out;
	}
	deadline = time_mono_ms() + (int64_t)sc->timeout * 1000;
	pid = fork();
	if (pid < 0) {
		rc = hook__fail(res, HOOK_UNKNOWN_ERROR, sc, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		hook__child(po[1], pe[1], argv, envp);
	setpgid(pid, pid); /* also here, so that the group exists before any kill */
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	streams[0].fd = po[0];
	streams[0].prefix = "[stdout]";
	streams[1].fd = pe[0];
	streams[1].prefix = "[stderr]";
	po[0] = pe[0] = -1;
	fcntl(streams[0].fd, F_SETFL, O_NONBLOCK);
	fcntl(streams[1].fd, F_SETFL, O_NONBLOCK);
	pidfd = hook__pidfd_open(pid);
	/* One deadline: first the process must exit, then both pipes must close. */
	for (;;) {
		struct pollfd pfd[3];
		int n = 0, wait_ms;
		int64_t left = deadline - time_mono_ms();

		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
		if (exited && streams[0].fd < 0 && streams[1].fd < 0)
			break;
		if (left <= 0) {
			if (!exited)
				timed_out = true;
			break;
		}
		for (int i = 0; i < 2; i++)
			if (streams[i].fd >= 0) {
				pfd[n].fd = streams[i].fd;
				pfd[n].events = POLLIN;
				n++;
			}
		if (!exited && pidfd >= 0) {
			pfd[n].fd = pidfd;
			pfd[n].events = POLLIN;
			n++;
		}
		wait_ms = left > 60000 ? 60000 : (int)left;
		if (!exited && pidfd < 0 && wait_ms > 100)
			wait_ms = 100; /* no pidfd: look at the child ten times a second */
		if (poll(pfd, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
			break;
		/* Drain each pipe before the next (up to 256 KiB at a time, so that neither starves
		 * the deadline): a script's stdout noise then its last word on stderr stay in that
		 * order in the log and the tail even when the agent wakes late. */
		for (int i = 0; i < 2; i++)
			for (int reads = 0; streams[i].fd >= 0 && reads < 64; reads++) {
				struct pollfd one = { streams[i].fd, POLLIN, 0 };

				if (poll(&one, 1, 0) <= 0)
					break;
				hook__stream_read(&streams[i], sink);
			}
	}
	hook__prefix(sc, prefix, sizeof(prefix));
	if (timed_out) {
		kill(-pid, SIGTERM);
		/* Give the group a moment to go, then reap if it did; no SIGKILL (as AWS). */
		for (int i = 0; i < 50 && waitpid(pid, &status, WNOHANG) == 0; i++)
			usleep(20000);
		rc = hook__fail(res, HOOK_SCRIPT_TIMED_OUT, sc,
				"Script at specified location: %s failed to complete in %d seconds",
				sc->location, sc->timeout);
	} else if (!exited) {
		kill(-pid, SIGTERM);
		waitpid(pid, &status, WNOHANG);
		rc = hook__fail(res, HOOK_UNKNOWN_ERROR, sc, "lost track of %s", sc->location);
	} else if (streams[0].fd >= 0 || streams[1].fd >= 0) {
		rc = hook__fail(res, HOOK_OUTPUTS_LEFT_OPEN, sc,
				"Script at specified location: %s failed to close %s (a background "
				"process kept it open; redirect its output to /dev/null)",
				sc->location, streams[0].fd >= 0 ? "STDOUT" : "STDERR");
	} else if (WIFSIGNALED(status)) {
		rc = hook__fail(res, HOOK_SCRIPT_FAILED, sc, "%s was killed by signal %d", prefix,
				WTERMSIG(status));
	} else if (WEXITSTATUS(status) != 0) {
		rc = hook__fail(res, HOOK_SCRIPT_FAILED, sc, "%s failed with exit code %d", prefix,
				WEXITSTATUS(status));
	}
	for (int i = 0; i < 2; i++)
		if (streams[i].fd >= 0) {
			if (streams[i].len)
				hook__log(sink, streams[i].prefix, streams[i].line, streams[i].len,
					  true);
			close(streams[i].fd);
		}
	if (pidfd >= 0)
		close(pidfd);
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(streams);
	hook__envp_free(envp);
	return rc;
}

static int hook__open_log(const char *path)
{
	char dir[4096];
	char *slash;

	if (!path || str_copy(dir, sizeof(dir), path))
		return -1;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		layout_mkdir_p(dir, 0755, NULL);
	}
	return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

int hook_run_event(const char *event, const struct appspec_hook *hook, const char *archive_dir,
		   const struct hook_env *env, const char *log_path, const char *deployments_log,
		   size_t max_log_bytes, struct hook_result *res)
{
	struct hook__sink sink = { 0 };
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (!hook || !hook->nscripts)
		return 0;
	sink.max_bytes = max_log_bytes;
	str_fmt(sink.note, sizeof(sink.note),
		"[slipway-agent] output truncated after %zu bytes (max_script_log_bytes); the "
		"script went on running\n",
		max_log_bytes);
	sink.note_len = strlen(sink.note);
	sink.log.fd = hook__open_log(log_path);
	sink.dlog.fd = hook__open_log(deployments_log);
	sink.deployment_id = env->deployment_id;
	sink.tail = &res->tail;
	hook__log(&sink, "LifecycleEvent - ", event, strlen(event), false);
	for (size_t i = 0; i < hook->nscripts && !rc; i++)
		rc = hook__run_script(event, &hook->scripts[i], archive_dir, env, &sink, res);
	if (sink.log.fd >= 0)
		close(sink.log.fd);
	if (sink.dlog.fd >= 0)
		close(sink.dlog.fd);
	return rc;
}
