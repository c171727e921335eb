/* alarm_job: the engine's alarm kind — every alarm is evaluated once a (scaled) minute, or
 * at its period when that is shorter, and at once when data for a metric it watches arrives
 * (PutMetricData makes it due) or, for a composite alarm, when a child changes.
 *
 * The window: R = alarm_eval_range(N) periods ending with the current period when it already
 * holds data (so that a breach shows within moments of arriving rather than at the next
 * minute), else with the last complete period, as CloudWatch's minute-by-minute evaluation
 * does.  State, reasons and history go through model/alarms (alarm_transition); the metric
 * statistics through model/metrics; metric math through model/metric_math. */
#include "alarm_eval.h"
#include "job.h"
#include "model/alarm_rule.h"
#include "model/alarms.h"
#include "model/metric_math.h"
#include "model/metrics.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ALARM_JOB_FAR INT64_C(4102444800000) /* 2100: "only when woken" for composites */

static int alarm_job_list(struct store_conn *c, json_t *ids, struct err *e)
{
	return alarms_due(c, time_now_ms(), ids, e);
}

static int alarm_job_next(struct store_conn *c, int64_t *at, struct err *e)
{
	return alarms_next_due(c, at, e);
}

/* yyyy-MM-dd'T'HH:mm:ss.SSS+0000, StateReasonData's dates. */
static void alarm_job__date(int64_t ms, char out[40])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	str_fmt(out, 40, "%s.%03d+0000", s, (int)(ms % 1000));
}

/* ---- the data of a metric alarm ---- */

struct alarm_src { /* what the alarm evaluates */
	const json_t *doc;
	int64_t period;
	const char *stat; /* Statistic or ExtendedStatistic (single-metric alarms) */
	bool percentile_ignore;
};

struct alarm_math { /* mm_env lookup over the Metrics entries */
	const json_t *metrics;
	struct mm_series *series; /* one per entry */
	bool *done;
};

static int alarm_job__lookup(void *arg, const char *id, const struct mm_series **out)
{
	struct alarm_math *m = arg;
	const json_t *q;
	size_t i;

	json_array_foreach(m->metrics, i, q)
	{
		if (m->done[i] && str_eq(json_string_value(json_object_get(q, "Id")), id)) {
			*out = &m->series[i];
			return 0;
		}
	}
	return -1;
}

static void alarm_job__key(const json_t *m, struct metric_key *k, struct metric_dim *dims)
{
	const json_t *d, *ds = json_object_get(m, "Dimensions");
	size_t i;

	k->ns = json_string_value(json_object_get(m, "Namespace"));
	k->name = json_string_value(json_object_get(m, "MetricName"));
	k->dims = dims;
	k->ndims = 0;
	json_array_foreach(ds, i, d)
	{
		if (k->ndims == METRIC_DIMS_MAX)
			break;
		dims[k->ndims].name = json_string_value(json_object_get(d, "Name"));
		dims[k->ndims].value = json_string_value(json_object_get(d, "Value"));
		k->ndims++;
	}
}

/* The series the alarm compares: its metric's statistic, or the ReturnData entry of its
 * metric math, over [start, end). */
