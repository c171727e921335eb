/* logs/common: what the Logs resource files share — member validation, ARNs and the opaque
 * page tokens of the Describe* operations. */
#ifndef SW_LOGS_COMMON_H
#define SW_LOGS_COMMON_H

#include "logs.h"
#include "contract/env.h"
#include "model/logs.h"
#include "base/json.h"

#include <stdint.h>

#define LOGS_ARN_MAX	  1200 /* arn:aws:logs:<region>:<account>:log-group:<512>:log-stream:<512> */
#define LOGS_TOKEN_MAX	  (2 * LOGS_NAME_MAX + 64)
#define LOGS_DESCRIBE_MAX 50

/* Operation tables, one per resource file. */
extern const struct json_op logs_group_ops[];
extern const struct json_op logs_stream_ops[];
extern const struct json_op logs_event_ops[];

/* -SW_E_LOGS_InvalidParameter in AWS's validation wording: "1 validation error detected: Value
 * '<v>' at '<member>' failed to satisfy constraint: <why>". */
int logs_invalid(struct err *e, const char *member, const char *value, const char *why);

/* A log group name: required member key, 1–512 of [.-_/#A-Za-z0-9]. */
int logs_group_name(const json_t *in, const char *key, const char **out, struct err *e);
/* The group an operation names: logGroupName xor logGroupIdentifier (a name or an ARN,
 * arn:aws:logs:…:log-group:<name>[:*]); the name is copied into out. */
int logs_group_ref(const json_t *in, char out[LOGS_NAME_MAX + 1], struct err *e);
/* A log stream name: required member key, 1–512 characters, none of ':' and '*'. */
int logs_stream_name(const json_t *in, const char *key, const char **out, struct err *e);
/* An optional integer member in [min, max]; *out keeps its default when absent. */
int logs_opt_range(const json_t *in, const char *key, int64_t min, int64_t max, int64_t *out,
		   struct err *e);

/* arn:aws:logs:<region>:<account>:log-group:<group>:* (star) or without the :* */
void logs_group_arn(const struct env *env, const char *group, bool star, char *out, size_t size);
void logs_stream_arn(const struct env *env, const char *group, const char *stream, char *out,
		     size_t size);

/* The page tokens of DescribeLogGroups and DescribeLogStreams: a tag and a string (hex), with
 * an optional number. */
void logs_token_encode(char tag, int64_t num, const char *s, char *out, size_t size);
/* -SW_E_LOGS_InvalidParameter "The specified nextToken is invalid." unless token is one that
 * logs_token_encode made with this tag. */
int logs_token_decode(const char *token, char tag, int64_t *num, char *s, size_t size,
		      struct err *e);
int logs_bad_token(struct err *e);

#endif
