/* function: `slipway function …` and `slipway alias …` — Lambda functions over the REST-JSON API
 * (SigV4 service `lambda`, /2015-03-31/functions…): creating and updating them from a directory
 * (zipped in memory, modes kept) or a zip, publishing versions, listing and showing them,
 * invoking them (the result on stdout, the executed version, function error and log tail on
 * stderr), their logs (/aws/lambda/NAME, through logs.c), reserved concurrency, and aliases with
 * weighted routing (printed as percentages). */
#include "cli_int.h"
#include "base/crypto.h"
#include "base/sigv4.h"
#include "base/str.h"

#include <archive.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FN_API		"/2015-03-31"
#define FN_ZIP_MAX	(50u << 20) /* Lambda's limit for a zip sent in the request */
#define FN_PAYLOAD_MAX	(6u << 20)  /* a synchronous invocation's payload */
#define FN_PAGE		"50"	    /* ListFunctions' and the other listings' MaxItems limit */
#define FN_PAGES_MAX	10000	    /* a bound on any listing's pages */
#define FN_INVOKE_WAIT	(900 + 60)  /* the longest function timeout, and some */
#define FN_DEFAULT_ROLE "arn:aws:iam::%s:role/slipway-function"

int cli_function_create(struct cli_args *a);
int cli_function_update(struct cli_args *a);
int cli_function_publish(struct cli_args *a);
int cli_function_list(struct cli_args *a);
int cli_function_show(struct cli_args *a);
int cli_function_invoke(struct cli_args *a);
int cli_function_logs(struct cli_args *a);
int cli_function_delete(struct cli_args *a);
int cli_function_concurrency(struct cli_args *a);
int cli_alias_create(struct cli_args *a);
int cli_alias_update(struct cli_args *a);
int cli_alias_show(struct cli_args *a);
int cli_alias_list(struct cli_args *a);
int cli_alias_delete(struct cli_args *a);

static const char *fn__str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* A function as the commands take it: NAME or NAME:QUALIFIER (a version or an alias), or an
 * ARN, which is passed whole. */
struct fn_ref {
	char name[256];
	char qualifier[129];
};

static int fn__ref(struct cli_args *a, const char *arg, bool qualifier_ok, struct fn_ref *r)
{
	const char *colon = strchr(arg, ':');

	r->qualifier[0] = '\0';
	if (!arg[0])
		return cli_usage(a, "the function name is empty");
	if (str_starts(arg, "arn:") || !colon) {
		if (str_copy(r->name, sizeof(r->name), arg))
			return cli_usage(a, "the function name is too long");
		return 0;
	}
	if (!qualifier_ok)
		return cli_usage(a, "give the function's name without ':%s'", colon + 1);
	if (!colon[1] || strchr(colon + 1, ':'))
		return cli_usage(a, "'%s' is not NAME or NAME:QUALIFIER", arg);
	if (str_copyn(r->name, sizeof(r->name), arg, (size_t)(colon - arg)) ||
	    str_copy(r->qualifier, sizeof(r->qualifier), colon + 1))
		return cli_usage(a, "the function name or qualifier is too long");
	return 0;
}

/* path = prefix + the encoded function name + suffix (suffix's own parts already encoded). */
static void fn__path(struct buf *path, const char *prefix, const char *name, const char *suffix)
{
	buf_adds(path, prefix);
	buf_adds(path, "/functions/");
	uri_encode(path, name, strlen(name), false);
	if (suffix)
		buf_adds(path, suffix);
}

/* One Lambda call: body (stolen, may be NULL), *resp (optional) the reply's JSON object ({} for
 * an empty reply).  0, or -1 recorded. */
static int fn__call(struct cli_args *a, const char *op, const char *method, const char *path,
		    const char *const *query, json_t *body, json_t **resp)
{
	char what[96];
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct cli_rest r = { .what = what,
			      .signing_name = "lambda",
			      .method = method,
			      .path = path,
			      .query = query,
			      .body = text };
	int rc;

	if (resp)
		*resp = NULL;
	json_decref(body);
	if (body && !text)
		return cli_error(a, CLI_FAILED, "", "out of memory");
	str_fmt(what, sizeof(what), "Lambda.%s", op);
	rc = cli_rest(a, &r);
	free(text);
	if (!rc && resp) {
		*resp = r.reply.len ? json_loadb(r.reply.p, r.reply.len, 0, NULL) : json_object();
		if (!json_is_object(*resp)) {
			json_decref(*resp);
			*resp = NULL;
			rc = cli_error(a, CLI_FAILED, "", "%s: the reply is not a JSON object", op);
		}
	}
	if (!rc)
		buf_release(&r.reply);
	return rc;
}

/* Every page of a listing at path (Marker / NextMarker), list_key's items appended to items.
 * query: more name/value pairs (at most 2 pairs), NULL-ended. */