static int alarm_job__series(struct store_conn *c, const struct alarm_src *src, int64_t start,
			     int64_t end, struct mm_series *out, double *counts, struct err *e)
{
	const json_t *metrics = json_object_get(src->doc, "Metrics"), *q;
	struct metric_dim dims[METRIC_DIMS_MAX];
	struct metric_key k;
	struct alarm_math m = { metrics, NULL, NULL };
	int64_t pw = time_scaled_ms((double)src->period);
	size_t i, n = json_array_size(metrics), ng = (size_t)((end - start) / pw), left;
	int64_t *grid = NULL;
	const struct mm_series **all = NULL;
	size_t nall = 0;
	int r = 0;

	if (!metrics) {
		alarm_job__key(src->doc, &k, dims);
		return metrics_stat_series(c, &k,
					   json_string_value(json_object_get(src->doc, "Unit")),
					   src->stat, start, end, (int)src->period, out, counts, e);
	}
	m.series = calloc(n + 1, sizeof(*m.series));
	m.done = calloc(n + 1, sizeof(*m.done));
	all = calloc(n + 1, sizeof(*all));
	grid = malloc((ng + 1) * sizeof(*grid));
	if (!m.series || !m.done || !all || !grid) {
		r = err_set(e, SW_E_NOMEM, NULL);
		goto out;
	}
	for (i = 0; i < ng; i++)
		grid[i] = start + (int64_t)i * pw;
	left = 0;
	json_array_foreach(metrics, i, q)
	{
		const json_t *ms = json_object_get(q, "MetricStat");

		if (!ms) {
			left++;
			continue;
		}
		alarm_job__key(json_object_get(ms, "Metric"), &k, dims);
		r = metrics_stat_series(c, &k, json_string_value(json_object_get(ms, "Unit")),
					json_string_value(json_object_get(ms, "Stat")), start, end,
					(int)src->period, &m.series[i], NULL, e);
		if (r)
			goto out;
		m.done[i] = true;
		all[nall++] = &m.series[i];
	}
	while (left) { /* expressions, in the order their Ids become known */
		size_t before = left;

		json_array_foreach(metrics, i, q)
		{
			const char *text = json_string_value(json_object_get(q, "Expression"));
			struct mm_expr *x;
			struct mm_env env = { alarm_job__lookup, all, nall, grid, ng, &m };

			if (m.done[i] || !text)
				continue;
			if ((r = mm_parse(text, &x, e)))
				goto out;
			r = mm_eval(x, &env, &m.series[i], e);
			mm_free(x);
			if (r == -SW_E_INVALID) {
				err_clear(e);
				continue; /* names an Id not evaluated yet */
			}
			if (r)
				goto out;
			m.done[i] = true;
			left--;
		}
		if (left == before) {
			r = err_set(e, SW_E_INVALID, "the alarm's metric math cannot be evaluated");
			goto out;
		}
	}
	json_array_foreach(metrics, i, q)
	{
		const json_t *rd = json_object_get(q, "ReturnData");

		if (json_is_true(rd)) {
			*out = m.series[i];
			memset(&m.series[i], 0, sizeof(m.series[i]));
			break;
		}
	}
out:
	for (i = 0; m.series && i < n; i++)
		mm_series_release(&m.series[i]);
	free(m.series);
	free(m.done);
	free(all);
	free(grid);
	return r;
}

/* StateReasonData of a threshold evaluation. */
static char *alarm_job__reason_data(const struct alarm_src *src, const struct alarm_eval_in *in,
				    const struct alarm_eval_out *out, int64_t now)
{
	json_t *j, *recent = json_array(), *points = json_array();
	const char *unit = json_string_value(json_object_get(src->doc, "Unit"));
	char d[40], *s;

	alarm_job__date(now, d);
	j = json_pack("{s:s,s:s}", "version", "1.0", "queryDate", d);
	if (out->nused) {
		alarm_job__date(in->slots[out->used[out->nused - 1]].ts, d);
		json_object_set_new(j, "startDate", json_string(d));
	}
	if (unit)
		json_object_set_new(j, "unit", json_string(unit));
	if (src->stat)
		json_object_set_new(j, src->stat[0] == 'p' ? "extendedStatistic" : "statistic",
				    json_string(src->stat));
	json_object_set_new(j, "period", json_integer(src->period));
	for (size_t i = 0; i < out->nused; i++) {
		const struct alarm_slot *sl = &in->slots[out->used[i]];

		json_array_append_new(recent, json_real(sl->value));
		alarm_job__date(sl->ts, d);
		json_array_append_new(points,
				      json_pack("{s:s,s:f,s:f}", "timestamp", d, "sampleCount",
						sl->sample_count, "value", sl->value));
	}
	json_object_set_new(j, "recentDatapoints", recent);
	json_object_set_new(j, "threshold", json_real(in->threshold));
	json_object_set_new(j, "evaluatedDatapoints", points);
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(j);
	return s;
}

