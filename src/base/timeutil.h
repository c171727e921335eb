/* timeutil: wall and monotonic clocks in milliseconds, and ISO 8601 formatting. */
#ifndef SW_TIMEUTIL_H
#define SW_TIMEUTIL_H

#include <stdint.h>

int64_t time_now_ms(void);  /* wall clock, epoch milliseconds */
int64_t time_mono_ms(void); /* monotonic */
int64_t time_mono_us(void); /* monotonic, microseconds */
/* 2024-01-02T03:04:05.678Z (out holds 25 bytes). */
void time_iso8601(int64_t epoch_ms, char out[32]);
/* RFC 7231 date: Tue, 02 Jan 2024 03:04:05 GMT (out holds 30 bytes). */
void time_http_date(int64_t epoch_ms, char out[32]);

/*
 * The time scale (`slipwayd --time-scale N`, for demos and tests): every CloudWatch and
 * CodeDeploy minute lasts 60/N real seconds — metric periods and storage buckets, alarm
 * evaluation, deployment wait times.  Timestamps stay real wall-clock times; only spans are
 * scaled.  Set once at start, before other threads run; the default is 1.
 */
int time_scale_set(double n); /* -1 unless 1 <= n <= 3600 */
double time_scale(void);
/* The real milliseconds that a span of `seconds` CloudWatch/CodeDeploy seconds lasts (at least
 * 1 for a positive span). */
int64_t time_scaled_ms(double seconds);

#endif
