/* fuzz_shift: trafficRoutingConfig documents through shift_schedule(), and the weights of
 * every step it yields for a few fleet sizes (every step in 1..100, increasing, and the
 * weights within HAProxy's 0..256). */
#include "engine/shift.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct shift_step steps[SHIFT_STEPS_MAX];
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	struct err e = { 0 };
	size_t n = 0;
	int wg, wb;

	if (j && shift_schedule(j, steps, SHIFT_STEPS_MAX, &n, &e) == 0) {
		if (n == 0 || steps[n - 1].percent != 100)
			abort();
		for (size_t i = 0; i < n; i++) {
			if (steps[i].percent < 1 || steps[i].percent > 100 ||
			    steps[i].wait_ms < 0 || (i && steps[i].percent <= steps[i - 1].percent))
				abort();
			shift_weights(steps[i].percent, 1 + i % 10, 10 - i % 10, &wg, &wb);
			if (wg < 0 || wg > SHIFT_WEIGHT_MAX || wb < 0 || wb > SHIFT_WEIGHT_MAX)
				abort();
		}
	}
	json_decref(j);
	return 0;
}
