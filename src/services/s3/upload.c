/* s3/upload: the body sink of PutObject and UploadPart — decodes aws-chunked when present,
 * streams the content into a blob (never wholly in memory), and checks every digest the client
 * declared: the payload SHA-256, chunk and trailer signatures, Content-MD5 and the flexible
 * checksum from a header or a trailer. */
#include "chunked.h"
#include "s3_int.h"
#include "base/crypto.h"
#include "base/log.h"
#include "base/str.h"
#include "blob/blob.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct s3_upload {
	struct body_sink sink; /* first: the sink pointer is the upload's */
	struct http_req *req;
	struct blob_writer *w;
	struct digest *md5;
	struct digest *raw_sha; /* a declared hex SHA-256 over an aws-chunked body */
	struct s3_ck ck;
	struct s3_chunked *dec; /* NULL when the body is not aws-chunked */
	char declared_sha[65];	/* "" unless x-amz-content-sha256 is a hash */
	uint64_t expect;	/* decoded length the client declared, or UINT64_MAX */
	uint64_t got;
	bool have_md5;
	uint8_t want_md5[MD5_LEN];
	enum { CK_NONE, CK_COMPUTE, CK_HEADER, CK_TRAILER } ck_source;
	uint8_t ck_want[S3_CK_RAW_MAX];
	struct s3_upload_result res;
	bool finished;
};

/* Every decoded byte: counted, digested, written. */
static int s3_upload__data(void *arg, const void *p, size_t n, struct err *e)
{
	struct s3_upload *u = arg;

	if (n > S3_PUT_MAX - u->got)
		return err_set(e, SW_E_EntityTooLarge,
			       "Your proposed upload exceeds the maximum allowed size (5 GiB)");
	if (u->expect != UINT64_MAX && n > u->expect - u->got)
		return err_set(e, SW_E_IncompleteBody,
			       "The body is longer than the declared length of %llu bytes",
			       (unsigned long long)u->expect);
	u->got += n;
	digest_update(u->md5, p, n);
	s3_ck_update(&u->ck, p, n);
	return blob_writer_write(u->w, p, n, e);
}

static int s3_upload__write(struct body_sink *s, const void *data, size_t n, struct err *e)
{
	struct s3_upload *u = (struct s3_upload *)s;

	if (u->raw_sha)
		digest_update(u->raw_sha, data, n);
	if (u->dec)
		return s3_chunked_feed(u->dec, data, n, e);
	return s3_upload__data(u, data, n, e);
}

static int s3_upload__checksum(struct s3_upload *u, struct err *e)
{
	struct s3_upload_result *res = &u->res;
	const char *header = s3_ck_header(res->ck_alg);

	if (u->ck_source == CK_NONE)
		return 0;
	res->ck_len = s3_ck_final(&u->ck, res->ck_raw);
	s3_ck_encode(res->ck_raw, res->ck_len, res->ck_b64);
	if (u->ck_source == CK_TRAILER) {
		const char *v = s3_chunked_trailer(u->dec, header);

		if (!v)
			return err_set(e, SW_E_InvalidRequest,
				       "The x-amz-trailer header declared %s but the body has no "
				       "such trailer",
				       header);
		if (s3_ck_decode(res->ck_alg, v, u->ck_want))
			return err_set(e, SW_E_InvalidRequest,
				       "Value for %s trailing header is invalid.", header);
	}
	if (u->ck_source != CK_COMPUTE && memcmp(u->ck_want, res->ck_raw, res->ck_len) != 0)
		return err_set(e, SW_E_BadDigest,
			       "The %s you specified did not match the calculated checksum.",
			       s3_ck_name(res->ck_alg));
	return 0;
}

static int s3_upload__finish(struct body_sink *s, struct err *e)
{
	struct s3_upload *u = (struct s3_upload *)s;
	struct s3_upload_result *res = &u->res;
	int r;

	if (u->dec) {
		r = s3_chunked_finish(u->dec, e);
		if (r)
			return r;
	}
	if (u->expect != UINT64_MAX && u->got != u->expect)
		return err_set(e, SW_E_IncompleteBody,
			       "You did not provide the number of bytes specified by the %s header "
			       "(%llu of %llu)",
			       u->dec ? "x-amz-decoded-content-length" : "Content-Length",
			       (unsigned long long)u->got, (unsigned long long)u->expect);
	r = blob_writer_finish(u->w, res->blob, &res->size, e);
	if (r)
		return r;
	if (u->declared_sha[0]) {
		char hex[65];

		if (u->raw_sha) {
			uint8_t h[SHA256_LEN];

			digest_final(u->raw_sha, h);
			hex_encode(h, SHA256_LEN, hex);
		} else {
			memcpy(hex, res->blob, sizeof(hex));
		}
		if (strcasecmp(hex, u->declared_sha) != 0)
			return err_set(e, SW_E_XAmzContentSHA256Mismatch,
				       "The provided 'x-amz-content-sha256' header does not match "
				       "what was computed.");
	}
	digest_final(u->md5, res->md5);
	hex_encode(res->md5, MD5_LEN, res->md5_hex);
	if (u->have_md5 && memcmp(u->want_md5, res->md5, MD5_LEN) != 0)
		return err_set(e, SW_E_BadDigest,
			       "The Content-MD5 you specified did not match what we received.");
	r = s3_upload__checksum(u, e);
	if (r)
		return r;
	u->finished = true;
	return 0;
}

