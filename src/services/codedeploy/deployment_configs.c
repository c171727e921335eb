/* codedeploy/deployment_configs: CreateDeploymentConfig, GetDeploymentConfig,
 * ListDeploymentConfigs, DeleteDeploymentConfig.  The compiled-in CodeDeployDefault.* table and
 * the lookup the engine shares are model/configs.c's; this file alone writes deployment_configs. */
#include "common.h"
#include "configs.h"
#include "model/configs.h"
#include "model/groups.h"
#include "engine/shift.h"
#include "base/crypto.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <stdlib.h>
#include <string.h>

#define CONFIG_CUSTOM_MAX  200
#define CONFIG_PERCENT_MAX 99

bool cd_config_is_predefined(const char *name)
{
	return model_config_is_predefined(name);
}

/* ---- validation ---- */

int cd_config_check_name(const char *name, struct err *e)
{
	if (!name || !*name)
		return err_set(e, SW_E_DeploymentConfigNameRequired,
			       "Deployment configuration name is required");
	if (strlen(name) > CD_NAME_MAX)
		return err_set(e, SW_E_InvalidDeploymentConfigName,
			       "deployment configuration name is longer than %d characters",
			       CD_NAME_MAX);
	for (const char *s = name; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr("._+=,@-", *s)))
			return err_set(
			    e, SW_E_InvalidDeploymentConfigName,
			    "deployment configuration name '%s' may contain only letters, "
			    "digits and ._+=,@-",
			    name);
	if (str_starts(name, CD_PREDEFINED_PREFIX))
		return err_set(e, SW_E_InvalidDeploymentConfigName,
			       "deployment configuration names starting with '%s' are reserved",
			       CD_PREDEFINED_PREFIX);
	return 0;
}

int cd_config_check_min_healthy(const json_t *mhh, int code, const char *what, struct err *e)
{
	const char *type = NULL;
	int64_t value = -1;
	const json_t *v = json_object_get(mhh, "value");
	bool has_value = v && !json_is_null(v);

	if (!json_is_object(mhh))
		return err_set(e, code, "%s must be an object {type, value}", what);
	if (json_opt_str(mhh, "type", &type, e))
		return err_set(e, code, "%s.type must be a string", what);
	if (json_opt_int(mhh, "value", &value, e))
		return err_set(e, code, "%s.value must be an integer", what);
	if (!type)
		return err_set(e, code, "%s.type is required (HOST_COUNT or FLEET_PERCENT)", what);
	if (!has_value)
		return err_set(e, code, "%s.value is required", what);
	if (strcmp(type, "FLEET_PERCENT") == 0) {
		if (value < 0 || value > CONFIG_PERCENT_MAX)
			return err_set(
			    e, code, "%s: a FLEET_PERCENT value must be between 0 and %d, not %lld",
			    what, CONFIG_PERCENT_MAX, (long long)value);
	} else if (strcmp(type, "HOST_COUNT") == 0) {
		if (value < 0 || value > INT32_MAX)
			return err_set(e, code,
				       "%s: a HOST_COUNT value must be 0 or more, not %lld", what,
				       (long long)value);
	} else {
		return err_set(e, code, "%s.type must be HOST_COUNT or FLEET_PERCENT, not '%s'",
			       what, type);
	}
	return 0;
}

/* One parser for every type: the engine's schedule builder is also the validator, so a config
 * accepted here always yields a schedule. */
int cd_config_check_traffic(const json_t *trc, struct err *e)
{
	struct shift_step steps[SHIFT_STEPS_MAX];
	size_t n;

	return shift_schedule(trc, steps, SHIFT_STEPS_MAX, &n, e);
}

int cd_config_check_zonal(const json_t *zc, struct err *e)
{
	const int code = SW_E_InvalidZonalDeploymentConfiguration;
	static const char *const durations[] = { "firstZoneMonitorDurationInSeconds",
						 "monitorDurationInSeconds" };
	json_t *per_zone = NULL;

	if (!json_is_object(zc))
		return err_set(e, code, "zonalConfig must be an object");
	for (size_t i = 0; i < 2; i++) {
		int64_t v = 0;

		if (json_opt_int(zc, durations[i], &v, e))
			return err_set(e, code, "zonalConfig.%s must be an integer", durations[i]);
		if (v < 0)
			return err_set(e, code, "zonalConfig.%s must not be negative",
				       durations[i]);
	}
	if (json_opt_obj(zc, "minimumHealthyHostsPerZone", &per_zone, e))
		return err_set(e, code, "zonalConfig.minimumHealthyHostsPerZone must be an object");
	if (per_zone)
		return cd_config_check_min_healthy(per_zone, code,
						   "zonalConfig.minimumHealthyHostsPerZone", e);
	return 0;
}

