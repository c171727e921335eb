/* test_model: the model's verbs over a real store — SQLite in a temporary directory, or the
 * PostgreSQL database named by SLIPWAY_TEST_PG_URL, as test_store. */
#include "model/codedeploy_errors.h"
#include "model/deployments.h"
#include "model/groups.h"
#include "model/host_commands.h"
#include "model/lambda_events.h"
#include "model/logs.h"
#include "model/metrics.h"
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
	    model_target_insert(c, second, "i-1", "arn", "host", 0, "Pending", NULL, 3000, e), 0);
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

/* ---- metrics ---- */

static int metrics__count(struct store_conn *c, const char *table, struct err *e)
{
	struct store_stmt *st;
	int r;

	/* a literal per table: the statement cache is keyed by the text's address */
	r = strcmp(table, "buckets") == 0
		? store_exec(c, &st, "SELECT COUNT(*) FROM metric_buckets", "", e)
		: store_exec(c, &st, "SELECT COUNT(*) FROM metric_bins", "", e);
	return r > 0 ? (int)store_col_int(st, 0) : -1;
}

static int metrics__run(struct store_conn *c, void *arg, struct err *e)
{
	/* minute-aligned, well in the past so that retention and roll-up can be exercised */
	const int64_t now = 1796300000000LL - 1796300000000LL % 3600000, min = 60000;
	struct metric_dim dims[2] = { { "B", "2" }, { "A", "1" } };
	struct metric_dim swapped[2] = { { "A", "1" }, { "B", "2" } };
	struct metric_key k = { "App", "Lat", dims, 2 }, k2 = { "App", "Lat", swapped, 2 };
	struct metric_key sub = { "App", "Lat", dims, 1 };
	double vals[4] = { 1, 2, 3, 4 }, counts[4] = { 1, 1, 1, 2 };
	struct metric_datum d[3] = {
		{ .key = k,
		  .unit = "Milliseconds",
		  .ts_ms = now + 5000,
		  .resolution = 60,
		  .values = vals,
		  .counts = counts,
		  .nvalues = 4 },
		{ .key = k2,
		  .unit = "Milliseconds",
		  .ts_ms = now + min + 1,
		  .resolution = 60,
		  .is_set = true,
		  .set_count = 3,
		  .set_sum = 30,
		  .set_min = 5,
		  .set_max = 15 },
		{ .key = k,
		  .unit = "Seconds",
		  .ts_ms = now + 1,
		  .resolution = 60,
		  .values = vals,
		  .nvalues = 1 },
	};
	struct metric_series s = { 0 };
	double v;
	int64_t old = now - 20LL * 24 * 3600 * 1000; /* past the 15 days of 60 s data */
	struct metric_datum past = { .key = k,
				     .unit = "Count",
				     .ts_ms = old,
				     .resolution = 60,
				     .values = vals,
				     .nvalues = 1 };
	struct metric_datum past2 = past;

	(void)arg;
	assert_int_equal(metrics_put(c, d, 3, now, e), 0);
	/* one bucket per minute and unit; dimension order is not identity, a subset is another
	 * metric */
	assert_int_equal(metrics_fetch(c, &k2, "Milliseconds", now, now + 2 * min, 60,
				       METRICS_FETCH_SKETCH, &s, e),
			 0);
	assert_int_equal(s.n, 2);
	assert_true(s.b[0].ts_ms == now && s.b[0].count == 5 && s.b[0].sum == 14);
	assert_true(s.b[0].min == 1 && s.b[0].max == 4);
	assert_int_equal(metric_bucket_stat(&s.b[0], "p100", &v), 0);
	assert_true(v == 4);
	assert_int_equal(metric_bucket_stat(&s.b[0], "p50", &v), 0);
	assert_true(v >= 2.9 && v <= 3.1); /* the 3rd of 5 sorted samples, 1 2 3 4 4 */
	assert_int_equal(metric_bucket_stat(&s.b[1], "Average", &v), 0);
	assert_true(v == 10);
	assert_int_equal(metric_bucket_stat(&s.b[1], "p50", &v), -1); /* an inexact set */
	metric_series_release(&s);
	/* a period of two minutes folds them; periods start at the start given */
	assert_int_equal(metrics_fetch(c, &k, "Milliseconds", now, now + 2 * min, 120, 0, &s, e),
			 0);
	assert_true(s.n == 1 && s.b[0].ts_ms == now && s.b[0].count == 8 && s.b[0].sum == 44);
	metric_series_release(&s);
	assert_int_equal(
	    metrics_fetch(c, &k, "Milliseconds", now + 30000, now + 2 * min, 60, 0, &s, e), 0);
	assert_true(s.n == 1 && s.b[0].ts_ms == now + 30000); /* the 2nd minute's data only */
	metric_series_release(&s);
	/* every unit, sorted by time then unit */
	assert_int_equal(metrics_fetch(c, &k, NULL, now, now + min, 60, 0, &s, e), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.b[0].unit, "Milliseconds");
	assert_string_equal(s.b[1].unit, "Seconds");
	metric_series_release(&s);
	assert_int_equal(metrics_fetch(c, &sub, NULL, now, now + min, 60, 0, &s, e), 0);
	assert_int_equal(s.n, 0);
	metric_series_release(&s);

	/* retention: 20-day-old minutes roll up into 5 minutes, then only a 300 s period sees
	 * them; 1 s data goes after 3 hours */
	past2.ts_ms = old + 2 * min;
	assert_int_equal(metrics_put(c, &past, 1, now, e), 0);
	assert_int_equal(metrics_put(c, &past2, 1, now, e), 0);
	past.resolution = 1;
	past.ts_ms = now - 4 * 3600 * 1000;
	assert_int_equal(metrics_put(c, &past, 1, now, e), 0);
	int before = metrics__count(c, "buckets", e);

	assert_true(metrics_expire(c, now, e) > 0);
	assert_int_equal(metrics__count(c, "buckets", e), before - 2);
	old -= old % (5 * min);
	assert_int_equal(metrics_fetch(c, &k, "Count", old, old + 5 * min, 300, 0, &s, e), 0);
	assert_true(s.n == 1 && s.b[0].count == 2 && s.b[0].sum == 2);
	metric_series_release(&s);
	assert_int_equal(metrics_fetch(c, &k, "Count", old, old + 5 * min, 60, 0, &s, e), 0);
	assert_int_equal(s.n, 0);
	metric_series_release(&s);
	assert_int_equal(metrics_expire(c, now, e), 0); /* nothing left to do */
	return 0;
}

