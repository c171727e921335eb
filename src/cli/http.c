/* http: SigV4-signed calls to slipwayd, as an AWS SDK makes them — CodeDeploy (JSON 1.1), IAM
 * (query, XML replies) and S3 (REST, path-style, uploads streamed from a file) — over one
 * keep-alive libcurl handle, initialised on the first call.  Failures are recorded with the
 * AWS exception the server named and the exit status they mean. */
#include "cli_int.h"
#include "base/crypto.h"
#include "base/sigv4.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/banned.h" /* last: it redefines libc names */

#define HTTP_MAX_REPLY (64u << 20)
#define EMPTY_SHA256   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define CD_TARGET      "CodeDeploy_20141006."

/* Exceptions that mean "who you are" rather than "what you asked": exit status 3. */
static const char *const http__auth_errors[] = {
	"UnrecognizedClientException",
	"InvalidSignatureException",
	"MissingAuthenticationTokenException",
	"IncompleteSignatureException",
	"AccessDeniedException",
	"InvalidClientTokenId",
	"SignatureDoesNotMatch",
	"InvalidAccessKeyId",
	"AccessDenied",
	"ExpiredToken",
	"ExpiredTokenException",
	"RequestTimeTooSkewed",
	NULL,
};

static int http__exit_for(const char *type)
{
	for (int i = 0; http__auth_errors[i]; i++)
		if (strcmp(type, http__auth_errors[i]) == 0)
			return CLI_NOACCESS;
	return CLI_FAILED;
}

struct http_reply {
	struct buf body;
	long status;
	char etag[128];
	FILE *upload;
};

static size_t http__write(char *data, size_t size, size_t n, void *arg)
{
	struct http_reply *r = arg;

	return buf_add(&r->body, data, size * n) ? 0 : size * n;
}

static size_t http__read(char *out, size_t size, size_t n, void *arg)
{
	struct http_reply *r = arg;

	return fread(out, size, n, r->upload);
}

static size_t http__header(char *data, size_t size, size_t n, void *arg)
{
	struct http_reply *r = arg;
	size_t len = size * n;

	if (len > 5 && strncasecmp(data, "etag:", 5) == 0) {
		const char *v = data + 5;
		size_t vl = len - 5;

		while (vl && (*v == ' ' || *v == '"')) {
			v++;
			vl--;
		}
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == '"' ||
			      v[vl - 1] == ' '))
			vl--;
		str_copyn(r->etag, sizeof(r->etag), v, vl);
	}
	return len;
}

/* A request ready to sign: headers to sign (with host and x-amz-date added here). */
struct http_request {
	const char *method;
	const char *path;  /* encoded as sent */
	const char *query; /* encoded "a=b&c=d" or NULL (only simple ones are used) */
	const struct sigv4_kv *query_kv;
	size_t nquery;
	struct sigv4_kv headers[8];
	size_t nheaders;
	const char *payload_hash;
	const char *service;
	bool s3;
	const void *body; /* in memory, or */
	FILE *upload;	  /* streamed from a file */
	int64_t upload_size;
	const char *what; /* for --debug and errors: "CodeDeploy.ListApplications" */
};

static int http__curl(struct cli_args *a)
{
	struct cli_conn *c = &cli_state(a)->conn;

	if (c->curl)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cli_error(a, CLI_FAILED, "", "cannot initialise libcurl");
	c->curl = curl_easy_init();
	if (!c->curl) {
		curl_global_cleanup();
		return cli_error(a, CLI_FAILED, "", "cannot create an HTTP handle");
	}
	return 0;
}

