/* appspec: parsing and validating an EC2/on-premises AppSpec file (appspec.yml), as the AWS
 * agent does (docs/compatibility.md §1), with messages that name the key and the line. */
#ifndef SW_AGENT_APPSPEC_H
#define SW_AGENT_APPSPEC_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

/* The 11 lifecycle events the agent runs, in codedeploy-local's default order. */
extern const char *const appspec_agent_events[];
#define APPSPEC_AGENT_EVENTS 11
/* True for the nine events a hook script may be attached to. */
bool appspec_event_scriptable(const char *event);

enum appspec_feb {
	APPSPEC_FEB_UNSET = 0,
	APPSPEC_FEB_DISALLOW,
	APPSPEC_FEB_OVERWRITE,
	APPSPEC_FEB_RETAIN,
};
const char *appspec_feb_name(enum appspec_feb feb);
/* Case-insensitive DISALLOW/OVERWRITE/RETAIN; APPSPEC_FEB_UNSET when s is none of them. */
enum appspec_feb appspec_feb_parse(const char *s);

struct appspec_file {
	char *source;
	char *destination;
	int line;
};

#define APPSPEC_TYPE_FILE      1u
#define APPSPEC_TYPE_DIRECTORY 2u

struct appspec_context {
	char *user; /* the SELinux user; AWS's agent reads it from the key `name` */
	char *type;
	char *range;
};

struct appspec_permission {
	char *object;
	char *pattern; /* "**" by default */
	char **except;
	size_t nexcept;
	char *owner;
	char *group;
	char mode[5]; /* octal digits, left-padded to at least 3; "" when not set */
	char **acls;  /* validated setfacl entries */
	size_t nacls;
	bool has_default_acl;
	struct appspec_context *context; /* NULL when not set */
	unsigned type;			 /* APPSPEC_TYPE_* mask, both by default */
	int line;
};

struct appspec_script {
	char *location;
	int timeout; /* seconds, 3600 by default */
	char *runas; /* NULL when not set */
	bool sudo;
	int line;
};

struct appspec_hook {
	char *event;
	struct appspec_script *scripts;
	size_t nscripts;
};

struct appspec {
	struct appspec_file *files;
	size_t nfiles;
	enum appspec_feb file_exists_behavior;
	struct appspec_permission *permissions;
	size_t npermissions;
	struct appspec_hook *hooks;
	size_t nhooks;
};

/*
 * Parses text (len bytes, need not be NUL-terminated) into spec, which the caller releases
 * with appspec_release() whatever the result.  name is the file name used in messages.
 * allowed_events, when not NULL, is a NULL-terminated list of the only hook names accepted
 * (AllPossibleLifecycleEvents); otherwise any hook name is kept and unknown ones never run.
 * Fails with -SW_E_INVALID and "<name> line N: <what is wrong with which key>" — among others
 * for a 'files' destination that is not an absolute path, and a 'files' source whose ".."
 * climbs out of the bundle.
 */
int appspec_parse(const char *text, size_t len, const char *name, const char *const *allowed_events,
		  struct appspec *spec, struct err *e);
/* Reads and parses dir/name (at most 1 MiB). -SW_E_NOT_FOUND when the file is missing. */
int appspec_load(const char *dir, const char *name, const char *const *allowed_events,
		 struct appspec *spec, struct err *e);
void appspec_release(struct appspec *spec);

/* The scripts of event (NULL when the AppSpec has none). */
const struct appspec_hook *appspec_hook(const struct appspec *spec, const char *event);

/* Validates one setfacl entry as the AWS agent does; sets *is_default for d:/default:
 * entries.  Exposed for the unit tests. */
int appspec_acl_check(const char *ace, bool *is_default, struct err *e);
/* Validates an SELinux MLS range s<N>[-s<N>][:c<N>[.c<N>](,...)]. */
int appspec_range_check(const char *range, struct err *e);
/* The AWS permission glob: '*' only, and never matches a name containing '/'. */
bool appspec_glob(const char *pattern, const char *name);

#endif