static void test_metrics(void **state)
{
	struct err e = { 0 };

	assert_int_equal(store_write(store, metrics__run, NULL, &e), 0);
}

/* ---- the queue of Event invocations ---- */

enum events__op { EV_PUT, EV_CLAIM, EV_RETRY, EV_DELETE, EV_UNCLAIM, EV_COUNT };

struct events__run {
	enum events__op op;
	int64_t now;	 /* EV_CLAIM: the clock; EV_RETRY: the new due time */
	bool failed;	 /* EV_RETRY */
	int64_t id;	 /* EV_RETRY, EV_DELETE */
	const char *rid; /* EV_PUT */
	const char *qualifier;
	struct lambda_event got[4];
	size_t n;
	int64_t count;
};

static int events__run(struct store_conn *c, void *arg, struct err *e)
{
	struct events__run *r = arg;
	struct lambda_event ev = { .payload = "{\"a\":1}", .len = 7 };

	switch (r->op) {
	case EV_PUT:
		str_copy(ev.function, sizeof(ev.function), "fn");
		str_copy(ev.qualifier, sizeof(ev.qualifier), r->qualifier);
		str_copy(ev.request_id, sizeof(ev.request_id), r->rid);
		return lambda_event_put(c, &ev, 1000, e);
	case EV_CLAIM:
		return lambda_events_claim(c, r->now, r->got, 4, &r->n, e);
	case EV_RETRY:
		return lambda_event_retry(c, r->id, r->now, r->failed, e);
	case EV_DELETE:
		return lambda_event_delete(c, r->id, e);
	case EV_UNCLAIM:
		return lambda_events_unclaim(c, e);
	default:
		return lambda_events_count(c, &r->count, e);
	}
}

static struct events__run events__do(struct events__run r)
{
	struct err e = { 0 };

	assert_int_equal(r.op == EV_COUNT ? store_read(store, events__run, &r, &e)
					  : store_write(store, events__run, &r, &e),
			 0);
	return r;
}

static void events__release(struct events__run *r)
{
	for (size_t i = 0; i < r->n; i++)
		lambda_event_release(&r->got[i]);
}

static void test_lambda_events(void **state)
{
	struct events__run r;
	int64_t r1, r2;

	(void)state;
	events__do((struct events__run){ .op = EV_PUT, .rid = "r1", .qualifier = "" });
	events__do((struct events__run){ .op = EV_PUT, .rid = "r2", .qualifier = "live" });
	assert_int_equal(events__do((struct events__run){ .op = EV_CLAIM, .now = 500 }).n, 0);
	r = events__do((struct events__run){ .op = EV_CLAIM, .now = 2000 });
	assert_int_equal(r.n, 2);
	if (strcmp(r.got[0].request_id, "r1") != 0) { /* equal due times: in id order */
		struct lambda_event t = r.got[0];

		r.got[0] = r.got[1];
		r.got[1] = t;
	}
	assert_string_equal(r.got[0].request_id, "r1");
	assert_string_equal(r.got[0].qualifier, "");
	assert_string_equal(r.got[1].qualifier, "live");
	assert_string_equal(r.got[1].payload, "{\"a\":1}");
	assert_int_equal(r.got[0].attempts, 0);
	r1 = r.got[0].id;
	r2 = r.got[1].id;
	events__release(&r);
	/* claimed events are not handed out twice */
	assert_int_equal(events__do((struct events__run){ .op = EV_CLAIM, .now = 9000 }).n, 0);
	/* r1 failed: due at 5000, one attempt; r2 throttled: due at 2500, no attempt */
	events__do((struct events__run){ .op = EV_RETRY, .id = r1, .now = 5000, .failed = true });
	events__do((struct events__run){ .op = EV_RETRY, .id = r2, .now = 2500 });
	r = events__do((struct events__run){ .op = EV_CLAIM, .now = 3000 });
	assert_int_equal(r.n, 1);
	assert_string_equal(r.got[0].request_id, "r2");
	assert_int_equal(r.got[0].attempts, 0);
	events__release(&r);
	/* a restart releases r2's claim: both are due at 6000, r1 with its attempt */
	events__do((struct events__run){ .op = EV_UNCLAIM });
	r = events__do((struct events__run){ .op = EV_CLAIM, .now = 6000 });
	assert_int_equal(r.n, 2);
	assert_int_equal(r.got[0].id == r1 ? r.got[0].attempts : r.got[1].attempts, 1);
	events__release(&r);
	events__do((struct events__run){ .op = EV_DELETE, .id = r1 });
	assert_int_equal(events__do((struct events__run){ .op = EV_COUNT }).count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deployments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lambda_events, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
