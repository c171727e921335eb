/* monitoring/metrics: PutMetricData, GetMetricStatistics, GetMetricData, ListMetrics. */
#include "monitoring.h"
#include "contract/env.h"
#include "engine/engine.h"
#include "model/alarms.h"
#include "model/metric_math.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "store/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PUT_DATA_MAX	 1000 /* MetricData + EntityMetricData */
#define PUT_VALUES_MAX	 150
#define STATS_POINTS_MAX 1440
#define LIST_PAGE	 500
#define VALUE_LIMIT	 1.7458e108 /* 2^360, CloudWatch's magnitude limit */
#define DAY_MS		 (24 * 3600 * 1000LL)

/* ---- PutMetricData ---- */

struct put {
	const char *ns;
	struct metric_datum *d;
	struct metric_dim *dims;
	double *vals;
	size_t n;
	int64_t now;
	int touched; /* alarms made due */
};

static int put__value(double v, const char *param, struct err *e)
{
	if (!isfinite(v) || fabs(v) > VALUE_LIMIT || (v != 0 && fabs(v) < 1 / VALUE_LIMIT))
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The value %s for parameter %s is invalid.",
			       isnan(v)	  ? "NaN"
			       : isinf(v) ? (v > 0 ? "Infinity" : "-Infinity")
					  : "out of range",
			       param);
	return 0;
}

/* A double of the request: a JSON number, or "NaN", "Infinity", "-Infinity" as the JSON
 * protocols spell those (to be refused by put__value with AWS's message). */
static int put__double(const json_t *v, const char *param, double *out, struct err *e)
{
	const char *s = json_string_value(v);

	if (json_is_number(v))
		*out = json_number_value(v);
	else if (s && strcmp(s, "NaN") == 0)
		*out = NAN;
	else if (s && strcmp(s, "Infinity") == 0)
		*out = INFINITY;
	else if (s && strcmp(s, "-Infinity") == 0)
		*out = -INFINITY;
	else
		return err_set(e, SW_E_Serialization, "%s must be a number", param);
	return put__value(*out, param, e);
}

static int put__num(const json_t *o, const char *key, const char *param, bool required, double *out,
		    struct err *e)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v)) {
		if (required)
			return err_set(e, SW_E_CW_MissingParameter, "The parameter %s is required.",
				       param);
		return 1;
	}
	return put__double(v, param, out, e);
}