/* Evaluates a metric alarm: *state (ALARM_STATE_NONE: keep), reason, reason data. */
static int alarm_job__metric(struct store_conn *c, const struct alarm_row *a, int64_t now,
			     enum alarm_state *state, char *reason, size_t rsize, char **rdata,
			     int64_t *period_out, struct err *e)
{
	struct alarm_src src = { .doc = a->doc };
	struct alarm_eval_in in = { 0 };
	const json_t *q;
	struct alarm_slot *slots = NULL;
	struct alarm_eval_out *out = NULL;
	struct mm_series s = { 0 };
	double *counts = NULL, pct = 0;
	int64_t pw, cur, start;
	size_t R, i, dropped = 0;
	int n, m, cmp, missing, r;

	src.stat = json_string_value(json_object_get(a->doc, "Statistic"));
	if (!src.stat)
		src.stat = json_string_value(json_object_get(a->doc, "ExtendedStatistic"));
	src.period = json_integer_value(json_object_get(a->doc, "Period"));
	json_array_foreach(json_object_get(a->doc, "Metrics"), i, q)
	{
		int64_t p = json_integer_value(json_object_get(q, "Period"));

		if (!p)
			p = json_integer_value(
			    json_object_get(json_object_get(q, "MetricStat"), "Period"));
		if (p && (!src.period || json_is_true(json_object_get(q, "ReturnData"))))
			src.period = p;
	}
	if (src.period <= 0)
		src.period = 60;
	*period_out = src.period;
	n = (int)json_integer_value(json_object_get(a->doc, "EvaluationPeriods"));
	m = (int)json_integer_value(json_object_get(a->doc, "DatapointsToAlarm"));
	if (m <= 0 || m > n)
		m = n;
	cmp = alarm_cmp_parse(json_string_value(json_object_get(a->doc, "ComparisonOperator")));
	missing =
	    alarm_missing_parse(json_string_value(json_object_get(a->doc, "TreatMissingData")));
	if (missing < 0)
		missing = ALARM_MISSING_MISSING;
	if (n <= 0 || cmp < 0)
		return err_set(e, SW_E_INVALID, "alarm '%s' has a bad configuration", a->name);
	if (src.stat && src.stat[0] == 'p' &&
	    str_eq(json_string_value(json_object_get(a->doc, "EvaluateLowSampleCountPercentile")),
		   "ignore")) {
		src.percentile_ignore = true;
		pct = strtod(src.stat + 1, NULL) / 100.0;
	}
	R = alarm_eval_range(n);
	if (R + 1 > ALARM_EVAL_MAX)
		R = ALARM_EVAL_MAX - 1;
	pw = time_scaled_ms((double)src.period);
	cur = now - now % pw;
	start = cur - (int64_t)R * pw;
	slots = calloc(R + 1, sizeof(*slots));
	counts = calloc(R + 2, sizeof(*counts));
	out = malloc(sizeof(*out));
	if (!slots || !counts || !out) {
		r = err_set(e, SW_E_NOMEM, NULL);
		goto done;
	}
	/* R + 1 periods: the last R complete ones and the current one */
	if ((r = alarm_job__series(c, &src, start, cur + pw, &s, counts, e)))
		goto done;
	for (i = 0; i <= R; i++)
		slots[i].ts = start + (int64_t)i * pw;
	for (i = 0; i < s.n; i++) {
		int64_t at = (s.ts[i] - start) / pw;

		if (at < 0 || at > (int64_t)R || !isfinite(s.v[i]))
			continue;
		slots[at].present = true;
		slots[at].value = s.v[i];
		slots[at].sample_count = json_object_get(a->doc, "Metrics") ? 1 : counts[i];
		if (src.percentile_ignore && pct > 0 &&
		    slots[at].sample_count < (pct >= 0.5 ? 10 / (1 - pct) : 10 / pct)) {
			slots[at].present = false;
			dropped++;
		}
	}
	in.slots = slots[R].present ? slots + 1 : slots;
	in.nslots = R;
	in.n = n;
	in.m = m;
	in.cmp = (enum alarm_cmp)cmp;
	in.threshold = json_number_value(json_object_get(a->doc, "Threshold"));
	in.missing = (enum alarm_missing)missing;
	in.current = alarm_state_parse(a->state);
	alarm_evaluate(&in, out);
	*state = out->state;
	if (dropped && out->state == ALARM_STATE_INSUFFICIENT_DATA)
		*state = ALARM_STATE_NONE; /* too few samples for the percentile: keep */
	if (*state != ALARM_STATE_NONE) {
		alarm_reason(&in, out, in.current, reason, rsize);
		if (!(*rdata = alarm_job__reason_data(&src, &in, out, now)))
			r = err_set(e, SW_E_NOMEM, NULL);
	}
done:
	free(slots);
	free(counts);
	free(out);
	mm_series_release(&s);
	return r;
}

