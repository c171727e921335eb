/* monitoring/cbor: the Smithy RPC v2 CBOR front of CloudWatch (see cbor.h). */
#include "cbor.h"
#include "monitoring.h"
#include "query.h"
#include "base/crypto.h"
#include "base/str.h"

#include <cbor.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CBOR_CONTENT_TYPE "application/cbor"

/* ---- decoding ---- */

enum cbor__kind { CBOR__ARRAY, CBOR__MAP, CBOR__TEXT, CBOR__BYTES };

struct cbor__frame {
	enum cbor__kind kind;
	json_t *node;  /* the array or object being filled (NULL for a string) */
	uint64_t left; /* items still to come (a map counts keys and values); UINT64_MAX: until
			* a break */
	json_t *key;   /* a map's key waiting for its value */
};

struct cbor__dec {
	struct cbor__frame stack[MONITORING_CBOR_MAX_DEPTH];
	int depth;
	json_t *root;
	bool tagged;	/* a tag 1 was read: the next item is a timestamp */
	struct buf str; /* an indefinite string's chunks so far */
	size_t items;
	struct err *e;
	int failed; /* the first error (negative), 0 while all is well */
};

static void cbor__fail(struct cbor__dec *d, int code, const char *why)
{
	if (!d->failed)
		d->failed = err_set(d->e, code, "%s", why);
}

/* Where the item being decoded goes, the query way (MetricData.member.1.Value). */
static void cbor__path(const struct cbor__dec *d, struct buf *b)
{
	for (int i = 0; i < d->depth; i++) {
		const struct cbor__frame *f = &d->stack[i];

		if (f->kind == CBOR__MAP && f->key)
			buf_addf(b, "%s%s", b->len ? "." : "", json_string_value(f->key));
		else if (f->kind == CBOR__ARRAY)
			buf_addf(b, "%smember.%zu", b->len ? "." : "",
				 json_array_size(f->node) + 1);
	}
}

static void cbor__pop(struct cbor__dec *d);

/* Puts a complete item (a new reference, taken) where it belongs. */
static void cbor__emit(struct cbor__dec *d, json_t *v)
{
	struct cbor__frame *f;

	if (!v) {
		cbor__fail(d, SW_E_NOMEM, "out of memory");
		return;
	}
	if (d->failed || d->tagged) {
		if (!d->failed)
			cbor__fail(d, SW_E_Serialization, "a tag 1 (timestamp) holds no number");
		json_decref(v);
		return;
	}
	if (++d->items > MONITORING_CBOR_MAX_ITEMS) {
		json_decref(v);
		cbor__fail(d, SW_E_Serialization, "too many CBOR data items");
		return;
	}
	if (!d->depth) {
		if (d->root) /* cannot happen: the loop stops after the root */
			json_decref(d->root);
		d->root = v;
		return;
	}
	f = &d->stack[d->depth - 1];
	if (f->kind == CBOR__TEXT || f->kind == CBOR__BYTES) {
		json_decref(v);
		cbor__fail(d, SW_E_Serialization, "an indefinite string holds a non-string item");
		return;
	}
	if (f->kind == CBOR__ARRAY) {
		if (json_array_append_new(f->node, v))
			cbor__fail(d, SW_E_NOMEM, "out of memory");
	} else if (!f->key) {
		if (!json_is_string(v)) {
			json_decref(v);
			cbor__fail(d, SW_E_Serialization, "a map key is not a text string");
			return;
		}
		f->key = v;
	} else {
		/* nulls are left out, as a JSON client leaves them out */
		if (!json_is_null(v) && json_object_set_new(f->node, json_string_value(f->key), v))
			cbor__fail(d, SW_E_NOMEM, "out of memory");
		else if (json_is_null(v))
			json_decref(v);
		json_decref(f->key);
		f->key = NULL;
	}
	if (f->left != UINT64_MAX && --f->left == 0)
		cbor__pop(d);
}

/* The top frame is complete: its node goes to its parent. */
static void cbor__pop(struct cbor__dec *d)
{
	struct cbor__frame *f = &d->stack[--d->depth];
	json_t *node = f->node;

	f->node = NULL;
	json_decref(f->key);
	f->key = NULL;
	d->items--; /* the container was counted when it started */
	cbor__emit(d, node);
}

