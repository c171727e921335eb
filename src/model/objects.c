/* model/objects: the lookup of an S3 object's ETag for CodeDeploy's revisions and bundles. */
#include "objects.h"
#include "store/store.h"
#include "base/str.h"

int model_object_etag(struct store_conn *c, const char *bucket, const char *key, char *etag,
		      size_t size, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT etag FROM objects WHERE bucket = ? AND key = ?", "tt", e,
			   bucket, key);

	if (r == 1 && str_copy(etag, size, store_col_text(st, 0)))
		return err_set(e, SW_E_TRUNCATED, "the ETag of s3://%s/%s is too long", bucket,
			       key);
	return r;
}