static int fn__pages(struct cli_args *a, const char *op, const char *path, const char *const *extra,
		     const char *list_key, json_t *items)
{
	char marker[2048] = "";

	for (int page = 0; page < FN_PAGES_MAX; page++) {
		const char *q[10] = { "MaxItems", FN_PAGE };
		size_t n = 2;
		json_t *resp, *v;
		const char *next;
		size_t i;

		for (size_t k = 0; extra && extra[k] && n < 6; k += 2) {
			q[n++] = extra[k];
			q[n++] = extra[k + 1];
		}
		if (marker[0]) {
			q[n++] = "Marker";
			q[n++] = marker;
		}
		q[n] = NULL;
		if (fn__call(a, op, "GET", path, q, NULL, &resp))
			return -1;
		json_array_foreach(json_object_get(resp, list_key), i, v)
		    json_array_append(items, v);
		next = json_string_value(json_object_get(resp, "NextMarker"));
		if (!next || !next[0] || str_copy(marker, sizeof(marker), next)) {
			json_decref(resp);
			return 0;
		}
		json_decref(resp);
	}
	return cli_error(a, CLI_FAILED, "", "%s: more than %d pages", op, FN_PAGES_MAX);
}

/* ---- the deployment package ---- */

static int fn__zip_open(struct archive *ar, void *arg)
{
	(void)ar;
	(void)arg;
	return ARCHIVE_OK;
}

static la_ssize_t fn__zip_write(struct archive *ar, void *arg, const void *data, size_t n)
{
	struct buf *b = arg;

	if (buf_add(b, data, n)) {
		archive_set_error(ar, EFBIG, "the zip is larger than %u MB", FN_ZIP_MAX >> 20);
		return -1;
	}
	return (la_ssize_t)n;
}

static int fn__zip_close(struct archive *ar, void *arg)
{
	(void)ar;
	(void)arg;
	return ARCHIVE_OK;
}

/* The code at path: a directory zipped in memory (modes kept, so that `bootstrap` stays
 * executable), or a zip file read as it is.  zip gets at most FN_ZIP_MAX bytes. */
