/* sigv4_vector: a test helper for tests/e2e/test_sigv4_vectors.py — reads one request per line
 * (JSON) on stdin and prints the signature and canonical request src/base/sigv4 computes for it,
 * so that botocore's signatures can be checked against ours over many random requests.
 *
 * In:  {"method", "path", "query": [[name, value|null]…], "headers": [[name, value]…],
 *       "payload_hash", "s3": bool, "secret", "authorization"}   (one object per line)
 * Out: {"signature", "canonical", "parsed_signature"} or {"error": "…"}   (one per line)
 *
 * The scope, date and signed headers are taken from the Authorization header exactly as slipwayd
 * does (sigv4_parse_header), and X-Amz-Date from the headers. */
#include "base/json.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_KV 256

static json_t *vector_one(const json_t *in)
{
	struct sigv4_kv query[MAX_KV], headers[MAX_KV];
	struct sigv4_request r = { 0 };
	struct sigv4_auth a;
	struct err e = { 0 };
	struct buf canonical = BUF_INIT(1 << 20);
	uint8_t key[SHA256_LEN];
	const char *authz = NULL, *secret = NULL;
	json_t *q = json_object_get(in, "query"), *h = json_object_get(in, "headers"), *v, *out;
	size_t i;
	char sig[65];

	r.method = json_string_value(json_object_get(in, "method"));
	r.path = json_string_value(json_object_get(in, "path"));
	r.payload_hash = json_string_value(json_object_get(in, "payload_hash"));
	r.s3 = json_is_true(json_object_get(in, "s3"));
	secret = json_string_value(json_object_get(in, "secret"));
	authz = json_string_value(json_object_get(in, "authorization"));
	if (!r.method || !r.path || !r.payload_hash || !secret || !authz ||
	    json_array_size(q) > MAX_KV || json_array_size(h) > MAX_KV)
		return json_pack("{s:s}", "error", "missing or oversized member");
	json_array_foreach(q, i, v)
	{
		query[i].name = json_string_value(json_array_get(v, 0));
		query[i].value = json_string_value(json_array_get(v, 1)); /* null → NULL */
	}
	json_array_foreach(h, i, v)
	{
		headers[i].name = json_string_value(json_array_get(v, 0));
		headers[i].value = json_string_value(json_array_get(v, 1));
	}
	r.query = query;
	r.nquery = json_array_size(q);
	r.headers = headers;
	r.nheaders = json_array_size(h);
	if (sigv4_parse_header(authz, &a, &e))
		return json_pack("{s:s}", "error", err_message(&e));
	for (i = 0; i < r.nheaders; i++)
		if (headers[i].name && strcasecmp(headers[i].name, "X-Amz-Date") == 0)
			str_copy(a.amz_date, sizeof(a.amz_date), headers[i].value);
	sigv4_signing_key(secret, a.date, a.region, a.service, key);
	if (sigv4_signature(&r, &a, key, sig, &canonical, &e)) {
		buf_release(&canonical);
		return json_pack("{s:s}", "error", err_message(&e));
	}
	out = json_pack("{s:s, s:s, s:s}", "signature", sig, "canonical", buf_str(&canonical),
			"parsed_signature", a.signature);
	buf_release(&canonical);
	return out;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		json_error_t je;
		json_t *in = json_loadb(line, (size_t)n, 0, &je), *out;
		char *s;

		out = in ? vector_one(in) : json_pack("{s:s}", "error", je.text);
		s = json_dump(out);
		puts(s ? s : "{\"error\": \"cannot serialise\"}");
		fflush(stdout);
		free(s);
		json_decref(out);
		json_decref(in);
	}
	free(line);
	return 0;
}
