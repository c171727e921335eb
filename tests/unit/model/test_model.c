/* test_model: the model's verbs over a real store — SQLite in a temporary directory, or the
 * PostgreSQL database named by SLIPWAY_TEST_PG_URL, as test_store. */
#include "model/codedeploy_errors.h"
#include "model/deployments.h"
#include "model/groups.h"
#include "model/host_commands.h"
#include "model/logs.h"
#include "model/targets.h"
#include "store/store.h"
#include "base/str.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static struct store *store;
static char tmpdir[64];

static int setup(void **state)
{
	const char *url = getenv("SLIPWAY_TEST_PG_URL");
	struct err e = { 0 };

	str_copy(tmpdir, sizeof(tmpdir), "/tmp/slipway-model-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	if (store_open_url(&store, tmpdir, url, &e)) {
		fprintf(stderr, "cannot open the store: %s\n", err_message(&e));
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	static const char *const files[] = { "slipway.db", "slipway.db-wal", "slipway.db-shm" };
	char path[128];

	store_free(store);
	store = NULL;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		str_fmt(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
	return 0;
}

/* ---- deployment groups ---- */

static int groups__run(struct store_conn *c, void *arg, struct err *e)
{
	struct model_group_deployment d = { .id = "d-AAAAAAAAA",
					    .status = "InProgress",
					    .create_time = 1000 };
	json_t *doc = json_pack("{s:s,s:s,s:s}", "deploymentGroupName", "web", "deploymentGroupId",
				"g-1", "deploymentConfigName", "CodeDeployDefault.OneAtATime");
	json_t *got = NULL, *rev = json_pack("{s:s}", "revisionType", "String");
	char app[128], group[128], id[64];
	struct err ignored = { 0 };

	assert_int_equal(model_group_get(c, "nope", "web", &got, &ignored),
			 -SW_E_ApplicationDoesNotExist);
	assert_true(store_exec(c, NULL,
			       "INSERT INTO applications (name, id, platform, created, doc) "
			       "VALUES ('shop', 'a-1', 'Server', 1, '{}')",
			       "", e) >= 0);
	assert_int_equal(model_group_get(c, "shop", "web", &got, &ignored),
			 -SW_E_DeploymentGroupDoesNotExist);
	assert_int_equal(model_group_insert(c, "shop", doc, e), 0);
	assert_int_equal(model_group_insert(c, "shop", doc, &ignored),
			 -SW_E_DeploymentGroupAlreadyExists);
	assert_int_equal(model_group_names(c, "g-1", app, sizeof(app), group, sizeof(group), e), 1);
	assert_string_equal(app, "shop");
	assert_string_equal(group, "web");
	assert_int_equal(model_group_id(c, "shop", "web", id, sizeof(id), e), 1);
	assert_string_equal(id, "g-1");

	/* what a deployment records: first the attempt, then the success */
	assert_int_equal(model_group_record_attempt(c, "g-1", &d, NULL, e), 0);
	d.status = "Succeeded";
	d.end_time = 2000;
	assert_int_equal(model_group_record_success(c, "g-1", &d, rev, &got, e), 0);
	assert_non_null(got);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(got, "lastSuccessfulDeployment"), "status")),
			    "Succeeded");
	assert_true(json_equal(json_object_get(got, "targetRevision"), rev));
	json_decref(got);
	got = NULL;
	assert_int_equal(model_group_get(c, "shop", "web", &got, e), 0);
	assert_string_equal(json_string_value(json_object_get(got, "applicationName")), "shop");
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(got, "lastAttemptedDeployment"), "deploymentId")),
			    "d-AAAAAAAAA");
	json_decref(got);
	got = NULL;

	/* a group deleted under a deployment is left alone */
	assert_int_equal(model_group_delete(c, "shop", "web", e), 0);
	assert_int_equal(model_group_record_attempt(c, "g-1", &d, &got, e), 0);
	assert_null(got);
	assert_int_equal(model_group_names(c, "g-1", app, sizeof(app), group, sizeof(group), e), 0);
	json_decref(doc);
	json_decref(rev);
	return 0;
}

static void test_groups(void **state)
{
	struct err e = { 0 };

	assert_int_equal(store_write(store, groups__run, NULL, &e), 0);
}

/* ---- deployments, targets, host commands ---- */

