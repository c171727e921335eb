/* model/instances: on-premises instances as the engine and the CodeDeploy handlers read them —
 * tag filters, their resolution to registered instances — and `instance_health`, each
 * deployment group's view of its instances, which the engine alone writes through the verbs
 * here.  (`instances` and `instance_tags` are written by services/codedeploy/instances.c.) */
#include "instances.h"
#include "codedeploy_errors.h"
#include "store/store.h"
#include "base/json.h"
#include "base/str.h"

#include <stdbool.h>
#include <string.h>

enum tag_filter_type { TF_INVALID, TF_KEY_ONLY, TF_VALUE_ONLY, TF_KEY_AND_VALUE };

/* The filter's type, given or inferred; TF_INVALID when it cannot apply. */
static enum tag_filter_type inst__filter_type(const json_t *f)
{
	const json_t *k = json_object_get(f, "Key"), *v = json_object_get(f, "Value");
	const json_t *t = json_object_get(f, "Type");
	bool has_k = json_is_string(k) && json_string_length(k) > 0;
	bool has_v = json_is_string(v);
	const char *type;

	if (!t || json_is_null(t)) {
		if (has_k && has_v)
			return TF_KEY_AND_VALUE;
		if (has_k)
			return TF_KEY_ONLY;
		return has_v && json_string_length(v) > 0 ? TF_VALUE_ONLY : TF_INVALID;
	}
	type = json_string_value(t);
	if (!type)
		return TF_INVALID;
	if (strcmp(type, "KEY_ONLY") == 0)
		return has_k ? TF_KEY_ONLY : TF_INVALID;
	if (strcmp(type, "VALUE_ONLY") == 0)
		return has_v ? TF_VALUE_ONLY : TF_INVALID;
	if (strcmp(type, "KEY_AND_VALUE") == 0)
		return has_k && has_v ? TF_KEY_AND_VALUE : TF_INVALID;
	return TF_INVALID;
}

int model_tag_filters_validate(const json_t *filters, int invalid_code, struct err *e)
{
	size_t i;
	json_t *f;

	if (!filters || json_is_null(filters))
		return 0;
	if (!json_is_array(filters))
		return err_set(e, SW_E_Serialization, "tag filters must be a list");
	json_array_foreach(filters, i, f)
	{
		const json_t *k, *v, *t;

		if (!json_is_object(f))
			return err_set(e, SW_E_Serialization, "each tag filter must be an object");
		k = json_object_get(f, "Key");
		v = json_object_get(f, "Value");
		t = json_object_get(f, "Type");
		if ((k && !json_is_null(k) && !json_is_string(k)) ||
		    (v && !json_is_null(v) && !json_is_string(v)) ||
		    (t && !json_is_null(t) && !json_is_string(t)))
			return err_set(e, SW_E_Serialization,
				       "tag filter members Key, Value and Type must be strings");
		if ((json_is_string(k) && json_string_length(k) > 128) ||
		    (json_is_string(v) && json_string_length(v) > 256))
			return err_set(
			    e, invalid_code,
			    "tag filter %zu: keys have at most 128 characters, values at "
			    "most 256",
			    i);
		if (inst__filter_type(f) == TF_INVALID)
			return err_set(
			    e, invalid_code,
			    "tag filter %zu is invalid: Type must be KEY_ONLY (with a Key), "
			    "VALUE_ONLY (with a Value) or KEY_AND_VALUE (with both)",
			    i);
	}
	return 0;
}

/* Does the filter match one of tags (an object key → value)? */
static bool inst__filter_match(const json_t *f, const json_t *tags)
{
	const char *k = json_string_value(json_object_get(f, "Key"));
	const char *v = json_string_value(json_object_get(f, "Value"));
	const char *tk;
	json_t *tv;

	switch (inst__filter_type(f)) {
	case TF_KEY_ONLY:
		return json_object_get(tags, k) != NULL;
	case TF_KEY_AND_VALUE:
		tv = json_object_get(tags, k);
		return tv && strcmp(json_string_value(tv), v) == 0;
	case TF_VALUE_ONLY:
		json_object_foreach((json_t *)tags, tk, tv)
		{
			if (strcmp(json_string_value(tv), v) == 0)
				return true;
		}
		return false;
	case TF_INVALID:
		break;
	}
	return false;
}

