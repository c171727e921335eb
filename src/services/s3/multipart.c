/* s3/multipart: CreateMultipartUpload, UploadPart, CompleteMultipartUpload (parts streamed into
 * one new blob), AbortMultipartUpload, ListParts, ListMultipartUploads. */
#include "s3_int.h"
#include "xml.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "blob/blob.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S3_COPY_BUF (256u << 10)

static const char s3__no_upload[] =
    "The specified upload does not exist. The upload ID may be invalid, or the upload may "
    "have been aborted or completed.";

/* A multipart upload of bucket/key: NoSuchUpload when missing; alg/type may be NULL. */
static int s3_upload_lookup(struct store_conn *sc, const char *bucket, const char *key,
			    const char *upload_id, enum s3_ck_alg *alg, char *type,
			    size_t type_size, struct err *e)
{
	struct store_stmt *st;
	int r =
	    store_exec(sc, &st,
		       "SELECT checksum_alg, checksum_type FROM uploads WHERE id = ? AND bucket = "
		       "? AND key = ?",
		       "ttt", e, upload_id, bucket, key);

	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_NoSuchUpload, s3__no_upload);
	if (alg)
		*alg = s3_ck_parse_name(store_col_text(st, 0));
	if (type)
		str_copy(type, type_size, store_col_text(st, 1) ? store_col_text(st, 1) : "");
	return 0;
}

/* The uploadId query parameter into c->upload_id; NoSuchUpload when it cannot be one. */
static int s3__upload_id(struct s3_ctx *c, struct err *e)
{
	int r = s3_query(c, "uploadId", c->upload_id, sizeof(c->upload_id));

	if (r || !c->upload_id[0]) {
		c->upload_id[0] = '\0';
		return err_set(e, SW_E_NoSuchUpload, s3__no_upload);
	}
	return 0;
}

/* Collects blob names from the first column of a statement's rows. */
struct s3__blobs {
	char (*v)[65];
	size_t n, cap;
};

static int s3__blobs_add(struct s3__blobs *b, const char *hex, struct err *e)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 16;
		char(*v)[65] = realloc(b->v, cap * sizeof(*v));

		if (!v)
			return err_set(e, SW_E_NOMEM, NULL);
		b->v = v;
		b->cap = cap;
	}
	str_copy(b->v[b->n++], 65, hex);
	return 0;
}

static void s3__blobs_gc(struct env *env, struct s3__blobs *b)
{
	const char **gc = b->n ? calloc(b->n, sizeof(*gc)) : NULL;

	for (size_t i = 0; gc && i < b->n; i++)
		gc[i] = b->v[i];
	if (gc)
		s3_blob_gc(env, gc, b->n);
	free(gc);
	free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
}

/* Removes an upload and its parts, collecting the parts' blobs. */
static int s3__upload_drop(struct store_conn *sc, const char *id, struct s3__blobs *b,
			   struct err *e)
{
	struct store_stmt *st;
	int r =
	    store_exec(sc, &st, "SELECT blob FROM upload_parts WHERE upload_id = ?", "t", e, id);

	b->n = 0;
	for (; r == 1; r = store_step(st, e))
		if (s3__blobs_add(b, store_col_text(st, 0), e))
			return -SW_E_NOMEM;
	if (r >= 0)
		r = store_exec(sc, NULL, "DELETE FROM upload_parts WHERE upload_id = ?", "t", e,
			       id);
	if (r >= 0)
		r = store_exec(sc, NULL, "DELETE FROM uploads WHERE id = ?", "t", e, id);
	return r < 0 ? r : 0;
}

/* ---- CreateMultipartUpload ---- */

struct s3__create {
	struct s3_ctx *c;
	const char *id, *content_type, *meta, *alg, *type;
};

static int s3__create_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__create *m = arg;
	int r = s3_bucket_check(sc, m->c->bucket, e);

	if (r)
		return r;
	r = store_exec(sc, NULL,
		       "INSERT INTO uploads (id, bucket, key, created, content_type, meta, "
		       "checksum_alg, checksum_type) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		       "tttitttt", e, m->id, m->c->bucket, m->c->key, time_now_ms(),
		       m->content_type, m->meta, m->alg, m->type);
	return r < 0 ? r : 0;
}

