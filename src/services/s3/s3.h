/* s3: what other services may use of the S3 subset — how a Host header addresses S3, looking
 * up an object's blob. */
#ifndef SW_S3_H
#define SW_S3_H

#include "base/err.h"
#include "services/s3/errors.h"

#include <stddef.h>
#include <stdint.h>

struct store_conn;
struct env;
struct slipwayd_config;

/* How a request's Host header addresses the S3 subset. */
enum s3_addressing {
	S3_PATH_STYLE,	   /* no Host, an IP address or one of the S3 domains: /bucket/key */
	S3_VIRTUAL_HOSTED, /* <bucket>.<one of the S3 domains>: the path is /key */
	S3_UNKNOWN_HOST,   /* any other name: refused, never guessed at */
};

/*
 * Reads host (a Host header, port and all; NULL when there is none) against cfg's S3 domains
 * (--s3-domain), case-insensitively.  When the longest domain host ends in leaves a prefix, that
 * prefix is the bucket: S3_VIRTUAL_HOSTED, the bucket copied to bucket (when not NULL) or ""
 * there when it does not fit in size.
 */
enum s3_addressing s3_addressing(const struct slipwayd_config *cfg, const char *host, char *bucket,
				 size_t size);

struct s3_object_info {
	char blob[65]; /* hex SHA-256 of the content: the blob store's name for it */
	uint64_t size;
	char etag[72];	  /* without quotes: hex MD5, or "<hex>-<parts>" for multipart uploads */
	int64_t modified; /* epoch milliseconds */
};

/*
 * Looks up bucket/key inside the caller's transaction (store_read or store_write).  Returns 0
 * and fills out when the object exists, 1 when it does not (no bucket, or no key: which error
 * to raise is the caller's choice), or a negative code with e set on a store failure.
 */
int s3_object_lookup(struct store_conn *c, const char *bucket, const char *key,
		     struct s3_object_info *out, struct err *e);

/*
 * Removes, each in one write transaction, the given blobs that no row refers to any more.
 * Tables that hold blob names: objects.blob and upload_parts.blob.  A service that starts
 * keeping blob names in another table must add it to the check in objects.c (s3__blob_used),
 * or its blobs may be removed when an S3 object with the same content is deleted.  Failures
 * are logged, never returned: an unremoved blob only costs space.
 */
void s3_blob_gc(struct env *env, const char *const *blobs, size_t n);

#endif