/* ---- composite alarms ---- */

/* A composite's children as read once for an evaluation (absent ones are left out). */
struct alarm_kids {
	struct alarm_row row[ALARM_RULE_CHILDREN];
	size_t n;
};

static enum alarm_state alarm_job__child(void *arg, const char *name)
{
	const struct alarm_kids *k = arg;

	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->row[i].name, name) == 0)
			return alarm_state_parse(k->row[i].state);
	return ALARM_STATE_NONE;
}

/* Whether name's rule reaches name again through alarm_refs (bounded walk). */
static bool alarm_job__cycle(struct store_conn *c, const char *name)
{
	json_t *seen = json_array(), *todo = json_array();
	bool cycle = false;

	json_array_append_new(todo, json_string(name));
	while (!cycle && json_array_size(todo) && json_array_size(seen) < 10000) {
		json_t *kids = json_array(), *k;
		const char *at = json_string_value(json_array_get(todo, 0));
		size_t i;

		alarm_children(c, at, kids, NULL);
		json_array_foreach(kids, i, k)
		{
			const char *kn = json_string_value(k);
			size_t j;
			bool dup = false;

			if (strcmp(kn, name) == 0) {
				cycle = true;
				break;
			}
			for (j = 0; j < json_array_size(seen) && !dup; j++)
				dup = strcmp(json_string_value(json_array_get(seen, j)), kn) == 0;
			if (!dup) {
				json_array_append(seen, k);
				json_array_append(todo, k);
			}
		}
		json_decref(kids);
		json_array_remove(todo, 0);
	}
	json_decref(seen);
	json_decref(todo);
	return cycle;
}

static int alarm_job__composite(struct store_conn *c, const struct alarm_row *a,
				enum alarm_state *state, char *reason, size_t rsize, char **rdata,
				struct err *e)
{
	const char *text = json_string_value(json_object_get(a->doc, "AlarmRule"));
	json_t *children = json_array(), *trig = json_array(), *child, *j;
	struct alarm_kids *k = calloc(1, sizeof(*k));
	struct alarm_rule *rule = NULL;
	int64_t latest = -1;
	size_t i;
	int r = 0;

