/* codedeploy/tags: TagResource, UntagResource, ListTagsForResource on applications
 * (arn:aws:codedeploy:<region>:<account>:application:<name>) and deployment groups
 * (…:deploymentgroup:<app>/<group>).  Members are PascalCase here (ResourceArn, Tags, TagKeys,
 * NextToken).  Tags live in resource_tags under the resource's ARN. */
#include "common.h"
#include "model/groups.h"
#include "base/str.h"

#include <string.h>

#define TAGS_PER_RESOURCE 50

enum tag_kind { TAG_APPLICATION, TAG_GROUP };

/* A parsed resource ARN. */
struct tag_target {
	const char *arn;
	enum tag_kind kind;
	char app[CD_NAME_MAX + 1];
	char group[CD_NAME_MAX + 1];
};

/*
 * Splits arn:<partition>:<service>:<region>:<account>:<resource>.  Not an ARN → InvalidArn;
 * an ARN of anything but this server's applications and deployment groups → ArnNotSupported.
 */
static int tag__parse(const struct env *env, const char *arn, struct tag_target *t, struct err *e)
{
	const char *f[6], *p = arn, *res, *slash;
	size_t len[5];
	char prefix[128];

	t->arn = arn;
	f[0] = p;
	for (int i = 1; i < 6; i++) {
		const char *colon = strchr(p, ':');

		if (!colon)
			return err_set(e, SW_E_InvalidArn, "'%s' is not a valid ARN", arn);
		len[i - 1] = (size_t)(colon - p);
		p = colon + 1;
		f[i] = p;
	}
	res = f[5];
	if (len[0] != 3 || memcmp(f[0], "arn", 3) != 0 || len[1] == 0 || len[2] == 0 || !*res)
		return err_set(e, SW_E_InvalidArn, "'%s' is not a valid ARN", arn);
	if (len[2] != 10 || memcmp(f[2], "codedeploy", 10) != 0)
		return err_set(e, SW_E_ArnNotSupported,
			       "'%s' is not a CodeDeploy ARN; tags can be set on applications and "
			       "deployment groups",
			       arn);
	str_fmt(prefix, sizeof(prefix), "arn:aws:codedeploy:%s:%s:", env->cfg->region,
		env->account_id);
	if (!str_starts(arn, prefix))
		return err_set(e, SW_E_ArnNotSupported,
			       "'%s' is not in this server's partition, region and account (%s…)",
			       arn, prefix);
	if (str_starts(res, "application:")) {
		t->kind = TAG_APPLICATION;
		res += strlen("application:");
		if (!*res || str_copy(t->app, sizeof(t->app), res))
			return err_set(e, SW_E_InvalidArn, "'%s' has no valid application name",
				       arn);
		return 0;
	}
	if (str_starts(res, "deploymentgroup:")) {
		t->kind = TAG_GROUP;
		res += strlen("deploymentgroup:");
		slash = strchr(res, '/');
		if (!slash || slash == res || !slash[1] ||
		    str_copyn(t->app, sizeof(t->app), res, (size_t)(slash - res)) ||
		    str_copy(t->group, sizeof(t->group), slash + 1))
			return err_set(e, SW_E_InvalidArn,
				       "'%s' does not name a deployment group "
				       "(deploymentgroup:<application>/<group>)",
				       arn);
		return 0;
	}
	return err_set(e, SW_E_ArnNotSupported,
		       "'%s': only applications and deployment groups can be tagged", arn);
}

/* The resource must exist: ApplicationDoesNotExist / DeploymentGroupDoesNotExist. */
static int tag__exists(struct store_conn *sc, const struct tag_target *t, struct err *e)
{
	int r = cd_app_get(sc, t->app, NULL, 0, NULL, 0, e);

	if (r || t->kind == TAG_APPLICATION)
		return r;
	r = model_group_id(sc, t->app, t->group, NULL, 0, e);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_DeploymentGroupDoesNotExist,
			       "No deployment group found for name: %s (application %s)", t->group,
			       t->app);
	return 0;
}

/* ResourceArn: required, then parsed. */
static int tag__target(struct call *c, struct tag_target *t)
{
	const char *arn = NULL;
	int r = json_opt_str(c->in, "ResourceArn", &arn, c->err);

	if (r)
		return r;
	if (!arn || !*arn)
		return err_set(c->err, SW_E_ResourceArnRequired, "ResourceArn is required");
	if (strlen(arn) > 1011)
		return err_set(c->err, SW_E_InvalidArn,
			       "ResourceArn is longer than 1011 characters");
	return tag__parse(c->env, arn, t, c->err);
}

struct tag_change {
	struct tag_target t;
	json_t *tags; /* TagResource */
	json_t *keys; /* UntagResource */
};

