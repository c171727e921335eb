/* log: timestamped, levelled lines on stderr, one write(2) per line so threads don't interleave. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static enum log_level log__level = LOG_INFO;
static const char *const log__names[] = { "debug", "info", "warn", "error" };

void log_set_level(enum log_level level)
{
	log__level = level;
}

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, log__names[i]) == 0)
			return i;
	return -1;
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	char line[2048];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	size_t n;
	int k;

	if (level < log__level)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	k = snprintf(line + n, sizeof(line) - n, ".%03dZ %-5s %s: ", (int)(tv.tv_usec / 1000),
		     log__names[level], module);
	if (k > 0)
		n += (size_t)k;
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (k > 0)
		n += (size_t)k;
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
}
