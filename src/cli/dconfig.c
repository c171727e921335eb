/* dconfig: `slipway config create|list|show|delete` — deployment configurations (how many
 * hosts stay healthy, and how traffic shifts: Lambda's, and a host fleet's by HAProxy weights). */
#include "cli_int.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

int cli_config_create(struct cli_args *a);
int cli_config_list(struct cli_args *a);
int cli_config_show(struct cli_args *a);
int cli_config_delete(struct cli_args *a);

/* "5m", "5", "1h" → minutes (0 .. 2880). */
static int dconfig__minutes(const char *s, int64_t min, int64_t *minutes)
{
	char num[16];
	size_t n = strlen(s);
	int64_t mult = 1;

	if (str_copy(num, sizeof(num), s))
		return -1;
	if (n && num[n - 1] == 'm') {
		num[n - 1] = '\0';
	} else if (n && num[n - 1] == 'h') {
		num[n - 1] = '\0';
		mult = 60;
	}
	if (str_to_i64(num, min, 2880, minutes) || *minutes * mult > 2880)
		return -1;
	*minutes *= mult;
	return 0;
}

/* "P%" or "P%:T" / "P%/T" (T as dconfig__minutes) → percentage and, when given, minutes
 * (*minutes is -1 without). */
static int dconfig__step(const char *s, int64_t max_pct, int64_t min_minutes, int64_t *percent,
			 int64_t *minutes)
{
	char pct[16];
	const char *sep = strpbrk(s, ":/");
	size_t n = sep ? (size_t)(sep - s) : strlen(s);

	*minutes = -1;
	if (str_copyn(pct, sizeof(pct), s, n))
		return -1;
	n = strlen(pct);
	if (!n || pct[n - 1] != '%')
		return -1;
	pct[n - 1] = '\0';
	if (str_to_i64(pct, 1, max_pct, percent))
		return -1;
	return sep ? dconfig__minutes(sep + 1, min_minutes, minutes) : 0;
}

/* --canary / --linear P%:T → {type, timeBasedX {xPercentage, xInterval}}, NULL when bad. */
static json_t *dconfig__time_based(const char *v, bool canary)
{
	int64_t pct, minutes;

	if (dconfig__step(v, 99, 1, &pct, &minutes) || minutes < 0)
		return NULL;
	if (canary)
		return json_pack("{s:s,s:{s:I,s:I}}", "type", "TimeBasedCanary", "timeBasedCanary",
				 "canaryPercentage", (json_int_t)pct, "canaryInterval",
				 (json_int_t)minutes);
	return json_pack("{s:s,s:{s:I,s:I}}", "type", "TimeBasedLinear", "timeBasedLinear",
			 "linearPercentage", (json_int_t)pct, "linearInterval",
			 (json_int_t)minutes);
}

/* --steps 5%:1m,25%:1m,100% → {type SlipwaySteps, slipwaySteps {steps [...]}}, NULL when an
 * item is not P%[:T].  The order and limits are the server's to check (it says which step). */
static json_t *dconfig__steps(const char *v)
{
	json_t *list = json_array();
	const char *p = v;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char item[64];
		int64_t pct, minutes;
		json_t *step;

		if (str_copyn(item, sizeof(item), p, n) ||
		    dconfig__step(item, 100, 0, &pct, &minutes) || json_array_size(list) >= 100) {
			json_decref(list);
			return NULL;
		}
		step = json_pack("{s:I}", "percentage", (json_int_t)pct);
		if (minutes >= 0)
			json_object_set_new(step, "waitInMinutes", json_integer(minutes));
		json_array_append_new(list, step);
		if (!comma)
			break;
		p = comma + 1;
	}
	return json_pack("{s:s,s:{s:o}}", "type", "SlipwaySteps", "slipwaySteps", "steps", list);
}

/* --min-healthy N | N% → {type, value}, NULL when bad. */
static json_t *dconfig__min_healthy(const char *v)
{
	size_t len = strlen(v);
	char num[32];
	int64_t n;

	if (len && v[len - 1] == '%' && !str_copyn(num, sizeof(num), v, len - 1) &&
	    !str_to_i64(num, 0, 99, &n))
		return json_pack("{s:s,s:I}", "type", "FLEET_PERCENT", "value", (json_int_t)n);
	if (!str_to_i64(v, 0, 1000000, &n))
		return json_pack("{s:s,s:I}", "type", "HOST_COUNT", "value", (json_int_t)n);
	return NULL;
}

