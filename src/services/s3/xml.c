/* s3/xml: a recursive-descent-free XML reader (an explicit stack bounds the depth) that builds a
 * compact element tree, and the CompleteMultipartUpload part-list parser on top of it. */
#include "xml.h"
#include "base/buf.h"
#include "base/str.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct s3_xml_node {
	const char *name;
	const char *text;
	size_t name_off, text_off;
	int parent, child, last, next; /* indices, -1 for none */
};

struct s3_xml {
	struct s3_xml_node *nodes;
	size_t n, cap;
	struct buf strings; /* names and texts, NUL-separated */
};

/* Parser state: the input cursor and, per open element, its node and its text so far. */
struct s3_xml__p {
	const char *start, *p, *end;
	struct s3_xml *x;
	int stack[S3_XML_DEPTH_MAX];
	struct buf text[S3_XML_DEPTH_MAX];
	int depth;
	struct err *e;
};

static int s3_xml__bad(struct s3_xml__p *ps, const char *what)
{
	return err_set(ps->e, SW_E_MalformedXML,
		       "The XML you provided was not well-formed or did not validate against our "
		       "published schema (%s at byte %zu)",
		       what, (size_t)(ps->p - ps->start));
}

static bool s3_xml__space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool s3_xml__name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       c >= 0x80;
}

static bool s3_xml__name_char(unsigned char c)
{
	return s3_xml__name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool s3_xml__starts(const struct s3_xml__p *ps, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(ps->end - ps->p) >= n && memcmp(ps->p, lit, n) == 0;
}

/* Skips past the next occurrence of lit; fails when there is none. */
static int s3_xml__skip_past(struct s3_xml__p *ps, const char *lit, const char *what)
{
	size_t n = strlen(lit);

	while ((size_t)(ps->end - ps->p) >= n) {
		if (memcmp(ps->p, lit, n) == 0) {
			ps->p += n;
			return 0;
		}
		ps->p++;
	}
	return s3_xml__bad(ps, what);
}

/* A name: returns its length (0 when there is none at the cursor). */
static size_t s3_xml__name(struct s3_xml__p *ps)
{
	const char *s = ps->p;

	if (s >= ps->end || !s3_xml__name_start((unsigned char)*s))
		return 0;
	while (s < ps->end && s3_xml__name_char((unsigned char)*s))
		s++;
	return (size_t)(s - ps->p);
}

static int s3_xml__utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18);
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return buf_add(b, u, n);
}

/* An entity or character reference at the cursor ('&'), decoded into b (NULL: only checked). */
static int s3_xml__entity(struct s3_xml__p *ps, struct buf *b)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {
		{ "lt;", '<' }, { "gt;", '>' }, { "amp;", '&' }, { "quot;", '"' }, { "apos;", '\'' }
	};
	uint32_t cp = 0;
	int digits = 0;

	ps->p++; /* '&' */
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (s3_xml__starts(ps, named[i].name)) {
			ps->p += strlen(named[i].name);
			return b ? buf_addc(b, named[i].c) : 0;
		}
	}
	if (ps->p >= ps->end || *ps->p != '#')
		return s3_xml__bad(ps, "unknown entity");
	ps->p++;
	if (ps->p < ps->end && *ps->p == 'x') {
		ps->p++;
		for (; ps->p < ps->end && *ps->p != ';'; ps->p++, digits++) {
			char c = *ps->p;
			int v = hex_digit(c);

			if (v < 0 || digits >= 6)
				return s3_xml__bad(ps, "bad character reference");
			cp = cp << 4 | (uint32_t)v;
		}
	} else {
		for (; ps->p < ps->end && *ps->p != ';'; ps->p++, digits++) {
			if (*ps->p < '0' || *ps->p > '9' || digits >= 7)
				return s3_xml__bad(ps, "bad character reference");
			cp = cp * 10 + (uint32_t)(*ps->p - '0');
		}
	}
	if (ps->p >= ps->end || !digits || cp == 0 || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return s3_xml__bad(ps, "bad character reference");
	ps->p++; /* ';' */
	return b ? s3_xml__utf8(b, cp) : 0;
}

