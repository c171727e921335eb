/* fuzz_sigv4_header: the Authorization header and the canonical request built from it —
 * sigv4_parse_header, then sigv4_signature over random headers, path and query, then the
 * client side (sigv4_sign) on the same request.
 *
 * Input: line 1 the Authorization header, line 2 the raw path, line 3 the raw query string,
 * further lines "name:value" headers; the first byte's low bit selects S3 path encoding. */
#include "base/err.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_KV 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Splits text (modified in place) at the next '\n'; returns the line or NULL at the end. */
static char *fuzz__line(char **cursor)
{
	char *s = *cursor, *nl;

	if (!s)
		return NULL;
	nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = NULL;
	}
	return s;
}

/* Splits a raw query on '&' and '=' as the HTTP front does (values stay encoded). */
static size_t fuzz__query(char *q, struct sigv4_kv *kv, size_t max)
{
	size_t n = 0;

	while (q && *q && n < max) {
		char *amp = strchr(q, '&'), *eq;

		if (amp)
			*amp = '\0';
		eq = strchr(q, '=');
		if (eq)
			*eq = '\0';
		kv[n].name = q;
		kv[n].value = eq ? eq + 1 : NULL;
		n++;
		q = amp ? amp + 1 : NULL;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigv4_kv query[FUZZ_MAX_KV], headers[FUZZ_MAX_KV];
	struct sigv4_request r = { 0 };
	struct sigv4_auth a;
	struct buf canonical = BUF_INIT(1 << 20), out = BUF_INIT(1 << 16);
	uint8_t key[SHA256_LEN] = { 1, 2, 3 };
	char *text, *cursor, *authz, *line, sig[65];
	struct err e;
	int rc;

	if (size > 1 << 16)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0'; /* a NUL inside the input simply ends it early */
	cursor = text;
	authz = fuzz__line(&cursor);
	r.method = "PUT";
	r.path = (line = fuzz__line(&cursor)) ? line : "/";
	r.query = query;
	r.nquery = fuzz__query(fuzz__line(&cursor), query, FUZZ_MAX_KV);
	r.headers = headers;
	while (r.nheaders < FUZZ_MAX_KV && (line = fuzz__line(&cursor))) {
		char *colon = strchr(line, ':');

		headers[r.nheaders].name = line;
		headers[r.nheaders].value = colon ? colon + 1 : "";
		if (colon)
			*colon = '\0';
		r.nheaders++;
	}
	r.payload_hash = SIGV4_UNSIGNED;
	r.s3 = size && (data[0] & 1);

	err_clear(&e);
	rc = sigv4_parse_header(authz, &a, &e);
	if (rc) {
		if (rc != -SW_E_IncompleteSignature || e.code != SW_E_IncompleteSignature)
			abort();
	} else {
		if (strlen(a.signature) != 64 || strlen(a.date) != 8 || !a.access_key[0])
			abort();
		str_copy(a.amz_date, sizeof(a.amz_date), "20240101T000000Z");
		err_clear(&e);
		rc = sigv4_signature(&r, &a, key, sig, &canonical, &e);
		if (rc == 0 && strlen(sig) != 64)
			abort();
		if (rc && rc != -e.code)
			abort();
	}
	/* the client side signs whatever headers it is given */
	if (sigv4_sign(&r, "AKIDEXAMPLE", "secret", "us-east-1", "s3", "20240101T000000Z", &out) ==
	    0) {
		struct sigv4_auth back;

		/* what we emit, we parse back */
		if (sigv4_parse_header(buf_str(&out), &back, NULL) == 0 &&
		    strcmp(back.access_key, "AKIDEXAMPLE") != 0)
			abort();
	}
	buf_release(&canonical);
	buf_release(&out);
	free(text);
	return 0;
}
