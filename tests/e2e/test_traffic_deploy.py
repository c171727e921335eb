"""Deployments behind a real HAProxy, end to end: four hosts on this machine, each a real
slipway-agent with its own mount namespace installing examples/webapp-lb (a python HTTP server
on its own loopback port), one HAProxy in front of them (configuration written here, Runtime API
on a UNIX socket in the test's directory, declared to slipwayd with --load-balancer), and a
bounded client on loopback sending requests through HAProxy throughout (tests/e2e/loadclient.py).

- in place, HalfAtATime, WITH_TRAFFIC_CONTROL: no request fails, and no host's server receives
  a request between its BlockTraffic's end and its AllowTraffic's start (its own request log
  against the lifecycle events' times);
- blue/green with a manual ready wait and ContinueDeployment, KEEP_ALIVE and TERMINATE: no
  request fails, green serves everything afterwards, the group's instances are green;
- blue/green shifting traffic by weights (TimeBasedLinear 10 % a minute, at --time-scale 30):
  the share of answers from green in each step follows the step's percentage;
- a revision answering 500: an alarm on AWS/ApplicationELB HTTPCode_Target_5XX_Count goes to
  ALARM, the deployment stops with ALARM_ACTIVE and rolls back by itself (how many requests
  failed in between is printed);
- HAProxy stopped before a deployment: its BlockTraffic fails naming the balancer, quickly."""
import json
import os
import time

import ports
import pytest
from agents import (ALL_EVENTS, TRAFFIC, agent_available, events, max_in_flight, targets,
                    wait_deployment, wait_until)
from pg import store_args
from trafficrig import BLUE, GREEN, LB, TG, Rig, WeightWatch, get

import haproxy

pytestmark = [
    pytest.mark.skipif(not agent_available(), reason="slipway-agent has no poll loop in this "
                       "build"),
    pytest.mark.skipif(os.geteuid() != 0, reason="hosts need their own mount namespace (root)"),
    pytest.mark.skipif(not haproxy.available(), reason="haproxy is not installed"),
]


@pytest.fixture
def rig(tmp_path, request):
    made = []

    def make(*args, **kw):
        r = Rig(tmp_path, *args, store_args=store_args(request), **kw)
        made.append(r)
        return r
    yield make
    rep = getattr(request.node, "rep_call", None)
    for r in made:
        r.close(rep is not None and rep.failed)


def ts(e, key):
    return e[key].timestamp()


def report(name, load, since=None, until=None):
    s = load.summary(since, until)
    print(f"{name}: {s['total']} requests, {s['failed']} failed, statuses {s['statuses']}, "
          f"by revision {s['by_revision']}, by host {s['by_host']}")
    if s["errors"]:
        print(f"{name}: first failures (sent, status, error, host): {s['errors']}")
    return s


def assert_traffic_events(t, names=TRAFFIC):
    ev = events(t)
    for n in names:
        e = ev[n]
        assert e["status"] == "Succeeded", (t["targetId"], e)
        assert "startTime" in e and "endTime" in e, (t["targetId"], e)
        assert ts(e, "endTime") >= ts(e, "startTime")
    return ev


# ---- in place -----------------------------------------------------------------------------

