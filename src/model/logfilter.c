/* logfilter: the filter-pattern compiler and matcher (see logfilter.h). */
#include "logfilter.h"
#include "logs_errors.h"
#include "base/str.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LF_DEPTH_MAX 32 /* nested parentheses */

enum lf_term_kind { LF_TERM_ALL, LF_TERM_ANY, LF_TERM_NONE };

struct lf_term {
	enum lf_term_kind kind;
	const char *text;
	size_t len;
};

enum lf_kind { LF_AND, LF_OR, LF_CMP };

enum lf_op {
	LF_EQ,
	LF_NE,
	LF_LT,
	LF_LE,
	LF_GT,
	LF_GE,
	LF_EXISTS,
	LF_NOT_EXISTS,
	LF_IS_NULL,
	LF_IS_TRUE,
	LF_IS_FALSE,
};

/* One step of a selector: a member (key) or an array index (key NULL). */
struct lf_seg {
	const char *key;
	size_t index;
};

struct lf_node {
	enum lf_kind kind;
	int left, right; /* LF_AND, LF_OR */
	size_t seg0, nseg;
	enum lf_op op;
	bool is_num;
	double num;
	const char *str; /* a glob for LF_EQ / LF_NE on strings */
};

struct logfilter {
	bool json;
	int root;
	struct lf_term *terms;
	size_t nterms;
	struct lf_node *nodes;
	size_t nnodes;
	struct lf_seg *segs;
	size_t nsegs;
	char *strs; /* every unescaped string and key, NUL-terminated */
	size_t nstrs;
};

struct lf_parser {
	const char *start, *p;
	struct logfilter *f;
	struct err *e;
	int depth;
};

static int lf__fail(struct lf_parser *ps, const char *what)
{
	return err_set(ps->e, SW_E_LOGS_InvalidParameter,
		       "Invalid filter pattern: %s at character %d.", what,
		       (int)(ps->p - ps->start) + 1);
}

static bool lf__space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void lf__skip(struct lf_parser *ps)
{
	while (lf__space(*ps->p))
		ps->p++;
}

/* Room for n bytes of strings; the sizes in logfilter_compile make running out a bug. */
static char *lf__str(struct lf_parser *ps, const char *s, size_t n)
{
	char *out = ps->f->strs + ps->f->nstrs;

	memcpy(out, s, n);
	out[n] = '\0';
	ps->f->nstrs += n + 1;
	return out;
}

/* A "quoted" string at ps->p: unescapes \" and \\ into the strings. */
static int lf__quoted(struct lf_parser *ps, const char **out, size_t *len)
{
	char *dst = ps->f->strs + ps->f->nstrs;
	size_t n = 0;

	ps->p++; /* the opening quote */
	for (;;) {
		char c = *ps->p;

		if (!c)
			return lf__fail(ps, "unterminated quoted string");
		ps->p++;
		if (c == '"')
			break;
		if (c == '\\' && (*ps->p == '"' || *ps->p == '\\'))
			c = *ps->p++;
		dst[n++] = c;
	}
	dst[n] = '\0';
	ps->f->nstrs += n + 1;
	*out = dst;
	*len = n;
	return 0;
}

/* ---- text patterns ---- */

static int lf__text(struct lf_parser *ps)
{
	struct logfilter *f = ps->f;

	for (;;) {
		struct lf_term t = { LF_TERM_ALL, NULL, 0 };
		int r;

		lf__skip(ps);
		if (!*ps->p)
			return 0;
		if (*ps->p == '?' || *ps->p == '-') {
			t.kind = *ps->p == '?' ? LF_TERM_ANY : LF_TERM_NONE;
			ps->p++;
			if (!*ps->p || lf__space(*ps->p))
				return lf__fail(ps, "'?' and '-' must be followed by a term");
		}
		if (*ps->p == '"') {
			r = lf__quoted(ps, &t.text, &t.len);
			if (r)
				return r;
			if (*ps->p && !lf__space(*ps->p))
				return lf__fail(ps, "a quoted term must be followed by a space");
		} else {
			const char *s = ps->p;

			while (*ps->p && !lf__space(*ps->p)) {
				if (*ps->p == '"')
					return lf__fail(ps, "a quote inside a term");
				ps->p++;
			}
			t.len = (size_t)(ps->p - s);
			t.text = lf__str(ps, s, t.len);
		}
		if (!t.len)
			return lf__fail(ps, "empty quoted term");
		f->terms[f->nterms++] = t;
	}
}

