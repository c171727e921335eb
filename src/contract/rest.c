/* rest: matching a request against a REST route table (see rest.h). */
#include "contract/rest.h"
#include "base/str.h"

#include <string.h>
#include <strings.h>

/* A label's place in the path, before decoding. */
struct rest__span {
	const char *name;
	size_t name_len;
	const char *raw;
	size_t raw_len;
};

int rest_decode(const char *s, size_t n, char *out, size_t size, size_t *len)
{
	size_t o = 0;

	*len = 0;
	if (size)
		out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3)
				return -SW_E_INVALID;
			hi = hex_digit(s[i + 1]);
			lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -SW_E_INVALID;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0')
			return -SW_E_INVALID;
		if (o + 1 >= size)
			return -SW_E_TOO_LARGE;
		out[o++] = c;
		out[o] = '\0';
	}
	*len = o;
	return 0;
}

/*
 * Walks template t against path p without decoding: true when the structure matches, with
 * the labels' spans in sp (*nsp of them).  A label that is not a whole segment, a greedy label
 * that is not last or more than REST_PARAMS_MAX labels never match (a mistake in the table).
 */
static bool rest__shape(const char *tmpl, const char *p, struct rest__span *sp, size_t *nsp)
{
	const char *t = tmpl;

	*nsp = 0;
	while (*t) {
		const char *close, *end;
		bool greedy;

		if (*t != '{') {
			if (*t != *p)
				return false;
			t++;
			p++;
			continue;
		}
		close = strchr(t, '}');
		if (!close || close == t + 1 || *nsp >= REST_PARAMS_MAX || t == tmpl ||
		    t[-1] != '/')
			return false;
		greedy = close[-1] == '+';
		if (greedy ? close[1] != '\0' : (close[1] != '\0' && close[1] != '/'))
			return false;
		end = greedy ? p + strlen(p) : p + strcspn(p, "/");
		if (end == p)
			return false; /* labels match at least one byte */
		sp[*nsp] = (struct rest__span){ t + 1, (size_t)(close - t - 1 - greedy), p,
						(size_t)(end - p) };
		(*nsp)++;
		t = close + 1;
		p = end;
	}
	return *p == '\0';
}

/* Decodes the spans into m: 0, or the error with m->bad set. */
static int rest__decode_all(const struct rest__span *sp, size_t nsp, struct rest_match *m)
{
	size_t used = 0;

	m->nparams = 0;
	m->bad = NULL;
	m->bad_len = 0;
	for (size_t i = 0; i < nsp; i++) {
		size_t room = sizeof(m->values) - used, len;
		char *out = m->values + used;
		int r;

		if (room > REST_VALUE_MAX + 1)
			room = REST_VALUE_MAX + 1;
		r = rest_decode(sp[i].raw, sp[i].raw_len, out, room, &len);
		if (r) {
			m->bad = sp[i].name;
			m->bad_len = sp[i].name_len;
			return r;
		}
		m->params[i] = (struct rest_param){ sp[i].name, sp[i].name_len, out, len };
		m->nparams++;
		used += len + 1;
	}
	return 0;
}

/* The raw value of the first query key name (n bytes), or NULL; "" for a key without one. */
static const char *rest__query(const struct http_req *req, const char *name, size_t n)
{
	for (size_t i = 0; i < req->nquery; i++) {
		const char *k = req->query[i].name;

		if (k && strncmp(k, name, n) == 0 && k[n] == '\0')
			return req->query[i].value ? req->query[i].value : "";
	}
	return NULL;
}

static bool rest__conditions(const struct rest_route *r, const char *method,
			     const struct http_req *req)
{
	if (strcmp(r->method, "*") != 0 && strcmp(r->method, method) != 0)
		return false;
	for (size_t i = 0; i < REST_CONDS_MAX && r->query[i]; i++) {
		const char *q = r->query[i], *eq = strchr(q, '=');
		const char *v = rest__query(req, q, eq ? (size_t)(eq - q) : strlen(q));

		if (!v || (eq && strcmp(v, eq + 1) != 0))
			return false;
	}
	for (size_t i = 0; i < REST_CONDS_MAX && r->no_query[i]; i++)
		if (rest__query(req, r->no_query[i], strlen(r->no_query[i])))
			return false;
	if (r->header) {
		bool found = false;

		for (size_t i = 0; i < req->nheaders && !found; i++)
			found = req->headers[i].name &&
				strcasecmp(req->headers[i].name, r->header) == 0;
		if (!found)
			return false;
	}
	return true;
}

int rest_match(const struct rest_route *routes, const char *method, const char *path,
	       const struct http_req *req, struct rest_match *m)
{
	const struct rest_route *first = NULL;
	struct rest__span sp[REST_PARAMS_MAX];
	size_t nsp;
	int r;

	m->route = NULL;
	m->nparams = 0;
	m->bad = NULL;
	m->bad_len = 0;
	for (const struct rest_route *rt = routes; rt->method; rt++) {
		if (!rest__shape(rt->path, path, sp, &nsp))
			continue;
		/* The first template that fits decides whether the parameters are well formed,
		 * and its parameters stay in m unless a later route wins. */
		if (!first) {
			first = rt;
			r = rest__decode_all(sp, nsp, m);
			if (r)
				return r;
		}
		if (!rest__conditions(rt, method, req))
			continue;
		if (rt != first) {
			r = rest__decode_all(sp, nsp, m);
			if (r)
				return r;
		}
		m->route = rt;
		return REST_MATCHED;
	}
	return first ? REST_NO_METHOD : REST_NO_ROUTE;
}

const char *rest_param(const struct rest_match *m, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < m->nparams; i++)
		if (m->params[i].name_len == n && memcmp(m->params[i].name, name, n) == 0)
			return m->params[i].value;
	return NULL;
}