@pytest.mark.slow
def test_in_place_half_at_a_time_with_traffic_control_loses_no_request(rig):
    r = rig()
    r.traffic_group("web", deploymentConfigName="CodeDeployDefault.HalfAtATime")
    first = r.deploy("web", "v1", deploymentConfigName="CodeDeployDefault.AllAtOnce")
    info = wait_deployment(r.cd, first)
    assert info["status"] == "Succeeded", r.why(info["deploymentId"])
    r.serving(r.apps, "v1")

    load = r.load()
    did = r.deploy("web", "v2")
    info = wait_deployment(r.cd, did)
    time.sleep(1)
    load.stop()
    assert info["status"] == "Succeeded", r.why(info["deploymentId"])
    s = report("in-place HalfAtATime", load)
    assert s["failed"] == 0, s
    assert set(s["by_revision"]) == {"v1", "v2"}, s  # the load ran through the rollout
    end = ts(info, "completeTime")
    late = load.summary(since=end + 0.2)
    assert late["total"] > 0 and set(late["by_revision"]) == {"v2"}, late

    assert max_in_flight(r.cd, did) == 2  # half of four
    for name, t in targets(r.cd, did).items():
        assert [e["lifecycleEventName"] for e in t["lifecycleEvents"]] == ALL_EVENTS
        assert all(e["status"] == "Succeeded" for e in t["lifecycleEvents"]), t
        ev = assert_traffic_events(t)
        # the events follow one another: block, install, allow
        order = [ev[n] for n in ALL_EVENTS]
        for a, b in zip(order, order[1:]):
            assert ts(a, "endTime") <= ts(b, "startTime") + 0.001, (name, a, b)
        blocked, allowed = ts(ev["BlockTraffic"], "endTime"), ts(ev["AllowTraffic"], "startTime")
        reqs = r.apps[name].requests()
        inside = [t for t, _ in reqs if blocked < t < allowed]
        sent = [(t, x) for t, _, srv, _, x in r.lb.requests()
                if srv == name and x is not None and blocked - 0.05 < x < allowed]
        assert not inside, (f"{name} got {len(inside)} requests while out of traffic "
                            f"({blocked:.3f} .. {allowed:.3f}): {inside[:5]}; HAProxy's log "
                            f"of those sent to it from 50 ms before: {sent[:5]}; "
                            f"BlockTraffic {ev['BlockTraffic']}")
        # ... and it did get requests before and after (the check above is not empty)
        assert any(t < ts(ev["BlockTraffic"], "startTime") for t, _ in reqs), name
        assert any(t > ts(ev["AllowTraffic"], "endTime") for t, _ in reqs), name
        print(f"{name}: out of traffic {allowed - blocked:.2f}s, BlockTraffic took "
              f"{ts(ev['BlockTraffic'], 'endTime') - ts(ev['BlockTraffic'], 'startTime'):.2f}s, "
              f"AllowTraffic {ts(ev['AllowTraffic'], 'endTime') - allowed:.2f}s")
        # the four traffic hooks of the appspec ran on the host, for this deployment
        noted = [e for _, e, d in r.apps[name].events() if d == did]
        assert noted == ["BeforeBlockTraffic", "AfterBlockTraffic", "BeforeAllowTraffic",
                         "AfterAllowTraffic"], (name, noted)
    rows = r.lb.servers(TG)
    assert all(rows[n]["status"] == "UP" for n in r.apps), rows


# ---- blue/green ---------------------------------------------------------------------------

