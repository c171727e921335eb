/* model/lambda: Lambda's functions in the store — the function rows, $LATEST and the published
 * versions (immutable snapshots of code and configuration), aliases with their routing,
 * provisioned-concurrency requests and function URLs (migration 0010).  What the functions
 * service (services/lambda/) and the function runtime (src/functions/) call.  Every function
 * runs in the caller's transaction (store_read / store_write).  The pure rules (names,
 * qualifiers, routing, publish-if-changed) are model/lambda_rules.h. */
#ifndef SW_MODEL_LAMBDA_H
#define SW_MODEL_LAMBDA_H

#include "model/lambda_errors.h"
#include "model/lambda_rules.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

#define LAMBDA_ARN_MAX	   256
#define LAMBDA_RUNTIME_MAX 32
#define LAMBDA_HANDLER_MAX 128
#define LAMBDA_ENV_MAX	   (8u << 10) /* Environment.Variables as JSON text (4 KB of AWS data) */

/*
 * What one invocation runs: the version an invocation of NAME[:QUALIFIER] resolved to, with
 * everything the runtime needs to start an environment for it.  Filled by lambda_resolve.
 */
struct lambda_target {
	char name[LAMBDA_NAME_MAX + 1];
	char function_arn[LAMBDA_ARN_MAX]; /* unqualified */
	char version[24];		   /* the executed version: "$LATEST" or "N" */
	char alias[LAMBDA_ALIAS_MAX + 1];  /* the alias invoked through, or "" */
	char runtime[LAMBDA_RUNTIME_MAX];  /* "provided.al2023", "python3.11", "nodejs20.x" … */
	char handler[LAMBDA_HANDLER_MAX + 1];
	char role[LAMBDA_ARN_MAX];
	int memory_mb;
	int timeout_s;
	char env_json[LAMBDA_ENV_MAX]; /* Environment.Variables: a JSON object, "{}" when none */
	char code_blob[65];	       /* hex SHA-256 of the zip in the blob store */
	/* Identifies this version's code and configuration: a pool serves one value, so a
	 * changed $LATEST gets fresh environments. */
	char config_sha[65];
	int reserved;	 /* the function's reserved concurrency, -1 when none */
	int provisioned; /* environments to keep warm for this version (or the alias), 0: none */
};

/*
 * Resolves NAME with qualifier ("" or NULL: $LATEST; a version; an alias, whose routing picks
 * the version for u uniform in [0, 1)) into out: -SW_E_LAMBDA_ResourceNotFound with Lambda's
 * message when the function, version or alias does not exist.
 */
int lambda_resolve(struct store_conn *c, const char *name, const char *qualifier, double u,
		   struct lambda_target *out, struct err *e);

#endif
