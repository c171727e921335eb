/* monitoring/alarms: metric and composite alarms, their history, actions and tags.  The
 * configuration is kept as the document DescribeAlarms echoes; the engine's alarm job
 * (engine/alarm_job.c) evaluates it. */
#include "monitoring.h"
#include "contract/env.h"
#include "engine/alarm_eval.h"
#include "engine/engine.h"
#include "model/alarm_rule.h"
#include "model/alarms.h"
#include "model/metric_math.h"
#include "model/tags.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "store/store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ACTIONS_MAX	    5
#define ALARM_NAMES_MAX	    100
#define ALARM_TAGS_MAX	    50
#define ALARM_METRICS_MAX   10
#define DESCRIBE_MAX	    100
#define DESCRIBE_DEFAULT    50
#define ALARM_INITIAL_STATE "Unchecked: Initial alarm creation"

static void alarm__arn(const struct env *env, const char *name, char *out, size_t size)
{
	if (env_arn(env, out, size, "cloudwatch", "alarm:%s", name))
		out[0] = '\0';
}

/* ---- validation ---- */

static int alarm__actions(const json_t *in, json_t *doc, struct err *e)
{
	static const char *const keys[] = { "OKActions", "AlarmActions",
					    "InsufficientDataActions" };

	for (int k = 0; k < 3; k++) {
		json_t *a = NULL, *v;
		size_t i;
		int r = json_opt_arr(in, keys[k], &a, e);

		if (r)
			return r;
		if (a && json_array_size(a) > ACTIONS_MAX)
			return err_set(e, SW_E_CW_LimitExceeded,
				       "The collection %s must not have more than %d members.",
				       keys[k], ACTIONS_MAX);
		json_array_foreach(a, i, v)
		{
			const char *s = json_string_value(v);

			if (!s || !str_starts(s, "arn:") || strlen(s) > 1024)
				return err_set(e, SW_E_CW_InvalidParameterValue,
					       "Invalid arn syntax: %s", s ? s : "(not a string)");
		}
		json_object_set_new(doc, keys[k], a ? json_copy(a) : json_array());
	}
	return 0;
}

static int alarm__tags(const json_t *in, json_t **out, struct err *e)
{
	json_t *t = NULL, *v;
	size_t i;
	int r = json_opt_arr(in, "Tags", &t, e);

	*out = t;
	if (r || !t)
		return r;
	if (json_array_size(t) > ALARM_TAGS_MAX)
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The collection Tags must not have more than %d members.",
			       ALARM_TAGS_MAX);
	json_array_foreach(t, i, v)
	{
		const char *k = json_string_value(json_object_get(v, "Key"));
		const char *val = json_string_value(json_object_get(v, "Value"));

		if (!k || !*k || strlen(k) > 128 || !val || strlen(val) > 256)
			return err_set(
			    e, SW_E_CW_InvalidParameterValue,
			    "Tags.member.%zu must have a Key of 1 to 128 characters and a "
			    "Value of at most 256.",
			    i + 1);
	}
	return 0;
}

/* The metric of a single-metric alarm, or one MetricStat's: validated into doc. */
static int alarm__metric(const json_t *in, const char *prefix, json_t *doc, json_t *watch,
			 struct err *e)
{
	struct metric_dim dims[METRIC_DIMS_MAX];
	struct metric_key k;
	json_t *d = json_array();
	int r = cw_metric_key(in, prefix, &k, dims, e);

	if (r) {
		json_decref(d);
		return r;
	}
	for (size_t i = 0; i < k.ndims; i++)
		json_array_append_new(
		    d, json_pack("{s:s,s:s}", "Name", dims[i].name, "Value", dims[i].value));
	json_object_set_new(doc, "Namespace", json_string(k.ns));
	json_object_set_new(doc, "MetricName", json_string(k.name));
	json_object_set_new(doc, "Dimensions", d);
	json_array_append_new(watch, json_pack("[s,s]", k.ns, k.name));
	return 0;
}

static int alarm__period(int64_t period, int64_t n, struct err *e)
{
	if (period != 10 && period != 20 && period != 30 && (period < 60 || period % 60))
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The parameter Period must be 10, 20, 30 or a multiple of 60.");
	if (period * n > (period < 3600 ? 86400 : 604800))
		return err_set(e, SW_E_CW_InvalidParameterCombination,
			       "The evaluation period (Period x EvaluationPeriods) must not exceed "
			       "%d seconds.",
			       period < 3600 ? 86400 : 604800);
	return 0;
}

/* Metrics[] of a metric-math alarm into doc; the period it evaluates at into *period. */
static int alarm__math(const json_t *metrics, json_t *doc, json_t *watch, int64_t *period,
		       struct err *e)
{
	json_t *out = json_array(), *q;
	size_t i, returned = 0;
	int r = 0;

