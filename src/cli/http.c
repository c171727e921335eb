/* http: SigV4-signed calls to slipwayd, as an AWS SDK makes them — CodeDeploy and CloudWatch
 * Logs (JSON 1.1), CloudWatch metrics and alarms (JSON 1.0), IAM (query, XML replies) and S3
 * (REST, path-style, uploads streamed from a file) — over one
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

#define HTTP_MAX_REPLY (64u << 20)
#define EMPTY_SHA256   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

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
	struct cli_rest *rest; /* a REST call's wanted headers, or NULL */
	char error_type[128];  /* x-amzn-ErrorType */
};

/* Copies a header line's value (without the name, spaces and CRLF) into out. */
static void http__header_value(const char *v, size_t vl, char *out, size_t size)
{
	while (vl && *v == ' ') {
		v++;
		vl--;
	}
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	str_copyn(out, size, v, vl);
}

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
	if (len > 17 && strncasecmp(data, "x-amzn-errortype:", 17) == 0)
		http__header_value(data + 17, len - 17, r->error_type, sizeof(r->error_type));
	for (int i = 0; r->rest && i < CLI_REST_HEADERS && r->rest->want[i]; i++) {
		size_t nl = strlen(r->rest->want[i]);

		if (len > nl && data[nl] == ':' && strncasecmp(data, r->rest->want[i], nl) == 0)
			http__header_value(data + nl + 1, len - nl - 1, r->rest->got[i],
					   sizeof(r->rest->got[i]));
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
	struct sigv4_kv headers[8 + CLI_REST_EXTRA];
	size_t nheaders;
	const char *payload_hash;
	const char *service;
	bool s3;
	const void *body; /* in memory, or */
	FILE *upload;	  /* streamed from a file */
	int64_t upload_size;
	const char *what; /* for --debug and errors: "CodeDeploy.ListApplications" */
	long timeout_s;	  /* the whole transfer's limit (0: 120 s) */
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

/* Signs q and sets up handle h to send it, the reply going into r; *list receives the headers
 * (free them once the transfer is over).  url must live as long as the transfer. */
static int http__prepare(struct cli_args *a, CURL *h, struct http_request *q, struct http_reply *r,
			 struct curl_slist **list, char *url, size_t url_size)
{
	struct cli_conn *c = &cli_state(a)->conn;
	char amz_date[17];
	struct buf auth = BUF_INIT(4096), line = BUF_INIT(8192);
	struct sigv4_request sr;

	*list = NULL;
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
		*list = curl_slist_append(*list, buf_str(&line));
	}
	buf_reset(&line);
	buf_addf(&line, "Authorization: %s", buf_str(&auth));
	*list = curl_slist_append(*list, buf_str(&line));
	*list = curl_slist_append(*list, "Expect:");
	*list = curl_slist_append(*list, "User-Agent: slipway-cli/0.1.0");
	buf_release(&line);
	buf_release(&auth);

	str_fmt(url, url_size, "%s%s%s%s", c->endpoint, q->path, q->query ? "?" : "",
		q->query ? q->query : "");
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *list);
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
		bool post = strcmp(q->method, "POST") == 0;

		curl_easy_setopt(h, CURLOPT_TIMEOUT, q->timeout_s > 0 ? q->timeout_s : 120L);
		if (post ||
		    (q->body && strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0)) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS,
					 q->body ? (const char *)q->body : "");
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
					 (long)(q->body ? strlen(q->body) : 0));
			if (!post) /* PUT, DELETE with a body */
				curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
		} else if (strcmp(q->method, "HEAD") == 0) {
			curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		} else if (strcmp(q->method, "GET") != 0) {
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
		}
	}
	return 0;
}

/* After a transfer on h ended with cr: the status into r, or a transport failure recorded. */
static int http__finish(struct cli_args *a, CURL *h, const struct http_request *q,
			struct http_reply *r, CURLcode cr, int64_t t0)
{
	struct cli_conn *c = &cli_state(a)->conn;
	int rc = 0;

	c->requests++;
	if (cr != CURLE_OK)
		rc = cli_error(a, CLI_NOACCESS, "",
			       "cannot reach slipwayd at %s (from %s): %s\nhint: is slipwayd "
			       "running there? Give its address with --endpoint-url or "
			       "SLIPWAY_ENDPOINT",
			       c->endpoint, c->endpoint_from, curl_easy_strerror(cr));
	else
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (a->g.debug)
		fprintf(stderr, "debug: %s %s%s → %ld (%lld ms)\n", q->what, c->endpoint, q->path,
			r->status, (long long)(time_mono_ms() - t0));
	return rc;
}

