/* monitoring/query: the AWS query front of CloudWatch (reference/cloudwatch.md §1.5). */
#include "query.h"
#include "monitoring.h"
#include "contract/query_form.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Structures inside structures: the model nests five deep at most. */
#define QUERY_MAX_DEPTH 32

static int query__bad(struct err *e, const char *field, const char *why)
{
	return err_set(e, SW_E_CW_InvalidParameterValue, "The parameter %.200s %s.", field, why);
}

static int query__invalid(struct err *e, const char *field, const char *value)
{
	return err_set(e, SW_E_CW_InvalidParameterValue,
		       "The value %.100s for parameter %.200s is invalid.", value, field);
}

static bool query__is_scalar(uint8_t kind)
{
	return kind != MONITORING_K_LIST && kind != MONITORING_K_MAP && kind != MONITORING_K_STRUCT;
}

/* A double spelled in full ("5", "-1.5e3", "nan"): 0, or -SW_E_INVALID. */
static int query__double(const char *s, double *out)
{
	char *end;

	if (!*s || strchr(" \t\n\r\f\v", *s))
		return -SW_E_INVALID;
	errno = 0;
	*out = strtod(s, &end);
	return *end || (errno && isfinite(*out) && *out != 0) ? -SW_E_INVALID : 0;
}

static int64_t query__days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at s into *out; false unless they are all digits. */
static bool query__digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

int monitoring_iso8601_parse(const char *s, double *out)
{
	int y, mo, d, h, mi, sec, zh = 0, zm = 0;
	double frac = 0, scale = 0.1;
	const char *p = s + 19;

	if (strlen(s) < 19 || !query__digits(s, 4, &y) || s[4] != '-' ||
	    !query__digits(s + 5, 2, &mo) || s[7] != '-' || !query__digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !query__digits(s + 11, 2, &h) ||
	    s[13] != ':' || !query__digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !query__digits(s + 17, 2, &sec))
		return -SW_E_INVALID;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -SW_E_INVALID;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -SW_E_INVALID;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;

		if (!query__digits(p + 1, 2, &zh))
			return -SW_E_INVALID;
		p += 3;
		if (*p == ':')
			p++;
		if (!query__digits(p, 2, &zm) || zh > 23 || zm > 59)
			return -SW_E_INVALID;
		p += 2;
		zh *= sign;
		zm *= sign;
	}
	if (*p)
		return -SW_E_INVALID;
	*out = (double)(query__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
			zh * 3600 - zm * 60) +
	       frac;
	return 0;
}

/* The JSON value of one scalar field. */
static int query__scalar(uint8_t kind, const char *value, const char *field, json_t **out,
			 struct err *e)
{
	int64_t i;
	double d;

	*out = NULL;
	switch (kind) {
	case MONITORING_K_INTEGER:
		if (str_to_i64(value, INT64_MIN, INT64_MAX, &i))
			return query__invalid(e, field, value);
		*out = json_integer(i);
		break;
	case MONITORING_K_DOUBLE:
		/* jansson holds no NaN or infinity, and CloudWatch takes none */
		if (query__double(value, &d) || !isfinite(d))
			return query__invalid(e, field, value);
		*out = json_real(d);
		break;
	case MONITORING_K_BOOLEAN:
		if (strcasecmp(value, "true") && strcasecmp(value, "false"))
			return query__invalid(e, field, value);
		*out = json_boolean(strcasecmp(value, "true") == 0);
		break;
	case MONITORING_K_TIMESTAMP:
		if (monitoring_iso8601_parse(value, &d) &&
		    (query__double(value, &d) || !isfinite(d)))
			return query__invalid(e, field, value);
		*out = d == floor(d) && fabs(d) < 9e15 ? json_integer((json_int_t)d) : json_real(d);
		break;
	default: /* strings, and blobs (base64 in both protocols) */
		*out = json_string(value);
		if (!*out)
			return query__bad(e, field, "is not valid UTF-8");
	}
	return *out ? 0 : err_set(e, SW_E_NOMEM, NULL);
}

