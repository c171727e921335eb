/* alarm: `slipway alarm list|show|history|set-state` — CloudWatch alarms (JSON 1.0), metric
 * and composite alike: their states and reasons, one alarm's configuration for people, its
 * history, and setting a state by hand.  Also the alarm reads `deploy watch` shows. */
#include "cli_int.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

#define ALARM_PAGE 100 /* DescribeAlarms' and DescribeAlarmHistory's MaxRecords limit */

int cli_alarm_list(struct cli_args *a);
int cli_alarm_show(struct cli_args *a);
int cli_alarm_history(struct cli_args *a);
int cli_alarm_set_state(struct cli_args *a);

static const char *alarm__str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static bool alarm__composite(const json_t *alarm)
{
	return json_object_get(alarm, "AlarmRule") != NULL;
}

static int alarm__by_name(const void *x, const void *y)
{
	return strcmp(alarm__str(*(json_t *const *)x, "AlarmName"),
		      alarm__str(*(json_t *const *)y, "AlarmName"));
}

int cli_alarms_describe(struct cli_args *a, json_t *req, json_t **alarms)
{
	char token[2048] = "";

	*alarms = json_array();
	json_object_set_new(req, "AlarmTypes", json_pack("[s,s]", "MetricAlarm", "CompositeAlarm"));
	if (!json_object_get(req, "AlarmNames"))
		json_object_set_new(req, "MaxRecords", json_integer(ALARM_PAGE));
	for (;;) {
		json_t *page, *one = json_deep_copy(req);
		const char *next;

		if (token[0])
			json_object_set_new(one, "NextToken", json_string(token));
		if (cli_json(a, &cli_cloudwatch, "DescribeAlarms", one, &page)) {
			json_decref(req);
			json_decref(*alarms);
			*alarms = NULL;
			return -1;
		}
		json_array_extend(*alarms, json_object_get(page, "MetricAlarms"));
		json_array_extend(*alarms, json_object_get(page, "CompositeAlarms"));
		next = json_string_value(json_object_get(page, "NextToken"));
		if (!next || !next[0] || str_copy(token, sizeof(token), next)) {
			json_decref(page);
			break;
		}
		json_decref(page);
	}
	json_decref(req);
	cli_array_sort(*alarms, alarm__by_name);
	return 0;
}

/* When the state last changed (StateTransitionedTimestamp, else StateUpdatedTimestamp). */
static const json_t *alarm__since(const json_t *alarm)
{
	const json_t *t = json_object_get(alarm, "StateTransitionedTimestamp");

	return t ? t : json_object_get(alarm, "StateUpdatedTimestamp");
}

int cli_alarm_list(struct cli_args *a)
{
	const char *state = cli_opt(a, "state"), *prefix = cli_opt(a, "prefix");
	json_t *req = json_object(), *alarms, *al;
	struct cli_table t;
	size_t i;

	if (state)
		json_object_set_new(req, "StateValue", json_string(state));
	if (prefix)
		json_object_set_new(req, "AlarmNamePrefix", json_string(prefix));
	if (cli_alarms_describe(a, req, &alarms))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(alarms);
		json_decref(alarms);
		return CLI_OK;
	}
	cli_table_init(&t, 5, "NAME", "TYPE", "STATE", "SINCE", "REASON");
	t.status_col = 2;
	json_array_foreach(alarms, i, al)
	{
		char when[64];

		cli_table_row(
		    &t, alarm__str(al, "AlarmName"), alarm__composite(al) ? "composite" : "metric",
		    alarm__str(al, "StateValue"), cli_when(a, alarm__since(al), when, sizeof(when)),
		    alarm__str(al, "StateReason"));
	}
	cli_table_print(a, &t);
	cli_table_release(&t);
	json_decref(alarms);
	return CLI_OK;
}

/* The comparison as people write it. */
static const char *alarm__operator(const char *op)
{
	static const char *const ops[][2] = {
		{ "GreaterThanOrEqualToThreshold", ">=" },
		{ "GreaterThanThreshold", ">" },
		{ "LessThanThreshold", "<" },
		{ "LessThanOrEqualToThreshold", "<=" },
		{ "LessThanLowerOrGreaterThanUpperThreshold", "outside the band" },
		{ "LessThanLowerThreshold", "below the band" },
		{ "GreaterThanUpperThreshold", "above the band" },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(op, ops[i][0]) == 0)
			return ops[i][1];
	return op;
}

