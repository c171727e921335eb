/* install: cleanup replay, the AWS agent's install planner, install.json and the executor. */
#include "install.h"
#include "base/buf.h"
#include "base/fs.h"
#include "base/str.h"
#include "base/vec.h"
#include "layout.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <jansson.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define INSTALL_PATH_MAX 4096
/* Entries of one source directory copied (a bound, as every growing array has one). */
#define INSTALL_DIR_MAX (1 << 24)

struct install__slot {
	const char *key; /* owned */
	size_t val;
};

/* -- index ------------------------------------------------------------------------------- */

static uint64_t install__hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static struct install__slot *install__find(const struct install_index *ix, const char *key)
{
	if (!ix->cap)
		return NULL;
	for (size_t i = install__hash(key) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
		if (!ix->slots[i].key)
			return NULL;
		if (strcmp(ix->slots[i].key, key) == 0)
			return &ix->slots[i];
	}
}

/* Records key (copied) → val; an existing key keeps its value. */
static int install__put(struct install_index *ix, const char *key, size_t val)
{
	if ((ix->n + 1) * 2 > ix->cap) {
		size_t ncap = ix->cap ? ix->cap * 2 : 64;
		struct install__slot *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return -SW_E_NOMEM;
		for (size_t i = 0; i < ix->cap; i++) {
			size_t j;

			if (!ix->slots[i].key)
				continue;
			for (j = install__hash(ix->slots[i].key) & (ncap - 1); ns[j].key;
			     j = (j + 1) & (ncap - 1))
				;
			ns[j] = ix->slots[i];
		}
		free(ix->slots);
		ix->slots = ns;
		ix->cap = ncap;
	}
	for (size_t i = install__hash(key) & (ix->cap - 1);; i = (i + 1) & (ix->cap - 1)) {
		if (!ix->slots[i].key) {
			char *k = str_dup(key);

			if (!k)
				return -SW_E_NOMEM;
			ix->slots[i].key = k;
			ix->slots[i].val = val;
			ix->n++;
			return 0;
		}
		if (strcmp(ix->slots[i].key, key) == 0)
			return 0;
	}
}

static void install__index_release(struct install_index *ix)
{
	for (size_t i = 0; i < ix->cap; i++)
		free((char *)ix->slots[i].key);
	free(ix->slots);
	memset(ix, 0, sizeof(*ix));
}

/* -- paths ------------------------------------------------------------------------------- */

int install_expand_path(const char *path, char *out, size_t size)
{
	char tmp[INSTALL_PATH_MAX];
	size_t n = 0;
	const char *p;

	if (path[0] != '/') {
		char cwd[INSTALL_PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) || str_fmt(tmp, sizeof(tmp), "%s/%s", cwd, path))
			return -SW_E_TRUNCATED;
	} else if (str_copy(tmp, sizeof(tmp), path)) {
		return -SW_E_TRUNCATED;
	}
	if (size < 2)
		return -SW_E_TRUNCATED;
	for (p = tmp; *p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else if (len && !(len == 1 && p[0] == '.')) {
			if (n + 1 + len + 1 > size)
				return -SW_E_TRUNCATED;
			out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return 0;
}

static const char *install__base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* The part of name below object ("" when name is not strictly below it). */
static const char *install__rel(const struct appspec_permission *pm, const char *name)
{
	char base[INSTALL_PATH_MAX];
	size_t n;

	if (install_expand_path(pm->object, base, sizeof(base)))
		return NULL;
	n = strlen(base);
	if (n == 1)
		n = 0; /* object "/" */
	if (strncmp(name, base, n) != 0 || name[n] != '/')
		return NULL;
	return name + n + 1;
}

/* AWS's permission matching of name against perm (object/pattern/except). */
static bool install_perm_matches(const struct appspec_permission *pm, const char *name)
{
	const char *rel = install__rel(pm, name);

	if (!rel)
		return false;
	if (strcmp(pm->pattern, "**") != 0 && !appspec_glob(pm->pattern, rel))
		return false;
	for (size_t i = 0; i < pm->nexcept; i++)
		if (appspec_glob(pm->except[i], rel))
			return false;
	return true;
}

/* -- plan -------------------------------------------------------------------------------- */

void install_plan_init(struct install_plan *plan)
{
	memset(plan, 0, sizeof(*plan));
}

void install_plan_release(struct install_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->cmds[i].path);
		free(plan->cmds[i].source);
	}
	free(plan->cmds);
	install__index_release(&plan->copies);
	install__index_release(&plan->mkdirs);
	install__index_release(&plan->targets);
	memset(plan, 0, sizeof(*plan));
}

