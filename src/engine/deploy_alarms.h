/* deploy_alarms: a deployment watches its group's CloudWatch alarms (alarmConfiguration, or the
 * deployment's overrideAlarmConfiguration) while it runs. */
#ifndef SW_ENGINE_DEPLOY_ALARMS_H
#define SW_ENGINE_DEPLOY_ALARMS_H

#include "strategy.h"

/*
 * Checks the alarms of run's deployment (in progress, not stopping): when one is in ALARM, or
 * one cannot be read (no such alarm) and ignorePollAlarmFailure is false, records a stop with
 * error code ALARM_ACTIVE (run->d.stopping and stop_code are set, and the strategy winds the
 * deployment down as for StopDeployment; DEPLOYMENT_STOP_ON_ALARM rolls it back).  OK and
 * INSUFFICIENT_DATA let it go on, as in AWS.  Rollback deployments are not stopped by alarms:
 * the alarm that stopped the deployment is usually still in ALARM while it is undone.
 * Returns 0 or a store error.
 */
int deploy_alarms_check(struct store_conn *sc, struct deploy_run *run, struct err *e);

#endif
