/* codedeploy/instances: RegisterOnPremisesInstance, DeregisterOnPremisesInstance,
 * GetOnPremisesInstance, BatchGetOnPremisesInstances, ListOnPremisesInstances,
 * AddTagsToOnPremisesInstances, RemoveTagsFromOnPremisesInstances (the tag-filter matching
 * the deployment engine reuses is model/instances.c).
 *
 * Registering an instance with an IAM user's ARN binds that user to it (users.kind 'instance',
 * services/iam/iam.h): from then on it may only speak the agent channel and read its
 * deployments' bundles.  Deregistering makes it an ordinary user granted nothing and
 * deactivates its keys, in the same transaction.
 * Slipway's choices where AWS documents nothing: instance names are 1..100 characters of
 * letters, digits and `_.-+=,@`; a deregistered instance's name may be registered again; a
 * deregistered instance loses its tags (as AWS's guide says today); an instance carries at most
 * 50 tags and a call names at most 25 instances. */
#include "common.h"
#include "instances.h"
#include "model/instances.h"
#include "services/iam/iam.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <string.h>

int cd_tag_filters_validate(const json_t *filters, int invalid_code, struct err *e)
{
	return model_tag_filters_validate(filters, invalid_code, e);
}

int cd_instances_matching(struct store_conn *c, const json_t *tag_filters, const json_t *tag_set,
			  json_t **names_out, struct err *e)
{
	return model_instances_matching(c, tag_filters, tag_set, names_out, e);
}

/* ---- validation of requests ---- */

static bool inst__name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       strchr("_.-+=,@", ch) != NULL;
}

static int inst__check_name(const char *name, struct err *e)
{
	size_t n = strlen(name);

	if (n == 0)
		return err_set(e, SW_E_InstanceNameRequired, "An instance name is required");
	if (n > CD_INSTANCE_NAME_MAX)
		return err_set(e, SW_E_InvalidInstanceName,
			       "instance name '%.40s…' is longer than %d characters", name,
			       CD_INSTANCE_NAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!inst__name_char(name[i]))
			return err_set(e, SW_E_InvalidInstanceName,
				       "instance name '%s' may contain only letters, digits and "
				       "_ . - + = , @",
				       name);
	return 0;
}

/* The instanceName member. */
static int inst__name(const json_t *in, const char **out, struct err *e)
{
	const char *s = NULL;
	int r = json_opt_str(in, "instanceName", &s, e);

	if (r)
		return r;
	if (!s)
		return err_set(e, SW_E_InstanceNameRequired, "An instance name is required");
	*out = s;
	return inst__check_name(s, e);
}

/* The instanceNames member: 1..max valid names. */
static int inst__names(const json_t *in, size_t max, int too_many_code, json_t **out, struct err *e)
{
	json_t *names = NULL, *n;
	size_t i;
	int r = json_opt_arr(in, "instanceNames", &names, e);

	if (r)
		return r;
	if (!names || json_array_size(names) == 0)
		return err_set(e, SW_E_InstanceNameRequired,
			       "instanceNames must name at least one instance");
	if (json_array_size(names) > max)
		return err_set(e, too_many_code, "at most %zu instance names per call", max);
	json_array_foreach(names, i, n)
	{
		if (!json_is_string(n))
			return err_set(e, SW_E_Serialization, "instanceNames[%zu] must be a string",
				       i);
		r = inst__check_name(json_string_value(n), e);
		if (r)
			return r;
	}
	*out = names;
	return 0;
}

/* ARN fields "arn:aws:<service>::<account>:<rest>" → account and rest; false if malformed. */
static bool inst__arn_split(const char *arn, const char *service, char account[13],
			    const char **rest)
{
	char prefix[32];
	size_t n;
	const char *p;

	str_fmt(prefix, sizeof(prefix), "arn:aws:%s::", service);
	if (!str_starts(arn, prefix))
		return false;
	p = arn + strlen(prefix);
	for (n = 0; n < 12; n++)
		if (p[n] < '0' || p[n] > '9')
			return false;
	if (p[12] != ':')
		return false;
	memcpy(account, p, 12);
	account[12] = '\0';
	*rest = p + 13;
	return true;
}

