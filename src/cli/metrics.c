/* metrics: `slipway metrics list|get` — CloudWatch metrics (JSON 1.0): which metrics slipwayd
 * holds (ListMetrics, every page) and one metric's statistic over time (GetMetricStatistics),
 * oldest first. */
#include "cli_int.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define METRICS_MAX_POINTS 1440 /* GetMetricStatistics' limit per call */
#define METRICS_MAX_DIMS   30	/* dimensions of one metric */

int cli_metrics_list(struct cli_args *a);
int cli_metrics_get(struct cli_args *a);

/* --dimension K=V (K alone too when names_only) → [{Name, Value}].  CLI_USAGE (printed) on a
 * bad one, with *out NULL. */
static int metrics__dimensions(struct cli_args *a, bool names_only, json_t **out)
{
	const char **vals;
	int n = cli_opt_all(a, "dimension", &vals);
	json_t *dims = json_array();

	*out = NULL;
	if (n > METRICS_MAX_DIMS) {
		json_decref(dims);
		return cli_usage(a, "at most %d --dimension", METRICS_MAX_DIMS);
	}
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(vals[i], '=');
		size_t klen = eq ? (size_t)(eq - vals[i]) : strlen(vals[i]);

		if (klen == 0 || (!eq && !names_only) || (eq && !eq[1])) {
			json_decref(dims);
			return cli_usage(a, "--dimension '%s' must be NAME=VALUE%s", vals[i],
					 names_only ? " (or NAME alone)" : "");
		}
		if (eq)
			json_array_append_new(
			    dims, json_pack("{s:s%,s:s}", "Name", vals[i], klen, "Value", eq + 1));
		else
			json_array_append_new(dims, json_pack("{s:s}", "Name", vals[i]));
	}
	*out = dims;
	return 0;
}

/* Dimensions [{Name, Value}] as "K=V, K=V" ("-" for none). */
static void metrics__dims_str(const json_t *dims, struct buf *out)
{
	size_t i;
	json_t *d;

	if (!json_array_size(dims)) {
		buf_adds(out, "-");
		return;
	}
	json_array_foreach(dims, i, d)
	{
		const char *v = json_string_value(json_object_get(d, "Value"));

		buf_addf(out, "%s%s", i ? ", " : "", json_string_value(json_object_get(d, "Name")));
		if (v)
			buf_addf(out, "=%s", v);
	}
}

int cli_metrics_list(struct cli_args *a)
{
	json_t *req = json_object(), *metrics = json_array(), *dims, *m;
	const char *ns = cli_opt(a, "namespace"), *name = cli_opt(a, "name");
	struct cli_table t;
	size_t i;
	int r = metrics__dimensions(a, true, &dims);

	if (r) {
		json_decref(req);
		json_decref(metrics);
		return r;
	}
	if (ns)
		json_object_set_new(req, "Namespace", json_string(ns));
	if (name)
		json_object_set_new(req, "MetricName", json_string(name));
	if (json_array_size(dims))
		json_object_set_new(req, "Dimensions", dims);
	else
		json_decref(dims);
	if (cli_json_pages(a, &cli_cloudwatch, "ListMetrics", req, "Metrics", metrics, 0)) {
		json_decref(metrics);
		return cli_fail(a);
	}
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(metrics);
		json_decref(metrics);
		return CLI_OK;
	}
	cli_table_init(&t, 3, "NAMESPACE", "METRIC", "DIMENSIONS");
	json_array_foreach(metrics, i, m)
	{
		struct buf b = BUF_INIT(1 << 16);

		metrics__dims_str(json_object_get(m, "Dimensions"), &b);
		cli_table_row(&t, json_string_value(json_object_get(m, "Namespace")),
			      json_string_value(json_object_get(m, "MetricName")), buf_str(&b));
		buf_release(&b);
	}
	cli_table_print(a, &t);
	cli_table_release(&t);
	json_decref(metrics);
	return CLI_OK;
}

/* --stat: one of the five statistics (any case, or count, avg, min, max; the AWS spelling is
 * sent) or a percentile
 * pNN / pNN.N (0 to 100).  The name sent, or NULL; *extended says which list it goes in. */