/* Validates MetricData.member.<i+1> into p->d[i], its dimensions at dims, values at vals. */
static int put__datum(struct put *p, const json_t *j, size_t i, struct metric_dim *dims,
		      double *vals, size_t *nvals, struct err *e)
{
	struct metric_datum *d = &p->d[i];
	json_t *values = NULL, *counts = NULL, *set = NULL, *x;
	char param[96], sub[128];
	int64_t res = 60;
	size_t k;
	int r, has_value;

	str_fmt(param, sizeof(param), "MetricData.member.%zu", i + 1);
	if (!json_is_object(j))
		return err_set(e, SW_E_Serialization, "%s must be an object", param);
	d->key.ns = p->ns;
	d->unit = "None";
	str_fmt(sub, sizeof(sub), "%s.MetricName", param);
	if ((r = cw_str(j, "MetricName", sub, 1, 255, true, &d->key.name, e)))
		return r;
	str_fmt(sub, sizeof(sub), "%s.Dimensions", param);
	if ((r = cw_dims(j, "Dimensions", sub, METRIC_DIMS_MAX, false, dims, &d->key.ndims, e)))
		return r;
	d->key.dims = dims;
	str_fmt(sub, sizeof(sub), "%s.Unit", param);
	if ((r = cw_unit(j, "Unit", sub, &d->unit, e)))
		return r;
	if ((r = json_opt_int(j, "StorageResolution", &res, e)))
		return r;
	if (res != 1 && res != 60)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The value %lld for parameter %s.StorageResolution is invalid: it "
			       "must be 1 or 60.",
			       (long long)res, param);
	d->resolution = (int)res;
	r = cw_time(j, "Timestamp", false, &d->ts_ms, e);
	if (r < 0)
		return r;
	if (r == 1)
		d->ts_ms = p->now;
	else if (d->ts_ms < p->now - 14 * DAY_MS || d->ts_ms > p->now + 2 * 3600 * 1000LL)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The parameter %s.Timestamp must specify a time no more than two "
			       "weeks in the past and no more than two hours in the future.",
			       param);
	if ((r = json_opt_arr(j, "Values", &values, e)) ||
	    (r = json_opt_arr(j, "Counts", &counts, e)) ||
	    (r = json_opt_obj(j, "StatisticValues", &set, e)))
		return r;
	str_fmt(sub, sizeof(sub), "%s.Value", param);
	has_value = put__num(j, "Value", sub, false, &vals[0], e);
	if (has_value < 0)
		return has_value;
	has_value = !has_value;
	if (has_value && values)
		return err_set(e, SW_E_CW_InvalidParameterCombination,
			       "The parameters %s.Value and %s.Values are mutually exclusive and "
			       "you have specified both.",
			       param, param);
	if (set && (has_value || values))
		return err_set(e, SW_E_CW_InvalidParameterCombination,
			       "The parameters %s.%s and %s.StatisticValues are mutually exclusive "
			       "and you have specified both.",
			       param, has_value ? "Value" : "Values", param);
	if (counts && !values)
		return err_set(e, SW_E_CW_InvalidParameterCombination,
			       "The parameter %s.Counts requires %s.Values.", param, param);
	if (set) {
		static const char *const keys[] = { "SampleCount", "Sum", "Minimum", "Maximum" };
		double v[4];

		for (k = 0; k < 4; k++) {
			str_fmt(sub, sizeof(sub), "%s.StatisticValues.%s", param, keys[k]);
			if ((r = put__num(set, keys[k], sub, true, &v[k], e)))
				return r;
		}
		if (v[0] <= 0 || v[2] > v[3])
			return err_set(e, SW_E_CW_InvalidParameterValue,
				       "The parameter %s.StatisticValues is invalid: SampleCount "
				       "must be positive and Minimum at most Maximum.",
				       param);
		d->is_set = true;
		d->set_count = v[0];
		d->set_sum = v[1];
		d->set_min = v[2];
		d->set_max = v[3];
		*nvals = 0;
		return 0;
	}
	if (has_value) {
		d->values = vals;
		d->nvalues = 1;
		*nvals = 1;
		return 0;
	}
	if (!values)
		return err_set(e, SW_E_CW_MissingParameter,
			       "The parameter %s must contain one of Value, Values or "
			       "StatisticValues.",
			       param);
	if (json_array_size(values) > PUT_VALUES_MAX)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The collection %s.Values must not have more than %d members.",
			       param, PUT_VALUES_MAX);
	if (counts && json_array_size(counts) != json_array_size(values))
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The parameters %s.Values and %s.Counts must be of the same size.",
			       param, param);
	json_array_foreach(values, k, x)
	{
		str_fmt(sub, sizeof(sub), "%s.Values.member.%zu", param, k + 1);
		if ((r = put__double(x, sub, &vals[k], e)))
			return r;
		vals[PUT_VALUES_MAX + k] = 1;
		if (counts) {
			const json_t *c = json_array_get(counts, k);

			str_fmt(sub, sizeof(sub), "%s.Counts.member.%zu", param, k + 1);
			if ((r = put__double(c, sub, &vals[PUT_VALUES_MAX + k], e)))
				return r;
			if (vals[PUT_VALUES_MAX + k] < 0)
				return err_set(e, SW_E_CW_InvalidParameterValue,
					       "The value for parameter %s must not be negative.",
					       sub);
		}
	}
	d->values = vals;
	d->counts = vals + PUT_VALUES_MAX;
	d->nvalues = json_array_size(values);
	*nvals = 2 * PUT_VALUES_MAX;
	return 0;
}

static int put__store(struct store_conn *c, void *arg, struct err *e)
{
	struct put *p = arg;
	int r = metrics_put(c, p->d, p->n, p->now, e);

	p->touched = 0; /* the transaction may run again */
	for (size_t i = 0; i < p->n && r >= 0; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(p->d[j].key.name, p->d[i].key.name) == 0;
		if (!seen && (r = alarms_touch(c, p->ns, p->d[i].key.name, e)) > 0)
			p->touched += r;
	}
	return r < 0 ? r : 0;
}

