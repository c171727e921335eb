"""The deployment API and the agent channel at the wire: CreateDeployment and its validation, the
reads (GetDeployment, targets, instances, lists and filters), the Commands API as an agent speaks
it (long poll, signed specification, acknowledgement, completion, identity checks), minimum
healthy hosts and health ordering, queueing, stop, automatic rollback, silent agents and a
kill -9 of slipwayd — driven with boto3, the aws CLI and a protocol-level agent (FakeAgent)
that signs its requests with the host's own key."""
import json
import threading
import time

import botocore.exceptions
import ports
import pytest
from agents import (ALL_EVENTS, TRAFFIC, FakeAgent, Fleet, dserver, events,  # noqa: F401
                    max_in_flight, open_spec, ran, targets, wait_deployment, wait_until,
                    with_args)

# A short poll timeout keeps "nothing for the host" answers quick; the agent and event timeouts
# are long, so that no deployment a test still acts on fails under it while slow clients talk.
# The tests of those timeouts set them short for themselves (slipwayd_args).
SLIPWAYD_ARGS = ["--poll-timeout", "3", "--agent-timeout", "300", "--event-timeout", "300"]
AGENT_TIMEOUT = ("--agent-timeout", "4")
EVENT_TIMEOUT = ("--event-timeout", "8")
AGENT_MESSAGE = ("CodeDeploy agent was not able to receive the lifecycle event. Check the "
                 "CodeDeploy agent logs on your host and make sure the agent is running and can "
                 "connect to the CodeDeploy server.")
IN_PLACE = ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
            "ApplicationStart", "ValidateService"]


