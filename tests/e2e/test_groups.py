"""Deployment groups: every setting stored and returned with AWS's defaults, every validation
error with AWS's exception name, update and rename, delete, pagination and persistence —
through boto3 and the aws CLI."""
import json
import os
import re
import sqlite3

import botocore.exceptions
import pytest

ROLE = "arn:aws:iam::123456789012:role/CodeDeployService"
TOPIC = "arn:aws:sns:us-east-1:123456789012:deploys"


def error_code(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        call(*args, **kwargs)
    return ei.value.response["Error"]["Code"]


@pytest.fixture
def raw(server):
    """A client without client-side validation, to reach the server's own checks."""
    return server.client("codedeploy", parameter_validation=False)


@pytest.fixture
def app(cd):
    cd.create_application(applicationName="web")
    return "web"


@pytest.fixture
def lambda_app(cd):
    cd.create_application(applicationName="fn", computePlatform="Lambda")
    return "fn"


def get_group(cd, name, app="web"):
    return cd.get_deployment_group(applicationName=app,
                                   deploymentGroupName=name)["deploymentGroupInfo"]


def group_arn(server, app, group):
    """A group's ARN (the account id is generated at init; slipwayd logs it)."""
    account = re.search(r"account (\d{12})", server.read_log()).group(1)
    return f"arn:aws:codedeploy:us-east-1:{account}:deploymentgroup:{app}/{group}"


def tags_of(cd, arn):
    return {t["Key"]: t["Value"] for t in cd.list_tags_for_resource(ResourceArn=arn)["Tags"]}


def store_sql(server, request, *statements):
    """Runs SQL on the store of a stopped slipwayd — its SQLite file, or its PostgreSQL database
    under SLIPWAY_TEST_STORE=postgres — and returns the last statement's rows (as strings)."""
    args = server.extra_args
    if "--store" in args:
        url = args[args.index("--store") + 1]
        db = url.rsplit("/", 1)[1].split("?", 1)[0]
        out = request.getfixturevalue("postgres").psql("; ".join(statements), db)
        return [line.split("|") for line in out.splitlines() if line]
    conn = sqlite3.connect(os.path.join(server.data_dir, "slipway.db"))
    rows = []
    for sql in statements:
        rows = [[str(v) for v in row] for row in conn.execute(sql).fetchall()]
    conn.commit()
    conn.close()
    return rows


def test_minimal_group_with_the_cli_has_awss_defaults(server, app):
    out = server.aws("deploy", "create-deployment-group", "--application-name", "web",
                     "--deployment-group-name", "prod", "--service-role-arn", ROLE,
                     "--on-premises-instance-tag-filters", "Key=role,Value=web,Type=KEY_AND_VALUE",
                     "--auto-rollback-configuration", "enabled=true,events=DEPLOYMENT_FAILURE")
    group_id = out["deploymentGroupId"]
    info = server.aws("deploy", "get-deployment-group", "--application-name", "web",
                      "--deployment-group-name", "prod")["deploymentGroupInfo"]
    assert info["deploymentGroupId"] == group_id
    assert info["applicationName"] == "web"
    assert info["deploymentGroupName"] == "prod"
    assert info["deploymentConfigName"] == "CodeDeployDefault.OneAtATime"
    assert info["serviceRoleArn"] == ROLE
    assert info["onPremisesInstanceTagFilters"] == [
        {"Key": "role", "Value": "web", "Type": "KEY_AND_VALUE"}]
    assert info["ec2TagFilters"] == []
    assert info["autoScalingGroups"] == []
    assert info["triggerConfigurations"] == []
    assert info["autoRollbackConfiguration"] == {"enabled": True,
                                                 "events": ["DEPLOYMENT_FAILURE"]}
    assert info["alarmConfiguration"] == {"enabled": False, "ignorePollAlarmFailure": False,
                                          "alarms": []}
    assert info["deploymentStyle"] == {"deploymentType": "IN_PLACE",
                                       "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}
    assert info["outdatedInstancesStrategy"] == "UPDATE"
    assert info["terminationHookEnabled"] is False
    assert info["computePlatform"] == "Server"
    for absent in ("ec2TagSet", "onPremisesTagSet", "loadBalancerInfo",
                   "blueGreenDeploymentConfiguration", "targetRevision"):
        assert absent not in info
    listed = server.aws("deploy", "list-deployment-groups", "--application-name", "web")
    assert listed["deploymentGroups"] == ["prod"]


FULL = {
    "deploymentConfigName": "CodeDeployDefault.HalfAtATime",
    "ec2TagSet": {"ec2TagSetList": [
        [{"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"},
         {"Key": "canary", "Type": "KEY_ONLY"}],
        [{"Value": "web", "Type": "VALUE_ONLY"}]]},
    "onPremisesTagSet": {"onPremisesTagSetList": [
        [{"Key": "role", "Value": "web", "Type": "KEY_AND_VALUE"}]]},
    "autoScalingGroups": ["asg-a", "asg-b"],
    "triggerConfigurations": [{"triggerName": "notify", "triggerTargetArn": TOPIC,
                               "triggerEvents": ["DeploymentFailure", "InstanceFailure"]}],
    "alarmConfiguration": {"enabled": True, "ignorePollAlarmFailure": True,
                           "alarms": [{"name": "5xx"}, {"name": "latency"}]},
    "autoRollbackConfiguration": {"enabled": True,
                                  "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]},
    "outdatedInstancesStrategy": "IGNORE",
    "deploymentStyle": {"deploymentType": "BLUE_GREEN",
                        "deploymentOption": "WITH_TRAFFIC_CONTROL"},
    "blueGreenDeploymentConfiguration": {
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "KEEP_ALIVE",
                                                      "terminationWaitTimeInMinutes": 30},
        "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT",
                                  "waitTimeInMinutes": 120},
        "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"}},
    "loadBalancerInfo": {"elbInfoList": [{"name": "classic"}],
                         "targetGroupInfoList": [{"name": "tg-blue"}, {"name": "tg-green"}]},
}