static int install__add(struct install_plan *plan, enum install_type type, const char *path,
			const char *source, const struct appspec_permission *pm, struct err *e)
{
	struct install_cmd *c;

	if (plan->n == plan->cap) {
		size_t ncap = plan->cap ? plan->cap * 2 : 64;
		struct install_cmd *nc = realloc(plan->cmds, ncap * sizeof(*nc));

		if (!nc)
			return err_set(e, SW_E_NOMEM, NULL);
		plan->cmds = nc;
		plan->cap = ncap;
	}
	c = &plan->cmds[plan->n];
	memset(c, 0, sizeof(*c));
	c->type = type;
	c->perm = pm;
	c->path = str_dup(path);
	c->source = source ? str_dup(source) : NULL;
	if (!c->path || (source && !c->source)) {
		free(c->path);
		free(c->source);
		return err_set(e, SW_E_NOMEM, NULL);
	}
	plan->n++;
	return 0;
}

static int install__mkdir(struct install_plan *plan, const char *dir, struct err *e)
{
	struct install__slot *s;
	int r;

	if ((s = install__find(&plan->copies, dir)))
		return err_set(
		    e, SW_E_INVALID,
		    "Duplicate mkdir instruction for %s which is already being copied from "
		    "%s",
		    dir, plan->cmds[s->val].source);
	if (install__find(&plan->mkdirs, dir))
		return 0;
	r = install__add(plan, INSTALL_MKDIR, dir, NULL, NULL, e);
	if (!r && install__put(&plan->mkdirs, plan->cmds[plan->n - 1].path, plan->n - 1))
		r = err_set(e, SW_E_NOMEM, NULL);
	return r;
}

static int install__copy(struct install_plan *plan, const char *src, const char *dst, struct err *e)
{
	struct install__slot *s;
	int r;

	if ((s = install__find(&plan->copies, dst)))
		return err_set(e, SW_E_INVALID, "Duplicate copy instruction to %s from %s and %s",
			       dst, src, plan->cmds[s->val].source);
	if (install__find(&plan->mkdirs, dst))
		return err_set(e, SW_E_INVALID,
			       "Duplicate copy instruction to %s from %s which is already being "
			       "installed as a directory",
			       dst, src);
	r = install__add(plan, INSTALL_COPY, dst, src, NULL, e);
	if (!r && install__put(&plan->copies, plan->cmds[plan->n - 1].path, plan->n - 1))
		r = err_set(e, SW_E_NOMEM, NULL);
	return r;
}

static bool install__exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool install__is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int install__missing_ancestors(struct install_plan *plan, const char *dest, struct err *e)
{
	char dir[INSTALL_PATH_MAX];
	size_t ends[256], k = 0;
	int r = 0;

	if (str_copy(dir, sizeof(dir), dest))
		return err_set(e, SW_E_TRUNCATED, "path too long: %s", dest);
	for (;;) {
		char *slash = strrchr(dir, '/');

		if (!slash || slash == dir)
			break;
		*slash = '\0';
		if (install__exists(dir))
			break;
		if (k == 256)
			return err_set(e, SW_E_INVALID, "destination %s is nested too deeply",
				       dest);
		ends[k++] = strlen(dir);
	}
	/* Shallowest first, as the AWS agent unshifts them. */
	if (str_copy(dir, sizeof(dir), dest))
		return -SW_E_TRUNCATED;
	while (k-- > 0 && !r) {
		char save = dir[ends[k]];

		dir[ends[k]] = '\0';
		r = install__mkdir(plan, dir, e);
		dir[ends[k]] = save;
	}
	return r;
}

