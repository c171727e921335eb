/* json: jansson helpers with the validation AWS protocols need. */
#ifndef SW_JSON_H
#define SW_JSON_H

#include "buf.h"
#include "err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Parses a request body that must be a JSON object (an empty body counts as {}).
 * Malformed → -SW_E_Serialization with jansson's position in the message. */
int json_parse_object(const char *data, size_t n, json_t **out, struct err *e);

/*
 * Typed member access for request validation.  Each returns 0 and sets *out (or leaves it
 * untouched when the member is absent or null), or -SW_E_Serialization when the member has the
 * wrong type.  Strings are borrowed from obj.
 */
int json_opt_str(const json_t *obj, const char *key, const char **out, struct err *e);
int json_opt_bool(const json_t *obj, const char *key, bool *out, struct err *e);
int json_opt_int(const json_t *obj, const char *key, int64_t *out, struct err *e);
int json_opt_num(const json_t *obj, const char *key, double *out, struct err *e);
int json_opt_obj(const json_t *obj, const char *key, json_t **out, struct err *e);
int json_opt_arr(const json_t *obj, const char *key, json_t **out, struct err *e);

/* Serialises compactly into a fresh string (free()); NULL on failure. */
char *json_dump(const json_t *j);
/* Sets key to a new string, or does nothing when s is NULL. */
int json_set_str(json_t *obj, const char *key, const char *s);
/* Epoch seconds with milliseconds, as AWS JSON timestamps are. */
int json_set_time(json_t *obj, const char *key, int64_t epoch_ms);

#endif
