/* sigv4: AWS Signature Version 4 — parsing what a client sent, and computing signatures
 * (for verification in slipwayd and for signing in the agent, the CLI and the benchmarks). */
#ifndef SW_SIGV4_H
#define SW_SIGV4_H

#include "buf.h"
#include "crypto.h"
#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SIGV4_UNSIGNED			 "UNSIGNED-PAYLOAD"
#define SIGV4_STREAMING			 "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
#define SIGV4_STREAMING_TRAILER		 "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
#define SIGV4_STREAMING_UNSIGNED_TRAILER "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
#define SIGV4_MAX_SKEW			 900 /* seconds: AWS's 15 minutes */

struct sigv4_kv {
	const char *name;
	const char *value; /* may be NULL for a query parameter without '=' */
};

/* A request as the signature sees it.  path and query are raw (percent-encoded as sent). */
struct sigv4_request {
	const char *method;
	const char *path;
	const struct sigv4_kv *query;
	size_t nquery;
	const struct sigv4_kv *headers; /* names in any case */
	size_t nheaders;
	const char *payload_hash; /* hex SHA-256 of the body, or one of the SIGV4_* markers */
	bool s3;		  /* S3 signs the path encoded once; other services twice */
};

/* What the client claimed: from the Authorization header or the presigned query. */
struct sigv4_auth {
	char access_key[129];
	char date[9]; /* YYYYMMDD of the credential scope */
	char region[33];
	char service[33];
	char amz_date[17]; /* YYYYMMDDTHHMMSSZ */
	char signed_headers[1024];
	char signature[65];
	bool presigned;
	int64_t expires; /* presigned only: X-Amz-Expires seconds */
};

/* Parses `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.  amz_date must be
 * filled from the X-Amz-Date (or Date) header by the caller.  Errors: IncompleteSignature. */
int sigv4_parse_header(const char *authorization, struct sigv4_auth *a, struct err *e);
/* Parses X-Amz-Algorithm/Credential/Date/Expires/SignedHeaders/Signature from a raw query.
 * Returns 1 when the query holds no presigning at all, 0 when parsed, negative on error. */
int sigv4_parse_query(const struct sigv4_kv *query, size_t n, struct sigv4_auth *a, struct err *e);
/* Parses YYYYMMDDTHHMMSSZ into a UTC epoch; -SW_E_INVALID if malformed. */
int sigv4_parse_amz_date(const char *s, time_t *out);
void sigv4_format_amz_date(time_t t, char out[17]);

/* The day's signing key for secret/date/region/service. */
void sigv4_signing_key(const char *secret, const char *date, const char *region,
		       const char *service, uint8_t key[SHA256_LEN]);
/* Builds the canonical request for r using a's signed headers and computes the hex signature.
 * Fails with IncompleteSignature when a signed header is missing. canonical (optional) receives
 * the canonical request, for error messages. */
int sigv4_signature(const struct sigv4_request *r, const struct sigv4_auth *a,
		    const uint8_t key[SHA256_LEN], char out[65], struct buf *canonical,
		    struct err *e);
/* Signature of one aws-chunked chunk (or, with trailer, of the trailing headers). */
void sigv4_chunk_signature(const uint8_t key[SHA256_LEN], const struct sigv4_auth *a,
			   const char *prev_signature, const char *data_hash_hex, bool trailer,
			   char out[65]);

/* Client side: signs a request.  headers must include host; x-amz-date is added by the caller
 * from amz_date.  Writes the Authorization header value into out. */
int sigv4_sign(const struct sigv4_request *r, const char *access_key, const char *secret,
	       const char *region, const char *service, const char amz_date[17], struct buf *out);

/* Percent-encoding as SigV4 wants it: unreserved characters kept, everything else %XX
 * (upper-case); '/' kept when keep_slash. */
int uri_encode(struct buf *out, const char *s, size_t n, bool keep_slash);
/* Decodes %XX sequences (and nothing else) into out; -SW_E_INVALID on a bad escape. */
int uri_decode(struct buf *out, const char *s, size_t n);

#endif