static int install__normal_copy(struct install_plan *plan, const char *src, const char *dst,
				enum appspec_feb feb, struct err *e)
{
	if (install__exists(dst)) {
		switch (feb) {
		case APPSPEC_FEB_OVERWRITE:
			break;
		case APPSPEC_FEB_RETAIN:
			return 0;
		default:
			return err_set(e, SW_E_INVALID,
				       "The deployment failed because a specified file already "
				       "exists at this location: %s",
				       dst);
		}
	}
	return install__copy(plan, src, dst, e);
}

static int install__name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int install__dir_copy(struct install_plan *plan, const char *src, const char *dst,
			     enum appspec_feb feb, int depth, struct err *e)
{
	VEC(char *) names = VEC_INIT(INSTALL_DIR_MAX);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth > 128)
		return err_set(e, SW_E_INVALID, "directory %s is nested too deeply", src);
	if (!install__is_dir(dst)) {
		r = install__mkdir(plan, dst, e);
		if (r)
			return r;
	}
	d = opendir(src);
	if (!d)
		return err_set(e, SW_E_IO, "cannot read %s: %s", src, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char *name = str_dup(de->d_name);

		if (!name || (r = vec_push(&names, name))) {
			free(name);
			r = name ? err_set(e, r, "directory %s has more than %d entries", src,
					   INSTALL_DIR_MAX)
				 : err_set(e, SW_E_NOMEM, NULL);
			break;
		}
	}
	closedir(d);
	if (!r)
		qsort(names.v, names.n, sizeof(*names.v), install__name_cmp);
	for (size_t i = 0; i < names.n && !r; i++) {
		char s[INSTALL_PATH_MAX], t[INSTALL_PATH_MAX];

		if (str_fmt(s, sizeof(s), "%s/%s", src, names.v[i]) ||
		    str_fmt(t, sizeof(t), "%s%s%s", dst, strcmp(dst, "/") ? "/" : "", names.v[i])) {
			r = err_set(e, SW_E_TRUNCATED, "path too long under %s", dst);
			break;
		}
		if (install__is_dir(s))
			r = install__dir_copy(plan, s, t, feb, depth + 1, e);
		else
			r = install__normal_copy(plan, s, t, feb, e);
	}
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	vec_release(&names);
	return r;
}

static int install__set_permissions(struct install_plan *plan, const char *object,
				    const struct appspec_permission *pm, struct err *e)
{
	int r = 0;

	if (install__find(&plan->targets, object))
		return err_set(e, SW_E_INVALID,
			       "Duplicate permission setting for %s (permissions entry at line %d)",
			       object, pm->line);
	if (install__put(&plan->targets, object, 0))
		return err_set(e, SW_E_NOMEM, NULL);
	/* AWS's order per path: chmod, setfacl, SELinux context, chown. */
	if (pm->mode[0])
		r = install__add(plan, INSTALL_CHMOD, object, NULL, pm, e);
	if (!r && pm->nacls)
		r = install__add(plan, INSTALL_SETFACL, object, NULL, pm, e);
	if (!r && pm->context)
		r = install__add(plan, INSTALL_SEMANAGE, object, NULL, pm, e);
	if (!r && (pm->owner || pm->group))
		r = install__add(plan, INSTALL_CHOWN, object, NULL, pm, e);
	return r;
}

static int install__permissions(struct install_plan *plan, const struct appspec_permission *pm,
				struct err *e)
{
	char object[INSTALL_PATH_MAX];
	size_t *matches = NULL, n = 0;
	int r = 0;