/* A run of IAM name characters [\w+=,.@-] of min..max characters. */
static bool inst__iam_name(const char *s, size_t len, size_t min, size_t max)
{
	if (len < min || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!inst__name_char(s[i]) && s[i] != '_')
			return false;
	return true;
}

/* arn:aws:iam::<account>:user/[path/]name */
static int inst__check_user_arn(const struct env *env, const char *arn, struct err *e)
{
	char account[13];
	const char *rest, *name;

	if (strlen(arn) > 1011 || !inst__arn_split(arn, "iam", account, &rest) ||
	    !str_starts(rest, "user/") || !(name = strrchr(rest, '/')) ||
	    !inst__iam_name(name + 1, strlen(name + 1), 1, 64))
		return err_set(e, SW_E_InvalidIamUserArn,
			       "'%s' is not an IAM user ARN (arn:aws:iam::<account>:user/<name>)",
			       arn);
	if (strcmp(account, env->account_id) != 0)
		return err_set(e, SW_E_InvalidIamUserArn,
			       "IAM user ARN '%s' belongs to account %s; this server is account %s",
			       arn, account, env->account_id);
	return 0;
}

/* arn:aws:sts::<account>:assumed-role/<role>/<session> */
static int inst__check_session_arn(const struct env *env, const char *arn, struct err *e)
{
	char account[13];
	const char *rest, *role, *slash;

	if (strlen(arn) > 1011 || !inst__arn_split(arn, "sts", account, &rest) ||
	    !str_starts(rest, "assumed-role/") || !(slash = strchr(role = rest + 13, '/')) ||
	    !inst__iam_name(role, (size_t)(slash - role), 1, 64) ||
	    !inst__iam_name(slash + 1, strlen(slash + 1), 2, 64))
		return err_set(e, SW_E_InvalidIamSessionArn,
			       "'%s' is not an IAM session ARN "
			       "(arn:aws:sts::<account>:assumed-role/<role>/<session>)",
			       arn);
	if (strcmp(account, env->account_id) != 0)
		return err_set(e, SW_E_InvalidIamSessionArn,
			       "IAM session ARN '%s' belongs to account %s; this server is account "
			       "%s",
			       arn, account, env->account_id);
	return 0;
}

/* ---- InstanceInfo ---- */

#define INST_COLS "name, arn, iam_user_arn, iam_session_arn, status, registered, deregistered"

/* InstanceInfo for one row of `SELECT INST_COLS`, with its tags. */
static json_t *inst__info(struct store_conn *c, struct store_stmt *st, struct err *e)
{
	json_t *j = json_object(), *tags;
	struct store_stmt *ts;
	char name[CD_INSTANCE_NAME_MAX + 1];
	int r;

	str_copy(name, sizeof(name), store_col_text(st, 0));
	json_set_str(j, "instanceName", name);
	json_set_str(j, "iamUserArn", store_col_text(st, 2));
	json_set_str(j, "iamSessionArn", store_col_text(st, 3));
	json_set_str(j, "instanceArn", store_col_text(st, 1));
	json_set_time(j, "registerTime", store_col_int(st, 5));
	if (!store_col_null(st, 6))
		json_set_time(j, "deregisterTime", store_col_int(st, 6));
	tags = json_array();
	json_object_set_new(j, "tags", tags);
	r = store_exec(c, &ts,
		       "SELECT key, value FROM instance_tags WHERE instance = ? ORDER BY key", "t",
		       e, name);
	while (r == 1) {
		json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", store_col_text(ts, 0),
						      "Value", store_col_text(ts, 1)));
		r = store_step(ts, e);
	}
	if (r < 0) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ---- RegisterOnPremisesInstance ---- */

