/* codedeploy/configs: deployment configurations and deployment groups as the rest of slipwayd
 * (the deployment engine above all) reads them, and the pure validation helpers behind their
 * APIs (exported so unit tests can drive them without a server). */
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

/*
 * The DeploymentConfigInfo of a predefined or custom configuration, exactly as
 * GetDeploymentConfig returns it: {deploymentConfigId, deploymentConfigName, createTime,
 * computePlatform, minimumHealthyHosts?, trafficRoutingConfig?, zonalConfig?}.
 *
 * Server configs carry minimumHealthyHosts {type, value} with type HOST_COUNT or
 * FLEET_PERCENT — except CodeDeployDefault.OneAtATime, which reports {type MOST_CONCURRENCY,
 * value 1} as AWS does: one instance at a time, every instance but one kept healthy (so a
 * failure of the last instance does not fail the deployment).  Lambda/ECS configs carry
 * trafficRoutingConfig {type TimeBasedCanary|TimeBasedLinear|AllAtOnce, timeBasedCanary
 * {canaryPercentage, canaryInterval} | timeBasedLinear {linearPercentage, linearInterval}}
 * (intervals in minutes).  zonalConfig is echoed as given (defaults are the engine's: first
 * zone waits monitorDurationInSeconds, per-zone minimum FLEET_PERCENT 0).
 *
 * *info is a new reference owned by the caller.  Fails with DeploymentConfigDoesNotExist when
 * no such configuration exists, or a store error.  Runs inside the caller's transaction.
 */
int cd_config_get(struct store_conn *c, const char *name, json_t **info, struct err *e);

/*
 * The DeploymentGroupInfo of a group, exactly as GetDeploymentGroup returns it: every setting
 * with AWS's defaults filled in (deploymentConfigName, ec2TagFilters, onPremisesInstance-
 * TagFilters, autoScalingGroups, serviceRoleArn, triggerConfigurations, alarmConfiguration,
 * autoRollbackConfiguration, deploymentStyle, outdatedInstancesStrategy, terminationHookEnabled,
 * computePlatform, and when set ec2TagSet, onPremisesTagSet, loadBalancerInfo,
 * blueGreenDeploymentConfiguration), plus targetRevision / lastSuccessfulDeployment /
 * lastAttemptedDeployment, which the deployment engine writes into deployment_groups.doc itself
 * (UpdateDeploymentGroup keeps them).  applicationName and deploymentGroupName always reflect
 * the current names (an application rename does not rewrite the documents).
 *
 * *info is a new reference.  Fails with ApplicationDoesNotExist, DeploymentGroupDoesNotExist
 * or a store error.  Runs inside the caller's transaction.
 */
int cd_group_get(struct store_conn *c, const char *app, const char *group, json_t **info,
		 struct err *e);

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
 * minute, and at most 2880 minutes from the first shift to the last
 * (InvalidTrafficRoutingConfiguration). */
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