def blue_green_group(r, action, ready="STOP_DEPLOYMENT", config="CodeDeployDefault.AllAtOnce"):
    ready_opt = {"actionOnTimeout": ready}
    if ready == "STOP_DEPLOYMENT":
        ready_opt["waitTimeInMinutes"] = 60
    r.traffic_group(
        "web", tag=("fleet", "blue"), deploymentConfigName=config,
        deploymentStyle={"deploymentType": "BLUE_GREEN",
                         "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        blueGreenDeploymentConfiguration={
            "deploymentReadyOption": ready_opt,
            "greenFleetProvisioningOption": {"action": "DISCOVER_EXISTING"},
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": action, "terminationWaitTimeInMinutes": 0}})


def seed_blue(r):
    """v1 on the blue fleet (an in-place group of its own, without traffic control: green
    is in maintenance and blue has no server running yet)."""
    r.group("seed", tag=("fleet", "blue"), deploymentConfigName="CodeDeployDefault.AllAtOnce")
    info = wait_deployment(r.cd, r.deploy("seed", "v1"))
    assert info["status"] == "Succeeded", r.why(info["deploymentId"])
    r.serving(BLUE, "v1")
    rows = r.lb.servers(TG)
    assert all(rows[n]["status"] == "MAINT" for n in GREEN), rows


GREEN_FILTER = [{"Key": "fleet", "Value": "green", "Type": "KEY_AND_VALUE"}]


@pytest.mark.slow
@pytest.mark.parametrize("action", ["KEEP_ALIVE", "TERMINATE"])
def test_blue_green_with_a_ready_wait_loses_no_request(rig, action):
    r = rig(maint=GREEN)
    seed_blue(r)
    blue_green_group(r, action)
    load = r.load()
    did = r.deploy("web", "v2", targetInstances={"tagFilters": GREEN_FILTER})
    info = wait_deployment(r.cd, did, statuses=("Ready", "Succeeded", "Failed", "Stopped"))
    assert info["status"] == "Ready", r.why(info["deploymentId"])
    # green is installed and healthy but out of traffic: everything is still blue's
    for n in GREEN:
        st, body = get(r.apps[n].port)
        assert st == 200 and json.loads(body)["revision"] == "v2", (n, st, body)
    rows = r.lb.servers(TG)
    assert all(rows[n]["status"] == "MAINT" for n in GREEN), rows
    t_ready = time.time()
    time.sleep(0.5)
    assert set(load.summary(since=t_ready)["by_host"]) <= set(BLUE)
    # Ready is a status of its own to ListDeployments too; its green targets are Ready
    listed = r.cd.list_deployments(applicationName="app", deploymentGroupName="web",
                                   includeOnlyStatuses=["Ready"])["deployments"]
    assert listed == [did], listed
    assert did not in r.cd.list_deployments(applicationName="app", deploymentGroupName="web",
                                            includeOnlyStatuses=["InProgress"])["deployments"]
    assert {n: t["status"] for n, t in targets(r.cd, did).items() if n in GREEN} == \
        {n: "Ready" for n in GREEN}
    with pytest.raises(r.cd.exceptions.DeploymentDoesNotExistException):
        r.cd.continue_deployment(deploymentId="d-ABCDEFGH1", deploymentWaitType="READY_WAIT")
    r.cd.continue_deployment(deploymentId=did, deploymentWaitType="READY_WAIT")
    info = wait_deployment(r.cd, did)
    time.sleep(1)
    assert info["status"] == "Succeeded", r.why(info["deploymentId"])
    end = ts(info, "completeTime")

    ts_ = targets(r.cd, did)
    assert set(ts_) == set(BLUE + GREEN), ts_.keys()
    for n in GREEN:
        assert_traffic_events(ts_[n], ("BeforeAllowTraffic", "AllowTraffic",
                                       "AfterAllowTraffic"))
    for n in BLUE:
        assert_traffic_events(ts_[n], ("BeforeBlockTraffic", "BlockTraffic",
                                       "AfterBlockTraffic"))
    # blue is blocked only after green took traffic
    green_in = max(ts(events(ts_[n])["AllowTraffic"], "endTime") for n in GREEN)
    blue_out = min(ts(events(ts_[n])["BlockTraffic"], "startTime") for n in BLUE)
    assert green_in <= blue_out + 0.001, (green_in, blue_out)

    rows = r.lb.servers(TG)
    assert all(rows[n]["status"] == "UP" for n in GREEN), rows
    assert all(rows[n]["status"] == "MAINT" for n in BLUE), rows
    # the group's instances are the green fleet now
    group = r.cd.get_deployment_group(applicationName="app",
                                      deploymentGroupName="web")["deploymentGroupInfo"]
    assert group["onPremisesInstanceTagFilters"] == GREEN_FILTER, group

    if action == "TERMINATE":
        for n in BLUE:  # deregistered and told to stop
            inst = wait_until(
                lambda: r.cd.get_on_premises_instance(instanceName=n)["instanceInfo"].get(
                    "deregisterTime") and True, f"{n} deregistered", timeout=60)
            assert inst
            wait_until(lambda: r.agents.procs[n].poll() is not None, f"{n}'s agent stops",
                       timeout=60)
        for n in GREEN:
            info_g = r.cd.get_on_premises_instance(instanceName=n)["instanceInfo"]
            assert "deregisterTime" not in info_g, info_g
            assert r.agents.procs[n].poll() is None
    else:
        for n in BLUE:
            inst = r.cd.get_on_premises_instance(instanceName=n)["instanceInfo"]
            assert "deregisterTime" not in inst, inst
            assert r.agents.procs[n].poll() is None
        # the next deployment, in place, goes to green only (and still loses nothing)
        r.cd.update_deployment_group(
            applicationName="app", currentDeploymentGroupName="web",
            deploymentStyle={"deploymentType": "IN_PLACE",
                             "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            deploymentConfigName="CodeDeployDefault.OneAtATime")
        nxt = r.deploy("web", "v3")
        info3 = wait_deployment(r.cd, nxt)
        assert info3["status"] == "Succeeded", r.why(info3["deploymentId"])
        assert set(targets(r.cd, nxt)) == set(GREEN)
        time.sleep(1)
        end = ts(info3, "completeTime")
    load.stop()
    s = report(f"blue/green {action}", load)
    assert s["failed"] == 0, s
    late = load.summary(since=end + 0.2)
    assert late["total"] > 0 and set(late["by_host"]) <= set(GREEN), late


# Each step's window is the time HAProxy's weights said that percentage (sampled every 50 ms),
# less 0.3 s at each end (a request sent just before a weight change may be answered after it).
# The tolerance, ±5 percentage points over at least 100 answers: HAProxy's weighted round robin
# is deterministic, not a lottery — over n consecutive picks a server's share is off its weight's
# by about (servers / n), ≤ 4 points at n = 100 — and its two threads interleave a little; the
# shares measured here are within 0.5 point (a 2 s step holds ~600 answers).  The rest is margin
# for a busy machine.
TOLERANCE = 5


@pytest.mark.slow
def test_blue_green_shifts_traffic_by_weights_on_schedule(rig):
    r = rig(("--time-scale", "30"), maint=GREEN)
    seed_blue(r)
    r.cd.create_deployment_config(
        deploymentConfigName="Linear10", computePlatform="Server",
        minimumHealthyHosts={"type": "HOST_COUNT", "value": 0},
        trafficRoutingConfig={"type": "TimeBasedLinear",
                              "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 1}})
    blue_green_group(r, "KEEP_ALIVE", ready="CONTINUE_DEPLOYMENT", config="Linear10")
    watch = WeightWatch(r.lb)
    load = r.load(threads=3, pause=0.005)
    did = r.deploy("web", "v2", targetInstances={"tagFilters": GREEN_FILTER})
    try:
        info = wait_deployment(r.cd, did, timeout=180)
    finally:
        time.sleep(1)
        load.stop()
        watch.stop()
    assert info["status"] == "Succeeded", r.why(info["deploymentId"])
    s = report("blue/green Linear10", load)
    assert s["failed"] == 0, s

    levels = watch.levels()
    print("green's share by HAProxy's weights: " +
          ", ".join(f"{p}% {b - a:.2f}s" for p, a, b in levels))
    # A share held for less than 0.3 s is a transient between two settings (one server's
    # weight set before the other's): reported above, not a step.
    held = []
    for p, a, b in levels:
        if b - a >= 0.3 and p != 0 and (not held or held[-1][0] != p):
            held.append((p, a, b))
    steps = list(range(10, 101, 10))
    # the shares HAProxy was given, in order: 10, 20, … 100 (weights are integers: ±1 point)
    got = [p for p, _, _ in held]
    assert len(got) == len(steps) and all(abs(a - b) <= 1 for a, b in zip(got, steps)), got
    checked = 0
    for p, a, b in held:
        share, n = load.share(set(GREEN), a + 0.3, b - 0.3)
        if share is None or n < 100:
            print(f"step {p}%: {n} answers in {b - a:.1f}s, not judged")
            continue
        checked += 1
        print(f"step {p}%: green answered {100 * share:.1f}% of {n}")
        assert abs(100 * share - p) <= TOLERANCE, (p, share, n)
    assert checked >= len(steps) - 2, "too few steps had enough answers to judge"


@pytest.mark.slow
def test_a_blue_green_shift_stopped_midway_rolls_back_to_blue_in_aws_order(rig):
    """StopDeployment (autoRollbackEnabled) while green already takes part of the traffic: the
    rollback re-admits the original fleet at its configured weight, then blocks the
    replacement one (codedeploy.md §2.2), and no request fails.  The group has no successful
    revision yet (blue was seeded by another group): a blue/green rollback still moves the
    traffic back."""
    r = rig(("--time-scale", "30"), maint=GREEN)
    seed_blue(r)
    r.cd.create_deployment_config(
        deploymentConfigName="Linear10", computePlatform="Server",
        minimumHealthyHosts={"type": "HOST_COUNT", "value": 0},
        trafficRoutingConfig={"type": "TimeBasedLinear",
                              "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 1}})
    blue_green_group(r, "KEEP_ALIVE", ready="CONTINUE_DEPLOYMENT", config="Linear10")
    load = r.load(threads=3, pause=0.005)
    did = r.deploy("web", "v2", targetInstances={"tagFilters": GREEN_FILTER})
    try:
        # green has a share of at least 30 %: stop there
        wait_until(lambda: haproxy.serving_share(r.lb.servers(TG), GREEN) >= 0.3,
                   "green takes 30 % of the traffic", timeout=120)
        r.cd.stop_deployment(deploymentId=did, autoRollbackEnabled=True)
        info = wait_deployment(r.cd, did)
        assert info["status"] == "Stopped", r.why(did)
        rb = info["rollbackInfo"]["rollbackDeploymentId"]
        back = wait_deployment(r.cd, rb)
        assert back["status"] == "Succeeded", r.why(rb)
        assert back["creator"] == "codeDeployRollback"
        assert back["deploymentStyle"]["deploymentType"] == "BLUE_GREEN"
        t_back = ts(back, "completeTime")
        time.sleep(1)
    finally:
        load.stop()
    s = report("blue/green stopped mid-shift, rolled back", load)
    assert s["failed"] == 0, s
    # after the rollback only blue answers, at its configured weight; green is out
    after = load.summary(since=t_back)
    assert after["total"] > 0 and set(after["by_host"]) <= set(BLUE), after
    rows = r.lb.servers(TG)
    assert all(rows[n]["status"] == "UP" and int(rows[n]["weight"]) > 0 for n in BLUE), rows
    assert all(rows[n]["status"] == "MAINT" for n in GREEN), rows
    # AWS's order: the original instances re-admitted (their three allow events), then the
    # replacement ones blocked (their three block events)
    ts_ = targets(r.cd, rb)
    assert set(ts_) == set(BLUE + GREEN), ts_.keys()
    readmitted, blocked = [], []
    for n, t in ts_.items():
        names = [e["lifecycleEventName"] for e in t["lifecycleEvents"]]
        assert all(e["status"] == "Succeeded" for e in t["lifecycleEvents"]), t
        if n in BLUE:
            assert t["instanceLabel"] == "Blue" and names == [
                "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"], t
            readmitted.append(ts(events(t)["AfterAllowTraffic"], "endTime"))
        else:
            assert t["instanceLabel"] == "Green" and names == [
                "BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"], t
            blocked.append(ts(events(t)["BeforeBlockTraffic"], "startTime"))
    assert max(readmitted) <= min(blocked) + 0.001, (readmitted, blocked)


# ---- alarms -------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_revision_answering_500_trips_the_alarm_and_rolls_back(rig):
    r = rig(("--time-scale", "60"))  # a minute is a second; the scrape every 0.1 s
    cw = r.server.client("cloudwatch")
    cw.put_metric_alarm(AlarmName="web-5xx", Namespace="AWS/ApplicationELB",
                        MetricName="HTTPCode_Target_5XX_Count",
                        Dimensions=[{"Name": "TargetGroup", "Value": TG},
                                    {"Name": "LoadBalancer", "Value": LB}],
                        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=0,
                        ComparisonOperator="GreaterThanThreshold",
                        TreatMissingData="notBreaching")
    r.traffic_group("web", deploymentConfigName="CodeDeployDefault.OneAtATime",
                    alarmConfiguration={"enabled": True, "alarms": [{"name": "web-5xx"}]},
                    autoRollbackConfiguration={"enabled": True,
                                               "events": ["DEPLOYMENT_STOP_ON_ALARM"]})
    good = r.deploy("web", "v1", deploymentConfigName="CodeDeployDefault.AllAtOnce")
    assert wait_deployment(r.cd, good)["status"] == "Succeeded"
    r.serving(r.apps, "v1")
    load = r.load()
    t0 = time.time()
    bad = r.deploy("web", "v2-broken", broken=True)
    info = wait_deployment(r.cd, bad)
    assert info["status"] == "Stopped", r.why(info["deploymentId"])
    assert info["errorInformation"]["code"] == "ALARM_ACTIVE", info
    assert "web-5xx" in info["errorInformation"]["message"], info
    rb = info["rollbackInfo"]["rollbackDeploymentId"]
    rbi = wait_deployment(r.cd, rb)
    assert rbi["status"] == "Succeeded", r.why(rbi["deploymentId"])
    assert rbi["creator"] == "codeDeployRollback"
    time.sleep(1)
    load.stop()
    for d, i in (("bad", info), ("rollback", rbi)):
        print(f"{d} {i['deploymentId']}: created {ts(i, 'createTime') - t0:.1f}s, "
              f"completed {ts(i, 'completeTime') - t0:.1f}s")
    hist = cw.describe_alarm_history(AlarmName="web-5xx", HistoryItemType="StateUpdate")
    assert any(json.loads(h["HistoryData"])["newState"]["stateValue"] == "ALARM"
               for h in hist["AlarmHistoryItems"]), hist
    for n in r.apps:
        st, body = get(r.apps[n].port)
        assert st == 200 and json.loads(body)["revision"] == "v1", (n, st, body)
    s = report("bad revision", load)
    # How many users saw the bad revision before the alarm stopped it: reported, not judged.
    print(f"requests that failed between the bad revision's first answer and the rollback: "
          f"{s['failed']} of {s['total']} ({s['statuses']})")
    late = load.summary(since=ts(rbi, "completeTime") + 0.2)
    assert late["total"] > 0 and late["failed"] == 0 and set(late["by_revision"]) == {"v1"}, late


# ---- health checks and an unreachable balancer ------------------------------------------

def test_allow_traffic_fails_when_the_health_check_never_passes(rig):
    """web-1's HAProxy health check goes to a port where nothing listens, so HAProxy never
    finds it UP even though its server runs: AllowTraffic must fail after
    --allow-traffic-timeout, saying so, rather than admit a host the balancer thinks is down."""
    r = rig(("--allow-traffic-timeout", "3"), names=("web-1",),
            check_ports={"web-1": ports.dead_port()})
    r.traffic_group("web")
    did = r.deploy("web", "v1")
    info = wait_deployment(r.cd, did, timeout=90)  # a guard against a hang, not a measure
    assert info["status"] == "Failed", r.why(did)
    ev = events(targets(r.cd, did)["web-1"])
    assert ev["ValidateService"]["status"] == "Succeeded", ev["ValidateService"]  # it runs
    allow = ev["AllowTraffic"]
    print(f"AllowTraffic: {allow}")
    assert allow["status"] == "Failed", allow
    msg = allow["diagnostics"]["message"]
    assert "health check" in msg and "web-1" in msg, msg
    assert ts(allow, "endTime") - ts(allow, "startTime") >= 2.9, allow  # it waited its time
    assert not r.lb.server(TG, "web-1")["status"].startswith("UP")


# ---- an unreachable balancer --------------------------------------------------------------

def test_an_unreachable_haproxy_fails_the_deployment_naming_it(rig):
    r = rig(names=BLUE)
    r.traffic_group("web")
    r.lb.stop()  # the socket is gone: nothing answers on it
    t0 = time.time()
    did = r.deploy("web", "v1")
    info = wait_deployment(r.cd, did, timeout=90)  # a guard against a hang, not a measure
    took = time.time() - t0
    print(f"failed after {took:.1f}s: {info.get('errorInformation')}")
    assert info["status"] == "Failed", r.why(info["deploymentId"])
    ts_ = targets(r.cd, did)
    failed = [t for t in ts_.values() if events(t)["BlockTraffic"]["status"] == "Failed"]
    assert failed, ts_
    ev = events(failed[0])
    msg = ev["BlockTraffic"]["diagnostics"]["message"]
    print(f"BlockTraffic: {ev['BlockTraffic']['diagnostics']}")
    assert LB in msg, msg
    # nothing was installed after the failed event
    assert ev["ApplicationStop"]["status"] in ("Skipped", "Pending"), ev["ApplicationStop"]
    for n in BLUE:
        assert r.apps[n].pids() == set()
