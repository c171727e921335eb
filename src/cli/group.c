/* group: `slipway group create|list|show|update|delete` — deployment groups: which instances
 * (by tag), which configuration, automatic rollback and deployment style. */
#include "cli_int.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

#define GROUP_BATCH 100 /* BatchGetDeploymentGroups' limit */

int cli_group_create(struct cli_args *a);
int cli_group_list(struct cli_args *a);
int cli_group_show(struct cli_args *a);
int cli_group_update(struct cli_args *a);
int cli_group_delete(struct cli_args *a);

int cli_account_id(struct cli_args *a, char *out, size_t size)
{
	struct buf xml = BUF_INIT(1 << 20);
	char arn[512];
	const char *p = arn;
	int r = cli_iam(a, "GetUser", NULL, &xml);

	if (!r && !cli_xml_text(buf_str(&xml), "Arn", arn, sizeof(arn)))
		r = cli_error(a, CLI_FAILED, "", "IAM GetUser did not name the caller's ARN");
	buf_release(&xml);
	if (r)
		return r;
	/* arn:aws:iam::ACCOUNT:user/NAME */
	for (int colons = 0; *p && colons < 4; p++)
		colons += *p == ':';
	if (str_copyn(out, size, p, strcspn(p, ":")) || !out[0])
		return cli_error(a, CLI_FAILED, "", "cannot read the account id from '%s'", arn);
	return 0;
}

/* --rollback-on failure,stop,alarm | none → autoRollbackConfiguration. */
static json_t *group__rollback(const char *s, char *why, size_t size)
{
	static const char *const names[][2] = {
		{ "failure", "DEPLOYMENT_FAILURE" },
		{ "stop", "DEPLOYMENT_STOP_ON_REQUEST" },
		{ "alarm", "DEPLOYMENT_STOP_ON_ALARM" },
	};
	json_t *events = json_array();

	if (strcmp(s, "none") == 0)
		return json_pack("{s:b,s:o}", "enabled", 0, "events", events);
	for (const char *p = s; *p;) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < 3; i++)
			if (len == strlen(names[i][0]) && strncmp(p, names[i][0], len) == 0)
				break;
		if (len && i == 3) {
			snprintf(why, size,
				 "--rollback-on takes failure, stop and alarm, comma-separated, or "
				 "none (not '%.*s')",
				 (int)len, p);
			json_decref(events);
			return NULL;
		}
		if (len)
			json_array_append_new(events, json_string(names[i][1]));
		p += len;
		if (*p)
			p++;
	}
	if (!json_array_size(events)) {
		snprintf(why, size, "--rollback-on names no event");
		json_decref(events);
		return NULL;
	}
	return json_pack("{s:b,s:o}", "enabled", 1, "events", events);
}

/* A whole number of minutes 0..2880 (AWS's two-day limit on blue/green waits) for opt. */
static int group__minutes(struct cli_args *a, const char *opt, const char *v, json_int_t *out)
{
	int64_t n;

	if (str_to_i64(v, 0, 2880, &n))
		return cli_usage(a, "--%s takes minutes, 0 to 2880 (two days), not '%s'", opt, v);
	*out = (json_int_t)n;
	return 0;
}

/* The group's current settings (GetDeploymentGroup), for an update that changes part of an
 * object the API replaces whole (deploymentStyle, blueGreenDeploymentConfiguration). */
static int group__current(struct cli_args *a, json_t **out)
{
	json_t *resp;

	*out = NULL;
	if (cli_cd(a, "GetDeploymentGroup",
		   json_pack("{s:s,s:s}", "applicationName", cli_opt(a, "app"),
			     "deploymentGroupName", a->pos[0]),
		   &resp))
		return cli_fail(a);
	*out = json_incref(json_object_get(resp, "deploymentGroupInfo"));
	json_decref(resp);
	return 0;
}