/* ---- operations ---- */

/* A copy of a validated minimumHealthyHosts-shaped object with only its known members. */
static json_t *config__min_copy(const json_t *m)
{
	return json_pack("{s:O,s:O}", "type", json_object_get(m, "type"), "value",
			 json_object_get(m, "value"));
}

/* A slipwaySteps list as given: each step's percentage, and its waitInMinutes when given. */
static json_t *config__steps_copy(const json_t *t)
{
	const json_t *list = json_object_get(json_object_get(t, "slipwaySteps"), "steps"), *step;
	json_t *out = json_array(), *v;
	size_t i;

	json_array_foreach(list, i, step)
	{
		json_t *o = json_object();
		int64_t num = 0;

		json_opt_int(step, "percentage", &num, NULL);
		json_object_set_new(o, "percentage", json_integer(num));
		v = json_object_get(step, "waitInMinutes");
		if (v && !json_is_null(v)) {
			json_opt_int(step, "waitInMinutes", &num, NULL);
			json_object_set_new(o, "waitInMinutes", json_integer(num));
		}
		json_array_append_new(out, o);
	}
	return json_pack("{s:s,s:{s:o}}", "type", "SlipwaySteps", "slipwaySteps", "steps", out);
}

/* A copy of a validated trafficRoutingConfig with only its type's members. */
static json_t *config__traffic_copy(const json_t *t)
{
	const char *type = json_string_value(json_object_get(t, "type"));
	const char *member = NULL, *pct_key = NULL, *int_key = NULL;
	int64_t pct = 0, interval = 0;
	const json_t *sub;

	if (strcmp(type, "SlipwaySteps") == 0)
		return config__steps_copy(t);
	if (strcmp(type, "TimeBasedCanary") == 0) {
		member = "timeBasedCanary";
		pct_key = "canaryPercentage";
		int_key = "canaryInterval";
	} else if (strcmp(type, "TimeBasedLinear") == 0) {
		member = "timeBasedLinear";
		pct_key = "linearPercentage";
		int_key = "linearInterval";
	}
	if (member) {
		sub = json_object_get(t, member);
		json_opt_int(sub, pct_key, &pct, NULL);
		json_opt_int(sub, int_key, &interval, NULL);
	}
	return model_config_traffic(type, (int)pct, (int)interval);
}

static json_t *config__zonal_copy(const json_t *z)
{
	static const char *const keys[] = { "firstZoneMonitorDurationInSeconds",
					    "monitorDurationInSeconds" };
	json_t *out = json_object(), *v;

	for (size_t i = 0; i < 2; i++) {
		v = json_object_get(z, keys[i]);
		if (v && !json_is_null(v))
			json_object_set_new(out, keys[i], json_integer(json_number_value(v)));
	}
	v = json_object_get(z, "minimumHealthyHostsPerZone");
	if (v && !json_is_null(v))
		json_object_set_new(out, "minimumHealthyHostsPerZone", config__min_copy(v));
	return out;
}

struct config_create {
	const char *name;
	json_t *doc;
	int64_t created;
};

static int config__create(struct store_conn *sc, void *arg, struct err *e)
{
	struct config_create *a = arg;
	struct store_stmt *st;
	char *text;
	int r;

	r = store_exec(sc, &st, "SELECT COUNT(*) FROM deployment_configs", "", e);
	if (r < 0)
		return r;
	if (r == 1 && store_col_int(st, 0) >= CONFIG_CUSTOM_MAX)
		return err_set(e, SW_E_DeploymentConfigLimitExceeded,
			       "an account can have at most %d custom deployment configurations",
			       CONFIG_CUSTOM_MAX);
	text = json_dump(a->doc);
	if (!text)
		return -SW_E_NOMEM;
	r = store_exec(
	    sc, NULL,
	    "INSERT INTO deployment_configs (name, id, created, doc) VALUES (?, ?, ?, ?) "
	    "ON CONFLICT (name) DO NOTHING",
	    "ttit", e, a->name, json_string_value(json_object_get(a->doc, "deploymentConfigId")),
	    a->created, text);
	free(text);
	if (r < 0)
		return r;
	if (store_changes(sc) == 0)
		return err_set(e, SW_E_DeploymentConfigAlreadyExists,
			       "A deployment configuration named '%s' already exists", a->name);
	return 0;
}

