/* metrics: CloudWatch metric data in the store (model/metrics.h).
 *
 * A PutMetricData call is folded in memory first — by series, resolution and bucket, and by
 * value bin — so that a batch of a thousand data about a few metrics costs a few upserts, not a
 * thousand.  Values are kept exactly as count/sum/min/max and approximately as a log-scale
 * histogram (bins a factor METRICS__GAMMA wide, so a percentile is within half a percent of
 * the true value, and clamped to the bucket's min and max). */
#include "metrics.h"
#include "metric_math.h"
#include "base/buf.h"
#include "base/hash.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "base/vec.h"
#include "store/store.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define METRICS__GAMMA	  1.01
#define METRICS__BIN_ZERO (-1000000) /* the bin of 0 (below every positive value's) */

struct metric_sketch {
	size_t n;
	int *bin;   /* ascending */
	double *nv; /* the count in each bin */
};

/* ---- keys ---- */

static int metrics__dim_cmp(const void *a, const void *b)
{
	const struct metric_dim *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* The canonical metric key (mkey) and, with unit, the series key (skey):
 * ns US name US dim1 RS value1 GS dim2 … [US unit]; dims sorted by name into sorted. */
static int metrics__key(struct buf *b, const struct metric_key *k, const char *unit,
			struct metric_dim *sorted)
{
	int r;

	if (k->ndims) { /* (an empty key may have no dims array: memcpy and qsort take none) */
		memcpy(sorted, k->dims, k->ndims * sizeof(*sorted));
		qsort(sorted, k->ndims, sizeof(*sorted), metrics__dim_cmp);
	}
	buf_reset(b);
	r = buf_addf(b, "%s\x1f%s\x1f", k->ns, k->name);
	for (size_t i = 0; i < k->ndims && !r; i++)
		r = buf_addf(b, "%s\x1e%s\x1d", sorted[i].name, sorted[i].value);
	if (!r && unit)
		r = buf_addf(b, "\x1f%s", unit);
	return r;
}

int metrics_key_text(struct buf *b, const struct metric_key *k)
{
	struct metric_dim sorted[METRIC_DIMS_MAX];

	if (k->ndims > METRIC_DIMS_MAX)
		return -SW_E_TOO_LARGE;
	return metrics__key(b, k, NULL, sorted);
}

static int64_t metrics__id(const char *skey)
{
	struct hash_sha256 h;
	uint8_t d[HASH_SHA256_LEN];
	uint64_t v = 0;

	hash_sha256_init(&h);
	hash_sha256_update(&h, skey, strlen(skey));
	hash_sha256_final(&h, d);
	for (int i = 0; i < 8; i++)
		v = v << 8 | d[i];
	return (int64_t)(v & INT64_MAX);
}

static char *metrics__dims_json(const struct metric_dim *sorted, size_t n)
{
	json_t *a = json_array();
	char *s;

	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(
		    a, json_pack("{s:s,s:s}", "Name", sorted[i].name, "Value", sorted[i].value));
	s = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return s;
}

/* ---- bins and percentiles ---- */

static int metrics__bin(double v)
{
	if (v <= 0)
		return METRICS__BIN_ZERO;
	return (int)ceil(log(v) / log(METRICS__GAMMA));
}

/* The value a bin stands for: the point of least relative error in (gamma^(i-1), gamma^i]. */
static double metrics__bin_value(int bin)
{
	if (bin == METRICS__BIN_ZERO)
		return 0;
	return 2.0 * pow(METRICS__GAMMA, bin) / (METRICS__GAMMA + 1.0);
}

int metric_bucket_stat(const struct metric_bucket *b, const char *stat, double *out)
{
	double p, rank, cum = 0, v;
	char *end;

	if (strcmp(stat, "SampleCount") == 0)
		*out = b->count;
	else if (strcmp(stat, "Sum") == 0)
		*out = b->sum;
	else if (strcmp(stat, "Average") == 0)
		*out = b->count > 0 ? b->sum / b->count : 0;
	else if (strcmp(stat, "Minimum") == 0)
		*out = b->min;
	else if (strcmp(stat, "Maximum") == 0)
		*out = b->max;
	else if (stat[0] == 'p' && stat[1] >= '0' && stat[1] <= '9') {
		p = strtod(stat + 1, &end);
		if (*end || !(p >= 0 && p <= 100))
			return -1;
		if (b->min == b->max && b->count > 0 && b->min >= 0) {
			*out = b->min; /* exact, sketch or not */
			return 0;
		}
		if (!b->sketch || b->count <= 0)
			return -1;
		if (p == 0) {
			*out = b->min;
			return 0;
		}
		if (p == 100) {
			*out = b->max;
			return 0;
		}
		rank = p / 100.0 * b->count;
		v = b->max;
		for (size_t i = 0; i < b->sketch->n; i++) {
			cum += b->sketch->nv[i];
			if (cum >= rank) {
				v = metrics__bin_value(b->sketch->bin[i]);
				break;
			}
		}
		*out = v < b->min ? b->min : v > b->max ? b->max : v;
	} else
		return -1;
	return 0;
}

/* ---- PutMetricData ---- */

struct metrics__agg { /* one series × resolution × bucket of a call */
	int64_t series;
	int res;
	int64_t ts;
	double n, sum, lo, hi;
	int nopct;
};

struct metrics__binrow {
	int64_t series;
	int res;
	int64_t ts;
	int bin;
	double n;
};

struct metrics__ser { /* one series of a call */
	int64_t id;
	char *skey, *mkey, *dims;
	const char *ns, *name, *unit;
	int64_t last_ts;
	double last_value, n, sum;
};

struct metrics__put {
	VEC(struct metrics__agg) agg;
	VEC(struct metrics__binrow) bins;
	VEC(struct metrics__ser) ser;
};

static int64_t metrics__floor(int64_t ts, int64_t w)
{
	int64_t m = ts % w;

	return ts - (m < 0 ? m + w : m);
}

static int metrics__add(struct metrics__put *p, int64_t series, int res, int64_t ts,
			const struct metric_datum *d)
{
	int64_t w = time_scaled_ms(res), b = metrics__floor(ts, w);
	struct metrics__agg a = { series, res, b, 0, 0, INFINITY, -INFINITY, 0 };
	int r;

	if (d->is_set) {
		a.n = d->set_count;
		a.sum = d->set_sum;
		a.lo = d->set_min;
		a.hi = d->set_max;
		/* a set gives percentiles only when it is one value (CloudWatch's rule) */
		if (d->set_count == 1 || d->set_min == d->set_max) {
			if (d->set_min < 0)
				a.nopct = 1;
			else if ((r = vec_push(&p->bins,
					       ((struct metrics__binrow){ series, res, b,
									  metrics__bin(d->set_min),
									  d->set_count }))))
				return r;
		} else
			a.nopct = 1;
		return vec_push(&p->agg, a);
	}
	for (size_t i = 0; i < d->nvalues; i++) {
		double v = d->values[i], c = d->counts ? d->counts[i] : 1;

		a.n += c;
		a.sum += v * c;
		if (v < a.lo)
			a.lo = v;
		if (v > a.hi)
			a.hi = v;
		if (v < 0)
			a.nopct = 1;
		else if ((r = vec_push(&p->bins, ((struct metrics__binrow){ series, res, b,
									    metrics__bin(v), c }))))
			return r;
	}
	return vec_push(&p->agg, a);
}

static int metrics__agg_cmp(const void *x, const void *y)
{
	const struct metrics__agg *a = x, *b = y;

	if (a->series != b->series)
		return a->series < b->series ? -1 : 1;
	if (a->res != b->res)
		return a->res - b->res;
	return a->ts < b->ts ? -1 : a->ts > b->ts;
}

static int metrics__bin_cmp(const void *x, const void *y)
{
	const struct metrics__binrow *a = x, *b = y;

	if (a->series != b->series)
		return a->series < b->series ? -1 : 1;
	if (a->res != b->res)
		return a->res - b->res;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->bin < b->bin ? -1 : a->bin > b->bin;
}

static void metrics__put_release(struct metrics__put *p)
{
	for (size_t i = 0; i < p->ser.n; i++) {
		free(p->ser.v[i].skey);
		free(p->ser.v[i].mkey);
		free(p->ser.v[i].dims);
	}
	vec_release(&p->agg);
	vec_release(&p->bins);
	vec_release(&p->ser);
}

/* Records d's series (once per call) and returns its id. */
static int metrics__series(struct metrics__put *p, const struct metric_datum *d, struct buf *kb,
			   int64_t *id)
{
	struct metric_dim sorted[METRIC_DIMS_MAX];
	struct metrics__ser s = { 0 };
	double last = d->is_set ? d->set_sum : d->nvalues ? d->values[d->nvalues - 1] : 0;
	double n = 0, sum = 0;
	int r;

	if (d->key.ndims > METRIC_DIMS_MAX)
		return -SW_E_INVALID;
	if (d->is_set) {
		n = d->set_count;
		sum = d->set_sum;
	} else {
		for (size_t i = 0; i < d->nvalues; i++) {
			double c = d->counts ? d->counts[i] : 1;

			n += c;
			sum += d->values[i] * c;
		}
	}
	if ((r = metrics__key(kb, &d->key, d->unit, sorted)))
		return r;
	*id = metrics__id(buf_str(kb));
	for (size_t i = 0; i < p->ser.n; i++) {
		struct metrics__ser *o = &p->ser.v[i];

		if (o->id == *id && strcmp(o->skey, buf_str(kb)) == 0) {
			if (d->ts_ms >= o->last_ts) {
				o->last_ts = d->ts_ms;
				o->last_value = last;
			}
			o->n += n;
			o->sum += sum;
			return 0;
		}
	}
	s.id = *id;
	s.skey = str_dup(buf_str(kb));
	if ((r = metrics__key(kb, &d->key, NULL, sorted)))
		return r;
	s.mkey = str_dup(buf_str(kb));
	s.dims = metrics__dims_json(sorted, d->key.ndims);
	s.ns = d->key.ns;
	s.name = d->key.name;
	s.unit = d->unit;
	s.last_ts = d->ts_ms;
	s.last_value = last;
	s.n = n;
	s.sum = sum;
	if (!s.skey || !s.mkey || !s.dims || (r = vec_push(&p->ser, s))) {
		free(s.skey);
		free(s.mkey);
		free(s.dims);
		return -SW_E_NOMEM;
	}
	return 0;
}

static int metrics__write_series(struct store_conn *c, const struct metrics__ser *s, int64_t now,
				 struct err *e)
{
	struct store_stmt *st;
	int r =
	    store_exec(c, NULL,
		       "INSERT INTO metric_series (id, skey, mkey, ns, name, dims, unit, created, "
		       "last_ts, last_value, total_count, total_sum) "
		       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		       "ON CONFLICT (id) DO UPDATE SET "
		       "last_value = CASE WHEN excluded.last_ts >= metric_series.last_ts "
		       "THEN excluded.last_value ELSE metric_series.last_value END, "
		       "last_ts = CASE WHEN excluded.last_ts >= metric_series.last_ts "
		       "THEN excluded.last_ts ELSE metric_series.last_ts END, "
		       "total_count = metric_series.total_count + excluded.total_count, "
		       "total_sum = metric_series.total_sum + excluded.total_sum",
		       "ittttttiiddd", e, s->id, s->skey, s->mkey, s->ns, s->name, s->dims, s->unit,
		       now, s->last_ts, s->last_value, s->n, s->sum);

	if (r < 0)
		return r;
	/* 63 bits of SHA-256 collide never in practice; a collision is refused, not merged */
	r = store_exec(c, &st, "SELECT skey FROM metric_series WHERE id = ?", "i", e, s->id);
	if (r < 0)
		return r;
	if (r == 0 || strcmp(store_col_text(st, 0), s->skey) != 0)
		return err_set(e, SW_E_INTERNAL, "metric key collision");
	return 0;
}

int metrics_put(struct store_conn *c, const struct metric_datum *d, size_t n, int64_t now_ms,
		struct err *e)
{
	struct metrics__put p = { VEC_INIT(1u << 20), VEC_INIT(1u << 22), VEC_INIT(1u << 16) };
	struct buf kb;
	size_t i, j;
	int r = 0;

	buf_init(&kb, METRICS_KEY_MAX);
	for (i = 0; i < n && !r; i++) {
		int64_t id;

		if ((r = metrics__series(&p, &d[i], &kb, &id)))
			break;
		if (d[i].resolution == 1)
			r = metrics__add(&p, id, 1, d[i].ts_ms, &d[i]);
		if (!r)
			r = metrics__add(&p, id, 60, d[i].ts_ms, &d[i]);
	}
	buf_release(&kb);
	if (r) {
		metrics__put_release(&p);
		return err_set(e, r == -SW_E_INVALID ? SW_E_INVALID : SW_E_NOMEM, NULL);
	}
	for (i = 0; i < p.ser.n && !r; i++)
		r = metrics__write_series(c, &p.ser.v[i], now_ms, e);
	if (p.agg.n)
		qsort(p.agg.v, p.agg.n, sizeof(*p.agg.v), metrics__agg_cmp);
	for (i = 0; i < p.agg.n && !r; i = j) {
		struct metrics__agg a = p.agg.v[i];

		for (j = i + 1; j < p.agg.n && metrics__agg_cmp(&a, &p.agg.v[j]) == 0; j++) {
			a.n += p.agg.v[j].n;
			a.sum += p.agg.v[j].sum;
			a.lo = p.agg.v[j].lo < a.lo ? p.agg.v[j].lo : a.lo;
			a.hi = p.agg.v[j].hi > a.hi ? p.agg.v[j].hi : a.hi;
			a.nopct |= p.agg.v[j].nopct;
		}
		r = store_exec(
		    c, NULL,
		    "INSERT INTO metric_buckets (series, res, ts, n, sum, lo, hi, nopct) "
		    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (series, res, ts) DO "
		    "UPDATE SET n = metric_buckets.n + excluded.n, "
		    "sum = metric_buckets.sum + excluded.sum, "
		    "lo = CASE WHEN excluded.lo < metric_buckets.lo THEN excluded.lo "
		    "ELSE metric_buckets.lo END, "
		    "hi = CASE WHEN excluded.hi > metric_buckets.hi THEN excluded.hi "
		    "ELSE metric_buckets.hi END, "
		    "nopct = CASE WHEN excluded.nopct > metric_buckets.nopct "
		    "THEN excluded.nopct ELSE metric_buckets.nopct END",
		    "iiiddddi", e, a.series, (int64_t)a.res, a.ts, a.n, a.sum, a.lo, a.hi,
		    (int64_t)a.nopct);
		r = r < 0 ? r : 0;
	}
	if (p.bins.n) /* none when every value was negative */
		qsort(p.bins.v, p.bins.n, sizeof(*p.bins.v), metrics__bin_cmp);
	for (i = 0; i < p.bins.n && !r; i = j) {
		struct metrics__binrow b = p.bins.v[i];

		for (j = i + 1; j < p.bins.n && metrics__bin_cmp(&b, &p.bins.v[j]) == 0; j++)
			b.n += p.bins.v[j].n;
		r = store_exec(c, NULL,
			       "INSERT INTO metric_bins (series, res, ts, bin, n) VALUES "
			       "(?, ?, ?, ?, ?) ON CONFLICT (series, res, ts, bin) DO UPDATE SET "
			       "n = metric_bins.n + excluded.n",
			       "iiiid", e, b.series, (int64_t)b.res, b.ts, (int64_t)b.bin, b.n);
		r = r < 0 ? r : 0;
	}
	metrics__put_release(&p);
	return r;
}

/* ---- reading ---- */

void metric_series_release(struct metric_series *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->b[i].sketch) {
			free(s->b[i].sketch->bin);
			free(s->b[i].sketch->nv);
			free(s->b[i].sketch);
		}
	}
	free(s->b);
	s->b = NULL;
	s->n = 0;
}

