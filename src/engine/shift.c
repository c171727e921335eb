/* shift: a trafficRoutingConfig as a list of traffic steps, and the HAProxy weights of a share
 * (the rules are shift.h's; docs/traffic.md explains them to users). */
#include "shift.h"
#include "base/json.h"
#include "base/timeutil.h"

#include <string.h>

#define SHIFT_E SW_E_InvalidTrafficRoutingConfiguration

static int shift__add(struct shift_step *steps, size_t max, size_t *n, int64_t percent,
		      int64_t minutes, struct err *e)
{
	if (*n >= max)
		return err_set(e, SW_E_INVALID, "the traffic schedule has more than %zu steps",
			       max);
	steps[*n].percent = (int)percent;
	steps[*n].wait_minutes = (int)minutes;
	steps[*n].wait_ms = time_scaled_ms((double)minutes * 60.0);
	(*n)++;
	return 0;
}

/* A member that must be absent (or null) for this type. */
static const json_t *shift__member(const json_t *trc, const char *key)
{
	const json_t *v = json_object_get(trc, key);

	return json_is_null(v) ? NULL : v;
}

/* Reads {<pct_key>, <int_key>} of a time-based config. */
static int shift__time_based(const json_t *trc, const char *what, const char *pct_key,
			     const char *int_key, int64_t *pct, int64_t *interval, struct err *e)
{
	const json_t *o = shift__member(trc, what);

	if (!json_is_object(o))
		return err_set(e, SHIFT_E, "trafficRoutingConfig.%s is required for this type",
			       what);
	if (json_opt_int(o, pct_key, pct, e) || json_opt_int(o, int_key, interval, e))
		return err_set(e, SHIFT_E, "%s.%s and %s.%s must be integers", what, pct_key, what,
			       int_key);
	if (*pct < 1 || *pct > SHIFT_PERCENT_MAX)
		return err_set(e, SHIFT_E, "%s.%s must be between 1 and %d", what, pct_key,
			       SHIFT_PERCENT_MAX);
	if (*interval < 1)
		return err_set(e, SHIFT_E, "%s.%s must be at least 1 minute", what, int_key);
	return 0;
}

static int shift__canary(const json_t *trc, struct shift_step *steps, size_t max, size_t *n,
			 struct err *e)
{
	int64_t pct = 0, interval = 0;
	int r;

	r = shift__time_based(trc, "timeBasedCanary", "canaryPercentage", "canaryInterval", &pct,
			      &interval, e);
	if (r)
		return r;
	if (interval > SHIFT_SPAN_MAX_MIN)
		return err_set(e, SHIFT_E,
			       "canaryInterval must be at most %d minutes (2 days), not %lld",
			       SHIFT_SPAN_MAX_MIN, (long long)interval);
	r = shift__add(steps, max, n, pct, interval, e);
	return r ? r : shift__add(steps, max, n, 100, 0, e);
}

static int shift__linear(const json_t *trc, struct shift_step *steps, size_t max, size_t *n,
			 struct err *e)
{
	int64_t pct = 0, interval = 0, count;
	int r;

	r = shift__time_based(trc, "timeBasedLinear", "linearPercentage", "linearInterval", &pct,
			      &interval, e);
	if (r)
		return r;
	count = (100 + pct - 1) / pct; /* shifts, the first one at the start; at least 2 */
	if (interval > SHIFT_SPAN_MAX_MIN)
		return err_set(e, SHIFT_E,
			       "linearInterval must be at most %d minutes (2 days), not %lld",
			       SHIFT_SPAN_MAX_MIN, (long long)interval);
	if ((count - 1) * interval > SHIFT_SPAN_MAX_MIN)
		return err_set(e, SHIFT_E,
			       "shifting %lld%% every %lld minutes takes %lld minutes; the limit "
			       "is %d minutes (2 days)",
			       (long long)pct, (long long)interval,
			       (long long)((count - 1) * interval), SHIFT_SPAN_MAX_MIN);
	for (int64_t i = 1; i <= count; i++) {
		r = shift__add(steps, max, n, i == count ? 100 : i * pct, interval, e);
		if (r)
			return r;
	}
	return 0;
}