static const char *metrics__stat(const char *s, bool *extended)
{
	static const char *const plain[][2] = {
		{ "SampleCount", "count" }, { "Average", "avg" }, { "Sum", "sum" },
		{ "Minimum", "min" },	    { "Maximum", "max" },
	};
	const char *p = s + 1;
	int digits = 0, decimals = -1;
	double v;
	char *end;

	*extended = false;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcasecmp(s, plain[i][0]) == 0 || strcasecmp(s, plain[i][1]) == 0)
			return plain[i][0];
	if (s[0] != 'p')
		return NULL;
	for (; *p; p++) {
		if (*p == '.' && decimals < 0 && digits) {
			decimals = 0;
		} else if (*p >= '0' && *p <= '9') {
			if (decimals >= 0)
				decimals++;
			else
				digits++;
		} else {
			return NULL;
		}
	}
	if (!digits || decimals == 0 || digits > 3)
		return NULL;
	v = strtod(s + 1, &end);
	if (*end || v < 0 || v > 100)
		return NULL;
	*extended = true;
	return s;
}

/* The smallest usual period that keeps a range of span seconds within one call's datapoints. */
static int64_t metrics__auto_period(int64_t span)
{
	static const int64_t periods[] = { 60, 300, 900, 3600, 21600, 86400 };

	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++)
		if (span / periods[i] + 1 <= METRICS_MAX_POINTS)
			return periods[i];
	return 86400 * ((span / 86400 + METRICS_MAX_POINTS) / METRICS_MAX_POINTS);
}

static int metrics__by_time(const void *x, const void *y)
{
	double a = json_number_value(json_object_get(*(json_t *const *)x, "Timestamp"));
	double b = json_number_value(json_object_get(*(json_t *const *)y, "Timestamp"));

	return a < b ? -1 : a > b;
}

int cli_metrics_get(struct cli_args *a)
{
	const char *ns = a->pos[0], *name = a->pos[1], *stat_opt = cli_opt(a, "stat");
	const char *since_opt = cli_opt(a, "since"), *period_opt = cli_opt(a, "period");
	const char *stat;
	char head[32];
	int64_t since = 3600, period, now = time_now_ms() / 1000;
	bool extended;
	json_t *req, *resp, *points, *p, *dims;
	struct cli_table t;
	size_t i;
	int r;

	stat = metrics__stat(stat_opt ? stat_opt : "Average", &extended);
	if (!stat)
		return cli_usage(a,
				 "--stat takes SampleCount, Average, Sum, Minimum, Maximum or a "
				 "percentile pNN (p99, p99.9), not '%s'",
				 stat_opt);
	if (since_opt && cli_parse_duration(since_opt, &since))
		return cli_usage(a, "--since takes a duration: 90s, 30m, 1h, 2d, 1w (not '%s')",
				 since_opt);
	if (period_opt) {
		if (cli_parse_duration(period_opt, &period))
			return cli_usage(a,
					 "--period takes seconds (60) or a duration (5m), not '%s'",
					 period_opt);
	} else {
		period = metrics__auto_period(since);
	}
	r = metrics__dimensions(a, false, &dims);
	if (r)
		return r;
	req = json_pack("{s:s,s:s,s:o,s:I,s:I,s:I,s:[s]}", "Namespace", ns, "MetricName", name,
			"Dimensions", dims, "StartTime", (json_int_t)(now - since), "EndTime",
			(json_int_t)now + 1, "Period", (json_int_t)period,
			extended ? "ExtendedStatistics" : "Statistics", stat);
	if (cli_json(a, &cli_cloudwatch, "GetMetricStatistics", req, &resp))
		return cli_fail(a);
	/* oldest first: AWS leaves them unordered */
	points = json_incref(json_object_get(resp, "Datapoints"));
	if (!json_is_array(points)) {
		json_decref(points);
		points = json_array();
	}
	cli_array_sort(points, metrics__by_time);
	if (a->g.output == CLI_OUT_JSON) {
		json_object_set(resp, "Datapoints", points);
		cli_json_print(resp);
		json_decref(points);
		json_decref(resp);
		return CLI_OK;
	}
	for (i = 0; stat[i] && i + 1 < sizeof(head); i++)
		head[i] = (char)(stat[i] >= 'a' && stat[i] <= 'z' ? stat[i] - 'a' + 'A' : stat[i]);
	head[i] = '\0';
	cli_table_init(&t, 3, "TIME", head, "UNIT");
	json_array_foreach(points, i, p)
	{
		const json_t *v =
		    extended ? json_object_get(json_object_get(p, "ExtendedStatistics"), stat)
			     : json_object_get(p, stat);
		char when[64], num[64] = "";

		if (json_is_number(v))
			cli_number(json_number_value(v), num, sizeof(num));
		cli_table_row(&t, cli_when(a, json_object_get(p, "Timestamp"), when, sizeof(when)),
			      num, json_string_value(json_object_get(p, "Unit")));
	}
	cli_table_print(a, &t);
	cli_table_release(&t);
	json_decref(points);
	json_decref(resp);
	return CLI_OK;
}