struct metrics__buckets {
	VEC_MEMBERS(struct metric_bucket);
};

struct metrics__unit {
	int64_t id;
	char unit[32];
};

/* The series of metric k: the one of unit, or every unit's. */
static int metrics__units(struct store_conn *c, const struct metric_key *k, const char *unit,
			  struct metrics__unit *out, size_t max, size_t *n, struct err *e)
{
	struct metric_dim sorted[METRIC_DIMS_MAX];
	struct store_stmt *st;
	struct buf kb;
	int r;

	*n = 0;
	if (k->ndims > METRIC_DIMS_MAX)
		return 0;
	buf_init(&kb, METRICS_KEY_MAX);
	if ((r = metrics__key(&kb, k, unit, sorted))) {
		buf_release(&kb);
		return err_set(e, SW_E_NOMEM, NULL);
	}
	if (unit) {
		r = store_exec(c, &st,
			       "SELECT id, unit FROM metric_series WHERE id = ? AND skey = ?", "it",
			       e, metrics__id(buf_str(&kb)), buf_str(&kb));
	} else {
		r = store_exec(c, &st,
			       "SELECT id, unit FROM metric_series WHERE mkey = ? ORDER BY id", "t",
			       e, buf_str(&kb));
	}
	buf_release(&kb);
	for (; r > 0 && *n < max; r = store_step(st, e)) {
		out[*n].id = store_col_int(st, 0);
		str_copy(out[*n].unit, sizeof(out[*n].unit), store_col_text(st, 1));
		(*n)++;
	}
	return r < 0 ? r : 0;
}

