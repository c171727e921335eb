/* s3/service: the S3 subset's front — path-style and virtual-hosted addressing, the table that
 * maps a method, path and sub-resource to an operation, who may call what, and S3's XML error
 * shape. */
#include "s3_int.h"
#include "contract/rest.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	OP_LIST_BUCKETS,
	OP_CREATE_BUCKET,
	OP_HEAD_BUCKET,
	OP_DELETE_BUCKET,
	OP_GET_BUCKET_LOCATION,
	OP_LIST_OBJECTS,
	OP_LIST_OBJECTS_V2,
	OP_LIST_MULTIPART_UPLOADS,
	OP_DELETE_OBJECTS,
	OP_PUT_OBJECT,
	OP_COPY_OBJECT,
	OP_GET_OBJECT,
	OP_HEAD_OBJECT,
	OP_DELETE_OBJECT,
	OP_CREATE_MULTIPART,
	OP_UPLOAD_PART,
	OP_COMPLETE_MULTIPART,
	OP_ABORT_MULTIPART,
	OP_LIST_PARTS,
};

static const struct s3_op s3__ops[] = {
	[OP_LIST_BUCKETS] = { "ListBuckets", NULL, s3_list_buckets, 0 },
	[OP_CREATE_BUCKET] = { "CreateBucket", NULL, s3_create_bucket, 0 },
	[OP_HEAD_BUCKET] = { "HeadBucket", NULL, s3_head_bucket, 0 },
	[OP_DELETE_BUCKET] = { "DeleteBucket", NULL, s3_delete_bucket, 0 },
	[OP_GET_BUCKET_LOCATION] = { "GetBucketLocation", NULL, s3_get_bucket_location, 0 },
	[OP_LIST_OBJECTS] = { "ListObjects", NULL, s3_list_objects, 0 },
	[OP_LIST_OBJECTS_V2] = { "ListObjectsV2", NULL, s3_list_objects_v2, 0 },
	[OP_LIST_MULTIPART_UPLOADS] = { "ListMultipartUploads", NULL, s3_list_multipart_uploads,
					0 },
	[OP_DELETE_OBJECTS] = { "DeleteObjects", NULL, s3_delete_objects, 0 },
	[OP_PUT_OBJECT] = { "PutObject", s3_put_object_begin, s3_put_object, 0 },
	[OP_COPY_OBJECT] = { "CopyObject", NULL, s3_copy_object, 0 },
	[OP_GET_OBJECT] = { "GetObject", NULL, s3_get_object, S3_OP_BUNDLE_READ },
	[OP_HEAD_OBJECT] = { "HeadObject", NULL, s3_head_object, S3_OP_BUNDLE_READ },
	[OP_DELETE_OBJECT] = { "DeleteObject", NULL, s3_delete_object, 0 },
	[OP_CREATE_MULTIPART] = { "CreateMultipartUpload", NULL, s3_create_multipart, 0 },
	[OP_UPLOAD_PART] = { "UploadPart", s3_upload_part_begin, s3_upload_part, 0 },
	[OP_COMPLETE_MULTIPART] = { "CompleteMultipartUpload", NULL, s3_complete_multipart, 0 },
	[OP_ABORT_MULTIPART] = { "AbortMultipartUpload", NULL, s3_abort_multipart, 0 },
	[OP_LIST_PARTS] = { "ListParts", NULL, s3_list_parts, 0 },
};

/* Sub-resources of real S3 that Slipway does not serve: answered NotImplemented rather than
 * mistaken for a plain GET or PUT of the bucket or object. */
static const char *const s3__unsupported[] = {
	"accelerate",
	"acl",
	"analytics",
	"attributes",
	"cors",
	"encryption",
	"intelligent-tiering",
	"inventory",
	"legal-hold",
	"lifecycle",
	"logging",
	"metadataTable",
	"metrics",
	"notification",
	"object-lock",
	"ownershipControls",
	"policy",
	"policyStatus",
	"publicAccessBlock",
	"replication",
	"requestPayment",
	"restore",
	"retention",
	"select",
	"tagging",
	"torrent",
	"versioning",
	"versions",
	"website",
	"renameObject",
	"session",
};

/* ---- helpers shared by the operation files ---- */

