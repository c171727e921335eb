/* s3/chunked: the aws-chunked decoder — a byte-driven state machine, so that a body split at
 * any point decodes the same. */
#include "chunked.h"
#include "base/crypto.h"
#include "base/str.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

enum {
	CH_HEADER,  /* reading `<hex>[;ext]\r\n` */
	CH_DATA,    /* passing chunk data through */
	CH_DATA_CR, /* the \r after chunk data */
	CH_DATA_LF, /* the \n after chunk data */
	CH_TRAILER, /* after the final chunk: trailer lines until an empty one */
	CH_DONE,
	CH_FAILED,
};

static const char s3_chunked__empty_sha[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

void s3_chunked_init(struct s3_chunked *c, s3_chunked_data_fn data, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->data = data;
	c->arg = arg;
	c->state = CH_HEADER;
	c->limit = UINT64_MAX;
	c->trailer_allowed = true;
}

void s3_chunked_verify(struct s3_chunked *c, const uint8_t key[SHA256_LEN],
		       const struct sigv4_auth *a, const char *seed_signature, bool trailer_allowed)
{
	c->verify = true;
	c->trailer_allowed = trailer_allowed;
	memcpy(c->key, key, SHA256_LEN);
	c->auth = *a;
	str_copy(c->prev_sig, sizeof(c->prev_sig), seed_signature);
}

void s3_chunked_release(struct s3_chunked *c)
{
	digest_free(c->sha);
	c->sha = NULL;
	explicit_bzero(c->key, sizeof(c->key));
}

static int s3_chunked__fail(struct s3_chunked *c, struct err *e, int code, const char *what)
{
	c->state = CH_FAILED;
	if (code == SW_E_SignatureDoesNotMatch)
		return err_set(e, code,
			       "The request signature we calculated does not match the signature "
			       "you provided (%s).",
			       what);
	return err_set(e, code, "malformed aws-chunked body: %s", what);
}

/* Checks the signature of the chunk whose data hash is hash_hex and chains it. */
static int s3_chunked__check(struct s3_chunked *c, const char *claimed, const char *hash_hex,
			     bool trailer, struct err *e)
{
	char want[65];

	sigv4_chunk_signature(c->key, &c->auth, c->prev_sig, hash_hex, trailer, want);
	if (strlen(claimed) != 64 || !mem_equal_ct(want, claimed, 64))
		return s3_chunked__fail(c, e, SW_E_SignatureDoesNotMatch,
					trailer ? "trailer signature" : "chunk signature");
	memcpy(c->prev_sig, want, sizeof(want));
	return 0;
}

static int s3_chunked__end_of_data(struct s3_chunked *c, struct err *e)
{
	uint8_t h[SHA256_LEN];
	char hex[65];

	if (!c->verify)
		return 0;
	digest_final(c->sha, h);
	digest_free(c->sha);
	c->sha = NULL;
	hex_encode(h, SHA256_LEN, hex);
	return s3_chunked__check(c, c->chunk_sig, hex, false, e);
}

/* `<hex>[;name=value]*`: the size and the chunk-signature extension. */
static int s3_chunked__header(struct s3_chunked *c, struct err *e)
{
	const char *p = c->line, *end = c->line + c->line_len;
	uint64_t size = 0;
	int digits = 0;

	c->chunk_sig[0] = '\0';
	for (; p < end && isxdigit((unsigned char)*p); p++, digits++) {
		int v = hex_digit(*p);

		if (digits >= 16)
			return s3_chunked__fail(c, e, SW_E_InvalidRequest, "chunk size too large");
		size = size << 4 | (uint64_t)v;
	}
	if (!digits)
		return s3_chunked__fail(c, e, SW_E_InvalidRequest, "chunk size is not hexadecimal");
	while (p < end) {
		const char *semi, *eq;
		size_t n;

		if (*p != ';')
			return s3_chunked__fail(c, e, SW_E_InvalidRequest,
						"unexpected text after the chunk size");
		p++;
		semi = memchr(p, ';', (size_t)(end - p));
		if (!semi)
			semi = end;
		eq = memchr(p, '=', (size_t)(semi - p));
		if (eq && (size_t)(eq - p) == 15 && strncasecmp(p, "chunk-signature", 15) == 0) {
			n = (size_t)(semi - eq - 1);
			if (n != 64)
				return s3_chunked__fail(c, e, SW_E_SignatureDoesNotMatch,
							"chunk signature is not 64 hex digits");
			memcpy(c->chunk_sig, eq + 1, 64);
			c->chunk_sig[64] = '\0';
		}
		p = semi;
	}
	if (c->verify && !c->chunk_sig[0])
		return s3_chunked__fail(c, e, SW_E_SignatureDoesNotMatch,
					"a chunk has no chunk-signature");
	if (size > c->limit - c->decoded)
		return s3_chunked__fail(c, e, SW_E_IncompleteBody,
					"more data than x-amz-decoded-content-length declares");
	c->left = size;
	if (size == 0) {
		if (c->verify) {
			int r = s3_chunked__check(c, c->chunk_sig, s3_chunked__empty_sha, false, e);

			if (r)
				return r;
		}
		c->state = CH_TRAILER;
		return 0;
	}
	if (c->verify) {
		c->sha = digest_new(DIGEST_SHA256);
		if (!c->sha)
			return s3_chunked__fail(c, e, SW_E_NOMEM, "out of memory");
	}
	c->state = CH_DATA;
	return 0;
}

/* The empty line after the trailers: checks the trailer signature when there must be one. */
static int s3_chunked__trailers_done(struct s3_chunked *c, struct err *e)
{
	if (c->verify && c->ntrailers) {
		const char *sig = NULL;
		struct digest *d = digest_new(DIGEST_SHA256);
		uint8_t h[SHA256_LEN];
		char hex[65];
		int r;

		if (!d)
			return s3_chunked__fail(c, e, SW_E_NOMEM, "out of memory");
		for (size_t i = 0; i < c->ntrailers; i++) {
			const struct s3_chunked_trailer *t = &c->trailers[i];

			if (strcmp(t->name, "x-amz-trailer-signature") == 0) {
				sig = t->value;
				continue;
			}
			digest_update(d, t->name, strlen(t->name));
			digest_update(d, ":", 1);
			digest_update(d, t->value, strlen(t->value));
			digest_update(d, "\n", 1);
		}
		digest_final(d, h);
		digest_free(d);
		if (!sig)
			return s3_chunked__fail(c, e, SW_E_SignatureDoesNotMatch,
						"trailers without x-amz-trailer-signature");
		hex_encode(h, SHA256_LEN, hex);
		r = s3_chunked__check(c, sig, hex, true, e);
		if (r)
			return r;
	}
	c->state = CH_DONE;
	return 0;
}

static int s3_chunked__trailer_line(struct s3_chunked *c, struct err *e)
{
	struct s3_chunked_trailer *t;
	const char *colon, *v, *end = c->line + c->line_len;
	size_t nlen;

	if (c->line_len == 0)
		return s3_chunked__trailers_done(c, e);
	if (!c->trailer_allowed)
		return s3_chunked__fail(c, e, SW_E_InvalidRequest,
					"trailing headers after the final chunk of a request that "
					"declared none");
	if (c->ntrailers >= S3_CHUNKED_TRAILERS_MAX)
		return s3_chunked__fail(c, e, SW_E_InvalidRequest, "too many trailing headers");
	colon = memchr(c->line, ':', c->line_len);
	if (!colon || colon == c->line)
		return s3_chunked__fail(c, e, SW_E_InvalidRequest, "a trailer line has no name");
	nlen = (size_t)(colon - c->line);
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	t = &c->trailers[c->ntrailers];
	if (nlen >= sizeof(t->name) || (size_t)(end - v) >= sizeof(t->value))
		return s3_chunked__fail(c, e, SW_E_InvalidRequest, "a trailer is too long");
	for (size_t i = 0; i < nlen; i++)
		t->name[i] = (char)tolower((unsigned char)c->line[i]);
	t->name[nlen] = '\0';
	memcpy(t->value, v, (size_t)(end - v));
	t->value[end - v] = '\0';
	if (c->verify && c->ntrailers &&
	    strcmp(c->trailers[c->ntrailers - 1].name, "x-amz-trailer-signature") == 0)
		return s3_chunked__fail(c, e, SW_E_InvalidRequest,
					"x-amz-trailer-signature must be the last trailer");
	c->ntrailers++;
	return 0;
}

/* Accumulates one line (without its \r\n) of a header or trailer; 1 when complete. */
static int s3_chunked__line(struct s3_chunked *c, const char **p, const char *end, struct err *e)
{
	while (*p < end) {
		char ch = *(*p)++;

		if (ch == '\n') {
			if (c->line_len && c->line[c->line_len - 1] == '\r')
				c->line_len--;
			return 1;
		}
		if (c->line_len >= sizeof(c->line) - 1)
			return s3_chunked__fail(c, e, SW_E_InvalidRequest, "line too long");
		c->line[c->line_len++] = ch;
	}
	return 0;
}

int s3_chunked_feed(struct s3_chunked *c, const void *data, size_t n, struct err *e)
{
	const char *p = data, *end = p + n;
	int r;

	while (p < end) {
		switch (c->state) {
		case CH_HEADER:
		case CH_TRAILER:
			r = s3_chunked__line(c, &p, end, e);
			if (r <= 0)
				return r;
			r = c->state == CH_HEADER ? s3_chunked__header(c, e)
						  : s3_chunked__trailer_line(c, e);
			c->line_len = 0;
			if (r)
				return r;
			break;
		case CH_DATA: {
			size_t k =
			    (size_t)(end - p) < c->left ? (size_t)(end - p) : (size_t)c->left;

			if (c->sha)
				digest_update(c->sha, p, k);
			r = c->data ? c->data(c->arg, p, k, e) : 0;
			if (r < 0) {
				c->state = CH_FAILED;
				return r;
			}
			p += k;
			c->left -= k;
			c->decoded += k;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (*p == '\n') { /* tolerate a bare \n */
				p++;
				c->state = CH_HEADER;
				r = s3_chunked__end_of_data(c, e);
				if (r)
					return r;
				break;
			}
			if (*p++ != '\r')
				return s3_chunked__fail(c, e, SW_E_InvalidRequest,
							"chunk data is longer than its size");
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (*p++ != '\n')
				return s3_chunked__fail(c, e, SW_E_InvalidRequest,
							"chunk data is not followed by CRLF");
			c->state = CH_HEADER;
			r = s3_chunked__end_of_data(c, e);
			if (r)
				return r;
			break;
		case CH_DONE:
			return s3_chunked__fail(c, e, SW_E_InvalidRequest,
						"data after the end of the body");
		default:
			return err_set(e, SW_E_InvalidRequest, "malformed aws-chunked body");
		}
	}
	return 0;
}

int s3_chunked_finish(struct s3_chunked *c, struct err *e)
{
	if (c->state == CH_DONE)
		return 0;
	/* Some clients end the body right after `0\r\n` when there is nothing to trail. */
	if (c->state == CH_TRAILER && c->line_len == 0 && c->ntrailers == 0)
		return s3_chunked__trailers_done(c, e);
	if (c->state == CH_FAILED)
		return err_set(e, SW_E_InvalidRequest, "malformed aws-chunked body");
	c->state = CH_FAILED;
	return err_set(e, SW_E_IncompleteBody,
		       "the aws-chunked body ended before its final chunk (%llu bytes decoded)",
		       (unsigned long long)c->decoded);
}

const char *s3_chunked_trailer(const struct s3_chunked *c, const char *name)
{
	for (size_t i = 0; i < c->ntrailers; i++)
		if (strcasecmp(c->trailers[i].name, name) == 0)
			return c->trailers[i].value;
	return NULL;
}