static void cbor__push(struct cbor__dec *d, enum cbor__kind kind, uint64_t left)
{
	struct cbor__frame *f;

	if (d->failed)
		return;
	if (d->tagged) {
		cbor__fail(d, SW_E_Serialization, "a tag 1 (timestamp) holds no number");
		return;
	}
	if (d->depth && (d->stack[d->depth - 1].kind == CBOR__TEXT ||
			 d->stack[d->depth - 1].kind == CBOR__BYTES)) {
		cbor__fail(d, SW_E_Serialization, "an indefinite string holds a non-string item");
		return;
	}
	if (d->depth >= MONITORING_CBOR_MAX_DEPTH) {
		cbor__fail(d, SW_E_Serialization, "CBOR nested too deep");
		return;
	}
	if (++d->items > MONITORING_CBOR_MAX_ITEMS) {
		cbor__fail(d, SW_E_Serialization, "too many CBOR data items");
		return;
	}
	f = &d->stack[d->depth++];
	f->kind = kind;
	f->left = left;
	f->key = NULL;
	f->node = kind == CBOR__ARRAY ? json_array() : kind == CBOR__MAP ? json_object() : NULL;
	if ((kind == CBOR__ARRAY || kind == CBOR__MAP) && !f->node)
		cbor__fail(d, SW_E_NOMEM, "out of memory");
	if (kind == CBOR__TEXT || kind == CBOR__BYTES)
		buf_reset(&d->str);
	if (left == 0) /* an empty definite array or map is complete at once */
		cbor__pop(d);
}

static void cbor__uint(struct cbor__dec *d, uint64_t v)
{
	if (v > INT64_MAX)
		cbor__fail(d, SW_E_Serialization, "an integer is beyond 64-bit signed");
	else
		d->tagged = false, cbor__emit(d, json_integer((json_int_t)v));
}

static void cbor__negint(struct cbor__dec *d, uint64_t v)
{
	if (v > INT64_MAX) /* the value is -1 - v */
		cbor__fail(d, SW_E_Serialization, "an integer is beyond 64-bit signed");
	else
		d->tagged = false, cbor__emit(d, json_integer(-1 - (json_int_t)v));
}

static void cbor__u8(void *c, uint8_t v)
{
	cbor__uint(c, v);
}
static void cbor__u16(void *c, uint16_t v)
{
	cbor__uint(c, v);
}
static void cbor__u32(void *c, uint32_t v)
{
	cbor__uint(c, v);
}
static void cbor__u64(void *c, uint64_t v)
{
	cbor__uint(c, v);
}
static void cbor__n8(void *c, uint8_t v)
{
	cbor__negint(c, v);
}
static void cbor__n16(void *c, uint16_t v)
{
	cbor__negint(c, v);
}
static void cbor__n32(void *c, uint32_t v)
{
	cbor__negint(c, v);
}
static void cbor__n64(void *c, uint64_t v)
{
	cbor__negint(c, v);
}

static void cbor__double(void *c, double v)
{
	struct cbor__dec *d = c;

	if (!isfinite(v)) {
		struct buf path = BUF_INIT(4096);

		cbor__path(d, &path);
		if (!d->failed)
			d->failed = err_set(d->e, SW_E_CW_InvalidParameterValue,
					    "The value %s for parameter %s is invalid.",
					    isnan(v) ? "NaN"
					    : v > 0  ? "Infinity"
						     : "-Infinity",
					    path.len ? buf_str(&path) : "(the body)");
		buf_release(&path);
		return;
	}
	d->tagged = false;
	cbor__emit(d, json_real(v));
}

static void cbor__float(void *c, float v)
{
	cbor__double(c, v);
}

