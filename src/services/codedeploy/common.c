/* codedeploy/common: helpers shared by the CodeDeploy resource files. */
#include "common.h"
#include "model/applications.h"
#include "base/crypto.h"
#include "base/str.h"

#include <string.h>

int cd_name(const json_t *in, const char *key, int required_code, int invalid_code,
	    const char *what, const char **out, struct err *e)
{
	const char *s = NULL;
	int r = json_opt_str(in, key, &s, e);

	if (r)
		return r;
	if (!s || !*s)
		return err_set(e, required_code, "%s name is required (%s)", what, key);
	if (strlen(s) > CD_NAME_MAX)
		return err_set(e, invalid_code, "%s name '%.40s…' is longer than %d characters",
			       what, s, CD_NAME_MAX);
	*out = s;
	return 0;
}

int cd_token_encode(const char *last, char *out, size_t size)
{
	size_t n = strlen(last);
	char tmp[1024];

	if (n > 600 || 4 * ((n + 4 + 2) / 3) + 1 > size)
		return -SW_E_TRUNCATED;
	str_fmt(tmp, sizeof(tmp), "sw1:%s", last);
	base64_encode((const uint8_t *)tmp, n + 4, out);
	return 0;
}

int cd_token_decode(const char *token, char *out, size_t size, struct err *e)
{
	uint8_t tmp[1024];
	int n = (int)strlen(token) < 1300 ? base64_decode(token, tmp, sizeof(tmp) - 1) : -1;

	if (n < 4 || memcmp(tmp, "sw1:", 4) != 0 || memchr(tmp, 0, (size_t)n) ||
	    str_copyn(out, size, (const char *)tmp + 4, (size_t)n - 4))
		return err_set(e, SW_E_InvalidNextToken, "The next token is not valid");
	return 0;
}

int cd_page_add(struct cd_page *p, const char *name)
{
	size_t n = json_array_size(p->names);

	if (n >= CD_PAGE_SIZE) {
		cd_token_encode(json_string_value(json_array_get(p->names, n - 1)), p->next,
				sizeof(p->next));
		return 1;
	}
	json_array_append_new(p->names, json_string(name));
	return 0;
}

int cd_list_names(struct call *c, const char *key, struct cd_page *p,
		  int (*fill)(struct store_conn *, void *, struct err *), void *arg)
{
	const char *token = NULL;
	int r = json_opt_str(c->in, "nextToken", &token, c->err);

	if (!r && token)
		r = cd_token_decode(token, p->after, sizeof(p->after), c->err);
	if (r)
		return r;
	p->names = json_array();
	r = store_read(c->env->store, fill, arg, c->err);
	if (!r) {
		if (!c->out)
			c->out = json_object();
		json_object_set(c->out, key, p->names);
		json_set_str(c->out, "nextToken", p->next[0] ? p->next : NULL);
	}
	json_decref(p->names);
	p->names = NULL;
	return r;
}

int cd_app_arn(const struct env *env, const char *app, char *out, size_t size)
{
	return env_arn(env, out, size, "codedeploy", "application:%s", app);
}

int cd_group_arn(const struct env *env, const char *app, const char *group, char *out, size_t size)
{
	return env_arn(env, out, size, "codedeploy", "deploymentgroup:%s/%s", app, group);
}

int cd_instance_arn(const struct env *env, const char *instance, char *out, size_t size)
{
	return env_arn(env, out, size, "codedeploy", "instance/%s", instance);
}

int cd_app_get(struct store_conn *c, const char *name, char *platform, size_t psize, char *id,
	       size_t idsize, struct err *e)
{
	return model_app_get(c, name, platform, psize, id, idsize, e);
}

int cd_tags_validate(const json_t *tags, int invalid_code, struct err *e)
{
	size_t i;
	json_t *t;

	if (!tags || json_is_null(tags))
		return 0;
	if (!json_is_array(tags))
		return err_set(e, SW_E_Serialization, "tags must be a list");
	if (json_array_size(tags) > 50)
		return err_set(e, SW_E_TagLimitExceeded, "at most 50 tags per resource");
	json_array_foreach(tags, i, t)
	{
		const char *k = NULL, *v = "";

		if (!json_is_object(t) || json_opt_str(t, "Key", &k, e) ||
		    json_opt_str(t, "Value", &v, e))
			return err_set(e, SW_E_Serialization, "each tag must be {Key, Value}");
		if (!k || !*k || strlen(k) > 128)
			return err_set(e, invalid_code, "a tag key must have 1 to 128 characters");
		if (strlen(v) > 256)
			return err_set(e, invalid_code,
				       "the value of tag '%s' is longer than 256 characters", k);
	}
	return 0;
}
