/* lambda/functions: CreateFunction, GetFunction, GetFunctionConfiguration, UpdateFunctionCode,
 * UpdateFunctionConfiguration, PublishVersion, ListVersionsByFunction, ListFunctions,
 * DeleteFunction, GetAccountSettings. */
#include "lambda.h"
#include "base/crypto.h"
#include "base/str.h"
#include "blob/blob.h"
#include "model/tags.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#define LAMBDA_PAGE_MAX	     50
#define LAMBDA_ENV_AGGREGATE 4096

/* The keys Lambda sets itself and refuses in Environment.Variables. */
static const char *const lambda__reserved_keys[] = { "_HANDLER",
						     "_X_AMZN_TRACE_ID",
						     "AWS_DEFAULT_REGION",
						     "AWS_REGION",
						     "AWS_EXECUTION_ENV",
						     "AWS_LAMBDA_FUNCTION_NAME",
						     "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
						     "AWS_LAMBDA_FUNCTION_VERSION",
						     "AWS_LAMBDA_INITIALIZATION_TYPE",
						     "AWS_LAMBDA_LOG_GROUP_NAME",
						     "AWS_LAMBDA_LOG_STREAM_NAME",
						     "AWS_ACCESS_KEY",
						     "AWS_ACCESS_KEY_ID",
						     "AWS_SECRET_ACCESS_KEY",
						     "AWS_SESSION_TOKEN",
						     "AWS_LAMBDA_RUNTIME_API",
						     "LAMBDA_TASK_ROOT",
						     "LAMBDA_RUNTIME_DIR",
						     NULL };

static int lambda__invalid(struct lambda_call *c, const char *fmt, const char *a)
{
	return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue, fmt, a);
}

