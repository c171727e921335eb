/* err: lookup and recording of the error table's codes. */
#include "err.h"

#include <stdio.h>
#include <string.h>

static const struct err_info err__table[SW_E__COUNT] = {
#define X(code, http, aws, msg) [SW_E_##code] = { #code, http, aws, msg },
#define C(n)			[SW_E_##n] = { #n, 400, #n "Exception", NULL },
	SW_ERRORS_GENERIC(X) SW_ERRORS_CODEDEPLOY(C) SW_ERRORS_COMMANDS(X) SW_ERRORS_S3(X)
	    SW_ERRORS_IAM(X)
#undef C
#undef X
};

const struct err_info *err_info(int code)
{
	if (code < 0)
		code = -code;
	if (code >= SW_E__COUNT)
		code = SW_E_INTERNAL;
	return &err__table[code];
}

int err_vset(struct err *e, int code, const char *fmt, va_list ap)
{
	if (code < 0)
		code = -code;
	if (e) {
		e->code = code;
		if (fmt)
			vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		else
			e->msg[0] = '\0';
	}
	return -code;
}

int err_set(struct err *e, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = err_vset(e, code, fmt, ap);
	va_end(ap);
	return r;
}

const char *err_message(const struct err *e)
{
	const struct err_info *info = err_info(e->code);

	if (e->msg[0])
		return e->msg;
	return info->message ? info->message : info->name;
}

void err_clear(struct err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}