static int fn__package(struct cli_args *a, const char *path, struct buf *zip)
{
	struct stat st;
	char why[1024] = "";

	if (stat(path, &st) != 0)
		return cli_usage(a, "--code %s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		struct archive *ar = archive_write_new();
		int r = 0;

		if (!ar)
			return cli_error(a, CLI_FAILED, "", "out of memory");
		archive_write_set_format_zip(ar);
		archive_write_set_bytes_in_last_block(ar, 1);
		if (archive_write_open2(ar, zip, fn__zip_open, fn__zip_write, fn__zip_close,
					NULL) != ARCHIVE_OK) {
			str_fmt(why, sizeof(why), "%s", archive_error_string(ar));
			r = -1;
		}
		if (!r)
			r = cli_pack_tree(ar, path, why, sizeof(why));
		if (archive_write_close(ar) != ARCHIVE_OK && !r) {
			str_fmt(why, sizeof(why), "cannot write the zip: %s",
				archive_error_string(ar));
			r = -1;
		}
		archive_write_free(ar);
		if (r)
			return cli_error(a, CLI_FAILED, "", "--code %s: %s", path, why);
		if (zip->len == 0)
			return cli_error(a, CLI_FAILED, "", "--code %s: empty zip", path);
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return cli_usage(a, "--code %s is neither a directory nor a zip file", path);
	if ((uint64_t)st.st_size > FN_ZIP_MAX)
		return cli_usage(a, "--code %s is larger than %u MB", path, FN_ZIP_MAX >> 20);
	{
		FILE *fp = fopen(path, "rbe");
		char chunk[65536];
		size_t got;

		if (!fp)
			return cli_usage(a, "--code %s: %s", path, strerror(errno));
		while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			if (buf_add(zip, chunk, got)) {
				fclose(fp);
				return cli_usage(a, "--code %s is larger than %u MB", path,
						 FN_ZIP_MAX >> 20);
			}
		fclose(fp);
	}
	if (zip->len < 4 || memcmp(zip->p, "PK", 2) != 0)
		return cli_usage(a, "--code %s is not a zip file (give a directory or a .zip)",
				 path);
	return 0;
}

/* Code: {ZipFile: base64} of --code. */
static int fn__code(struct cli_args *a, const char *path, json_t *req)
{
	struct buf zip = BUF_INIT(FN_ZIP_MAX);
	char *b64;
	int r = fn__package(a, path, &zip);

	if (r) {
		buf_release(&zip);
		return r;
	}
	b64 = malloc(4 * ((zip.len + 2) / 3) + 1);
	if (!b64) {
		buf_release(&zip);
		return cli_error(a, CLI_FAILED, "", "out of memory");
	}
	base64_encode((const uint8_t *)zip.p, zip.len, b64);
	json_object_set_new(req, "ZipFile", json_string(b64));
	free(b64);
	buf_release(&zip);
	return 0;
}

/* ---- the configuration options ---- */

/* --env K=V... → {Variables: {K: V}}. */
static int fn__env(struct cli_args *a, json_t *req)
{
	const char **vals;
	int n = cli_opt_all(a, "env", &vals);
	json_t *vars;

	if (!n)
		return 0;
	vars = json_object();
	for (int i = 0; i < n; i++) {
		const char *eq = strchr(vals[i], '=');
		char key[256];

		if (!eq || eq == vals[i] ||
		    str_copyn(key, sizeof(key), vals[i], (size_t)(eq - vals[i]))) {
			json_decref(vars);
			return cli_usage(a, "--env takes KEY=VALUE (not '%s')", vals[i]);
		}
		json_object_set_new(vars, key, json_string(eq + 1));
	}
	json_object_set_new(req, "Environment", json_pack("{s:o}", "Variables", vars));
	return 0;
}

static int fn__int_opt(struct cli_args *a, const char *opt, int64_t min, int64_t max,
		       const char *key, json_t *req)
{
	const char *v = cli_opt(a, opt);
	int64_t n;

	if (!v)
		return 0;
	if (str_to_i64(v, min, max, &n))
		return cli_usage(a, "--%s takes a whole number from %lld to %lld (not '%s')", opt,
				 (long long)min, (long long)max, v);
	json_object_set_new(req, key, json_integer(n));
	return 0;
}

/* The FunctionConfiguration members the options set (Role and Code apart).  *any: whether one
 * was given. */
static int fn__settings(struct cli_args *a, json_t *req, bool *any)
{
	static const char *const strs[][2] = { { "runtime", "Runtime" },
					       { "handler", "Handler" },
					       { "description", "Description" },
					       { "role", "Role" } };
	size_t before = json_object_size(req);
	int r;

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (cli_opt(a, strs[i][0]))
			json_object_set_new(req, strs[i][1], json_string(cli_opt(a, strs[i][0])));
	if ((r = fn__int_opt(a, "memory", 128, 10240, "MemorySize", req)) ||
	    (r = fn__int_opt(a, "timeout", 1, 900, "Timeout", req)) || (r = fn__env(a, req)))
		return r;
	if (any)
		*any = json_object_size(req) > before;
	return 0;
}

/* "live (1)", the one-line summary printed after a change. */
static void fn__done(struct cli_args *a, const char *verb, const json_t *cfg)
{
	if (a->g.output == CLI_OUT_JSON)
		cli_json_print(cfg);
	else if (a->g.output == CLI_OUT_TEXT)
		printf("%s\n", fn__str(cfg, "FunctionArn"));
	else
		printf("%s function %s (version %s, %s, %s, sha256 %s)\n", verb,
		       fn__str(cfg, "FunctionName"), fn__str(cfg, "Version"),
		       fn__str(cfg, "Runtime"), fn__str(cfg, "Handler"),
		       fn__str(cfg, "CodeSha256"));
}

int cli_function_create(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096);
	json_t *req, *code, *resp;
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref)))
		return r;
	req = json_pack("{s:s,s:s}", "FunctionName", ref.name, "PackageType", "Zip");
	code = json_object();
	if ((r = fn__settings(a, req, NULL)) || (r = fn__code(a, cli_opt(a, "code"), code))) {
		json_decref(req);
		json_decref(code);
		return r < 0 ? cli_fail(a) : r;
	}
	json_object_set_new(req, "Code", code);
	if (cli_flag(a, "publish"))
		json_object_set_new(req, "Publish", json_true());
	if (!json_object_get(req, "Role")) {
		char account[32], role[128];

		if (cli_account_id(a, account, sizeof(account))) {
			json_decref(req);
			return cli_fail(a);
		}
		str_fmt(role, sizeof(role), FN_DEFAULT_ROLE, account);
		json_object_set_new(req, "Role", json_string(role));
	}
	buf_adds(&path, FN_API "/functions");
	r = fn__call(a, "CreateFunction", "POST", buf_str(&path), NULL, req, &resp);
	buf_release(&path);
	if (r)
		return cli_fail(a);
	fn__done(a, "created", resp);
	json_decref(resp);
	return CLI_OK;
}

int cli_function_update(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096);
	const char *code_dir = cli_opt(a, "code");
	bool publish = cli_flag(a, "publish"), any = false;
	json_t *cfg = json_object(), *resp = NULL;
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref)) || (r = fn__settings(a, cfg, &any))) {
		json_decref(cfg);
		return r;
	}
	if (!any && !code_dir && !publish) {
		json_decref(cfg);
		return cli_usage(a, "nothing to change: give --code or a setting");
	}
	if (any) {
		fn__path(&path, FN_API, ref.name, "/configuration");
		r = fn__call(a, "UpdateFunctionConfiguration", "PUT", buf_str(&path), NULL, cfg,
			     &resp);
		cfg = NULL;
		buf_reset(&path);
		if (r)
			goto fail;
	}
	json_decref(cfg);
	if (code_dir) {
		json_t *req = json_object();

		if ((r = fn__code(a, code_dir, req))) {
			json_decref(req);
			buf_release(&path);
			json_decref(resp);
			return r < 0 ? cli_fail(a) : r;
		}
		if (publish)
			json_object_set_new(req, "Publish", json_true());
		json_decref(resp);
		fn__path(&path, FN_API, ref.name, "/code");
		if (fn__call(a, "UpdateFunctionCode", "PUT", buf_str(&path), NULL, req, &resp))
			goto fail;
	} else if (publish) {
		json_decref(resp);
		fn__path(&path, FN_API, ref.name, "/versions");
		if (fn__call(a, "PublishVersion", "POST", buf_str(&path), NULL, json_object(),
			     &resp))
			goto fail;
	}
	buf_release(&path);
	fn__done(a, publish ? "updated and published" : "updated", resp);
	json_decref(resp);
	return CLI_OK;