static int metrics__bucket_cmp(const void *x, const void *y)
{
	const struct metric_bucket *a = x, *b = y;

	if (a->ts_ms != b->ts_ms)
		return a->ts_ms < b->ts_ms ? -1 : 1;
	return strcmp(a->unit, b->unit);
}

static bool metrics__res_fits(int res, int period_s)
{
	if (period_s < 60 || period_s % 60)
		return res == 1;
	return res >= 60 && period_s % res == 0;
}

/* Adds one bin row to bucket b's sketch. */
static int metrics__sketch_add(struct metric_bucket *b, int bin, double n)
{
	struct metric_sketch *s = b->sketch;
	int *nb;
	double *nn;
	size_t at;

	if (!s && !(s = b->sketch = calloc(1, sizeof(*s))))
		return -SW_E_NOMEM;
	for (size_t i = 0; i < s->n; i++)
		if (s->bin[i] == bin) {
			s->nv[i] += n;
			return 0;
		}
	nb = realloc(s->bin, (s->n + 1) * sizeof(*nb));
	if (!nb)
		return -SW_E_NOMEM;
	s->bin = nb;
	nn = realloc(s->nv, (s->n + 1) * sizeof(*nn));
	if (!nn)
		return -SW_E_NOMEM;
	s->nv = nn;
	/* keep bins ascending: rows come ascending per resolution, so this is mostly an append */
	at = s->n;
	while (at > 0 && s->bin[at - 1] > bin) {
		s->bin[at] = s->bin[at - 1];
		s->nv[at] = s->nv[at - 1];
		at--;
	}
	s->bin[at] = bin;
	s->nv[at] = n;
	s->n++;
	return 0;
}