static int PutMetricData(struct call *c)
{
	struct put p = { .now = time_now_ms() };
	json_t *data = NULL, *entity = NULL, *j;
	size_t i, nvals = 0, nv = 0;
	int r;

	if ((r = cw_str(c->in, "Namespace", "Namespace", 1, 255, true, &p.ns, c->err)))
		return r;
	if (p.ns[0] == ':')
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The value %s for parameter Namespace is invalid.", p.ns);
	if ((r = json_opt_arr(c->in, "MetricData", &data, c->err)) ||
	    (r = json_opt_arr(c->in, "EntityMetricData", &entity, c->err)))
		return r;
	if (!data || json_array_size(data) == 0) {
		if (entity && json_array_size(entity))
			return err_set(c->err, SW_E_NotImplemented,
				       "EntityMetricData is not supported by Slipway; send "
				       "MetricData");
		return err_set(c->err, SW_E_CW_MissingParameter,
			       "The parameter MetricData is required.");
	}
	p.n = json_array_size(data);
	if (p.n + (entity ? json_array_size(entity) : 0) > PUT_DATA_MAX)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The collection MetricData must not have more than %d members.",
			       PUT_DATA_MAX);
	p.d = calloc(p.n, sizeof(*p.d));
	p.dims = calloc(p.n * METRIC_DIMS_MAX, sizeof(*p.dims));
	p.vals = malloc(p.n * 2 * PUT_VALUES_MAX * sizeof(*p.vals));
	if (!p.d || !p.dims || !p.vals)
		r = err_set(c->err, SW_E_NOMEM, NULL);
	json_array_foreach(data, i, j)
	{
		if (r)
			break;
		r = put__datum(&p, j, i, p.dims + i * METRIC_DIMS_MAX, p.vals + nvals, &nv, c->err);
		nvals += nv;
	}
	if (!r)
		r = store_write(c->env->store, put__store, &p, c->err);
	if (!r && p.touched)
		engine_wake(c->env->engine); /* the alarm job evaluates what watches these */
	free(p.d);
	free(p.dims);
	free(p.vals);
	return r;
}

/* ---- GetMetricStatistics ---- */

/* StartTime rounded as CloudWatch does: to the period for high-resolution periods, else to
 * the minute, 5 minutes or the hour by its age; all in scaled time. */
static int64_t stats__round_start(int64_t start, int64_t now, int period)
{
	int64_t age = now - start, w;

	if (period < 60)
		w = time_scaled_ms(period);
	else if (age <= time_scaled_ms(15 * 24 * 3600))
		w = time_scaled_ms(60);
	else if (age <= time_scaled_ms(63 * 24 * 3600))
		w = time_scaled_ms(300);
	else
		w = time_scaled_ms(3600);
	return start - start % w;
}

int cw_stats_range(const json_t *in, int64_t period, int64_t *start, int64_t *end, struct err *e)
{
	int r;

	if ((r = cw_time(in, "StartTime", true, start, e)) ||
	    (r = cw_time(in, "EndTime", true, end, e)))
		return r;
	if (*start >= *end)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The parameter StartTime must be less than the parameter EndTime.");
	*start = stats__round_start(*start, time_now_ms(), (int)period);
	return 0;
}

struct stats {
	struct metric_key k;
	const char *unit;
	int64_t start, end;
	int period;
	unsigned flags;
	struct metric_series s;
};

static int stats__fetch(struct store_conn *c, void *arg, struct err *e)
{
	struct stats *s = arg;

	return metrics_fetch(c, &s->k, s->unit, s->start, s->end, s->period, s->flags, &s->s, e);
}

int cw_metric_key(const json_t *in, const char *prefix, struct metric_key *k,
		  struct metric_dim *dims, struct err *e)
{
	char p[96];
	int r;

