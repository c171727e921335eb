/* codedeploy/common: helpers shared by the CodeDeploy resource files — validation, ARNs,
 * pagination tokens, resource tags, and the lookups several resources need. */
#ifndef SW_CODEDEPLOY_COMMON_H
#define SW_CODEDEPLOY_COMMON_H

#include "contract/service.h"
#include "contract/env.h"
#include "model/revisions.h"
#include "model/tags.h"
#include "store/store.h"
#include "base/json.h"
#include "services/codedeploy/errors.h"

#define CD_NAME_MAX  100
#define CD_PAGE_SIZE 100

/* Operation tables, one per resource file. */
extern const struct json_op codedeploy_application_ops[];
extern const struct json_op codedeploy_config_ops[];
extern const struct json_op codedeploy_group_ops[];
extern const struct json_op codedeploy_instance_ops[];
extern const struct json_op codedeploy_revision_ops[];
extern const struct json_op codedeploy_tag_ops[];
extern const struct json_op codedeploy_deployment_ops[];
extern const struct json_op codedeploy_misc_ops[];

/* A required name of 1..100 characters: absent → required_code, too long → invalid_code. */
int cd_name(const json_t *in, const char *key, int required_code, int invalid_code,
	    const char *what, const char **out, struct err *e);

/* Opaque nextToken: encodes the last key of a page; decode fails with InvalidNextToken. */
int cd_token_encode(const char *last_key, char *out, size_t size);
int cd_token_decode(const char *token, char *out, size_t size, struct err *e);
/* One page of a List* operation that returns names. */
struct cd_page {
	char after[CD_NAME_MAX + 1]; /* the page starts after this name (from nextToken) */
	json_t *names;
	char next[512]; /* the nextToken to return, "" on the last page */
};
/* Adds name to the page unless it already holds CD_PAGE_SIZE names; then the page's last name
 * becomes the next token and 1 is returned: the page is complete, stop there.  0 otherwise. */
int cd_page_add(struct cd_page *p, const char *name);
/* The shape of every List* of names: decodes nextToken into p->after, runs fill(arg) in a read
 * transaction (it calls cd_page_add), then sets c->out's member key to the names and nextToken
 * when there are more (members already in c->out are kept). */
int cd_list_names(struct call *c, const char *key, struct cd_page *p,
		  int (*fill)(struct store_conn *, void *, struct err *), void *arg);

/* ARNs of CodeDeploy resources. */
int cd_app_arn(const struct env *env, const char *app, char *out, size_t size);
int cd_group_arn(const struct env *env, const char *app, const char *group, char *out, size_t size);
int cd_instance_arn(const struct env *env, const char *instance, char *out, size_t size);

/* Looks up an application: ApplicationDoesNotExist when missing. platform/id may be NULL. */
int cd_app_get(struct store_conn *c, const char *name, char *platform, size_t psize, char *id,
	       size_t idsize, struct err *e);

/* Validates a `tags` list [{Key, Value}] (InvalidTagsToAdd / Serialization). */
int cd_tags_validate(const json_t *tags, int invalid_code, struct err *e);
/* The tags themselves are model/tags.h's (model_tags_put, _drop, _rename). */

/* Revisions (revisions.c; keys and the table's writes are model/revisions.h). */
#define CD_REVISION_KEY_MAX MODEL_REVISION_KEY_MAX
/* Validates a RevisionLocation for an application of platform ("Server" or "Lambda"), checks
 * that its S3 object exists (RevisionDoesNotExist) and has the eTag given (InvalidRevision),
 * and yields the canonical location to store (*doc, new reference) and its key (rkey, size ≥
 * CD_REVISION_KEY_MAX).  InvalidRevision / RevisionRequired name the member at fault. */
int cd_revision_resolve(struct store_conn *c, const char *platform, const json_t *rev, json_t **doc,
			char *rkey, size_t size, struct err *e);
#endif