int s3_create_multipart(struct s3_ctx *c, struct http_resp *resp)
{
	struct http_req *req = c->req;
	const char *alg_h = http_header(req, "x-amz-checksum-algorithm");
	const char *type_h = http_header(req, "x-amz-checksum-type");
	const char *ctype = http_header(req, "Content-Type");
	enum s3_ck_alg alg = S3_CK_NONE;
	struct s3__create m = { .c = c };
	char id[S3_UPLOAD_ID_LEN + 1], *meta = NULL;
	const char *type = NULL;
	int r;

	if (alg_h) {
		alg = s3_ck_parse_name(alg_h);
		if (alg == S3_CK_NONE)
			return err_set(
			    &req->err, SW_E_InvalidRequest,
			    "Checksum algorithm provided is unsupported. Please try again "
			    "with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, "
			    "SHA256]");
	}
	if (type_h) {
		if (strcmp(type_h, "FULL_OBJECT") != 0 && strcmp(type_h, "COMPOSITE") != 0)
			return err_set(&req->err, SW_E_InvalidRequest,
				       "Value for x-amz-checksum-type header is invalid.");
		if (alg == S3_CK_NONE)
			return err_set(&req->err, SW_E_InvalidRequest,
				       "The x-amz-checksum-type header can only be used with the "
				       "x-amz-checksum-algorithm header.");
		type = type_h;
	}
	if (alg != S3_CK_NONE && !type)
		type = alg == S3_CK_CRC64NVME ? "FULL_OBJECT" : "COMPOSITE";
	if (type && strcmp(type, "FULL_OBJECT") == 0 && (alg == S3_CK_SHA1 || alg == S3_CK_SHA256))
		return err_set(&req->err, SW_E_InvalidRequest,
			       "The FULL_OBJECT checksum type cannot be used with the %s checksum "
			       "algorithm.",
			       s3_ck_name(alg));
	if (type && strcmp(type, "COMPOSITE") == 0 && alg == S3_CK_CRC64NVME)
		return err_set(&req->err, SW_E_InvalidRequest,
			       "The COMPOSITE checksum type cannot be used with the crc64nvme "
			       "checksum algorithm.");
	r = s3_meta_collect(req, &meta, &req->err);
	if (r)
		return r;
	random_string(id, S3_UPLOAD_ID_LEN,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
	m.id = id;
	m.content_type = ctype && ctype[0] ? ctype : "binary/octet-stream";
	m.meta = meta;
	m.alg = alg != S3_CK_NONE ? s3_ck_name(alg) : NULL;
	m.type = type;
	r = store_write(c->env->store, s3__create_tx, &m, &req->err);
	free(meta);
	if (r)
		return r;
	s3_xml_open(&resp->body, "InitiateMultipartUploadResult");
	s3_xml_elem(&resp->body, "Bucket", c->bucket);
	s3_xml_elem(&resp->body, "Key", c->key);
	s3_xml_elem(&resp->body, "UploadId", id);
	buf_adds(&resp->body, "</InitiateMultipartUploadResult>\n");
	s3_reply_xml(resp, 200);
	if (alg != S3_CK_NONE) {
		http_resp_header(resp, "x-amz-checksum-algorithm", s3_ck_name(alg));
		http_resp_header(resp, "x-amz-checksum-type", type);
	}
	return 0;
}

/* ---- UploadPart ---- */

struct s3__lookup {
	struct s3_ctx *c;
	enum s3_ck_alg alg;
};

static int s3__lookup_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__lookup *l = arg;

	return s3_upload_lookup(sc, l->c->bucket, l->c->key, l->c->upload_id, &l->alg, NULL, 0, e);
}

/* partNumber: 1..10000. */
static int s3__part_number(struct s3_ctx *c, const char *param, int *out, struct err *e)
{
	char v[16];
	int64_t n;

	if (s3_query(c, param, v, sizeof(v)) != 0 || str_to_i64(v, 1, S3_PARTS_MAX, &n))
		return err_set(e, SW_E_InvalidArgument,
			       "Part number must be an integer between 1 and 10000, inclusive");
	*out = (int)n;
	return 0;
}