/* The buckets of one series, appended to out (the series' own run is ascending by ts). */
static int metrics__fetch_one(struct store_conn *c, const struct metrics__unit *u, int64_t start_ms,
			      int64_t end_ms, int period_s, unsigned flags,
			      struct metrics__buckets *out, struct err *e)
{
	int64_t pw = time_scaled_ms(period_s);
	size_t first = out->n;
	struct store_stmt *st;
	VEC(bool) nopct = VEC_INIT(METRICS_FETCH_MAX);
	size_t k;
	int r;

	r = store_exec(c, &st,
		       "SELECT res, ts, n, sum, lo, hi, nopct FROM metric_buckets WHERE series = ? "
		       "AND ts >= ? AND ts < ? ORDER BY ts",
		       "iii", e, u->id, start_ms, end_ms);
	for (; r > 0; r = store_step(st, e)) {
		int res = (int)store_col_int(st, 0);
		int64_t ts = store_col_int(st, 1), at;
		struct metric_bucket *b;

		if (!metrics__res_fits(res, period_s))
			continue;
		at = start_ms + (ts - start_ms) / pw * pw;
		b = out->n > first ? &out->v[out->n - 1] : NULL;
		if (!b || b->ts_ms != at) {
			if (out->n - first >= METRICS_FETCH_MAX) {
				vec_release(&nopct);
				return err_set(e, SW_E_TOO_LARGE, "too many datapoints");
			}
			if (vec_grow(out, 1) || vec_push(&nopct, false)) {
				vec_release(&nopct);
				return err_set(e, SW_E_NOMEM, NULL);
			}
			b = &out->v[out->n++];
			memset(b, 0, sizeof(*b));
			b->ts_ms = at;
			str_copy(b->unit, sizeof(b->unit), u->unit);
			b->min = INFINITY;
			b->max = -INFINITY;
		}
		b->count += store_col_double(st, 2);
		b->sum += store_col_double(st, 3);
		if (store_col_double(st, 4) < b->min)
			b->min = store_col_double(st, 4);
		if (store_col_double(st, 5) > b->max)
			b->max = store_col_double(st, 5);
		if (store_col_int(st, 6))
			nopct.v[nopct.n - 1] = true;
	}
	if (r < 0 || !(flags & METRICS_FETCH_SKETCH)) {
		vec_release(&nopct);
		return r < 0 ? r : 0;
	}
	r = store_exec(c, &st,
		       "SELECT res, ts, bin, n FROM metric_bins WHERE series = ? AND ts >= ? AND "
		       "ts < ? ORDER BY ts, bin",
		       "iii", e, u->id, start_ms, end_ms);
	for (k = first; r > 0; r = store_step(st, e)) {
		int res = (int)store_col_int(st, 0);
		int64_t ts = store_col_int(st, 1), at;

		if (!metrics__res_fits(res, period_s))
			continue;
		at = start_ms + (ts - start_ms) / pw * pw;
		while (k < out->n && out->v[k].ts_ms < at)
			k++;
		if (k == out->n)
			break;
		if (out->v[k].ts_ms != at || nopct.v[k - first])
			continue;
		if (metrics__sketch_add(&out->v[k], (int)store_col_int(st, 2),
					store_col_double(st, 3))) {
			vec_release(&nopct);
			return err_set(e, SW_E_NOMEM, NULL);
		}
	}
	vec_release(&nopct);
	return r < 0 ? r : 0;
}