	if (json_array_size(metrics) > ALARM_METRICS_MAX + 10) {
		json_decref(out);
		return err_set(e, SW_E_CW_InvalidParameterValue,
			       "The collection Metrics must not have more than 20 members.");
	}
	*period = 0;
	json_array_foreach(metrics, i, q)
	{
		const char *id = json_string_value(json_object_get(q, "Id"));
		const char *expr = json_string_value(json_object_get(q, "Expression"));
		const char *label = json_string_value(json_object_get(q, "Label"));
		json_t *ms = json_object_get(q, "MetricStat"), *o, *ms_out;
		const json_t *rd = json_object_get(q, "ReturnData");
		bool ret = !rd || json_is_true(rd);
		int64_t p = json_integer_value(json_object_get(q, "Period"));
		char prefix[96];

		if (!id || !(id[0] >= 'a' && id[0] <= 'z')) {
			r = err_set(e, SW_E_CW_InvalidParameterValue,
				    "Metrics.member.%zu.Id must start with a lowercase letter.",
				    i + 1);
			break;
		}
		if (!!ms == !!expr) {
			r = err_set(e, SW_E_CW_InvalidParameterValue,
				    "Metrics.member.%zu must contain exactly one of MetricStat or "
				    "Expression.",
				    i + 1);
			break;
		}
		o = json_pack("{s:s,s:b}", "Id", id, "ReturnData", ret);
		if (label)
			json_object_set_new(o, "Label", json_string(label));
		json_array_append_new(out, o);
		returned += ret;
		if (expr) {
			struct mm_expr *x;

			if ((r = mm_parse(expr, &x, e))) {
				r = r == -SW_E_INVALID ? cw_invalid(e) : r;
				break;
			}
			mm_free(x);
			json_object_set_new(o, "Expression", json_string(expr));
			if (p)
				json_object_set_new(o, "Period", json_integer(p));
			continue;
		}
		ms_out = json_object();
		json_object_set_new(o, "MetricStat", ms_out);
		str_fmt(prefix, sizeof(prefix), "Metrics.member.%zu.MetricStat.Metric.", i + 1);
		{
			json_t *m = json_object(), *src = json_object_get(ms, "Metric");
			const char *stat = json_string_value(json_object_get(ms, "Stat"));
			const char *unit = NULL;

			json_object_set_new(ms_out, "Metric", m);
			if (!src) {
				r = err_set(e, SW_E_CW_MissingParameter,
					    "The parameter %sMetric is required.", prefix);
				break;
			}
			if ((r = alarm__metric(src, prefix, m, watch, e)))
				break;
			if (!stat || (!cw_stat_simple(stat) && !cw_stat_percentile(stat))) {
				r = err_set(
				    e, SW_E_CW_InvalidParameterValue,
				    "Metrics.member.%zu.MetricStat.Stat must be SampleCount, "
				    "Average, Sum, Minimum, Maximum or pNN.",
				    i + 1);
				break;
			}
			p = json_integer_value(json_object_get(ms, "Period"));
			if ((r = cw_unit(ms, "Unit", "Unit", &unit, e)))
				break;
			json_object_set_new(ms_out, "Stat", json_string(stat));
			json_object_set_new(ms_out, "Period", json_integer(p));
			if (unit)
				json_object_set_new(ms_out, "Unit", json_string(unit));
		}
		if (*period && p && p != *period) {
			r = err_set(e, SW_E_CW_InvalidParameterValue,
				    "All metrics of an alarm must have the same period.");
			break;
		}
		if (p)
			*period = p;
	}
	if (!r && returned != 1)
		r = err_set(e, SW_E_CW_InvalidParameterValue,
			    "Exactly one element of the Metrics list must return data.");
	if (!r && !*period)
		r = err_set(e, SW_E_CW_MissingParameter,
			    "The Metrics list must hold a MetricStat with a Period.");
	if (r) {
		json_decref(out);
		return r;
	}
	json_object_set_new(doc, "Metrics", out);
	return 0;
}

struct put_alarm {
	struct alarm_row a;
	json_t *watch, *children, *tags;
	bool created;
	const char *what; /* "Create" / "Update" for history */
};

static int put_alarm__store(struct store_conn *c, void *arg, struct err *e)
{
	struct put_alarm *p = arg;
	struct alarm_row old;
	json_t *h;
	char summary[300], *data;
	int r = alarm_get(c, p->a.name, &old, e);

	if (r < 0)
		return r;
	if (r > 0) {
		bool same_type = strcmp(old.type, p->a.type) == 0;

		alarm_row_release(&old);
		if (!same_type)
			return err_set(e, SW_E_CW_InvalidParameterCombination,
				       "An alarm named %s already exists and is of another type.",
				       p->a.name);
	}
	if ((r = alarm_put(c, &p->a, p->watch, p->children, e)) < 0)
		return r;
	p->created = r == 1;
	if ((r = model_tags_put(c, p->a.arn, p->tags, e)))
		return r;
	str_fmt(summary, sizeof(summary), "Alarm \"%.200s\" %s", p->a.name,
		p->created ? "created" : "updated");
	h = json_pack("{s:s,s:s,s:O}", "version", "1.0", "type", p->created ? "Create" : "Update",
		      p->created ? "createdAlarm" : "updatedAlarm", p->a.doc);
	data = h ? json_dumps(h, JSON_COMPACT) : NULL;
	json_decref(h);
	if (!data)
		return err_set(e, SW_E_NOMEM, NULL);
	r = alarm_history_add(c, p->a.name, p->a.type, p->a.config_updated, "ConfigurationUpdate",
			      summary, data, e);
	free(data);
	return r;
}

static int put_alarm__run(struct call *c, struct put_alarm *p)
{
	int r = store_write(c->env->store, put_alarm__store, p, c->err);

	if (!r)
		engine_wake(c->env->engine);
	json_decref(p->a.doc);
	json_decref(p->watch);
	json_decref(p->children);
	free(p->a.arn);
	return r;
}

