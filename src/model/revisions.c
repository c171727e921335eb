/* model/revisions: revision locations (parsing, the canonical key, the stored form) and the
 * `revisions` table's writes — RegisterApplicationRevision's and the engine's "revision used"
 * bookkeeping.  The key is "s3:<bucket>/<key>#<version>#<etag>" (with '%' and '#'
 * percent-encoded in bucket, key and version; the eTag unquoted, lower case),
 * "string:<sha256>" or "appspec:<sha256>" (services/codedeploy/revisions.c says why). */
#include "revisions.h"
#include "codedeploy_errors.h"
#include "store/store.h"
#include "base/buf.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/str.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Strips surrounding double quotes (S3 quotes ETags, `aws deploy push` does not) and lower-cases
 * the hex digits, so that every spelling of one ETag compares equal. */
int model_revision_etag_norm(const char *in, char *out, size_t size)
{
	size_t n = strlen(in);

	if (n >= 2 && in[0] == '"' && in[n - 1] == '"') {
		in++;
		n -= 2;
	}
	if (str_copyn(out, size, in, n))
		return -SW_E_TRUNCATED;
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

static int rev__s3(const json_t *rev, enum model_revision_mode mode, struct model_revision *l,
		   struct err *e)
{
	json_t *s3 = NULL;
	const char *etag = NULL, *version = NULL;
	int r = json_opt_obj(rev, "s3Location", &s3, e);

	if (r)
		return r;
	if (!s3)
		return err_set(e, SW_E_InvalidRevision,
			       "revision.s3Location is required when revisionType is S3");
	if ((r = json_opt_str(s3, "bucket", &l->bucket, e)) ||
	    (r = json_opt_str(s3, "key", &l->key, e)) ||
	    (r = json_opt_str(s3, "bundleType", &l->bundle, e)) ||
	    (r = json_opt_str(s3, "eTag", &etag, e)) ||
	    (r = json_opt_str(s3, "version", &version, e)))
		return r;
	if (!l->bucket || !*l->bucket || strlen(l->bucket) > MODEL_REV_BUCKET_MAX)
		return err_set(e, SW_E_InvalidRevision,
			       "revision.s3Location.bucket must name a bucket (1 to %d characters)",
			       MODEL_REV_BUCKET_MAX);
	if (!l->key || !*l->key || strlen(l->key) > MODEL_REV_S3KEY_MAX)
		return err_set(e, SW_E_InvalidRevision,
			       "revision.s3Location.key must name an object (1 to %d bytes)",
			       MODEL_REV_S3KEY_MAX);
	if (l->bundle && strcmp(l->bundle, "tar") && strcmp(l->bundle, "tgz") &&
	    strcmp(l->bundle, "zip") && strcmp(l->bundle, "YAML") && strcmp(l->bundle, "JSON"))
		return err_set(
		    e, SW_E_InvalidRevision,
		    "revision.s3Location.bundleType must be tar, tgz, zip, YAML or JSON, "
		    "not '%s'",
		    l->bundle);
	if (!l->bundle && mode == MODEL_REV_REGISTER)
		return err_set(e, SW_E_InvalidRevision,
			       "revision.s3Location.bundleType is required (tar, tgz, zip, YAML or "
			       "JSON): the agent needs it to unpack s3://%s/%s",
			       l->bucket, l->key);
	if (version && *version)
		return err_set(
		    e, SW_E_InvalidRevision,
		    "revision.s3Location.version: Slipway's S3 keeps one version per key, "
		    "so object versions cannot be pinned; omit version and pin the content "
		    "with eTag");
	if (etag && model_revision_etag_norm(etag, l->etag, sizeof(l->etag)))
		return err_set(e, SW_E_InvalidRevision,
			       "revision.s3Location.eTag is longer than %d characters",
			       MODEL_REV_ETAG_MAX);
	l->type = MODEL_REV_S3;
	return 0;
}

static int rev__string(const json_t *rev, const char *member, enum model_revision_mode mode,
		       struct model_revision *l, struct err *e)
{
	json_t *s = NULL;
	const char *sha = NULL;
	uint8_t digest[SHA256_LEN], given[SHA256_LEN];
	int r = json_opt_obj(rev, member, &s, e);

	if (r)
		return r;
	if (!s)
		return err_set(e, SW_E_InvalidRevision,
			       "revision.%s is required when revisionType is %s", member,
			       l->type == MODEL_REV_STRING ? "String" : "AppSpecContent");
	if ((r = json_opt_str(s, "content", &l->content, e)) ||
	    (r = json_opt_str(s, "sha256", &sha, e)))
		return r;
	if (sha && (strlen(sha) != 2 * SHA256_LEN || hex_decode(sha, given, sizeof(given))))
		return err_set(e, SW_E_InvalidRevision,
			       "revision.%s.sha256 must be 64 hexadecimal digits", member);
	if (l->content && strlen(l->content) > MODEL_REV_CONTENT_MAX)
		return err_set(e, SW_E_InvalidRevision,
			       "revision.%s.content is longer than Slipway's limit of %u bytes",
			       member, MODEL_REV_CONTENT_MAX);
	if (!l->content || !*l->content) {
		if (mode == MODEL_REV_REGISTER || !sha)
			return err_set(e, SW_E_InvalidRevision,
				       "revision.%s.content is required (the AppSpec as YAML or "
				       "JSON)",
				       member);
		hex_encode(given, sizeof(given), l->sha);
		return 0;
	}
	sha256(l->content, strlen(l->content), digest);
	if (sha && !mem_equal_ct(digest, given, sizeof(digest)))
		return err_set(e, SW_E_InvalidRevision,
			       "revision.%s.sha256 does not match the SHA-256 of its content",
			       member);
	hex_encode(digest, sizeof(digest), l->sha);
	return 0;
}

/* Parses and validates a RevisionLocation (either mode): InvalidRevision with the member at
 * fault, RevisionRequired when there is none. */
int model_revision_parse(const json_t *rev, enum model_revision_mode mode, struct model_revision *l,
			 struct err *e)
{
	const char *type = NULL;
	int r;

	memset(l, 0, sizeof(*l));
	if (!rev || json_is_null(rev))
		return err_set(e, SW_E_RevisionRequired, "revision is required");
	if (!json_is_object(rev))
		return err_set(e, SW_E_InvalidRevision,
			       "revision must be a RevisionLocation object");
	r = json_opt_str(rev, "revisionType", &type, e);
	if (r)
		return r;
	if (!type)
		return err_set(e, SW_E_InvalidRevision,
			       "revision.revisionType is required (S3, String or AppSpecContent)");
	if (strcmp(type, "S3") == 0)
		return rev__s3(rev, mode, l, e);
	if (strcmp(type, "String") == 0) {
		l->type = MODEL_REV_STRING;
		return rev__string(rev, "string", mode, l, e);
	}
	if (strcmp(type, "AppSpecContent") == 0) {
		l->type = MODEL_REV_APPSPEC;
		return rev__string(rev, "appSpecContent", mode, l, e);
	}
	if (strcmp(type, "GitHub") == 0)
		return err_set(
		    e, SW_E_InvalidRevision,
		    "GitHub revisions are not supported: Slipway has no GitHub "
		    "integration; upload the bundle to Slipway's S3 (`slipway deploy push`, "
		    "or `aws s3 cp` and `aws deploy register-application-revision`) and "
		    "deploy it as an S3 revision");
	return err_set(e, SW_E_InvalidRevision,
		       "revision.revisionType must be S3, String or AppSpecContent, not '%s'",
		       type);
}

/* Appends s with '%' and '#' percent-encoded, so '#' can separate the parts of a key. */
static int rev__add_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		int r = (*s == '%' || *s == '#') ? buf_addf(b, "%%%02X", (unsigned char)*s)
						 : buf_addc(b, *s);

		if (r)
			return r;
	}
	return 0;
}