int s3_upload_part_begin(struct s3_ctx *c, struct err *e)
{
	struct s3__lookup l = { c, S3_CK_NONE };
	int r = s3__part_number(c, "partNumber", &c->part, e);

	if (!r)
		r = s3__upload_id(c, e);
	if (!r)
		r = store_read(c->env->store, s3__lookup_tx, &l, e);
	if (r)
		return r;
	return s3_upload_begin(c, l.alg, e);
}

struct s3__part {
	struct s3_ctx *c;
	const struct s3_upload_result *res;
	const char *checksums;
	struct blob_writer *w;
	char old_blob[65];
};

static int s3__part_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__part *p = arg;
	struct store_stmt *st;
	int r = s3_upload_lookup(sc, p->c->bucket, p->c->key, p->c->upload_id, NULL, NULL, 0, e);

	if (r)
		return r;
	p->old_blob[0] = '\0';
	r = store_exec(sc, &st, "SELECT blob FROM upload_parts WHERE upload_id = ? AND part = ?",
		       "ti", e, p->c->upload_id, (int64_t)p->c->part);
	if (r < 0)
		return r;
	if (r == 1)
		str_copy(p->old_blob, sizeof(p->old_blob), store_col_text(st, 0));
	r = store_exec(
	    sc, NULL,
	    "INSERT INTO upload_parts (upload_id, part, blob, size, etag, checksums, "
	    "modified) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (upload_id, part) DO "
	    "UPDATE SET blob = excluded.blob, size = excluded.size, etag = excluded.etag, "
	    "checksums = excluded.checksums, modified = excluded.modified",
	    "tititti", e, p->c->upload_id, (int64_t)p->c->part, p->res->blob, (int64_t)p->res->size,
	    p->res->md5_hex, p->checksums, time_now_ms());
	if (r < 0)
		return r;
	return blob_writer_commit(p->w, NULL, NULL, e);
}

int s3_upload_part(struct s3_ctx *c, struct http_resp *resp)
{
	const struct s3_upload_result *res = s3_upload_result(c->up);
	struct s3__part p = { c, res, NULL, s3_upload_writer(c->up), "" };
	const char *gc[1] = { NULL };
	char checksums[S3_CK_B64_MAX + 16], etag[80];
	int r;

	if (res->ck_alg != S3_CK_NONE) {
		str_fmt(checksums, sizeof(checksums), "%s:%s", s3_ck_name(res->ck_alg),
			res->ck_b64);
		p.checksums = checksums;
	}
	r = store_write(c->env->store, s3__part_tx, &p, &c->req->err);
	if (r)
		gc[0] = res->blob;
	else if (p.old_blob[0] && strcmp(p.old_blob, res->blob) != 0)
		gc[0] = p.old_blob;
	s3_blob_gc(c->env, gc, 1);
	if (r)
		return r;
	resp->status = 200;
	s3_etag_quote(res->md5_hex, etag, sizeof(etag));
	http_resp_header(resp, "ETag", etag);
	if (res->ck_alg != S3_CK_NONE)
		http_resp_header(resp, s3_ck_header(res->ck_alg), res->ck_b64);
	return 0;
}

/* ---- CompleteMultipartUpload ---- */

/* A listed part as stored. */
struct s3__stored {
	char blob[65];
	uint64_t size;
	char etag[33];
	enum s3_ck_alg ck_alg;
	uint8_t ck[S3_CK_RAW_MAX];
	size_t ck_len;
};

struct s3__complete {
	struct s3_ctx *c;
	const struct s3_part_list *list;
	struct s3__stored *parts; /* list->n of them */
	enum s3_ck_alg alg;
	char type[16];
	char *content_type, *meta;
	struct s3__blobs drop; /* every part blob of the upload, removed afterwards */
};

/* "ALG:base64" from upload_parts.checksums. */
static void s3__stored_checksum(struct s3__stored *s, const char *v)
{
	const char *colon = v ? strchr(v, ':') : NULL;
	char name[16];

	s->ck_alg = S3_CK_NONE;
	if (!colon || str_copyn(name, sizeof(name), v, (size_t)(colon - v)))
		return;
	s->ck_alg = s3_ck_parse_name(name);
	if (s->ck_alg == S3_CK_NONE || s3_ck_decode(s->ck_alg, colon + 1, s->ck)) {
		s->ck_alg = S3_CK_NONE;
		return;
	}
	s->ck_len = s3_ck_raw_len(s->ck_alg);
}

