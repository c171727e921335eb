/* appspec: AppSpec YAML → struct appspec, with the AWS agent's validation rules (§1). */
#include "appspec.h"
#include "base/str.h"

#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define APPSPEC_MAX_SIZE (1 << 20)

const char *const appspec_agent_events[] = {
	"BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop",
	"DownloadBundle",     "BeforeInstall",	   "Install",
	"AfterInstall",	      "ApplicationStart",  "ValidateService",
	"BeforeAllowTraffic", "AfterAllowTraffic", NULL,
};

bool appspec_event_scriptable(const char *event)
{
	for (int i = 0; appspec_agent_events[i]; i++)
		if (strcmp(event, appspec_agent_events[i]) == 0)
			return strcmp(event, "DownloadBundle") != 0 &&
			       strcmp(event, "Install") != 0;
	return false;
}

const char *appspec_feb_name(enum appspec_feb feb)
{
	switch (feb) {
	case APPSPEC_FEB_OVERWRITE:
		return "OVERWRITE";
	case APPSPEC_FEB_RETAIN:
		return "RETAIN";
	default:
		return "DISALLOW";
	}
}

enum appspec_feb appspec_feb_parse(const char *s)
{
	if (!s)
		return APPSPEC_FEB_UNSET;
	if (strcasecmp(s, "DISALLOW") == 0)
		return APPSPEC_FEB_DISALLOW;
	if (strcasecmp(s, "OVERWRITE") == 0)
		return APPSPEC_FEB_OVERWRITE;
	if (strcasecmp(s, "RETAIN") == 0)
		return APPSPEC_FEB_RETAIN;
	return APPSPEC_FEB_UNSET;
}

bool appspec_glob(const char *pattern, const char *name)
{
	if (strchr(name, '/'))
		return false;
	return str_glob(pattern, name);
}

/* The parse context: the document and where messages point. */
struct ap {
	const char *name;
	struct err *e;
};

/* 1-based line of a node: a scalar's own token, else its first key or item. */
static int ap__line(struct fy_node *n)
{
	void *it = NULL;

	for (int depth = 0; n && depth < 64; depth++) {
		struct fy_token *t;
		struct fy_node_pair *p;
		const struct fy_mark *m;

		switch (fy_node_get_type(n)) {
		case FYNT_SCALAR:
			t = fy_node_get_scalar_token(n);
			m = t ? fy_token_start_mark(t) : NULL;
			return m ? m->line + 1 : 0;
		case FYNT_MAPPING:
			it = NULL;
			p = fy_node_mapping_iterate(n, &it);
			n = p ? fy_node_pair_key(p) : NULL;
			break;
		case FYNT_SEQUENCE:
			it = NULL;
			n = fy_node_sequence_iterate(n, &it);
			break;
		default:
			return 0;
		}
	}
	return 0;
}

static int ap__fail(struct ap *a, struct fy_node *n, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int ap__fail(struct ap *a, struct fy_node *n, int line, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n)
		line = ap__line(n);
	if (line > 0)
		return err_set(a->e, SW_E_INVALID, "%s line %d: %s", a->name, line, what);
	return err_set(a->e, SW_E_INVALID, "%s: %s", a->name, what);
}

