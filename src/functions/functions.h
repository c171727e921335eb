/* functions: the function runtime — a pool of execution environments per function version,
 * each a process tree running the function's bootstrap against a Runtime API endpoint that
 * this runtime serves for it (reference functions.md §2), one invocation at a time per
 * environment; the invocations' logs (/aws/lambda/<name>) and AWS/Lambda metrics; the durable
 * queue of Event invocations.
 *
 * What the functions service (services/lambda/) sees: functions_invoke hands an invocation to
 * the pool of its version and calls back once with the result, on the runtime's own thread.
 * Everything here is thread-safe. */
#ifndef SW_FUNCTIONS_H
#define SW_FUNCTIONS_H

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct functions;
struct store;
struct blob;
struct lambda_target;

#define FN_PAYLOAD_MAX	     (6u << 20) /* a RequestResponse request or response */
#define FN_EVENT_PAYLOAD_MAX (1u << 20) /* an Event request (Lambda's current model) */
#define FN_LOG_TAIL_MAX	     4096	/* X-Amz-Log-Result: the last 4 KB of the log */

struct functions_config {
	const char *data_dir; /* code unpacked under DATA/functions/code/<blob>/, one /tmp per
			       * environment under DATA/functions/env/<id>/ */
	struct store *store;  /* logs and metrics are written there */
	struct blob *blob;    /* the code zips */
	const char *region;
	const char *account_id;
	int envs_max; /* environments alive at once over every pool */
	int idle_s;   /* an idle environment is stopped after this many seconds */
	bool bwrap;   /* each environment in bubblewrap */
	/* Slipway's runtime programs: <dir>/python/bootstrap, <dir>/nodejs/bootstrap.  NULL: the
	 * environment's SLIPWAY_RUNTIMES_DIR, else the source tree's runtimes/ (meson's
	 * SLIPWAY_RUNTIMES_DIR define). */
	const char *runtimes_dir;
};

int functions_start(struct functions **out, const struct functions_config *cfg, struct err *e);
/* Stops every environment (their process groups are killed), completes the invocations still
 * in flight or queued with FN_CRASHED (errorType Runtime.Unavailable, "Slipway is stopping…"),
 * flushes the logs and metrics and frees f.  Call it once no functions_invoke can run any more
 * (after the HTTP server stopped) and before the store and blob store close.  NULL is a no-op. */
void functions_stop(struct functions *f);

enum fn_outcome {
	FN_OK,	     /* the function answered: payload is its response */
	FN_ERROR,    /* the function reported an error (/error): payload is its error object */
	FN_CRASHED,  /* the process exited during the invocation (Runtime.ExitError) */
	FN_TIMEOUT,  /* "Task timed out after N.00 seconds" */
	FN_INIT_ERR, /* init/error, or no /next within the init limit (payload: the error) */
	FN_TOO_LARGE /* the response was over FN_PAYLOAD_MAX (Function.ResponseSizeTooLarge) */
};

/* An invocation's result, valid only during the done callback. */
struct fn_result {
	enum fn_outcome outcome;
	const char *payload; /* the response or Lambda's error object (JSON), len bytes */
	size_t len;
	const char *version;  /* the executed version */
	const char *log_tail; /* the last FN_LOG_TAIL_MAX bytes of this invocation's log lines
			       * (START … REPORT), tail_len bytes, when fn_invoke.tail */
	size_t tail_len;
	double duration_ms;
	int64_t billed_ms;
	int max_memory_mb;
};

struct fn_invoke {
	const struct lambda_target *target; /* copied */
	const void *payload;		    /* copied, len bytes */
	size_t len;
	char request_id[37];	    /* the AwsRequestId */
	char invoked_arn[400];	    /* Lambda-Runtime-Invoked-Function-Arn */
	const char *client_context; /* decoded X-Amz-Client-Context, or NULL */
	bool tail;		    /* keep the log tail for the result */
	bool provisioned;	    /* fill out the provisioned environments first */
	void (*done)(void *arg, const struct fn_result *r); /* once, on the runtime's thread */
	void *arg;
};

/*
 * Queues inv for the pool of inv->target's version, starting an environment when none is free.
 * 0: done will be called exactly once.  Without calling done: -SW_E_LAMBDA_TooManyRequests when
 * the function's reserved concurrency or the runtime's total is reached (e->message says which,
 * for the Reason), -SW_E_LAMBDA_RequestTooLarge, or -SW_E_AGAIN once stopping.
 */
int functions_invoke(struct functions *f, const struct fn_invoke *inv, struct err *e);

/* Keeps want environments warm for the pool of t's version (provisioned concurrency; 0 lets
 * them go idle as usual). */
int functions_provision(struct functions *f, const struct lambda_target *t, int want,
			struct err *e);

/* Counts for the benchmarks and ConcurrentExecutions: environments alive and busy. */
struct fn_stats {
	int envs;
	int busy;
	int pools;
	uint64_t invocations;
	uint64_t cold_starts;
};
void functions_stats(struct functions *f, struct fn_stats *out);

#endif
