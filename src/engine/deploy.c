/* deploy: deployment identifiers and the insertion of a new deployment. */
#include "deploy.h"
#include "contract/env.h"
#include "model/objects.h"
#include "store/store.h"
#include "base/crypto.h"
#include "base/json.h"
#include "base/log.h"
#include "base/str.h"

#include <stdlib.h>
#include <string.h>

#define DEPLOY_ID_ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

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
	char etag[256];
	const char *pin = n->bundle_etag;
	char *rev = json_dump(n->revision);
	char *prev = n->previous_revision ? json_dump(n->previous_revision) : NULL;
	char *doc = json_dump(n->doc);
	int r = -SW_E_NOMEM;

	if (!rev || !doc || (n->previous_revision && !prev)) {
		err_set(e, SW_E_NOMEM, NULL);
		goto out;
	}
	if (!pin) {
		r = deploy__etag(c, n, etag, sizeof(etag), e);
		if (r < 0)
			goto out;
		pin = etag[0] ? etag : NULL;
	}
	/* 36^9 ids: a collision is all but impossible, but cheap to rule out */
	for (int attempt = 0; attempt < 8; attempt++) {
		memcpy(n->id, "d-", 2);
		random_string(n->id + 2, 9, DEPLOY_ID_ALPHABET);
		r = store_exec(
		    c, NULL,
		    "INSERT INTO deployments (id, app, grp, group_id, status, creator, "
		    "config, created, revision, rkey, bundle_etag, previous_revision, "
		    "rollback_of, doc) VALUES (?, ?, ?, ?, 'Created', ?, ?, ?, ?, ?, ?, ?, "
		    "?, ?) ON CONFLICT (id) DO NOTHING",
		    "ttttttitttttt", e, n->id, n->app, n->group, n->group_id, n->creator, n->config,
		    n->now, rev, n->rkey, pin, prev, n->rollback_of, doc);
		if (r < 0 || store_changes(c) == 1)
			break;
		r = err_set(e, SW_E_INTERNAL, "could not draw a unique deployment id");
	}
out:
	free(rev);
	free(prev);
	free(doc);
	return r < 0 ? r : 0;
}

int deploy_stop_orphans(struct store_conn *c, const char *group_id, const char *code,
			const char *message, int64_t now, struct err *e)
{
	struct store_stmt *st;
	json_t *ids = json_array(), *v;
	size_t i;
	int r;

	if (!ids)
		return err_set(e, SW_E_NOMEM, NULL);
	r = store_exec(c, &st,
		       "SELECT id FROM deployments WHERE group_id = ? AND status IN ('Created', "
		       "'Queued', 'InProgress') ORDER BY created, id",
		       "t", e, group_id);
	while (r == 1) {
		json_array_append_new(ids, json_string(store_col_text(st, 0)));
		r = store_step(st, e);
	}
	json_array_foreach(ids, i, v)
	{
		const char *id = json_string_value(v);

		if (r < 0)
			break;
		r = store_exec(
		    c, NULL,
		    "UPDATE deployments SET status = 'Stopped', completed = ?, error_code "
		    "= ?, error_message = ?, stop_requested = COALESCE(stop_requested, ?) "
		    "WHERE id = ?",
		    "ittit", e, now, code, message, now, id);
		if (r >= 0)
			r = store_exec(
			    c, NULL,
			    "UPDATE host_commands SET status = 'Skipped' WHERE deployment "
			    "= ? AND status = 'Pending' AND delivered IS NULL",
			    "t", e, id);
		if (r >= 0)
			r = store_exec(
			    c, NULL,
			    "UPDATE host_commands SET status = 'Failed', completed = ?, error_code "
			    "= "
			    "'UnknownError', script_name = '', message = ?, log_tail = '' WHERE "
			    "deployment = ? AND status IN ('Pending', 'InProgress')",
			    "itt", e, now, message, id);
		if (r >= 0)
			r = store_exec(
			    c, NULL,
			    "UPDATE deployment_targets SET status = CASE status WHEN "
			    "'Pending' THEN 'Skipped' ELSE 'Failed' END, ended = CASE "
			    "status WHEN 'InProgress' THEN ? ELSE ended END, updated = ? "
			    "WHERE deployment = ? AND status IN ('Pending', 'InProgress')",
			    "iit", e, now, now, id);
		if (r >= 0)
			log_info("codedeploy", "deployment %s stopped: %s", id, message);
	}
	if (r >= 0)
		r = (int)json_array_size(ids);
	json_decref(ids);
	return r;
}

int deploy_execution_id(const struct env *env, const char *id, char *out, size_t size)
{
	return str_fmt(out, size, "CodeDeploy/%s/Prod/arn:aws:sds:%s:%s:deployment/%s",
		       env->cfg->region, env->cfg->region, env->account_id, id);
}

int deploy_id_from_execution(const char *exec, char *out, size_t size)
{
	const char *p = exec ? strrchr(exec, '/') : NULL;

	p = p ? p + 1 : exec;
	if (!p || !deploy_id_valid(p))
		return -SW_E_INVALID;
	return str_copy(out, size, p);
}
