/* deploy: `slipway deploy create|list|show|stop|continue|events` — deployments, their targets
 * and each host's lifecycle-event timeline.  (push: pack.c; watch: watch.c; local:
 * deploy_local.c.) */
#include "cli_int.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEPLOY_BATCH 25 /* BatchGetDeployments and BatchGetDeploymentTargets' limit */

int cli_deploy_create(struct cli_args *a);
int cli_deploy_list(struct cli_args *a);
int cli_deploy_show(struct cli_args *a);
int cli_deploy_stop(struct cli_args *a);
int cli_deploy_continue(struct cli_args *a);
int cli_deploy_events(struct cli_args *a);
int cli_deploy_watch(struct cli_args *a);

static const char *const deploy__statuses[] = { "Created", "Queued",	"InProgress",
						"Baking",  "Succeeded", "Failed",
						"Stopped", "Ready",	NULL };

static int deploy__name_cmp(const void *x, const void *y)
{
	const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;

	return strcmp(json_string_value(json_object_get(a, "targetId")),
		      json_string_value(json_object_get(b, "targetId")));
}

int cli_deploy_targets(struct cli_args *a, const char *id, json_t **out)
{
	json_t *ids = json_array(), *targets = json_array(), *v;
	size_t i, n;
	json_t **sorted;

	*out = NULL;
	if (cli_cd_pages(a, "ListDeploymentTargets", json_pack("{s:s}", "deploymentId", id),
			 "targetIds", ids, 0)) {
		json_decref(ids);
		json_decref(targets);
		/* a deployment that has not started has no targets yet */
		if (strcmp(cli_state(a)->err.type, "DeploymentNotStartedException") == 0) {
			*out = json_array();
			return 0;
		}
		return -1;
	}
	for (i = 0; i < json_array_size(ids); i += DEPLOY_BATCH) {
		json_t *batch = json_array(), *resp;
		size_t k;

		for (k = i; k < i + DEPLOY_BATCH && k < json_array_size(ids); k++)
			json_array_append(batch, json_array_get(ids, k));
		if (cli_cd(a, "BatchGetDeploymentTargets",
			   json_pack("{s:s,s:o}", "deploymentId", id, "targetIds", batch), &resp)) {
			json_decref(ids);
			json_decref(targets);
			return -1;
		}
		json_array_foreach(json_object_get(resp, "deploymentTargets"), k, v)
		{
			json_t *t = json_object_get(v, "instanceTarget");

			if (t)
				json_array_append(targets, t);
		}
		json_decref(resp);
	}
	json_decref(ids);
	/* in name order */
	n = json_array_size(targets);
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (!sorted) {
		json_decref(targets);
		return cli_error(a, CLI_FAILED, "", "out of memory");
	}
	for (i = 0; i < n; i++)
		sorted[i] = json_incref(json_array_get(targets, i));
	qsort(sorted, n, sizeof(*sorted), deploy__name_cmp);
	json_array_clear(targets);
	for (i = 0; i < n; i++)
		json_array_append_new(targets, sorted[i]);
	free(sorted);
	*out = targets;
	return 0;
}

/* ---- create ---- */

/* --s3 s3://bucket/key → an S3 RevisionLocation; NULL (with why) when malformed. */
static json_t *deploy__s3(const char *uri, const char *bundle_type, char *why, size_t size)
{
	const char *p, *slash, *bt = bundle_type;
	char bucket[256];

	if (!str_starts(uri, "s3://") || !(slash = strchr((p = uri + 5), '/')) || slash == p ||
	    !slash[1] || str_copyn(bucket, sizeof(bucket), p, (size_t)(slash - p))) {
		snprintf(why, size, "--s3 must be s3://BUCKET/KEY, not '%s'", uri);
		return NULL;
	}
	if (!bt) {
		if (str_ends(slash + 1, ".zip"))
			bt = "zip";
		else if (str_ends(slash + 1, ".tar"))
			bt = "tar";
		else if (str_ends(slash + 1, ".tgz") || str_ends(slash + 1, ".tar.gz"))
			bt = "tgz";
	}
	if (!bt) {
		snprintf(why, size,
			 "cannot tell the archive type of '%s' from its name (.zip, .tar, .tgz, "
			 ".tar.gz): give --bundle-type",
			 uri);
		return NULL;
	}
	return json_pack("{s:s,s:{s:s,s:s,s:s}}", "revisionType", "S3", "s3Location", "bucket",
			 bucket, "key", slash + 1, "bundleType", bt);
}

