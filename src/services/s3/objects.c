/* s3/objects: PutObject, CopyObject, GetObject, HeadObject, DeleteObject, DeleteObjects, and
 * the blob bookkeeping every write shares (a blob goes when no row refers to it). */
#include "s3_int.h"
#include "xml.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "blob/blob.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Headers stored with an object and returned as they were given. */
static const char *const s3__std_headers[] = {
	"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires",
};

#define S3_DEFAULT_TYPE "binary/octet-stream"

/* ---- blobs ---- */

/* Whether any row refers to blob: every table that holds blob names is listed here. */
static int s3__blob_used(struct store_conn *sc, const char *blob, struct err *e)
{
	int r = store_exec(sc, NULL, "SELECT 1 FROM objects WHERE blob = ? LIMIT 1", "t", e, blob);

	if (r != 0)
		return r;
	r = store_exec(sc, NULL, "SELECT 1 FROM upload_parts WHERE blob = ? LIMIT 1", "t", e, blob);
	if (r != 0)
		return r;
	/* a Lambda version's code (model/lambda.c) may be the same bytes as an object */
	return store_exec(sc, NULL, "SELECT 1 FROM lambda_versions WHERE code_blob = ? LIMIT 1",
			  "t", e, blob);
}

struct s3__gc {
	struct env *env;
	const char *const *blobs;
	size_t n;
};

static int s3__gc_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__gc *g = arg;

	for (size_t i = 0; i < g->n; i++) {
		int r;

		if (!g->blobs[i] || !g->blobs[i][0])
			continue;
		/* Inside a write transaction: no other writer can link this blob to a new row
		 * between the check and the removal (blob_writer_commit runs in theirs). */
		r = s3__blob_used(sc, g->blobs[i], e);
		if (r < 0)
			return r;
		if (r == 0 && blob_remove(g->env->blob, g->blobs[i], e) == 0)
			log_debug("s3", "removed unreferenced blob %s", g->blobs[i]);
	}
	return 0;
}

void s3_blob_gc(struct env *env, const char *const *blobs, size_t n)
{
	struct s3__gc g = { env, blobs, n };
	struct err e = { 0 };

	if (n && store_write(env->store, s3__gc_tx, &g, &e))
		log_warn("s3", "cannot remove unreferenced blobs: %s", err_message(&e));
}

int s3_object_lookup(struct store_conn *c, const char *bucket, const char *key,
		     struct s3_object_info *out, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st,
			   "SELECT blob, size, etag, modified FROM objects WHERE bucket = ? AND "
			   "key = ?",
			   "tt", e, bucket, key);

	if (r < 0)
		return r;
	if (r == 0)
		return 1;
	memset(out, 0, sizeof(*out));
	str_copy(out->blob, sizeof(out->blob), store_col_text(st, 0));
	out->size = (uint64_t)store_col_int(st, 1);
	str_copy(out->etag, sizeof(out->etag), store_col_text(st, 2));
	out->modified = store_col_int(st, 3);
	return 0;
}

/* ---- metadata ---- */

/* The object's stored headers as a JSON object text (x-amz-meta-* lower-cased, and the
 * standard ones); MetadataTooLarge past S3's 2 KB of user metadata. */
