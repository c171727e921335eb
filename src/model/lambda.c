/* model/lambda: Lambda's functions, versions, aliases and reserved concurrency in the store
 * (migration 0010; model/lambda.h). */
#include "lambda.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

static int lambda__not_found(struct err *e, const char *name)
{
	return err_set(e, SW_E_LAMBDA_ResourceNotFound, "Function not found: %s", name);
}

/* Lambda's LastModified: 2024-01-01T00:00:00.000+0000. */
static void lambda__now(char out[32])
{
	char iso[32];
	size_t n;

	time_iso8601(time_now_ms(), iso);
	n = strlen(iso);
	if (n && iso[n - 1] == 'Z')
		iso[n - 1] = '\0';
	if (!strchr(iso, '.'))
		str_fmt(out, 32, "%s.000+0000", iso);
	else
		str_fmt(out, 32, "%s+0000", iso);
}

/* The hex SHA-256 of config's canonical text (sorted keys, compact). */
static int lambda__config_hash(const json_t *config, char out[65], char **text, struct err *e)
{
	uint8_t d[SHA256_LEN];
	char *s = json_dumps(config, JSON_SORT_KEYS | JSON_COMPACT);

	if (!s)
		return err_set(e, SW_E_NOMEM, "cannot serialise the configuration");
	sha256(s, strlen(s), d);
	hex_encode(d, sizeof(d), out);
	*text = s;
	return 0;
}

void lambda_version_release(struct lambda_version *v)
{
	json_decref(v->config);
	v->config = NULL;
}

int lambda_function_check(struct store_conn *c, const char *name, struct err *e)
{
	int r = store_exec(c, NULL, "SELECT 1 FROM lambda_functions WHERE name = ?", "t", e, name);

	if (r < 0)
		return r;
	return r ? 0 : lambda__not_found(e, name);
}

static int lambda__version_insert(struct store_conn *c, const char *name, const char *version,
				  int64_t num, const char *config_text, const char *hash,
				  const struct lambda_code *code, struct err *e)
{
	char rev[37], now[32];

	if (uuid_v4(rev))
		return err_set(e, SW_E_LAMBDA_Service, "cannot make a RevisionId");
	lambda__now(now);
	int r = store_exec(c, NULL,
			   "INSERT INTO lambda_versions (func, version, num, config, config_hash, "
			   "code_blob, code_sha256, code_size, revision_id, last_modified) VALUES "
			   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   "ttittttitt", e, name, version, num, config_text, hash, code->blob,
			   code->sha256, code->size, rev, now);

	return r < 0 ? r : 0;
}

int lambda_function_create(struct store_conn *c, const char *name, const json_t *config,
			   const struct lambda_code *code, struct err *e)
{
	char hash[65], *text = NULL;
	int r = store_exec(c, NULL, "SELECT 1 FROM lambda_functions WHERE name = ?", "t", e, name);

	if (r < 0)
		return r;
	if (r > 0)
		return err_set(e, SW_E_LAMBDA_ResourceConflict, "Function already exist: %s", name);
	r = store_exec(
	    c, NULL, "INSERT INTO lambda_functions (name, next_version, created) VALUES (?, 1, ?)",
	    "ti", e, name, time_now_ms());
	if (r < 0)
		return r;
	r = lambda__config_hash(config, hash, &text, e);
	if (r == 0)
		r = lambda__version_insert(c, name, LAMBDA_LATEST, 0, text, hash, code, e);
	free(text);
	return r;
}

#define LAMBDA__VCOLS                                                                    \
	"version, config, config_hash, code_blob, code_sha256, code_size, revision_id, " \
	"last_modified"

static int lambda__version_read(struct store_stmt *st, struct lambda_version *out, struct err *e)
{
	json_error_t je;
	const char *cfg = store_col_text(st, 1);

	memset(out, 0, sizeof(*out));
	str_copy(out->version, sizeof(out->version), store_col_text(st, 0));
	out->config = cfg ? json_loads(cfg, 0, &je) : NULL;
	if (!json_is_object(out->config)) {
		json_decref(out->config);
		out->config = NULL;
		return err_set(e, SW_E_LAMBDA_Service, "stored configuration of version %s is bad",
			       out->version);
	}
	str_copy(out->config_hash, sizeof(out->config_hash), store_col_text(st, 2));
	str_copy(out->code.blob, sizeof(out->code.blob), store_col_text(st, 3));
	str_copy(out->code.sha256, sizeof(out->code.sha256), store_col_text(st, 4));
	out->code.size = store_col_int(st, 5);
	str_copy(out->revision, sizeof(out->revision), store_col_text(st, 6));
	str_copy(out->last_modified, sizeof(out->last_modified), store_col_text(st, 7));
	return 0;
}

