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

/* The control plane's verbs (services/lambda/).  Names are validated by the caller. */

/* A version's code: the zip's blob (hex SHA-256), Lambda's CodeSha256 (base64) and its size. */
struct lambda_code {
	char blob[65];
	char sha256[48];
	int64_t size;
};

/* One version row ($LATEST or published).  config is the stored FunctionConfiguration without
 * the members the service derives (FunctionName, FunctionArn, Version, CodeSha256, CodeSize,
 * RevisionId, LastModified); owned, freed by lambda_version_release. */
struct lambda_version {
	char version[24];
	json_t *config;
	struct lambda_code code;
	char revision[37];
	char last_modified[32];
	char config_hash[65];
};
void lambda_version_release(struct lambda_version *v);

/* CreateFunction/UpdateFunctionCode from S3Bucket/S3Key: the code of Slipway's own S3 object
 * (its blob, shared: a blob is content-addressed, so its name is the zip's SHA-256).
 * -SW_E_LAMBDA_InvalidParameterValue with Lambda's GetObject message when there is none. */
int lambda_code_from_object(struct store_conn *c, const char *bucket, const char *key,
			    struct lambda_code *out, struct err *e);

/* Creates the function with $LATEST = config + code: -SW_E_LAMBDA_ResourceConflict when it
 * exists.  config is copied. */
int lambda_function_create(struct store_conn *c, const char *name, const json_t *config,
			   const struct lambda_code *code, struct err *e);
/* Loads version ("" or NULL: $LATEST) of name: -SW_E_LAMBDA_ResourceNotFound with Lambda's
 * message.  An alias is not a version (see lambda_alias_get). */
int lambda_version_get(struct store_conn *c, const char *name, const char *version,
		       struct lambda_version *out, struct err *e);
/* Replaces $LATEST's configuration (config, copied) and, when code is not NULL, its code; a new
 * RevisionId and LastModified.  want_rev (NULL: any) must equal the current RevisionId, else
 * -SW_E_LAMBDA_PreconditionFailed. */
int lambda_latest_update(struct store_conn *c, const char *name, const json_t *config,
			 const struct lambda_code *code, const char *want_rev, struct err *e);
/* PublishVersion: snapshots $LATEST as the next version unless it equals the newest
 * published one (then that one's number is returned).  want_sha (CodeSha256 guard) and
 * want_rev (RevisionId of $LATEST) may be NULL; description (NULL: $LATEST's) overrides the
 * snapshot's Description.  The number in version_out. */
int lambda_publish(struct store_conn *c, const char *name, const char *description,
		   const char *want_sha, const char *want_rev, char version_out[24], struct err *e);
/* Calls fn for the versions of name in order ($LATEST first, then by number), starting after
 * marker (NULL: from the start), at most max; *more tells whether any remain.  fn returns 0 or
 * an error, which stops the walk. */
typedef int (*lambda_version_fn)(void *arg, const char *name, const struct lambda_version *v);
int lambda_versions_walk(struct store_conn *c, const char *name, const char *marker, int max,
			 lambda_version_fn fn, void *arg, bool *more, struct err *e);
/* Every function's $LATEST (and, with all, its published versions), functions by name, after
 * marker ("NAME" or "NAME:VERSION"), at most max. */
int lambda_functions_walk(struct store_conn *c, bool all, const char *marker, int max,
			  lambda_version_fn fn, void *arg, bool *more, char next[160],
			  struct err *e);
/* Deletes the function and everything of it: -SW_E_LAMBDA_ResourceNotFound.  The code blobs
 * stay in the blob store (a blob may be shared with S3 objects or other versions; none is
 * removed here). */
int lambda_function_delete(struct store_conn *c, const char *name, struct err *e);
/* Deletes published version: ResourceConflict when an alias routes to it, ResourceNotFound. */
int lambda_version_delete(struct store_conn *c, const char *name, const char *version,
			  struct err *e);
/* Reserved concurrency: -1 clears it.  *out (get) is -1 when none. */
int lambda_reserved_set(struct store_conn *c, const char *name, int reserved, struct err *e);
int lambda_reserved_get(struct store_conn *c, const char *name, int *out, struct err *e);

