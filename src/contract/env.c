/* env: the helpers on what a service may reach of the daemon. */
#include "env.h"
#include "base/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int env_arn(const struct env *env, char *out, size_t size, const char *service, const char *fmt,
	    ...)
{
	char res[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(res, sizeof(res), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(res))
		return -SW_E_TRUNCATED;
	if (strcmp(service, "iam") == 0)
		return str_fmt(out, size, "arn:aws:iam::%s:%s", env->account_id, res);
	return str_fmt(out, size, "arn:aws:%s:%s:%s:%s", service, env->cfg->region, env->account_id,
		       res);
}

void env_auth_changed(struct env *env)
{
	__atomic_add_fetch(&env->auth_generation, 1, __ATOMIC_SEQ_CST);
}

uint64_t env_auth_generation(const struct env *env)
{
	return __atomic_load_n(&env->auth_generation, __ATOMIC_SEQ_CST);
}
