/* client: SigV4-signed JSON 1.1 calls and S3 downloads over base/httpc, hashing with
 * base/hash, so that the agent maps neither libcurl nor libcrypto. */
#include "client.h"
#include "base/buf.h"
#include "base/hash.h"
#include "base/json.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_MAX_REPLY   (1 << 20)
#define CLIENT_STALL_MS	   120000 /* a download that makes no progress for this long fails */
#define CLIENT_MAX_HEADERS 8
#define EMPTY_SHA256	   "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

int client_init(struct client *c, const struct agent_config *cfg, int cancel_fd, struct err *e)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	return httpc_init(&c->http, cfg->endpoint, cfg->ca_file, cancel_fd, e);
}

void client_release(struct client *c)
{
	httpc_release(&c->http);
	c->cfg = NULL;
}

/* The signed headers of a request and the Authorization that goes with them, as httpc sends
 * them (Host is httpc's own and is signed, not listed). */
struct client__signed {
	struct httpc_header h[CLIENT_MAX_HEADERS];
	size_t n;
	struct buf auth;
};

/* Signs kv (Host and X-Amz-Date included) and fills s; release s->auth afterwards. */
static int client__sign(struct client *c, const char *method, const char *path,
			const struct sigv4_kv *query, size_t nquery, const struct sigv4_kv *kv,
			size_t n, const char *payload_hash, const char *service, bool s3,
			const char *amz_date, struct client__signed *s, struct err *e)
{
	struct sigv4_request r = { method, path, query, nquery, kv, n, payload_hash, s3 };

	buf_init(&s->auth, 2048);
	s->n = 0;
	if (sigv4_sign(&r, c->cfg->access_key, c->cfg->secret_key, c->cfg->region, service,
		       amz_date, &s->auth))
		return err_set(e, SW_E_INTERNAL, "cannot sign the request");
	for (size_t i = 0; i < n && s->n < CLIENT_MAX_HEADERS - 1; i++)
		if (strcasecmp(kv[i].name, "Host") != 0)
			s->h[s->n++] = (struct httpc_header){ kv[i].name, kv[i].value };
	s->h[s->n++] = (struct httpc_header){ "Authorization", buf_str(&s->auth) };
	return 0;
}