/* The traffic settings laid over req: --style / --blue-green and --traffic-control /
 * --no-traffic-control (deploymentStyle), --target-group (loadBalancerInfo), --ready-wait /
 * --no-ready-wait and --keep-blue / --terminate-blue (blueGreenDeploymentConfiguration).  An
 * update changes only the parts given: the rest of each object is the group's current one.
 * CLI_USAGE (printed), or cli_fail's status when the current group cannot be read. */
static int group__traffic(struct cli_args *a, json_t *req, bool update)
{
	const char *style = cli_opt(a, "style"), *ready = cli_opt(a, "ready-wait"),
		   *terminate = cli_opt(a, "terminate-blue");
	const char **tgs;
	int ntgs = cli_opt_all(a, "target-group", &tgs), r = 0;
	bool bg = cli_flag(a, "blue-green"), tc = cli_flag(a, "traffic-control"),
	     no_tc = cli_flag(a, "no-traffic-control"), keep = cli_flag(a, "keep-blue"),
	     no_ready = cli_flag(a, "no-ready-wait");
	bool style_set = style || bg || tc || no_tc,
	     bg_set = ready || no_ready || keep || terminate;
	json_t *cur = NULL, *ds = NULL, *bgc = NULL;
	const char *type = NULL, *option = NULL, *cur_type, *cur_option;
	json_int_t minutes = 0;

	if (tc && no_tc)
		return cli_usage(a, "give --traffic-control or --no-traffic-control, not both");
	if (ready && no_ready)
		return cli_usage(a, "give --ready-wait or --no-ready-wait, not both");
	if (keep && terminate)
		return cli_usage(a, "give --keep-blue or --terminate-blue, not both");
	if (bg && style && strcmp(style, "blue-green") != 0)
		return cli_usage(a, "--blue-green and --style %s contradict each other", style);
	if (bg)
		style = "blue-green";
	if (ntgs) {
		json_t *list = json_array();

		for (int i = 0; i < ntgs; i++) {
			if (!tgs[i][0]) {
				json_decref(list);
				return cli_usage(a, "--target-group needs a name");
			}
			json_array_append_new(list, json_pack("{s:s}", "name", tgs[i]));
		}
		json_object_set_new(req, "loadBalancerInfo",
				    json_pack("{s:o}", "targetGroupInfoList", list));
	} else if (update && cli_flag(a, "no-target-group")) {
		json_object_set_new(req, "loadBalancerInfo", json_object());
	}
	if (!style_set && !bg_set)
		return 0;
	if (update && (r = group__current(a, &cur)))
		return r;
	ds = json_object_get(cur, "deploymentStyle");
	cur_type = json_string_value(json_object_get(ds, "deploymentType"));
	cur_option = json_string_value(json_object_get(ds, "deploymentOption"));
	type = style ? (strcmp(style, "blue-green") == 0 ? "BLUE_GREEN" : "IN_PLACE") : cur_type;
	if (tc)
		option = "WITH_TRAFFIC_CONTROL";
	else if (no_tc)
		option = "WITHOUT_TRAFFIC_CONTROL";
	else if (str_eq(type, cur_type))
		option = cur_option; /* the type stays: so does its option */
	if (style_set) {
		ds = json_pack("{s:s}", "deploymentType", type ? type : "IN_PLACE");
		if (option)
			json_object_set_new(ds, "deploymentOption", json_string(option));
		json_object_set_new(req, "deploymentStyle", ds);
	}
	if (!bg_set)
		goto out;
	if (!str_eq(type, "BLUE_GREEN")) {
		r = cli_usage(a, "%s is a setting of blue/green groups: add --blue-green",
			      ready	 ? "--ready-wait"
			      : no_ready ? "--no-ready-wait"
			      : keep	 ? "--keep-blue"
					 : "--terminate-blue");
		goto out;
	}
	bgc = json_deep_copy(json_object_get(cur, "blueGreenDeploymentConfiguration"));
	if (!json_is_object(bgc)) {
		json_decref(bgc);
		bgc = json_object();
	}
	if (ready || no_ready) {
		if (ready && (r = group__minutes(a, "ready-wait", ready, &minutes)))
			goto out;
		json_object_set_new(bgc, "deploymentReadyOption",
				    json_pack("{s:s,s:I}", "actionOnTimeout",
					      ready ? "STOP_DEPLOYMENT" : "CONTINUE_DEPLOYMENT",
					      "waitTimeInMinutes", ready ? minutes : 0));
	}
	if (keep || terminate) {
		/* kept instances are not waited for: the deployment ends once traffic moved */
		if (terminate && (r = group__minutes(a, "terminate-blue", terminate, &minutes)))
			goto out;
		json_object_set_new(bgc, "terminateBlueInstancesOnDeploymentSuccess",
				    json_pack("{s:s,s:I}", "action",
					      keep ? "KEEP_ALIVE" : "TERMINATE",
					      "terminationWaitTimeInMinutes", keep ? 0 : minutes));
	}
	json_object_set_new(req, "blueGreenDeploymentConfiguration", bgc);
	bgc = NULL;
out:
	json_decref(bgc);
	json_decref(cur);
	return r;
}