static int lambda__int_member(struct lambda_call *c, const char *key, int lo, int hi, int *out)
{
	const json_t *v = json_object_get(c->in, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return err_set(c->err, SW_E_LAMBDA_Validation,
			       "1 validation error detected: Value at '%c%s' failed to satisfy "
			       "constraint: Member must have value between %d and %d",
			       key[0] + 32, key + 1, lo, hi);
	*out = (int)json_integer_value(v);
	return 0;
}

static int lambda__str_member(struct lambda_call *c, const char *key, size_t max, const char **out)
{
	const json_t *v = json_object_get(c->in, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(c->err, SW_E_LAMBDA_InvalidParameterValue, "%s must be a string",
			       key);
	if (json_string_length(v) > max)
		return err_set(c->err, SW_E_LAMBDA_Validation,
			       "1 validation error detected: Value at '%c%s' failed to satisfy "
			       "constraint: Member must have length less than or equal to %zu",
			       key[0] + 32, key + 1, max);
	*out = json_string_value(v);
	return 0;
}

/* Checks the configuration members of c->in and merges them into cfg (CreateFunction's
 * defaults already there; UpdateFunctionConfiguration's current values). */
static int lambda__config_merge(struct lambda_call *c, json_t *cfg, bool create)
{
	const char *runtime = NULL, *role = NULL, *handler = NULL, *desc = NULL, *ptype = NULL;
	int mem = -1, timeout = -1, r;
	const json_t *env = json_object_get(c->in, "Environment"), *arch;

	if ((r = lambda__str_member(c, "Runtime", 64, &runtime)) ||
	    (r = lambda__str_member(c, "Role", 2048, &role)) ||
	    (r = lambda__str_member(c, "Handler", LAMBDA_HANDLER_MAX, &handler)) ||
	    (r = lambda__str_member(c, "Description", 256, &desc)) ||
	    (r = lambda__str_member(c, "PackageType", 16, &ptype)) ||
	    (r = lambda__int_member(c, "MemorySize", 128, 10240, &mem)) ||
	    (r = lambda__int_member(c, "Timeout", 1, 900, &timeout)))
		return r;
	if (ptype && strcmp(ptype, "Zip") != 0)
		return lambda__invalid(
		    c,
		    "PackageType %s is not supported by Slipway: only Zip packages "
		    "are.",
		    ptype);
	if (create && !runtime)
		return lambda__invalid(c, "%s",
				       "Runtime is required for .zip file deployment packages.");
	if (runtime && lambda_runtime_kind(runtime) == LAMBDA_RT_UNKNOWN)
		return err_set(
		    c->err, SW_E_LAMBDA_InvalidParameterValue,
		    "The runtime parameter of %s is not supported. Supported runtimes: %s", runtime,
		    lambda_runtimes_supported);
	if (create && !role)
		return err_set(c->err, SW_E_LAMBDA_Validation,
			       "1 validation error detected: Value null at 'role' failed to "
			       "satisfy constraint: Member must not be null");
	/* any well-formed ARN is accepted: Slipway has no IAM roles to assume */
	if (role && (!str_starts(role, "arn:") || !strchr(role + 4, ':')))
		return err_set(
		    c->err, SW_E_LAMBDA_Validation,
		    "1 validation error detected: Value '%s' at 'role' failed to "
		    "satisfy constraint: Member must satisfy regular expression pattern: "
		    "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
		    role);
	if (runtime)
		json_object_set_new(cfg, "Runtime", json_string(runtime));
	if (role)
		json_object_set_new(cfg, "Role", json_string(role));
	if (handler)
		json_object_set_new(cfg, "Handler", json_string(handler));
	if (create && !handler && runtime && lambda_runtime_kind(runtime) != LAMBDA_RT_PROVIDED)
		return lambda__invalid(c, "%s",
				       "Handler is required for the runtime of a .zip package.");
	if (desc)
		json_object_set_new(cfg, "Description", json_string(desc));
	if (mem > 0)
		json_object_set_new(cfg, "MemorySize", json_integer(mem));
	if (timeout > 0)
		json_object_set_new(cfg, "Timeout", json_integer(timeout));
	if (env && !json_is_null(env)) {
		const json_t *vars = json_object_get(env, "Variables");
		const char *k;
		json_t *v;
		size_t total = 0;

		if (!json_is_object(env) || (vars && !json_is_object(vars)))
			return lambda__invalid(c, "%s",
					       "Environment.Variables must be a map of strings.");
		json_object_foreach((json_t *)vars, k, v)
		{
			if (!json_is_string(v))
				return lambda__invalid(
				    c, "The environment variable %s is not a string.", k);
			for (size_t i = 0; lambda__reserved_keys[i]; i++)
				if (strcmp(k, lambda__reserved_keys[i]) == 0)
					return lambda__invalid(
					    c,
					    "Lambda was unable to configure your environment "
					    "variables "
					    "because the environment variables you have provided "
					    "contains "
					    "reserved keys that are currently not supported for "
					    "modification. Reserved keys used in this request: %s",
					    k);
			if (!*k ||
			    strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
				      "456789_") != strlen(k) ||
			    (k[0] >= '0' && k[0] <= '9'))
				return err_set(c->err, SW_E_LAMBDA_Validation,
					       "1 validation error detected: Value at "
					       "'environment.variables' failed to satisfy "
					       "constraint: Map keys "
					       "must satisfy constraint: [Member must satisfy "
					       "regular expression "
					       "pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
			total += strlen(k) + json_string_length(v);
		}
		if (total > LAMBDA_ENV_AGGREGATE)
			return err_set(
			    c->err, SW_E_LAMBDA_InvalidParameterValue,
			    "Lambda was unable to configure your environment variables "
			    "because the environment variables you have provided exceeded "
			    "the 4KB limit. String measured: %zu",
			    total);
		json_object_set_new(cfg, "Environment",
				    json_pack("{s:O}", "Variables", vars ? vars : json_object()));
	}
	arch = json_object_get(c->in, "Architectures");
	if (arch && !json_is_null(arch)) {
		const char *a = json_string_value(json_array_get(arch, 0));

		if (!json_is_array(arch) || json_array_size(arch) != 1 || !a ||
		    (strcmp(a, "x86_64") != 0 && strcmp(a, "arm64") != 0))
			return err_set(
			    c->err, SW_E_LAMBDA_Validation,
			    "1 validation error detected: Value at 'architectures' failed "
			    "to satisfy constraint: Member must have length less than or "
			    "equal to 1, Member must satisfy enum value set: [x86_64, "
			    "arm64]");
		json_object_set_new(cfg, "Architectures", json_pack("[s]", a));
	}
	return 0;
}

struct lambda__s3code {
	const char *bucket, *key;
	struct lambda_code *code;
};

static int lambda__s3code_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__s3code *a = arg;

	return lambda_code_from_object(sc, a->bucket, a->key, a->code, e);
}

/* Stores the code of c->in (ZipFile base64; S3Bucket/S3Key are not supported yet) into the
 * blob store: *have false when the request names no code. */
static int lambda__code(struct lambda_call *c, const json_t *src, struct lambda_code *code,
			bool *have)
{
	const json_t *zip = json_object_get(src, "ZipFile");
	struct blob_writer *w = NULL;
	uint8_t *raw, d[SHA256_LEN];
	uint64_t size;
	size_t n;
	int len, r;

	*have = false;
	if (!zip || json_is_null(zip)) {
		const char *bucket = json_string_value(json_object_get(src, "S3Bucket"));
		const char *key = json_string_value(json_object_get(src, "S3Key"));

		if (json_object_get(src, "ImageUri"))
			return lambda__invalid(c, "%s",
					       "Slipway runs .zip packages only, not images.");
		if (json_object_get(src, "S3ObjectVersion"))
			return lambda__invalid(
			    c, "%s",
			    "S3ObjectVersion is not supported: Slipway's S3 keeps no "
			    "object versions.");
		if (!bucket && !key)
			return 0;
		if (!bucket || !key)
			return lambda__invalid(c, "%s", "S3Bucket and S3Key go together.");
		struct lambda__s3code s3 = { bucket, key, code };

		r = store_read(c->env->store, lambda__s3code_tx, &s3, c->err);
		*have = r == 0;
		return r;
	}
	if (!json_is_string(zip))
		return lambda__invalid(c, "%s", "ZipFile must be a base64 string.");
	n = json_string_length(zip);
	raw = malloc(n / 4 * 3 + 4);
	if (!raw)
		return err_set(c->err, SW_E_NOMEM, "out of memory");
	len = base64_decode(json_string_value(zip), raw, n / 4 * 3 + 4);
	if (len < 4 || raw[0] != 'P' || raw[1] != 'K') {
		free(raw);
		return lambda__invalid(
		    c, "%s",
		    "Could not unzip uploaded file. Please check your file, then "
		    "try to upload again.");
	}
	r = blob_writer_new(c->env->blob, &w, c->err);
	if (r == 0)
		r = blob_writer_write(w, raw, (size_t)len, c->err);
	if (r == 0)
		r = blob_writer_commit(w, code->blob, &size, c->err);
	if (w)
		blob_writer_free(w);
	if (r == 0) {
		sha256(raw, (size_t)len, d);
		base64_encode(d, sizeof(d), code->sha256);
		code->size = (int64_t)size;
		*have = true;
	}
	free(raw);
	return r;
}

/* The FunctionConfiguration of a stored version, as Lambda answers it. */
static json_t *lambda__view(const struct lambda_call *c, const char *name,
			    const struct lambda_version *v)
{
	json_t *o = json_deep_copy(v->config);
	char arn[LAMBDA_ARN_MAX + 32];

	lambda_fn_arn(c, name, arn, sizeof(arn));
	if (strcmp(v->version, LAMBDA_LATEST) != 0) {
		size_t n = strlen(arn);

		str_fmt(arn + n, sizeof(arn) - n, ":%s", v->version);
	}
	json_object_set_new(o, "FunctionName", json_string(name));
	json_object_set_new(o, "FunctionArn", json_string(arn));
	json_object_set_new(o, "Version", json_string(v->version));
	json_object_set_new(o, "CodeSha256", json_string(v->code.sha256));
	json_object_set_new(o, "CodeSize", json_integer(v->code.size));
	json_object_set_new(o, "RevisionId", json_string(v->revision));
	json_object_set_new(o, "LastModified", json_string(v->last_modified));
	json_object_set_new(o, "State", json_string("Active"));
	json_object_set_new(o, "LastUpdateStatus", json_string("Successful"));
	return o;
}

/* ---- CreateFunction ---- */

struct lambda__create {
	struct lambda_call *c;
	const char *name;
	json_t *cfg;
	struct lambda_code code;
	bool publish;
	const json_t *tags;
};

static int lambda__create_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__create *a = arg;
	struct lambda_version v;
	char version[24], arn[LAMBDA_ARN_MAX];
	int r = lambda_function_create(sc, a->name, a->cfg, &a->code, e);

	if (r == 0 && a->tags) {
		lambda_fn_arn(a->c, a->name, arn, sizeof(arn));
		json_t *list = json_array();
		const char *k;
		json_t *val;

		json_object_foreach((json_t *)a->tags, k, val)
		    json_array_append_new(list, json_pack("{s:s,s:O}", "Key", k, "Value", val));
		r = model_tags_put(sc, arn, list, e);
		json_decref(list);
	}
	if (r == 0 && a->publish)
		r = lambda_publish(sc, a->name, NULL, NULL, NULL, version, e);
	if (r == 0)
		r = lambda_version_get(sc, a->name, a->publish ? version : LAMBDA_LATEST, &v, e);
	if (r == 0) {
		json_decref(a->c->out);
		a->c->out = lambda__view(a->c, a->name, &v);
		lambda_version_release(&v);
	}
	return r;
}