static bool lf__text_match(const struct logfilter *f, const char *msg, size_t len)
{
	bool any = false, any_hit = false;

	for (size_t i = 0; i < f->nterms; i++) {
		const struct lf_term *t = &f->terms[i];
		bool hit = memmem(msg, len, t->text, t->len) != NULL;

		switch (t->kind) {
		case LF_TERM_ALL:
			if (!hit)
				return false;
			break;
		case LF_TERM_ANY:
			any = true;
			any_hit |= hit;
			break;
		case LF_TERM_NONE:
			if (hit)
				return false;
			break;
		}
	}
	return !any || any_hit;
}

/* ---- JSON patterns ---- */

static int lf__node(struct lf_parser *ps, struct lf_node n)
{
	ps->f->nodes[ps->f->nnodes] = n;
	return (int)ps->f->nnodes++;
}

/* An upper-case keyword at ps->p (IS, NULL, …): consumes it when it is word. */
static bool lf__word(struct lf_parser *ps, const char *word)
{
	size_t n = strlen(word);
	char after;

	if (strncmp(ps->p, word, n) != 0)
		return false;
	after = ps->p[n];
	if ((after >= 'A' && after <= 'Z') || (after >= 'a' && after <= 'z') ||
	    (after >= '0' && after <= '9') || after == '_')
		return false;
	ps->p += n;
	return true;
}

static bool lf__key_char(char c)
{
	return c && !lf__space(c) && !strchr(".[]()=!<>&|\"{}$", c);
}

static int lf__selector(struct lf_parser *ps, struct lf_node *n)
{
	struct logfilter *f = ps->f;

	if (*ps->p != '$')
		return lf__fail(ps, "expected a selector such as $.name");
	ps->p++;
	n->seg0 = f->nsegs;
	for (;;) {
		struct lf_seg s = { NULL, 0 };

		if (*ps->p == '.') {
			const char *k = ++ps->p;

			while (lf__key_char(*ps->p))
				ps->p++;
			if (ps->p == k)
				return lf__fail(ps, "expected a member name after '.'");
			s.key = lf__str(ps, k, (size_t)(ps->p - k));
		} else if (*ps->p == '[') {
			ps->p++;
			if (*ps->p < '0' || *ps->p > '9')
				return lf__fail(ps, "expected an array index");
			while (*ps->p >= '0' && *ps->p <= '9') {
				if (s.index > 100000000)
					return lf__fail(ps, "array index too large");
				s.index = s.index * 10 + (size_t)(*ps->p++ - '0');
			}
			if (*ps->p != ']')
				return lf__fail(ps, "expected ']'");
			ps->p++;
		} else {
			break;
		}
		f->segs[f->nsegs++] = s;
	}
	n->nseg = f->nsegs - n->seg0;
	if (!n->nseg)
		return lf__fail(ps, "a selector needs a member, as in $.name");
	return 0;
}

static int lf__op(struct lf_parser *ps, enum lf_op *op)
{
	static const struct {
		const char *text;
		enum lf_op op;
	} ops[] = { { "!=", LF_NE }, { "<=", LF_LE }, { ">=", LF_GE },
		    { "=", LF_EQ },  { "<", LF_LT },  { ">", LF_GT } };

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);

		if (strncmp(ps->p, ops[i].text, n) == 0) {
			ps->p += n;
			*op = ops[i].op;
			return 0;
		}
	}
	return lf__fail(ps, "expected =, !=, <, <=, >, >=, IS, EXISTS or NOT EXISTS");
}

/* A whole-string decimal number (what strtod reads, finite); false otherwise. */
static bool lf__number(const char *s, double *out)
{
	char *end;

	if (!*s || lf__space(*s))
		return false;
	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out);
}

