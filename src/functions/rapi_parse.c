/* functions/rapi_parse: the Runtime API's HTTP/1.1 request head and chunked-body parser (pure,
 * no allocation; fuzzed by tests/fuzz/functions/fuzz_rapi_parse.c). */
#include "functions/rapi_parse.h"

#include "base/str.h"

#include <string.h>
#include <strings.h>

static bool rapi__token(const char *p, size_t n, const char *word)
{
	size_t w = strlen(word);
	return n == w && strncasecmp(p, word, w) == 0;
}

static const char *rapi__trim(const char *p, const char *end, size_t *n)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*n = (size_t)(end - p);
	return p;
}

/* Content-Length: digits only, at most FN-scale numbers (< 2^53). */
static int rapi__length(const char *v, size_t n, uint64_t *out)
{
	uint64_t x = 0;
	if (n == 0 || n > 15)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

static int rapi__header(struct rapi_req *r, const char *name, size_t nlen, const char *v,
			size_t vlen, bool *have_len, bool *have_te)
{
	if (rapi__token(name, nlen, "content-length")) {
		uint64_t x;
		if (rapi__length(v, vlen, &x) < 0 || (*have_len && x != r->content_length))
			return -1;
		r->content_length = x;
		*have_len = true;
	} else if (rapi__token(name, nlen, "transfer-encoding")) {
		if (!rapi__token(v, vlen, "chunked"))
			return -1;
		*have_te = true;
	} else if (rapi__token(name, nlen, "expect")) {
		if (rapi__token(v, vlen, "100-continue"))
			r->expect_continue = true;
	} else if (rapi__token(name, nlen, "connection")) {
		if (rapi__token(v, vlen, "close"))
			r->close = true;
		else if (rapi__token(v, vlen, "keep-alive"))
			r->close = false;
	} else if (rapi__token(name, nlen, "lambda-runtime-function-error-type")) {
		if (vlen >= RAPI_ETYPE_MAX)
			vlen = RAPI_ETYPE_MAX - 1;
		memcpy(r->error_type, v, vlen);
		r->error_type[vlen] = '\0';
	}
	return 0;
}

int rapi_parse_head(const char *data, size_t len, struct rapi_req *r)
{
	const char *end = NULL;
	size_t scan = len < RAPI_HEAD_MAX ? len : RAPI_HEAD_MAX;
	/* Tolerate stray CRLFs before a request line (RFC 9112 §2.2). */
	size_t skip = 0;
	while (skip + 1 < scan && data[skip] == '\r' && data[skip + 1] == '\n')
		skip += 2;
	for (size_t i = skip; i + 3 < scan; i++)
		if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' &&
		    data[i + 3] == '\n') {
			end =
			    data + i + 2; /* the headers' last CRLF stays in, the blank line not */
			break;
		}
	if (!end)
		return len >= RAPI_HEAD_MAX ? -1 : 0;
	memset(r, 0, sizeof(*r));
	r->head_len = (size_t)(end - data) + 2;

	const char *p = data + skip;
	const char *eol = memchr(p, '\r', (size_t)(end - p));
	if (!eol || eol[1] != '\n')
		return -1;
	/* The request line: METHOD SP TARGET SP HTTP/1.x */
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (!sp1)
		return -1;
	const char *t = sp1 + 1;
	const char *sp2 = memchr(t, ' ', (size_t)(eol - t));
	if (!sp2 || sp2 == t)
		return -1;
	const char *ver = sp2 + 1;
	size_t vlen = (size_t)(eol - ver);
	if (rapi__token(ver, vlen, "HTTP/1.1"))
		r->close = false;
	else if (rapi__token(ver, vlen, "HTTP/1.0"))
		r->close = true;
	else
		return -1;
	size_t mlen = (size_t)(sp1 - p);
	if (mlen == 3 && memcmp(p, "GET", 3) == 0)
		r->method = RAPI_GET;
	else if (mlen == 4 && memcmp(p, "POST", 4) == 0)
		r->method = RAPI_POST;
	else
		r->method = RAPI_OTHER;
	const char *q = memchr(t, '?', (size_t)(sp2 - t));
	size_t plen = (size_t)((q ? q : sp2) - t);
	if (plen == 0 || plen >= RAPI_PATH_MAX || t[0] != '/')
		return -1;
	for (size_t i = 0; i < plen; i++)
		if ((unsigned char)t[i] <= 0x20 || (unsigned char)t[i] >= 0x7f)
			return -1;
	memcpy(r->path, t, plen);
	r->path[plen] = '\0';

	bool have_len = false, have_te = false;
	int n = 0;
	p = eol + 2;
	while (p < end) {
		eol = memchr(p, '\r', (size_t)(end - p));
		if (!eol || eol[1] != '\n')
			return -1;
		if (++n > RAPI_HEADERS_MAX)
			return -1;
		const char *colon = memchr(p, ':', (size_t)(eol - p));
		if (!colon || colon == p)
			return -1;
		for (const char *c = p; c < colon; c++)
			if (*c == ' ' || *c == '\t' || (unsigned char)*c < 0x21 ||
			    (unsigned char)*c > 0x7e)
				return -1; /* no whitespace before the colon, no obs-fold */
		size_t vl;
		const char *v = rapi__trim(colon + 1, eol, &vl);
		for (size_t i = 0; i < vl; i++)
			if (v[i] == '\0' || v[i] == '\n')
				return -1;
		if (rapi__header(r, p, (size_t)(colon - p), v, vl, &have_len, &have_te) < 0)
			return -1;
		p = eol + 2;
	}
	if (have_te && have_len)
		return -1; /* request smuggling shape: refuse */
	r->framing = have_te ? RAPI_BODY_CHUNKED : have_len ? RAPI_BODY_LENGTH : RAPI_BODY_NONE;
	return 1;
}

