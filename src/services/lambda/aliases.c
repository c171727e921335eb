/* lambda/aliases: CreateAlias, GetAlias, UpdateAlias, ListAliases, DeleteAlias, with
 * RoutingConfig.AdditionalVersionWeights checked by lambda_routing_parse. */
#include "lambda.h"
#include "base/str.h"
#include "store/store.h"

#include <string.h>

struct lambda__alias_op {
	struct lambda_call *c;
	struct lambda_ref ref;
	struct lambda_alias a;
	const char *version; /* FunctionVersion, NULL: keep (update) */
	const json_t *weights;
	bool has_routing, has_desc;
	const char *rev;
	struct store_conn *sc;
	/* ListAliases */
	char marker[LAMBDA_ALIAS_MAX + 1];
	char filter[24];
	int max;
	json_t *items;
	char last[LAMBDA_ALIAS_MAX + 1];
};

static json_t *lambda__alias_view(const struct lambda_call *c, const char *name,
				  const struct lambda_alias *a)
{
	char arn[LAMBDA_ARN_MAX + LAMBDA_ALIAS_MAX + 2];
	size_t n;
	json_t *o;

	lambda_fn_arn(c, name, arn, sizeof(arn));
	n = strlen(arn);
	str_fmt(arn + n, sizeof(arn) - n, ":%s", a->name);
	o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "AliasArn", arn, "Name", a->name, "FunctionVersion",
		      a->routing.primary, "Description", a->description, "RevisionId", a->revision);
	if (o && a->routing.secondary[0])
		json_object_set_new(o, "RoutingConfig",
				    json_pack("{s:{s:f}}", "AdditionalVersionWeights",
					      a->routing.secondary, a->routing.weight));
	return o;
}

static bool lambda__exists(void *arg, const char *version)
{
	struct lambda__alias_op *o = arg;

	return lambda_version_exists(o->sc, o->ref.name, version);
}

static int lambda__alias_put_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__alias_op *o = arg;
	struct lambda_alias cur, out;
	bool create = o->c->status == 201;
	const char *primary;
	int r;

	o->sc = sc;
	r = lambda_function_check(sc, o->ref.name, e);
	if (r < 0)
		return r;
	if (!create) {
		r = lambda_alias_get(sc, o->ref.name, o->a.name, &cur, e);
		if (r < 0)
			return r;
		if (o->rev && strcmp(o->rev, cur.revision) != 0)
			return err_set(
			    e, SW_E_LAMBDA_PreconditionFailed,
			    "The Revision Id provided does not match the latest Revision "
			    "Id. Call the GetFunction/GetAlias API to retrieve the latest "
			    "Revision Id");
		if (!o->has_desc)
			str_copy(o->a.description, sizeof(o->a.description), cur.description);
	}
	primary = o->version ? o->version : cur.routing.primary;
	if (o->has_routing || create) {
		r = lambda_routing_parse(primary, o->weights, lambda__exists, o, &o->a.routing, e);
	} else {
		/* FunctionVersion alone keeps the routing, which must still hold */
		json_t *w = NULL;

		if (cur.routing.secondary[0])
			w = json_pack("{s:f}", cur.routing.secondary, cur.routing.weight);
		r = lambda_routing_parse(primary, w, lambda__exists, o, &o->a.routing, e);
		json_decref(w);
	}
	if (r < 0)
		return lambda_err_map(e, r);
	if (strcmp(primary, LAMBDA_LATEST) != 0 && !lambda_version_exists(sc, o->ref.name, primary))
		return err_set(e, SW_E_LAMBDA_ResourceNotFound, "Function not found: %s:%s",
			       o->ref.name, primary);
	r = lambda_alias_put(sc, o->ref.name, &o->a, create, NULL, &out, e);
	if (r == 0) {
		json_decref(o->c->out);
		o->c->out = lambda__alias_view(o->c, o->ref.name, &out);
	}
	return r;
}