fail:
	buf_release(&path);
	json_decref(resp);
	return cli_fail(a);
}

int cli_function_publish(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096);
	const char *desc = cli_opt(a, "description");
	json_t *req = json_object(), *resp;
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref))) {
		json_decref(req);
		return r;
	}
	if (desc)
		json_object_set_new(req, "Description", json_string(desc));
	fn__path(&path, FN_API, ref.name, "/versions");
	r = fn__call(a, "PublishVersion", "POST", buf_str(&path), NULL, req, &resp);
	buf_release(&path);
	if (r)
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON)
		cli_json_print(resp);
	else if (a->g.output == CLI_OUT_TEXT)
		printf("%s\n", fn__str(resp, "Version"));
	else
		printf("published %s version %s (sha256 %s)\n", fn__str(resp, "FunctionName"),
		       fn__str(resp, "Version"), fn__str(resp, "CodeSha256"));
	json_decref(resp);
	return CLI_OK;
}

/* "2024-05-01T10:20:30.000+0000" → "2024-05-01 10:20:30" for tables (UTC, as Lambda gives). */
static const char *fn__modified(const struct cli_args *a, const json_t *cfg, char *out, size_t size)
{
	const char *s = fn__str(cfg, "LastModified");

	if (a->g.output == CLI_OUT_TEXT || strlen(s) < 19)
		return s;
	str_copyn(out, size, s, 19);
	if (size > 10 && out[10] == 'T')
		out[10] = ' ';
	return out;
}

static int fn__by_name_version(const void *x, const void *y)
{
	const json_t *p = *(json_t *const *)x, *q = *(json_t *const *)y;
	int c = strcmp(fn__str(p, "FunctionName"), fn__str(q, "FunctionName"));
	const char *vp = fn__str(p, "Version"), *vq = fn__str(q, "Version");

	if (c)
		return c;
	if (vp[0] == '$' || vq[0] == '$') /* $LATEST first */
		return vp[0] == '$' ? (vq[0] == '$' ? 0 : -1) : 1;
	return strtoll(vp, NULL, 10) < strtoll(vq, NULL, 10) ? -1 : 1;
}

int cli_function_list(struct cli_args *a)
{
	static const char *const all[] = { "FunctionVersion", "ALL", NULL };
	json_t *items = json_array(), *f;
	struct cli_table t;
	size_t i;

	if (fn__pages(a, "ListFunctions", FN_API "/functions/",
		      cli_flag(a, "all-versions") ? all : NULL, "Functions", items)) {
		json_decref(items);
		return cli_fail(a);
	}
	cli_array_sort(items, fn__by_name_version);
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(items);
		json_decref(items);
		return CLI_OK;
	}
	cli_table_init(&t, 6, "NAME", "RUNTIME", "VERSION", "MEMORY", "TIMEOUT", "LAST MODIFIED");
	json_array_foreach(items, i, f)
	{
		char mem[32], to[32], when[32];

		str_fmt(mem, sizeof(mem), "%lld MB",
			(long long)json_integer_value(json_object_get(f, "MemorySize")));
		str_fmt(to, sizeof(to), "%llds",
			(long long)json_integer_value(json_object_get(f, "Timeout")));
		cli_table_row(&t, fn__str(f, "FunctionName"), fn__str(f, "Runtime"),
			      fn__str(f, "Version"), mem, to,
			      fn__modified(a, f, when, sizeof(when)));
	}
	cli_table_print(a, &t);
	cli_table_release(&t);
	json_decref(items);
	return CLI_OK;
}

/* A weight for people: 0.1 → "10%". */
static const char *fn__percent(double w, char *out, size_t size)
{
	char num[64];

	str_fmt(out, size, "%s%%", cli_number(round(w * 1e6) / 1e4, num, sizeof(num)));
	return out;
}

/* An alias's routing for people: "2 (100%)", or "2 (90%), 3 (10%)". */
static void fn__routing(const json_t *alias, struct buf *out)
{
	const json_t *w =
	    json_object_get(json_object_get(alias, "RoutingConfig"), "AdditionalVersionWeights");
	const char *key;
	json_t *v;
	double rest = 1.0;
	char pct[64];

	json_object_foreach((json_t *)w, key, v) rest -= json_number_value(v);
	buf_addf(out, "%s (%s)", fn__str(alias, "FunctionVersion"),
		 fn__percent(rest < 0 ? 0 : rest, pct, sizeof(pct)));
	json_object_foreach((json_t *)w, key, v)
	    buf_addf(out, ", %s (%s)", key, fn__percent(json_number_value(v), pct, sizeof(pct)));
}

