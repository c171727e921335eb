/* layout: the agent's on-disk layout under its root directory (docs/compatibility.md §6.6) —
 * deployment directories, deployment-instructions pointer files, retention, ongoing-deployment
 * tracking. */
#ifndef SW_AGENT_LAYOUT_H
#define SW_AGENT_LAYOUT_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LAYOUT_PATH_MAX 4096

/* Where a deployment group keeps its state.  Suffixes of deployment-instructions files. */
#define LAYOUT_CLEANUP	       "-cleanup"
#define LAYOUT_INSTALL_JSON    "-install.json"
#define LAYOUT_LAST_SUCCESSFUL "_last_successful_install"
#define LAYOUT_MOST_RECENT     "_most_recent_install"

/* True when s can be used as one path component (a deployment or group id): non-empty, at most
 * 200 bytes, no '/', no NUL, not "." or "..". */
bool layout_valid_component(const char *s);

/* <root>/<dg>/<did> */
int layout_deploy_dir(const char *root, const char *dg, const char *did, char *out, size_t size);
/* <root>/deployment-instructions/<dg><suffix> */
int layout_instructions_file(const char *root, const char *dg, const char *suffix, char *out,
			     size_t size);

/* Writes data to path atomically (temporary file in the same directory, fsync, rename). */
int layout_write_file(const char *path, const void *data, size_t len, struct err *e);
/* Reads a pointer file (one path, surrounding whitespace trimmed) into out.  Returns 1 when
 * the file does not exist, 0 when read, negative on error. */
int layout_read_pointer(const char *path, char *out, size_t size, struct err *e);

/* Retention at DownloadBundle: keeps at most max_revisions deployment directories of the group
 * (the current one included), deleting the oldest by mtime, never the current one nor the one
 * named by _last_successful_install.  max_revisions must be >= 1. */
int layout_prune(const char *root, const char *dg, const char *current_did, int max_revisions,
		 struct err *e);

/* Ongoing-deployment tracking: <root>/ongoing-deployment/<did> holds the host command id of
 * the command being executed, so that an agent killed during a hook can fail that command when
 * it comes back. */
int layout_track_begin(const char *root, const char *did, const char *host_command_id,
		       struct err *e);
void layout_track_end(const char *root, const char *did);
/* Finds the newest tracking file younger than max_age_s; copies its host command id into
 * hcid.  Returns 1 when there is none.  Either way the whole tracking directory is removed
 * afterwards when remove is true (as the AWS agent does at start). */
int layout_track_recover(const char *root, int64_t max_age_s, bool remove, char *hcid, size_t size,
			 struct err *e);

#endif
