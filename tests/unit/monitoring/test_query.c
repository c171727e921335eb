/* test_query: CloudWatch's query codec — form fields into the JSON 1.0 object (lists, dotted
 * structures, maps, empty lists, typed scalars, timestamps), replies into <OpResponse> XML,
 * and the form parser's limits. */
#include "services/monitoring/query.h"
#include "services/monitoring/monitoring.h"
#include "contract/query_form.h"
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Decodes the form body for op into JSON; returns the error code (0 on success). */
static int decode(const char *op, const char *body, json_t **out, struct err *e)
{
	const struct monitoring_op_shapes *s = monitoring_op_shapes(op);
	struct query_form f;
	int r;

	assert_non_null(s);
	err_clear(e);
	query_form_init(&f, MONITORING_QUERY_MAX_PARAMS);
	r = query_form_parse(&f, body, strlen(body), e);
	if (!r)
		r = monitoring_query_decode(s->input, f.params.v, f.params.n, out, e);
	query_form_release(&f);
	return r;
}

static void assert_decodes(const char *op, const char *body, const char *want_json)
{
	json_t *got = NULL, *want = json_loads(want_json, 0, NULL);
	struct err e;
	char *g;

	assert_non_null(want);
	if (decode(op, body, &got, &e))
		fail_msg("%s: %s", body, err_message(&e));
	if (!json_equal(got, want)) {
		g = json_dumps(got, JSON_SORT_KEYS);
		fail_msg("%s\n got %s\nwant %s", body, g, want_json);
	}
	json_decref(got);
	json_decref(want);
}

static void assert_refused(const char *op, const char *body, const char *in_message)
{
	json_t *got = NULL;
	struct err e;
	int r = decode(op, body, &got, &e);

	assert_int_equal(r, -SW_E_CW_InvalidParameterValue);
	assert_null(got);
	if (!strstr(err_message(&e), in_message))
		fail_msg("%s: message '%s' lacks '%s'", body, err_message(&e), in_message);
}

static void test_put_metric_data(void **state)
{
	(void)state;
	/* the request of reference/cloudwatch.md §1.5, as botocore sends it */
	assert_decodes(
	    "PutMetricData",
	    "Action=PutMetricData&Version=2010-08-01&Namespace=App&MetricData.member.1."
	    "MetricName=Errors&MetricData.member.1.Dimensions.member.1.Name=FunctionName&"
	    "MetricData.member.1.Dimensions.member.1.Value=f&MetricData.member.1.Timestamp="
	    "2026-02-12T10%3A00%3A00Z&MetricData.member.1.Value=5.0&MetricData.member.1.Unit=Count",
	    "{\"Namespace\":\"App\",\"MetricData\":[{\"MetricName\":\"Errors\",\"Dimensions\":"
	    "[{\"Name\":\"FunctionName\",\"Value\":\"f\"}],\"Timestamp\":1770890400,\"Value\":5.0,"
	    "\"Unit\":\"Count\"}]}");
	/* members in any order, lists in index order; integers, doubles, fractions, a map */
	assert_decodes(
	    "PutMetricData",
	    "MetricData.member.2.MetricName=b&MetricData.member.1.MetricName=a&"
	    "MetricData.member.1.Values.member.2=2&MetricData.member.1.Values.member.1=1.5&"
	    "MetricData.member.1.StorageResolution=1&MetricData.member.2.Timestamp="
	    "2026-02-12T10:00:00.500000Z&StrictEntityValidation=true&"
	    "EntityMetricData.member.1.Entity.KeyAttributes.entry.1.key=Type&"
	    "EntityMetricData.member.1.Entity.KeyAttributes.entry.1.value=Service&"
	    "EntityMetricData.member.1.Entity.KeyAttributes.entry.2.value=svc&"
	    "EntityMetricData.member.1.Entity.KeyAttributes.entry.2.key=Name",
	    "{\"MetricData\":[{\"MetricName\":\"a\",\"Values\":[1.5,2.0],"
	    "\"StorageResolution\":1},{\"MetricName\":\"b\",\"Timestamp\":1770890400.5}],"
	    "\"StrictEntityValidation\":true,\"EntityMetricData\":[{\"Entity\":"
	    "{\"KeyAttributes\":{\"Type\":\"Service\",\"Name\":\"svc\"}}}]}");
}

