/* s3/buckets: CreateBucket, HeadBucket, ListBuckets, DeleteBucket, GetBucketLocation, and the
 * object listings (ListObjects and ListObjectsV2, with prefixes, delimiters and paging). */
#include "s3_int.h"
#include "xml.h"
#include "base/crypto.h"
#include "base/sigv4.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define S3_TOKEN_MAX (2 * S3_KEY_MAX + 16)

/* ---- names and tokens ---- */

/* S3's naming rules for new buckets (the general-purpose ones). */
static int s3__bucket_name(const char *n, struct err *e)
{
	size_t len = strlen(n);
	int dots = 0, digits_only_labels = 1;
	bool bad = len < 3 || len > 63;

	for (size_t i = 0; !bad && i < len; i++) {
		char c = n[i];

		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' ||
		      c == '-'))
			bad = true;
		if (c == '.' && (i == 0 || n[i - 1] == '.' || n[i - 1] == '-' || n[i + 1] == '-'))
			bad = true;
		if (c == '.')
			dots++;
		else if (!isdigit((unsigned char)c))
			digits_only_labels = 0;
	}
	if (!bad && (!isalnum((unsigned char)n[0]) || !isalnum((unsigned char)n[len - 1])))
		bad = true;
	if (!bad && dots == 3 && digits_only_labels)
		bad = true; /* formatted as an IP address */
	if (!bad && (str_starts(n, "xn--") || str_starts(n, "sthree-") || str_ends(n, "-s3alias") ||
		     str_ends(n, "--ol-s3")))
		bad = true;
	if (bad)
		return err_set(e, SW_E_InvalidBucketName,
			       "The specified bucket is not valid: names have 3 to 63 lower-case "
			       "letters, digits, dots and hyphens, start and end with a letter or "
			       "digit, and do not look like an IP address");
	return 0;
}

/* Continuation tokens: base64 of a kind letter and the last key (or common prefix) returned. */
static void s3__token_encode(char kind, const char *last, char *out, size_t size)
{
	size_t n = strlen(last);
	uint8_t *raw = malloc(n + 1);

	out[0] = '\0';
	if (!raw || 4 * ((n + 3) / 3) + 1 > size) {
		free(raw);
		return;
	}
	raw[0] = (uint8_t)kind;
	memcpy(raw + 1, last, n);
	base64_encode(raw, n + 1, out);
	free(raw);
}

static int s3__token_decode(const char *token, char *kind, char *out, size_t size, struct err *e)
{
	uint8_t raw[S3_KEY_MAX + 2];
	int n = strlen(token) < S3_TOKEN_MAX ? base64_decode(token, raw, sizeof(raw)) : -1;

	if (n < 1 || (raw[0] != 'K' && raw[0] != 'P') || (raw[0] == 'P' && n < 2) ||
	    (size_t)n > size || memchr(raw + 1, '\0', (size_t)n - 1))
		return err_set(e, SW_E_InvalidArgument,
			       "The continuation token provided is incorrect");
	*kind = (char)raw[0];
	memcpy(out, raw + 1, (size_t)n - 1);
	out[n - 1] = '\0';
	return 0;
}

/* Turns s into the least string greater than every string it prefixes (the next place to
 * look after a common prefix); false when there is none. */
static bool s3__successor(char *s)
{
	size_t n = strlen(s);

	while (n && (unsigned char)s[n - 1] == 0xFF)
		s[--n] = '\0';
	if (!n)
		return false;
	s[n - 1] = (char)((unsigned char)s[n - 1] + 1);
	return true;
}

/* The owner every bucket and object has: the account. */
static void s3__owner(const struct s3_ctx *c, struct buf *b)
{
	buf_adds(b, "<Owner>");
	s3_xml_elem(b, "ID", c->env->account_id);
	s3_xml_elem(b, "DisplayName", "slipway");
	buf_adds(b, "</Owner>");
}

/* ---- buckets ---- */

struct s3__blist {
	const char *prefix;
	char after[64];
	int64_t max;
	struct buf *out;
	char last[64];
	bool truncated;
};