def error_of(fn, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        fn(*args, **kwargs)
    return ei.value.response["Error"]["Code"], ei.value.response["Error"]["Message"]


def appspec(tag="v1"):
    return {"revisionType": "String",
            "string": {"content": f"version: 0.0\nos: linux\n# {tag}\n"}}


@pytest.fixture
def fleet(dserver):
    return Fleet(dserver)


@pytest.fixture
def cd(dserver):
    return dserver.client("codedeploy")


@pytest.fixture
def raw_cd(dserver):
    return dserver.client("codedeploy", parameter_validation=False)


def agents_for(dserver, hosts, behaviour=lambda name: None, delay=0.0):
    return [FakeAgent(dserver, h).run(behaviour, delay) for h in hosts]


def stop_agents(agents):
    for a in agents:
        a.stop()


# ---- CreateDeployment validation ----------------------------------------------------------

def test_create_deployment_validation(dserver, fleet, cd, raw_cd):
    fleet.add("host-1")
    fleet.group()
    s3 = dserver.client("s3")
    s3.create_bucket(Bucket="bundles")
    ok = dict(applicationName="app", deploymentGroupName="web", revision=appspec())

    def code(**changes):
        args = dict(ok)
        args.update(changes)
        args = {k: v for k, v in args.items() if v is not None}
        return error_of(raw_cd.create_deployment, **args)

    assert code(applicationName=None)[0] == "ApplicationNameRequiredException"
    assert code(deploymentGroupName=None)[0] == "DeploymentGroupNameRequiredException"
    assert code(revision=None)[0] == "RevisionRequiredException"
    assert code(applicationName="nope")[0] == "ApplicationDoesNotExistException"
    assert code(deploymentGroupName="nope")[0] == "DeploymentGroupDoesNotExistException"
    assert code(deploymentConfigName="Custom.Missing")[0] == \
        "DeploymentConfigDoesNotExistException"
    assert code(deploymentConfigName="CodeDeployDefault.LambdaAllAtOnce")[0] == \
        "InvalidDeploymentConfigNameException"
    assert code(fileExistsBehavior="CLOBBER")[0] == "InvalidFileExistsBehaviorException"
    assert code(description="x" * 257)[0] == "DescriptionTooLongException"
    assert code(ignoreApplicationStopFailures="yes")[0] == \
        "InvalidIgnoreApplicationStopFailuresValueException"
    assert code(updateOutdatedInstancesOnly="yes")[0] == \
        "InvalidUpdateOutdatedInstancesOnlyValueException"
    assert code(autoRollbackConfiguration={"enabled": True, "events": ["WHENEVER"]})[0] == \
        "InvalidAutoRollbackConfigException"
    assert code(autoRollbackConfiguration={"enabled": True, "events": []})[0] == \
        "InvalidAutoRollbackConfigException"
    assert code(targetInstances={"tagFilters": [{"Key": "a", "Value": "b",
                                                 "Type": "KEY_AND_VALUE"}]})[0] == \
        "InvalidTargetInstancesException"
    c, msg = code(revision={"revisionType": "S3", "s3Location": {
        "bucket": "bundles", "key": "missing.zip", "bundleType": "zip"}})
    assert c == "RevisionDoesNotExistException" and "s3://bundles/missing.zip" in msg
    assert code(revision={"revisionType": "GitHub", "gitHubLocation": {
        "repository": "a/b", "commitId": "abc"}})[0] == "InvalidRevisionException"
    # nothing was recorded
    assert cd.list_deployments()["deployments"] == []
    # the same through the aws CLI
    p = dserver.aws("deploy", "create-deployment", "--application-name", "app",
                    "--deployment-group-name", "web", "--s3-location",
                    "bucket=bundles,key=missing.zip,bundleType=zip", check=False)
    assert p.returncode != 0 and "RevisionDoesNotExistException" in p.stderr


def test_blue_green_deployments_need_a_replacement_fleet_that_slipway_can_have(fleet, cd):
    fleet.add("host-1")
    fleet.group(group="bg", deploymentStyle={"deploymentType": "BLUE_GREEN",
                                             "deploymentOption": "WITH_TRAFFIC_CONTROL"},
                loadBalancerInfo={"targetGroupInfoList": [{"name": "tg"}]},
                blueGreenDeploymentConfiguration={
                    "greenFleetProvisioningOption": {"action": "DISCOVER_EXISTING"}})
    # the replacement fleet is named by each deployment
    code, msg = error_of(cd.create_deployment, applicationName="app",
                         deploymentGroupName="bg", revision=appspec())
    assert code == "InvalidTargetInstancesException" and "targetInstances" in msg
    code, msg = error_of(cd.create_deployment, applicationName="app",
                         deploymentGroupName="bg", revision=appspec(),
                         targetInstances={"autoScalingGroups": ["asg-1"]})
    assert code == "InvalidTargetInstancesException" and "Auto Scaling" in msg
    # an in-place group has no replacement fleet
    fleet.group(group="web")
    code, msg = error_of(cd.create_deployment, applicationName="app",
                         deploymentGroupName="web", revision=appspec(),
                         targetInstances={"tagFilters": [{"Key": "role", "Value": "web",
                                                          "Type": "KEY_AND_VALUE"}]})
    assert code == "InvalidTargetInstancesException" and "in place" in msg
    # a green fleet copied from an Auto Scaling group cannot be
    fleet.group(group="asg", deploymentStyle={"deploymentType": "BLUE_GREEN",
                                              "deploymentOption": "WITH_TRAFFIC_CONTROL"},
                loadBalancerInfo={"targetGroupInfoList": [{"name": "tg"}]},
                autoScalingGroups=["asg-1"],
                blueGreenDeploymentConfiguration={
                    "greenFleetProvisioningOption": {"action": "COPY_AUTO_SCALING_GROUP"}})
    code, msg = error_of(cd.create_deployment, applicationName="app",
                         deploymentGroupName="asg", revision=appspec(),
                         targetInstances={"tagFilters": [{"Key": "role", "Value": "web",
                                                          "Type": "KEY_AND_VALUE"}]})
    assert code == "OperationNotSupportedException" and "DISCOVER_EXISTING" in msg


def test_reads_of_missing_and_malformed_ids(cd, raw_cd):
    assert error_of(raw_cd.get_deployment, deploymentId="")[0] == \
        "DeploymentIdRequiredException"
    assert error_of(cd.get_deployment, deploymentId="d-123")[0] == \
        "InvalidDeploymentIdException"
    code, msg = error_of(cd.get_deployment, deploymentId="d-ABCDEFGH1")
    assert code == "DeploymentDoesNotExistException" and "d-ABCDEFGH1" in msg
    assert error_of(cd.batch_get_deployments, deploymentIds=["d-ABCDEFGH1"] * 26)[0] == \
        "BatchLimitExceededException"
    assert error_of(cd.batch_get_deployments, deploymentIds=["bad"])[0] == \
        "InvalidDeploymentIdException"
    assert cd.batch_get_deployments(deploymentIds=["d-ABCDEFGH1"])["deploymentsInfo"] == []
    assert error_of(cd.stop_deployment, deploymentId="d-ABCDEFGH1")[0] == \
        "DeploymentDoesNotExistException"
    assert error_of(cd.list_deployment_targets, deploymentId="d-ABCDEFGH1")[0] == \
        "DeploymentDoesNotExistException"
    assert error_of(cd.list_deployments, applicationName="app")[0] == \
        "DeploymentGroupNameRequiredException"
    assert error_of(cd.list_deployments, applicationName="nope",
                    deploymentGroupName="web")[0] == "ApplicationDoesNotExistException"
    assert error_of(cd.list_deployments, includeOnlyStatuses=["Done"])[0] == \
        "InvalidDeploymentStatusException"
    assert error_of(cd.list_deployments, nextToken="garbage")[0] == "InvalidNextTokenException"


# ---- a whole deployment over the wire -----------------------------------------------------

def test_one_host_deployment_end_to_end(dserver, fleet, cd):
    host = fleet.add("host-1")
    group_id = fleet.group()
    agent = FakeAgent(dserver, host)
    before = time.time()
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec(), description="first",
                               fileExistsBehavior="OVERWRITE")["deploymentId"]
    assert did.startswith("d-") and len(did) == 11 and did[2:].isalnum() and did[2:].isupper()

    # the agent takes each event in AWS's order, one at a time
    seen = []
    spec = None
    for _ in IN_PLACE:
        cmd = agent.next_command()
        assert cmd is not None
        assert cmd["HostIdentifier"] == host.user_arn
        assert cmd["DeploymentExecutionId"].endswith(":deployment/" + did)
        assert cmd["DeploymentExecutionId"].startswith("CodeDeploy/us-east-1/Prod/arn:aws:sds:")
        assert isinstance(cmd["Nonce"], int)
        seen.append(cmd["CommandName"])
        if spec is None:
            reply = agent.spec(cmd)
            assert reply["DeploymentSystem"] == "CodeDeploy"
            spec = open_spec(dserver, reply)
        assert agent.ack(cmd, noop=cmd["CommandName"] not in ("DownloadBundle", "Install")) == \
            {"CommandStatus": "InProgress"}
        # while the agent works, the event shows InProgress with a start time
        t = targets(cd, did)["host-1"]
        assert events(t)[cmd["CommandName"]]["status"] == "InProgress"
        assert "startTime" in events(t)[cmd["CommandName"]]
        agent.complete(cmd)
    assert seen == IN_PLACE
    info = wait_deployment(cd, did)
    assert info["status"] == "Succeeded", info
    assert info["deploymentOverview"] == {"Pending": 0, "InProgress": 0, "Succeeded": 1,
                                          "Failed": 0, "Skipped": 0, "Ready": 0}
    assert info["creator"] == "user" and info["description"] == "first"
    assert info["deploymentConfigName"] == "CodeDeployDefault.OneAtATime"
    assert info["fileExistsBehavior"] == "OVERWRITE"
    assert info["deploymentStyle"] == {"deploymentType": "IN_PLACE",
                                       "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}
    assert info["computePlatform"] == "Server"
    assert info["revision"]["revisionType"] == "String"
    assert "previousRevision" not in info and "errorInformation" not in info
    assert before - 2 <= info["createTime"].timestamp() <= info["startTime"].timestamp() \
        <= info["completeTime"].timestamp() <= time.time() + 2

    # the signed specification (§6.3): the members the AWS service sends, and only those
    # (codedeploy-local's AllPossibleLifecycleEvents breaks the stock agent's Install)
    assert set(spec) == {"DeploymentId", "DeploymentGroupId", "DeploymentGroupName",
                         "ApplicationName", "DeploymentCreator", "DeploymentType", "Revision",
                         "AgentActionOverrides"}
    assert spec["DeploymentId"].endswith(":deployment/" + did)
    assert spec["DeploymentGroupId"] == group_id
    assert spec["DeploymentGroupName"] == "web" and spec["ApplicationName"] == "app"
    assert spec["DeploymentCreator"] == "user" and spec["DeploymentType"] == "IN_PLACE"
    assert spec["AgentActionOverrides"] == {"AgentOverrides": {"FileExistsBehavior": "OVERWRITE"}}
    assert spec["Revision"]["RevisionType"] == "String"
    assert spec["Revision"]["StringRevision"]["Content"].startswith("version: 0.0")

    # targets, new and legacy shapes
    t = cd.get_deployment_target(deploymentId=did, targetId="host-1")["deploymentTarget"]
    assert t["deploymentTargetType"] == "InstanceTarget"
    it = t["instanceTarget"]
    assert it["targetArn"] == host.instance_arn and it["status"] == "Succeeded"
    # every event AWS lists for the deployment type; without a load balancer the traffic
    # events are Skipped, as AWS shows them
    assert [e["lifecycleEventName"] for e in it["lifecycleEvents"]] == ALL_EVENTS
    for e in it["lifecycleEvents"]:
        if e["lifecycleEventName"] in TRAFFIC:
            assert e == {"lifecycleEventName": e["lifecycleEventName"], "status": "Skipped"}
            continue
        assert e["status"] == "Succeeded"
        assert e["diagnostics"]["errorCode"] == "Success"
        assert e["startTime"] <= e["endTime"]
    assert [e["lifecycleEventName"] for e in ran(it)] == IN_PLACE
    assert cd.list_deployment_instances(deploymentId=did)["instancesList"] == ["host-1"]
    s = cd.get_deployment_instance(deploymentId=did, instanceId="host-1")["instanceSummary"]
    assert s["instanceId"] == host.instance_arn and s["status"] == "Succeeded"
    assert [e["lifecycleEventName"] for e in s["lifecycleEvents"]] == ALL_EVENTS
    b = cd.batch_get_deployment_instances(deploymentId=did, instanceIds=["host-1", "ghost"])
    assert [x["instanceId"] for x in b["instancesSummary"]] == [host.instance_arn]
    assert "ghost" in b["errorMessage"]
    assert error_of(cd.get_deployment_target, deploymentId=did, targetId="ghost")[0] == \
        "DeploymentTargetDoesNotExistException"
    assert error_of(cd.batch_get_deployment_targets, deploymentId=did,
                    targetIds=["x"] * 26)[0] == "DeploymentTargetListSizeExceededException"
    assert error_of(cd.list_deployment_targets, deploymentId=did,
                    targetFilters={"Color": ["Blue"]})[0] == "InvalidTargetFilterNameException"
    assert cd.list_deployment_targets(deploymentId=did, targetFilters={
        "TargetStatus": ["Failed"]})["targetIds"] == []
    assert cd.list_deployment_targets(deploymentId=did, targetFilters={
        "TargetStatus": ["Succeeded"]})["targetIds"] == ["host-1"]

    # the group now points at the revision; the revision records its use
    g = cd.get_deployment_group(applicationName="app",
                                deploymentGroupName="web")["deploymentGroupInfo"]
    assert g["targetRevision"]["revisionType"] == "String"
    assert g["lastSuccessfulDeployment"]["deploymentId"] == did
    assert g["lastSuccessfulDeployment"]["status"] == "Succeeded"
    assert g["lastAttemptedDeployment"]["deploymentId"] == did
    rev = cd.get_application_revision(applicationName="app", revision=appspec())
    assert rev["revisionInfo"]["firstUsedTime"] and rev["revisionInfo"]["lastUsedTime"]

    # the next deployment names the previous revision
    did2 = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                revision=appspec("v2"))["deploymentId"]
    info2 = cd.get_deployment(deploymentId=did2)["deploymentInfo"]
    assert info2["previousRevision"] == g["targetRevision"]
    assert cd.stop_deployment(deploymentId=did2)["status"] in ("Succeeded", "Pending")
    wait_deployment(cd, did2)