	if (install_expand_path(pm->object, object, sizeof(object)))
		return err_set(e, SW_E_TRUNCATED, "permission object too long");
	if (install__find(&plan->copies, object)) {
		if (!(pm->type & APPSPEC_TYPE_FILE))
			return 0;
		if (strcmp(pm->pattern, "**") != 0)
			return err_set(
			    e, SW_E_INVALID,
			    "permission object %s is a file, so pattern must be ** (found "
			    "%s; permissions entry at line %d)",
			    object, pm->pattern, pm->line);
		if (pm->nexcept)
			return err_set(e, SW_E_INVALID,
				       "permission object %s is a file, so except must be empty "
				       "(permissions entry at line %d)",
				       object, pm->line);
		if (pm->has_default_acl)
			return err_set(e, SW_E_INVALID,
				       "default acls are not allowed on file %s (permissions entry "
				       "at line %d)",
				       object, pm->line);
		return install__set_permissions(plan, object, pm, e);
	}
	if (!install__find(&plan->mkdirs, object) && !install__is_dir(object))
		return 0;
	/* Collect first: setting permissions appends commands and moves the array. */
	matches = calloc(plan->n ? plan->n : 1, sizeof(*matches));
	if (!matches)
		return err_set(e, SW_E_NOMEM, NULL);
	if (pm->type & APPSPEC_TYPE_FILE)
		for (size_t i = 0; i < plan->n; i++)
			if (plan->cmds[i].type == INSTALL_COPY &&
			    install_perm_matches(pm, plan->cmds[i].path))
				matches[n++] = i;
	if (pm->type & APPSPEC_TYPE_DIRECTORY)
		for (size_t i = 0; i < plan->n; i++)
			if (plan->cmds[i].type == INSTALL_MKDIR &&
			    install_perm_matches(pm, plan->cmds[i].path))
				matches[n++] = i;
	for (size_t i = 0; i < n && !r; i++) {
		char path[INSTALL_PATH_MAX];

		str_copy(path, sizeof(path), plan->cmds[matches[i]].path);
		if (plan->cmds[matches[i]].type == INSTALL_COPY && pm->has_default_acl)
			r = err_set(e, SW_E_INVALID,
				    "default acls are not allowed on file %s (permissions entry at "
				    "line %d)",
				    path, pm->line);
		else
			r = install__set_permissions(plan, path, pm, e);
	}
	free(matches);
	return r;
}

/* The source of a files entry inside the archive; refuses one that leaves it. */
static int install__source(const char *archive_dir, const struct appspec_file *f, char *out,
			   size_t size, struct err *e)
{
	char joined[INSTALL_PATH_MAX], root[INSTALL_PATH_MAX];
	size_t n;

	if (str_fmt(joined, sizeof(joined), "%s/%s", archive_dir, f->source) ||
	    install_expand_path(joined, out, size) ||
	    install_expand_path(archive_dir, root, sizeof(root)))
		return err_set(e, SW_E_TRUNCATED, "source path too long: %s", f->source);
	n = strlen(root);
	if (strncmp(out, root, n) != 0 || (out[n] != '\0' && out[n] != '/'))
		return err_set(e, SW_E_INVALID,
			       "appspec.yml line %d: 'files' source '%s' points outside the bundle",
			       f->line, f->source);
	if (!install__exists(out))
		return err_set(e, SW_E_INVALID,
			       "appspec.yml line %d: 'files' source '%s' does not exist in the "
			       "bundle",
			       f->line, f->source);
	return 0;
}

int install_plan_build(struct install_plan *plan, const struct appspec *spec,
		       const char *archive_dir, enum appspec_feb feb, struct err *e)
{
	int r = 0;

	for (size_t i = 0; i < spec->nfiles && !r; i++) {
		const struct appspec_file *f = &spec->files[i];
		char src[INSTALL_PATH_MAX], dst[INSTALL_PATH_MAX], joined[INSTALL_PATH_MAX];

		r = install__source(archive_dir, f, src, sizeof(src), e);
		if (r)
			break;
		if (install_expand_path(f->destination, dst, sizeof(dst)))
			return err_set(e, SW_E_TRUNCATED, "destination too long: %s",
				       f->destination);
		if (install__is_dir(src)) {
			r = install__missing_ancestors(plan, dst, e);
			if (!r)
				r = install__dir_copy(plan, src, dst, feb, 0, e);
		} else {
			if (str_fmt(joined, sizeof(joined), "%s/%s", dst, install__base(src)) ||
			    install_expand_path(joined, dst, sizeof(dst)))
				return err_set(e, SW_E_TRUNCATED, "destination too long");
			r = install__missing_ancestors(plan, dst, e);
			if (!r)
				r = install__normal_copy(plan, src, dst, feb, e);
		}
	}
	for (size_t i = 0; i < spec->npermissions && !r; i++)
		r = install__permissions(plan, &spec->permissions[i], e);
	return r;
}

/* -- install.json ------------------------------------------------------------------------ */

