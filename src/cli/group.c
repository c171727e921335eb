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

/* The settings given as options, laid over req.  CLI_USAGE (printed) on a bad one. */
static int group__settings(struct cli_args *a, json_t *req, bool update)
{
	const char **tags, **sets;
	int ntags = cli_opt_all(a, "tag", &tags), nsets = cli_opt_all(a, "tag-set", &sets);
	const char *v;
	char why[512];

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
	if ((v = cli_opt(a, "style")))
		json_object_set_new(
		    req, "deploymentStyle",
		    json_pack("{s:s}", "deploymentType",
			      strcmp(v, "blue-green") == 0 ? "BLUE_GREEN" : "IN_PLACE"));
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
	cli_kv(a, "style", "%s", group__style(g));
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
