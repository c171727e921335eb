/* codedeploy/applications: CreateApplication, GetApplication, BatchGetApplications,
 * ListApplications, UpdateApplication, DeleteApplication. */
#include "common.h"
#include "model/deploy.h"
#include "model/groups.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <string.h>

#define APP_BATCH_MAX 100

/* ApplicationInfo for one row of `SELECT name, id, platform, created`. */
static json_t *app__info(struct store_stmt *st)
{
	json_t *j = json_object();

	json_set_str(j, "applicationId", store_col_text(st, 1));
	json_set_str(j, "applicationName", store_col_text(st, 0));
	json_set_time(j, "createTime", store_col_int(st, 3));
	json_object_set_new(j, "linkedToGitHub", json_false());
	json_set_str(j, "computePlatform", store_col_text(st, 2));
	return j;
}

static int app__platform(const json_t *in, const char **out, struct err *e)
{
	const char *p = "Server";
	int r = json_opt_str(in, "computePlatform", &p, e);

	if (r)
		return r;
	if (strcmp(p, "ECS") == 0)
		return err_set(e, SW_E_InvalidComputePlatform,
			       "compute platform 'ECS' is not supported by Slipway; use 'Server' "
			       "or 'Lambda'");
	if (strcmp(p, "Server") != 0 && strcmp(p, "Lambda") != 0)
		return err_set(e, SW_E_InvalidComputePlatform,
			       "computePlatform must be 'Server' or 'Lambda', not '%s'", p);
	*out = p;
	return 0;
}

struct app_create {
	struct call *c;
	const char *name;
	const char *platform;
	json_t *tags;
	char id[37];
};

static int app__create(struct store_conn *sc, void *arg, struct err *e)
{
	struct app_create *a = arg;
	char arn[512];
	int r;

	r = store_exec(
	    sc, NULL,
	    "INSERT INTO applications (name, id, platform, created, doc) VALUES (?, ?, ?, "
	    "?, '{}') ON CONFLICT (name) DO NOTHING",
	    "ttti", e, a->name, a->id, a->platform, time_now_ms());
	if (r < 0)
		return r;
	if (store_changes(sc) == 0)
		return err_set(e, SW_E_ApplicationAlreadyExists,
			       "%s already exists in your account", a->name);
	cd_app_arn(a->c->env, a->name, arn, sizeof(arn));
	return model_tags_put(sc, arn, a->tags, e);
}

static int CreateApplication(struct call *c)
{
	struct app_create a = { .c = c };
	int r;

	r = cd_name(c->in, "applicationName", SW_E_ApplicationNameRequired,
		    SW_E_InvalidApplicationName, "application", &a.name, c->err);
	if (!r)
		r = app__platform(c->in, &a.platform, c->err);
	if (!r)
		r = json_opt_arr(c->in, "tags", &a.tags, c->err);
	if (!r)
		r = cd_tags_validate(a.tags, SW_E_InvalidTagsToAdd, c->err);
	if (r)
		return r;
	uuid_v4(a.id);
	r = store_write(c->env->store, app__create, &a, c->err);
	if (r)
		return r;
	c->out = json_pack("{s:s}", "applicationId", a.id);
	return 0;
}

struct app_get {
	const json_t *names; /* array of names */
	json_t *infos;
};

static int app__get(struct store_conn *sc, void *arg, struct err *e)
{
	struct app_get *g = arg;
	struct store_stmt *st;
	size_t i;
	json_t *n;

	json_array_foreach(g->names, i, n)
	{
		int r =
		    store_exec(sc, &st,
			       "SELECT name, id, platform, created FROM applications WHERE name "
			       "= ?",
			       "t", e, json_string_value(n));

		if (r < 0)
			return r;
		if (r == 0)
			return err_set(e, SW_E_ApplicationDoesNotExist,
				       "No application found for name: %s", json_string_value(n));
		json_array_append_new(g->infos, app__info(st));
	}
	return 0;
}

static int GetApplication(struct call *c)
{
	struct app_get g;
	const char *name;
	int r;

	r = cd_name(c->in, "applicationName", SW_E_ApplicationNameRequired,
		    SW_E_InvalidApplicationName, "application", &name, c->err);
	if (r)
		return r;
	g.names = json_pack("[s]", name);
	g.infos = json_array();
	r = store_read(c->env->store, app__get, &g, c->err);
	if (!r)
		c->out = json_pack("{s:O}", "application", json_array_get(g.infos, 0));
	json_decref((json_t *)g.names);
	json_decref(g.infos);
	return r;
}

static int BatchGetApplications(struct call *c)
{
	struct app_get g = { 0 };
	json_t *names = NULL, *n;
	size_t i;
	int r;

	r = json_opt_arr(c->in, "applicationNames", &names, c->err);
	if (r)
		return r;
	if (!names || json_array_size(names) == 0)
		return err_set(c->err, SW_E_ApplicationNameRequired,
			       "applicationNames must name at least one application");
	if (json_array_size(names) > APP_BATCH_MAX)
		return err_set(c->err, SW_E_BatchLimitExceeded, "at most %d applications per call",
			       APP_BATCH_MAX);
	json_array_foreach(names, i, n)
	{
		if (!json_is_string(n) || !json_string_length(n) ||
		    json_string_length(n) > CD_NAME_MAX)
			return err_set(c->err, SW_E_InvalidApplicationName,
				       "applicationNames[%zu] is not a valid application name", i);
	}
	g.names = names;
	g.infos = json_array();
	r = store_read(c->env->store, app__get, &g, c->err);
	if (!r)
		c->out = json_pack("{s:O}", "applicationsInfo", g.infos);
	json_decref(g.infos);
	return r;
}

