/* auth: SigV4 verification with a per-key cache (secret, identity, and the day's signing key). */
#include "auth.h"
#include "contract/service.h"
#include "slipwayd.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "model/iam.h"
#include "services/s3/errors.h"
#include "store/store.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define AUTH_SLOTS 1024

struct auth_entry {
	char access_key[129];
	char secret[129];
	struct principal who;
	uint64_t generation;
	bool used;
	char scope[128]; /* date/region/service of the cached signing key */
	uint8_t key[SHA256_LEN];
};

struct auth_cache {
	pthread_mutex_t lock;
	struct auth_entry slots[AUTH_SLOTS];
};

int auth_cache_new(struct auth_cache **out)
{
	struct auth_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -SW_E_NOMEM;
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return 0;
}

void auth_cache_free(struct auth_cache *c)
{
	if (!c)
		return;
	pthread_mutex_destroy(&c->lock);
	explicit_bzero(c->slots, sizeof(c->slots));
	free(c);
}

static unsigned auth__hash(const char *s)
{
	return str_hash(s) % AUTH_SLOTS;
}

struct auth__load {
	const char *access_key;
	struct auth_entry *out;
};

/* The kind named by users.kind; PRINCIPAL_NONE for anything else. */
static enum principal_kind principal_kind_parse(const char *s)
{
	if (!s)
		return PRINCIPAL_NONE;
	if (strcmp(s, "admin") == 0)
		return PRINCIPAL_ADMIN;
	if (strcmp(s, "instance") == 0)
		return PRINCIPAL_INSTANCE;
	if (strcmp(s, "user") == 0)
		return PRINCIPAL_USER;
	return PRINCIPAL_NONE;
}

const char *principal_describe(const struct principal *p, char *buf, size_t size)
{
	switch (p->kind) {
	case PRINCIPAL_ADMIN:
		str_copy(buf, size, "an administrator");
		break;
	case PRINCIPAL_INSTANCE:
		str_fmt(buf, size, "bound to on-premises instance '%s'", p->instance);
		break;
	case PRINCIPAL_USER:
		str_copy(buf, size, "an ordinary user that has been granted nothing");
		break;
	default:
		str_copy(buf, size, "granted nothing");
		break;
	}
	return buf;
}

/* The key's secret and its user's recorded kind.  An 'instance' user counts as one only while
 * its instance is registered: if the two ever disagree, the key may do nothing. */
static int auth__load(struct store_conn *c, void *arg, struct err *e)
{
	struct auth__load *l = arg;
	struct principal *who = &l->out->who;
	struct model_iam_key k;
	int r = model_iam_key_lookup(c, l->access_key, &k, e);

	if (r)
		goto out;
	str_copy(l->out->secret, sizeof(l->out->secret), k.secret);
	str_copy(who->user, sizeof(who->user), k.user);
	str_copy(who->user_arn, sizeof(who->user_arn), k.user_arn);
	str_copy(who->access_key, sizeof(who->access_key), l->access_key);
	who->kind = principal_kind_parse(k.kind);
	if (who->kind != PRINCIPAL_INSTANCE)
		goto out;
	if (!k.bound) {
		who->kind = PRINCIPAL_NONE;
		goto out;
	}
	str_copy(who->instance, sizeof(who->instance), k.instance);
	str_copy(who->instance_arn, sizeof(who->instance_arn), k.instance_arn);
out:
	explicit_bzero(&k, sizeof(k));
	return r;
}