@pytest.mark.slipwayd_args("--queue-deployments", "--agent-timeout", "120")  # no agent
def test_list_deployments_filters_and_pages(dserver, fleet, cd):
    fleet.add("host-1")
    fleet.group()
    fleet.group(group="other")
    t0 = time.time()
    ids = []
    for i in range(3):
        ids.append(cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                        revision=appspec(f"r{i}"))["deploymentId"])
    other = cd.create_deployment(applicationName="app", deploymentGroupName="other",
                                 revision=appspec())["deploymentId"]
    # newest first
    got = cd.list_deployments(applicationName="app", deploymentGroupName="web")["deployments"]
    assert got == list(reversed(ids))
    assert set(cd.list_deployments()["deployments"]) == set(ids + [other])
    # the first of the group runs, the others wait (--queue-deployments)
    wait_deployment(cd, ids[1], statuses=("Queued",))
    wait_deployment(cd, ids[2], statuses=("Queued",))
    queued = cd.list_deployments(applicationName="app", deploymentGroupName="web",
                                 includeOnlyStatuses=["Queued"])["deployments"]
    assert set(queued) == {ids[1], ids[2]}
    assert cd.list_deployments(createTimeRange={"start": t0 + 3600})["deployments"] == []
    assert set(cd.list_deployments(createTimeRange={"start": t0 - 5, "end": time.time() + 5})[
        "deployments"]) == set(ids + [other])
    assert error_of(cd.list_deployments, createTimeRange={"start": t0 + 10, "end": t0})[0] == \
        "InvalidTimeRangeException"
    # the aws CLI pages through with nextToken (page size 100: make more than one page)
    out = dserver.aws("deploy", "list-deployments", "--application-name", "app",
                      "--deployment-group-name", "web")
    assert out["deployments"] == list(reversed(ids))
    for d in ids + [other]:
        try:
            cd.stop_deployment(deploymentId=d, autoRollbackEnabled=False)
        except cd.exceptions.DeploymentAlreadyCompletedException:
            pass
    for d in ids + [other]:
        assert wait_deployment(cd, d)["status"] == "Stopped"
    assert error_of(cd.stop_deployment, deploymentId=ids[0])[0] == \
        "DeploymentAlreadyCompletedException"
    assert error_of(cd.continue_deployment, deploymentId=ids[0])[0] == \
        "DeploymentAlreadyCompletedException"


@pytest.mark.slipwayd_args("--queue-deployments")
def test_list_deployments_pagination(dserver, fleet, cd):
    fleet.add("host-1")
    fleet.group()
    ids = [cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                revision=appspec(f"r{i}"))["deploymentId"] for i in range(105)]
    page = cd.list_deployments(applicationName="app", deploymentGroupName="web")
    assert len(page["deployments"]) == 100 and page["nextToken"]
    rest = cd.list_deployments(applicationName="app", deploymentGroupName="web",
                               nextToken=page["nextToken"])
    assert "nextToken" not in rest
    assert page["deployments"] + rest["deployments"] == list(reversed(ids))
    for d in ids:
        cd.stop_deployment(deploymentId=d)