int cli_function_show(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096), b = BUF_INIT(1 << 20);
	const char *q[] = { "Qualifier", NULL, NULL };
	json_t *resp = NULL, *aliases = json_array(), *versions = json_array(), *cfg, *v;
	const char *key;
	size_t i;
	int r;

	if ((r = fn__ref(a, a->pos[0], true, &ref))) {
		json_decref(aliases);
		json_decref(versions);
		return r;
	}
	if (ref.qualifier[0])
		q[1] = ref.qualifier;
	else
		q[0] = NULL;
	fn__path(&path, FN_API, ref.name, NULL);
	if (fn__call(a, "GetFunction", "GET", buf_str(&path), q, NULL, &resp))
		goto fail;
	buf_reset(&path);
	fn__path(&path, FN_API, ref.name, "/aliases");
	if (fn__pages(a, "ListAliases", buf_str(&path), NULL, "Aliases", aliases))
		goto fail;
	buf_reset(&path);
	fn__path(&path, FN_API, ref.name, "/versions");
	if (fn__pages(a, "ListVersionsByFunction", buf_str(&path), NULL, "Versions", versions))
		goto fail;
	buf_release(&path);
	cli_array_sort(versions, fn__by_name_version);
	if (a->g.output == CLI_OUT_JSON) {
		json_object_set(resp, "Aliases", aliases);
		json_object_set(resp, "Versions", versions);
		cli_json_print(resp);
		goto done;
	}
	cfg = json_object_get(resp, "Configuration");
	cli_kv_width(18);
	cli_kv(a, "name", "%s", fn__str(cfg, "FunctionName"));
	cli_kv(a, "arn", "%s", fn__str(cfg, "FunctionArn"));
	cli_kv(a, "version", "%s", fn__str(cfg, "Version"));
	cli_kv(a, "runtime", "%s", fn__str(cfg, "Runtime"));
	cli_kv(a, "handler", "%s", fn__str(cfg, "Handler"));
	cli_kv(a, "role", "%s", fn__str(cfg, "Role"));
	cli_kv(a, "memory", "%lld MB",
	       (long long)json_integer_value(json_object_get(cfg, "MemorySize")));
	cli_kv(a, "timeout", "%lld s",
	       (long long)json_integer_value(json_object_get(cfg, "Timeout")));
	if (fn__str(cfg, "Description")[0])
		cli_kv(a, "description", "%s", fn__str(cfg, "Description"));
	cli_kv(a, "code", "%lld bytes, sha256 %s",
	       (long long)json_integer_value(json_object_get(cfg, "CodeSize")),
	       fn__str(cfg, "CodeSha256"));
	if (fn__str(cfg, "State")[0])
		cli_kv(a, "state", "%s%s%s", fn__str(cfg, "State"),
		       fn__str(cfg, "StateReason")[0] ? ": " : "", fn__str(cfg, "StateReason"));
	if (fn__str(cfg, "LastUpdateStatus")[0])
		cli_kv(a, "last update", "%s", fn__str(cfg, "LastUpdateStatus"));
	cli_kv(a, "last modified", "%s", fn__str(cfg, "LastModified"));
	json_object_foreach(json_object_get(json_object_get(cfg, "Environment"), "Variables"), key,
			    v)
	{
		buf_addf(&b, "%s%s=%s", b.len ? ", " : "", key, json_string_value(v));
	}
	cli_kv(a, "environment", "%s", b.len ? buf_str(&b) : "(none)");
	v = json_object_get(json_object_get(resp, "Concurrency"), "ReservedConcurrentExecutions");
	if (v)
		cli_kv(a, "concurrency", "%lld reserved", (long long)json_integer_value(v));
	else
		cli_kv(a, "concurrency", "unreserved");
	buf_reset(&b);
	json_array_foreach(versions, i, v)
	    buf_addf(&b, "%s%s", i ? ", " : "", fn__str(v, "Version"));
	cli_kv(a, "versions", "%s", buf_str(&b));
	if (!json_array_size(aliases))
		cli_kv(a, "aliases", "(none)");
	json_array_foreach(aliases, i, v)
	{
		buf_reset(&b);
		buf_addf(&b, "%s → ", fn__str(v, "Name"));
		fn__routing(v, &b);
		cli_kv(a, i ? "" : "aliases", "%s", buf_str(&b));
	}
done:
	buf_release(&b);
	json_decref(resp);
	json_decref(aliases);
	json_decref(versions);
	return CLI_OK;
fail:
	buf_release(&path);
	buf_release(&b);
	json_decref(resp);
	json_decref(aliases);
	json_decref(versions);
	return cli_fail(a);
}

/* --payload JSON or @FILE, checked to be JSON (at most FN_PAYLOAD_MAX bytes). */
static int fn__payload(struct cli_args *a, struct buf *out)
{
	const char *p = cli_opt(a, "payload");
	json_error_t je;
	json_t *j;

	if (!p)
		return buf_adds(out, "{}");
	if (p[0] == '@') {
		FILE *fp = fopen(p + 1, "rbe");
		char chunk[65536];
		size_t got;

		if (!fp)
			return cli_usage(a, "--payload %s: %s", p, strerror(errno));
		while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
			if (buf_add(out, chunk, got)) {
				fclose(fp);
				return cli_usage(a, "--payload %s is larger than %u MB", p,
						 FN_PAYLOAD_MAX >> 20);
			}
		fclose(fp);
	} else if (buf_adds(out, p)) {
		return cli_usage(a, "--payload is larger than %u MB", FN_PAYLOAD_MAX >> 20);
	}
	j = json_loadb(out->p ? out->p : "", out->len, JSON_DECODE_ANY, &je);
	if (!j)
		return cli_usage(a, "--payload is not JSON: %s (line %d)", je.text, je.line);
	json_decref(j);
	if (memchr(out->p, '\0', out->len))
		return cli_usage(a, "--payload holds a NUL byte");
	return 0;
}