	str_fmt(p, sizeof(p), "%sNamespace", prefix);
	if ((r = cw_str(in, "Namespace", p, 1, 255, true, &k->ns, e)))
		return r;
	str_fmt(p, sizeof(p), "%sMetricName", prefix);
	if ((r = cw_str(in, "MetricName", p, 1, 255, true, &k->name, e)))
		return r;
	str_fmt(p, sizeof(p), "%sDimensions", prefix);
	k->dims = dims;
	return cw_dims(in, "Dimensions", p, METRIC_DIMS_MAX, false, dims, &k->ndims, e);
}

static int GetMetricStatistics(struct call *c)
{
	struct metric_dim dims[METRIC_DIMS_MAX];
	struct stats s = { .unit = NULL };
	json_t *stats = NULL, *ext = NULL, *x, *out, *points;
	int64_t period = 0;
	size_t i;
	int r;

	if ((r = cw_metric_key(c->in, "", &s.k, dims, c->err)) ||
	    (r = cw_unit(c->in, "Unit", "Unit", &s.unit, c->err)) ||
	    (r = json_opt_arr(c->in, "Statistics", &stats, c->err)) ||
	    (r = json_opt_arr(c->in, "ExtendedStatistics", &ext, c->err)) ||
	    (r = json_opt_int(c->in, "Period", &period, c->err)))
		return r;
	if (!json_object_get(c->in, "Period"))
		return err_set(c->err, SW_E_CW_MissingParameter,
			       "The parameter Period is required.");
	if ((r = cw_period(period, "Period", c->err)) ||
	    (r = cw_stats_range(c->in, period, &s.start, &s.end, c->err)))
		return r;
	if (stats && ext && json_array_size(stats) && json_array_size(ext))
		return err_set(c->err, SW_E_CW_InvalidParameterCombination,
			       "The parameters Statistics and ExtendedStatistics are mutually "
			       "exclusive and you have specified both.");
	if ((!stats || !json_array_size(stats)) && (!ext || !json_array_size(ext)))
		return err_set(c->err, SW_E_CW_MissingParameter,
			       "Must specify either Statistics or ExtendedStatistics.");
	if (stats && json_array_size(stats) > 5)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The collection Statistics must not have more than 5 members.");
	if (ext && json_array_size(ext) > 10)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The collection ExtendedStatistics must not have more than 10 "
			       "members.");
	json_array_foreach(stats, i, x)
	{
		if (!json_is_string(x) || !cw_stat_simple(json_string_value(x)))
			return err_set(c->err, SW_E_CW_InvalidParameterValue,
				       "The value %s for parameter Statistics.member.%zu is not "
				       "one of SampleCount, Average, Sum, Minimum, Maximum.",
				       json_is_string(x) ? json_string_value(x) : "?", i + 1);
	}
	json_array_foreach(ext, i, x)
	{
		if (!json_is_string(x) || !cw_stat_percentile(json_string_value(x)))
			return err_set(
			    c->err, SW_E_CW_InvalidParameterValue,
			    "The value %s for parameter ExtendedStatistics.member.%zu is "
			    "not a valid percentile (p0.0 to p100).",
			    json_is_string(x) ? json_string_value(x) : "?", i + 1);
		s.flags |= METRICS_FETCH_SKETCH;
	}
	s.period = (int)period;
	if ((s.end - s.start + time_scaled_ms(period) - 1) / time_scaled_ms(period) >
	    STATS_POINTS_MAX)
		return err_set(c->err, SW_E_CW_InvalidParameterCombination,
			       "You have requested up to %lld datapoints, which exceeds the limit "
			       "of %d. You may reduce the datapoints requested by increasing "
			       "Period, or decreasing the time range.",
			       (long long)((s.end - s.start + time_scaled_ms(period) - 1) /
					   time_scaled_ms(period)),
			       STATS_POINTS_MAX);
	r = store_read(c->env->store, stats__fetch, &s, c->err);
	if (r) {
		metric_series_release(&s.s);
		return r;
	}
	out = json_pack("{s:s,s:[]}", "Label", s.k.name, "Datapoints");
	points = json_object_get(out, "Datapoints");
	for (size_t b = 0; b < s.s.n; b++) {
		json_t *dp = json_object(), *em = NULL;
		double v;

		json_set_time(dp, "Timestamp", s.s.b[b].ts_ms);
		json_array_foreach(stats, i, x)
		{
			if (!metric_bucket_stat(&s.s.b[b], json_string_value(x), &v))
				json_object_set_new(dp, json_string_value(x), json_real(v));
		}
		json_array_foreach(ext, i, x)
		{
			if (metric_bucket_stat(&s.s.b[b], json_string_value(x), &v))
				continue;
			if (!em)
				em = json_object();
			json_object_set_new(em, json_string_value(x), json_real(v));
		}
		if (em)
			json_object_set_new(dp, "ExtendedStatistics", em);
		json_set_str(dp, "Unit", s.s.b[b].unit);
		json_array_append_new(points, dp);
	}
	metric_series_release(&s.s);
	c->out = out;
	return 0;
}