static int lf__value(struct lf_parser *ps, struct lf_node *n)
{
	const char *s;
	size_t len;
	int r;

	if (*ps->p == '"') {
		r = lf__quoted(ps, &n->str, &len);
		if (r)
			return r;
	} else {
		s = ps->p;
		while (*ps->p && !lf__space(*ps->p) && !strchr("()}&|\"", *ps->p))
			ps->p++;
		if (ps->p == s)
			return lf__fail(ps, "expected a value");
		n->str = lf__str(ps, s, (size_t)(ps->p - s));
		n->is_num = lf__number(n->str, &n->num);
	}
	if (n->op != LF_EQ && n->op != LF_NE && !n->is_num)
		return lf__fail(ps, "<, <=, > and >= compare numbers only");
	return 0;
}

static int lf__cmp(struct lf_parser *ps)
{
	struct lf_node n = { .kind = LF_CMP };
	int r = lf__selector(ps, &n);

	if (r)
		return r;
	lf__skip(ps);
	if (lf__word(ps, "IS")) {
		lf__skip(ps);
		if (lf__word(ps, "NULL"))
			n.op = LF_IS_NULL;
		else if (lf__word(ps, "TRUE"))
			n.op = LF_IS_TRUE;
		else if (lf__word(ps, "FALSE"))
			n.op = LF_IS_FALSE;
		else
			return lf__fail(ps, "expected NULL, TRUE or FALSE after IS");
	} else if (lf__word(ps, "NOT")) {
		lf__skip(ps);
		if (!lf__word(ps, "EXISTS"))
			return lf__fail(ps, "expected EXISTS after NOT");
		n.op = LF_NOT_EXISTS;
	} else if (lf__word(ps, "EXISTS")) {
		n.op = LF_EXISTS;
	} else {
		r = lf__op(ps, &n.op);
		if (!r) {
			lf__skip(ps);
			r = lf__value(ps, &n);
		}
		if (r)
			return r;
	}
	return lf__node(ps, n);
}

static int lf__or(struct lf_parser *ps);

static int lf__unary(struct lf_parser *ps)
{
	int r;

	lf__skip(ps);
	if (*ps->p != '(')
		return lf__cmp(ps);
	if (++ps->depth > LF_DEPTH_MAX)
		return lf__fail(ps, "parentheses nested too deep");
	ps->p++;
	r = lf__or(ps);
	if (r < 0)
		return r;
	lf__skip(ps);
	if (*ps->p != ')')
		return lf__fail(ps, "expected ')'");
	ps->p++;
	ps->depth--;
	return r;
}

/* A chain of sub joined by op ("&&" or "||") into nodes of kind k. */
static int lf__chain(struct lf_parser *ps, int (*sub)(struct lf_parser *), const char *op,
		     enum lf_kind k)
{
	int l = sub(ps);

	while (l >= 0) {
		int r;

		lf__skip(ps);
		if (strncmp(ps->p, op, 2) != 0)
			break;
		ps->p += 2;
		r = sub(ps);
		if (r < 0)
			return r;
		l = lf__node(ps, (struct lf_node){ .kind = k, .left = l, .right = r });
	}
	return l;
}

static int lf__and(struct lf_parser *ps)
{
	return lf__chain(ps, lf__unary, "&&", LF_AND);
}

static int lf__or(struct lf_parser *ps)
{
	return lf__chain(ps, lf__and, "||", LF_OR);
}

static int lf__json(struct lf_parser *ps)
{
	int root;

	ps->p++; /* '{' */
	root = lf__or(ps);
	if (root < 0)
		return root;
	lf__skip(ps);
	if (*ps->p != '}')
		return lf__fail(ps, "expected '}', '&&' or '||'");
	ps->p++;
	lf__skip(ps);
	if (*ps->p)
		return lf__fail(ps, "text after the closing '}'");
	ps->f->root = root;
	return 0;
}

