/* client: SigV4-signed JSON 1.1 calls and S3 downloads with libcurl's multi interface, so that
 * a long poll waits on the socket and on the cancel descriptor together. */
#include "client.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/banned.h" /* last: it redefines libc names */

#define CLIENT_MAX_REPLY (1 << 20)
#define EMPTY_SHA256	 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

int client_init(struct client *c, const struct agent_config *cfg, int cancel_fd, struct err *e)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->cancel_fd = cancel_fd;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return err_set(e, SW_E_INTERNAL, "cannot initialise libcurl");
	c->easy = curl_easy_init();
	c->multi = curl_multi_init();
	if (!c->easy || !c->multi) {
		client_release(c);
		return err_set(e, SW_E_NOMEM, "cannot create an HTTP handle");
	}
	return 0;
}

void client_release(struct client *c)
{
	if (c->easy)
		curl_easy_cleanup(c->easy);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->cfg)
		curl_global_cleanup();
	c->easy = c->multi = NULL;
	c->cfg = NULL;
}

/* host[:port] of the endpoint, as the Host header carries it. */
static void client__authority(const char *endpoint, char *out, size_t size)
{
	const char *p = strstr(endpoint, "://");
	size_t n;

	p = p ? p + 3 : endpoint;
	n = strcspn(p, "/");
	if (str_copyn(out, size, p, n))
		out[0] = '\0';
}

struct client__sink {
	struct buf *body; /* JSON replies */
	int fd;		  /* downloads */
	struct digest *md5;
	char etag[256];
	int write_error;
};

static size_t client__write(char *data, size_t size, size_t n, void *arg)
{
	struct client__sink *s = arg;
	size_t len = size * n, done = 0;

	if (s->body)
		return buf_add(s->body, data, len) ? 0 : len;
	while (done < len) {
		ssize_t w = write(s->fd, data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->write_error = errno ? errno : EIO;
			return 0;
		}
		done += (size_t)w;
	}
	if (s->md5)
		digest_update(s->md5, data, len);
	return len;
}

static size_t client__header(char *data, size_t size, size_t n, void *arg)
{
	struct client__sink *s = arg;
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
		str_copyn(s->etag, sizeof(s->etag), v, vl);
	}
	return len;
}

/* Runs the prepared easy handle to completion, watching cancel_fd when cancellable. */
static int client__perform(struct client *c, bool cancellable, long *status, struct err *e)
{
	CURLM *m = c->multi;
	CURL *h = c->easy;
	CURLMsg *msg;
	CURLcode result = CURLE_OK;
	int running = 1, left;
	bool done = false;

	c->cancelled = false;
	if (curl_multi_add_handle(m, h) != CURLM_OK)
		return err_set(e, SW_E_INTERNAL, "cannot start the request");
	while (!done) {
		struct curl_waitfd extra = { c->cancel_fd, CURL_WAIT_POLLIN, 0 };
		int numfds = 0;

		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left)))
			if (msg->msg == CURLMSG_DONE) {
				result = msg->data.result;
				done = true;
			}
		if (done || !running)
			break;
		if (curl_multi_wait(m, cancellable && c->cancel_fd >= 0 ? &extra : NULL,
				    cancellable && c->cancel_fd >= 0 ? 1 : 0, 1000,
				    &numfds) != CURLM_OK)
			break;
		if (cancellable && c->cancel_fd >= 0 && (extra.revents & CURL_WAIT_POLLIN)) {
			c->cancelled = true;
			curl_multi_remove_handle(m, h);
			return err_set(e, SW_E_AGAIN, "cancelled");
		}
	}
	curl_multi_remove_handle(m, h);
	if (!done)
		return err_set(e, SW_E_AGAIN, "the request did not complete");
	if (result != CURLE_OK)
		return err_set(e, SW_E_AGAIN, "%s", curl_easy_strerror(result));
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

static void client__common(struct client *c, const char *url, long timeout_s,
			   struct client__sink *sink, struct curl_slist *headers)
{
	CURL *h = c->easy;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, client__write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, client__header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, sink);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 15L);
	if (timeout_s > 0)
		curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (c->cfg->ca_file[0]) {
		curl_easy_setopt(h, CURLOPT_CAINFO, c->cfg->ca_file);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	}
}

/* Signs and appends the SigV4 headers: kv are the headers to sign (host and x-amz-date
 * included); their "Name: value" lines go into *list. */