static int alarm__common(struct call *c, struct put_alarm *p, const char *type)
{
	const char *name = NULL, *desc = NULL;
	bool enabled = true;
	char arn[600];
	int64_t now = time_now_ms();
	int r;

	if ((r = cw_str(c->in, "AlarmName", "AlarmName", 1, ALARM_NAME_MAX, true, &name, c->err)) ||
	    (r = cw_str(c->in, "AlarmDescription", "AlarmDescription", 0, 1024, false, &desc,
			c->err)) ||
	    (r = json_opt_bool(c->in, "ActionsEnabled", &enabled, c->err)) ||
	    (r = alarm__tags(c->in, &p->tags, c->err)))
		return r;
	alarm__arn(c->env, name, arn, sizeof(arn));
	p->a.name = (char *)name;
	p->a.arn = str_dup(arn);
	p->a.type = (char *)type;
	p->a.doc = json_pack("{s:s,s:s,s:b}", "AlarmName", name, "AlarmArn", arn, "ActionsEnabled",
			     enabled);
	p->watch = json_array();
	p->children = json_array();
	if (!p->a.arn || !p->a.doc || !p->watch || !p->children)
		return err_set(c->err, SW_E_NOMEM, NULL);
	if (desc)
		json_object_set_new(p->a.doc, "AlarmDescription", json_string(desc));
	p->a.actions_enabled = enabled;
	p->a.state = "INSUFFICIENT_DATA";
	p->a.reason = ALARM_INITIAL_STATE;
	p->a.state_updated = p->a.state_transitioned = p->a.config_updated = now;
	p->a.due = 0; /* evaluated at once */
	return alarm__actions(c->in, p->a.doc, c->err);
}

static int PutMetricAlarm(struct call *c)
{
	struct put_alarm p = { 0 };
	json_t *metrics = NULL, *doc;
	const char *stat = NULL, *ext = NULL, *cmp = NULL, *tmd = "missing", *lsc = NULL;
	const char *unit = NULL;
	int64_t period = 0, n = 0, m = 0;
	double threshold = 0;
	int r = alarm__common(c, &p, "MetricAlarm");

	doc = p.a.doc;
	if (r || (r = json_opt_arr(c->in, "Metrics", &metrics, c->err)) ||
	    (r = json_opt_str(c->in, "Statistic", &stat, c->err)) ||
	    (r = json_opt_str(c->in, "ExtendedStatistic", &ext, c->err)) ||
	    (r = json_opt_int(c->in, "Period", &period, c->err)) ||
	    (r = json_opt_int(c->in, "EvaluationPeriods", &n, c->err)) ||
	    (r = json_opt_int(c->in, "DatapointsToAlarm", &m, c->err)) ||
	    (r = json_opt_num(c->in, "Threshold", &threshold, c->err)) ||
	    (r = json_opt_str(c->in, "ComparisonOperator", &cmp, c->err)) ||
	    (r = json_opt_str(c->in, "TreatMissingData", &tmd, c->err)) ||
	    (r = json_opt_str(c->in, "EvaluateLowSampleCountPercentile", &lsc, c->err)) ||
	    (r = cw_unit(c->in, "Unit", "Unit", &unit, c->err)))
		goto out;
	if (!json_object_get(c->in, "EvaluationPeriods"))
		r = err_set(c->err, SW_E_CW_MissingParameter,
			    "The parameter EvaluationPeriods is required.");
	else if (n < 1)
		r = err_set(c->err, SW_E_CW_InvalidParameterValue,
			    "The parameter EvaluationPeriods must be greater than or equal to 1.");
	else if (json_object_get(c->in, "DatapointsToAlarm") && (m < 1 || m > n))
		r = err_set(c->err, SW_E_CW_InvalidParameterValue,
			    "DatapointsToAlarm must be between 1 and EvaluationPeriods.");
	else if (!cmp)
		r = err_set(c->err, SW_E_CW_MissingParameter,
			    "The parameter ComparisonOperator is required.");
	else if (alarm_cmp_parse(cmp) < 0)
		r = err_set(c->err, SW_E_CW_InvalidParameterValue,
			    strstr(cmp, "Lower") || strstr(cmp, "Upper")
				? "Anomaly-detection band alarms (%s) are not supported by Slipway."
				: "The value %s for parameter ComparisonOperator is not valid.",
			    cmp);
	else if (json_object_get(c->in, "ThresholdMetricId"))
		r = err_set(
		    c->err, SW_E_CW_InvalidParameterValue,
		    "Anomaly-detection band alarms (ThresholdMetricId) are not supported by "
		    "Slipway.");
	else if (!json_object_get(c->in, "Threshold"))
		r = err_set(c->err, SW_E_CW_MissingParameter,
			    "The parameter Threshold is required.");
	else if (alarm_missing_parse(tmd) < 0)
		r = err_set(
		    c->err, SW_E_CW_InvalidParameterValue,
		    "The value %s is not supported for TreatMissingData parameter. Supported "
		    "values are [breaching, notBreaching, ignore, missing].",
		    tmd);
	else if (lsc && strcmp(lsc, "evaluate") && strcmp(lsc, "ignore"))
		r = err_set(c->err, SW_E_CW_InvalidParameterValue,
			    "Option %s is not supported. Supported options for parameter "
			    "EvaluateLowSampleCountPercentile are evaluate and ignore.",
			    lsc);
	else if (json_object_get(c->in, "EvaluationCriteria"))
		r = err_set(c->err, SW_E_NotImplemented,
			    "PromQL alarms (EvaluationCriteria) are not supported by Slipway.");
	if (r)
		goto out;
	if (metrics) {
		if (json_object_get(c->in, "MetricName") || json_object_get(c->in, "Namespace") ||
		    stat || ext || json_object_get(c->in, "Dimensions") || period) {
			r = err_set(c->err, SW_E_CW_InvalidParameterCombination,
				    "The parameters MetricName, Namespace, Dimensions, Statistic, "
				    "ExtendedStatistic and Period cannot be given with Metrics.");
			goto out;
		}
		if ((r = alarm__math(metrics, doc, p.watch, &period, c->err)))
			goto out;
	} else {
		if ((r = alarm__metric(c->in, "", doc, p.watch, c->err)))
			goto out;
		if (!!stat == !!ext) {
			r = err_set(c->err,
				    stat ? SW_E_CW_InvalidParameterCombination
					 : SW_E_CW_MissingParameter,
				    stat ? "The parameters Statistic and ExtendedStatistic are "
					   "mutually exclusive and you have specified both."
					 : "Must specify either Statistic or ExtendedStatistic.");
			goto out;
		}
		if (stat && !cw_stat_simple(stat)) {
			r = err_set(c->err, SW_E_CW_InvalidParameterValue,
				    "The value %s for parameter Statistic is not one of "
				    "SampleCount, Average, Sum, Minimum, Maximum.",
				    stat);
			goto out;
		}
		if (ext && !cw_stat_percentile(ext)) {
			r = err_set(c->err, SW_E_CW_InvalidParameterValue,
				    "The value %s for parameter ExtendedStatistic is not supported "
				    "by Slipway: use a percentile pNN.",
				    ext);
			goto out;
		}
		if (!json_object_get(c->in, "Period")) {
			r = err_set(c->err, SW_E_CW_MissingParameter,
				    "The parameter Period is required.");
			goto out;
		}
		json_object_set_new(doc, stat ? "Statistic" : "ExtendedStatistic",
				    json_string(stat ? stat : ext));
		json_object_set_new(doc, "Period", json_integer(period));
		if (unit)
			json_object_set_new(doc, "Unit", json_string(unit));
	}
	if ((r = alarm__period(period, n, c->err)))
		goto out;
	json_object_set_new(doc, "EvaluationPeriods", json_integer(n));
	if (m)
		json_object_set_new(doc, "DatapointsToAlarm", json_integer(m));
	json_object_set_new(doc, "Threshold", json_real(threshold));
	json_object_set_new(doc, "ComparisonOperator", json_string(cmp));
	json_object_set_new(doc, "TreatMissingData", json_string(tmd));
	if (lsc)
		json_object_set_new(doc, "EvaluateLowSampleCountPercentile", json_string(lsc));
	return put_alarm__run(c, &p);
out:
	json_decref(p.a.doc);
	json_decref(p.watch);
	json_decref(p.children);
	free(p.a.arn);
	return r;
}