int lambda_version_get(struct store_conn *c, const char *name, const char *version,
		       struct lambda_version *out, struct err *e)
{
	struct store_stmt *st;
	const char *v = version && *version ? version : LAMBDA_LATEST;
	int r = store_exec(c, &st,
			   "SELECT " LAMBDA__VCOLS " FROM lambda_versions WHERE func = ? AND "
			   "version = ?",
			   "tt", e, name, v);

	if (r < 0)
		return r;
	if (r == 0) {
		int f = lambda_function_check(c, name, e);

		if (f < 0)
			return f;
		return err_set(e, SW_E_LAMBDA_ResourceNotFound, "Function not found: %s:%s", name,
			       v);
	}
	return lambda__version_read(st, out, e);
}

bool lambda_version_exists(struct store_conn *c, const char *name, const char *version)
{
	struct err e;

	return store_exec(c, NULL, "SELECT 1 FROM lambda_versions WHERE func = ? AND version = ?",
			  "tt", &e, name, version) > 0;
}

int lambda_latest_update(struct store_conn *c, const char *name, const json_t *config,
			 const struct lambda_code *code, const char *want_rev, struct err *e)
{
	struct lambda_version cur;
	char hash[65], rev[37], now[32], *text = NULL;
	int r = lambda_version_get(c, name, LAMBDA_LATEST, &cur, e);

	if (r < 0)
		return r;
	if (want_rev && strcmp(want_rev, cur.revision) != 0) {
		lambda_version_release(&cur);
		return err_set(
		    e, SW_E_LAMBDA_PreconditionFailed,
		    "The Revision Id provided does not match the latest Revision Id. "
		    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
	}
	if (!code)
		code = &cur.code;
	r = lambda__config_hash(config, hash, &text, e);
	if (r == 0 && uuid_v4(rev))
		r = err_set(e, SW_E_LAMBDA_Service, "cannot make a RevisionId");
	if (r == 0) {
		lambda__now(now);
		r = store_exec(
		    c, NULL,
		    "UPDATE lambda_versions SET config = ?, config_hash = ?, code_blob = ?, "
		    "code_sha256 = ?, code_size = ?, revision_id = ?, last_modified = ? "
		    "WHERE func = ? AND version = ?",
		    "ttttitttt", e, text, hash, code->blob, code->sha256, code->size, rev, now,
		    name, LAMBDA_LATEST);
		r = r < 0 ? r : 0;
	}
	free(text);
	lambda_version_release(&cur);
	return r;
}

int lambda_publish(struct store_conn *c, const char *name, const char *description,
		   const char *want_sha, const char *want_rev, char version_out[24], struct err *e)
{
	struct lambda_version latest;
	struct store_stmt *st;
	char *text = NULL;
	int64_t next;
	int r = lambda_version_get(c, name, LAMBDA_LATEST, &latest, e);

	if (r < 0)
		return r;
	r = lambda_publish_check_sha(want_sha, latest.code.sha256, e);
	if (r < 0) {
		r = err_set(e, SW_E_LAMBDA_InvalidParameterValue, "%s", err_message(e));
		goto out;
	}
	if (want_rev && strcmp(want_rev, latest.revision) != 0) {
		r = err_set(e, SW_E_LAMBDA_PreconditionFailed,
			    "The Revision Id provided does not match the latest Revision Id. "
			    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
		goto out;
	}
	/* the newest published version: its config_hash is that of the $LATEST it snapshotted
	 * (before any Description override), so an unchanged $LATEST publishes nothing */
	r = store_exec(c, &st,
		       "SELECT version, code_blob, config_hash FROM lambda_versions WHERE func = ? "
		       "AND num > 0 ORDER BY num DESC LIMIT 1",
		       "t", e, name);
	if (r < 0)
		goto out;
	if (r > 0 && !lambda_publish_needed(latest.code.blob, latest.config_hash,
					    store_col_text(st, 1), store_col_text(st, 2))) {
		str_copy(version_out, 24, store_col_text(st, 0));
		r = 0;
		goto out;
	}
	r = store_exec(c, &st, "SELECT next_version FROM lambda_functions WHERE name = ?", "t", e,
		       name);
	if (r <= 0) {
		r = r < 0 ? r : lambda__not_found(e, name);
		goto out;
	}
	next = store_col_int(st, 0);
	r = store_exec(c, NULL, "UPDATE lambda_functions SET next_version = ? WHERE name = ?", "it",
		       e, next + 1, name);
	if (r < 0)
		goto out;
	if (description)
		json_object_set_new(latest.config, "Description", json_string(description));
	text = json_dumps(latest.config, JSON_SORT_KEYS | JSON_COMPACT);
	if (!text) {
		r = err_set(e, SW_E_NOMEM, "cannot serialise the configuration");
		goto out;
	}
	str_fmt(version_out, 24, "%lld", (long long)next);
	r = lambda__version_insert(c, name, version_out, next, text, latest.config_hash,
				   &latest.code, e);
out:
	free(text);
	lambda_version_release(&latest);
	return r;
}

int lambda_versions_walk(struct store_conn *c, const char *name, const char *marker, int max,
			 lambda_version_fn fn, void *arg, bool *more, struct err *e)
{
	struct store_stmt *st;
	int64_t after = -1, n = 0;
	int r = lambda_function_check(c, name, e);

	*more = false;
	if (r < 0)
		return r;
	if (marker && *marker) {
		if (strcmp(marker, LAMBDA_LATEST) == 0)
			after = 0;
		else if (str_to_i64(marker, 1, INT64_MAX, &after))
			return err_set(e, SW_E_LAMBDA_InvalidParameterValue, "Invalid Marker: %s",
				       marker);
	}
	r = store_exec(c, &st,
		       "SELECT " LAMBDA__VCOLS " FROM lambda_versions WHERE func = ? AND num > ? "
		       "ORDER BY num LIMIT ?",
		       "tii", e, name, after, (int64_t)max + 1);
	for (; r > 0; r = store_step(st, e)) {
		struct lambda_version v;

		if (n++ == max) {
			*more = true;
			break;
		}
		r = lambda__version_read(st, &v, e);
		if (r == 0)
			r = fn(arg, name, &v);
		lambda_version_release(&v);
		if (r < 0)
			return r;
	}
	return r < 0 ? r : 0;
}

int lambda_functions_walk(struct store_conn *c, bool all, const char *marker, int max,
			  lambda_version_fn fn, void *arg, bool *more, char next[160],
			  struct err *e)
{
	struct store_stmt *st;
	char mname[LAMBDA_NAME_MAX + 1] = "";
	int64_t mnum = -1, n = 0;
	int r;

	*more = false;
	next[0] = '\0';
	if (marker && *marker) {
		const char *colon = strchr(marker, ':');

		if (str_copyn(mname, sizeof(mname), marker,
			      colon ? (size_t)(colon - marker) : strlen(marker)) ||
		    (colon && str_to_i64(colon + 1, 0, INT64_MAX, &mnum)))
			return err_set(e, SW_E_LAMBDA_InvalidParameterValue, "Invalid Marker: %s",
				       marker);
		if (!colon)
			mnum = 0;
	}
	/* (name, num) after (mname, mnum) */
	r = store_exec(c, &st,
		       "SELECT " LAMBDA__VCOLS ", func, num FROM lambda_versions WHERE (num = 0 OR "
		       "? = 1) AND (func > ? OR (func = ? AND num > ?)) ORDER BY func, num LIMIT ?",
		       "ittii", e, (int64_t)all, mname, mname, mnum, (int64_t)max + 1);
	for (; r > 0; r = store_step(st, e)) {
		struct lambda_version v;
		char fname[LAMBDA_NAME_MAX + 1];

		str_copy(fname, sizeof(fname), store_col_text(st, 8));
		if (n++ == max) {
			*more = true;
			break;
		}
		str_fmt(next, 160, "%s:%lld", fname, (long long)store_col_int(st, 9));
		r = lambda__version_read(st, &v, e);
		if (r == 0)
			r = fn(arg, fname, &v);
		lambda_version_release(&v);
		if (r < 0)
			return r;
	}
	if (!*more)
		next[0] = '\0';
	return r < 0 ? r : 0;
}

int lambda_function_delete(struct store_conn *c, const char *name, struct err *e)
{
	static const char *const tables[] = { "DELETE FROM lambda_urls WHERE func = ?",
					      "DELETE FROM lambda_provisioned WHERE func = ?",
					      "DELETE FROM lambda_aliases WHERE func = ?",
					      "DELETE FROM lambda_versions WHERE func = ?",
					      "DELETE FROM lambda_functions WHERE name = ?" };
	int r = lambda_function_check(c, name, e);

	for (size_t i = 0; r >= 0 && i < sizeof(tables) / sizeof(tables[0]); i++)
		r = store_exec(c, NULL, tables[i], "t", e, name);
	return r < 0 ? r : 0;
}

int lambda_version_delete(struct store_conn *c, const char *name, const char *version,
			  struct err *e)
{
	struct store_stmt *st;
	int r = lambda_function_check(c, name, e);

	if (r < 0)
		return r;
	r = store_exec(c, &st,
		       "SELECT name FROM lambda_aliases WHERE func = ? AND (version = ? OR "
		       "secondary = ?) ORDER BY name LIMIT 1",
		       "ttt", e, name, version, version);
	if (r < 0)
		return r;
	if (r > 0)
		return err_set(e, SW_E_LAMBDA_ResourceConflict,
			       "Unable to delete version because the following aliases reference "
			       "it: [%s]",
			       store_col_text(st, 0));
	r = store_exec(c, NULL, "DELETE FROM lambda_versions WHERE func = ? AND version = ?", "tt",
		       e, name, version);
	if (r < 0)
		return r;
	/* Lambda answers a missing version of an existing function with success */
	r = store_exec(c, NULL, "DELETE FROM lambda_provisioned WHERE func = ? AND qualifier = ?",
		       "tt", e, name, version);
	return r < 0 ? r : 0;
}

int lambda_reserved_set(struct store_conn *c, const char *name, int reserved, struct err *e)
{
	int r = lambda_function_check(c, name, e);

	if (r < 0)
		return r;
	if (reserved < 0)
		r = store_exec(c, NULL,
			       "UPDATE lambda_functions SET reserved = NULL WHERE name = ?", "t", e,
			       name);
	else
		r = store_exec(c, NULL, "UPDATE lambda_functions SET reserved = ? WHERE name = ?",
			       "it", e, (int64_t)reserved, name);
	return r < 0 ? r : 0;
}

int lambda_reserved_get(struct store_conn *c, const char *name, int *out, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT reserved FROM lambda_functions WHERE name = ?", "t", e,
			   name);

	if (r < 0)
		return r;
	if (r == 0)
		return lambda__not_found(e, name);
	*out = store_col_null(st, 0) ? -1 : (int)store_col_int(st, 0);
	return 0;
}

static void lambda__alias_read(struct store_stmt *st, struct lambda_alias *a)
{
	memset(a, 0, sizeof(*a));
	str_copy(a->name, sizeof(a->name), store_col_text(st, 0));
	str_copy(a->routing.primary, sizeof(a->routing.primary), store_col_text(st, 1));
	if (!store_col_null(st, 2))
		str_copy(a->routing.secondary, sizeof(a->routing.secondary), store_col_text(st, 2));
	a->routing.weight = store_col_double(st, 3);
	str_copy(a->description, sizeof(a->description), store_col_text(st, 4));
	str_copy(a->revision, sizeof(a->revision), store_col_text(st, 5));
}

#define LAMBDA__ACOLS "name, version, secondary, weight, description, revision_id"

int lambda_alias_get(struct store_conn *c, const char *name, const char *alias,
		     struct lambda_alias *out, struct err *e)
{
	struct store_stmt *st;
	int r = lambda_function_check(c, name, e);

	if (r < 0)
		return r;
	r = store_exec(c, &st,
		       "SELECT " LAMBDA__ACOLS " FROM lambda_aliases WHERE func = ? AND name = ?",
		       "tt", e, name, alias);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_LAMBDA_ResourceNotFound, "Alias not found: %s:%s", name,
			       alias);
	lambda__alias_read(st, out);
	return 0;
}

