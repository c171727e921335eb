/* agentchannel/channel: the agents' long polls — PollHostCommand connections suspended until the
 * engine queues a command for their host, their poll timeout passes, or slipwayd stops.
 *
 * No thread per waiting agent: a waiting poll is a suspended libmicrohttpd connection in a list;
 * one timer thread resumes those whose time is up.  A resumed connection's handler runs again
 * and finds its waiter in req->svc_state. */
#ifndef SW_AGENTCHANNEL_H
#define SW_AGENTCHANNEL_H

#include "base/err.h"
#include "services/agentchannel/errors.h"

#include <stdbool.h>
#include <stdint.h>

struct http_req;
struct agentchannel;
struct agentchannel_waiter;

#define AGENTCHANNEL_POLL_TIMEOUT_DEFAULT 60 /* s, as AWS holds an idle PollHostCommand */

/* Creates the channel and its timer thread.  poll_timeout_ms: how long a poll waits. */
int agentchannel_new(int64_t poll_timeout_ms, struct agentchannel **out, struct err *e);
/* Resumes every waiting poll (they answer "no command") and makes later polls answer at once.
 * Call before the HTTP daemon stops. */
void agentchannel_shutdown(struct agentchannel *ch);
/* Shuts down if needed, joins the timer thread and frees.  NULL is a no-op.  Call after the
 * HTTP daemon stopped (no request may still hold a waiter). */
void agentchannel_free(struct agentchannel *ch);

/* A command is ready for instance: resumes its waiting polls.  The engine's on_command hook
 * (ch is a struct agentchannel *). */
void agentchannel_notify(void *ch, const char *instance);

/* Bumped by every notify: read it before looking for a command, pass it to
 * agentchannel_wait() so that a command queued in between is not missed. */
uint64_t agentchannel_generation(struct agentchannel *ch);

enum agentchannel_wait_result {
	AGENTCHANNEL_SUSPENDED, /* the connection waits; answer nothing now (resp status 0) */
	AGENTCHANNEL_RETRY,	/* something was queued since gen: look again */
	AGENTCHANNEL_ANSWER,	/* time is up or slipwayd is stopping: answer "no command" */
};

/*
 * Suspends req's connection until a command for instance is notified, the poll times out
 * (measured from its first wait) or the channel shuts down.  The waiter lives in
 * req->svc_state (created on the first call, freed with the request).
 */
enum agentchannel_wait_result agentchannel_wait(struct agentchannel *ch, struct http_req *req,
						const char *instance, uint64_t gen);

#endif