/* A string: a definite one, or a chunk of the indefinite string on top. */
static void cbor__string(struct cbor__dec *d, enum cbor__kind kind, const uint8_t *p, size_t n)
{
	struct cbor__frame *top = d->depth ? &d->stack[d->depth - 1] : NULL;

	if (top && (top->kind == CBOR__TEXT || top->kind == CBOR__BYTES)) {
		if (top->kind != kind)
			cbor__fail(d, SW_E_Serialization, "a string chunk of another type");
		else if (buf_add(&d->str, p, n))
			cbor__fail(d, SW_E_Serialization, "a CBOR string is too long");
		return;
	}
	if (kind == CBOR__TEXT) {
		json_t *s = json_stringn((const char *)p, n);

		if (!s)
			cbor__fail(d, SW_E_Serialization, "a text string is not valid UTF-8");
		else
			cbor__emit(d, s);
	} else {
		char *b64 = malloc(4 * ((n + 2) / 3) + 1);

		if (!b64) {
			cbor__fail(d, SW_E_NOMEM, "out of memory");
			return;
		}
		base64_encode(p, n, b64);
		cbor__emit(d, json_string(b64));
		free(b64);
	}
}

static void cbor__text(void *c, cbor_data p, size_t n)
{
	cbor__string(c, CBOR__TEXT, p, n);
}
static void cbor__bytes(void *c, cbor_data p, size_t n)
{
	cbor__string(c, CBOR__BYTES, p, n);
}
static void cbor__text_start(void *c)
{
	cbor__push(c, CBOR__TEXT, UINT64_MAX);
}
static void cbor__bytes_start(void *c)
{
	cbor__push(c, CBOR__BYTES, UINT64_MAX);
}
static void cbor__array(void *c, size_t n)
{
	cbor__push(c, CBOR__ARRAY, n);
}
static void cbor__indef_array(void *c)
{
	cbor__push(c, CBOR__ARRAY, UINT64_MAX);
}
static void cbor__map(void *c, size_t n)
{
	struct cbor__dec *d = c;

	if (n > (SIZE_MAX >> 2))
		cbor__fail(d, SW_E_Serialization, "a map is too long");
	else
		cbor__push(d, CBOR__MAP, 2 * (uint64_t)n);
}
static void cbor__indef_map(void *c)
{
	cbor__push(c, CBOR__MAP, UINT64_MAX);
}

static void cbor__tag(void *c, uint64_t tag)
{
	struct cbor__dec *d = c;
	char why[80];

	if (tag != 1 || d->tagged) {
		snprintf(why, sizeof(why), "CBOR tag %llu is not supported (only 1, a timestamp)",
			 (unsigned long long)tag);
		cbor__fail(d, SW_E_Serialization, why);
		return;
	}
	d->tagged = true;
}

static void cbor__null(void *c)
{
	cbor__emit(c, json_null());
}

static void cbor__bool(void *c, bool v)
{
	cbor__emit(c, json_boolean(v));
}

static void cbor__break(void *c)
{
	struct cbor__dec *d = c;
	struct cbor__frame *f = d->depth ? &d->stack[d->depth - 1] : NULL;

	if (!f || f->left != UINT64_MAX || (f->kind == CBOR__MAP && f->key)) {
		cbor__fail(d, SW_E_Serialization, "a break outside an indefinite item");
		return;
	}
	if (f->kind == CBOR__ARRAY || f->kind == CBOR__MAP) {
		cbor__pop(d);
		return;
	}
	d->depth--;
	d->items--;
	if (f->kind == CBOR__TEXT)
		cbor__string(d, CBOR__TEXT, (const uint8_t *)buf_str(&d->str), d->str.len);
	else
		cbor__string(d, CBOR__BYTES, (const uint8_t *)buf_str(&d->str), d->str.len);
}

static const struct cbor_callbacks cbor__callbacks = {
	.uint8 = cbor__u8,
	.uint16 = cbor__u16,
	.uint32 = cbor__u32,
	.uint64 = cbor__u64,
	.negint8 = cbor__n8,
	.negint16 = cbor__n16,
	.negint32 = cbor__n32,
	.negint64 = cbor__n64,
	.byte_string_start = cbor__bytes_start,
	.byte_string = cbor__bytes,
	.string = cbor__text,
	.string_start = cbor__text_start,
	.indef_array_start = cbor__indef_array,
	.array_start = cbor__array,
	.indef_map_start = cbor__indef_map,
	.map_start = cbor__map,
	.tag = cbor__tag,
	.float2 = cbor__float,
	.float4 = cbor__float,
	.float8 = cbor__double,
	.undefined = cbor__null,
	.null = cbor__null,
	.boolean = cbor__bool,
	.indef_break = cbor__break,
};