static bool ap__is_null(struct fy_node *n)
{
	const char *s;
	size_t len;

	if (!n)
		return true;
	if (fy_node_get_type(n) != FYNT_SCALAR || fy_node_get_style(n) != FYNS_PLAIN)
		return false;
	s = fy_node_get_scalar(n, &len);
	return !s || len == 0 || (len == 1 && s[0] == '~') ||
	       (len == 4 &&
		(!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

/* A scalar's text as a new string; NULL (with the error set) if n is not a scalar. */
static char *ap__str(struct ap *a, struct fy_node *n, const char *key, int *rc)
{
	const char *s;
	size_t len;
	char *out;

	if (!n || fy_node_get_type(n) != FYNT_SCALAR) {
		*rc = ap__fail(a, n, 0, "'%s' must be a string", key);
		return NULL;
	}
	s = fy_node_get_scalar(n, &len);
	if (!s)
		s = "";
	if (memchr(s, '\0', len)) {
		*rc = ap__fail(a, n, 0, "'%s' must not contain NUL characters", key);
		return NULL;
	}
	out = str_ndup(s, len);
	if (!out)
		*rc = err_set(a->e, SW_E_NOMEM, NULL);
	return out;
}

static bool ap__key_is(struct fy_node_pair *p, const char *key)
{
	struct fy_node *k = fy_node_pair_key(p);
	const char *s;
	size_t len;

	if (!k || fy_node_get_type(k) != FYNT_SCALAR)
		return false;
	s = fy_node_get_scalar(k, &len);
	return s && len == strlen(key) && memcmp(s, key, len) == 0;
}

static struct fy_node *ap__get(struct fy_node *map, const char *key, struct fy_node **keynode)
{
	void *it = NULL;
	struct fy_node_pair *p;

	while ((p = fy_node_mapping_iterate(map, &it)))
		if (ap__key_is(p, key)) {
			if (keynode)
				*keynode = fy_node_pair_key(p);
			return fy_node_pair_value(p);
		}
	return NULL;
}

static bool ap__has(struct fy_node *map, const char *key)
{
	void *it = NULL;
	struct fy_node_pair *p;

	while ((p = fy_node_mapping_iterate(map, &it)))
		if (ap__key_is(p, key))
			return true;
	return false;
}

/* A list of scalars (a single scalar counts as a one-item list). */
static int ap__str_list(struct ap *a, struct fy_node *n, const char *key, char ***out,
			size_t *count)
{
	void *it = NULL;
	struct fy_node *item;
	size_t cap;
	int rc = 0;

	if (ap__is_null(n))
		return 0;
	if (fy_node_get_type(n) == FYNT_SCALAR) {
		*out = calloc(1, sizeof(char *));
		if (!*out)
			return err_set(a->e, SW_E_NOMEM, NULL);
		(*out)[0] = ap__str(a, n, key, &rc);
		*count = (*out)[0] ? 1 : 0;
		return rc;
	}
	if (fy_node_get_type(n) != FYNT_SEQUENCE)
		return ap__fail(a, n, 0, "'%s' must be a list", key);
	cap = (size_t)fy_node_sequence_item_count(n);
	*out = calloc(cap ? cap : 1, sizeof(char *));
	if (!*out)
		return err_set(a->e, SW_E_NOMEM, NULL);
	while (!rc && (item = fy_node_sequence_iterate(n, &it)) && *count < cap) {
		char *s = ap__str(a, item, key, &rc);

		if (s)
			(*out)[(*count)++] = s;
	}
	return rc;
}

static void ap__free_list(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static int ap__version(struct ap *a, struct fy_node *root)
{
	struct fy_node *key = NULL, *v = ap__get(root, "version", &key);
	char text[64];
	const char *s;
	size_t len;
	char *end;
	double d;

	if (!key)
		return ap__fail(a, NULL, 0, "missing required key 'version' (must be 0.0)");
	if (!v || fy_node_get_type(v) != FYNT_SCALAR || fy_node_get_style(v) != FYNS_PLAIN)
		return ap__fail(a, key, 0, "invalid version value in 'version' (must be 0.0)");
	s = fy_node_get_scalar(v, &len);
	if (!s || len == 0 || len >= sizeof(text))
		return ap__fail(a, key, 0, "invalid version value in 'version' (must be 0.0)");
	memcpy(text, s, len);
	text[len] = '\0';
	errno = 0;
	d = strtod(text, &end);
	if (errno || *end || end == text || d != 0.0 || strchr(text, 'x') || strchr(text, 'X') ||
	    strchr(text, 'n') || strchr(text, 'N'))
		return ap__fail(a, key, 0, "invalid version value '%s' in 'version' (must be 0.0)",
				text);
	return 0;
}

static int ap__os(struct ap *a, struct fy_node *root)
{
	struct fy_node *key = NULL, *v = ap__get(root, "os", &key);
	char *os;
	int rc = 0;

	if (!key)
		return ap__fail(a, NULL, 0, "missing required key 'os' (must be linux)");
	os = ap__str(a, v, "os", &rc);
	if (!os)
		return rc;
	if (strcmp(os, "linux") != 0)
		rc = ap__fail(
		    a, key, 0,
		    "unsupported operating system '%s' in 'os' (this agent runs on linux)", os);
	free(os);
	return rc;
}

/* True when path, taken relative to the bundle root (a leading '/' is that root too), climbs
 * out of it with "..". */
static bool ap__leaves_bundle(const char *path)
{
	int depth = 0;

	for (const char *p = path; *p;) {
		size_t len = strcspn(p, "/");

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (len && !(len == 1 && p[0] == '.')) {
			depth++;
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return false;
}

static int ap__files(struct ap *a, struct fy_node *n, struct appspec *spec)
{
	void *it = NULL;
	struct fy_node *item;
	size_t cap;
	int rc = 0;

	if (ap__is_null(n))
		return 0;
	if (fy_node_get_type(n) != FYNT_SEQUENCE)
		return ap__fail(a, n, 0, "'files' must be a list of {source, destination}");
	cap = (size_t)fy_node_sequence_item_count(n);
	spec->files = calloc(cap ? cap : 1, sizeof(*spec->files));
	if (!spec->files)
		return err_set(a->e, SW_E_NOMEM, NULL);
	while (!rc && (item = fy_node_sequence_iterate(n, &it)) && spec->nfiles < cap) {
		struct appspec_file *f = &spec->files[spec->nfiles];
		struct fy_node *src, *dst;

		if (fy_node_get_type(item) != FYNT_MAPPING)
			return ap__fail(a, item, 0,
					"'files' entry must be a mapping with 'source' and "
					"'destination'");
		f->line = ap__line(item);
		src = ap__get(item, "source", NULL);
		dst = ap__get(item, "destination", NULL);
		if (ap__is_null(src))
			return ap__fail(a, item, 0, "'files' entry has no 'source'");
		if (ap__is_null(dst))
			return ap__fail(a, item, 0, "'files' entry has no 'destination'");
		f->source = ap__str(a, src, "source", &rc);
		if (f->source)
			f->destination = ap__str(a, dst, "destination", &rc);
		spec->nfiles++;
		if (!rc && (!f->source[0] || !f->destination[0]))
			rc = ap__fail(a, item, 0,
				      "'files' entry has an empty 'source' or "
				      "'destination'");
		/* Both refused here, before any event runs: a relative destination would be
		 * resolved against the agent's working directory (AWS requires an absolute one),
		 * and a source is read from inside the bundle only. */
		if (!rc && f->destination[0] != '/')
			rc =
			    ap__fail(a, dst, 0, "'files' destination '%s' must be an absolute path",
				     f->destination);
		if (!rc && ap__leaves_bundle(f->source))
			rc = ap__fail(a, src, 0, "'files' source '%s' points outside the bundle",
				      f->source);
	}
	return rc;
}

static bool ap__perm_ok(const char *perms)
{
	if (strlen(perms) == 1 && perms[0] >= '0' && perms[0] <= '7')
		return true;
	for (const char *p = perms; *p; p++)
		if (!strchr("rwx-", *p))
			return false;
	return true;
}

int appspec_acl_check(const char *ace, bool *is_default, struct err *e)
{
	const char *parts[5];
	size_t lens[5], n = 0;
	const char *p = ace;
	const char *type = "user";
	bool def = false;

	*is_default = false;
	if (!ace || !*ace)
		return err_set(e, SW_E_INVALID, "invalid acl entry ''");
	/* Split on ':' keeping empty fields, at most 5 so that too many is detectable. */
	for (;;) {
		const char *c = strchr(p, ':');

		if (n == 5)
			return err_set(e, SW_E_INVALID, "invalid acl entry '%s'", ace);
		parts[n] = p;
		lens[n++] = c ? (size_t)(c - p) : strlen(p);
		if (!c)
			break;
		p = c + 1;
	}
	if (n < 2 || n > 4)
		return err_set(e, SW_E_INVALID, "invalid acl entry '%s'", ace);
#define ACL_IS(i, s) (lens[i] == strlen(s) && memcmp(parts[i], s, lens[i]) == 0)
	if (n == 4) {
		if (!ACL_IS(0, "d") && !ACL_IS(0, "default"))
			return err_set(e, SW_E_INVALID, "invalid acl entry '%s'", ace);
		def = true;
	}
	if (n >= 3) {
		size_t t = n - 3;

		if (ACL_IS(t, "u") || ACL_IS(t, "user"))
			type = "user";
		else if (ACL_IS(t, "g") || ACL_IS(t, "group"))
			type = "group";
		else if (ACL_IS(t, "m") || ACL_IS(t, "mask"))
			type = "mask";
		else if (ACL_IS(t, "o") || ACL_IS(t, "other"))
			type = "other";
		else if (n == 3 && (ACL_IS(t, "d") || ACL_IS(t, "default")))
			def = true;
		else
			return err_set(e, SW_E_INVALID, "invalid acl entry '%s'", ace);
	}
#undef ACL_IS
	if (!def && strcmp(type, "mask") != 0 && lens[n - 2] == 0)
		return err_set(e, SW_E_INVALID,
			       "use mode to set the base acl entry '%s' (acls need a user or group "
			       "name)",
			       ace);
	{
		char perms[16];

		if (str_copyn(perms, sizeof(perms), parts[n - 1], lens[n - 1]) || !perms[0] ||
		    !ap__perm_ok(perms))
			return err_set(e, SW_E_INVALID,
				       "unrecognized permission in acl entry '%s' (use rwx- or one "
				       "octal digit)",
				       ace);
	}
	*is_default = def;
	return 0;
}

static bool ap__num(const char **p, long max)
{
	long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
		if (v > max)
			return false;
	}
	*p = s;
	return true;
}

int appspec_range_check(const char *range, struct err *e)
{
	const char *p = range;

	if (*p++ != 's' || !ap__num(&p, 1L << 30))
		goto bad;
	if (*p == '-') {
		p++;
		if (*p++ != 's' || !ap__num(&p, 1L << 30))
			goto bad;
	}
	if (*p == ':') {
		do {
			p++;
			if (*p++ != 'c' || !ap__num(&p, 1023))
				goto bad;
			if (*p == '.') {
				p++;
				if (*p++ != 'c' || !ap__num(&p, 1023))
					goto bad;
			}
		} while (*p == ',');
	}
	if (*p)
		goto bad;
	return 0;
bad:
	return err_set(e, SW_E_INVALID,
		       "invalid SELinux range '%s' (expected s<N>[-s<N>][:c<N>[.c<N>],...], "
		       "categories up to c1023)",
		       range);
}

static int ap__mode(struct ap *a, struct fy_node *n, char out[5])
{
	const char *s;
	size_t len;

	if (!n || fy_node_get_type(n) != FYNT_SCALAR)
		return ap__fail(a, n, 0, "'mode' must be 1 to 4 octal digits");
	s = fy_node_get_scalar(n, &len);
	if (!s || len == 0 || len > 4)
		return ap__fail(a, n, 0,
				"permission mode length incorrect in 'mode' (1 to 4 octal "
				"digits)");
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '7')
			return ap__fail(a, n, 0,
					"invalid character '%c' in permission 'mode' '%.*s'", s[i],
					(int)len, s);
	memset(out, 0, 5);
	if (len < 3) {
		memset(out, '0', 3 - len);
		memcpy(out + 3 - len, s, len);
	} else {
		memcpy(out, s, len);
	}
	return 0;
}

static int ap__context(struct ap *a, struct fy_node *n, struct appspec_permission *pm)
{
	struct fy_node *v;
	int rc = 0;

	if (fy_node_get_type(n) != FYNT_MAPPING)
		return ap__fail(a, n, 0,
				"'context' must be a mapping with 'type' (and optionally "
				"'name', 'range')");
	if (ap__has(n, "role"))
		return ap__fail(a, n, 0, "'context' does not accept 'role'");
	pm->context = calloc(1, sizeof(*pm->context));
	if (!pm->context)
		return err_set(a->e, SW_E_NOMEM, NULL);
	v = ap__get(n, "type", NULL);
	if (ap__is_null(v))
		return ap__fail(a, n, 0, "'context' needs a 'type'");
	pm->context->type = ap__str(a, v, "type", &rc);
	if (!rc && !ap__is_null(v = ap__get(n, "name", NULL)))
		pm->context->user = ap__str(a, v, "name", &rc);
	if (!rc && !ap__is_null(v = ap__get(n, "range", NULL))) {
		pm->context->range = ap__str(a, v, "range", &rc);
		if (!rc && appspec_range_check(pm->context->range, a->e))
			rc = ap__fail(a, v, 0, "in 'context' 'range': %s", err_message(a->e));
	}
	return rc;
}

static int ap__permission(struct ap *a, struct fy_node *item, struct appspec_permission *pm)
{
	void *it = NULL;
	struct fy_node_pair *p;
	int rc = 0;

	pm->type = APPSPEC_TYPE_FILE | APPSPEC_TYPE_DIRECTORY;
	pm->line = ap__line(item);
	if (fy_node_get_type(item) != FYNT_MAPPING)
		return ap__fail(a, item, 0, "'permissions' entry must be a mapping with 'object'");
	while (!rc && (p = fy_node_mapping_iterate(item, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);

		if (ap__key_is(p, "object")) {
			if (!ap__is_null(v))
				pm->object = ap__str(a, v, "object", &rc);
		} else if (ap__key_is(p, "pattern")) {
			if (!ap__is_null(v))
				pm->pattern = ap__str(a, v, "pattern", &rc);
		} else if (ap__key_is(p, "except")) {
			rc = ap__str_list(a, v, "except", &pm->except, &pm->nexcept);
		} else if (ap__key_is(p, "owner")) {
			if (!ap__is_null(v))
				pm->owner = ap__str(a, v, "owner", &rc);
		} else if (ap__key_is(p, "group")) {
			if (!ap__is_null(v))
				pm->group = ap__str(a, v, "group", &rc);
		} else if (ap__key_is(p, "mode")) {
			if (!ap__is_null(v))
				rc = ap__mode(a, v, pm->mode);
		} else if (ap__key_is(p, "acls")) {
			rc = ap__str_list(a, v, "acls", &pm->acls, &pm->nacls);
			for (size_t i = 0; !rc && i < pm->nacls; i++) {
				bool def;

				if (appspec_acl_check(pm->acls[i], &def, a->e))
					rc = ap__fail(a, v, 0, "in 'acls': %s", err_message(a->e));
				pm->has_default_acl |= def;
			}
		} else if (ap__key_is(p, "context")) {
			if (!ap__is_null(v))
				rc = ap__context(a, v, pm);
		} else if (ap__key_is(p, "type")) {
			char **types = NULL;
			size_t nt = 0;

			rc = ap__str_list(a, v, "type", &types, &nt);
			if (!rc && nt) {
				pm->type = 0;
				for (size_t i = 0; i < nt && !rc; i++) {
					if (strcmp(types[i], "file") == 0)
						pm->type |= APPSPEC_TYPE_FILE;
					else if (strcmp(types[i], "directory") == 0)
						pm->type |= APPSPEC_TYPE_DIRECTORY;
					else
						rc =
						    ap__fail(a, v, 0,
							     "invalid 'type' '%s' in 'permissions' "
							     "(file or directory)",
							     types[i]);
				}
			}
			ap__free_list(types, nt);
		} else if (ap__key_is(p, "os")) {
			char *os = ap__is_null(v) ? NULL : ap__str(a, v, "os", &rc);

			if (os && strcmp(os, "linux") != 0)
				rc = ap__fail(a, k, 0,
					      "'permissions' are not supported for os '%s'", os);
			free(os);
		} else {
			rc = ap__fail(
			    a, k, 0,
			    "unknown key in 'permissions' entry (expected object, pattern, "
			    "except, owner, group, mode, acls, context, type)");
		}
	}
	if (rc)
		return rc;
	if (!pm->object || !pm->object[0])
		return ap__fail(a, item, 0, "'permissions' entry has no 'object'");
	if (!pm->pattern) {
		pm->pattern = str_dup("**");
		if (!pm->pattern)
			return err_set(a->e, SW_E_NOMEM, NULL);
	}
	return 0;
}

static int ap__permissions(struct ap *a, struct fy_node *n, struct appspec *spec)
{
	void *it = NULL;
	struct fy_node *item;
	size_t cap;
	int rc = 0;

	if (ap__is_null(n))
		return 0;
	if (fy_node_get_type(n) != FYNT_SEQUENCE)
		return ap__fail(a, n, 0, "'permissions' must be a list");
	cap = (size_t)fy_node_sequence_item_count(n);
	spec->permissions = calloc(cap ? cap : 1, sizeof(*spec->permissions));
	if (!spec->permissions)
		return err_set(a->e, SW_E_NOMEM, NULL);
	while (!rc && (item = fy_node_sequence_iterate(n, &it)) && spec->npermissions < cap)
		rc = ap__permission(a, item, &spec->permissions[spec->npermissions++]);
	return rc;
}

static int ap__bool(struct ap *a, struct fy_node *n, const char *key, bool *out)
{
	const char *s;
	size_t len;

	if (!n || fy_node_get_type(n) != FYNT_SCALAR)
		return ap__fail(a, n, 0, "'%s' must be true or false", key);
	s = fy_node_get_scalar(n, &len);
	if (len == 4 && !strncasecmp(s, "true", 4))
		*out = true;
	else if (len == 3 && !strncasecmp(s, "yes", 3))
		*out = true;
	else if (len == 5 && !strncasecmp(s, "false", 5))
		*out = false;
	else if (len == 2 && !strncasecmp(s, "no", 2))
		*out = false;
	else
		return ap__fail(a, n, 0, "'%s' must be true or false", key);
	return 0;
}

static int ap__script(struct ap *a, struct fy_node *item, struct appspec_script *sc)
{
	void *it = NULL;
	struct fy_node_pair *p;
	int rc = 0;

	sc->timeout = 3600;
	sc->line = ap__line(item);
	if (fy_node_get_type(item) != FYNT_MAPPING)
		return ap__fail(a, item, 0, "hook script must be a mapping with 'location'");
	while (!rc && (p = fy_node_mapping_iterate(item, &it))) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p);

		if (ap__key_is(p, "location")) {
			if (!ap__is_null(v))
				sc->location = ap__str(a, v, "location", &rc);
		} else if (ap__key_is(p, "timeout")) {
			char *t = ap__is_null(v) ? NULL : ap__str(a, v, "timeout", &rc);
			int64_t secs;

			if (t && (str_to_i64(t, 1, 604800, &secs)))
				rc = ap__fail(
				    a, v, 0,
				    "'timeout' must be an integer number of seconds greater "
				    "than 0 (got '%s')",
				    t);
			else if (t)
				sc->timeout = (int)secs;
			free(t);
		} else if (ap__key_is(p, "runas")) {
			if (!ap__is_null(v))
				sc->runas = ap__str(a, v, "runas", &rc);
			if (sc->runas && !sc->runas[0]) {
				free(sc->runas);
				sc->runas = NULL;
			}
		} else if (ap__key_is(p, "sudo")) {
			if (!ap__is_null(v))
				rc = ap__bool(a, v, "sudo", &sc->sudo);
		} else {
			rc = ap__fail(
			    a, k, 0,
			    "unknown key in hook script (expected location, timeout, runas, "
			    "sudo)");
		}
	}
	if (!rc) {
		/* Surrounding whitespace is not part of the path (the AWS agent strips it). */
		char *loc = sc->location;
		size_t n;

		while (loc && (*loc == ' ' || *loc == '\t'))
			loc++;
		n = loc ? strlen(loc) : 0;
		while (n && (loc[n - 1] == ' ' || loc[n - 1] == '\t'))
			loc[--n] = '\0';
		if (!loc || !*loc)
			return ap__fail(a, item, 0,
					"hook script provided without a 'location' value");
		if (loc != sc->location)
			memmove(sc->location, loc, n + 1);
	}
	return rc;
}

static bool ap__allowed(const char *const *allowed, const char *event)
{
	if (!allowed)
		return true;
	for (; *allowed; allowed++)
		if (strcmp(*allowed, event) == 0)
			return true;
	return false;
}

static int ap__hooks(struct ap *a, struct fy_node *n, const char *const *allowed,
		     struct appspec *spec)
{
	void *it = NULL;
	struct fy_node_pair *p;
	size_t cap;
	int rc = 0;

	if (ap__is_null(n))
		return 0;
	if (fy_node_get_type(n) != FYNT_MAPPING)
		return ap__fail(a, n, 0,
				"'hooks' must be a mapping of event names to script lists");
	cap = (size_t)fy_node_mapping_item_count(n);
	spec->hooks = calloc(cap ? cap : 1, sizeof(*spec->hooks));
	if (!spec->hooks)
		return err_set(a->e, SW_E_NOMEM, NULL);
	while (!rc && (p = fy_node_mapping_iterate(n, &it)) && spec->nhooks < cap) {
		struct fy_node *k = fy_node_pair_key(p), *v = fy_node_pair_value(p), *item;
		struct appspec_hook *h = &spec->hooks[spec->nhooks];
		void *it2 = NULL;
		size_t ns;

		h->event = ap__str(a, k, "hooks", &rc);
		if (!h->event)
			return rc;
		spec->nhooks++;
		if (!ap__allowed(allowed, h->event))
			return ap__fail(a, k, 0, "unknown lifecycle event '%s' in 'hooks'",
					h->event);
		if (ap__is_null(v))
			continue;
		if (fy_node_get_type(v) != FYNT_SEQUENCE)
			return ap__fail(a, k, 0,
					"'hooks' event '%s' must be a list of scripts (- location: "
					"...)",
					h->event);
		ns = (size_t)fy_node_sequence_item_count(v);
		h->scripts = calloc(ns ? ns : 1, sizeof(*h->scripts));
		if (!h->scripts)
			return err_set(a->e, SW_E_NOMEM, NULL);
		while (!rc && (item = fy_node_sequence_iterate(v, &it2)) && h->nscripts < ns)
			rc = ap__script(a, item, &h->scripts[h->nscripts++]);
	}
	return rc;
}

/* YAML text must be UTF-8.  Checked before libfyaml sees it: its 0.7 scanner loops forever on
 * some invalid sequences (found by fuzzing: "%\xff").  Returns the 1-based line of the first
 * bad byte, or 0 when the text is valid. */
static int ap__bad_utf8_line(const char *text, size_t len)
{
	int line = 1;

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)text[i];
		size_t n = c < 0x80	    ? 1
			   : (c >> 5) == 6  ? 2
			   : (c >> 4) == 14 ? 3
			   : (c >> 3) == 30 ? 4
					    : 0;

		if (n == 0 || i + n > len || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4))
			return line;
		for (size_t k = 1; k < n; k++)
			if (((unsigned char)text[i + k] & 0xC0) != 0x80)
				return line;
		if (c == '\n')
			line++;
		i += n;
	}
	return 0;
}