int cli_function_invoke(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096), payload = BUF_INIT(FN_PAYLOAD_MAX);
	const char *q[] = { "Qualifier", NULL, NULL };
	bool event = cli_flag(a, "event"), dry = cli_flag(a, "dry-run"), log = cli_flag(a, "log");
	const char *headers[] = { "X-Amz-Invocation-Type",
				  dry	  ? "DryRun"
				  : event ? "Event"
					  : "RequestResponse",
				  log ? "X-Amz-Log-Type" : NULL, "Tail", NULL };
	struct cli_rest *r = calloc(1, sizeof(*r));
	int rc;

	if (!r)
		return cli_error(a, CLI_FAILED, "", "out of memory"), cli_fail(a);
	if ((rc = fn__ref(a, a->pos[0], true, &ref)) || (rc = fn__payload(a, &payload)))
		goto out;
	if (log && (event || dry)) {
		rc = cli_usage(a, "--log is for a synchronous invocation only");
		goto out;
	}
	if (ref.qualifier[0])
		q[1] = ref.qualifier;
	else
		q[0] = NULL;
	fn__path(&path, FN_API, ref.name, "/invocations");
	*r = (struct cli_rest){ .what = "Lambda.Invoke",
				.signing_name = "lambda",
				.method = "POST",
				.path = buf_str(&path),
				.query = q,
				.body = buf_str(&payload),
				.headers = headers,
				.want = { "X-Amz-Function-Error", "X-Amz-Log-Result",
					  "X-Amz-Executed-Version", NULL },
				.timeout_s = FN_INVOKE_WAIT };
	if (cli_rest(a, r)) {
		rc = cli_fail(a);
		goto out;
	}
	if (r->reply.len) {
		fwrite(r->reply.p, 1, r->reply.len, stdout);
		if (r->reply.p[r->reply.len - 1] != '\n')
			putchar('\n');
	}
	fflush(stdout);
	if (event)
		fprintf(stderr, "queued (HTTP %ld)\n", r->status);
	else if (dry)
		fprintf(stderr, "dry run: the invocation would be accepted (HTTP %ld)\n",
			r->status);
	if (r->got[2][0])
		fprintf(stderr, "executed version: %s\n", r->got[2]);
	if (log && r->got[1][0]) {
		size_t n = strlen(r->got[1]);
		uint8_t *dec = malloc(n + 1);
		int len = dec ? base64_decode(r->got[1], dec, n) : -1;

		if (len >= 0) {
			fputs("--- log tail ---\n", stderr);
			fwrite(dec, 1, (size_t)len, stderr);
			if (len && dec[len - 1] != '\n')
				fputc('\n', stderr);
		} else {
			fputs("(the log tail is not base64)\n", stderr);
		}
		free(dec);
	}
	rc = CLI_OK;
	if (r->got[0][0]) {
		json_t *err = json_loadb(r->reply.p ? r->reply.p : "", r->reply.len, 0, NULL);

		fprintf(stderr, "slipway: function error (%s)", r->got[0]);
		if (json_is_object(err) && json_object_get(err, "errorType"))
			fprintf(stderr, ": %s: %s", fn__str(err, "errorType"),
				fn__str(err, "errorMessage"));
		else if (json_is_object(err) && json_object_get(err, "errorMessage"))
			fprintf(stderr, ": %s", fn__str(err, "errorMessage"));
		fputc('\n', stderr);
		json_decref(err);
		rc = CLI_FAILED;
	}
	buf_release(&r->reply);
out:
	buf_release(&path);
	buf_release(&payload);
	free(r);
	return rc;
}

int cli_function_logs(struct cli_args *a)
{
	struct fn_ref ref;
	char group[320];
	const char *name;
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref)))
		return r;
	/* a full ARN's function name is its seventh field */
	name = ref.name;
	if (str_starts(name, "arn:")) {
		for (int i = 0; i < 6 && name; i++) {
			name = strchr(name, ':');
			name = name ? name + 1 : NULL;
		}
		if (!name || !name[0])
			return cli_usage(a, "'%s' is not a function ARN", ref.name);
	}
	str_fmt(group, sizeof(group), "/aws/lambda/%.*s", (int)strcspn(name, ":"), name);
	return cli_logs_print(a, group, NULL, cli_opt(a, "filter"), cli_flag(a, "follow"),
			      cli_opt(a, "since"));
}