/* --revision latest | current | JSON. */
static int deploy__revision(struct cli_args *a, const char *app, const char *group,
			    const char *spec, json_t **rev)
{
	json_error_t je;

	*rev = NULL;
	if (strcmp(spec, "latest") == 0) {
		json_t *resp, *list;

		if (cli_cd(a, "ListApplicationRevisions",
			   json_pack("{s:s,s:s,s:s}", "applicationName", app, "sortBy",
				     "registerTime", "sortOrder", "descending"),
			   &resp))
			return -1;
		list = json_object_get(resp, "revisions");
		if (json_array_size(list))
			*rev = json_incref(json_array_get(list, 0));
		json_decref(resp);
		if (!*rev)
			return cli_error(a, CLI_FAILED, "",
					 "application '%s' has no registered revision: push one "
					 "with `slipway deploy push --app %s --source DIR`",
					 app, app);
		return 0;
	}
	if (strcmp(spec, "current") == 0) {
		json_t *resp;

		if (cli_cd(a, "GetDeploymentGroup",
			   json_pack("{s:s,s:s}", "applicationName", app, "deploymentGroupName",
				     group),
			   &resp))
			return -1;
		*rev = json_incref(json_object_get(json_object_get(resp, "deploymentGroupInfo"),
						   "targetRevision"));
		json_decref(resp);
		if (!*rev)
			return cli_error(a, CLI_FAILED, "",
					 "deployment group '%s' has no deployed revision yet",
					 group);
		return 0;
	}
	*rev = json_loads(spec, 0, &je);
	if (!json_is_object(*rev)) {
		json_decref(*rev);
		*rev = NULL;
		return cli_error(a, CLI_USAGE, "",
				 "--revision is latest, current or a RevisionLocation in JSON "
				 "({\"revisionType\": \"S3\", \"s3Location\": {...}}), not '%s'",
				 spec);
	}
	return 0;
}

/* --green K=V (repeatable) → targetInstances.tagFilters: a blue/green deployment's
 * replacement instances.  -1 (the usage error printed) on a malformed tag. */
static int deploy__green(struct cli_args *a, json_t *req)
{
	const char **tags;
	int n = cli_opt_all(a, "green", &tags);
	json_t *filters;
	char why[512];

	if (!n)
		return 0;
	filters = json_array();
	for (int i = 0; i < n; i++) {
		json_t *one = cli_parse_tags(tags[i], true, why, sizeof(why));

		if (!one) {
			json_decref(filters);
			cli_usage(a, "--green: %s", why);
			return -1;
		}
		json_array_extend(filters, one);
		json_decref(one);
	}
	json_object_set_new(req, "targetInstances", json_pack("{s:o}", "tagFilters", filters));
	return 0;
}