/* Finds (loading on a miss or a stale generation) the entry for key; copies it out. */
static int auth__entry(struct slipwayd *d, const char *key, struct auth_entry *copy, struct err *e)
{
	struct auth_cache *c = d->auth;
	uint64_t gen = env_auth_generation(&d->env);
	struct auth_entry *slot = &c->slots[auth__hash(key)];
	struct auth__load l;
	int r;

	pthread_mutex_lock(&c->lock);
	if (slot->used && slot->generation == gen && strcmp(slot->access_key, key) == 0) {
		*copy = *slot;
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	pthread_mutex_unlock(&c->lock);
	memset(copy, 0, sizeof(*copy));
	l.access_key = key;
	l.out = copy;
	r = store_read(d->env.store, auth__load, &l, e);
	if (r)
		return r;
	str_copy(copy->access_key, sizeof(copy->access_key), key);
	copy->generation = gen;
	copy->used = true;
	pthread_mutex_lock(&c->lock);
	*slot = *copy;
	pthread_mutex_unlock(&c->lock);
	return 0;
}

/* The day's signing key for this scope, from the cache when it is there. */
static void auth__signing_key(struct slipwayd *d, struct auth_entry *ent,
			      const struct sigv4_auth *a, uint8_t key[SHA256_LEN])
{
	char scope[128];
	struct auth_entry *slot = &d->auth->slots[auth__hash(ent->access_key)];

	str_fmt(scope, sizeof(scope), "%s/%s/%s", a->date, a->region, a->service);
	if (strcmp(ent->scope, scope) == 0) {
		memcpy(key, ent->key, SHA256_LEN);
		return;
	}
	sigv4_signing_key(ent->secret, a->date, a->region, a->service, key);
	pthread_mutex_lock(&d->auth->lock);
	if (slot->used && strcmp(slot->access_key, ent->access_key) == 0) {
		str_copy(slot->scope, sizeof(slot->scope), scope);
		memcpy(slot->key, key, SHA256_LEN);
	}
	pthread_mutex_unlock(&d->auth->lock);
}

static int auth__verify(struct slipwayd *d, struct http_req *req, const char *payload_hash)
{
	struct sigv4_request sr = {
		.method = req->method,
		.path = req->path,
		.query = req->query,
		.nquery = req->nquery,
		.headers = req->headers,
		.nheaders = req->nheaders,
		.payload_hash = payload_hash,
		.s3 = strcmp(req->auth.service, "s3") == 0,
	};
	struct auth_entry ent;
	char sig[65], now_s[17];
	time_t t, now = time(NULL);
	int r;

	if (sigv4_parse_amz_date(req->auth.amz_date, &t))
		return err_set(
		    &req->err, SW_E_IncompleteSignature,
		    "X-Amz-Date must be in the ISO8601 basic format YYYYMMDD'T'HHMMSS'Z'");
	if (strncmp(req->auth.amz_date, req->auth.date, 8) != 0)
		return err_set(&req->err, SW_E_SignatureDoesNotMatch,
			       "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
			       "version of date from HTTP: '%s' != '%.8s'",
			       req->auth.date, req->auth.amz_date);
	sigv4_format_amz_date(now, now_s);
	if (req->auth.presigned) {
		if (t > now + SIGV4_MAX_SKEW)
			return err_set(&req->err, SW_E_AccessDenied,
				       "Request is not valid yet (X-Amz-Date %s is in the future)",
				       req->auth.amz_date);
		if (now > t + req->auth.expires)
			return err_set(&req->err, SW_E_AccessDenied, "Request has expired");
	} else if (t < now - SIGV4_MAX_SKEW) {
		return err_set(&req->err, SW_E_RequestExpired,
			       "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			       req->auth.amz_date, now_s, now_s);
	} else if (t > now + SIGV4_MAX_SKEW) {
		return err_set(
		    &req->err, SW_E_RequestExpired,
		    "Signature not yet current: %s is still later than %s (%s + 15 min.)",
		    req->auth.amz_date, now_s, now_s);
	}
	r = auth__entry(d, req->auth.access_key, &ent, &req->err);
	if (r)
		return r;
	auth__signing_key(d, &ent, &req->auth, req->signing_key);
	r = sigv4_signature(&sr, &req->auth, req->signing_key, sig, NULL, &req->err);
	if (r)
		goto out;
	if (!mem_equal_ct(sig, req->auth.signature, 64)) {
		r = err_set(
		    &req->err, SW_E_SignatureDoesNotMatch,
		    "The request signature we calculated does not match the signature you "
		    "provided. Check your AWS Secret Access Key and signing method. Consult "
		    "the service documentation for details.");
		log_debug("auth", "signature mismatch for key '%s' [%s]", req->auth.access_key,
			  req->request_id);
		goto out;
	}
	req->who = ent.who;
	req->authenticated = true;
out:
	explicit_bzero(&ent, sizeof(ent));
	return r;
}

/* Sub-resources that S3's Signature Version 2 signs (botocore's QSAOfInterest). */
static const char *const auth__v2_subresources[] = {
	"accelerate",
	"acl",
	"analytics",
	"cors",
	"defaultObjectAcl",
	"delete",
	"inventory",
	"lifecycle",
	"location",
	"logging",
	"metrics",
	"notification",
	"object-lock",
	"partNumber",
	"policy",
	"replication",
	"requestPayment",
	"response-cache-control",
	"response-content-disposition",
	"response-content-encoding",
	"response-content-language",
	"response-content-type",
	"response-expires",
	"restore",
	"select",
	"select-type",
	"storageClass",
	"tagging",
	"torrent",
	"uploadId",
	"uploads",
	"versionId",
	"versioning",
	"versions",
	"website",
};

static int auth__v2_name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct sigv4_kv *const *)a)->name,
		      (*(const struct sigv4_kv *const *)b)->name);
}

/* S3's legacy presigned URLs (Signature Version 2 query authentication: AWSAccessKeyId,
 * Expires, Signature), which botocore still generates by default for S3 endpoints.  The
 * string to sign is METHOD, Content-MD5, Content-Type, Expires, the x-amz-* headers and the
 * path with its signed sub-resources; the signature is base64(HMAC-SHA1(secret, it)). */