int s3_meta_collect(const struct http_req *req, char **out, struct err *e)
{
	json_t *j = json_object();
	size_t user = 0, n;

	for (size_t i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name, *value = req->headers[i].value;
		char lower[256];

		if (strncasecmp(name, "x-amz-meta-", 11) != 0)
			continue;
		if (str_copy(lower, sizeof(lower), name)) {
			json_decref(j);
			return err_set(e, SW_E_MetadataTooLarge,
				       "Your metadata headers exceed the maximum allowed metadata "
				       "size.");
		}
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		user += strlen(lower) - 11 + strlen(value);
		json_object_set_new(j, lower, json_string(value));
	}
	if (json_object_size(j) > S3_META_COUNT_MAX) {
		json_decref(j);
		return err_set(e, SW_E_MetadataTooLarge,
			       "Your metadata headers exceed the maximum allowed metadata size (at "
			       "most %d x-amz-meta-* headers).",
			       S3_META_COUNT_MAX);
	}
	if (user > S3_META_MAX) {
		json_decref(j);
		return err_set(e, SW_E_MetadataTooLarge,
			       "Your metadata headers exceed the maximum allowed metadata size "
			       "(%zu bytes of at most %d).",
			       user, S3_META_MAX);
	}
	for (size_t i = 0; i < sizeof(s3__std_headers) / sizeof(s3__std_headers[0]); i++) {
		const char *v = http_header(req, s3__std_headers[i]);
		char enc[256];

		if (!v)
			continue;
		if (strcmp(s3__std_headers[i], "Content-Encoding") == 0) {
			/* aws-chunked is how this body travelled, not how the object is stored */
			size_t n = 0;

			enc[0] = '\0';
			for (const char *p = v; *p;) {
				size_t k;

				while (*p == ' ' || *p == ',')
					p++;
				k = strcspn(p, ", ");
				if (k && !(k == 11 && strncasecmp(p, "aws-chunked", 11) == 0) &&
				    n + k + 2 < sizeof(enc)) {
					if (n)
						enc[n++] = ',';
					memcpy(enc + n, p, k);
					enc[n += k] = '\0';
				}
				p += k;
			}
			if (!n)
				continue;
			v = enc;
		}
		json_object_set_new(j, s3__std_headers[i], json_string(v));
	}
	n = json_object_size(j);
	*out = n ? json_dump(j) : NULL;
	json_decref(j);
	if (n && !*out)
		return err_set(e, SW_E_NOMEM, NULL);
	return 0;
}

/* Adds the stored headers to a reply; response-* query parameters override the standard ones
 * (as presigned GETs use them). */
static void s3__meta_reply(const struct s3_ctx *c, const char *meta, struct http_resp *resp)
{
	static const struct {
		const char *param, *header;
	} overrides[] = {
		{ "response-cache-control", "Cache-Control" },
		{ "response-content-disposition", "Content-Disposition" },
		{ "response-content-encoding", "Content-Encoding" },
		{ "response-content-language", "Content-Language" },
		{ "response-expires", "Expires" },
	};
	json_t *j = NULL;
	const char *k;
	json_t *v;

	if (meta)
		json_parse_object(meta, strlen(meta), &j, NULL);
	for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
		char val[1024];

		if (s3_query(c, overrides[i].param, val, sizeof(val)) == 0) {
			http_resp_header(resp, overrides[i].header, val);
			if (j)
				json_object_del(j, overrides[i].header);
		}
	}
	json_object_foreach(j, k, v)
	{
		if (json_is_string(v))
			http_resp_header(resp, k, json_string_value(v));
	}
	json_decref(j);
}

/* ---- PutObject ---- */

int s3_put_object_begin(struct s3_ctx *c, struct err *e)
{
	const char *inm = http_header(c->req, "If-None-Match");
	char *meta = NULL;
	int r;

	if (inm && strcmp(inm, "*") != 0)
		return err_set(e, SW_E_NotImplemented,
			       "If-None-Match on PutObject only supports '*'");
	if (http_header(c->req, "If-Match"))
		return err_set(e, SW_E_NotImplemented,
			       "If-Match on PutObject is not implemented by slipwayd");
	r = s3_meta_collect(c->req, &meta, e);
	free(meta);
	if (r)
		return r;
	r = store_read(c->env->store, s3_bucket_check_tx, c->bucket, e);
	if (r)
		return r;
	return s3_upload_begin(c, S3_CK_NONE, e);
}

struct s3__put {
	struct s3_ctx *c;
	struct s3_put_row *p;
};