static void test_alarm_lists_and_structures(void **state)
{
	(void)state;
	/* `AlarmActions=` is the empty list, which clears the alarm's actions */
	assert_decodes("PutMetricAlarm",
		       "Action=PutMetricAlarm&AlarmName=a&AlarmActions=&ActionsEnabled=false&"
		       "Threshold=1&EvaluationPeriods=3&Metrics.member.1.Id=m1&"
		       "Metrics.member.1.MetricStat.Metric.Dimensions.member.1.Name=n&"
		       "Metrics.member.1.MetricStat.Period=60&Metrics.member.1.ReturnData=true&"
		       "Unknown.Member=ignored&X-Amz-Date=20260212T100000Z",
		       "{\"AlarmName\":\"a\",\"AlarmActions\":[],\"ActionsEnabled\":false,"
		       "\"Threshold\":1.0,\"EvaluationPeriods\":3,\"Metrics\":[{\"Id\":\"m1\","
		       "\"MetricStat\":{\"Metric\":{\"Dimensions\":[{\"Name\":\"n\"}]},"
		       "\"Period\":60},\"ReturnData\":true}]}");
	assert_decodes("DescribeAlarms", "AlarmNames.member.1=x+y&AlarmNames.member.2=%26",
		       "{\"AlarmNames\":[\"x y\",\"&\"]}");
	assert_decodes("DescribeAlarms", "Action=DescribeAlarms&Version=2010-08-01", "{}");
}

static void test_refusals(void **state)
{
	(void)state;
	assert_refused("PutMetricData", "MetricData.member.1.Value=NaN",
		       "The value NaN for parameter MetricData.member.1.Value is invalid.");
	assert_refused("PutMetricData", "MetricData.member.1.Value=inf", "inf");
	assert_refused("PutMetricData", "MetricData.member.1.Value=1e999", "1e999");
	assert_refused("PutMetricData", "MetricData.member.1.Value=", "Value");
	assert_refused("PutMetricData", "MetricData.member.1.StorageResolution=1.5", "1.5");
	assert_refused("PutMetricData", "StrictEntityValidation=yes", "yes");
	assert_refused("PutMetricData", "MetricData.member.1.Timestamp=yesterday", "yesterday");
	assert_refused("PutMetricData", "MetricData.member.0.MetricName=a", "MetricData.member.0");
	assert_refused("PutMetricData", "MetricData.member.01.MetricName=a", "Name.member.N");
	assert_refused("PutMetricData", "MetricData.1.MetricName=a", "Name.member.N");
	assert_refused("PutMetricData", "MetricData.member.1000001.MetricName=a", "member.N");
	assert_refused("PutMetricData", "MetricData=x", "needs a member");
	assert_refused("PutMetricData", "Namespace.member.1=a", "has none");
	assert_refused("PutMetricData", "Namespace=a&Namespace=b", "twice");
	assert_refused("PutMetricData",
		       "EntityMetricData.member.1.Entity.KeyAttributes.entry.1.key=k", "no value");
	assert_refused("PutMetricData",
		       "EntityMetricData.member.1.Entity.KeyAttributes.entry.1.x=k", "map entry");
	assert_refused("DescribeAlarms", "AlarmNamePrefix=%ff", "UTF-8");
}

