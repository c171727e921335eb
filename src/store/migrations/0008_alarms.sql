-- 0008_alarms: CloudWatch metric and composite alarms (model/alarms.h), evaluated by the
-- engine's alarm job (engine/alarm_job.c).  Tags live in resource_tags under the alarm's ARN.

CREATE TABLE alarms (
  name TEXT PRIMARY KEY,
  arn TEXT NOT NULL,
  type TEXT NOT NULL,               -- MetricAlarm, CompositeAlarm
  doc TEXT NOT NULL,                -- the configuration as the API echoes it (JSON)
  actions_enabled INTEGER NOT NULL,
  state TEXT NOT NULL,              -- OK, ALARM, INSUFFICIENT_DATA
  reason TEXT NOT NULL,
  reason_data TEXT,                 -- StateReasonData (a JSON string)
  state_updated BIGINT NOT NULL,    -- any state update (epoch ms)
  state_transitioned BIGINT NOT NULL, -- the last change of value
  config_updated BIGINT NOT NULL,
  due BIGINT NOT NULL               -- the next evaluation (epoch ms)
);
CREATE INDEX alarms_due ON alarms(due);

-- What each alarm watches: PutMetricData on (ns, metric) makes it due at once.
CREATE TABLE alarm_watch (
  alarm TEXT NOT NULL REFERENCES alarms(name) ON DELETE CASCADE,
  ns TEXT NOT NULL,
  metric TEXT NOT NULL,
  PRIMARY KEY (alarm, ns, metric)
);
CREATE INDEX alarm_watch_metric ON alarm_watch(ns, metric);

-- The alarms a composite alarm's rule names (child), by name.
CREATE TABLE alarm_refs (
  parent TEXT NOT NULL REFERENCES alarms(name) ON DELETE CASCADE,
  child TEXT NOT NULL,
  PRIMARY KEY (parent, child)
);
CREATE INDEX alarm_refs_child ON alarm_refs(child);

-- DescribeAlarmHistory; kept after DeleteAlarms, dropped after 30 days.
CREATE TABLE alarm_history (
  seq BIGINT PRIMARY KEY,           -- order of writing
  alarm TEXT NOT NULL,
  type TEXT NOT NULL,
  ts BIGINT NOT NULL,
  item_type TEXT NOT NULL,          -- ConfigurationUpdate, StateUpdate, Action
  summary TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX alarm_history_alarm ON alarm_history(alarm, ts);
CREATE INDEX alarm_history_ts ON alarm_history(ts);
