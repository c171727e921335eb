/* metric_math: a recursive-descent parser and a point-by-point evaluator for CloudWatch
 * metric-math expressions (model/metric_math.h). */
#include "metric_math.h"
#include "base/str.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum mm_kind { MM_NUM, MM_REF, MM_NEG, MM_BIN, MM_CALL };

enum mm_op {
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_POW,
	OP_GT,
	OP_LT,
	OP_GE,
	OP_LE,
	OP_EQ,
	OP_NE,
	OP_AND,
	OP_OR
};

#define MM_ARGS_MAX 3

struct mm_expr {
	enum mm_kind kind;
	enum mm_op op;
	double num;
	char name[64]; /* REF: the Id; CALL: the function */
	struct mm_expr *arg[MM_ARGS_MAX];
	int nargs;
};

struct mm_parser {
	const char *s;
	size_t at;
	int depth;
	struct err *e;
};

void mm_series_release(struct mm_series *s)
{
	free(s->ts);
	free(s->v);
	s->ts = NULL;
	s->v = NULL;
	s->n = 0;
}

void mm_free(struct mm_expr *x)
{
	if (!x)
		return;
	for (int i = 0; i < x->nargs; i++)
		mm_free(x->arg[i]);
	free(x);
}

static struct mm_expr *mm__node(enum mm_kind k)
{
	struct mm_expr *x = calloc(1, sizeof(*x));

	if (x)
		x->kind = k;
	return x;
}

static void mm__space(struct mm_parser *p)
{
	while (p->s[p->at] == ' ' || p->s[p->at] == '\t' || p->s[p->at] == '\n')
		p->at++;
}

static bool mm__eat(struct mm_parser *p, const char *tok)
{
	size_t n = strlen(tok);

	mm__space(p);
	if (strncmp(p->s + p->at, tok, n) != 0)
		return false;
	/* a word operator must end at a word boundary */
	if (isalpha((unsigned char)tok[0]) &&
	    (isalnum((unsigned char)p->s[p->at + n]) || p->s[p->at + n] == '_'))
		return false;
	p->at += n;
	return true;
}

static int mm__fail(struct mm_parser *p, const char *what)
{
	return err_set(p->e, SW_E_INVALID, "Invalid metric math expression: %s at position %zu.",
		       what, p->at + 1);
}

static int mm__expr(struct mm_parser *p, struct mm_expr **out);

static int mm__bin(struct mm_expr **out, enum mm_op op, struct mm_expr *a, struct mm_expr *b)
{
	struct mm_expr *x = mm__node(MM_BIN);

	if (!x) {
		mm_free(a);
		mm_free(b);
		return -SW_E_NOMEM;
	}
	x->kind = MM_BIN;
	x->op = op;
	x->arg[0] = a;
	x->arg[1] = b;
	x->nargs = 2;
	*out = x;
	return 0;
}

static const char *const mm__funcs[] = { "ABS", "CEIL", "FLOOR", "FILL",    "IF", "SUM",
					 "AVG", "MIN",	"MAX",	 "METRICS", NULL };

static int mm__primary(struct mm_parser *p, struct mm_expr **out)
{
	struct mm_expr *x;
	const char *s;
	size_t n = 0;
	int r;

	mm__space(p);
	s = p->s + p->at;
	if (*s == '(') {
		p->at++;
		if ((r = mm__expr(p, out)))
			return r;
		if (!mm__eat(p, ")")) {
			mm_free(*out);
			return mm__fail(p, "expected ')'");
		}
		return 0;
	}
	if (isdigit((unsigned char)*s) || *s == '.') {
		char *end;
		double v = strtod(s, &end);

		if (end == s || !isfinite(v))
			return mm__fail(p, "bad number");
		if (!(x = mm__node(MM_NUM)))
			return -SW_E_NOMEM;
		x->kind = MM_NUM;
		x->num = v;
		p->at += (size_t)(end - s);
		*out = x;
		return 0;
	}
	while (isalnum((unsigned char)s[n]) || s[n] == '_')
		n++;
	if (n == 0 || isdigit((unsigned char)s[0]))
		return mm__fail(p, *s ? "unexpected character" : "unexpected end");
	if (n >= sizeof(x->name))
		return mm__fail(p, "name too long");
	if (!(x = mm__node(MM_REF)))
		return -SW_E_NOMEM;
	memcpy(x->name, s, n);
	x->name[n] = '\0';
	p->at += n;
	mm__space(p);
	if (p->s[p->at] != '(') {
		x->kind = MM_REF;
		*out = x;
		return 0;
	}
	x->kind = MM_CALL;
	for (n = 0; mm__funcs[n] && strcmp(mm__funcs[n], x->name) != 0; n++)
		;
	if (!mm__funcs[n]) {
		r = err_set(p->e, SW_E_INVALID,
			    "Invalid metric math expression: the function %s is not supported.",
			    x->name);
		mm_free(x);
		return r;
	}
	p->at++;
	if (!mm__eat(p, ")")) {
		do {
			if (x->nargs == MM_ARGS_MAX) {
				mm_free(x);
				return mm__fail(p, "too many arguments");
			}
			if ((r = mm__expr(p, &x->arg[x->nargs]))) {
				mm_free(x);
				return r;
			}
			x->nargs++;
		} while (mm__eat(p, ","));
		if (!mm__eat(p, ")")) {
			mm_free(x);
			return mm__fail(p, "expected ')'");
		}
	}
	*out = x;
	return 0;
}