/* The revision's key in the `revisions` table (see the top of the file). */
int model_revision_loc_key(const struct model_revision *l, char *out, size_t size)
{
	struct buf b = BUF_INIT(size);
	int r;

	switch (l->type) {
	case MODEL_REV_S3:
		r = buf_adds(&b, "s3:");
		if (!r)
			r = rev__add_escaped(&b, l->bucket);
		if (!r)
			r = buf_addc(&b, '/');
		if (!r)
			r = rev__add_escaped(&b, l->key);
		if (!r)
			r = buf_addf(&b, "##%s", l->etag); /* the version part is always empty */
		break;
	case MODEL_REV_STRING:
		r = buf_addf(&b, "string:%s", l->sha);
		break;
	default:
		r = buf_addf(&b, "appspec:%s", l->sha);
		break;
	}
	if (!r)
		r = str_copy(out, size, buf_str(&b));
	buf_release(&b);
	return r ? -SW_E_TRUNCATED : 0;
}

/* The canonical RevisionLocation stored for a registered revision (new reference). */
json_t *model_revision_loc_doc(const struct model_revision *l)
{
	json_t *j = json_object(), *in = json_object();

	if (l->type == MODEL_REV_S3) {
		json_set_str(j, "revisionType", "S3");
		json_set_str(in, "bucket", l->bucket);
		json_set_str(in, "key", l->key);
		json_set_str(in, "bundleType", l->bundle);
		if (l->etag[0])
			json_set_str(in, "eTag", l->etag);
		json_object_set_new(j, "s3Location", in);
		return j;
	}
	json_set_str(j, "revisionType", l->type == MODEL_REV_STRING ? "String" : "AppSpecContent");
	json_set_str(in, "content", l->content);
	json_set_str(in, "sha256", l->sha);
	json_object_set_new(j, l->type == MODEL_REV_STRING ? "string" : "appSpecContent", in);
	return j;
}