/* Turns the first collected libfyaml error into our message. */
static int ap__yaml_error(struct ap *a, struct fy_diag *diag)
{
	void *it = NULL;
	struct fy_diag_error *de = diag ? fy_diag_errors_iterate(diag, &it) : NULL;

	if (de && de->msg)
		return err_set(a->e, SW_E_INVALID, "%s line %d: invalid YAML: %s", a->name,
			       de->line, de->msg); /* libfyaml's diagnostics count from 1 */
	return err_set(a->e, SW_E_INVALID, "%s: invalid YAML", a->name);
}

int appspec_parse(const char *text, size_t len, const char *name, const char *const *allowed_events,
		  struct appspec *spec, struct err *e)
{
	struct ap a = { name ? name : "appspec.yml", e };
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	struct fy_parse_cfg cfg = { 0 };
	struct fy_parser *fyp = NULL;
	struct fy_document *doc = NULL;
	struct fy_node *root, *n, *key = NULL;
	int rc = 0;

	memset(spec, 0, sizeof(*spec));
	if (len > APPSPEC_MAX_SIZE)
		return err_set(e, SW_E_INVALID, "%s: file is larger than 1 MiB", a.name);
	if ((rc = ap__bad_utf8_line(text, len)) != 0)
		return err_set(e, SW_E_INVALID, "%s line %d: the file is not valid UTF-8", a.name,
			       rc);
	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL;
	dcfg.output_fn = NULL;
	dcfg.level = FYET_ERROR;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return err_set(e, SW_E_NOMEM, NULL);
	fy_diag_set_collect_errors(diag, true);
	cfg.flags = FYPCF_QUIET | FYPCF_COLLECT_DIAG;
	cfg.diag = diag;
	/* Parse the whole stream: it must hold exactly one document (building "from string"
	 * would silently ignore what follows a first document). */
	fyp = fy_parser_create(&cfg);
	if (!fyp || fy_parser_set_string(fyp, text, len) != 0) {
		rc = err_set(e, SW_E_NOMEM, NULL);
		goto out_parser;
	}
	doc = fy_parse_load_document(fyp);
	if (doc) {
		struct fy_document *extra = fy_parse_load_document(fyp);

		if (extra) {
			rc = ap__fail(&a, NULL, ap__line(fy_document_root(extra)),
				      "more than one YAML document (check the indentation)");
			fy_document_destroy(extra);
		}
	}
	if (!rc && (fy_parser_get_stream_error(fyp) || (!doc && fy_diag_got_error(diag))))
		rc = ap__yaml_error(&a, diag);
	else if (!rc && !doc)
		rc = err_set(e, SW_E_INVALID, "%s: the application specification file was empty",
			     a.name);
	if (rc)
		goto out;
	root = fy_document_root(doc);
	if (ap__is_null(root) ||
	    (fy_node_get_type(root) == FYNT_MAPPING && !fy_node_mapping_item_count(root))) {
		rc = err_set(e, SW_E_INVALID, "%s: the application specification file was empty",
			     a.name);
		goto out;
	}
	if (fy_node_get_type(root) != FYNT_MAPPING) {
		rc = ap__fail(&a, root, 0,
			      "the top level must be a mapping (version, os, files, "
			      "hooks, ...)");
		goto out;
	}
	rc = ap__version(&a, root);
	if (!rc)
		rc = ap__os(&a, root);
	if (!rc)
		rc = ap__files(&a, ap__get(root, "files", NULL), spec);
	if (!rc && (n = ap__get(root, "file_exists_behavior", &key)) && !ap__is_null(n)) {
		char *s = ap__str(&a, n, "file_exists_behavior", &rc);

		if (s) {
			spec->file_exists_behavior = appspec_feb_parse(s);
			if (spec->file_exists_behavior == APPSPEC_FEB_UNSET)
				rc =
				    ap__fail(&a, key, 0,
					     "invalid 'file_exists_behavior' value '%s' (DISALLOW, "
					     "OVERWRITE or RETAIN)",
					     s);
			free(s);
		}
	}
	if (!rc)
		rc = ap__permissions(&a, ap__get(root, "permissions", NULL), spec);
	if (!rc)
		rc = ap__hooks(&a, ap__get(root, "hooks", NULL), allowed_events, spec);
out:
	if (doc)
		fy_document_destroy(doc);
out_parser:
	if (fyp)
		fy_parser_destroy(fyp);
	fy_diag_destroy(diag);
	return rc;
}

