/* command: executing one host command (DownloadBundle, Install or a hook event) for a
 * deployment specification, shared by slipway-agent and `slipway deploy local`. */
#ifndef SW_AGENT_COMMAND_H
#define SW_AGENT_COMMAND_H

#include "base/err.h"
#include "hooks.h"
#include "spec.h"

#include <stdbool.h>

/* Fetches an S3 revision to dest_path (the agent's client does this; NULL in local mode). */
typedef int (*command_download_fn)(void *arg, const struct deploy_spec *spec, const char *dest_path,
				   struct err *e);

/* Unpacks the archive at path (bundle type type, "" when unknown) into dest, with
 * extract_archive()'s contract (base/extract.h): extract_archive itself in `slipway deploy local`,
 * the slipway-agent-unpack helper in the agent (which so never maps libarchive). */
typedef int (*command_extract_fn)(const char *path, const char *type, const char *dest,
				  struct err *e);

struct command_ctx {
	const char *root;  /* deployment root directory */
	int max_revisions; /* >= 1 */
	/* Output of one script run kept in each log file; 0: HOOK_LOG_DEFAULT_MAX. */
	size_t max_script_log_bytes;
	command_download_fn download;
	void *download_arg;
	command_extract_fn extract; /* required for S3 and local file revisions */
};

/* The outcome of a command, which becomes the Diagnostics payload. */
struct command_result {
	int code; /* enum hook_code; 0 on success */
	char script[1024];
	char message[1024];
	struct hook_tail tail;
	char log_path[4096]; /* scripts.log of this deployment */
};

/* True for the command names the agent knows (DownloadBundle, Install, the nine hooks). */
bool command_known(const char *name);

/*
 * True when the command has nothing to do: a hook event whose selected AppSpec (current
 * revision, or the last successful one for ApplicationStop/BeforeBlockTraffic/
 * AfterBlockTraffic, §2.3) has no script for it.  DownloadBundle and Install never are.
 */
bool command_is_noop(const struct command_ctx *ctx, const struct deploy_spec *spec,
		     const char *name);

/* Executes the command.  Returns 0 on success, -1 on failure with res filled (code 5 for
 * anything that is not a script's fault, message = what went wrong). */
int command_execute(const struct command_ctx *ctx, const struct deploy_spec *spec, const char *name,
		    struct command_result *res);

/* The Diagnostics payload JSON: {"error_code","script_name","message","log"}; free() it. */
char *command_diagnostics(const struct command_result *res);

#endif