static const json_t *lf__resolve(const struct logfilter *f, const struct lf_node *n,
				 const json_t *doc)
{
	for (size_t i = 0; i < n->nseg && doc; i++) {
		const struct lf_seg *s = &f->segs[n->seg0 + i];

		doc = s->key ? (json_is_object(doc) ? json_object_get(doc, s->key) : NULL)
			     : (json_is_array(doc) ? json_array_get(doc, s->index) : NULL);
	}
	return doc;
}

static bool lf__cmp_match(const struct logfilter *f, const struct lf_node *n, const json_t *doc)
{
	const json_t *v = lf__resolve(f, n, doc);
	bool eq;

	switch (n->op) {
	case LF_EXISTS:
		return v != NULL;
	case LF_NOT_EXISTS:
		return v == NULL;
	case LF_IS_NULL:
		return v && json_is_null(v);
	case LF_IS_TRUE:
		return v && json_is_true(v);
	case LF_IS_FALSE:
		return v && json_is_false(v);
	case LF_EQ:
	case LF_NE:
		if (!v)
			return false;
		if (n->is_num && json_is_number(v))
			eq = json_number_value(v) == n->num;
		else
			eq = json_is_string(v) && str_glob(n->str, json_string_value(v));
		return n->op == LF_EQ ? eq : !eq;
	default:
		break;
	}
	if (!v || !json_is_number(v))
		return false;
	switch (n->op) {
	case LF_LT:
		return json_number_value(v) < n->num;
	case LF_LE:
		return json_number_value(v) <= n->num;
	case LF_GT:
		return json_number_value(v) > n->num;
	default:
		return json_number_value(v) >= n->num;
	}
}

static bool lf__eval(const struct logfilter *f, int i, const json_t *doc)
{
	const struct lf_node *n = &f->nodes[i];

	switch (n->kind) {
	case LF_AND:
		return lf__eval(f, n->left, doc) && lf__eval(f, n->right, doc);
	case LF_OR:
		return lf__eval(f, n->left, doc) || lf__eval(f, n->right, doc);
	default:
		return lf__cmp_match(f, n, doc);
	}
}

/* ---- the API ---- */

int logfilter_compile(const char *pattern, struct logfilter **out, struct err *e)
{
	size_t len = pattern ? strlen(pattern) : 0;
	struct lf_parser ps = { .start = pattern ? pattern : "", .e = e };
	struct logfilter *f;
	int r;

	*out = NULL;
	if (len > LOGFILTER_PATTERN_MAX)
		return err_set(e, SW_E_LOGS_InvalidParameter,
			       "Invalid filter pattern: longer than %d characters.",
			       LOGFILTER_PATTERN_MAX);
	f = calloc(1, sizeof(*f));
	if (!f)
		return err_set(e, SW_E_NOMEM, NULL);
	/* Every term, node and selector step consumes at least one character of the pattern,
	 * and every string at most its own characters plus a NUL. */
	f->terms = calloc(len + 1, sizeof(*f->terms));
	f->nodes = calloc(len + 1, sizeof(*f->nodes));
	f->segs = calloc(len + 1, sizeof(*f->segs));
	f->strs = malloc(2 * len + 2);
	if (!f->terms || !f->nodes || !f->segs || !f->strs) {
		logfilter_free(f);
		return err_set(e, SW_E_NOMEM, NULL);
	}
	ps.f = f;
	ps.p = ps.start;
	lf__skip(&ps);
	if (*ps.p == '{') {
		f->json = true;
		r = lf__json(&ps);
	} else {
		r = lf__text(&ps);
	}
	if (r) {
		logfilter_free(f);
		return r;
	}
	*out = f;
	return 0;
}

bool logfilter_match(const struct logfilter *f, const char *message, size_t len)
{
	json_t *doc;
	bool hit;

	if (!f->json)
		return lf__text_match(f, message, len);
	doc = json_loadb(message, len, 0, NULL);
	if (!doc)
		return false;
	hit = lf__eval(f, f->root, doc);
	json_decref(doc);
	return hit;
}

void logfilter_free(struct logfilter *f)
{
	if (!f)
		return;
	free(f->terms);
	free(f->nodes);
	free(f->segs);
	free(f->strs);
	free(f);
}
