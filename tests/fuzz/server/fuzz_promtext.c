/* fuzz_promtext: the Prometheus text encoder (server/promtext.c) over arbitrary names, values
 * and units, checking that what it writes parses: every line a # HELP, a # TYPE or a sample of
 * the family just typed, names and label names in their grammar, label values with only the
 * three escapes, no label twice in a series, and valid UTF-8 throughout.
 *
 * Input: NUL-separated fields — namespace, name, then dimension name/value pairs, a final odd
 * field being the unit; a second metric follows a field "\x01" (so colliding names meet). */
#include "server/promtext.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS_MAX 80

static bool name_char(char c, bool first, bool colon)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (colon && c == ':') || (!first && c >= '0' && c <= '9');
}

/* Checks the name at *p (advanced past it) into out; false when empty or too long. */
static bool check_name(const char **p, bool colon, char *out, size_t size)
{
	size_t n = 0;

	while (name_char(**p, n == 0, colon)) {
		if (n + 1 >= size)
			return false;
		out[n++] = *(*p)++;
	}
	out[n] = '\0';
	return n > 0;
}

static bool utf8_ok(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned c = s[i];
		size_t n = c < 0x80		? 1
			   : (c & 0xE0) == 0xC0 ? 2
			   : (c & 0xF0) == 0xE0 ? 3
			   : (c & 0xF8) == 0xF0 ? 4
						: 0;

		if (!n || i + n > len)
			return false;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

/* One sample line of family: name{label="value",…} value */
static void check_sample(const char *line, const char *family)
{
	char name[700], labels[40][400];
	size_t nlabels = 0;
	const char *p = line;

	if (!check_name(&p, true, name, sizeof(name)) || strcmp(name, family) != 0)
		abort(); /* a sample outside its family */
	if (*p == '{') {
		p++;
		while (*p != '}') {
			if (nlabels == 40 || !check_name(&p, false, labels[nlabels], 400) ||
			    strncmp(labels[nlabels], "__", 2) == 0)
				abort();
			for (size_t k = 0; k < nlabels; k++)
				if (strcmp(labels[k], labels[nlabels]) == 0)
					abort(); /* a label twice */
			nlabels++;
			if (p[0] != '=' || p[1] != '"')
				abort();
			for (p += 2; *p != '"'; p++) {
				if (!*p || *p == '\n')
					abort();
				if (*p == '\\' && !strchr("\\\"n", *++p))
					abort();
			}
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				abort();
		}
		p++;
	}
	if (*p++ != ' ')
		abort();
	if (strcmp(p, "NaN") && strcmp(p, "+Inf") && strcmp(p, "-Inf")) {
		char *end;

		strtod(p, &end);
		if (end == p || *end)
			abort();
	}
}

static void check(const char *text, size_t len)
{
	char family[700] = "", typed[700];
	const char *p = text;

	if (!utf8_ok((const unsigned char *)text, len) || (len && text[len - 1] != '\n'))
		abort();
	while (*p) {
		const char *nl = strchr(p, '\n');
		char *line = strndup(p, (size_t)(nl - p));
		const char *q = line;

		if (strncmp(line, "# HELP ", 7) == 0) {
			q += 7;
			if (!check_name(&q, true, family, sizeof(family)) || *q != ' ')
				abort();
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			q += 7;
			if (!check_name(&q, true, typed, sizeof(typed)) ||
			    strcmp(typed, family) != 0 ||
			    (strcmp(q, " counter") != 0 && strcmp(q, " gauge") != 0))
				abort();
		} else {
			check_sample(line, family);
		}
		free(line);
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	const char *f[FIELDS_MAX];
	size_t nf = 0;
	struct buf out = BUF_INIT(1u << 20);
	struct promtext p;
	struct metric_totals t = { .count = 2, .sum = 1.5, .last_value = -1 };

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (char *s = copy; nf < FIELDS_MAX && s <= copy + size; s += strlen(s) + 1)
		f[nf++] = s;
	promtext_init(&p, &out);
	for (size_t i = 0; i + 1 < nf;) {
		struct metric_dim dims[METRIC_DIMS_MAX];
		size_t nd = 0, k = i + 2;

		for (; k + 1 < nf && strcmp(f[k], "\x01") != 0 && strcmp(f[k + 1], "\x01") != 0 &&
		       nd < METRIC_DIMS_MAX;
		     k += 2)
			dims[nd++] = (struct metric_dim){ f[k], f[k + 1] };
		if (promtext_begin(&p, f[i], f[i + 1]) == 0) {
			promtext_series(&p, dims, nd, k < nf ? f[k] : NULL, &t);
			promtext_series(&p, NULL, 0, NULL, &t);
			promtext_end(&p);
		}
		while (k < nf && strcmp(f[k], "\x01") != 0)
			k++;
		i = k + 1;
	}
	promtext_release(&p);
	check(buf_str(&out), out.len);
	buf_release(&out);
	free(copy);
	return 0;
}
