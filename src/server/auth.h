/* auth: SigV4 verification of every AWS-protocol request against the access keys Slipway
 * issues, and the caller's identity (administrator, or a user bound to an instance). */
#ifndef SW_AUTH_H
#define SW_AUTH_H

#include "contract/http.h"

#include <stdbool.h>

struct slipwayd;
struct auth_cache;

int auth_cache_new(struct auth_cache **out);
void auth_cache_free(struct auth_cache *c);

/*
 * What a signature covers of the body (auth_payload_rule), and where that is checked:
 *  - S3 takes x-amz-content-sha256 as the client declares it: a hex SHA-256 (which the body
 *    must then match: auth_late for a buffered body, the upload sink for a streamed one),
 *    UNSIGNED-PAYLOAD (the body is not signed, as in AWS), or an aws-chunked STREAMING-* form
 *    (whose chunk signatures only an operation with a sink decodes; auth_late refuses it for
 *    a buffered body).  A presigned S3 URL covers no body, as AWS's do.
 *  - Every other service signs the body itself: the signature is verified in auth_late over
 *    the SHA-256 of the bytes that arrived, whatever any header says, so a captured signature
 *    never covers a different body and UNSIGNED-PAYLOAD never means anything there.
 */
enum auth_payload {
	AUTH_PAYLOAD_BODY, /* verified in auth_late over the SHA-256 of the body received */
	AUTH_PAYLOAD_DECLARED_HASH, /* verified early over the declared hash; the body must match */
	AUTH_PAYLOAD_UNSIGNED,	    /* S3 only: UNSIGNED-PAYLOAD, STREAMING-*, presigned URLs */
	AUTH_PAYLOAD_INVALID,	    /* S3: an x-amz-content-sha256 that is none of those */
};

/* The rule for a request to S3 or not, presigned or not, with x-amz-content-sha256 declared
 * (NULL when absent).  Pure, so the fuzz target checks it with the real signing code. */
enum auth_payload auth_payload_rule(bool s3, bool presigned, const char *declared);

/* At header time: verifies presigned requests and those whose payload hash is declared in
 * x-amz-content-sha256 (marking req->authenticated); returns 0 and leaves the rest for
 * auth_late.  A request with no signature at all fails here. */
int auth_early(struct slipwayd *d, struct http_req *req);
/* With the whole body: verifies what auth_early could not, and checks a declared payload hash
 * of a buffered body. */
int auth_late(struct slipwayd *d, struct http_req *req);

#endif