int metrics_fetch(struct store_conn *c, const struct metric_key *k, const char *unit,
		  int64_t start_ms, int64_t end_ms, int period_s, unsigned flags,
		  struct metric_series *out, struct err *e)
{
	struct metrics__buckets v = VEC_INIT(METRICS_FETCH_MAX * 8);
	struct metrics__unit units[64];
	size_t nu;
	int r;

	out->b = NULL;
	out->n = 0;
	if (period_s <= 0 || end_ms <= start_ms)
		return 0;
	if ((end_ms - start_ms) / time_scaled_ms(period_s) > METRICS_FETCH_MAX)
		return err_set(e, SW_E_TOO_LARGE, "too many datapoints");
	r = metrics__units(c, k, unit, units, sizeof(units) / sizeof(units[0]), &nu, e);
	for (size_t i = 0; i < nu && !r; i++)
		r = metrics__fetch_one(c, &units[i], start_ms, end_ms, period_s, flags, &v, e);
	out->b = v.v;
	out->n = v.n;
	if (r)
		return r;
	if (nu > 1 && out->n)
		qsort(out->b, out->n, sizeof(*out->b), metrics__bucket_cmp);
	return 0;
}

/* ---- statistics ---- */

int metrics_stat_series(struct store_conn *c, const struct metric_key *k, const char *unit,
			const char *stat, int64_t start, int64_t end, int period,
			struct mm_series *out, double *counts, struct err *e)
{
	struct metric_series ms = { 0 };
	unsigned flags = stat[0] == 'p' ? METRICS_FETCH_SKETCH : 0;
	int r = metrics_fetch(c, k, unit, start, end, period, flags, &ms, e);