static int mm__unary(struct mm_parser *p, struct mm_expr **out);

static int mm__pow(struct mm_parser *p, struct mm_expr **out)
{
	struct mm_expr *a, *b;
	int r;

	if ((r = mm__primary(p, &a)))
		return r;
	if (!mm__eat(p, "^")) {
		*out = a;
		return 0;
	}
	if ((r = mm__unary(p, &b))) {
		mm_free(a);
		return r;
	}
	return mm__bin(out, OP_POW, a, b);
}

static int mm__unary(struct mm_parser *p, struct mm_expr **out)
{
	struct mm_expr *x;
	int r;

	if (++p->depth > MM_DEPTH_MAX)
		return mm__fail(p, "nested too deeply");
	if (!mm__eat(p, "-")) {
		r = mm__pow(p, out);
		p->depth--;
		return r;
	}
	if (!(x = mm__node(MM_NEG)))
		return -SW_E_NOMEM;
	x->kind = MM_NEG;
	x->nargs = 1;
	if ((r = mm__unary(p, &x->arg[0]))) {
		x->nargs = 0;
		mm_free(x);
		return r;
	}
	p->depth--;
	*out = x;
	return 0;
}

/* One level of left-associative binary operators: tokens[i] gives ops[i]. */
static int mm__level(struct mm_parser *p, struct mm_expr **out, int level);

static const struct {
	const char *tok;
	enum mm_op op;
	int level;
} mm__ops[] = {
	{ "||", OP_OR, 0 }, { "OR", OP_OR, 0 }, { "&&", OP_AND, 1 }, { "AND", OP_AND, 1 },
	{ ">=", OP_GE, 2 }, { "<=", OP_LE, 2 }, { "==", OP_EQ, 2 },  { "!=", OP_NE, 2 },
	{ ">", OP_GT, 2 },  { "<", OP_LT, 2 },	{ "+", OP_ADD, 3 },  { "-", OP_SUB, 3 },
	{ "*", OP_MUL, 4 }, { "/", OP_DIV, 4 },
};

static int mm__level(struct mm_parser *p, struct mm_expr **out, int level)
{
	struct mm_expr *a, *b;
	int r;

	if (level > 4)
		return mm__unary(p, out);
	if ((r = mm__level(p, &a, level + 1)))
		return r;
	for (;;) {
		size_t i;

		for (i = 0; i < sizeof(mm__ops) / sizeof(mm__ops[0]); i++)
			if (mm__ops[i].level == level && mm__eat(p, mm__ops[i].tok))
				break;
		if (i == sizeof(mm__ops) / sizeof(mm__ops[0]))
			break;
		if ((r = mm__level(p, &b, level + 1))) {
			mm_free(a);
			return r;
		}
		if ((r = mm__bin(&a, mm__ops[i].op, a, b)))
			return r;
	}
	*out = a;
	return 0;
}

static int mm__expr(struct mm_parser *p, struct mm_expr **out)
{
	int r;

	if (++p->depth > MM_DEPTH_MAX)
		return mm__fail(p, "nested too deeply");
	r = mm__level(p, out, 0);
	p->depth--;
	return r;
}

int mm_parse(const char *text, struct mm_expr **out, struct err *e)
{
	struct mm_parser p = { text, 0, 0, e };
	int r;

	*out = NULL;
	if (strlen(text) > MM_EXPR_MAX)
		return err_set(e, SW_E_INVALID, "The expression is longer than %d characters.",
			       MM_EXPR_MAX);
	if ((r = mm__expr(&p, out)))
		return r == -SW_E_NOMEM ? err_set(e, SW_E_NOMEM, NULL) : r;
	mm__space(&p);
	if (text[p.at]) {
		mm_free(*out);
		*out = NULL;
		return mm__fail(&p, "unexpected text");
	}
	return 0;
}