static int tag__put(struct store_conn *sc, void *arg, struct err *e)
{
	struct tag_change *a = arg;
	struct store_stmt *st;
	int r = tag__exists(sc, &a->t, e);

	if (!r)
		r = model_tags_put(sc, a->t.arn, a->tags, e);
	if (r)
		return r;
	r = store_exec(sc, &st, "SELECT COUNT(*) FROM resource_tags WHERE arn = ?", "t", e,
		       a->t.arn);
	if (r < 0)
		return r;
	if (store_col_int(st, 0) > TAGS_PER_RESOURCE)
		return err_set(e, SW_E_TagLimitExceeded,
			       "%s would have %lld tags; at most %d are allowed", a->t.arn,
			       (long long)store_col_int(st, 0), TAGS_PER_RESOURCE);
	return 0;
}

static int TagResource(struct call *c)
{
	struct tag_change a = { 0 };
	int r = tag__target(c, &a.t);

	if (!r)
		r = json_opt_arr(c->in, "Tags", &a.tags, c->err);
	if (r)
		return r;
	if (!a.tags || json_array_size(a.tags) == 0)
		return err_set(c->err, SW_E_TagRequired, "Tags must hold at least one tag");
	r = cd_tags_validate(a.tags, SW_E_InvalidTagsToAdd, c->err);
	if (!r)
		r = store_write(c->env->store, tag__put, &a, c->err);
	return r;
}

static int tag__remove(struct store_conn *sc, void *arg, struct err *e)
{
	struct tag_change *a = arg;
	int r = tag__exists(sc, &a->t, e);

	if (r)
		return r;
	return model_tags_remove(sc, a->t.arn, a->keys, e);
}

static int UntagResource(struct call *c)
{
	struct tag_change a = { 0 };
	size_t i;
	json_t *k;
	int r = tag__target(c, &a.t);

	if (!r)
		r = json_opt_arr(c->in, "TagKeys", &a.keys, c->err);
	if (r)
		return r;
	if (!a.keys || json_array_size(a.keys) == 0)
		return err_set(c->err, SW_E_TagRequired, "TagKeys must name at least one key");
	json_array_foreach(a.keys, i, k)
	{
		if (!json_is_string(k))
			return err_set(c->err, SW_E_Serialization, "TagKeys[%zu] must be a string",
				       i);
		if (json_string_length(k) == 0 || json_string_length(k) > 128)
			return err_set(c->err, SW_E_InvalidTagsToAdd,
				       "TagKeys[%zu]: a tag key has 1 to 128 characters", i);
	}
	return store_write(c->env->store, tag__remove, &a, c->err);
}

struct tag_list {
	struct tag_target t;
	char after[256];
	json_t *tags;
	char next[512];
};

static int tag__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct tag_list *l = arg;
	struct store_stmt *st;
	int r = tag__exists(sc, &l->t, e), n = 0;

	if (r)
		return r;
	r = store_exec(
	    sc, &st,
	    "SELECT key, value FROM resource_tags WHERE arn = ? AND key > ? ORDER BY key "
	    "LIMIT ?",
	    "tti", e, l->t.arn, l->after, (int64_t)CD_PAGE_SIZE + 1);
	while (r == 1) {
		if (++n > CD_PAGE_SIZE) {
			const char *last = json_string_value(json_object_get(
			    json_array_get(l->tags, json_array_size(l->tags) - 1), "Key"));

			cd_token_encode(last, l->next, sizeof(l->next));
			break;
		}
		json_array_append_new(l->tags, json_pack("{s:s, s:s}", "Key", store_col_text(st, 0),
							 "Value", store_col_text(st, 1)));
		r = store_step(st, e);
	}
	return r < 0 ? r : 0;
}

static int ListTagsForResource(struct call *c)
{
	struct tag_list l = { .after = "" };
	const char *token = NULL;
	int r = tag__target(c, &l.t);

	if (!r)
		r = json_opt_str(c->in, "NextToken", &token, c->err);
	if (!r && token)
		r = cd_token_decode(token, l.after, sizeof(l.after), c->err);
	if (r)
		return r;
	l.tags = json_array();
	r = store_read(c->env->store, tag__list, &l, c->err);
	if (!r) {
		c->out = json_pack("{s:O}", "Tags", l.tags);
		if (l.next[0])
			json_set_str(c->out, "NextToken", l.next);
	}
	json_decref(l.tags);
	return r;
}

const struct json_op codedeploy_tag_ops[] = {
	{ "TagResource", TagResource, 0 },
	{ "UntagResource", UntagResource, 0 },
	{ "ListTagsForResource", ListTagsForResource, 0 },
	{ NULL, NULL, 0 },
};
