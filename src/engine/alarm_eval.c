/* alarm_eval: the metric-alarm rule of CloudWatch (engine/alarm_eval.h).
 *
 * Per evaluation (reference §3.5): if at least N of the range's periods hold real datapoints,
 * the N newest real ones are evaluated and TreatMissingData does not matter; otherwise every
 * real one is, and missing periods fill up to N as TreatMissingData says.  Then: at least M
 * breaching → ALARM; else any non-breaching datapoint (real or filled) → OK; else with
 * `missing`, ALARM when the oldest breaching datapoint is at least M periods old (the premature
 * transition) and INSUFFICIENT_DATA otherwise; with `ignore`, no change. */
#include "alarm_eval.h"
#include "base/buf.h"
#include "base/str.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const alarm__cmps[] = {
	"GreaterThanOrEqualToThreshold",
	"GreaterThanThreshold",
	"LessThanThreshold",
	"LessThanOrEqualToThreshold",
};

static const char *const alarm__cmp_words[] = {
	"greater than or equal to",
	"greater than",
	"less than",
	"less than or equal to",
};

static const char *const alarm__missing[] = { "missing", "notBreaching", "breaching", "ignore" };

int alarm_cmp_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && strcmp(alarm__cmps[i], s) == 0)
			return i;
	return -1;
}

int alarm_missing_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && strcmp(alarm__missing[i], s) == 0)
			return i;
	return -1;
}

const char *alarm_cmp_words(enum alarm_cmp c)
{
	return alarm__cmp_words[c];
}

size_t alarm_eval_range(int n)
{
	int extra = n / 3 > 2 ? n / 3 : 2;

	return (size_t)(n + extra);
}

bool alarm_breaches(enum alarm_cmp cmp, double value, double threshold)
{
	switch (cmp) {
	case ALARM_CMP_GE:
		return value >= threshold;
	case ALARM_CMP_GT:
		return value > threshold;
	case ALARM_CMP_LT:
		return value < threshold;
	case ALARM_CMP_LE:
		return value <= threshold;
	}
	return false;
}

void alarm_evaluate(const struct alarm_eval_in *in, struct alarm_eval_out *out)
{
	size_t real = 0, want = (size_t)in->n, oldest_breach_age = 0;
	bool any_ok;

	memset(out, 0, sizeof(*out));
	for (size_t i = in->nslots; i-- > 0;)
		real += in->slots[i].present;
	/* the real datapoints evaluated, newest first: the N newest, or all of them */
	for (size_t i = in->nslots; i-- > 0 && out->nused < want && out->nused < ALARM_EVAL_MAX;) {
		if (!in->slots[i].present)
			continue;
		out->used[out->nused++] = i;
		if (alarm_breaches(in->cmp, in->slots[i].value, in->threshold)) {
			out->breaching++;
			oldest_breach_age = in->nslots - i; /* 1 = the newest period */
		}
	}
	if (real < want) {
		size_t gap = want - out->nused;

		if (in->missing == ALARM_MISSING_BREACHING ||
		    in->missing == ALARM_MISSING_NOT_BREACHING) {
			out->nfilled = gap;
			out->fill_breaches = in->missing == ALARM_MISSING_BREACHING;
			if (out->fill_breaches)
				out->breaching += gap;
		} else {
			out->unknown = gap;
		}
	}
	any_ok = out->nused > out->breaching - (out->fill_breaches ? out->nfilled : 0) ||
		 (out->nfilled && !out->fill_breaches);
	out->why = out->nused ? ALARM_WHY_THRESHOLD : ALARM_WHY_ALL_MISSING;
	if (out->breaching >= (size_t)in->m) {
		out->state = ALARM_STATE_ALARM;
	} else if (any_ok) {
		out->state = ALARM_STATE_OK;
	} else if (in->missing == ALARM_MISSING_IGNORE) {
		out->state = ALARM_STATE_NONE;
		out->why = ALARM_WHY_KEEP;
	} else if (out->breaching && oldest_breach_age >= (size_t)in->m) {
		out->state =
		    ALARM_STATE_ALARM; /* premature: what is newer is breaching or missing */
		out->why = ALARM_WHY_THRESHOLD;
	} else {
		out->state = ALARM_STATE_INSUFFICIENT_DATA;
		out->why = ALARM_WHY_UNKNOWN;
	}
}