int cli_deploy_create(struct cli_args *a)
{
	const char *app = cli_opt(a, "app"), *group = cli_opt(a, "group"), *v;
	json_t *rev = NULL, *req, *resp;
	const char *id;
	char why[512];
	int rc;

	if ((v = cli_opt(a, "s3"))) {
		rev = deploy__s3(v, cli_opt(a, "bundle-type"), why, sizeof(why));
		if (!rev)
			return cli_usage(a, "%s", why);
	} else if ((v = cli_opt(a, "revision"))) {
		if (deploy__revision(a, app, group, v, &rev))
			return cli_fail(a);
	} else if (cli_push(a, app, cli_opt(a, "source"), &rev, NULL)) {
		return cli_fail(a);
	}
	req = json_pack("{s:s,s:s,s:O}", "applicationName", app, "deploymentGroupName", group,
			"revision", rev);
	if ((v = cli_opt(a, "config")))
		json_object_set_new(req, "deploymentConfigName", json_string(v));
	if ((v = cli_opt(a, "description")))
		json_object_set_new(req, "description", json_string(v));
	if ((v = cli_opt(a, "file-exists"))) {
		char upper[16];
		size_t i;

		for (i = 0; v[i] && i + 1 < sizeof(upper); i++)
			upper[i] = (char)(v[i] >= 'a' && v[i] <= 'z' ? v[i] - 32 : v[i]);
		upper[i] = '\0';
		json_object_set_new(req, "fileExistsBehavior", json_string(upper));
	}
	if (cli_flag(a, "ignore-stop-failures"))
		json_object_set_new(req, "ignoreApplicationStopFailures", json_true());
	if (deploy__green(a, req)) {
		json_decref(req);
		json_decref(rev);
		return CLI_USAGE;
	}
	if (cli_cd(a, "CreateDeployment", req, &resp)) {
		json_decref(rev);
		return cli_fail(a);
	}
	id = json_string_value(json_object_get(resp, "deploymentId"));
	if (cli_flag(a, "wait")) {
		if (a->g.output != CLI_OUT_JSON)
			printf("created deployment %s of %s to %s\n", id, app, group);
		fflush(stdout);
		rc = cli_watch(a, id);
	} else {
		if (a->g.output == CLI_OUT_JSON) {
			json_object_set(resp, "revision", rev);
			cli_json_print(resp);
		} else if (a->g.output == CLI_OUT_TEXT) {
			printf("%s\n", id);
		} else {
			struct buf r = BUF_INIT(4096);

			cli_revision_str(rev, &r);
			printf("created deployment %s of %s to %s (%s)\n", id, app, group,
			       buf_str(&r));
			printf("follow it: slipway deploy watch %s\n", id);
			buf_release(&r);
		}
		rc = CLI_OK;
	}
	json_decref(resp);
	json_decref(rev);
	return rc;
}

/* ---- list ---- */

static int deploy__created_cmp(const void *x, const void *y)
{
	const json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	int64_t ta = cli_ms(json_object_get(a, "createTime")),
		tb = cli_ms(json_object_get(b, "createTime"));

	if (ta != tb)
		return ta > tb ? -1 : 1;
	return -strcmp(json_string_value(json_object_get(a, "deploymentId")),
		       json_string_value(json_object_get(b, "deploymentId")));
}

#define LIST_PARALLEL 2 /* a page being read while the last one's details are fetched */

/* ListDeployments of one listing: a group's (when groups names any) or all. */
static json_t *deploy__list_req(const char *app, const json_t *groups, size_t chain,
				const json_t *filter, const char *token)
{
	json_t *req = json_object();

	if (json_array_size(groups)) {
		json_object_set_new(req, "applicationName", json_string(app));
		json_object_set(req, "deploymentGroupName", json_array_get(groups, chain));
	}
	if (json_array_size(filter))
		json_object_set(req, "includeOnlyStatuses", (json_t *)filter);
	if (token)
		json_object_set_new(req, "nextToken", json_string(token));
	return req;
}

/* The DeploymentInfo of every deployment of each listing (one per group, or one of all),
 * newest first within each: ListDeployments pages one after another, and BatchGetDeployments
 * of each page's ids (25 at a time) on parallel connections while the next page is read. */
