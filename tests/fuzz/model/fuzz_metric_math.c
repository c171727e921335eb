/* fuzz_metric_math: the metric-math parser, and the evaluation of what parses over two small
 * series `a` and `b` (b with a gap) and a grid of six periods. */
#include "model/metric_math.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t fuzz__ts_a[] = { 0, 60000, 120000, 180000 };
static double fuzz__v_a[] = { 1, 0, -2.5, 4 };
static int64_t fuzz__ts_b[] = { 60000, 180000, 240000 };
static double fuzz__v_b[] = { 3, 0, 1e300 };
static const struct mm_series fuzz__a = { 4, fuzz__ts_a, fuzz__v_a };
static const struct mm_series fuzz__b = { 3, fuzz__ts_b, fuzz__v_b };
static const int64_t fuzz__grid[] = { 0, 60000, 120000, 180000, 240000, 300000 };

static int fuzz__lookup(void *arg, const char *id, const struct mm_series **out)
{
	(void)arg;
	if (strcmp(id, "a") == 0)
		*out = &fuzz__a;
	else if (strcmp(id, "b") == 0)
		*out = &fuzz__b;
	else
		return -1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mm_series *const all[] = { &fuzz__a, &fuzz__b };
	struct mm_env env = { fuzz__lookup, all, 2, fuzz__grid, 6, NULL };
	char *copy = malloc(size + 1);
	struct mm_expr *x;
	struct mm_series out;
	struct err e = { 0 };

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (mm_parse(copy, &x, &e) == 0) {
		if (mm_eval(x, &env, &out, &e) == 0)
			mm_series_release(&out);
		mm_free(x);
	}
	free(copy);
	return 0;
}