static int s3_xml__store(struct s3_xml__p *ps, const char *s, size_t n, size_t *off)
{
	*off = ps->x->strings.len;
	if (buf_add(&ps->x->strings, s, n) || buf_addc(&ps->x->strings, '\0'))
		return err_set(ps->e, SW_E_TOO_LARGE, "XML document too large");
	return 0;
}

/* `<name attr="v" …>` or `<…/>` at the cursor (after '<'). */
static int s3_xml__open(struct s3_xml__p *ps)
{
	struct s3_xml *x = ps->x;
	struct s3_xml_node *node;
	const char *name = ps->p, *colon;
	size_t n = s3_xml__name(ps), local_off;
	int idx, parent = ps->depth ? ps->stack[ps->depth - 1] : -1;
	bool empty = false;

	if (!n)
		return s3_xml__bad(ps, "bad element name");
	if (!ps->depth && x->n)
		return s3_xml__bad(ps, "more than one root element");
	ps->p += n;
	/* attributes: checked for shape and skipped */
	for (;;) {
		const char *before = ps->p;
		size_t an;
		char q;

		while (ps->p < ps->end && s3_xml__space(*ps->p))
			ps->p++;
		if (ps->p >= ps->end)
			return s3_xml__bad(ps, "unterminated tag");
		if (*ps->p == '>') {
			ps->p++;
			break;
		}
		if (*ps->p == '/') {
			if (ps->p + 1 >= ps->end || ps->p[1] != '>')
				return s3_xml__bad(ps, "bad empty-element tag");
			ps->p += 2;
			empty = true;
			break;
		}
		if (ps->p == before)
			return s3_xml__bad(ps, "attributes must be separated by spaces");
		an = s3_xml__name(ps);
		if (!an)
			return s3_xml__bad(ps, "bad attribute name");
		ps->p += an;
		while (ps->p < ps->end && s3_xml__space(*ps->p))
			ps->p++;
		if (ps->p >= ps->end || *ps->p != '=')
			return s3_xml__bad(ps, "attribute without a value");
		ps->p++;
		while (ps->p < ps->end && s3_xml__space(*ps->p))
			ps->p++;
		if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\''))
			return s3_xml__bad(ps, "attribute value not quoted");
		q = *ps->p++;
		while (ps->p < ps->end && *ps->p != q) {
			int r;

			if (*ps->p == '<')
				return s3_xml__bad(ps, "'<' in an attribute value");
			if (*ps->p == '&') {
				r = s3_xml__entity(ps, NULL);
				if (r)
					return r;
				continue;
			}
			ps->p++;
		}
		if (ps->p >= ps->end)
			return s3_xml__bad(ps, "unterminated attribute value");
		ps->p++;
	}
	if (x->n >= S3_XML_NODES_MAX)
		return s3_xml__bad(ps, "too many elements");
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct s3_xml_node *nodes = realloc(x->nodes, cap * sizeof(*nodes));

		if (!nodes)
			return err_set(ps->e, SW_E_NOMEM, NULL);
		x->nodes = nodes;
		x->cap = cap;
	}
	colon = memchr(name, ':', n);
	if (colon && colon + 1 < name + n) {
		n -= (size_t)(colon + 1 - name);
		name = colon + 1;
	}
	if (s3_xml__store(ps, name, n, &local_off))
		return -SW_E_TOO_LARGE;
	idx = (int)x->n++;
	node = &x->nodes[idx];
	node->name_off = local_off;
	node->text_off = SIZE_MAX;
	node->parent = parent;
	node->child = node->last = node->next = -1;
	if (parent >= 0) {
		struct s3_xml_node *pn = &x->nodes[parent];

		if (pn->last >= 0)
			x->nodes[pn->last].next = idx;
		else
			pn->child = idx;
		pn->last = idx;
	}
	if (empty)
		return 0;
	if (ps->depth >= S3_XML_DEPTH_MAX)
		return s3_xml__bad(ps, "elements nested too deeply");
	ps->stack[ps->depth] = idx;
	buf_reset(&ps->text[ps->depth]);
	ps->depth++;
	return 0;
}

