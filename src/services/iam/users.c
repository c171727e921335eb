/* iam/users: CreateUser, GetUser, ListUsers, DeleteUser.  A user's tags live in
 * resource_tags under the user's ARN. */
#include "iam.h"
#include "model/tags.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <string.h>

#define USERS_PAGE_DEFAULT 100
#define USERS_PAGE_MAX	   1000

struct user_row {
	char name[IAM_USER_NAME_MAX + 1];
	char id[32];
	char arn[700];
	char path[IAM_PATH_MAX + 1];
	int64_t created;
};

/* Reads `SELECT name, id, arn, path, created` into u. */
static void user__row(struct store_stmt *st, struct user_row *u)
{
	str_copy(u->name, sizeof(u->name), store_col_text(st, 0));
	str_copy(u->id, sizeof(u->id), store_col_text(st, 1));
	str_copy(u->arn, sizeof(u->arn), store_col_text(st, 2));
	str_copy(u->path, sizeof(u->path), store_col_text(st, 3));
	u->created = store_col_int(st, 4);
}

/* The members of a User shape (tags: [{Key, Value}] or NULL). */
static int user__xml(struct buf *b, const char *indent, const struct user_row *u,
		     const json_t *tags)
{
	char when[32], in[32];
	int r;

	time_iso8601(u->created, when);
	str_fmt(in, sizeof(in), "%s  ", indent);
	r = iam_xml_elem(b, in, "Path", u->path);
	if (!r)
		r = iam_xml_elem(b, in, "UserName", u->name);
	if (!r)
		r = iam_xml_elem(b, in, "UserId", u->id);
	if (!r)
		r = iam_xml_elem(b, in, "Arn", u->arn);
	if (!r)
		r = iam_xml_elem(b, in, "CreateDate", when);
	if (!r && tags && json_array_size(tags) > 0) {
		size_t i;
		json_t *t;

		r = buf_addf(b, "%s<Tags>\n", in);
		json_array_foreach(tags, i, t)
		{
			if (!r)
				r = buf_addf(b, "%s  <member>\n", in);
			if (!r)
				r = buf_addf(b, "%s    <Key>", in);
			if (!r)
				r = buf_add_xml(b, json_string_value(json_object_get(t, "Key")));
			if (!r)
				r = buf_addf(b, "</Key>\n%s    <Value>", in);
			if (!r)
				r = buf_add_xml(b, json_string_value(json_object_get(t, "Value")));
			if (!r)
				r = buf_addf(b, "</Value>\n%s  </member>\n", in);
		}
		if (!r)
			r = buf_addf(b, "%s</Tags>\n", in);
	}
	return r ? -SW_E_TOO_LARGE : 0;
}

