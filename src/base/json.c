/* json: jansson helpers with the validation AWS protocols need. */
#include "json.h"

#include <math.h>
#include <stdlib.h>

int json_parse_object(const char *data, size_t n, json_t **out, struct err *e)
{
	json_error_t je;
	json_t *j;

	if (n == 0) {
		*out = json_object();
		return *out ? 0 : -SW_E_NOMEM;
	}
	j = json_loadb(data, n, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return err_set(e, SW_E_Serialization, "malformed JSON at line %d column %d: %s",
			       je.line, je.column, je.text);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(e, SW_E_Serialization, "request body must be a JSON object");
	}
	*out = j;
	return 0;
}

static int json__type(const char *key, const char *want, struct err *e)
{
	return err_set(e, SW_E_Serialization, "member '%s' must be %s", key, want);
}

int json_opt_str(const json_t *obj, const char *key, const char **out, struct err *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return json__type(key, "a string", e);
	*out = json_string_value(v);
	return 0;
}

int json_opt_bool(const json_t *obj, const char *key, bool *out, struct err *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return json__type(key, "a boolean", e);
	*out = json_is_true(v);
	return 0;
}

int json_opt_int(const json_t *obj, const char *key, int64_t *out, struct err *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v) &&
	    fabs(json_real_value(v)) < 9e15) {
		*out = (int64_t)json_real_value(v);
		return 0;
	}
	return json__type(key, "an integer", e);
}

int json_opt_num(const json_t *obj, const char *key, double *out, struct err *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return json__type(key, "a number", e);
	*out = json_number_value(v);
	return 0;
}

int json_opt_obj(const json_t *obj, const char *key, json_t **out, struct err *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return json__type(key, "an object", e);
	*out = v;
	return 0;
}

int json_opt_arr(const json_t *obj, const char *key, json_t **out, struct err *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return json__type(key, "a list", e);
	*out = v;
	return 0;
}

char *json_dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT);
}

int json_set_str(json_t *obj, const char *key, const char *s)
{
	if (!s)
		return 0;
	return json_object_set_new(obj, key, json_string(s)) ? -SW_E_NOMEM : 0;
}

int json_set_time(json_t *obj, const char *key, int64_t epoch_ms)
{
	return json_object_set_new(obj, key, json_real((double)epoch_ms / 1000.0)) ? -SW_E_NOMEM
										   : 0;
}