/* Signs and performs q; the reply goes into r.  -1 (recorded) on a transport failure only. */
static int http__perform(struct cli_args *a, struct http_request *q, struct http_reply *r)
{
	char url[2048 + 1024];
	struct curl_slist *list;
	int64_t t0 = time_mono_ms();
	CURLcode cr;
	int rc;

	if (cli_conn_resolve(a) || http__curl(a))
		return -1;
	if (http__prepare(a, cli_state(a)->conn.curl, q, r, &list, url, sizeof(url))) {
		curl_slist_free_all(list);
		return -1;
	}
	cr = curl_easy_perform(cli_state(a)->conn.curl);
	curl_slist_free_all(list);
	rc = http__finish(a, cli_state(a)->conn.curl, q, r, cr, t0);
	return rc;
}

/* ---- the AWS JSON protocols (CodeDeploy, CloudWatch, Logs) ---- */

const struct cli_json_service cli_codedeploy = {
	.name = "CodeDeploy",
	.target_prefix = "CodeDeploy_20141006.",
	.content_type = "application/x-amz-json-1.1",
	.signing_name = "codedeploy",
	.token_key = "nextToken",
};

const struct cli_json_service cli_cloudwatch = {
	.name = "CloudWatch",
	.target_prefix = "GraniteServiceVersion20100801.",
	.content_type = "application/x-amz-json-1.0",
	.signing_name = "monitoring",
	.token_key = "NextToken",
};

const struct cli_json_service cli_cwlogs = {
	.name = "Logs",
	.target_prefix = "Logs_20140328.",
	.content_type = "application/x-amz-json-1.1",
	.signing_name = "logs",
	.token_key = "nextToken",
};

const struct cli_json_service cli_traffic = {
	.name = "SlipwayTraffic",
	.target_prefix = "SlipwayTraffic_20261201.",
	.content_type = "application/x-amz-json-1.1",
	.signing_name = "slipway-traffic",
	.token_key = "nextToken",
};

/* A JSON call being made: its request and reply, owned together. */
struct cd_call {
	char op[64];
	char target[128];
	char what[128];
	char hash_hex[65];
	char url[2048 + 1024];
	char *body;
	struct http_request q;
	struct http_reply r;
	struct curl_slist *list;
	int64_t t0;
	int tag;
};

/* Fills c for op of svc with req (stolen). */
static int cd__build(struct cli_args *a, struct cd_call *c, const struct cli_json_service *svc,
		     const char *op, json_t *req)
{
	uint8_t hash[SHA256_LEN];

	memset(c, 0, sizeof(*c));
	c->body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!c->body)
		return cli_error(a, CLI_FAILED, "", "out of memory");
	str_copy(c->op, sizeof(c->op), op);
	str_fmt(c->target, sizeof(c->target), "%s%s", svc->target_prefix, op);
	str_fmt(c->what, sizeof(c->what), "%s.%s", svc->name, op);
	sha256(c->body, strlen(c->body), hash);
	hex_encode(hash, SHA256_LEN, c->hash_hex);
	c->q = (struct http_request){ .method = "POST", .path = "/", .service = svc->signing_name };
	c->q.headers[c->q.nheaders++] = (struct sigv4_kv){ "Content-Type", svc->content_type };
	c->q.headers[c->q.nheaders++] = (struct sigv4_kv){ "X-Amz-Target", c->target };
	c->q.payload_hash = c->hash_hex;
	c->q.body = c->body;
	c->q.what = c->what;
	c->r.body = (struct buf)BUF_INIT(HTTP_MAX_REPLY);
	return 0;
}

static void cd__release(struct cd_call *c)
{
	free(c->body);
	buf_release(&c->r.body);
	curl_slist_free_all(c->list);
	c->body = NULL;
	c->list = NULL;
}