static int lambda__tags_valid(struct lambda_call *c, const json_t *tags)
{
	const char *k;
	json_t *v;

	if (!tags || json_is_null(tags))
		return 0;
	if (!json_is_object(tags))
		return lambda__invalid(c, "%s", "Tags must be a map of strings.");
	json_object_foreach((json_t *)tags, k, v)
	{
		if (!json_is_string(v) || !*k || strlen(k) > 128 || json_string_length(v) > 256)
			return lambda__invalid(c, "The tag %s is not valid.", k);
	}
	return 0;
}

int lambda_op_create_function(struct lambda_call *c)
{
	struct lambda__create a = { .c = c };
	struct lambda_ref ref;
	const json_t *fname = json_object_get(c->in, "FunctionName");
	char arn[LAMBDA_ARN_MAX];
	bool have = false;
	int r;

	if (!json_is_string(fname))
		return err_set(c->err, SW_E_LAMBDA_Validation,
			       "1 validation error detected: Value null at 'functionName' failed "
			       "to satisfy constraint: Member must not be null");
	r = lambda_err_map(c->err, lambda_ref_parse(json_string_value(fname), 140, &ref, c->err));
	if (r < 0)
		return r;
	if (ref.qualifier[0])
		return lambda__invalid(c, "Function name %s must not have a qualifier.",
				       json_string_value(fname));
	a.name = ref.name;
	a.publish = json_is_true(json_object_get(c->in, "Publish"));
	a.tags = json_object_get(c->in, "Tags");
	if ((r = lambda__tags_valid(c, a.tags)))
		return r;
	lambda_fn_arn(c, ref.name, arn, sizeof(arn));
	a.cfg = json_pack("{s:s,s:s,s:i,s:i,s:[s],s:s,s:{s:s},s:{s:i}}", "FunctionArn", arn,
			  "Description", "", "MemorySize", 128, "Timeout", 3, "Architectures",
			  "x86_64", "PackageType", "Zip", "TracingConfig", "Mode", "PassThrough",
			  "EphemeralStorage", "Size", 512);
	if (!a.cfg)
		return err_set(c->err, SW_E_NOMEM, "out of memory");
	r = lambda__config_merge(c, a.cfg, true);
	if (r == 0) {
		r = lambda__code(c, json_object_get(c->in, "Code"), &a.code, &have);
		if (r == 0 && !have)
			r = lambda__invalid(c, "%s",
					    "Please provide a source for function code: ZipFile or "
					    "S3Bucket/S3Key.");
	}
	if (r == 0)
		r = store_write(c->env->store, lambda__create_tx, &a, c->err);
	json_decref(a.cfg);
	return r;
}