	out->n = 0;
	out->ts = NULL;
	out->v = NULL;
	if (!r && ms.n) {
		out->ts = malloc(ms.n * sizeof(*out->ts));
		out->v = malloc(ms.n * sizeof(*out->v));
		if (!out->ts || !out->v)
			r = err_set(e, SW_E_NOMEM, NULL);
	}
	for (size_t i = 0; !r && i < ms.n; i++) {
		double v;

		/* several units in one period: CloudWatch keeps them apart; a series has one
		 * value per timestamp, so the first unit's stands */
		if (out->n && out->ts[out->n - 1] == ms.b[i].ts_ms)
			continue;
		if (metric_bucket_stat(&ms.b[i], stat, &v))
			continue;
		if (counts)
			counts[out->n] = ms.b[i].count;
		out->ts[out->n] = ms.b[i].ts_ms;
		out->v[out->n++] = v;
	}
	metric_series_release(&ms);
	if (r)
		mm_series_release(out);
	return r;
}

/* ---- the walk ---- */

struct metrics__row {
	char *mkey, *ns, *name, *dims, *unit;
	struct metric_totals t;
};

static int metrics__row_cmp(const void *x, const void *y)
{
	const struct metrics__row *a = x, *b = y;
	int d = strcmp(a->mkey, b->mkey);

	return d ? d : strcmp(a->unit, b->unit);
}

