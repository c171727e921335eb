/* s3: the interface between the S3 files — the per-request context, the operation table's
 * entries, the streaming upload, the XML reply helpers. */
#ifndef SW_S3_INT_H
#define SW_S3_INT_H

#include "checksum.h"
#include "s3.h"
#include "contract/service.h"
#include "contract/env.h"
#include "store/store.h"

#include <stdbool.h>
#include <stdint.h>

#define S3_XMLNS	  "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_KEY_MAX	  1024
#define S3_PUT_MAX	  (5ull << 30) /* a single PUT or part: 5 GiB */
#define S3_PART_MIN	  (5ull << 20) /* every part but the last: 5 MiB */
#define S3_META_MAX	  2048	       /* user metadata (x-amz-meta-*), names and values */
#define S3_META_COUNT_MAX 40 /* and at most this many: each comes back as a reply header */
#define S3_LIST_MAX	  1000
#define S3_UPLOAD_ID_LEN  48

struct s3_ctx;
struct s3_upload;

/* One S3 operation: how it is recognised is in service.c; begin (optional) runs at header
 * time to stream the body, run with the whole request. */
struct s3_op {
	const char *name;
	int (*begin)(struct s3_ctx *c, struct err *e);
	int (*run)(struct s3_ctx *c, struct http_resp *resp);
	unsigned flags;
};

/* An on-premises instance's key may call it, for the bundle of a deployment in progress that
 * targets that instance (s3__may in service.c); every other operation is an administrator's. */
#define S3_OP_BUNDLE_READ 1u

/* Per-request state, in req->svc_state. */
struct s3_ctx {
	struct http_req *req;
	struct env *env;
	const struct s3_op *op;
	char bucket[64];
	char key[S3_KEY_MAX + 1];
	bool has_bucket, has_key;
	struct err deferred;  /* a routing error found before the caller was authenticated */
	struct s3_upload *up; /* PutObject/UploadPart: the sink's state (owned by req->sink) */
	char upload_id[S3_UPLOAD_ID_LEN + 1];
	int part;
	bool range_unsatisfiable; /* InvalidRange: the reply names the object's size */
	uint64_t object_size;
};

/* ---- operations (buckets.c, objects.c, multipart.c) ---- */
int s3_list_buckets(struct s3_ctx *c, struct http_resp *resp);
int s3_create_bucket(struct s3_ctx *c, struct http_resp *resp);
int s3_head_bucket(struct s3_ctx *c, struct http_resp *resp);
int s3_delete_bucket(struct s3_ctx *c, struct http_resp *resp);
int s3_get_bucket_location(struct s3_ctx *c, struct http_resp *resp);
int s3_list_objects(struct s3_ctx *c, struct http_resp *resp);
int s3_list_objects_v2(struct s3_ctx *c, struct http_resp *resp);

int s3_put_object_begin(struct s3_ctx *c, struct err *e);
int s3_put_object(struct s3_ctx *c, struct http_resp *resp);
int s3_copy_object(struct s3_ctx *c, struct http_resp *resp);
int s3_get_object(struct s3_ctx *c, struct http_resp *resp);
int s3_head_object(struct s3_ctx *c, struct http_resp *resp);
int s3_delete_object(struct s3_ctx *c, struct http_resp *resp);
int s3_delete_objects(struct s3_ctx *c, struct http_resp *resp);

int s3_create_multipart(struct s3_ctx *c, struct http_resp *resp);
int s3_upload_part_begin(struct s3_ctx *c, struct err *e);
int s3_upload_part(struct s3_ctx *c, struct http_resp *resp);
int s3_complete_multipart(struct s3_ctx *c, struct http_resp *resp);
int s3_abort_multipart(struct s3_ctx *c, struct http_resp *resp);
int s3_list_parts(struct s3_ctx *c, struct http_resp *resp);
int s3_list_multipart_uploads(struct s3_ctx *c, struct http_resp *resp);

/* ---- the streaming upload (upload.c) ---- */