static int PutCompositeAlarm(struct call *c)
{
	struct put_alarm p = { 0 };
	const char *rule_text = NULL;
	struct alarm_rule *rule = NULL;
	int r = alarm__common(c, &p, "CompositeAlarm");

	if (!r)
		r = cw_str(c->in, "AlarmRule", "AlarmRule", 1, ALARM_RULE_MAX, true, &rule_text,
			   c->err);
	if (!r && json_object_get(c->in, "ActionsSuppressor"))
		r = err_set(c->err, SW_E_NotImplemented,
			    "ActionsSuppressor is not supported by Slipway.");
	if (!r && (r = alarm_rule_parse(rule_text, &rule, p.children, c->err)) == -SW_E_INVALID)
		r = cw_invalid(c->err);
	alarm_rule_free(rule);
	for (size_t i = 0; !r && i < json_array_size(p.children); i++)
		if (strcmp(json_string_value(json_array_get(p.children, i)), p.a.name) == 0)
			r = err_set(c->err, SW_E_CW_InvalidParameterValue,
				    "The alarm rule of %s must not name the alarm itself.",
				    p.a.name);
	if (r) {
		json_decref(p.a.doc);
		json_decref(p.watch);
		json_decref(p.children);
		free(p.a.arn);
		return r;
	}
	json_object_set_new(p.a.doc, "AlarmRule", json_string(rule_text));
	return put_alarm__run(c, &p);
}

/* ---- reading ---- */

/* A MetricAlarm or CompositeAlarm as DescribeAlarms returns it. */
static json_t *alarm__describe(const struct alarm_row *a)
{
	json_t *j = json_deep_copy(a->doc);

	json_object_set_new(j, "ActionsEnabled", json_boolean(a->actions_enabled));
	json_set_time(j, "AlarmConfigurationUpdatedTimestamp", a->config_updated);
	json_object_set_new(j, "StateValue", json_string(a->state));
	json_object_set_new(j, "StateReason", json_string(a->reason));
	if (a->reason_data)
		json_object_set_new(j, "StateReasonData", json_string(a->reason_data));
	json_set_time(j, "StateUpdatedTimestamp", a->state_updated);
	json_set_time(j, "StateTransitionedTimestamp", a->state_transitioned);
	return j;
}

struct describe {
	json_t *names;		/* AlarmNames or NULL */
	const char *prefix;	/* AlarmNamePrefix */
	const char *state;	/* StateValue */
	const char *action;	/* ActionPrefix */
	bool metric, composite; /* AlarmTypes */
	const char *after;	/* the decoded NextToken */
	size_t max, n;
	json_t *metrics, *composites;
	char *next;
	char last[ALARM_NAME_MAX + 1];
};

static bool describe__action(const struct alarm_row *a, const char *prefix)
{
	static const char *const keys[] = { "OKActions", "AlarmActions",
					    "InsufficientDataActions" };

	for (int k = 0; k < 3; k++) {
		const json_t *v;
		size_t i;

		json_array_foreach(json_object_get(a->doc, keys[k]), i, v)
		{
			if (str_starts(json_string_value(v), prefix))
				return true;
		}
	}
	return false;
}

