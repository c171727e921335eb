/* fuzz_signed_body: a captured signature never covers another body.  One request is signed
 * over the SHA-256 of a fixed body; every input then plays an attacker replaying that
 * signature with a body and an x-amz-content-sha256 of its choosing, through slipwayd's own
 * rule (auth_payload_rule) and the real signing code.  The target aborts if anything but the
 * signed body would be accepted, or if a service other than S3 ever skipped the body.
 *
 * Input: byte 0's low bit selects S3; then up to the first '\n' the declared header ("-" for
 * none); the rest is the body. */
#include "server/auth.h"
#include "base/crypto.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fuzz__signed_body[] = "{\"applicationName\": \"does-not-exist\"}";

static void fuzz__hex_sha256(const void *p, size_t n, char hex[65])
{
	uint8_t h[SHA256_LEN];

	sha256(p, n, h);
	hex_encode(h, SHA256_LEN, hex);
}

/* The signature of the fixed request over payload_hash. */
static void fuzz__sign(bool s3, const char *payload_hash, char out[65])
{
	static const struct sigv4_kv headers[] = {
		{ "content-type", "application/x-amz-json-1.1" },
		{ "host", "127.0.0.1:8790" },
		{ "x-amz-date", "20240101T000000Z" },
	};
	struct sigv4_request r = {
		.method = "POST",
		.path = "/",
		.headers = headers,
		.nheaders = 3,
		.payload_hash = payload_hash,
		.s3 = s3,
	};
	struct sigv4_auth a = { .access_key = "AKIDEXAMPLE",
				.date = "20240101",
				.region = "us-east-1",
				.service = "codedeploy",
				.amz_date = "20240101T000000Z",
				.signed_headers = "content-type;host;x-amz-date" };
	uint8_t key[SHA256_LEN];

	sigv4_signing_key("secret", a.date, a.region, a.service, key);
	if (sigv4_signature(&r, &a, key, out, NULL, NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char signed_hex[65], want[65], got[65], body_hex[65], declared_buf[256];
	const char *declared = NULL, *body, *nl;
	bool s3, same, accepted = false;
	size_t body_len;

	if (size < 1 || size > 1 << 16)
		return 0;
	s3 = data[0] & 1;
	nl = memchr(data + 1, '\n', size - 1);
	if (!nl)
		return 0;
	if (str_copyn(declared_buf, sizeof(declared_buf), (const char *)data + 1,
		      (size_t)(nl - (const char *)data - 1)))
		return 0;
	if (strlen(declared_buf) != (size_t)(nl - (const char *)data - 1))
		return 0; /* a NUL in a header never reaches slipwayd: libmicrohttpd refuses it */
	if (strcmp(declared_buf, "-") != 0)
		declared = declared_buf;
	body = nl + 1;
	body_len = size - (size_t)(body - (const char *)data);
	fuzz__hex_sha256(fuzz__signed_body, strlen(fuzz__signed_body), signed_hex);
	fuzz__sign(s3, signed_hex, want);
	fuzz__hex_sha256(body, body_len, body_hex);

	switch (auth_payload_rule(s3, false, declared)) {
	case AUTH_PAYLOAD_BODY:
		fuzz__sign(s3, body_hex, got);
		accepted = strcmp(got, want) == 0;
		break;
	case AUTH_PAYLOAD_DECLARED_HASH:
		fuzz__sign(s3, declared, got);
		accepted = strcmp(got, want) == 0 && strcasecmp(declared, body_hex) == 0;
		break;
	case AUTH_PAYLOAD_UNSIGNED:
		if (!s3)
			abort(); /* only S3 may ever leave a body unsigned */
		fuzz__sign(s3, declared, got);
		accepted = strcmp(got, want) == 0;
		break;
	case AUTH_PAYLOAD_INVALID:
		if (!s3)
			abort();
		break;
	}
	same =
	    body_len == strlen(fuzz__signed_body) && memcmp(body, fuzz__signed_body, body_len) == 0;
	if (accepted && !same)
		abort();
	/* …and the genuine request still passes, so the check above can fail at all. */
	if (same && !accepted && (!declared || strcasecmp(declared, signed_hex) == 0))
		abort();
	return 0;
}