/* "N" or "N.rest" at s, 1 <= N <= MONITORING_QUERY_MAX_INDEX without leading zeros: the digits
 * into key and *rest past the dot (NULL at the end). */
static bool query__index(const char *s, char key[16], const char **rest)
{
	size_t n = 0;
	int64_t v;

	while (s[n] >= '0' && s[n] <= '9' && n < 7)
		n++;
	if (!n || s[0] == '0' || (s[n] && s[n] != '.') || str_copyn(key, 16, s, n) ||
	    str_to_i64(key, 1, MONITORING_QUERY_MAX_INDEX, &v))
		return false;
	*rest = s[n] ? s + n + 1 : NULL;
	return true;
}

static int query__put(json_t *node, uint16_t shape, const char *rest, const char *value,
		      const char *field, int depth, struct err *e);

/* Sets parent[key], of shape shape, from the field's remaining name rest (NULL when the name
 * ends here). */
static int query__child(json_t *parent, const char *key, uint16_t shape, const char *rest,
			const char *value, const char *field, int depth, struct err *e)
{
	uint8_t kind = monitoring_shape(shape)->kind;
	json_t *cur = json_object_get(parent, key);
	int r;

	if (query__is_scalar(kind)) {
		if (rest)
			return query__bad(e, field, "names a member of a value that has none");
		if (cur)
			return query__bad(e, field, "is given twice");
		r = query__scalar(kind, value, field, &cur, e);
		if (!r && json_object_set_new(parent, key, cur))
			r = err_set(e, SW_E_NOMEM, NULL);
		return r;
	}
	if (!cur) {
		cur = json_object(); /* a list or map's elements are keyed by index until the end */
		if (!cur || json_object_set_new(parent, key, cur))
			return err_set(e, SW_E_NOMEM, NULL);
	}
	if (!rest) /* `AlarmActions=`: the empty list */
		return *value ? query__bad(e, field, "needs a member") : 0;
	return query__put(cur, shape, rest, value, field, depth + 1, e);
}

static int query__put(json_t *node, uint16_t shape, const char *rest, const char *value,
		      const char *field, int depth, struct err *e)
{
	const struct monitoring_shape *s = monitoring_shape(shape);
	char key[16];
	const char *after;

	if (depth > QUERY_MAX_DEPTH)
		return query__bad(e, field, "is nested too deep");
	switch (s->kind) {
	case MONITORING_K_STRUCT: {
		const char *dot = strchr(rest, '.');
		size_t len = dot ? (size_t)(dot - rest) : strlen(rest);
		const struct monitoring_member *m = monitoring_shape_member(s, rest, len);

		if (!m) /* a member the model does not have, as a JSON client's would be */
			return 0;
		return query__child(node, m->name, m->shape, dot ? dot + 1 : NULL, value, field,
				    depth, e);
	}
	case MONITORING_K_LIST:
		if (!str_starts(rest, "member.") || !query__index(rest + 7, key, &after))
			return query__bad(e, field, "is not a list member (Name.member.N)");
		return query__child(node, key, s->a, after, value, field, depth, e);
	case MONITORING_K_MAP: {
		json_t *entry;

		if (!str_starts(rest, "entry.") || !query__index(rest + 6, key, &after) || !after ||
		    (strcmp(after, "key") != 0 && !str_starts(after, "value")))
			return query__bad(e, field,
					  "is not a map entry (Name.entry.N.key or .value)");
		entry = json_object_get(node, key);
		if (!entry) {
			entry = json_object();
			if (!entry || json_object_set_new(node, key, entry))
				return err_set(e, SW_E_NOMEM, NULL);
		}
		if (strcmp(after, "key") == 0)
			return query__child(entry, "key", 0, NULL, value, field, depth, e);
		if (after[5] && after[5] != '.')
			return query__bad(e, field,
					  "is not a map entry (Name.entry.N.key or .value)");
		return query__child(entry, "value", s->b, after[5] ? after + 6 : NULL, value, field,
				    depth, e);
	}
	default:
		return query__bad(e, field, "names a member of a value that has none");
	}
}