static int deployments__run(struct store_conn *c, void *arg, struct err *e)
{
	json_t *rev = json_pack("{s:s}", "revisionType", "String"), *doc = json_object();
	struct model_deployment_new n = {
		.app = "shop",
		.group = "web",
		.group_id = "g-1",
		.creator = "user",
		.config = "CodeDeployDefault.OneAtATime",
		.revision = rev,
		.rkey = "string:00",
		.doc = doc,
		.now = 1000,
	};
	struct model_deployment d = { 0 };
	struct model_command cmds[4];
	char first[MODEL_DEPLOYMENT_ID_SIZE], second[MODEL_DEPLOYMENT_ID_SIZE], turn[16];
	char id[MODEL_COMMAND_ID_SIZE], dep[16], name[32], inst[64], status[16];
	json_t *ids = json_array(), *targets = NULL;
	int64_t started = -1;
	size_t nc = 0;

	assert_int_equal(model_deployment_insert(c, &n, first, e), 0);
	n.now = 2000;
	assert_int_equal(model_deployment_insert(c, &n, second, e), 0);
	assert_string_not_equal(first, second);
	assert_int_equal(model_deployments_unfinished(c, "g-1", ids, e), 0);
	assert_int_equal(json_array_size(ids), 2);
	assert_string_equal(json_string_value(json_array_get(ids, 0)), first);

	/* the oldest waiting one has the turn until one is in progress */
	assert_int_equal(model_deployment_group_turn(c, "g-1", turn, sizeof(turn), e), 1);
	assert_string_equal(turn, first);
	assert_int_equal(model_deployment_set_queued(c, first, e), 0);
	assert_int_equal(model_deployment_start(c, second, 3000, 1, e), 0);
	assert_int_equal(model_deployment_group_turn(c, "g-1", turn, sizeof(turn), e), 1);
	assert_string_equal(turn, second);
	assert_int_equal(model_deployment_load(c, second, &d, e), 1);
	assert_string_equal(d.status, "InProgress");
	assert_int_equal(d.min_healthy, 1);
	assert_false(d.stopping);
	assert_int_equal(d.stop_rollback, -1);
	assert_int_equal(model_deployment_request_stop(c, second, 3500, 1, e), 0);
	assert_int_equal(model_deployment_load(c, second, &d, e), 1);
	assert_true(d.stopping);
	assert_int_equal(d.stop_rollback, 1);

	/* a target with two commands; the agent takes the queued one */
	assert_int_equal(
	    model_target_insert(c, second, "i-1", "arn", "host", 0, "Pending", 3000, e), 0);
	assert_int_equal(model_target_exists(c, second, "i-1", e), 1);
	assert_int_equal(model_target_exists(c, first, "i-1", e), 0);
	assert_int_equal(model_command_insert(c, second, "i-1", "ApplicationStop", 1, e), 0);
	assert_int_equal(model_command_insert(c, second, "i-1", "DownloadBundle", 2, e), 0);
	assert_int_equal(model_commands_of(c, second, "i-1", cmds, 4, &nc, e), 0);
	assert_int_equal(nc, 2);
	assert_string_equal(cmds[0].name, "ApplicationStop");
	assert_int_equal(model_command_claim(c, "i-1", 3100, id, sizeof(id), dep, sizeof(dep), name,
					     sizeof(name), e),
			 0); /* nothing queued yet */
	assert_int_equal(model_command_queue(c, cmds[0].id, 3100, e), 0);
	assert_int_equal(model_command_claim(c, "i-1", 3200, id, sizeof(id), dep, sizeof(dep), name,
					     sizeof(name), e),
			 1);
	assert_string_equal(id, cmds[0].id);
	assert_string_equal(dep, second);
	assert_int_equal(model_command_ack(c, id, 3300, false, e), 0);
	assert_int_equal(model_command_owner(c, id, inst, sizeof(inst), status, sizeof(status), e),
			 1);
	assert_string_equal(inst, "i-1");
	assert_string_equal(status, "InProgress");
	assert_int_equal(
	    model_command_complete(c, id, "Succeeded", 3400, "Success", "", "ok", "", e), 0);
	assert_int_equal(model_target_start(c, second, "i-1", 3000, e), 0);
	assert_int_equal(model_targets_started(c, second, &started, e), 0);
	assert_int_equal(started, 1);

	/* the deployment ends: commands no agent took are skipped, targets end */
	assert_int_equal(model_commands_skip_undelivered(c, second, NULL, e), 0);
	assert_int_equal(model_commands_of(c, second, "i-1", cmds, 4, &nc, e), 0);
	assert_string_equal(cmds[0].status, "Succeeded");
	assert_string_equal(cmds[1].status, "Skipped");
	assert_int_equal(model_target_end(c, second, "i-1", "Succeeded", 3600, e), 0);
	assert_int_equal(model_deployment_finish(c, second, "Stopped", 3600, "MANUAL_STOP", "m", e),
			 0);
	assert_int_equal(model_targets_list(c, second, &targets, e), 0);
	assert_string_equal(
	    json_string_value(json_object_get(json_array_get(targets, 0), "status")), "Succeeded");
	json_array_clear(ids);
	assert_int_equal(model_deployments_unfinished(c, NULL, ids, e), 0);
	assert_int_equal(json_array_size(ids), 1);

	/* the group goes: what is left is abandoned */
	assert_int_equal(
	    model_deployment_abandon(c, first, 4000, "DEPLOYMENT_GROUP_MISSING", "x", e), 0);
	assert_int_equal(model_deployment_load(c, first, &d, e), 1);
	assert_string_equal(d.status, "Stopped");
	assert_true(d.stopping);
	assert_int_equal(model_deployment_load(c, "d-NOTTHERE", &d, e), 0);
	model_deployment_release(&d);
	json_decref(targets);
	json_decref(ids);
	json_decref(rev);
	json_decref(doc);
	return 0;
}