/* The user's tags as [{Key, Value}] (new reference) or NULL on a store error. */
static json_t *user__tags(struct store_conn *c, const char *arn, struct err *e)
{
	json_t *list = json_array();
	int r = list ? model_tags_list(c, arn, list, e) : err_set(e, SW_E_NOMEM, NULL);

	if (r < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static int user__path(const char *path, struct err *e)
{
	size_t n = strlen(path);

	if (n == 0 || n > IAM_PATH_MAX || path[0] != '/' || path[n - 1] != '/')
		return err_set(
		    e, SW_E_ValidationError,
		    "1 validation error detected: Value '%s' at 'path' failed to "
		    "satisfy constraint: a path begins and ends with '/' and has at most "
		    "%d characters",
		    path, IAM_PATH_MAX);
	for (size_t i = 0; i < n; i++)
		if (path[i] < 0x21 || path[i] > 0x7e)
			return err_set(
			    e, SW_E_ValidationError,
			    "1 validation error detected: Value '%s' at 'path' failed to "
			    "satisfy constraint: Member must satisfy regular expression "
			    "pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
			    path);
	return 0;
}

/* A tag key or value: printable characters only (control characters cannot travel in XML). */
static bool user__tag_text_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* Tags.member.N.Key / .Value for N = 1, 2, … into [{Key, Value}]. */
static int user__parse_tags(const struct query_call *c, json_t **out, struct err *e)
{
	json_t *tags = json_array();
	char kname[64], vname[64];

	for (int n = 1;; n++) {
		const char *k, *v;
		size_t i;
		json_t *t;

		str_fmt(kname, sizeof(kname), "Tags.member.%d.Key", n);
		str_fmt(vname, sizeof(vname), "Tags.member.%d.Value", n);
		k = query_param(c, kname);
		v = query_param(c, vname);
		if (!k && !v)
			break;
		if (n > IAM_TAGS_MAX) {
			json_decref(tags);
			return err_set(e, SW_E_ValidationError,
				       "1 validation error detected: Value at 'tags' failed to "
				       "satisfy constraint: Member must have length less than or "
				       "equal to %d",
				       IAM_TAGS_MAX);
		}
		if (!k || !*k || strlen(k) > 128 || !user__tag_text_ok(k) || !v ||
		    strlen(v) > 256 || !user__tag_text_ok(v)) {
			json_decref(tags);
			return err_set(
			    e, SW_E_ValidationError,
			    "1 validation error detected: Value at 'tags.%d' failed to "
			    "satisfy constraint: a tag needs a Key of 1 to 128 characters "
			    "and a Value of at most 256",
			    n);
		}
		json_array_foreach(tags, i, t)
		{
			if (strcmp(json_string_value(json_object_get(t, "Key")), k) == 0) {
				json_decref(tags);
				return err_set(
				    e, SW_E_ValidationError,
				    "Duplicate tag keys found. Please note that Tag keys "
				    "are case sensitive.");
			}
		}
		json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", k, "Value", v));
	}
	*out = tags;
	return 0;
}

struct user_create {
	struct query_call *c;
	struct user_row u;
	json_t *tags;
};

static int user__create(struct store_conn *sc, void *arg, struct err *e)
{
	struct user_create *a = arg;
	int r;

	r = iam_user_find(sc, a->u.name, NULL, 0, NULL, 0, e);
	if (r < 0)
		return r;
	if (r == 1)
		return err_set(e, SW_E_EntityAlreadyExists, "User with name %s already exists.",
			       a->u.name);
	r = store_exec(sc, NULL,
		       "INSERT INTO users (name, id, arn, path, created, kind) VALUES (?, ?, ?, ?, "
		       "?, 'admin')",
		       "tttti", e, a->u.name, a->u.id, a->u.arn, a->u.path, a->u.created);
	if (r < 0)
		return r;
	/* A user of the same name deleted earlier may have left tags behind: start clean. */
	r = model_tags_drop(sc, a->u.arn, e);
	return r ? r : model_tags_put(sc, a->u.arn, a->tags, e);
}

int iam_create_user(struct query_call *c)
{
	struct user_create a = { .c = c };
	const char *name = query_param(c, "UserName");
	const char *path = query_param(c, "Path");
	int r;

	if (!name)
		return err_set(c->err, SW_E_ValidationError,
			       "1 validation error detected: Value null at 'userName' failed to "
			       "satisfy constraint: Member must not be null");
	r = iam_check_user_name(name, "userName", c->err);
	if (r)
		return r;
	if (!path)
		path = "/";
	r = user__path(path, c->err);
	if (r)
		return r;
	r = user__parse_tags(c, &a.tags, c->err);
	if (r)
		return r;
	str_copy(a.u.name, sizeof(a.u.name), name);
	str_copy(a.u.path, sizeof(a.u.path), path);
	memcpy(a.u.id, "AIDA", 4);
	if (random_string(a.u.id + 4, 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") ||
	    env_arn(c->env, a.u.arn, sizeof(a.u.arn), "iam", "user%s%s", path, name)) {
		json_decref(a.tags);
		return err_set(c->err, SW_E_INTERNAL, "cannot make the user's id and ARN");
	}
	a.u.created = time_now_ms();
	r = store_write(c->env->store, user__create, &a, c->err);
	if (!r) {
		r = buf_adds(c->result, "    <User>\n");
		if (!r)
			r = user__xml(c->result, "    ", &a.u, a.tags);
		if (!r)
			r = buf_adds(c->result, "    </User>\n");
	}
	json_decref(a.tags);
	return r;
}

struct user_get {
	const char *name;
	struct user_row u;
	json_t *tags;
};

static int user__get(struct store_conn *sc, void *arg, struct err *e)
{
	struct user_get *g = arg;
	struct store_stmt *st;
	int r;

	r = store_exec(
	    sc, &st, "SELECT name, id, arn, path, created FROM users WHERE lower(name) = lower(?)",
	    "t", e, g->name);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_NoSuchEntity, "The user with name %s cannot be found.",
			       g->name);
	user__row(st, &g->u);
	g->tags = user__tags(sc, g->u.arn, e);
	return g->tags ? 0 : -SW_E_STORE;
}

int iam_get_user(struct query_call *c)
{
	struct user_get g = { 0 };
	int r = iam_param_user(c, &g.name);

	if (r)
		return r;
	r = store_read(c->env->store, user__get, &g, c->err);
	if (!r) {
		r = buf_adds(c->result, "    <User>\n");
		if (!r)
			r = user__xml(c->result, "    ", &g.u, g.tags);
		if (!r)
			r = buf_adds(c->result, "    </User>\n");
	}
	json_decref(g.tags);
	return r;
}

struct user_list {
	struct query_call *c;
	const char *prefix;
	const char *marker;
	int64_t max;
	bool truncated;
	char last[IAM_USER_NAME_MAX + 1];
};

static int user__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct user_list *l = arg;
	struct store_stmt *st;
	struct user_row u;
	int64_t n = 0;
	int r;

	/* The path prefix is compared here rather than in SQL, where LIKE's case rules and
	 * wildcards differ between backends. */
	r = store_exec(
	    sc, &st, "SELECT name, id, arn, path, created FROM users WHERE name > ? ORDER BY name",
	    "t", e, l->marker);
	while (r == 1) {
		if (!str_starts(store_col_text(st, 3), l->prefix)) {
			r = store_step(st, e);
			continue;
		}
		if (++n > l->max) {
			l->truncated = true;
			break;
		}
		user__row(st, &u);
		str_copy(l->last, sizeof(l->last), u.name);
		if (buf_adds(l->c->result, "      <member>\n") ||
		    user__xml(l->c->result, "      ", &u, NULL) ||
		    buf_adds(l->c->result, "      </member>\n"))
			return err_set(e, SW_E_TOO_LARGE, "the reply is too large");
		r = store_step(st, e);
	}
	return r < 0 ? r : 0;
}

/* MaxItems: absent → def, else 1..1000. */
static int user__max_items(const struct query_call *c, int64_t def, int64_t *out)
{
	const char *s = query_param(c, "MaxItems");

	*out = def;
	if (s && str_to_i64(s, 1, USERS_PAGE_MAX, out))
		return err_set(c->err, SW_E_ValidationError,
			       "1 validation error detected: Value '%s' at 'maxItems' failed to "
			       "satisfy constraint: Member must have value between 1 and %d",
			       s, USERS_PAGE_MAX);
	return 0;
}

int iam_list_users(struct query_call *c)
{
	struct user_list l = { .c = c,
			       .prefix = query_param(c, "PathPrefix"),
			       .marker = query_param(c, "Marker") };
	int r;

	if (!l.prefix)
		l.prefix = "/";
	if (!*l.prefix || l.prefix[0] != '/' || strlen(l.prefix) > IAM_PATH_MAX)
		return err_set(
		    c->err, SW_E_ValidationError,
		    "1 validation error detected: Value '%s' at 'pathPrefix' failed to "
		    "satisfy constraint: Member must satisfy regular expression pattern: "
		    "\\u002F[\\u0021-\\u007F]*",
		    l.prefix);
	if (!l.marker)
		l.marker = "";
	r = user__max_items(c, USERS_PAGE_DEFAULT, &l.max);
	if (r)
		return r;
	r = buf_adds(c->result, "    <Users>\n");
	if (!r)
		r = store_read(c->env->store, user__list, &l, c->err);
	if (!r)
		r = buf_addf(c->result, "    </Users>\n    <IsTruncated>%s</IsTruncated>\n",
			     l.truncated ? "true" : "false");
	if (!r && l.truncated)
		r = iam_xml_elem(c->result, "    ", "Marker", l.last);
	return r;
}

struct user_delete {
	struct query_call *c;
	const char *name;
	char canonical[IAM_USER_NAME_MAX + 1];
};

static int user__delete(struct store_conn *sc, void *arg, struct err *e)
{
	struct user_delete *a = arg;
	struct store_stmt *st;
	char arn[700];
	int64_t left, own;
	int r;

	r = iam_user_find(sc, a->name, a->canonical, sizeof(a->canonical), arn, sizeof(arn), e);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_NoSuchEntity, "The user with name %s cannot be found.",
			       a->name);
	/* The lock-out rule first: its message says what to do. */
	r = store_exec(sc, &st,
		       "SELECT COUNT(*) FROM access_keys k JOIN users u ON u.name = k.user_name "
		       "WHERE k.user_name = ? AND k.status = 'Active' AND u.kind = 'admin'",
		       "t", e, a->canonical);
	if (r < 0)
		return r;
	own = store_col_int(st, 0);
	r = iam_admin_keys_left(sc, a->canonical, NULL, &left, e);
	if (r)
		return r;
	if (own > 0 && left == 0)
		return err_set(e, SW_E_DeleteConflict,
			       "Cannot delete user %s: it holds the only active administrator "
			       "access key. Create an access key for another administrator first.",
			       a->canonical);
	r = store_exec(sc, &st, "SELECT COUNT(*) FROM access_keys WHERE user_name = ?", "t", e,
		       a->canonical);
	if (r < 0)
		return r;
	if (store_col_int(st, 0) > 0)
		return err_set(e, SW_E_DeleteConflict,
			       "Cannot delete entity, must delete access keys first.");
	r = store_exec(
	    sc, &st, "SELECT name FROM instances WHERE iam_user_arn = ? AND status = 'Registered'",
	    "t", e, arn);
	if (r < 0)
		return r;
	if (r == 1)
		return err_set(e, SW_E_DeleteConflict,
			       "Cannot delete entity, user %s is bound to the registered "
			       "on-premises instance %s; deregister the instance first.",
			       a->canonical, store_col_text(st, 0));
	r = store_exec(sc, NULL, "DELETE FROM resource_tags WHERE arn = ?", "t", e, arn);
	if (r >= 0)
		r = store_exec(sc, NULL, "DELETE FROM users WHERE name = ?", "t", e, a->canonical);
	return r < 0 ? r : 0;
}

int iam_delete_user(struct query_call *c)
{
	struct user_delete a = { .c = c, .name = query_param(c, "UserName") };
	int r;

	if (!a.name)
		return err_set(c->err, SW_E_ValidationError,
			       "1 validation error detected: Value null at 'userName' failed to "
			       "satisfy constraint: Member must not be null");
	r = iam_check_user_name(a.name, "userName", c->err);
	if (!r)
		r = store_write(c->env->store, user__delete, &a, c->err);
	if (!r)
		env_auth_changed(c->env);
	return r;
}