static int deploy__gather(struct cli_args *a, const char *app, const json_t *groups,
			  const json_t *filter, int64_t max, json_t *infos)
{
	struct cli_cd_async *as = cli_cd_async_new(a, LIST_PARALLEL);
	size_t nchains = json_array_size(groups) ? json_array_size(groups) : 1;
	int64_t *counted = calloc(nchains, sizeof(*counted));
	json_t *slots = json_array(), *resp, *slot, *v;
	int tag, r = 0;
	size_t i, k;

	if (!as || !counted) {
		cli_cd_async_free(as);
		free(counted);
		json_decref(slots);
		return as ? cli_error(a, CLI_FAILED, "", "out of memory") : -1;
	}
	for (i = 0; i < nchains; i++)
		cli_cd_async_add(as, "ListDeployments",
				 deploy__list_req(app, groups, i, filter, NULL), -(int)i - 1, true);
	while ((r = cli_cd_async_next(as, &resp, &tag)) == 1) {
		if (tag < 0) {
			/* a page of ids: fetch them, and the next page first of all */
			size_t chain = (size_t)(-tag - 1);
			const json_t *ids = json_object_get(resp, "deployments");
			const char *next = json_string_value(json_object_get(resp, "nextToken"));
			json_t *batch = NULL;

			json_array_foreach(ids, k, v)
			{
				if (max && counted[chain] >= max)
					break;
				counted[chain]++;
				if (!batch)
					batch = json_array();
				json_array_append(batch, v);
				if (json_array_size(batch) == 25 || k + 1 == json_array_size(ids) ||
				    (max && counted[chain] >= max)) {
					json_array_append_new(slots,
							      json_pack("{s:o}", "ids", batch));
					cli_cd_async_add(as, "BatchGetDeployments",
							 json_pack("{s:O}", "deploymentIds", batch),
							 (int)json_array_size(slots) - 1, false);
					batch = NULL;
				}
			}
			if (next && next[0] && !(max && counted[chain] >= max))
				cli_cd_async_add(as, "ListDeployments",
						 deploy__list_req(app, groups, chain, filter, next),
						 tag, true);
		} else {
			slot = json_array_get(slots, (size_t)tag);
			json_object_set(slot, "infos", json_object_get(resp, "deploymentsInfo"));
		}
		json_decref(resp);
	}
	cli_cd_async_free(as);
	free(counted);
	if (r == 0) {
		/* each batch's infos in its ids' order (BatchGetDeployments answers in any) */
		json_array_foreach(slots, i, slot)
		{
			json_array_foreach(json_object_get(slot, "ids"), k, v)
			{
				const json_t *info;
				size_t m;

				json_array_foreach(json_object_get(slot, "infos"), m, info)
				{
					if (str_eq(json_string_value(
						       json_object_get(info, "deploymentId")),
						   json_string_value(v))) {
						json_array_append(infos, (json_t *)info);
						break;
					}
				}
			}
		}
	}
	json_decref(slots);
	return r;
}

static void deploy__took(const json_t *info, char *out, size_t size)
{
	int64_t start = cli_ms(json_object_get(info, "startTime"));
	int64_t end = cli_ms(json_object_get(info, "completeTime"));

	out[0] = '\0';
	if (start && end)
		cli_duration(end - start, out, size);
	else if (start)
		cli_duration(time_now_ms() - start, out, size);
}