/* One entry of slipwaySteps.steps: {percentage, waitInMinutes?} and nothing else. */
static int shift__list_entry(const json_t *s, size_t i, int64_t prev, int64_t *pct, int64_t *wait,
			     struct err *e)
{
	const char *key;
	json_t *v;

	if (!json_is_object(s))
		return err_set(e, SHIFT_E,
			       "slipwaySteps.steps[%zu] must be an object {percentage, "
			       "waitInMinutes}",
			       i);
	json_object_foreach((json_t *)s, key, v)
	{
		if (strcmp(key, "percentage") != 0 && strcmp(key, "waitInMinutes") != 0)
			return err_set(e, SHIFT_E,
				       "slipwaySteps.steps[%zu] has an unknown member '%s' (a step "
				       "is {percentage, waitInMinutes})",
				       i, key);
	}
	*pct = 0;
	*wait = 0;
	if (!shift__member(s, "percentage"))
		return err_set(e, SHIFT_E, "slipwaySteps.steps[%zu].percentage is required", i);
	if (json_opt_int(s, "percentage", pct, e) || json_opt_int(s, "waitInMinutes", wait, e))
		return err_set(e, SHIFT_E,
			       "slipwaySteps.steps[%zu].percentage and .waitInMinutes must be "
			       "integers",
			       i);
	if (*pct < 1 || *pct > 100)
		return err_set(e, SHIFT_E,
			       "slipwaySteps.steps[%zu].percentage must be between 1 and 100, not "
			       "%lld",
			       i, (long long)*pct);
	if (*pct <= prev)
		return err_set(e, SHIFT_E,
			       "slipwaySteps.steps[%zu].percentage %lld does not exceed the step "
			       "before it (%lld): percentages must increase strictly",
			       i, (long long)*pct, (long long)prev);
	if (*wait < 0 || *wait > SHIFT_SPAN_MAX_MIN)
		return err_set(
		    e, SHIFT_E,
		    "slipwaySteps.steps[%zu].waitInMinutes must be between 0 and %d, not "
		    "%lld",
		    i, SHIFT_SPAN_MAX_MIN, (long long)*wait);
	return 0;
}

static int shift__list(const json_t *trc, struct shift_step *steps, size_t max, size_t *n,
		       struct err *e)
{
	const json_t *o = shift__member(trc, "slipwaySteps"), *list;
	int64_t prev = 0, pct = 0, wait = 0, total = 0;
	size_t count;
	int r;

	if (!json_is_object(o))
		return err_set(e, SHIFT_E,
			       "trafficRoutingConfig.slipwaySteps {steps: [{percentage, "
			       "waitInMinutes}, …]} is required for type SlipwaySteps");
	list = json_object_get(o, "steps");
	if (!json_is_array(list) || json_array_size(list) == 0)
		return err_set(e, SHIFT_E,
			       "slipwaySteps.steps must be a list of 1 to %d steps "
			       "{percentage, waitInMinutes}",
			       SHIFT_LIST_MAX);
	count = json_array_size(list);
	if (count > SHIFT_LIST_MAX)
		return err_set(e, SHIFT_E, "slipwaySteps.steps has %zu steps; the limit is %d",
			       count, SHIFT_LIST_MAX);
	for (size_t i = 0; i < count; i++) {
		r = shift__list_entry(json_array_get(list, i), i, prev, &pct, &wait, e);
		if (r)
			return r;
		total += wait;
		if (total > SHIFT_SPAN_MAX_MIN)
			return err_set(e, SHIFT_E,
				       "slipwaySteps waits add up to more than %d minutes (2 days)",
				       SHIFT_SPAN_MAX_MIN);
		r = shift__add(steps, max, n, pct, wait, e);
		if (r)
			return r;
		prev = pct;
	}
	if (prev != 100)
		return err_set(e, SHIFT_E,
			       "the last of slipwaySteps.steps must shift 100%%, not %lld%%: a "
			       "schedule ends with all traffic on the new version",
			       (long long)prev);
	return 0;
}

