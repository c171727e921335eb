/* timeutil: wall and monotonic clocks in milliseconds, and ISO 8601 formatting. */
#ifndef SW_TIMEUTIL_H
#define SW_TIMEUTIL_H

#include <stdint.h>

int64_t time_now_ms(void);  /* wall clock, epoch milliseconds */
int64_t time_mono_ms(void); /* monotonic */
/* 2024-01-02T03:04:05.678Z (out holds 25 bytes). */
void time_iso8601(int64_t epoch_ms, char out[32]);
/* RFC 7231 date: Tue, 02 Jan 2024 03:04:05 GMT (out holds 30 bytes). */
void time_http_date(int64_t epoch_ms, char out[32]);

#endif