static int client__sign(struct client *c, const char *method, const char *path,
			const struct sigv4_kv *query, size_t nquery, const struct sigv4_kv *kv,
			size_t n, const char *payload_hash, const char *service, bool s3,
			const char *amz_date, struct curl_slist **list, struct err *e)
{
	struct sigv4_request r = { method, path, query, nquery, kv, n, payload_hash, s3 };
	struct buf auth = BUF_INIT(2048), line = BUF_INIT(8192);
	int rc = sigv4_sign(&r, c->cfg->access_key, c->cfg->secret_key, c->cfg->region, service,
			    amz_date, &auth);

	if (rc) {
		buf_release(&auth);
		return err_set(e, SW_E_INTERNAL, "cannot sign the request");
	}
	for (size_t i = 0; i < n && !rc; i++) {
		struct curl_slist *nl;

		buf_reset(&line);
		if (buf_addf(&line, "%s: %s", kv[i].name, kv[i].value) ||
		    !(nl = curl_slist_append(*list, line.p)))
			rc = -SW_E_NOMEM;
		else
			*list = nl;
	}
	buf_reset(&line);
	if (!rc) {
		struct curl_slist *nl;

		if (buf_addf(&line, "Authorization: %s", buf_str(&auth)) ||
		    !(nl = curl_slist_append(*list, line.p)))
			rc = -SW_E_NOMEM;
		else
			*list = nl;
	}
	buf_release(&auth);
	buf_release(&line);
	return rc ? err_set(e, SW_E_NOMEM, NULL) : 0;
}

int client_call(struct client *c, const char *op, json_t *req, long timeout_s, bool cancellable,
		json_t **resp, struct err *e)
{
	char host[1024], target[160], amz_date[17], hash_hex[65], url[1100];
	uint8_t hash[SHA256_LEN];
	struct buf body = BUF_INIT(CLIENT_MAX_REPLY);
	struct client__sink sink = { .body = &body, .fd = -1 };
	struct curl_slist *headers = NULL;
	char *payload = json_dumps(req, JSON_COMPACT);
	long status = 0;
	int rc;

	*resp = NULL;
	if (!payload)
		return err_set(e, SW_E_NOMEM, NULL);
	client__authority(c->cfg->endpoint, host, sizeof(host));
	str_fmt(target, sizeof(target), "%s%s", CLIENT_TARGET_PREFIX, op);
	str_fmt(url, sizeof(url), "%s/", c->cfg->endpoint);
	sigv4_format_amz_date(time(NULL), amz_date);
	sha256(payload, strlen(payload), hash);
	hex_encode(hash, SHA256_LEN, hash_hex);
	{
		const struct sigv4_kv kv[] = {
			{ "Content-Type", "application/x-amz-json-1.1" },
			{ "Host", host },
			{ "X-Amz-Date", amz_date },
			{ "X-Amz-Target", target },
			{ "x-amz-codedeploy-agent-version", CLIENT_AGENT_VERSION },
		};

		rc = client__sign(c, "POST", "/", NULL, 0, kv, sizeof(kv) / sizeof(kv[0]), hash_hex,
				  "codedeploy-commands", false, amz_date, &headers, e);
	}
	if (!rc) {
		struct curl_slist *nl = curl_slist_append(headers, "Expect:");

		headers = nl ? nl : headers;
		client__common(c, url, timeout_s, &sink, headers);
		curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, payload);
		curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(payload));
		rc = client__perform(c, cancellable, &status, e);
	}
	if (!rc && status >= 500) {
		rc = err_set(e, SW_E_AGAIN, "%s: server error %ld", op, status);
	} else if (!rc && status != 200) {
		json_t *j = json_loadb(body.p ? body.p : "", body.len, 0, NULL);
		const char *type = json_string_value(json_object_get(j, "__type"));
		const char *msg = json_string_value(json_object_get(j, "message"));

		if (!msg)
			msg = json_string_value(json_object_get(j, "Message"));
		rc = err_set(e, SW_E_ClientException, "%s: %s%s%s (HTTP %ld)", op,
			     type ? type : "error", msg ? ": " : "", msg ? msg : "", status);
		json_decref(j);
	} else if (!rc) {
		json_error_t je;

		*resp = json_loadb(body.p ? body.p : "{}", body.len ? body.len : 2, 0, &je);
		if (!*resp || !json_is_object(*resp)) {
			json_decref(*resp);
			*resp = NULL;
			rc = err_set(e, SW_E_AGAIN, "%s: the reply is not a JSON object", op);
		}
	}
	curl_slist_free_all(headers);
	buf_release(&body);
	free(payload);
	return rc;
}