static int metrics__call(const struct metrics__row *row,
			 int (*fn)(void *, const struct metric_key *, const char *,
				   const struct metric_totals *),
			 void *arg)
{
	struct metric_dim dims[METRIC_DIMS_MAX];
	json_t *a = json_loads(row->dims, 0, NULL), *d;
	struct metric_key k = { row->ns, row->name, dims, 0 };
	size_t i;
	int r;

	json_array_foreach(a, i, d)
	{
		if (k.ndims == METRIC_DIMS_MAX)
			break;
		dims[k.ndims].name = json_string_value(json_object_get(d, "Name"));
		dims[k.ndims].value = json_string_value(json_object_get(d, "Value"));
		if (dims[k.ndims].name && dims[k.ndims].value)
			k.ndims++;
	}
	r = fn(arg, &k, row->unit, &row->t);
	json_decref(a);
	return r;
}

int metrics_each(struct store_conn *c, const char *ns, const char *name,
		 int (*fn)(void *arg, const struct metric_key *k, const char *unit,
			   const struct metric_totals *t),
		 void *arg, struct err *e)
{
	VEC(struct metrics__row) rows = VEC_INIT(1u << 22);
	struct store_stmt *st;
	int r;

	if (ns && name)
		r = store_exec(c, &st,
			       "SELECT mkey, ns, name, dims, unit, total_count, total_sum, "
			       "last_value, last_ts FROM metric_series WHERE ns = ? AND name = ?",
			       "tt", e, ns, name);
	else if (ns)
		r = store_exec(c, &st,
			       "SELECT mkey, ns, name, dims, unit, total_count, total_sum, "
			       "last_value, last_ts FROM metric_series WHERE ns = ?",
			       "t", e, ns);
	else if (name)
		r = store_exec(c, &st,
			       "SELECT mkey, ns, name, dims, unit, total_count, total_sum, "
			       "last_value, last_ts FROM metric_series WHERE name = ?",
			       "t", e, name);
	else
		r = store_exec(c, &st,
			       "SELECT mkey, ns, name, dims, unit, total_count, total_sum, "
			       "last_value, last_ts FROM metric_series",
			       "", e);
	for (; r > 0; r = store_step(st, e)) {
		struct metrics__row row = {
			str_dup(store_col_text(st, 0)),
			str_dup(store_col_text(st, 1)),
			str_dup(store_col_text(st, 2)),
			str_dup(store_col_text(st, 3)),
			str_dup(store_col_text(st, 4)),
			{ store_col_double(st, 5), store_col_double(st, 6), store_col_double(st, 7),
			  store_col_int(st, 8) },
		};

		if (!row.mkey || !row.ns || !row.name || !row.dims || !row.unit ||
		    vec_push(&rows, row)) {
			free(row.mkey);
			free(row.ns);
			free(row.name);
			free(row.dims);
			free(row.unit);
			r = err_set(e, SW_E_NOMEM, NULL);
			break;
		}
	}
	if (r >= 0) {
		r = 0;
		if (rows.n) /* rows.v is NULL when empty: qsort may not take it */
			qsort(rows.v, rows.n, sizeof(*rows.v), metrics__row_cmp);
		for (size_t i = 0; i < rows.n && !r; i++)
			r = metrics__call(&rows.v[i], fn, arg);
	}
	for (size_t i = 0; i < rows.n; i++) {
		free(rows.v[i].mkey);
		free(rows.v[i].ns);
		free(rows.v[i].name);
		free(rows.v[i].dims);
		free(rows.v[i].unit);
	}
	vec_release(&rows);
	return r;
}