/* ---- reads ---- */

struct lambda__get {
	struct lambda_call *c;
	struct lambda_ref ref;
	bool full; /* GetFunction: Code, Tags, Concurrency too */
	struct lambda_code code;
};

/* The qualifier of the path's name or ?Qualifier=: a version or an alias. */
static int lambda__qualifier(struct lambda_call *c, struct lambda_ref *ref)
{
	char q[LAMBDA_QUALIFIER_MAX + 1];

	if (lambda_query(c, "Qualifier", q, sizeof(q))) {
		if (!lambda_version_valid(q) && !lambda_alias_name_valid(q))
			return err_set(
			    c->err, SW_E_LAMBDA_Validation,
			    "1 validation error detected: Value '%s' at 'qualifier' failed "
			    "to satisfy constraint: Member must satisfy regular expression "
			    "pattern: (|[a-zA-Z0-9$_-]+)",
			    q);
		if (ref->qualifier[0] && strcmp(ref->qualifier, q) != 0)
			return lambda__invalid(
			    c, "%s",
			    "The derived qualifier from the function name does not "
			    "match the specified qualifier.");
		str_copy(ref->qualifier, sizeof(ref->qualifier), q);
	} else if (c->err->code) {
		return -c->err->code;
	}
	return 0;
}

static int lambda__get_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__get *a = arg;
	struct lambda_version v;
	const char *version = a->ref.qualifier;
	struct lambda_alias al;
	int r;

	if (*version && !lambda_version_valid(version)) {
		r = lambda_alias_get(sc, a->ref.name, version, &al, e);
		if (r < 0)
			return r;
		version = al.routing.primary;
	}
	r = lambda_version_get(sc, a->ref.name, version, &v, e);
	if (r < 0)
		return r;
	json_t *cfg = lambda__view(a->c, a->ref.name, &v);

	a->code = v.code;
	lambda_version_release(&v);
	if (!a->full) {
		a->c->out = cfg;
		return 0;
	}
	json_t *out = json_pack("{s:o,s:{s:s,s:s}}", "Configuration", cfg, "Code", "RepositoryType",
				"S3", "Location", "");
	json_t *tags = json_array(), *map = json_object();
	char arn[LAMBDA_ARN_MAX];
	int reserved;
	size_t i;
	json_t *t;

	lambda_fn_arn(a->c, a->ref.name, arn, sizeof(arn));
	r = model_tags_list(sc, arn, tags, e);
	json_array_foreach(tags, i, t) json_object_set(
	    map, json_string_value(json_object_get(t, "Key")), json_object_get(t, "Value"));
	json_decref(tags);
	if (json_object_size(map))
		json_object_set(out, "Tags", map);
	json_decref(map);
	if (r == 0)
		r = lambda_reserved_get(sc, a->ref.name, &reserved, e);
	if (r == 0 && reserved >= 0)
		json_object_set_new(out, "Concurrency",
				    json_pack("{s:i}", "ReservedConcurrentExecutions", reserved));
	a->c->out = out;
	return r;
}

