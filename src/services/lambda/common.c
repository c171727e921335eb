/* lambda/common: what every Lambda operation shares — the function reference of the path, query
 * parameters, ARNs. */
#include "lambda.h"
#include "base/str.h"

#include <string.h>

int lambda_fn_ref(struct lambda_call *c, struct lambda_ref *ref)
{
	const char *s = rest_param(c->m, "FunctionName");
	int r;

	if (!s)
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
			       "FunctionName is required");
	r = lambda_ref_parse(s, 140, ref, c->err);
	if (r < 0)
		return lambda_err_map(c->err, r);
	if ((ref->account[0] && strcmp(ref->account, c->env->account_id) != 0) ||
	    (ref->region[0] && strcmp(ref->region, c->env->cfg->region) != 0))
		return err_set(c->err, SW_E_LAMBDA_ResourceNotFound, "Function not found: %s", s);
	return 0;
}

const char *lambda_query(struct lambda_call *c, const char *name, char *out, size_t size)
{
	struct buf b;
	int r;

	buf_init(&b, size);
	r = http_query(c->req, name, &b);
	if (r != 0 || str_copy(out, size, buf_str(&b))) {
		if (r < 0)
			err_set(c->err, SW_E_LAMBDA_InvalidParameterValue,
				"The query parameter %s is not valid.", name);
		buf_release(&b);
		return NULL;
	}
	buf_release(&b);
	return out;
}

void lambda_fn_arn(const struct lambda_call *c, const char *name, char *out, size_t size)
{
	str_fmt(out, size, "arn:aws:lambda:%s:%s:function:%s", c->env->cfg->region,
		c->env->account_id, name);
}
