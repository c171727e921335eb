/* s3/chunked: an incremental decoder of the aws-chunked content encoding (SigV4 streaming
 * uploads), which verifies chunk and trailer signatures and collects trailing headers. */
#ifndef SW_S3_CHUNKED_H
#define SW_S3_CHUNKED_H

#include "base/err.h"
#include "services/s3/errors.h"
#include "base/sigv4.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S3_CHUNKED_LINE_MAX	1024 /* a chunk header or trailer line */
#define S3_CHUNKED_TRAILERS_MAX 8

struct digest;

struct s3_chunked_trailer {
	char name[64]; /* lower-cased */
	char value[256];
};

/* Decoded data goes to a callback; a negative return stops decoding with that error. */
typedef int (*s3_chunked_data_fn)(void *arg, const void *data, size_t n, struct err *e);

/*
 * The body is a sequence of `<hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n`, ended by a
 * chunk of size 0, optionally trailing headers (`name:value\r\n`, with
 * `x-amz-trailer-signature:<sig>` last when signed), and an empty line.  Input may be split
 * anywhere; data is passed through without copying.  All state is inside the struct: no
 * allocation except a digest per signed chunk.
 */
struct s3_chunked {
	s3_chunked_data_fn data;
	void *arg;
	/* signing (only when verifying) */
	bool verify;
	bool trailer_allowed;
	uint8_t key[SHA256_LEN];
	struct sigv4_auth auth; /* the request's date and credential scope */
	char prev_sig[65];
	/* parsing */
	int state;
	char line[S3_CHUNKED_LINE_MAX];
	size_t line_len;
	uint64_t left; /* bytes still to come in the current chunk */
	char chunk_sig[65];
	struct digest *sha;
	uint64_t decoded; /* total data bytes so far */
	uint64_t limit;	  /* at most this many data bytes (UINT64_MAX: no limit) */
	struct s3_chunked_trailer trailers[S3_CHUNKED_TRAILERS_MAX];
	size_t ntrailers;
	bool trailer_signed;
};

/* Prepares an unsigned decoder (STREAMING-UNSIGNED-PAYLOAD-TRAILER, or plain aws-chunked):
 * chunk signatures are ignored, trailers accepted. */
void s3_chunked_init(struct s3_chunked *c, s3_chunked_data_fn data, void *arg);
/* Turns on verification (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]): every chunk must carry
 * a signature chained from seed_signature (the request's own); trailers only when
 * trailer_allowed, and then they must be signed. */
void s3_chunked_verify(struct s3_chunked *c, const uint8_t key[SHA256_LEN],
		       const struct sigv4_auth *a, const char *seed_signature,
		       bool trailer_allowed);
/* Decodes n more bytes.  Errors: InvalidRequest (malformed framing), SignatureDoesNotMatch,
 * IncompleteBody (more data than the limit), or the data callback's.  After an error the
 * decoder only accepts release. */
int s3_chunked_feed(struct s3_chunked *c, const void *p, size_t n, struct err *e);
/* The body has ended: IncompleteBody unless the final chunk (and trailers) were complete. */
int s3_chunked_finish(struct s3_chunked *c, struct err *e);
/* A trailing header's value by name (any case), NULL when absent. */
const char *s3_chunked_trailer(const struct s3_chunked *c, const char *name);
void s3_chunked_release(struct s3_chunked *c);

#endif