int client_call(struct client *c, const char *op, json_t *req, long timeout_s, bool cancellable,
		json_t **resp, struct err *e)
{
	char target[160], amz_date[17], payload_hex[65];
	uint8_t hash[HASH_SHA256_LEN];
	struct buf body = BUF_INIT(CLIENT_MAX_REPLY);
	struct client__signed s = { .n = 0 };
	char *payload = json_dumps(req, JSON_COMPACT);
	int status = 0, rc;

	*resp = NULL;
	c->cancelled = false;
	c->error_type[0] = '\0';
	if (!payload)
		return err_set(e, SW_E_NOMEM, NULL);
	str_fmt(target, sizeof(target), "%s%s", CLIENT_TARGET_PREFIX, op);
	sigv4_format_amz_date(time(NULL), amz_date);
	hash_sha256(payload, strlen(payload), hash);
	hash_hex(hash, sizeof(hash), payload_hex);
	{
		const struct sigv4_kv kv[] = {
			{ "Content-Type", "application/x-amz-json-1.1" },
			{ "Host", c->http.authority },
			{ "X-Amz-Date", amz_date },
			{ "X-Amz-Target", target },
			{ "x-amz-codedeploy-agent-version", CLIENT_AGENT_VERSION },
		};

		rc = client__sign(c, "POST", "/", NULL, 0, kv, sizeof(kv) / sizeof(kv[0]),
				  payload_hex, "codedeploy-commands", false, amz_date, &s, e);
	}
	if (!rc) {
		struct httpc_request r = {
			.method = "POST",
			.target = "/",
			.headers = s.h,
			.nheaders = s.n,
			.body = payload,
			.body_len = strlen(payload),
			.timeout_ms = timeout_s > 0 ? (int)(timeout_s * 1000) : 0,
			.cancellable = cancellable,
			.body_out = &body,
		};

		rc = httpc_request(&c->http, &r, &status, e);
		c->cancelled = c->http.cancelled;
		if (rc && !c->cancelled && e) {
			char why[sizeof(e->msg)];

			str_copy(why, sizeof(why), err_message(e));
			err_set(e, -rc, "%s: %s", op, why);
		}
	}
	if (!rc && status >= 500) {
		rc = err_set(e, SW_E_AGAIN, "%s: server error %d", op, status);
	} else if (!rc && status != 200) {
		json_t *j = json_loadb(body.p ? body.p : "", body.len, 0, NULL);
		const char *type = json_string_value(json_object_get(j, "__type"));
		const char *msg = json_string_value(json_object_get(j, "message"));

		if (!msg)
			msg = json_string_value(json_object_get(j, "Message"));
		str_copy(c->error_type, sizeof(c->error_type), type ? type : "");
		rc = err_set(e, SW_E_INVALID, "%s: %s%s%s (HTTP %d)", op, type ? type : "error",
			     msg ? ": " : "", msg ? msg : "", status);
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
	buf_release(&s.auth);
	buf_release(&body);
	free(payload);
	return rc;
}

/* Where a download goes: the file, and the MD5 of what was written. */
struct client__sink {
	int fd;
	const char *path;
	struct hash_md5 md5;
	char etag[256];
};

static int client__write(void *arg, const void *data, size_t len, struct err *e)
{
	struct client__sink *s = arg;
	const char *p = data;
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(s->fd, p + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_set(e, SW_E_IO, "cannot write %s: %s", s->path,
				       w < 0 ? strerror(errno) : "no space");
		done += (size_t)w;
	}
	hash_md5_update(&s->md5, data, len);
	return 0;
}

static void client__header(void *arg, const char *name, const char *value)
{
	struct client__sink *s = arg;
	size_t n;

	if (strcasecmp(name, "ETag") != 0)
		return;
	while (*value == '"')
		value++;
	n = strlen(value);
	while (n && value[n - 1] == '"')
		n--;
	str_copyn(s->etag, sizeof(s->etag), value, n);
}

int client_download(void *arg, const struct deploy_spec *spec, const char *dest_path, struct err *e)
{
	struct client *c = arg;
	struct buf path = BUF_INIT(8192), target = BUF_INIT(16384), qv = BUF_INIT(4096);
	char amz_date[17];
	struct client__sink sink = { .fd = -1, .path = dest_path };
	struct client__signed s = { .n = 0 };
	struct sigv4_kv query[1];
	size_t nquery = 0;
	int status = 0, rc;

	buf_init(&s.auth, 2048);
	sigv4_format_amz_date(time(NULL), amz_date);
	if (buf_addc(&path, '/') || uri_encode(&path, spec->bucket, strlen(spec->bucket), false) ||
	    buf_addc(&path, '/') || uri_encode(&path, spec->key, strlen(spec->key), true) ||
	    buf_adds(&target, buf_str(&path))) {
		rc = err_set(e, SW_E_TOO_LARGE, "bundle key too long");
		goto out;
	}
	if (spec->version[0]) {
		if (uri_encode(&qv, spec->version, strlen(spec->version), false) ||
		    buf_addf(&target, "?versionId=%s", buf_str(&qv))) {
			rc = err_set(e, SW_E_TOO_LARGE, "bundle version too long");
			goto out;
		}
		query[0].name = "versionId";
		query[0].value = buf_str(&qv);
		nquery = 1;
	}
	{
		const struct sigv4_kv kv[] = {
			{ "Host", c->http.authority },
			{ "X-Amz-Content-Sha256", EMPTY_SHA256 },
			{ "X-Amz-Date", amz_date },
		};

		rc = client__sign(c, "GET", buf_str(&path), query, nquery, kv, 3, EMPTY_SHA256,
				  "s3", true, amz_date, &s, e);
	}
	if (rc)
		goto out;
	sink.fd = open(dest_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (sink.fd < 0) {
		rc = err_set(e, SW_E_IO, "cannot create %s: %s", dest_path, strerror(errno));
		goto out;
	}
	hash_md5_init(&sink.md5);
	{
		struct httpc_request r = {
			.method = "GET",
			.target = buf_str(&target),
			.headers = s.h,
			.nheaders = s.n,
			.stall_ms = CLIENT_STALL_MS,
			.sink = client__write,
			.sink_arg = &sink,
			.on_header = client__header,
			.header_arg = &sink,
		};

		rc = httpc_request(&c->http, &r, &status, e);
	}
	if (!rc && status != 200)
		rc = err_set(e, SW_E_NOT_FOUND, "cannot download s3://%s/%s: HTTP %d", spec->bucket,
			     spec->key, status);
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
		uint8_t md[HASH_MD5_LEN];
		char hex[2 * HASH_MD5_LEN + 1];

		hash_md5_final(&sink.md5, md);
		hash_hex(md, sizeof(md), hex);
		if (strcasecmp(hex, sink.etag) != 0)
			rc =
			    err_set(e, SW_E_INVALID,
				    "the downloaded bundle does not match its ETag %s (got MD5 %s)",
				    sink.etag, hex);
	}
out:
	if (sink.fd >= 0 && close(sink.fd) != 0 && !rc)
		rc = err_set(e, SW_E_IO, "cannot write %s: %s", dest_path, strerror(errno));
	buf_release(&s.auth);
	buf_release(&path);
	buf_release(&target);
	buf_release(&qv);
	return rc;
}
