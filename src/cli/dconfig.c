/* dconfig: `slipway config create|list|show|delete` — deployment configurations (how many
 * hosts stay healthy, or how Lambda traffic shifts). */
#include "cli_int.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

int cli_config_create(struct cli_args *a);
int cli_config_list(struct cli_args *a);
int cli_config_show(struct cli_args *a);
int cli_config_delete(struct cli_args *a);

/* "10%/5m" (also "10%/5", "10%/1h") → percentage and minutes. */
static int dconfig__shift(const char *s, int64_t *percent, int64_t *minutes)
{
	char pct[16], interval[16];
	const char *slash = strchr(s, '/');
	size_t n;
	int64_t mult = 1;

	if (!slash || str_copyn(pct, sizeof(pct), s, (size_t)(slash - s)) ||
	    str_copy(interval, sizeof(interval), slash + 1))
		return -1;
	n = strlen(pct);
	if (!n || pct[n - 1] != '%')
		return -1;
	pct[n - 1] = '\0';
	n = strlen(interval);
	if (n && interval[n - 1] == 'm') {
		interval[n - 1] = '\0';
	} else if (n && interval[n - 1] == 'h') {
		interval[n - 1] = '\0';
		mult = 60;
	}
	if (str_to_i64(pct, 1, 99, percent) || str_to_i64(interval, 1, 2880, minutes))
		return -1;
	*minutes *= mult;
	return 0;
}

int cli_config_create(struct cli_args *a)
{
	const char *name = a->pos[0], *v, *platform = cli_opt(a, "platform");
	json_t *req = json_pack("{s:s}", "deploymentConfigName", name), *resp;
	int64_t pct, minutes, n;
	bool hosts = false;

	if ((v = cli_opt(a, "min-healthy"))) {
		size_t len = strlen(v);
		char num[32];

		hosts = true;
		if (len && v[len - 1] == '%' && !str_copyn(num, sizeof(num), v, len - 1) &&
		    !str_to_i64(num, 0, 99, &n))
			json_object_set_new(req, "minimumHealthyHosts",
					    json_pack("{s:s,s:I}", "type", "FLEET_PERCENT", "value",
						      (json_int_t)n));
		else if (!str_to_i64(v, 0, 1000000, &n))
			json_object_set_new(
			    req, "minimumHealthyHosts",
			    json_pack("{s:s,s:I}", "type", "HOST_COUNT", "value", (json_int_t)n));
		else {
			json_decref(req);
			return cli_usage(a,
					 "--min-healthy is a host count (2) or a percentage of the "
					 "fleet from 0%% to 99%% (75%%), not '%s'",
					 v);
		}
	} else {
		bool canary = (v = cli_opt(a, "canary")) != NULL;

		if (!canary)
			v = cli_opt(a, "linear");
		if (dconfig__shift(v, &pct, &minutes)) {
			json_decref(req);
			return cli_usage(a,
					 "--%s is PERCENT%%/MINUTES: 1%% to 99%%, then 1 to 2880 "
					 "minutes (10%%/5m), not '%s'",
					 canary ? "canary" : "linear", v);
		}
		if (canary)
			json_object_set_new(req, "trafficRoutingConfig",
					    json_pack("{s:s,s:{s:I,s:I}}", "type",
						      "TimeBasedCanary", "timeBasedCanary",
						      "canaryPercentage", (json_int_t)pct,
						      "canaryInterval", (json_int_t)minutes));
		else
			json_object_set_new(req, "trafficRoutingConfig",
					    json_pack("{s:s,s:{s:I,s:I}}", "type",
						      "TimeBasedLinear", "timeBasedLinear",
						      "linearPercentage", (json_int_t)pct,
						      "linearInterval", (json_int_t)minutes));
	}
	if (!platform)
		platform = hosts ? "server" : "lambda";
	json_object_set_new(req, "computePlatform",
			    json_string(strcmp(platform, "lambda") == 0 ? "Lambda" : "Server"));
	if (cli_cd(a, "CreateDeploymentConfig", req, &resp))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		json_object_set_new(resp, "deploymentConfigName", json_string(name));
		cli_json_print(resp);
	} else if (a->g.output == CLI_OUT_TEXT) {
		printf("%s\n", json_string_value(json_object_get(resp, "deploymentConfigId")));
	} else {
		printf("created deployment configuration %s (id %s)\n", name,
		       json_string_value(json_object_get(resp, "deploymentConfigId")));
	}
	json_decref(resp);
	return CLI_OK;
}

