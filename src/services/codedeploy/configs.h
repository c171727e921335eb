/* codedeploy/configs: the pure validation helpers behind the deployment configuration and
 * deployment group APIs (exported so unit tests can drive them without a server).  How the
 * rest of slipwayd reads configurations and groups is model/configs.h and model/groups.h. */
#ifndef SW_CODEDEPLOY_CONFIGS_H
#define SW_CODEDEPLOY_CONFIGS_H

#include "base/err.h"
#include "services/codedeploy/errors.h"

#include <jansson.h>
#include <stdbool.h>

struct store_conn;

/* What a deployment group names when it was created without a deploymentConfigName. */
#define CD_DEFAULT_SERVER_CONFIG "CodeDeployDefault.OneAtATime"
#define CD_DEFAULT_LAMBDA_CONFIG "CodeDeployDefault.LambdaAllAtOnce"
#define CD_PREDEFINED_PREFIX	 "CodeDeployDefault."

/* ---- validation helpers (pure: no store, no server) ---- */

/* True when name is one of the compiled-in CodeDeployDefault.* configurations. */
bool cd_config_is_predefined(const char *name);

/* A custom configuration's name: 1..100 of [A-Za-z0-9._+=,@-], not starting with
 * "CodeDeployDefault." (DeploymentConfigNameRequired / InvalidDeploymentConfigName). */
int cd_config_check_name(const char *name, struct err *e);

/* minimumHealthyHosts-shaped object {type HOST_COUNT|FLEET_PERCENT, value}: FLEET_PERCENT
 * 0..99, HOST_COUNT >= 0.  Errors carry `code` (InvalidMinimumHealthyHostValue, or
 * InvalidZonalDeploymentConfiguration for a zone's minimum). */
int cd_config_check_min_healthy(const json_t *mhh, int code, const char *what, struct err *e);

/* trafficRoutingConfig: type and the matching member only; percentages 1..99, intervals >= 1
 * minute, and at most 2880 minutes from the first shift to the last; Slipway's SlipwaySteps
 * list as engine/shift.h's shift_schedule() states (InvalidTrafficRoutingConfiguration).  Which
 * platform may use which type is the caller's. */
int cd_config_check_traffic(const json_t *trc, struct err *e);

/* zonalConfig: non-negative durations, a valid minimumHealthyHostsPerZone
 * (InvalidZonalDeploymentConfiguration). */
int cd_config_check_zonal(const json_t *zc, struct err *e);

/*
 * Validates the settings of a deployment group for an application of compute platform
 * `platform` ("Server" or "Lambda") and builds the stored form of them: `in` is
 * CreateDeploymentGroup-shaped (for an update, the current settings with the request's members
 * laid over them).  On success *out is a new object holding every setting with defaults filled
 * in; autoScalingGroups comes out as [{name}] (the caller adds the hook names) and
 * deploymentConfigName is the platform default when absent (the caller checks it exists).
 * Fails with the AWS exception for the first invalid setting.
 */
int cd_group_settings(const json_t *in, const char *platform, json_t **out, struct err *e);

#endif