struct inst_register {
	struct call *c;
	const char *name;
	const char *user_arn;
	const char *session_arn;
	char arn[512];
};

static int inst__register(struct store_conn *sc, void *arg, struct err *e)
{
	struct inst_register *a = arg;
	struct store_stmt *st;
	int r;

	r = store_exec(sc, &st, "SELECT status FROM instances WHERE name = ?", "t", e, a->name);
	if (r < 0)
		return r;
	if (r == 1 && strcmp(store_col_text(st, 0), "Registered") == 0)
		return err_set(e, SW_E_InstanceNameAlreadyRegistered,
			       "The on-premises instance name %s is already registered", a->name);
	if (a->user_arn) {
		char user[IAM_USER_NAME_MAX + 1];
		int64_t left, own;

		r = store_exec(sc, &st, "SELECT name FROM users WHERE arn = ?", "t", e,
			       a->user_arn);
		if (r < 0)
			return r;
		if (r == 0)
			return err_set(e, SW_E_InvalidIamUserArn,
				       "No IAM user with ARN %s exists; create it with `aws iam "
				       "create-user` first",
				       a->user_arn);
		str_copy(user, sizeof(user), store_col_text(st, 0));
		r = store_exec(sc, &st,
			       "SELECT name FROM instances WHERE iam_user_arn = ? AND status = "
			       "'Registered'",
			       "t", e, a->user_arn);
		if (r < 0)
			return r;
		if (r == 1)
			return err_set(e, SW_E_IamUserArnAlreadyRegistered,
				       "The IAM user ARN %s is already registered with the "
				       "on-premises instance %s",
				       a->user_arn, store_col_text(st, 0));
		/* The lock-out rule (iam.h): a bound user is no administrator any more. */
		r = store_exec(sc, &st,
			       "SELECT COUNT(*) FROM access_keys WHERE user_name = ? AND status = "
			       "'Active'",
			       "t", e, user);
		if (r < 0)
			return r;
		own = store_col_int(st, 0);
		r = iam_admin_keys_left(sc, user, NULL, &left, e);
		if (r)
			return r;
		if (own > 0 && left == 0)
			return err_set(
			    e, SW_E_InvalidIamUserArn,
			    "Refusing to bind IAM user %s to an instance: it holds the "
			    "only active administrator access key, and a bound user is no "
			    "administrator. Create an access key for another administrator "
			    "first.",
			    user);
	} else {
		r = store_exec(sc, &st,
			       "SELECT name FROM instances WHERE iam_session_arn = ? AND status = "
			       "'Registered'",
			       "t", e, a->session_arn);
		if (r < 0)
			return r;
		if (r == 1)
			return err_set(e, SW_E_IamSessionArnAlreadyRegistered,
				       "The IAM session ARN %s is already registered with the "
				       "on-premises instance %s",
				       a->session_arn, store_col_text(st, 0));
	}
	/* A deregistered instance of the same name is registered anew. */
	r = store_exec(sc, NULL, "DELETE FROM instance_tags WHERE instance = ?", "t", e, a->name);
	if (r >= 0)
		r = store_exec(sc, NULL, "DELETE FROM instances WHERE name = ?", "t", e, a->name);
	if (r >= 0)
		r = store_exec(
		    sc, NULL,
		    "INSERT INTO instances (name, arn, iam_user_arn, iam_session_arn, "
		    "status, registered, deregistered) VALUES (?, ?, ?, ?, 'Registered', "
		    "?, NULL)",
		    "tttti", e, a->name, a->arn, a->user_arn, a->session_arn, time_now_ms());
	/* From now on the user's keys are this host's (iam.h), recorded with the binding. */
	if (r >= 0 && a->user_arn)
		r = store_exec(sc, NULL, "UPDATE users SET kind = 'instance' WHERE arn = ?", "t", e,
			       a->user_arn);
	return r < 0 ? r : 0;
}