/* The reply of a finished call: *resp (when wanted), or the AWS error recorded. */
static int cd__reply(struct cli_args *a, struct cd_call *c, json_t **resp)
{
	struct http_reply *r = &c->r;
	int rc = 0;

	if (r->status != 200) {
		json_t *j = json_loadb(r->body.p ? r->body.p : "", r->body.len, 0, NULL);
		const char *type = json_string_value(json_object_get(j, "__type"));
		const char *msg = json_string_value(json_object_get(j, "message"));
		const char *hash_sep;
		char name[128];

		if (!msg)
			msg = json_string_value(json_object_get(j, "Message"));
		if (type && (hash_sep = strrchr(type, '#')))
			type = hash_sep + 1;
		if (type) { /* "Name:uri" is the Name (the JSON protocols' rule) */
			str_copyn(name, sizeof(name), type, strcspn(type, ":"));
			type = name;
		}
		if (!type)
			rc = cli_error(a, CLI_FAILED, "", "%s failed: HTTP %ld from %s", c->op,
				       r->status, cli_state(a)->conn.endpoint);
		else
			rc = cli_error(a, http__exit_for(type), type, "%s", msg ? msg : c->op);
		cli_state(a)->err.http_status = r->status;
		json_decref(j);
	} else if (resp) {
		json_error_t je;

		*resp =
		    json_loadb(r->body.p ? r->body.p : "{}", r->body.len ? r->body.len : 2, 0, &je);
		if (!json_is_object(*resp)) {
			json_decref(*resp);
			*resp = NULL;
			rc = cli_error(a, CLI_FAILED, "", "%s: the reply is not a JSON object",
				       c->op);
		}
	}
	return rc;
}

int cli_json(struct cli_args *a, const struct cli_json_service *svc, const char *op, json_t *req,
	     json_t **resp)
{
	struct cd_call c;
	int rc;

	if (resp)
		*resp = NULL;
	if (cd__build(a, &c, svc, op, req))
		return -1;
	rc = http__perform(a, &c.q, &c.r);
	if (!rc)
		rc = cd__reply(a, &c, resp);
	cd__release(&c);
	return rc;
}

int cli_cd(struct cli_args *a, const char *op, json_t *req, json_t **resp)
{
	return cli_json(a, &cli_codedeploy, op, req, resp);
}

/* ---- CodeDeploy calls in parallel ---- */

#define ASYNC_MAX 8

struct cli_cd_async {
	struct cli_args *a;
	CURLM *multi;
	int parallel;
	CURL *handles[ASYNC_MAX];
	struct cd_call *running[ASYNC_MAX]; /* per handle, NULL when free */
	struct cd_call **queue;		    /* waiting, in order */
	size_t nqueue, capqueue;
	struct cd_call **done; /* finished, not yet returned */
	size_t ndone, capdone;
	bool failed;
};

struct cli_cd_async *cli_cd_async_new(struct cli_args *a, int parallel)
{
	struct cli_cd_async *as;

	if (cli_conn_resolve(a) || http__curl(a))
		return NULL;
	as = calloc(1, sizeof(*as));
	if (!as) {
		cli_error(a, CLI_FAILED, "", "out of memory");
		return NULL;
	}
	as->a = a;
	as->parallel = parallel < 1 ? 1 : parallel > ASYNC_MAX ? ASYNC_MAX : parallel;
	as->multi = curl_multi_init();
	/* the first handle is the connection's own, already connected */
	as->handles[0] = cli_state(a)->conn.curl;
	for (int i = 1; i < as->parallel; i++)
		as->handles[i] = curl_easy_init();
	for (int i = 0; i < as->parallel; i++)
		if (!as->handles[i] || !as->multi) {
			cli_cd_async_free(as);
			cli_error(a, CLI_FAILED, "", "cannot create HTTP handles");
			return NULL;
		}
	return as;
}

static int async__push(struct cd_call ***list, size_t *n, size_t *cap, struct cd_call *c,
		       bool front)
{
	if (*n == *cap) {
		size_t grown = *cap ? *cap * 2 : 16;
		struct cd_call **p = realloc(*list, grown * sizeof(*p));

		if (!p)
			return -1;
		*list = p;
		*cap = grown;
	}
	if (front) {
		memmove(*list + 1, *list, *n * sizeof(**list));
		(*list)[0] = c;
	} else {
		(*list)[*n] = c;
	}
	(*n)++;
	return 0;
}

int cli_cd_async_add(struct cli_cd_async *as, const char *op, json_t *req, int tag, bool urgent)
{
	struct cd_call *c = malloc(sizeof(*c));

	if (!c) {
		json_decref(req);
		return cli_error(as->a, CLI_FAILED, "", "out of memory");
	}
	if (cd__build(as->a, c, &cli_codedeploy, op, req)) {
		free(c);
		return -1;
	}
	c->tag = tag;
	if (async__push(&as->queue, &as->nqueue, &as->capqueue, c, urgent)) {
		cd__release(c);
		free(c);
		return cli_error(as->a, CLI_FAILED, "", "out of memory");
	}
	return 0;
}

