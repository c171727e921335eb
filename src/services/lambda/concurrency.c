/* lambda/concurrency: PutFunctionConcurrency, GetFunctionConcurrency,
 * DeleteFunctionConcurrency (the function's reserved concurrency). */
#include "lambda.h"
#include "store/store.h"

struct lambda__conc {
	struct lambda_call *c;
	struct lambda_ref ref;
	int value; /* -1: delete */
	bool get;
};

static int lambda__conc_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__conc *o = arg;
	int r;

	if (o->get) {
		r = lambda_reserved_get(sc, o->ref.name, &o->value, e);
		if (r == 0)
			o->c->out =
			    o->value < 0
				? json_object()
				: json_pack("{s:i}", "ReservedConcurrentExecutions", o->value);
		return r;
	}
	r = lambda_reserved_set(sc, o->ref.name, o->value, e);
	if (r == 0 && o->value >= 0)
		o->c->out = json_pack("{s:i}", "ReservedConcurrentExecutions", o->value);
	return r;
}

static int lambda__conc(struct lambda_call *c, int value, bool get)
{
	struct lambda__conc o = { .c = c, .value = value, .get = get };
	int r = lambda_fn_ref(c, &o.ref);

	if (r == 0 && o.ref.qualifier[0])
		r = err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
			    "Concurrency is set on the function, not on a version or alias: the "
			    "function name must not have a qualifier.");
	if (r < 0)
		return r;
	return get ? store_read(c->env->store, lambda__conc_tx, &o, c->err)
		   : store_write(c->env->store, lambda__conc_tx, &o, c->err);
}

int lambda_op_put_function_concurrency(struct lambda_call *c)
{
	const json_t *v = json_object_get(c->in, "ReservedConcurrentExecutions");
	int max = c->env->cfg->function_envs_max > 0 ? c->env->cfg->function_envs_max : 1000;

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return err_set(
		    c->err, SW_E_LAMBDA_Validation,
		    "1 validation error detected: Value at "
		    "'reservedConcurrentExecutions' failed to satisfy constraint: Member "
		    "must have value greater than or equal to 0");
	if (json_integer_value(v) > max)
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
			       "Specified ReservedConcurrentExecutions for function decreases "
			       "account's UnreservedConcurrentExecution below its minimum value of "
			       "[0]: at most %d (--function-environments).",
			       max);
	return lambda__conc(c, (int)json_integer_value(v), false);
}

int lambda_op_get_function_concurrency(struct lambda_call *c)
{
	return lambda__conc(c, -1, true);
}

int lambda_op_delete_function_concurrency(struct lambda_call *c)
{
	return lambda__conc(c, -1, false);
}