int cli_function_delete(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096);
	const char *q[] = { "Qualifier", NULL, NULL };
	int r;

	if ((r = fn__ref(a, a->pos[0], true, &ref)))
		return r;
	if (ref.qualifier[0])
		q[1] = ref.qualifier;
	else
		q[0] = NULL;
	fn__path(&path, FN_API, ref.name, NULL);
	r = fn__call(a, "DeleteFunction", "DELETE", buf_str(&path), q, NULL, NULL);
	buf_release(&path);
	if (r)
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON)
		printf("{}\n");
	else if (a->g.output != CLI_OUT_TEXT && ref.qualifier[0])
		printf("deleted version %s of function %s\n", ref.qualifier, ref.name);
	else if (a->g.output != CLI_OUT_TEXT)
		printf("deleted function %s, its versions and aliases\n", ref.name);
	return CLI_OK;
}

int cli_function_concurrency(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096);
	bool del = cli_flag(a, "delete");
	json_t *resp = NULL, *v;
	int64_t n = 0;
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref)))
		return r;
	if (del && a->npos > 1)
		return cli_usage(a, "give N or --delete, not both");
	if (a->npos > 1 && str_to_i64(a->pos[1], 0, 1000000, &n))
		return cli_usage(a, "N is a whole number of concurrent executions (not '%s')",
				 a->pos[1]);
	if (del) {
		fn__path(&path, "/2017-10-31", ref.name, "/concurrency");
		r = fn__call(a, "DeleteFunctionConcurrency", "DELETE", buf_str(&path), NULL, NULL,
			     NULL);
	} else if (a->npos > 1) {
		fn__path(&path, "/2017-10-31", ref.name, "/concurrency");
		r = fn__call(a, "PutFunctionConcurrency", "PUT", buf_str(&path), NULL,
			     json_pack("{s:I}", "ReservedConcurrentExecutions", (json_int_t)n),
			     &resp);
	} else {
		fn__path(&path, "/2019-09-30", ref.name, "/concurrency");
		r = fn__call(a, "GetFunctionConcurrency", "GET", buf_str(&path), NULL, NULL, &resp);
	}
	buf_release(&path);
	if (r)
		return cli_fail(a);
	v = json_object_get(resp, "ReservedConcurrentExecutions");
	if (a->g.output == CLI_OUT_JSON)
		cli_json_print(resp ? resp : json_object());
	else if (a->g.output == CLI_OUT_TEXT && v)
		printf("%lld\n", (long long)json_integer_value(v));
	else if (a->g.output == CLI_OUT_TEXT)
		printf("unreserved\n");
	else if (del)
		printf("function %s: concurrency unreserved\n", ref.name);
	else if (v)
		printf("function %s: %lld concurrent executions reserved\n", ref.name,
		       (long long)json_integer_value(v));
	else
		printf("function %s: concurrency unreserved\n", ref.name);
	json_decref(resp);
	return CLI_OK;
}

/* ---- aliases ---- */

/* --weight V=W (W a fraction below 1, or a percentage "10%") → RoutingConfig. */
static int fn__weight(struct cli_args *a, json_t *req)
{
	const char *w = cli_opt(a, "weight");
	const char *eq;
	char version[32], *end;
	double f;

	if (cli_flag(a, "no-weight")) {
		json_object_set_new(req, "RoutingConfig",
				    json_pack("{s:{}}", "AdditionalVersionWeights"));
		return 0;
	}
	if (!w)
		return 0;
	eq = strchr(w, '=');
	if (!eq || eq == w || str_copyn(version, sizeof(version), w, (size_t)(eq - w)) ||
	    strspn(version, "0123456789") != strlen(version))
		return cli_usage(a, "--weight takes VERSION=WEIGHT: 2=0.1 or 2=10%% (not '%s')", w);
	errno = 0;
	f = strtod(eq + 1, &end);
	if (end == eq + 1 || errno || !isfinite(f))
		return cli_usage(a, "--weight %s: the weight is not a number", w);
	if (*end == '%' && !end[1])
		f /= 100;
	else if (*end)
		return cli_usage(a, "--weight %s: the weight is not a number", w);
	if (f < 0 || f >= 1)
		return cli_usage(a,
				 "--weight %s: the weight is a fraction from 0 up to 1 (or 0%% to "
				 "100%%, not included)",
				 w);
	json_object_set_new(req, "RoutingConfig",
			    json_pack("{s:{s:f}}", "AdditionalVersionWeights", version, f));
	return 0;
}

static void fn__alias_done(struct cli_args *a, const char *verb, const char *function,
			   const json_t *alias)
{
	struct buf b = BUF_INIT(4096);

	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(alias);
	} else if (a->g.output == CLI_OUT_TEXT) {
		printf("%s\n", fn__str(alias, "AliasArn"));
	} else {
		fn__routing(alias, &b);
		printf("%s alias %s of %s → %s\n", verb, fn__str(alias, "Name"), function,
		       buf_str(&b));
	}
	buf_release(&b);
}

/* The path of alias (NULL: the collection) of function. */
static void fn__alias_path(struct buf *path, const char *function, const char *alias)
{
	fn__path(path, FN_API, function, "/aliases");
	if (alias) {
		buf_addc(path, '/');
		uri_encode(path, alias, strlen(alias), false);
	}
}

