/* auth: SigV4 verification of every AWS-protocol request against the access keys Slipway
 * issues, and the caller's identity (administrator, or a user bound to an instance). */
#ifndef SW_AUTH_H
#define SW_AUTH_H

#include "http.h"

struct slipwayd;
struct auth_cache;

int auth_cache_new(struct auth_cache **out);
void auth_cache_free(struct auth_cache *c);

/* At header time: verifies presigned requests and those whose payload hash is declared in
 * x-amz-content-sha256 (marking req->authenticated); returns 0 and leaves the rest for
 * auth_late.  A request with no signature at all fails here. */
int auth_early(struct slipwayd *d, struct http_req *req);
/* With the whole body: verifies what auth_early could not, and checks a declared payload hash
 * of a buffered body. */
int auth_late(struct slipwayd *d, struct http_req *req);

/* Looks up an access key (cached); fills who and the secret.  -SW_E_InvalidClientTokenId when
 * unknown or inactive. */
int auth_lookup(struct slipwayd *d, const char *access_key, struct principal *who, char *secret,
		size_t secret_size, struct err *e);

#endif
