/* job: what the engine's scheduler (engine.c) runs — kinds of durable work, each a job that
 * moves one legal step per pass.  Deployments are the one kind today (deployment.c); build runs
 * and pipeline executions would each be another `struct job_kind` in engine.c's registry.
 *
 * The scheduler owns the thread, the passes, the timers and the wake-ups and nothing else: per
 * pass it lists each kind's items in progress (a read transaction), then steps each item in its
 * own write transaction, and after the commit lets the kind announce what that step produced.
 * An item whose step fails with anything but a transient store error is given up (the kind
 * ends it with the message) instead of being retried forever. */
#ifndef SW_ENGINE_JOB_H
#define SW_ENGINE_JOB_H

#include "engine.h"
#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct store_conn;

/* What a step may reach of the engine. */
struct engine_ctx {
	const struct engine_options *opt;
	int64_t since; /* wall ms when the engine started: downtime is not held against agents */
	const char *region;
	const char *account;
};

/* One item being stepped. */
struct job_step {
	const struct engine_ctx *ctx;
	const char *id;	 /* the item, as list() named it */
	int64_t now;	 /* wall ms of this attempt */
	int64_t next;	 /* out: when the item wants its next pass (INT64_MAX: only on a wake-up) */
	bool finished;	 /* out: it reached a terminal state; another pass follows at once */
	const char *why; /* give_up(): what went wrong, for the item's record */
	void *state;	 /* the kind's own, from the first step() to done() */
};

struct job_kind {
	const char *name; /* "deployment": logs */
	/* Appends the ids of the items in progress to ids (a JSON array), in the order they are
	 * to be stepped.  Runs in a read transaction. */
	int (*list)(struct store_conn *c, json_t *ids, struct err *e);
	/* Optional, in the same read transaction: the earliest time an item not in progress
	 * now will be (alarms are due again every minute), so the scheduler wakes for it. */
	int (*next)(struct store_conn *c, int64_t *at, struct err *e);
	/* Moves the item one legal step.  Runs in a write transaction, and may run again if the
	 * transaction is retried: it starts from the store, never from what a previous attempt
	 * left.  The scheduler resets next and finished before each attempt. */
	int (*step)(struct store_conn *c, struct job_step *s, struct err *e);
	/* The item cannot be stepped (corrupt rows, a bug): end it for good, saying s->why. */
	int (*give_up)(struct store_conn *c, struct job_step *s, struct err *e);
	/* After the item's pass, committed or not: announce what a committed step produced (the
	 * deployment kind wakes agents' long polls) and free s->state. */
	void (*done)(struct job_step *s, bool committed);
};

/* The kinds (engine.c's registry). */
extern const struct job_kind alarm_job_kind;  /* alarm_job.c */
extern const struct job_kind deploy_job_kind; /* deployment.c */

#endif
