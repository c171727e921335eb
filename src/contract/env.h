/* env: what a service may reach of the daemon it runs in — the store, the blob store, the
 * account and region, the server's signing key, the engine to wake and the wait list of
 * parked requests — and nothing of how the daemon serves HTTP.  The server fills one at
 * start-up (struct slipwayd embeds it) and hands it to every request (struct http_req .env). */
#ifndef SW_ENV_H
#define SW_ENV_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct blob;
struct engine;
struct park;
struct functions;
struct fn_events;
struct traffic;

#define SLIPWAYD_S3_DOMAINS_MAX 8
#define SLIPWAYD_HOST_MAX	254 /* a DNS name (253) and its NUL */
#define SLIPWAYD_LB_MAX		16  /* TRAFFIC_LB_MAX (src/traffic/traffic.h) */
#define SLIPWAYD_LB_DECL_MAX	176 /* NAME=SOCKET: 63 + '=' + 107 and the NUL, rounded */

/* The daemon's settings (command line, config file), read-only once it serves. */
struct slipwayd_config {
	const char *data_dir;
	const char *store_url; /* --store: NULL is SQLite in data_dir; postgres://… */
	char listen_host[64];
	int listen_port;
	char region[33];
	int threads;	     /* HTTP worker threads */
	int poll_timeout_s;  /* --poll-timeout: how long PollHostCommand holds an idle agent */
	int agent_timeout_s; /* --agent-timeout: an event no agent takes fails after this */
	int event_timeout_s; /* --event-timeout: an acknowledged event must complete in this */
	/* --queue-deployments: CreateDeployment on a group with an active deployment queues the
	 * new one (status Queued) instead of answering DeploymentLimitExceededException as AWS */
	bool queue_deployments;
	/* --s3-domain: the host names S3 answers under, lowercase; a Host of <bucket>.<name> is
	 * a virtual-hosted request (services/s3/s3.h, s3_addressing) */
	char s3_domains[SLIPWAYD_S3_DOMAINS_MAX][SLIPWAYD_HOST_MAX];
	int ns3_domains;
	/* The function runtime (src/functions/): --function-environments, the most execution
	 * environments alive at once over every pool; --function-idle, seconds an idle one is
	 * kept; --sandbox bwrap, each environment in bubblewrap */
	int function_envs_max;
	int function_idle_s;
	bool sandbox_bwrap;
	/* Load balancers (src/traffic/): --load-balancer NAME=SOCKET, each checked by
	 * traffic_decl_parse when read; a later one of the same name replaces it (the command
	 * line's over the config file's) */
	char load_balancers[SLIPWAYD_LB_MAX][SLIPWAYD_LB_DECL_MAX];
	int nload_balancers;
	double lb_scrape_interval_s; /* --lb-scrape-interval: CloudWatch seconds (default 5) */
	/* --deregistration-delay: how long BlockTraffic lets a draining server's sessions end
	 * before maintenance (default 300, AWS's); --allow-traffic-timeout: how long AllowTraffic
	 * waits for the health check to say UP (default 300) */
	int deregistration_delay_s;
	int allow_traffic_timeout_s;
};

struct env {
	const struct slipwayd_config *cfg;
	char account_id[13];
	struct store *store;
	struct blob *blob;
	const char *key_pem;	     /* the server's signing key (PEM) */
	const char *cert_pem;	     /* its self-signed certificate (PEM) */
	struct engine *engine;	     /* the deployment engine (src/engine/engine.h) */
	struct park *park;	     /* parked requests, long polls (contract/park.h) */
	struct functions *functions; /* the function runtime (src/functions/functions.h) */
	struct fn_events *fn_events; /* its queue of Event invocations (functions/events.h) */
	struct traffic *traffic;     /* the declared load balancers (traffic/traffic.h) */
	/* Bumped on every change that affects authentication (keys, users, instance bindings);
	 * the server's key cache compares it. */
	uint64_t auth_generation;
};

/* arn:aws:<service>:<region>:<account>:<resource> (IAM's have no region).  -SW_E_TRUNCATED
 * when it does not fit. */
int env_arn(const struct env *env, char *out, size_t size, const char *service,
	    const char *resource_fmt, ...) __attribute__((format(printf, 5, 6)));
/* Tells the server that keys, users or instance bindings changed (after the commit). */
void env_auth_changed(struct env *env);
/* The generation env_auth_changed bumps. */
uint64_t env_auth_generation(const struct env *env);

#endif