static int s3__invalid_part(struct err *e, int part, const char *why)
{
	return err_set(e, SW_E_InvalidPart,
		       "One or more of the specified parts could not be found.  The part may not "
		       "have been uploaded, or the specified entity tag may not match the part's "
		       "entity tag. (part %d: %s)",
		       part, why);
}

/* Reads the upload and the listed parts, checking them against the list. */
static int s3__complete_read(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__complete *m = arg;
	struct store_stmt *st;
	int r;

	r = store_exec(
	    sc, &st,
	    "SELECT content_type, meta, checksum_alg, checksum_type FROM uploads WHERE id "
	    "= ? AND bucket = ? AND key = ?",
	    "ttt", e, m->c->upload_id, m->c->bucket, m->c->key);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_NoSuchUpload, s3__no_upload);
	free(m->content_type);
	free(m->meta);
	m->content_type = store_col_text(st, 0) ? str_dup(store_col_text(st, 0)) : NULL;
	m->meta = store_col_text(st, 1) ? str_dup(store_col_text(st, 1)) : NULL;
	m->alg = s3_ck_parse_name(store_col_text(st, 2));
	str_copy(m->type, sizeof(m->type), store_col_text(st, 3) ? store_col_text(st, 3) : "");
	for (size_t i = 0; i < m->list->n; i++) {
		const struct s3_complete_part *want = &m->list->parts[i];
		struct s3__stored *s = &m->parts[i];

		r = store_exec(
		    sc, &st,
		    "SELECT blob, size, etag, checksums FROM upload_parts WHERE upload_id "
		    "= ? AND part = ?",
		    "ti", e, m->c->upload_id, (int64_t)want->number);
		if (r < 0)
			return r;
		if (r == 0)
			return s3__invalid_part(e, want->number, "not uploaded");
		str_copy(s->blob, sizeof(s->blob), store_col_text(st, 0));
		s->size = (uint64_t)store_col_int(st, 1);
		str_copy(s->etag, sizeof(s->etag), store_col_text(st, 2));
		s3__stored_checksum(s, store_col_text(st, 3));
		if (strcmp(s->etag, want->etag) != 0)
			return s3__invalid_part(e, want->number, "the ETag does not match");
		if (want->ck_alg != S3_CK_NONE) {
			uint8_t raw[S3_CK_RAW_MAX];

			if (s3_ck_decode(want->ck_alg, want->checksum, raw) ||
			    want->ck_alg != s->ck_alg || memcmp(raw, s->ck, s->ck_len) != 0)
				return s3__invalid_part(e, want->number,
							"the checksum does not match");
		}
		if (i + 1 < m->list->n && s->size < S3_PART_MIN)
			return err_set(
			    e, SW_E_EntityTooSmall,
			    "Your proposed upload is smaller than the minimum allowed "
			    "size (part %d has %llu bytes; every part but the last needs "
			    "5 MiB)",
			    want->number, (unsigned long long)s->size);
	}
	return 0;
}

/* In the write transaction: the upload and the listed parts are as read, then go. */
static int s3__complete_drop(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__complete *m = arg;
	struct store_stmt *st;
	int r = s3_upload_lookup(sc, m->c->bucket, m->c->key, m->c->upload_id, NULL, NULL, 0, e);

	if (r)
		return r;
	for (size_t i = 0; i < m->list->n; i++) {
		r = store_exec(sc, &st,
			       "SELECT blob FROM upload_parts WHERE upload_id = ? AND part = ?",
			       "ti", e, m->c->upload_id, (int64_t)m->list->parts[i].number);
		if (r < 0)
			return r;
		if (r == 0 || strcmp(store_col_text(st, 0), m->parts[i].blob) != 0)
			return s3__invalid_part(e, m->list->parts[i].number,
						"replaced while the upload was being completed");
	}
	return s3__upload_drop(sc, m->c->upload_id, &m->drop, e);
}