/* How a person recognises the revision in a message. */
void model_revision_describe(const struct model_revision *l, char *out, size_t size)
{
	if (l->type == MODEL_REV_S3)
		str_fmt(out, size, "s3://%s/%s%s%s", l->bucket, l->key,
			l->etag[0] ? " with eTag " : "", l->etag);
	else
		str_fmt(out, size, "%s revision with sha256 %s",
			l->type == MODEL_REV_STRING ? "String" : "AppSpecContent", l->sha);
}

int model_revision_key(const json_t *rev, char *rkey, size_t size, struct err *e)
{
	struct model_revision l;
	int r = model_revision_parse(rev, MODEL_REV_LOOKUP, &l, e);

	if (!r && model_revision_loc_key(&l, rkey, size))
		r = err_set(e, SW_E_InvalidRevision, "revision location is too long");
	return r;
}

int model_revision_used(struct store_conn *sc, const char *app, const json_t *doc, const char *rkey,
			int64_t when_ms, struct err *e)
{
	char *text = json_dump(doc);
	int r;

	if (!text)
		return err_set(e, SW_E_NOMEM, NULL);
	r = store_exec(sc, NULL,
		       "INSERT INTO revisions (app, rkey, doc, registered, first_used, last_used) "
		       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app, rkey) DO UPDATE SET first_used "
		       "= COALESCE(revisions.first_used, excluded.first_used), last_used = "
		       "excluded.last_used",
		       "tttiii", e, app, rkey, text, when_ms, when_ms, when_ms);
	free(text);
	return r < 0 ? r : 0;
}

int model_revision_register(struct store_conn *c, const char *app, const char *rkey,
			    const json_t *doc, const char *description, int64_t now_ms,
			    struct err *e)
{
	char *text = json_dump(doc);
	int r;

	if (!text)
		return err_set(e, SW_E_NOMEM, NULL);
	r = store_exec(c, NULL,
		       "INSERT INTO revisions (app, rkey, doc, description, registered) VALUES (?, "
		       "?, ?, ?, ?) ON CONFLICT (app, rkey) DO UPDATE SET doc = excluded.doc, "
		       "description = COALESCE(excluded.description, revisions.description)",
		       "tttti", e, app, rkey, text, description, now_ms);
	free(text);
	return r < 0 ? r : 0;
}