static int RegisterOnPremisesInstance(struct call *c)
{
	struct inst_register a = { .c = c };
	int r;

	r = inst__name(c->in, &a.name, c->err);
	if (!r)
		r = json_opt_str(c->in, "iamUserArn", &a.user_arn, c->err);
	if (!r)
		r = json_opt_str(c->in, "iamSessionArn", &a.session_arn, c->err);
	if (r)
		return r;
	if (a.user_arn && a.session_arn)
		return err_set(c->err, SW_E_MultipleIamArnsProvided,
			       "Give either iamUserArn or iamSessionArn, not both");
	if (!a.user_arn && !a.session_arn)
		return err_set(c->err, SW_E_IamArnRequired,
			       "An IAM ARN is required: give iamUserArn or iamSessionArn");
	r = a.user_arn ? inst__check_user_arn(c->env, a.user_arn, c->err)
		       : inst__check_session_arn(c->env, a.session_arn, c->err);
	if (r)
		return r;
	if (cd_instance_arn(c->env, a.name, a.arn, sizeof(a.arn)))
		return err_set(c->err, SW_E_InvalidInstanceName, "instance name too long");
	r = store_write(c->env->store, inst__register, &a, c->err);
	if (!r)
		env_auth_changed(c->env);
	return r;
}

/* ---- DeregisterOnPremisesInstance ---- */

struct inst_one {
	struct call *c;
	const char *name;
	json_t *info;
};

static int inst__deregister(struct store_conn *sc, void *arg, struct err *e)
{
	struct inst_one *a = arg;
	int r = model_instance_deregister(sc, a->name, time_now_ms(), e);

	if (r == 0)
		return err_set(e, SW_E_InstanceNotRegistered,
			       "The on-premises instance %s is not registered", a->name);
	return r < 0 ? r : 0;
}

static int DeregisterOnPremisesInstance(struct call *c)
{
	struct inst_one a = { .c = c };
	int r = inst__name(c->in, &a.name, c->err);

	if (!r)
		r = store_write(c->env->store, inst__deregister, &a, c->err);
	if (!r)
		env_auth_changed(c->env);
	return r;
}

/* ---- GetOnPremisesInstance, BatchGetOnPremisesInstances ---- */

static int inst__get(struct store_conn *sc, void *arg, struct err *e)
{
	struct inst_one *a = arg;
	struct store_stmt *st;
	int r;

	r = store_exec(sc, &st, "SELECT " INST_COLS " FROM instances WHERE name = ?", "t", e,
		       a->name);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_InstanceNotRegistered,
			       "The on-premises instance %s is not registered", a->name);
	a->info = inst__info(sc, st, e);
	return a->info ? 0 : -SW_E_STORE;
}

static int GetOnPremisesInstance(struct call *c)
{
	struct inst_one a = { .c = c };
	int r = inst__name(c->in, &a.name, c->err);

	if (!r)
		r = store_read(c->env->store, inst__get, &a, c->err);
	if (!r)
		c->out = json_pack("{s:o}", "instanceInfo", a.info);
	return r;
}

struct inst_batch {
	const json_t *names;
	json_t *infos;
};

static int inst__batch_get(struct store_conn *sc, void *arg, struct err *e)
{
	struct inst_batch *b = arg;
	struct store_stmt *st;
	size_t i;
	json_t *n;

	json_array_foreach(b->names, i, n)
	{
		json_t *info;
		int r = store_exec(sc, &st, "SELECT " INST_COLS " FROM instances WHERE name = ?",
				   "t", e, json_string_value(n));

		if (r < 0)
			return r;
		if (r == 0) /* unknown names are left out, as AWS's batch calls do */
			continue;
		info = inst__info(sc, st, e);
		if (!info)
			return -SW_E_STORE;
		json_array_append_new(b->infos, info);
	}
	return 0;
}