/* Streams the listed parts, in order, into w (computing the full-object checksum into ck). */
static int s3__concat(struct s3__complete *m, struct blob_writer *w, struct s3_ck *ck,
		      struct err *e)
{
	char *buf = malloc(S3_COPY_BUF);
	int r = buf ? 0 : err_set(e, SW_E_NOMEM, NULL);

	for (size_t i = 0; !r && i < m->list->n; i++) {
		uint64_t size, left;
		int fd;

		r = blob_open_read(m->c->env->blob, m->parts[i].blob, &fd, &size, e);
		if (r == -SW_E_NOT_FOUND)
			r = s3__invalid_part(e, m->list->parts[i].number,
					     "removed while the upload was being completed");
		if (r)
			break;
		for (left = size; !r && left;) {
			ssize_t n = read(fd, buf, left < S3_COPY_BUF ? (size_t)left : S3_COPY_BUF);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				r = err_set(e, SW_E_IO, "cannot read part %d: %s",
					    m->list->parts[i].number,
					    n < 0 ? strerror(errno) : "short file");
				break;
			}
			s3_ck_update(ck, buf, (size_t)n);
			r = blob_writer_write(w, buf, (size_t)n, e);
			left -= (uint64_t)n;
		}
		close(fd);
	}
	free(buf);
	return r;
}

