/* codedeploy/revisions: RegisterApplicationRevision, GetApplicationRevision,
 * ListApplicationRevisions, BatchGetApplicationRevisions — and the canonical revision key the
 * deployment engine uses to record when a revision was first and last used.
 *
 * Choices (AWS leaves them open or Slipway differs on purpose):
 * - Identity.  A revision is identified by its location, not by its bundle type or description:
 *   S3 → bucket, key, version and eTag as given (an S3 revision registered without an eTag is a
 *   different revision from the same object registered with one); String and AppSpecContent →
 *   the SHA-256 of the content.  The key in the `revisions` table is
 *   "s3:<bucket>/<key>#<version>#<etag>" (with '%' and '#' percent-encoded in bucket, key and
 *   version; the eTag unquoted, lower case), "string:<sha256>" or "appspec:<sha256>".
 * - Registering checks the source: the S3 object must exist in Slipway's S3
 *   (RevisionDoesNotExist naming s3://bucket/key) and match the eTag when one is given
 *   (InvalidRevision); String content must match its sha256 when one is given (InvalidRevision).
 * - Re-registering the same revision keeps registerTime, replaces the stored location (e.g. a new
 *   bundleType) and replaces the description when the request has one ("" clears it; an absent
 *   description keeps the old one).
 * - Platforms: Server applications take S3 bundles (tar, tgz, zip); Lambda applications take
 *   an AppSpec in S3 (YAML, JSON); both take AppSpecContent / String revisions — on Server
 *   that is Slipway's extension (an AppSpec that installs no files; AWS allows these for
 *   Lambda and ECS only), so what CreateDeployment deploys can always be registered.  GitHub
 * revisions are refused: Slipway has no GitHub integration.  S3 object versions are refused:
 * Slipway's S3 keeps one version per key (pin content with eTag instead).
 * - ListApplicationRevisions without sortBy sorts by registerTime; revisions never used sort last
 *   under firstUsedTime / lastUsedTime in either order; ties are broken by the key.
 */
#include "common.h"
#include "model/groups.h"
#include "model/objects.h"
#include "model/revisions.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define REV_BATCH_MAX	      25
#define REV_DESCRIPTION_MAX   256	  /* characters, as CreateDeployment's description */
#define MODEL_REV_CONTENT_MAX (64u << 10) /* bytes of String / AppSpecContent content */
#define MODEL_REV_BUCKET_MAX  255
#define MODEL_REV_S3KEY_MAX   1024
#define MODEL_REV_ETAG_MAX    128
#define REV_NEVER	      INT64_C(9000000000000000000) /* sort value of a time that is not set */
#define REV_TOKEN_MAX	      16384

static const char *rev__platform_hint(const char *platform)
{
	return strcmp(platform, "Lambda") == 0
		   ? "a Lambda application takes AppSpecContent or String revisions, or an "
		     "AppSpec in S3 with bundleType YAML or JSON"
		   : "a Server application takes a bundle in S3 with bundleType tar, tgz or zip";
}

/* Which revision types an application's compute platform deploys. */
static int rev__platform_check(const struct model_revision *l, const char *platform, struct err *e)
{
	bool lambda = strcmp(platform, "Lambda") == 0;

	if (l->type == MODEL_REV_S3) {
		bool appspec = !strcmp(l->bundle, "YAML") || !strcmp(l->bundle, "JSON");

		if (appspec == lambda)
			return 0;
		return err_set(e, SW_E_InvalidRevision,
			       "bundleType '%s' cannot be deployed by this %s application: %s",
			       l->bundle, platform, rev__platform_hint(platform));
	}
	return 0; /* String / AppSpecContent: every platform (see the top) */
}

/* Checks that the S3 object behind a revision exists (and has the eTag asked for). */
static int rev__s3_check(struct store_conn *sc, const struct model_revision *l, struct err *e)
{
	char etag[MODEL_REV_ETAG_MAX + 3], have[MODEL_REV_ETAG_MAX + 1];
	int r;

	r = model_object_etag(sc, l->bucket, l->key, etag, sizeof(etag), e);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(
		    e, SW_E_RevisionDoesNotExist,
		    "s3://%.63s/%.120s does not exist in Slipway's S3. Upload the bundle "
		    "with `slipway deploy push --app APP --source DIR`, or with `aws s3 "
		    "cp` and `aws deploy register-application-revision` (both with "
		    "--endpoint-url); `aws deploy push` reaches Slipway's S3 only from an "
		    "aws CLI that honours AWS_ENDPOINT_URL_S3 (2.13+ or 1.29+)",
		    l->bucket, l->key);
	if (!l->etag[0])
		return 0;
	if (model_revision_etag_norm(etag, have, sizeof(have)) || strcmp(have, l->etag))
		return err_set(e, SW_E_InvalidRevision,
			       "eTag %s does not match s3://%s/%s, whose ETag is %s: the object "
			       "changed since that eTag was taken",
			       l->etag, l->bucket, l->key, have);
	return 0;
}