void alarm_number(double v, char *buf, size_t size)
{
	if (!isfinite(v)) {
		str_copy(buf, size, isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (v != 0 && (fabs(v) >= 1e7 || fabs(v) < 1e-3)) {
		char m[40];
		int ex = (int)floor(log10(fabs(v)));
		double mant = v / pow(10, ex);

		alarm_number(mant, m, sizeof(m));
		snprintf(buf, size, "%sE%d", m, ex);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* drop trailing zeros but keep one decimal, as Java does */
	size_t n = strlen(buf);

	while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[--n] = '\0';
}

/* dd/MM/yy HH:mm:ss of epoch ms, UTC. */
static void alarm__date(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%d/%m/%y %H:%M:%S", &tm);
}

/* (alarm_state_name is the model's; this file links without it, for its unit test) */
static const char *alarm__state_word(enum alarm_state s)
{
	return s == ALARM_STATE_OK ? "OK" : s == ALARM_STATE_ALARM ? "ALARM" : "INSUFFICIENT_DATA";
}

void alarm_reason(const struct alarm_eval_in *in, const struct alarm_eval_out *out,
		  enum alarm_state from, char *buf, size_t size)
{
	struct buf b;
	char num[40], thr[40], date[32];
	bool alarm = out->state == ALARM_STATE_ALARM;
	size_t listed = 0;

	buf_init(&b, size > 1 ? size - 1 : 1);
	alarm_number(in->threshold, thr, sizeof(thr));
	if (out->why == ALARM_WHY_UNKNOWN) {
		buf_addf(&b, "Insufficient Data: %zu datapoint%s %s unknown.", out->unknown,
			 out->unknown == 1 ? "" : "s", out->unknown == 1 ? "was" : "were");
	} else if (out->why == ALARM_WHY_ALL_MISSING) {
		buf_addf(&b,
			 "Threshold Crossed: no datapoints were received for %zu period%s and %zu "
			 "missing datapoint%s %s treated as [%s].",
			 out->nfilled, out->nfilled == 1 ? "" : "s", out->nfilled,
			 out->nfilled == 1 ? "" : "s", out->nfilled == 1 ? "was" : "were",
			 out->fill_breaches ? "Breaching" : "NonBreaching");
	} else {
		/* the datapoints that decided: the breaching ones for ALARM, the others for OK */
		for (size_t i = 0; i < out->nused; i++) {
			const struct alarm_slot *s = &in->slots[out->used[i]];

			listed += alarm_breaches(in->cmp, s->value, in->threshold) == alarm;
		}
		buf_addf(&b, "Threshold Crossed: %zu out of the last %zu datapoints [", listed,
			 out->nused);
		for (size_t i = 0, k = 0; i < out->nused; i++) {
			const struct alarm_slot *s = &in->slots[out->used[i]];

			if (alarm_breaches(in->cmp, s->value, in->threshold) != alarm)
				continue;
			alarm_number(s->value, num, sizeof(num));
			alarm__date(s->ts, date);
			buf_addf(&b, "%s%s (%s)", k++ ? ", " : "", num, date);
		}
		buf_addf(&b, "] %s %s%s the threshold (%s)", listed == 1 ? "was" : "were",
			 alarm ? "" : "not ", alarm_cmp_words(in->cmp), thr);
		if (out->nfilled)
			buf_addf(&b, " and %zu missing datapoint%s %s treated as [%s]",
				 out->nfilled, out->nfilled == 1 ? "" : "s",
				 out->nfilled == 1 ? "was" : "were",
				 out->fill_breaches ? "Breaching" : "NonBreaching");
		buf_addf(&b, " (minimum %d datapoint%s for %s -> %s transition).",
			 alarm ? in->m : 1, (alarm ? in->m : 1) == 1 ? "" : "s",
			 alarm__state_word(from), alarm__state_word(out->state));
	}
	str_copy(buf, size, b.len ? buf_str(&b) : "");
	buf_release(&b);
}