/* Signs and performs q; the reply goes into r.  -1 (recorded) on a transport failure only. */
static int http__perform(struct cli_args *a, struct http_request *q, struct http_reply *r)
{
	struct cli_conn *c = &cli_state(a)->conn;
	char amz_date[17], url[2048 + 1024];
	struct buf auth = BUF_INIT(4096), line = BUF_INIT(8192);
	struct curl_slist *list = NULL;
	struct sigv4_request sr;
	CURLcode cr;
	int64_t t0 = time_mono_ms();
	CURL *h;
	int rc = 0;

	if (cli_conn_resolve(a) || http__curl(a))
		return -1;
	h = c->curl;
	sigv4_format_amz_date(time(NULL), amz_date);
	q->headers[q->nheaders++] = (struct sigv4_kv){ "Host", c->authority };
	q->headers[q->nheaders++] = (struct sigv4_kv){ "X-Amz-Date", amz_date };
	if (c->session_token[0])
		q->headers[q->nheaders++] =
		    (struct sigv4_kv){ "X-Amz-Security-Token", c->session_token };
	sr = (struct sigv4_request){ q->method,	 q->path,     q->query_kv,     q->nquery,
				     q->headers, q->nheaders, q->payload_hash, q->s3 };
	if (sigv4_sign(&sr, c->access_key, c->secret_key, c->region, q->service, amz_date, &auth)) {
		buf_release(&auth);
		return cli_error(a, CLI_FAILED, "", "cannot sign the request");
	}
	for (size_t i = 0; i < q->nheaders; i++) {
		if (strcasecmp(q->headers[i].name, "Host") == 0)
			continue; /* curl sends it */
		buf_reset(&line);
		buf_addf(&line, "%s: %s", q->headers[i].name, q->headers[i].value);
		list = curl_slist_append(list, buf_str(&line));
	}
	buf_reset(&line);
	buf_addf(&line, "Authorization: %s", buf_str(&auth));
	list = curl_slist_append(list, buf_str(&line));
	list = curl_slist_append(list, "Expect:");
	list = curl_slist_append(list, "User-Agent: slipway-cli/0.1.0");
	buf_release(&line);
	buf_release(&auth);

	str_fmt(url, sizeof(url), "%s%s%s%s", c->endpoint, q->path, q->query ? "?" : "",
		q->query ? q->query : "");
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http__write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http__header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	if (c->ca_file[0] && str_starts(c->endpoint, "https://"))
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (q->upload) {
		r->upload = q->upload;
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, http__read);
		curl_easy_setopt(h, CURLOPT_READDATA, r);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->upload_size);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 120L);
	} else {
		curl_easy_setopt(h, CURLOPT_TIMEOUT, 120L);
		if (strcmp(q->method, "POST") == 0) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS,
					 q->body ? (const char *)q->body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
					 (long)(q->body ? strlen(q->body) : 0));
		} else if (strcmp(q->method, "HEAD") == 0) {
			curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		} else if (strcmp(q->method, "GET") != 0) {
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
		}
	}
	cr = curl_easy_perform(h);
	curl_slist_free_all(list);
	c->requests++;
	if (cr != CURLE_OK) {
		rc = cli_error(a, CLI_NOACCESS, "",
			       "cannot reach slipwayd at %s (from %s): %s\nhint: is slipwayd "
			       "running there? Give its address with --endpoint-url or "
			       "SLIPWAY_ENDPOINT",
			       c->endpoint, c->endpoint_from, curl_easy_strerror(cr));
	} else {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	}
	if (a->g.debug)
		fprintf(stderr, "debug: %s %s%s → %ld (%lld ms)\n", q->what, c->endpoint, q->path,
			r->status, (long long)(time_mono_ms() - t0));
	return rc;
}

/* ---- CodeDeploy (JSON 1.1) ---- */