static int lambda__alias_args(struct lambda_call *c, struct lambda__alias_op *o, bool create)
{
	const json_t *v, *rc;
	int r = lambda_fn_ref(c, &o->ref);
	const char *name;

	if (r < 0)
		return r;
	if (o->ref.qualifier[0])
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
			       "The function name must not have a qualifier.");
	name =
	    create ? json_string_value(json_object_get(c->in, "Name")) : rest_param(c->m, "Name");
	if (!name || !lambda_alias_name_valid(name))
		return err_set(
		    c->err, SW_E_LAMBDA_Validation,
		    "1 validation error detected: Value '%s' at 'name' failed to "
		    "satisfy constraint: Member must satisfy regular expression pattern: "
		    "(?!^[0-9]+$)([a-zA-Z0-9-_]+)",
		    name ? name : "null");
	str_copy(o->a.name, sizeof(o->a.name), name);
	v = json_object_get(c->in, "FunctionVersion");
	if (v && !json_is_string(v))
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
			       "FunctionVersion must be a string.");
	o->version = json_string_value(v);
	if (create && !o->version)
		return err_set(c->err, SW_E_LAMBDA_Validation,
			       "1 validation error detected: Value null at 'functionVersion' "
			       "failed to satisfy constraint: Member must not be null");
	v = json_object_get(c->in, "Description");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v) || json_string_length(v) > 256)
			return err_set(
			    c->err, SW_E_LAMBDA_Validation,
			    "1 validation error detected: Value at 'description' failed "
			    "to satisfy constraint: Member must have length less than or "
			    "equal to 256");
		str_copy(o->a.description, sizeof(o->a.description), json_string_value(v));
		o->has_desc = true;
	}
	rc = json_object_get(c->in, "RoutingConfig");
	if (rc && !json_is_null(rc)) {
		o->has_routing = true;
		o->weights = json_object_get(rc, "AdditionalVersionWeights");
		if (!json_is_object(rc) || (o->weights && !json_is_object(o->weights)))
			return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
				       "RoutingConfig.AdditionalVersionWeights must be a map.");
	}
	v = json_object_get(c->in, "RevisionId");
	o->rev = json_string_value(v);
	return 0;
}

int lambda_op_create_alias(struct lambda_call *c)
{
	struct lambda__alias_op o = { .c = c };
	int r = lambda__alias_args(c, &o, true);

	return r < 0 ? r : store_write(c->env->store, lambda__alias_put_tx, &o, c->err);
}

int lambda_op_update_alias(struct lambda_call *c)
{
	struct lambda__alias_op o = { .c = c };
	int r = lambda__alias_args(c, &o, false);

	return r < 0 ? r : store_write(c->env->store, lambda__alias_put_tx, &o, c->err);
}

static int lambda__alias_get_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__alias_op *o = arg;
	int r = lambda_alias_get(sc, o->ref.name, o->a.name, &o->a, e);

	if (r == 0)
		o->c->out = lambda__alias_view(o->c, o->ref.name, &o->a);
	return r;
}

static int lambda__alias_name(struct lambda_call *c, struct lambda__alias_op *o)
{
	const char *name = rest_param(c->m, "Name");
	int r = lambda_fn_ref(c, &o->ref);

	if (r < 0)
		return r;
	if (!name || str_copy(o->a.name, sizeof(o->a.name), name))
		return err_set(c->err, SW_E_LAMBDA_Validation,
			       "1 validation error detected: Value at 'name' failed to satisfy "
			       "constraint: Member must have length less than or equal to 128");
	return 0;
}

int lambda_op_get_alias(struct lambda_call *c)
{
	struct lambda__alias_op o = { .c = c };
	int r = lambda__alias_name(c, &o);

	return r < 0 ? r : store_read(c->env->store, lambda__alias_get_tx, &o, c->err);
}

static int lambda__alias_delete_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__alias_op *o = arg;

	return lambda_alias_delete(sc, o->ref.name, o->a.name, e);
}

int lambda_op_delete_alias(struct lambda_call *c)
{
	struct lambda__alias_op o = { .c = c };
	int r = lambda__alias_name(c, &o);

	return r < 0 ? r : store_write(c->env->store, lambda__alias_delete_tx, &o, c->err);
}

static int lambda__alias_add(void *arg, const struct lambda_alias *a)
{
	struct lambda__alias_op *o = arg;

	str_copy(o->last, sizeof(o->last), a->name);
	return json_array_append_new(o->items, lambda__alias_view(o->c, o->ref.name, a))
		   ? -SW_E_NOMEM
		   : 0;
}

static int lambda__aliases_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__alias_op *o = arg;
	bool more;
	int r = lambda_aliases_walk(sc, o->ref.name, o->filter[0] ? o->filter : NULL, o->marker,
				    o->max, lambda__alias_add, o, &more, e);

	if (r == 0 && more)
		json_object_set_new(o->c->out, "NextMarker", json_string(o->last));
	return r;
}

int lambda_op_list_aliases(struct lambda_call *c)
{
	struct lambda__alias_op o = { .c = c, .max = 50 };
	char mi[16];
	int64_t n;
	int r = lambda_fn_ref(c, &o.ref);

	if (r < 0)
		return r;
	if (!lambda_query(c, "Marker", o.marker, sizeof(o.marker)))
		o.marker[0] = '\0';
	if (!lambda_query(c, "FunctionVersion", o.filter, sizeof(o.filter)))
		o.filter[0] = '\0';
	if (lambda_query(c, "MaxItems", mi, sizeof(mi)) && str_to_i64(mi, 1, 10000, &n) == 0)
		o.max = n > 50 ? 50 : (int)n;
	if (c->err->code)
		return -c->err->code;
	o.items = json_array();
	c->out = json_pack("{s:o}", "Aliases", o.items);
	return store_read(c->env->store, lambda__aliases_tx, &o, c->err);
}