static void test_deployments(void **state)
{
	struct err e = { 0 };

	assert_int_equal(store_write(store, deployments__run, NULL, &e), 0);
}

/* ---- CloudWatch Logs: the daemon's own events, paging and expiry ---- */

static int logs__count(void *arg, const struct logs_event *ev)
{
	(*(int *)arg)++;
	return 0;
}

static int logs__run(struct store_conn *c, void *arg, struct err *e)
{
	struct logs_group g;
	struct logs_stream s;
	struct logs_pos from = { 0, 0 };
	int64_t day = LOGS_DAY_MS, now = 100 * day;
	int n = 0;

	/* logs_append creates the group and the stream on first use, then appends */
	assert_int_equal(
	    logs_append(c, "/slipway/deployments", "d-AAAAAAAAA", now - 3 * day, "old", e), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(
		    logs_append(c, "/slipway/deployments", "d-AAAAAAAAA", now + i, "step", e), 0);
	assert_int_equal(logs_group_get(c, "/slipway/deployments", &g, e), 0);
	assert_int_equal(g.stored_bytes, 3 + 5 * 4);
	assert_int_equal(logs_stream_get(c, g.id, "d-AAAAAAAAA", &s, e), 0);
	assert_int_equal(s.last_seq, 6);
	assert_int_equal(s.first_event, now - 3 * day);
	assert_int_equal(s.last_event, now + 4);

	/* reads are bounded by their limit, forward after a position */
	assert_int_equal(
	    logs_stream_events(c, s.id, INT64_MIN, INT64_MAX, &from, true, 4, logs__count, &n, e),
	    0);
	assert_int_equal(n, 4);
	n = 0;
	assert_int_equal(
	    logs_stream_events(c, s.id, now, now + 2, NULL, false, 100, logs__count, &n, e), 0);
	assert_int_equal(n, 2); /* end exclusive */

	/* retention: nothing expires without a policy; with one day, the old event goes */
	assert_int_equal(logs_expire(c, now, e), 0);
	assert_int_equal(logs_group_retention(c, "/slipway/deployments", 1, e), 0);
	assert_int_equal(logs_expire(c, now, e), 1);
	assert_int_equal(logs_group_get(c, "/slipway/deployments", &g, e), 0);
	assert_int_equal(g.stored_bytes, 5 * 4);
	n = 0;
	assert_int_equal(
	    logs_stream_events(c, s.id, INT64_MIN, INT64_MAX, NULL, true, 100, logs__count, &n, e),
	    0);
	assert_int_equal(n, 5);

	assert_int_equal(logs_group_delete(c, "/slipway/deployments", e), 0);
	assert_int_equal(logs_group_get(c, "/slipway/deployments", &g, e),
			 -SW_E_LOGS_ResourceNotFound);
	return 0;
}

static void test_logs(void **state)
{
	struct err e = { 0 };

	assert_int_equal(store_write(store, logs__run, NULL, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deployments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
