/* fuzz_sigv4_query: presigned URLs — sigv4_parse_query over a random raw query string, then the
 * canonical request and signature over it. */
#include "base/err.h"
#include "base/sigv4.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_KV 96

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts if the canonical query (the request's third line) has a parameter named
 * X-Amz-Signature. */
static void fuzz__no_signature(const char *canonical)
{
	const char *q = strchr(canonical, '\n'), *end;

	q = q ? strchr(q + 1, '\n') : NULL;
	if (!q)
		abort();
	end = strchr(++q, '\n');
	while (q && q < end) {
		if (strncmp(q, "X-Amz-Signature=", 16) == 0)
			abort();
		q = strchr(q, '&');
		if (q)
			q++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct sigv4_kv headers[] = { { "Host", "127.0.0.1:8790" },
						   { "X-Amz-Meta-A", "  a  b " } };
	struct sigv4_kv query[FUZZ_MAX_KV];
	struct sigv4_request r = { 0 };
	struct sigv4_auth a;
	struct buf canonical = BUF_INIT(1 << 20);
	uint8_t key[SHA256_LEN] = { 0 };
	char *text, *q, sig[65];
	struct err e;
	size_t n = 0;
	int rc;

	if (size > 1 << 16)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (q = text; q && *q && n < FUZZ_MAX_KV;) {
		char *amp = strchr(q, '&'), *eq;

		if (amp)
			*amp = '\0';
		eq = strchr(q, '=');
		if (eq)
			*eq = '\0';
		query[n].name = q;
		query[n].value = eq ? eq + 1 : NULL;
		n++;
		q = amp ? amp + 1 : NULL;
	}
	err_clear(&e);
	rc = sigv4_parse_query(query, n, &a, &e);
	if (rc < 0 && (rc != -SW_E_IncompleteSignature || e.code != SW_E_IncompleteSignature))
		abort();
	if (rc == 0) {
		if (!a.presigned || a.expires < 1 || a.expires > 604800 ||
		    strlen(a.signature) != 64)
			abort();
		r.method = "GET";
		r.path = "/bucket/key%20name";
		r.query = query;
		r.nquery = n;
		r.headers = headers;
		r.nheaders = 2;
		r.payload_hash = SIGV4_UNSIGNED;
		r.s3 = true;
		err_clear(&e);
		rc = sigv4_signature(&r, &a, key, sig, &canonical, &e);
		if (rc && rc != -e.code)
			abort();
		/* the signature itself is never part of what is signed */
		if (rc == 0)
			fuzz__no_signature(buf_str(&canonical));
	}
	buf_release(&canonical);
	free(text);
	return 0;
}