def test_every_setting_is_stored_and_returned(cd, app):
    group_id = cd.create_deployment_group(
        applicationName="web", deploymentGroupName="full", serviceRoleArn=ROLE,
        tags=[{"Key": "team", "Value": "core"}], **FULL)["deploymentGroupId"]
    info = get_group(cd, "full")
    assert info["deploymentGroupId"] == group_id
    for key, value in FULL.items():
        if key == "autoScalingGroups":
            continue
        assert info[key] == value, key
    asgs = info["autoScalingGroups"]
    assert [a["name"] for a in asgs] == ["asg-a", "asg-b"]
    assert all(a["hook"].startswith("CodeDeploy-managed-automatic-launch-deployment-hook-full-")
               for a in asgs)
    assert all("terminationHook" not in a for a in asgs)
    assert info["ec2TagFilters"] == [] and info["onPremisesInstanceTagFilters"] == []
    # BatchGet returns the very same document.
    batch = cd.batch_get_deployment_groups(applicationName="web",
                                           deploymentGroupNames=["full"])
    assert batch["deploymentGroupsInfo"] == [info]
    assert "errorMessage" not in batch


def test_termination_hook_with_the_cli(server, app):
    server.aws("deploy", "create-deployment-group", "--application-name", "web",
               "--deployment-group-name", "scaled", "--service-role-arn", ROLE,
               "--auto-scaling-groups", "asg-1", "--termination-hook-enabled")
    info = server.aws("deploy", "get-deployment-group", "--application-name", "web",
                      "--deployment-group-name", "scaled")["deploymentGroupInfo"]
    assert info["terminationHookEnabled"] is True
    (asg,) = info["autoScalingGroups"]
    assert asg["name"] == "asg-1"
    assert asg["hook"].startswith("CodeDeploy-managed-automatic-launch-deployment-hook-scaled")
    assert asg["terminationHook"].startswith("CodeDeploy-managed-termination-hook-scaled")


def test_blue_green_defaults_are_filled_in(cd, app):
    cd.create_deployment_group(
        applicationName="web", deploymentGroupName="bg", serviceRoleArn=ROLE,
        deploymentStyle={"deploymentType": "BLUE_GREEN"},
        loadBalancerInfo={"targetGroupInfoList": [{"name": "tg"}]})
    info = get_group(cd, "bg")
    assert info["deploymentStyle"] == {"deploymentType": "BLUE_GREEN",
                                       "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert info["blueGreenDeploymentConfiguration"] == {
        "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE",
                                                      "terminationWaitTimeInMinutes": 60},
        "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT",
                                  "waitTimeInMinutes": 0},
        "greenFleetProvisioningOption": {"action": "DISCOVER_EXISTING"}}
    assert info["loadBalancerInfo"] == {"targetGroupInfoList": [{"name": "tg"}]}


