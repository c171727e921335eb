/* lambda/url: serving function URLs — a plain HTTP request under /lambda-url/<url-id>/ becomes
 * an invocation through the URL's qualifier (so an alias' weights apply), its event in Lambda's
 * HTTP payload format 2.0, and the function's answer becomes the HTTP response (an object with
 * statusCode, headers, cookies, body and isBase64Encoded; any other JSON is a 200 with that
 * JSON as body).  AuthType NONE answers anyone; AWS_IAM only a signed request by a principal
 * allowed to invoke (today: an administrator, until policies land). */
#include "lambda.h"
#include "store/store.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LAMBDA_URL_PREFIX "/lambda-url/"
#define LAMBDA_URL_ID_MAX 64

bool lambda_url_request(const struct http_req *req)
{
	return strncmp(req->path, LAMBDA_URL_PREFIX, strlen(LAMBDA_URL_PREFIX)) == 0;
}

/* The url id and the path after it ("/" at least). */
static int lambda_url__split(const char *path, char *id, size_t size, const char **rest)
{
	const char *p = path + strlen(LAMBDA_URL_PREFIX), *slash = strchr(p, '/');
	size_t n = slash ? (size_t)(slash - p) : strlen(p);

	if (n == 0 || n >= size)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9')))
			return -1;
	memcpy(id, p, n);
	id[n] = '\0';
	*rest = slash ? slash : "/";
	return 0;
}

static void lambda_url__message(struct http_resp *resp, int status, const char *msg)
{
	json_t *j = json_pack("{s:s}", "Message", msg);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	resp->status = status;
	buf_reset(&resp->body);
	if (s)
		buf_adds(&resp->body, s);
	free(s);
	json_decref(j);
	http_resp_header(resp, "Content-Type", "application/json");
}

/* Whether a body of this content type travels as text (else base64, as Lambda does). */
static bool lambda_url__text(const char *ct)
{
	static const char *const kinds[] = { "json", "xml", "javascript", "x-www-form-urlencoded",
					     "yaml", "csv", NULL };

	if (!ct)
		return false;
	if (strncasecmp(ct, "text/", 5) == 0)
		return true;
	for (size_t i = 0; kinds[i]; i++)
		if (strcasestr(ct, kinds[i]))
			return true;
	return false;
}

static bool lambda_url__utf8(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n); /* NULL for invalid UTF-8 */
	bool ok = j != NULL;

	json_decref(j);
	return ok;
}

/* Adds value to obj[key], comma-joining a repeated key as Lambda does. */
static void lambda_url__join(json_t *obj, const char *key, const char *value)
{
	json_t *old = json_object_get(obj, key);

	if (old && json_is_string(old)) {
		size_t n = strlen(json_string_value(old)) + strlen(value) + 2;
		char *s = malloc(n);

		if (s) {
			snprintf(s, n, "%s,%s", json_string_value(old), value);
			json_object_set_new(obj, key, json_string(s));
			free(s);
		}
		return;
	}
	json_object_set_new(obj, key, json_string(value));
}

