/* metric_math: CloudWatch metric-math expressions over time series — what GetMetricData's
 * Expression queries and metric-math alarms compute.  Pure: no store, no clock.
 *
 * The subset: numbers, query Ids as series, `+ - * / ^`, unary minus, parentheses, the
 * comparisons `> < >= <= == !=` and `AND OR && ||` (1 or 0), and the functions ABS, CEIL,
 * FLOOR, FILL(s, value|REPEAT|LINEAR), IF(cond, a[, b]), and SUM, AVG, MIN, MAX over
 * METRICS() or over a series (a series gives a scalar then).  Series combine point by point,
 * aligned by timestamp: a timestamp missing on one side gives no point.  Anything else is
 * rejected with a message naming it. */
#ifndef SW_MODEL_METRIC_MATH_H
#define SW_MODEL_METRIC_MATH_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

#define MM_EXPR_MAX  2048 /* characters */
#define MM_DEPTH_MAX 64	  /* nesting */

/* A series: n points ascending by ts (epoch ms). */
struct mm_series {
	size_t n;
	int64_t *ts;
	double *v;
};
void mm_series_release(struct mm_series *s);

struct mm_expr; /* parsed */

/* Parses text.  -SW_E_INVALID with a message for a syntax error or an unsupported function. */
int mm_parse(const char *text, struct mm_expr **out, struct err *e);
void mm_free(struct mm_expr *x);
/* Calls fn for each Id the expression names (METRICS() names none); fn's non-zero return
 * stops the walk and is returned. */
int mm_each_ref(const struct mm_expr *x, int (*fn)(void *arg, const char *id), void *arg);

struct mm_env {
	/* The series of query id: 0 and *out borrowed, or -1 when there is no such query. */
	int (*lookup)(void *arg, const char *id, const struct mm_series **out);
	/* METRICS(): every MetricStat query's series (borrowed), n of them. */
	const struct mm_series *const *all;
	size_t nall;
	const int64_t *grid; /* every period start of the range, ascending (for FILL) */
	size_t ngrid;
	void *arg;
};

/* Evaluates x into out (a series; a scalar result is a constant over the grid).  Errors:
 * -SW_E_INVALID with a message (an unknown Id, a function given the wrong arguments). */
int mm_eval(const struct mm_expr *x, const struct mm_env *env, struct mm_series *out,
	    struct err *e);

#endif
