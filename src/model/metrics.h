/* metrics: CloudWatch metric data in the store — what PutMetricData records and what
 * GetMetricStatistics, GetMetricData, ListMetrics, the alarm evaluator and `GET /metrics` read.
 *
 * A metric is (namespace, name, the exact set of dimensions); each unit of it aggregates apart.
 * Data is kept in buckets (count, sum, min, max and a value sketch for percentiles) at
 * CloudWatch's resolutions and rolled up as CloudWatch does (1 s data for 3 h, 60 s for 15 days,
 * 300 s for 63 days, 3600 s for 455 days).  Bucket widths are CloudWatch seconds, so under
 * `--time-scale N` a 60 s bucket lasts 60/N real seconds (base/timeutil.h); timestamps are real
 * epoch milliseconds.  The callers validate (AWS's limits); this layer stores and reads. */
#ifndef SW_MODEL_METRICS_H
#define SW_MODEL_METRICS_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

#define METRIC_DIMS_MAX 30

struct metric_dim {
	const char *name;
	const char *value;
};

/* One metric.  Dimension order does not matter. */
struct metric_key {
	const char *ns;
	const char *name;
	const struct metric_dim *dims;
	size_t ndims;
};

/* One datum of PutMetricData, validated: either n values with their counts (Value is n = 1,
 * count 1), or a statistic set. */
struct metric_datum {
	struct metric_key key;
	const char *unit; /* "None" when not given */
	int64_t ts_ms;
	int resolution; /* StorageResolution: 1 or 60 */
	const double *values;
	const double *counts;
	size_t nvalues;
	bool is_set;
	double set_count, set_sum, set_min, set_max;
};

/* Records n data inside the caller's write transaction. */
int metrics_put(struct store_conn *c, const struct metric_datum *d, size_t n, int64_t now_ms,
		struct err *e);

struct metric_sketch; /* opaque: the values of a bucket, for percentiles */

/* The statistics of one period of one metric in one unit. */
struct metric_bucket {
	int64_t ts_ms; /* the period's start */
	char unit[32];
	double count, sum, min, max;
	struct metric_sketch *sketch; /* NULL when the data cannot give percentiles */
};

struct metric_series {
	struct metric_bucket *b; /* ascending by ts_ms, then unit */
	size_t n;
};

#define METRICS_FETCH_SKETCH 1u /* also load the value sketches (for percentiles) */

/*
 * The buckets of metric k over [start_ms, end_ms) in periods of period_s CloudWatch seconds
 * that start at start_ms (the caller rounds start_ms as GetMetricStatistics does); periods with
 * no data are left out.  unit NULL: one bucket per unit present in a period; else only that
 * unit.  A period below 60 s (or not a multiple of 60) reads the 1 s data, kept 3 hours; others
 * read every stored resolution that divides the period, so a period that older data's
 * resolution does not divide gets no datapoints from it, as in CloudWatch.  At most
 * METRICS_FETCH_MAX periods (-SW_E_TOO_LARGE past them).  Release out with
 * metric_series_release, whatever the result.
 */
#define METRICS_FETCH_MAX 100800
int metrics_fetch(struct store_conn *c, const struct metric_key *k, const char *unit,
		  int64_t start_ms, int64_t end_ms, int period_s, unsigned flags,
		  struct metric_series *out, struct err *e);
void metric_series_release(struct metric_series *s);

/* A statistic of a bucket: "SampleCount", "Sum", "Average", "Minimum", "Maximum" or a
 * percentile "pNN[.N]" (0 <= NN <= 100).  Returns 0 and *out, or -1 when the bucket cannot give
 * it (a percentile without a sketch, negative values, an unknown name). */
int metric_bucket_stat(const struct metric_bucket *b, const char *stat, double *out);

/* The statistic stat of metric k over [start, end) in periods of period s (start already
 * rounded): one point per period with data, ascending; counts (room for every period, or NULL)
 * gets each point's SampleCount.  When several units share a period the first unit's value
 * stands.  Release out with mm_series_release (model/metric_math.h). */
struct mm_series;
int metrics_stat_series(struct store_conn *c, const struct metric_key *k, const char *unit,
			const char *stat, int64_t start, int64_t end, int period,
			struct mm_series *out, double *counts, struct err *e);

/* What `GET /metrics` shows of one metric in one unit: running totals since the first datum
 * and the latest datum. */
struct metric_totals {
	double count, sum;
	double last_value; /* the last Value (or Sum/SampleCount of a set) recorded */
	int64_t last_ts_ms;
};

/* The metric's canonical key (what metrics_each orders by, bytewise) into b, replacing what b
 * held; b's maximum must allow METRICS_KEY_MAX bytes.  0, or -SW_E_TOO_LARGE / -SW_E_NOMEM. */
#define METRICS_KEY_MAX (METRIC_DIMS_MAX * 1300 + 1024)
struct buf;
int metrics_key_text(struct buf *b, const struct metric_key *k);

/* Calls fn for every metric and unit held (only namespace ns and metric name when not NULL),
 * ordered by namespace, name, dimensions (bytewise), then unit; dimensions come sorted by
 * name.  fn's non-zero return stops the walk and is returned. */
int metrics_each(struct store_conn *c, const char *ns, const char *name,
		 int (*fn)(void *arg, const struct metric_key *k, const char *unit,
			   const struct metric_totals *t),
		 void *arg, struct err *e);

/* Drops what has outlived its resolution's retention and rolls finer data up into coarser
 * buckets; returns the rows removed (>= 0).  The evaluator's scheduler calls it now and then. */
int64_t metrics_expire(struct store_conn *c, int64_t now_ms, struct err *e);

#endif