int client_download(void *arg, const struct deploy_spec *spec, const char *dest_path, struct err *e)
{
	struct client *c = arg;
	struct buf path = BUF_INIT(8192), url = BUF_INIT(16384), qv = BUF_INIT(4096);
	char host[1024], amz_date[17];
	struct client__sink sink = { .fd = -1 };
	struct curl_slist *headers = NULL;
	struct sigv4_kv query[1];
	size_t nquery = 0;
	long status = 0;
	int rc;

	client__authority(c->cfg->endpoint, host, sizeof(host));
	sigv4_format_amz_date(time(NULL), amz_date);
	if (buf_addc(&path, '/') || uri_encode(&path, spec->bucket, strlen(spec->bucket), false) ||
	    buf_addc(&path, '/') || uri_encode(&path, spec->key, strlen(spec->key), true) ||
	    buf_addf(&url, "%s%s", c->cfg->endpoint, buf_str(&path))) {
		rc = err_set(e, SW_E_TOO_LARGE, "bundle key too long");
		goto out;
	}
	if (spec->version[0]) {
		uri_encode(&qv, spec->version, strlen(spec->version), false);
		query[0].name = "versionId";
		query[0].value = buf_str(&qv);
		nquery = 1;
		buf_addf(&url, "?versionId=%s", buf_str(&qv));
	}
	{
		const struct sigv4_kv kv[] = {
			{ "Host", host },
			{ "X-Amz-Content-Sha256", EMPTY_SHA256 },
			{ "X-Amz-Date", amz_date },
		};

		rc = client__sign(c, "GET", buf_str(&path), query, nquery, kv, 3, EMPTY_SHA256,
				  "s3", true, amz_date, &headers, e);
	}
	if (rc)
		goto out;
	sink.fd = open(dest_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (sink.fd < 0) {
		rc = err_set(e, SW_E_IO, "cannot create %s: %s", dest_path, strerror(errno));
		goto out;
	}
	sink.md5 = digest_new(DIGEST_MD5);
	client__common(c, buf_str(&url), 0, &sink, headers);
	/* A stalled transfer fails; a slow but moving one may take as long as it needs. */
	curl_easy_setopt(c->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c->easy, CURLOPT_LOW_SPEED_TIME, 120L);
	rc = client__perform(c, false, &status, e);
	if (!rc && sink.write_error)
		rc = err_set(e, SW_E_IO, "cannot write %s: %s", dest_path,
			     strerror(sink.write_error));
	if (!rc && status != 200)
		rc = err_set(e, SW_E_NOT_FOUND, "cannot download s3://%s/%s: HTTP %ld",
			     spec->bucket, spec->key, status);
	if (!rc && spec->etag[0]) {
		char want[256];
		size_t n;

		str_copy(want, sizeof(want), spec->etag[0] == '"' ? spec->etag + 1 : spec->etag);
		n = strlen(want);
		if (n && want[n - 1] == '"')
			want[n - 1] = '\0';
		if (strcmp(want, sink.etag) != 0)
			rc = err_set(e, SW_E_INVALID,
				     "Expected deployment artifact ETag %s but found %s for "
				     "s3://%s/%s",
				     want, sink.etag, spec->bucket, spec->key);
	}
	if (!rc && strlen(sink.etag) == 32 && !strchr(sink.etag, '-')) {
		uint8_t md[MD5_LEN];
		char hex[2 * MD5_LEN + 1];

		digest_final(sink.md5, md);
		hex_encode(md, MD5_LEN, hex);
		if (strcasecmp(hex, sink.etag) != 0)
			rc =
			    err_set(e, SW_E_INVALID,
				    "the downloaded bundle does not match its ETag %s (got MD5 %s)",
				    sink.etag, hex);
	}
out:
	if (sink.md5)
		digest_free(sink.md5);
	if (sink.fd >= 0)
		close(sink.fd);
	curl_slist_free_all(headers);
	buf_release(&path);
	buf_release(&url);
	buf_release(&qv);
	return rc;
}