/* The event of payload format 2.0 for req (path is the part after the url id). */
json_t *lambda_url_event(const struct http_req *req, const char *url_id, const char *account,
			 const char *path, int64_t now_ms)
{
	json_t *ev = json_object(), *headers = json_object(), *cookies = json_array();
	json_t *qs = json_object(), *ctx, *http;
	const char *ct = http_header(req, "Content-Type");
	const char *host = http_header(req, "Host");
	char raw[8192] = "", when[64], *body = NULL;
	time_t secs = (time_t)(now_ms / 1000);
	struct tm tm;
	size_t off = 0;

	for (size_t i = 0; i < req->nheaders; i++) {
		char name[128];
		size_t k;

		for (k = 0; k + 1 < sizeof(name) && req->headers[i].name[k]; k++) {
			char ch = req->headers[i].name[k];
			name[k] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
		}
		name[k] = '\0';
		if (strcmp(name, "cookie") == 0) {
			char *copy = strdup(req->headers[i].value), *save = NULL;

			for (char *c = copy ? strtok_r(copy, ";", &save) : NULL; c;
			     c = strtok_r(NULL, ";", &save)) {
				while (*c == ' ')
					c++;
				if (*c)
					json_array_append_new(cookies, json_string(c));
			}
			free(copy);
			continue;
		}
		lambda_url__join(headers, name, req->headers[i].value);
	}
	for (size_t i = 0; i < req->nquery; i++) {
		char key[256], value[4096];
		size_t klen, vlen;
		int n = snprintf(raw + off, sizeof(raw) - off, "%s%s%s%s", off ? "&" : "",
				 req->query[i].name, req->query[i].value ? "=" : "",
				 req->query[i].value ? req->query[i].value : "");

		if (n > 0 && (size_t)n < sizeof(raw) - off)
			off += (size_t)n;
		if (rest_decode(req->query[i].value ? req->query[i].value : "",
				strlen(req->query[i].value ? req->query[i].value : ""), value,
				sizeof(value), &vlen) == 0 &&
		    rest_decode(req->query[i].name, strlen(req->query[i].name), key, sizeof(key),
				&klen) == 0)
			lambda_url__join(qs, key, value);
	}
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	http =
	    json_pack("{s:s, s:s, s:s, s:s, s:s}", "method", req->method, "path", path, "protocol",
		      "HTTP/1.1", "sourceIp", req->peer[0] ? req->peer : "127.0.0.1", "userAgent",
		      http_header(req, "User-Agent") ? http_header(req, "User-Agent") : "");
	ctx = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:I}", "accountId", account,
			"apiId", url_id, "domainName", host ? host : "", "domainPrefix", url_id,
			"http", http, "requestId", req->request_id, "routeKey", "$default", "stage",
			"$default", "time", when, "timeEpoch", (json_int_t)now_ms);
	json_object_set_new(ev, "version", json_string("2.0"));
	json_object_set_new(ev, "routeKey", json_string("$default"));
	json_object_set_new(ev, "rawPath", json_string(path));
	json_object_set_new(ev, "rawQueryString", json_string(raw));
	if (json_array_size(cookies))
		json_object_set(ev, "cookies", cookies);
	json_object_set(ev, "headers", headers);
	if (json_object_size(qs))
		json_object_set(ev, "queryStringParameters", qs);
	json_object_set_new(ev, "requestContext", ctx);
	if (req->body.len) {
		bool text = lambda_url__text(ct) && lambda_url__utf8(req->body.p, req->body.len);

		if (text) {
			json_object_set_new(ev, "body", json_stringn(req->body.p, req->body.len));
		} else if ((body = malloc(4 * ((req->body.len + 2) / 3) + 1))) {
			base64_encode((const uint8_t *)req->body.p, req->body.len, body);
			json_object_set_new(ev, "body", json_string(body));
			free(body);
		}
		json_object_set_new(ev, "isBase64Encoded", json_boolean(!text));
	} else {
		json_object_set_new(ev, "isBase64Encoded", json_false());
	}
	json_decref(headers);
	json_decref(cookies);
	json_decref(qs);
	return ev;
}

static bool lambda_url__has_header(const struct http_resp *resp, const char *name)
{
	for (int i = 0; i < resp->nheaders; i++)
		if (strcasecmp(resp->headers[i].name, name) == 0)
			return true;
	return false;
}

/* The HTTP response for the function's answer (len bytes of JSON). */
int lambda_url_response(const char *payload, size_t len, struct http_resp *resp)
{
	json_t *j = json_loadb(payload, len, JSON_DECODE_ANY, NULL);
	json_t *code = json_is_object(j) ? json_object_get(j, "statusCode") : NULL;
	const char *key;
	json_t *v;

	resp->status = 200;
	buf_reset(&resp->body);
	if (!code) { /* any other JSON: that JSON is the body */
		json_decref(j);
		http_resp_header(resp, "Content-Type", "application/json");
		return buf_add(&resp->body, payload, len) < 0 ? -1 : 0;
	}
	if (!json_is_integer(code) || json_integer_value(code) < 100 ||
	    json_integer_value(code) > 599) {
		json_decref(j);
		return -1;
	}
	resp->status = (int)json_integer_value(code);
	json_object_foreach(json_object_get(j, "headers"), key, v)
	{
		if (json_is_string(v))
			http_resp_header(resp, key, json_string_value(v));
	}
	if (!lambda_url__has_header(resp, "Content-Type"))
		http_resp_header(resp, "Content-Type", "application/json");
	for (size_t i = 0; i < json_array_size(json_object_get(j, "cookies")); i++) {
		json_t *c = json_array_get(json_object_get(j, "cookies"), i);

		if (json_is_string(c))
			http_resp_header(resp, "Set-Cookie", json_string_value(c));
	}
	v = json_object_get(j, "body");
	if (json_is_string(v)) {
		const char *b = json_string_value(v);
		size_t n = json_string_length(v);

		if (json_is_true(json_object_get(j, "isBase64Encoded"))) {
			uint8_t *raw = malloc(n + 1);
			int got = raw ? base64_decode(b, raw, n + 1) : -1;

			if (got < 0) {
				free(raw);
				json_decref(j);
				return -1;
			}
			buf_add(&resp->body, raw, (size_t)got);
			free(raw);
		} else {
			buf_add(&resp->body, b, n);
		}
	}
	json_decref(j);
	return 0;
}

