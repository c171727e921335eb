/* logs/groups: CreateLogGroup, DeleteLogGroup, DescribeLogGroups, PutRetentionPolicy,
 * DeleteRetentionPolicy. */
#include "common.h"
#include "store/store.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <string.h>

/* PutRetentionPolicy's allowed values (reference §4.2). */
static const int logs__retention_days[] = { 1,	  3,	5,    7,    14,	  30,  60,  90,
					    120,  150,	180,  365,  400,  545, 731, 1096,
					    1827, 2192, 2557, 2922, 3288, 3653 };

static const char *const logs__classes[] = { "STANDARD", "INFREQUENT_ACCESS", "DELIVERY" };

static int logs__class(const json_t *in, const char **out, struct err *e)
{
	const char *v = NULL;
	int r = json_opt_str(in, "logGroupClass", &v, e);

	if (r || !v)
		return r;
	for (size_t i = 0; i < sizeof(logs__classes) / sizeof(logs__classes[0]); i++) {
		if (strcmp(v, logs__classes[i]) == 0) {
			*out = logs__classes[i];
			return 0;
		}
	}
	return logs_invalid(e, "logGroupClass", v,
			    "Member must satisfy enum value set: [STANDARD, INFREQUENT_ACCESS, "
			    "DELIVERY]");
}

struct logs_group_op {
	const char *name;
	const char *cls;
	int days;
};

static int logs__create(struct store_conn *sc, void *arg, struct err *e)
{
	struct logs_group_op *g = arg;

	return logs_group_create(sc, g->name, g->cls, time_now_ms(), e);
}

static int CreateLogGroup(struct call *c)
{
	struct logs_group_op g = { .cls = LOGS_CLASS_STANDARD };
	json_t *tags = NULL;
	int r = logs_group_name(c->in, "logGroupName", &g.name, c->err);

	if (!r)
		r = logs__class(c->in, &g.cls, c->err);
	if (!r)
		r = json_opt_obj(c->in, "tags", &tags, c->err);
	if (r)
		return r;
	if (str_starts(g.name, "aws/"))
		return err_set(c->err, SW_E_LOGS_InvalidParameter,
			       "Log group names starting with 'aws/' are reserved.");
	return store_write(c->env->store, logs__create, &g, c->err);
}

static int logs__delete(struct store_conn *sc, void *arg, struct err *e)
{
	return logs_group_delete(sc, ((struct logs_group_op *)arg)->name, e);
}

static int DeleteLogGroup(struct call *c)
{
	struct logs_group_op g = { 0 };
	int r = logs_group_name(c->in, "logGroupName", &g.name, c->err);

	return r ? r : store_write(c->env->store, logs__delete, &g, c->err);
}

struct logs_describe {
	const struct env *env;
	struct logs_group_query q;
	json_t *groups;
	char last[LOGS_NAME_MAX + 1];
	bool more;
};

static int logs__describe_one(void *arg, const struct logs_group *g)
{
	struct logs_describe *d = arg;
	char arn[LOGS_ARN_MAX];
	json_t *j = json_object();

	json_set_str(j, "logGroupName", g->name);
	json_object_set_new(j, "creationTime", json_integer(g->created));
	if (g->retention_days)
		json_object_set_new(j, "retentionInDays", json_integer(g->retention_days));
	json_object_set_new(j, "metricFilterCount", json_integer(0));
	logs_group_arn(d->env, g->name, true, arn, sizeof(arn));
	json_set_str(j, "arn", arn);
	logs_group_arn(d->env, g->name, false, arn, sizeof(arn));
	json_set_str(j, "logGroupArn", arn);
	json_object_set_new(j, "storedBytes", json_integer(g->stored_bytes));
	json_set_str(j, "logGroupClass", g->cls);
	json_object_set_new(j, "deletionProtectionEnabled", json_false());
	json_array_append_new(d->groups, j);
	str_copy(d->last, sizeof(d->last), g->name);
	return 0;
}

static int logs__describe(struct store_conn *sc, void *arg, struct err *e)
{
	struct logs_describe *d = arg;

	json_array_clear(d->groups);
	return logs_groups_list(sc, &d->q, logs__describe_one, d, &d->more, e);
}

