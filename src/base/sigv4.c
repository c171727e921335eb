/* sigv4: canonical requests, string-to-sign and signatures for AWS Signature Version 4. */
#include "sigv4.h"
#include "hash.h" /* portable digests: signing must not need libcrypto (slipway-agent) */
#include "str.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int uri_encode(struct buf *out, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	for (size_t i = 0; i < n && !r; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
		    (keep_slash && c == '/')) {
			r = buf_addc(out, (char)c);
		} else {
			char esc[3] = { '%', hex[c >> 4], hex[c & 15] };

			r = buf_add(out, esc, 3);
		}
	}
	return r;
}

int uri_decode(struct buf *out, const char *s, size_t n)
{
	int r = 0;

	for (size_t i = 0; i < n && !r; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -SW_E_INVALID;
			hi = hex_digit(s[i + 1]);
			lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -SW_E_INVALID;
			r = buf_addc(out, (char)(hi << 4 | lo));
			i += 2;
		} else {
			r = buf_addc(out, s[i]);
		}
	}
	return r;
}

int sigv4_parse_amz_date(const char *s, time_t *out)
{
	struct tm tm = { 0 };

	if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -SW_E_INVALID;
	for (int i = 0; i < 15; i++)
		if (i != 8 && !isdigit((unsigned char)s[i]))
			return -SW_E_INVALID;
	tm.tm_year =
	    (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[4] - '0') * 10 + (s[5] - '0') - 1;
	tm.tm_mday = (s[6] - '0') * 10 + (s[7] - '0');
	tm.tm_hour = (s[9] - '0') * 10 + (s[10] - '0');
	tm.tm_min = (s[11] - '0') * 10 + (s[12] - '0');
	tm.tm_sec = (s[13] - '0') * 10 + (s[14] - '0');
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -SW_E_INVALID;
	*out = timegm(&tm);
	return 0;
}

void sigv4_format_amz_date(time_t t, char out[17])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* Parses "AKID/20240101/us-east-1/service/aws4_request" into a. */
static int sigv4__credential(const char *cred, size_t n, struct sigv4_auth *a, struct err *e)
{
	const char *parts[5];
	size_t lens[5];
	const char *p = cred, *end = cred + n;
	int k = 0;

	while (k < 5) {
		const char *slash = memchr(p, '/', (size_t)(end - p));

		parts[k] = p;
		if (!slash || k == 4) {
			lens[k++] = (size_t)(end - p);
			break;
		}
		lens[k++] = (size_t)(slash - p);
		p = slash + 1;
	}
	if (k != 5 || lens[4] != 12 || memcmp(parts[4], "aws4_request", 12) != 0 || !lens[0])
		return err_set(e, SW_E_IncompleteSignature,
			       "Credential should be scoped to a valid region and service, in the "
			       "form ACCESS_KEY/YYYYMMDD/REGION/SERVICE/aws4_request.");
	if (lens[1] != 8 || str_copyn(a->access_key, sizeof(a->access_key), parts[0], lens[0]) ||
	    str_copyn(a->date, sizeof(a->date), parts[1], lens[1]) ||
	    str_copyn(a->region, sizeof(a->region), parts[2], lens[2]) ||
	    str_copyn(a->service, sizeof(a->service), parts[3], lens[3]))
		return err_set(e, SW_E_IncompleteSignature, "malformed credential scope");
	return 0;
}

int sigv4_parse_header(const char *h, struct sigv4_auth *a, struct err *e)
{
	static const char algo[] = "AWS4-HMAC-SHA256";
	bool have_cred = false, have_sh = false, have_sig = false;
	const char *p;

	memset(a, 0, sizeof(*a));
	if (strncmp(h, algo, sizeof(algo) - 1) != 0 || !isspace((unsigned char)h[sizeof(algo) - 1]))
		return err_set(e, SW_E_IncompleteSignature,
			       "Authorization header requires the AWS4-HMAC-SHA256 algorithm");
	p = h + sizeof(algo) - 1;
	while (*p) {
		const char *key, *val, *end;
		size_t klen, vlen;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		key = p;
		while (*p && *p != '=')
			p++;
		if (*p != '=')
			return err_set(e, SW_E_IncompleteSignature,
				       "Authorization header is malformed: '%s'", key);
		klen = (size_t)(p - key);
		val = ++p;
		end = strchr(val, ',');
		if (!end)
			end = val + strlen(val);
		vlen = (size_t)(end - val);
		while (vlen && isspace((unsigned char)val[vlen - 1]))
			vlen--;
		if (klen == 10 && !memcmp(key, "Credential", 10)) {
			int r = sigv4__credential(val, vlen, a, e);

			if (r)
				return r;
			have_cred = true;
		} else if (klen == 13 && !memcmp(key, "SignedHeaders", 13)) {
			if (str_copyn(a->signed_headers, sizeof(a->signed_headers), val, vlen))
				return err_set(e, SW_E_IncompleteSignature,
					       "SignedHeaders is too long");
			have_sh = true;
		} else if (klen == 9 && !memcmp(key, "Signature", 9)) {
			if (vlen != 64 || str_copyn(a->signature, sizeof(a->signature), val, vlen))
				return err_set(e, SW_E_IncompleteSignature,
					       "Signature must be 64 hex characters");
			have_sig = true;
		}
		p = end;
	}
	if (!have_cred || !have_sh || !have_sig)
		return err_set(e, SW_E_IncompleteSignature,
			       "Authorization header requires 'Credential', 'SignedHeaders' and "
			       "'Signature' parameters");
	return 0;
}

