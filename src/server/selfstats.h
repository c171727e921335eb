/* selfstats: slipwayd's API and agent numbers (docs/metrics.md) — ApiRequests and ApiErrors per
 * Service and Operation, counted in memory with atomic counters on every answer, and
 * AgentsConnected, the agents that polled within the poll timeout.  A small thread writes them
 * to the store (namespace Slipway) every SELFSTATS_FLUSH_MS, one write for all, never one per
 * request; the same thread drops expired metric data and log events once a minute
 * (metrics_expire, logs_expire). */
#ifndef SW_SERVER_SELFSTATS_H
#define SW_SERVER_SELFSTATS_H

#include "base/err.h"

#include <stddef.h>

struct slipwayd;
struct http_req;
struct selfstats;

#define SELFSTATS_FLUSH_MS  10000
#define SELFSTATS_EXPIRE_MS 60000
#define SELFSTATS_OPS_MAX   1024 /* (service, operation) pairs; further ones count as Other */

/* Starts the thread over d's store (d->stats). */
int selfstats_start(struct slipwayd *d, struct err *e);
/* Flushes what is counted, stops the thread and frees d->stats.  NULL stats is a no-op. */
void selfstats_stop(struct slipwayd *d);

/* req was answered with status: counts it (anonymous services are not counted).  Any thread;
 * NULL s is a no-op. */
void selfstats_answered(struct selfstats *s, const struct http_req *req, int status);
/* req is about to be handled, authenticated: a PollHostCommand marks its agent connected. */
void selfstats_handling(struct selfstats *s, const struct http_req *req);

/* The operation a request names, into out: the X-Amz-Target's last part, a Smithy RPC path's
 * operation, a query form's Action, else the HTTP method (S3); "Unknown" when it is not a
 * name of letters and digits. */
void selfstats_operation(const struct http_req *req, char *out, size_t size);

#endif
