/* fuzz_json_request: request bodies of the JSON protocols — json_parse_object, then every typed
 * getter on every member (as handlers validate), and a dump/parse round trip. */
#include "base/err.h"
#include "base/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Calls every getter on key; each must either succeed or fail with Serialization. */
static void fuzz__getters(const json_t *obj, const char *key)
{
	struct err e;
	const char *s = NULL;
	bool b = false;
	int64_t i = 0;
	double d = 0;
	json_t *o = NULL, *a = NULL;
	int r[6];

	err_clear(&e);
	r[0] = json_opt_str(obj, key, &s, &e);
	r[1] = json_opt_bool(obj, key, &b, &e);
	r[2] = json_opt_int(obj, key, &i, &e);
	r[3] = json_opt_num(obj, key, &d, &e);
	r[4] = json_opt_obj(obj, key, &o, &e);
	r[5] = json_opt_arr(obj, key, &a, &e);
	for (int k = 0; k < 6; k++)
		if (r[k] != 0 && r[k] != -SW_E_Serialization)
			abort();
	if (r[0] == 0 && s)
		(void)strlen(s);
	if ((r[4] == 0 && o && !json_is_object(o)) || (r[5] == 0 && a && !json_is_array(a)))
		abort();
}

static void fuzz__walk(const json_t *obj, int depth)
{
	const char *key;
	json_t *v;

	if (depth > 8)
		return;
	json_object_foreach((json_t *)obj, key, v)
	{
		fuzz__getters(obj, key);
		if (json_is_object(v))
			fuzz__walk(v, depth + 1);
	}
	/* names handlers ask for, present or not */
	fuzz__getters(obj, "applicationName");
	fuzz__getters(obj, "nextToken");
	fuzz__getters(obj, "tags");
	fuzz__getters(obj, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = NULL, *again = NULL;
	struct err e;
	char *text;
	int r;

	err_clear(&e);
	r = json_parse_object((const char *)data, size, &j, &e);
	if (r) {
		if (r != -SW_E_Serialization || e.code != SW_E_Serialization || j)
			abort();
		return 0;
	}
	if (!json_is_object(j))
		abort();
	fuzz__walk(j, 0);
	/* what we would send back parses to the same document */
	text = json_dump(j);
	if (text) {
		if (json_parse_object(text, strlen(text), &again, &e) || !json_equal(j, again))
			abort();
		json_decref(again);
		free(text);
	}
	json_decref(j);
	return 0;
}