static const char *sigv4__query_get(const struct sigv4_kv *q, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(q[i].name, name) == 0)
			return q[i].value ? q[i].value : "";
	return NULL;
}

int sigv4_parse_query(const struct sigv4_kv *q, size_t n, struct sigv4_auth *a, struct err *e)
{
	const char *algo = sigv4__query_get(q, n, "X-Amz-Algorithm");
	const char *cred = sigv4__query_get(q, n, "X-Amz-Credential");
	const char *date = sigv4__query_get(q, n, "X-Amz-Date");
	const char *exp = sigv4__query_get(q, n, "X-Amz-Expires");
	const char *sh = sigv4__query_get(q, n, "X-Amz-SignedHeaders");
	const char *sig = sigv4__query_get(q, n, "X-Amz-Signature");
	struct buf tmp = BUF_INIT(4096);
	int r;

	memset(a, 0, sizeof(*a));
	if (!algo && !cred && !sig)
		return 1;
	if (!algo || !cred || !date || !sh || !sig)
		return err_set(e, SW_E_IncompleteSignature,
			       "presigned request requires X-Amz-Algorithm, X-Amz-Credential, "
			       "X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Signature");
	if (strcmp(algo, "AWS4-HMAC-SHA256") != 0)
		return err_set(e, SW_E_IncompleteSignature,
			       "X-Amz-Algorithm only supports 'AWS4-HMAC-SHA256'");
	r = uri_decode(&tmp, cred, strlen(cred));
	if (!r && memchr(buf_str(&tmp), '\0', tmp.len))
		r = -SW_E_INVALID; /* a NUL would shorten the access key id */
	if (!r)
		r = sigv4__credential(tmp.p ? tmp.p : "", tmp.len, a, e);
	if (r) {
		buf_release(&tmp);
		/* sigv4__credential set e; a bad escape did not (and e may hold an older code) */
		return r == -SW_E_IncompleteSignature
			   ? r
			   : err_set(e, SW_E_IncompleteSignature, "malformed X-Amz-Credential");
	}
	buf_reset(&tmp);
	if (uri_decode(&tmp, sh, strlen(sh)) ||
	    str_copy(a->signed_headers, sizeof(a->signed_headers), buf_str(&tmp)) ||
	    str_copy(a->amz_date, sizeof(a->amz_date), date) || strlen(sig) != 64 ||
	    str_copy(a->signature, sizeof(a->signature), sig)) {
		buf_release(&tmp);
		return err_set(e, SW_E_IncompleteSignature, "malformed presigned query");
	}
	buf_release(&tmp);
	a->presigned = true;
	a->expires = 604800;
	if (exp && str_to_i64(exp, 1, 604800, &a->expires))
		return err_set(
		    e, SW_E_IncompleteSignature,
		    "X-Amz-Expires must be less than a week (in seconds) that is 604800");
	return 0;
}

void sigv4_signing_key(const char *secret, const char *date, const char *region,
		       const char *service, uint8_t key[SHA256_LEN])
{
	char k0[256];
	uint8_t k1[SHA256_LEN], k2[SHA256_LEN], k3[SHA256_LEN];

	str_fmt(k0, sizeof(k0), "AWS4%s", secret);
	hash_hmac_sha256(k0, strlen(k0), date, strlen(date), k1);
	hash_hmac_sha256(k1, SHA256_LEN, region, strlen(region), k2);
	hash_hmac_sha256(k2, SHA256_LEN, service, strlen(service), k3);
	hash_hmac_sha256(k3, SHA256_LEN, "aws4_request", 12, key);
}

