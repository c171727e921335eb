/* model/codedeploy_errors: CodeDeploy's exception codes, where the model and the engine (which
 * may not include services/) can name them.  The table that gives each its wire name and
 * status stays with the service (services/codedeploy/errors.c registers it); a file that only
 * returns codes needs this header alone. */
#ifndef SW_MODEL_CODEDEPLOY_ERRORS_H
#define SW_MODEL_CODEDEPLOY_ERRORS_H

#include "base/err.h"

/* CodeDeploy's exceptions: every one is `<Name>Exception` on the wire, HTTP 400, so a row is
 * C(Name).  One row per line. */
/* clang-format off */
#define SW_ERRORS_CODEDEPLOY(C) \
	C(AlarmsLimitExceeded) \
	C(ApplicationAlreadyExists) \
	C(ApplicationDoesNotExist) \
	C(ApplicationLimitExceeded) \
	C(ApplicationNameRequired) \
	C(ArnNotSupported) \
	C(BatchLimitExceeded) \
	C(BucketNameFilterRequired) \
	C(DeploymentAlreadyCompleted) \
	C(DeploymentAlreadyStarted) \
	C(DeploymentConfigAlreadyExists) \
	C(DeploymentConfigDoesNotExist) \
	C(DeploymentConfigInUse) \
	C(DeploymentConfigLimitExceeded) \
	C(DeploymentConfigNameRequired) \
	C(DeploymentDoesNotExist) \
	C(DeploymentGroupAlreadyExists) \
	C(DeploymentGroupDoesNotExist) \
	C(DeploymentGroupLimitExceeded) \
	C(DeploymentGroupNameRequired) \
	C(DeploymentIdRequired) \
	C(DeploymentIsNotInReadyState) \
	C(DeploymentLimitExceeded) \
	C(DeploymentNotStarted) \
	C(DeploymentTargetDoesNotExist) \
	C(DeploymentTargetIdRequired) \
	C(DeploymentTargetListSizeExceeded) \
	C(DescriptionTooLong) \
	C(IamArnRequired) \
	C(IamSessionArnAlreadyRegistered) \
	C(IamUserArnAlreadyRegistered) \
	C(IamUserArnRequired) \
	C(InstanceDoesNotExist) \
	C(InstanceIdRequired) \
	C(InstanceLimitExceeded) \
	C(InstanceNameAlreadyRegistered) \
	C(InstanceNameRequired) \
	C(InstanceNotRegistered) \
	C(InvalidAlarmConfig) \
	C(InvalidApplicationName) \
	C(InvalidArn) \
	C(InvalidAutoRollbackConfig) \
	C(InvalidAutoScalingGroup) \
	C(InvalidBlueGreenDeploymentConfiguration) \
	C(InvalidBucketNameFilter) \
	C(InvalidComputePlatform) \
	C(InvalidDeployedStateFilter) \
	C(InvalidDeploymentConfigName) \
	C(InvalidDeploymentGroupName) \
	C(InvalidDeploymentId) \
	C(InvalidDeploymentInstanceType) \
	C(InvalidDeploymentStatus) \
	C(InvalidDeploymentStyle) \
	C(InvalidDeploymentTargetId) \
	C(InvalidDeploymentWaitType) \
	C(InvalidEC2TagCombination) \
	C(InvalidEC2Tag) \
	C(InvalidECSService) \
	C(InvalidExternalId) \
	C(InvalidFileExistsBehavior) \
	C(InvalidIamSessionArn) \
	C(InvalidIamUserArn) \
	C(InvalidIgnoreApplicationStopFailuresValue) \
	C(InvalidInput) \
	C(InvalidInstanceId) \
	C(InvalidInstanceName) \
	C(InvalidInstanceStatus) \
	C(InvalidInstanceType) \
	C(InvalidKeyPrefixFilter) \
	C(InvalidLifecycleEventHookExecutionId) \
	C(InvalidLifecycleEventHookExecutionStatus) \
	C(InvalidLoadBalancerInfo) \
	C(InvalidMinimumHealthyHostValue) \
	C(InvalidNextToken) \
	C(InvalidOnPremisesTagCombination) \
	C(InvalidOperation) \
	C(InvalidRegistrationStatus) \
	C(InvalidRevision) \
	C(InvalidRole) \
	C(InvalidSortBy) \
	C(InvalidSortOrder) \
	C(InvalidTag) \
	C(InvalidTagFilter) \
	C(InvalidTagsToAdd) \
	C(InvalidTarget) \
	C(InvalidTargetFilterName) \
	C(InvalidTargetGroupPair) \
	C(InvalidTargetInstances) \
	C(InvalidTimeRange) \
	C(InvalidTrafficRoutingConfiguration) \
	C(InvalidTriggerConfig) \
	C(InvalidUpdateOutdatedInstancesOnlyValue) \
	C(InvalidZonalDeploymentConfiguration) \
	C(LifecycleEventAlreadyCompleted) \
	C(LifecycleHookLimitExceeded) \
	C(MultipleIamArnsProvided) \
	C(OperationNotSupported) \
	C(ResourceArnRequired) \
	C(ResourceValidation) \
	C(RevisionDoesNotExist) \
	C(RevisionRequired) \
	C(RoleRequired) \
	C(TagLimitExceeded) \
	C(TagRequired) \
	C(TagSetListLimitExceeded) \
	C(TriggerTargetsLimitExceeded) \
	C(UnsupportedActionForDeploymentType)
/* clang-format on */

enum codedeploy_err {
	SW_E__CODEDEPLOY_BEFORE = SW_ERR_BASE_CODEDEPLOY - 1,
#define C(n) SW_E_##n,
	SW_ERRORS_CODEDEPLOY(C)
#undef C
	    SW_E__CODEDEPLOY_END
};

#endif
