/* router: which service answers a request (docs/architecture.md, "How a request flows"). */
#ifndef SW_ROUTER_H
#define SW_ROUTER_H

#include "contract/http.h"

struct slipwayd;

const struct service *router_route(const struct http_req *req);
/* Calls fn for every operation of every service, for `slipwayd --list-operations`. */
void router_list_ops(void (*fn)(const char *service, const char *op, bool implemented, void *arg),
		     void *arg);

/* Creates d->env.park, the wait list of parked requests (server/park.h), before anything may
 * wake it; park_shutdown before http_stop, park_free after. */
int http_park_open(struct slipwayd *d, struct err *e);

struct MHD_Response;

/* resp as a libmicrohttpd response: its headers and its body, file or producer, taken over
 * (resp keeps its headers, to release).  NULL when libmicrohttpd cannot make one: then resp is
 * released, its file closed and its producer freed. */
struct MHD_Response *http_response(struct http_resp *resp);

int http_start(struct slipwayd *d, struct err *e);
void http_stop(struct slipwayd *d);

#endif
