/* tags: the resource_tags table — tags of CodeDeploy applications and groups, IAM users and
 * CloudWatch alarms, each under its resource's ARN.  Tags are JSON arrays of {Key, Value}
 * (validated by the caller's service, each with its own limits and messages). */
#ifndef SW_MODEL_TAGS_H
#define SW_MODEL_TAGS_H

#include "base/err.h"

#include <jansson.h>

struct store_conn;

/* Sets each tag of tags (NULL: none), replacing a key's old value; a NULL Value is "". */
int model_tags_put(struct store_conn *c, const char *arn, const json_t *tags, struct err *e);
/* Removes the keys (a JSON array of strings) that arn has; absent ones are no error. */
int model_tags_remove(struct store_conn *c, const char *arn, const json_t *keys, struct err *e);
/* Every tag of arn, by key, appended to out as {Key, Value}. */
int model_tags_list(struct store_conn *c, const char *arn, json_t *out, struct err *e);
/* Drops every tag of arn (its resource is deleted). */
int model_tags_drop(struct store_conn *c, const char *arn, struct err *e);
/* The resource's ARN changed (a rename). */
int model_tags_rename(struct store_conn *c, const char *from, const char *to, struct err *e);

#endif