static void s3_upload__free(struct body_sink *s)
{
	struct s3_upload *u = (struct s3_upload *)s;

	blob_writer_free(u->w);
	digest_free(u->md5);
	digest_free(u->raw_sha);
	s3_ck_release(&u->ck);
	if (u->dec) {
		s3_chunked_release(u->dec);
		free(u->dec);
	}
	free(u);
}

const struct s3_upload_result *s3_upload_result(const struct s3_upload *u)
{
	return &u->res;
}

struct blob_writer *s3_upload_writer(struct s3_upload *u)
{
	return u->finished ? u->w : NULL;
}

/* ---- header validation ---- */

/* Whether a comma-separated Content-Encoding lists aws-chunked. */
static bool s3_upload__aws_chunked(const char *ce)
{
	while (ce && *ce) {
		size_t n;

		while (*ce == ' ' || *ce == ',')
			ce++;
		n = strcspn(ce, ", ");
		if (n == 11 && strncasecmp(ce, "aws-chunked", 11) == 0)
			return true;
		ce += n;
	}
	return false;
}

/* The checksum the client sends: from one x-amz-checksum-* header, or announced in
 * x-amz-trailer, cross-checked with x-amz-sdk-checksum-algorithm. */
static int s3_upload__checksum_headers(struct s3_upload *u, enum s3_ck_alg want, struct err *e)
{
	const struct http_req *req = u->req;
	const char *trailer = http_header(req, "x-amz-trailer");
	const char *sdk = http_header(req, "x-amz-sdk-checksum-algorithm");
	enum s3_ck_alg alg = S3_CK_NONE;
	const char *value = NULL;

	for (int a = S3_CK_CRC32; a <= S3_CK_SHA256; a++) {
		const char *v = http_header(req, s3_ck_header((enum s3_ck_alg)a));

		if (!v)
			continue;
		if (alg != S3_CK_NONE)
			return err_set(
			    e, SW_E_InvalidRequest,
			    "Expecting a single x-amz-checksum- header. Multiple checksum "
			    "Types are not allowed.");
		alg = (enum s3_ck_alg)a;
		value = v;
	}
	if (trailer) {
		enum s3_ck_alg t = s3_ck_from_header(trailer);

		if (t == S3_CK_NONE)
			return err_set(e, SW_E_InvalidRequest,
				       "The value specified in the x-amz-trailer header is not "
				       "supported");
		if (alg != S3_CK_NONE)
			return err_set(
			    e, SW_E_InvalidRequest,
			    "Expecting a single x-amz-checksum- header. Multiple checksum "
			    "Types are not allowed.");
		if (!u->dec)
			return err_set(e, SW_E_InvalidRequest,
				       "x-amz-trailer needs an aws-chunked body");
		if (u->dec->verify && !u->dec->trailer_allowed)
			return err_set(e, SW_E_InvalidRequest,
				       "x-amz-trailer needs x-amz-content-sha256 "
				       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
		alg = t;
		u->ck_source = CK_TRAILER;
	} else if (alg != S3_CK_NONE) {
		if (s3_ck_decode(alg, value, u->ck_want))
			return err_set(e, SW_E_InvalidRequest, "Value for %s header is invalid.",
				       s3_ck_header(alg));
		u->ck_source = CK_HEADER;
	}
	if (sdk) {
		enum s3_ck_alg s = s3_ck_parse_name(sdk);

		if (s == S3_CK_NONE)
			return err_set(e, SW_E_InvalidRequest,
				       "Value for x-amz-sdk-checksum-algorithm header is invalid.");
		if (alg == S3_CK_NONE)
			return err_set(
			    e, SW_E_InvalidRequest,
			    "x-amz-sdk-checksum-algorithm specified, but no corresponding "
			    "x-amz-checksum-* or x-amz-trailer headers were found.");
		if (s != alg)
			return err_set(e, SW_E_InvalidRequest,
				       "Value for x-amz-sdk-checksum-algorithm header is invalid.");
	}
	if (want != S3_CK_NONE && alg != S3_CK_NONE && alg != want)
		return err_set(
		    e, SW_E_InvalidRequest,
		    "Checksum Type mismatch occurred, expected checksum Type: %s, actual "
		    "checksum Type: %s",
		    s3_ck_name(want), s3_ck_name(alg));
	if (alg == S3_CK_NONE && want != S3_CK_NONE) {
		alg = want;
		u->ck_source = CK_COMPUTE;
	}
	u->res.ck_alg = alg;
	return s3_ck_init(&u->ck, alg) ? err_set(e, SW_E_NOMEM, NULL) : 0;
}

/* x-amz-content-sha256, aws-chunked and the lengths. */
static int s3_upload__encoding(struct s3_upload *u, struct err *e)
{
	struct http_req *req = u->req;
	const char *declared = http_header(req, "x-amz-content-sha256");
	const char *decoded = http_header(req, "x-amz-decoded-content-length");
	bool chunked = s3_upload__aws_chunked(http_header(req, "Content-Encoding"));
	bool sign = false, trailer = false;
	int64_t v;

	if (!declared && !req->auth.presigned)
		return err_set(e, SW_E_InvalidRequest,
			       "Missing required header for this request: x-amz-content-sha256");
	if (!declared || strcmp(declared, SIGV4_UNSIGNED) == 0) {
		/* nothing to check beyond the signature */
	} else if (hex_is_sha256(declared)) {
		str_copy(u->declared_sha, sizeof(u->declared_sha), declared);
	} else if (strcmp(declared, SIGV4_STREAMING_UNSIGNED_TRAILER) == 0) {
		chunked = true;
	} else if (strcmp(declared, SIGV4_STREAMING) == 0) {
		chunked = sign = true;
	} else if (strcmp(declared, SIGV4_STREAMING_TRAILER) == 0) {
		chunked = sign = trailer = true;
	} else if (str_starts(declared, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD")) {
		return err_set(e, SW_E_NotImplemented,
			       "SigV4a streaming uploads are not implemented by slipwayd");
	} else {
		return err_set(e, SW_E_InvalidArgument,
			       "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
			       "STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
			       "STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] or a valid sha256 "
			       "value.");
	}
	if (sign && req->auth.presigned)
		return err_set(e, SW_E_InvalidRequest,
			       "signed aws-chunked bodies cannot be sent with a presigned URL");
	u->expect = req->content_length;
	if (chunked) {
		u->dec = calloc(1, sizeof(*u->dec));
		if (!u->dec)
			return err_set(e, SW_E_NOMEM, NULL);
		s3_chunked_init(u->dec, s3_upload__data, u);
		if (sign)
			s3_chunked_verify(u->dec, req->signing_key, &req->auth, req->auth.signature,
					  trailer);
		u->expect = UINT64_MAX;
		if (decoded) {
			if (str_to_i64(decoded, 0, INT64_MAX, &v))
				return err_set(e, SW_E_InvalidArgument,
					       "x-amz-decoded-content-length is not a number");
			u->expect = (uint64_t)v;
			u->dec->limit = u->expect;
		}
		if (u->declared_sha[0]) {
			u->raw_sha = digest_new(DIGEST_SHA256);
			if (!u->raw_sha)
				return err_set(e, SW_E_NOMEM, NULL);
		}
	}
	if (u->expect != UINT64_MAX && u->expect > S3_PUT_MAX)
		return err_set(e, SW_E_EntityTooLarge,
			       "Your proposed upload exceeds the maximum allowed size (5 GiB)");
	return 0;
}

int s3_upload_begin(struct s3_ctx *c, enum s3_ck_alg want_alg, struct err *e)
{
	struct s3_upload *u = calloc(1, sizeof(*u));
	const char *md5 = http_header(c->req, "Content-MD5");
	int r;

	if (!u)
		return err_set(e, SW_E_NOMEM, NULL);
	u->req = c->req;
	u->sink.write = s3_upload__write;
	u->sink.finish = s3_upload__finish;
	u->sink.free = s3_upload__free;
	r = s3_upload__encoding(u, e);
	if (!r && md5) {
		if (base64_decode(md5, u->want_md5, MD5_LEN) != MD5_LEN)
			r = err_set(e, SW_E_InvalidDigest,
				    "The Content-MD5 you specified was invalid.");
		u->have_md5 = true;
	}
	if (!r)
		r = s3_upload__checksum_headers(u, want_alg, e);
	if (!r) {
		u->md5 = digest_new(DIGEST_MD5);
		if (!u->md5)
			r = err_set(e, SW_E_NOMEM, NULL);
	}
	if (!r)
		r = blob_writer_new(c->env->blob, &u->w, e);
	if (r) {
		s3_upload__free(&u->sink);
		return r;
	}
	c->req->sink = &u->sink;
	c->up = u;
	return 0;
}
