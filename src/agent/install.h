/* install: the Install lifecycle event (docs/compatibility.md §1.1–1.3, §6.4) — replaying the
 * previous cleanup file, planning copy/mkdir/permission instructions from the AppSpec exactly as
 * the AWS agent does, writing <dg>-install.json, and executing the plan while recording every
 * created path in <dg>-cleanup. */
#ifndef SW_AGENT_INSTALL_H
#define SW_AGENT_INSTALL_H

#include "appspec.h"
#include "base/err.h"

#include <stddef.h>

enum install_type {
	INSTALL_COPY,
	INSTALL_MKDIR,
	INSTALL_CHMOD,
	INSTALL_SETFACL,
	INSTALL_SEMANAGE,
	INSTALL_CHOWN,
};

struct install_cmd {
	enum install_type type;
	char *path;   /* copy: destination; mkdir: directory; others: the file */
	char *source; /* copy only */
	const struct appspec_permission *perm; /* chmod/setfacl/semanage/chown: borrowed */
};

struct install__slot;

/* A string → index hash table (keys copied). */
struct install_index {
	struct install__slot *slots;
	size_t cap;
	size_t n;
};

struct install_plan {
	struct install_cmd *cmds;
	size_t n;
	size_t cap;
	struct install_index copies;  /* destination → index of its copy command */
	struct install_index mkdirs;  /* directory → index of its mkdir command */
	struct install_index targets; /* paths that already received permissions */
};

void install_plan_init(struct install_plan *plan);
void install_plan_release(struct install_plan *plan);

/*
 * Builds the plan for spec against the archive in archive_dir and the current state of the
 * file system (run the cleanup first).  feb is the effective file_exists_behavior (the caller
 * applies the precedence AppSpec > deployment override > DISALLOW).  Fails with -SW_E_INVALID
 * and AWS's message on: an existing file under DISALLOW ("The deployment failed because a
 * specified file already exists at this location: <path>"), two copies to one destination, a
 * copy onto a directory being created, a path receiving permissions twice, a file object with a
 * pattern or except, a default ACL on a file, a source missing from (or escaping) the bundle.
 */
int install_plan_build(struct install_plan *plan, const struct appspec *spec,
		       const char *archive_dir, enum appspec_feb feb, struct err *e);
/* Writes {"instructions":[...]} as the AWS agent's <dg>-install.json does. */
int install_plan_write_json(const struct install_plan *plan, const char *path, struct err *e);
/* Executes the plan in order, writing each created path to cleanup_path (copy: before
 * copying; mkdir: after creating; semanage: "semanage\0<path>").  Stops at the first failure. */
int install_plan_execute(const struct install_plan *plan, const char *cleanup_path, struct err *e);
/*
 * Replays a cleanup file: deletes its paths in reverse order (symlink → unlink, file → delete,
 * directory → rmdir if empty, semanage lines → `semanage fcontext -d`), ignoring a trailing
 * line without newline, then deletes the file.  A missing file is not an error.
 */
int install_cleanup(const char *cleanup_path, struct err *e);

/* The whole Install command for group dg under root: cleanup, plan, install.json, execute. */
int install_run(const char *root, const char *dg, const char *archive_dir,
		const struct appspec *spec, enum appspec_feb feb, struct err *e);

/* Normalises path as Ruby's File.expand_path does (absolute, no ".", "..", "//" or trailing
 * '/').  Exposed for tests. */
int install_expand_path(const char *path, char *out, size_t size);

#endif