int lambda_alias_put(struct store_conn *c, const char *name, const struct lambda_alias *a,
		     bool create, const char *want_rev, struct lambda_alias *out, struct err *e)
{
	struct lambda_alias cur;
	char rev[37];
	int r = lambda_function_check(c, name, e);

	if (r < 0)
		return r;
	r = lambda_alias_get(c, name, a->name, &cur, e);
	if (r < 0 && (!create || e->code != SW_E_LAMBDA_ResourceNotFound))
		return r;
	if (create && r == 0)
		return err_set(e, SW_E_LAMBDA_ResourceConflict, "Alias already exists: %s:%s", name,
			       a->name);
	if (!create && want_rev && strcmp(want_rev, cur.revision) != 0)
		return err_set(
		    e, SW_E_LAMBDA_PreconditionFailed,
		    "The Revision Id provided does not match the latest Revision Id. "
		    "Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
	err_clear(e);
	if (uuid_v4(rev))
		return err_set(e, SW_E_LAMBDA_Service, "cannot make a RevisionId");
	*out = *a;
	str_copy(out->revision, sizeof(out->revision), rev);
	if (create && a->routing.secondary[0])
		r = store_exec(
		    c, NULL,
		    "INSERT INTO lambda_aliases (func, name, version, secondary, weight, "
		    "description, revision_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
		    "ttttdtt", e, name, a->name, a->routing.primary, a->routing.secondary,
		    a->routing.weight, a->description, rev);
	else if (create)
		r = store_exec(c, NULL,
			       "INSERT INTO lambda_aliases (func, name, version, description, "
			       "revision_id) VALUES (?, ?, ?, ?, ?)",
			       "ttttt", e, name, a->name, a->routing.primary, a->description, rev);
	else if (a->routing.secondary[0])
		r = store_exec(c, NULL,
			       "UPDATE lambda_aliases SET version = ?, secondary = ?, weight = ?, "
			       "description = ?, revision_id = ? WHERE func = ? AND name = ?",
			       "ttdtttt", e, a->routing.primary, a->routing.secondary,
			       a->routing.weight, a->description, rev, name, a->name);
	else
		r = store_exec(c, NULL,
			       "UPDATE lambda_aliases SET version = ?, secondary = NULL, weight = "
			       "NULL, description = ?, revision_id = ? WHERE func = ? AND name = ?",
			       "ttttt", e, a->routing.primary, a->description, rev, name, a->name);
	return r < 0 ? r : 0;
}

int lambda_alias_delete(struct store_conn *c, const char *name, const char *alias, struct err *e)
{
	int r = lambda_function_check(c, name, e);

	if (r < 0)
		return r;
	r = store_exec(c, NULL, "DELETE FROM lambda_aliases WHERE func = ? AND name = ?", "tt", e,
		       name, alias);
	if (r < 0)
		return r;
	r = store_exec(c, NULL, "DELETE FROM lambda_provisioned WHERE func = ? AND qualifier = ?",
		       "tt", e, name, alias);
	if (r >= 0)
		r = store_exec(c, NULL, "DELETE FROM lambda_urls WHERE func = ? AND qualifier = ?",
			       "tt", e, name, alias);
	return r < 0 ? r : 0;
}

int lambda_aliases_walk(struct store_conn *c, const char *name, const char *version,
			const char *marker, int max, lambda_alias_fn fn, void *arg, bool *more,
			struct err *e)
{
	struct store_stmt *st;
	int64_t n = 0;
	int r = lambda_function_check(c, name, e);

	*more = false;
	if (r < 0)
		return r;
	r = store_exec(c, &st,
		       "SELECT " LAMBDA__ACOLS " FROM lambda_aliases WHERE func = ? AND name > ? "
		       "AND (? = '' OR version = ? OR secondary = ?) ORDER BY name LIMIT ?",
		       "ttttti", e, name, marker ? marker : "", version ? version : "",
		       version ? version : "", version ? version : "", (int64_t)max + 1);
	for (; r > 0; r = store_step(st, e)) {
		struct lambda_alias a;

		if (n++ == max) {
			*more = true;
			break;
		}
		lambda__alias_read(st, &a);
		r = fn(arg, &a);
		if (r < 0)
			return r;
	}
	return r < 0 ? r : 0;
}

int lambda_resolve(struct store_conn *c, const char *name, const char *qualifier, double u,
		   struct lambda_target *out, struct err *e)
{
	struct lambda_version v;
	struct lambda_alias a;
	const char *version = LAMBDA_LATEST;
	const json_t *env;
	char *envtext;
	uint8_t d[SHA256_LEN];
	char mix[200];
	int r;

	memset(out, 0, sizeof(*out));
	out->reserved = -1;
	if (qualifier && *qualifier && !lambda_version_valid(qualifier)) {
		r = lambda_alias_get(c, name, qualifier, &a, e);
		if (r < 0)
			return r;
		version = lambda_routing_pick(&a.routing, u);
		str_copy(out->alias, sizeof(out->alias), a.name);
	} else if (qualifier && *qualifier) {
		version = qualifier;
	}
	r = lambda_version_get(c, name, version, &v, e);
	if (r < 0)
		return r;
	str_copy(out->name, sizeof(out->name), name);
	str_copy(out->version, sizeof(out->version), v.version);
	str_copy(out->runtime, sizeof(out->runtime),
		 json_string_value(json_object_get(v.config, "Runtime")));
	str_copy(out->handler, sizeof(out->handler),
		 json_string_value(json_object_get(v.config, "Handler")));
	str_copy(out->role, sizeof(out->role),
		 json_string_value(json_object_get(v.config, "Role")));
	str_copy(out->function_arn, sizeof(out->function_arn),
		 json_string_value(json_object_get(v.config, "FunctionArn")));
	out->memory_mb = (int)json_integer_value(json_object_get(v.config, "MemorySize"));
	out->timeout_s = (int)json_integer_value(json_object_get(v.config, "Timeout"));
	env = json_object_get(json_object_get(v.config, "Environment"), "Variables");
	envtext = json_is_object(env) ? json_dumps(env, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	if (str_copy(out->env_json, sizeof(out->env_json), envtext ? envtext : "{}"))
		r = err_set(e, SW_E_LAMBDA_Service, "environment of %s too large", name);
	free(envtext);
	str_copy(out->code_blob, sizeof(out->code_blob), v.code.blob);
	str_fmt(mix, sizeof(mix), "%s/%s", v.code.blob, v.config_hash);
	sha256(mix, strlen(mix), d);
	hex_encode(d, sizeof(d), out->config_sha);
	lambda_version_release(&v);
	if (r < 0)
		return r;
	r = lambda_reserved_get(c, name, &out->reserved, e);
	if (r < 0)
		return r;
	struct store_stmt *st;

	r = store_exec(c, &st,
		       "SELECT requested FROM lambda_provisioned WHERE func = ? AND qualifier = ?",
		       "tt", e, name, out->alias[0] ? out->alias : out->version);
	if (r < 0)
		return r;
	out->provisioned = r > 0 ? (int)store_col_int(st, 0) : 0;
	return 0;
}

/* ---- provisioned concurrency ---- */

static void lambda__prov_read(struct store_stmt *st, struct lambda_provisioned *p)
{
	memset(p, 0, sizeof(*p));
	str_copy(p->function, sizeof(p->function), store_col_text(st, 0));
	str_copy(p->qualifier, sizeof(p->qualifier), store_col_text(st, 1));
	p->requested = (int)store_col_int(st, 2);
	str_copy(p->status, sizeof(p->status), store_col_text(st, 3));
	str_copy(p->last_modified, sizeof(p->last_modified), store_col_text(st, 4));
}

#define LAMBDA__PCOLS "func, qualifier, requested, status, last_modified"

int lambda_provisioned_get(struct store_conn *c, const char *name, const char *qualifier,
			   struct lambda_provisioned *out, struct err *e)
{
	struct store_stmt *st;
	int r = lambda_function_check(c, name, e);

	if (r < 0)
		return r;
	r = store_exec(c, &st,
		       "SELECT " LAMBDA__PCOLS " FROM lambda_provisioned WHERE func = ? AND "
		       "qualifier = ?",
		       "tt", e, name, qualifier);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_LAMBDA_ProvisionedConcurrencyConfigNotFound,
			       "No Provisioned Concurrency Config found for this function");
	lambda__prov_read(st, out);
	return 0;
}

int lambda_provisioned_put(struct store_conn *c, const char *name, const char *qualifier,
			   int requested, struct lambda_provisioned *out, struct err *e)
{
	struct lambda_alias a;
	char now[32];
	int r = lambda_function_check(c, name, e);

	if (r < 0)
		return r;
	if (lambda_version_published(qualifier) ? !lambda_version_exists(c, name, qualifier)
						: lambda_alias_get(c, name, qualifier, &a, e) < 0)
		return err_set(e, SW_E_LAMBDA_ResourceNotFound, "Function not found: %s:%s", name,
			       qualifier);
	lambda__now(now);
	r = store_exec(c, NULL,
		       "INSERT INTO lambda_provisioned (func, qualifier, requested, status, "
		       "last_modified) VALUES (?, ?, ?, 'READY', ?) ON CONFLICT (func, qualifier) "
		       "DO UPDATE SET requested = excluded.requested, last_modified = "
		       "excluded.last_modified",
		       "ttit", e, name, qualifier, (int64_t)requested, now);
	if (r < 0)
		return r;
	return lambda_provisioned_get(c, name, qualifier, out, e);
}

int lambda_provisioned_delete(struct store_conn *c, const char *name, const char *qualifier,
			      struct err *e)
{
	struct lambda_provisioned p;
	int r = lambda_provisioned_get(c, name, qualifier, &p, e);

	if (r < 0)
		return r;
	r = store_exec(c, NULL, "DELETE FROM lambda_provisioned WHERE func = ? AND qualifier = ?",
		       "tt", e, name, qualifier);
	return r < 0 ? r : 0;
}

int lambda_provisioned_walk(struct store_conn *c, const char *name, lambda_provisioned_fn fn,
			    void *arg, struct err *e)
{
	struct store_stmt *st;
	int r;

	if (name) {
		r = lambda_function_check(c, name, e);
		if (r < 0)
			return r;
	}
	r = store_exec(c, &st,
		       "SELECT " LAMBDA__PCOLS
		       " FROM lambda_provisioned WHERE (? = '' OR func = ?) "
		       "ORDER BY func, qualifier LIMIT 100000",
		       "tt", e, name ? name : "", name ? name : "");
	for (; r > 0; r = store_step(st, e)) {
		struct lambda_provisioned p;

		lambda__prov_read(st, &p);
		r = fn(arg, &p);
		if (r < 0)
			return r;
	}
	return r < 0 ? r : 0;
}

/* ---- function URLs ---- */

#define LAMBDA__UCOLS \
	"func, qualifier, url_id, auth_type, cors, invoke_mode, created, last_modified"

static void lambda__url_read(struct store_stmt *st, struct lambda_url *u)
{
	memset(u, 0, sizeof(*u));
	str_copy(u->function, sizeof(u->function), store_col_text(st, 0));
	str_copy(u->qualifier, sizeof(u->qualifier), store_col_text(st, 1));
	str_copy(u->url_id, sizeof(u->url_id), store_col_text(st, 2));
	str_copy(u->auth_type, sizeof(u->auth_type), store_col_text(st, 3));
	if (!store_col_null(st, 4))
		str_copy(u->cors, sizeof(u->cors), store_col_text(st, 4));
	str_copy(u->invoke_mode, sizeof(u->invoke_mode), store_col_text(st, 5));
	str_copy(u->created, sizeof(u->created), store_col_text(st, 6));
	str_copy(u->last_modified, sizeof(u->last_modified), store_col_text(st, 7));
}

int lambda_url_get(struct store_conn *c, const char *name, const char *qualifier,
		   struct lambda_url *out, struct err *e)
{
	struct store_stmt *st;
	int r = lambda_function_check(c, name, e);

	if (r < 0)
		return r;
	r = store_exec(c, &st,
		       "SELECT " LAMBDA__UCOLS " FROM lambda_urls WHERE func = ? AND qualifier = ?",
		       "tt", e, name, qualifier);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_LAMBDA_ResourceNotFound,
			       "The resource you requested does not exist.");
	lambda__url_read(st, out);
	return 0;
}