int s3_xml_open(struct buf *b, const char *root)
{
	return buf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s xmlns=\"%s\">", root,
			S3_XMLNS);
}

int s3_xml_elem(struct buf *b, const char *name, const char *text)
{
	int r = buf_addf(b, "<%s>", name);

	if (!r)
		r = buf_add_xml(b, text ? text : "");
	if (!r)
		r = buf_addf(b, "</%s>", name);
	return r;
}

int s3_xml_elemf(struct buf *b, const char *name, const char *fmt, ...)
{
	va_list ap;
	int r = buf_addf(b, "<%s>", name);

	va_start(ap, fmt);
	if (!r)
		r = buf_vaddf(b, fmt, ap);
	va_end(ap);
	if (!r)
		r = buf_addf(b, "</%s>", name);
	return r;
}

void s3_reply_xml(struct http_resp *resp, int status)
{
	resp->status = status;
	http_resp_header(resp, "Content-Type", "application/xml");
}

void s3_etag_quote(const char *etag, char *out, size_t size)
{
	str_fmt(out, size, "\"%s\"", etag);
}

void s3_time_iso(int64_t ms, char out[32])
{
	time_iso8601(ms, out);
}

int s3_query(const struct s3_ctx *c, const char *name, char *out, size_t size)
{
	struct buf b = BUF_INIT(4096);
	int r = http_query(c->req, name, &b);

	if (r == 1) {
		buf_release(&b);
		return 1;
	}
	if (r || memchr(buf_str(&b), '\0', b.len) || str_copy(out, size, buf_str(&b))) {
		buf_release(&b);
		return err_set(&c->req->err, SW_E_InvalidArgument, "Invalid value for %s", name);
	}
	buf_release(&b);
	return 0;
}

int s3_bucket_check(struct store_conn *sc, const char *bucket, struct err *e)
{
	int r = store_exec(sc, NULL, "SELECT 1 FROM buckets WHERE name = ?", "t", e, bucket);

	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_NoSuchBucket, "The specified bucket does not exist");
	return 0;
}

int s3_bucket_check_tx(struct store_conn *sc, void *bucket, struct err *e)
{
	return s3_bucket_check(sc, bucket, e);
}

/* ---- request parsing and routing ---- */

