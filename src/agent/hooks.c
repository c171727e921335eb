/* hooks: what is AppSpec's about running hook scripts — environment, runas/sudo, the log
 * formats, the per-script cap on the logs and the tail; base/proc.c runs each script. */
#include "hooks.h"
#include "base/fs.h"
#include "base/proc.h"
#include "base/str.h"
#include "layout.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

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

/* proc_run's line callback: a script's output, to the files and the tail. */
static void hook__on_line(void *ctx, enum proc_stream stream, const char *line, size_t len)
{
	hook__log(ctx, stream == PROC_STDOUT ? "[stdout]" : "[stderr]", line, len, true);
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

static int hook__run_script(const char *event, const struct appspec_script *sc,
			    const char *archive_dir, const struct hook_env *env,
			    struct hook__sink *sink, struct hook_result *res)
{
	char path[4096], prefix[1400];
	struct proc_spec spec = { 0 };
	struct proc_result pr;
	struct err e = { 0 };
	char *argv[8];
	char **envp;
	struct stat st;
	int k = 0, rc = 0;

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
	envp = hook__envp(event, env);
	if (!envp)
		return hook__fail(res, HOOK_UNKNOWN_ERROR, sc, "cannot start %s: %s", sc->location,
				  strerror(errno));
	spec.argv = argv;
	spec.envp = envp;
	spec.timeout_ms = (int64_t)sc->timeout * 1000;
	spec.no_kill = true; /* give the group a moment to go after SIGTERM; no SIGKILL (as AWS) */
	spec.on_line = hook__on_line;
	spec.ctx = sink;
	if (proc_run(&spec, &pr, &e)) {
		rc = hook__fail(res, HOOK_UNKNOWN_ERROR, sc, "cannot start %s: %s", sc->location,
				err_message(&e));
		goto out;
	}
	hook__prefix(sc, prefix, sizeof(prefix));
	switch (pr.outcome) {
	case PROC_TIMED_OUT:
		rc = hook__fail(res, HOOK_SCRIPT_TIMED_OUT, sc,
				"Script at specified location: %s failed to complete in %d seconds",
				sc->location, sc->timeout);
		break;
	case PROC_LOST:
		rc = hook__fail(res, HOOK_UNKNOWN_ERROR, sc, "lost track of %s", sc->location);
		break;
	case PROC_LEFT_OPEN:
		rc = hook__fail(res, HOOK_OUTPUTS_LEFT_OPEN, sc,
				"Script at specified location: %s failed to close %s (a background "
				"process kept it open; redirect its output to /dev/null)",
				sc->location, pr.left_open == PROC_STDOUT ? "STDOUT" : "STDERR");
		break;
	case PROC_EXITED:
		if (WIFSIGNALED(pr.status))
			rc = hook__fail(res, HOOK_SCRIPT_FAILED, sc, "%s was killed by signal %d",
					prefix, WTERMSIG(pr.status));
		else if (WEXITSTATUS(pr.status) != 0)
			rc = hook__fail(res, HOOK_SCRIPT_FAILED, sc, "%s failed with exit code %d",
					prefix, WEXITSTATUS(pr.status));
		break;
	}
out:
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
		fs_mkdir_p(dir, 0755, NULL);
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