/* What a finished upload produced. */
struct s3_upload_result {
	char blob[65];
	uint64_t size;
	char md5_hex[33];
	uint8_t md5[16];
	enum s3_ck_alg ck_alg; /* NONE when no checksum was asked for */
	uint8_t ck_raw[S3_CK_RAW_MAX];
	size_t ck_len;
	char ck_b64[S3_CK_B64_MAX];
};

/*
 * Validates the body's headers (x-amz-content-sha256, Content-Encoding aws-chunked,
 * x-amz-decoded-content-length, Content-MD5, x-amz-checksum-*, x-amz-trailer,
 * x-amz-sdk-checksum-algorithm) and installs req->sink, which streams the decoded body into a
 * new blob while computing MD5, the declared SHA-256 and checksum.  want_alg: a checksum to
 * compute even when the client sent none (a multipart upload's algorithm), or S3_CK_NONE; a
 * different algorithm from the client is InvalidRequest.  The sink's finish checks every
 * digest (BadDigest, XAmzContentSHA256Mismatch, IncompleteBody, SignatureDoesNotMatch).
 */
int s3_upload_begin(struct s3_ctx *c, enum s3_ck_alg want_alg, struct err *e);
const struct s3_upload_result *s3_upload_result(const struct s3_upload *u);
/* The upload's blob writer, to commit once the body passed every check (finish succeeded). */
struct blob_writer *s3_upload_writer(struct s3_upload *u);

/* ---- writing an object row (objects.c) ---- */

struct s3_put_row {
	const char *content_type, *meta; /* meta: JSON text or NULL */
	bool if_none_match;		 /* PreconditionFailed when the key exists */
	const char *blob;
	uint64_t size;
	const char *etag; /* unquoted */
	int64_t modified;
	const char *ck_alg, *ck, *ck_type; /* NULL when the object has no checksum */
	int parts;
	struct blob_writer *w; /* committed inside the transaction (NULL: blob already there) */
	/* more work for the same transaction, run before the row is written */
	int (*also)(struct store_conn *sc, void *arg, struct err *e);
	void *also_arg;
	char old_blob[65]; /* out: what the key held before, "" when nothing */
};

/*
 * Inserts or replaces c's bucket/key in one write transaction (NoSuchBucket, or
 * PreconditionFailed for if_none_match), committing p->w's blob after the row so that no
 * concurrent s3_blob_gc can remove it.  Then removes the replaced blob (or, on failure, the
 * new one) if nothing else refers to it.
 */
int s3_put_row(struct s3_ctx *c, struct s3_put_row *p);
/* The stored headers of a request (x-amz-meta-*, Cache-Control, …) as JSON text for
 * s3_put_row (*out NULL when there are none; free()).  MetadataTooLarge past 2 KB. */
int s3_meta_collect(const struct http_req *req, char **out, struct err *e);

/* ---- helpers (service.c, objects.c) ---- */

/* Appends `<?xml …?>\n<root xmlns="…">`. */
int s3_xml_open(struct buf *b, const char *root);
/* Appends <name>escaped text</name>. */
int s3_xml_elem(struct buf *b, const char *name, const char *text);
int s3_xml_elemf(struct buf *b, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Finishes a 200 XML reply. */
void s3_reply_xml(struct http_resp *resp, int status);
/* A quoted ETag ("\"hex\"") for an unquoted one. */
void s3_etag_quote(const char *etag, char *out, size_t size);

/* Checks a bucket exists in c's transaction: NoSuchBucket when it does not.  The _tx form is
 * a store_fn taking the bucket name as its argument. */
int s3_bucket_check(struct store_conn *sc, const char *bucket, struct err *e);
int s3_bucket_check_tx(struct store_conn *sc, void *bucket, struct err *e);
/* Checks Content-MD5 and any x-amz-checksum-* header against a buffered request body
 * (InvalidDigest, InvalidRequest, BadDigest). */
int s3_body_digests(struct s3_ctx *c);
/* Reads the decoded value of query parameter name into out (size bytes); 1 when absent,
 * -SW_E_InvalidArgument when malformed or too long. */
int s3_query(const struct s3_ctx *c, const char *name, char *out, size_t size);

/* ISO 8601 with milliseconds, as S3's XML timestamps are. */
void s3_time_iso(int64_t ms, char out[32]);

#endif