int cli_deploy_list(struct cli_args *a)
{
	const char *app = cli_opt(a, "app"), *group = cli_opt(a, "group"),
		   *max_s = cli_opt(a, "max");
	const char **statuses;
	int nstatuses = cli_opt_all(a, "status", &statuses);
	json_t *filter = json_array(), *groups = json_array(), *infos = json_array(), *v;
	int64_t max = 0;
	size_t i;
	int rc = CLI_OK;

	if (group && !app) {
		rc = cli_usage(a, "--group needs --app");
		goto out;
	}
	if (max_s && str_to_i64(max_s, 1, INT64_MAX, &max)) {
		rc = cli_usage(a, "--max must be a positive number, not '%s'", max_s);
		goto out;
	}
	for (int k = 0; k < nstatuses; k++) {
		for (const char *p = statuses[k]; *p;) {
			size_t len = strcspn(p, ","), s;

			for (s = 0; deploy__statuses[s]; s++)
				if (strlen(deploy__statuses[s]) == len &&
				    strncasecmp(p, deploy__statuses[s], len) == 0)
					break;
			if (len && !deploy__statuses[s]) {
				rc = cli_usage(
				    a,
				    "--status: '%.*s' is not a deployment status (Created, "
				    "Queued, InProgress, Baking, Succeeded, Failed, "
				    "Stopped, Ready)",
				    (int)len, p);
				goto out;
			}
			if (len)
				json_array_append_new(filter, json_string(deploy__statuses[s]));
			p += len + (p[len] == ',');
		}
	}
	if (app && !group) {
		if (cli_cd_pages(a, "ListDeploymentGroups",
				 json_pack("{s:s}", "applicationName", app), "deploymentGroups",
				 groups, 0))
			goto fail;
		if (!json_array_size(groups))
			goto print; /* an application without groups has no deployments */
	} else if (group) {
		json_array_append_new(groups, json_string(group));
	}
	if (deploy__gather(a, app, groups, filter, max, infos))
		goto fail;
	if (json_array_size(groups) > 1) {
		/* several groups' listings: merge them newest first, then cut */
		size_t n = json_array_size(infos);
		json_t **sorted = calloc(n ? n : 1, sizeof(*sorted));

		if (!sorted) {
			cli_error(a, CLI_FAILED, "", "out of memory");
			goto fail;
		}
		for (i = 0; i < n; i++)
			sorted[i] = json_incref(json_array_get(infos, i));
		qsort(sorted, n, sizeof(*sorted), deploy__created_cmp);
		json_array_clear(infos);
		for (i = 0; i < n; i++) {
			if (!max || (int64_t)i < max)
				json_array_append(infos, sorted[i]);
			json_decref(sorted[i]);
		}
		free(sorted);
	}
print:
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(infos);
	} else {
		struct cli_table t;

		cli_table_init(&t, 7, "ID", "STATUS", "APPLICATION", "GROUP", "CREATED", "TOOK",
			       "CREATOR");
		t.status_col = 1;
		json_array_foreach(infos, i, v)
		{
			char when[64], took[32];

			deploy__took(v, took, sizeof(took));
			cli_table_row(
			    &t, json_string_value(json_object_get(v, "deploymentId")),
			    json_string_value(json_object_get(v, "status")),
			    json_string_value(json_object_get(v, "applicationName")),
			    json_string_value(json_object_get(v, "deploymentGroupName")),
			    cli_when(a, json_object_get(v, "createTime"), when, sizeof(when)), took,
			    json_string_value(json_object_get(v, "creator")));
		}
		cli_table_print(a, &t);
		cli_table_release(&t);
	}
	goto out;
fail:
	rc = cli_fail(a);
out:
	json_decref(filter);
	json_decref(groups);
	json_decref(infos);
	return rc;
}

/* ---- show ---- */

/* The event a host is at: the one in progress, else the last that ran, else NULL. */
static const json_t *deploy__current_event(const json_t *target)
{
	const json_t *events = json_object_get(target, "lifecycleEvents"), *last = NULL, *e;
	size_t i;

	json_array_foreach(events, i, e)
	{
		const char *s = json_string_value(json_object_get(e, "status"));

		if (s && strcmp(s, "InProgress") == 0)
			return e;
		if (s && (strcmp(s, "Succeeded") == 0 || strcmp(s, "Failed") == 0))
			last = e;
	}
	return last;
}

