/* out: how results are printed — aligned tables, key/value blocks, stable JSON and
 * tab-separated text — with colour only on a terminal that allows it; plus the small
 * formatting helpers (times, durations, tags) every command uses. */
#include "cli_int.h"
#include "base/str.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const out__tones[] = {
	[CLI_PLAIN] = "",	 [CLI_GOOD] = "\033[32m", [CLI_BAD] = "\033[31m",
	[CLI_BUSY] = "\033[33m", [CLI_DIM] = "\033[2m",	  [CLI_BOLD] = "\033[1m",
};

const char *cli_color(const struct cli_args *a, enum cli_tone t)
{
	return cli_state(a)->color ? out__tones[t] : "";
}

const char *cli_color_reset(const struct cli_args *a)
{
	return cli_state(a)->color ? "\033[0m" : "";
}

enum cli_tone cli_status_tone(const char *s)
{
	if (!s)
		return CLI_PLAIN;
	if (strcmp(s, "Succeeded") == 0 || strcmp(s, "Registered") == 0 || strcmp(s, "OK") == 0)
		return CLI_GOOD;
	if (strcmp(s, "Failed") == 0 || strcmp(s, "Stopped") == 0 || strcmp(s, "ALARM") == 0)
		return CLI_BAD;
	if (strcmp(s, "InProgress") == 0 || strcmp(s, "Queued") == 0 || strcmp(s, "Created") == 0 ||
	    strcmp(s, "Baking") == 0 || strcmp(s, "Ready") == 0)
		return CLI_BUSY;
	if (strcmp(s, "Skipped") == 0 || strcmp(s, "Pending") == 0 ||
	    strcmp(s, "Deregistered") == 0 || strcmp(s, "INSUFFICIENT_DATA") == 0)
		return CLI_DIM;
	return CLI_PLAIN;
}

int cli_width(const char *s)
{
	int w = 0;

	for (; s && *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* ---- tables ---- */

static void out__add_row(struct cli_table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		char **grown = realloc(t->cells, sizeof(char *) * (size_t)(cap * t->ncols));

		if (!grown)
			return;
		t->cells = grown;
		t->cap = cap;
	}
	for (int i = 0; i < t->ncols; i++)
		t->cells[t->nrows * t->ncols + i] = str_dup(cells[i] ? cells[i] : "");
	t->nrows++;
}

void cli_table_init(struct cli_table *t, int ncols, ...)
{
	const char *cells[16] = { NULL };
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols < 16 ? ncols : 16;
	t->status_col = -1;
	va_start(ap, ncols);
	for (int i = 0; i < t->ncols; i++)
		cells[i] = va_arg(ap, const char *);
	va_end(ap);
	out__add_row(t, cells);
}

void cli_table_row(struct cli_table *t, ...)
{
	const char *cells[16] = { NULL };
	va_list ap;

	va_start(ap, t);
	for (int i = 0; i < t->ncols; i++)
		cells[i] = va_arg(ap, const char *);
	va_end(ap);
	out__add_row(t, cells);
}

void cli_table_print(struct cli_args *a, struct cli_table *t)
{
	int width[16] = { 0 };

	if (a->g.output == CLI_OUT_TEXT) {
		for (int r = 1; r < t->nrows; r++)
			for (int c = 0; c < t->ncols; c++)
				printf("%s%c", t->cells[r * t->ncols + c],
				       c + 1 < t->ncols ? '\t' : '\n');
		return;
	}
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols && c < 16; c++) {
			int w = cli_width(t->cells[r * t->ncols + c]);

			if (w > width[c])
				width[c] = w;
		}
	for (int r = 0; r < t->nrows; r++) {
		int end = t->ncols; /* no padding after the last non-empty cell */

		while (end > 1 && !t->cells[r * t->ncols + end - 1][0])
			end--;
		for (int c = 0; c < end && c < 16; c++) {
			const char *s = t->cells[r * t->ncols + c];
			bool last = c + 1 == end;
			const char *on = r == 0		      ? cli_color(a, CLI_BOLD)
					 : c == t->status_col ? cli_color(a, cli_status_tone(s))
							      : "";

			printf("%s%s%s", on, s, on[0] ? cli_color_reset(a) : "");
			if (!last)
				printf("%*s", width[c] - cli_width(s) + 2, "");
		}
		putchar('\n');
	}
	if (t->nrows == 1 && a->g.output == CLI_OUT_TABLE)
		printf("%s(none)%s\n", cli_color(a, CLI_DIM), cli_color_reset(a));
}