static void test_iso8601(void **state)
{
	double t;

	(void)state;
	assert_int_equal(monitoring_iso8601_parse("2026-02-12T10:00:00Z", &t), 0);
	assert_true(t == 1770890400.0);
	assert_int_equal(monitoring_iso8601_parse("2026-02-12T10:00:00.123Z", &t), 0);
	assert_true(t > 1770890400.122 && t < 1770890400.124);
	assert_int_equal(monitoring_iso8601_parse("2026-02-12T12:00:00+02:00", &t), 0);
	assert_true(t == 1770890400.0);
	assert_int_equal(monitoring_iso8601_parse("2026-02-12T09:30:00-0030", &t), 0);
	assert_true(t == 1770890400.0);
	assert_int_equal(monitoring_iso8601_parse("2026-02-12T10:00:00", &t), 0);
	assert_true(t == 1770890400.0);
	assert_int_equal(monitoring_iso8601_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_true(t == 0.0);
	assert_int_not_equal(monitoring_iso8601_parse("2026-02-12", &t), 0);
	assert_int_not_equal(monitoring_iso8601_parse("2026-13-12T10:00:00Z", &t), 0);
	assert_int_not_equal(monitoring_iso8601_parse("2026-02-12T10:00:00.Z", &t), 0);
	assert_int_not_equal(monitoring_iso8601_parse("2026-02-12T10:00:00Zjunk", &t), 0);
}

static char *encode(const char *op, const char *reply_json)
{
	json_t *reply = reply_json ? json_loads(reply_json, 0, NULL) : NULL;
	struct buf xml = BUF_INIT(1 << 20);

	assert_true(!reply_json || reply);
	assert_int_equal(monitoring_query_encode(monitoring_op_shapes(op), reply, "r1", &xml), 0);
	json_decref(reply);
	return buf_detach(&xml);
}

static void test_encode(void **state)
{
	char *x;

	(void)state;
	x = encode("DescribeAlarms",
		   "{\"MetricAlarms\":[{\"AlarmName\":\"a<&>\",\"StateValue\":\"ALARM\","
		   "\"StateUpdatedTimestamp\":1770890460.123,\"ActionsEnabled\":true,"
		   "\"AlarmActions\":[\"arn:t\"],\"EvaluationPeriods\":1,\"Threshold\":1,"
		   "\"Dimensions\":[{\"Name\":\"n\",\"Value\":\"v\"}],\"NotInModel\":1}],"
		   "\"CompositeAlarms\":[]}");
	assert_string_equal(
	    x,
	    "<DescribeAlarmsResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">\n"
	    "  <DescribeAlarmsResult><CompositeAlarms></CompositeAlarms><MetricAlarms><member>"
	    "<AlarmName>a&lt;&amp;&gt;</AlarmName><ActionsEnabled>true</ActionsEnabled>"
	    "<AlarmActions><member>arn:t</member></AlarmActions><StateValue>ALARM</StateValue>"
	    "<StateUpdatedTimestamp>2026-02-12T10:01:00.123Z</StateUpdatedTimestamp>"
	    "<Dimensions><member><Name>n</Name><Value>v</Value></member></Dimensions>"
	    "<EvaluationPeriods>1</EvaluationPeriods><Threshold>1.0</Threshold></member>"
	    "</MetricAlarms></DescribeAlarmsResult>\n"
	    "  <ResponseMetadata>\n    <RequestId>r1</RequestId>\n  </ResponseMetadata>\n"
	    "</DescribeAlarmsResponse>\n");
	free(x);
	/* no output shape: no Result element, but the root and the metadata */
	x = encode("PutMetricData", NULL);
	assert_string_equal(
	    x, "<PutMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">\n"
	       "  <ResponseMetadata>\n    <RequestId>r1</RequestId>\n  </ResponseMetadata>\n"
	       "</PutMetricDataResponse>\n");
	free(x);
	x = encode("GetMetricStatistics",
		   "{\"Label\":\"E\",\"Datapoints\":[{\"Timestamp\":1770890400,\"Sum\":0.1,"
		   "\"Maximum\":1e300,\"Minimum\":-2.5,\"ExtendedStatistics\":{\"p99\":7},"
		   "\"Unit\":\"Count\"}]}");
	assert_non_null(strstr(x, "<Label>E</Label><Datapoints><member>"
				  "<Timestamp>2026-02-12T10:00:00.000Z</Timestamp><Sum>0.1</Sum>"
				  "<Minimum>-2.5</Minimum><Maximum>1e+300</Maximum>"
				  "<Unit>Count</Unit><ExtendedStatistics><entry><key>p99</key>"
				  "<value>7.0</value></entry></ExtendedStatistics></member>"));
	free(x);
	/* an empty output structure still has its Result element */
	x = encode("TagResource", NULL);
	assert_non_null(strstr(x, "<TagResourceResult></TagResourceResult>"));
	free(x);
	x = encode("DescribeAlarmHistory",
		   "{\"AlarmHistoryItems\":[{\"HistoryData\":\"a\\r\\u0001b\\n\\\"\"}]}");
	assert_non_null(strstr(x, "<HistoryData>a&#13;\xef\xbf\xbd"
				  "b\n&quot;</HistoryData>"));
	free(x);
}

static void test_form_limits(void **state)
{
	struct buf body = BUF_INIT(8u << 20);
	struct query_form f;
	struct err e;

	(void)state;
	for (int i = 1; i <= 30000; i++)
		assert_int_equal(buf_addf(&body, "MetricData.member.%d.Value=%d&", i % 1000 + 1, i),
				 0);
	/* IAM's maximum stays 256 fields */
	query_form_init(&f, QUERY_MAX_PARAMS);
	err_clear(&e);
	assert_int_equal(query_form_parse(&f, buf_str(&body), body.len, &e), -SW_E_INVALID);
	assert_non_null(strstr(err_message(&e), "too many parameters (at most 256)"));
	query_form_release(&f);
	/* CloudWatch's takes PutMetricData's tens of thousands */
	query_form_init(&f, MONITORING_QUERY_MAX_PARAMS);
	assert_int_equal(query_form_parse(&f, buf_str(&body), body.len, &e), 0);
	assert_int_equal(f.params.n, 30000);
	assert_string_equal(f.params.v[29999].value, "30000");
	query_form_release(&f);
	/* and has a maximum of its own */
	for (int i = 0; i < MONITORING_QUERY_MAX_PARAMS; i++)
		assert_int_equal(buf_adds(&body, "a=1&"), 0);
	query_form_init(&f, MONITORING_QUERY_MAX_PARAMS);
	assert_int_equal(query_form_parse(&f, buf_str(&body), body.len, &e), -SW_E_INVALID);
	query_form_release(&f);
	buf_release(&body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_metric_data),
		cmocka_unit_test(test_alarm_lists_and_structures),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_form_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
