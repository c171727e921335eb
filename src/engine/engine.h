/* engine: the reconciler — one thread that owns every state transition of every durable job
 * (job.h: deployments today, each driven by its strategy, strategy.h; docs/architecture.md, "A
 * deployment").
 *
 * The API and the agent channel only record intent in the store (a new deployment, a stop
 * request, an agent's report on its command) and call engine_wake().  On every wake-up, and
 * when the earliest timer is due, the engine reloads what is in progress and moves each item one
 * legal step, each deployment in its own write transaction.  It keeps no state of its own that
 * the store does not have, so after a crash or restart it carries on from the store alone.
 *
 * One engine per store: several slipwayd replicas on one PostgreSQL database would each run one
 * (they need a leader lock first), and an agent's long poll is answered at once only by the
 * replica whose engine queued the command (the others answer at the poll timeout). */
#ifndef SW_ENGINE_H
#define SW_ENGINE_H

#include "base/err.h"

#include <stdint.h>

struct store;
struct engine;
struct traffic;

#define ENGINE_AGENT_TIMEOUT_DEFAULT 300  /* s: AWS fails an event not picked up in 5 minutes */
#define ENGINE_EVENT_TIMEOUT_DEFAULT 3900 /* s: AWS's 3600 s per event, plus a margin */

struct engine_options {
	/* A host command not taken (PollHostCommand) or not acknowledged by the host's agent
	 * within this many ms fails that host's event: "CodeDeploy agent was not able to
	 * receive the lifecycle event…". */
	int64_t agent_timeout_ms;
	/* A command acknowledged but not completed within this many ms (or past the time the
	 * agent estimated with PostHostCommandUpdate) fails. */
	int64_t event_timeout_ms;
	/* Called from the engine thread, after the commit, for each instance that has a newly
	 * queued host command (the agent channel answers that host's long poll). */
	void (*on_command)(void *arg, const char *instance);
	void *on_command_arg;
	/* Called from the engine thread, after the commit, when the engine deregistered an
	 * instance (blue/green TERMINATE): its key no longer works, and the server's key cache
	 * must hear of it. */
	void (*on_auth_changed)(void *arg);
	void *on_auth_changed_arg;
	/* The load balancers that BlockTraffic and AllowTraffic drive (src/traffic/traffic.h;
	 * NULL: none declared, and an event that needs one fails saying so). */
	struct traffic *traffic;
	/* BlockTraffic waits this long at most for a draining server's sessions to end (AWS's
	 * deregistration delay, 300 s by default); AllowTraffic waits this long at most for the
	 * server's health check to pass. */
	int64_t deregistration_delay_ms;
	int64_t allow_traffic_timeout_ms;
};

/* What the engine works over: the store (which must outlive it), and the region and account
 * that name what it creates (copied). */
struct engine_env {
	struct store *store;
	const char *region;
	const char *account;
};

/* Starts the engine thread over env->store.  Fails with SW_E_INTERNAL when the thread cannot be
 * created. */
int engine_start(const struct engine_env *env, const struct engine_options *opt,
		 struct engine **out, struct err *e);
/* Stops the thread (a pass in progress finishes first), joins it and frees the engine.  NULL is
 * a no-op.  Call before the store closes. */
void engine_stop(struct engine *en);
/* Asks for a pass as soon as possible.  Cheap, never blocks on the store; NULL is a no-op. */
void engine_wake(struct engine *en);
/* Wakes the engine and waits until a pass that started after this call has finished, or until
 * timeout_ms passed.  Returns 0 when such a pass finished, 1 on timeout. */
int engine_sync(struct engine *en, int64_t timeout_ms);

#endif