void cli_table_release(struct cli_table *t)
{
	for (int i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* ---- key/value blocks ---- */

static int out__kv_width = 14;

void cli_kv_width(int width)
{
	out__kv_width = width;
}

void cli_kv(struct cli_args *a, const char *key, const char *fmt, ...)
{
	char value[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (a->g.output == CLI_OUT_TEXT)
		printf("%s\t%s\n", key, value);
	else
		printf("%s%-*s%s %s\n", cli_color(a, CLI_DIM), out__kv_width, key,
		       cli_color_reset(a), value);
}

void cli_json_print(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY |
				    JSON_REAL_PRECISION(15));

	if (s) {
		puts(s);
		free(s);
	}
}

/* ---- formatting ---- */

int64_t cli_ms(const json_t *t)
{
	if (!json_is_number(t))
		return 0;
	return (int64_t)llround(json_number_value(t) * 1000.0);
}

bool cli_event_absent(const json_t *event)
{
	static const char *const traffic[] = { "BeforeBlockTraffic", "BlockTraffic",
					       "AfterBlockTraffic",  "BeforeAllowTraffic",
					       "AllowTraffic",	     "AfterAllowTraffic" };
	const char *name = json_string_value(json_object_get(event, "lifecycleEventName"));

	if (!str_eq(json_string_value(json_object_get(event, "status")), "Skipped") ||
	    json_object_get(event, "startTime") || !name)
		return false;
	for (size_t i = 0; i < sizeof(traffic) / sizeof(traffic[0]); i++)
		if (strcmp(name, traffic[i]) == 0)
			return true;
	return false;
}

const char *cli_time(const json_t *t, char *out, size_t size)
{
	time_t secs;
	struct tm tm;

	out[0] = '\0';
	if (!json_is_number(t))
		return out;
	secs = (time_t)(cli_ms(t) / 1000);
	if (localtime_r(&secs, &tm))
		strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
	return out;
}

const char *cli_duration(int64_t ms, char *out, size_t size)
{
	if (ms < 0)
		ms = 0;
	if (ms < 1000)
		snprintf(out, size, "%lldms", (long long)ms);
	else if (ms < 60000)
		snprintf(out, size, "%.1fs", (double)ms / 1000.0);
	else if (ms < 3600000)
		snprintf(out, size, "%lldm%02llds", (long long)(ms / 60000),
			 (long long)(ms / 1000 % 60));
	else
		snprintf(out, size, "%lldh%02lldm", (long long)(ms / 3600000),
			 (long long)(ms / 60000 % 60));
	return out;
}

void cli_array_sort(json_t *items, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(items);
	json_t **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(items, i));
	qsort(v, n, sizeof(*v), cmp);
	json_array_clear(items);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(items, v[i]);
	free(v);
}

int cli_parse_duration(const char *s, int64_t *seconds)
{
	static const struct {
		char unit;
		int64_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 } };
	size_t len = strlen(s);
	int64_t n, mult = 1;
	char digits[32];

	if (len == 0 || len >= sizeof(digits))
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (s[len - 1] == units[i].unit) {
			mult = units[i].seconds;
			len--;
			break;
		}
	if (len == 0 || str_copyn(digits, sizeof(digits), s, len))
		return -1;
	for (size_t i = 0; i < len; i++)
		if (digits[i] < '0' || digits[i] > '9')
			return -1;
	if (str_to_i64(digits, 1, INT64_MAX / 604800, &n))
		return -1;
	*seconds = n * mult;
	return 0;
}

const char *cli_number(double v, char *out, size_t size)
{
	if (v == 0)
		v = 0; /* no "-0" */
	snprintf(out, size, "%.10g", v);
	return out;
}

