/* timeutil: clocks and timestamp formatting. */
#include "timeutil.h"

#include <stdio.h>
#include <time.h>

int64_t time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void time_iso8601(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

void time_http_date(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static double time__scale = 1.0;

int time_scale_set(double n)
{
	if (!(n >= 1.0 && n <= 3600.0))
		return -1;
	time__scale = n;
	return 0;
}

double time_scale(void)
{
	return time__scale;
}

int64_t time_scaled_ms(double seconds)
{
	double ms = seconds * 1000.0 / time__scale;

	if (seconds > 0 && ms < 1.0)
		return 1;
	return (int64_t)(ms + 0.5);
}