int cli_deploy_show(struct cli_args *a)
{
	const char *id = a->pos[0];
	json_t *resp, *info, *targets, *ov, *rb, *err, *t;
	struct buf b = BUF_INIT(1 << 16);
	char when[64], took[32];
	size_t i;

	if (cli_cd(a, "GetDeployment", json_pack("{s:s}", "deploymentId", id), &resp))
		return cli_fail(a);
	if (cli_deploy_targets(a, id, &targets)) {
		json_decref(resp);
		return cli_fail(a);
	}
	info = json_object_get(resp, "deploymentInfo");
	if (a->g.output == CLI_OUT_JSON) {
		json_object_set(info, "targets", targets);
		cli_json_print(info);
		goto out;
	}
	ov = json_object_get(info, "deploymentOverview");
	rb = json_object_get(info, "rollbackInfo");
	err = json_object_get(info, "errorInformation");
	cli_kv(a, "deployment", "%s", id);
	cli_kv(a, "status", "%s%s%s",
	       cli_color(a, cli_status_tone(json_string_value(json_object_get(info, "status")))),
	       json_string_value(json_object_get(info, "status")), cli_color_reset(a));
	cli_kv(a, "application", "%s", json_string_value(json_object_get(info, "applicationName")));
	cli_kv(a, "group", "%s", json_string_value(json_object_get(info, "deploymentGroupName")));
	cli_kv(a, "config", "%s", json_string_value(json_object_get(info, "deploymentConfigName")));
	cli_revision_str(json_object_get(info, "revision"), &b);
	cli_kv(a, "revision", "%s", buf_str(&b));
	cli_kv(a, "creator", "%s", json_string_value(json_object_get(info, "creator")));
	if (json_string_value(json_object_get(info, "description")))
		cli_kv(a, "description", "%s",
		       json_string_value(json_object_get(info, "description")));
	cli_kv(a, "created", "%s",
	       cli_when(a, json_object_get(info, "createTime"), when, sizeof(when)));
	if (json_object_get(info, "completeTime"))
		cli_kv(a, "completed", "%s",
		       cli_when(a, json_object_get(info, "completeTime"), when, sizeof(when)));
	deploy__took(info, took, sizeof(took));
	if (took[0])
		cli_kv(a, "took", "%s", took);
	cli_kv(a, "hosts",
	       "%lld succeeded, %lld failed, %lld in progress, %lld pending, %lld skipped",
	       (long long)json_integer_value(json_object_get(ov, "Succeeded")),
	       (long long)json_integer_value(json_object_get(ov, "Failed")),
	       (long long)json_integer_value(json_object_get(ov, "InProgress")),
	       (long long)json_integer_value(json_object_get(ov, "Pending")),
	       (long long)json_integer_value(json_object_get(ov, "Skipped")));
	if (err)
		cli_kv(a, "error", "%s: %s", json_string_value(json_object_get(err, "code")),
		       json_string_value(json_object_get(err, "message")));
	if (json_string_value(json_object_get(rb, "rollbackDeploymentId")))
		cli_kv(a, "rolled back by", "%s",
		       json_string_value(json_object_get(rb, "rollbackDeploymentId")));
	if (json_string_value(json_object_get(rb, "rollbackTriggeringDeploymentId")))
		cli_kv(a, "rollback of", "%s",
		       json_string_value(json_object_get(rb, "rollbackTriggeringDeploymentId")));
	if (json_string_value(json_object_get(rb, "rollbackMessage")))
		cli_kv(a, "rollback", "%s",
		       json_string_value(json_object_get(rb, "rollbackMessage")));
	if (json_array_size(targets)) {
		struct cli_table tab;

		if (a->g.output == CLI_OUT_TABLE)
			putchar('\n');
		cli_table_init(&tab, 4, "HOST", "STATUS", "EVENT", "UPDATED");
		tab.status_col = 1;
		json_array_foreach(targets, i, t)
		{
			const json_t *ev = deploy__current_event(t);

			cli_table_row(
			    &tab, json_string_value(json_object_get(t, "targetId")),
			    json_string_value(json_object_get(t, "status")),
			    ev ? json_string_value(json_object_get(ev, "lifecycleEventName")) : "-",
			    cli_when(a, json_object_get(t, "lastUpdatedAt"), when, sizeof(when)));
		}
		if (a->g.output == CLI_OUT_TEXT) {
			/* text: host rows after the key/value lines, prefixed to tell them apart */
			for (int r = 1; r < tab.nrows; r++)
				printf("host\t%s\t%s\t%s\t%s\n", tab.cells[r * 4],
				       tab.cells[r * 4 + 1], tab.cells[r * 4 + 2],
				       tab.cells[r * 4 + 3]);
		} else {
			cli_table_print(a, &tab);
		}
		cli_table_release(&tab);
	}
out:
	buf_release(&b);
	json_decref(targets);
	json_decref(resp);
	return CLI_OK;
}