int cli_cd(struct cli_args *a, const char *op, json_t *req, json_t **resp)
{
	char target[128], hash_hex[65], what[128];
	uint8_t hash[SHA256_LEN];
	struct http_reply r = { .body = BUF_INIT(HTTP_MAX_REPLY) };
	struct http_request q = { .method = "POST", .path = "/", .service = "codedeploy" };
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int rc = 0;

	json_decref(req);
	if (resp)
		*resp = NULL;
	if (!body)
		return cli_error(a, CLI_FAILED, "", "out of memory");
	str_fmt(target, sizeof(target), "%s%s", CD_TARGET, op);
	str_fmt(what, sizeof(what), "CodeDeploy.%s", op);
	sha256(body, strlen(body), hash);
	hex_encode(hash, SHA256_LEN, hash_hex);
	q.headers[q.nheaders++] = (struct sigv4_kv){ "Content-Type", "application/x-amz-json-1.1" };
	q.headers[q.nheaders++] = (struct sigv4_kv){ "X-Amz-Target", target };
	q.payload_hash = hash_hex;
	q.body = body;
	q.what = what;
	if (http__perform(a, &q, &r)) {
		rc = -1;
	} else if (r.status != 200) {
		json_t *j = json_loadb(r.body.p ? r.body.p : "", r.body.len, 0, NULL);
		const char *type = json_string_value(json_object_get(j, "__type"));
		const char *msg = json_string_value(json_object_get(j, "message"));
		const char *hash_sep;

		if (!msg)
			msg = json_string_value(json_object_get(j, "Message"));
		if (type && (hash_sep = strrchr(type, '#')))
			type = hash_sep + 1;
		if (!type)
			rc = cli_error(a, r.status >= 500 ? CLI_FAILED : CLI_FAILED, "",
				       "%s failed: HTTP %ld from %s", op, r.status,
				       cli_state(a)->conn.endpoint);
		else
			rc = cli_error(a, http__exit_for(type), type, "%s", msg ? msg : op);
		cli_state(a)->err.http_status = r.status;
		json_decref(j);
	} else if (resp) {
		json_error_t je;

		*resp = json_loadb(r.body.p ? r.body.p : "{}", r.body.len ? r.body.len : 2, 0, &je);
		if (!json_is_object(*resp)) {
			json_decref(*resp);
			*resp = NULL;
			rc = cli_error(a, CLI_FAILED, "", "%s: the reply is not a JSON object", op);
		}
	}
	free(body);
	buf_release(&r.body);
	return rc;
}

int cli_cd_pages(struct cli_args *a, const char *op, json_t *req, const char *list_key,
		 json_t *items, int64_t max)
{
	char token[2048] = "";

	for (;;) {
		json_t *page, *one = json_deep_copy(req);
		const char *next;
		size_t i;
		json_t *v;

		if (token[0])
			json_object_set_new(one, "nextToken", json_string(token));
		if (cli_cd(a, op, one, &page)) {
			json_decref(req);
			return -1;
		}
		json_array_foreach(json_object_get(page, list_key), i, v)
		{
			if (max > 0 && (int64_t)json_array_size(items) >= max)
				break;
			json_array_append(items, v);
		}
		next = json_string_value(json_object_get(page, "nextToken"));
		if (!next || !next[0] || (max > 0 && (int64_t)json_array_size(items) >= max) ||
		    str_copy(token, sizeof(token), next)) {
			json_decref(page);
			break;
		}
		json_decref(page);
	}
	json_decref(req);
	return 0;
}

/* ---- IAM (query protocol) ---- */

int cli_xml_text(const char *xml, const char *tag, char *out, size_t size)
{
	char open[128], close[128];
	const char *s, *e;
	struct buf b = BUF_INIT(size);
	int found = 0;

	str_fmt(open, sizeof(open), "<%s>", tag);
	str_fmt(close, sizeof(close), "</%s>", tag);
	s = xml ? strstr(xml, open) : NULL;
	if (!s)
		return 0;
	s += strlen(open);
	e = strstr(s, close);
	if (!e)
		return 0;
	while (s < e) {
		static const char *const ents[][2] = { { "&amp;", "&" },
						       { "&lt;", "<" },
						       { "&gt;", ">" },
						       { "&quot;", "\"" },
						       { "&apos;", "'" } };
		bool done = false;

		for (size_t i = 0; i < 5 && *s == '&'; i++)
			if (strncmp(s, ents[i][0], strlen(ents[i][0])) == 0) {
				buf_adds(&b, ents[i][1]);
				s += strlen(ents[i][0]);
				done = true;
				break;
			}
		if (!done)
			buf_addc(&b, *s++);
	}
	found = str_copy(out, size, buf_str(&b)) == 0;
	buf_release(&b);
	return found;
}