/* ---- GetMetricData ---- */

#define GMD_QUERIES_MAX 500

struct gmd_query {
	const char *id, *label, *expr_text, *stat, *unit;
	bool return_data, is_expr, done;
	int64_t period;
	struct metric_key k;
	struct metric_dim dims[METRIC_DIMS_MAX];
	struct mm_expr *expr;
	struct mm_series s;
};

struct gmd {
	struct gmd_query *q;
	size_t n;
	int64_t start, end;
	struct err *e;
};

static int gmd__lookup(void *arg, const char *id, const struct mm_series **out)
{
	struct gmd *g = arg;

	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->q[i].id, id) == 0 && g->q[i].done) {
			*out = &g->q[i].s;
			return 0;
		}
	return -1;
}

struct gmd_ready {
	struct gmd *g;
	bool ready;
};

static int gmd__ref_ready(void *arg, const char *id)
{
	struct gmd_ready *w = arg;
	const struct mm_series *s;

	for (size_t i = 0; i < w->g->n; i++)
		if (strcmp(w->g->q[i].id, id) == 0) {
			if (gmd__lookup(w->g, id, &s))
				w->ready = false;
			return 0;
		}
	return err_set(w->g->e, SW_E_CW_InvalidParameterValue,
		       "Invalid metric math expression: no query has the Id %s.", id);
}

static int gmd__run(struct store_conn *c, void *arg, struct err *e)
{
	struct gmd *g = arg;
	const struct mm_series **all = calloc(g->n + 1, sizeof(*all));
	size_t nall = 0, left = 0;
	int r = all ? 0 : err_set(e, SW_E_NOMEM, NULL);

	for (size_t i = 0; i < g->n && !r; i++) {
		struct gmd_query *q = &g->q[i];

		if (q->is_expr) {
			left++;
			continue;
		}
		r = metrics_stat_series(c, &q->k, q->unit, q->stat,
					stats__round_start(g->start, time_now_ms(), (int)q->period),
					g->end, (int)q->period, &q->s, NULL, e);
		q->done = true;
		all[nall++] = &q->s;
	}
	/* expressions in dependency order: each pass evaluates those whose Ids are ready */
	while (!r && left) {
		size_t before = left;

		for (size_t i = 0; i < g->n && !r; i++) {
			struct gmd_query *q = &g->q[i];
			struct gmd_ready w = { g, true };
			int64_t period = q->period, pw, start;
			int64_t *grid;
			size_t ng;

			if (!q->is_expr || q->done)
				continue;
			if ((r = mm_each_ref(q->expr, gmd__ref_ready, &w)) || !w.ready)
				continue;
			for (size_t j = 0; !period && j < g->n; j++)
				if (!g->q[j].is_expr)
					period = g->q[j].period;
			if (!period)
				period = 60;
			pw = time_scaled_ms(period);
			start = stats__round_start(g->start, time_now_ms(), (int)period);
			ng = (size_t)((g->end - start + pw - 1) / pw);
			if (!(grid = malloc((ng ? ng : 1) * sizeof(*grid)))) {
				r = err_set(e, SW_E_NOMEM, NULL);
				break;
			}
			for (size_t k = 0; k < ng; k++)
				grid[k] = start + (int64_t)k * pw;
			struct mm_env env = { gmd__lookup, all, nall, grid, ng, g };

			r = mm_eval(q->expr, &env, &q->s, e);
			if (r == -SW_E_INVALID)
				r = cw_invalid(e);
			free(grid);
			q->done = true;
			left--;
		}
		if (!r && left == before)
			r = err_set(e, SW_E_CW_InvalidParameterValue,
				    "The expressions of MetricDataQueries refer to each other in a "
				    "cycle.");
	}
	free(all);
	return r;
}