/* ---- exported helpers (common.h) ---- */

int cd_revision_resolve(struct store_conn *sc, const char *platform, const json_t *rev,
			json_t **doc, char *rkey, size_t size, struct err *e)
{
	struct model_revision l;
	int r = model_revision_parse(rev, MODEL_REV_REGISTER, &l, e);

	if (!r)
		r = rev__platform_check(&l, platform, e);
	if (!r && l.type == MODEL_REV_S3)
		r = rev__s3_check(sc, &l, e);
	if (!r && model_revision_loc_key(&l, rkey, size))
		r = err_set(e, SW_E_InvalidRevision, "revision location is too long");
	if (r)
		return r;
	*doc = model_revision_loc_doc(&l);
	return 0;
}

/* ---- deployment groups that target a revision ---- */

/* Maps each revision key that is the target revision of one of app's deployment groups to the
 * names of those groups: {rkey: [group, …]} (new reference).  The target revision is the
 * `targetRevision` member of a group's document, which the deployment engine sets. */
static int rev__targets(struct store_conn *sc, const char *app, json_t **out, struct err *e)
{
	json_t *map = json_object(), *groups = NULL, *g;
	size_t i;
	int r;

	r = model_groups_of(sc, app, &groups, e);
	json_array_foreach(groups, i, g)
	{
		json_t *target = json_object_get(json_object_get(g, "doc"), "targetRevision");
		char rkey[MODEL_REVISION_KEY_MAX];
		struct err ignored = { 0 };

		if (target && model_revision_key(target, rkey, sizeof(rkey), &ignored) == 0) {
			json_t *names = json_object_get(map, rkey);

			if (!names) {
				names = json_array();
				json_object_set_new(map, rkey, names);
			}
			json_array_append(names, json_object_get(g, "name"));
		}
	}
	json_decref(groups);
	if (r < 0) {
		json_decref(map);
		return r;
	}
	*out = map;
	return 0;
}

/* GenericRevisionInfo for a row of `SELECT rkey, doc, description, registered, first_used,
 * last_used` (new reference). */
static json_t *rev__info(struct store_stmt *st, const json_t *targets)
{
	json_t *j = json_object();
	json_t *groups = json_object_get(targets, store_col_text(st, 0));

	json_set_str(j, "description", store_col_text(st, 2));
	json_object_set_new(j, "deploymentGroups", groups ? json_copy(groups) : json_array());
	if (!store_col_null(st, 4))
		json_set_time(j, "firstUsedTime", store_col_int(st, 4));
	if (!store_col_null(st, 5))
		json_set_time(j, "lastUsedTime", store_col_int(st, 5));
	json_set_time(j, "registerTime", store_col_int(st, 3));
	return j;
}

/* The stored RevisionLocation of the current row (new reference). */
static json_t *rev__row_doc(struct store_stmt *st, struct err *e)
{
	json_t *j = json_loads(store_col_text(st, 1), 0, NULL);

	if (!j)
		err_set(e, SW_E_STORE, "revision '%s' has a corrupt document",
			store_col_text(st, 0));
	return j;
}

/* ---- RegisterApplicationRevision ---- */

struct rev_register {
	const char *app;
	const json_t *rev;
	const char *description; /* NULL: keep the current one */
};

static int rev__register(struct store_conn *sc, void *arg, struct err *e)
{
	struct rev_register *a = arg;
	char platform[16], rkey[MODEL_REVISION_KEY_MAX];
	json_t *doc = NULL;
	int r;

	r = cd_app_get(sc, a->app, platform, sizeof(platform), NULL, 0, e);
	if (!r)
		r = cd_revision_resolve(sc, platform, a->rev, &doc, rkey, sizeof(rkey), e);
	if (r)
		return r;
	r = model_revision_register(sc, a->app, rkey, doc, a->description, time_now_ms(), e);
	json_decref(doc);
	return r;
}