static int s3__put_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__put *x = arg;
	struct s3_put_row *p = x->p;
	struct store_stmt *st;
	int r = s3_bucket_check(sc, x->c->bucket, e);

	if (!r && p->also)
		r = p->also(sc, p->also_arg, e);
	if (r)
		return r;
	p->old_blob[0] = '\0';
	r = store_exec(sc, &st, "SELECT blob FROM objects WHERE bucket = ? AND key = ?", "tt", e,
		       x->c->bucket, x->c->key);
	if (r < 0)
		return r;
	if (r == 1) {
		if (p->if_none_match)
			return err_set(e, SW_E_PreconditionFailed,
				       "At least one of the pre-conditions you specified did not "
				       "hold (If-None-Match: * and the key exists)");
		str_copy(p->old_blob, sizeof(p->old_blob), store_col_text(st, 0));
	}
	r = store_exec(
	    sc, NULL,
	    "INSERT INTO objects (bucket, key, blob, size, etag, modified, content_type, "
	    "meta, checksum_alg, checksum, checksum_type, parts) VALUES (?, ?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, ?, ?) ON CONFLICT (bucket, key) DO UPDATE SET blob = "
	    "excluded.blob, size = excluded.size, etag = excluded.etag, modified = "
	    "excluded.modified, content_type = excluded.content_type, meta = "
	    "excluded.meta, checksum_alg = excluded.checksum_alg, checksum = "
	    "excluded.checksum, checksum_type = excluded.checksum_type, parts = "
	    "excluded.parts",
	    "tttitittttti", e, x->c->bucket, x->c->key, p->blob, (int64_t)p->size, p->etag,
	    p->modified, p->content_type, p->meta, p->ck_alg, p->ck, p->ck_type, (int64_t)p->parts);
	if (r < 0)
		return r;
	/* After the row, in the same transaction: see s3__gc_tx. */
	return p->w ? blob_writer_commit(p->w, NULL, NULL, e) : 0;
}

int s3_put_row(struct s3_ctx *c, struct s3_put_row *p)
{
	struct s3__put x = { c, p };
	const char *gc[1] = { NULL };
	int r = store_write(c->env->store, s3__put_tx, &x, &c->req->err);

	if (r && p->w)
		gc[0] = p->blob;
	else if (!r && p->old_blob[0] && strcmp(p->old_blob, p->blob) != 0)
		gc[0] = p->old_blob;
	s3_blob_gc(c->env, gc, 1);
	return r;
}

int s3_put_object(struct s3_ctx *c, struct http_resp *resp)
{
	const struct s3_upload_result *res = s3_upload_result(c->up);
	const char *ctype = http_header(c->req, "Content-Type");
	struct s3_put_row p = { .w = s3_upload_writer(c->up) };
	char *meta = NULL, etag[80];
	int r = s3_meta_collect(c->req, &meta, &c->req->err);

	if (r)
		return r;
	p.content_type = ctype && ctype[0] ? ctype : S3_DEFAULT_TYPE;
	p.meta = meta;
	p.if_none_match = http_header(c->req, "If-None-Match") != NULL;
	p.blob = res->blob;
	p.size = res->size;
	p.etag = res->md5_hex;
	p.modified = time_now_ms();
	if (res->ck_alg != S3_CK_NONE) {
		p.ck_alg = s3_ck_name(res->ck_alg);
		p.ck = res->ck_b64;
		p.ck_type = "FULL_OBJECT";
	}
	r = s3_put_row(c, &p);
	free(meta);
	if (r)
		return r;
	resp->status = 200;
	s3_etag_quote(res->md5_hex, etag, sizeof(etag));
	http_resp_header(resp, "ETag", etag);
	if (res->ck_alg != S3_CK_NONE) {
		http_resp_header(resp, s3_ck_header(res->ck_alg), res->ck_b64);
		http_resp_header(resp, "x-amz-checksum-type", "FULL_OBJECT");
	}
	return 0;
}

/* ---- reading one object ---- */

struct s3__obj {
	char blob[65];
	uint64_t size;
	char etag[72];
	int64_t modified;
	char content_type[256];
	char *meta;
	char ck_alg[16];
	char ck[S3_CK_B64_MAX];
	char ck_type[16];
	int parts;
};

struct s3__get {
	const char *bucket, *key;
	struct s3__obj *o;
};