/* The settings given as options, laid over req.  CLI_USAGE (printed) on a bad one. */
static int group__settings(struct cli_args *a, json_t *req, bool update)
{
	const char **tags, **sets;
	int ntags = cli_opt_all(a, "tag", &tags), nsets = cli_opt_all(a, "tag-set", &sets);
	const char *v;
	char why[512];
	int r;

	if (ntags && nsets)
		return cli_usage(a, "give --tag or --tag-set, not both");
	if (ntags || (update && cli_flag(a, "no-tags"))) {
		json_t *filters = json_array();

		for (int i = 0; i < ntags; i++) {
			json_t *one = cli_parse_tags(tags[i], true, why, sizeof(why));

			if (!one) {
				json_decref(filters);
				return cli_usage(a, "--tag: %s", why);
			}
			json_array_extend(filters, one);
			json_decref(one);
		}
		json_object_set_new(req, "onPremisesInstanceTagFilters", filters);
		if (update)
			json_object_set_new(req, "onPremisesTagSet",
					    json_pack("{s:[]}", "onPremisesTagSetList"));
	}
	if (nsets) {
		json_t *list = json_array();

		for (int i = 0; i < nsets; i++) {
			json_t *one = cli_parse_tags(sets[i], true, why, sizeof(why));

			if (!one) {
				json_decref(list);
				return cli_usage(a, "--tag-set: %s", why);
			}
			json_array_append_new(list, one);
		}
		json_object_set_new(req, "onPremisesTagSet",
				    json_pack("{s:o}", "onPremisesTagSetList", list));
		if (update)
			json_object_set_new(req, "onPremisesInstanceTagFilters", json_array());
	}
	if ((v = cli_opt(a, "config")))
		json_object_set_new(req, "deploymentConfigName", json_string(v));
	if ((v = cli_opt(a, "rollback-on"))) {
		json_t *arc = group__rollback(v, why, sizeof(why));

		if (!arc)
			return cli_usage(a, "%s", why);
		json_object_set_new(req, "autoRollbackConfiguration", arc);
	}
	if ((r = group__traffic(a, req, update)))
		return r;
	if ((v = cli_opt(a, "role")))
		json_object_set_new(req, "serviceRoleArn", json_string(v));
	return 0;
}