int lambda_url_by_id(struct store_conn *c, const char *id, struct lambda_url *out, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT " LAMBDA__UCOLS " FROM lambda_urls WHERE url_id = ?",
			   "t", e, id);

	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_LAMBDA_ResourceNotFound, "No function URL %s.", id);
	lambda__url_read(st, out);
	return 0;
}

int lambda_url_put(struct store_conn *c, const char *name, const char *qualifier, bool create,
		   const char *auth_type, const char *cors, struct lambda_url *out, struct err *e)
{
	struct lambda_url cur;
	struct lambda_alias a;
	char now[32], id[33];
	int r = lambda_url_get(c, name, qualifier, &cur, e);

	if (r < 0 && (!create || e->code != SW_E_LAMBDA_ResourceNotFound ||
		      lambda_function_check(c, name, e) < 0))
		return r;
	if (create && r == 0)
		return err_set(e, SW_E_LAMBDA_ResourceConflict,
			       "Failed to create function url config for [functionArn = %s:%s]. "
			       "Error message:  FunctionUrlConfig exists for this Lambda function",
			       name, qualifier);
	if (create && strcmp(qualifier, LAMBDA_LATEST) != 0 &&
	    lambda_alias_get(c, name, qualifier, &a, e) < 0)
		return -e->code;
	err_clear(e);
	lambda__now(now);
	if (create) {
		if (random_string(id, sizeof(id) - 1, "abcdefghijklmnopqrstuvwxyz0123456789"))
			return err_set(e, SW_E_LAMBDA_Service, "cannot make a URL id");
		r = store_exec(c, NULL,
			       "INSERT INTO lambda_urls (func, qualifier, url_id, auth_type, cors, "
			       "created, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?)",
			       "ttttttt", e, name, qualifier, id, auth_type ? auth_type : "NONE",
			       cors ? cors : "", now, now);
	} else {
		r = store_exec(c, NULL,
			       "UPDATE lambda_urls SET auth_type = ?, cors = ?, last_modified = ? "
			       "WHERE func = ? AND qualifier = ?",
			       "ttttt", e, auth_type ? auth_type : cur.auth_type,
			       cors ? cors : cur.cors, now, name, qualifier);
	}
	if (r < 0)
		return r;
	return lambda_url_get(c, name, qualifier, out, e);
}