struct query__item {
	long index;
	json_t *value;
};

static int query__by_index(const void *a, const void *b)
{
	long x = ((const struct query__item *)a)->index, y = ((const struct query__item *)b)->index;

	return (x > y) - (x < y);
}

/* The elements of an index-keyed object, in index order (borrowed references); *out is
 * malloc'ed (free it), NULL when there are none. */
static int query__sorted(json_t *obj, struct query__item **out, size_t *n)
{
	const char *k;
	json_t *v;
	size_t i = 0;

	*n = json_object_size(obj);
	*out = NULL;
	if (!*n)
		return 0;
	*out = calloc(*n, sizeof(**out));
	if (!*out)
		return -SW_E_NOMEM;
	json_object_foreach(obj, k, v)
	{
		(*out)[i].index = strtol(k, NULL, 10);
		(*out)[i++].value = v;
	}
	qsort(*out, *n, sizeof(**out), query__by_index);
	return 0;
}

/* Turns what query__put built for shape into its final JSON: index-keyed objects into arrays
 * (lists) and objects keyed by the entries' keys (maps).  *j is replaced. */
static int query__finish(json_t **j, uint16_t shape, struct err *e)
{
	const struct monitoring_shape *s = monitoring_shape(shape);
	struct query__item *items = NULL;
	json_t *res = NULL;
	size_t n = 0;
	int r = 0;

	if (s->kind == MONITORING_K_STRUCT) {
		for (void *it = json_object_iter(*j); it; it = json_object_iter_next(*j, it)) {
			const char *k = json_object_iter_key(it);
			const struct monitoring_member *m =
			    monitoring_shape_member(s, k, strlen(k));
			json_t *child = json_incref(json_object_iter_value(it));

			r = query__finish(&child, m->shape, e);
			if (r) {
				json_decref(child);
				return r;
			}
			if (json_object_iter_set_new(*j, it, child))
				return err_set(e, SW_E_NOMEM, NULL);
		}
		return 0;
	}
	if (s->kind != MONITORING_K_LIST && s->kind != MONITORING_K_MAP)
		return 0;
	res = s->kind == MONITORING_K_LIST ? json_array() : json_object();
	if (!res || query__sorted(*j, &items, &n))
		r = err_set(e, SW_E_NOMEM, NULL);
	for (size_t i = 0; !r && i < n; i++) {
		json_t *v = items[i].value, *key = NULL;

		if (s->kind == MONITORING_K_MAP) {
			key = json_object_get(v, "key");
			v = json_object_get(v, "value");
			if (!key || !v) {
				r = err_set(e, SW_E_CW_InvalidParameterValue,
					    "The map entry %ld has no %s.", items[i].index,
					    key ? "value" : "key");
				break;
			}
		}
		json_incref(v);
		r = query__finish(&v, s->kind == MONITORING_K_MAP ? s->b : s->a, e);
		if (!r && (s->kind == MONITORING_K_MAP
			       ? json_object_set_new(res, json_string_value(key), v)
			       : json_array_append_new(res, v)))
			r = err_set(e, SW_E_NOMEM, NULL);
		else if (r)
			json_decref(v);
	}
	free(items);
	if (r) {
		json_decref(res);
		return r;
	}
	json_decref(*j);
	*j = res;
	return 0;
}

int monitoring_query_decode(uint16_t input, const struct sigv4_kv *params, size_t n, json_t **out,
			    struct err *e)
{
	json_t *in = json_object();
	int r = in ? 0 : err_set(e, SW_E_NOMEM, NULL);

	for (size_t i = 0; !r && i < n; i++) {
		const char *name = params[i].name;

		if (strcmp(name, "Action") == 0 || strcmp(name, "Version") == 0 ||
		    str_starts(name, "X-Amz-"))
			continue;
		r = query__put(in, input, name, params[i].value ? params[i].value : "", name, 0, e);
	}
	if (!r)
		r = query__finish(&in, input, e);
	if (r) {
		json_decref(in);
		in = NULL;
	}
	*out = in;
	return r;
}