# ---- the agent channel ----------------------------------------------------------------------

def test_long_poll_is_answered_the_moment_a_command_is_queued(dserver, fleet, cd):
    host = fleet.add("host-1")
    fleet.group()
    agent = FakeAgent(dserver, host)
    # idle: an empty answer after the poll timeout (3 s here; well before the default 60 s)
    t = time.time()
    assert agent.poll() is None
    assert 2.5 <= time.time() - t < 30
    # the rest with a poll timeout no slow CreateDeployment can outlast: a poll answered long
    # before it was answered by the queueing
    dserver.extra_args = with_args(dserver.extra_args, "--poll-timeout", "60")
    dserver.restart()
    got = {}
    sent = []

    def poll():
        got["t0"] = time.time()
        got["cmd"] = agent.poll(on_sent=sent.append)
        got["t1"] = time.time()

    th = threading.Thread(target=poll)
    th.start()
    # the poll is waiting on a suspended connection
    wait_until(lambda: sent and ports.held_by_slipwayd(dserver.proc.pid, dserver.port, sent),
               "the poll waits in slipwayd")
    created = time.time()
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    th.join(90)
    assert got["cmd"]["CommandName"] == "ApplicationStop"
    assert got["t1"] - created < 30, "the long poll was not answered at once"
    cd.stop_deployment(deploymentId=did)


@pytest.mark.slipwayd_args("--poll-timeout", "60")  # the polls wait for the shutdown, not a timer
def test_many_idle_polls_and_a_clean_shutdown(dserver, fleet):
    hosts = fleet.add_many(20)
    results = []
    sent = []

    def poll(h):
        results.append(FakeAgent(dserver, h).poll(on_sent=sent.append))

    threads = [threading.Thread(target=poll, args=(h,)) for h in hosts]
    for th in threads:
        th.start()
    wait_until(lambda: len(sent) == 20 and ports.held_by_slipwayd(dserver.proc.pid,
                                                                  dserver.port, sent),
               "20 polls wait in slipwayd")
    t = time.time()
    assert dserver.stop() == 0  # answers every waiting poll, then stops
    assert time.time() - t < 30  # not after the 60 s poll timeout
    for th in threads:
        th.join(10)
    assert results == [None] * 20


def test_identity_is_the_signing_instance(dserver, fleet, cd):
    h1, h2 = fleet.add("host-1"), fleet.add("host-2", tags={"role": "db"})
    fleet.group()
    a1, a2 = FakeAgent(dserver, h1), FakeAgent(dserver, h2)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    # another host's identifier is refused, whoever signs
    st, body = a2.call("PollHostCommand", {"HostIdentifier": h1.user_arn})
    assert st == 400 and body["__type"] == "ClientException"
    # an administrator's key is not a host
    st, body = a1.call("PollHostCommand", {"HostIdentifier": h1.user_arn},
                       key_id=dserver.access_key, secret=dserver.secret_key)
    assert st == 400 and body["__type"] == "ClientException"
    cmd = a1.next_command()
    # host-2 is not a target: no specification, no acknowledging host-1's command
    st, body = a2.call("GetDeploymentSpecification",
                       {"DeploymentExecutionId": cmd["DeploymentExecutionId"],
                        "HostIdentifier": h2.user_arn})
    assert st == 400 and body["__type"] == "ClientException"
    for op, extra in (("PutHostCommandAcknowledgement", {}),
                      ("PutHostCommandComplete", {"CommandStatus": "Succeeded"}),
                      ("PostHostCommandUpdate", {})):
        st, body = a2.call(op, dict(HostCommandIdentifier=cmd["HostCommandIdentifier"], **extra))
        assert st == 400 and body["__type"] == "ClientException", (op, body)
    st, body = a1.call("PutHostCommandComplete",
                       {"HostCommandIdentifier": cmd["HostCommandIdentifier"],
                        "CommandStatus": "Maybe"})
    assert st == 400 and body["__type"] == "ClientException"
    st, body = a1.call("GetDeploymentSpecification",
                       {"DeploymentExecutionId": "nonsense", "HostIdentifier": h1.user_arn})
    assert st == 400 and body["__type"] == "ClientException"
    # a bound host may not use the control plane either
    host_cd = dserver.client("codedeploy", h1.key_id, h1.secret)
    assert error_of(host_cd.stop_deployment, deploymentId=did)[0] == "AccessDeniedException"
    a1.ack(cmd)
    a1.complete(cmd)
    cd.stop_deployment(deploymentId=did)


def test_a_failing_event_reports_its_diagnostics(dserver, fleet, cd):
    host = fleet.add("host-1")
    fleet.group()
    agent = FakeAgent(dserver, host)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    for name in IN_PLACE[:4]:
        cmd = agent.next_command()
        assert cmd["CommandName"] == name
        agent.ack(cmd)
        if name != "Install":
            agent.complete(cmd)
    log = "".join(f"line {i}\n" for i in range(2000))  # longer than the 4 KiB kept
    agent.complete(cmd, "Failed", 4, "scripts/install.sh",
                   "Script at specified location: scripts/install.sh failed with exit code 3",
                   log)
    info = wait_deployment(cd, did)
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HEALTH_CONSTRAINTS"
    assert "too many individual instances failed" in info["errorInformation"]["message"]
    assert info["deploymentOverview"]["Failed"] == 1
    ev = events(targets(cd, did)["host-1"])
    assert ev["Install"]["status"] == "Failed"
    d = ev["Install"]["diagnostics"]
    assert d["errorCode"] == "ScriptFailed" and d["scriptName"] == "scripts/install.sh"
    assert "exit code 3" in d["message"]
    assert d["logTail"].endswith("line 1999\n") and len(d["logTail"]) <= 4096
    for name in IN_PLACE[4:]:
        assert ev[name]["status"] == "Skipped" and "startTime" not in ev[name]
    # a late report on a closed command is ignored
    assert agent.poll() is None