static int s3__get_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__get *g = arg;
	struct s3__obj *o = g->o;
	struct store_stmt *st;
	const char *v;
	int r =
	    store_exec(sc, &st,
		       "SELECT blob, size, etag, modified, content_type, meta, checksum_alg, "
		       "checksum, checksum_type, parts FROM objects WHERE bucket = ? AND key = ?",
		       "tt", e, g->bucket, g->key);

	if (r < 0)
		return r;
	if (r == 0) {
		r = s3_bucket_check(sc, g->bucket, e);
		return r ? r : err_set(e, SW_E_NoSuchKey, "The specified key does not exist.");
	}
	str_copy(o->blob, sizeof(o->blob), store_col_text(st, 0));
	o->size = (uint64_t)store_col_int(st, 1);
	str_copy(o->etag, sizeof(o->etag), store_col_text(st, 2));
	o->modified = store_col_int(st, 3);
	v = store_col_text(st, 4);
	str_copy(o->content_type, sizeof(o->content_type), v ? v : S3_DEFAULT_TYPE);
	free(o->meta);
	v = store_col_text(st, 5);
	o->meta = v ? str_dup(v) : NULL;
	v = store_col_text(st, 6);
	str_copy(o->ck_alg, sizeof(o->ck_alg), v ? v : "");
	v = store_col_text(st, 7);
	str_copy(o->ck, sizeof(o->ck), v ? v : "");
	v = store_col_text(st, 8);
	str_copy(o->ck_type, sizeof(o->ck_type), v ? v : "");
	o->parts = (int)store_col_int(st, 9);
	return 0;
}

/* Whether an If-Match / If-None-Match list names etag ("*" names any). */
static bool s3__etag_in(const char *list, const char *etag)
{
	const char *p = list;

	while (*p) {
		const char *start, *end;

		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		start = p;
		p += strcspn(p, ",");
		end = p;
		while (end > start && end[-1] == ' ')
			end--;
		if (end - start >= 2 && strncmp(start, "W/", 2) == 0)
			start += 2;
		if (end - start >= 2 && *start == '"' && end[-1] == '"') {
			start++;
			end--;
		}
		if ((end - start == 1 && *start == '*') ||
		    ((size_t)(end - start) == strlen(etag) &&
		     strncasecmp(start, etag, (size_t)(end - start)) == 0))
			return true;
	}
	return false;
}

/* An HTTP date (RFC 1123, and the obsolete forms strptime understands); -1 when not one. */
static int64_t s3__http_time(const char *s)
{
	static const char *const formats[] = { "%a, %d %b %Y %H:%M:%S GMT",
					       "%A, %d-%b-%y %H:%M:%S GMT",
					       "%a %b %e %H:%M:%S %Y" };
	struct tm tm;

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = strptime(s, formats[i], &tm);
		if (end && !*end)
			return (int64_t)timegm(&tm);
	}
	return -1;
}

/* RFC 7232's order: If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since. */
static int s3__conditions(const struct http_req *req, const struct s3__obj *o, struct err *e)
{
	const char *im = http_header(req, "If-Match"), *inm = http_header(req, "If-None-Match");
	const char *ius = http_header(req, "If-Unmodified-Since");
	const char *ims = http_header(req, "If-Modified-Since");
	int64_t mod = o->modified / 1000, t;

	if (im && !s3__etag_in(im, o->etag))
		return err_set(e, SW_E_PreconditionFailed,
			       "At least one of the pre-conditions you specified did not hold");
	if (!im && ius && (t = s3__http_time(ius)) >= 0 && mod > t)
		return err_set(e, SW_E_PreconditionFailed,
			       "At least one of the pre-conditions you specified did not hold");
	if (inm && s3__etag_in(inm, o->etag))
		return err_set(e, SW_E_NotModified, "Not Modified");
	if (!inm && ims && (t = s3__http_time(ims)) >= 0 && mod <= t)
		return err_set(e, SW_E_NotModified, "Not Modified");
	return 0;
}

/* A decimal of at most 19 digits at *p. */
static bool s3__range_num(const char **p, uint64_t *out)
{
	int digits = 0;

	*out = 0;
	while (isdigit((unsigned char)**p)) {
		if (++digits > 19)
			return false;
		*out = *out * 10 + (uint64_t)(*(*p)++ - '0');
	}
	return digits > 0;
}

/* `Range: bytes=a-b | a- | -n`: 1 with [*start, *end] to serve, 0 to serve everything (no
 * header, or one S3 ignores: malformed, several ranges), -1 when unsatisfiable. */