/* The members each type takes; any other of them present is an error. */
static const char *const shift__members[] = { "timeBasedCanary", "timeBasedLinear",
					      "slipwaySteps" };

static const struct {
	const char *type;
	const char *member; /* NULL: none */
	int (*build)(const json_t *, struct shift_step *, size_t, size_t *, struct err *);
} shift__types[] = {
	{ "AllAtOnce", NULL, NULL },
	{ "TimeBasedCanary", "timeBasedCanary", shift__canary },
	{ "TimeBasedLinear", "timeBasedLinear", shift__linear },
	{ "SlipwaySteps", "slipwaySteps", shift__list },
};

int shift_schedule(const json_t *trc, struct shift_step *steps, size_t max, size_t *n,
		   struct err *e)
{
	const char *type = NULL;

	*n = 0;
	if (!json_is_object(trc))
		return err_set(e, SHIFT_E, "trafficRoutingConfig must be an object");
	if (json_opt_str(trc, "type", &type, e))
		return err_set(e, SHIFT_E, "trafficRoutingConfig.type must be a string");
	if (!type)
		return err_set(e, SHIFT_E,
			       "trafficRoutingConfig.type is required (TimeBasedCanary, "
			       "TimeBasedLinear, AllAtOnce or SlipwaySteps)");
	for (size_t t = 0; t < sizeof(shift__types) / sizeof(shift__types[0]); t++) {
		if (strcmp(type, shift__types[t].type) != 0)
			continue;
		for (size_t m = 0; m < sizeof(shift__members) / sizeof(shift__members[0]); m++)
			if (shift__member(trc, shift__members[m]) &&
			    (!shift__types[t].member ||
			     strcmp(shift__members[m], shift__types[t].member) != 0))
				return err_set(e, SHIFT_E,
					       "a traffic routing config of type %s takes no %s",
					       type, shift__members[m]);
		if (!shift__types[t].build)
			return shift__add(steps, max, n, 100, 0, e);
		return shift__types[t].build(trc, steps, max, n, e);
	}
	return err_set(e, SHIFT_E,
		       "trafficRoutingConfig.type must be TimeBasedCanary, TimeBasedLinear, "
		       "AllAtOnce or SlipwaySteps, not '%s'",
		       type);
}

/* |share − percent| scaled to avoid division: compares a/(a+b) with p/100. */
static double shift__error(int percent, size_t n_green, size_t n_blue, int wg, int wb)
{
	double g = (double)n_green * wg, b = (double)n_blue * wb;
	double d = 100.0 * g / (g + b) - percent;

	return d < 0 ? -d : d;
}

static int shift__clamp(double w)
{
	if (w < 1)
		return 1;
	if (w > SHIFT_WEIGHT_MAX)
		return SHIFT_WEIGHT_MAX;
	return (int)w;
}

void shift_weights(int percent, size_t n_green, size_t n_blue, int *w_green, int *w_blue)
{
	double best = 1e9;

	if (percent <= 0) {
		*w_green = 0;
		*w_blue = 1;
		return;
	}
	if (percent >= 100) {
		*w_green = 1;
		*w_blue = 0;
		return;
	}
	*w_green = 1;
	*w_blue = 1;
	if (n_green == 0 || n_blue == 0)
		return;
	for (int wg = 1; wg <= SHIFT_WEIGHT_MAX; wg++) {
		/* the exact blue weight for this green weight; the nearest integers around it */
		double exact = (double)n_green * wg * (100 - percent) / ((double)n_blue * percent);
		int cand[2] = { shift__clamp(exact), shift__clamp(exact + 1) };

		for (int k = 0; k < 2; k++) {
			double err = shift__error(percent, n_green, n_blue, wg, cand[k]);

			if (err < best - 1e-12) {
				best = err;
				*w_green = wg;
				*w_blue = cand[k];
			}
		}
	}
}