static int BatchGetOnPremisesInstances(struct call *c)
{
	struct inst_batch b = { 0 };
	json_t *names = NULL;
	int r;

	r = inst__names(c->in, CD_INSTANCES_PER_CALL, SW_E_BatchLimitExceeded, &names, c->err);
	if (r)
		return r;
	b.names = names;
	b.infos = json_array();
	r = store_read(c->env->store, inst__batch_get, &b, c->err);
	if (!r)
		c->out = json_pack("{s:O}", "instanceInfos", b.infos);
	json_decref(b.infos);
	return r;
}

/* ---- ListOnPremisesInstances ---- */

struct inst_list {
	const char *status;
	const json_t *filters;
	struct cd_page page;
};

static int inst__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct inst_list *l = arg;
	json_t *all, *inst;
	size_t i;
	int r = model_instances_load(sc, l->status, &all, e);

	if (r)
		return r;
	json_array_foreach(all, i, inst)
	{
		const char *name = json_string_value(json_object_get(inst, "name"));

		if (strcmp(name, l->page.after) <= 0)
			continue;
		if (json_array_size(l->filters) > 0 &&
		    !model_tag_filters_any(l->filters, json_object_get(inst, "tags")))
			continue;
		if (cd_page_add(&l->page, name))
			break;
	}
	json_decref(all);
	return 0;
}

static int ListOnPremisesInstances(struct call *c)
{
	struct inst_list l = { .page.after = "" };
	json_t *filters = NULL;
	int r;

	r = json_opt_str(c->in, "registrationStatus", &l.status, c->err);
	if (!r && l.status && strcmp(l.status, "Registered") != 0 &&
	    strcmp(l.status, "Deregistered") != 0)
		r = err_set(c->err, SW_E_InvalidRegistrationStatus,
			    "registrationStatus must be Registered or Deregistered, not '%s'",
			    l.status);
	if (!r)
		r = json_opt_arr(c->in, "tagFilters", &filters, c->err);
	if (!r)
		r = cd_tag_filters_validate(filters, SW_E_InvalidTagFilter, c->err);
	if (r)
		return r;
	l.filters = filters;
	return cd_list_names(c, "instanceNames", &l.page, inst__list, &l);
}

/* ---- AddTagsToOnPremisesInstances, RemoveTagsFromOnPremisesInstances ---- */

struct inst_tagging {
	json_t *names;
	json_t *tags;
	bool add;
};

/* The tags member: 1..50 of {Key, Value}; Value is required when adding. */
static int inst__tags(const json_t *in, bool add, json_t **out, struct err *e)
{
	json_t *tags = NULL, *t;
	size_t i, k;
	int r = json_opt_arr(in, "tags", &tags, e);

	if (r)
		return r;
	if (!tags || json_array_size(tags) == 0)
		return err_set(e, SW_E_TagRequired, "at least one tag is required");
	if (json_array_size(tags) > CD_INSTANCE_TAGS_MAX)
		return err_set(e, SW_E_TagLimitExceeded, "at most %d tags per instance",
			       CD_INSTANCE_TAGS_MAX);
	json_array_foreach(tags, i, t)
	{
		const char *key = NULL, *value = NULL;

		if (!json_is_object(t) || json_opt_str(t, "Key", &key, e) ||
		    json_opt_str(t, "Value", &value, e))
			return err_set(e, SW_E_Serialization, "each tag must be {Key, Value}");
		if (!key || !*key || strlen(key) > 128)
			return err_set(e, SW_E_InvalidTag,
				       "tag %zu: a key of 1 to 128 characters is "
				       "required",
				       i);
		if (add && !value)
			return err_set(e, SW_E_InvalidTag,
				       "tag '%s' has no Value; keys and values "
				       "are both required",
				       key);
		if (value && strlen(value) > 256)
			return err_set(e, SW_E_InvalidTag,
				       "the value of tag '%s' is longer than 256 characters", key);
		for (k = 0; k < i; k++)
			if (strcmp(
				json_string_value(json_object_get(json_array_get(tags, k), "Key")),
				key) == 0)
				return err_set(e, SW_E_InvalidTag, "tag key '%s' is given twice",
					       key);
	}
	*out = tags;
	return 0;
}