static int s3__range(const char *h, uint64_t size, uint64_t *start, uint64_t *end)
{
	const char *p = h;
	uint64_t a, b;

	if (!h || strncasecmp(p, "bytes=", 6) != 0)
		return 0;
	p += 6;
	while (*p == ' ')
		p++;
	if (strchr(p, ','))
		return 0;
	if (*p == '-') {
		p++;
		if (!s3__range_num(&p, &b) || *p)
			return 0;
		if (b == 0 || size == 0)
			return -1;
		*start = b >= size ? 0 : size - b;
		*end = size - 1;
		return 1;
	}
	if (!s3__range_num(&p, &a) || *p++ != '-')
		return 0;
	if (*p) {
		if (!s3__range_num(&p, &b) || *p || b < a)
			return 0;
	} else {
		b = UINT64_MAX;
	}
	if (a >= size)
		return -1;
	*start = a;
	*end = b >= size ? size - 1 : b;
	return 1;
}

static int s3__get(struct s3_ctx *c, struct http_resp *resp)
{
	struct http_req *req = c->req;
	struct s3__obj o = { 0 };
	struct s3__get g = { c->bucket, c->key, &o };
	uint64_t start = 0, end = 0, size = 0;
	char etag[80], date[32], part[16];
	int r, fd = -1, ranged;

	/* The blob may go between the lookup and the open (an overwrite committed meanwhile):
	 * look again. */
	for (int attempt = 0;; attempt++) {
		r = store_read(c->env->store, s3__get_tx, &g, &req->err);
		if (!r)
			r = s3__conditions(req, &o, &req->err);
		if (r)
			goto out;
		r = blob_open_read(c->env->blob, o.blob, &fd, &size, &req->err);
		if (r != -SW_E_NOT_FOUND)
			break;
		if (attempt == 3) {
			r = err_set(&req->err, SW_E_INTERNAL,
				    "the content of '%s' is missing (blob %s)", c->key, o.blob);
			break;
		}
		err_clear(&req->err);
	}
	if (r)
		goto out;
	/* partNumber: a whole object is its own part 1; parts of multipart objects are not
	 * kept apart. */
	if (s3_query(c, "partNumber", part, sizeof(part)) == 0 &&
	    (strcmp(part, "1") != 0 || o.parts > 1)) {
		r = err_set(&req->err, SW_E_NotImplemented,
			    "GetObject by partNumber is only implemented for part 1 of objects "
			    "uploaded in one part");
		goto out;
	}
	ranged = s3__range(http_header(req, "Range"), o.size, &start, &end);
	if (ranged < 0) {
		c->range_unsatisfiable = true;
		c->object_size = o.size;
		r = err_set(&req->err, SW_E_InvalidRange, "The requested range is not satisfiable");
		goto out;
	}
	if (!ranged) {
		start = 0;
		end = o.size ? o.size - 1 : 0;
	}
	resp->status = ranged ? 206 : 200;
	http_resp_header(resp, "Content-Type", o.content_type);
	s3_etag_quote(o.etag, etag, sizeof(etag));
	http_resp_header(resp, "ETag", etag);
	time_http_date(o.modified, date);
	http_resp_header(resp, "Last-Modified", date);
	http_resp_header(resp, "Accept-Ranges", "bytes");
	if (ranged) {
		char cr[80];

		str_fmt(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)start,
			(unsigned long long)end, (unsigned long long)o.size);
		http_resp_header(resp, "Content-Range", cr);
	}
	/* A checksum describes the whole object only. */
	if (!ranged && o.ck_alg[0] &&
	    str_caseeq(http_header(req, "x-amz-checksum-mode"), "ENABLED")) {
		http_resp_header(resp, s3_ck_header(s3_ck_parse_name(o.ck_alg)), o.ck);
		if (o.ck_type[0])
			http_resp_header(resp, "x-amz-checksum-type", o.ck_type);
	}
	if (http_has_query(req, "partNumber"))
		http_resp_header(resp, "x-amz-mp-parts-count", "1");
	s3__meta_reply(c, o.meta, resp);
	{
		char rct[256];

		if (s3_query(c, "response-content-type", rct, sizeof(rct)) == 0) {
			for (int i = 0; i < resp->nheaders; i++) {
				if (strcasecmp(resp->headers[i].name, "Content-Type") == 0) {
					char *v = str_dup(rct);

					if (v) {
						free(resp->headers[i].value);
						resp->headers[i].value = v;
					}
				}
			}
		}
	}
	if (o.size == 0) {
		close(fd);
	} else {
		resp->fd = fd;
		resp->off = start;
		resp->len = end - start + 1;
	}
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(o.meta);
	return r;
}

