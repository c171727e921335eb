/* promtext: CloudWatch metrics in the Prometheus text exposition format 0.0.4 (promtext.h). */
#include "promtext.h"
#include "base/err.h"
#include "base/str.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROMTEXT_LABEL_MAX 300 /* "dimension_" + a sanitized 255-byte name + a "_NN" suffix */

struct promtext__name {
	struct promtext__name *next;
	char name[];
};

void promtext_init(struct promtext *p, struct buf *out)
{
	*p = (struct promtext){ .out = out };
	buf_init(&p->sum, out->max);
	buf_init(&p->count, out->max);
	buf_init(&p->last, out->max);
}

void promtext_release(struct promtext *p)
{
	for (size_t i = 0; i < p->nbuckets; i++)
		for (struct promtext__name *n = p->names[i], *next; n; n = next) {
			next = n->next;
			free(n);
		}
	free(p->names);
	p->names = NULL;
	p->nbuckets = p->nnames = 0;
	buf_release(&p->sum);
	buf_release(&p->count);
	buf_release(&p->last);
}

size_t promtext_sanitize(char *out, size_t size, const char *s)
{
	size_t n = 0;
	bool run = false;

	for (; *s && n + 1 < size; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_';

		if (!ok && run)
			continue;
		run = !ok;
		out[n++] = ok ? c : '_';
	}
	out[n] = '\0';
	return n;
}

/* The length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t promtext__utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned cp, min;

	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		n = 2, cp = c & 0x1F, min = 0x80;
	else if ((c & 0xF0) == 0xE0)
		n = 3, cp = c & 0x0F, min = 0x800;
	else if ((c & 0xF8) == 0xF0)
		n = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80) /* also stops at the NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/* Appends s escaped: backslash and newline always, the double quote when quote is set;
 * invalid UTF-8 as U+FFFD. */
static int promtext__escaped(struct buf *b, const char *s, bool quote)
{
	const unsigned char *u = (const unsigned char *)s;
	int r = 0;

	while (*u && !r) {
		size_t n = promtext__utf8_len(u);

		if (n == 0) {
			r = buf_add(b, "\xEF\xBF\xBD", 3);
			u++;
		} else if (*u == '\\') {
			r = buf_add(b, "\\\\", 2);
			u++;
		} else if (*u == '\n') {
			r = buf_add(b, "\\n", 2);
			u++;
		} else if (*u == '"' && quote) {
			r = buf_add(b, "\\\"", 2);
			u++;
		} else {
			r = buf_add(b, u, n);
			u += n;
		}
	}
	return r;
}

int promtext_label_value(struct buf *b, const char *s)
{
	return promtext__escaped(b, s, true);
}

int promtext_value(struct buf *b, double v)
{
	char text[40];

	if (isnan(v))
		return buf_adds(b, "NaN");
	if (isinf(v))
		return buf_adds(b, v > 0 ? "+Inf" : "-Inf");
	snprintf(text, sizeof(text), "%.15g", v);
	if (strtod(text, NULL) != v)
		snprintf(text, sizeof(text), "%.17g", v);
	return buf_adds(b, text);
}

/* Adds name to the set: 0 when added, 1 when it was there, or -SW_E_NOMEM. */
static int promtext__claim(struct promtext *p, const char *name)
{
	size_t len = strlen(name), h;
	struct promtext__name *n;

	if (p->nnames >= p->nbuckets) {
		size_t nb = p->nbuckets ? p->nbuckets * 2 : 256;
		struct promtext__name **v = calloc(nb, sizeof(*v));

		if (!v)
			return -SW_E_NOMEM;
		for (size_t i = 0; i < p->nbuckets; i++)
			for (struct promtext__name *o = p->names[i], *next; o; o = next) {
				next = o->next;
				h = str_hash(o->name) & (nb - 1);
				o->next = v[h];
				v[h] = o;
			}
		free(p->names);
		p->names = v;
		p->nbuckets = nb;
	}
	h = str_hash(name) & (p->nbuckets - 1);
	for (n = p->names[h]; n; n = n->next)
		if (strcmp(n->name, name) == 0)
			return 1;
	n = malloc(sizeof(*n) + len + 1);
	if (!n)
		return -SW_E_NOMEM;
	memcpy(n->name, name, len + 1);
	n->next = p->names[h];
	p->names[h] = n;
	p->nnames++;
	return 0;
}

int promtext_begin(struct promtext *p, const char *ns, const char *name)
{
	char base[sizeof(p->base)];
	size_t n;
	struct buf help = BUF_INIT(sizeof(p->help) - 1);
	int r;

	buf_reset(&p->sum);
	buf_reset(&p->count);
	buf_reset(&p->last);
	p->failed = 0;
	str_copy(base, sizeof(base), "cloudwatch_");
	n = strlen(base);
	n += promtext_sanitize(base + n, sizeof(base) - n, ns);
	if (base[n - 1] != '_' && n + 1 < sizeof(base))
		base[n++] = '_';
	promtext_sanitize(base + n, sizeof(base) - n, name);
	/* a metric whose name sanitizes like an earlier one's gets a family of its own */
	str_copy(p->base, sizeof(p->base), base);
	for (int k = 2; (r = promtext__claim(p, p->base)) == 1; k++)
		str_fmt(p->base, sizeof(p->base), "%.580s_%d", base, k);
	if (r < 0)
		return p->failed = r;
	/* the help text names the metric as CloudWatch does; a namespace and name too long for
	 * it are cut there (the family name is what identifies the metric) */
	if (!promtext__escaped(&help, ns, false) && !buf_addc(&help, ' '))
		promtext__escaped(&help, name, false);
	str_copyn(p->help, sizeof(p->help), buf_str(&help), help.len);
	buf_release(&help);
	return 0;
}