/* ---- the service ---- */

struct lambda_url__find {
	const char *id;
	struct lambda_url u;
};

static int lambda_url__find_fn(struct store_conn *c, void *arg, struct err *e)
{
	struct lambda_url__find *f = arg;

	return lambda_url_by_id(c, f->id, &f->u, e);
}

/* Which function a URL invokes: the function URL configuration of url_id. */
static int lambda_url__find(struct env *env, const char *url_id, struct lambda_url_target *out,
			    struct err *e)
{
	struct lambda_url__find f = { .id = url_id };
	int r = store_read(env->store, lambda_url__find_fn, &f, e);

	if (r < 0)
		return r;
	str_copy(out->function, sizeof(out->function), f.u.function);
	/* an unqualified URL invokes $LATEST, as the unqualified function does */
	str_copy(out->qualifier, sizeof(out->qualifier),
		 strcmp(f.u.qualifier, LAMBDA_LATEST) == 0 ? "" : f.u.qualifier);
	str_copy(out->auth_type, sizeof(out->auth_type), f.u.auth_type);
	return 0;
}

void lambda_url_serve(struct http_req *req, struct http_resp *resp, const struct principal *who)
{
	struct lambda_run *run = lambda_run_of(req);
	char id[LAMBDA_URL_ID_MAX + 1];
	const char *path;
	struct lambda_url_target u;
	struct lambda_target *t = NULL;
	struct fn_invoke inv = { 0 };
	json_t *ev = NULL;
	char *payload = NULL;
	struct err e;
	int r;

	if (run) {
		if (!lambda_run_ready(req, resp, run))
			return;
		goto reply;
	}
	if (lambda_url__split(req->path, id, sizeof(id), &path) < 0 ||
	    lambda_url__find(req->env, id, &u, &e) < 0) {
		lambda_url__message(resp, 404, "Not Found");
		return;
	}
	if (strcmp(u.auth_type, "NONE") != 0 && (!who || who->kind != PRINCIPAL_ADMIN)) {
		lambda_url__message(resp, 403, "Forbidden");
		return;
	}
	if (req->body.len > FN_PAYLOAD_MAX) {
		lambda_url__message(resp, 413, "Request Entity Too Large");
		return;
	}
	t = malloc(sizeof(*t));
	ev = lambda_url_event(req, id, req->env->account_id, path, time_now_ms());
	payload = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
	if (!t || !payload) {
		lambda_url__message(resp, 500, "Internal Server Error");
		goto out;
	}
	r = lambda_target_resolve(req->env, u.function, u.qualifier, t, &e);
	if (r < 0) {
		lambda_url__message(resp, r == -SW_E_LAMBDA_ResourceNotFound ? 404 : 500,
				    r == -SW_E_LAMBDA_ResourceNotFound ? "Not Found"
								       : "Internal Server Error");
		goto out;
	}
	inv.target = t;
	inv.payload = payload;
	inv.len = strlen(payload);
	str_copy(inv.request_id, sizeof(inv.request_id), req->request_id);
	snprintf(inv.invoked_arn, sizeof(inv.invoked_arn), "%s%s%s", t->function_arn,
		 u.qualifier[0] ? ":" : "", u.qualifier);
	r = lambda_run_start(req, &inv, &e);
	if (r < 0) {
		if (r == -SW_E_LAMBDA_TooManyRequests)
			lambda_url__message(resp, 429, "Rate Exceeded.");
		else
			lambda_url__message(resp, 500, "Internal Server Error");
		goto out;
	}
	run = lambda_run_of(req);
	if (!lambda_run_ready(req, resp, run))
		goto out;
reply:
	if (run->expired || run->outcome != FN_OK ||
	    lambda_url_response(run->payload, run->len, resp) < 0)
		lambda_url__message(resp, 502, "Internal Server Error");
out:
	if (resp->status)
		http_resp_header(resp, "x-amzn-RequestId", req->request_id);
	free(t);
	free(payload);
	json_decref(ev);
}

static void lambda_url__handle(struct http_req *req, struct http_resp *resp)
{
	lambda_url_serve(req, resp, NULL);
}

static void lambda_url__error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	(void)req;
	lambda_url__message(resp, err_wire(e->code, NULL).http_status, err_message(e));
}

const struct service lambda_url_service = {
	.name = "lambda-url",
	.anonymous = true,
	.handle = lambda_url__handle,
	.error = lambda_url__error,
};