/* Starts queued calls on free handles. */
static int async__start(struct cli_cd_async *as)
{
	for (int i = 0; i < as->parallel && as->nqueue; i++) {
		struct cd_call *c;

		if (as->running[i])
			continue;
		c = as->queue[0];
		memmove(as->queue, as->queue + 1, (as->nqueue - 1) * sizeof(*as->queue));
		as->nqueue--;
		c->t0 = time_mono_ms();
		if (http__prepare(as->a, as->handles[i], &c->q, &c->r, &c->list, c->url,
				  sizeof(c->url))) {
			cd__release(c);
			free(c);
			return -1;
		}
		curl_easy_setopt(as->handles[i], CURLOPT_PRIVATE, c);
		if (curl_multi_add_handle(as->multi, as->handles[i]) != CURLM_OK) {
			cd__release(c);
			free(c);
			return cli_error(as->a, CLI_FAILED, "", "cannot start a request");
		}
		as->running[i] = c;
	}
	return 0;
}

int cli_cd_async_next(struct cli_cd_async *as, json_t **resp, int *tag)
{
	*resp = NULL;
	while (!as->failed) {
		int still = 0, left;
		CURLMsg *msg;
		bool any = false;

		if (as->ndone) {
			struct cd_call *c = as->done[0];
			int rc;

			memmove(as->done, as->done + 1, (as->ndone - 1) * sizeof(*as->done));
			as->ndone--;
			rc = cd__reply(as->a, c, resp);
			*tag = c->tag;
			cd__release(c);
			free(c);
			if (rc) {
				as->failed = true;
				return -1;
			}
			return 1;
		}
		if (async__start(as)) {
			as->failed = true;
			return -1;
		}
		for (int i = 0; i < as->parallel; i++)
			any |= as->running[i] != NULL;
		if (!any)
			return 0;
		curl_multi_perform(as->multi, &still);
		while ((msg = curl_multi_info_read(as->multi, &left))) {
			struct cd_call *c = NULL;
			int i;

			if (msg->msg != CURLMSG_DONE)
				continue;
			for (i = 0; i < as->parallel; i++)
				if (as->handles[i] == msg->easy_handle)
					break;
			if (i == as->parallel)
				continue;
			c = as->running[i];
			curl_multi_remove_handle(as->multi, as->handles[i]);
			as->running[i] = NULL;
			curl_slist_free_all(c->list);
			c->list = NULL;
			if (http__finish(as->a, as->handles[i], &c->q, &c->r, msg->data.result,
					 c->t0) ||
			    async__push(&as->done, &as->ndone, &as->capdone, c, false)) {
				cd__release(c);
				free(c);
				as->failed = true;
				return -1;
			}
		}
		if (!as->ndone && still)
			curl_multi_poll(as->multi, NULL, 0, 1000, NULL);
	}
	return -1;
}

void cli_cd_async_free(struct cli_cd_async *as)
{
	if (!as)
		return;
	for (int i = 0; i < as->parallel; i++) {
		if (as->running[i]) {
			curl_multi_remove_handle(as->multi, as->handles[i]);
			cd__release(as->running[i]);
			free(as->running[i]);
		}
		if (i > 0 && as->handles[i])
			curl_easy_cleanup(as->handles[i]);
	}
	for (size_t i = 0; i < as->nqueue; i++) {
		cd__release(as->queue[i]);
		free(as->queue[i]);
	}
	for (size_t i = 0; i < as->ndone; i++) {
		cd__release(as->done[i]);
		free(as->done[i]);
	}
	free(as->queue);
	free(as->done);
	if (as->multi)
		curl_multi_cleanup(as->multi);
	free(as);
}

