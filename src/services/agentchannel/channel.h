/* agentchannel/channel: the agents' long polls — a PollHostCommand that finds nothing to take
 * is parked (contract/park.h) under its instance's key until the engine queues a command for
 * that host, its poll timeout passes, or slipwayd stops.  The server holds the parked
 * connections; this is only what the agent channel names them by. */
#ifndef SW_AGENTCHANNEL_H
#define SW_AGENTCHANNEL_H

#include "contract/park.h"
#include "services/agentchannel/errors.h"

#include <stddef.h>
#include <stdint.h>

struct env;

#define AGENTCHANNEL_POLL_TIMEOUT_DEFAULT 60 /* s, as AWS holds an idle PollHostCommand */

/* The key instance's polls park under ("commands/<instance>"), into out (cut to size). */
void agentchannel_key(const char *instance, char *out, size_t size);
/* How long a poll waits: --poll-timeout, or AGENTCHANNEL_POLL_TIMEOUT_DEFAULT. */
int64_t agentchannel_poll_timeout_ms(const struct env *env);

/* A command is ready for instance: wakes its parked polls.  The engine's on_command hook
 * (park is the server's struct park *; NULL is a no-op). */
void agentchannel_notify(void *park, const char *instance);

#endif