static int auth__verify_v2_query(struct slipwayd *d, struct http_req *req)
{
	const char *key = http_query_raw(req, "AWSAccessKeyId");
	const char *sig = http_query_raw(req, "Signature");
	const char *expires = http_query_raw(req, "Expires");
	const struct sigv4_kv *sub[HTTP_MAX_QUERY], *amz[HTTP_MAX_HEADERS];
	struct buf sts = BUF_INIT(16384), given = BUF_INIT(256), v = BUF_INIT(4096);
	struct auth_entry ent;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char want[64];
	size_t nsub = 0, namz = 0;
	int64_t until;
	int r;

	if (str_to_i64(expires, 0, INT64_MAX, &until))
		return err_set(&req->err, SW_E_AccessDenied, "Invalid date (Expires)");
	if (time(NULL) > until)
		return err_set(&req->err, SW_E_AccessDenied, "Request has expired");
	r = auth__entry(d, key, &ent, &req->err);
	if (r)
		return r;
	for (size_t i = 0; i < req->nquery; i++)
		for (size_t k = 0; k < sizeof(auth__v2_subresources) / sizeof(char *); k++)
			if (strcmp(req->query[i].name, auth__v2_subresources[k]) == 0)
				sub[nsub++] = &req->query[i];
	for (size_t i = 0; i < req->nheaders; i++)
		if (strncasecmp(req->headers[i].name, "x-amz-", 6) == 0)
			amz[namz++] = &req->headers[i];
	qsort(sub, nsub, sizeof(sub[0]), auth__v2_name_cmp);
	buf_addf(&sts, "%s\n%s\n%s\n%s\n", req->method,
		 http_header(req, "Content-MD5") ? http_header(req, "Content-MD5") : "",
		 http_header(req, "Content-Type") ? http_header(req, "Content-Type") : "", expires);
	for (size_t i = 0; i < namz; i++) { /* few: a simple sort by lower-cased name */
		for (size_t k = i + 1; k < namz; k++)
			if (strcasecmp(amz[k]->name, amz[i]->name) < 0) {
				const struct sigv4_kv *t = amz[i];

				amz[i] = amz[k];
				amz[k] = t;
			}
		for (const char *p = amz[i]->name; *p; p++)
			buf_addc(&sts, (char)tolower((unsigned char)*p));
		buf_addf(&sts, ":%s\n", amz[i]->value);
	}
	buf_adds(&sts, req->path);
	for (size_t i = 0; i < nsub; i++) {
		buf_addc(&sts, i ? '&' : '?');
		buf_adds(&sts, sub[i]->name);
		if (sub[i]->value) {
			buf_reset(&v);
			uri_decode(&v, sub[i]->value, strlen(sub[i]->value));
			buf_addc(&sts, '=');
			buf_add(&sts, v.p ? v.p : "", v.len);
		}
	}
	HMAC(EVP_sha1(), ent.secret, (int)strlen(ent.secret), (const unsigned char *)buf_str(&sts),
	     sts.len, mac, &maclen);
	base64_encode(mac, maclen, want);
	if (uri_decode(&given, sig, strlen(sig)) || given.len != strlen(want) ||
	    !mem_equal_ct(buf_str(&given), want, given.len)) {
		r = err_set(&req->err, SW_E_SignatureDoesNotMatch,
			    "The request signature we calculated does not match the signature you "
			    "provided. Check your key and signing method.");
	} else {
		req->who = ent.who;
		req->authenticated = true;
		req->signed_request = true;
		req->auth.presigned = true;
		str_copy(req->auth.access_key, sizeof(req->auth.access_key), key);
	}
	explicit_bzero(&ent, sizeof(ent));
	buf_release(&sts);
	buf_release(&given);
	buf_release(&v);
	return r;
}

/* The credential scope must name this server's region and the service the request went to;
 * AWS refuses anything else before it looks at the signature. */
static int auth__check_scope(struct slipwayd *d, struct http_req *req)
{
	const char *const only[] = { req->service->name, NULL };
	const char *const *names = req->service->signing_names ? req->service->signing_names : only;
	bool s3 = strcmp(req->service->name, "s3") == 0;

	if (strcmp(req->auth.region, d->cfg.region) != 0) {
		if (s3)
			return err_set(&req->err, SW_E_IncompleteSignature,
				       "The authorization header is malformed; the region '%s' is "
				       "wrong; expecting '%s'",
				       req->auth.region, d->cfg.region);
		return err_set(&req->err, SW_E_SignatureDoesNotMatch,
			       "Credential should be scoped to a valid region. (The region "
			       "'%s' is wrong; this server is '%s'.)",
			       req->auth.region, d->cfg.region);
	}
	for (const char *const *n = names; *n; n++)
		if (strcmp(req->auth.service, *n) == 0)
			return 0;
	return err_set(&req->err, s3 ? SW_E_IncompleteSignature : SW_E_SignatureDoesNotMatch,
		       "Credential should be scoped to correct service: '%s'.", names[0]);
}