struct lambda_alias {
	char name[LAMBDA_ALIAS_MAX + 1];
	struct lambda_routing routing;
	char description[257];
	char revision[37];
};
/* Creates (create) or replaces an alias; versions must exist (routing validated by the
 * caller with lambda_routing_parse and lambda_version_exists).  want_rev guards an update. */
int lambda_alias_put(struct store_conn *c, const char *name, const struct lambda_alias *a,
		     bool create, const char *want_rev, struct lambda_alias *out, struct err *e);
int lambda_alias_get(struct store_conn *c, const char *name, const char *alias,
		     struct lambda_alias *out, struct err *e);
int lambda_alias_delete(struct store_conn *c, const char *name, const char *alias, struct err *e);
/* Aliases of name by name after marker; version (NULL: any) filters on either version. */
typedef int (*lambda_alias_fn)(void *arg, const struct lambda_alias *a);
int lambda_aliases_walk(struct store_conn *c, const char *name, const char *version,
			const char *marker, int max, lambda_alias_fn fn, void *arg, bool *more,
			struct err *e);
/* Whether published version exists for name (for lambda_routing_parse's exists). */
bool lambda_version_exists(struct store_conn *c, const char *name, const char *version);
/* Whether the function exists: 0, or -SW_E_LAMBDA_ResourceNotFound with Lambda's message. */
int lambda_function_check(struct store_conn *c, const char *name, struct err *e);

/* Provisioned concurrency: environments to keep warm for a published version or an alias. */
struct lambda_provisioned {
	char function[LAMBDA_NAME_MAX + 1];
	char qualifier[LAMBDA_QUALIFIER_MAX + 1];
	int requested;
	char status[16]; /* READY */
	char last_modified[32];
};
/* Sets (replaces) the request for qualifier, which must exist (ResourceNotFound). */
int lambda_provisioned_put(struct store_conn *c, const char *name, const char *qualifier,
			   int requested, struct lambda_provisioned *out, struct err *e);
/* -SW_E_LAMBDA_ProvisionedConcurrencyConfigNotFound when there is none. */
int lambda_provisioned_get(struct store_conn *c, const char *name, const char *qualifier,
			   struct lambda_provisioned *out, struct err *e);
int lambda_provisioned_delete(struct store_conn *c, const char *name, const char *qualifier,
			      struct err *e);
/* Every request of name (NULL: of every function, for the runtime's warm-up at start), by
 * function and qualifier. */
typedef int (*lambda_provisioned_fn)(void *arg, const struct lambda_provisioned *p);
int lambda_provisioned_walk(struct store_conn *c, const char *name, lambda_provisioned_fn fn,
			    void *arg, struct err *e);

/* A function URL: served at http://HOST:PORT/lambda-url/<url_id>/, invoking qualifier. */
#define LAMBDA_CORS_MAX 4096
struct lambda_url {
	char function[LAMBDA_NAME_MAX + 1];
	char qualifier[LAMBDA_QUALIFIER_MAX + 1]; /* $LATEST or an alias */
	char url_id[33];			  /* 32 lowercase alphanumerics */
	char auth_type[16];			  /* NONE or AWS_IAM */
	char cors[LAMBDA_CORS_MAX];		  /* the Cors object as JSON, "" when none */
	char invoke_mode[16];
	char created[32];
	char last_modified[32];
};
/* Creates (ResourceConflict when qualifier has one) with a fresh url_id; or updates auth_type
 * (NULL: keep) and cors (NULL: keep, "": clear) of an existing one (ResourceNotFound). */
int lambda_url_put(struct store_conn *c, const char *name, const char *qualifier, bool create,
		   const char *auth_type, const char *cors, struct lambda_url *out, struct err *e);
int lambda_url_get(struct store_conn *c, const char *name, const char *qualifier,
		   struct lambda_url *out, struct err *e);
/* The URL config whose url_id is id: for the function URL front (services/lambda/url.c). */
int lambda_url_by_id(struct store_conn *c, const char *id, struct lambda_url *out, struct err *e);
int lambda_url_delete(struct store_conn *c, const char *name, const char *qualifier, struct err *e);
typedef int (*lambda_url_fn)(void *arg, const struct lambda_url *u);
int lambda_urls_walk(struct store_conn *c, const char *name, lambda_url_fn fn, void *arg,
		     struct err *e);

#endif