def test_in_place_with_traffic_control(cd, app):
    cd.create_deployment_group(
        applicationName="web", deploymentGroupName="lb", serviceRoleArn=ROLE,
        deploymentStyle={"deploymentType": "IN_PLACE",
                         "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        loadBalancerInfo={"elbInfoList": [{"name": "haproxy-web"}]})
    info = get_group(cd, "lb")
    assert info["deploymentStyle"]["deploymentOption"] == "WITH_TRAFFIC_CONTROL"
    assert info["loadBalancerInfo"] == {"elbInfoList": [{"name": "haproxy-web"}]}
    assert "blueGreenDeploymentConfiguration" not in info


BAD_SETTINGS = [
    # service role
    ({"serviceRoleArn": "not-an-arn"}, "InvalidRoleException"),
    ({"serviceRoleArn": "arn:aws:iam::123:role/x"}, "InvalidRoleException"),
    ({"serviceRoleArn": "arn:aws:iam::123456789012:user/x"}, "InvalidRoleException"),
    ({"serviceRoleArn": "arn:aws:s3:::123456789012:role/x"}, "InvalidRoleException"),
    # configuration
    ({"deploymentConfigName": "NoSuchConfig"}, "DeploymentConfigDoesNotExistException"),
    ({"deploymentConfigName": "CodeDeployDefault.LambdaAllAtOnce"},
     "InvalidDeploymentConfigNameException"),
    ({"deploymentConfigName": "CodeDeployDefault.ECSAllAtOnce"},
     "InvalidDeploymentConfigNameException"),
    # EC2 tags
    ({"ec2TagFilters": [{"Key": "a", "Value": "b", "Type": "KEY_ONLY"}]},
     "InvalidEC2TagException"),
    ({"ec2TagFilters": [{"Key": "a", "Type": "VALUE_ONLY"}]}, "InvalidEC2TagException"),
    ({"ec2TagFilters": [{"Key": "a", "Type": "KEY_AND_VALUE"}]}, "InvalidEC2TagException"),
    ({"ec2TagFilters": [{"Key": "a", "Value": "b", "Type": "SOMETIMES"}]},
     "InvalidEC2TagException"),
    ({"ec2TagFilters": [{"Key": "a", "Value": "b"}]}, "InvalidEC2TagException"),
    ({"ec2TagFilters": [{"Key": "k" * 129, "Type": "KEY_ONLY"}]}, "InvalidEC2TagException"),
    ({"ec2TagFilters": [{"Key": "a", "Type": "KEY_ONLY"}],
      "ec2TagSet": {"ec2TagSetList": [[{"Key": "b", "Type": "KEY_ONLY"}]]}},
     "InvalidEC2TagCombinationException"),
    ({"ec2TagSet": {"ec2TagSetList": [[{"Key": "a", "Type": "KEY_ONLY"}]] * 4}},
     "TagSetListLimitExceededException"),
    ({"ec2TagSet": {"ec2TagSetList": [[{"Value": "x", "Type": "KEY_ONLY"}]]}},
     "InvalidEC2TagException"),
    # on-premises tags
    ({"onPremisesInstanceTagFilters": [{"Key": "a", "Type": "VALUE_ONLY"}]},
     "InvalidTagException"),
    ({"onPremisesInstanceTagFilters": [{"Key": "a", "Type": "KEY_ONLY"}],
      "onPremisesTagSet": {"onPremisesTagSetList": [[{"Key": "b", "Type": "KEY_ONLY"}]]}},
     "InvalidOnPremisesTagCombinationException"),
    ({"onPremisesTagSet": {"onPremisesTagSetList": [[{"Key": "a", "Type": "KEY_ONLY"}]] * 4}},
     "TagSetListLimitExceededException"),
    # Auto Scaling groups
    ({"autoScalingGroups": [f"asg{i}" for i in range(11)]}, "InvalidAutoScalingGroupException"),
    ({"autoScalingGroups": ["same", "same"]}, "InvalidAutoScalingGroupException"),
    ({"autoScalingGroups": [""]}, "InvalidAutoScalingGroupException"),
    # deployment style and blue/green
    ({"deploymentStyle": {"deploymentType": "SIDEWAYS"}}, "InvalidDeploymentStyleException"),
    ({"deploymentStyle": {"deploymentOption": "MAYBE"}}, "InvalidDeploymentStyleException"),
    ({"deploymentStyle": {"deploymentType": "BLUE_GREEN",
                          "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}},
     "InvalidDeploymentStyleException"),
    ({"deploymentStyle": {"deploymentType": "IN_PLACE",
                          "deploymentOption": "WITH_TRAFFIC_CONTROL"}},
     "InvalidLoadBalancerInfoException"),
    ({"deploymentStyle": {"deploymentType": "BLUE_GREEN"}}, "InvalidLoadBalancerInfoException"),
    ({"deploymentStyle": {"deploymentType": "BLUE_GREEN"},
      "loadBalancerInfo": {"elbInfoList": []}}, "InvalidLoadBalancerInfoException"),
    ({"loadBalancerInfo": {"elbInfoList": [{"name": ""}]}}, "InvalidLoadBalancerInfoException"),
    ({"loadBalancerInfo": {"targetGroupInfoList": [{"name": f"t{i}"} for i in range(11)]}},
     "InvalidLoadBalancerInfoException"),
    ({"loadBalancerInfo": {"targetGroupPairInfoList": [{"targetGroups": [{"name": "a"}]}]}},
     "InvalidTargetGroupPairException"),
    ({"blueGreenDeploymentConfiguration": {"terminateBlueInstancesOnDeploymentSuccess": {
        "action": "EXPLODE"}}}, "InvalidBlueGreenDeploymentConfigurationException"),
    ({"blueGreenDeploymentConfiguration": {"terminateBlueInstancesOnDeploymentSuccess": {
        "action": "TERMINATE", "terminationWaitTimeInMinutes": 2881}}},
     "InvalidBlueGreenDeploymentConfigurationException"),
    ({"blueGreenDeploymentConfiguration": {"deploymentReadyOption": {
        "actionOnTimeout": "WAIT_FOREVER"}}}, "InvalidBlueGreenDeploymentConfigurationException"),
    ({"blueGreenDeploymentConfiguration": {"deploymentReadyOption": {
        "actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": -1}}},
     "InvalidBlueGreenDeploymentConfigurationException"),
    ({"blueGreenDeploymentConfiguration": {"greenFleetProvisioningOption": {
        "action": "BUY_MORE"}}}, "InvalidBlueGreenDeploymentConfigurationException"),
    ({"blueGreenDeploymentConfiguration": {"greenFleetProvisioningOption": {
        "action": "COPY_AUTO_SCALING_GROUP"}}},
     "InvalidBlueGreenDeploymentConfigurationException"),
    # alarms
    ({"alarmConfiguration": {"enabled": True, "alarms": []}}, "InvalidAlarmConfigException"),
    ({"alarmConfiguration": {"enabled": True, "alarms": [{"name": "a"}, {"name": "a"}]}},
     "InvalidAlarmConfigException"),
    ({"alarmConfiguration": {"enabled": True, "alarms": [{"name": ""}]}},
     "InvalidAlarmConfigException"),
    ({"alarmConfiguration": {"enabled": True, "alarms": [{"name": "a" * 256}]}},
     "InvalidAlarmConfigException"),
    ({"alarmConfiguration": {"enabled": True, "alarms": [{"name": f"a{i}"} for i in range(11)]}},
     "AlarmsLimitExceededException"),
    # automatic rollback
    ({"autoRollbackConfiguration": {"enabled": True, "events": []}},
     "InvalidAutoRollbackConfigException"),
    ({"autoRollbackConfiguration": {"enabled": True, "events": ["DEPLOYMENT_SUCCESS"]}},
     "InvalidAutoRollbackConfigException"),
    # triggers
    ({"triggerConfigurations": [{"triggerName": "t", "triggerTargetArn": TOPIC,
                                 "triggerEvents": ["DeploymentExploded"]}]},
     "InvalidTriggerConfigException"),
    ({"triggerConfigurations": [{"triggerName": "t", "triggerTargetArn": "not-a-topic",
                                 "triggerEvents": ["DeploymentStart"]}]},
     "InvalidTriggerConfigException"),
    ({"triggerConfigurations": [{"triggerName": "t", "triggerTargetArn": ROLE,
                                 "triggerEvents": ["DeploymentStart"]}]},
     "InvalidTriggerConfigException"),
    ({"triggerConfigurations": [{"triggerName": "", "triggerTargetArn": TOPIC,
                                 "triggerEvents": ["DeploymentStart"]}]},
     "InvalidTriggerConfigException"),
    ({"triggerConfigurations": [{"triggerName": "t", "triggerTargetArn": TOPIC,
                                 "triggerEvents": []}]},
     "InvalidTriggerConfigException"),
    ({"triggerConfigurations": [{"triggerName": "t", "triggerTargetArn": TOPIC,
                                 "triggerEvents": ["DeploymentStart"]}] * 2},
     "InvalidTriggerConfigException"),
    ({"triggerConfigurations": [{"triggerName": f"t{i}", "triggerTargetArn": TOPIC,
                                 "triggerEvents": ["DeploymentStart"]} for i in range(11)]},
     "TriggerTargetsLimitExceededException"),
    # the rest
    ({"outdatedInstancesStrategy": "SOMETIMES"}, "InvalidInputException"),
    ({"ecsServices": [{"serviceName": "s", "clusterName": "c"}]}, "InvalidECSServiceException"),
    ({"tags": [{"Key": "", "Value": "x"}]}, "InvalidTagsToAddException"),
]


@pytest.mark.parametrize("settings,code", BAD_SETTINGS,
                         ids=[f"{i}-{c}" for i, (_, c) in enumerate(BAD_SETTINGS)])
def test_invalid_settings_are_rejected(raw, app, settings, code):
    kwargs = {"applicationName": "web", "deploymentGroupName": "g", "serviceRoleArn": ROLE}
    kwargs.update(settings)
    assert error_code(raw.create_deployment_group, **kwargs) == code
    # Nothing was stored.
    assert raw.list_deployment_groups(applicationName="web")["deploymentGroups"] == []


def test_service_role_is_required(raw, app):
    assert error_code(raw.create_deployment_group, applicationName="web",
                      deploymentGroupName="g") == "RoleRequiredException"


def test_names_and_existence(cd, raw, app):
    assert error_code(raw.create_deployment_group, applicationName="web",
                      deploymentGroupName="", serviceRoleArn=ROLE) == \
        "DeploymentGroupNameRequiredException"
    assert error_code(raw.create_deployment_group, applicationName="web",
                      deploymentGroupName="g" * 101, serviceRoleArn=ROLE) == \
        "InvalidDeploymentGroupNameException"
    assert error_code(raw.create_deployment_group, applicationName="",
                      deploymentGroupName="g", serviceRoleArn=ROLE) == \
        "ApplicationNameRequiredException"
    assert error_code(cd.create_deployment_group, applicationName="nope",
                      deploymentGroupName="g", serviceRoleArn=ROLE) == \
        "ApplicationDoesNotExistException"
    cd.create_deployment_group(applicationName="web", deploymentGroupName="g" * 100,
                               serviceRoleArn=ROLE)
    cd.create_deployment_group(applicationName="web", deploymentGroupName="g",
                               serviceRoleArn=ROLE)
    assert error_code(cd.create_deployment_group, applicationName="web",
                      deploymentGroupName="g", serviceRoleArn=ROLE) == \
        "DeploymentGroupAlreadyExistsException"
    assert error_code(cd.get_deployment_group, applicationName="web",
                      deploymentGroupName="missing") == "DeploymentGroupDoesNotExistException"
    assert error_code(cd.get_deployment_group, applicationName="nope",
                      deploymentGroupName="g") == "ApplicationDoesNotExistException"
    assert error_code(cd.list_deployment_groups, applicationName="nope") == \
        "ApplicationDoesNotExistException"


def test_custom_config_and_lambda_apps(cd, lambda_app, app):
    cd.create_deployment_config(deploymentConfigName="Canary", computePlatform="Lambda",
                                trafficRoutingConfig={"type": "TimeBasedCanary",
                                                      "timeBasedCanary": {"canaryPercentage": 5,
                                                                          "canaryInterval": 3}})
    # A Lambda configuration does not suit a Server application.
    assert error_code(cd.create_deployment_group, applicationName="web",
                      deploymentGroupName="g", serviceRoleArn=ROLE,
                      deploymentConfigName="Canary") == "InvalidDeploymentConfigNameException"
    cd.create_deployment_group(applicationName="fn", deploymentGroupName="default",
                               serviceRoleArn=ROLE)
    info = get_group(cd, "default", app="fn")
    assert info["computePlatform"] == "Lambda"
    assert info["deploymentConfigName"] == "CodeDeployDefault.LambdaAllAtOnce"
    assert info["deploymentStyle"] == {"deploymentType": "BLUE_GREEN",
                                       "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert "blueGreenDeploymentConfiguration" not in info
    cd.create_deployment_group(applicationName="fn", deploymentGroupName="canary",
                               serviceRoleArn=ROLE, deploymentConfigName="Canary",
                               alarmConfiguration={"enabled": True, "alarms": [{"name": "err"}]},
                               autoRollbackConfiguration={"enabled": True,
                                                          "events": ["DEPLOYMENT_FAILURE"]})
    assert get_group(cd, "canary", app="fn")["deploymentConfigName"] == "Canary"


@pytest.mark.parametrize("settings,code", [
    ({"ec2TagFilters": [{"Key": "a", "Type": "KEY_ONLY"}]}, "InvalidEC2TagException"),
    ({"onPremisesInstanceTagFilters": [{"Key": "a", "Type": "KEY_ONLY"}]},
     "InvalidTagException"),
    ({"autoScalingGroups": ["asg"]}, "InvalidAutoScalingGroupException"),
    ({"loadBalancerInfo": {"elbInfoList": [{"name": "lb"}]}}, "InvalidLoadBalancerInfoException"),
    ({"deploymentStyle": {"deploymentType": "IN_PLACE"}}, "InvalidDeploymentStyleException"),
    ({"deploymentConfigName": "CodeDeployDefault.OneAtATime"},
     "InvalidDeploymentConfigNameException"),
    ({"blueGreenDeploymentConfiguration": {"deploymentReadyOption": {
        "actionOnTimeout": "CONTINUE_DEPLOYMENT"}}},
     "InvalidBlueGreenDeploymentConfigurationException"),
])
def test_lambda_groups_refuse_server_settings(raw, lambda_app, settings, code):
    kwargs = {"applicationName": "fn", "deploymentGroupName": "g", "serviceRoleArn": ROLE}
    kwargs.update(settings)
    assert error_code(raw.create_deployment_group, **kwargs) == code


def test_update_changes_only_what_is_given(cd, app):
    cd.create_deployment_group(applicationName="web", deploymentGroupName="g",
                               serviceRoleArn=ROLE,
                               ec2TagFilters=[{"Key": "env", "Value": "prod",
                                               "Type": "KEY_AND_VALUE"}],
                               autoScalingGroups=["asg"],
                               alarmConfiguration={"enabled": True, "alarms": [{"name": "a"}]})
    before = get_group(cd, "g")
    out = cd.update_deployment_group(applicationName="web", currentDeploymentGroupName="g",
                                     deploymentConfigName="CodeDeployDefault.AllAtOnce",
                                     outdatedInstancesStrategy="IGNORE")
    assert out["hooksNotCleanedUp"] == []
    after = get_group(cd, "g")
    assert after["deploymentConfigName"] == "CodeDeployDefault.AllAtOnce"
    assert after["outdatedInstancesStrategy"] == "IGNORE"
    for key in ("deploymentGroupId", "ec2TagFilters", "autoScalingGroups", "alarmConfiguration",
                "serviceRoleArn", "deploymentStyle"):
        assert after[key] == before[key], key
    # An empty list clears a list setting; the tag set can then replace the filters.
    assert error_code(cd.update_deployment_group, applicationName="web",
                      currentDeploymentGroupName="g",
                      ec2TagSet={"ec2TagSetList": [[{"Key": "x", "Type": "KEY_ONLY"}]]}) == \
        "InvalidEC2TagCombinationException"
    cd.update_deployment_group(applicationName="web", currentDeploymentGroupName="g",
                               ec2TagFilters=[], autoScalingGroups=[],
                               ec2TagSet={"ec2TagSetList": [[{"Key": "x", "Type": "KEY_ONLY"}]]})
    after = get_group(cd, "g")
    assert after["ec2TagFilters"] == [] and after["autoScalingGroups"] == []
    assert after["ec2TagSet"] == {"ec2TagSetList": [[{"Key": "x", "Type": "KEY_ONLY"}]]}
    # Invalid updates change nothing.
    assert error_code(cd.update_deployment_group, applicationName="web",
                      currentDeploymentGroupName="g", serviceRoleArn="bogus") == \
        "InvalidRoleException"
    assert error_code(cd.update_deployment_group, applicationName="web",
                      currentDeploymentGroupName="g", deploymentConfigName="missing") == \
        "DeploymentConfigDoesNotExistException"
    assert get_group(cd, "g") == after


def test_update_with_the_cli(server, app):
    server.aws("deploy", "create-deployment-group", "--application-name", "web",
               "--deployment-group-name", "g", "--service-role-arn", ROLE)
    out = server.aws("deploy", "update-deployment-group", "--application-name", "web",
                     "--current-deployment-group-name", "g",
                     "--on-premises-instance-tag-filters", "Key=role,Type=KEY_ONLY",
                     "--alarm-configuration", "enabled=true,alarms=[{name=errors}]",
                     "--trigger-configurations",
                     f"triggerName=t,triggerTargetArn={TOPIC},triggerEvents=DeploymentSuccess")
    assert out["hooksNotCleanedUp"] == []
    info = server.aws("deploy", "get-deployment-group", "--application-name", "web",
                      "--deployment-group-name", "g")["deploymentGroupInfo"]
    assert info["onPremisesInstanceTagFilters"] == [{"Key": "role", "Type": "KEY_ONLY"}]
    assert info["alarmConfiguration"] == {"enabled": True, "ignorePollAlarmFailure": False,
                                          "alarms": [{"name": "errors"}]}
    assert info["triggerConfigurations"] == [{"triggerName": "t", "triggerTargetArn": TOPIC,
                                              "triggerEvents": ["DeploymentSuccess"]}]


def test_rename_keeps_id_and_tags(server, cd, app):
    group_id = cd.create_deployment_group(
        applicationName="web", deploymentGroupName="old", serviceRoleArn=ROLE,
        tags=[{"Key": "team", "Value": "core"}])["deploymentGroupId"]
    cd.create_deployment_group(applicationName="web", deploymentGroupName="other",
                               serviceRoleArn=ROLE)
    assert tags_of(cd, group_arn(server, "web", "old")) == {"team": "core"}
    assert error_code(cd.update_deployment_group, applicationName="web",
                      currentDeploymentGroupName="old", newDeploymentGroupName="other") == \
        "DeploymentGroupAlreadyExistsException"
    cd.update_deployment_group(applicationName="web", currentDeploymentGroupName="old",
                               newDeploymentGroupName="new")
    info = get_group(cd, "new")
    assert info["deploymentGroupId"] == group_id
    assert info["deploymentGroupName"] == "new"
    assert error_code(cd.get_deployment_group, applicationName="web",
                      deploymentGroupName="old") == "DeploymentGroupDoesNotExistException"
    assert tags_of(cd, group_arn(server, "web", "new")) == {"team": "core"}
    # The tags moved: a new group under the old name starts with none.
    cd.create_deployment_group(applicationName="web", deploymentGroupName="old",
                               serviceRoleArn=ROLE)
    assert tags_of(cd, group_arn(server, "web", "old")) == {}
    assert cd.list_deployment_groups(applicationName="web")["deploymentGroups"] == \
        ["new", "old", "other"]
    assert error_code(cd.update_deployment_group, applicationName="web",
                      currentDeploymentGroupName="gone") == \
        "DeploymentGroupDoesNotExistException"
    assert error_code(cd.update_deployment_group, applicationName="nope",
                      currentDeploymentGroupName="new") == "ApplicationDoesNotExistException"


def test_update_keeps_what_the_engine_maintains(server, request, cd, app):
    cd.create_deployment_group(applicationName="web", deploymentGroupName="g",
                               serviceRoleArn=ROLE)
    server.stop()
    # What the deployment engine writes into the document after a deployment.
    revision = {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "k.zip",
                                                      "bundleType": "zip"}}
    last = {"deploymentId": "d-ABCDEFGH1", "status": "Succeeded",
            "endTime": 1700000000.5, "createTime": 1700000000.0}
    ((text,),) = store_sql(server, request,
                           "SELECT doc FROM deployment_groups WHERE name = 'g'")
    doc = json.loads(text)
    doc.update(targetRevision=revision, lastSuccessfulDeployment=last,
               lastAttemptedDeployment=last)
    store_sql(server, request, "UPDATE deployment_groups SET doc = '%s' WHERE name = 'g'"
              % json.dumps(doc).replace("'", "''"))
    server.start(server.port)
    cd = server.client("codedeploy")
    cd.update_deployment_group(applicationName="web", currentDeploymentGroupName="g",
                               newDeploymentGroupName="h",
                               deploymentConfigName="CodeDeployDefault.HalfAtATime")
    info = get_group(cd, "h")
    assert info["targetRevision"]["s3Location"]["key"] == "k.zip"
    assert info["lastSuccessfulDeployment"]["deploymentId"] == "d-ABCDEFGH1"
    assert info["lastAttemptedDeployment"]["status"] == "Succeeded"
    assert info["deploymentConfigName"] == "CodeDeployDefault.HalfAtATime"


def test_delete(server, cd, app):
    cd.create_deployment_config(deploymentConfigName="mine",
                                minimumHealthyHosts={"type": "HOST_COUNT", "value": 1})
    cd.create_deployment_group(applicationName="web", deploymentGroupName="g",
                               serviceRoleArn=ROLE, deploymentConfigName="mine",
                               tags=[{"Key": "k", "Value": "v"}])
    arn = group_arn(server, "web", "g")
    assert tags_of(cd, arn) == {"k": "v"}
    out = cd.delete_deployment_group(applicationName="web", deploymentGroupName="g")
    assert out["hooksNotCleanedUp"] == []
    assert error_code(cd.get_deployment_group, applicationName="web",
                      deploymentGroupName="g") == "DeploymentGroupDoesNotExistException"
    # The configuration it named is free again; deleting a missing group is not an error.
    cd.delete_deployment_config(deploymentConfigName="mine")
    assert cd.delete_deployment_group(applicationName="web",
                                      deploymentGroupName="g")["hooksNotCleanedUp"] == []
    # A group with the same name is a new group.
    new_id = cd.create_deployment_group(applicationName="web", deploymentGroupName="g",
                                        serviceRoleArn=ROLE)["deploymentGroupId"]
    assert tags_of(cd, arn) == {}  # the deleted group's tags went with it
    assert get_group(cd, "g")["deploymentGroupId"] == new_id


def test_delete_with_the_cli(server, app):
    server.aws("deploy", "create-deployment-group", "--application-name", "web",
               "--deployment-group-name", "g", "--service-role-arn", ROLE)
    out = server.aws("deploy", "delete-deployment-group", "--application-name", "web",
                     "--deployment-group-name", "g")
    assert out == {"hooksNotCleanedUp": []}
    p = server.aws("deploy", "get-deployment-group", "--application-name", "web",
                   "--deployment-group-name", "g", check=False)
    assert p.returncode != 0 and "DeploymentGroupDoesNotExistException" in p.stderr


def test_batch_get_reports_missing_groups(cd, raw, app):
    for name in ("a", "b"):
        cd.create_deployment_group(applicationName="web", deploymentGroupName=name,
                                   serviceRoleArn=ROLE)
    out = cd.batch_get_deployment_groups(applicationName="web",
                                         deploymentGroupNames=["b", "ghost", "a"])
    assert [g["deploymentGroupName"] for g in out["deploymentGroupsInfo"]] == ["b", "a"]
    assert "ghost" in out["errorMessage"]
    assert error_code(raw.batch_get_deployment_groups, applicationName="web",
                      deploymentGroupNames=[]) == "DeploymentGroupNameRequiredException"
    assert error_code(raw.batch_get_deployment_groups, applicationName="web",
                      deploymentGroupNames=[f"g{i}" for i in range(101)]) == \
        "BatchLimitExceededException"
    assert error_code(cd.batch_get_deployment_groups, applicationName="nope",
                      deploymentGroupNames=["a"]) == "ApplicationDoesNotExistException"


def test_list_pagination(cd, raw, app):
    names = [f"group-{i:03d}" for i in range(101)]
    for name in names:
        cd.create_deployment_group(applicationName="web", deploymentGroupName=name,
                                   serviceRoleArn=ROLE)
    first = cd.list_deployment_groups(applicationName="web")
    assert first["applicationName"] == "web"
    assert first["deploymentGroups"] == names[:100]
    second = cd.list_deployment_groups(applicationName="web", nextToken=first["nextToken"])
    assert second["deploymentGroups"] == names[100:]
    assert "nextToken" not in second
    paged = [n for page in cd.get_paginator("list_deployment_groups").paginate(
        applicationName="web") for n in page["deploymentGroups"]]
    assert paged == names
    assert error_code(raw.list_deployment_groups, applicationName="web",
                      nextToken="AAAA") == "InvalidNextTokenException"


def test_group_limit_per_application(server, request, cd, app):
    server.stop()
    rows = [f"('web', 'g{i:04d}', 'id-{i}', 'CodeDeployDefault.OneAtATime', '{{}}')"
            for i in range(1000)]
    store_sql(server, request, *[
        "INSERT INTO deployment_groups (app, name, id, config, doc) VALUES "
        + ", ".join(rows[i:i + 200]) for i in range(0, 1000, 200)])
    server.start(server.port)
    cd = server.client("codedeploy")
    assert error_code(cd.create_deployment_group, applicationName="web",
                      deploymentGroupName="one-more", serviceRoleArn=ROLE) == \
        "DeploymentGroupLimitExceededException"
    cd.create_application(applicationName="other")
    cd.create_deployment_group(applicationName="other", deploymentGroupName="one-more",
                               serviceRoleArn=ROLE)


def test_application_rename_and_delete_carry_the_groups(cd, app):
    cd.create_deployment_group(applicationName="web", deploymentGroupName="g",
                               serviceRoleArn=ROLE)
    cd.update_application(applicationName="web", newApplicationName="site")
    info = get_group(cd, "g", app="site")
    assert info["applicationName"] == "site"
    cd.delete_application(applicationName="site")
    cd.create_application(applicationName="site")
    assert cd.list_deployment_groups(applicationName="site")["deploymentGroups"] == []


def test_restart_keeps_groups(server, cd, app):
    cd.create_deployment_group(applicationName="web", deploymentGroupName="full",
                               serviceRoleArn=ROLE, **FULL)
    before = get_group(cd, "full")
    server.restart()
    cd2 = server.client("codedeploy")
    assert get_group(cd2, "full") == before
    assert cd2.list_deployment_groups(applicationName="web")["deploymentGroups"] == ["full"]