static int describe__one(void *arg, const struct alarm_row *a)
{
	struct describe *d = arg;
	bool composite = strcmp(a->type, "CompositeAlarm") == 0;

	if (d->after && strcmp(a->name, d->after) <= 0)
		return 0;
	if ((composite && !d->composite) || (!composite && !d->metric))
		return 0;
	if (d->prefix && !str_starts(a->name, d->prefix))
		return 0;
	if (d->state && strcmp(a->state, d->state) != 0)
		return 0;
	if (d->action && !describe__action(a, d->action))
		return 0;
	if (d->names) {
		size_t i;

		for (i = 0; i < json_array_size(d->names); i++)
			if (str_eq(json_string_value(json_array_get(d->names, i)), a->name))
				break;
		if (i == json_array_size(d->names))
			return 0;
	}
	if (d->n == d->max) {
		d->next = cw_token_encode(d->last);
		return 1;
	}
	json_array_append_new(composite ? d->composites : d->metrics, alarm__describe(a));
	str_copy(d->last, sizeof(d->last), a->name);
	d->n++;
	return 0;
}

static int describe__walk(struct store_conn *c, void *arg, struct err *e)
{
	struct describe *d = arg;
	int r;

	if (d->names && !d->prefix && !d->action) {
		/* by name: one lookup each (what CodeDeploy's alarm polling does) */
		json_t *v;
		size_t i;

		json_array_foreach(d->names, i, v)
		{
			struct alarm_row a;

			r = alarm_get(c, json_string_value(v), &a, e);
			if (r < 0)
				return r;
			if (r > 0) {
				r = describe__one(d, &a);
				alarm_row_release(&a);
				if (r)
					break;
			}
		}
		return 0;
	}
	r = alarms_each(c, describe__one, d, e);
	return r == 1 ? 0 : r;
}

/* ChildrenOfAlarmName / ParentsOfAlarmName: the trimmed items AWS returns. */
static int describe__family(struct store_conn *c, void *arg, struct err *e)
{
	struct describe *d = arg;
	json_t *names = json_array(), *v;
	size_t i;
	bool parents = d->prefix != NULL; /* prefix carries the relation here */
	int r =
	    parents ? alarm_parents(c, d->after, names, e) : alarm_children(c, d->after, names, e);

	json_array_foreach(names, i, v)
	{
		struct alarm_row a;
		json_t *it;

		if (r < 0 || (r = alarm_get(c, json_string_value(v), &a, e)) < 0)
			break;
		if (r == 0)
			continue;
		it = json_pack("{s:s,s:s}", "AlarmName", a.name, "AlarmArn", a.arn);
		if (!parents) {
			json_object_set_new(it, "StateValue", json_string(a.state));
			json_set_time(it, "StateUpdatedTimestamp", a.state_updated);
		}
		json_array_append_new(
		    strcmp(a.type, "CompositeAlarm") == 0 ? d->composites : d->metrics, it);
		alarm_row_release(&a);
		r = 0;
	}
	json_decref(names);
	return r < 0 ? r : 0;
}

static int DescribeAlarms(struct call *c)
{
	struct describe d = { .max = DESCRIBE_DEFAULT, .metric = true };
	json_t *types = NULL, *v;
	const char *token = NULL, *children = NULL, *parents = NULL;
	char *after = NULL;
	int64_t max = DESCRIBE_DEFAULT;
	size_t i;
	int r;

	if ((r = json_opt_arr(c->in, "AlarmNames", &d.names, c->err)) ||
	    (r = json_opt_str(c->in, "AlarmNamePrefix", &d.prefix, c->err)) ||
	    (r = json_opt_str(c->in, "StateValue", &d.state, c->err)) ||
	    (r = json_opt_str(c->in, "ActionPrefix", &d.action, c->err)) ||
	    (r = json_opt_arr(c->in, "AlarmTypes", &types, c->err)) ||
	    (r = json_opt_str(c->in, "NextToken", &token, c->err)) ||
	    (r = json_opt_int(c->in, "MaxRecords", &max, c->err)) ||
	    (r = json_opt_str(c->in, "ChildrenOfAlarmName", &children, c->err)) ||
	    (r = json_opt_str(c->in, "ParentsOfAlarmName", &parents, c->err)))
		return r;
	if (d.names && d.prefix)
		return err_set(c->err, SW_E_CW_InvalidParameterCombination,
			       "The parameters AlarmNames and AlarmNamePrefix are mutually "
			       "exclusive.");
	if (d.names && json_array_size(d.names) > ALARM_NAMES_MAX)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The collection AlarmNames must not have more than %d members.",
			       ALARM_NAMES_MAX);
	if (d.state && alarm_state_parse(d.state) == ALARM_STATE_NONE)
		return err_set(
		    c->err, SW_E_CW_InvalidParameterValue,
		    "1 validation error detected: Value '%s' at 'stateValue' failed to "
		    "satisfy constraint: Member must satisfy enum value set: [OK, ALARM, "
		    "INSUFFICIENT_DATA]",
		    d.state);
	if (max < 1 || max > DESCRIBE_MAX)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The parameter MaxRecords must be between 1 and %d.", DESCRIBE_MAX);
	d.max = (size_t)max;
	if (types) {
		d.metric = false;
		json_array_foreach(types, i, v)
		{
			const char *t = json_string_value(v);

			if (str_eq(t, "MetricAlarm"))
				d.metric = true;
			else if (str_eq(t, "CompositeAlarm"))
				d.composite = true;
			else
				return err_set(
				    c->err, SW_E_CW_InvalidParameterValue,
				    "The value %s for parameter AlarmTypes is not one of "
				    "MetricAlarm, CompositeAlarm.",
				    t ? t : "?");
		}
	}
	if (token && !(after = cw_token_decode(token)))
		return err_set(c->err, SW_E_CW_InvalidNextToken, "The next token is invalid.");
	d.after = after;
	d.metrics = json_array();
	d.composites = json_array();
	if (children || parents) {
		if (d.names || d.prefix || d.state || d.action || types) {
			r = err_set(c->err, SW_E_CW_InvalidParameterCombination,
				    "ChildrenOfAlarmName and ParentsOfAlarmName allow only "
				    "MaxRecords and NextToken besides.");
		} else {
			d.after = children ? children : parents;
			d.prefix = parents ? "" : NULL;
			r = store_read(c->env->store, describe__family, &d, c->err);
		}
	} else {
		r = store_read(c->env->store, describe__walk, &d, c->err);
	}
	if (!r) {
		c->out = json_pack("{s:O,s:O}", "MetricAlarms", d.metrics, "CompositeAlarms",
				   d.composites);
		if (d.next)
			json_set_str(c->out, "NextToken", d.next);
	}
	json_decref(d.metrics);
	json_decref(d.composites);
	free(d.next);
	free(after);
	return r;
}