int s3_complete_multipart(struct s3_ctx *c, struct http_resp *resp)
{
	struct http_req *req = c->req;
	struct s3_part_list list = { 0 };
	struct s3__complete m = { .c = c };
	struct s3_put_row p = { 0 };
	struct blob_writer *w = NULL;
	struct s3_ck full = { 0 }, comp = { 0 };
	struct digest *etag_md5 = NULL;
	uint8_t raw[S3_CK_RAW_MAX], md[MD5_LEN];
	char blob[65], etag[80], qetag[90], ck[S3_CK_B64_MAX + 8], host_loc[2048];
	uint64_t size = 0;
	bool full_object;
	int r;

	r = s3__upload_id(c, &req->err);
	if (!r)
		r = s3_xml_parse_parts(buf_str(&req->body), req->body.len, &list, &req->err);
	if (r)
		return r;
	m.list = &list;
	m.parts = calloc(list.n, sizeof(*m.parts));
	if (!m.parts) {
		r = err_set(&req->err, SW_E_NOMEM, NULL);
		goto out;
	}
	r = store_read(c->env->store, s3__complete_read, &m, &req->err);
	if (r)
		goto out;
	full_object = m.alg != S3_CK_NONE && strcmp(m.type, "FULL_OBJECT") == 0;
	etag_md5 = digest_new(DIGEST_MD5);
	if (!etag_md5 || s3_ck_init(&full, full_object ? m.alg : S3_CK_NONE) ||
	    s3_ck_init(&comp, full_object ? S3_CK_NONE : m.alg)) {
		r = err_set(&req->err, SW_E_NOMEM, NULL);
		goto out;
	}
	/* ETag: MD5 of the parts' binary MD5s, and their count; a composite checksum is the
	 * same construction over the parts' checksums. */
	for (size_t i = 0; i < list.n; i++) {
		uint8_t pm[MD5_LEN];

		if (hex_decode(m.parts[i].etag, pm, MD5_LEN) == 0)
			digest_update(etag_md5, pm, MD5_LEN);
		if (!full_object && m.alg != S3_CK_NONE) {
			if (m.parts[i].ck_alg != m.alg) {
				r = s3__invalid_part(
				    &req->err, list.parts[i].number,
				    "it has no checksum of the upload's algorithm");
				goto out;
			}
			s3_ck_update(&comp, m.parts[i].ck, m.parts[i].ck_len);
		}
	}
	r = blob_writer_new(c->env->blob, &w, &req->err);
	if (!r)
		r = s3__concat(&m, w, &full, &req->err);
	if (!r)
		r = blob_writer_finish(w, blob, &size, &req->err);
	if (r)
		goto out;
	digest_final(etag_md5, md);
	hex_encode(md, MD5_LEN, etag);
	str_fmt(etag + 32, sizeof(etag) - 32, "-%zu", list.n);
	ck[0] = '\0';
	if (full_object) {
		const char *given = http_header(req, s3_ck_header(m.alg));
		uint8_t want[S3_CK_RAW_MAX];
		size_t n = s3_ck_final(&full, raw);

		s3_ck_encode(raw, n, ck);
		if (given && (s3_ck_decode(m.alg, given, want) || memcmp(want, raw, n) != 0)) {
			r = err_set(&req->err, SW_E_BadDigest,
				    "The %s you specified did not match the calculated checksum.",
				    s3_ck_name(m.alg));
			goto out;
		}
	} else if (m.alg != S3_CK_NONE) {
		size_t n = s3_ck_final(&comp, raw);

		s3_ck_encode(raw, n, ck);
		str_fmt(ck + strlen(ck), sizeof(ck) - strlen(ck), "-%zu", list.n);
	}
	p.content_type = m.content_type ? m.content_type : "binary/octet-stream";
	p.meta = m.meta;
	p.blob = blob;
	p.size = size;
	p.etag = etag;
	p.modified = time_now_ms();
	if (m.alg != S3_CK_NONE) {
		p.ck_alg = s3_ck_name(m.alg);
		p.ck = ck;
		p.ck_type = m.type;
	}
	p.parts = (int)list.n;
	p.w = w;
	p.also = s3__complete_drop;
	p.also_arg = &m;
	r = s3_put_row(c, &p);
	if (r)
		goto out;
	s3__blobs_gc(c->env, &m.drop);
	s3_xml_open(&resp->body, "CompleteMultipartUploadResult");
	str_fmt(host_loc, sizeof(host_loc), "http://%s%s",
		http_header(req, "Host") ? http_header(req, "Host") : "localhost", req->path);
	s3_xml_elem(&resp->body, "Location", host_loc);
	s3_xml_elem(&resp->body, "Bucket", c->bucket);
	s3_xml_elem(&resp->body, "Key", c->key);
	s3_etag_quote(etag, qetag, sizeof(qetag));
	s3_xml_elem(&resp->body, "ETag", qetag);
	if (m.alg != S3_CK_NONE) {
		char elem[32];

		str_fmt(elem, sizeof(elem), "Checksum%s", s3_ck_name(m.alg));
		s3_xml_elem(&resp->body, elem, ck);
		s3_xml_elem(&resp->body, "ChecksumType", m.type);
	}
	buf_adds(&resp->body, "</CompleteMultipartUploadResult>\n");
	s3_reply_xml(resp, 200);
out:
	blob_writer_free(w);
	digest_free(etag_md5);
	s3_ck_release(&full);
	s3_ck_release(&comp);
	free(m.drop.v);
	free(m.parts);
	free(m.content_type);
	free(m.meta);
	s3_part_list_release(&list);
	return r;
}

/* ---- AbortMultipartUpload ---- */

struct s3__abort {
	struct s3_ctx *c;
	struct s3__blobs drop;
};

static int s3__abort_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__abort *a = arg;
	int r = s3_upload_lookup(sc, a->c->bucket, a->c->key, a->c->upload_id, NULL, NULL, 0, e);

	return r ? r : s3__upload_drop(sc, a->c->upload_id, &a->drop, e);
}

int s3_abort_multipart(struct s3_ctx *c, struct http_resp *resp)
{
	struct s3__abort a = { c, { 0 } };
	int r = s3__upload_id(c, &c->req->err);

	if (!r)
		r = store_write(c->env->store, s3__abort_tx, &a, &c->req->err);
	if (!r)
		s3__blobs_gc(c->env, &a.drop);
	free(a.drop.v);
	if (r)
		return r;
	resp->status = 204;
	return 0;
}

/* ---- ListParts ---- */

struct s3__lparts {
	struct s3_ctx *c;
	int64_t marker, max;
	struct buf *out;
	int64_t last;
	bool truncated;
	enum s3_ck_alg alg;
	char type[16];
};

