/* lambda/provisioned: Put/Get/Delete/ListProvisionedConcurrencyConfigs — how many environments
 * to keep warm for a published version or an alias (the runtime reads them back with
 * lambda_provisioned_walk; status is READY at once). */
#include "lambda.h"
#include "base/log.h"
#include "base/str.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

struct lambda__prov {
	struct lambda_call *c;
	struct lambda_ref ref;
	int requested;
	enum { PROV_PUT, PROV_GET, PROV_DELETE, PROV_LIST } what;
	json_t *items;
};

static json_t *lambda__prov_view(const struct lambda_call *c, const struct lambda_provisioned *p,
				 bool arn)
{
	char a[LAMBDA_ARN_MAX + LAMBDA_QUALIFIER_MAX + 2];
	size_t n;
	json_t *o = json_pack("{s:i,s:i,s:i,s:s,s:s}", "RequestedProvisionedConcurrentExecutions",
			      p->requested, "AvailableProvisionedConcurrentExecutions",
			      p->requested, "AllocatedProvisionedConcurrentExecutions",
			      p->requested, "Status", p->status, "LastModified", p->last_modified);

	if (o && arn) {
		lambda_fn_arn(c, p->function, a, sizeof(a));
		n = strlen(a);
		str_fmt(a + n, sizeof(a) - n, ":%s", p->qualifier);
		json_object_set_new(o, "FunctionArn", json_string(a));
	}
	return o;
}

static int lambda__prov_add(void *arg, const struct lambda_provisioned *p)
{
	struct lambda__prov *o = arg;

	return json_array_append_new(o->items, lambda__prov_view(o->c, p, true)) ? -SW_E_NOMEM : 0;
}

static int lambda__prov_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__prov *o = arg;
	struct lambda_provisioned p;
	int r;

	switch (o->what) {
	case PROV_PUT:
		r = lambda_provisioned_put(sc, o->ref.name, o->ref.qualifier, o->requested, &p, e);
		break;
	case PROV_GET:
		r = lambda_provisioned_get(sc, o->ref.name, o->ref.qualifier, &p, e);
		break;
	case PROV_DELETE:
		return lambda_provisioned_delete(sc, o->ref.name, o->ref.qualifier, e);
	default:
		o->items = json_array();
		o->c->out = json_pack("{s:o}", "ProvisionedConcurrencyConfigs", o->items);
		return lambda_provisioned_walk(sc, o->ref.name, lambda__prov_add, o, e);
	}
	if (r == 0) {
		json_decref(o->c->out);
		o->c->out = lambda__prov_view(o->c, &p, false);
	}
	return r;
}

static int lambda__prov(struct lambda_call *c, struct lambda__prov *o)
{
	char q[LAMBDA_QUALIFIER_MAX + 1];
	int r = lambda_fn_ref(c, &o->ref);

	o->c = c;
	if (r < 0)
		return r;
	if (o->what != PROV_LIST) {
		if (lambda_query(c, "Qualifier", q, sizeof(q)))
			str_copy(o->ref.qualifier, sizeof(o->ref.qualifier), q);
		else if (c->err->code)
			return -c->err->code;
		if (!o->ref.qualifier[0])
			return err_set(c->err, SW_E_LAMBDA_Validation,
				       "1 validation error detected: Value null at 'qualifier' "
				       "failed to satisfy constraint: Member must not be null");
		if (strcmp(o->ref.qualifier, LAMBDA_LATEST) == 0)
			return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
				       "Provisioned Concurrency Configs cannot be applied to "
				       "unpublished function versions.");
		if (!lambda_version_published(o->ref.qualifier) &&
		    !lambda_alias_name_valid(o->ref.qualifier))
			return err_set(c->err, SW_E_LAMBDA_Validation,
				       "1 validation error detected: Value '%s' at 'qualifier' "
				       "failed to satisfy constraint: Member must satisfy regular "
				       "expression pattern: (|[a-zA-Z0-9$_-]+)",
				       o->ref.qualifier);
	}
	if (o->what == PROV_GET || o->what == PROV_LIST)
		return store_read(c->env->store, lambda__prov_tx, o, c->err);
	r = store_write(c->env->store, lambda__prov_tx, o, c->err);
	if (r == 0)
		lambda_provision_warm(c->env, o->ref.name, o->ref.qualifier,
				      o->what == PROV_PUT ? o->requested : 0);
	return r;
}

void lambda_provision_warm(struct env *env, const char *name, const char *qualifier, int want)
{
	struct lambda_target *t = malloc(sizeof(*t));
	struct err e;

	/* an alias keeps its primary version warm (u near 1 draws the primary) */
	if (t && env->functions &&
	    lambda_target_resolve_at(env, name, qualifier, 0.999999, t, &e) == 0 &&
	    functions_provision(env->functions, t, want, &e) < 0)
		log_warn("lambda", "provisioned concurrency of %s:%s: %s", name, qualifier,
			 err_message(&e));
	free(t);
}

static int lambda__prov_boot(void *arg, const struct lambda_provisioned *p)
{
	struct env *env = arg;

	lambda_provision_warm(env, p->function, p->qualifier, p->requested);
	return 0;
}

struct lambda__prov_all {
	struct lambda_provisioned *list;
	size_t n, cap;
};

static int lambda__prov_collect(void *arg, const struct lambda_provisioned *p)
{
	struct lambda__prov_all *a = arg;

	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct lambda_provisioned *l = realloc(a->list, cap * sizeof(*l));

		if (!l)
			return -SW_E_NOMEM;
		a->list = l;
		a->cap = cap;
	}
	a->list[a->n++] = *p;
	return 0;
}

static int lambda__prov_all_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__prov_all *a = arg;

	a->n = 0;
	return lambda_provisioned_walk(sc, NULL, lambda__prov_collect, a, e);
}

void lambda_provision_boot(struct env *env)
{
	struct lambda__prov_all a = { 0 };
	struct err e;

	if (store_read(env->store, lambda__prov_all_tx, &a, &e) < 0)
		log_warn("lambda", "provisioned concurrency: %s", err_message(&e));
	for (size_t i = 0; i < a.n; i++)
		lambda__prov_boot(env, &a.list[i]);
	free(a.list);
}

int lambda_op_put_provisioned_concurrency_config(struct lambda_call *c)
{
	struct lambda__prov o = { .what = PROV_PUT };
	const json_t *v = json_object_get(c->in, "ProvisionedConcurrentExecutions");
	int max = c->env->cfg->function_envs_max > 0 ? c->env->cfg->function_envs_max : 1000;

	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return err_set(c->err, SW_E_LAMBDA_Validation,
			       "1 validation error detected: Value at "
			       "'provisionedConcurrentExecutions' failed to satisfy constraint: "
			       "Member must have value greater than or equal to 1");
	if (json_integer_value(v) > max)
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
			       "Requested Provisioned Concurrency should not be greater than the "
			       "account's concurrency limit: at most %d (--function-environments).",
			       max);
	o.requested = (int)json_integer_value(v);
	return lambda__prov(c, &o);
}

int lambda_op_get_provisioned_concurrency_config(struct lambda_call *c)
{
	struct lambda__prov o = { .what = PROV_GET };

	return lambda__prov(c, &o);
}

int lambda_op_delete_provisioned_concurrency_config(struct lambda_call *c)
{
	struct lambda__prov o = { .what = PROV_DELETE };

	return lambda__prov(c, &o);
}

int lambda_op_list_provisioned_concurrency_configs(struct lambda_call *c)
{
	struct lambda__prov o = { .what = PROV_LIST };

	return lambda__prov(c, &o);
}
