/* shift: traffic-shifting schedules — a deployment configuration's trafficRoutingConfig
 * (TimeBasedCanary, TimeBasedLinear, AllAtOnce, and Slipway's SlipwaySteps) as a list of steps,
 * and the per-server HAProxy weights that give two fleets a share of traffic
 * (docs/traffic.md).  Pure functions: no store, no I/O; the clock is read only through the
 * time scale. */
#ifndef SW_ENGINE_SHIFT_H
#define SW_ENGINE_SHIFT_H

#include "base/err.h"
#include "model/codedeploy_errors.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The longest schedule: TimeBasedLinear 1 % (100 steps); a SlipwaySteps list has at most
 * SHIFT_LIST_MAX steps. */
#define SHIFT_STEPS_MAX 100
#define SHIFT_LIST_MAX	20
/* AWS's limits: at most 99 % in one increment of a time-based config, and at most two days
 * from the first shift to the last (for SlipwaySteps: the sum of every wait). */
#define SHIFT_PERCENT_MAX  99
#define SHIFT_SPAN_MAX_MIN 2880
/* HAProxy's server weights run from 0 (no new traffic) to 256. */
#define SHIFT_WEIGHT_MAX 256

/* One step: move traffic so that `percent` % of it goes to the new version/fleet, then wait. */
struct shift_step {
	int percent;	  /* 1..100, strictly increasing along a schedule */
	int wait_minutes; /* the wait after reaching percent, in CodeDeploy minutes */
	int64_t wait_ms;  /* the same wait in real milliseconds: time_scaled_ms(), --time-scale */
};

/*
 * The schedule of a trafficRoutingConfig, as CreateDeploymentConfig accepts it:
 *   AllAtOnce        → [100]
 *   TimeBasedCanary  → [p wait I, 100]                        (p = canaryPercentage 1..99,
 *                                                               I = canaryInterval ≥ 1 min)
 *   TimeBasedLinear  → [p wait I, 2p wait I, …, 100 wait I]   (p = linearPercentage 1..99)
 *   SlipwaySteps     → the list as given (slipwaySteps.steps[]: percentage, waitInMinutes)
 * TimeBasedLinear has ceil(100/p) steps, the last capped at 100 %, and the wait follows every
 * step, the last one included: Linear10PercentEvery10Minutes takes 100 minutes (N × interval,
 * as SAM documents it), so the last slice bakes as long as the others before the deployment
 * moves on.  Canary and AllAtOnce end at 100 % with no wait (AWS: exactly two shifts, the
 * second at t0 + interval); a SlipwaySteps list ends with 100 % and the wait given for it
 * (default 0).  Limits: canaryInterval ≤ 2880 min; (N − 1) × linearInterval ≤ 2880 min
 * (first to last shift); SlipwaySteps: 1..SHIFT_LIST_MAX steps, percentages strictly
 * increasing from 1, the last exactly 100, waits integers ≥ 0 summing to ≤ 2880 min.
 *
 * Writes at most max steps to steps[] and their count to *n.  A config outside these rules
 * (wrong types, unknown type, a member of another type, out of range) fails with
 * -SW_E_InvalidTrafficRoutingConfiguration and a message naming the member; a schedule
 * longer than max fails with -SW_E_INVALID.  Nothing is allocated.
 */
int shift_schedule(const json_t *traffic_routing_config, struct shift_step *steps, size_t max,
		   size_t *n, struct err *e);

/*
 * The per-server weights for n_green new and n_blue original servers, equal inside each fleet,
 * so that green's share of traffic, n_green·w_green / (n_green·w_green + n_blue·w_blue), is as
 * close to percent as HAProxy's integer weights 1..SHIFT_WEIGHT_MAX allow.
 *
 * percent ≤ 0 → green 0, blue 1; percent ≥ 100 → green 1, blue 0 (1 is HAProxy's default
 * weight).  Otherwise both are ≥ 1: for each w_green in 1..256 the two integer w_blue around
 * the exact n_green·w_green·(100 − percent) / (n_blue·percent) are tried (clamped to 1..256),
 * and the pair whose share is nearest to percent wins, the smallest w_green on a tie (so an
 * even split of equal fleets is 1:1).  The share is within 0.05 percentage point of percent
 * whenever the per-server ratio it needs lies within 1/256..256 (every percent 1..99 for equal
 * fleets, and for any two fleets of 1..10 servers from 4 % to 96 %); beyond that the
 * weights saturate at 256:1 (1 green and 10 blue servers at 99 % get 96.2 %).  With a fleet
 * empty, both weights are 1.
 */
void shift_weights(int percent, size_t n_green, size_t n_blue, int *w_green, int *w_blue);

#endif
