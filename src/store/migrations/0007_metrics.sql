-- 0007_metrics: CloudWatch metric data (model/metrics.h).  A series is one metric in one unit;
-- its data is kept as buckets of count/sum/min/max at CloudWatch's resolutions (1, 60, 300 and
-- 3600 CloudWatch seconds) and, for percentiles, a log-scale histogram of the values in each
-- bucket.  metrics_expire rolls 60 s buckets up into 300 s after 15 days and 300 s into 3600 s
-- after 63 days, and drops 1 s buckets after 3 hours and 3600 s buckets after 455 days.

CREATE TABLE metric_series (
  id BIGINT PRIMARY KEY,            -- 63 bits of SHA-256 of skey
  skey TEXT NOT NULL,               -- canonical namespace, name, dimensions and unit
  mkey TEXT NOT NULL,               -- the same without the unit: the metric
  ns TEXT NOT NULL,
  name TEXT NOT NULL,
  dims TEXT NOT NULL,               -- JSON [{"Name","Value"}] sorted by name
  unit TEXT NOT NULL,
  created BIGINT NOT NULL,          -- epoch ms of the first datum received
  last_ts BIGINT NOT NULL,          -- newest datum timestamp
  last_value DOUBLE PRECISION NOT NULL,
  total_count DOUBLE PRECISION NOT NULL,
  total_sum DOUBLE PRECISION NOT NULL
);
CREATE INDEX metric_series_metric ON metric_series(mkey);
CREATE INDEX metric_series_name ON metric_series(ns, name);

CREATE TABLE metric_buckets (
  series BIGINT NOT NULL,
  res INTEGER NOT NULL,             -- CloudWatch seconds: 1, 60, 300, 3600
  ts BIGINT NOT NULL,               -- bucket start, epoch ms (scaled width under --time-scale)
  n DOUBLE PRECISION NOT NULL,      -- SampleCount
  sum DOUBLE PRECISION NOT NULL,
  lo DOUBLE PRECISION NOT NULL,
  hi DOUBLE PRECISION NOT NULL,
  nopct INTEGER NOT NULL,           -- 1: a negative value or an inexact statistic set
  PRIMARY KEY (series, res, ts)
);
CREATE INDEX metric_buckets_age ON metric_buckets(res, ts);

CREATE TABLE metric_bins (
  series BIGINT NOT NULL,
  res INTEGER NOT NULL,
  ts BIGINT NOT NULL,
  bin INTEGER NOT NULL,             -- log-scale value bin (model/metrics.c)
  n DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (series, res, ts, bin)
);
CREATE INDEX metric_bins_age ON metric_bins(res, ts);