int mm_each_ref(const struct mm_expr *x, int (*fn)(void *arg, const char *id), void *arg)
{
	int r;

	if (x->kind == MM_REF && strcmp(x->name, "REPEAT") != 0 && strcmp(x->name, "LINEAR") != 0)
		return fn(arg, x->name);
	for (int i = 0; i < x->nargs; i++)
		if ((r = mm_each_ref(x->arg[i], fn, arg)))
			return r;
	return 0;
}

/* ---- evaluation ---- */

struct mm_val {
	bool scalar;
	double k;
	struct mm_series s; /* owned */
};

static int mm__alloc(struct mm_series *s, size_t n)
{
	s->n = 0;
	s->ts = malloc((n ? n : 1) * sizeof(*s->ts));
	s->v = malloc((n ? n : 1) * sizeof(*s->v));
	if (!s->ts || !s->v) {
		mm_series_release(s);
		return -SW_E_NOMEM;
	}
	return 0;
}

static int mm__copy(struct mm_series *dst, const struct mm_series *src)
{
	if (mm__alloc(dst, src->n))
		return -SW_E_NOMEM;
	if (src->n == 0)
		return 0; /* an empty series may hold NULL arrays */
	memcpy(dst->ts, src->ts, src->n * sizeof(*src->ts));
	memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
	return 0;
}

static bool mm__apply(enum mm_op op, double a, double b, double *out)
{
	switch (op) {
	case OP_ADD:
		*out = a + b;
		break;
	case OP_SUB:
		*out = a - b;
		break;
	case OP_MUL:
		*out = a * b;
		break;
	case OP_DIV:
		*out = a / b;
		break;
	case OP_POW:
		*out = pow(a, b);
		break;
	case OP_GT:
		*out = a > b;
		break;
	case OP_LT:
		*out = a < b;
		break;
	case OP_GE:
		*out = a >= b;
		break;
	case OP_LE:
		*out = a <= b;
		break;
	case OP_EQ:
		*out = a == b;
		break;
	case OP_NE:
		*out = a != b;
		break;
	case OP_AND:
		*out = a != 0 && b != 0;
		break;
	case OP_OR:
		*out = a != 0 || b != 0;
		break;
	}
	return isfinite(*out); /* x/0 and overflow give no point */
}

static int mm__eval(const struct mm_expr *x, const struct mm_env *env, struct mm_val *out,
		    struct err *e);

static void mm__val_release(struct mm_val *v)
{
	mm_series_release(&v->s);
}

/* a op b with broadcasting and timestamp alignment. */
static int mm__binop(enum mm_op op, struct mm_val *a, struct mm_val *b, struct mm_val *out)
{
	size_t i = 0, j = 0;
	double v;

	memset(out, 0, sizeof(*out));
	if (a->scalar && b->scalar) {
		out->scalar = true;
		if (!mm__apply(op, a->k, b->k, &out->k))
			out->k = NAN;
		return 0;
	}
	if (mm__alloc(&out->s, a->scalar ? b->s.n : a->s.n))
		return -SW_E_NOMEM;
	if (a->scalar || b->scalar) {
		const struct mm_series *s = a->scalar ? &b->s : &a->s;

		for (i = 0; i < s->n; i++) {
			bool ok = a->scalar ? mm__apply(op, a->k, s->v[i], &v)
					    : mm__apply(op, s->v[i], b->k, &v);

			if (ok) {
				out->s.ts[out->s.n] = s->ts[i];
				out->s.v[out->s.n++] = v;
			}
		}
		return 0;
	}
	while (i < a->s.n && j < b->s.n) {
		if (a->s.ts[i] < b->s.ts[j])
			i++;
		else if (a->s.ts[i] > b->s.ts[j])
			j++;
		else {
			if (mm__apply(op, a->s.v[i], b->s.v[j], &v)) {
				out->s.ts[out->s.n] = a->s.ts[i];
				out->s.v[out->s.n++] = v;
			}
			i++;
			j++;
		}
	}
	return 0;
}

/* The value of v at ts: true and *out, or false when v has no point there. */
static bool mm__at(const struct mm_val *v, int64_t ts, double *out)
{
	size_t lo = 0, hi;

	if (v->scalar) {
		*out = v->k;
		return true;
	}
	hi = v->s.n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v->s.ts[mid] < ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < v->s.n && v->s.ts[lo] == ts) {
		*out = v->s.v[lo];
		return true;
	}
	return false;
}