int cli_iam(struct cli_args *a, const char *action, const char *const *params, struct buf *xml)
{
	struct buf body = BUF_INIT(64 * 1024);
	struct http_reply r = { .body = BUF_INIT(HTTP_MAX_REPLY) };
	struct http_request q = { .method = "POST", .path = "/", .service = "iam" };
	char hash_hex[65], what[128], saved_region[64];
	uint8_t hash[SHA256_LEN];
	int rc = 0;

	buf_addf(&body, "Action=%s&Version=2010-05-08", action);
	for (size_t i = 0; params && params[i]; i += 2) {
		buf_addf(&body, "&%s=", params[i]);
		uri_encode(&body, params[i + 1], strlen(params[i + 1]), false);
	}
	sha256(body.p, body.len, hash);
	hex_encode(hash, SHA256_LEN, hash_hex);
	str_fmt(what, sizeof(what), "IAM.%s", action);
	q.headers[q.nheaders++] =
	    (struct sigv4_kv){ "Content-Type", "application/x-www-form-urlencoded; "
					       "charset=utf-8" };
	q.payload_hash = hash_hex;
	q.body = body.p;
	q.what = what;
	/* IAM is global: SDKs sign it for us-east-1 whatever the region */
	if (cli_conn_resolve(a)) {
		buf_release(&body);
		return -1;
	}
	str_copy(saved_region, sizeof(saved_region), cli_state(a)->conn.region);
	str_copy(cli_state(a)->conn.region, sizeof(cli_state(a)->conn.region), "us-east-1");
	rc = http__perform(a, &q, &r);
	str_copy(cli_state(a)->conn.region, sizeof(cli_state(a)->conn.region), saved_region);
	if (!rc && r.status != 200) {
		char code[128] = "", msg[1024] = "";

		cli_xml_text(r.body.p, "Code", code, sizeof(code));
		cli_xml_text(r.body.p, "Message", msg, sizeof(msg));
		rc = cli_error(a, code[0] ? http__exit_for(code) : CLI_FAILED, code, "%s",
			       msg[0] ? msg : action);
		cli_state(a)->err.http_status = r.status;
	} else if (!rc && xml) {
		buf_adds(xml, buf_str(&r.body));
	}
	buf_release(&body);
	buf_release(&r.body);
	return rc;
}

/* ---- S3 (REST, path-style) ---- */

int cli_s3(struct cli_args *a, struct cli_s3_req *s)
{
	struct buf path = BUF_INIT(8192);
	struct http_reply r = { .body = BUF_INIT(1 << 20) };
	struct http_request q = { .method = s->method, .service = "s3", .s3 = true };
	char what[64];
	FILE *fp = NULL;
	int rc;

	buf_addc(&path, '/');
	uri_encode(&path, s->bucket, strlen(s->bucket), false);
	if (s->key) {
		buf_addc(&path, '/');
		uri_encode(&path, s->key, strlen(s->key), true);
	}
	q.path = buf_str(&path);
	q.payload_hash = s->body_sha256 ? s->body_sha256 : EMPTY_SHA256;
	q.headers[q.nheaders++] = (struct sigv4_kv){ "X-Amz-Content-Sha256", q.payload_hash };
	if (s->content_type)
		q.headers[q.nheaders++] = (struct sigv4_kv){ "Content-Type", s->content_type };
	str_fmt(what, sizeof(what), "S3.%s", s->method);
	q.what = what;
	if (s->body_path) {
		fp = fopen(s->body_path, "rbe");
		if (!fp) {
			buf_release(&path);
			return cli_error(a, CLI_FAILED, "", "cannot read %s: %s", s->body_path,
					 strerror(errno));
		}
		fseeko(fp, 0, SEEK_END);
		q.upload_size = (int64_t)ftello(fp);
		fseeko(fp, 0, SEEK_SET);
		q.upload = fp;
	}
	rc = http__perform(a, &q, &r);
	if (fp)
		fclose(fp);
	s->status = r.status;
	str_copy(s->etag, sizeof(s->etag), r.etag);
	s->code[0] = s->message[0] = '\0';
	if (!rc && r.status >= 300) {
		cli_xml_text(r.body.p, "Code", s->code, sizeof(s->code));
		cli_xml_text(r.body.p, "Message", s->message, sizeof(s->message));
		if (http__exit_for(s->code) == CLI_NOACCESS || r.status == 403) {
			rc = cli_error(a, CLI_NOACCESS, s->code[0] ? s->code : "AccessDenied", "%s",
				       s->message[0] ? s->message : "access denied");
		}
	}
	buf_release(&path);
	buf_release(&r.body);
	return rc;
}