/* A period in seconds the way CloudWatch's console writes it: "10s", "1m", "5m", "1h". */
static const char *alarm__period(json_int_t secs, char *out, size_t size)
{
	if (secs && secs % 3600 == 0)
		snprintf(out, size, "%lldh", (long long)(secs / 3600));
	else if (secs && secs % 60 == 0)
		snprintf(out, size, "%lldm", (long long)(secs / 60));
	else
		snprintf(out, size, "%llds", (long long)secs);
	return out;
}

/* "Namespace Name (K=V, K=V)". */
static void alarm__metric_str(const json_t *m, struct buf *out)
{
	const json_t *dims = json_object_get(m, "Dimensions"), *d;
	size_t i;

	buf_addf(out, "%s %s", alarm__str(m, "Namespace"), alarm__str(m, "MetricName"));
	if (json_array_size(dims)) {
		buf_adds(out, " (");
		json_array_foreach(dims, i, d) buf_addf(
		    out, "%s%s=%s", i ? ", " : "", alarm__str(d, "Name"), alarm__str(d, "Value"));
		buf_adds(out, ")");
	}
}

static void alarm__actions(struct cli_args *a, const char *key, const json_t *list)
{
	struct buf b = BUF_INIT(1 << 14);
	size_t i;
	json_t *v;

	if (!json_array_size(list))
		return;
	json_array_foreach(list, i, v) buf_addf(&b, "%s%s", i ? ", " : "", json_string_value(v));
	cli_kv(a, key, "%s", buf_str(&b));
	buf_release(&b);
}

/* A metric alarm's metric, statistic, condition and evaluation, for people. */
static void alarm__metric_config(struct cli_args *a, const json_t *al)
{
	const json_t *queries = json_object_get(al, "Metrics"), *q;
	const char *stat = alarm__str(al, "Statistic");
	json_int_t period = json_integer_value(json_object_get(al, "Period"));
	json_int_t n = json_integer_value(json_object_get(al, "EvaluationPeriods"));
	json_int_t m = json_integer_value(json_object_get(al, "DatapointsToAlarm"));
	const json_t *threshold = json_object_get(al, "Threshold");
	struct buf b = BUF_INIT(1 << 16);
	char num[64] = "", dur[32];
	size_t i;

	if (!stat[0])
		stat = alarm__str(al, "ExtendedStatistic");
	if (json_array_size(queries)) {
		/* metric math: one line per query, the one the alarm watches marked */
		json_array_foreach(queries, i, q)
		{
			const json_t *ms = json_object_get(q, "MetricStat");
			bool watched = !json_is_false(json_object_get(q, "ReturnData"));

			buf_reset(&b);
			buf_addf(&b, "%s%s = ", alarm__str(q, "Id"), watched ? " (alarmed)" : "");
			if (ms) {
				alarm__metric_str(json_object_get(ms, "Metric"), &b);
				buf_addf(
				    &b, " %s per %s", alarm__str(ms, "Stat"),
				    alarm__period(json_integer_value(json_object_get(ms, "Period")),
						  dur, sizeof(dur)));
				if (!period)
					period = json_integer_value(json_object_get(ms, "Period"));
			} else {
				buf_adds(&b, alarm__str(q, "Expression"));
			}
			cli_kv(a, i ? "" : "metrics", "%s", buf_str(&b));
		}
		stat = "value";
	} else {
		buf_reset(&b);
		alarm__metric_str(al, &b);
		if (json_object_get(al, "Unit"))
			buf_addf(&b, " in %s", alarm__str(al, "Unit"));
		cli_kv(a, "metric", "%s", buf_str(&b));
	}
	if (json_is_number(threshold))
		cli_number(json_number_value(threshold), num, sizeof(num));
	else
		str_copy(num, sizeof(num), alarm__str(al, "ThresholdMetricId"));
	alarm__period(period, dur, sizeof(dur));
	cli_kv(a, "condition", "%s %s %s per %s", stat,
	       alarm__operator(alarm__str(al, "ComparisonOperator")), num, dur);
	if (!m)
		m = n;
	cli_kv(a, "evaluation", "%lld of the last %lld period%s breaching goes to ALARM",
	       (long long)m, (long long)n, n == 1 ? "" : "s");
	cli_kv(a, "missing data", "%s",
	       json_object_get(al, "TreatMissingData") ? alarm__str(al, "TreatMissingData")
						       : "missing");
	buf_release(&b);
}