int monitoring_cbor_decode(const uint8_t *p, size_t n, json_t **out, struct err *e)
{
	struct cbor__dec d = { .e = e, .str = BUF_INIT(HTTP_MAX_BODY) };
	size_t off = 0;

	*out = NULL;
	if (!n) {
		*out = json_object();
		return *out ? 0 : err_set(e, SW_E_NOMEM, NULL);
	}
	while (off < n && !d.failed && !d.root) {
		struct cbor_decoder_result res =
		    cbor_stream_decode(p + off, n - off, &cbor__callbacks, &d);

		if (res.status != CBOR_DECODER_FINISHED || !res.read)
			cbor__fail(&d, SW_E_Serialization,
				   res.status == CBOR_DECODER_NEDATA ? "truncated CBOR"
								     : "malformed CBOR");
		off += res.read;
	}
	if (!d.failed && !d.root)
		cbor__fail(&d, SW_E_Serialization, "truncated CBOR");
	if (!d.failed && off < n)
		cbor__fail(&d, SW_E_Serialization, "bytes after the CBOR data item");
	if (!d.failed && !json_is_object(d.root))
		cbor__fail(&d, SW_E_Serialization, "the CBOR body is not a map");
	while (d.depth) {
		struct cbor__frame *f = &d.stack[--d.depth];

		json_decref(f->node);
		json_decref(f->key);
	}
	buf_release(&d.str);
	if (d.failed) {
		json_decref(d.root);
		return d.failed;
	}
	*out = d.root;
	return 0;
}

/* ---- encoding ---- */

static int cbor__put_uint(struct buf *out, uint64_t v)
{
	unsigned char b[16];

	return buf_add(out, b, cbor_encode_uint(v, b, sizeof(b)));
}

static int cbor__put_int(struct buf *out, int64_t v)
{
	unsigned char b[16];

	if (v >= 0)
		return cbor__put_uint(out, (uint64_t)v);
	return buf_add(out, b, cbor_encode_negint((uint64_t)(-1 - v), b, sizeof(b)));
}

static int cbor__put_head(struct buf *out, size_t (*start)(size_t, unsigned char *, size_t),
			  size_t n)
{
	unsigned char b[16];

	return buf_add(out, b, start(n, b, sizeof(b)));
}

static int cbor__put_double(struct buf *out, double v)
{
	unsigned char b[16];

	return buf_add(out, b, cbor_encode_double(v, b, sizeof(b)));
}

static int cbor__put_text(struct buf *out, const char *s, size_t n)
{
	int r = cbor__put_head(out, cbor_encode_string_start, n);

	return r ? r : buf_add(out, s, n);
}

static int cbor__put_bool(struct buf *out, bool v)
{
	unsigned char b[4];

	return buf_add(out, b, cbor_encode_bool(v, b, sizeof(b)));
}

/* A value whose shape says nothing more (a member of the wrong type): by its JSON type. */
static int cbor__put_json(struct buf *out, const json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;
	int r = 0;
	unsigned char b[4];

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		r = cbor__put_head(out, cbor_encode_map_start, json_object_size(j));
		json_object_foreach((json_t *)j, k, v)
		{
			r = r ? r : cbor__put_text(out, k, strlen(k));
			r = r ? r : cbor__put_json(out, v);
		}
		return r;
	case JSON_ARRAY:
		r = cbor__put_head(out, cbor_encode_array_start, json_array_size(j));
		json_array_foreach(j, i, v) r = r ? r : cbor__put_json(out, v);
		return r;
	case JSON_STRING:
		return cbor__put_text(out, json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		return cbor__put_int(out, json_integer_value(j));
	case JSON_REAL:
		return cbor__put_double(out, json_real_value(j));
	case JSON_TRUE:
	case JSON_FALSE:
		return cbor__put_bool(out, json_is_true(j));
	default:
		return buf_add(out, b, cbor_encode_null(b, sizeof(b)));
	}
}

