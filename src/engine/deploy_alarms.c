/* deploy_alarms: the alarm check of running deployments (engine/deploy_alarms.h).  The alarm
 * job runs before the deployments in every engine pass, and a state change makes another pass
 * follow at once, so a deployment sees an alarm's change within the pass it happens in. */
#include "deploy_alarms.h"
#include "model/alarms.h"
#include "model/deploy.h"
#include "model/deployments.h"
#include "model/groups.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/str.h"

#include <string.h>

/* The alarm configuration in force: the deployment's override, else its group's (owned). */
static int deploy_alarms__config(struct store_conn *sc, struct deploy_run *run, json_t **out,
				 struct err *e)
{
	const json_t *o = json_object_get(run->d.doc, "overrideAlarmConfiguration");
	char app[MODEL_NAME_MAX + 1], grp[MODEL_NAME_MAX + 1];
	json_t *doc = NULL;
	int r;

	*out = NULL;
	if (json_is_object(o)) {
		*out = json_incref((json_t *)o);
		return 0;
	}
	r = model_group_names(sc, run->d.group_id, app, sizeof(app), grp, sizeof(grp), e);
	if (r <= 0)
		return r;
	if ((r = model_group_load(sc, app, grp, &doc, e)))
		return r;
	*out = json_incref(json_object_get(doc, "alarmConfiguration"));
	json_decref(doc);
	return 0;
}

int deploy_alarms_check(struct store_conn *sc, struct deploy_run *run, struct err *e)
{
	json_t *ac = NULL, *alarms, *a;
	struct buf firing, unreadable;
	bool ignore_failure;
	size_t i;
	int r;

	if (strcmp(run->d.creator, DEPLOY_CREATOR_ROLLBACK) == 0)
		return 0;
	if ((r = deploy_alarms__config(sc, run, &ac, e)))
		return r;
	alarms = json_object_get(ac, "alarms");
	if (!json_is_true(json_object_get(ac, "enabled")) || !json_array_size(alarms)) {
		json_decref(ac);
		return 0;
	}
	ignore_failure = json_is_true(json_object_get(ac, "ignorePollAlarmFailure"));
	buf_init(&firing, 4096);
	buf_init(&unreadable, 4096);
	json_array_foreach(alarms, i, a)
	{
		const char *name = json_string_value(json_object_get(a, "name"));
		enum alarm_state st = ALARM_STATE_NONE;

		if (!name)
			continue;
		if ((r = alarm_state_get(sc, name, &st, e)))
			break;
		if (st == ALARM_STATE_ALARM)
			buf_addf(&firing, "%s%s", firing.len ? ", " : "", name);
		else if (st == ALARM_STATE_NONE && !ignore_failure)
			buf_addf(&unreadable, "%s%s", unreadable.len ? ", " : "", name);
	}
	if (!r && (firing.len || unreadable.len)) {
		char msg[512];

		if (firing.len)
			str_fmt(msg, sizeof(msg),
				"The deployment was stopped because these CloudWatch alarms are in "
				"the ALARM state: %s",
				buf_str(&firing));
		else
			str_fmt(msg, sizeof(msg),
				"The deployment was stopped because the state of these CloudWatch "
				"alarms could not be read (they do not exist) and "
				"ignorePollAlarmFailure is false: %s",
				buf_str(&unreadable));
		r = model_deployment_stop_on_alarm(sc, run->id, run->job->now, msg, e);
		if (!r) {
			run->d.stopping = true;
			str_copy(run->d.stop_code, sizeof(run->d.stop_code), "ALARM_ACTIVE");
			str_copy(run->d.stop_message, sizeof(run->d.stop_message), msg);
			log_info("engine", "deployment %s: stopping: %s", run->id, msg);
		}
	}
	buf_release(&firing);
	buf_release(&unreadable);
	json_decref(ac);
	return r;
}
