/* logfilter: CloudWatch Logs filter patterns — the "essential" syntax of FilterLogEvents
 * (reference cloudwatch.md §4.6), compiled once and matched against each event's message.
 * Pure: no store, no I/O.
 *
 * Text patterns: space-separated terms, each a bare word or a "quoted phrase" (\" and \\
 * escape), matched case-sensitively anywhere in the message.  Plain terms must all match;
 * `?term`s: at least one of them must match; `-term`s must not match.  An empty pattern
 * matches everything.
 *
 * JSON patterns: `{ expr }` with expr made of comparisons joined by && and || (&& binds
 * tighter) and parentheses.  A comparison is `SELECTOR OP VALUE` with SELECTOR `$.a.b[0].c`,
 * OP one of = != < <= > >=, VALUE a number, a "string" or a bare word (strings may hold `*`,
 * matching any run; only = and != take strings); or `SELECTOR IS NULL | IS TRUE | IS FALSE |
 * EXISTS | NOT EXISTS`.  A comparison holds only when the selected value exists and has the
 * right type (!= too: it means "is there and differs"), and a JSON pattern never matches a
 * message that is not a JSON object or array. */
#ifndef SW_LOGFILTER_H
#define SW_LOGFILTER_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

#define LOGFILTER_PATTERN_MAX 1024 /* FilterLogEvents' filterPattern limit */

struct logfilter;

/* Compiles pattern (NULL or "" match everything) into *out, to free with logfilter_free.  An
 * invalid pattern is -SW_E_LOGS_InvalidParameter with what is wrong and where in e. */
int logfilter_compile(const char *pattern, struct logfilter **out, struct err *e);
/* Whether message (NUL-terminated, len bytes) matches f. */
bool logfilter_match(const struct logfilter *f, const char *message, size_t len);
void logfilter_free(struct logfilter *f);

#endif
