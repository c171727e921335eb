"""Deployments that watch CloudWatch alarms, end to end with real slipway-agent processes and
Debian's boto3 (CloudWatch over the query protocol): an alarm going to ALARM mid-deployment stops
it with ALARM_ACTIVE and DEPLOYMENT_STOP_ON_ALARM rolls it back by itself; an alarm that does not
exist stops a deployment unless ignorePollAlarmFailure is set; a disabled configuration and
overrideAlarmConfiguration are honoured."""
import os

import pytest
from agents import agent_available, dserver, wait_deployment  # noqa: F401
from test_deployments_agents import GATE, bundle, kit, release, wait_gate  # noqa: F401

SLIPWAYD_ARGS = ["--poll-timeout", "20", "--agent-timeout", "300", "--event-timeout", "300"]

pytestmark = [
    pytest.mark.skipif(not agent_available(), reason="slipway-agent has no poll loop in this "
                       "build"),
    pytest.mark.skipif(os.geteuid() != 0, reason="hosts need their own mount namespace (root)"),
]


def _alarm(cw, name, metric, missing="notBreaching"):
    cw.put_metric_alarm(AlarmName=name, Namespace="App", MetricName=metric, Statistic="Sum",
                        Period=60, EvaluationPeriods=1, Threshold=1.0,
                        ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData=missing)


def test_alarm_stops_the_deployment_and_rolls_it_back(kit):
    cw = kit.server.client("cloudwatch")
    _alarm(cw, "errors", "Errors")
    hosts = kit.hosts(2, {"config": "CodeDeployDefault.AllAtOnce",
                          "alarmConfiguration": {"enabled": True,
                                                 "alarms": [{"name": "errors"}]},
                          "autoRollbackConfiguration": {
                              "enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM"]}})
    good = kit.deploy(bundle("good"))
    assert wait_deployment(kit.cd, good)["status"] == "Succeeded"
    did = kit.deploy(bundle("new", {"ValidateService": (GATE, 300)}))
    try:
        wait_gate(kit, hosts)
        cw.put_metric_data(Namespace="App", MetricData=[{"MetricName": "Errors", "Value": 5}])
        state = cw.describe_alarms(AlarmNames=["errors"])["MetricAlarms"][0]["StateValue"]
        assert state in ("ALARM", "OK")  # evaluated at once or within the pass
    finally:
        release(kit, hosts)
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Stopped", info
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert "errors" in info["errorInformation"]["message"]
    rb = info["rollbackInfo"]["rollbackDeploymentId"]
    assert "DEPLOYMENT_STOP_ON_ALARM" in info["rollbackInfo"]["rollbackMessage"]
    rbi = wait_deployment(kit.cd, rb)
    assert rbi["status"] == "Succeeded", rbi
    assert rbi["creator"] == "codeDeployRollback"
    for h in hosts:
        assert kit.read(h, "/opt/app/index.html") == "<h1>good</h1>\n"


def test_unknown_alarms_follow_ignore_poll_alarm_failure(kit):
    kit.hosts(1, {"alarmConfiguration": {"enabled": True, "alarms": [{"name": "ghost"}]}})
    did = kit.deploy(bundle("v1"))
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Stopped" and info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert "ghost" in info["errorInformation"]["message"]
    kit.cd.update_deployment_group(
        applicationName="app", currentDeploymentGroupName="web",
        alarmConfiguration={"enabled": True, "ignorePollAlarmFailure": True,
                            "alarms": [{"name": "ghost"}]})
    assert wait_deployment(kit.cd, kit.deploy(bundle("v2")))["status"] == "Succeeded"
    # disabled: the list is kept but ignored
    kit.cd.update_deployment_group(
        applicationName="app", currentDeploymentGroupName="web",
        alarmConfiguration={"enabled": False, "alarms": [{"name": "ghost"}]})
    assert wait_deployment(kit.cd, kit.deploy(bundle("v3")))["status"] == "Succeeded"
    # a deployment's override wins over the group's configuration
    did = kit.deploy(bundle("v4"), overrideAlarmConfiguration={
        "enabled": True, "alarms": [{"name": "ghost"}]})
    assert wait_deployment(kit.cd, did)["status"] == "Stopped"


def test_an_alarm_already_firing_stops_a_new_deployment(kit):
    cw = kit.server.client("cloudwatch")
    _alarm(cw, "latency", "Latency", missing="ignore")  # evaluations keep a set state
    kit.hosts(1, {"alarmConfiguration": {"enabled": True, "alarms": [{"name": "latency"}]}})
    cw.set_alarm_state(AlarmName="latency", StateValue="ALARM", StateReason="test")
    did = kit.deploy(bundle("v1"))
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Stopped" and info["errorInformation"]["code"] == "ALARM_ACTIVE"
    assert "latency" in info["errorInformation"]["message"]
