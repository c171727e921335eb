/* model/host_commands: the owner of `host_commands` — one row per agent-side lifecycle event of
 * an instance in a deployment.  The engine creates, queues, fails and skips them; the agent
 * channel hands them to agents and records the agents' reports.  Every write is a verb here. */
#ifndef SW_MODEL_HOST_COMMANDS_H
#define SW_MODEL_HOST_COMMANDS_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

#define MODEL_COMMAND_ID_SIZE 40 /* "hc-" + a UUID + NUL */

/* A command as the engine reads it; times are ms, 0 when not set. */
struct model_command {
	char id[MODEL_COMMAND_ID_SIZE];
	char name[32];	 /* the lifecycle event */
	char status[16]; /* Pending, InProgress, Succeeded, Failed, Skipped */
	int64_t queued;
	int64_t delivered;
	int64_t acked;
	int64_t deadline;
	int position; /* 1..13 (codedeploy.md §2.1) */
};

/* Creates the Pending command for event name (at its position) of instance in deployment, with
 * a fresh id. */
int model_command_insert(struct store_conn *c, const char *deployment, const char *instance,
			 const char *name, int64_t position, struct err *e);

/* The commands of instance in deployment, in event order: at most max into v, their number
 * into *n. */
int model_commands_of(struct store_conn *c, const char *deployment, const char *instance,
		      struct model_command *v, size_t max, size_t *n, struct err *e);

/* Hands the command to the agent channel (queued = now). */
int model_command_queue(struct store_conn *c, const char *id, int64_t now, struct err *e);
/* A service-side event (BlockTraffic, AllowTraffic) starts: InProgress at now, never handed to
 * an agent (queued, delivered and acknowledged at once). */
int model_command_begin(struct store_conn *c, const char *id, int64_t now, struct err *e);
/* Fails a Pending or InProgress command (UnknownError, with message); others are left alone. */
int model_command_fail(struct store_conn *c, const char *id, int64_t now, const char *message,
		       struct err *e);
/* Skips the command if it is still Pending. */
int model_command_skip(struct store_conn *c, const char *id, struct err *e);
/* Skips every Pending command of deployment not yet handed to an agent — of one instance, or of
 * all when instance is NULL. */
int model_commands_skip_undelivered(struct store_conn *c, const char *deployment,
				    const char *instance, struct err *e);
/* Fails every Pending or InProgress command of deployment (UnknownError, with message). */
int model_commands_fail_open(struct store_conn *c, const char *deployment, int64_t now,
			     const char *message, struct err *e);

/* ---- the agent channel's verbs ---- */

/* The oldest queued, undelivered command for instance of a deployment in progress, marked
 * delivered at now: 1 with its id, deployment and name, 0 when there is none. */
int model_command_claim(struct store_conn *c, const char *instance, int64_t now, char *id,
			size_t id_size, char *deployment, size_t deployment_size, char *name,
			size_t name_size, struct err *e);
/* The instance a command is for and its status: 1 when it exists, 0 when not. */
int model_command_owner(struct store_conn *c, const char *id, char *instance, size_t instance_size,
			char *status, size_t status_size, struct err *e);
/* The agent acknowledged the Pending command: InProgress (delivered now unless it was). */
int model_command_ack(struct store_conn *c, const char *id, int64_t now, bool noop, struct err *e);
/* The agent expects the command to be done by deadline (ms). */
int model_command_set_deadline(struct store_conn *c, const char *id, int64_t deadline,
			       struct err *e);
/* The agent's report: outcome Succeeded or Failed with its diagnostics. */
int model_command_complete(struct store_conn *c, const char *id, const char *outcome, int64_t now,
			   const char *error_code, const char *script, const char *message,
			   const char *log_tail, struct err *e);

#endif