struct for_metric {
	struct metric_key k;
	struct metric_dim dims[METRIC_DIMS_MAX];
	const char *stat, *ext, *unit;
	int64_t period;
	json_t *out;
};

static bool for_metric__dims(const struct for_metric *f, const json_t *dims)
{
	const json_t *d;
	size_t i, j;

	if (json_array_size(dims) != f->k.ndims)
		return false;
	json_array_foreach(dims, i, d)
	{
		for (j = 0; j < f->k.ndims; j++)
			if (str_eq(json_string_value(json_object_get(d, "Name")),
				   f->k.dims[j].name) &&
			    str_eq(json_string_value(json_object_get(d, "Value")),
				   f->k.dims[j].value))
				break;
		if (j == f->k.ndims)
			return false;
	}
	return true;
}

static int for_metric__one(void *arg, const struct alarm_row *a)
{
	struct for_metric *f = arg;
	const json_t *doc = a->doc;

	if (strcmp(a->type, "MetricAlarm") || json_object_get(doc, "Metrics") ||
	    !str_eq(json_string_value(json_object_get(doc, "Namespace")), f->k.ns) ||
	    !str_eq(json_string_value(json_object_get(doc, "MetricName")), f->k.name) ||
	    !for_metric__dims(f, json_object_get(doc, "Dimensions")))
		return 0;
	if ((f->stat && !str_eq(json_string_value(json_object_get(doc, "Statistic")), f->stat)) ||
	    (f->ext &&
	     !str_eq(json_string_value(json_object_get(doc, "ExtendedStatistic")), f->ext)) ||
	    (f->unit && !str_eq(json_string_value(json_object_get(doc, "Unit")), f->unit)) ||
	    (f->period && json_integer_value(json_object_get(doc, "Period")) != f->period))
		return 0;
	json_array_append_new(f->out, alarm__describe(a));
	return 0;
}

static int for_metric__walk(struct store_conn *c, void *arg, struct err *e)
{
	return alarms_each(c, for_metric__one, arg, e);
}

static int DescribeAlarmsForMetric(struct call *c)
{
	struct for_metric f = { .out = json_array() };
	int r;

	if ((r = cw_metric_key(c->in, "", &f.k, f.dims, c->err)) ||
	    (r = json_opt_str(c->in, "Statistic", &f.stat, c->err)) ||
	    (r = json_opt_str(c->in, "ExtendedStatistic", &f.ext, c->err)) ||
	    (r = cw_unit(c->in, "Unit", "Unit", &f.unit, c->err)) ||
	    (r = json_opt_int(c->in, "Period", &f.period, c->err)) ||
	    (r = store_read(c->env->store, for_metric__walk, &f, c->err))) {
		json_decref(f.out);
		return r;
	}
	c->out = json_pack("{s:o}", "MetricAlarms", f.out);
	return 0;
}

/* ---- changing ---- */

struct names_op {
	json_t *names;
	bool enable;
	json_t *missing;
};

static int alarm__names(struct call *c, json_t **names)
{
	json_t *v;
	size_t i;
	int r = json_opt_arr(c->in, "AlarmNames", names, c->err);

	if (r)
		return r;
	if (!*names)
		return err_set(c->err, SW_E_CW_MissingParameter,
			       "The parameter AlarmNames is required.");
	if (json_array_size(*names) > ALARM_NAMES_MAX)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The collection AlarmNames must not have more than %d members.",
			       ALARM_NAMES_MAX);
	json_array_foreach(*names, i, v)
	{
		if (!json_is_string(v))
			return err_set(c->err, SW_E_Serialization, "AlarmNames must hold strings");
	}
	return 0;
}