/* Checks the platform-specific members of a CreateDeploymentConfig request.  A Server config
 * may also carry a trafficRoutingConfig (a Slipway extension: the weighted shift between the
 * fleets of a blue/green deployment behind HAProxy, docs/traffic.md); its minimumHealthyHosts
 * is still required, as in AWS, and still batches the replacement fleet's install. */
static int config__check_members(const char *platform, json_t *min, json_t *traffic, json_t *zonal,
				 struct err *e)
{
	const char *type = json_string_value(json_object_get(traffic, "type"));
	int r;

	if (strcmp(platform, "Server") == 0) {
		if (!min)
			return err_set(e, SW_E_InvalidMinimumHealthyHostValue,
				       "minimum healthy hosts argument is missing: a Server "
				       "configuration needs minimumHealthyHosts {type, value}");
		r = cd_config_check_min_healthy(min, SW_E_InvalidMinimumHealthyHostValue,
						"minimumHealthyHosts", e);
		if (!r && traffic)
			r = cd_config_check_traffic(traffic, e);
		if (!r && zonal)
			r = cd_config_check_zonal(zonal, e);
		return r;
	}
	if (min)
		return err_set(e, SW_E_InvalidMinimumHealthyHostValue,
			       "minimumHealthyHosts applies to Server configurations only; a %s "
			       "configuration uses trafficRoutingConfig",
			       platform);
	if (zonal)
		return err_set(e, SW_E_InvalidZonalDeploymentConfiguration,
			       "zonalConfig applies to Server configurations only");
	if (!traffic)
		return err_set(e, SW_E_InvalidTrafficRoutingConfiguration,
			       "a %s configuration needs trafficRoutingConfig", platform);
	if (type && strcmp(type, "SlipwaySteps") == 0)
		return err_set(e, SW_E_InvalidTrafficRoutingConfiguration,
			       "a SlipwaySteps traffic routing config applies to Server "
			       "configurations only (weighted shifting between host fleets)");
	return cd_config_check_traffic(traffic, e);
}

static int CreateDeploymentConfig(struct call *c)
{
	struct config_create a = { 0 };
	const char *platform = "Server";
	json_t *min = NULL, *traffic = NULL, *zonal = NULL;
	char id[37];
	int r;

	r = json_opt_str(c->in, "deploymentConfigName", &a.name, c->err);
	if (!r)
		r = cd_config_check_name(a.name, c->err);
	if (!r)
		r = json_opt_str(c->in, "computePlatform", &platform, c->err);
	if (r)
		return r;
	if (strcmp(platform, "ECS") == 0)
		return err_set(
		    c->err, SW_E_InvalidComputePlatform,
		    "compute platform 'ECS' is not supported by Slipway; use 'Server' or "
		    "'Lambda'");
	if (strcmp(platform, "Server") != 0 && strcmp(platform, "Lambda") != 0)
		return err_set(c->err, SW_E_InvalidComputePlatform,
			       "computePlatform must be 'Server' or 'Lambda', not '%s'", platform);
	if (json_opt_obj(c->in, "minimumHealthyHosts", &min, c->err))
		return err_set(c->err, SW_E_InvalidMinimumHealthyHostValue,
			       "minimumHealthyHosts must be an object {type, value}");
	if (json_opt_obj(c->in, "trafficRoutingConfig", &traffic, c->err))
		return err_set(c->err, SW_E_InvalidTrafficRoutingConfiguration,
			       "trafficRoutingConfig must be an object");
	if (json_opt_obj(c->in, "zonalConfig", &zonal, c->err))
		return err_set(c->err, SW_E_InvalidZonalDeploymentConfiguration,
			       "zonalConfig must be an object");
	r = config__check_members(platform, min, traffic, zonal, c->err);
	if (r)
		return r;

	uuid_v4(id);
	a.created = time_now_ms();
	a.doc = json_object();
	json_set_str(a.doc, "deploymentConfigId", id);
	json_set_str(a.doc, "deploymentConfigName", a.name);
	if (min)
		json_object_set_new(a.doc, "minimumHealthyHosts", config__min_copy(min));
	json_set_time(a.doc, "createTime", a.created);
	json_set_str(a.doc, "computePlatform", platform);
	if (traffic)
		json_object_set_new(a.doc, "trafficRoutingConfig", config__traffic_copy(traffic));
	if (zonal)
		json_object_set_new(a.doc, "zonalConfig", config__zonal_copy(zonal));
	r = store_write(c->env->store, config__create, &a, c->err);
	if (!r)
		c->out = json_pack("{s:s}", "deploymentConfigId", id);
	json_decref(a.doc);
	return r;
}

struct config_get {
	const char *name;
	json_t *info;
};