int cli_group_create(struct cli_args *a)
{
	const char *app = cli_opt(a, "app"), *name = a->pos[0];
	json_t *req = json_pack("{s:s,s:s}", "applicationName", app, "deploymentGroupName", name);
	json_t *resp;
	int r = group__settings(a, req, false);

	if (r) {
		json_decref(req);
		return r;
	}
	if (!json_object_get(req, "serviceRoleArn")) {
		char account[32], role[128];

		if (cli_account_id(a, account, sizeof(account))) {
			json_decref(req);
			return cli_fail(a);
		}
		snprintf(role, sizeof(role), "arn:aws:iam::%s:role/slipway", account);
		json_object_set_new(req, "serviceRoleArn", json_string(role));
	}
	if (cli_cd(a, "CreateDeploymentGroup", req, &resp))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		json_object_set_new(resp, "applicationName", json_string(app));
		json_object_set_new(resp, "deploymentGroupName", json_string(name));
		cli_json_print(resp);
	} else if (a->g.output == CLI_OUT_TEXT) {
		printf("%s\n", json_string_value(json_object_get(resp, "deploymentGroupId")));
	} else {
		printf("created deployment group %s of %s (id %s)\n", name, app,
		       json_string_value(json_object_get(resp, "deploymentGroupId")));
	}
	json_decref(resp);
	return CLI_OK;
}

/* How a group picks its instances, for people. */
static void group__targets(const json_t *g, struct buf *out)
{
	const json_t *filters = json_object_get(g, "onPremisesInstanceTagFilters");
	const json_t *sets =
	    json_object_get(json_object_get(g, "onPremisesTagSet"), "onPremisesTagSetList");
	size_t i;
	json_t *s;

	if (json_array_size(filters)) {
		cli_tags_str(filters, out);
		if (json_array_size(filters) > 1)
			buf_adds(out, " (any)");
	} else if (json_array_size(sets)) {
		json_array_foreach(sets, i, s)
		{
			buf_adds(out, i ? " and (" : "(");
			cli_tags_str(s, out);
			buf_adds(out, ")");
		}
	} else {
		buf_adds(out, "(no tags: no instances)");
	}
}

static void group__rollback_str(const json_t *g, struct buf *out)
{
	const json_t *arc = json_object_get(g, "autoRollbackConfiguration");
	size_t i;
	json_t *e;

	if (!json_is_true(json_object_get(arc, "enabled"))) {
		buf_adds(out, "off");
		return;
	}
	buf_adds(out, "on ");
	json_array_foreach(json_object_get(arc, "events"), i, e)
	{
		const char *s = json_string_value(e);

		buf_addf(out, "%s%s", i ? ", " : "",
			 strcmp(s, "DEPLOYMENT_FAILURE") == 0		? "failure"
			 : strcmp(s, "DEPLOYMENT_STOP_ON_REQUEST") == 0 ? "stop"
			 : strcmp(s, "DEPLOYMENT_STOP_ON_ALARM") == 0	? "alarm"
									: s);
	}
}

static const char *group__style(const json_t *g)
{
	const char *t = json_string_value(
	    json_object_get(json_object_get(g, "deploymentStyle"), "deploymentType"));

	return t && strcmp(t, "BLUE_GREEN") == 0 ? "blue-green" : "in-place";
}

/* The target groups and Classic Load Balancers a group names, comma-separated. */
static void group__lb_str(const json_t *g, struct buf *out)
{
	const json_t *lbi = json_object_get(g, "loadBalancerInfo"), *v;
	static const char *const keys[] = { "targetGroupInfoList", "elbInfoList" };
	size_t i;

	for (int k = 0; k < 2; k++)
		json_array_foreach(json_object_get(lbi, keys[k]), i, v)
		    buf_addf(out, "%s%s", out->len ? ", " : "",
			     json_string_value(json_object_get(v, "name")));
}