/* ---- stop / continue ---- */

int cli_deploy_stop(struct cli_args *a)
{
	const char *id = a->pos[0];
	json_t *req = json_pack("{s:s}", "deploymentId", id), *resp;
	const char *status;

	if (cli_flag(a, "rollback"))
		json_object_set_new(req, "autoRollbackEnabled", json_true());
	else if (cli_flag(a, "no-rollback"))
		json_object_set_new(req, "autoRollbackEnabled", json_false());
	if (cli_cd(a, "StopDeployment", req, &resp))
		return cli_fail(a);
	status = json_string_value(json_object_get(resp, "status"));
	if (a->g.output == CLI_OUT_JSON) {
		json_object_set_new(resp, "deploymentId", json_string(id));
		cli_json_print(resp);
	} else if (a->g.output == CLI_OUT_TEXT) {
		printf("%s\t%s\n", id, status);
	} else if (status && strcmp(status, "Succeeded") == 0) {
		printf("stopped deployment %s\n", id);
		printf("see it: slipway deploy show %s\n", id);
	} else {
		printf("stopping deployment %s: %s\n", id,
		       json_string_value(json_object_get(resp, "statusMessage")));
		printf("follow it: slipway deploy watch %s\n", id);
	}
	json_decref(resp);
	return CLI_OK;
}

int cli_deploy_continue(struct cli_args *a)
{
	const char *id = a->pos[0];
	bool termination = cli_flag(a, "termination");
	const char *type = termination ? "TERMINATION_WAIT" : "READY_WAIT";

	if (cli_cd(a, "ContinueDeployment",
		   json_pack("{s:s,s:s}", "deploymentId", id, "deploymentWaitType", type), NULL))
		return cli_fail(a);
	if (a->g.output == CLI_OUT_JSON) {
		json_t *j = json_pack("{s:s,s:s,s:b}", "deploymentId", id, "deploymentWaitType",
				      type, "continued", 1);

		cli_json_print(j);
		json_decref(j);
	} else if (a->g.output == CLI_OUT_TABLE) {
		if (termination)
			printf("deployment %s retires its original instances without waiting "
			       "further\n",
			       id);
		else
			printf("deployment %s continues: traffic moves to its replacement "
			       "instances\n",
			       id);
	}
	return CLI_OK;
}

/* ---- events ---- */

static const char *deploy__clock(const struct cli_args *a, const json_t *t, char *out, size_t size)
{
	time_t secs;
	struct tm tm;

	out[0] = '\0';
	if (!json_is_number(t))
		return out;
	if (a->g.output == CLI_OUT_TEXT)
		return cli_when(a, t, out, size);
	secs = (time_t)(cli_ms(t) / 1000);
	if (localtime_r(&secs, &tm))
		snprintf(out, size, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (int)(cli_ms(t) % 1000));
	return out;
}