static int lambda__get(struct lambda_call *c, bool full)
{
	struct lambda__get a = { .c = c, .full = full };
	int r = lambda_fn_ref(c, &a.ref);

	if (r == 0)
		r = lambda__qualifier(c, &a.ref);
	if (r == 0)
		r = store_read(c->env->store, lambda__get_tx, &a, c->err);
	if (r == 0 && full) {
		char url[2048];

		r = lambda_code_location(c, a.code.blob, a.code.size, url, sizeof(url));
		if (r == 0)
			json_object_set_new(json_object_get(c->out, "Code"), "Location",
					    json_string(url));
	}
	return r;
}

int lambda_op_get_function(struct lambda_call *c)
{
	return lambda__get(c, true);
}

int lambda_op_get_function_configuration(struct lambda_call *c)
{
	return lambda__get(c, false);
}

/* ---- updates ---- */

struct lambda__update {
	struct lambda_call *c;
	struct lambda_ref ref;
	struct lambda_code code;
	bool have_code, config, publish, dry;
	const char *rev;
};

static int lambda__update_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__update *a = arg;
	struct lambda_version v;
	char version[24] = LAMBDA_LATEST;
	int r = lambda_version_get(sc, a->ref.name, LAMBDA_LATEST, &v, e);

	if (r < 0)
		return r;
	if (a->rev && strcmp(a->rev, v.revision) != 0) {
		lambda_version_release(&v);
		return err_set(
		    e, SW_E_LAMBDA_PreconditionFailed,
		    "The Revision Id provided does not match the latest Revision Id. "
		    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
	}
	if (a->config)
		r = lambda__config_merge(a->c, v.config, false);
	if (r == 0 && !a->dry)
		r = lambda_latest_update(sc, a->ref.name, v.config, a->have_code ? &a->code : NULL,
					 NULL, e);
	if (r == 0 && a->publish && !a->dry)
		r = lambda_publish(sc, a->ref.name, NULL, NULL, NULL, version, e);
	lambda_version_release(&v);
	if (r == 0)
		r = lambda_version_get(sc, a->ref.name, version, &v, e);
	if (r == 0) {
		json_decref(a->c->out);
		a->c->out = lambda__view(a->c, a->ref.name, &v);
		if (a->dry && a->have_code) {
			json_object_set_new(a->c->out, "CodeSha256", json_string(a->code.sha256));
			json_object_set_new(a->c->out, "CodeSize", json_integer(a->code.size));
		}
		lambda_version_release(&v);
	}
	return r;
}