int cli_alarm_show(struct cli_args *a)
{
	const char *name = a->pos[0];
	json_t *alarms, *al;
	char when[64];
	bool composite;

	if (cli_alarms_describe(a, json_pack("{s:[s]}", "AlarmNames", name), &alarms))
		return cli_fail(a);
	al = json_array_get(alarms, 0);
	if (!al) {
		json_decref(alarms);
		cli_error(a, CLI_FAILED, "", "no alarm named '%s' (see `slipway alarm list`)",
			  name);
		return cli_fail(a);
	}
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(al);
		json_decref(alarms);
		return CLI_OK;
	}
	composite = alarm__composite(al);
	cli_kv_width(14);
	cli_kv(a, "name", "%s", alarm__str(al, "AlarmName"));
	cli_kv(a, "type", "%s", composite ? "composite" : "metric");
	cli_kv(a, "arn", "%s", alarm__str(al, "AlarmArn"));
	if (alarm__str(al, "AlarmDescription")[0])
		cli_kv(a, "description", "%s", alarm__str(al, "AlarmDescription"));
	cli_kv(a, "state", "%s%s%s", cli_color(a, cli_status_tone(alarm__str(al, "StateValue"))),
	       alarm__str(al, "StateValue"), cli_color_reset(a));
	cli_kv(a, "since", "%s", cli_when(a, alarm__since(al), when, sizeof(when)));
	cli_kv(a, "reason", "%s", alarm__str(al, "StateReason"));
	if (composite)
		cli_kv(a, "rule", "%s", alarm__str(al, "AlarmRule"));
	else
		alarm__metric_config(a, al);
	cli_kv(a, "actions", "%s",
	       json_is_false(json_object_get(al, "ActionsEnabled")) ? "disabled" : "enabled");
	alarm__actions(a, "on alarm", json_object_get(al, "AlarmActions"));
	alarm__actions(a, "on ok", json_object_get(al, "OKActions"));
	alarm__actions(a, "on no data", json_object_get(al, "InsufficientDataActions"));
	cli_kv(a, "updated", "%s",
	       cli_when(a, json_object_get(al, "AlarmConfigurationUpdatedTimestamp"), when,
			sizeof(when)));
	json_decref(alarms);
	return CLI_OK;
}

static int alarm__newest_first(const void *x, const void *y)
{
	double a = json_number_value(json_object_get(*(json_t *const *)x, "Timestamp"));
	double b = json_number_value(json_object_get(*(json_t *const *)y, "Timestamp"));

	return a > b ? -1 : a < b;
}

int cli_alarm_history(struct cli_args *a)
{
	json_t *items = json_array(), *it;
	struct cli_table t;
	size_t i;

	if (cli_json_pages(a, &cli_cloudwatch, "DescribeAlarmHistory",
			   json_pack("{s:s,s:[s,s],s:i}", "AlarmName", a->pos[0], "AlarmTypes",
				     "MetricAlarm", "CompositeAlarm", "MaxRecords", ALARM_PAGE),
			   "AlarmHistoryItems", items, 0)) {
		json_decref(items);
		return cli_fail(a);
	}
	cli_array_sort(items, alarm__newest_first);
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(items);
		json_decref(items);
		return CLI_OK;
	}
	cli_table_init(&t, 3, "TIME", "TYPE", "SUMMARY");
	json_array_foreach(items, i, it)
	{
		char when[64];

		cli_table_row(&t, cli_when(a, json_object_get(it, "Timestamp"), when, sizeof(when)),
			      alarm__str(it, "HistoryItemType"), alarm__str(it, "HistorySummary"));
	}
	cli_table_print(a, &t);
	cli_table_release(&t);
	json_decref(items);
	return CLI_OK;
}

int cli_alarm_set_state(struct cli_args *a)
{
	const char *name = a->pos[0], *state = a->pos[1], *reason = cli_opt(a, "reason");

	if (strcmp(state, "OK") != 0 && strcmp(state, "ALARM") != 0 &&
	    strcmp(state, "INSUFFICIENT_DATA") != 0)
		return cli_usage(a, "STATE is OK, ALARM or INSUFFICIENT_DATA (not '%s')", state);
	if (cli_json(a, &cli_cloudwatch, "SetAlarmState",
		     json_pack("{s:s,s:s,s:s}", "AlarmName", name, "StateValue", state,
			       "StateReason", reason),
		     NULL))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		json_t *j = json_pack("{s:s,s:s,s:s}", "AlarmName", name, "StateValue", state,
				      "StateReason", reason);

		cli_json_print(j);
		json_decref(j);
	} else if (a->g.output == CLI_OUT_TABLE) {
		printf("set alarm %s to %s\n", name, state);
	}
	return CLI_OK;
}