/* `</name>` at the cursor (after "</"). */
static int s3_xml__close(struct s3_xml__p *ps)
{
	struct s3_xml *x = ps->x;
	const char *name = ps->p, *colon, *local;
	size_t n = s3_xml__name(ps), ln;
	struct s3_xml_node *node;
	struct buf *text;

	if (!n || !ps->depth)
		return s3_xml__bad(ps, "unexpected end tag");
	ps->p += n;
	while (ps->p < ps->end && s3_xml__space(*ps->p))
		ps->p++;
	if (ps->p >= ps->end || *ps->p != '>')
		return s3_xml__bad(ps, "unterminated end tag");
	ps->p++;
	node = &x->nodes[ps->stack[ps->depth - 1]];
	colon = memchr(name, ':', n);
	local = colon && colon + 1 < name + n ? colon + 1 : name;
	ln = n - (size_t)(local - name);
	if (ln != strlen(x->strings.p + node->name_off) ||
	    memcmp(local, x->strings.p + node->name_off, ln) != 0)
		return s3_xml__bad(ps, "mismatched end tag");
	text = &ps->text[ps->depth - 1];
	if (text->len && s3_xml__store(ps, text->p, text->len, &node->text_off))
		return -SW_E_TOO_LARGE;
	ps->depth--;
	return 0;
}

/* Character data up to the next '<' (appended to the open element's text). */
static int s3_xml__chars(struct s3_xml__p *ps)
{
	struct buf *b = ps->depth ? &ps->text[ps->depth - 1] : NULL;

	while (ps->p < ps->end && *ps->p != '<') {
		int r;

		if (*ps->p == '&') {
			if (!b)
				return s3_xml__bad(ps, "text outside the root element");
			r = s3_xml__entity(ps, b);
			if (r)
				return r == -SW_E_TOO_LARGE
					   ? err_set(ps->e, r, "XML text too large")
					   : r;
			continue;
		}
		if (!b && !s3_xml__space(*ps->p))
			return s3_xml__bad(ps, "text outside the root element");
		if (b && buf_addc(b, *ps->p))
			return err_set(ps->e, SW_E_TOO_LARGE, "XML text too large");
		ps->p++;
	}
	return 0;
}

static int s3_xml__run(struct s3_xml__p *ps)
{
	int r;

	if (s3_xml__starts(ps, "\xEF\xBB\xBF"))
		ps->p += 3;
	while (ps->p < ps->end) {
		if (*ps->p != '<') {
			r = s3_xml__chars(ps);
		} else if (s3_xml__starts(ps, "<?")) {
			r = s3_xml__skip_past(ps, "?>", "unterminated processing instruction");
		} else if (s3_xml__starts(ps, "<!--")) {
			ps->p += 4;
			r = s3_xml__skip_past(ps, "-->", "unterminated comment");
		} else if (s3_xml__starts(ps, "<![CDATA[")) {
			const char *start = ps->p + 9;

			if (!ps->depth)
				return s3_xml__bad(ps, "CDATA outside the root element");
			ps->p = start;
			r = s3_xml__skip_past(ps, "]]>", "unterminated CDATA section");
			if (!r &&
			    buf_add(&ps->text[ps->depth - 1], start, (size_t)(ps->p - 3 - start)))
				r = err_set(ps->e, SW_E_TOO_LARGE, "XML text too large");
		} else if (s3_xml__starts(ps, "<!")) {
			return s3_xml__bad(ps, "DOCTYPE and declarations are not accepted");
		} else if (s3_xml__starts(ps, "</")) {
			ps->p += 2;
			r = s3_xml__close(ps);
		} else {
			ps->p++;
			r = s3_xml__open(ps);
		}
		if (r)
			return r;
	}
	if (ps->depth)
		return s3_xml__bad(ps, "unexpected end of document");
	if (!ps->x->n)
		return s3_xml__bad(ps, "no root element");
	return 0;
}