static int s3__blist_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__blist *l = arg;
	struct store_stmt *st;
	int64_t n = 0;
	char when[32];
	int r =
	    store_exec(sc, &st, "SELECT name, created FROM buckets WHERE name > ? ORDER BY name",
		       "t", e, l->after);

	for (; r == 1; r = store_step(st, e)) {
		const char *name = store_col_text(st, 0);

		if (!str_starts(name, l->prefix))
			continue;
		if (n == l->max) {
			l->truncated = true;
			break;
		}
		buf_adds(l->out, "<Bucket>");
		s3_xml_elem(l->out, "Name", name);
		s3_time_iso(store_col_int(st, 1), when);
		s3_xml_elem(l->out, "CreationDate", when);
		buf_adds(l->out, "</Bucket>");
		str_copy(l->last, sizeof(l->last), name);
		n++;
	}
	return r < 0 ? r : 0;
}

int s3_list_buckets(struct s3_ctx *c, struct http_resp *resp)
{
	struct s3__blist l = { .prefix = "", .max = S3_LIST_MAX * 10 };
	struct buf items = BUF_INIT(32u << 20);
	char prefix[64] = "", token[S3_TOKEN_MAX], max[24], kind;
	int r = 0;

	r = s3_query(c, "prefix", prefix, sizeof(prefix));
	if (r < 0)
		return r;
	r = s3_query(c, "max-buckets", max, sizeof(max));
	if (r < 0 || (r == 0 && str_to_i64(max, 1, 10000, &l.max)))
		return err_set(&c->req->err, SW_E_InvalidArgument,
			       "max-buckets must be an integer from 1 to 10000");
	l.prefix = prefix;
	r = s3_query(c, "continuation-token", token, sizeof(token));
	if (r < 0)
		return r;
	if (r == 0 && (r = s3__token_decode(token, &kind, l.after, sizeof(l.after), &c->req->err)))
		return r;
	l.out = &items;
	r = store_read(c->env->store, s3__blist_tx, &l, &c->req->err);
	if (!r) {
		s3_xml_open(&resp->body, "ListAllMyBucketsResult");
		s3__owner(c, &resp->body);
		buf_adds(&resp->body, "<Buckets>");
		buf_add(&resp->body, items.p ? items.p : "", items.len);
		buf_adds(&resp->body, "</Buckets>");
		if (l.truncated) {
			s3__token_encode('K', l.last, token, sizeof(token));
			s3_xml_elem(&resp->body, "ContinuationToken", token);
		}
		if (prefix[0])
			s3_xml_elem(&resp->body, "Prefix", prefix);
		buf_adds(&resp->body, "</ListAllMyBucketsResult>\n");
		s3_reply_xml(resp, 200);
	}
	buf_release(&items);
	return r;
}

struct s3__bcreate {
	const char *name;
	bool existed;
};

static int s3__bcreate_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__bcreate *b = arg;
	int r =
	    store_exec(sc, NULL,
		       "INSERT INTO buckets (name, created) VALUES (?, ?) ON CONFLICT (name) DO "
		       "NOTHING",
		       "ti", e, b->name, time_now_ms());

	if (r < 0)
		return r;
	b->existed = store_changes(sc) == 0;
	return 0;
}

int s3_create_bucket(struct s3_ctx *c, struct http_resp *resp)
{
	struct s3__bcreate b = { c->bucket, false };
	char location[80];
	int r = s3__bucket_name(c->bucket, &c->req->err);

	if (!r)
		r = s3_body_digests(c);
	if (!r && c->req->body.len) {
		struct s3_xml *x;

		r = s3_xml_parse(buf_str(&c->req->body), c->req->body.len, &x, &c->req->err);
		if (!r && strcmp(s3_xml_name(s3_xml_root(x)), "CreateBucketConfiguration") != 0)
			r = err_set(&c->req->err, SW_E_MalformedXML,
				    "The XML you provided was not well-formed or did not validate "
				    "against our published schema (the root is not "
				    "CreateBucketConfiguration)");
		if (!r)
			s3_xml_free(x);
	}
	if (!r)
		r = store_write(c->env->store, s3__bcreate_tx, &b, &c->req->err);
	if (r)
		return r;
	/* Every bucket belongs to the one account.  Outside us-east-1 S3 answers a repeated
	 * create with BucketAlreadyOwnedByYou; in us-east-1 it succeeds again (legacy). */
	if (b.existed && strcmp(c->env->cfg->region, "us-east-1") != 0)
		return err_set(&c->req->err, SW_E_BucketAlreadyOwnedByYou,
			       "Your previous request to create the named bucket succeeded and you "
			       "already own it.");
	str_fmt(location, sizeof(location), "/%s", c->bucket);
	http_resp_header(resp, "Location", location);
	resp->status = 200;
	return 0;
}

