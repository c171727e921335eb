/* test_cbor: CloudWatch's CBOR codec — requests (definite and indefinite lengths, every float
 * width, tag 1 timestamps, undefined) into the JSON 1.0 object, its refusals, replies into
 * CBOR by the output shape, and the CBOR path. */
#include "services/monitoring/cbor.h"
#include "services/monitoring/monitoring.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define B(s) (const uint8_t *)(s), sizeof(s) - 1

static void assert_decodes(const uint8_t *p, size_t n, const char *want_json)
{
	json_t *got = NULL, *want = json_loads(want_json, 0, NULL);
	struct err e;

	assert_non_null(want);
	err_clear(&e);
	if (monitoring_cbor_decode(p, n, &got, &e))
		fail_msg("%s: %s", want_json, err_message(&e));
	if (!json_equal(got, want))
		fail_msg("got %s\nwant %s", json_dumps(got, JSON_SORT_KEYS), want_json);
	json_decref(got);
	json_decref(want);
}

static void assert_refused(const uint8_t *p, size_t n, int code, const char *in_message)
{
	json_t *got = NULL;
	struct err e;

	err_clear(&e);
	assert_int_equal(monitoring_cbor_decode(p, n, &got, &e), -code);
	assert_null(got);
	if (!strstr(err_message(&e), in_message))
		fail_msg("message '%s' lacks '%s'", err_message(&e), in_message);
}

static void test_decode(void **state)
{
	(void)state;
	/* botocore's DescribeAlarms (reference/cloudwatch.md §1.2) */
	assert_decodes(B("\xa3\x6a"
			 "AlarmNames\x81\x61"
			 "a\x6a"
			 "StateValue\x65"
			 "ALARM\x6a"
			 "MaxRecords\x0a"),
		       "{\"AlarmNames\":[\"a\"],\"StateValue\":\"ALARM\",\"MaxRecords\":10}");
	assert_decodes(B(""), "{}");
	assert_decodes(B("\xa0"), "{}");
	/* indefinite map, array and strings (chunked) */
	assert_decodes(
	    B("\xbf\x7f\x62"
	      "Al\x63"
	      "arm\xff\x9f\x61x\x7f\x61y\x61z\xff\xff\x61n\x5f\x41\x01\x42\x02\x03\xff\xff"),
	    "{\"Alarm\":[\"x\",\"yz\"],\"n\":\"AQID\"}");
	/* integers, every float width, booleans, null and undefined (left out) */
	assert_decodes(B("\xa9\x61i\x38\x63\x61j\x1b\x7f\xff\xff\xff\xff\xff\xff\xff"
			 "\x61h\xf9\x3c\x00\x61s\xfa\x3f\xc0\x00\x00"
			 "\x61"
			 "d\xfb\x40\x09\x21\xfb\x54\x44\x2d\x18\x61t\xf5\x61"
			 "f\xf4\x61u\xf7"
			 "\x61z\xf6"),
		       "{\"i\":-100,\"j\":9223372036854775807,\"h\":1.0,\"s\":1.5,"
		       "\"d\":3.141592653589793,\"t\":true,\"f\":false}");
	/* timestamps: tag 1 with an integer (botocore) or a double (other SDKs) */
	assert_decodes(B("\xa2\x61"
			 "a\xc1\x1a\x69\x8d\xa4\xa0\x61"
			 "b\xc1\xfb\x41\xda\x63\x69\x28\x20"
			 "\x00\x00"),
		       "{\"a\":1770890400,\"b\":1770890400.5}");
	/* nulls inside lists stay */
	assert_decodes(B("\xa1\x61l\x82\xf6\xf7"), "{\"l\":[null,null]}");
}

static void test_refusals(void **state)
{
	uint8_t deep[64];
	json_t *got = NULL;

	(void)state;
	/* NaN and the infinities: named the query way */
	assert_refused(B("\xa1\x6aMetricData\x81\xa1\x65Value\xf9\x7c\x00"),
		       SW_E_CW_InvalidParameterValue,
		       "The value Infinity for parameter MetricData.member.1.Value is invalid.");
	assert_refused(B("\xa1\x61v\xf9\xfc\x00"), SW_E_CW_InvalidParameterValue, "-Infinity");
	assert_refused(B("\xa1\x61v\xf9\x7e\x00"), SW_E_CW_InvalidParameterValue, "NaN");
	assert_refused(B("\xa1\x61v\xfb\x7f\xf8\x00\x00\x00\x00\x00\x00"),
		       SW_E_CW_InvalidParameterValue, "NaN");
	assert_refused(B("\xa1\x61v\xc2\x41\x01"), SW_E_Serialization, "tag 2");
	assert_refused(B("\xa1\x61v\xc1\xc1\x01"), SW_E_Serialization, "tag 1");
	assert_refused(B("\xa1\x61v\xc1\x61x"), SW_E_Serialization, "timestamp");
	assert_refused(B("\xa1\x61v\xc1\xa0"), SW_E_Serialization, "timestamp");
	assert_refused(B("\xa2\x61v\x01"), SW_E_Serialization, "truncated");
	assert_refused(B("\xa1\x61v\x78\x10"), SW_E_Serialization, "truncated");
	assert_refused(B("\xa0\x00"), SW_E_Serialization, "after");
	assert_refused(B("\x80"), SW_E_Serialization, "not a map");
	assert_refused(B("\xa1\x01\x02"), SW_E_Serialization, "key");
	assert_refused(B("\xa1\x61v\x1b\x80\x00\x00\x00\x00\x00\x00\x00"), SW_E_Serialization,
		       "64-bit");
	assert_refused(B("\xa1\x61v\x3b\x80\x00\x00\x00\x00\x00\x00\x00"), SW_E_Serialization,
		       "64-bit");
	assert_refused(B("\xa1\x61v\x7f\x01\xff"), SW_E_Serialization, "non-string");
	assert_refused(B("\xa1\x61v\x7f\x41\x01\xff"), SW_E_Serialization, "another type");
	assert_refused(B("\xa1\x61v\x7f\x7f\xff\xff"), SW_E_Serialization, "non-string");
	assert_refused(B("\xa1\x61v\xff"), SW_E_Serialization, "break");
	assert_refused(B("\xbf\x61v\xff"), SW_E_Serialization, "break");
	assert_refused(B("\xa1\x61v\x61\xff"), SW_E_Serialization, "UTF-8");
	assert_refused(B("\xa1\x61v\x1c"), SW_E_Serialization, "malformed");
	/* nesting: a map holding 32 arrays is one level too deep */
	deep[0] = 0xa1;
	deep[1] = 0x61;
	deep[2] = 'v';
	memset(deep + 3, 0x81, 32);
	deep[35] = 0x01;
	assert_refused(deep, 36, SW_E_Serialization, "too deep");
	deep[3 + 31] = 0x01; /* 31 arrays: as deep as it goes */
	assert_int_equal(monitoring_cbor_decode(deep, 35, &got, NULL), 0);
	json_decref(got);
}

