/* test_shapes: the generated model tables cover every operation the fronts serve, and describe
 * the shapes the fronts rely on as the model does. */
#include "services/monitoring/monitoring.h"
#include "services/monitoring/shapes.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

static void check_op(const char *service, const char *op, bool implemented, void *arg)
{
	const struct monitoring_op_shapes *s = monitoring_op_shapes(op);

	(void)service;
	(void)implemented;
	(*(int *)arg)++;
	if (!s)
		fail_msg("operation %s has no shapes", op);
	assert_string_equal(s->name, op);
	assert_int_equal(monitoring_shape(s->input)->kind, MONITORING_K_STRUCT);
}

static void test_every_served_op_has_shapes(void **state)
{
	int n = 0;

	(void)state;
	monitoring_service.list_ops(check_op, &n);
	assert_true(n >= 30);
	assert_null(monitoring_op_shapes("NoSuchOperation"));
	assert_null(monitoring_op_shapes(""));
}

static const struct monitoring_shape *member_shape(const struct monitoring_shape *s,
						   const char *name)
{
	const struct monitoring_member *m = monitoring_shape_member(s, name, strlen(name));

	if (!m)
		fail_msg("no member %s", name);
	return monitoring_shape(m->shape);
}

static void test_put_metric_data_shapes(void **state)
{
	const struct monitoring_op_shapes *op = monitoring_op_shapes("PutMetricData");
	const struct monitoring_shape *in, *data, *datum;

	(void)state;
	assert_non_null(op);
	assert_int_equal(op->output, MONITORING_NO_SHAPE);
	in = monitoring_shape(op->input);
	assert_int_equal(member_shape(in, "Namespace")->kind, MONITORING_K_STRING);
	assert_int_equal(member_shape(in, "StrictEntityValidation")->kind, MONITORING_K_BOOLEAN);
	data = member_shape(in, "MetricData");
	assert_int_equal(data->kind, MONITORING_K_LIST);
	datum = monitoring_shape(data->a);
	assert_int_equal(datum->kind, MONITORING_K_STRUCT);
	assert_int_equal(member_shape(datum, "Timestamp")->kind, MONITORING_K_TIMESTAMP);
	assert_int_equal(member_shape(datum, "Value")->kind, MONITORING_K_DOUBLE);
	assert_int_equal(member_shape(datum, "StorageResolution")->kind, MONITORING_K_INTEGER);
	assert_int_equal(monitoring_shape(member_shape(datum, "Values")->a)->kind,
			 MONITORING_K_DOUBLE);
	assert_null(monitoring_shape_member(datum, "Valu", 4));
	assert_null(monitoring_shape_member(data, "Value", 5)); /* a list has no members */
}

static void test_output_shapes(void **state)
{
	const struct monitoring_op_shapes *op = monitoring_op_shapes("GetMetricStatistics");
	const struct monitoring_shape *dp, *ext;

	(void)state;
	dp = monitoring_shape(member_shape(monitoring_shape(op->output), "Datapoints")->a);
	ext = member_shape(dp, "ExtendedStatistics");
	assert_int_equal(ext->kind, MONITORING_K_MAP);
	assert_int_equal(monitoring_shape(ext->a)->kind, MONITORING_K_STRING);
	assert_int_equal(monitoring_shape(ext->b)->kind, MONITORING_K_DOUBLE);
	/* an empty output structure is a structure with no members, not "no output" */
	op = monitoring_op_shapes("TagResource");
	assert_int_not_equal(op->output, MONITORING_NO_SHAPE);
	assert_int_equal(monitoring_shape(op->output)->kind, MONITORING_K_STRUCT);
	assert_int_equal(monitoring_shape(op->output)->b, 0);
	op = monitoring_op_shapes("GetMetricWidgetImage");
	assert_int_equal(member_shape(monitoring_shape(op->output), "MetricWidgetImage")->kind,
			 MONITORING_K_BLOB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_served_op_has_shapes),
		cmocka_unit_test(test_put_metric_data_shapes),
		cmocka_unit_test(test_output_shapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
