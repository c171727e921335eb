/* monitoring/metrics: PutMetricData, GetMetricStatistics, GetMetricData, ListMetrics. */
#include "monitoring.h"

const struct json_op monitoring_metric_ops[] = {
	{ "PutMetricData", NULL, 0 },
	{ "GetMetricStatistics", NULL, 0 },
	{ "GetMetricData", NULL, 0 },
	{ "ListMetrics", NULL, 0 },
	{ NULL, NULL, 0 },
};
