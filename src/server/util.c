/* util: small helpers on the daemon state shared by services. */
#include "slipwayd.h"
#include "base/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int slipwayd_arn(const struct slipwayd *d, char *out, size_t size, const char *service,
		 const char *fmt, ...)
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
		return str_fmt(out, size, "arn:aws:iam::%s:%s", d->account_id, res);
	return str_fmt(out, size, "arn:aws:%s:%s:%s:%s", service, d->cfg.region, d->account_id,
		       res);
}

void slipwayd_auth_changed(struct slipwayd *d)
{
	__atomic_add_fetch(&d->auth_generation, 1, __ATOMIC_SEQ_CST);
}