/* ---- retention ---- */

/* Drops the buckets (and bins) of resolution res older than cutoff: the rows removed. */
static int64_t metrics__drop(struct store_conn *c, int res, int64_t cutoff, struct err *e)
{
	int64_t gone;
	int r;

	if ((r = store_exec(c, NULL, "DELETE FROM metric_buckets WHERE res = ? AND ts < ?", "ii", e,
			    (int64_t)res, cutoff)) < 0)
		return r;
	gone = store_changes(c);
	if ((r = store_exec(c, NULL, "DELETE FROM metric_bins WHERE res = ? AND ts < ?", "ii", e,
			    (int64_t)res, cutoff)) < 0)
		return r;
	return gone + store_changes(c);
}

/* Rolls the buckets of resolution from older than cutoff into resolution to, then drops them. */
static int64_t metrics__rollup(struct store_conn *c, int from, int to, int64_t cutoff,
			       struct err *e)
{
	int64_t w = time_scaled_ms(to);
	int r;

	r = store_exec(
	    c, NULL,
	    "INSERT INTO metric_buckets (series, res, ts, n, sum, lo, hi, nopct) "
	    "SELECT series, ?, ts - ts % ?, SUM(n), SUM(sum), MIN(lo), MAX(hi), "
	    "MAX(nopct) FROM metric_buckets WHERE res = ? AND ts < ? "
	    "GROUP BY 1, 3 " /* by position: PostgreSQL matches expressions, not parameters */
	    "ON CONFLICT (series, res, ts) DO UPDATE SET "
	    "n = metric_buckets.n + excluded.n, sum = metric_buckets.sum + excluded.sum, "
	    "lo = CASE WHEN excluded.lo < metric_buckets.lo THEN excluded.lo "
	    "ELSE metric_buckets.lo END, "
	    "hi = CASE WHEN excluded.hi > metric_buckets.hi THEN excluded.hi "
	    "ELSE metric_buckets.hi END, "
	    "nopct = CASE WHEN excluded.nopct > metric_buckets.nopct "
	    "THEN excluded.nopct ELSE metric_buckets.nopct END",
	    "iiii", e, (int64_t)to, w, (int64_t)from, cutoff);
	if (r < 0)
		return r;
	r = store_exec(c, NULL,
		       "INSERT INTO metric_bins (series, res, ts, bin, n) "
		       "SELECT series, ?, ts - ts % ?, bin, SUM(n) FROM metric_bins "
		       "WHERE res = ? AND ts < ? GROUP BY 1, 3, 4 "
		       "ON CONFLICT (series, res, ts, bin) DO UPDATE SET "
		       "n = metric_bins.n + excluded.n",
		       "iiii", e, (int64_t)to, w, (int64_t)from, cutoff);
	return r < 0 ? r : metrics__drop(c, from, cutoff, e);
}

int64_t metrics_expire(struct store_conn *c, int64_t now_ms, struct err *e)
{
	static const int64_t hour = 3600;
	int64_t total = 0, r;

	/* cut-offs on the coarser bucket's boundary, so no bucket is rolled up in halves */
	r = metrics__drop(c, 1, now_ms - time_scaled_ms(3 * hour), e);
	if (r >= 0)
		total += r,
		    r = metrics__rollup(c, 60, 300,
					metrics__floor(now_ms - time_scaled_ms(15 * 24 * hour),
						       time_scaled_ms(300)),
					e);
	if (r >= 0)
		total += r,
		    r = metrics__rollup(c, 300, 3600,
					metrics__floor(now_ms - time_scaled_ms(63 * 24 * hour),
						       time_scaled_ms(3600)),
					e);
	if (r >= 0)
		total += r, r = metrics__drop(c, 3600, now_ms - time_scaled_ms(455 * 24 * hour), e);
	if (r >= 0)
		total += r, r = store_exec(c, NULL,
					   "DELETE FROM metric_series WHERE last_ts < ? AND NOT "
					   "EXISTS (SELECT 1 FROM metric_buckets b WHERE b.series "
					   "= metric_series.id)",
					   "i", e, now_ms - time_scaled_ms(455 * 24 * hour));
	if (r >= 0)
		total += store_changes(c);
	return r < 0 ? r : total;
}
