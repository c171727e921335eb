/* lambda_rules: the pure rules of Lambda's function model (reference functions.md §1) that the
 * functions service, the engine's traffic shifting and the invoker share — how a function is
 * named and qualified, which alias routing is allowed, how an invocation picks a version, and
 * when PublishVersion has something to publish.  No store, no clock, no randomness of its own.
 *
 * Failures are -SW_E_INVALID with Lambda's message in e (the service turns them into
 * InvalidParameterValueException / ValidationException), or -SW_E_NOT_FOUND for a routing
 * version that does not exist (ResourceNotFoundException). */
#ifndef SW_MODEL_LAMBDA_RULES_H
#define SW_MODEL_LAMBDA_RULES_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define LAMBDA_NAME_MAX	     64	 /* a function's own name */
#define LAMBDA_ALIAS_MAX     128 /* an alias name */
#define LAMBDA_QUALIFIER_MAX 128
#define LAMBDA_LATEST	     "$LATEST"

/* What a function reference names: the function, and the qualifier ("" when none). */
struct lambda_ref {
	char name[LAMBDA_NAME_MAX + 1];
	char qualifier[LAMBDA_QUALIFIER_MAX + 1];
	char region[32];  /* from an ARN, else "" */
	char account[16]; /* from an ARN or a partial ARN, else "" */
};

/* Parses every form Lambda accepts: NAME, NAME:QUALIFIER, ACCOUNT:function:NAME[:QUALIFIER] and
 * arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]; max is the longest accepted (140 on
 * the control plane, 256 for Invoke).  The qualifier must be $LATEST, a version number or an
 * alias name. */
int lambda_ref_parse(const char *s, size_t max, struct lambda_ref *out, struct err *e);

/* `[a-zA-Z0-9-_]+` of 1..128 characters and not all digits (an alias never looks like a
 * version). */
bool lambda_alias_name_valid(const char *s);
/* $LATEST or a version number `[0-9]+` (no leading zero, fits an int64). */
bool lambda_version_valid(const char *s);
bool lambda_version_published(const char *s); /* a number, not $LATEST */

/* One alias' routing: the primary version and at most one additional version with its weight. */
struct lambda_routing {
	char primary[24];
	char secondary[24]; /* "" when none */
	double weight;	    /* the secondary's share, 0 <= weight < 1 */
};

/*
 * Validates an alias' FunctionVersion and RoutingConfig.AdditionalVersionWeights (a JSON object,
 * or NULL) by §1.5's rules: at most one entry, a published version other than the primary, a
 * weight in [0, 1), the primary not $LATEST when there is routing; exists(arg, v) says whether
 * published version v exists (-SW_E_NOT_FOUND when the secondary or primary does not).  An
 * empty map resets routing.  Fills out.
 */
int lambda_routing_parse(const char *primary, const json_t *weights,
			 bool (*exists)(void *arg, const char *version), void *arg,
			 struct lambda_routing *out, struct err *e);

/* The version an invocation runs, for u uniform in [0, 1): the secondary when u < weight. */
const char *lambda_routing_pick(const struct lambda_routing *r, double u);

/* What PublishVersion compares: the code's hash and the hash of the configuration it
 * snapshots.  Returns true when $LATEST differs from the newest published version (or there is
 * none: last_code NULL), i.e. there is something to publish. */
bool lambda_publish_needed(const char *latest_code, const char *latest_config,
			   const char *last_code, const char *last_config);

/* PublishVersion's CodeSha256 guard: 0 when want is NULL or equals the $LATEST hash, else
 * -SW_E_INVALID with Lambda's message. */
int lambda_publish_check_sha(const char *want, const char *latest, struct err *e);

/* How Slipway runs a runtime: LAMBDA_RT_PROVIDED (the package's own bootstrap: provided,
 * provided.al2, provided.al2023), LAMBDA_RT_PYTHON (python3.8 … python3.13, on the host's python3),
 * LAMBDA_RT_NODE (nodejs16.x … nodejs22.x, on the host's node); LAMBDA_RT_UNKNOWN for anything
 * else, which CreateFunction refuses. */
enum lambda_runtime_kind {
	LAMBDA_RT_UNKNOWN,
	LAMBDA_RT_PROVIDED,
	LAMBDA_RT_PYTHON,
	LAMBDA_RT_NODE
};
enum lambda_runtime_kind lambda_runtime_kind(const char *runtime);
/* The runtimes Slipway runs, comma-separated, for the error message. */
extern const char lambda_runtimes_supported[];

#endif