int s3_get_object(struct s3_ctx *c, struct http_resp *resp)
{
	return s3__get(c, resp);
}

int s3_head_object(struct s3_ctx *c, struct http_resp *resp)
{
	return s3__get(c, resp);
}

/* ---- CopyObject ---- */

struct s3__copy {
	const char *src_bucket, *src_key;
	bool replace;
	const char *content_type, *meta;
	struct s3_put_row p;
	struct s3__obj o;
};

/* Reads the source inside the transaction that writes the copy. */
static int s3__copy_source(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__copy *cp = arg;
	struct s3__get g = { cp->src_bucket, cp->src_key, &cp->o };
	int r = s3__get_tx(sc, &g, e);

	if (r)
		return r;
	cp->p.blob = cp->o.blob;
	cp->p.size = cp->o.size;
	cp->p.etag = cp->o.etag;
	cp->p.content_type = cp->replace ? cp->content_type : cp->o.content_type;
	cp->p.meta = cp->replace ? cp->meta : cp->o.meta;
	cp->p.ck_alg = cp->o.ck_alg[0] ? cp->o.ck_alg : NULL;
	cp->p.ck = cp->o.ck[0] ? cp->o.ck : NULL;
	cp->p.ck_type = cp->o.ck_type[0] ? cp->o.ck_type : NULL;
	cp->p.parts = cp->o.parts;
	return 0;
}

int s3_copy_object(struct s3_ctx *c, struct http_resp *resp)
{
	struct http_req *req = c->req;
	const char *src = http_header(req, "x-amz-copy-source");
	const char *directive = http_header(req, "x-amz-metadata-directive");
	const char *ctype = http_header(req, "Content-Type");
	struct s3__copy cp = { 0 };
	struct buf b = BUF_INIT(4 * S3_KEY_MAX);
	char *meta = NULL, *slash, *q, when[32], etag[80];
	int r;

	/* "bucket/key" or "/bucket/key", percent-encoded, maybe "?versionId=…" */
	if (src[0] == '/')
		src++;
	if (uri_decode(&b, src, strlen(src)) || memchr(buf_str(&b), '\0', b.len) ||
	    !(slash = strchr(b.p ? b.p : "", '/'))) {
		buf_release(&b);
		return err_set(&req->err, SW_E_InvalidArgument,
			       "Copy Source must mention the source bucket and key: "
			       "sourcebucket/sourcekey");
	}
	q = strstr(slash, "?versionId=");
	if (q) {
		if (strcmp(q, "?versionId=null") != 0) {
			buf_release(&b);
			return err_set(&req->err, SW_E_NotImplemented,
				       "Object versions are not implemented by slipwayd");
		}
		*q = '\0';
	}
	*slash = '\0';
	cp.src_bucket = b.p;
	cp.src_key = slash + 1;
	if (directive && strcmp(directive, "COPY") != 0 && strcmp(directive, "REPLACE") != 0) {
		buf_release(&b);
		return err_set(&req->err, SW_E_InvalidArgument, "Unknown metadata directive.");
	}
	cp.replace = directive && strcmp(directive, "REPLACE") == 0;
	if (!cp.replace && strcmp(cp.src_bucket, c->bucket) == 0 &&
	    strcmp(cp.src_key, c->key) == 0) {
		buf_release(&b);
		return err_set(
		    &req->err, SW_E_InvalidRequest,
		    "This copy request is illegal because it is trying to copy an object "
		    "to itself without changing the object's metadata, storage class, "
		    "website redirect location or encryption attributes.");
	}
	r = s3_meta_collect(req, &meta, &req->err);
	if (r) {
		buf_release(&b);
		return r;
	}
	cp.content_type = ctype && ctype[0] ? ctype : S3_DEFAULT_TYPE;
	cp.meta = meta;
	cp.p.modified = time_now_ms();
	cp.p.blob = ""; /* set by s3__copy_source */
	cp.p.also = s3__copy_source;
	cp.p.also_arg = &cp;
	r = s3_put_row(c, &cp.p);
	if (!r) {
		resp->status = 200;
		buf_reset(&resp->body);
		s3_xml_open(&resp->body, "CopyObjectResult");
		s3_time_iso(cp.p.modified, when);
		s3_xml_elem(&resp->body, "LastModified", when);
		s3_etag_quote(cp.o.etag, etag, sizeof(etag));
		s3_xml_elem(&resp->body, "ETag", etag);
		buf_adds(&resp->body, "</CopyObjectResult>\n");
		s3_reply_xml(resp, 200);
	}
	free(cp.o.meta);
	free(meta);
	buf_release(&b);
	return r;
}

