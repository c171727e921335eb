/* helper: the agent's helper programs, run as short-lived child processes so that the agent's
 * own address space never holds the big libraries a deployment needs for a moment —
 * slipway-agent-unpack (libarchive and its dependencies) and slipway-agent-verify (libcrypto).
 * They are installed next to slipway-agent and found through /proc/self/exe. */
#ifndef SW_AGENT_HELPER_H
#define SW_AGENT_HELPER_H

#include "base/buf.h"
#include "base/err.h"

#include <stddef.h>

#define HELPER_UNPACK	"slipway-agent-unpack"
#define HELPER_VERIFY	"slipway-agent-verify"
#define HELPER_MAX_ARGS 8

/* The path of helper name: the running executable's directory + name.  -SW_E_IO when the
 * executable's path cannot be read, -SW_E_TRUNCATED when it is too long. */
int helper_path(const char *name, char *out, size_t size, struct err *e);

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
int helper_run(const char *name, const char *const *args, const void *input, size_t input_len,
	       int timeout_ms, struct buf *out, long *peak_kib, struct err *e);

/* A command_extract_fn: `slipway-agent-unpack PATH DEST TYPE`, which runs extract_archive();
 * logs how long it took and the helper's peak RSS. */
int helper_unpack(const char *path, const char *type, const char *dest, struct err *e);

/* spec_open_envelope(format, payload, <the PEM in cert_file>, false, out, e) in
 * `slipway-agent-verify CERT_FILE FORMAT`, the payload on its standard input. */
int helper_open_envelope(const char *cert_file, const char *format, const char *payload,
			 struct buf *out, struct err *e);

#endif