int s3_xml_parse(const char *s, size_t n, struct s3_xml **out, struct err *e)
{
	struct s3_xml__p *ps = calloc(1, sizeof(*ps));
	struct s3_xml *x = calloc(1, sizeof(*x));
	int r;

	*out = NULL;
	if (!ps || !x) {
		free(ps);
		free(x);
		return err_set(e, SW_E_NOMEM, NULL);
	}
	/* XML forbids NUL anywhere; and every name and text here is handed on as a C string,
	 * which a NUL would shorten ("victim\0x" deleting "victim"). */
	if (memchr(s, '\0', n)) {
		free(ps);
		free(x);
		return err_set(
		    e, SW_E_MalformedXML,
		    "The XML you provided was not well-formed or did not validate against "
		    "our published schema (it holds a NUL byte)");
	}
	buf_init(&x->strings, 16u << 20);
	ps->start = ps->p = s;
	ps->end = s + n;
	ps->x = x;
	ps->e = e;
	for (int i = 0; i < S3_XML_DEPTH_MAX; i++)
		buf_init(&ps->text[i], 8u << 20);
	r = s3_xml__run(ps);
	for (int i = 0; i < S3_XML_DEPTH_MAX; i++)
		buf_release(&ps->text[i]);
	free(ps);
	if (r) {
		s3_xml_free(x);
		return r;
	}
	for (size_t i = 0; i < x->n; i++) {
		x->nodes[i].name = x->strings.p + x->nodes[i].name_off;
		x->nodes[i].text =
		    x->nodes[i].text_off == SIZE_MAX ? "" : x->strings.p + x->nodes[i].text_off;
	}
	*out = x;
	return 0;
}

void s3_xml_free(struct s3_xml *x)
{
	if (!x)
		return;
	free(x->nodes);
	buf_release(&x->strings);
	free(x);
}

const struct s3_xml_node *s3_xml_root(const struct s3_xml *x)
{
	return x->n ? &x->nodes[0] : NULL;
}

static const struct s3_xml_node *s3_xml__from(const struct s3_xml *x, int idx, const char *name)
{
	for (; idx >= 0; idx = x->nodes[idx].next)
		if (!name || strcmp(x->nodes[idx].name, name) == 0)
			return &x->nodes[idx];
	return NULL;
}

const struct s3_xml_node *s3_xml_child(const struct s3_xml *x, const struct s3_xml_node *parent,
				       const char *name)
{
	return parent ? s3_xml__from(x, parent->child, name) : NULL;
}

const struct s3_xml_node *s3_xml_next(const struct s3_xml *x, const struct s3_xml_node *after,
				      const char *name)
{
	return after ? s3_xml__from(x, after->next, name) : NULL;
}

const char *s3_xml_name(const struct s3_xml_node *n)
{
	return n->name;
}

const char *s3_xml_child_text(const struct s3_xml *x, const struct s3_xml_node *parent,
			      const char *name)
{
	const struct s3_xml_node *c = s3_xml_child(x, parent, name);

	return c ? c->text : NULL;
}

/* ---- CompleteMultipartUpload ---- */

/* Trims XML whitespace and one pair of double quotes; lower-cases into out. */
static int s3_xml__etag(const char *s, char *out, size_t size)
{
	const char *end = s + strlen(s);
	size_t n;

	while (s < end && s3_xml__space(*s))
		s++;
	while (end > s && s3_xml__space(end[-1]))
		end--;
	if (end - s >= 2 && *s == '"' && end[-1] == '"') {
		s++;
		end--;
	}
	n = (size_t)(end - s);
	if (!n || n >= size)
		return -SW_E_INVALID;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
	out[n] = '\0';
	return 0;
}

static int s3_xml__part(const struct s3_xml *x, const struct s3_xml_node *part,
			struct s3_complete_part *out, struct err *e)
{
	static const enum s3_ck_alg algs[] = { S3_CK_CRC32, S3_CK_CRC32C, S3_CK_CRC64NVME,
					       S3_CK_SHA1, S3_CK_SHA256 };
	const char *num = s3_xml_child_text(x, part, "PartNumber");
	const char *etag = s3_xml_child_text(x, part, "ETag");
	char trimmed[16];
	const char *s, *end;
	int64_t v;