/* Counts characters, not bytes, as AWS's length limits and SQL's substr() do. */
static size_t rev__utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int RegisterApplicationRevision(struct call *c)
{
	struct rev_register a = { 0 };
	int r;

	r = cd_name(c->in, "applicationName", SW_E_ApplicationNameRequired,
		    SW_E_InvalidApplicationName, "application", &a.app, c->err);
	if (!r)
		r = json_opt_str(c->in, "description", &a.description, c->err);
	if (r)
		return r;
	if (a.description && rev__utf8_len(a.description) > REV_DESCRIPTION_MAX)
		return err_set(c->err, SW_E_DescriptionTooLong,
			       "description is longer than %d characters", REV_DESCRIPTION_MAX);
	a.rev = json_object_get(c->in, "revision");
	if (!a.rev || json_is_null(a.rev))
		return err_set(c->err, SW_E_RevisionRequired, "revision is required");
	return store_write(c->env->store, rev__register, &a, c->err);
}

/* ---- GetApplicationRevision, BatchGetApplicationRevisions ---- */

struct rev_get {
	const char *app;
	const json_t *revs; /* array of RevisionLocation */
	json_t *found;	    /* [{revisionLocation, genericRevisionInfo}] in request order */
	struct buf missing; /* what was not found, for a message */
	size_t nmissing;
	char first_missing[256];
	char first_hint[160];
};

/* How many registered revisions share the object of an S3 location that was not found, so the
 * message can say that the eTag is what differs. */
static int64_t rev__s3_siblings(struct store_conn *sc, const char *app, const char *rkey)
{
	const char *hash = strchr(rkey, '#');
	struct store_stmt *st;
	struct err ignored = { 0 };
	char prefix[MODEL_REVISION_KEY_MAX];

	if (!str_starts(rkey, "s3:") || !hash ||
	    str_copyn(prefix, sizeof(prefix), rkey, (size_t)(hash - rkey) + 1))
		return 0;
	if (store_exec(sc, &st,
		       "SELECT COUNT(*) FROM revisions WHERE app = ? AND substr(rkey, 1, CAST(? AS "
		       "INTEGER)) = ?",
		       "tit", &ignored, app, (int64_t)rev__utf8_len(prefix), prefix) != 1)
		return 0;
	return store_col_int(st, 0);
}

static int rev__get(struct store_conn *sc, void *arg, struct err *e)
{
	struct rev_get *g = arg;
	json_t *targets = NULL, *rev;
	size_t i;
	int r;

	r = cd_app_get(sc, g->app, NULL, 0, NULL, 0, e);
	if (!r)
		r = rev__targets(sc, g->app, &targets, e);
	if (r)
		return r;
	json_array_foreach(g->revs, i, rev)
	{
		struct store_stmt *st;
		struct model_revision l;
		char rkey[MODEL_REVISION_KEY_MAX];
		json_t *doc;

		r = model_revision_parse(rev, MODEL_REV_LOOKUP, &l, e);
		if (!r && model_revision_loc_key(&l, rkey, sizeof(rkey)))
			r = err_set(e, SW_E_InvalidRevision, "revision location is too long");
		if (!r)
			r = store_exec(sc, &st,
				       "SELECT rkey, doc, description, registered, first_used, "
				       "last_used FROM revisions WHERE app = ? AND rkey = ?",
				       "tt", e, g->app, rkey);
		if (r < 0)
			break;
		if (r == 0) {
			char what[1400], hint[160] = "";
			int64_t n = rev__s3_siblings(sc, g->app, rkey);

			model_revision_describe(&l, what, sizeof(what));
			if (n > 0)
				str_fmt(hint, sizeof(hint),
					"%" PRId64 " registered revision%s of that object differ%s "
					"in eTag (see ListApplicationRevisions)",
					n, n == 1 ? "" : "s", n == 1 ? "s" : "");
			if (!g->nmissing++) {
				str_copy(g->first_missing, sizeof(g->first_missing), what);
				str_copy(g->first_hint, sizeof(g->first_hint), hint);
			}
			buf_addf(&g->missing, "%s%s%s%s%s", g->nmissing > 1 ? "; " : "", what,
				 hint[0] ? " (" : "", hint, hint[0] ? ")" : "");
			continue;
		}
		doc = rev__row_doc(st, e);
		if (!doc) {
			r = -SW_E_STORE;
			break;
		}
		json_array_append_new(g->found,
				      json_pack("{s:o,s:o}", "revisionLocation", doc,
						"genericRevisionInfo", rev__info(st, targets)));
	}
	json_decref(targets);
	return r < 0 ? r : 0;
}