/* Any filter of the list matches (OR); an empty list matches nothing. */
bool model_tag_filters_any(const json_t *filters, const json_t *tags)
{
	size_t i;
	json_t *f;

	json_array_foreach(filters, i, f)
	{
		if (inst__filter_match(f, tags))
			return true;
	}
	return false;
}

/*
 * The instances (status "Registered", "Deregistered" or NULL for both), sorted by name, as a
 * new array of {"name": …, "tags": {key: value…}}.
 */
int model_instances_load(struct store_conn *c, const char *status, json_t **out, struct err *e)
{
	struct store_stmt *st;
	json_t *list = json_array(), *cur = NULL;
	int r;

	if (status)
		r = store_exec(c, &st,
			       "SELECT i.name, t.key, t.value FROM instances i LEFT JOIN "
			       "instance_tags t ON t.instance = i.name WHERE i.status = ? ORDER BY "
			       "i.name, t.key",
			       "t", e, status);
	else
		r = store_exec(c, &st,
			       "SELECT i.name, t.key, t.value FROM instances i LEFT JOIN "
			       "instance_tags t ON t.instance = i.name ORDER BY i.name, t.key",
			       "", e);
	while (r == 1) {
		const char *name = store_col_text(st, 0);

		if (!cur || strcmp(json_string_value(json_object_get(cur, "name")), name) != 0) {
			cur = json_pack("{s:s, s:{}}", "name", name, "tags");
			json_array_append_new(list, cur);
		}
		if (!store_col_null(st, 1))
			json_object_set_new(json_object_get(cur, "tags"), store_col_text(st, 1),
					    json_string(store_col_text(st, 2)));
		r = store_step(st, e);
	}
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*out = list;
	return 0;
}

int model_instances_matching(struct store_conn *c, const json_t *tag_filters, const json_t *tag_set,
			     json_t **names_out, struct err *e)
{
	const json_t *lists = tag_set;
	bool has_filters, has_set = false;
	json_t *all, *names, *inst, *l;
	size_t i, k;
	int r;

	if (json_is_object(lists))
		lists = json_object_get(lists, "onPremisesTagSetList");
	if (lists && !json_is_null(lists) && !json_is_array(lists))
		return err_set(e, SW_E_Serialization, "onPremisesTagSetList must be a list");
	r = model_tag_filters_validate(tag_filters, SW_E_InvalidTagFilter, e);
	if (r)
		return r;
	has_filters = json_is_array(tag_filters) && json_array_size(tag_filters) > 0;
	json_array_foreach(lists, i, l)
	{
		r = model_tag_filters_validate(l, SW_E_InvalidTagFilter, e);
		if (r)
			return r;
		if (!json_is_array(l))
			return err_set(e, SW_E_Serialization,
				       "each element of onPremisesTagSetList must be a list");
		has_set |= json_array_size(l) > 0;
	}
	if (has_filters && has_set)
		return err_set(e, SW_E_InvalidOnPremisesTagCombination,
			       "onPremisesInstanceTagFilters and onPremisesTagSet cannot both be "
			       "given");
	names = json_array();
	if (!has_filters && !has_set) {
		*names_out = names;
		return 0;
	}
	r = model_instances_load(c, "Registered", &all, e);
	if (r) {
		json_decref(names);
		return r;
	}
	json_array_foreach(all, i, inst)
	{
		const json_t *tags = json_object_get(inst, "tags");
		bool match = true;

		if (has_filters) {
			match = model_tag_filters_any(tag_filters, tags);
		} else {
			json_array_foreach(lists, k, l)
			{
				if (json_array_size(l) > 0 && !model_tag_filters_any(l, tags)) {
					match = false;
					break;
				}
			}
		}
		if (match)
			json_array_append(names, json_object_get(inst, "name"));
	}
	json_decref(all);
	*names_out = names;
	return 0;
}

/* ---- instances as a deployment reaches them ---- */

int model_instance_host(struct store_conn *c, const char *name, char *arn, size_t arn_size,
			char *host, size_t host_size, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st,
			   "SELECT arn, COALESCE(iam_user_arn, iam_session_arn, '') FROM instances "
			   "WHERE name = ?",
			   "t", e, name);

	if (r == 1) {
		str_copy(arn, arn_size, store_col_text(st, 0));
		str_copy(host, host_size, store_col_text(st, 1));
	}
	return r;
}

/* ---- instance_health ---- */