	if (!num || !etag)
		return err_set(e, SW_E_MalformedXML,
			       "The XML you provided was not well-formed or did not validate "
			       "against our published schema (a Part needs PartNumber and ETag)");
	for (s = num; s3_xml__space(*s); s++)
		;
	for (end = s + strlen(s); end > s && s3_xml__space(end[-1]); end--)
		;
	if (str_copyn(trimmed, sizeof(trimmed), s, (size_t)(end - s)) ||
	    str_to_i64(trimmed, INT64_MIN, INT64_MAX, &v))
		return err_set(e, SW_E_MalformedXML,
			       "The XML you provided was not well-formed or did not validate "
			       "against our published schema (PartNumber is not an integer)");
	if (v < 1 || v > S3_PARTS_MAX)
		return err_set(e, SW_E_InvalidArgument,
			       "Part number must be an integer between 1 and 10000, inclusive");
	out->number = (int)v;
	if (s3_xml__etag(etag, out->etag, sizeof(out->etag)))
		return err_set(e, SW_E_InvalidPart,
			       "One or more of the specified parts could not be found.  The part "
			       "may not have been uploaded, or the specified entity tag may not "
			       "match the part's entity tag. (part %d has a bad ETag)",
			       out->number);
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		char elem[32];
		const char *ck;

		str_fmt(elem, sizeof(elem), "Checksum%s", s3_ck_name(algs[i]));
		ck = s3_xml_child_text(x, part, elem);
		if (!ck)
			continue;
		if (out->ck_alg != S3_CK_NONE)
			return err_set(e, SW_E_InvalidRequest, "part %d has more than one checksum",
				       out->number);
		out->ck_alg = algs[i];
		if (str_copy(out->checksum, sizeof(out->checksum), ck))
			return err_set(e, SW_E_InvalidRequest, "part %d has a bad %s", out->number,
				       elem);
	}
	return 0;
}

int s3_xml_parse_parts(const char *s, size_t n, struct s3_part_list *out, struct err *e)
{
	const struct s3_xml_node *root, *part;
	struct s3_xml *x;
	size_t count = 0;
	int r;

	out->parts = NULL;
	out->n = 0;
	r = s3_xml_parse(s, n, &x, e);
	if (r)
		return r;
	root = s3_xml_root(x);
	if (strcmp(s3_xml_name(root), "CompleteMultipartUpload") != 0) {
		s3_xml_free(x);
		return err_set(e, SW_E_MalformedXML,
			       "The XML you provided was not well-formed or did not validate "
			       "against our published schema (the root is not "
			       "CompleteMultipartUpload)");
	}
	for (part = s3_xml_child(x, root, "Part"); part; part = s3_xml_next(x, part, "Part"))
		count++;
	if (count == 0 || count > S3_PARTS_MAX) {
		s3_xml_free(x);
		return err_set(e, SW_E_MalformedXML,
			       "The XML you provided was not well-formed or did not validate "
			       "against our published schema (%s)",
			       count ? "more than 10000 parts" : "no parts");
	}
	out->parts = calloc(count, sizeof(*out->parts));
	if (!out->parts) {
		s3_xml_free(x);
		return err_set(e, SW_E_NOMEM, NULL);
	}
	for (part = s3_xml_child(x, root, "Part"); part && !r;
	     part = s3_xml_next(x, part, "Part")) {
		struct s3_complete_part *p = &out->parts[out->n];

		r = s3_xml__part(x, part, p, e);
		if (!r && out->n && p->number <= out->parts[out->n - 1].number)
			r = err_set(e, SW_E_InvalidPartOrder,
				    "The list of parts was not in ascending order. Parts must be "
				    "ordered by part number (part %d follows part %d).",
				    p->number, out->parts[out->n - 1].number);
		if (!r)
			out->n++;
	}
	s3_xml_free(x);
	if (r)
		s3_part_list_release(out);
	return r;
}

void s3_part_list_release(struct s3_part_list *l)
{
	free(l->parts);
	l->parts = NULL;
	l->n = 0;
}
