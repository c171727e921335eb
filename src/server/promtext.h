/* promtext: CloudWatch metrics in the Prometheus text exposition format 0.0.4 — what
 * `GET /metrics` serves (docs/metrics.md).  A pure encoder: no store, no I/O.
 *
 * Each CloudWatch metric (namespace, name) becomes three families named after it,
 * cloudwatch_<namespace>_<name> with every byte outside [a-zA-Z0-9_] made '_' (a run of them
 * one '_'):
 *   <base>_sum   counter  the sum of every value recorded since the first datum
 *   <base>_count counter  the number of values (SampleCount) since the first datum
 *   <base>_last  gauge    the last value recorded
 * Each (dimensions, unit) of the metric is one series of each family, labelled
 * dimension_<Name>="<Value>" per dimension and unit="<Unit>".  Two metrics whose names sanitize
 * alike get distinct families (the later one's base gets _2, _3 …), and two dimensions whose
 * names sanitize alike distinct labels, so that every scrape parses.  Label values and help
 * texts are escaped, invalid UTF-8 becomes U+FFFD. */
#ifndef SW_SERVER_PROMTEXT_H
#define SW_SERVER_PROMTEXT_H

#include "base/buf.h"
#include "model/metrics.h"

#include <stddef.h>

#define PROMTEXT_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct promtext__name; /* the family bases already written */

/* One scrape being written into out.  The three families of the metric in progress are
 * collected apart (bounded like out) and appended whole by promtext_end, so a family's samples
 * are contiguous and out always ends on a complete family. */
struct promtext {
	struct buf *out;
	struct buf sum, count, last; /* sample lines of the metric in progress */
	char base[600];		     /* its family base name */
	char help[1200];	     /* its namespace and name, escaped for # HELP */
	struct promtext__name **names;
	size_t nbuckets, nnames;
	int failed; /* the first error of the metric in progress (0: none) */
};

/* Sets p up to write into out (caller-owned; its max bounds the scrape). */
void promtext_init(struct promtext *p, struct buf *out);
/* Frees what p holds (not out). */
void promtext_release(struct promtext *p);

/* Starts metric (ns, name): the families' base name is chosen here. */
int promtext_begin(struct promtext *p, const char *ns, const char *name);
/* Adds one series of the metric begun: its dimensions (any order), unit (NULL: none) and
 * totals. */
int promtext_series(struct promtext *p, const struct metric_dim *dims, size_t ndims,
		    const char *unit, const struct metric_totals *t);
/* Appends the metric's three families to out: 0, or -SW_E_TOO_LARGE when they do not fit
 * (out is left as it was) or -SW_E_NOMEM. */
int promtext_end(struct promtext *p);

/* s as a part of a name that follows a prefix (cloudwatch_, dimension_): each byte outside
 * [a-zA-Z0-9_] made '_', a run of such bytes one '_'; into out (a C string of size >= 1 bytes,
 * cut to fit).  Returns the length written. */
size_t promtext_sanitize(char *out, size_t size, const char *s);
/* Appends s as a label value: \\, \" and \n escaped, invalid UTF-8 as U+FFFD. */
int promtext_label_value(struct buf *b, const char *s);
/* Appends v as a sample value: shortest round-trip decimal, NaN, +Inf or -Inf. */
int promtext_value(struct buf *b, double v);

#endif
