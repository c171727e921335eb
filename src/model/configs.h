/* model/configs: deployment configurations as the engine and the CodeDeploy handlers read them
 * (the predefined CodeDeployDefault.* ones and the custom rows of deployment_configs). */
#ifndef SW_MODEL_CONFIGS_H
#define SW_MODEL_CONFIGS_H

#include "base/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct store_conn;

#define MODEL_CONFIG_PREDEFINED_MAX 32

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
 * (intervals in minutes).  A custom Server config may carry a trafficRoutingConfig as well
 * (Slipway's weighted shifting between blue/green host fleets, docs/traffic.md), of those types
 * or type SlipwaySteps with slipwaySteps {steps [{percentage, waitInMinutes?}]}; read its
 * schedule with engine/shift.h's shift_schedule().  zonalConfig is echoed as given (defaults are
 * the engine's: first zone waits monitorDurationInSeconds, per-zone minimum FLEET_PERCENT 0).
 *
 * *info is a new reference owned by the caller.  Fails with DeploymentConfigDoesNotExist when
 * no such configuration exists, or a store error.  Runs inside the caller's transaction.
 */
int model_config_get(struct store_conn *c, const char *name, json_t **info, struct err *e);

/* True when name is one of the compiled-in CodeDeployDefault.* configurations. */
bool model_config_is_predefined(const char *name);
/* The name of the i-th predefined configuration (table order), NULL past the last. */
const char *model_config_predefined_name(size_t i);
/* A trafficRoutingConfig {type, timeBasedCanary | timeBasedLinear} (new reference). */
json_t *model_config_traffic(const char *type, int percent, int interval);

#endif
