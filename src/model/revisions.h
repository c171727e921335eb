/* model/revisions: RevisionLocation parsing and keys, and the `revisions` table's writes
 * (RegisterApplicationRevision, and what a deployment that starts records). */
#ifndef SW_MODEL_REVISIONS_H
#define SW_MODEL_REVISIONS_H

#include "base/crypto.h"
#include "base/err.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct store_conn;

/* A revision's key in the `revisions` table is at most this long. */
#define MODEL_REVISION_KEY_MAX 4096
#define MODEL_REV_CONTENT_MAX  (64u << 10) /* bytes of String / AppSpecContent content */
#define MODEL_REV_BUCKET_MAX   255
#define MODEL_REV_S3KEY_MAX    1024
#define MODEL_REV_ETAG_MAX     128

/* A parsed RevisionLocation.  Strings are borrowed from the request document. */
struct model_revision {
	enum { MODEL_REV_S3, MODEL_REV_STRING, MODEL_REV_APPSPEC } type;
	const char *bucket;
	const char *key;
	const char *bundle;		   /* NULL when not given (lookups) */
	char etag[MODEL_REV_ETAG_MAX + 1]; /* unquoted, lower case; "" when not given */
	const char *content;		   /* String / AppSpecContent; may be NULL in lookups */
	char sha[2 * SHA256_LEN + 1];	   /* lower-case hex */
};

/* Whether a location is parsed to register it (everything required, content verified) or to
 * look a registered revision up (bundleType optional; content or sha256 enough). */
enum model_revision_mode { MODEL_REV_REGISTER, MODEL_REV_LOOKUP };

/* Parses and validates a RevisionLocation (either mode): InvalidRevision with the member at
 * fault, RevisionRequired when there is none.  *l borrows from rev. */
int model_revision_parse(const json_t *rev, enum model_revision_mode mode, struct model_revision *l,
			 struct err *e);
/* The parsed location's key in the `revisions` table: -SW_E_TRUNCATED when it does not fit. */
int model_revision_loc_key(const struct model_revision *l, char *out, size_t size);
/* The canonical RevisionLocation stored for a registered revision (new reference). */
json_t *model_revision_loc_doc(const struct model_revision *l);
/* How a person recognises the revision in a message. */
void model_revision_describe(const struct model_revision *l, char *out, size_t size);
/* Strips surrounding double quotes from an ETag and lower-cases it, so that every spelling of
 * one ETag compares equal; -SW_E_TRUNCATED when it does not fit. */
int model_revision_etag_norm(const char *in, char *out, size_t size);

/* The key of a RevisionLocation (e.g. a deployment group's targetRevision) without checking
 * its source; InvalidRevision when it is not a well-formed location. */
int model_revision_key(const json_t *rev, char *rkey, size_t size, struct err *e);

/* Registers app's revision (doc: its canonical location, rkey its key) at now_ms, or replaces
 * the stored location of one registered before, keeping registerTime; description NULL keeps
 * the old one. */
int model_revision_register(struct store_conn *c, const char *app, const char *rkey,
			    const json_t *doc, const char *description, int64_t now_ms,
			    struct err *e);

/* Records that a deployment of app used the revision (doc and rkey as the deployment holds
 * them) at when_ms: registers it if it is new, sets firstUsedTime once and lastUsedTime always. */
int model_revision_used(struct store_conn *c, const char *app, const json_t *doc, const char *rkey,
			int64_t when_ms, struct err *e);

#endif
