/* park: the server's side of contract/park.h — the wait list of parked requests, its timer
 * thread, and its shutdown.  What suspends and resumes a connection is given as ops, so the
 * list itself knows nothing of libmicrohttpd (http.c passes MHD's calls; the unit tests,
 * tests/unit/server/test_park.c, pass fakes). */
#ifndef SW_SERVER_PARK_H
#define SW_SERVER_PARK_H

#include "contract/park.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http_req;

struct park_ops {
	/* Called under the park's lock from the handler that parks conn (req->conn). */
	void (*suspend)(void *arg, void *conn);
	/* Called under the park's lock from any thread: conn's handler is to run again. */
	void (*resume)(void *arg, void *conn);
};

/* Creates a wait list and its timer thread.  drain_ms: how long park_shutdown waits for the
 * requests it resumed to be answered (0: the default, 3 s). */
int park_new(const struct park_ops *ops, void *arg, int64_t drain_ms, struct park **out,
	     struct err *e);
/* Resumes every parked request (each then answers: http_park says HTTP_PARK_EXPIRED) and makes
 * later parks expire at once; waits up to drain_ms for them to be done.  Call before the HTTP
 * daemon stops.  NULL is a no-op; a second call does nothing more. */
void park_shutdown(struct park *p);
/* Shuts down if needed, joins the timer thread and frees.  NULL is a no-op.  Call after the
 * HTTP daemon stopped: no request may still be parked or hold an entry. */
void park_free(struct park *p);

/* The request is done (answered or dropped): frees what parking it left in req->park.  The
 * server calls it for every request it frees. */
void park_request_done(struct http_req *req);

/* How many requests are parked now (for tests and logs). */
size_t park_count(struct park *p);

#endif
