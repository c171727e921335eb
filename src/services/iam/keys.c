/* iam/keys: CreateAccessKey, ListAccessKeys, DeleteAccessKey, UpdateAccessKey — the keys
 * every AWS-protocol request is signed with.  Each change bumps the auth generation so that
 * src/server/auth.c stops honouring a deleted or deactivated key on the very next request. */
#include "iam.h"
#include "model/iam.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <string.h>

#define KEYS_PAGE_MAX 1000

/* The user a key operation is about: UserName, or the caller. */
struct key_owner {
	const char *asked;		  /* as given, for messages */
	char name[IAM_USER_NAME_MAX + 1]; /* canonical */
	char arn[700];
};

static int key__owner(struct store_conn *sc, struct key_owner *o, struct err *e)
{
	int r = iam_user_find(sc, o->asked, o->name, sizeof(o->name), o->arn, sizeof(o->arn), e);

	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_NoSuchEntity, "The user with name %s cannot be found.",
			       o->asked);
	return 0;
}

static int key__check_id(const char *id, struct err *e)
{
	size_t n;

	if (!id)
		return err_set(e, SW_E_ValidationError,
			       "1 validation error detected: Value null at 'accessKeyId' failed to "
			       "satisfy constraint: Member must not be null");
	n = strlen(id);
	if (n < 16 || n > 128)
		return err_set(e, SW_E_ValidationError,
			       "1 validation error detected: Value '%s' at 'accessKeyId' failed to "
			       "satisfy constraint: Member must have length between 16 and 128",
			       id);
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return err_set(e, SW_E_ValidationError,
				       "1 validation error detected: Value '%s' at 'accessKeyId' "
				       "failed to satisfy constraint: Member must satisfy regular "
				       "expression pattern: [\\w]+",
				       id);
	}
	return 0;
}

struct key_create {
	struct key_owner o;
	char id[21];
	char secret[41];
	int64_t created;
};

static int key__create(struct store_conn *sc, void *arg, struct err *e)
{
	struct key_create *k = arg;
	struct store_stmt *st;
	int r = key__owner(sc, &k->o, e);

	if (r)
		return r;
	r = store_exec(sc, &st, "SELECT COUNT(*) FROM access_keys WHERE user_name = ?", "t", e,
		       k->o.name);
	if (r < 0)
		return r;
	if (store_col_int(st, 0) >= IAM_KEYS_PER_USER)
		return err_set(e, SW_E_LimitExceeded,
			       "Cannot exceed quota for AccessKeysPerUser: %d", IAM_KEYS_PER_USER);
	if (model_iam_new_access_key(k->id, k->secret))
		return err_set(e, SW_E_INTERNAL, "cannot make an access key");
	r = store_exec(sc, NULL,
		       "INSERT INTO access_keys (id, user_name, secret, status, created) VALUES "
		       "(?, ?, ?, 'Active', ?)",
		       "ttti", e, k->id, k->o.name, k->secret, k->created);
	return r < 0 ? r : 0;
}

int iam_create_access_key(struct query_call *c)
{
	struct key_create k = { .created = time_now_ms() };
	char when[32];
	int r = iam_param_user(c, &k.o.asked);

	if (!r)
		r = store_write(c->env->store, key__create, &k, c->err);
	if (r) {
		explicit_bzero(k.secret, sizeof(k.secret));
		return r;
	}
	env_auth_changed(c->env);
	time_iso8601(k.created, when);
	r = buf_adds(c->result, "    <AccessKey>\n");
	if (!r)
		r = iam_xml_elem(c->result, "      ", "UserName", k.o.name);
	if (!r)
		r = iam_xml_elem(c->result, "      ", "AccessKeyId", k.id);
	if (!r)
		r = iam_xml_elem(c->result, "      ", "Status", "Active");
	if (!r)
		r = iam_xml_elem(c->result, "      ", "SecretAccessKey", k.secret);
	if (!r)
		r = iam_xml_elem(c->result, "      ", "CreateDate", when);
	if (!r)
		r = buf_adds(c->result, "    </AccessKey>\n");
	explicit_bzero(k.secret, sizeof(k.secret));
	return r ? -SW_E_TOO_LARGE : 0;
}

struct key_list {
	struct query_call *c;
	struct key_owner o;
	const char *marker;
	int64_t max;
	bool truncated;
	char last[129];
};

static int key__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct key_list *l = arg;
	struct store_stmt *st;
	int64_t n = 0;
	int r = key__owner(sc, &l->o, e);

	if (r)
		return r;
	r = store_exec(sc, &st,
		       "SELECT id, status, created FROM access_keys WHERE user_name = ? AND id > ? "
		       "ORDER BY id LIMIT ?",
		       "tti", e, l->o.name, l->marker, l->max + 1);
	while (r == 1) {
		struct buf *b = l->c->result;
		char when[32];
		int k;

		if (++n > l->max) {
			l->truncated = true;
			break;
		}
		str_copy(l->last, sizeof(l->last), store_col_text(st, 0));
		time_iso8601(store_col_int(st, 2), when);
		k = buf_adds(b, "      <member>\n");
		if (!k)
			k = iam_xml_elem(b, "        ", "UserName", l->o.name);
		if (!k)
			k = iam_xml_elem(b, "        ", "AccessKeyId", store_col_text(st, 0));
		if (!k)
			k = iam_xml_elem(b, "        ", "Status", store_col_text(st, 1));
		if (!k)
			k = iam_xml_elem(b, "        ", "CreateDate", when);
		if (!k)
			k = buf_adds(b, "      </member>\n");
		if (k)
			return err_set(e, SW_E_TOO_LARGE, "the reply is too large");
		r = store_step(st, e);
	}
	return r < 0 ? r : 0;
}

