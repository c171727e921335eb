/* model/configs: deployment configurations as the engine and the handlers read them — the
 * compiled-in CodeDeployDefault.* table and the lookup of a predefined or custom one (custom
 * rows are written by services/codedeploy/deployment_configs.c alone). */
#include "configs.h"
#include "codedeploy_errors.h"
#include "store/store.h"
#include "base/json.h"

#include <string.h>

/* One predefined configuration: Server ones have min_type, Lambda/ECS ones have traffic. */
struct config_predefined {
	const char *name;
	const char *id; /* stable across restarts and installations */
	int64_t created_ms;
	const char *platform;
	const char *min_type;
	int min_value;
	const char *traffic;
	int percent;
	int interval;
};

#define SERVER_CREATED 1415750400000LL /* 2014-11-12: CodeDeploy's launch */
#define LAMBDA_CREATED 1511740800000LL /* 2017-11-27: Lambda traffic shifting */
#define ECS_CREATED    1543276800000LL /* 2018-11-27: ECS blue/green */

#define SERVER(n, id, type, value)                                       \
	{                                                                \
		n, id, SERVER_CREATED, "Server", type, value, NULL, 0, 0 \
	}
#define SHIFT(n, id, when, platform, type, pct, mins)           \
	{                                                       \
		n, id, when, platform, NULL, 0, type, pct, mins \
	}

static const struct config_predefined config__predefined[] = {
	SERVER("CodeDeployDefault.OneAtATime", "85a7ae01-cd5b-41b6-8146-7d8a408445eb",
	       "MOST_CONCURRENCY", 1),
	SERVER("CodeDeployDefault.HalfAtATime", "58b84a58-7941-44d1-b91f-afc4997f0fa3",
	       "FLEET_PERCENT", 50),
	SERVER("CodeDeployDefault.AllAtOnce", "c6135c54-a53f-4e6d-8510-b5841be7b8e9", "HOST_COUNT",
	       0),
	SHIFT("CodeDeployDefault.LambdaCanary10Percent5Minutes",
	      "06dd106f-7ca0-4ef5-adb2-78a36f037874", LAMBDA_CREATED, "Lambda", "TimeBasedCanary",
	      10, 5),
	SHIFT("CodeDeployDefault.LambdaCanary10Percent10Minutes",
	      "d72462b1-e7fa-4473-a1d1-4d9e6e23043d", LAMBDA_CREATED, "Lambda", "TimeBasedCanary",
	      10, 10),
	SHIFT("CodeDeployDefault.LambdaCanary10Percent15Minutes",
	      "d2654e1a-c988-4003-bc92-6623322662a7", LAMBDA_CREATED, "Lambda", "TimeBasedCanary",
	      10, 15),
	SHIFT("CodeDeployDefault.LambdaCanary10Percent30Minutes",
	      "4d91e00f-c708-483a-ae45-57f552e2a32f", LAMBDA_CREATED, "Lambda", "TimeBasedCanary",
	      10, 30),
	SHIFT("CodeDeployDefault.LambdaLinear10PercentEvery1Minute",
	      "f9033823-f34d-4e4d-a8f9-57ba2f3615e0", LAMBDA_CREATED, "Lambda", "TimeBasedLinear",
	      10, 1),
	SHIFT("CodeDeployDefault.LambdaLinear10PercentEvery2Minutes",
	      "a98a8415-f76e-4ca6-a1ae-9397b5e7b9ba", LAMBDA_CREATED, "Lambda", "TimeBasedLinear",
	      10, 2),
	SHIFT("CodeDeployDefault.LambdaLinear10PercentEvery3Minutes",
	      "08f861ad-e1ca-44e4-a7bd-794e94db6a50", LAMBDA_CREATED, "Lambda", "TimeBasedLinear",
	      10, 3),
	SHIFT("CodeDeployDefault.LambdaLinear10PercentEvery10Minutes",
	      "6090d924-9fd2-43f5-a015-575bd42dbca0", LAMBDA_CREATED, "Lambda", "TimeBasedLinear",
	      10, 10),
	SHIFT("CodeDeployDefault.LambdaAllAtOnce", "174cabe8-da6f-4aec-b4e6-749197592847",
	      LAMBDA_CREATED, "Lambda", "AllAtOnce", 0, 0),
	SHIFT("CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
	      "32f25f2e-cf87-4718-99d9-5d3c99884b10", ECS_CREATED, "ECS", "TimeBasedLinear", 10, 1),
	SHIFT("CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
	      "39f0e251-da35-4c6f-88a5-b5df236243c2", ECS_CREATED, "ECS", "TimeBasedLinear", 10, 3),
	SHIFT("CodeDeployDefault.ECSCanary10Percent5Minutes",
	      "7b0acef5-cf97-46ed-a2bb-dd21c54e4d45", ECS_CREATED, "ECS", "TimeBasedCanary", 10, 5),
	SHIFT("CodeDeployDefault.ECSCanary10Percent15Minutes",
	      "e53389ea-abe6-4a1c-9ddf-7e4d892d3380", ECS_CREATED, "ECS", "TimeBasedCanary", 10,
	      15),
	SHIFT("CodeDeployDefault.ECSAllAtOnce", "1dc0ef0e-dbb1-44c9-8217-4c956c094a58", ECS_CREATED,
	      "ECS", "AllAtOnce", 0, 0),
};

