/* lambda/code: GetFunction's Code.Location — a presigned GET URL (valid 10 minutes) on
 * Slipway's own S3 for the version's zip.  The zip is the blob the version holds; an object row
 * in the reserved bucket slipway-lambda-code (key <blob hex>.zip, shared by every version with
 * that code) makes S3 serve it, and is signed with the caller's own access key. */
#include "lambda.h"
#include "base/crypto.h"
#include "base/sigv4.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "blob/blob.h"
#include "model/iam.h"
#include "store/store.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define LAMBDA_CODE_BUCKET  "slipway-lambda-code"
#define LAMBDA_CODE_EXPIRES 600

/* The zip's S3 ETag: the quoted hex MD5 of its bytes. */
static int lambda__etag(struct lambda_call *c, const char *blob, char etag[40])
{
	struct digest *d = digest_new(DIGEST_MD5);
	uint8_t buf[65536], md[16];
	uint64_t size;
	char hex[33];
	int fd = -1, r;

	if (!d)
		return err_set(c->err, SW_E_NOMEM, "out of memory");
	r = blob_open_read(c->env->blob, blob, &fd, &size, c->err);
	for (uint64_t left = size; r == 0 && left > 0;) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n <= 0) {
			r = err_set(c->err, SW_E_LAMBDA_Service, "cannot read the code of %s",
				    blob);
			break;
		}
		digest_update(d, buf, (size_t)n);
		left -= (uint64_t)n;
	}
	if (fd >= 0)
		close(fd);
	digest_final(d, md);
	digest_free(d);
	hex_encode(md, sizeof(md), hex);
	str_fmt(etag, 40, "\"%s\"", hex);
	return r;
}

struct lambda__code_row {
	const char *blob;
	int64_t size;
	const char *etag;
	const char *access_key;
	struct model_iam_key key;
};

static int lambda__code_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__code_row *a = arg;
	char objkey[80];
	int r;

	str_fmt(objkey, sizeof(objkey), "%s.zip", a->blob);
	r = store_exec(sc, NULL,
		       "INSERT INTO buckets (name, created) VALUES (?, ?) ON CONFLICT (name) DO "
		       "NOTHING",
		       "ti", e, LAMBDA_CODE_BUCKET, time_now_ms());
	if (r >= 0)
		r = store_exec(sc, NULL,
			       "INSERT INTO objects (bucket, key, blob, size, etag, modified, "
			       "content_type) VALUES (?, ?, ?, ?, ?, ?, 'application/zip') ON "
			       "CONFLICT (bucket, key) DO NOTHING",
			       "tttiti", e, LAMBDA_CODE_BUCKET, objkey, a->blob, a->size, a->etag,
			       time_now_ms());
	if (r >= 0)
		r = model_iam_key_lookup(sc, a->access_key, &a->key, e);
	return r < 0 ? r : 0;
}

int lambda_code_location(struct lambda_call *c, const char *blob, int64_t size, char *out,
			 size_t outsize)
{
	struct lambda__code_row a = { .blob = blob, .size = size };
	const char *host = http_header(c->req, "Host");
	char etag[40], path[128], cred[300], amz[17], expires[16], sig[65];
	struct sigv4_kv q[6];
	struct sigv4_kv hdr[1] = { { "host", host } };
	struct sigv4_auth auth;
	uint8_t key[SHA256_LEN];
	struct buf ecred;
	int r;

	if (!host || strpbrk(host, "/\"\\ ") || strlen(host) > 255 || !c->who->access_key[0])
		return err_set(c->err, SW_E_LAMBDA_Service, "no host or key to presign with");
	r = lambda__etag(c, blob, etag);
	if (r < 0)
		return r;
	a.etag = etag;
	a.access_key = c->who->access_key;
	r = store_write(c->env->store, lambda__code_tx, &a, c->err);
	if (r < 0)
		return r;
	memset(&auth, 0, sizeof(auth));
	sigv4_format_amz_date(time(NULL), amz);
	str_copy(auth.amz_date, sizeof(auth.amz_date), amz);
	str_copyn(auth.date, sizeof(auth.date), amz, 8);
	str_copy(auth.region, sizeof(auth.region), c->env->cfg->region);
	str_copy(auth.service, sizeof(auth.service), "s3");
	str_copy(auth.access_key, sizeof(auth.access_key), c->who->access_key);
	str_copy(auth.signed_headers, sizeof(auth.signed_headers), "host");
	auth.presigned = true;
	auth.expires = LAMBDA_CODE_EXPIRES;
	str_fmt(path, sizeof(path), "/%s/%s.zip", LAMBDA_CODE_BUCKET, blob);
	str_fmt(cred, sizeof(cred), "%s/%s/%s/s3/aws4_request", c->who->access_key, auth.date,
		auth.region);
	buf_init(&ecred, 1024);
	uri_encode(&ecred, cred, strlen(cred), false);
	str_fmt(expires, sizeof(expires), "%d", LAMBDA_CODE_EXPIRES);
	q[0] = (struct sigv4_kv){ "X-Amz-Algorithm", "AWS4-HMAC-SHA256" };
	q[1] = (struct sigv4_kv){ "X-Amz-Credential", buf_str(&ecred) };
	q[2] = (struct sigv4_kv){ "X-Amz-Date", amz };
	q[3] = (struct sigv4_kv){ "X-Amz-Expires", expires };
	q[4] = (struct sigv4_kv){ "X-Amz-SignedHeaders", "host" };
	struct sigv4_request sr = {
		.method = "GET",
		.path = path,
		.query = q,
		.nquery = 5,
		.headers = hdr,
		.nheaders = 1,
		.payload_hash = "UNSIGNED-PAYLOAD",
		.s3 = true,
	};

	sigv4_signing_key(a.key.secret, auth.date, auth.region, "s3", key);
	r = sigv4_signature(&sr, &auth, key, sig, NULL, c->err);
	if (r == 0 &&
	    str_fmt(out, outsize,
		    "http://%s%s?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=%s&X-Amz-Date=%s"
		    "&X-Amz-Expires=%s&X-Amz-SignedHeaders=host&X-Amz-Signature=%s",
		    host, path, buf_str(&ecred), amz, expires, sig))
		r = err_set(c->err, SW_E_LAMBDA_Service, "the code location is too long");
	buf_release(&ecred);
	memset(key, 0, sizeof(key));
	memset(&a.key, 0, sizeof(a.key));
	return r;
}