static int gmd__query(struct gmd_query *q, const json_t *j, size_t i, struct err *e)
{
	json_t *ms = NULL, *m = NULL;
	char p[96];
	int r;

	str_fmt(p, sizeof(p), "MetricDataQueries.member.%zu.Id", i + 1);
	if ((r = cw_str(j, "Id", p, 1, 255, true, &q->id, e)))
		return r;
	if (!(q->id[0] >= 'a' && q->id[0] <= 'z') ||
	    strspn(q->id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
		strlen(q->id))
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The value %s for parameter %s is invalid: an Id starts with a "
			       "lowercase letter and holds only letters, digits and underscores.",
			       q->id, p);
	q->return_data = true;
	if ((r = json_opt_str(j, "Label", &q->label, e)) ||
	    (r = json_opt_bool(j, "ReturnData", &q->return_data, e)) ||
	    (r = json_opt_int(j, "Period", &q->period, e)) ||
	    (r = json_opt_str(j, "Expression", &q->expr_text, e)) ||
	    (r = json_opt_obj(j, "MetricStat", &ms, e)))
		return r;
	if (!!ms == !!q->expr_text)
		return err_set(
		    e, SW_E_CW_InvalidParameterValue,
		    "The parameter MetricDataQueries.member.%zu must contain exactly one "
		    "of MetricStat or Expression.",
		    i + 1);
	if (q->expr_text) {
		q->is_expr = true;
		if (q->period && (r = cw_period(q->period, "Period", e)))
			return r;
		r = mm_parse(q->expr_text, &q->expr, e);
		return r == -SW_E_INVALID ? cw_invalid(e) : r;
	}
	if ((r = json_opt_obj(ms, "Metric", &m, e)))
		return r;
	if (!m)
		return err_set(e, SW_E_CW_MissingParameter,
			       "The parameter MetricDataQueries.member.%zu.MetricStat.Metric is "
			       "required.",
			       i + 1);
	str_fmt(p, sizeof(p), "MetricDataQueries.member.%zu.MetricStat.Metric.", i + 1);
	if ((r = cw_metric_key(m, p, &q->k, q->dims, e)) ||
	    (r = cw_unit(ms, "Unit", "Unit", &q->unit, e)) ||
	    (r = json_opt_int(ms, "Period", &q->period, e)))
		return r;
	str_fmt(p, sizeof(p), "MetricDataQueries.member.%zu.MetricStat.Stat", i + 1);
	if ((r = cw_str(ms, "Stat", p, 1, 255, true, &q->stat, e)))
		return r;
	if (!cw_stat_simple(q->stat) && !cw_stat_percentile(q->stat))
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The value %s for parameter %s is not supported by Slipway: use "
			       "SampleCount, Average, Sum, Minimum, Maximum or pNN.",
			       q->stat, p);
	str_fmt(p, sizeof(p), "MetricDataQueries.member.%zu.MetricStat.Period", i + 1);
	if (!json_object_get(ms, "Period"))
		return err_set(e, SW_E_CW_MissingParameter, "The parameter %s is required.", p);
	return cw_period(q->period, p, e);
}