int cli_json_pages(struct cli_args *a, const struct cli_json_service *svc, const char *op,
		   json_t *req, const char *list_key, json_t *items, int64_t max)
{
	char token[2048] = "";

	for (;;) {
		json_t *page, *one = json_deep_copy(req);
		const char *next;
		size_t i;
		json_t *v;

		if (token[0])
			json_object_set_new(one, svc->token_key, json_string(token));
		if (cli_json(a, svc, op, one, &page)) {
			json_decref(req);
			return -1;
		}
		json_array_foreach(json_object_get(page, list_key), i, v)
		{
			if (max > 0 && (int64_t)json_array_size(items) >= max)
				break;
			json_array_append(items, v);
		}
		next = json_string_value(json_object_get(page, svc->token_key));
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

int cli_cd_pages(struct cli_args *a, const char *op, json_t *req, const char *list_key,
		 json_t *items, int64_t max)
{
	return cli_json_pages(a, &cli_codedeploy, op, req, list_key, items, max);
}

/* ---- REST-JSON (Lambda) ---- */

int cli_rest(struct cli_args *a, struct cli_rest *rr)
{
	struct http_reply r = { .body = BUF_INIT(HTTP_MAX_REPLY), .rest = rr };
	struct http_request q = { .method = rr->method,
				  .path = rr->path,
				  .service = rr->signing_name,
				  .what = rr->what,
				  .timeout_s = rr->timeout_s };
	struct sigv4_kv kv[CLI_REST_QUERY_MAX];
	struct buf query = BUF_INIT(16384), values = BUF_INIT(16384);
	size_t offs[CLI_REST_QUERY_MAX];
	char hash_hex[65];
	uint8_t hash[SHA256_LEN];
	int rc = 0;

	rr->status = 0;
	for (int i = 0; i < CLI_REST_HEADERS; i++)
		rr->got[i][0] = '\0';
	buf_init(&rr->reply, HTTP_MAX_REPLY);
	/* the query: encoded once, sent and signed the same (sigv4 canonicalises it) */
	for (size_t i = 0; rr->query && rr->query[i]; i += 2) {
		if (q.nquery == CLI_REST_QUERY_MAX) {
			rc =
			    cli_error(a, CLI_FAILED, "", "%s: too many query parameters", rr->what);
			goto out;
		}
		offs[q.nquery++] = values.len;
		uri_encode(&values, rr->query[i + 1], strlen(rr->query[i + 1]), false);
		buf_addc(&values, '\0');
	}
	for (size_t i = 0; i < q.nquery; i++) {
		const char *v = values.p + offs[i];

		kv[i] = (struct sigv4_kv){ rr->query[2 * i], v };
		buf_addf(&query, "%s%s=%s", i ? "&" : "", rr->query[2 * i], v);
	}
	q.query_kv = kv;
	q.query = q.nquery ? buf_str(&query) : NULL;
	sha256(rr->body ? rr->body : "", rr->body ? strlen(rr->body) : 0, hash);
	hex_encode(hash, SHA256_LEN, hash_hex);
	q.payload_hash = hash_hex;
	q.body = rr->body;
	if (rr->body)
		q.headers[q.nheaders++] = (struct sigv4_kv){ "Content-Type", "application/json" };
	for (size_t i = 0; rr->headers && rr->headers[i]; i += 2) {
		if (i / 2 >= CLI_REST_EXTRA) {
			rc = cli_error(a, CLI_FAILED, "", "%s: too many headers", rr->what);
			goto out;
		}
		q.headers[q.nheaders++] = (struct sigv4_kv){ rr->headers[i], rr->headers[i + 1] };
	}
	rc = http__perform(a, &q, &r);
	rr->status = r.status;
	if (!rc && (r.status < 200 || r.status >= 300)) {
		json_t *j = json_loadb(r.body.p ? r.body.p : "", r.body.len, 0, NULL);
		const char *type = r.error_type[0] ? r.error_type : NULL;
		const char *msg = json_string_value(json_object_get(j, "message"));
		const char *sep;
		char name[128];

		if (!msg)
			msg = json_string_value(json_object_get(j, "Message"));
		if (!type)
			type = json_string_value(json_object_get(j, "__type"));
		if (!type)
			type = json_string_value(json_object_get(j, "code"));
		if (type && (sep = strrchr(type, '#')))
			type = sep + 1;
		if (type) { /* "Code:extra" is the Code (botocore's rule) */
			str_copyn(name, sizeof(name), type, strcspn(type, ":"));
			type = name;
		}
		if (!type || !type[0])
			rc = cli_error(a, CLI_FAILED, "", "%s failed: HTTP %ld from %s", rr->what,
				       r.status, cli_state(a)->conn.endpoint);
		else
			rc = cli_error(a, http__exit_for(type), type, "%s", msg ? msg : rr->what);
		cli_state(a)->err.http_status = r.status;
		json_decref(j);
	}
	if (!rc) {
		rr->reply = r.body;
		r.body = (struct buf)BUF_INIT(0);
	}
out:
	buf_release(&r.body);
	buf_release(&query);
	buf_release(&values);
	return rc;
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