	*state = ALARM_STATE_NONE;
	if (!children || !trig || !k) {
		r = err_set(e, SW_E_NOMEM, NULL);
		goto out;
	}
	if (alarm_job__cycle(c, a->name)) {
		log_warn("alarm", "composite alarm '%s' is part of a cycle: not evaluated",
			 a->name);
		goto out;
	}
	if ((r = alarm_rule_parse(text ? text : "", &rule, children, e)))
		goto out;
	json_array_foreach(children, i, child)
	{
		if (k->n == ALARM_RULE_CHILDREN)
			break;
		if ((r = alarm_get(c, json_string_value(child), &k->row[k->n], e)) < 0)
			goto out;
		k->n += r == 1;
	}
	r = 0;
	*state = alarm_rule_eval(rule, alarm_job__child, k) ? ALARM_STATE_ALARM : ALARM_STATE_OK;
	/* the reason names the child that moved last into the state that decided the rule */
	str_copy(reason, rsize,
		 *state == ALARM_STATE_ALARM ? "Alarm rule became true"
					     : "Alarm rule became false");
	for (i = 0; i < k->n; i++) {
		const struct alarm_row *ch = &k->row[i];
		char d[40];

		if ((*state == ALARM_STATE_ALARM) != (strcmp(ch->state, "ALARM") == 0))
			continue;
		if (ch->state_transitioned >= latest) {
			time_t t = (time_t)(ch->state_transitioned / 1000);
			struct tm tm;
			char when[80];

			latest = ch->state_transitioned;
			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%A %d %B, %Y %H:%M:%S UTC", &tm);
			str_fmt(reason, rsize, "%s transitioned to %s at %s", ch->arn, ch->state,
				when);
		}
		alarm_job__date(ch->state_transitioned, d);
		json_array_append_new(trig, json_pack("{s:s,s:{s:s,s:s}}", "arn", ch->arn, "state",
						      "value", ch->state, "timestamp", d));
	}
	j = json_pack("{s:O}", "triggeringAlarms", trig);
	*rdata = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!*rdata)
		r = err_set(e, SW_E_NOMEM, NULL);
out:
	for (i = 0; k && i < k->n; i++)
		alarm_row_release(&k->row[i]);
	free(k);
	alarm_rule_free(rule);
	json_decref(children);
	json_decref(trig);
	return r;
}

/* ---- the kind ---- */

static int alarm_job_step(struct store_conn *c, struct job_step *s, struct err *e)
{
	struct alarm_row a;
	enum alarm_state state = ALARM_STATE_NONE;
	char reason[1024] = "", *rdata = NULL;
	int64_t period = 60, pw, due;
	bool composite;
	int r = alarm_get(c, s->id, &a, e);

	if (r <= 0)
		return r; /* deleted meanwhile */
	composite = strcmp(a.type, "CompositeAlarm") == 0;
	if (composite)
		r = alarm_job__composite(c, &a, &state, reason, sizeof(reason), &rdata, e);
	else
		r = alarm_job__metric(c, &a, s->now, &state, reason, sizeof(reason), &rdata,
				      &period, e);
	if (r == -SW_E_INVALID) {
		/* a configuration the evaluator cannot use: say so in the state, once */
		state = ALARM_STATE_INSUFFICIENT_DATA;
		str_fmt(reason, sizeof(reason), "Unchecked: %s", err_message(e));
		err_clear(e);
		r = 0;
	}
	/* a state kept is not written again: the reason stays the transition's, as in AWS */
	if (!r && state != ALARM_STATE_NONE && state != alarm_state_parse(a.state)) {
		r = alarm_transition(c, &a, alarm_state_name(state), reason, rdata, s->now, e);
		if (r == 1)
			s->finished = true; /* parents and deployments look again at once */
		r = r < 0 ? r : 0;
	}
	free(rdata);
	/* the next evaluation: the next minute, or the next period when that is shorter */
	pw = time_scaled_ms(period < 60 ? (double)period : 60);
	due = composite ? ALARM_JOB_FAR : s->now - s->now % pw + pw;
	if (!r)
		r = alarm_set_due(c, a.name, due, e);
	s->next = due;
	alarm_row_release(&a);
	return r;
}

static int alarm_job_give_up(struct store_conn *c, struct job_step *s, struct err *e)
{
	/* an alarm is never finished: try again at the next minute */
	return alarm_set_due(c, s->id, s->now + time_scaled_ms(60), e);
}

static void alarm_job_done(struct job_step *s, bool committed)
{
	(void)s;
	(void)committed;
}

const struct job_kind alarm_job_kind = {
	.name = "alarm",
	.list = alarm_job_list,
	.next = alarm_job_next,
	.step = alarm_job_step,
	.give_up = alarm_job_give_up,
	.done = alarm_job_done,
};
