/* model/groups: deployment groups in `deployment_groups` — a row per group with its full
 * DeploymentGroupInfo document (`doc`) and `config` beside it, so that DeleteDeploymentConfig
 * can see whether a configuration is in use.  This file is the table's only writer. */
#include "groups.h"
#include "applications.h"
#include "codedeploy_errors.h"
#include "store/store.h"
#include "base/json.h"
#include "base/str.h"

#include <stdlib.h>

int model_group_load(struct store_conn *sc, const char *app, const char *group, json_t **doc,
		     struct err *e)
{
	struct store_stmt *st;
	json_t *j;
	int r;

	r = store_exec(sc, &st,
		       "SELECT doc, name FROM deployment_groups WHERE app = ? AND name = ?", "tt",
		       e, app, group);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_DeploymentGroupDoesNotExist,
			       "No Deployment Group found for name: %s", group);
	j = json_loads(store_col_text(st, 0), 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(e, SW_E_INTERNAL, "stored deployment group '%s' is corrupt", group);
	}
	/* The names come from the row: an application rename does not rewrite documents. */
	json_set_str(j, "applicationName", app);
	json_set_str(j, "deploymentGroupName", store_col_text(st, 1));
	*doc = j;
	return 0;
}

int model_group_get(struct store_conn *c, const char *app, const char *group, json_t **doc,
		    struct err *e)
{
	int r = model_app_get(c, app, NULL, 0, NULL, 0, e);

	return r ? r : model_group_load(c, app, group, doc, e);
}

int model_group_names(struct store_conn *c, const char *group_id, char *app, size_t app_size,
		      char *group, size_t group_size, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT app, name FROM deployment_groups WHERE id = ?", "t", e,
			   group_id);

	if (r == 1) {
		str_copy(app, app_size, store_col_text(st, 0));
		str_copy(group, group_size, store_col_text(st, 1));
	}
	return r;
}

int model_group_id(struct store_conn *c, const char *app, const char *group, char *id, size_t size,
		   struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st, "SELECT id FROM deployment_groups WHERE app = ? AND name = ?",
			   "tt", e, app, group);

	if (r == 1 && id)
		str_copy(id, size, store_col_text(st, 0));
	return r;
}

int model_groups_of(struct store_conn *c, const char *app, json_t **out, struct err *e)
{
	struct store_stmt *st;
	json_t *list = json_array();
	int r;

	if (!list)
		return err_set(e, SW_E_NOMEM, NULL);
	r = store_exec(c, &st,
		       "SELECT name, id, doc FROM deployment_groups WHERE app = ? ORDER BY name",
		       "t", e, app);
	while (r == 1) {
		const char *doc = store_col_text(st, 2);
		json_t *j = doc ? json_loads(doc, 0, NULL) : NULL;

		json_array_append_new(
		    list, json_pack("{s:s,s:s,s:o}", "name", store_col_text(st, 0), "id",
				    store_col_text(st, 1), "doc", j ? j : json_null()));
		r = store_step(st, e);
	}
	if (r < 0) {
		json_decref(list);
		return r;
	}
	*out = list;
	return 0;
}

int model_groups_count(struct store_conn *c, const char *app, int64_t *n, struct err *e)
{
	struct store_stmt *st;
	int r =
	    store_exec(c, &st, "SELECT COUNT(*) FROM deployment_groups WHERE app = ?", "t", e, app);

	*n = r == 1 ? store_col_int(st, 0) : 0;
	return r < 0 ? r : 0;
}

int model_groups_page(struct store_conn *c, const char *app, const char *after, int64_t limit,
		      json_t *names, struct err *e)
{
	struct store_stmt *st;
	int r = store_exec(c, &st,
			   "SELECT name FROM deployment_groups WHERE app = ? AND name > ? ORDER BY "
			   "name LIMIT ?",
			   "tti", e, app, after, limit);

	while (r == 1) {
		json_array_append_new(names, json_string(store_col_text(st, 0)));
		r = store_step(st, e);
	}
	return r < 0 ? r : 0;
}

int model_group_using_config(struct store_conn *c, const char *config, char *app, size_t app_size,
			     char *group, size_t group_size, struct err *e)
{
	struct store_stmt *st;
	int r =
	    store_exec(c, &st, "SELECT app, name FROM deployment_groups WHERE config = ? LIMIT 1",
		       "t", e, config);

	if (r == 1) {
		str_copy(app, app_size, store_col_text(st, 0));
		str_copy(group, group_size, store_col_text(st, 1));
	}
	return r;
}

int model_group_insert(struct store_conn *c, const char *app, const json_t *doc, struct err *e)
{
	const char *name = json_string_value(json_object_get(doc, "deploymentGroupName"));
	const char *config = json_string_value(json_object_get(doc, "deploymentConfigName"));
	char *text = json_dump(doc);
	int r;

	if (!text)
		return -SW_E_NOMEM;
	r = store_exec(c, NULL,
		       "INSERT INTO deployment_groups (app, name, id, config, doc) VALUES (?, "
		       "?, ?, ?, ?) ON CONFLICT (app, name) DO NOTHING",
		       "ttttt", e, app, name,
		       json_string_value(json_object_get(doc, "deploymentGroupId")), config, text);
	free(text);
	if (r < 0)
		return r;
	if (store_changes(c) == 0)
		return err_set(e, SW_E_DeploymentGroupAlreadyExists,
			       "A deployment group named '%s' already exists for application '%s'",
			       name, app);
	return 0;
}