/* ---- replies ---- */

/* XML text: the five entities, and what XML 1.0 cannot hold (C0 controls but tab and newline)
 * as U+FFFD, carriage returns as a reference so that parsers keep them. */
static int query__text(struct buf *b, const char *s)
{
	int r = 0;

	for (; *s && !r; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\r')
			r = buf_adds(b, "&#13;");
		else if (c < 0x20 && c != '\t' && c != '\n')
			r = buf_adds(b, "\xef\xbf\xbd");
		else if (strchr("<>&\"'", c))
			r = buf_adds(b, c == '<'   ? "&lt;"
					: c == '>' ? "&gt;"
					: c == '&' ? "&amp;"
					: c == '"' ? "&quot;"
						   : "&apos;");
		else
			r = buf_addc(b, *s);
	}
	return r;
}

/* The shortest spelling of d that reads back as d, with a ".0" where it would look like an
 * integer (Python's float() reads both). */
static int query__add_double(struct buf *b, double d)
{
	char s[40];

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	if (!strpbrk(s, ".eEn"))
		return buf_addf(b, "%s.0", s);
	return buf_adds(b, s);
}

static int query__value(struct buf *b, uint16_t shape, const json_t *j)
{
	const struct monitoring_shape *s = monitoring_shape(shape);
	const char *k;
	json_t *v;
	size_t i;
	int r = 0;

	switch (s->kind) {
	case MONITORING_K_STRUCT:
		for (uint16_t m = 0; !r && m < s->b; m++) {
			const struct monitoring_member *mem = &monitoring_members[s->a + m];

			v = json_object_get(j, mem->name);
			if (!v || json_is_null(v))
				continue;
			r = buf_addf(b, "<%s>", mem->name);
			r = r ? r : query__value(b, mem->shape, v);
			r = r ? r : buf_addf(b, "</%s>", mem->name);
		}
		return r;
	case MONITORING_K_LIST:
		json_array_foreach(j, i, v)
		{
			r = r ? r : buf_adds(b, "<member>");
			r = r ? r : query__value(b, s->a, v);
			r = r ? r : buf_adds(b, "</member>");
		}
		return r;
	case MONITORING_K_MAP:
		json_object_foreach((json_t *)j, k, v)
		{
			r = r ? r : buf_adds(b, "<entry><key>");
			r = r ? r : query__text(b, k);
			r = r ? r : buf_adds(b, "</key><value>");
			r = r ? r : query__value(b, s->b, v);
			r = r ? r : buf_adds(b, "</value></entry>");
		}
		return r;
	default:
		break;
	}
	if (json_is_string(j))
		return query__text(b, json_string_value(j));
	if (json_is_boolean(j))
		return buf_adds(b, json_is_true(j) ? "true" : "false");
	if (!json_is_number(j))
		return 0;
	if (s->kind == MONITORING_K_TIMESTAMP) {
		double ms = json_number_value(j) * 1000.0;
		char iso[32];

		time_iso8601(ms > 0 && ms < 253402300800000.0 ? (int64_t)llround(ms) : 0, iso);
		return buf_adds(b, iso);
	}
	if (s->kind == MONITORING_K_INTEGER && json_is_real(j))
		return buf_addf(b, "%.0f", json_real_value(j));
	if (s->kind == MONITORING_K_DOUBLE || json_is_real(j))
		return query__add_double(b, json_number_value(j));
	return buf_addf(b, "%lld", (long long)json_integer_value(j));
}

int monitoring_query_encode(const struct monitoring_op_shapes *op, const json_t *reply,
			    const char *request_id, struct buf *xml)
{
	int r = buf_addf(xml, "<%sResponse xmlns=\"%s\">\n", op->name, MONITORING_XMLNS);

	if (!r && op->output != MONITORING_NO_SHAPE) {
		r = buf_addf(xml, "  <%sResult>", op->name);
		if (!r && reply)
			r = query__value(xml, op->output, reply);
		r = r ? r : buf_addf(xml, "</%sResult>\n", op->name);
	}
	return r ? r
		 : buf_addf(xml,
			    "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n"
			    "  </ResponseMetadata>\n</%sResponse>\n",
			    request_id, op->name);
}