int s3_head_bucket(struct s3_ctx *c, struct http_resp *resp)
{
	int r = store_read(c->env->store, s3_bucket_check_tx, c->bucket, &c->req->err);

	if (r)
		return r;
	http_resp_header(resp, "x-amz-bucket-region", c->env->cfg->region);
	resp->status = 200;
	return 0;
}

int s3_get_bucket_location(struct s3_ctx *c, struct http_resp *resp)
{
	int r = store_read(c->env->store, s3_bucket_check_tx, c->bucket, &c->req->err);

	if (r)
		return r;
	buf_addf(&resp->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	/* us-east-1 is the empty constraint */
	if (strcmp(c->env->cfg->region, "us-east-1") == 0)
		buf_addf(&resp->body, "<LocationConstraint xmlns=\"%s\"/>\n", S3_XMLNS);
	else
		buf_addf(&resp->body, "<LocationConstraint xmlns=\"%s\">%s</LocationConstraint>\n",
			 S3_XMLNS, c->env->cfg->region);
	s3_reply_xml(resp, 200);
	return 0;
}

struct s3__bdelete {
	const char *name;
	char (*blobs)[65];
	size_t n, cap;
};

static int s3__bdelete_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__bdelete *b = arg;
	struct store_stmt *st;
	int r = s3_bucket_check(sc, b->name, e);

	if (r)
		return r;
	r = store_exec(sc, NULL, "SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", "t", e, b->name);
	if (r < 0)
		return r;
	if (r == 1)
		return err_set(e, SW_E_BucketNotEmpty,
			       "The bucket you tried to delete is not empty");
	/* Unfinished multipart uploads go with the bucket. */
	b->n = 0;
	r = store_exec(
	    sc, &st,
	    "SELECT p.blob FROM upload_parts p JOIN uploads u ON u.id = p.upload_id WHERE "
	    "u.bucket = ?",
	    "t", e, b->name);
	for (; r == 1; r = store_step(st, e)) {
		if (b->n == b->cap) {
			size_t cap = b->cap ? 2 * b->cap : 16;
			char(*p)[65] = realloc(b->blobs, cap * sizeof(*p));

			if (!p)
				return err_set(e, SW_E_NOMEM, NULL);
			b->blobs = p;
			b->cap = cap;
		}
		str_copy(b->blobs[b->n++], 65, store_col_text(st, 0));
	}
	if (r < 0)
		return r;
	r = store_exec(sc, NULL,
		       "DELETE FROM upload_parts WHERE upload_id IN (SELECT id FROM uploads WHERE "
		       "bucket = ?)",
		       "t", e, b->name);
	if (r >= 0)
		r = store_exec(sc, NULL, "DELETE FROM uploads WHERE bucket = ?", "t", e, b->name);
	if (r >= 0)
		r = store_exec(sc, NULL, "DELETE FROM buckets WHERE name = ?", "t", e, b->name);
	return r < 0 ? r : 0;
}

int s3_delete_bucket(struct s3_ctx *c, struct http_resp *resp)
{
	struct s3__bdelete b = { .name = c->bucket };
	int r = store_write(c->env->store, s3__bdelete_tx, &b, &c->req->err);

	if (!r && b.n) {
		const char **gc = calloc(b.n, sizeof(*gc));

		for (size_t i = 0; gc && i < b.n; i++)
			gc[i] = b.blobs[i];
		if (gc)
			s3_blob_gc(c->env, gc, b.n);
		free(gc);
	}
	free(b.blobs);
	if (r)
		return r;
	resp->status = 204;
	return 0;
}