int cli_alias_create(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096);
	const char *desc = cli_opt(a, "description");
	json_t *req, *resp;
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref)))
		return r;
	req = json_pack("{s:s,s:s}", "Name", a->pos[1], "FunctionVersion", cli_opt(a, "version"));
	if (desc)
		json_object_set_new(req, "Description", json_string(desc));
	if ((r = fn__weight(a, req))) {
		json_decref(req);
		return r;
	}
	fn__alias_path(&path, ref.name, NULL);
	r = fn__call(a, "CreateAlias", "POST", buf_str(&path), NULL, req, &resp);
	buf_release(&path);
	if (r)
		return cli_fail(a);
	fn__alias_done(a, "created", ref.name, resp);
	json_decref(resp);
	return CLI_OK;
}

int cli_alias_update(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096);
	const char *desc = cli_opt(a, "description"), *version = cli_opt(a, "version");
	json_t *req = json_object(), *resp;
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref)) || (r = fn__weight(a, req))) {
		json_decref(req);
		return r;
	}
	if (version)
		json_object_set_new(req, "FunctionVersion", json_string(version));
	if (desc)
		json_object_set_new(req, "Description", json_string(desc));
	if (!json_object_size(req)) {
		json_decref(req);
		return cli_usage(a, "nothing to change: give --version, --weight, --no-weight or "
				    "--description");
	}
	fn__alias_path(&path, ref.name, a->pos[1]);
	r = fn__call(a, "UpdateAlias", "PUT", buf_str(&path), NULL, req, &resp);
	buf_release(&path);
	if (r)
		return cli_fail(a);
	fn__alias_done(a, "updated", ref.name, resp);
	json_decref(resp);
	return CLI_OK;
}

int cli_alias_show(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096), b = BUF_INIT(4096);
	const json_t *w;
	const char *key;
	json_t *resp, *v;
	double rest = 1.0;
	char pct[64];
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref)))
		return r;
	fn__alias_path(&path, ref.name, a->pos[1]);
	r = fn__call(a, "GetAlias", "GET", buf_str(&path), NULL, NULL, &resp);
	buf_release(&path);
	if (r)
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(resp);
		json_decref(resp);
		return CLI_OK;
	}
	w = json_object_get(json_object_get(resp, "RoutingConfig"), "AdditionalVersionWeights");
	json_object_foreach((json_t *)w, key, v) rest -= json_number_value(v);
	cli_kv_width(14);
	cli_kv(a, "name", "%s", fn__str(resp, "Name"));
	cli_kv(a, "function", "%s", ref.name);
	cli_kv(a, "arn", "%s", fn__str(resp, "AliasArn"));
	cli_kv(a, "version", "%s (%s)", fn__str(resp, "FunctionVersion"),
	       fn__percent(rest < 0 ? 0 : rest, pct, sizeof(pct)));
	json_object_foreach((json_t *)w, key, v)
	    cli_kv(a, "", "%s (%s)", key, fn__percent(json_number_value(v), pct, sizeof(pct)));
	if (fn__str(resp, "Description")[0])
		cli_kv(a, "description", "%s", fn__str(resp, "Description"));
	cli_kv(a, "revision", "%s", fn__str(resp, "RevisionId"));
	buf_release(&b);
	json_decref(resp);
	return CLI_OK;
}

static int fn__alias_by_name(const void *x, const void *y)
{
	return strcmp(fn__str(*(json_t *const *)x, "Name"), fn__str(*(json_t *const *)y, "Name"));
}

int cli_alias_list(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096), b = BUF_INIT(4096);
	json_t *items = json_array(), *v;
	struct cli_table t;
	size_t i;
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref))) {
		json_decref(items);
		return r;
	}
	fn__alias_path(&path, ref.name, NULL);
	r = fn__pages(a, "ListAliases", buf_str(&path), NULL, "Aliases", items);
	buf_release(&path);
	if (r) {
		json_decref(items);
		return cli_fail(a);
	}
	cli_array_sort(items, fn__alias_by_name);
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(items);
		json_decref(items);
		return CLI_OK;
	}
	cli_table_init(&t, 3, "NAME", "ROUTING", "DESCRIPTION");
	json_array_foreach(items, i, v)
	{
		buf_reset(&b);
		fn__routing(v, &b);
		cli_table_row(&t, fn__str(v, "Name"), buf_str(&b), fn__str(v, "Description"));
	}
	cli_table_print(a, &t);
	cli_table_release(&t);
	buf_release(&b);
	json_decref(items);
	return CLI_OK;
}

int cli_alias_delete(struct cli_args *a)
{
	struct fn_ref ref;
	struct buf path = BUF_INIT(4096);
	int r;

	if ((r = fn__ref(a, a->pos[0], false, &ref)))
		return r;
	fn__alias_path(&path, ref.name, a->pos[1]);
	r = fn__call(a, "DeleteAlias", "DELETE", buf_str(&path), NULL, NULL, NULL);
	buf_release(&path);
	if (r)
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON)
		printf("{}\n");
	else if (a->g.output != CLI_OUT_TEXT)
		printf("deleted alias %s of %s\n", a->pos[1], ref.name);
	return CLI_OK;
}