/* ---- HTTP ---- */

void monitoring_query_error_header(struct http_resp *resp, const struct err *e)
{
	const char *qc = monitoring_query_code(e->code);
	char hdr[128];

	if (!qc)
		return;
	snprintf(hdr, sizeof(hdr), "%s;%s", qc, resp->status >= 500 ? "Receiver" : "Sender");
	http_resp_header(resp, "x-amzn-query-error", hdr);
}

void monitoring_query_error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	const struct err_wire w = err_wire(e->code, &query_err_view);
	const char *code = monitoring_query_code(e->code);

	resp->status = w.http_status;
	buf_reset(&resp->body);
	query_error_xml(&resp->body, MONITORING_XMLNS, code ? code : w.aws_type,
			resp->status >= 500, err_message(e), req->request_id);
	http_resp_header(resp, "Content-Type", "text/xml");
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
}

/* The form: the body, or for a GET the URL's query (as sent, still percent-encoded). */
static int query__form(struct http_req *req, struct query_form *f, struct err *e)
{
	struct buf raw = BUF_INIT(HTTP_MAX_BODY);
	int r = 0;

	if (strcmp(req->method, "GET") != 0)
		return query_form_parse(f, buf_str(&req->body), req->body.len, e);
	for (size_t i = 0; !r && i < req->nquery; i++) {
		const struct sigv4_kv *q = &req->query[i];

		r = buf_addf(&raw, "%s%s%s%s", i ? "&" : "", q->name, q->value ? "=" : "",
			     q->value ? q->value : "");
	}
	r = r ? err_set(e, SW_E_TOO_LARGE, NULL) : query_form_parse(f, buf_str(&raw), raw.len, e);
	buf_release(&raw);
	return r;
}

static const char *query__param(const struct query_form *f, const char *name)
{
	for (size_t i = 0; i < f->params.n; i++)
		if (strcmp(f->params.v[i].name, name) == 0)
			return f->params.v[i].value;
	return NULL;
}

void monitoring_query_handle(const struct json_service *svc, struct http_req *req,
			     struct http_resp *resp)
{
	struct call c = { .env = req->env, .req = req, .who = &req->who, .err = &req->err };
	const struct monitoring_op_shapes *shapes = NULL;
	const struct json_op *op = NULL;
	const char *action = NULL, *version;
	struct query_form f;
	int r;

	query_form_init(&f, MONITORING_QUERY_MAX_PARAMS);
	r = query__form(req, &f, &req->err);
	if (!r) {
		action = query__param(&f, "Action");
		version = query__param(&f, "Version");
		if (!action)
			r = err_set(&req->err, SW_E_UnknownOperation, "Action is required");
		else if (version && strcmp(version, "2010-08-01") != 0)
			r = err_set(&req->err, SW_E_INVALID,
				    "Version %.40s is not CloudWatch's (2010-08-01)", version);
	}
	if (!r && !(op = json_proto_op(svc, action, &req->who, &req->err)))
		r = -req->err.code;
	if (!r && !(shapes = monitoring_op_shapes(action)))
		r = err_set(&req->err, SW_E_INTERNAL, "no model shapes for %s", action);
	if (!r)
		r = monitoring_query_decode(shapes->input, f.params.v, f.params.n, &c.in,
					    &req->err);
	query_form_release(&f);
	if (!r)
		r = op->fn(&c);
	json_decref(c.in);
	if (r >= 0) {
		resp->status = 200;
		r = monitoring_query_encode(shapes, c.out, req->request_id, &resp->body);
		if (r)
			err_set(&req->err, r, "the reply is over its limit");
	}
	json_decref(c.out);
	if (r < 0) {
		if (!req->err.code)
			err_set(&req->err, r, NULL);
		monitoring_query_error(req, resp, &req->err);
		return;
	}
	http_resp_header(resp, "Content-Type", "text/xml");
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
}
