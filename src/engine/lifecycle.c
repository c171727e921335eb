/* lifecycle: one target's run of lifecycle events (see the header). */
#include "lifecycle.h"
#include "inplace.h"
#include "traffic_events.h"
#include "model/host_commands.h"
#include "model/selfmon.h"
#include "base/log.h"
#include "base/str.h"
#include "base/timeutil.h"

#include <inttypes.h>
#include <string.h>

#define LIFECYCLE_CMD_MAX 16

#define LIFECYCLE_AGENT_MESSAGE                                                               \
	"CodeDeploy agent was not able to receive the lifecycle event. Check the CodeDeploy " \
	"agent logs on your host and make sure the agent is running and can connect to the "  \
	"CodeDeploy server."

/* The first command of the run not done yet, when it is a service event: its index, else -1.
 * A failure that ignoreApplicationStopFailures forgives counts as done, as in inplace_decide. */
static int lifecycle__service_next(const struct inplace_cmd *cmds, size_t n, bool ignore_stop)
{
	for (size_t i = 0; i < n; i++) {
		if (cmds[i].status == INPLACE_SUCCEEDED)
			continue;
		if (cmds[i].status == INPLACE_FAILED && ignore_stop &&
		    inplace_stop_class(cmds[i].name))
			continue;
		if (tev_is_service_event(cmds[i].name) &&
		    (cmds[i].status == INPLACE_PENDING || cmds[i].status == INPLACE_IN_PROGRESS))
			return (int)i;
		return -1;
	}
	return -1;
}

/* One service event: started or looked at.  *wait: stop here for now. */
static int lifecycle__service(struct store_conn *sc, struct deploy_run *run, const char *instance,
			      const struct lifecycle_window *w, struct model_command *row,
			      struct inplace_cmd *cmd, bool *held_up, bool *wait, struct err *e)
{
	const struct engine_options *opt = run->job->ctx->opt;
	int64_t now = time_now_ms(), timer = INT64_MAX; /* the balancer is asked now */
	bool allow = str_eq(cmd->name, "AllowTraffic");
	enum tev_result res = TEV_WAIT;
	char msg[1024] = "";
	bool up = false;
	int r = 0;

	*wait = false;
	if (cmd->status == INPLACE_PENDING) {
		/* the clock now, not the pass's: the event before it may have been recorded after
		 * the pass began (its start must not precede that one's end) */
		int64_t started = now;

		res = tev_start(opt, run->d.doc, instance, cmd->name, msg, sizeof(msg));
		if (res == TEV_WAIT) {
			r = model_command_begin(sc, row->id, started, e);
			if (r)
				return r;
			cmd->status = INPLACE_IN_PROGRESS;
			cmd->queued = cmd->delivered = cmd->acked = started;
			row->acked = started;
			log_info("engine", "deployment %s: %s of '%s' started", run->id, cmd->name,
				 instance);
		}
	}
	if (cmd->status == INPLACE_IN_PROGRESS)
		res = tev_check(opt, run->d.doc, instance, cmd->name, row->acked, now,
				allow && w->hold_allow, &up, &timer, msg, sizeof(msg));
	switch (res) {
	case TEV_WAIT:
		if (held_up)
			*held_up = up;
		deploy_timer(run, timer);
		*wait = true;
		return 0;
	case TEV_DONE:
		r = model_command_complete(sc, row->id, "Succeeded", now, "Success", NULL, msg,
					   NULL, e);
		cmd->status = INPLACE_SUCCEEDED;
		log_info("engine", "deployment %s: %s of '%s': %s", run->id, cmd->name, instance,
			 msg);
		break;
	case TEV_FAILED:
		r = model_command_complete(sc, row->id, "Failed", time_now_ms(), "UnknownError",
					   NULL, msg, NULL, e);
		cmd->status = INPLACE_FAILED;
		log_warn("engine", "deployment %s: %s of '%s' failed: %s", run->id, cmd->name,
			 instance, msg);
		break;
	}
	if (!r)
		r = selfmon_command_result(sc, row->id, now, e);
	return r;
}

int lifecycle_step(struct store_conn *sc, struct deploy_run *run, const char *instance,
		   const struct lifecycle_window *w, char *state, size_t state_size, bool *held_up,
		   struct err *e)
{
	const struct engine_ctx *ctx = run->job->ctx;
	struct model_command all[LIFECYCLE_CMD_MAX], rows[LIFECYCLE_CMD_MAX];
	struct inplace_cmd cmds[LIFECYCLE_CMD_MAX];
	struct inplace_ctx ictx = {
		.now = run->job->now,
		.since = ctx->since,
		.agent_timeout_ms = ctx->opt->agent_timeout_ms,
		.event_timeout_ms = ctx->opt->event_timeout_ms,
		.stopping = run->d.stopping,
		.ignore_stop_failures = deploy_option(run, "ignoreApplicationStopFailures"),
	};
	int64_t now = run->job->now;
	struct inplace_decision dec;
	size_t total = 0, n = 0;
	int r;