/* ---- DeleteObject(s) ---- */

struct s3__del {
	const char *bucket;
	const char *const *keys;
	size_t n;
	char (*blobs)[65]; /* n entries: what each key held, "" when nothing */
};

static int s3__del_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__del *d = arg;
	struct store_stmt *st;
	int r = s3_bucket_check(sc, d->bucket, e);

	for (size_t i = 0; !r && i < d->n; i++) {
		d->blobs[i][0] = '\0';
		r = store_exec(sc, &st, "SELECT blob FROM objects WHERE bucket = ? AND key = ?",
			       "tt", e, d->bucket, d->keys[i]);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		str_copy(d->blobs[i], sizeof(d->blobs[i]), store_col_text(st, 0));
		r = store_exec(sc, NULL, "DELETE FROM objects WHERE bucket = ? AND key = ?", "tt",
			       e, d->bucket, d->keys[i]);
		r = r < 0 ? r : 0;
	}
	return r;
}

static int s3__delete_keys(struct s3_ctx *c, const char *const *keys, size_t n)
{
	struct s3__del d = { c->bucket, keys, n, calloc(n ? n : 1, sizeof(*d.blobs)) };
	const char **gc = calloc(n ? n : 1, sizeof(*gc));
	int r;

	if (!d.blobs || !gc) {
		free(d.blobs);
		free(gc);
		return err_set(&c->req->err, SW_E_NOMEM, NULL);
	}
	r = store_write(c->env->store, s3__del_tx, &d, &c->req->err);
	if (!r) {
		for (size_t i = 0; i < n; i++)
			gc[i] = d.blobs[i];
		s3_blob_gc(c->env, gc, n);
	}
	free(d.blobs);
	free(gc);
	return r;
}

int s3_delete_object(struct s3_ctx *c, struct http_resp *resp)
{
	const char *key = c->key;
	int r = s3__delete_keys(c, &key, 1);

	if (r)
		return r;
	resp->status = 204; /* deleting a missing key succeeds, as in S3 */
	return 0;
}

/* Checks Content-MD5 and an x-amz-checksum-* header against a buffered body. */
static int s3__body_digests(struct s3_ctx *c)
{
	const struct http_req *req = c->req;
	const char *md5h = http_header(req, "Content-MD5");

	if (md5h) {
		uint8_t want[MD5_LEN], have[MD5_LEN];

		if (base64_decode(md5h, want, MD5_LEN) != MD5_LEN)
			return err_set(&c->req->err, SW_E_InvalidDigest,
				       "The Content-MD5 you specified was invalid.");
		md5(buf_str(&req->body), req->body.len, have);
		if (memcmp(want, have, MD5_LEN) != 0)
			return err_set(&c->req->err, SW_E_BadDigest,
				       "The Content-MD5 you specified did not match what we "
				       "received.");
	}
	for (int a = S3_CK_CRC32; a <= S3_CK_SHA256; a++) {
		const char *v = http_header(req, s3_ck_header((enum s3_ck_alg)a));
		uint8_t want[S3_CK_RAW_MAX], have[S3_CK_RAW_MAX];
		struct s3_ck ck;
		size_t n;

		if (!v)
			continue;
		if (s3_ck_decode((enum s3_ck_alg)a, v, want))
			return err_set(&c->req->err, SW_E_InvalidRequest,
				       "Value for %s header is invalid.",
				       s3_ck_header((enum s3_ck_alg)a));
		if (s3_ck_init(&ck, (enum s3_ck_alg)a))
			return err_set(&c->req->err, SW_E_NOMEM, NULL);
		s3_ck_update(&ck, buf_str(&req->body), req->body.len);
		n = s3_ck_final(&ck, have);
		s3_ck_release(&ck);
		if (memcmp(want, have, n) != 0)
			return err_set(
			    &c->req->err, SW_E_BadDigest,
			    "The %s you specified did not match the calculated checksum.",
			    s3_ck_name((enum s3_ck_alg)a));
	}
	return 0;
}