static int GetMetricData(struct call *c)
{
	struct gmd g = { .e = c->err };
	json_t *queries = NULL, *j, *results;
	const char *scan = "TimestampDescending", *token = NULL;
	int64_t maxp = 100800, skip = 0;
	size_t i, nret = 0;
	bool more = false;
	int r;

	if ((r = json_opt_arr(c->in, "MetricDataQueries", &queries, c->err)) ||
	    (r = json_opt_str(c->in, "ScanBy", &scan, c->err)) ||
	    (r = json_opt_int(c->in, "MaxDatapoints", &maxp, c->err)) ||
	    (r = json_opt_str(c->in, "NextToken", &token, c->err)) ||
	    (r = cw_time(c->in, "StartTime", true, &g.start, c->err)) ||
	    (r = cw_time(c->in, "EndTime", true, &g.end, c->err)))
		return r;
	if (!queries || !json_array_size(queries))
		return err_set(c->err, SW_E_CW_MissingParameter,
			       "The parameter MetricDataQueries is required.");
	if (json_array_size(queries) > GMD_QUERIES_MAX)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The collection MetricDataQueries must not have more than %d "
			       "members.",
			       GMD_QUERIES_MAX);
	if (g.start >= g.end)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The parameter StartTime must be less than the parameter EndTime.");
	if (strcmp(scan, "TimestampDescending") && strcmp(scan, "TimestampAscending"))
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The value %s for parameter ScanBy is not one of "
			       "TimestampDescending, TimestampAscending.",
			       scan);
	if (maxp < 1)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The parameter MaxDatapoints must be positive.");
	if (token && (token[0] != 'o' || str_to_i64(token + 1, 0, INT64_MAX, &skip)))
		return err_set(c->err, SW_E_CW_InvalidNextToken, "The NextToken is invalid.");
	g.n = json_array_size(queries);
	if (!(g.q = calloc(g.n, sizeof(*g.q))))
		return err_set(c->err, SW_E_NOMEM, NULL);
	json_array_foreach(queries, i, j)
	{
		if (!json_is_object(j)) {
			r = err_set(c->err, SW_E_Serialization,
				    "MetricDataQueries must hold objects");
			break;
		}
		if ((r = gmd__query(&g.q[i], j, i, c->err)))
			break;
		for (size_t k = 0; k < i && !r; k++)
			if (strcmp(g.q[k].id, g.q[i].id) == 0)
				r = err_set(c->err, SW_E_CW_InvalidParameterValue,
					    "The Id %s is used by more than one query.", g.q[i].id);
		if (r)
			break;
		nret += g.q[i].return_data;
	}
	if (!r && (g.end - g.start) / 1000 > 0 && !nret)
		r = err_set(c->err, SW_E_CW_InvalidParameterValue,
			    "At least one query must have ReturnData set to true.");
	if (!r)
		r = store_read(c->env->store, gmd__run, &g, c->err);
	if (!r) {
		bool desc = strcmp(scan, "TimestampDescending") == 0;
		size_t per = (size_t)(maxp / (int64_t)(nret ? nret : 1));

		if (per == 0)
			per = 1;
		c->out = json_pack("{s:[],s:[]}", "MetricDataResults", "Messages");
		results = json_object_get(c->out, "MetricDataResults");
		for (i = 0; i < g.n; i++) {
			struct gmd_query *q = &g.q[i];
			json_t *res, *ts, *vs;
			size_t k, taken = 0;

			if (!q->return_data)
				continue;
			res = json_pack("{s:s,s:s,s:[],s:[]}", "Id", q->id, "Label",
					q->label     ? q->label
					: q->is_expr ? q->id
						     : q->k.name,
					"Timestamps", "Values");
			ts = json_object_get(res, "Timestamps");
			vs = json_object_get(res, "Values");
			for (k = (size_t)skip; k < q->s.n && taken < per; k++, taken++) {
				size_t at = desc ? q->s.n - 1 - k : k;

				json_array_append_new(ts, json_real((double)q->s.ts[at] / 1000.0));
				json_array_append_new(vs, json_real(q->s.v[at]));
			}
			json_set_str(res, "StatusCode", k < q->s.n ? "PartialData" : "Complete");
			more |= k < q->s.n;
			json_array_append_new(results, res);
		}
		if (more) {
			char t[32];

			str_fmt(t, sizeof(t), "o%lld", (long long)(skip + (int64_t)per));
			json_set_str(c->out, "NextToken", t);
		}
	}
	for (i = 0; i < g.n; i++) {
		mm_free(g.q[i].expr);
		mm_series_release(&g.q[i].s);
	}
	free(g.q);
	return r;
}

/* ---- ListMetrics ---- */

struct list {
	struct metric_dim filt[10];
	size_t nfilt;
	int64_t active_since, alive_since;
	const char *ns, *name;
	char *after;	 /* the decoded NextToken: the last metric of the previous page */
	struct buf last; /* the last metric returned (its units fold into one entry) */
	json_t *metrics;
	size_t n;
	bool more;
};