int iam_list_access_keys(struct query_call *c)
{
	struct key_list l = { .c = c, .marker = query_param(c, "Marker"), .max = 100 };
	const char *max = query_param(c, "MaxItems");
	int r = iam_param_user(c, &l.o.asked);

	if (r)
		return r;
	if (max && str_to_i64(max, 1, KEYS_PAGE_MAX, &l.max))
		return err_set(c->err, SW_E_ValidationError,
			       "1 validation error detected: Value '%s' at 'maxItems' failed to "
			       "satisfy constraint: Member must have value between 1 and %d",
			       max, KEYS_PAGE_MAX);
	if (!l.marker)
		l.marker = "";
	r = buf_adds(c->result, "    <AccessKeyMetadata>\n");
	if (!r)
		r = store_read(c->env->store, key__list, &l, c->err);
	if (r)
		return r;
	r = buf_addf(c->result, "    </AccessKeyMetadata>\n    <IsTruncated>%s</IsTruncated>\n",
		     l.truncated ? "true" : "false");
	if (!r && l.truncated)
		r = iam_xml_elem(c->result, "    ", "Marker", l.last);
	if (!r)
		r = iam_xml_elem(c->result, "    ", "UserName", l.o.name);
	return r ? -SW_E_TOO_LARGE : 0;
}

/* A key change: delete (status NULL) or set status. */
struct key_change {
	struct key_owner o;
	const char *id;
	const char *status;
};

/* Finds the key among the owner's; its current status into status_out. */
static int key__find(struct store_conn *sc, struct key_change *k, char *status_out, size_t size,
		     struct err *e)
{
	struct store_stmt *st;
	int r = key__owner(sc, &k->o, e);

	if (r)
		return r;
	r = store_exec(sc, &st, "SELECT status FROM access_keys WHERE id = ? AND user_name = ?",
		       "tt", e, k->id, k->o.name);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_NoSuchEntity, "The Access Key with id %s cannot be found.",
			       k->id);
	str_copy(status_out, size, store_col_text(st, 0));
	return 0;
}

/* The lock-out rule: refuses when the Active key k->id is the last administrator key. */
static int key__guard(struct store_conn *sc, struct key_change *k, const char *status,
		      const char *verb, struct err *e)
{
	struct store_stmt *st;
	int64_t left;
	int r;

	if (strcmp(status, "Active") != 0)
		return 0;
	r = store_exec(sc, &st, "SELECT 1 FROM users WHERE arn = ? AND kind = 'admin'", "t", e,
		       k->o.arn);
	if (r < 0)
		return r;
	if (r == 0) /* not an administrator's key */
		return 0;
	r = iam_admin_keys_left(sc, NULL, k->id, &left, e);
	if (r)
		return r;
	if (left == 0)
		return err_set(e, SW_E_DeleteConflict,
			       "Cannot %s access key %s: it is the only active administrator "
			       "access key. Create another administrator access key first.",
			       verb, k->id);
	return 0;
}

static int key__delete(struct store_conn *sc, void *arg, struct err *e)
{
	struct key_change *k = arg;
	char status[16];
	int r = key__find(sc, k, status, sizeof(status), e);

	if (!r)
		r = key__guard(sc, k, status, "delete", e);
	if (r)
		return r;
	r = store_exec(sc, NULL, "DELETE FROM access_keys WHERE id = ?", "t", e, k->id);
	return r < 0 ? r : 0;
}

int iam_delete_access_key(struct query_call *c)
{
	struct key_change k = { .id = query_param(c, "AccessKeyId") };
	int r = key__check_id(k.id, c->err);

	if (!r)
		r = iam_param_user(c, &k.o.asked);
	if (!r)
		r = store_write(c->env->store, key__delete, &k, c->err);
	if (!r)
		env_auth_changed(c->env);
	return r;
}

static int key__update(struct store_conn *sc, void *arg, struct err *e)
{
	struct key_change *k = arg;
	char status[16];
	int r = key__find(sc, k, status, sizeof(status), e);

	if (!r && strcmp(k->status, "Inactive") == 0)
		r = key__guard(sc, k, status, "deactivate", e);
	if (r)
		return r;
	r = store_exec(sc, NULL, "UPDATE access_keys SET status = ? WHERE id = ?", "tt", e,
		       k->status, k->id);
	return r < 0 ? r : 0;
}

int iam_update_access_key(struct query_call *c)
{
	struct key_change k = { .id = query_param(c, "AccessKeyId"),
				.status = query_param(c, "Status") };
	int r = key__check_id(k.id, c->err);

	if (r)
		return r;
	if (!k.status)
		return err_set(c->err, SW_E_ValidationError,
			       "1 validation error detected: Value null at 'status' failed to "
			       "satisfy constraint: Member must not be null");
	if (strcmp(k.status, "Active") != 0 && strcmp(k.status, "Inactive") != 0)
		return err_set(c->err, SW_E_ValidationError,
			       "1 validation error detected: Value '%s' at 'status' failed to "
			       "satisfy constraint: Member must satisfy enum value set: [Active, "
			       "Inactive]",
			       k.status);
	r = iam_param_user(c, &k.o.asked);
	if (!r)
		r = store_write(c->env->store, key__update, &k, c->err);
	if (!r)
		env_auth_changed(c->env);
	return r;
}