def test_a_second_completion_of_a_failed_command_is_ignored(dserver, fleet, cd):
    """The stock AWS agent reports PutHostCommandComplete twice for one failed command (its
    process_command reports and re-raises; acknowledge_and_process_command reports again with
    the exception's text): the first report stands."""
    host = fleet.add("host-1")
    fleet.group()
    agent = FakeAgent(dserver, host)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    cmd = agent.poll()
    assert cmd["CommandName"] == "ApplicationStop"
    agent.ack(cmd)
    agent.complete(cmd, "Failed", 4, "scripts/stop.sh",
                   "Script at specified location: scripts/stop.sh failed with exit code 1",
                   "[stderr]first\n")
    assert agent.complete(cmd, "Failed", 5, "", "Script at specified location: "
                          "scripts/stop.sh failed with exit code 1", "") == {}
    assert agent.complete(cmd, "Succeeded") == {}
    info = wait_deployment(cd, did)
    assert info["status"] == "Failed"
    ev = events(targets(cd, did)["host-1"])["ApplicationStop"]
    assert ev["status"] == "Failed"
    assert ev["diagnostics"] == {
        "errorCode": "ScriptFailed", "scriptName": "scripts/stop.sh",
        "message": "Script at specified location: scripts/stop.sh failed with exit code 1",
        "logTail": "[stderr]first\n"}
    assert agent.poll() is None


@pytest.mark.parametrize("code,name", [(1, "ScriptMissing"), (2, "ScriptNotExecutable"),
                                       (3, "ScriptTimedOut"), (5, "UnknownError"),
                                       (6, "ScriptFailed"), (7, "UnknownError")])
def test_agent_error_codes_map_to_lifecycle_error_codes(dserver, fleet, cd, code, name):
    host = fleet.add("host-1")
    fleet.group()
    agent = FakeAgent(dserver, host)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    cmd = agent.next_command()
    agent.ack(cmd)
    agent.complete(cmd, "Failed", code, "stop.sh", f"code {code}")
    wait_deployment(cd, did)
    d = events(targets(cd, did)["host-1"])["ApplicationStop"]["diagnostics"]
    assert d["errorCode"] == name and d["message"] == f"code {code}"


def test_ignore_application_stop_failures(dserver, fleet, cd):
    host = fleet.add("host-1")
    fleet.group()
    agents = agents_for(dserver, [host], lambda n: (4, "broken stop script")
                        if n == "ApplicationStop" else None)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec(), ignoreApplicationStopFailures=True)[
                                   "deploymentId"]
    info = wait_deployment(cd, did)
    stop_agents(agents)
    assert info["status"] == "Succeeded" and info["ignoreApplicationStopFailures"] is True
    ev = events(targets(cd, did)["host-1"])
    assert ev["ApplicationStop"]["status"] == "Failed"
    assert ev["ValidateService"]["status"] == "Succeeded"


@pytest.mark.slipwayd_args(*AGENT_TIMEOUT)
def test_an_agent_that_never_polls_fails_its_host_with_the_agent_message(dserver, fleet, cd):
    fleet.add("host-1")
    fleet.group()
    t = time.time()
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    info = wait_deployment(cd, did)
    assert 3.5 <= time.time() - t  # --agent-timeout 4
    assert info["status"] == "Failed"
    ev = events(targets(cd, did)["host-1"])
    assert ev["ApplicationStop"]["status"] == "Failed"
    assert ev["ApplicationStop"]["diagnostics"]["message"] == AGENT_MESSAGE
    assert ev["DownloadBundle"]["status"] == "Skipped"


@pytest.mark.slipwayd_args(*EVENT_TIMEOUT)
def test_an_acknowledged_event_that_never_completes_fails(dserver, fleet, cd):
    host = fleet.add("host-1")
    fleet.group()
    agent = FakeAgent(dserver, host)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    cmd = agent.next_command()
    agent.ack(cmd)
    t = time.time()
    info = wait_deployment(cd, did)
    assert time.time() - t >= 6  # --event-timeout 8
    d = events(targets(cd, did)["host-1"])["ApplicationStop"]["diagnostics"]
    assert info["status"] == "Failed" and "did not complete within 8 seconds" in d["message"]
    # the agent reporting after all changes nothing
    agent.complete(cmd)
    assert cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"] == "Failed"


@pytest.mark.slipwayd_args(*EVENT_TIMEOUT)
def test_post_host_command_update_extends_the_deadline(dserver, fleet, cd):
    host = fleet.add("host-1")
    fleet.group()
    agent = FakeAgent(dserver, host)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    cmd = agent.next_command()
    agent.ack(cmd)
    st, body = agent.call("PostHostCommandUpdate",
                          {"HostCommandIdentifier": cmd["HostCommandIdentifier"],
                           "EstimatedCompletionTime": time.time() + 60})
    assert st == 200 and body == {"CommandStatus": "InProgress"}
    time.sleep(10)  # past --event-timeout 8, within the estimate
    assert cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"] == "InProgress"
    agent.complete(cmd)
    cd.stop_deployment(deploymentId=did)


# ---- minimum healthy hosts, ordering, queueing ------------------------------------------------

@pytest.mark.parametrize("config,custom,expect", [
    ("CodeDeployDefault.AllAtOnce", None, 6),
    ("CodeDeployDefault.HalfAtATime", None, 3),
    ("CodeDeployDefault.OneAtATime", None, 1),
    ("Custom.HostCount4", {"type": "HOST_COUNT", "value": 4}, 2),
    ("Custom.Percent30", {"type": "FLEET_PERCENT", "value": 30}, 4),
])
def test_hosts_in_flight_follow_the_minimum_healthy_hosts(dserver, fleet, cd, config, custom,
                                                          expect):
    hosts = fleet.add_many(6)
    if custom:
        cd.create_deployment_config(deploymentConfigName=config, minimumHealthyHosts=custom)
    fleet.group(config=config)
    # The first hosts to start hold their first event until `expect` of them have started, so
    # that they are in flight together however slowly this machine runs them (the engine
    # must let that many start; if it lets fewer, the wait gives up and the count below says so).
    started = set()
    together = threading.Condition()

    def gathering(h):
        def behaviour(name):
            if name == "ApplicationStop":
                with together:
                    started.add(h.name)
                    together.notify_all()
                    together.wait_for(lambda: len(started) >= expect, timeout=60)
        return behaviour

    agents = [FakeAgent(dserver, h).run(gathering(h), delay=0.08) for h in hosts]
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    info = wait_deployment(cd, did, timeout=180)
    stop_agents(agents)
    assert info["status"] == "Succeeded", info
    assert info["deploymentOverview"]["Succeeded"] == 6
    assert max_in_flight(cd, did) == expect