int cli_config_create(struct cli_args *a)
{
	const char *name = a->pos[0], *platform = cli_opt(a, "platform");
	const char *min_v = cli_opt(a, "min-healthy"), *v;
	json_t *req = json_pack("{s:s}", "deploymentConfigName", name), *resp, *traffic = NULL;
	bool lambda;

	if (min_v) {
		json_t *m = dconfig__min_healthy(min_v);

		if (!m) {
			json_decref(req);
			return cli_usage(a,
					 "--min-healthy is a host count (2) or a percentage of the "
					 "fleet from 0%% to 99%% (75%%), not '%s'",
					 min_v);
		}
		json_object_set_new(req, "minimumHealthyHosts", m);
	}
	if ((v = cli_opt(a, "canary")) || (v = cli_opt(a, "linear"))) {
		bool canary = cli_opt(a, "canary") != NULL;

		traffic = dconfig__time_based(v, canary);
		if (!traffic) {
			json_decref(req);
			return cli_usage(a,
					 "--%s is PERCENT%%/MINUTES: 1%% to 99%%, then 1 to 2880 "
					 "minutes (10%%/5m or 10%%:5m; 'h' for hours), not '%s'",
					 canary ? "canary" : "linear", v);
		}
	} else if ((v = cli_opt(a, "steps"))) {
		traffic = dconfig__steps(v);
		if (!traffic) {
			json_decref(req);
			return cli_usage(
			    a,
			    "--steps is a comma-separated list of PERCENT%%[:WAIT] "
			    "ending with 100%% (5%%:1m,25%%:1m,50%%:1m,100%%), not '%s'",
			    v);
		}
	} else if (cli_flag(a, "all-at-once")) {
		traffic = json_pack("{s:s}", "type", "AllAtOnce");
	}
	if (!min_v && !traffic) {
		json_decref(req);
		return cli_usage(a, "give --min-healthy, or one of --canary, --linear, --steps, "
				    "--all-at-once (or --min-healthy with one of them)");
	}
	/* hosts unless only a Lambda-style traffic rule was given */
	if (!platform)
		platform = min_v || cli_opt(a, "steps") ? "server" : "lambda";
	lambda = strcmp(platform, "lambda") == 0;
	if (!lambda && !min_v) {
		json_decref(req);
		json_decref(traffic);
		return cli_usage(a, "a server configuration needs --min-healthy as well: it sets "
				    "how many hosts of the new fleet install at once");
	}
	if (traffic)
		json_object_set_new(req, "trafficRoutingConfig", traffic);
	json_object_set_new(req, "computePlatform", json_string(lambda ? "Lambda" : "Server"));
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

/* A traffic routing config's rule, for people; false when there is none. */
static bool dconfig__traffic_rule(const json_t *tr, struct buf *out)
{
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
	} else if (tt && strcmp(tt, "SlipwaySteps") == 0) {
		const json_t *list = json_object_get(json_object_get(tr, "slipwaySteps"), "steps");
		const json_t *step;
		size_t i;

		buf_adds(out, "steps:");
		json_array_foreach(list, i, step)
		{
			const json_t *w = json_object_get(step, "waitInMinutes");

			buf_addf(
			    out, "%s %lld%%", i ? "," : "",
			    (long long)json_integer_value(json_object_get(step, "percentage")));
			if (json_integer_value(w) > 0)
				buf_addf(out, " then %lld min", (long long)json_integer_value(w));
		}
	} else {
		return false;
	}
	return true;
}

/* A configuration's rule, for people. */
static void dconfig__rule(const json_t *info, struct buf *out)
{
	const json_t *mh = json_object_get(info, "minimumHealthyHosts");
	const char *type = json_string_value(json_object_get(mh, "type"));
	json_int_t v = json_integer_value(json_object_get(mh, "value"));
	size_t before = out->len;

	if (type && strcmp(type, "HOST_COUNT") == 0) {
		if (v == 0)
			buf_adds(out, "all hosts at once");
		else
			buf_addf(out, "at least %lld host%s healthy", (long long)v,
				 v == 1 ? "" : "s");
	} else if (type && strcmp(type, "FLEET_PERCENT") == 0) {
		buf_addf(out, "at least %lld%% of hosts healthy", (long long)v);
	} else if (type && strcmp(type, "MOST_CONCURRENCY") == 0) {
		buf_adds(out, "one host at a time");
	}
	if (out->len > before && json_object_get(info, "trafficRoutingConfig"))
		buf_adds(out, "; ");
	if (!dconfig__traffic_rule(json_object_get(info, "trafficRoutingConfig"), out) &&
	    out->len == before)
		buf_adds(out, "-");
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