static int list__one(void *arg, const struct metric_key *k, const char *unit,
		     const struct metric_totals *t)
{
	struct list *l = arg;
	struct buf id;
	json_t *dims;
	size_t i, j;

	(void)unit;
	if (t->last_ts_ms < l->alive_since || t->last_ts_ms < l->active_since)
		return 0;
	for (i = 0; i < l->nfilt; i++) {
		for (j = 0; j < k->ndims; j++)
			if (strcmp(k->dims[j].name, l->filt[i].name) == 0 &&
			    (!l->filt[i].value || strcmp(k->dims[j].value, l->filt[i].value) == 0))
				break;
		if (j == k->ndims)
			return 0;
	}
	buf_init(&id, METRICS_KEY_MAX);
	metrics_key_text(&id, k);
	if ((l->last.len && strcmp(buf_str(&id), buf_str(&l->last)) == 0) ||
	    (l->after && strcmp(buf_str(&id), l->after) <= 0)) {
		buf_release(&id); /* another unit of the metric just listed, or an earlier page */
		return 0;
	}
	if (l->n == LIST_PAGE) {
		buf_release(&id);
		l->more = true;
		return 1;
	}
	buf_reset(&l->last);
	buf_adds(&l->last, buf_str(&id));
	buf_release(&id);
	dims = json_array();
	for (j = 0; j < k->ndims; j++)
		json_array_append_new(dims, json_pack("{s:s,s:s}", "Name", k->dims[j].name, "Value",
						      k->dims[j].value));
	json_array_append_new(l->metrics, json_pack("{s:s,s:s,s:o}", "Namespace", k->ns,
						    "MetricName", k->name, "Dimensions", dims));
	l->n++;
	return 0;
}

static int list__walk(struct store_conn *c, void *arg, struct err *e)
{
	struct list *l = arg;
	int r = metrics_each(c, l->ns, l->name, list__one, l, e);

	return r == 1 ? 0 : r;
}

static int ListMetrics(struct call *c)
{
	struct list l = { .metrics = json_array() };
	const char *active = NULL, *token = NULL;
	int64_t now = time_now_ms();
	int r;

	buf_init(&l.last, METRICS_KEY_MAX);
	if ((r = cw_str(c->in, "Namespace", "Namespace", 1, 255, false, &l.ns, c->err)) ||
	    (r = cw_str(c->in, "MetricName", "MetricName", 1, 255, false, &l.name, c->err)) ||
	    (r = cw_dims(c->in, "Dimensions", "Dimensions", 10, true, l.filt, &l.nfilt, c->err)) ||
	    (r = json_opt_str(c->in, "RecentlyActive", &active, c->err)) ||
	    (r = json_opt_str(c->in, "NextToken", &token, c->err)))
		goto out;
	if (active && strcmp(active, "PT3H") != 0) {
		r = err_set(c->err, SW_E_CW_InvalidParameterValue,
			    "The value %s for parameter RecentlyActive is invalid: the only value "
			    "is PT3H.",
			    active);
		goto out;
	}
	if (token && !(l.after = cw_token_decode(token))) {
		r = err_set(c->err, SW_E_CW_InvalidParameterValue,
			    "Request parameter NextToken is invalid");
		goto out;
	}
	l.active_since = active ? now - time_scaled_ms(3 * 3600) : INT64_MIN;
	l.alive_since = now - time_scaled_ms(14 * 24 * 3600);
	r = store_read(c->env->store, list__walk, &l, c->err);
	if (!r) {
		c->out = json_pack("{s:O}", "Metrics", l.metrics);
		if (l.more) {
			char *t = cw_token_encode(buf_str(&l.last));

			json_set_str(c->out, "NextToken", t);
			free(t);
		}
	}
out:
	json_decref(l.metrics);
	buf_release(&l.last);
	free(l.after);
	return r;
}

const struct json_op monitoring_metric_ops[] = {
	{ "PutMetricData", PutMetricData, 0 },
	{ "GetMetricStatistics", GetMetricStatistics, 0 },
	{ "GetMetricData", GetMetricData, 0 },
	{ "ListMetrics", ListMetrics, 0 },
	{ NULL, NULL, 0 },
};