static int delete__store(struct store_conn *c, void *arg, struct err *e)
{
	struct names_op *o = arg;
	const json_t *v;
	size_t i;
	int r;

	json_array_foreach(o->names, i, v)
	{
		const char *name = json_string_value(v);
		json_t *parents = json_array();
		struct alarm_row a;
		char summary[300];

		r = alarm_parents(c, name, parents, e);
		if (!r && json_array_size(parents))
			r = err_set(e, SW_E_CW_InvalidParameterValue,
				    "The alarm %s cannot be deleted: the composite alarm %s names "
				    "it in its rule.",
				    name, json_string_value(json_array_get(parents, 0)));
		json_decref(parents);
		if (r < 0)
			return r;
		if ((r = alarm_get(c, name, &a, e)) < 0)
			return r;
		if (r == 0)
			return err_set(e, SW_E_CW_ResourceNotFound, "The alarm %s does not exist.",
				       name);
		if ((r = model_tags_drop(c, a.arn, e)) < 0 || (r = alarm_delete(c, name, e)) < 0) {
			alarm_row_release(&a);
			return r;
		}
		str_fmt(summary, sizeof(summary), "Alarm \"%.200s\" deleted", name);
		r = alarm_history_add(c, name, a.type, time_now_ms(), "ConfigurationUpdate",
				      summary, "{\"version\":\"1.0\",\"type\":\"Delete\"}", e);
		alarm_row_release(&a);
		if (r)
			return r;
	}
	return 0;
}

static int DeleteAlarms(struct call *c)
{
	struct names_op o = { 0 };
	int r = alarm__names(c, &o.names);

	return r ? r : store_write(c->env->store, delete__store, &o, c->err);
}

static int actions__store(struct store_conn *c, void *arg, struct err *e)
{
	struct names_op *o = arg;
	const json_t *v;
	size_t i;

	json_array_foreach(o->names, i, v)
	{
		int r = alarm_set_actions(c, json_string_value(v), o->enable, e);

		if (r)
			return r;
	}
	return 0;
}

static int alarm__set_actions(struct call *c, bool enable)
{
	struct names_op o = { .enable = enable };
	int r = alarm__names(c, &o.names);

	return r ? r : store_write(c->env->store, actions__store, &o, c->err);
}

static int EnableAlarmActions(struct call *c)
{
	return alarm__set_actions(c, true);
}

static int DisableAlarmActions(struct call *c)
{
	return alarm__set_actions(c, false);
}

struct set_state {
	const char *name, *state, *reason, *data;
};

static int set_state__store(struct store_conn *c, void *arg, struct err *e)
{
	struct set_state *s = arg;
	struct alarm_row a;
	int r = alarm_get(c, s->name, &a, e);

	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_CW_ResourceNotFound, "Alarm %s not found", s->name);
	r = alarm_transition(c, &a, s->state, s->reason, s->data, time_now_ms(), e);
	alarm_row_release(&a);
	return r < 0 ? r : 0;
}

static int SetAlarmState(struct call *c)
{
	struct set_state s = { 0 };
	json_t *parsed;
	int r;

	if ((r = cw_str(c->in, "AlarmName", "AlarmName", 1, ALARM_NAME_MAX, true, &s.name,
			c->err)) ||
	    (r = cw_str(c->in, "StateValue", "StateValue", 1, 32, true, &s.state, c->err)) ||
	    (r = json_opt_str(c->in, "StateReason", &s.reason, c->err)) ||
	    (r = json_opt_str(c->in, "StateReasonData", &s.data, c->err)))
		return r;
	if (!s.reason)
		return err_set(c->err, SW_E_CW_MissingParameter,
			       "The parameter StateReason is required.");
	if (strlen(s.reason) > 1023)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The parameter StateReason must be at most 1023 characters long.");
	if (alarm_state_parse(s.state) == ALARM_STATE_NONE)
		return err_set(
		    c->err, SW_E_CW_InvalidParameterValue,
		    "1 validation error detected: Value '%s' at 'stateValue' failed to "
		    "satisfy constraint: Member must satisfy enum value set: [OK, ALARM, "
		    "INSUFFICIENT_DATA]",
		    s.state);
	if (s.data) {
		if (strlen(s.data) > 4000 || !(parsed = json_loads(s.data, 0, NULL)))
			return err_set(c->err, SW_E_CW_InvalidFormat,
				       "StateReasonData must be valid JSON of at most 4000 "
				       "characters.");
		json_decref(parsed);
	}
	r = store_write(c->env->store, set_state__store, &s, c->err);
	if (!r)
		engine_wake(c->env->engine); /* composites and deployments look again */
	return r;
}

struct history {
	const char *alarm, *item_type, *type;
	int64_t start, end, after;
	bool asc;
	size_t max;
	json_t *items;
};

static int history__read(struct store_conn *c, void *arg, struct err *e)
{
	struct history *h = arg;

	return alarm_history_list(c, h->alarm, h->item_type, h->type, h->start, h->end, h->asc,
				  &h->after, h->max, h->items, e);
}