enum {
	CH_SIZE,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,
	CH_TRAILER_LINE,
	CH_TRAILER_LF,
	CH_END_LF,
	CH_DONE
};

void rapi_chunked_init(struct rapi_chunked *c)
{
	memset(c, 0, sizeof(*c));
	c->state = CH_SIZE;
}

int rapi_chunked_feed(struct rapi_chunked *c, char *data, size_t len, size_t *used, size_t *out_len)
{
	size_t i = 0, o = 0;
	while (i < len && c->state != CH_DONE) {
		char ch = data[i];
		switch (c->state) {
		case CH_SIZE: {
			int d = hex_digit(ch);
			if (d >= 0) {
				if (++c->digits > 15)
					return -1;
				c->left = c->left * 16 + (uint64_t)d;
				i++;
			} else if (c->digits == 0) {
				return -1;
			} else if (ch == ';' || ch == ' ' || ch == '\t') {
				c->state = CH_EXT;
				i++;
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
				i++;
			} else {
				return -1;
			}
			break;
		}
		case CH_EXT:
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (ch == '\n')
				return -1;
			i++;
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return -1;
			i++;
			c->digits = 0;
			c->state = c->left ? CH_DATA : CH_TRAILER;
			break;
		case CH_DATA: {
			size_t n = len - i;
			if (n > c->left)
				n = (size_t)c->left;
			memmove(data + o, data + i, n);
			o += n;
			i += n;
			c->left -= n;
			if (c->left == 0)
				c->state = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (ch != '\r')
				return -1;
			i++;
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return -1;
			i++;
			c->state = CH_SIZE;
			break;
		case CH_TRAILER: /* at the start of a trailer line */
			i++;
			c->state = ch == '\r' ? CH_END_LF : CH_TRAILER_LINE;
			break;
		case CH_TRAILER_LINE:
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			i++;
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				return -1;
			i++;
			c->state = CH_TRAILER;
			break;
		case CH_END_LF:
			if (ch != '\n')
				return -1;
			i++;
			c->state = CH_DONE;
			break;
		default:
			return -1;
		}
	}
	*used = i;
	*out_len = o;
	return c->state == CH_DONE ? 1 : 0;
}

#define RAPI_PREFIX "/2018-06-01/runtime/"

enum rapi_route rapi_route(const struct rapi_req *r, char id[64])
{
	id[0] = '\0';
	if (!str_starts(r->path, RAPI_PREFIX))
		return RAPI_R_UNKNOWN;
	const char *p = r->path + strlen(RAPI_PREFIX);
	if (strcmp(p, "invocation/next") == 0)
		return r->method == RAPI_GET ? RAPI_R_NEXT : RAPI_R_UNKNOWN;
	if (strcmp(p, "init/error") == 0)
		return r->method == RAPI_POST ? RAPI_R_INIT_ERROR : RAPI_R_UNKNOWN;
	if (!str_starts(p, "invocation/") || r->method != RAPI_POST)
		return RAPI_R_UNKNOWN;
	p += strlen("invocation/");
	const char *slash = strchr(p, '/');
	if (!slash || slash == p || (size_t)(slash - p) > 63)
		return RAPI_R_UNKNOWN;
	enum rapi_route rt;
	if (strcmp(slash, "/response") == 0)
		rt = RAPI_R_RESPONSE;
	else if (strcmp(slash, "/error") == 0)
		rt = RAPI_R_ERROR;
	else
		return RAPI_R_UNKNOWN;
	memcpy(id, p, (size_t)(slash - p));
	id[slash - p] = '\0';
	return rt;
}