static int mm__fill(const struct mm_expr *x, const struct mm_env *env, struct mm_val *s,
		    struct mm_val *out, struct err *e)
{
	const struct mm_expr *how = x->arg[1];
	bool repeat = how->kind == MM_REF && strcmp(how->name, "REPEAT") == 0;
	bool linear = how->kind == MM_REF && strcmp(how->name, "LINEAR") == 0;
	struct mm_val fillv = { 0 };
	int r;

	if (!repeat && !linear) {
		if ((r = mm__eval(how, env, &fillv, e)))
			return r;
		if (!fillv.scalar) {
			mm__val_release(&fillv);
			return err_set(e, SW_E_INVALID,
				       "FILL takes a number, REPEAT or LINEAR as its second "
				       "argument.");
		}
	}
	memset(out, 0, sizeof(*out));
	if (mm__alloc(&out->s, env->ngrid))
		return -SW_E_NOMEM;
	for (size_t g = 0; g < env->ngrid; g++) {
		int64_t ts = env->grid[g];
		double v;
		bool have = mm__at(s, ts, &v);

		if (!have && !s->scalar && s->s.n) {
			size_t k = 0;

			while (k < s->s.n && s->s.ts[k] < ts)
				k++;
			if (!repeat && !linear) {
				v = fillv.k;
			} else if (k == 0) {
				v = s->s.v[0]; /* before the first point: its value */
			} else if (k == s->s.n || repeat) {
				v = s->s.v[k - 1];
			} else {
				double f = (double)(ts - s->s.ts[k - 1]) /
					   (double)(s->s.ts[k] - s->s.ts[k - 1]);

				v = s->s.v[k - 1] + f * (s->s.v[k] - s->s.v[k - 1]);
			}
			have = true;
		} else if (!have && !repeat && !linear) {
			v = fillv.k;
			have = true;
		}
		if (have) {
			out->s.ts[out->s.n] = ts;
			out->s.v[out->s.n++] = v;
		}
	}
	return 0;
}

/* SUM, AVG, MIN, MAX of the series in list (pointwise over the union of timestamps). */
static int mm__reduce(const char *fn, const struct mm_series *const *list, size_t n,
		      const struct mm_env *env, struct mm_val *out)
{
	memset(out, 0, sizeof(*out));
	if (mm__alloc(&out->s, env->ngrid))
		return -SW_E_NOMEM;
	for (size_t g = 0; g < env->ngrid; g++) {
		double acc = 0, v;
		size_t have = 0;

		for (size_t i = 0; i < n; i++) {
			struct mm_val tmp = { .scalar = false, .s = *list[i] };

			if (!mm__at(&tmp, env->grid[g], &v))
				continue;
			if (have == 0)
				acc = v;
			else if (strcmp(fn, "MIN") == 0)
				acc = v < acc ? v : acc;
			else if (strcmp(fn, "MAX") == 0)
				acc = v > acc ? v : acc;
			else
				acc += v;
			have++;
		}
		if (!have)
			continue;
		if (strcmp(fn, "AVG") == 0)
			acc /= (double)have;
		out->s.ts[out->s.n] = env->grid[g];
		out->s.v[out->s.n++] = acc;
	}
	return 0;
}

static int mm__call(const struct mm_expr *x, const struct mm_env *env, struct mm_val *out,
		    struct err *e)
{
	struct mm_val a = { 0 }, b = { 0 }, c = { 0 };
	bool reduce = strcmp(x->name, "SUM") == 0 || strcmp(x->name, "AVG") == 0 ||
		      strcmp(x->name, "MIN") == 0 || strcmp(x->name, "MAX") == 0;
	int want = strcmp(x->name, "FILL") == 0 ? 2 : strcmp(x->name, "IF") == 0 ? -1 : 1;
	int r;