static json_t *install__cmd_json(const struct install_cmd *c)
{
	json_t *o = json_object(), *arr;
	const struct appspec_permission *pm = c->perm;

	if (!o)
		return NULL;
	switch (c->type) {
	case INSTALL_COPY:
		json_object_set_new(o, "type", json_string("copy"));
		json_object_set_new(o, "source", json_string(c->source));
		json_object_set_new(o, "destination", json_string(c->path));
		break;
	case INSTALL_MKDIR:
		json_object_set_new(o, "type", json_string("mkdir"));
		json_object_set_new(o, "directory", json_string(c->path));
		break;
	case INSTALL_CHMOD:
		json_object_set_new(o, "type", json_string("chmod"));
		json_object_set_new(o, "mode", json_string(pm->mode));
		json_object_set_new(o, "file", json_string(c->path));
		break;
	case INSTALL_SETFACL:
		json_object_set_new(o, "type", json_string("setfacl"));
		arr = json_array();
		for (size_t i = 0; arr && i < pm->nacls; i++)
			json_array_append_new(arr, json_string(pm->acls[i]));
		json_object_set_new(o, "acl", arr ? arr : json_null());
		json_object_set_new(o, "file", json_string(c->path));
		break;
	case INSTALL_SEMANAGE: {
		json_t *ctx = json_object();

		json_object_set_new(o, "type", json_string("semanage"));
		if (ctx) {
			json_object_set_new(ctx, "user",
					    pm->context->user ? json_string(pm->context->user)
							      : json_null());
			json_object_set_new(ctx, "role", json_null());
			json_object_set_new(ctx, "type", json_string(pm->context->type));
			json_object_set_new(ctx, "range",
					    pm->context->range ? json_string(pm->context->range)
							       : json_null());
		}
		json_object_set_new(o, "context", ctx ? ctx : json_null());
		json_object_set_new(o, "file", json_string(c->path));
		break;
	}
	case INSTALL_CHOWN:
		json_object_set_new(o, "type", json_string("chown"));
		json_object_set_new(o, "owner", pm->owner ? json_string(pm->owner) : json_null());
		json_object_set_new(o, "group", pm->group ? json_string(pm->group) : json_null());
		json_object_set_new(o, "file", json_string(c->path));
		break;
	}
	return o;
}