static int DescribeAlarmHistory(struct call *c)
{
	struct history h = { .end = INT64_MAX, .max = 100 };
	const char *scan = "TimestampDescending", *token = NULL;
	json_t *types = NULL;
	int64_t max = 100;
	bool metric = true, composite = false;
	int r;

	if ((r = json_opt_str(c->in, "AlarmName", &h.alarm, c->err)) ||
	    (r = json_opt_str(c->in, "HistoryItemType", &h.item_type, c->err)) ||
	    (r = json_opt_arr(c->in, "AlarmTypes", &types, c->err)) ||
	    (r = json_opt_str(c->in, "ScanBy", &scan, c->err)) ||
	    (r = json_opt_str(c->in, "NextToken", &token, c->err)) ||
	    (r = json_opt_int(c->in, "MaxRecords", &max, c->err)))
		return r;
	if ((r = cw_time(c->in, "StartDate", false, &h.start, c->err)) < 0 ||
	    (r = cw_time(c->in, "EndDate", false, &h.end, c->err)) < 0)
		return r;
	if (max < 1 || max > 100)
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The parameter MaxRecords must be between 1 and 100.");
	h.max = (size_t)max;
	if (h.item_type && strcmp(h.item_type, "ConfigurationUpdate") &&
	    strcmp(h.item_type, "StateUpdate") && strcmp(h.item_type, "Action"))
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The value %s for parameter HistoryItemType is not one of "
			       "ConfigurationUpdate, StateUpdate, Action.",
			       h.item_type);
	if (strcmp(scan, "TimestampDescending") && strcmp(scan, "TimestampAscending"))
		return err_set(c->err, SW_E_CW_InvalidParameterValue,
			       "The value %s for parameter ScanBy is not valid.", scan);
	h.asc = strcmp(scan, "TimestampAscending") == 0;
	if (types) {
		json_t *v;
		size_t i;

		metric = false;
		json_array_foreach(types, i, v)
		{
			metric |= str_eq(json_string_value(v), "MetricAlarm");
			composite |= str_eq(json_string_value(v), "CompositeAlarm");
		}
	}
	/* omitted AlarmTypes means metric alarms, unless the alarm is named */
	h.type = h.alarm && !types     ? NULL
		 : metric && composite ? NULL
		 : metric	       ? "MetricAlarm"
				       : "CompositeAlarm";
	if (token && (token[0] != 'h' || str_to_i64(token + 1, 1, INT64_MAX, &h.after)))
		return err_set(c->err, SW_E_CW_InvalidNextToken, "The next token is invalid.");
	h.items = json_array();
	r = store_read(c->env->store, history__read, &h, c->err);
	if (r) {
		json_decref(h.items);
		return r;
	}
	c->out = json_pack("{s:o}", "AlarmHistoryItems", h.items);
	if (h.after) {
		char t[32];

		str_fmt(t, sizeof(t), "h%lld", (long long)h.after);
		json_set_str(c->out, "NextToken", t);
	}
	return 0;
}

/* ---- tags ---- */

struct tag_op {
	const char *arn;
	json_t *tags, *keys, *out;
};

static int tag__exists(struct store_conn *c, const char *arn, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT 1 FROM alarms WHERE arn = ?", "t", e, arn);

	if (r < 0)
		return r;
	return r ? 0
		 : err_set(e, SW_E_CW_ResourceNotFoundException, "The resource %s does not exist.",
			   arn);
}

static int tag__store(struct store_conn *c, void *arg, struct err *e)
{
	struct tag_op *t = arg;
	int r = tag__exists(c, t->arn, e);

	if (r)
		return r;
	return t->tags ? model_tags_put(c, t->arn, t->tags, e)
		       : model_tags_remove(c, t->arn, t->keys, e);
}

static int tag__list(struct store_conn *c, void *arg, struct err *e)
{
	struct tag_op *t = arg;
	int r = tag__exists(c, t->arn, e);

	return r ? r : model_tags_list(c, t->arn, t->out, e);
}

static int TagResource(struct call *c)
{
	struct tag_op t = { 0 };
	int r;

	if ((r = cw_str(c->in, "ResourceARN", "ResourceARN", 1, 1024, true, &t.arn, c->err)) ||
	    (r = alarm__tags(c->in, &t.tags, c->err)))
		return r;
	if (!t.tags)
		return err_set(c->err, SW_E_CW_MissingParameter, "The parameter Tags is required.");
	return store_write(c->env->store, tag__store, &t, c->err);
}

static int UntagResource(struct call *c)
{
	struct tag_op t = { 0 };
	int r;

	if ((r = cw_str(c->in, "ResourceARN", "ResourceARN", 1, 1024, true, &t.arn, c->err)) ||
	    (r = json_opt_arr(c->in, "TagKeys", &t.keys, c->err)))
		return r;
	if (!t.keys)
		return err_set(c->err, SW_E_CW_MissingParameter,
			       "The parameter TagKeys is required.");
	return store_write(c->env->store, tag__store, &t, c->err);
}

static int ListTagsForResource(struct call *c)
{
	struct tag_op t = { .out = json_array() };
	int r = cw_str(c->in, "ResourceARN", "ResourceARN", 1, 1024, true, &t.arn, c->err);

	if (!r)
		r = store_read(c->env->store, tag__list, &t, c->err);
	if (r) {
		json_decref(t.out);
		return r;
	}
	c->out = json_pack("{s:o}", "Tags", t.out);
	return 0;
}

const struct json_op monitoring_alarm_ops[] = {
	{ "PutMetricAlarm", PutMetricAlarm, 0 },
	{ "PutCompositeAlarm", PutCompositeAlarm, 0 },
	{ "DescribeAlarms", DescribeAlarms, 0 },
	{ "DescribeAlarmsForMetric", DescribeAlarmsForMetric, 0 },
	{ "DeleteAlarms", DeleteAlarms, 0 },
	{ "SetAlarmState", SetAlarmState, 0 },
	{ "DescribeAlarmHistory", DescribeAlarmHistory, 0 },
	{ "EnableAlarmActions", EnableAlarmActions, 0 },
	{ "DisableAlarmActions", DisableAlarmActions, 0 },
	{ "TagResource", TagResource, 0 },
	{ "UntagResource", UntagResource, 0 },
	{ "ListTagsForResource", ListTagsForResource, 0 },
	{ NULL, NULL, 0 },
};
