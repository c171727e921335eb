/* model/selfmon: Slipway's own metrics and deployment log lines (selfmon.h). */
#include "model/selfmon.h"
#include "model/logs.h"
#include "base/json.h"
#include "base/str.h"
#include "base/timeutil.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

int selfmon_put(struct store_conn *c, const char *name, const struct metric_dim *dims, size_t ndims,
		const char *unit, double value, int64_t now_ms, struct err *e)
{
	static const struct metric_dim none[1]; /* metrics_put copies dims even when empty */
	const double one = 1;
	struct metric_datum d = {
		.key = { .ns = SELFMON_NAMESPACE,
			 .name = name,
			 .dims = dims ? dims : none,
			 .ndims = ndims },
		.unit = unit,
		.ts_ms = now_ms,
		.resolution = 60,
		.values = &value,
		.counts = &one,
		.nvalues = 1,
	};

	return metrics_put(c, &d, 1, now_ms, e);
}

/* Appends j (taken) as one line to the stream of deployment id.  The line is stamped when it
 * is written (not before now_ms): the engine's now is when its pass began, and an agent's
 * report committed during the pass must not sort after the status it led to. */
static int selfmon__line(struct store_conn *c, const char *id, json_t *j, int64_t now_ms,
			 struct err *e)
{
	char *s = j ? json_dump(j) : NULL;
	int64_t ts = time_now_ms();
	int r;

	json_decref(j);
	if (!s)
		return err_set(e, SW_E_NOMEM, NULL);
	r = logs_append(c, SELFMON_DEPLOYMENT_LOGS, id, ts > now_ms ? ts : now_ms, s, e);
	free(s);
	return r;
}

/* Sets key to s in j when s is a non-empty string. */
static void selfmon__set(json_t *j, const char *key, const char *s)
{
	if (j && s && *s)
		json_object_set_new(j, key, json_string(s));
}

int selfmon_deployment_status(struct store_conn *c, const char *id, const char *app,
			      const char *group, const char *status, const char *code,
			      const char *message, int64_t now_ms, struct err *e)
{
	const struct metric_dim dims[] = { { "Application", app }, { "DeploymentGroup", group } };
	const char *counter = NULL;
	int64_t started = 0;
	bool rolled_back = false, ended;
	struct store_stmt *st;
	json_t *line;
	int r;

	ended =
	    str_eq(status, "Succeeded") || str_eq(status, "Failed") || str_eq(status, "Stopped");
	if (ended) {
		r = store_exec(c, &st, "SELECT started, rollback_id FROM deployments WHERE id = ?",
			       "t", e, id);
		if (r < 0)
			return r;
		if (r == 1) {
			started = store_col_null(st, 0) ? 0 : store_col_int(st, 0);
			rolled_back = !store_col_null(st, 1) && *store_col_text(st, 1);
		}
		counter = str_eq(status, "Succeeded") ? "DeploymentsSucceeded"
			  : str_eq(status, "Failed")  ? "DeploymentsFailed"
						      : "DeploymentsStopped";
	} else if (str_eq(status, "InProgress")) {
		counter = "DeploymentsStarted";
	}
	r = counter ? selfmon_put(c, counter, dims, 2, "Count", 1, now_ms, e) : 0;
	if (!r && started > 0)
		r = selfmon_put(c, "DeploymentDuration", dims, 2, "Seconds",
				(double)(now_ms - started) / 1000.0, now_ms, e);
	if (!r && rolled_back)
		r = selfmon_put(c, "DeploymentsRolledBack", dims, 2, "Count", 1, now_ms, e);
	if (r)
		return r;
	line = json_pack("{s:s,s:s,s:s,s:s}", "deploymentId", id, "applicationName", app,
			 "deploymentGroupName", group, "status", status);
	selfmon__set(line, "errorCode", code);
	selfmon__set(line, "message", message);
	if (line && started > 0)
		json_object_set_new(line, "durationSeconds",
				    json_real((double)(now_ms - started) / 1000.0));
	return selfmon__line(c, id, line, now_ms, e);
}

int selfmon_command_result(struct store_conn *c, const char *id, int64_t now_ms, struct err *e)
{
	struct store_stmt *st;
	char deployment[64];
	json_t *line;
	int r = store_exec(c, &st,
			   "SELECT deployment, instance, name, status, error_code, script_name, "
			   "message FROM host_commands WHERE id = ?",
			   "t", e, id);

	if (r <= 0)
		return r;
	str_copy(deployment, sizeof(deployment), store_col_text(st, 0));
	line = json_pack("{s:s,s:s,s:s,s:s}", "deploymentId", deployment, "instanceId",
			 store_col_text(st, 1), "lifecycleEvent", store_col_text(st, 2), "status",
			 store_col_text(st, 3));
	selfmon__set(line, "errorCode", store_col_text(st, 4));
	selfmon__set(line, "scriptName", store_col_text(st, 5));
	selfmon__set(line, "message", store_col_text(st, 6));
	return selfmon__line(c, deployment, line, now_ms, e);
}