int lambda_url_delete(struct store_conn *c, const char *name, const char *qualifier, struct err *e)
{
	struct lambda_url u;
	int r = lambda_url_get(c, name, qualifier, &u, e);

	if (r < 0)
		return r;
	r = store_exec(c, NULL, "DELETE FROM lambda_urls WHERE func = ? AND qualifier = ?", "tt", e,
		       name, qualifier);
	return r < 0 ? r : 0;
}

int lambda_urls_walk(struct store_conn *c, const char *name, lambda_url_fn fn, void *arg,
		     struct err *e)
{
	struct store_stmt *st;
	int r = lambda_function_check(c, name, e);

	if (r < 0)
		return r;
	r = store_exec(c, &st,
		       "SELECT " LAMBDA__UCOLS
		       " FROM lambda_urls WHERE func = ? ORDER BY qualifier "
		       "LIMIT 1000",
		       "t", e, name);
	for (; r > 0; r = store_step(st, e)) {
		struct lambda_url u;

		lambda__url_read(st, &u);
		r = fn(arg, &u);
		if (r < 0)
			return r;
	}
	return r < 0 ? r : 0;
}

int lambda_code_from_object(struct store_conn *c, const char *bucket, const char *key,
			    struct lambda_code *out, struct err *e)
{
	struct store_stmt *st;
	uint8_t d[SHA256_LEN];
	int r = store_exec(c, &st, "SELECT blob, size FROM objects WHERE bucket = ? AND key = ?",
			   "tt", e, bucket, key);

	if (r < 0)
		return r;
	if (r == 0 || !hex_is_sha256(store_col_text(st, 0)))
		return err_set(e, SW_E_LAMBDA_InvalidParameterValue,
			       "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error "
			       "Message: The specified key does not exist.");
	str_copy(out->blob, sizeof(out->blob), store_col_text(st, 0));
	out->size = store_col_int(st, 1);
	if (hex_decode(out->blob, d, sizeof(d)) < 0)
		return err_set(e, SW_E_LAMBDA_Service, "bad blob name %s", out->blob);
	base64_encode(d, sizeof(d), out->sha256);
	return 0;
}