static int inst__tagging(struct store_conn *sc, void *arg, struct err *e)
{
	struct inst_tagging *a = arg;
	struct store_stmt *st;
	size_t i, k;
	json_t *n, *t;
	int r;

	json_array_foreach(a->names, i, n)
	{
		const char *name = json_string_value(n);

		r = store_exec(sc, &st, "SELECT status FROM instances WHERE name = ?", "t", e,
			       name);
		if (r < 0)
			return r;
		if (r == 0 || strcmp(store_col_text(st, 0), "Registered") != 0)
			return err_set(e, SW_E_InstanceNotRegistered,
				       "The on-premises instance %s is not registered", name);
		json_array_foreach(a->tags, k, t)
		{
			const char *key = json_string_value(json_object_get(t, "Key"));
			const char *value = json_string_value(json_object_get(t, "Value"));

			if (a->add)
				r = store_exec(
				    sc, NULL,
				    "INSERT INTO instance_tags (instance, key, value) "
				    "VALUES (?, ?, ?) ON CONFLICT (instance, key) DO UPDATE "
				    "SET value = excluded.value",
				    "ttt", e, name, key, value);
			else if (value)
				r = store_exec(
				    sc, NULL,
				    "DELETE FROM instance_tags WHERE instance = ? AND key = "
				    "? AND value = ?",
				    "ttt", e, name, key, value);
			else
				r = store_exec(
				    sc, NULL,
				    "DELETE FROM instance_tags WHERE instance = ? AND key = "
				    "?",
				    "tt", e, name, key);
			if (r < 0)
				return r;
		}
		if (!a->add)
			continue;
		r = store_exec(sc, &st, "SELECT COUNT(*) FROM instance_tags WHERE instance = ?",
			       "t", e, name);
		if (r < 0)
			return r;
		if (store_col_int(st, 0) > CD_INSTANCE_TAGS_MAX)
			return err_set(e, SW_E_TagLimitExceeded,
				       "instance %s would have %lld tags; at most %d are allowed",
				       name, (long long)store_col_int(st, 0), CD_INSTANCE_TAGS_MAX);
	}
	return 0;
}

static int inst__tag_op(struct call *c, bool add)
{
	struct inst_tagging a = { .add = add };
	int r;

	r = inst__names(c->in, CD_INSTANCES_PER_CALL, SW_E_InstanceLimitExceeded, &a.names, c->err);
	if (!r)
		r = inst__tags(c->in, add, &a.tags, c->err);
	if (!r)
		r = store_write(c->env->store, inst__tagging, &a, c->err);
	return r;
}

static int AddTagsToOnPremisesInstances(struct call *c)
{
	return inst__tag_op(c, true);
}

static int RemoveTagsFromOnPremisesInstances(struct call *c)
{
	return inst__tag_op(c, false);
}

const struct json_op codedeploy_instance_ops[] = {
	{ "RegisterOnPremisesInstance", RegisterOnPremisesInstance, 0 },
	{ "DeregisterOnPremisesInstance", DeregisterOnPremisesInstance, 0 },
	{ "GetOnPremisesInstance", GetOnPremisesInstance, 0 },
	{ "ListOnPremisesInstances", ListOnPremisesInstances, 0 },
	{ "BatchGetOnPremisesInstances", BatchGetOnPremisesInstances, 0 },
	{ "AddTagsToOnPremisesInstances", AddTagsToOnPremisesInstances, 0 },
	{ "RemoveTagsFromOnPremisesInstances", RemoveTagsFromOnPremisesInstances, 0 },
	{ NULL, NULL, 0 },
};
