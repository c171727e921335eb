/* alarm_eval: CloudWatch's metric-alarm rule as a pure function — which of the recent
 * periods count, how missing ones are treated, the state that follows and the words AWS gives
 * for it (reference cloudwatch.md §3.5, §3.6).  No store, no clock: engine/alarm_job.c feeds
 * it the periods it fetched, and the unit tests feed it AWS's tables. */
#ifndef SW_ENGINE_ALARM_EVAL_H
#define SW_ENGINE_ALARM_EVAL_H

#include "model/alarms.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum alarm_cmp {
	ALARM_CMP_GE, /* GreaterThanOrEqualToThreshold */
	ALARM_CMP_GT, /* GreaterThanThreshold */
	ALARM_CMP_LT, /* LessThanThreshold */
	ALARM_CMP_LE, /* LessThanOrEqualToThreshold */
};

enum alarm_missing {
	ALARM_MISSING_MISSING, /* the default */
	ALARM_MISSING_NOT_BREACHING,
	ALARM_MISSING_BREACHING,
	ALARM_MISSING_IGNORE,
};

/* -1 for a name that is not one of them. */
int alarm_cmp_parse(const char *s);
int alarm_missing_parse(const char *s);
/* "greater than or equal to" …, the words of reasons. */
const char *alarm_cmp_words(enum alarm_cmp c);

/* How many recent periods an evaluation looks at for N evaluation periods (R > N; AWS does not
 * document it, its examples show 5 for 3: N + max(N / 3, 2)). */
size_t alarm_eval_range(int n);

/* One period of the evaluation range. */
struct alarm_slot {
	int64_t ts; /* the period's start, epoch ms */
	bool present;
	double value;	     /* the statistic, when present */
	double sample_count; /* its SampleCount, when present */
};

#define ALARM_EVAL_MAX 1440 /* periods in a range (N <= 1440 at 60 s, one day) */

struct alarm_eval_in {
	const struct alarm_slot *slots; /* oldest first */
	size_t nslots;
	int n, m; /* EvaluationPeriods, DatapointsToAlarm (m <= n) */
	enum alarm_cmp cmp;
	double threshold;
	enum alarm_missing missing;
	enum alarm_state current;
};

enum alarm_eval_why {
	ALARM_WHY_THRESHOLD,   /* real (and filled) datapoints decided */
	ALARM_WHY_ALL_MISSING, /* no real datapoint; every slot was filled */
	ALARM_WHY_UNKNOWN,     /* not enough data: INSUFFICIENT_DATA */
	ALARM_WHY_KEEP,	       /* TreatMissingData=ignore with nothing to go on: no change */
};

struct alarm_eval_out {
	enum alarm_state state; /* ALARM_STATE_NONE with ALARM_WHY_KEEP */
	enum alarm_eval_why why;
	size_t used[ALARM_EVAL_MAX]; /* the real slots evaluated, newest first */
	size_t nused;
	size_t breaching;   /* of them, breaching */
	size_t nfilled;	    /* missing slots filled by TreatMissingData */
	bool fill_breaches; /* filled as breaching (else as not breaching) */
	size_t unknown;	    /* missing slots left unknown */
};

/* Whether a value breaches the threshold. */
bool alarm_breaches(enum alarm_cmp cmp, double value, double threshold);

/* Applies the rule of §3.5 to in. */
void alarm_evaluate(const struct alarm_eval_in *in, struct alarm_eval_out *out);

/* The StateReason AWS gives for out (from the state `from`), into buf. */
void alarm_reason(const struct alarm_eval_in *in, const struct alarm_eval_out *out,
		  enum alarm_state from, char *buf, size_t size);

/* A number as CloudWatch prints one (a Java double: 5.0, 0.25, 1.0E10). */
void alarm_number(double v, char *buf, size_t size);

#endif