json_t *cli_parse_tags(const char *s, bool filter, char *why, size_t size)
{
	json_t *list = json_array();
	const char *p = s;

	while (list && *p) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		char key[256] = "", value[512] = "";
		const char *type = "KEY_AND_VALUE";

		if (len == 0) {
			p++;
			continue;
		}
		if (eq) {
			if (str_copyn(key, sizeof(key), p, (size_t)(eq - p)) ||
			    str_copyn(value, sizeof(value), eq + 1, len - (size_t)(eq - p) - 1)) {
				snprintf(why, size, "tag '%.*s' is too long", (int)len, p);
				json_decref(list);
				return NULL;
			}
		} else if (str_copyn(key, sizeof(key), p, len)) {
			snprintf(why, size, "tag '%.*s' is too long", (int)len, p);
			json_decref(list);
			return NULL;
		}
		if (!filter && (!eq || !key[0])) {
			snprintf(why, size, "tag '%.*s' must be KEY=VALUE", (int)len, p);
			json_decref(list);
			return NULL;
		}
		if (filter) {
			if (!key[0] && !value[0]) {
				snprintf(why, size, "tag filter '%.*s' names neither key nor value",
					 (int)len, p);
				json_decref(list);
				return NULL;
			}
			type = !eq ? "KEY_ONLY" : !key[0] ? "VALUE_ONLY" : "KEY_AND_VALUE";
			if (strcmp(type, "KEY_ONLY") == 0)
				json_array_append_new(
				    list, json_pack("{s:s,s:s}", "Key", key, "Type", type));
			else if (strcmp(type, "VALUE_ONLY") == 0)
				json_array_append_new(
				    list, json_pack("{s:s,s:s}", "Value", value, "Type", type));
			else
				json_array_append_new(list,
						      json_pack("{s:s,s:s,s:s}", "Key", key,
								"Value", value, "Type", type));
		} else {
			json_array_append_new(list,
					      json_pack("{s:s,s:s}", "Key", key, "Value", value));
		}
		p += len;
		if (*p == ',')
			p++;
	}
	if (list && json_array_size(list) == 0) {
		snprintf(why, size, "no tags in '%s'", s);
		json_decref(list);
		return NULL;
	}
	return list;
}

void cli_tags_str(const json_t *tags, struct buf *out)
{
	size_t i;
	json_t *t;

	json_array_foreach(tags, i, t)
	{
		const char *k = json_string_value(json_object_get(t, "Key"));
		const char *v = json_string_value(json_object_get(t, "Value"));
		const char *type = json_string_value(json_object_get(t, "Type"));

		if (i)
			buf_adds(out, ", ");
		if (type && strcmp(type, "KEY_ONLY") == 0)
			buf_addf(out, "%s", k ? k : "");
		else if (type && strcmp(type, "VALUE_ONLY") == 0)
			buf_addf(out, "=%s", v ? v : "");
		else
			buf_addf(out, "%s=%s", k ? k : "", v ? v : "");
	}
}

const char *cli_when(const struct cli_args *a, const json_t *t, char *out, size_t size)
{
	time_t secs;
	struct tm tm;

	if (a->g.output != CLI_OUT_TEXT || !json_is_number(t))
		return cli_time(t, out, size);
	secs = (time_t)(cli_ms(t) / 1000);
	out[0] = '\0';
	if (gmtime_r(&secs, &tm))
		strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

void cli_revision_str(const json_t *rev, struct buf *out)
{
	const char *type = json_string_value(json_object_get(rev, "revisionType"));

	if (!rev || !type) {
		buf_adds(out, "(none)");
	} else if (strcmp(type, "S3") == 0) {
		const json_t *s3 = json_object_get(rev, "s3Location");
		const char *bt = json_string_value(json_object_get(s3, "bundleType"));
		const char *version = json_string_value(json_object_get(s3, "version"));

		buf_addf(out, "s3://%s/%s", json_string_value(json_object_get(s3, "bucket")),
			 json_string_value(json_object_get(s3, "key")));
		if (version)
			buf_addf(out, "?versionId=%s", version);
		if (bt)
			buf_addf(out, " (%s)", bt);
	} else if (strcmp(type, "GitHub") == 0) {
		const json_t *gh = json_object_get(rev, "gitHubLocation");

		buf_addf(out, "github:%s@%s", json_string_value(json_object_get(gh, "repository")),
			 json_string_value(json_object_get(gh, "commitId")));
	} else {
		const json_t *c =
		    json_object_get(rev, strcmp(type, "String") == 0 ? "string" : "appSpecContent");
		const char *sha = json_string_value(json_object_get(c, "sha256"));

		buf_addf(out, "AppSpec content");
		if (sha)
			buf_addf(out, " (sha256 %.12s)", sha);
	}
}