struct sigv4__pair {
	char *name;
	char *value;
};

static int sigv4__pair_cmp(const void *a, const void *b)
{
	const struct sigv4__pair *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* Decodes then strictly re-encodes s into a freshly allocated string. */
static char *sigv4__reencode(const char *s)
{
	struct buf dec = BUF_INIT(1 << 16), enc = BUF_INIT(3 << 16);
	char *out = NULL;

	if (!uri_decode(&dec, s, strlen(s)) && !uri_encode(&enc, buf_str(&dec), dec.len, false))
		out = buf_detach(&enc);
	buf_release(&dec);
	buf_release(&enc);
	return out;
}

static int sigv4__canonical_query(struct buf *out, const struct sigv4_request *r)
{
	struct sigv4__pair *pairs;
	size_t n = 0;
	int rc = 0;

	if (!r->nquery)
		return 0;
	pairs = calloc(r->nquery, sizeof(*pairs));
	if (!pairs)
		return -SW_E_NOMEM;
	for (size_t i = 0; i < r->nquery; i++) {
		if (strcmp(r->query[i].name, "X-Amz-Signature") == 0)
			continue;
		pairs[n].name = sigv4__reencode(r->query[i].name);
		pairs[n].value = sigv4__reencode(r->query[i].value ? r->query[i].value : "");
		if (!pairs[n].name || !pairs[n].value) {
			free(pairs[n].name);
			free(pairs[n].value);
			rc = -SW_E_INVALID;
			break;
		}
		n++;
	}
	if (!rc) {
		qsort(pairs, n, sizeof(*pairs), sigv4__pair_cmp);
		for (size_t i = 0; i < n && !rc; i++)
			rc = buf_addf(out, "%s%s=%s", i ? "&" : "", pairs[i].name, pairs[i].value);
	}
	for (size_t i = 0; i < n; i++) {
		free(pairs[i].name);
		free(pairs[i].value);
	}
	free(pairs);
	return rc;
}

/* Appends the header's value, trimmed with inner runs of spaces collapsed; several headers
 * with the same name are joined with ','. Returns 1 when no header has that name. */
static int sigv4__header_value(struct buf *out, const struct sigv4_request *r, const char *name,
			       size_t nlen)
{
	bool found = false;

	for (size_t i = 0; i < r->nheaders; i++) {
		const char *v = r->headers[i].value ? r->headers[i].value : "";
		bool space = false;

		if (strlen(r->headers[i].name) != nlen ||
		    strncasecmp(r->headers[i].name, name, nlen) != 0)
			continue;
		if (found && buf_addc(out, ','))
			return -SW_E_TOO_LARGE;
		found = true;
		while (*v == ' ' || *v == '\t')
			v++;
		for (; *v; v++) {
			if (*v == ' ' || *v == '\t') {
				space = true;
				continue;
			}
			if (space && buf_addc(out, ' '))
				return -SW_E_TOO_LARGE;
			space = false;
			if (buf_addc(out, *v))
				return -SW_E_TOO_LARGE;
		}
	}
	return found ? 0 : 1;
}

static int sigv4__canonical(struct buf *c, const struct sigv4_request *r,
			    const struct sigv4_auth *a, struct err *e)
{
	struct buf path = BUF_INIT(1 << 16), once = BUF_INIT(3 << 16);
	const char *sh, *p;
	int rc;

	/* Canonical URI: the path encoded once (S3) or twice (everyone else). */
	rc = uri_decode(&path, r->path, strlen(r->path));
	if (!rc)
		rc = uri_encode(&once, buf_str(&path), path.len, true);
	if (!rc && !r->s3) {
		buf_reset(&path);
		rc = uri_encode(&path, buf_str(&once), once.len, true);
		if (!rc)
			rc = buf_addf(c, "%s\n%s\n", r->method, path.len ? buf_str(&path) : "/");
	} else if (!rc) {
		rc = buf_addf(c, "%s\n%s\n", r->method, once.len ? buf_str(&once) : "/");
	}
	buf_release(&path);
	buf_release(&once);
	if (rc)
		return err_set(e, SW_E_IncompleteSignature, "request path cannot be canonicalised");
	rc = sigv4__canonical_query(c, r);
	if (rc || buf_addc(c, '\n'))
		return err_set(e, SW_E_IncompleteSignature, "query string cannot be canonicalised");
	sh = a->signed_headers;
	for (p = sh; *p;) {
		const char *semi = strchr(p, ';');
		size_t len = semi ? (size_t)(semi - p) : strlen(p);

		if (!len)
			return err_set(e, SW_E_IncompleteSignature, "empty name in SignedHeaders");
		if (buf_add(c, p, len) || buf_addc(c, ':'))
			return err_set(e, SW_E_TOO_LARGE, NULL);
		rc = sigv4__header_value(c, r, p, len);
		if (rc == 1)
			return err_set(e, SW_E_SignatureDoesNotMatch,
				       "the signed header '%.*s' is not in the request", (int)len,
				       p);
		if (rc || buf_addc(c, '\n'))
			return err_set(e, SW_E_TOO_LARGE, NULL);
		p += len;
		if (*p == ';')
			p++;
	}
	if (buf_addf(c, "\n%s\n%s", sh, r->payload_hash))
		return err_set(e, SW_E_TOO_LARGE, NULL);
	return 0;
}

static void sigv4__finish(const uint8_t key[SHA256_LEN], const char *amz_date, const char *scope,
			  const struct buf *canonical, char out[65])
{
	uint8_t h[SHA256_LEN], mac[SHA256_LEN];
	char hexh[65], sts[512];

	hash_sha256(canonical->p, canonical->len, h);
	hash_hex(h, SHA256_LEN, hexh);
	str_fmt(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s\n%s", amz_date, scope, hexh);
	hash_hmac_sha256(key, SHA256_LEN, sts, strlen(sts), mac);
	hash_hex(mac, SHA256_LEN, out);
}

int sigv4_signature(const struct sigv4_request *r, const struct sigv4_auth *a,
		    const uint8_t key[SHA256_LEN], char out[65], struct buf *canonical,
		    struct err *e)
{
	struct buf c = BUF_INIT(1 << 20);
	char scope[160];
	int rc;

	rc = sigv4__canonical(&c, r, a, e);
	if (!rc) {
		str_fmt(scope, sizeof(scope), "%s/%s/%s/aws4_request", a->date, a->region,
			a->service);
		sigv4__finish(key, a->amz_date, scope, &c, out);
		if (canonical)
			buf_add(canonical, buf_str(&c), c.len);
	}
	buf_release(&c);
	return rc;
}

void sigv4_chunk_signature(const uint8_t key[SHA256_LEN], const struct sigv4_auth *a,
			   const char *prev, const char *data_hash_hex, bool trailer, char out[65])
{
	static const char empty[] =
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	uint8_t mac[SHA256_LEN];
	char sts[640];

	if (trailer)
		str_fmt(sts, sizeof(sts),
			"AWS4-HMAC-SHA256-TRAILER\n%s\n%s/%s/%s/aws4_request\n%s\n%s", a->amz_date,
			a->date, a->region, a->service, prev, data_hash_hex);
	else
		str_fmt(sts, sizeof(sts),
			"AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s/%s/%s/aws4_request\n%s\n%s\n%s",
			a->amz_date, a->date, a->region, a->service, prev, empty, data_hash_hex);
	hash_hmac_sha256(key, SHA256_LEN, sts, strlen(sts), mac);
	hash_hex(mac, SHA256_LEN, out);
}

static int sigv4__name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sigv4_sign(const struct sigv4_request *r, const char *access_key, const char *secret,
	       const char *region, const char *service, const char amz_date[17], struct buf *out)
{
	struct sigv4_auth a = { 0 };
	uint8_t key[SHA256_LEN];
	char *names[64], sig[65];
	size_t n = 0, len = 0;
	int rc;

	/* Sign every header given, lower-cased and sorted. */
	for (size_t i = 0; i < r->nheaders && n < 64; i++) {
		names[n] = str_dup(r->headers[i].name);
		if (!names[n])
			goto nomem;
		for (char *p = names[n]; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		n++;
	}
	qsort(names, n, sizeof(*names), sigv4__name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if (str_fmt(a.signed_headers + len, sizeof(a.signed_headers) - len, "%s%s",
			    len ? ";" : "", names[i]))
			goto nomem;
		len = strlen(a.signed_headers);
	}
	str_copy(a.access_key, sizeof(a.access_key), access_key);
	str_copyn(a.date, sizeof(a.date), amz_date, 8);
	str_copy(a.region, sizeof(a.region), region);
	str_copy(a.service, sizeof(a.service), service);
	str_copy(a.amz_date, sizeof(a.amz_date), amz_date);
	sigv4_signing_key(secret, a.date, region, service, key);
	rc = sigv4_signature(r, &a, key, sig, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	if (rc)
		return rc;
	return buf_addf(out,
			"AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, SignedHeaders=%s, "
			"Signature=%s",
			access_key, a.date, region, service, a.signed_headers, sig);
nomem:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return -SW_E_NOMEM;
}