static int app__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct cd_page *l = arg;
	struct store_stmt *st;
	int r;

	r = store_exec(sc, &st,
		       "SELECT name FROM applications WHERE name > ? ORDER BY name LIMIT ?", "ti",
		       e, l->after, (int64_t)CD_PAGE_SIZE + 1);
	while (r == 1) {
		if (cd_page_add(l, store_col_text(st, 0)))
			break;
		r = store_step(st, e);
	}
	return r < 0 ? r : 0;
}

static int ListApplications(struct call *c)
{
	struct cd_page l = { .after = "" };

	return cd_list_names(c, "applications", &l, app__list, &l);
}

struct app_update {
	struct call *c;
	const char *from;
	const char *to;
};

/* Renames an application; its groups and revisions follow through ON UPDATE CASCADE, the tags
 * of it and of its groups through their ARNs. */
static int app__update(struct store_conn *sc, void *arg, struct err *e)
{
	struct app_update *u = arg;
	json_t *groups = NULL, *g;
	char from[512], to[512];
	size_t i;
	int r;

	r = cd_app_get(sc, u->from, NULL, 0, NULL, 0, e);
	if (r)
		return r;
	if (strcmp(u->from, u->to) == 0)
		return 0;
	r = store_exec(sc, NULL, "SELECT 1 FROM applications WHERE name = ?", "t", e, u->to);
	if (r < 0)
		return r;
	if (r == 1)
		return err_set(e, SW_E_ApplicationAlreadyExists,
			       "%s already exists in your account", u->to);
	r = store_exec(sc, NULL, "UPDATE applications SET name = ? WHERE name = ?", "tt", e, u->to,
		       u->from);
	if (r < 0)
		return r;
	cd_app_arn(u->c->env, u->from, from, sizeof(from));
	cd_app_arn(u->c->env, u->to, to, sizeof(to));
	r = model_tags_rename(sc, from, to, e);
	if (r)
		return r;
	r = model_groups_of(sc, u->to, &groups, e);
	json_array_foreach(groups, i, g)
	{
		const char *name = json_string_value(json_object_get(g, "name"));
		char gfrom[512], gto[512];

		cd_group_arn(u->c->env, u->from, name, gfrom, sizeof(gfrom));
		cd_group_arn(u->c->env, u->to, name, gto, sizeof(gto));
		r = model_tags_rename(sc, gfrom, gto, e);
		if (r)
			break;
	}
	json_decref(groups);
	return r < 0 ? r : 0;
}

static int UpdateApplication(struct call *c)
{
	struct app_update u = { .c = c };
	int r;

	r = cd_name(c->in, "applicationName", SW_E_ApplicationNameRequired,
		    SW_E_InvalidApplicationName, "application", &u.from, c->err);
	if (!r)
		r = cd_name(c->in, "newApplicationName", SW_E_ApplicationNameRequired,
			    SW_E_InvalidApplicationName, "new application", &u.to, c->err);
	if (r)
		return r;
	return store_write(c->env->store, app__update, &u, c->err);
}

struct app_delete {
	struct call *c;
	const char *name;
};

static int app__delete(struct store_conn *sc, void *arg, struct err *e)
{
	struct app_delete *a = arg;
	json_t *groups = NULL, *v;
	char arn[512], msg[300];
	size_t i;
	int r;

	r = model_groups_of(sc, a->name, &groups, e);
	/* the groups' unfinished deployments stop with them (in this transaction) */
	str_fmt(msg, sizeof(msg),
		"The application '%s' was deleted before the deployment finished: Slipway "
		"stopped it",
		a->name);
	json_array_foreach(groups, i, v)
	{
		if (r >= 0)
			r = deploy_stop_orphans(sc, json_string_value(json_object_get(v, "id")),
						"APPLICATION_MISSING", msg, time_now_ms(), e);
	}
	json_array_foreach(groups, i, v)
	{
		if (r < 0)
			break;
		cd_group_arn(a->c->env, a->name, json_string_value(json_object_get(v, "name")), arn,
			     sizeof(arn));
		r = model_tags_drop(sc, arn, e);
	}
	json_decref(groups);
	if (r < 0)
		return r;
	cd_app_arn(a->c->env, a->name, arn, sizeof(arn));
	r = model_tags_drop(sc, arn, e);
	if (r)
		return r;
	r = store_exec(sc, NULL, "DELETE FROM applications WHERE name = ?", "t", e, a->name);
	return r < 0 ? r : 0;
}

static int DeleteApplication(struct call *c)
{
	struct app_delete a = { .c = c };
	int r;

	r = cd_name(c->in, "applicationName", SW_E_ApplicationNameRequired,
		    SW_E_InvalidApplicationName, "application", &a.name, c->err);
	if (r)
		return r;
	/* As in AWS, deleting an application that does not exist succeeds. */
	return store_write(c->env->store, app__delete, &a, c->err);
}

const struct json_op codedeploy_application_ops[] = {
	{ "CreateApplication", CreateApplication, 0 },
	{ "GetApplication", GetApplication, 0 },
	{ "BatchGetApplications", BatchGetApplications, 0 },
	{ "ListApplications", ListApplications, 0 },
	{ "UpdateApplication", UpdateApplication, 0 },
	{ "DeleteApplication", DeleteApplication, 0 },
	{ NULL, NULL, 0 },
};