/* Appends `family{labels} value\n` to b. */
static int promtext__sample(struct buf *b, const char *base, const char *suffix,
			    const struct buf *labels, double v)
{
	int r = buf_adds(b, base);

	if (!r)
		r = buf_adds(b, suffix);
	if (!r && labels->len)
		r = buf_addf(b, "{%s}", buf_str(labels));
	if (!r)
		r = buf_addc(b, ' ');
	if (!r)
		r = promtext_value(b, v);
	if (!r)
		r = buf_addc(b, '\n');
	return r;
}

/* Dimensions sorted by name, for a stable label order. */
static int promtext__dim_cmp(const void *a, const void *b)
{
	const struct metric_dim *x = *(const struct metric_dim *const *)a;
	const struct metric_dim *y = *(const struct metric_dim *const *)b;

	return strcmp(x->name, y->name);
}

int promtext_series(struct promtext *p, const struct metric_dim *dims, size_t ndims,
		    const char *unit, const struct metric_totals *t)
{
	const struct metric_dim *sorted[METRIC_DIMS_MAX];
	char used[METRIC_DIMS_MAX][PROMTEXT_LABEL_MAX];
	struct buf labels = BUF_INIT(1u << 20);
	int r = 0;

	if (p->failed)
		return p->failed;
	if (ndims > METRIC_DIMS_MAX)
		return p->failed = -SW_E_INVALID;
	for (size_t i = 0; i < ndims; i++)
		sorted[i] = &dims[i];
	qsort(sorted, ndims, sizeof(sorted[0]), promtext__dim_cmp);
	for (size_t i = 0; i < ndims && !r; i++) {
		char label[PROMTEXT_LABEL_MAX];
		size_t n = sizeof("dimension_") - 1;
		bool taken = true;

		memcpy(label, "dimension_", n);
		promtext_sanitize(label + n, sizeof(label) - 8 - n, sorted[i]->name);
		/* two dimension names that sanitize alike must not make one label twice: a
		 * scrape with a repeated label name fails whole */
		str_copy(used[i], sizeof(used[i]), label);
		for (int k = 2; taken; k++) {
			taken = false;
			for (size_t j = 0; j < i; j++)
				taken |= strcmp(used[j], used[i]) == 0;
			if (taken)
				str_fmt(used[i], sizeof(used[i]), "%s_%d", label, k);
		}
		r = buf_addf(&labels, "%s%s=\"", i ? "," : "", used[i]);
		if (!r)
			r = promtext_label_value(&labels, sorted[i]->value);
		if (!r)
			r = buf_addc(&labels, '"');
	}
	if (!r && unit) {
		r = buf_adds(&labels, ndims ? ",unit=\"" : "unit=\"");
		if (!r)
			r = promtext_label_value(&labels, unit);
		if (!r)
			r = buf_addc(&labels, '"');
	}
	if (!r)
		r = promtext__sample(&p->sum, p->base, "_sum", &labels, t->sum);
	if (!r)
		r = promtext__sample(&p->count, p->base, "_count", &labels, t->count);
	if (!r)
		r = promtext__sample(&p->last, p->base, "_last", &labels, t->last_value);
	buf_release(&labels);
	return r ? (p->failed = r) : 0;
}

/* Appends one family: its # HELP, # TYPE and the sample lines collected. */
static int promtext__family(struct promtext *p, const char *suffix, const char *type,
			    const char *what, const struct buf *lines)
{
	int r = buf_addf(p->out, "# HELP %s%s CloudWatch metric %s: %s\n# TYPE %s%s %s\n", p->base,
			 suffix, p->help, what, p->base, suffix, type);

	return r ? r : buf_add(p->out, lines->p, lines->len);
}

int promtext_end(struct promtext *p)
{
	size_t before = p->out->len;
	int r = p->failed;

	if (!r && p->sum.len == 0)
		return 0; /* no series: nothing to show */
	if (!r)
		r = promtext__family(p, "_sum", "counter",
				     "sum of the values since the first datum", &p->sum);
	if (!r)
		r = promtext__family(p, "_count", "counter",
				     "number of values (SampleCount) since the first datum",
				     &p->count);
	if (!r)
		r = promtext__family(p, "_last", "gauge", "the last value recorded", &p->last);
	if (r && p->out->p) {
		/* out keeps only complete families */
		p->out->len = before;
		p->out->p[before] = '\0';
	}
	p->failed = 0;
	return r;
}
