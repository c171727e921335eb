/* hooks: running an event's hook scripts as the AWS agent does (docs/compatibility.md §6.5) —
 * environment, runas/sudo, stdin closed, own process group, one deadline over exit and pipe
 * closure, output to scripts.log (bounded per script run), and a bounded tail of whole lines for
 * the diagnostics. */
#ifndef SW_AGENT_HOOKS_H
#define SW_AGENT_HOOKS_H

#include "appspec.h"

#include <stddef.h>

/* The agent's integer error codes (Diagnostics.error_code). */
enum hook_code {
	HOOK_SUCCEEDED = 0,
	HOOK_SCRIPT_MISSING = 1,
	HOOK_SCRIPT_NOT_EXECUTABLE = 2,
	HOOK_SCRIPT_TIMED_OUT = 3,
	HOOK_SCRIPT_FAILED = 4,
	HOOK_UNKNOWN_ERROR = 5,
	HOOK_OUTPUTS_LEFT_OPEN = 6,
	HOOK_FAILED_AFTER_RESTART = 7,
};

#define HOOK_TAIL_MAX 2048

/* The most recent whole log entries, at most HOOK_TAIL_MAX bytes in total. */
struct hook_tail {
	char text[HOOK_TAIL_MAX + 1];
	size_t len;
};
void hook_tail_add(struct hook_tail *t, const char *entry, size_t len);

/* What the scripts see in their environment besides the agent's own. NULL members are not
 * set. */
struct hook_env {
	const char *deployment_id;
	const char *application_name;
	const char *deployment_group_name;
	const char *deployment_group_id;
	const char *bundle_bucket;
	const char *bundle_key;
	const char *bundle_version;
	const char *bundle_etag;
	const char *bundle_commit;
};

struct hook_result {
	int code;	    /* enum hook_code */
	char script[1024];  /* the failing script's location, "" otherwise */
	char message[1024]; /* AWS's message text */
	struct hook_tail tail;
};

/* The default of max_script_log_bytes: how much of one script run's output each log keeps. */
#define HOOK_LOG_DEFAULT_MAX ((size_t)1 << 20)

/*
 * Runs the scripts of one event in order; the first failure stops the event.  Scripts are
 * archive_dir/<location>.  Output goes, with timestamps, to log_path (appended; created with
 * its directory) and, when deployments_log is not NULL, to that file too — at most
 * max_log_bytes (timestamps included) of each script run's output to each file, then one line
 * "[slipway-agent] output truncated after N bytes ..."; the script goes on running, its output
 * is still drained and still feeds the tail.  Returns 0 when every script succeeded, else -1
 * with res->code/script/message filled; res->tail always holds the tail of this event's output
 * (its last lines, whether or not they reached the files).
 */
int hook_run_event(const char *event, const struct appspec_hook *hook, const char *archive_dir,
		   const struct hook_env *env, const char *log_path, const char *deployments_log,
		   size_t max_log_bytes, struct hook_result *res);

#endif
