/* lifecycle: moves one target of a host deployment through a run of its lifecycle events —
 * the agent's host commands (inplace.c decides, this applies) and the service's own traffic
 * events (traffic_events.c) — as far as it can go now.  In place, a target runs all of its
 * events at once; blue/green runs them in parts (the replacement's install, then its traffic;
 * the original's block), which is why the run is a window of event positions. */
#ifndef SW_ENGINE_LIFECYCLE_H
#define SW_ENGINE_LIFECYCLE_H

#include "strategy.h"

#include <stdbool.h>
#include <stddef.h>

/* Event positions (codedeploy.md §2.1): 1..3 block traffic, 4..10 install, 11..13 allow. */
#define LIFECYCLE_BLOCK_FIRST	1
#define LIFECYCLE_BLOCK_LAST	3
#define LIFECYCLE_INSTALL_FIRST 4
#define LIFECYCLE_INSTALL_LAST	10
#define LIFECYCLE_ALLOW_FIRST	11
#define LIFECYCLE_ALLOW_LAST	13

struct lifecycle_window {
	int first, last; /* the positions this run covers */
	/* weighted shifting: AllowTraffic starts at weight 0 and, once the server is up, waits
	 * (held) until lifecycle_release_allow ends it */
	bool hold_allow;
};

/* Moves instance's commands in window w as far as they go now.  *state: "InProgress",
 * "Succeeded" (every event of the window ran) or "Failed"; *held_up (may be NULL): the run
 * waits only on a held AllowTraffic whose server is up.  Does not end the target. */
int lifecycle_step(struct store_conn *c, struct deploy_run *run, const char *instance,
		   const struct lifecycle_window *w, char *state, size_t state_size, bool *held_up,
		   struct err *e);

/* Ends instance's held AllowTraffic (Succeeded, with message). */
int lifecycle_release_allow(struct store_conn *c, struct deploy_run *run, const char *instance,
			    const char *message, struct err *e);

#endif