static int rev__get_run(struct call *c, struct rev_get *g)
{
	int r;

	g->found = json_array();
	buf_init(&g->missing, 8192);
	r = store_read(c->env->store, rev__get, g, c->err);
	return r;
}

static void rev__get_release(struct rev_get *g)
{
	json_decref(g->found);
	buf_release(&g->missing);
}

static int GetApplicationRevision(struct call *c)
{
	struct rev_get g = { 0 };
	json_t *rev;
	int r;

	r = cd_name(c->in, "applicationName", SW_E_ApplicationNameRequired,
		    SW_E_InvalidApplicationName, "application", &g.app, c->err);
	if (r)
		return r;
	rev = json_object_get(c->in, "revision");
	if (!rev || json_is_null(rev))
		return err_set(c->err, SW_E_RevisionRequired, "revision is required");
	g.revs = json_pack("[O]", rev);
	r = rev__get_run(c, &g);
	if (!r && g.nmissing)
		r = err_set(c->err, SW_E_RevisionDoesNotExist,
			    "No revision %s is registered with application %s%s%s", g.first_missing,
			    g.app, g.first_hint[0] ? "; " : "", g.first_hint);
	if (!r) {
		json_t *one = json_array_get(g.found, 0);

		c->out = json_pack("{s:s,s:O,s:O}", "applicationName", g.app, "revision",
				   json_object_get(one, "revisionLocation"), "revisionInfo",
				   json_object_get(one, "genericRevisionInfo"));
	}
	json_decref((json_t *)g.revs);
	rev__get_release(&g);
	return r;
}

static int BatchGetApplicationRevisions(struct call *c)
{
	struct rev_get g = { 0 };
	json_t *revs = NULL;
	int r;

	r = cd_name(c->in, "applicationName", SW_E_ApplicationNameRequired,
		    SW_E_InvalidApplicationName, "application", &g.app, c->err);
	if (!r)
		r = json_opt_arr(c->in, "revisions", &revs, c->err);
	if (r)
		return r;
	if (!revs || json_array_size(revs) == 0)
		return err_set(c->err, SW_E_RevisionRequired,
			       "revisions must list at least one revision");
	if (json_array_size(revs) > REV_BATCH_MAX)
		return err_set(c->err, SW_E_BatchLimitExceeded, "at most %d revisions per call",
			       REV_BATCH_MAX);
	g.revs = revs;
	r = rev__get_run(c, &g);
	if (!r) {
		c->out = json_pack("{s:s,s:O}", "applicationName", g.app, "revisions", g.found);
		if (g.nmissing)
			json_object_set_new(
			    c->out, "errorMessage",
			    json_sprintf("%zu revision%s not registered with application %s: %s",
					 g.nmissing, g.nmissing == 1 ? " is" : "s are", g.app,
					 buf_str(&g.missing)));
	}
	rev__get_release(&g);
	return r;
}

/* ---- ListApplicationRevisions ---- */

enum rev_sort { SORT_REGISTER, SORT_FIRST_USED, SORT_LAST_USED };

struct rev_list {
	const char *app;
	int sort;	    /* enum rev_sort */
	int sign;	    /* 1 ascending, -1 descending */
	const char *bucket; /* filters, NULL when not given */
	const char *prefix;
	int deployed;	  /* 0 ignore, 1 include, -1 exclude */
	int64_t after_sk; /* where the page starts (exclusive) */
	char *after_rkey;
	json_t *revs;
	struct buf last; /* the key of the last revision on the page */
	struct buf next; /* the token of the next page, empty on the last */
};

/* nextToken: base64 of "rv1\n<sort>\n<sign>\n<sort value>\n<rkey>" — where the page ended, and
 * under which order, so that a token cannot be replayed against another order. */
static int rev__token_encode(struct rev_list *l, int64_t sk, const char *rkey)
{
	struct buf raw = BUF_INIT(REV_TOKEN_MAX);
	char *out;
	int r = buf_addf(&raw, "rv1\n%d\n%d\n%" PRId64 "\n%s", l->sort, l->sign, sk, rkey);

	if (r) {
		buf_release(&raw);
		return r;
	}
	out = malloc(4 * ((raw.len + 2) / 3) + 1);
	if (!out) {
		buf_release(&raw);
		return -SW_E_NOMEM;
	}
	base64_encode((const uint8_t *)raw.p, raw.len, out);
	r = buf_adds(&l->next, out);
	free(out);
	buf_release(&raw);
	return r;
}

