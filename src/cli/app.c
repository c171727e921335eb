/* app: `slipway app create|list|show|delete` — CodeDeploy applications. */
#include "cli_int.h"

#include <stdlib.h>
#include <string.h>

#define APP_BATCH 100 /* BatchGetApplications' limit */

int cli_app_create(struct cli_args *a);
int cli_app_list(struct cli_args *a);
int cli_app_show(struct cli_args *a);
int cli_app_delete(struct cli_args *a);

int cli_app_create(struct cli_args *a)
{
	const char *name = a->pos[0], *platform = cli_opt(a, "platform");
	const char *wire = platform && strcmp(platform, "lambda") == 0 ? "Lambda" : "Server";
	json_t *resp;

	if (cli_cd(a, "CreateApplication",
		   json_pack("{s:s,s:s}", "applicationName", name, "computePlatform", wire), &resp))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		json_object_set_new(resp, "applicationName", json_string(name));
		json_object_set_new(resp, "computePlatform", json_string(wire));
		cli_json_print(resp);
	} else if (a->g.output == CLI_OUT_TEXT) {
		printf("%s\n", json_string_value(json_object_get(resp, "applicationId")));
	} else {
		printf("created application %s (%s, id %s)\n", name, wire,
		       json_string_value(json_object_get(resp, "applicationId")));
	}
	json_decref(resp);
	return CLI_OK;
}

/* ApplicationInfo of every name in names, in the same order. */
static int app__infos(struct cli_args *a, json_t *names, json_t *infos)
{
	for (size_t i = 0; i < json_array_size(names); i += APP_BATCH) {
		json_t *batch = json_array(), *resp, *v;
		size_t k;

		for (k = i; k < i + APP_BATCH && k < json_array_size(names); k++)
			json_array_append(batch, json_array_get(names, k));
		if (cli_cd(a, "BatchGetApplications", json_pack("{s:o}", "applicationNames", batch),
			   &resp))
			return -1;
		json_array_foreach(json_object_get(resp, "applicationsInfo"), k, v)
		    json_array_append(infos, v);
		json_decref(resp);
	}
	return 0;
}

int cli_app_list(struct cli_args *a)
{
	json_t *names = json_array(), *infos = json_array(), *v;
	struct cli_table t;
	size_t i;

	if (cli_cd_pages(a, "ListApplications", json_object(), "applications", names, 0) ||
	    app__infos(a, names, infos)) {
		json_decref(names);
		json_decref(infos);
		return cli_fail(a);
	}
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(infos);
	} else {
		cli_table_init(&t, 4, "NAME", "PLATFORM", "CREATED", "ID");
		json_array_foreach(infos, i, v)
		{
			char when[64];

			cli_table_row(
			    &t, json_string_value(json_object_get(v, "applicationName")),
			    json_string_value(json_object_get(v, "computePlatform")),
			    cli_when(a, json_object_get(v, "createTime"), when, sizeof(when)),
			    json_string_value(json_object_get(v, "applicationId")));
		}
		cli_table_print(a, &t);
		cli_table_release(&t);
	}
	json_decref(names);
	json_decref(infos);
	return CLI_OK;
}

int cli_app_show(struct cli_args *a)
{
	const char *name = a->pos[0];
	json_t *resp, *info, *groups = json_array();
	char when[64];

	if (cli_cd(a, "GetApplication", json_pack("{s:s}", "applicationName", name), &resp) ||
	    cli_cd_pages(a, "ListDeploymentGroups", json_pack("{s:s}", "applicationName", name),
			 "deploymentGroups", groups, 0)) {
		json_decref(groups);
		return cli_fail(a);
	}
	info = json_object_get(resp, "application");
	json_object_set(info, "deploymentGroups", groups);
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(info);
	} else {
		struct buf list = BUF_INIT(1 << 20);
		size_t i;
		json_t *g;

		json_array_foreach(groups, i, g)
		    buf_addf(&list, "%s%s", i ? ", " : "", json_string_value(g));
		cli_kv(a, "name", "%s",
		       json_string_value(json_object_get(info, "applicationName")));
		cli_kv(a, "id", "%s", json_string_value(json_object_get(info, "applicationId")));
		cli_kv(a, "platform", "%s",
		       json_string_value(json_object_get(info, "computePlatform")));
		cli_kv(a, "created", "%s",
		       cli_when(a, json_object_get(info, "createTime"), when, sizeof(when)));
		cli_kv(a, "groups", "%s", list.len ? buf_str(&list) : "(none)");
		buf_release(&list);
	}
	json_decref(groups);
	json_decref(resp);
	return CLI_OK;
}

int cli_app_delete(struct cli_args *a)
{
	const char *name = a->pos[0];

	/* DeleteApplication succeeds for a name that does not exist (as AWS): say so instead */
	if (cli_cd(a, "GetApplication", json_pack("{s:s}", "applicationName", name), NULL) ||
	    cli_cd(a, "DeleteApplication", json_pack("{s:s}", "applicationName", name), NULL))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		json_t *j = json_pack("{s:s,s:b}", "applicationName", name, "deleted", 1);

		cli_json_print(j);
		json_decref(j);
	} else if (a->g.output == CLI_OUT_TABLE) {
		printf("deleted application %s\n", name);
	}
	return CLI_OK;
}
