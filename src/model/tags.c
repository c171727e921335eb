/* tags: the owner of resource_tags (model/tags.h). */
#include "tags.h"
#include "store/store.h"

int model_tags_put(struct store_conn *c, const char *arn, const json_t *tags, struct err *e)
{
	const json_t *t;
	size_t i;

	json_array_foreach(tags, i, t)
	{
		const char *k = json_string_value(json_object_get(t, "Key"));
		const char *v = json_string_value(json_object_get(t, "Value"));
		int r =
		    store_exec(c, NULL,
			       "INSERT INTO resource_tags (arn, key, value) VALUES (?, ?, ?) ON "
			       "CONFLICT (arn, key) DO UPDATE SET value = excluded.value",
			       "ttt", e, arn, k, v ? v : "");

		if (r < 0)
			return r;
	}
	return 0;
}

int model_tags_remove(struct store_conn *c, const char *arn, const json_t *keys, struct err *e)
{
	const json_t *k;
	size_t i;

	json_array_foreach(keys, i, k)
	{
		int r = store_exec(c, NULL, "DELETE FROM resource_tags WHERE arn = ? AND key = ?",
				   "tt", e, arn, json_string_value(k));

		if (r < 0)
			return r;
	}
	return 0;
}

int model_tags_list(struct store_conn *c, const char *arn, json_t *out, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(
	    c, &st, "SELECT key, value FROM resource_tags WHERE arn = ? ORDER BY key", "t", e, arn);

	for (; r > 0; r = store_step(st, e))
		if (json_array_append_new(out, json_pack("{s:s,s:s}", "Key", store_col_text(st, 0),
							 "Value", store_col_text(st, 1))))
			return err_set(e, SW_E_NOMEM, NULL);
	return r;
}

int model_tags_drop(struct store_conn *c, const char *arn, struct err *e)
{
	int r = store_exec(c, NULL, "DELETE FROM resource_tags WHERE arn = ?", "t", e, arn);

	return r < 0 ? r : 0;
}

int model_tags_rename(struct store_conn *c, const char *from, const char *to, struct err *e)
{
	int r = store_exec(c, NULL, "UPDATE resource_tags SET arn = ? WHERE arn = ?", "tt", e, to,
			   from);

	return r < 0 ? r : 0;
}
