/* monitoring/alarms: metric and composite alarms, their history, actions and tags. */
#include "monitoring.h"

const struct json_op monitoring_alarm_ops[] = {
	{ "PutMetricAlarm", NULL, 0 },
	{ "PutCompositeAlarm", NULL, 0 },
	{ "DescribeAlarms", NULL, 0 },
	{ "DescribeAlarmsForMetric", NULL, 0 },
	{ "DeleteAlarms", NULL, 0 },
	{ "SetAlarmState", NULL, 0 },
	{ "DescribeAlarmHistory", NULL, 0 },
	{ "EnableAlarmActions", NULL, 0 },
	{ "DisableAlarmActions", NULL, 0 },
	{ "TagResource", NULL, 0 },
	{ "UntagResource", NULL, 0 },
	{ "ListTagsForResource", NULL, 0 },
	{ NULL, NULL, 0 },
};