int cli_deploy_events(struct cli_args *a)
{
	const char *id = a->pos[0];
	const char **only;
	int nonly = cli_opt_all(a, "instance", &only);
	json_t *targets, *shown = json_array(), *t, *e;
	size_t i, k;
	int rc = CLI_OK;

	if (cli_cd(a, "GetDeployment", json_pack("{s:s}", "deploymentId", id), NULL) ||
	    cli_deploy_targets(a, id, &targets)) {
		json_decref(shown);
		return cli_fail(a);
	}
	for (int n = 0; n < nonly; n++) {
		bool found = false;

		json_array_foreach(targets, i, t) found |=
		    str_eq(json_string_value(json_object_get(t, "targetId")), only[n]);
		if (!found) {
			cli_error(a, CLI_FAILED, "DeploymentTargetDoesNotExistException",
				  "deployment %s has no instance '%s'", id, only[n]);
			rc = cli_fail(a);
			goto out;
		}
	}
	json_array_foreach(targets, i, t)
	{
		bool want = nonly == 0;

		for (int n = 0; n < nonly; n++)
			want |= str_eq(json_string_value(json_object_get(t, "targetId")), only[n]);
		if (want)
			json_array_append(shown, t);
	}
	if (a->g.output == CLI_OUT_JSON) {
		cli_json_print(shown);
		goto out;
	}
	{
		struct cli_table tab;

		cli_table_init(&tab, 7, "HOST", "EVENT", "STATUS", "START", "END", "DURATION",
			       "ERROR");
		tab.status_col = 2;
		json_array_foreach(shown, i, t)
		{
			json_array_foreach(json_object_get(t, "lifecycleEvents"), k, e)
			{
				char start[40], end[40], dur[32] = "";
				const json_t *d = json_object_get(e, "diagnostics");
				const char *code =
				    json_string_value(json_object_get(d, "errorCode"));
				int64_t s = cli_ms(json_object_get(e, "startTime"));
				int64_t f = cli_ms(json_object_get(e, "endTime"));

				if (cli_event_absent(e))
					continue;
				if (s && f)
					cli_duration(f - s, dur, sizeof(dur));
				else if (s)
					cli_duration(time_now_ms() - s, dur, sizeof(dur));
				cli_table_row(
				    &tab, json_string_value(json_object_get(t, "targetId")),
				    json_string_value(json_object_get(e, "lifecycleEventName")),
				    json_string_value(json_object_get(e, "status")),
				    deploy__clock(a, json_object_get(e, "startTime"), start,
						  sizeof(start)),
				    deploy__clock(a, json_object_get(e, "endTime"), end,
						  sizeof(end)),
				    dur, code && strcmp(code, "Success") != 0 ? code : "");
			}
		}
		cli_table_print(a, &tab);
		cli_table_release(&tab);
	}
	if (a->g.output == CLI_OUT_TEXT)
		goto out;
	/* the failures in full: script, message, the last lines of its log */
	json_array_foreach(shown, i, t)
	{
		json_array_foreach(json_object_get(t, "lifecycleEvents"), k, e)
		{
			const json_t *d = json_object_get(e, "diagnostics");
			const char *tail = json_string_value(json_object_get(d, "logTail"));
			const char *script = json_string_value(json_object_get(d, "scriptName"));

			if (!str_eq(json_string_value(json_object_get(e, "status")), "Failed"))
				continue;
			printf("\n%s%s %s failed%s: %s%s%s\n", cli_color(a, CLI_BAD),
			       json_string_value(json_object_get(t, "targetId")),
			       json_string_value(json_object_get(e, "lifecycleEventName")),
			       cli_color_reset(a),
			       json_string_value(json_object_get(d, "errorCode"))
				   ? json_string_value(json_object_get(d, "errorCode"))
				   : "",
			       script && script[0] ? ", script " : "", script ? script : "");
			if (json_string_value(json_object_get(d, "message")))
				printf("  %s\n", json_string_value(json_object_get(d, "message")));
			for (const char *p = tail; p && *p;) {
				size_t len = strcspn(p, "\n");

				printf("  %s|%s %.*s\n", cli_color(a, CLI_DIM), cli_color_reset(a),
				       (int)len, p);
				p += len + (p[len] == '\n');
			}
		}
	}
out:
	json_decref(targets);
	json_decref(shown);
	return rc;
}

int cli_deploy_watch(struct cli_args *a)
{
	if (cli_cd(a, "GetDeployment", json_pack("{s:s}", "deploymentId", a->pos[0]), NULL))
		return cli_fail(a);
	return cli_watch(a, a->pos[0]);
}