static int rev__token_decode(struct rev_list *l, const char *token, struct err *e)
{
	size_t n = strlen(token);
	uint8_t *raw = n <= 2 * REV_TOKEN_MAX ? malloc(n + 1) : NULL;
	int len = raw ? base64_decode(token, raw, n) : -1;
	char *s, *end, *fields[5];
	int64_t sort = -1, sign = 0;
	int k = 0;

	if (len < 0 || memchr(raw, 0, (size_t)len))
		goto bad;
	raw[len] = '\0';
	for (s = (char *)raw; k < 5; k++) {
		fields[k] = s;
		if (k == 4)
			break;
		end = strchr(s, '\n');
		if (!end)
			goto bad;
		*end = '\0';
		s = end + 1;
	}
	if (strcmp(fields[0], "rv1") || str_to_i64(fields[1], 0, 2, &sort) ||
	    str_to_i64(fields[2], -1, 1, &sign) ||
	    str_to_i64(fields[3], INT64_MIN, INT64_MAX, &l->after_sk))
		goto bad;
	if (sort != l->sort || sign != l->sign) {
		free(raw);
		return err_set(e, SW_E_InvalidNextToken,
			       "The next token belongs to a listing with another sortBy or "
			       "sortOrder");
	}
	l->after_rkey = str_dup(fields[4]);
	free(raw);
	return l->after_rkey ? 0 : -SW_E_NOMEM;
bad:
	free(raw);
	return err_set(e, SW_E_InvalidNextToken, "The next token is not valid");
}

/* Whether a stored revision passes the bucket / key-prefix / deployed filters. */
static bool rev__matches(const struct rev_list *l, const json_t *doc, const char *rkey,
			 const json_t *targets)
{
	if (l->bucket) {
		json_t *s3 = json_object_get(doc, "s3Location");
		const char *b = json_string_value(json_object_get(s3, "bucket"));
		const char *k = json_string_value(json_object_get(s3, "key"));

		if (!b || !k || strcmp(b, l->bucket) || (l->prefix && !str_starts(k, l->prefix)))
			return false;
	}
	if (l->deployed)
		return (json_object_get(targets, rkey) != NULL) == (l->deployed > 0);
	return true;
}

static int rev__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct rev_list *l = arg;
	struct store_stmt *st;
	json_t *targets = NULL;
	int64_t last_sk = 0;
	int r, n = 0;

	r = cd_app_get(sc, l->app, NULL, 0, NULL, 0, e);
	if (!r)
		r = rev__targets(sc, l->app, &targets, e);
	if (r)
		return r;
	/* sk is the sort value: the chosen time, negated for descending order, with "never"
	 * last either way; the key breaks ties, so (sk, rkey) is a total order to resume from. */
	r = store_exec(sc, &st,
		       "SELECT rkey, doc, description, registered, first_used, last_used, sk FROM "
		       "(SELECT rkey, doc, description, registered, first_used, last_used, "
		       "COALESCE(? * CASE ? WHEN 1 THEN first_used WHEN 2 THEN last_used ELSE "
		       "registered END, ?) AS sk FROM revisions WHERE app = ?) t WHERE sk > ? OR "
		       "(sk = ? AND rkey > ?) ORDER BY sk, rkey",
		       "iiitiit", e, (int64_t)l->sign, (int64_t)l->sort, REV_NEVER, l->app,
		       l->after_sk, l->after_sk, l->after_rkey ? l->after_rkey : "");
	while (r == 1) {
		const char *rkey = store_col_text(st, 0);
		json_t *doc = rev__row_doc(st, e);

		if (!doc) {
			r = -SW_E_STORE;
			break;
		}
		if (!rev__matches(l, doc, rkey, targets)) {
			json_decref(doc);
			r = store_step(st, e);
			continue;
		}
		if (++n > CD_PAGE_SIZE) {
			json_decref(doc);
			r = rev__token_encode(l, last_sk, buf_str(&l->last));
			if (r)
				err_set(e, -r, "the next token is too long");
			break;
		}
		last_sk = store_col_int(st, 6);
		buf_reset(&l->last);
		r = buf_adds(&l->last, rkey);
		if (r) {
			json_decref(doc);
			err_set(e, -r, "revision key too long");
			break;
		}
		json_array_append_new(l->revs, doc);
		r = store_step(st, e);
	}
	json_decref(targets);
	return r < 0 ? r : 0;
}