static int config__get(struct store_conn *sc, void *arg, struct err *e)
{
	struct config_get *g = arg;

	return model_config_get(sc, g->name, &g->info, e);
}

static int GetDeploymentConfig(struct call *c)
{
	struct config_get g = { 0 };
	int r;

	r = cd_name(c->in, "deploymentConfigName", SW_E_DeploymentConfigNameRequired,
		    SW_E_InvalidDeploymentConfigName, "deployment configuration", &g.name, c->err);
	if (r)
		return r;
	r = store_read(c->env->store, config__get, &g, c->err);
	if (r)
		return r;
	c->out = json_pack("{s:o}", "deploymentConfigInfo", g.info);
	return 0;
}

static int config__cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Predefined and custom names merged in byte order, one page after l->after. */
static int config__list(struct store_conn *sc, void *arg, struct err *e)
{
	struct cd_page *l = arg;
	const char *pre[MODEL_CONFIG_PREDEFINED_MAX];
	size_t npre = 0, ip = 0;
	struct store_stmt *st;
	const char *name;
	int r;

	for (size_t i = 0; (name = model_config_predefined_name(i)); i++)
		if (strcmp(name, l->after) > 0 && npre < MODEL_CONFIG_PREDEFINED_MAX)
			pre[npre++] = name;
	qsort(pre, npre, sizeof(pre[0]), config__cmp);
	r = store_exec(sc, &st,
		       "SELECT name FROM deployment_configs WHERE name > ? ORDER BY name LIMIT ?",
		       "ti", e, l->after, (int64_t)CD_PAGE_SIZE + 1);
	for (;;) {
		const char *custom = r == 1 ? store_col_text(st, 0) : NULL;

		if (r < 0)
			return r;
		if (!custom && ip == npre)
			break;
		if (custom && (ip == npre || strcmp(custom, pre[ip]) < 0)) {
			if (cd_page_add(l, custom))
				break;
			r = store_step(st, e);
		} else if (cd_page_add(l, pre[ip++])) {
			break;
		}
	}
	return 0;
}

static int ListDeploymentConfigs(struct call *c)
{
	struct cd_page l = { .after = "" };

	return cd_list_names(c, "deploymentConfigsList", &l, config__list, &l);
}

static int config__delete(struct store_conn *sc, void *arg, struct err *e)
{
	const char *name = arg;
	char app[CD_NAME_MAX + 1], group[CD_NAME_MAX + 1];
	struct store_stmt *st;
	int r;

	r = model_group_using_config(sc, name, app, sizeof(app), group, sizeof(group), e);
	if (r < 0)
		return r;
	if (r == 1)
		return err_set(
		    e, SW_E_DeploymentConfigInUse,
		    "deployment configuration '%s' is in use by deployment group '%s' of "
		    "application '%s'",
		    name, group, app);
	/* A deployment that has not finished keeps its configuration too (0005_deployments). */
	r = store_exec(
	    sc, &st,
	    "SELECT id FROM deployments WHERE config = ? AND status NOT IN ('Succeeded', "
	    "'Failed', 'Stopped') LIMIT 1",
	    "t", e, name);
	if (r < 0)
		return r;
	if (r == 1)
		return err_set(e, SW_E_DeploymentConfigInUse,
			       "deployment configuration '%s' is in use by deployment %s", name,
			       store_col_text(st, 0));
	r = store_exec(sc, NULL, "DELETE FROM deployment_configs WHERE name = ?", "t", e, name);
	return r < 0 ? r : 0;
}

static int DeleteDeploymentConfig(struct call *c)
{
	const char *name;
	int r;

	r = cd_name(c->in, "deploymentConfigName", SW_E_DeploymentConfigNameRequired,
		    SW_E_InvalidDeploymentConfigName, "deployment configuration", &name, c->err);
	if (r)
		return r;
	if (cd_config_is_predefined(name))
		return err_set(
		    c->err, SW_E_InvalidOperation,
		    "'%s' is a predefined deployment configuration and cannot be deleted", name);
	/* As in AWS, deleting a configuration that does not exist succeeds. */
	return store_write(c->env->store, config__delete, (void *)name, c->err);
}

const struct json_op codedeploy_config_ops[] = {
	{ "CreateDeploymentConfig", CreateDeploymentConfig, 0 },
	{ "GetDeploymentConfig", GetDeploymentConfig, 0 },
	{ "DeleteDeploymentConfig", DeleteDeploymentConfig, 0 },
	{ "ListDeploymentConfigs", ListDeploymentConfigs, 0 },
	{ NULL, NULL, 0 },
};