static void assert_encodes(const char *op, bool output, const char *reply_json, const uint8_t *want,
			   size_t n)
{
	const struct monitoring_op_shapes *s = monitoring_op_shapes(op);
	json_t *reply = reply_json ? json_loads(reply_json, 0, NULL) : NULL;
	struct buf out = BUF_INIT(1 << 20);

	assert_non_null(s);
	assert_int_equal(monitoring_cbor_encode(output ? s->output : s->input, reply, &out), 0);
	if (out.len != n || memcmp(out.p, want, n) != 0) {
		for (size_t i = 0; i < out.len; i++)
			fprintf(stderr, "%02x", (uint8_t)out.p[i]);
		fail_msg("%s: encoding differs", op);
	}
	json_decref(reply);
	buf_release(&out);
}

static void test_encode(void **state)
{
	(void)state;
	/* model order, definite lengths, tag 1 + double, a double for an integral Threshold,
	 * members the model lacks left out */
	assert_encodes(
	    "DescribeAlarms", true,
	    "{\"MetricAlarms\":[{\"StateUpdatedTimestamp\":1770890400,\"AlarmName\":\"a\","
	    "\"Threshold\":1,\"EvaluationPeriods\":2,\"ActionsEnabled\":true,"
	    "\"NotInModel\":1}],\"NextToken\":null}",
	    B("\xa1\x6cMetricAlarms\x81\xa5\x69"
	      "AlarmName\x61"
	      "a\x6e"
	      "ActionsEnabled\xf5\x75StateUpdatedTimestamp\xc1\xfb\x41\xda\x63\x69\x28"
	      "\x00\x00\x00\x71"
	      "EvaluationPeriods\x02\x69Threshold\xfb\x3f\xf0\x00\x00\x00\x00\x00\x00"));
	/* an empty output structure is a0 */
	assert_encodes("TagResource", true, NULL, B("\xa0"));
	/* maps, and blobs as byte strings */
	assert_encodes("GetMetricStatistics", true,
		       "{\"Datapoints\":[{\"ExtendedStatistics\":{\"p99\":2}}]}",
		       B("\xa1\x6a"
			 "Datapoints\x81\xa1\x72"
			 "ExtendedStatistics\xa1\x63p99\xfb\x40\x00\x00\x00\x00\x00\x00\x00"));
	assert_encodes("GetMetricWidgetImage", true, "{\"MetricWidgetImage\":\"AQID\"}",
		       B("\xa1\x71MetricWidgetImage\x43\x01\x02\x03"));
	/* negative integers; a value of the wrong type goes by its JSON type */
	assert_encodes("DescribeAlarms", false, "{\"MaxRecords\":-3,\"AlarmNames\":\"x\"}",
		       B("\xa2\x6a"
			 "AlarmNames\x61x\x6aMaxRecords\x22"));
}

static void test_path(void **state)
{
	const char *op;
	size_t len;

	(void)state;
	assert_true(monitoring_cbor_path("/service/GraniteServiceVersion20100801/operation/"
					 "DescribeAlarms",
					 &op, &len));
	assert_int_equal(len, strlen("DescribeAlarms"));
	assert_memory_equal(op, "DescribeAlarms", len);
	assert_true(monitoring_cbor_path("/prefix/service/com.amazonaws.cloudwatch."
					 "GraniteServiceVersion20100801/operation/PutMetricData",
					 &op, &len));
	assert_true(monitoring_cbor_path("/service/com.amazonaws.cloudwatch%23"
					 "GraniteServiceVersion20100801/operation/PutMetricData",
					 &op, &len));
	assert_false(monitoring_cbor_path("/", &op, &len));
	assert_false(
	    monitoring_cbor_path("/service/GraniteServiceVersion20100801/operation/", &op, &len));
	assert_false(
	    monitoring_cbor_path("/service/XGraniteServiceVersion20100801/operation/A", &op, &len));
	assert_false(
	    monitoring_cbor_path("/service/Logs_20140328/operation/PutLogEvents", &op, &len));
	assert_false(
	    monitoring_cbor_path("/services/GraniteServiceVersion20100801/operation/A", &op, &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