def test_health_constraints_invalid_up_front(fleet, cd):
    fleet.add_many(2)
    cd.create_deployment_config(deploymentConfigName="Strict",
                                minimumHealthyHosts={"type": "HOST_COUNT", "value": 2})
    fleet.group(config="Strict")
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    info = wait_deployment(cd, did)
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HEALTH_CONSTRAINTS_INVALID"


def test_no_instances(fleet, cd):
    fleet.add("host-1", tags={"role": "db"})
    fleet.group()
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    info = wait_deployment(cd, did)
    assert info["status"] == "Failed" and info["errorInformation"]["code"] == "NO_INSTANCES"


def test_one_at_a_time_fails_fast_but_forgives_the_last_instance(dserver, fleet, cd):
    hosts = fleet.add_many(3)
    fleet.group()
    # host-1 goes first (all equally unknown: by name) and fails: nothing else is tried
    bad = {"host-1"}

    def behaviour_for(h):
        return lambda n: (4, "boom") if n == "AfterInstall" and h.name in bad else None

    agents = [FakeAgent(dserver, h).run(behaviour_for(h)) for h in hosts]
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec("a"))["deploymentId"]
    info = wait_deployment(cd, did)
    assert info["status"] == "Failed"
    assert info["errorInformation"]["code"] == "HEALTH_CONSTRAINTS"
    t = targets(cd, did)
    assert t["host-1"]["status"] == "Failed"
    assert t["host-2"]["status"] == "Skipped" and t["host-3"]["status"] == "Skipped"
    assert info["deploymentOverview"]["Skipped"] == 2

    # next time host-1 (now Unhealthy) goes first; only the last one fails: success
    bad.clear()
    bad.add("host-3")
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec("b"))["deploymentId"]
    info = wait_deployment(cd, did)
    stop_agents(agents)
    assert info["status"] == "Succeeded", info
    t = targets(cd, did)
    assert t["host-3"]["status"] == "Failed"
    assert t["host-1"]["status"] == t["host-2"]["status"] == "Succeeded"
    order = sorted(t.values(), key=lambda x: ran(x)[0]["startTime"])
    assert [x["targetId"] for x in order] == ["host-1", "host-2", "host-3"]


def test_unhealthy_instances_are_deployed_first(dserver, fleet, cd):
    hosts = fleet.add_many(3)
    fleet.group(config="CodeDeployDefault.AllAtOnce")
    failing = {"host-3"}
    agents = [FakeAgent(dserver, h).run(
        (lambda name, h=h: (4, "no") if h.name in failing and name == "ValidateService"
         else None)) for h in hosts]
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec("a"))["deploymentId"]
    assert wait_deployment(cd, did)["status"] == "Succeeded"
    failing.clear()
    cd.update_deployment_group(applicationName="app", currentDeploymentGroupName="web",
                               deploymentConfigName="CodeDeployDefault.OneAtATime")
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec("b"))["deploymentId"]
    assert wait_deployment(cd, did)["status"] == "Succeeded"
    stop_agents(agents)
    t = targets(cd, did)
    order = sorted(t.values(), key=lambda x: ran(x)[0]["startTime"])
    assert [x["targetId"] for x in order] == ["host-3", "host-1", "host-2"]


def test_update_outdated_instances_only(dserver, fleet, cd):
    hosts = fleet.add_many(2)
    fleet.group(config="CodeDeployDefault.AllAtOnce")
    agents = agents_for(dserver, hosts)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    assert wait_deployment(cd, did)["status"] == "Succeeded"
    newcomer = fleet.add("host-3")
    agents += agents_for(dserver, [newcomer])
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec(), updateOutdatedInstancesOnly=True)[
                                   "deploymentId"]
    info = wait_deployment(cd, did)
    stop_agents(agents)
    assert info["status"] == "Succeeded" and info["updateOutdatedInstancesOnly"] is True
    assert info["deploymentOverview"]["Succeeded"] == 1
    assert info["deploymentOverview"]["Skipped"] == 2
    assert targets(cd, did)["host-3"]["status"] == "Succeeded"
    assert [n for n, d in agents[2].seen if d == did] == IN_PLACE
    assert not [n for n, d in agents[0].seen if d == did]


@pytest.mark.slipwayd_args("--agent-timeout", "120")  # no agent: the first stays active
def test_a_group_with_an_active_deployment_refuses_another(dserver, fleet, cd):
    """AWS answers DeploymentLimitExceededException while the group's deployment is active;
    another group, or the same one once the deployment ended, takes new ones."""
    fleet.add("host-1")
    fleet.group()
    fleet.group(group="other")
    first = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                 revision=appspec("1"))["deploymentId"]
    code, msg = error_of(cd.create_deployment, applicationName="app",
                         deploymentGroupName="web", revision=appspec("2"))
    assert code == "DeploymentLimitExceededException"
    assert msg == f"The Deployment Group 'web' already has an active Deployment '{first}'"
    p = dserver.aws("deploy", "create-deployment", "--application-name", "app",
                    "--deployment-group-name", "web", "--revision", json.dumps(appspec("3")),
                    check=False)
    assert p.returncode != 0 and "DeploymentLimitExceededException" in p.stderr
    assert wait_deployment(cd, first, statuses=("InProgress",), timeout=10)
    other = cd.create_deployment(applicationName="app", deploymentGroupName="other",
                                 revision=appspec("1"))["deploymentId"]
    assert cd.list_deployments(applicationName="app", deploymentGroupName="web")[
        "deployments"] == [first]
    for d in (first, other):
        cd.stop_deployment(deploymentId=d, autoRollbackEnabled=False)
        assert wait_deployment(cd, d)["status"] == "Stopped"
    again = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                 revision=appspec("2"))["deploymentId"]
    cd.stop_deployment(deploymentId=again)
    wait_deployment(cd, again)


@pytest.mark.slipwayd_args("--queue-deployments")
def test_one_deployment_per_group_at_a_time(dserver, fleet, cd):
    host = fleet.add("host-1")
    fleet.group()
    # the agent holds the first deployment's first event until the second has been seen
    # waiting, however long these calls take
    looked = threading.Event()

    def held(name):
        looked.wait(120)

    agents = agents_for(dserver, [host], held, delay=0.1)
    first = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                 revision=appspec("1"))["deploymentId"]
    second = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                  revision=appspec("2"))["deploymentId"]
    try:
        assert wait_deployment(cd, second, statuses=("Queued",))["status"] == "Queued"
        assert error_of(cd.list_deployment_targets, deploymentId=second)[0] == \
            "DeploymentNotStartedException"
    finally:
        looked.set()
    assert wait_deployment(cd, first)["status"] == "Succeeded"
    info = wait_deployment(cd, second)
    stop_agents(agents)
    assert info["status"] == "Succeeded"
    assert info["startTime"] >= cd.get_deployment(deploymentId=first)["deploymentInfo"][
        "completeTime"]
    assert [d for _, d in agents[0].seen] == [first] * 7 + [second] * 7


