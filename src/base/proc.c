/* proc: fork/exec in a process group of its own, one poll() loop over the output pipes and a
 * pidfd under one deadline, SIGTERM (then SIGKILL) to the group when it passes. */
#include "proc.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PROC_TERM_WAIT_MS 1000

/* One output pipe with its partial line. */
struct proc__stream {
	int fd;
	char line[PROC_LINE_MAX];
	size_t len;
};

static void proc__emit(const struct proc_spec *spec, int i, const char *line, size_t len)
{
	if (spec->on_line)
		spec->on_line(spec->ctx, (enum proc_stream)i, line, len);
}

static void proc__read(const struct proc_spec *spec, struct proc__stream *st, int i)
{
	char buf[4096];
	ssize_t n = read(st->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (st->len)
			proc__emit(spec, i, st->line, st->len);
		st->len = 0;
		close(st->fd);
		st->fd = -1;
		return;
	}
	for (ssize_t k = 0; k < n; k++) {
		st->line[st->len++] = buf[k];
		if (buf[k] == '\n' || st->len == sizeof(st->line)) {
			proc__emit(spec, i, st->line, st->len);
			st->len = 0;
		}
	}
}

static int proc__pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* Child side: never returns. */
static void proc__child(int out_w, int err_w, char *const argv[], char *const envp[])
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

/* True once pid has exited; reaps it (into *status) unless peek. */
static bool proc__exited(pid_t pid, int *status, bool peek)
{
	siginfo_t si;

	if (!peek)
		return waitpid(pid, status, WNOHANG) == pid;
	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Waits up to ms for pid to exit, polling every 20 ms. */
static bool proc__wait_exit(pid_t pid, int *status, bool peek, int ms)
{
	for (int waited = 0;; waited += 20) {
		if (proc__exited(pid, status, peek))
			return true;
		if (waited >= ms)
			return false;
		usleep(20000);
	}
}

/* The deadline passed with the program running: TERM to the group, then (unless no_kill) KILL
 * to whatever is left of it.  The program is only peeked at until the KILL is sent, so that
 * its pid, the group's id, cannot be reused in between. */
static void proc__stop(const struct proc_spec *spec, pid_t pid, int *status)
{
	int wait_ms = spec->term_wait_ms > 0 ? spec->term_wait_ms : PROC_TERM_WAIT_MS;

	kill(-pid, SIGTERM);
	if (spec->no_kill) {
		proc__wait_exit(pid, status, false, wait_ms);
		return;
	}
	proc__wait_exit(pid, status, true, wait_ms);
	kill(-pid, SIGKILL);
	proc__wait_exit(pid, status, false, PROC_TERM_WAIT_MS);
}

int proc_run(const struct proc_spec *spec, struct proc_result *res, struct err *e)
{
	struct proc__stream *streams = calloc(2, sizeof(*streams));
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, pidfd, status = 0, r = 0;
	char *const *envp = spec->envp ? spec->envp : environ;
	bool exited = false, timed_out = false;
	int64_t deadline;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	if (!streams)
		return err_set(e, SW_E_NOMEM, NULL);
	if (pipe2(po, O_CLOEXEC) != 0 || pipe2(pe, O_CLOEXEC) != 0) {
		r = err_set(e, SW_E_IO, "pipe: %s", strerror(errno));
		goto out;
	}
	deadline = time_mono_ms() + spec->timeout_ms;
	pid = fork();
	if (pid < 0) {
		r = err_set(e, SW_E_IO, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		proc__child(po[1], pe[1], spec->argv, envp);
	setpgid(pid, pid); /* also here, so that the group exists before any kill */
	res->pid = pid;
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	streams[0].fd = po[0];
	streams[1].fd = pe[0];
	po[0] = pe[0] = -1;
	fcntl(streams[0].fd, F_SETFL, O_NONBLOCK);
	fcntl(streams[1].fd, F_SETFL, O_NONBLOCK);
	pidfd = proc__pidfd_open(pid);
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
		 * the deadline): a program's stdout noise then its last word on stderr stay in that
		 * order for the caller even when we wake late. */
		for (int i = 0; i < 2; i++)
			for (int reads = 0; streams[i].fd >= 0 && reads < 64; reads++) {
				struct pollfd one = { streams[i].fd, POLLIN, 0 };

				if (poll(&one, 1, 0) <= 0)
					break;
				proc__read(spec, &streams[i], i);
			}
	}
	if (timed_out) {
		res->outcome = PROC_TIMED_OUT;
		proc__stop(spec, pid, &status);
	} else if (!exited) {
		res->outcome = PROC_LOST;
		kill(-pid, SIGTERM);
		waitpid(pid, &status, WNOHANG);
	} else if (streams[0].fd >= 0 || streams[1].fd >= 0) {
		res->outcome = PROC_LEFT_OPEN;
		res->left_open = streams[0].fd >= 0 ? PROC_STDOUT : PROC_STDERR;
	} else {
		res->outcome = PROC_EXITED;
	}
	res->status = status;
	for (int i = 0; i < 2; i++)
		if (streams[i].fd >= 0) {
			if (streams[i].len)
				proc__emit(spec, i, streams[i].line, streams[i].len);
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
	return r;
}