static int lambda__update(struct lambda_call *c, bool code)
{
	struct lambda__update a = { .c = c, .config = !code };
	int r = lambda_fn_ref(c, &a.ref);

	if (r == 0 && a.ref.qualifier[0])
		r = lambda__invalid(
		    c, "%s",
		    "Only $LATEST can be updated: the function name must not have a "
		    "qualifier.");
	if (r == 0)
		r = lambda__str_member(c, "RevisionId", 64, &a.rev);
	if (r == 0 && code) {
		a.publish = json_is_true(json_object_get(c->in, "Publish"));
		a.dry = json_is_true(json_object_get(c->in, "DryRun"));
		r = lambda__code(c, c->in, &a.code, &a.have_code);
		if (r == 0 && !a.have_code)
			r = lambda__invalid(c, "%s",
					    "Please provide a source for function code: ZipFile or "
					    "S3Bucket/S3Key.");
	}
	if (r == 0)
		r = store_write(c->env->store, lambda__update_tx, &a, c->err);
	return r;
}

int lambda_op_update_function_code(struct lambda_call *c)
{
	return lambda__update(c, true);
}

int lambda_op_update_function_configuration(struct lambda_call *c)
{
	return lambda__update(c, false);
}

/* ---- PublishVersion ---- */

struct lambda__publish {
	struct lambda_call *c;
	struct lambda_ref ref;
	const char *desc, *sha, *rev;
};

static int lambda__publish_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__publish *a = arg;
	struct lambda_version v;
	char version[24];
	int r = lambda_publish(sc, a->ref.name, a->desc, a->sha, a->rev, version, e);

	if (r == 0)
		r = lambda_version_get(sc, a->ref.name, version, &v, e);
	if (r == 0) {
		json_decref(a->c->out);
		a->c->out = lambda__view(a->c, a->ref.name, &v);
		lambda_version_release(&v);
	}
	return r;
}

int lambda_op_publish_version(struct lambda_call *c)
{
	struct lambda__publish a = { .c = c };
	int r = lambda_fn_ref(c, &a.ref);

	if (r == 0 && a.ref.qualifier[0])
		r = lambda__invalid(c, "%s", "The function name must not have a qualifier.");
	if (r == 0)
		r = lambda__str_member(c, "Description", 256, &a.desc);
	if (r == 0)
		r = lambda__str_member(c, "CodeSha256", 64, &a.sha);
	if (r == 0)
		r = lambda__str_member(c, "RevisionId", 64, &a.rev);
	if (r == 0)
		r = store_write(c->env->store, lambda__publish_tx, &a, c->err);
	return r;
}

/* ---- lists ---- */

struct lambda__list {
	struct lambda_call *c;
	struct lambda_ref ref;
	char marker[160];
	int max;
	bool all;
	json_t *items;
	char last[160];
};

static int lambda__list_add(void *arg, const char *name, const struct lambda_version *v)
{
	struct lambda__list *a = arg;

	str_copy(a->last, sizeof(a->last), v->version);
	return json_array_append_new(a->items, lambda__view(a->c, name, v)) ? -SW_E_NOMEM : 0;
}

static int lambda__list_args(struct lambda_call *c, struct lambda__list *a)
{
	char mi[16];
	int64_t n = LAMBDA_PAGE_MAX;

	a->c = c;
	if (!lambda_query(c, "Marker", a->marker, sizeof(a->marker)))
		a->marker[0] = '\0';
	if (lambda_query(c, "MaxItems", mi, sizeof(mi)) && str_to_i64(mi, 1, 10000, &n) == 0 &&
	    n > LAMBDA_PAGE_MAX)
		n = LAMBDA_PAGE_MAX;
	a->max = (int)n;
	a->items = json_array();
	return c->err->code ? -c->err->code : 0;
}