	if (strcmp(x->name, "METRICS") == 0)
		return err_set(e, SW_E_INVALID,
			       "METRICS() may only be the argument of SUM, AVG, MIN or MAX.");
	if ((want > 0 && x->nargs != want) || (want < 0 && (x->nargs < 2 || x->nargs > 3)))
		return err_set(e, SW_E_INVALID,
			       "Invalid metric math expression: %s takes %s argument%s.", x->name,
			       want == 2  ? "two"
			       : want < 0 ? "two or three"
					  : "one",
			       want == 1 ? "" : "s");
	if (reduce && x->arg[0]->kind == MM_CALL && strcmp(x->arg[0]->name, "METRICS") == 0)
		return mm__reduce(x->name, env->all, env->nall, env, out);
	if ((r = mm__eval(x->arg[0], env, &a, e)))
		return r;
	memset(out, 0, sizeof(*out));
	if (reduce) {
		out->scalar = true;
		if (a.scalar)
			out->k = a.k;
		else {
			{
				/* over time: fold the series itself */
				double acc = 0;

				for (size_t i = 0; i < a.s.n; i++) {
					double v = a.s.v[i];

					if (i == 0)
						acc = v;
					else if (strcmp(x->name, "MIN") == 0)
						acc = v < acc ? v : acc;
					else if (strcmp(x->name, "MAX") == 0)
						acc = v > acc ? v : acc;
					else
						acc += v;
				}
				if (strcmp(x->name, "AVG") == 0 && a.s.n)
					acc /= (double)a.s.n;
				out->k = a.s.n ? acc : NAN;
			}
		}
	} else if (strcmp(x->name, "FILL") == 0) {
		r = mm__fill(x, env, &a, out, e);
	} else if (strcmp(x->name, "IF") == 0) {
		if (!(r = mm__eval(x->arg[1], env, &b, e)) &&
		    (x->nargs < 3 || !(r = mm__eval(x->arg[2], env, &c, e)))) {
			size_t n = a.scalar ? env->ngrid : a.s.n;

			if (!(r = mm__alloc(&out->s, n))) {
				for (size_t i = 0; i < n; i++) {
					int64_t ts = a.scalar ? env->grid[i] : a.s.ts[i];
					double cond = a.scalar ? a.k : a.s.v[i], v;
					bool have = cond != 0 ? mm__at(&b, ts, &v)
							      : x->nargs == 3 && mm__at(&c, ts, &v);

					if (have) {
						out->s.ts[out->s.n] = ts;
						out->s.v[out->s.n++] = v;
					}
				}
			}
		}
	} else {
		double (*f)(double) = strcmp(x->name, "ABS") == 0    ? fabs
				      : strcmp(x->name, "CEIL") == 0 ? ceil
								     : floor;

		if (a.scalar) {
			out->scalar = true;
			out->k = f(a.k);
		} else if (!(r = mm__copy(&out->s, &a.s))) {
			for (size_t i = 0; i < out->s.n; i++)
				out->s.v[i] = f(out->s.v[i]);
		}
	}
	mm__val_release(&a);
	mm__val_release(&b);
	mm__val_release(&c);
	return r == -SW_E_NOMEM ? err_set(e, SW_E_NOMEM, NULL) : r;
}

static int mm__eval(const struct mm_expr *x, const struct mm_env *env, struct mm_val *out,
		    struct err *e)
{
	struct mm_val a = { 0 }, b = { 0 };
	const struct mm_series *s;
	int r = 0;

	memset(out, 0, sizeof(*out));
	switch (x->kind) {
	case MM_NUM:
		out->scalar = true;
		out->k = x->num;
		return 0;
	case MM_REF:
		if (env->lookup(env->arg, x->name, &s))
			return err_set(e, SW_E_INVALID,
				       "Invalid metric math expression: no query has the Id %s.",
				       x->name);
		return mm__copy(&out->s, s) ? err_set(e, SW_E_NOMEM, NULL) : 0;
	case MM_NEG:
		if ((r = mm__eval(x->arg[0], env, &a, e)))
			return r;
		b.scalar = true;
		b.k = -1;
		r = mm__binop(OP_MUL, &a, &b, out);
		break;
	case MM_BIN:
		if ((r = mm__eval(x->arg[0], env, &a, e)))
			return r;
		if ((r = mm__eval(x->arg[1], env, &b, e))) {
			mm__val_release(&a);
			return r;
		}
		r = mm__binop(x->op, &a, &b, out);
		break;
	case MM_CALL:
		return mm__call(x, env, out, e);
	}
	mm__val_release(&a);
	mm__val_release(&b);
	return r ? err_set(e, SW_E_NOMEM, NULL) : 0;
}

int mm_eval(const struct mm_expr *x, const struct mm_env *env, struct mm_series *out, struct err *e)
{
	struct mm_val v;
	int r = mm__eval(x, env, &v, e);

	out->n = 0;
	out->ts = NULL;
	out->v = NULL;
	if (r)
		return r;
	if (!v.scalar) {
		*out = v.s;
		return 0;
	}
	if (mm__alloc(out, env->ngrid))
		return err_set(e, SW_E_NOMEM, NULL);
	if (isfinite(v.k))
		for (size_t g = 0; g < env->ngrid; g++) {
			out->ts[out->n] = env->grid[g];
			out->v[out->n++] = v.k;
		}
	return 0;
}