/* ---- listing objects ---- */

struct s3__olist {
	const struct s3_ctx *c;
	const char *prefix, *delimiter;
	char cursor[S3_KEY_MAX + 1]; /* where to start */
	bool inclusive;		     /* cursor itself may be listed */
	const char *marker;	     /* common prefixes up to this were already returned */
	int64_t max;
	bool url, owner;
	struct buf *contents, *prefixes;
	int64_t count;
	bool truncated;
	char last[S3_KEY_MAX + 1];
	bool last_is_prefix;
};

/* Appends a name, URL-encoded when the client asked for encoding-type=url. */
static int s3__name(struct buf *b, const char *elem, const char *name, bool url)
{
	struct buf enc = BUF_INIT(4 * S3_KEY_MAX + 16);
	int r;

	if (!url)
		return s3_xml_elem(b, elem, name);
	r = uri_encode(&enc, name, strlen(name), true);
	if (!r)
		r = s3_xml_elem(b, elem, buf_str(&enc));
	buf_release(&enc);
	return r;
}

static void s3__olist_object(struct s3__olist *l, struct store_stmt *st)
{
	struct buf *b = l->contents;
	const char *alg = store_col_text(st, 4);
	char when[32], etag[80];

	buf_adds(b, "<Contents>");
	s3__name(b, "Key", store_col_text(st, 0), l->url);
	s3_time_iso(store_col_int(st, 3), when);
	s3_xml_elem(b, "LastModified", when);
	s3_etag_quote(store_col_text(st, 2), etag, sizeof(etag));
	s3_xml_elem(b, "ETag", etag);
	if (alg)
		s3_xml_elem(b, "ChecksumAlgorithm", alg);
	s3_xml_elemf(b, "Size", "%lld", (long long)store_col_int(st, 1));
	if (l->owner)
		s3__owner(l->c, b);
	s3_xml_elem(b, "StorageClass", "STANDARD");
	buf_adds(b, "</Contents>");
}

