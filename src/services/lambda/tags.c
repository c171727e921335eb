/* lambda/tags: TagResource, UntagResource, ListTags on a function's ARN (model/tags.c). */
#include "lambda.h"
#include "base/str.h"
#include "model/tags.h"
#include "store/store.h"

#include <string.h>

struct lambda__tags {
	struct lambda_call *c;
	char arn[LAMBDA_ARN_MAX];
	struct lambda_ref ref;
	json_t *put, *remove;
};

/* The {Resource} ARN: an unqualified function ARN of this account and region. */
static int lambda__resource(struct lambda_call *c, struct lambda__tags *o)
{
	const char *s = rest_param(c->m, "Resource");
	int r;

	if (!s || !str_starts(s, "arn:"))
		return err_set(
		    c->err, SW_E_LAMBDA_Validation,
		    "1 validation error detected: Value '%s' at 'resource' failed to "
		    "satisfy constraint: Member must satisfy regular expression pattern: "
		    "arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{"
		    "1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?)",
		    s ? s : "");
	r = lambda_err_map(c->err, lambda_ref_parse(s, 256, &o->ref, c->err));
	if (r < 0)
		return r;
	if (o->ref.qualifier[0])
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
			       "Tags are supported on functions only, not on versions or aliases.");
	lambda_fn_arn(c, o->ref.name, o->arn, sizeof(o->arn));
	if (strcmp(o->arn, s) != 0)
		return err_set(c->err, SW_E_LAMBDA_ResourceNotFound, "Function not found: %s", s);
	return 0;
}

static int lambda__tags_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__tags *o = arg;
	int r = lambda_function_check(sc, o->ref.name, e);

	if (r < 0)
		return r;
	if (o->put)
		return model_tags_put(sc, o->arn, o->put, e);
	if (o->remove)
		return model_tags_remove(sc, o->arn, o->remove, e);
	json_t *list = json_array(), *map = json_object(), *t;
	size_t i;

	r = model_tags_list(sc, o->arn, list, e);
	json_array_foreach(list, i, t) json_object_set(
	    map, json_string_value(json_object_get(t, "Key")), json_object_get(t, "Value"));
	json_decref(list);
	o->c->out = json_pack("{s:o}", "Tags", map);
	return r;
}

int lambda_op_tag_resource(struct lambda_call *c)
{
	struct lambda__tags o = { .c = c };
	const json_t *tags = json_object_get(c->in, "Tags");
	const char *k;
	json_t *v;
	int r = lambda__resource(c, &o);

	if (r < 0)
		return r;
	if (!json_is_object(tags) || json_object_size(tags) == 0 || json_object_size(tags) > 50)
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
			       "Tags must be a map of 1 to 50 entries.");
	o.put = json_array();
	json_object_foreach((json_t *)tags, k, v)
	{
		if (!json_is_string(v) || !*k || strlen(k) > 128 || json_string_length(v) > 256) {
			json_decref(o.put);
			return err_set(
			    c->err, SW_E_LAMBDA_InvalidParameterValue,
			    "The tag '%s' is not valid: a key of 1 to 128 characters and "
			    "a string value of at most 256.",
			    k);
		}
		json_array_append_new(o.put, json_pack("{s:s,s:O}", "Key", k, "Value", v));
	}
	r = store_write(c->env->store, lambda__tags_tx, &o, c->err);
	json_decref(o.put);
	return r;
}

int lambda_op_untag_resource(struct lambda_call *c)
{
	struct lambda__tags o = { .c = c };
	int r = lambda__resource(c, &o);

	if (r < 0)
		return r;
	o.remove = json_array();
	for (size_t i = 0; i < c->req->nquery; i++) {
		const struct sigv4_kv *q = &c->req->query[i];
		struct buf b;

		if (strcmp(q->name, "tagKeys") != 0)
			continue;
		buf_init(&b, 256);
		if (uri_decode(&b, q->value, strlen(q->value)) == 0)
			json_array_append_new(o.remove, json_string(buf_str(&b)));
		buf_release(&b);
	}
	r = store_write(c->env->store, lambda__tags_tx, &o, c->err);
	json_decref(o.remove);
	return r;
}

int lambda_op_list_tags(struct lambda_call *c)
{
	struct lambda__tags o = { .c = c };
	int r = lambda__resource(c, &o);

	return r < 0 ? r : store_read(c->env->store, lambda__tags_tx, &o, c->err);
}
