/* traffic: the load balancers Slipway drives — declared to slipwayd (`--load-balancer
 * NAME=SOCKET`), each reached through a driver (an ops table; HAProxy's Runtime API today,
 * haproxy.c).  A deployment group's target group (`loadBalancerInfo.targetGroupInfoList[].name`,
 * or `elbInfoList[].name`) names a backend of one of them, whose servers are named after
 * Slipway instances.
 *
 * Thread-safe: the engine (BlockTraffic, AllowTraffic, weights), the metrics scraper and the API
 * (`slipway lb`) call it from their own threads.  Every call opens its own connection and is
 * bounded by the registry's timeout, so a balancer that hangs costs its caller that long and no
 * more.  Errors carry the balancer's own words ("No such server.") in the err message. */
#ifndef SW_TRAFFIC_H
#define SW_TRAFFIC_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRAFFIC_LB_MAX	   16
#define TRAFFIC_NAME_MAX   64  /* a balancer's name, NUL included */
#define TRAFFIC_SOCKET_MAX 108 /* a UNIX path (sun_path) or tcp:HOST:PORT, NUL included */
#define TRAFFIC_PROXY_MAX  128 /* a backend or server name, NUL included */
#define TRAFFIC_TIMEOUT_MS 2000
#define TRAFFIC_WEIGHT_MAX 256 /* HAProxy's */

/* A balancer as declared: NAME=SOCKET. */
struct traffic_decl {
	char name[TRAFFIC_NAME_MAX];
	char socket[TRAFFIC_SOCKET_MAX]; /* "/run/haproxy.sock" or "tcp:127.0.0.1:9999" */
};

/* Parses NAME=SOCKET: NAME 1-63 of [A-Za-z0-9._-], SOCKET an absolute UNIX path or
 * tcp:HOST:PORT.  -SW_E_INVALID with a message saying what is wrong. */
int traffic_decl_parse(const char *s, struct traffic_decl *out, struct err *e);

/* What a server's state is to be. */
enum traffic_state {
	TRAFFIC_READY, /* takes traffic (once its health check says UP) */
	TRAFFIC_DRAIN, /* no new connections; those open finish */
	TRAFFIC_MAINT, /* out: no traffic at all */
};

/* One server of a backend, as the balancer reports it (HAProxy: a `show stat` row). */
struct traffic_server {
	char backend[TRAFFIC_PROXY_MAX];
	char name[TRAFFIC_PROXY_MAX];
	char status[32]; /* UP, DOWN, DRAIN, MAINT, NOLB, "no check", "UP 1/3", … (HAProxy's) */
	bool up;       /* takes traffic now: status UP… or "no check" (not DOWN, MAINT, DRAIN) */
	bool draining; /* admin or operational drain */
	bool maint;    /* in maintenance */
	bool checked;  /* has a health check */
	int weight;    /* current weight, 0..256 */
	int64_t sessions; /* scur: sessions open now */
	/* counters since the balancer started (they restart with it) */
	int64_t sessions_total; /* stot */
	int64_t requests;	/* req_tot (HTTP) */
	int64_t http_1xx, http_2xx, http_3xx, http_4xx, http_5xx, http_other;
	int64_t connect_errors;	 /* econ */
	int64_t response_errors; /* eresp */
	int64_t rtime_ms;	 /* average response time over the last 1024 requests */
};

/* A backend: its own totals (HAProxy's BACKEND row) and its servers. */
struct traffic_backend {
	char lb[TRAFFIC_NAME_MAX];
	char name[TRAFFIC_PROXY_MAX];
	struct traffic_server total; /* the BACKEND row (name "BACKEND") */
	struct traffic_server *servers;
	size_t nservers;
};

void traffic_backend_release(struct traffic_backend *b);

/* A driver: how to talk to one kind of balancer.  Every method gets the balancer's socket and
 * the timeout; each returns 0 or a negative error with the balancer's words in e. */