static int s3__lparts_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__lparts *l = arg;
	struct store_stmt *st;
	int64_t n = 0;
	int r = s3_upload_lookup(sc, l->c->bucket, l->c->key, l->c->upload_id, &l->alg, l->type,
				 sizeof(l->type), e);

	if (r)
		return r;
	r = store_exec(sc, &st,
		       "SELECT part, size, etag, modified, checksums FROM upload_parts WHERE "
		       "upload_id = ? AND part > ? ORDER BY part LIMIT ?",
		       "tii", e, l->c->upload_id, l->marker, l->max + 1);
	for (; r == 1; r = store_step(st, e)) {
		const char *cks = store_col_text(st, 4);
		char when[32], etag[80];

		if (n == l->max) {
			l->truncated = true;
			break;
		}
		buf_adds(l->out, "<Part>");
		s3_xml_elemf(l->out, "PartNumber", "%lld", (long long)store_col_int(st, 0));
		s3_time_iso(store_col_int(st, 3), when);
		s3_xml_elem(l->out, "LastModified", when);
		s3_etag_quote(store_col_text(st, 2), etag, sizeof(etag));
		s3_xml_elem(l->out, "ETag", etag);
		s3_xml_elemf(l->out, "Size", "%lld", (long long)store_col_int(st, 1));
		if (cks && strchr(cks, ':')) {
			char elem[32];

			str_fmt(elem, sizeof(elem), "Checksum%.*s", (int)(strchr(cks, ':') - cks),
				cks);
			s3_xml_elem(l->out, elem, strchr(cks, ':') + 1);
		}
		buf_adds(l->out, "</Part>");
		l->last = store_col_int(st, 0);
		n++;
	}
	return r < 0 ? r : 0;
}

int s3_list_parts(struct s3_ctx *c, struct http_resp *resp)
{
	struct buf parts = BUF_INIT(32u << 20);
	struct s3__lparts l = { .c = c, .max = S3_LIST_MAX, .out = &parts };
	char v[24];
	int r = s3__upload_id(c, &c->req->err);

	if (r)
		return r;
	r = s3_query(c, "part-number-marker", v, sizeof(v));
	if (r < 0 || (r == 0 && str_to_i64(v, 0, S3_PARTS_MAX, &l.marker)))
		return err_set(&c->req->err, SW_E_InvalidArgument,
			       "part-number-marker must be an integer from 0 to 10000");
	r = s3_query(c, "max-parts", v, sizeof(v));
	if (r < 0 || (r == 0 && str_to_i64(v, 0, INT64_MAX, &l.max)))
		return err_set(&c->req->err, SW_E_InvalidArgument,
			       "max-parts must be a non-negative integer");
	if (l.max > S3_LIST_MAX)
		l.max = S3_LIST_MAX;
	l.last = l.marker;
	r = store_read(c->env->store, s3__lparts_tx, &l, &c->req->err);
	if (r) {
		buf_release(&parts);
		return r;
	}
	s3_xml_open(&resp->body, "ListPartsResult");
	s3_xml_elem(&resp->body, "Bucket", c->bucket);
	s3_xml_elem(&resp->body, "Key", c->key);
	s3_xml_elem(&resp->body, "UploadId", c->upload_id);
	s3_xml_elemf(&resp->body, "PartNumberMarker", "%lld", (long long)l.marker);
	s3_xml_elemf(&resp->body, "NextPartNumberMarker", "%lld", (long long)l.last);
	s3_xml_elemf(&resp->body, "MaxParts", "%lld", (long long)l.max);
	s3_xml_elem(&resp->body, "IsTruncated", l.truncated ? "true" : "false");
	if (l.alg != S3_CK_NONE) {
		s3_xml_elem(&resp->body, "ChecksumAlgorithm", s3_ck_name(l.alg));
		s3_xml_elem(&resp->body, "ChecksumType", l.type);
	}
	s3_xml_elem(&resp->body, "StorageClass", "STANDARD");
	buf_add(&resp->body, parts.p ? parts.p : "", parts.len);
	buf_adds(&resp->body, "</ListPartsResult>\n");
	s3_reply_xml(resp, 200);
	buf_release(&parts);
	return 0;
}

/* ---- ListMultipartUploads ---- */