int model_group_update(struct store_conn *c, const char *app, const char *old_name,
		       const json_t *doc, struct err *e)
{
	const char *name = json_string_value(json_object_get(doc, "deploymentGroupName"));
	const char *config = json_string_value(json_object_get(doc, "deploymentConfigName"));
	char *text = json_dump(doc);
	int r;

	if (!text)
		return -SW_E_NOMEM;
	r = store_exec(c, NULL,
		       "UPDATE deployment_groups SET name = ?, config = ?, doc = ? WHERE "
		       "app = ? AND name = ?",
		       "ttttt", e, name, config, text, app, old_name);
	free(text);
	return r < 0 ? r : 0;
}

int model_group_delete(struct store_conn *c, const char *app, const char *group, struct err *e)
{
	int r = store_exec(c, NULL, "DELETE FROM deployment_groups WHERE app = ? AND name = ?",
			   "tt", e, app, group);

	return r < 0 ? r : 0;
}

/* Sets members of the group's stored document (key2 may be NULL); a group deleted meanwhile is
 * left alone.  The updated document goes to *out when out is not NULL. */
static int group__doc_set(struct store_conn *sc, const char *group_id, const char *key,
			  json_t *value, const char *key2, json_t *value2, const char *key3,
			  const json_t *value3, json_t **out, struct err *e)
{
	struct store_stmt *st;
	json_t *doc;
	char *text;
	int r;

	r = store_exec(sc, &st, "SELECT doc FROM deployment_groups WHERE id = ?", "t", e, group_id);
	if (r <= 0)
		return r;
	doc = json_loads(store_col_text(st, 0), 0, NULL);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return 0;
	}
	json_object_set(doc, key, value);
	if (key2)
		json_object_set(doc, key2, value2);
	if (key3)
		json_object_set(doc, key3, (json_t *)value3);
	text = json_dump(doc);
	r = text ? store_exec(sc, NULL, "UPDATE deployment_groups SET doc = ? WHERE id = ?", "tt",
			      e, text, group_id)
		 : err_set(e, SW_E_NOMEM, NULL);
	free(text);
	if (r >= 0 && out)
		*out = json_incref(doc);
	json_decref(doc);
	return r < 0 ? r : 0;
}

static int group__doc_del(struct store_conn *sc, const char *group_id, const char *key,
			  struct err *e)
{
	struct store_stmt *st;
	json_t *doc;
	char *text;
	int r;

	r = store_exec(sc, &st, "SELECT doc FROM deployment_groups WHERE id = ?", "t", e, group_id);
	if (r <= 0)
		return r;
	doc = json_loads(store_col_text(st, 0), 0, NULL);
	if (!json_is_object(doc) || !json_object_get(doc, key)) {
		json_decref(doc);
		return 0;
	}
	json_object_del(doc, key);
	text = json_dump(doc);
	r = text ? store_exec(sc, NULL, "UPDATE deployment_groups SET doc = ? WHERE id = ?", "tt",
			      e, text, group_id)
		 : err_set(e, SW_E_NOMEM, NULL);
	free(text);
	json_decref(doc);
	return r < 0 ? r : 0;
}

static json_t *group__last(const struct model_group_deployment *d)
{
	json_t *last = json_pack("{s:s,s:s}", "deploymentId", d->id, "status", d->status);

	if (d->end_time)
		json_set_time(last, "endTime", d->end_time);
	json_set_time(last, "createTime", d->create_time);
	return last;
}

int model_group_record_attempt(struct store_conn *c, const char *group_id,
			       const struct model_group_deployment *d, json_t **doc_out,
			       struct err *e)
{
	json_t *last = group__last(d);
	int r;

	if (!last)
		return err_set(e, SW_E_NOMEM, NULL);
	r = group__doc_set(c, group_id, "lastAttemptedDeployment", last, NULL, NULL, NULL, NULL,
			   doc_out, e);
	json_decref(last);
	return r;
}

int model_group_record_success(struct store_conn *c, const char *group_id,
			       const struct model_group_deployment *d, const json_t *revision,
			       json_t **doc_out, struct err *e)
{
	json_t *last = group__last(d);
	int r;

	if (!last)
		return err_set(e, SW_E_NOMEM, NULL);
	r = group__doc_set(c, group_id, "lastAttemptedDeployment", last, "lastSuccessfulDeployment",
			   last, "targetRevision", revision, doc_out, e);
	json_decref(last);
	return r;
}

int model_group_set_instances(struct store_conn *c, const char *group_id, const json_t *filters,
			      const json_t *tag_set, struct err *e)
{
	json_t *f = json_deep_copy(filters ? filters : json_array());
	int r;

	if (!f)
		return err_set(e, SW_E_NOMEM, NULL);
	if (tag_set) {
		json_t *set = json_pack("{s:O}", "onPremisesTagSetList",
					json_object_get(tag_set, "ec2TagSetList"));

		r = group__doc_set(c, group_id, "onPremisesInstanceTagFilters", f,
				   "onPremisesTagSet", set, NULL, NULL, NULL, e);
		json_decref(set);
	} else {
		r = group__doc_set(c, group_id, "onPremisesInstanceTagFilters", f, NULL, NULL, NULL,
				   NULL, NULL, e);
		if (!r)
			r = group__doc_del(c, group_id, "onPremisesTagSet", e);
	}
	json_decref(f);
	return r;
}
