/* inplace: the per-instance lifecycle of an in-place deployment (docs/compatibility.md §2) —
 * which events run in which order, and what happens next on one instance given the state of
 * its host commands.  Pure functions: the engine loads the rows and applies the decision. */
#ifndef SW_ENGINE_INPLACE_H
#define SW_ENGINE_INPLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A lifecycle event: its name, its position among all 13 events of §2.2 (AWS numbers host
 * commands so: AfterAllowTraffic is 13), and whether the agent runs it (a host command) or
 * the service does (BlockTraffic, AllowTraffic: load balancers, a later issue). */
struct inplace_event {
	const char *name;
	int position;
	bool agent;
};

/* The events of an in-place deployment in order.  Without a load balancer: ApplicationStop,
 * DownloadBundle, BeforeInstall, Install, AfterInstall, ApplicationStart, ValidateService
 * (Start and End are instants, not reported).  with_traffic_control adds the six traffic events
 * around them (for the load-balancer variant; its service-side events are not implemented). */
const struct inplace_event *inplace_events(bool with_traffic_control, size_t *n);

/* ApplicationStop, BeforeBlockTraffic, AfterBlockTraffic: events whose failure
 * ignoreApplicationStopFailures forgives (they run the last successful revision's scripts). */
bool inplace_stop_class(const char *name);

enum inplace_cmd_status {
	INPLACE_PENDING,     /* not reached yet (queued == 0) or waiting for the agent */
	INPLACE_IN_PROGRESS, /* acknowledged by the agent */
	INPLACE_SUCCEEDED,
	INPLACE_FAILED,
	INPLACE_SKIPPED,
};

const char *inplace_status_name(enum inplace_cmd_status s);
/* The command status of a stored name; -1 when unknown. */
int inplace_status_parse(const char *s);

/* One host command of an instance, as stored (times in epoch ms, 0 when not set). */
struct inplace_cmd {
	const char *name;
	enum inplace_cmd_status status;
	int64_t queued;
	int64_t delivered;
	int64_t acked;
	int64_t deadline; /* the agent's estimate (PostHostCommandUpdate) */
};

struct inplace_ctx {
	int64_t now;
	int64_t since; /* when the engine (re)started: time the server was down is not counted */
	int64_t agent_timeout_ms;
	int64_t event_timeout_ms;
	bool stopping; /* StopDeployment was called */
	bool ignore_stop_failures;
};

enum inplace_action {
	INPLACE_WAIT,		/* a command is with the agent; wake up at .timer at the latest */
	INPLACE_QUEUE,		/* queue command .index for the agent */
	INPLACE_TIMEOUT_AGENT,	/* fail command .index: the agent never picked it up */
	INPLACE_TIMEOUT_EVENT,	/* fail command .index: it did not complete in time */
	INPLACE_CANCEL,		/* skip command .index (stopping, not yet taken by the agent) */
	INPLACE_DONE_SUCCEEDED, /* the instance succeeded: every event ran */
	INPLACE_DONE_FAILED,	/* the instance failed (or was stopped mid-way): skip the rest */
};

struct inplace_decision {
	enum inplace_action action;
	size_t index;
	int64_t timer; /* INPLACE_WAIT: when to look again (INT64_MAX: only on an event) */
};

/*
 * What to do next on one instance whose commands (in event order) are v[0..n).  The caller
 * applies the action and asks again until it gets INPLACE_WAIT or a DONE.  Rules: at most one
 * command is with the agent at a time; a failed command ends the instance (unless it is of the
 * stop class and failures there are ignored); once stopping, nothing new is queued and a command
 * the agent has not taken yet is cancelled, while one it has taken runs to its end.
 */
void inplace_decide(const struct inplace_ctx *ctx, const struct inplace_cmd *v, size_t n,
		    struct inplace_decision *out);

#endif