	if (held_up)
		*held_up = false;
	r = model_commands_of(sc, run->id, instance, all, LIFECYCLE_CMD_MAX, &total, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < total; i++) {
		int status = inplace_status_parse(all[i].status);

		if (all[i].position < w->first || all[i].position > w->last)
			continue;
		rows[n] = all[i];
		cmds[n] = (struct inplace_cmd){
			.name = rows[n].name,
			.status = status < 0 ? INPLACE_FAILED : (enum inplace_cmd_status)status,
			.queued = rows[n].queued,
			.delivered = rows[n].delivered,
			.acked = rows[n].acked,
			.deadline = rows[n].deadline,
		};
		n++;
	}
	for (int guard = 0; guard < 4 * LIFECYCLE_CMD_MAX; guard++) {
		int svc = lifecycle__service_next(cmds, n, ictx.ignore_stop_failures);
		char msg[256];

		/* a service event not started yet waits like any other when stopping */
		if (svc >= 0 && !(cmds[svc].status == INPLACE_PENDING && run->d.stopping)) {
			bool wait;

			r = lifecycle__service(sc, run, instance, w, &rows[svc], &cmds[svc],
					       held_up, &wait, e);
			if (r)
				return r;
			if (wait)
				return str_copy(state, state_size, "InProgress");
			continue;
		}
		inplace_decide(&ictx, cmds, n, &dec);
		switch (dec.action) {
		case INPLACE_WAIT:
			deploy_timer(run, dec.timer);
			return str_copy(state, state_size, "InProgress");
		case INPLACE_QUEUE:
			r = model_command_queue(sc, rows[dec.index].id, now, e);
			if (r < 0)
				return r;
			cmds[dec.index].queued = now;
			json_array_append_new(run->notify, json_string(instance));
			break;
		case INPLACE_TIMEOUT_AGENT:
			log_warn("engine",
				 "deployment %s: the agent of '%s' did not take %s in time",
				 run->id, instance, cmds[dec.index].name);
			r = model_command_fail(sc, rows[dec.index].id, now, LIFECYCLE_AGENT_MESSAGE,
					       e);
			if (!r)
				r = selfmon_command_result(sc, rows[dec.index].id, now, e);
			if (r)
				return r;
			cmds[dec.index].status = INPLACE_FAILED;
			break;
		case INPLACE_TIMEOUT_EVENT:
			str_fmt(msg, sizeof(msg),
				"The lifecycle event did not complete within %" PRId64
				" seconds after the agent acknowledged it; the agent stopped "
				"reporting (was it killed?)",
				ctx->opt->event_timeout_ms / 1000);
			r = model_command_fail(sc, rows[dec.index].id, now, msg, e);
			if (!r)
				r = selfmon_command_result(sc, rows[dec.index].id, now, e);
			if (r)
				return r;
			cmds[dec.index].status = INPLACE_FAILED;
			break;
		case INPLACE_CANCEL:
			r = model_command_skip(sc, rows[dec.index].id, e);
			if (r < 0)
				return r;
			cmds[dec.index].status = INPLACE_SKIPPED;
			break;
		case INPLACE_DONE_SUCCEEDED:
			return str_copy(state, state_size, "Succeeded");
		case INPLACE_DONE_FAILED:
			return str_copy(state, state_size, "Failed");
		}
	}
	return err_set(e, SW_E_INTERNAL, "instance '%s' of %s does not settle", instance, run->id);
}

int lifecycle_release_allow(struct store_conn *sc, struct deploy_run *run, const char *instance,
			    const char *message, struct err *e)
{
	struct model_command all[LIFECYCLE_CMD_MAX];
	size_t n = 0;
	int r = model_commands_of(sc, run->id, instance, all, LIFECYCLE_CMD_MAX, &n, e);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (!str_eq(all[i].name, "AllowTraffic") || !str_eq(all[i].status, "InProgress"))
			continue;
		r = model_command_complete(sc, all[i].id, "Succeeded", run->job->now, "Success",
					   NULL, message, NULL, e);
		if (!r)
			r = selfmon_command_result(sc, all[i].id, run->job->now, e);
	}
	return r < 0 ? r : 0;
}