struct traffic_ops {
	const char *name; /* "haproxy" */
	int (*set_state)(const char *socket, int timeout_ms, const char *backend,
			 const char *server, enum traffic_state state, struct err *e);
	int (*set_weight)(const char *socket, int timeout_ms, const char *backend,
			  const char *server, int weight, struct err *e);
	/* The server must pass its health check again before it takes traffic (HAProxy: its
	 * health forced down, so that `rise` good checks bring it up).  For a server with a
	 * check only. */
	int (*recheck)(const char *socket, int timeout_ms, const char *backend, const char *server,
		       struct err *e);
	/* Every backend the balancer has (frontends left out), with their servers: *out owned by
	 * the caller (traffic_backends_free). */
	int (*backends)(const char *socket, int timeout_ms, const char *lb_name,
			struct traffic_backend **out, size_t *n, struct err *e);
};

extern const struct traffic_ops traffic_haproxy;

#define TRAFFIC_ANSWER_MAX (4u << 20) /* the most a balancer's answer may hold: 4 MiB */

/* HAProxy's `show stat` CSV (len bytes, not NUL-terminated) as backends of balancer lb:
 * columns found by the header's names, FRONTEND and listener rows left out, each backend's
 * BACKEND row in .total.  *out owned by the caller (traffic_backends_free).  Pure; a malformed
 * answer is -SW_E_INVALID saying which line and why. */
int traffic_haproxy_stat_parse(const char *buf, size_t len, const char *lb,
			       struct traffic_backend **out, size_t *n, struct err *e);

/* One command on HAProxy's Runtime API at socket (a UNIX path or tcp:HOST:PORT): connects,
 * sends cmd and a newline, reads the answer until HAProxy closes (every step bounded by
 * timeout_ms in all, the answer by TRAFFIC_ANSWER_MAX) into *answer (malloc'd, NUL-terminated,
 * the caller frees).  -SW_E_IO with the socket and the reason in e when it cannot be reached
 * or does not answer in time. */
int traffic_haproxy_command(const char *socket, int timeout_ms, const char *cmd, char **answer,
			    size_t *len, struct err *e);

void traffic_backends_free(struct traffic_backend *v, size_t n);

/* The registry of declared balancers. */
struct traffic;

/* A registry of n declarations (copied; names must be unique: -SW_E_INVALID).  timeout_ms 0
 * is TRAFFIC_TIMEOUT_MS.  n may be 0 (no balancer: every lookup answers "not declared"). */
int traffic_new(const struct traffic_decl *v, size_t n, int timeout_ms, struct traffic **out,
		struct err *e);
void traffic_free(struct traffic *t); /* NULL is a no-op */

size_t traffic_count(const struct traffic *t);
const struct traffic_decl *traffic_decl_at(const struct traffic *t, size_t i);

/* The balancer that has a backend called backend: 1 with its name in lb, 0 when none of the
 * declared balancers has it (lb ""), or a negative error when one could not be asked and none
 * of those asked has it (e says which and why). */
int traffic_find(struct traffic *t, const char *backend, char *lb, size_t lb_size, struct err *e);

/* One server of backend on balancer lb: 1 found, 0 not (no such backend or server). */
int traffic_server_get(struct traffic *t, const char *lb, const char *backend, const char *server,
		       struct traffic_server *out, struct err *e);

/* The weight a server was configured with (HAProxy: "100%" of its initial weight). */
#define TRAFFIC_WEIGHT_CONFIGURED (-1)

/* Sets a server's state or weight (0..256, or TRAFFIC_WEIGHT_CONFIGURED) on balancer lb.  A server
 * that does not exist is an error with the balancer's words. */
int traffic_set_state(struct traffic *t, const char *lb, const char *backend, const char *server,
		      enum traffic_state state, struct err *e);
int traffic_set_weight(struct traffic *t, const char *lb, const char *backend, const char *server,
		       int weight, struct err *e);

/* Server must pass its health check again before it takes traffic (traffic_ops.recheck). */
int traffic_recheck(struct traffic *t, const char *lb, const char *backend, const char *server,
		    struct err *e);

/* Every backend of balancer lb (see traffic_ops.backends). */
int traffic_backends(struct traffic *t, const char *lb, struct traffic_backend **out, size_t *n,
		     struct err *e);

const char *traffic_state_name(enum traffic_state s); /* "ready", "drain", "maint" */

#endif
