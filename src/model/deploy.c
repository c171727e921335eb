/* deploy: deployment identifiers and the insertion of a new deployment. */
#include "deploy.h"
#include "model/deployments.h"
#include "model/host_commands.h"
#include "model/objects.h"
#include "model/targets.h"
#include "store/store.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

#define DEPLOY_ID_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

_Static_assert(DEPLOY_ID_SIZE == MODEL_DEPLOYMENT_ID_SIZE, "one size of a deployment id");

static const char *const deploy__status_names[DEPLOY__NSTATUS] = {
	[DEPLOY_CREATED] = "Created",	     [DEPLOY_QUEUED] = "Queued",
	[DEPLOY_IN_PROGRESS] = "InProgress", [DEPLOY_BAKING] = "Baking",
	[DEPLOY_SUCCEEDED] = "Succeeded",    [DEPLOY_FAILED] = "Failed",
	[DEPLOY_STOPPED] = "Stopped",	     [DEPLOY_READY] = "Ready",
};

const char *deploy_status_name(enum deploy_status st)
{
	return (unsigned)st < DEPLOY__NSTATUS ? deploy__status_names[st] : "";
}

int deploy_status_parse(const char *s)
{
	for (int i = 0; s && i < DEPLOY__NSTATUS; i++)
		if (strcmp(s, deploy__status_names[i]) == 0)
			return i;
	return -1;
}

bool deploy_status_final(enum deploy_status st)
{
	return st == DEPLOY_SUCCEEDED || st == DEPLOY_FAILED || st == DEPLOY_STOPPED;
}

bool deploy_id_valid(const char *id)
{
	if (!id || strlen(id) != 11 || id[0] != 'd' || id[1] != '-')
		return false;
	for (int i = 2; i < 11; i++)
		if (!strchr(DEPLOY_ID_ALPHABET, id[i]))
			return false;
	return true;
}

/* The ETag of an S3 revision's object, unquoted, to pin the bundle every host downloads (the
 * revision's own eTag when it has one). */
static int deploy__etag(struct store_conn *c, struct deploy_new *n, char *out, size_t size,
			struct err *e)
{
	const json_t *s3 = json_object_get(n->revision, "s3Location");
	const char *etag = json_string_value(json_object_get(s3, "eTag"));
	char stored[256];
	size_t len;
	int r;

	out[0] = '\0';
	if (!s3)
		return 0;
	if (!etag) {
		r = model_object_etag(c, json_string_value(json_object_get(s3, "bucket")),
				      json_string_value(json_object_get(s3, "key")), stored,
				      sizeof(stored), e);
		if (r <= 0)
			return r;
		etag = stored;
	}
	len = strlen(etag);
	if (len >= 2 && etag[0] == '"' && etag[len - 1] == '"')
		return str_copyn(out, size, etag + 1, len - 2) ? -SW_E_TRUNCATED : 0;
	return str_copy(out, size, etag) ? -SW_E_TRUNCATED : 0;
}

int deploy_insert(struct store_conn *c, struct deploy_new *n, struct err *e)
{
	struct model_deployment_new m = {
		.app = n->app,
		.group = n->group,
		.group_id = n->group_id,
		.creator = n->creator,
		.config = n->config,
		.revision = n->revision,
		.rkey = n->rkey,
		.bundle_etag = n->bundle_etag,
		.previous_revision = n->previous_revision,
		.rollback_of = n->rollback_of,
		.doc = n->doc,
		.now = n->now,
	};
	char etag[256];
	int r;

	if (!m.bundle_etag) {
		r = deploy__etag(c, n, etag, sizeof(etag), e);
		if (r < 0)
			return r;
		m.bundle_etag = etag[0] ? etag : NULL;
	}
	return model_deployment_insert(c, &m, n->id, e);
}

int deploy_stop_orphans(struct store_conn *c, const char *group_id, const char *code,
			const char *message, int64_t now, struct err *e)
{
	json_t *ids = json_array(), *v;
	size_t i;
	int r;

	if (!ids)
		return err_set(e, SW_E_NOMEM, NULL);
	r = model_deployments_unfinished(c, group_id, ids, e);
	json_array_foreach(ids, i, v)
	{
		const char *id = json_string_value(v);

		if (r < 0)
			break;
		r = model_deployment_abandon(c, id, now, code, message, e);
		if (r >= 0)
			r = model_commands_skip_undelivered(c, id, NULL, e);
		if (r >= 0)
			r = model_commands_fail_open(c, id, now, message, e);
		if (r >= 0)
			r = model_targets_abandon(c, id, now, e);
		if (r >= 0)
			log_info("codedeploy", "deployment %s stopped: %s", id, message);
	}
	if (r >= 0)
		r = (int)json_array_size(ids);
	json_decref(ids);
	return r;
}

int deploy_execution_id(const char *region, const char *account, const char *id, char *out,
			size_t size)
{
	return str_fmt(out, size, "CodeDeploy/%s/Prod/arn:aws:sds:%s:%s:deployment/%s", region,
		       region, account, id);
}

int deploy_id_from_execution(const char *exec, char *out, size_t size)
{
	const char *p = exec ? strrchr(exec, '/') : NULL;

	p = p ? p + 1 : exec;
	if (!p || !deploy_id_valid(p))
		return -SW_E_INVALID;
	return str_copy(out, size, p);
}