/* Well-formed UTF-8 without NUL or other C0 controls but tab (keys end up in XML). */
static bool s3__key_ok(const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len = c < 0x80		  ? 1
			     : (c & 0xE0) == 0xC0 ? 2
			     : (c & 0xF0) == 0xE0 ? 3
			     : (c & 0xF8) == 0xF0 ? 4
						  : 0;

		if (!len || i + len > n || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0xC0 || c == 0xC1)
			return false;
		for (size_t k = 1; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

enum s3_addressing s3_addressing(const struct slipwayd_config *cfg, const char *host, char *bucket,
				 size_t size)
{
	char name[SLIPWAYD_HOST_MAX];
	size_t n, best = 0;
	const char *colon;
	struct in_addr a;

	if (bucket && size)
		bucket[0] = '\0';
	if (!host || !*host || host[0] == '[') /* none, or an IPv6 address */
		return S3_PATH_STYLE;
	colon = strchr(host, ':');
	n = colon ? (size_t)(colon - host) : strlen(host);
	if ((colon && strchr(colon + 1, ':')) || n == 0 || n >= sizeof(name))
		return S3_UNKNOWN_HOST;
	for (size_t i = 0; i < n; i++)
		name[i] = (char)tolower((unsigned char)host[i]);
	if (name[n - 1] == '.') /* the root label: "localhost." is localhost */
		n--;
	name[n] = '\0';
	if (n == 0)
		return S3_UNKNOWN_HOST;
	if (inet_pton(AF_INET, name, &a) == 1)
		return S3_PATH_STYLE;
	for (int i = 0; i < cfg->ns3_domains; i++) {
		const char *d = cfg->s3_domains[i];
		size_t dn = strlen(d);

		if (strcmp(name, d) == 0)
			return S3_PATH_STYLE;
		if (n > dn + 1 && name[n - dn - 1] == '.' && strcmp(name + n - dn, d) == 0 &&
		    dn > best)
			best = dn;
	}
	if (!best)
		return S3_UNKNOWN_HOST;
	if (bucket && str_copyn(bucket, size, name, n - best - 1))
		bucket[0] = '\0';
	return S3_VIRTUAL_HOSTED;
}

/* The S3 domains, for a message: "localhost, s3.example" (cut short when long). */
static void s3__domains(const struct slipwayd_config *cfg, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < cfg->ns3_domains && len + 1 < size; i++) {
		str_fmt(out + len, size - len, "%s%s", i ? ", " : "", cfg->s3_domains[i]);
		len += strlen(out + len);
	}
}

/* The bucket a Host header names (virtual-hosted requests), or none (path-style). */
static int s3__parse_host(struct s3_ctx *c, struct err *e)
{
	const char *host = http_header(c->req, "Host");
	char domains[256];

	switch (s3_addressing(c->env->cfg, host, c->bucket, sizeof(c->bucket))) {
	case S3_PATH_STYLE:
		return 0;
	case S3_VIRTUAL_HOSTED:
		if (!c->bucket[0])
			return err_set(e, SW_E_InvalidBucketName,
				       "The specified bucket is not valid.");
		c->has_bucket = true;
		return 0;
	case S3_UNKNOWN_HOST:
	default:
		break;
	}
	s3__domains(c->env->cfg, domains, sizeof(domains));
	return err_set(e, SW_E_InvalidRequest,
		       "Host '%.200s' is neither an address nor one of this server's S3 domains "
		       "(%s) nor <bucket>.<domain> under one of them; address S3 by IP address "
		       "(path-style) or add the name with slipwayd --s3-domain",
		       host, domains[0] ? domains : "none");
}

/* s3__pick's way to fail: e set, no operation. */
static const struct s3_op *s3__no_op(struct err *e, int code, const char *what)
{
	if (code == SW_E_NotImplemented)
		err_set(e, code, "%s is not implemented by slipwayd", what);
	else
		err_set(e, code, "The specified method is not allowed against this resource.");
	return NULL;
}

/* Recognised, answered NotImplemented: a route needs an operation to point at. */
static const struct s3_op s3__upload_part_copy = { "UploadPartCopy", NULL, NULL, 0 };

#define S3_OP(x) (&s3__ops[OP_##x])

/*
 * Method, path and sub-resource to operation, matched against the path-style form of the
 * request (s3__path: a virtual-hosted request's bucket is put in front of its path).  The
 * first route that matches wins: the more specific of two routes goes first.  A path that
 * fits but matches no route is MethodNotAllowed.
 */
static const struct rest_route s3__routes[] = {
	{ "GET", "/", .op = S3_OP(LIST_BUCKETS) },
	{ "GET", "/{Bucket}", .query = { "location" }, .op = S3_OP(GET_BUCKET_LOCATION) },
	{ "GET", "/{Bucket}", .query = { "uploads" }, .op = S3_OP(LIST_MULTIPART_UPLOADS) },
	{ "GET", "/{Bucket}", .query = { "list-type=2" }, .op = S3_OP(LIST_OBJECTS_V2) },
	{ "GET", "/{Bucket}", .op = S3_OP(LIST_OBJECTS) },
	{ "PUT", "/{Bucket}", .op = S3_OP(CREATE_BUCKET) },
	{ "HEAD", "/{Bucket}", .op = S3_OP(HEAD_BUCKET) },
	{ "DELETE", "/{Bucket}", .op = S3_OP(DELETE_BUCKET) },
	{ "POST", "/{Bucket}", .query = { "delete" }, .op = S3_OP(DELETE_OBJECTS) },
	{ "GET", "/{Bucket}/{Key+}", .query = { "uploadId" }, .op = S3_OP(LIST_PARTS) },
	{ "GET", "/{Bucket}/{Key+}", .op = S3_OP(GET_OBJECT) },
	{ "HEAD", "/{Bucket}/{Key+}", .op = S3_OP(HEAD_OBJECT) },
	{ "PUT", "/{Bucket}/{Key+}", .query = { "uploadId" }, .header = "x-amz-copy-source",
	  .op = &s3__upload_part_copy },
	{ "PUT", "/{Bucket}/{Key+}", .query = { "uploadId" }, .op = S3_OP(UPLOAD_PART) },
	{ "PUT", "/{Bucket}/{Key+}", .header = "x-amz-copy-source", .op = S3_OP(COPY_OBJECT) },
	{ "PUT", "/{Bucket}/{Key+}", .op = S3_OP(PUT_OBJECT) },
	{ "DELETE", "/{Bucket}/{Key+}", .query = { "uploadId" }, .op = S3_OP(ABORT_MULTIPART) },
	{ "DELETE", "/{Bucket}/{Key+}", .op = S3_OP(DELETE_OBJECT) },
	{ "POST", "/{Bucket}/{Key+}", .query = { "uploads" }, .op = S3_OP(CREATE_MULTIPART) },
	{ "POST", "/{Bucket}/{Key+}", .query = { "uploadId" }, .op = S3_OP(COMPLETE_MULTIPART) },
	{ NULL },
};

/*
 * The path s3__routes is matched against, into out: `/bucket[/key]`.  Path-style, the raw
 * path itself, but `/bucket/` is the bucket and `//…` a bucket without a name; virtual-hosted,
 * the bucket of the Host header, percent-encoded, in front of the path (`/` is the bucket).
 */
static int s3__path(struct s3_ctx *c, struct buf *out, struct err *e)
{
	const char *path = c->req->path, *slash;
	int r = 0;

	if (!c->has_bucket) {
		if (path[1] == '/')
			return err_set(e, SW_E_InvalidBucketName,
				       "The specified bucket is not valid.");
		slash = strchr(path + 1, '/');
		r = buf_add(out, path, slash && !slash[1] ? (size_t)(slash - path) : strlen(path));
	} else {
		r = buf_addc(out, '/');
		for (const char *p = c->bucket; !r && *p; p++)
			r = isalnum((unsigned char)*p) || strchr("-._~", *p)
				? buf_addc(out, *p)
				: buf_addf(out, "%%%02X", (unsigned char)*p);
		if (!r && strcmp(path, "/") != 0)
			r = buf_adds(out, path);
	}
	return r ? err_set(e, -r, NULL) : 0;
}

/*
 * Whether a key the matcher refused (-SW_E_INVALID: a bad escape or a NUL) is too long all the
 * same, as S3 answered before the route table: KeyTooLongError when it decodes, NUL and all,
 * to more than 4 * S3_KEY_MAX bytes before its first bad escape, or has none and decodes to
 * more than S3_KEY_MAX.  raw: the path s3__routes was matched against.
 */
static bool s3__key_too_long(const char *raw)
{
	const char *p = strchr(raw + 1, '/');
	size_t n = 0;

	for (p = p ? p + 1 : ""; *p; p++, n++) {
		if (*p == '%' && !(isxdigit((unsigned char)p[1]) && isxdigit((unsigned char)p[2])))
			return n > 4 * S3_KEY_MAX;
		if (*p == '%')
			p += 2;
	}
	return n > S3_KEY_MAX;
}

static bool s3__is(const struct rest_match *m, const char *label)
{
	return m->bad && m->bad_len == strlen(label) && memcmp(m->bad, label, m->bad_len) == 0;
}

/*
 * The bucket and key (path-style from the raw path, virtual-hosted from the Host header and
 * the path) and the operation (s3__routes).  Errors come in this order: the bucket, the key,
 * the sub-resources Slipway does not serve, object versions, then the method.
 */
static int s3__route(struct s3_ctx *c, struct err *e)
{
	const struct http_req *req = c->req;
	const struct s3_op *op = NULL;
	struct buf path = BUF_INIT(strlen(req->path) + 3 * sizeof(c->bucket) + 2);
	struct rest_match m;
	const char *bucket, *key, *version;
	bool too_long;
	int r, found;

	if (req->path[0] != '/')
		return err_set(e, SW_E_InvalidRequest, "the path must start with '/'");
	r = s3__parse_host(c, e);
	if (!r)
		r = s3__path(c, &path, e);
	if (r) {
		buf_release(&path);
		return r;
	}
	found = rest_match(s3__routes, req->method, buf_str(&path), req, &m);
	too_long = found == -SW_E_INVALID && s3__is(&m, "Key") && s3__key_too_long(buf_str(&path));
	buf_release(&path);
	/* A decoded name is checked whole before it is used as a C string: a NUL (or any
	 * control byte) would shorten it past every later check. */
	bucket = rest_param(&m, "Bucket");
	if ((found < 0 && s3__is(&m, "Bucket")) ||
	    (bucket && !c->has_bucket &&
	     (!s3__key_ok((const unsigned char *)bucket, strlen(bucket)) ||
	      str_copy(c->bucket, sizeof(c->bucket), bucket))))
		return err_set(e, SW_E_InvalidBucketName, "The specified bucket is not valid.");
	c->has_bucket = bucket != NULL;
	key = rest_param(&m, "Key");
	if ((found == -SW_E_TOO_LARGE && s3__is(&m, "Key")) || too_long ||
	    (key && strlen(key) > S3_KEY_MAX))
		return err_set(e, SW_E_KeyTooLongError, "Your key is too long (at most %d bytes)",
			       S3_KEY_MAX);
	if (found < 0 || (key && !s3__key_ok((const unsigned char *)key, strlen(key))))
		return err_set(e, SW_E_InvalidArgument,
			       "Object keys must be UTF-8 without control characters");
	if (key) {
		str_copy(c->key, sizeof(c->key), key);
		c->has_key = true;
	}

	for (size_t i = 0; i < sizeof(s3__unsupported) / sizeof(s3__unsupported[0]); i++) {
		if (http_has_query(req, s3__unsupported[i])) {
			char what[64];

			str_fmt(what, sizeof(what), "The ?%s sub-resource", s3__unsupported[i]);
			s3__no_op(e, SW_E_NotImplemented, what);
			return -e->code;
		}
	}
	version = http_query_raw(req, "versionId");
	if (c->has_key && version && strcmp(version, "null") != 0)
		op = s3__no_op(e, SW_E_NotImplemented, "Object versioning");
	else if (found != REST_MATCHED)
		op = s3__no_op(e, SW_E_MethodNotAllowed, NULL);
	else if (m.route->op == &s3__upload_part_copy)
		op = s3__no_op(e, SW_E_NotImplemented, "UploadPartCopy");
	else
		op = m.route->op;
	c->op = op;
	return op ? 0 : -e->code;
}

static int s3__setup(struct http_req *req, struct err *e)
{
	struct s3_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return err_set(e, SW_E_NOMEM, NULL);
	c->req = req;
	c->env = req->env;
	req->svc_state = c;
	req->svc_state_free = free;
	return s3__route(c, e);
}

/* ---- the service hooks ---- */

static void s3__ids(struct http_req *req, struct http_resp *resp)
{
	uint8_t raw[24];
	char id2[40];

	random_bytes(raw, sizeof(raw));
	base64_encode(raw, sizeof(raw), id2);
	http_resp_header(resp, "x-amz-request-id", req->request_id);
	http_resp_header(resp, "x-amz-id-2", id2);
}

static void s3_error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	const struct s3_ctx *c = req->service == &s3_service ? req->svc_state : NULL;
	const struct err_wire w = err_wire(e->code, &s3_err_view);
	const int status = w.http_status;
	const char *code = w.aws_type;

	/* Whatever the operation had put in the reply is replaced. */
	for (int i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	resp->nheaders = 0;
	buf_reset(&resp->body);
	resp->status = status;
	s3__ids(req, resp);
	if (status == 304 || strcmp(req->method, "HEAD") == 0)
		return; /* HEAD replies and 304 carry no body */
	buf_addf(&resp->body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
	s3_xml_elem(&resp->body, "Code", code);
	s3_xml_elem(&resp->body, "Message", err_message(e));
	if (c && c->has_bucket && e->code == SW_E_NoSuchBucket)
		s3_xml_elem(&resp->body, "BucketName", c->bucket);
	if (c && c->has_key && e->code == SW_E_NoSuchKey)
		s3_xml_elem(&resp->body, "Key", c->key);
	if (c && c->range_unsatisfiable && e->code == SW_E_InvalidRange) {
		char range[48];

		str_fmt(range, sizeof(range), "bytes */%llu", (unsigned long long)c->object_size);
		http_resp_header(resp, "Content-Range", range);
	}
	if (c && c->upload_id[0] && e->code == SW_E_NoSuchUpload)
		s3_xml_elem(&resp->body, "UploadId", c->upload_id);
	s3_xml_elem(&resp->body, "Resource", req->path);
	s3_xml_elem(&resp->body, "RequestId", req->request_id);
	buf_adds(&resp->body, "</Error>\n");
	http_resp_header(resp, "Content-Type", "application/xml");
}

struct s3__bundle_check {
	const char *instance, *bucket, *key;
	bool found;
};

static int s3__bundle_of_deployment(struct store_conn *sc, void *arg, struct err *e)
{
	struct s3__bundle_check *b = arg;
	struct store_stmt *st;
	int r;

	r = store_exec(sc, &st,
		       "SELECT d.revision FROM deployments d JOIN deployment_targets t ON "
		       "t.deployment = d.id WHERE t.instance = ? AND d.status IN ('Created', "
		       "'Queued', 'InProgress')",
		       "t", e, b->instance);
	for (; r == 1 && !b->found; r = store_step(st, e)) {
		json_t *rev = json_loads(store_col_text(st, 0), 0, NULL);
		json_t *loc = json_object_get(rev, "s3Location");

		b->found = str_eq(json_string_value(json_object_get(loc, "bucket")), b->bucket) &&
			   str_eq(json_string_value(json_object_get(loc, "key")), b->key);
		json_decref(rev);
	}
	return r < 0 ? r : 0;
}

/* Who may call c's operation: an administrator anything; an on-premises instance only
 * S3_OP_BUNDLE_READ operations on the bundle of a deployment in progress that targets it;
 * anyone else nothing.  Fills e with AccessDenied when refused. */
static int s3__may(struct s3_ctx *c, struct err *e)
{
	const struct principal *who = &c->req->who;
	struct s3__bundle_check b = { .instance = who->instance,
				      .bucket = c->bucket,
				      .key = c->key };
	char what[200];
	int r;

	if (who->kind == PRINCIPAL_ADMIN)
		return 0;
	if (who->kind == PRINCIPAL_INSTANCE && (c->op->flags & S3_OP_BUNDLE_READ) && c->has_key) {
		r = store_read(c->env->store, s3__bundle_of_deployment, &b, e);
		if (r)
			return r;
		if (b.found)
			return 0;
		return err_set(
		    e, SW_E_AccessDenied,
		    "User: %s is bound to on-premises instance '%s', which may read only "
		    "the bundles of deployments in progress that target it; s3://%s/%s "
		    "is none of them",
		    who->user_arn, who->instance, c->bucket, c->key);
	}
	return err_set(e, SW_E_AccessDenied,
		       "User: %s is %s and is not authorized to perform: s3:%s", who->user_arn,
		       principal_describe(who, what, sizeof(what)), c->op->name);
}

static int s3_begin(struct http_req *req, struct err *e)
{
	struct s3_ctx *c;
	int r = s3__setup(req, e);

	c = req->svc_state;
	if (r) {
		if (req->authenticated || !c)
			return r;
		/* Not authenticated yet: the caller hears about routing after its signature. */
		c->deferred = *e;
		err_clear(e);
		return 0;
	}
	if (!c->op->begin)
		return 0;
	if (!req->authenticated)
		return err_set(e, SW_E_InvalidRequest,
			       "Missing required header for this request: x-amz-content-sha256");
	r = s3__may(c, e);
	return r ? r : c->op->begin(c, e);
}

static void s3_handle(struct http_req *req, struct http_resp *resp)
{
	struct s3_ctx *c = req->svc_state;
	int r = 0;

	if (!c)
		r = s3__setup(req, &req->err);
	c = req->svc_state;
	if (!r && c->deferred.code) {
		req->err = c->deferred;
		r = -c->deferred.code;
	}
	if (!r)
		r = s3__may(c, &req->err);
	if (!r)
		r = c->op->run(c, resp);
	if (r < 0) {
		if (!req->err.code)
			err_set(&req->err, -r, NULL);
		if (resp->fd >= 0) {
			close(resp->fd);
			resp->fd = -1;
		}
		s3_error(req, resp, &req->err);
		return;
	}
	s3__ids(req, resp);
}

static void s3_list(void (*fn)(const char *, const char *, bool, void *), void *arg)
{
	for (size_t i = 0; i < sizeof(s3__ops) / sizeof(s3__ops[0]); i++)
		fn("S3", s3__ops[i].name, true, arg);
}

const struct service s3_service = {
	.name = "s3",
	.begin = s3_begin,
	.handle = s3_handle,
	.error = s3_error,
	.list_ops = s3_list,
};
