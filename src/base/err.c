/* err: lookup of the generic codes and of the tables services register; recording. */
#include "err.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct err_info err__generic[SW_E__GENERIC_COUNT] = {
#define X(code, http, aws, msg) [SW_E_##code] = { #code, http, aws, msg },
	SW_ERRORS_GENERIC(X)
#undef X
};

/* Filled at start, read-only afterwards (see err_register). */
static const struct err_table *err__tables[ERR_MAX_TABLES];
static size_t err__ntables;

int err_register(const struct err_table *t)
{
	if (!t || !t->rows || t->first < SW_ERR_RANGE || t->first % SW_ERR_RANGE ||
	    t->end < t->first || t->end - t->first > SW_ERR_RANGE)
		return -SW_E_INVALID;
	for (size_t i = 0; i < err__ntables; i++) {
		if (err__tables[i] == t)
			return 0;
		if (err__tables[i]->first == t->first)
			return -SW_E_INVALID; /* two tables were given the same base */
	}
	if (err__ntables >= ERR_MAX_TABLES)
		return -SW_E_TRUNCATED;
	err__tables[err__ntables++] = t;
	return 0;
}

void err_register_or_die(const struct err_table *t)
{
	int r = err_register(t);

	if (r) {
		fprintf(stderr, "err: cannot register the error table of '%s' (codes %d-%d): %s\n",
			t && t->service ? t->service : "?", t ? t->first : 0, t ? t->end - 1 : 0,
			err_info(r)->message);
		abort();
	}
}

const struct err_info *err_info(int code)
{
	if (code < 0)
		code = code == INT_MIN ? SW_E_INTERNAL : -code; /* INT_MIN has no positive twin */
	if (code < SW_E__GENERIC_COUNT)
		return &err__generic[code];
	for (size_t i = 0; i < err__ntables; i++) {
		const struct err_table *t = err__tables[i];

		if (code >= t->first && code < t->end)
			return &t->rows[code - t->first];
	}
	return &err__generic[SW_E_INTERNAL];
}

struct err_wire err_wire(int code, const struct err_view *v)
{
	const struct err_info *info = err_info(code);

	if (v) {
		for (size_t i = 0; i < v->nremap; i++)
			if (v->remap[i].code == code)
				return (struct err_wire){ v->remap[i].http_status,
							  v->remap[i].aws_type };
		if (v->server_error && (code <= 0 || info->http_status >= 500))
			return (struct err_wire){ v->server_error->http_status,
						  v->server_error->aws_type };
	}
	return (struct err_wire){ info->http_status, info->aws_type };
}

static int err_vset(struct err *e, int code, const char *fmt, va_list ap)
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