enum auth_payload auth_payload_rule(bool s3, bool presigned, const char *declared)
{
	if (!s3)
		return AUTH_PAYLOAD_BODY;
	if (presigned)
		return AUTH_PAYLOAD_UNSIGNED;
	if (!declared)
		return AUTH_PAYLOAD_BODY;
	if (hex_is_sha256(declared))
		return AUTH_PAYLOAD_DECLARED_HASH;
	if (strcmp(declared, SIGV4_UNSIGNED) == 0 || str_starts(declared, "STREAMING-"))
		return AUTH_PAYLOAD_UNSIGNED;
	return AUTH_PAYLOAD_INVALID;
}

int auth_early(struct slipwayd *d, struct http_req *req)
{
	const char *authz = http_header(req, "Authorization");
	const char *declared;
	bool s3 = strcmp(req->service->name, "s3") == 0;
	enum auth_payload rule;
	int r;

	req->payload_hash[0] = '\0';
	if (!authz) {
		r = sigv4_parse_query(req->query, req->nquery, &req->auth, &req->err);
		if (r == -SW_E_IncompleteSignature && s3) { /* S3 names presigning errors apart */
			char why[sizeof(req->err.msg)];

			str_copy(why, sizeof(why), req->err.msg);
			return err_set(&req->err, SW_E_AuthorizationQueryParametersError, "%s",
				       why);
		}
		if (r < 0)
			return r;
		if (r == 1 && s3 && http_query_raw(req, "AWSAccessKeyId") &&
		    http_query_raw(req, "Signature") && http_query_raw(req, "Expires"))
			return auth__verify_v2_query(d, req);
		if (r == 1)
			return err_set(&req->err, SW_E_MissingAuthenticationToken,
				       "Request is missing Authentication Token");
		req->signed_request = true;
		r = auth__check_scope(d, req);
		if (r || auth_payload_rule(s3, true, NULL) == AUTH_PAYLOAD_BODY)
			return r;
		return auth__verify(d, req, SIGV4_UNSIGNED);
	}
	r = sigv4_parse_header(authz, &req->auth, &req->err);
	if (r)
		return r;
	declared = http_header(req, "X-Amz-Date");
	if (!declared)
		return err_set(
		    &req->err, SW_E_IncompleteSignature,
		    "Authorization header requires existence of either a 'X-Amz-Date' or "
		    "a 'Date' header.");
	str_copy(req->auth.amz_date, sizeof(req->auth.amz_date), declared);
	req->signed_request = true;
	r = auth__check_scope(d, req);
	if (r)
		return r;
	declared = http_header(req, "X-Amz-Content-SHA256");
	rule = auth_payload_rule(s3, false, declared);
	if (rule == AUTH_PAYLOAD_BODY)
		return 0;
	r = auth__verify(d, req, declared);
	if (r)
		return r;
	if (rule == AUTH_PAYLOAD_INVALID)
		return err_set(&req->err, SW_E_InvalidArgument,
			       "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
			       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.");
	if (rule == AUTH_PAYLOAD_DECLARED_HASH)
		str_copy(req->payload_hash, sizeof(req->payload_hash), declared);
	return 0;
}

int auth_late(struct slipwayd *d, struct http_req *req)
{
	uint8_t h[SHA256_LEN];
	char hex[65];

	if (req->authenticated && req->sink)
		return 0; /* the sink checked the body against what was signed */
	sha256(buf_str(&req->body), req->body.len, h);
	hex_encode(h, SHA256_LEN, hex);
	if (req->authenticated) {
		const char *declared = http_header(req, "X-Amz-Content-SHA256");

		if (req->payload_hash[0])
			return strcasecmp(req->payload_hash, hex) == 0
				   ? 0
				   : err_set(&req->err, SW_E_XAmzContentSHA256Mismatch,
					     "The provided 'x-amz-content-sha256' header does not "
					     "match what was computed.");
		if (declared && str_starts(declared, "STREAMING-"))
			return err_set(&req->err, SW_E_InvalidRequest,
				       "An aws-chunked body (x-amz-content-sha256: %s) is accepted "
				       "only by PutObject and UploadPart",
				       declared);
		return 0; /* UNSIGNED-PAYLOAD, or an S3 presigned URL: no body is signed */
	}
	if (!req->signed_request)
		return err_set(&req->err, SW_E_MissingAuthenticationToken,
			       "Request is missing Authentication Token");
	return auth__verify(d, req, hex);
}