static int s3__olist_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__olist *l = arg;
	size_t plen = strlen(l->prefix), dlen = strlen(l->delimiter);
	char cp[S3_KEY_MAX + 1];
	bool done = false;

	/* Keys before the prefix cannot match. */
	if (strcmp(l->cursor, l->prefix) < 0) {
		str_copy(l->cursor, sizeof(l->cursor), l->prefix);
		l->inclusive = true;
	}
	while (!done && !l->truncated) {
		struct store_stmt *st;
		int r, rows = 0;

		if (l->inclusive)
			r = store_exec(
			    sc, &st,
			    "SELECT key, size, etag, modified, checksum_alg FROM objects "
			    "WHERE bucket = ? AND key >= ? ORDER BY key LIMIT ?",
			    "tti", e, l->c->bucket, l->cursor, (int64_t)S3_LIST_MAX);
		else
			r = store_exec(
			    sc, &st,
			    "SELECT key, size, etag, modified, checksum_alg FROM objects "
			    "WHERE bucket = ? AND key > ? ORDER BY key LIMIT ?",
			    "tti", e, l->c->bucket, l->cursor, (int64_t)S3_LIST_MAX);
		done = true;
		for (; r == 1; r = store_step(st, e)) {
			const char *key = store_col_text(st, 0);
			const char *d;

			rows++;
			if (strncmp(key, l->prefix, plen) != 0)
				break; /* past every key with the prefix */
			d = dlen ? strstr(key + plen, l->delimiter) : NULL;
			if (d) {
				size_t n = (size_t)(d - key) + dlen;

				memcpy(cp, key, n);
				cp[n] = '\0';
				if (!l->marker || strcmp(cp, l->marker) > 0) {
					if (l->count == l->max) {
						l->truncated = true;
						break;
					}
					buf_adds(l->prefixes, "<CommonPrefixes>");
					s3__name(l->prefixes, "Prefix", cp, l->url);
					buf_adds(l->prefixes, "</CommonPrefixes>");
					l->count++;
					memcpy(l->last, cp, n + 1);
					l->last_is_prefix = true;
				}
				/* Skip every key under this prefix: start at its successor. */
				if (s3__successor(cp)) {
					memcpy(l->cursor, cp, strlen(cp) + 1);
					l->inclusive = true;
					done = false;
				}
				break;
			}
			if (l->count == l->max) {
				l->truncated = true;
				break;
			}
			s3__olist_object(l, st);
			l->count++;
			str_copy(l->last, sizeof(l->last), key);
			l->last_is_prefix = false;
			if (rows == S3_LIST_MAX) { /* the batch ended: continue after it */
				str_copy(l->cursor, sizeof(l->cursor), key);
				l->inclusive = false;
				done = false;
			}
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* The parameters both listings share. */
static int s3__olist_params(struct s3_ctx *c, struct s3__olist *l, char *prefix, char *delim,
			    struct err *e)
{
	char max[24], enc[16];
	int r;

	l->c = c;
	l->max = S3_LIST_MAX;
	r = s3_query(c, "prefix", prefix, S3_KEY_MAX + 1);
	if (r < 0)
		return r;
	r = s3_query(c, "delimiter", delim, S3_KEY_MAX + 1);
	if (r < 0)
		return r;
	r = s3_query(c, "max-keys", max, sizeof(max));
	if (r < 0 || (r == 0 && str_to_i64(max, 0, INT64_MAX, &l->max)))
		return err_set(e, SW_E_InvalidArgument,
			       "Provided max-keys not an integer or within integer range");
	if (l->max > S3_LIST_MAX)
		l->max = S3_LIST_MAX;
	r = s3_query(c, "encoding-type", enc, sizeof(enc));
	if (r < 0 || (r == 0 && strcmp(enc, "url") != 0))
		return err_set(e, SW_E_InvalidArgument,
			       "Invalid Encoding Method specified in "
			       "Request");
	l->url = r == 0;
	l->prefix = prefix;
	l->delimiter = delim;
	return 0;
}

static int s3__olist_tx_checked(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__olist *l = arg;
	int r = s3_bucket_check(sc, l->c->bucket, e);

	return r ? r : s3__olist_tx(sc, arg, e);
}

int s3_list_objects_v2(struct s3_ctx *c, struct http_resp *resp)
{
	struct s3__olist l = { 0 };
	struct buf contents = BUF_INIT(32u << 20), prefixes = BUF_INIT(32u << 20);
	char *prefix = calloc(1, S3_KEY_MAX + 1), *delim = calloc(1, S3_KEY_MAX + 1);
	char *start = calloc(1, S3_KEY_MAX + 1), *token = calloc(1, S3_TOKEN_MAX);
	char kind = 'K', fo[8];
	struct buf *b = &resp->body;
	int r, have_token = 0, have_start;

	if (!prefix || !delim || !start || !token) {
		r = err_set(&c->req->err, SW_E_NOMEM, NULL);
		goto out;
	}
	r = s3__olist_params(c, &l, prefix, delim, &c->req->err);
	if (r)
		goto out;
	have_start = s3_query(c, "start-after", start, S3_KEY_MAX + 1);
	r = have_start < 0 ? have_start : s3_query(c, "continuation-token", token, S3_TOKEN_MAX);
	if (r < 0)
		goto out;
	have_token = r == 0;
	r = 0;
	if (have_token) {
		r = s3__token_decode(token, &kind, l.cursor, sizeof(l.cursor), &c->req->err);
		if (r)
			goto out;
		if (kind == 'P') { /* resume after everything under that common prefix */
			if (!s3__successor(l.cursor))
				l.max = 0;
			l.inclusive = true;
		}
	} else if (have_start == 0) {
		str_copy(l.cursor, sizeof(l.cursor), start);
		l.marker = start;
	}
	l.owner = s3_query(c, "fetch-owner", fo, sizeof(fo)) == 0 && strcmp(fo, "true") == 0;
	l.contents = &contents;
	l.prefixes = &prefixes;
	r = l.max == 0 ? store_read(c->env->store, s3_bucket_check_tx, c->bucket, &c->req->err)
		       : store_read(c->env->store, s3__olist_tx_checked, &l, &c->req->err);
	if (r)
		goto out;
	s3_xml_open(b, "ListBucketResult");
	s3_xml_elem(b, "Name", c->bucket);
	s3__name(b, "Prefix", prefix, l.url);
	s3_xml_elemf(b, "MaxKeys", "%lld", (long long)l.max);
	if (delim[0])
		s3__name(b, "Delimiter", delim, l.url);
	if (l.url)
		s3_xml_elem(b, "EncodingType", "url");
	s3_xml_elemf(b, "KeyCount", "%lld", (long long)l.count);
	s3_xml_elem(b, "IsTruncated", l.truncated ? "true" : "false");
	if (have_token)
		s3_xml_elem(b, "ContinuationToken", token);
	if (l.truncated) {
		char *next = calloc(1, S3_TOKEN_MAX);

		if (next) {
			s3__token_encode(l.last_is_prefix ? 'P' : 'K', l.last, next, S3_TOKEN_MAX);
			s3_xml_elem(b, "NextContinuationToken", next);
		}
		free(next);
	}
	if (have_start == 0)
		s3__name(b, "StartAfter", start, l.url);
	buf_add(b, contents.p ? contents.p : "", contents.len);
	buf_add(b, prefixes.p ? prefixes.p : "", prefixes.len);
	buf_adds(b, "</ListBucketResult>\n");
	s3_reply_xml(resp, 200);
out:
	buf_release(&contents);
	buf_release(&prefixes);
	free(prefix);
	free(delim);
	free(start);
	free(token);
	return r;
}

int s3_list_objects(struct s3_ctx *c, struct http_resp *resp)
{
	struct s3__olist l = { 0 };
	struct buf contents = BUF_INIT(32u << 20), prefixes = BUF_INIT(32u << 20);
	char *prefix = calloc(1, S3_KEY_MAX + 1), *delim = calloc(1, S3_KEY_MAX + 1);
	char *marker = calloc(1, S3_KEY_MAX + 1);
	struct buf *b = &resp->body;
	int r, have_marker;

	if (!prefix || !delim || !marker) {
		r = err_set(&c->req->err, SW_E_NOMEM, NULL);
		goto out;
	}
	r = s3__olist_params(c, &l, prefix, delim, &c->req->err);
	if (r)
		goto out;
	have_marker = s3_query(c, "marker", marker, S3_KEY_MAX + 1);
	if (have_marker < 0) {
		r = have_marker;
		goto out;
	}
	if (have_marker == 0) {
		str_copy(l.cursor, sizeof(l.cursor), marker);
		l.marker = marker;
	}
	l.owner = true;
	l.contents = &contents;
	l.prefixes = &prefixes;
	r = l.max == 0 ? store_read(c->env->store, s3_bucket_check_tx, c->bucket, &c->req->err)
		       : store_read(c->env->store, s3__olist_tx_checked, &l, &c->req->err);
	if (r)
		goto out;
	s3_xml_open(b, "ListBucketResult");
	s3_xml_elem(b, "Name", c->bucket);
	s3__name(b, "Prefix", prefix, l.url);
	s3__name(b, "Marker", marker, l.url);
	s3_xml_elemf(b, "MaxKeys", "%lld", (long long)l.max);
	if (delim[0])
		s3__name(b, "Delimiter", delim, l.url);
	if (l.url)
		s3_xml_elem(b, "EncodingType", "url");
	s3_xml_elem(b, "IsTruncated", l.truncated ? "true" : "false");
	if (l.truncated && delim[0]) /* without a delimiter the last Key is the marker */
		s3__name(b, "NextMarker", l.last, l.url);
	buf_add(b, contents.p ? contents.p : "", contents.len);
	buf_add(b, prefixes.p ? prefixes.p : "", prefixes.len);
	buf_adds(b, "</ListBucketResult>\n");
	s3_reply_xml(resp, 200);
out:
	buf_release(&contents);
	buf_release(&prefixes);
	free(prefix);
	free(delim);
	free(marker);
	return r;
}
