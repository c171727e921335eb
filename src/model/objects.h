/* model/objects: the one read of S3's `objects` table that CodeDeploy and the engine make.  The
 * table belongs to services/s3/ (objects.c, multipart.c, buckets.c: its only writers), which
 * keeps its own SQL; this verb is what other modules may use instead of reading S3's rows. */
#ifndef SW_MODEL_OBJECTS_H
#define SW_MODEL_OBJECTS_H

#include "base/err.h"

#include <stddef.h>

struct store_conn;

/* The ETag of s3://bucket/key as S3 stores it (quoted): 1 with it in etag when the object
 * exists, 0 when not, or a negative store error (-SW_E_TRUNCATED when size is too small). */
int model_object_etag(struct store_conn *c, const char *bucket, const char *key, char *etag,
		      size_t size, struct err *e);

#endif