int appspec_load(const char *dir, const char *name, const char *const *allowed_events,
		 struct appspec *spec, struct err *e)
{
	char path[4096];
	struct stat st;
	char *data;
	ssize_t n;
	size_t got = 0;
	int fd, rc;

	memset(spec, 0, sizeof(*spec));
	if (str_fmt(path, sizeof(path), "%s/%s", dir, name))
		return err_set(e, SW_E_TRUNCATED, "path too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return err_set(e, SW_E_NOT_FOUND, "the AppSpec file '%s' does not exist",
				       path);
		return err_set(e, SW_E_IO, "cannot open '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > APPSPEC_MAX_SIZE) {
		close(fd);
		return err_set(e, SW_E_INVALID, "%s: not a regular file of at most 1 MiB", name);
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		close(fd);
		return err_set(e, SW_E_NOMEM, NULL);
	}
	while (got < (size_t)st.st_size && (n = read(fd, data + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	rc = appspec_parse(data, got, name, allowed_events, spec, e);
	free(data);
	return rc;
}

void appspec_release(struct appspec *spec)
{
	for (size_t i = 0; i < spec->nfiles; i++) {
		free(spec->files[i].source);
		free(spec->files[i].destination);
	}
	free(spec->files);
	for (size_t i = 0; i < spec->npermissions; i++) {
		struct appspec_permission *pm = &spec->permissions[i];

		free(pm->object);
		free(pm->pattern);
		ap__free_list(pm->except, pm->nexcept);
		free(pm->owner);
		free(pm->group);
		ap__free_list(pm->acls, pm->nacls);
		if (pm->context) {
			free(pm->context->user);
			free(pm->context->type);
			free(pm->context->range);
			free(pm->context);
		}
	}
	free(spec->permissions);
	for (size_t i = 0; i < spec->nhooks; i++) {
		for (size_t j = 0; j < spec->hooks[i].nscripts; j++) {
			free(spec->hooks[i].scripts[j].location);
			free(spec->hooks[i].scripts[j].runas);
		}
		free(spec->hooks[i].scripts);
		free(spec->hooks[i].event);
	}
	free(spec->hooks);
	memset(spec, 0, sizeof(*spec));
}

const struct appspec_hook *appspec_hook(const struct appspec *spec, const char *event)
{
	for (size_t i = 0; i < spec->nhooks; i++)
		if (strcmp(spec->hooks[i].event, event) == 0)
			return &spec->hooks[i];
	return NULL;
}
