/* proc: running a program to completion under one deadline — its own process group, standard
 * input from /dev/null, standard output and error read line by line into a callback, the
 * group signalled when the deadline passes.  Shared by the agent's hooks and (later) builds
 * and the function runtime; what a caller logs, caps or reports stays with the caller. */
#ifndef SW_BASE_PROC_H
#define SW_BASE_PROC_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The longest line handed to on_line, its newline included: a longer line arrives in pieces
 * of this size (without a newline but the last's).  This bounds what proc_run holds in memory
 * per stream whatever the program writes. */
#define PROC_LINE_MAX 16384

enum proc_stream { PROC_STDOUT = 0, PROC_STDERR = 1 };

/* One line (or piece, see PROC_LINE_MAX) of the program's output: len bytes, ending with '\n'
 * unless it is a piece or the stream's last, unterminated line.  Not NUL-terminated; valid only
 * during the call.  Lines of one stream arrive in order; the streams are drained one after the
 * other on each wake-up, so stdout's pending lines come before stderr's. */
typedef void (*proc_line_fn)(void *ctx, enum proc_stream stream, const char *line, size_t len);

struct proc_spec {
	char *const *argv; /* argv[0] is the path executed (execve: no PATH search) */
	char *const *envp; /* NULL: the caller's environment */
	/* The one deadline, counted from proc_run's start: by then the program must have exited
	 * and both of its output pipes must be closed (no descendant still holding them).  0 or
	 * less: the deadline has passed at once. */
	int64_t timeout_ms;
	/* On timeout the whole group gets SIGTERM; then proc_run waits up to term_wait_ms
	 * (0: 1000) for the program to exit and, unless no_kill, sends SIGKILL to the group —
	 * to every descendant still in it, whether or not the program itself exited. */
	int term_wait_ms;
	bool no_kill;	      /* TERM only, as the AWS agent does for hook scripts */
	proc_line_fn on_line; /* may be NULL: the output is read and dropped */
	void *ctx;
};

enum proc_outcome {
	PROC_EXITED,	/* exited and closed its output in time: see status */
	PROC_TIMED_OUT, /* still running at the deadline: its group was signalled */
	PROC_LEFT_OPEN, /* exited, but a descendant held an output pipe open past the deadline */
	PROC_LOST,	/* poll() failed: the group got SIGTERM, status is unknown */
};

struct proc_result {
	enum proc_outcome outcome;
	int status; /* the wait status (WIFEXITED, WEXITSTATUS…) when it is known */
	enum proc_stream left_open; /* PROC_LEFT_OPEN: the first pipe still open (stdout first) */
	pid_t pid;		    /* the program's pid, which is also its process group's id */
};

/*
 * Runs spec->argv in a child that is the leader of a new process group, with every signal at
 * its default disposition and none blocked, stdin from /dev/null, stdout and stderr on pipes
 * and every other descriptor closed.  A program that cannot be executed exits with status 127
 * after one line "cannot execute PATH: REASON" on its stderr.  Reads both pipes until the
 * program has exited and both pipes are closed, or the deadline passes; a partial last line is
 * delivered before proc_run returns.  The program is reaped unless it outlived the signals
 * (timeout with no_kill and a program ignoring SIGTERM, or PROC_LOST); descendants that left
 * the group, or that hold the pipes after the program exited (PROC_LEFT_OPEN), are not signalled.
 *
 * Returns 0 once the program was started, res telling how it ended; -SW_E_IO (pipe, fork) or
 * -SW_E_NOMEM with a message in e when it could not be started (res->outcome is then
 * meaningless).  The caller's signal handling is untouched; SIGCHLD must not be ignored.
 */
int proc_run(const struct proc_spec *spec, struct proc_result *res, struct err *e);

#endif