/* A blue/green group's waits, for people. */
static void group__blue_green_show(struct cli_args *a, const json_t *g)
{
	const json_t *bg = json_object_get(g, "blueGreenDeploymentConfiguration");
	const json_t *ready = json_object_get(bg, "deploymentReadyOption");
	const json_t *term = json_object_get(bg, "terminateBlueInstancesOnDeploymentSuccess");
	long long ready_min =
	    (long long)json_integer_value(json_object_get(ready, "waitTimeInMinutes"));
	long long term_min =
	    (long long)json_integer_value(json_object_get(term, "terminationWaitTimeInMinutes"));

	if (strcmp(group__style(g), "blue-green") != 0 || !bg)
		return;
	if (str_eq(json_string_value(json_object_get(ready, "actionOnTimeout")), "STOP_DEPLOYMENT"))
		cli_kv(a, "ready wait",
		       "Ready until `slipway deploy continue`, stopped after %lld min", ready_min);
	else
		cli_kv(a, "ready wait", "none: traffic moves once the replacement is installed");
	if (str_eq(json_string_value(json_object_get(term, "action")), "KEEP_ALIVE"))
		cli_kv(a, "original fleet", "kept out of traffic after %lld min", term_min);
	else
		cli_kv(a, "original fleet", "deregistered %lld min after traffic moved", term_min);
}

static void group__last(const json_t *d, struct buf *out)
{
	const char *id = json_string_value(json_object_get(d, "deploymentId"));

	if (!id) {
		buf_adds(out, "-");
		return;
	}
	buf_addf(out, "%s %s", id, json_string_value(json_object_get(d, "status")));
}