static int cbor__put(struct buf *out, uint16_t shape, const json_t *j)
{
	const struct monitoring_shape *s = monitoring_shape(shape);
	unsigned char b[16];
	const char *k;
	json_t *v;
	size_t i, n = 0;
	int r = 0;

	switch (s->kind) {
	case MONITORING_K_STRUCT:
		if (!json_is_object(j))
			break;
		for (uint16_t m = 0; m < s->b; m++) {
			v = json_object_get(j, monitoring_members[s->a + m].name);
			n += v && !json_is_null(v);
		}
		r = cbor__put_head(out, cbor_encode_map_start, n);
		for (uint16_t m = 0; !r && m < s->b; m++) {
			const struct monitoring_member *mem = &monitoring_members[s->a + m];

			v = json_object_get(j, mem->name);
			if (!v || json_is_null(v))
				continue;
			r = cbor__put_text(out, mem->name, strlen(mem->name));
			r = r ? r : cbor__put(out, mem->shape, v);
		}
		return r;
	case MONITORING_K_LIST:
		if (!json_is_array(j))
			break;
		r = cbor__put_head(out, cbor_encode_array_start, json_array_size(j));
		json_array_foreach(j, i, v) r = r ? r : cbor__put(out, s->a, v);
		return r;
	case MONITORING_K_MAP:
		if (!json_is_object(j))
			break;
		r = cbor__put_head(out, cbor_encode_map_start, json_object_size(j));
		json_object_foreach((json_t *)j, k, v)
		{
			r = r ? r : cbor__put_text(out, k, strlen(k));
			r = r ? r : cbor__put(out, s->b, v);
		}
		return r;
	case MONITORING_K_TIMESTAMP:
		if (!json_is_number(j))
			break;
		r = buf_add(out, b, cbor_encode_tag(1, b, sizeof(b)));
		return r ? r : cbor__put_double(out, json_number_value(j));
	case MONITORING_K_DOUBLE:
		if (!json_is_number(j))
			break;
		return cbor__put_double(out, json_number_value(j));
	case MONITORING_K_INTEGER:
		if (!json_is_real(j))
			break;
		return cbor__put_int(out, (int64_t)llround(json_real_value(j)));
	case MONITORING_K_BLOB: {
		size_t len = json_string_length(j);
		uint8_t *raw = json_is_string(j) ? malloc(len / 4 * 3 + 3) : NULL;
		int got = raw ? base64_decode(json_string_value(j), raw, len / 4 * 3 + 3) : -1;

		if (got >= 0) {
			r = cbor__put_head(out, cbor_encode_bytestring_start, (size_t)got);
			r = r ? r : buf_add(out, raw, (size_t)got);
		}
		free(raw);
		if (got >= 0)
			return r;
		break;
	}
	default:
		break;
	}
	return cbor__put_json(out, j);
}

int monitoring_cbor_encode(uint16_t shape, const json_t *reply, struct buf *out)
{
	json_t *empty = NULL;
	int r;

	if (!reply && !(reply = empty = json_object()))
		return -SW_E_NOMEM;
	r = cbor__put(out, shape, reply);
	json_decref(empty);
	return r ? -SW_E_TOO_LARGE : 0;
}

/* ---- HTTP ---- */

#define CBOR_SERVICE_ID "GraniteServiceVersion20100801"

