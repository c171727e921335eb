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

#endif
