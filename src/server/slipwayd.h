/* slipwayd: the daemon's shared state, reached explicitly from every handler. */
#ifndef SW_SLIPWAYD_H
#define SW_SLIPWAYD_H

#include "base/err.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct store;
struct blob;
struct auth_cache;
struct engine;
struct agentchannel;

#define SLIPWAYD_S3_DOMAINS_MAX 8
#define SLIPWAYD_HOST_MAX	254 /* a DNS name (253) and its NUL */

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
};

struct slipwayd {
	struct slipwayd_config cfg;
	char account_id[13];
	char *data_dir; /* absolute */
	struct store *store;
	struct blob *blob;
	struct auth_cache *auth;
	void *mhd;
	int port; /* the port actually bound */
	int lock_fd;
	char *key_pem;	/* the server's signing key (PEM) */
	char *cert_pem; /* its self-signed certificate (PEM) */
	/* Bumped on every change that affects authentication (keys, users, instance bindings). */
	uint64_t auth_generation;
	struct engine *engine;	      /* the deployment engine (src/engine/engine.h) */
	struct agentchannel *channel; /* agents' long polls (services/agentchannel/channel.h) */
};

/* ARN helpers: arn:aws:<service>:<region>:<account>:<resource>. */
int slipwayd_arn(const struct slipwayd *d, char *out, size_t size, const char *service,
		 const char *resource_fmt, ...) __attribute__((format(printf, 5, 6)));
void slipwayd_auth_changed(struct slipwayd *d);

/* Adds a host name to cfg's S3 domains, lowercased and without a trailing dot.  Accepts DNS
 * names of letters, digits, '-' and '.' up to 253 characters; an address, a port, an empty
 * label or a full list fails with -SW_E_INVALID (why in e).  A name already listed is kept
 * once. */
int slipwayd_s3_domain_add(struct slipwayd_config *cfg, const char *name, struct err *e);
/* When no --s3-domain was given: the names of the listen address — `localhost` (slipwayd
 * listens on an IPv4 address, and a request to an address is path-style anyway), plus the
 * machine's host name when it listens on every address (0.0.0.0). */
void slipwayd_s3_domains_default(struct slipwayd_config *cfg);

#endif