# ---- deleting what a deployment belongs to ----------------------------------------------------

@pytest.mark.slipwayd_args("--queue-deployments", "--agent-timeout", "120")
def test_deleting_a_group_stops_its_deployments_at_once(dserver, fleet, cd):
    """A deployment in progress (and one queued behind it) would otherwise run on until the
    agent timeout, holding its deployment configuration in use all that time."""
    fleet.add_many(2)
    fleet.group()
    cd.create_deployment_config(deploymentConfigName="mine",
                                minimumHealthyHosts={"type": "HOST_COUNT", "value": 1})
    agent = FakeAgent(dserver, fleet.hosts[0])
    running = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                   revision=appspec("1"),
                                   deploymentConfigName="mine")["deploymentId"]
    cmd = agent.poll()
    agent.ack(cmd)  # the agent is running ApplicationStop on host-1
    queued = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                  revision=appspec("2"))["deploymentId"]
    assert wait_deployment(cd, queued, statuses=("Queued",), timeout=10)
    assert error_of(cd.delete_deployment_config, deploymentConfigName="mine")[0] == \
        "DeploymentConfigInUseException"
    cd.delete_deployment_group(applicationName="app", deploymentGroupName="web")
    # stopped in the same transaction: no waiting
    for did in (running, queued):
        info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
        assert info["status"] == "Stopped", info
        assert info["errorInformation"] == {
            "code": "DEPLOYMENT_GROUP_MISSING",
            "message": "The deployment group 'web' was deleted before the deployment "
                       "finished: Slipway stopped it"}
        assert "rollbackInfo" not in info
    t = targets(cd, running)
    assert t["host-1"]["status"] == "Failed"
    assert [e["status"] for e in ran(t["host-1"])] == ["Failed"] + ["Skipped"] * 6
    assert "was deleted" in events(t["host-1"])["ApplicationStop"]["diagnostics"]["message"]
    assert t["host-2"]["status"] == "Skipped"
    cd.delete_deployment_config(deploymentConfigName="mine")  # no longer in use
    # the agent's late report is ignored; nothing more comes
    assert agent.complete(cmd) == {}
    assert agent.poll() is None
    assert cd.get_deployment(deploymentId=running)["deploymentInfo"]["status"] == "Stopped"
    assert f"deployment {running} stopped: The deployment group 'web' was deleted" in \
        dserver.read_log()


@pytest.mark.slipwayd_args("--agent-timeout", "120")
def test_deleting_an_application_stops_its_deployments_at_once(dserver, fleet, cd):
    fleet.add("host-1")
    fleet.group()
    fleet.group(group="other", tag=("role", "none"))
    agent = FakeAgent(dserver, fleet.hosts[0])
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    cmd = agent.poll()  # taken, not acknowledged yet
    other = cd.create_deployment(applicationName="app", deploymentGroupName="other",
                                 revision=appspec())["deploymentId"]
    cd.delete_application(applicationName="app")
    info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "APPLICATION_MISSING"
    assert "The application 'app' was deleted" in info["errorInformation"]["message"]
    assert cd.get_deployment(deploymentId=other)["deploymentInfo"]["status"] in \
        ("Stopped", "Failed")  # NO_INSTANCES if the engine got to it first
    # the acknowledgement tells the agent not to run the command
    assert agent.ack(cmd)["CommandStatus"] == "Failed"
    assert agent.poll() is None


# ---- stop and rollback ------------------------------------------------------------------------

def test_stop_waits_for_the_event_in_progress(dserver, fleet, cd):
    hosts = fleet.add_many(2)
    fleet.group()
    a1 = FakeAgent(dserver, hosts[0])
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    cmd = a1.next_command()
    a1.ack(cmd)
    r = cd.stop_deployment(deploymentId=did)
    assert r["status"] == "Pending" and r["statusMessage"]
    assert cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"] == "InProgress"
    a1.complete(cmd)
    info = wait_deployment(cd, did)
    assert info["status"] == "Stopped"
    assert info["errorInformation"]["code"] == "MANUAL_STOP"
    t = targets(cd, did)
    assert events(t["host-1"])["ApplicationStop"]["status"] == "Succeeded"
    assert events(t["host-1"])["DownloadBundle"]["status"] == "Skipped"
    assert t["host-1"]["status"] == "Failed" and t["host-2"]["status"] == "Skipped"
    assert a1.poll() is None  # nothing more for the host
    assert "rollbackInfo" not in info


def test_stop_with_and_without_rollback(dserver, fleet, cd):
    host = fleet.add("host-1")
    fleet.group(autoRollbackConfiguration={"enabled": True,
                                           "events": ["DEPLOYMENT_STOP_ON_REQUEST"]})
    agents = agents_for(dserver, [host])
    good = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                revision=appspec("good"))["deploymentId"]
    assert wait_deployment(cd, good)["status"] == "Succeeded"
    stop_agents(agents)
    agent = FakeAgent(dserver, host)

    # autoRollbackEnabled=false overrides the group's setting: stopped, no rollback
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec("new"))["deploymentId"]
    cmd = agent.next_command()
    agent.ack(cmd)
    assert cd.stop_deployment(deploymentId=did, autoRollbackEnabled=False)["status"] == \
        "Pending"
    agent.complete(cmd)
    info = wait_deployment(cd, did)
    assert info["status"] == "Stopped" and "rollbackInfo" not in info

    # without autoRollbackEnabled the group's DEPLOYMENT_STOP_ON_REQUEST rolls back
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec("new2"))["deploymentId"]
    cmd = agent.next_command()
    agent.ack(cmd)
    agent.complete(cmd)
    # nothing is with the agent now (its next event is queued, not taken): stopped at once
    assert cd.stop_deployment(deploymentId=did)["status"] == "Succeeded"
    info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
    assert info["status"] == "Stopped"
    rb = info["rollbackInfo"]["rollbackDeploymentId"]
    assert "DEPLOYMENT_STOP_ON_REQUEST" in info["rollbackInfo"]["rollbackMessage"]
    agents = agents_for(dserver, [host])
    rbi = wait_deployment(cd, rb)
    stop_agents(agents)
    assert rbi["status"] == "Succeeded" and rbi["creator"] == "codeDeployRollback"
    assert rbi["rollbackInfo"]["rollbackTriggeringDeploymentId"] == did
    assert rbi["revision"]["string"]["content"] == appspec("good")["string"]["content"]
    assert rbi["previousRevision"]["string"]["content"] == appspec("good")["string"]["content"]