#define CONFIG_PREDEFINED_COUNT (sizeof(config__predefined) / sizeof(config__predefined[0]))

static const struct config_predefined *config__find_predefined(const char *name)
{
	for (size_t i = 0; i < CONFIG_PREDEFINED_COUNT; i++)
		if (strcmp(config__predefined[i].name, name) == 0)
			return &config__predefined[i];
	return NULL;
}

bool model_config_is_predefined(const char *name)
{
	return config__find_predefined(name) != NULL;
}

const char *model_config_predefined_name(size_t i)
{
	return i < CONFIG_PREDEFINED_COUNT ? config__predefined[i].name : NULL;
}

json_t *model_config_traffic(const char *type, int percent, int interval)
{
	json_t *t = json_pack("{s:s}", "type", type);

	if (strcmp(type, "TimeBasedCanary") == 0)
		json_object_set_new(t, "timeBasedCanary",
				    json_pack("{s:i,s:i}", "canaryPercentage", percent,
					      "canaryInterval", interval));
	else if (strcmp(type, "TimeBasedLinear") == 0)
		json_object_set_new(t, "timeBasedLinear",
				    json_pack("{s:i,s:i}", "linearPercentage", percent,
					      "linearInterval", interval));
	return t;
}

static json_t *config__predefined_info(const struct config_predefined *p)
{
	json_t *j = json_object();

	json_set_str(j, "deploymentConfigId", p->id);
	json_set_str(j, "deploymentConfigName", p->name);
	if (p->min_type)
		json_object_set_new(
		    j, "minimumHealthyHosts",
		    json_pack("{s:s,s:i}", "type", p->min_type, "value", p->min_value));
	json_set_time(j, "createTime", p->created_ms);
	json_set_str(j, "computePlatform", p->platform);
	if (p->traffic)
		json_object_set_new(j, "trafficRoutingConfig",
				    model_config_traffic(p->traffic, p->percent, p->interval));
	return j;
}

int model_config_get(struct store_conn *c, const char *name, json_t **info, struct err *e)
{
	const struct config_predefined *p = config__find_predefined(name);
	struct store_stmt *st;
	json_t *j;
	int r;

	if (p) {
		*info = config__predefined_info(p);
		return *info ? 0 : -SW_E_NOMEM;
	}
	r = store_exec(c, &st, "SELECT doc FROM deployment_configs WHERE name = ?", "t", e, name);
	if (r < 0)
		return r;
	if (r == 0)
		return err_set(e, SW_E_DeploymentConfigDoesNotExist,
			       "No deployment configuration found for name: %s", name);
	j = json_loads(store_col_text(st, 0), 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return err_set(e, SW_E_INTERNAL, "stored deployment configuration '%s' is corrupt",
			       name);
	}
	*info = j;
	return 0;
}

_Static_assert(CONFIG_PREDEFINED_COUNT <= MODEL_CONFIG_PREDEFINED_MAX,
	       "raise MODEL_CONFIG_PREDEFINED_MAX");