int install_plan_write_json(const struct install_plan *plan, const char *path, struct err *e)
{
	char tmp[INSTALL_PATH_MAX];
	FILE *fp;
	int r = 0;

	if (str_fmt(tmp, sizeof(tmp), "%s.tmp", path))
		return err_set(e, SW_E_TRUNCATED, "path too long: %s", path);
	fp = fopen(tmp, "we");
	if (!fp)
		return err_set(e, SW_E_IO, "cannot write %s: %s", tmp, strerror(errno));
	fputs("{\"instructions\":[", fp);
	for (size_t i = 0; i < plan->n && !r; i++) {
		json_t *o = install__cmd_json(&plan->cmds[i]);

		if (!o || (i && fputc(',', fp) == EOF) ||
		    json_dumpf(o, fp, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
			r = err_set(e, SW_E_IO, "cannot write %s", tmp);
		json_decref(o);
	}
	fputs("]}", fp);
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
		r = r ? r : err_set(e, SW_E_IO, "cannot write %s: %s", tmp, strerror(errno));
	if (fclose(fp) != 0 && !r)
		r = err_set(e, SW_E_IO, "cannot write %s", tmp);
	if (!r && rename(tmp, path) != 0)
		r = err_set(e, SW_E_IO, "cannot write %s: %s", path, strerror(errno));
	if (r)
		unlink(tmp);
	return r;
}

/* -- execution --------------------------------------------------------------------------- */

/* Runs argv (argv[0] an absolute path) with output discarded; 0 when it exits with 0. */
static int install__spawn(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static const char *install__tool(const char *name)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL };
	static char path[256];

	for (int i = 0; dirs[i]; i++) {
		str_fmt(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

static int install__copy_file(const char *src, const char *dst, struct err *e)
{
	char tmp[INSTALL_PATH_MAX], buf[65536];
	struct stat st;
	struct timespec ts[2];
	int in, out, r = 0;
	ssize_t n;

	if (lstat(src, &st) != 0)
		return err_set(e, SW_E_IO, "cannot copy %s: %s", src, strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		ssize_t len = readlink(src, buf, sizeof(buf) - 1);

		if (len < 0)
			return err_set(e, SW_E_IO, "cannot read link %s", src);
		buf[len] = '\0';
		if (lstat(dst, &st) == 0 && !S_ISDIR(st.st_mode))
			unlink(dst);
		if (symlink(buf, dst) != 0)
			return err_set(e, SW_E_IO, "cannot create link %s: %s", dst,
				       strerror(errno));
		return 0;
	}
	if (str_fmt(tmp, sizeof(tmp), "%s.slipway-tmp", dst))
		return err_set(e, SW_E_TRUNCATED, "path too long: %s", dst);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return err_set(e, SW_E_IO, "cannot copy %s: %s", src, strerror(errno));
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0 && errno == EEXIST && unlink(tmp) == 0)
		out =
		    open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (out < 0) {
		close(in);
		return err_set(e, SW_E_IO, "cannot create %s: %s", dst, strerror(errno));
	}
	while (!r && (n = read(in, buf, sizeof(buf))) != 0) {
		char *p = buf;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = err_set(e, SW_E_IO, "cannot read %s: %s", src, strerror(errno));
			break;
		}
		while (n > 0) {
			ssize_t w = write(out, p, (size_t)n);

			if (w <= 0) {
				r = err_set(e, SW_E_IO, "cannot write %s: %s", dst,
					    strerror(errno));
				break;
			}
			p += w;
			n -= w;
		}
	}
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	if (!r && (fchmod(out, st.st_mode & 07777) != 0 || futimens(out, ts) != 0))
		r = err_set(e, SW_E_IO, "cannot set the mode of %s", dst);
	close(in);
	if (close(out) != 0 && !r)
		r = err_set(e, SW_E_IO, "cannot write %s", dst);
	if (!r && rename(tmp, dst) != 0)
		r = err_set(e, SW_E_IO, "cannot install %s: %s", dst, strerror(errno));
	if (r)
		unlink(tmp);
	return r;
}

static int install__cleanup_line(FILE *fp, const char *prefix, const char *path, struct err *e)
{
	if ((prefix && fwrite(prefix, 1, strlen(prefix) + 1, fp) != strlen(prefix) + 1) ||
	    fputs(path, fp) == EOF || fputc('\n', fp) == EOF || fflush(fp) != 0)
		return err_set(e, SW_E_IO, "cannot write the cleanup file: %s", strerror(errno));
	return 0;
}

static char install__perm_char(mode_t m, mode_t r, mode_t w, mode_t x, char out[4])
{
	out[0] = (m & r) ? 'r' : '-';
	out[1] = (m & w) ? 'w' : '-';
	out[2] = (m & x) ? 'x' : '-';
	out[3] = '\0';
	return 0;
}

static int install__setfacl(const struct install_cmd *c, struct err *e)
{
	const char *tool = install__tool("setfacl");
	struct buf acl = BUF_INIT(65536);
	bool has_mask = false, named = false;
	char u[4], g[4], o[4];
	struct stat st;
	char *argv[5];
	int r;

	if (!tool)
		return err_set(e, SW_E_INVALID,
			       "cannot apply acls to %s: setfacl is not installed on this host "
			       "(install the acl package or remove 'acls' from the AppSpec)",
			       c->path);
	if (stat(c->path, &st) != 0)
		return err_set(e, SW_E_IO, "cannot set acls on %s: %s", c->path, strerror(errno));
	for (size_t i = 0; i < c->perm->nacls; i++) {
		const char *a = c->perm->acls[i];

		if (str_starts(a, "m:") || str_starts(a, "mask:"))
			has_mask = true;
		else
			named = true;
		buf_addf(&acl, "%s%s", i ? "," : "", a);
	}
	install__perm_char(st.st_mode, S_IRUSR, S_IWUSR, S_IXUSR, u);
	install__perm_char(st.st_mode, S_IRGRP, S_IWGRP, S_IXGRP, g);
	install__perm_char(st.st_mode, S_IROTH, S_IWOTH, S_IXOTH, o);
	buf_addf(&acl, ",u::%s,g::%s,o::%s", u, g, o);
	if (named && !has_mask)
		buf_adds(&acl, ",m::rwx");
	argv[0] = (char *)tool;
	argv[1] = "--set";
	argv[2] = acl.p;
	argv[3] = c->path;
	argv[4] = NULL;
	r = install__spawn(argv) ? err_set(e, SW_E_IO,
					   "unable to set acl correctly: setfacl --set "
					   "%s %s",
					   buf_str(&acl), c->path)
				 : 0;
	buf_release(&acl);
	return r;
}

static int install__semanage(const struct install_cmd *c, FILE *cleanup, struct err *e)
{
	const char *tool = install__tool("semanage");
	char real[PATH_MAX], semanage[256];
	char *argv[12];
	int k = 0, r;

	if (!tool)
		return err_set(e, SW_E_INVALID,
			       "cannot apply SELinux context to %s: semanage is not installed on "
			       "this host (install policycoreutils or remove 'context' from the "
			       "AppSpec)",
			       c->path);
	str_copy(semanage, sizeof(semanage), tool);
	if (!realpath(c->path, real))
		return err_set(e, SW_E_IO, "cannot resolve %s", c->path);
	r = install__cleanup_line(cleanup, "semanage", real, e);
	if (r)
		return r;
	argv[k++] = semanage;
	argv[k++] = "fcontext";
	argv[k++] = "-a";
	if (c->perm->context->user) {
		argv[k++] = "-s";
		argv[k++] = c->perm->context->user;
	}
	argv[k++] = "-t";
	argv[k++] = c->perm->context->type;
	if (c->perm->context->range) {
		argv[k++] = "-r";
		argv[k++] = c->perm->context->range;
	}
	argv[k++] = real;
	argv[k] = NULL;
	if (install__spawn(argv))
		return err_set(e, SW_E_IO, "unable to set the SELinux context of %s", real);
	tool = install__tool("restorecon");
	if (tool) {
		char *rargv[] = { (char *)tool, "-v", real, NULL };

		if (install__spawn(rargv))
			return err_set(e, SW_E_IO, "restorecon failed on %s", real);
	}
	return 0;
}

static int install__chown(const struct install_cmd *c, struct err *e)
{
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;

	if (c->perm->owner) {
		struct passwd *pw = getpwnam(c->perm->owner);

		if (!pw)
			return err_set(
			    e, SW_E_INVALID,
			    "cannot set the owner of %s: no user named '%s' on this host", c->path,
			    c->perm->owner);
		uid = pw->pw_uid;
	}
	if (c->perm->group) {
		struct group *gr = getgrnam(c->perm->group);

		if (!gr)
			return err_set(
			    e, SW_E_INVALID,
			    "cannot set the group of %s: no group named '%s' on this host", c->path,
			    c->perm->group);
		gid = gr->gr_gid;
	}
	if (lchown(c->path, uid, gid) != 0)
		return err_set(e, SW_E_IO, "cannot change the owner of %s: %s", c->path,
			       strerror(errno));
	return 0;
}

static int install__exec_one(const struct install_cmd *c, FILE *cleanup, struct err *e)
{
	struct stat st;
	long mode;
	int r;

	switch (c->type) {
	case INSTALL_COPY:
		r = install__cleanup_line(cleanup, NULL, c->path, e);
		return r ? r : install__copy_file(c->source, c->path, e);
	case INSTALL_MKDIR:
		if (mkdir(c->path, 0755) != 0)
			return err_set(e, SW_E_IO, "cannot create directory %s: %s", c->path,
				       strerror(errno));
		return install__cleanup_line(cleanup, NULL, c->path, e);
	case INSTALL_CHMOD:
		/* Permissions are never applied through a symlink (it could point anywhere). */
		if (lstat(c->path, &st) == 0 && S_ISLNK(st.st_mode))
			return 0;
		mode = strtol(c->perm->mode, NULL, 8);
		if (chmod(c->path, (mode_t)mode) != 0)
			return err_set(e, SW_E_IO, "cannot change the mode of %s: %s", c->path,
				       strerror(errno));
		return 0;
	case INSTALL_SETFACL:
		return install__setfacl(c, e);
	case INSTALL_SEMANAGE:
		return install__semanage(c, cleanup, e);
	case INSTALL_CHOWN:
		return install__chown(c, e);
	}
	return 0;
}

int install_plan_execute(const struct install_plan *plan, const char *cleanup_path, struct err *e)
{
	FILE *fp = fopen(cleanup_path, "we");
	int r = 0;

	if (!fp)
		return err_set(e, SW_E_IO, "cannot write %s: %s", cleanup_path, strerror(errno));
	for (size_t i = 0; i < plan->n && !r; i++)
		r = install__exec_one(&plan->cmds[i], fp, e);
	if (fclose(fp) != 0 && !r)
		r = err_set(e, SW_E_IO, "cannot write %s", cleanup_path);
	return r;
}

/* -- cleanup ----------------------------------------------------------------------------- */

static void install__remove(const char *line, size_t len)
{
	char path[INSTALL_PATH_MAX];
	struct stat st;

	if (len >= 9 && memcmp(line, "semanage", 8) == 0 && line[8] == '\0') {
		const char *tool = install__tool("semanage");

		if (tool && !str_copyn(path, sizeof(path), line + 9, len - 9)) {
			char *argv[] = { (char *)tool, "fcontext", "-d", path, NULL };

			install__spawn(argv);
		}
		return;
	}
	if (str_copyn(path, sizeof(path), line, len) || !path[0])
		return;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode))
		rmdir(path); /* kept when not empty */
	else
		unlink(path);
}