static int lambda__versions_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__list *a = arg;
	bool more;
	int r =
	    lambda_versions_walk(sc, a->ref.name, a->marker, a->max, lambda__list_add, a, &more, e);

	if (r == 0 && more)
		json_object_set_new(a->c->out, "NextMarker", json_string(a->last));
	return r;
}

int lambda_op_list_versions_by_function(struct lambda_call *c)
{
	struct lambda__list a;
	int r;

	memset(&a, 0, sizeof(a));
	r = lambda_fn_ref(c, &a.ref);
	if (r == 0)
		r = lambda__list_args(c, &a);
	if (r < 0) {
		json_decref(a.items);
		return r;
	}
	c->out = json_pack("{s:o}", "Versions", a.items);
	return store_read(c->env->store, lambda__versions_tx, &a, c->err);
}

static int lambda__functions_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__list *a = arg;
	char next[160];
	bool more;
	int r = lambda_functions_walk(sc, a->all, a->marker, a->max, lambda__list_add, a, &more,
				      next, e);

	if (r == 0 && more)
		json_object_set_new(a->c->out, "NextMarker", json_string(next));
	return r;
}

int lambda_op_list_functions(struct lambda_call *c)
{
	struct lambda__list a;
	char fv[8];
	int r;

	memset(&a, 0, sizeof(a));
	r = lambda__list_args(c, &a);
	if (r < 0) {
		json_decref(a.items);
		return r;
	}
	if (lambda_query(c, "FunctionVersion", fv, sizeof(fv))) {
		if (strcmp(fv, "ALL") != 0) {
			json_decref(a.items);
			return err_set(
			    c->err, SW_E_LAMBDA_Validation,
			    "1 validation error detected: Value '%s' at 'functionVersion' "
			    "failed to satisfy constraint: Member must satisfy enum value "
			    "set: [ALL]",
			    fv);
		}
		a.all = true;
	}
	c->out = json_pack("{s:o}", "Functions", a.items);
	return store_read(c->env->store, lambda__functions_tx, &a, c->err);
}

/* ---- DeleteFunction ---- */

struct lambda__delete {
	struct lambda_call *c;
	struct lambda_ref ref;
};

static int lambda__delete_tx(struct store_conn *sc, void *arg, struct err *e)
{
	struct lambda__delete *a = arg;
	char arn[LAMBDA_ARN_MAX];
	int r;

	if (a->ref.qualifier[0])
		return lambda_version_delete(sc, a->ref.name, a->ref.qualifier, e);
	r = lambda_function_delete(sc, a->ref.name, e);
	lambda_fn_arn(a->c, a->ref.name, arn, sizeof(arn));
	if (r == 0)
		r = model_tags_drop(sc, arn, e);
	return r;
}

int lambda_op_delete_function(struct lambda_call *c)
{
	struct lambda__delete a = { .c = c };
	int r = lambda_fn_ref(c, &a.ref);

	if (r == 0)
		r = lambda__qualifier(c, &a.ref);
	if (r < 0)
		return r;
	if (strcmp(a.ref.qualifier, LAMBDA_LATEST) == 0)
		return lambda__invalid(c, "%s",
				       "$LATEST version cannot be deleted without deleting the "
				       "function.");
	if (a.ref.qualifier[0] && !lambda_version_published(a.ref.qualifier))
		return lambda__invalid(
		    c, "%s",
		    "Deletion of aliases is not supported by DeleteFunction: use "
		    "DeleteAlias.");
	return store_write(c->env->store, lambda__delete_tx, &a, c->err);
}

int lambda_op_get_account_settings(struct lambda_call *c)
{
	c->out =
	    json_pack("{s:{s:I,s:i,s:i,s:i,s:i},s:{s:i,s:i}}", "AccountLimit", "TotalCodeSize",
		      (json_int_t)80530636800LL, "CodeSizeUnzipped", 262144000, "CodeSizeZipped",
		      52428800, "ConcurrentExecutions", c->env->cfg->function_envs_max,
		      "UnreservedConcurrentExecutions", c->env->cfg->function_envs_max,
		      "AccountUsage", "TotalCodeSize", 0, "FunctionCount", 0);
	return c->out ? 0 : err_set(c->err, SW_E_NOMEM, "out of memory");
}