static int rev__enum(const json_t *in, const char *key, const char *const *values, int code,
		     int *out, struct err *e)
{
	const char *s = NULL;
	int r = json_opt_str(in, key, &s, e);

	if (r || !s)
		return r;
	for (int i = 0; values[i]; i++) {
		if (strcmp(s, values[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return err_set(e, code, "%s '%s' is not one of the accepted values", key, s);
}

/* A bucket filter must name a bucket that exists (InvalidBucketNameFilter otherwise). */
static int rev__bucket_exists(struct store_conn *sc, void *arg, struct err *e)
{
	const char *bucket = arg;
	int r = store_exec(sc, NULL, "SELECT 1 FROM buckets WHERE name = ?", "t", e, bucket);

	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_InvalidBucketNameFilter, "bucket '%s' does not exist",
			       bucket);
	return 0;
}

static int ListApplicationRevisions(struct call *c)
{
	static const char *const sorts[] = { "registerTime", "firstUsedTime", "lastUsedTime",
					     NULL };
	static const char *const orders[] = { "ascending", "descending", NULL };
	static const char *const deployed[] = { "ignore", "include", "exclude", NULL };
	struct rev_list l = { .sort = SORT_REGISTER, .after_sk = INT64_MIN };
	const char *token = NULL;
	int order = 0, dep = 0, r;

	r = cd_name(c->in, "applicationName", SW_E_ApplicationNameRequired,
		    SW_E_InvalidApplicationName, "application", &l.app, c->err);
	if (!r)
		r = rev__enum(c->in, "sortBy", sorts, SW_E_InvalidSortBy, &l.sort, c->err);
	if (!r)
		r = rev__enum(c->in, "sortOrder", orders, SW_E_InvalidSortOrder, &order, c->err);
	if (!r)
		r = rev__enum(c->in, "deployed", deployed, SW_E_InvalidDeployedStateFilter, &dep,
			      c->err);
	if (!r)
		r = json_opt_str(c->in, "s3Bucket", &l.bucket, c->err);
	if (!r)
		r = json_opt_str(c->in, "s3KeyPrefix", &l.prefix, c->err);
	if (!r)
		r = json_opt_str(c->in, "nextToken", &token, c->err);
	if (r)
		return r;
	l.sign = order ? -1 : 1;
	l.deployed = dep == 1 ? 1 : dep == 2 ? -1 : 0;
	if (l.prefix && !l.bucket)
		return err_set(c->err, SW_E_BucketNameFilterRequired,
			       "s3KeyPrefix needs s3Bucket: a key prefix filters one bucket");
	if (l.bucket && (!*l.bucket || strlen(l.bucket) > MODEL_REV_BUCKET_MAX))
		return err_set(c->err, SW_E_InvalidBucketNameFilter,
			       "s3Bucket must have 1 to %d characters", MODEL_REV_BUCKET_MAX);
	if (l.prefix && strlen(l.prefix) > MODEL_REV_S3KEY_MAX)
		return err_set(c->err, SW_E_InvalidKeyPrefixFilter,
			       "s3KeyPrefix is longer than an S3 key (%d bytes)",
			       MODEL_REV_S3KEY_MAX);
	if (l.bucket) {
		r = store_read(c->env->store, rev__bucket_exists, (void *)l.bucket, c->err);
		if (r)
			return r;
	}
	if (token && *token) {
		r = rev__token_decode(&l, token, c->err);
		if (r)
			return r;
	}
	l.revs = json_array();
	buf_init(&l.last, MODEL_REVISION_KEY_MAX);
	buf_init(&l.next, REV_TOKEN_MAX * 2);
	r = store_read(c->env->store, rev__list, &l, c->err);
	if (!r) {
		c->out = json_pack("{s:O}", "revisions", l.revs);
		if (l.next.len)
			json_set_str(c->out, "nextToken", buf_str(&l.next));
	}
	json_decref(l.revs);
	buf_release(&l.last);
	buf_release(&l.next);
	free(l.after_rkey);
	return r;
}

const struct json_op codedeploy_revision_ops[] = {
	{ "RegisterApplicationRevision", RegisterApplicationRevision, 0 },
	{ "GetApplicationRevision", GetApplicationRevision, 0 },
	{ "ListApplicationRevisions", ListApplicationRevisions, 0 },
	{ "BatchGetApplicationRevisions", BatchGetApplicationRevisions, 0 },
	{ NULL, NULL, 0 },
};