int model_instance_health_get(struct store_conn *c, const char *group_id, const char *instance,
			      struct model_instance_health *out, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st,
			   "SELECT rkey, revision_health, instance_health FROM instance_health "
			   "WHERE group_id = ? AND instance = ?",
			   "tt", e, group_id, instance);

	if (r == 1) {
		str_copy(out->rkey, sizeof(out->rkey),
			 store_col_text(st, 0) ? store_col_text(st, 0) : "");
		str_copy(out->revision_health, sizeof(out->revision_health),
			 store_col_text(st, 1) ? store_col_text(st, 1) : "");
		out->healthy = str_eq(store_col_text(st, 2), "Healthy");
	}
	return r;
}

int model_instance_health_succeeded(struct store_conn *c, const char *group_id,
				    const char *instance, const char *rkey,
				    const char *revision_health, int64_t now, struct err *e)
{
	int r = store_exec(c, NULL,
			   "INSERT INTO instance_health (group_id, instance, rkey, "
			   "revision_health, instance_health, updated) VALUES (?, ?, ?, ?, "
			   "'Healthy', ?) ON CONFLICT (group_id, instance) DO UPDATE SET rkey = "
			   "excluded.rkey, revision_health = excluded.revision_health, "
			   "instance_health = 'Healthy', updated = excluded.updated",
			   "tttti", e, group_id, instance, rkey, revision_health, now);

	return r < 0 ? r : 0;
}

int model_instance_health_failed(struct store_conn *c, const char *group_id, const char *instance,
				 bool forget_revision, int64_t now, struct err *e)
{
	int r;

	if (forget_revision)
		r = store_exec(c, NULL,
			       "INSERT INTO instance_health (group_id, instance, rkey, "
			       "revision_health, instance_health, updated) VALUES (?, ?, NULL, "
			       "'Unknown', 'Unhealthy', ?) ON CONFLICT (group_id, instance) DO "
			       "UPDATE SET revision_health = 'Unknown', instance_health = "
			       "'Unhealthy', updated = excluded.updated",
			       "tti", e, group_id, instance, now);
	else
		r = store_exec(c, NULL,
			       "INSERT INTO instance_health (group_id, instance, rkey, "
			       "revision_health, instance_health, updated) VALUES (?, ?, NULL, "
			       "'Unknown', 'Unhealthy', ?) ON CONFLICT (group_id, instance) DO "
			       "UPDATE SET instance_health = 'Unhealthy', updated = "
			       "excluded.updated",
			       "tti", e, group_id, instance, now);
	return r < 0 ? r : 0;
}

int model_instance_health_demote(struct store_conn *c, const char *group_id, const char *rkey,
				 int64_t now, struct err *e)
{
	int r = store_exec(c, NULL,
			   "UPDATE instance_health SET revision_health = 'Old', updated = ? WHERE "
			   "group_id = ? AND revision_health = 'Current' AND (rkey IS NULL OR "
			   "rkey <> ?)",
			   "itt", e, now, group_id, rkey);

	return r < 0 ? r : 0;
}

int model_instance_deregister(struct store_conn *sc, const char *name, int64_t now, struct err *e)
{
	struct store_stmt *st;
	char user_arn[512] = "";
	int r;

	r = store_exec(sc, &st, "SELECT status, iam_user_arn FROM instances WHERE name = ?", "t", e,
		       name);
	if (r <= 0)
		return r;
	if (strcmp(store_col_text(st, 0), "Registered") != 0)
		return 1; /* already deregistered: nothing to do */
	if (!store_col_null(st, 1))
		str_copy(user_arn, sizeof(user_arn), store_col_text(st, 1));
	r = store_exec(sc, NULL,
		       "UPDATE instances SET status = 'Deregistered', deregistered = ? WHERE name "
		       "= ?",
		       "it", e, now, name);
	if (r >= 0)
		r = store_exec(sc, NULL, "DELETE FROM instance_tags WHERE instance = ?", "t", e,
			       name);
	/* The host's user becomes an ordinary user granted nothing, and its keys stop working,
	 * in this same transaction (iam.h): a deregistered host's key never becomes anything. */
	if (r >= 0 && user_arn[0])
		r = store_exec(sc, NULL,
			       "UPDATE users SET kind = 'user' WHERE arn = ? AND kind = 'instance'",
			       "t", e, user_arn);
	if (r >= 0 && user_arn[0])
		r = store_exec(sc, NULL,
			       "UPDATE access_keys SET status = 'Inactive' WHERE user_name IN "
			       "(SELECT name FROM users WHERE arn = ?)",
			       "t", e, user_arn);
	return r < 0 ? r : 1;
}