struct s3__luploads {
	struct s3_ctx *c;
	const char *prefix, *key_marker, *id_marker;
	int64_t max;
	struct buf *out;
	char next_key[S3_KEY_MAX + 1], next_id[S3_UPLOAD_ID_LEN + 1];
	bool truncated;
};

static int s3__luploads_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__luploads *l = arg;
	struct store_stmt *st;
	int64_t n = 0;
	int r = s3_bucket_check(sc, l->c->bucket, e);

	if (r)
		return r;
	r = store_exec(
	    sc, &st,
	    "SELECT key, id, created FROM uploads WHERE bucket = ? AND (key > ? OR (key = "
	    "? AND id > ?)) ORDER BY key, id",
	    "tttt", e, l->c->bucket, l->key_marker, l->key_marker, l->id_marker);
	for (; r == 1; r = store_step(st, e)) {
		const char *key = store_col_text(st, 0);
		char when[32];

		if (!str_starts(key, l->prefix))
			continue;
		if (n == l->max) {
			l->truncated = true;
			break;
		}
		buf_adds(l->out, "<Upload>");
		s3_xml_elem(l->out, "Key", key);
		s3_xml_elem(l->out, "UploadId", store_col_text(st, 1));
		s3_xml_elem(l->out, "StorageClass", "STANDARD");
		s3_time_iso(store_col_int(st, 2), when);
		s3_xml_elem(l->out, "Initiated", when);
		buf_adds(l->out, "</Upload>");
		str_copy(l->next_key, sizeof(l->next_key), key);
		str_copy(l->next_id, sizeof(l->next_id), store_col_text(st, 1));
		n++;
	}
	return r < 0 ? r : 0;
}

int s3_list_multipart_uploads(struct s3_ctx *c, struct http_resp *resp)
{
	struct buf items = BUF_INIT(32u << 20);
	struct s3__luploads l = { .c = c, .max = S3_LIST_MAX, .out = &items };
	char *prefix = calloc(1, S3_KEY_MAX + 1), *km = calloc(1, S3_KEY_MAX + 1);
	char idm[S3_UPLOAD_ID_LEN + 1] = "", v[24];
	int r = prefix && km ? 0 : err_set(&c->req->err, SW_E_NOMEM, NULL);

	if (!r && (s3_query(c, "prefix", prefix, S3_KEY_MAX + 1) < 0 ||
		   s3_query(c, "key-marker", km, S3_KEY_MAX + 1) < 0 ||
		   s3_query(c, "upload-id-marker", idm, sizeof(idm)) < 0))
		r = -SW_E_InvalidArgument;
	if (!r && (r = s3_query(c, "max-uploads", v, sizeof(v))) == 0 &&
	    str_to_i64(v, 0, INT64_MAX, &l.max))
		r = err_set(&c->req->err, SW_E_InvalidArgument,
			    "max-uploads must be a non-negative integer");
	r = r == 1 ? 0 : r;
	if (l.max > S3_LIST_MAX)
		l.max = S3_LIST_MAX;
	l.prefix = prefix;
	l.key_marker = km;
	l.id_marker = idm;
	if (!r)
		r = store_read(c->env->store, s3__luploads_tx, &l, &c->req->err);
	if (!r) {
		s3_xml_open(&resp->body, "ListMultipartUploadsResult");
		s3_xml_elem(&resp->body, "Bucket", c->bucket);
		s3_xml_elem(&resp->body, "KeyMarker", km);
		s3_xml_elem(&resp->body, "UploadIdMarker", idm);
		if (l.truncated) {
			s3_xml_elem(&resp->body, "NextKeyMarker", l.next_key);
			s3_xml_elem(&resp->body, "NextUploadIdMarker", l.next_id);
		}
		s3_xml_elem(&resp->body, "Prefix", prefix);
		s3_xml_elemf(&resp->body, "MaxUploads", "%lld", (long long)l.max);
		s3_xml_elem(&resp->body, "IsTruncated", l.truncated ? "true" : "false");
		buf_add(&resp->body, items.p ? items.p : "", items.len);
		buf_adds(&resp->body, "</ListMultipartUploadsResult>\n");
		s3_reply_xml(resp, 200);
	}
	buf_release(&items);
	free(prefix);
	free(km);
	return r;
}
