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

/* A command_extract_fn: `slipway-agent-unpack PATH DEST TYPE`, which runs extract_archive();
 * logs how long it took and the helper's peak RSS. */
int helper_unpack(const char *path, const char *type, const char *dest, struct err *e);

/* spec_open_envelope(format, payload, <the PEM in cert_file>, false, out, e) in
 * `slipway-agent-verify CERT_FILE FORMAT`, the payload on its standard input. */
int helper_open_envelope(const char *cert_file, const char *format, const char *payload,
			 struct buf *out, struct err *e);

#endif