bool monitoring_cbor_path(const char *path, const char **op, size_t *oplen)
{
	/* the last four segments: service / <id> / operation / <Op> */
	const char *seg[4], *end = path + strlen(path);
	size_t len[4];
	const char *p = end;
	size_t idlen = strlen(CBOR_SERVICE_ID), prefix;

	for (int i = 3; i >= 0; i--) {
		const char *stop = p;

		while (p > path && p[-1] != '/')
			p--;
		if (p == path)
			return false;
		seg[i] = p;
		len[i] = (size_t)(stop - p);
		p--; /* the '/' */
	}
	if (len[0] != 7 || memcmp(seg[0], "service", 7) != 0 || len[2] != 9 ||
	    memcmp(seg[2], "operation", 9) != 0 || !len[3])
		return false;
	/* the service's name, or its absolute id with '#' as '.' or %23 */
	if (len[1] < idlen || memcmp(seg[1] + len[1] - idlen, CBOR_SERVICE_ID, idlen) != 0)
		return false;
	prefix = len[1] - idlen;
	if (prefix && seg[1][prefix - 1] != '.' && seg[1][prefix - 1] != '#' &&
	    !(prefix >= 3 && strncasecmp(seg[1] + prefix - 3, "%23", 3) == 0))
		return false;
	*op = seg[3];
	*oplen = len[3];
	return true;
}

void monitoring_cbor_error(struct http_req *req, struct http_resp *resp, const struct err *e)
{
	const struct err_wire w = err_wire(e->code, NULL);
	const char *msg = err_message(e);
	char type[160];
	int r;

	resp->status = w.http_status;
	buf_reset(&resp->body);
	snprintf(type, sizeof(type), "com.amazonaws.cloudwatch#%s", w.aws_type);
	r = cbor__put_head(&resp->body, cbor_encode_map_start, 2);
	r = r ? r : cbor__put_text(&resp->body, "__type", 6);
	r = r ? r : cbor__put_text(&resp->body, type, strlen(type));
	r = r ? r : cbor__put_text(&resp->body, "message", 7);
	r = r ? r : cbor__put_text(&resp->body, msg, strlen(msg));
	if (r)
		buf_reset(&resp->body);
	http_resp_header(resp, "smithy-protocol", "rpc-v2-cbor");
	http_resp_header(resp, "Content-Type", CBOR_CONTENT_TYPE);
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
	monitoring_query_error_header(resp, e);
}

void monitoring_cbor_handle(const struct json_service *svc, struct http_req *req,
			    struct http_resp *resp)
{
	struct call c = { .env = req->env, .req = req, .who = &req->who, .err = &req->err };
	const struct monitoring_op_shapes *shapes = NULL;
	const struct json_op *op = NULL;
	const char *name = NULL;
	char opname[128] = "";
	size_t len = 0;
	int r = 0;

	if (!monitoring_cbor_path(req->path, &name, &len) ||
	    str_copyn(opname, sizeof(opname), name, len))
		r = err_set(&req->err, SW_E_UnknownOperation, "unknown operation in path %.200s",
			    req->path);
	else if (strcmp(req->method, "POST") != 0)
		r = err_set(&req->err, SW_E_INVALID, "a Smithy RPC v2 CBOR request is a POST");
	else if (req->target[0])
		r = err_set(&req->err, SW_E_INVALID,
			    "a Smithy RPC v2 CBOR request carries no X-Amz-Target header");
	if (!r && !(op = json_proto_op(svc, opname, &req->who, &req->err)))
		r = -req->err.code;
	if (!r && !(shapes = monitoring_op_shapes(opname)))
		r = err_set(&req->err, SW_E_INTERNAL, "no model shapes for %s", opname);
	if (!r)
		r = monitoring_cbor_decode((const uint8_t *)buf_str(&req->body), req->body.len,
					   &c.in, &req->err);
	if (!r)
		r = op->fn(&c);
	json_decref(c.in);
	if (r >= 0 && shapes->output != MONITORING_NO_SHAPE) {
		r = monitoring_cbor_encode(shapes->output, c.out, &resp->body);
		if (r)
			err_set(&req->err, r, "the reply is over its limit");
	}
	json_decref(c.out);
	if (r < 0) {
		if (!req->err.code)
			err_set(&req->err, r, NULL);
		monitoring_cbor_error(req, resp, &req->err);
		return;
	}
	resp->status = 200;
	http_resp_header(resp, "smithy-protocol", "rpc-v2-cbor");
	/* an operation without output has no body, and so no Content-Type */
	if (shapes->output != MONITORING_NO_SHAPE)
		http_resp_header(resp, "Content-Type", CBOR_CONTENT_TYPE);
	http_resp_header(resp, "x-amzn-RequestId", req->request_id);
}