def test_automatic_rollback_after_failure(dserver, fleet, cd):
    hosts = fleet.add_many(2)
    fleet.group(config="CodeDeployDefault.AllAtOnce",
                autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]})
    # ValidateService fails for the revision "bad", whichever deployment carries it (known to
    # the agents before CreateDeployment has even returned its id to this thread)
    lookup = dserver.client("codedeploy")
    revisions = {}

    def broken(d):
        if d not in revisions:
            revisions[d] = lookup.get_deployment(deploymentId=d)["deploymentInfo"]["revision"]
        return revisions[d]["string"]["content"] == appspec("bad")["string"]["content"]

    agents = agents_for(dserver, hosts, lambda n, d: (4, "validate failed")
                        if n == "ValidateService" and broken(d) else None)
    good = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                revision=appspec("good"),
                                fileExistsBehavior="RETAIN")["deploymentId"]
    assert wait_deployment(cd, good)["status"] == "Succeeded"
    bad = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec("bad"))["deploymentId"]
    info = wait_deployment(cd, bad)
    assert info["status"] == "Failed"
    rb = info["rollbackInfo"]["rollbackDeploymentId"]
    assert "DEPLOYMENT_FAILURE" in info["rollbackInfo"]["rollbackMessage"]
    rbi = wait_deployment(cd, rb)
    stop_agents(agents)
    assert rbi["status"] == "Succeeded"
    assert rbi["creator"] == "codeDeployRollback"
    assert rbi["rollbackInfo"]["rollbackTriggeringDeploymentId"] == bad
    assert rbi["revision"]["string"]["content"] == appspec("good")["string"]["content"]
    assert rbi["fileExistsBehavior"] == "RETAIN"  # the last successful deployment's
    g = cd.get_deployment_group(applicationName="app",
                                deploymentGroupName="web")["deploymentGroupInfo"]
    assert g["lastSuccessfulDeployment"]["deploymentId"] == rb
    assert g["targetRevision"]["string"]["content"] == appspec("good")["string"]["content"]
    # the aws CLI shows the same
    out = dserver.aws("deploy", "get-deployment", "--deployment-id", bad)["deploymentInfo"]
    assert out["rollbackInfo"]["rollbackDeploymentId"] == rb


def test_rollback_without_a_previous_revision_says_so(dserver, fleet, cd):
    host = fleet.add("host-1")
    fleet.group(autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]})
    agents = agents_for(dserver, [host], lambda n: (4, "no") if n == "Install" else None)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    info = wait_deployment(cd, did)
    stop_agents(agents)
    assert info["status"] == "Failed"
    assert "rollbackDeploymentId" not in info["rollbackInfo"]
    assert "no previous successful revision" in info["rollbackInfo"]["rollbackMessage"]


def test_rollback_can_be_switched_off_per_deployment(dserver, fleet, cd):
    host = fleet.add("host-1")
    fleet.group(autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]})
    agents = agents_for(dserver, [host], lambda n: (4, "no") if n == "Install" else None)
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec(), autoRollbackConfiguration={
                                   "enabled": False, "events": []})["deploymentId"]
    info = wait_deployment(cd, did)
    stop_agents(agents)
    assert info["status"] == "Failed" and "rollbackInfo" not in info
    assert info["autoRollbackConfiguration"]["enabled"] is False


# ---- restart ----------------------------------------------------------------------------------

def test_kill9_and_restart_of_slipwayd_mid_deployment(dserver, fleet, cd):
    hosts = fleet.add_many(2)
    fleet.group()
    a1, a2 = FakeAgent(dserver, hosts[0]), FakeAgent(dserver, hosts[1])
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                               revision=appspec())["deploymentId"]
    for _ in range(3):
        cmd = a1.next_command()
        a1.ack(cmd)
        a1.complete(cmd)
    cmd = a1.next_command()
    a1.ack(cmd)
    assert cmd["CommandName"] == "Install"
    dserver.kill9()
    dserver.port, port = None, dserver.port
    dserver.start(port)
    cd = dserver.client("codedeploy")
    assert cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"] == "InProgress"
    a1.complete(cmd)  # the agent reports to the new process
    for _ in range(3):
        cmd = a1.next_command()
        a1.ack(cmd)
        a1.complete(cmd)
    agents = [a2.run()]
    info = wait_deployment(cd, did)
    stop_agents(agents)
    assert info["status"] == "Succeeded", info
    assert [e["status"] for e in ran(targets(cd, did)["host-1"])] == ["Succeeded"] * 7


@pytest.mark.slipwayd_args("--agent-timeout", "120")  # no agent: it stays active
def test_aws_cli_create_get_list_stop(dserver, fleet):
    fleet.add("host-1")
    fleet.group()
    out = dserver.aws("deploy", "create-deployment", "--application-name", "app",
                      "--deployment-group-name", "web", "--description", "from the CLI",
                      "--revision", json.dumps(appspec()),
                      "--deployment-config-name", "CodeDeployDefault.AllAtOnce",
                      "--file-exists-behavior", "RETAIN")
    did = out["deploymentId"]
    info = dserver.aws("deploy", "get-deployment", "--deployment-id", did)["deploymentInfo"]
    assert info["description"] == "from the CLI" and info["fileExistsBehavior"] == "RETAIN"
    assert info["deploymentConfigName"] == "CodeDeployDefault.AllAtOnce"
    assert dserver.aws("deploy", "list-deployments")["deployments"] == [did]
    r = dserver.aws("deploy", "stop-deployment", "--deployment-id", did)
    assert r["status"] in ("Succeeded", "Pending")
    assert wait_deployment(dserver.client("codedeploy"), did)["status"] == "Stopped"
    b = dserver.aws("deploy", "batch-get-deployments", "--deployment-ids", did)
    assert b["deploymentsInfo"][0]["status"] == "Stopped"