static int DescribeLogGroups(struct call *c)
{
	struct logs_describe d = { .env = c->env };
	char after[LOGS_NAME_MAX + 1], token[LOGS_TOKEN_MAX];
	const char *next = NULL;
	json_t *ids = NULL;
	int64_t limit = LOGS_DESCRIBE_MAX, ignored;
	int r = json_opt_str(c->in, "logGroupNamePrefix", &d.q.prefix, c->err);

	if (!r)
		r = json_opt_str(c->in, "logGroupNamePattern", &d.q.pattern, c->err);
	if (!r)
		r = json_opt_str(c->in, "nextToken", &next, c->err);
	if (!r)
		r = logs_opt_range(c->in, "limit", 1, LOGS_DESCRIBE_MAX, &limit, c->err);
	if (!r)
		r = logs__class(c->in, &d.q.cls, c->err);
	if (!r)
		r = json_opt_arr(c->in, "logGroupIdentifiers", &ids, c->err);
	if (r)
		return r;
	if (d.q.prefix && d.q.pattern)
		return err_set(c->err, SW_E_LOGS_InvalidParameter,
			       "LogGroup name prefix and LogGroup name pattern are mutually "
			       "exclusive parameters.");
	if (ids)
		return err_set(c->err, SW_E_LOGS_InvalidParameter,
			       "logGroupIdentifiers is not supported by Slipway; use "
			       "logGroupNamePrefix");
	if (next) {
		r = logs_token_decode(next, 'g', &ignored, after, sizeof(after), c->err);
		if (r)
			return r;
		d.q.after = after;
	}
	d.q.limit = (size_t)limit;
	d.groups = json_array();
	r = store_read(c->env->store, logs__describe, &d, c->err);
	if (r) {
		json_decref(d.groups);
		return r;
	}
	c->out = json_pack("{s:o}", "logGroups", d.groups);
	if (d.more) {
		logs_token_encode('g', 0, d.last, token, sizeof(token));
		json_set_str(c->out, "nextToken", token);
	}
	return 0;
}

static int logs__retention(struct store_conn *sc, void *arg, struct err *e)
{
	struct logs_group_op *g = arg;
	int r = logs_group_retention(sc, g->name, g->days, e);
	int64_t n;

	if (r)
		return r;
	/* expiry is lazy, as AWS's is; a new policy is a good moment for it */
	n = logs_expire(sc, time_now_ms(), e);
	return n < 0 ? (int)n : 0;
}

static int PutRetentionPolicy(struct call *c)
{
	struct logs_group_op g = { 0 };
	int64_t days = 0;
	bool ok = false;
	int r = logs_group_name(c->in, "logGroupName", &g.name, c->err);

	if (!r)
		r = json_opt_int(c->in, "retentionInDays", &days, c->err);
	if (r)
		return r;
	for (size_t i = 0; i < sizeof(logs__retention_days) / sizeof(logs__retention_days[0]); i++)
		ok |= days == logs__retention_days[i];
	if (!ok) {
		char text[32];

		str_fmt(text, sizeof(text), "%lld", (long long)days);
		return logs_invalid(c->err, "retentionInDays", text,
				    "Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, "
				    "90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, "
				    "2557, 2922, 3288, 3653]");
	}
	g.days = (int)days;
	return store_write(c->env->store, logs__retention, &g, c->err);
}

static int DeleteRetentionPolicy(struct call *c)
{
	struct logs_group_op g = { 0 };
	int r = logs_group_name(c->in, "logGroupName", &g.name, c->err);

	return r ? r : store_write(c->env->store, logs__retention, &g, c->err);
}

const struct json_op logs_group_ops[] = {
	{ "CreateLogGroup", CreateLogGroup, 0 },
	{ "DeleteLogGroup", DeleteLogGroup, 0 },
	{ "DescribeLogGroups", DescribeLogGroups, 0 },
	{ "PutRetentionPolicy", PutRetentionPolicy, 0 },
	{ "DeleteRetentionPolicy", DeleteRetentionPolicy, 0 },
	{ NULL, NULL, 0 },
};