int s3_body_digests(struct s3_ctx *c)
{
	return s3__body_digests(c);
}

int s3_delete_objects(struct s3_ctx *c, struct http_resp *resp)
{
	const struct s3_xml_node *root, *obj;
	struct s3_xml *x = NULL;
	const char **keys = NULL;
	const char *quiet;
	size_t n = 0;
	bool digest = http_header(c->req, "Content-MD5") != NULL;
	int r;

	/* S3 requires the body's integrity to be declared: Content-MD5 or a flexible checksum. */
	for (int a = S3_CK_CRC32; a <= S3_CK_SHA256 && !digest; a++)
		digest = http_header(c->req, s3_ck_header((enum s3_ck_alg)a)) != NULL;
	if (!digest)
		return err_set(&c->req->err, SW_E_InvalidRequest,
			       "Missing required header for this request: Content-MD5 (or an "
			       "x-amz-checksum-* header)");
	r = s3__body_digests(c);
	if (!r)
		r = s3_xml_parse(buf_str(&c->req->body), c->req->body.len, &x, &c->req->err);
	if (r)
		return r;
	root = s3_xml_root(x);
	if (strcmp(s3_xml_name(root), "Delete") != 0) {
		r = err_set(&c->req->err, SW_E_MalformedXML,
			    "The XML you provided was not well-formed or did not validate against "
			    "our published schema (the root is not Delete)");
		goto out;
	}
	for (obj = s3_xml_child(x, root, "Object"); obj; obj = s3_xml_next(x, obj, "Object"))
		n++;
	if (n == 0 || n > S3_LIST_MAX) {
		r = err_set(&c->req->err, SW_E_MalformedXML,
			    "The XML you provided was not well-formed or did not validate against "
			    "our published schema (1 to 1000 Object elements)");
		goto out;
	}
	keys = calloc(n, sizeof(*keys));
	if (!keys) {
		r = err_set(&c->req->err, SW_E_NOMEM, NULL);
		goto out;
	}
	n = 0;
	for (obj = s3_xml_child(x, root, "Object"); obj; obj = s3_xml_next(x, obj, "Object")) {
		const char *k = s3_xml_child_text(x, obj, "Key");

		if (!k || !k[0] || strlen(k) > S3_KEY_MAX) {
			r = err_set(&c->req->err, SW_E_MalformedXML,
				    "The XML you provided was not well-formed or did not validate "
				    "against our published schema (an Object without a valid Key)");
			goto out;
		}
		keys[n++] = k;
	}
	r = s3__delete_keys(c, keys, n);
	if (r)
		goto out;
	quiet = s3_xml_child_text(x, root, "Quiet");
	s3_xml_open(&resp->body, "DeleteResult");
	for (size_t i = 0; !(quiet && strcmp(quiet, "true") == 0) && i < n; i++) {
		buf_adds(&resp->body, "<Deleted>");
		s3_xml_elem(&resp->body, "Key", keys[i]);
		buf_adds(&resp->body, "</Deleted>");
	}
	buf_adds(&resp->body, "</DeleteResult>\n");
	s3_reply_xml(resp, 200);
out:
	free(keys);
	s3_xml_free(x);
	return r;
}