int install_cleanup(const char *cleanup_path, struct err *e)
{
	FILE *fp = fopen(cleanup_path, "re");
	size_t *starts = NULL, *lens = NULL, n = 0, cap = 0;
	struct buf data = BUF_INIT((size_t)1 << 30);
	char chunk[65536];
	size_t got;
	int r = 0;

	if (!fp)
		return errno == ENOENT ? 0 : err_set(e, SW_E_IO, "cannot read %s", cleanup_path);
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_add(&data, chunk, got)) {
			r = err_set(e, SW_E_TOO_LARGE, "cleanup file %s is too large",
				    cleanup_path);
			break;
		}
	fclose(fp);
	for (size_t pos = 0; !r && pos < data.len;) {
		char *nl = memchr(data.p + pos, '\n', data.len - pos);

		if (!nl)
			break; /* a partial last line: skipped */
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			size_t *ns = realloc(starts, ncap * sizeof(*ns));
			size_t *nl2 = ns ? realloc(lens, ncap * sizeof(*nl2)) : NULL;

			if (ns)
				starts = ns;
			if (!ns || !nl2) {
				r = err_set(e, SW_E_NOMEM, NULL);
				break;
			}
			lens = nl2;
			cap = ncap;
		}
		starts[n] = pos;
		lens[n++] = (size_t)(nl - (data.p + pos));
		pos = (size_t)(nl - data.p) + 1;
	}
	while (!r && n-- > 0)
		install__remove(data.p + starts[n], lens[n]);
	free(starts);
	free(lens);
	buf_release(&data);
	if (!r && unlink(cleanup_path) != 0 && errno != ENOENT)
		r = err_set(e, SW_E_IO, "cannot remove %s", cleanup_path);
	return r;
}

int install_run(const char *root, const char *dg, const char *archive_dir,
		const struct appspec *spec, enum appspec_feb feb, struct err *e)
{
	char cleanup[INSTALL_PATH_MAX], plan_json[INSTALL_PATH_MAX], dir[INSTALL_PATH_MAX];
	struct install_plan plan;
	int r;

	if (layout_instructions_file(root, dg, LAYOUT_CLEANUP, cleanup, sizeof(cleanup)) ||
	    layout_instructions_file(root, dg, LAYOUT_INSTALL_JSON, plan_json, sizeof(plan_json)) ||
	    str_fmt(dir, sizeof(dir), "%s/deployment-instructions", root))
		return err_set(e, SW_E_TRUNCATED, "root directory path too long");
	r = fs_mkdir_p(dir, 0755, e);
	if (r)
		return r;
	r = install_cleanup(cleanup, e);
	if (r)
		return r;
	install_plan_init(&plan);
	r = install_plan_build(&plan, spec, archive_dir, feb, e);
	if (!r)
		r = install_plan_write_json(&plan, plan_json, e);
	if (!r)
		r = install_plan_execute(&plan, cleanup, e);
	install_plan_release(&plan);
	return r;
}