/* A configuration's rule, for people. */
static void dconfig__rule(const json_t *info, struct buf *out)
{
	const json_t *mh = json_object_get(info, "minimumHealthyHosts");
	const json_t *tr = json_object_get(info, "trafficRoutingConfig");
	const char *type = json_string_value(json_object_get(mh, "type"));
	json_int_t v = json_integer_value(json_object_get(mh, "value"));
	const char *tt = json_string_value(json_object_get(tr, "type"));

	if (tt && strcmp(tt, "TimeBasedCanary") == 0) {
		const json_t *c = json_object_get(tr, "timeBasedCanary");

		buf_addf(out, "canary: %lld%% of traffic, the rest after %lld min",
			 (long long)json_integer_value(json_object_get(c, "canaryPercentage")),
			 (long long)json_integer_value(json_object_get(c, "canaryInterval")));
	} else if (tt && strcmp(tt, "TimeBasedLinear") == 0) {
		const json_t *l = json_object_get(tr, "timeBasedLinear");

		buf_addf(out, "linear: %lld%% of traffic every %lld min",
			 (long long)json_integer_value(json_object_get(l, "linearPercentage")),
			 (long long)json_integer_value(json_object_get(l, "linearInterval")));
	} else if (tt && strcmp(tt, "AllAtOnce") == 0) {
		buf_adds(out, "all traffic at once");
	} else if (type && strcmp(type, "HOST_COUNT") == 0) {
		if (v == 0)
			buf_adds(out, "all hosts at once");
		else
			buf_addf(out, "at least %lld host%s healthy", (long long)v,
				 v == 1 ? "" : "s");
	} else if (type && strcmp(type, "FLEET_PERCENT") == 0) {
		buf_addf(out, "at least %lld%% of hosts healthy", (long long)v);
	} else if (type && strcmp(type, "MOST_CONCURRENCY") == 0) {
		buf_adds(out, "one host at a time");
	} else {
		buf_adds(out, "-");
	}
}

int cli_config_list(struct cli_args *a)
{
	json_t *names = json_array(), *infos = json_array(), *v;
	struct cli_table t;
	size_t i;

	if (cli_cd_pages(a, "ListDeploymentConfigs", json_object(), "deploymentConfigsList", names,
			 0))
		goto fail;
	json_array_foreach(names, i, v)
	{
		json_t *resp;

		if (cli_cd(a, "GetDeploymentConfig", json_pack("{s:O}", "deploymentConfigName", v),
			   &resp))
			goto fail;
		json_array_append(infos, json_object_get(resp, "deploymentConfigInfo"));
		json_decref(resp);
	}
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(infos);
	} else {
		cli_table_init(&t, 3, "NAME", "PLATFORM", "RULE");
		json_array_foreach(infos, i, v)
		{
			struct buf rule = BUF_INIT(512);

			dconfig__rule(v, &rule);
			cli_table_row(&t,
				      json_string_value(json_object_get(v, "deploymentConfigName")),
				      json_string_value(json_object_get(v, "computePlatform")),
				      buf_str(&rule));
			buf_release(&rule);
		}
		cli_table_print(a, &t);
		cli_table_release(&t);
	}
	json_decref(names);
	json_decref(infos);
	return CLI_OK;
fail:
	json_decref(names);
	json_decref(infos);
	return cli_fail(a);
}

int cli_config_show(struct cli_args *a)
{
	json_t *resp, *info;
	struct buf rule = BUF_INIT(512);
	char when[64];

	if (cli_cd(a, "GetDeploymentConfig", json_pack("{s:s}", "deploymentConfigName", a->pos[0]),
		   &resp))
		return cli_fail(a);
	info = json_object_get(resp, "deploymentConfigInfo");
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(info);
	} else {
		dconfig__rule(info, &rule);
		cli_kv(a, "name", "%s",
		       json_string_value(json_object_get(info, "deploymentConfigName")));
		cli_kv(a, "id", "%s",
		       json_string_value(json_object_get(info, "deploymentConfigId")));
		cli_kv(a, "platform", "%s",
		       json_string_value(json_object_get(info, "computePlatform")));
		cli_kv(a, "rule", "%s", buf_str(&rule));
		cli_kv(a, "created", "%s",
		       cli_when(a, json_object_get(info, "createTime"), when, sizeof(when)));
	}
	buf_release(&rule);
	json_decref(resp);
	return CLI_OK;
}

int cli_config_delete(struct cli_args *a)
{
	/* DeleteDeploymentConfig succeeds for a name that does not exist: say so instead */
	if (cli_cd(a, "GetDeploymentConfig", json_pack("{s:s}", "deploymentConfigName", a->pos[0]),
		   NULL) ||
	    cli_cd(a, "DeleteDeploymentConfig",
		   json_pack("{s:s}", "deploymentConfigName", a->pos[0]), NULL))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		json_t *j = json_pack("{s:s,s:b}", "deploymentConfigName", a->pos[0], "deleted", 1);

		cli_json_print(j);
		json_decref(j);
	} else if (a->g.output == CLI_OUT_TABLE) {
		printf("deleted deployment configuration %s\n", a->pos[0]);
	}
	return CLI_OK;
}