int cli_group_list(struct cli_args *a)
{
	const char *app = cli_opt(a, "app");
	json_t *names = json_array(), *infos = json_array(), *v;
	struct cli_table t;
	size_t i;

	if (cli_cd_pages(a, "ListDeploymentGroups", json_pack("{s:s}", "applicationName", app),
			 "deploymentGroups", names, 0))
		goto fail;
	for (i = 0; i < json_array_size(names); i += GROUP_BATCH) {
		json_t *batch = json_array(), *resp;
		size_t k;

		for (k = i; k < i + GROUP_BATCH && k < json_array_size(names); k++)
			json_array_append(batch, json_array_get(names, k));
		if (cli_cd(a, "BatchGetDeploymentGroups",
			   json_pack("{s:s,s:o}", "applicationName", app, "deploymentGroupNames",
				     batch),
			   &resp))
			goto fail;
		json_array_foreach(json_object_get(resp, "deploymentGroupsInfo"), k, v)
		    json_array_append(infos, v);
		json_decref(resp);
	}
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(infos);
	} else {
		cli_table_init(&t, 5, "NAME", "CONFIG", "TARGETS", "ROLLBACK", "LAST DEPLOYMENT");
		json_array_foreach(infos, i, v)
		{
			struct buf targets = BUF_INIT(8192), rb = BUF_INIT(256),
				   last = BUF_INIT(256);

			group__targets(v, &targets);
			group__rollback_str(v, &rb);
			group__last(json_object_get(v, "lastAttemptedDeployment"), &last);
			cli_table_row(&t,
				      json_string_value(json_object_get(v, "deploymentGroupName")),
				      json_string_value(json_object_get(v, "deploymentConfigName")),
				      buf_str(&targets), buf_str(&rb), buf_str(&last));
			buf_release(&targets);
			buf_release(&rb);
			buf_release(&last);
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

int cli_group_show(struct cli_args *a)
{
	const char *app = cli_opt(a, "app"), *name = a->pos[0];
	json_t *resp, *g;
	struct buf b = BUF_INIT(1 << 16);
	char when[64];

	if (cli_cd(a, "GetDeploymentGroup",
		   json_pack("{s:s,s:s}", "applicationName", app, "deploymentGroupName", name),
		   &resp))
		return cli_fail(a);
	g = json_object_get(resp, "deploymentGroupInfo");
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(g);
		json_decref(resp);
		return CLI_OK;
	}
	cli_kv(a, "name", "%s", json_string_value(json_object_get(g, "deploymentGroupName")));
	cli_kv(a, "application", "%s", json_string_value(json_object_get(g, "applicationName")));
	cli_kv(a, "id", "%s", json_string_value(json_object_get(g, "deploymentGroupId")));
	cli_kv(a, "platform", "%s", json_string_value(json_object_get(g, "computePlatform")));
	cli_kv(a, "config", "%s", json_string_value(json_object_get(g, "deploymentConfigName")));
	group__targets(g, &b);
	cli_kv(a, "targets", "%s", buf_str(&b));
	buf_reset(&b);
	group__rollback_str(g, &b);
	cli_kv(a, "rollback", "%s", buf_str(&b));
	cli_kv(a, "style", "%s%s", group__style(g),
	       str_eq(json_string_value(json_object_get(json_object_get(g, "deploymentStyle"),
							"deploymentOption")),
		      "WITH_TRAFFIC_CONTROL") &&
		       strcmp(group__style(g), "in-place") == 0
		   ? ", with traffic control"
		   : "");
	buf_reset(&b);
	group__lb_str(g, &b);
	if (b.len)
		cli_kv(a, "target groups", "%s", buf_str(&b));
	group__blue_green_show(a, g);
	cli_kv(a, "role", "%s", json_string_value(json_object_get(g, "serviceRoleArn")));
	buf_reset(&b);
	cli_revision_str(json_object_get(g, "targetRevision"), &b);
	cli_kv(a, "revision", "%s", buf_str(&b));
	for (int i = 0; i < 2; i++) {
		const json_t *d =
		    json_object_get(g, i ? "lastAttemptedDeployment" : "lastSuccessfulDeployment");

		buf_reset(&b);
		group__last(d, &b);
		if (json_object_get(d, "endTime"))
			buf_addf(&b, "  %s",
				 cli_when(a, json_object_get(d, "endTime"), when, sizeof(when)));
		cli_kv(a, i ? "last attempt" : "last success", "%s", buf_str(&b));
	}
	buf_release(&b);
	json_decref(resp);
	return CLI_OK;
}

int cli_group_update(struct cli_args *a)
{
	const char *app = cli_opt(a, "app"), *name = a->pos[0], *rename = cli_opt(a, "name");
	json_t *req =
	    json_pack("{s:s,s:s}", "applicationName", app, "currentDeploymentGroupName", name);
	int r = group__settings(a, req, true);

	if (r) {
		json_decref(req);
		return r;
	}
	if (rename)
		json_object_set_new(req, "newDeploymentGroupName", json_string(rename));
	if (json_object_size(req) == 2) {
		json_decref(req);
		return cli_usage(a, "nothing to change: give at least one setting");
	}
	if (cli_cd(a, "UpdateDeploymentGroup", req, NULL))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		json_t *j = json_pack("{s:s,s:s,s:b}", "applicationName", app,
				      "deploymentGroupName", rename ? rename : name, "updated", 1);

		cli_json_print(j);
		json_decref(j);
	} else if (a->g.output == CLI_OUT_TABLE) {
		if (rename)
			printf("updated deployment group %s of %s (renamed from %s)\n", rename, app,
			       name);
		else
			printf("updated deployment group %s of %s\n", name, app);
	}
	return CLI_OK;
}

int cli_group_delete(struct cli_args *a)
{
	const char *app = cli_opt(a, "app"), *name = a->pos[0];
	json_t *key = json_pack("{s:s,s:s}", "applicationName", app, "deploymentGroupName", name);

	/* DeleteDeploymentGroup succeeds for a group that does not exist: say so instead */
	if (cli_cd(a, "GetDeploymentGroup", json_deep_copy(key), NULL) ||
	    cli_cd(a, "DeleteDeploymentGroup", json_incref(key), NULL)) {
		json_decref(key);
		return cli_fail(a);
	}
	json_decref(key);
	if (a->g.output == CLI_OUT_JSON) {
		json_t *j = json_pack("{s:s,s:s,s:b}", "applicationName", app,
				      "deploymentGroupName", name, "deleted", 1);

		cli_json_print(j);
		json_decref(j);
	} else if (a->g.output == CLI_OUT_TABLE) {
		printf("deleted deployment group %s of %s\n", name, app);
	}
	return CLI_OK;
}
