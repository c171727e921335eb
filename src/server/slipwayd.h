/* slipwayd: the daemon's shared state, reached explicitly from every handler. */
#ifndef SW_SLIPWAYD_H
#define SW_SLIPWAYD_H

#include "contract/env.h"
#include "base/err.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct blob;
struct auth_cache;
struct engine;
struct selfstats;
struct traffic_scrape;

struct slipwayd {
	struct slipwayd_config cfg;
	struct env env; /* what the services reach (contract/env.h); env.cfg is &cfg */
	char *data_dir; /* absolute */
	struct auth_cache *auth;
	struct selfstats *stats;       /* slipwayd's own API and agent numbers (selfstats.h) */
	struct traffic_scrape *scrape; /* the load-balancer metrics (traffic/scrape.h) or NULL */
	void *mhd;
	int port; /* the port actually bound */
	int lock_fd;
	char *key_pem;	/* the server's signing key (PEM); env.key_pem */
	char *cert_pem; /* its self-signed certificate (PEM); env.cert_pem */
};

/* The daemon a service's env belongs to (the server's own code only). */
static inline struct slipwayd *slipwayd_of(struct env *env)
{
	return (struct slipwayd *)((char *)env - offsetof(struct slipwayd, env));
}

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
