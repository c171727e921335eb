#!/usr/bin/python3
"""bench/traffic.py: rollouts behind a real HAProxy, measured.

Each part starts a fresh rig (tests/e2e/trafficrig.py): a real HAProxy whose configuration is
written here and whose Runtime API is a UNIX socket in the bench's directory, a release slipwayd
declaring it (--load-balancer edge=SOCKET, --deregistration-delay 5), four hosts registered the
AWS way, each a real slipway-agent in its own mount namespace installing examples/webapp-lb (a
python HTTP server on its own loopback port), and a bounded client on loopback sending requests
through HAProxy throughout (tests/e2e/loadclient.py: 3 threads, keep-alive, 5 ms between
requests).  It prints:

- failed requests (non-200 or a connection error) during each kind of rollout: in place
  HalfAtATime WITH_TRAFFIC_CONTROL, blue/green (all at once, KEEP_ALIVE), blue/green shifting by
  weights (TimeBasedLinear 10 % every minute at --time-scale 30); target 0;
- the time from BlockTraffic's start (its lifecycle event's startTime) to the server drained
  (HAProxy, polled every 20 ms: in DRAIN or MAINT with no session left), and BlockTraffic's and
  AllowTraffic's own durations;
- the cost of one traffic step: HAProxy's `set server … weight` for the four servers (a
  Runtime API round trip each), and the time from the first call to the first answer the
  client gets from the side that now has all the weight (flipping 0 % ↔ 100 %, 10 times); and
  how far the engine's steps were from their schedule (interval between HAProxy's weight
  changes against the scaled minute);
- the time from an alarm's threshold breach to the rollback starting, at --time-scale 60: a
  revision answering 500 behind HAProxy, an alarm on AWS/ApplicationELB
  HTTPCode_Target_5XX_Count Sum > 0 over one (1 s) period; breach = the client's first 500;
  then the alarm's ALARM state (its history), the deployment's Stopped (completeTime) and the
  rollback's createTime.  Target: ≤ 2 s.

Needs root (mount namespaces), haproxy, /usr/bin/python3 with boto3.  Bounded: every part has
a deadline, the load client a request and time limit; every process started is stopped on
exit, SIGINT or SIGTERM.  Prints figures only; exits non-zero when something fails to run."""
import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build-benchtraffic"),
                   help="the build directory (release) to run")
    p.add_argument("--dir", help="keep the files here (default: a temporary directory)")
    p.add_argument("--parts", default="inplace,bluegreen,shift,alarm",
                   help="which parts to run (comma-separated)")
    p.add_argument("--flips", type=int, default=10, help="weight flips for the step cost")
    return p.parse_args()


ARGS = parse_args()
os.environ["SLIPWAY_BUILD"] = os.path.abspath(ARGS.build)
os.environ.setdefault("SLIPWAY_LOG_LEVEL", "warn")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

from agents import events, targets, wait_deployment  # noqa: E402
from trafficrig import BLUE, GREEN, LB, TG, Rig, WeightWatch  # noqa: E402

RESULTS = {}  # figure -> text, for the summary


def ts(e, key):
    return e[key].timestamp()


def note(key, text):
    RESULTS[key] = text
    print(f"  {key}: {text}")


def ms(x):
    return f"{1000 * x:.0f} ms"


def spread(values, unit=ms):
    if not values:
        return "none"
    v = sorted(values)
    return (f"median {unit(statistics.median(v))}, min {unit(v[0])}, max {unit(v[-1])} "
            f"(n={len(v)})")


class StateWatch:
    """HAProxy's servers every 20 ms: {server: [(time, status, scur)]}."""

    def __init__(self, lb):
        self.lb = lb
        self.rows = {}
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        deadline = time.time() + 600
        while not self.stop_flag.is_set() and time.time() < deadline:
            try:
                now = time.time()
                for name, r in self.lb.servers(TG).items():
                    self.rows.setdefault(name, []).append((now, r["status"], int(r["scur"] or 0)))
            except OSError:
                pass
            self.stop_flag.wait(0.02)

    def stop(self):
        self.stop_flag.set()
        self.thread.join(timeout=10)

    def drained(self, name, since):
        """The first time at or after since when the server was out of new traffic with no
        session left."""
        for t, status, scur in self.rows.get(name, []):
            if t >= since and (status.startswith("DRAIN") or status == "MAINT") and scur == 0:
                return t
        return None


def rig(tmp, name, **kw):
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    return Rig(d, **kw)


def failed_line(kind, load):
    s = load.summary()
    note(f"failed requests, {kind}",
         f"{s['failed']} of {s['total']} ({s['statuses']}; by revision {s['by_revision']})")
    if s["errors"]:
        print(f"    first failures: {s['errors'][:5]}")


def part_inplace(tmp):
    print("\n== in place, HalfAtATime, WITH_TRAFFIC_CONTROL, 4 hosts ==")
    r = rig(tmp, "inplace")
    try:
        r.traffic_group("web", deploymentConfigName="CodeDeployDefault.HalfAtATime")
        info = wait_deployment(r.cd, r.deploy("web", "v1",
                                              deploymentConfigName="CodeDeployDefault.AllAtOnce"))
        assert info["status"] == "Succeeded", info
        r.serving(r.apps, "v1")
        watch = StateWatch(r.lb)
        load = r.load(threads=3, pause=0.005)
        t0 = time.time()
        did = r.deploy("web", "v2")
        info = wait_deployment(r.cd, did, timeout=300)
        wall = time.time() - t0
        time.sleep(1)
        load.stop()
        watch.stop()
        assert info["status"] == "Succeeded", info
        failed_line("in place WITH_TRAFFIC_CONTROL", load)
        note("in-place rollout, 4 hosts", f"{wall:.1f} s")
        drain, block, allow, out = [], [], [], []
        for name, t in targets(r.cd, did).items():
            ev = events(t)
            b0 = ts(ev["BlockTraffic"], "startTime")
            d = watch.drained(name, b0)
            if d is not None:
                drain.append(d - b0)
            block.append(ts(ev["BlockTraffic"], "endTime") - b0)
            allow.append(ts(ev["AllowTraffic"], "endTime") - ts(ev["AllowTraffic"], "startTime"))
            out.append(ts(ev["AllowTraffic"], "endTime") - b0)
        note("BlockTraffic start -> server drained (HAProxy, 20 ms polls)", spread(drain))
        note("BlockTraffic (drain, sessions 0, maint)", spread(block))
        note("AllowTraffic (ready, health check UP)", spread(allow))
        note("a host out of traffic (BlockTraffic start -> AllowTraffic end)",
             spread(out, lambda x: f"{x:.2f} s"))
    finally:
        r.close(False, check=False)


def blue_green_group(r, config="CodeDeployDefault.AllAtOnce"):
    r.traffic_group(
        "web", tag=("fleet", "blue"), deploymentConfigName=config,
        deploymentStyle={"deploymentType": "BLUE_GREEN",
                         "deploymentOption": "WITH_TRAFFIC_CONTROL"},
        blueGreenDeploymentConfiguration={
            "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
            "greenFleetProvisioningOption": {"action": "DISCOVER_EXISTING"},
            "terminateBlueInstancesOnDeploymentSuccess": {
                "action": "KEEP_ALIVE", "terminationWaitTimeInMinutes": 0}})


def seed_blue(r):
    r.group("seed", tag=("fleet", "blue"), deploymentConfigName="CodeDeployDefault.AllAtOnce")
    info = wait_deployment(r.cd, r.deploy("seed", "v1"))
    assert info["status"] == "Succeeded", info
    r.serving(BLUE, "v1")


GREEN_FILTER = [{"Key": "fleet", "Value": "green", "Type": "KEY_AND_VALUE"}]


def flips(r, load, n):
    """Flips all the weight between blue and green n times with the Runtime API; returns
    (call times, call -> first answer from the side now weighted)."""
    for name in BLUE + GREEN:
        r.lb.command(f"set server {TG}/{name} state ready")
    r.lb.wait_status(TG, BLUE + GREEN, "UP")
    calls, seen = [], []
    to = GREEN
    for _ in range(n):
        other = BLUE if to == GREEN else GREEN
        t0 = time.time()
        for name in to:
            r.lb.command(f"set server {TG}/{name} weight 100")
        for name in other:
            r.lb.command(f"set server {TG}/{name} weight 0")
        t1 = time.time()
        calls.append(t1 - t0)
        deadline = t1 + 10
        first = None
        while first is None and time.time() < deadline:
            time.sleep(0.02)
            for s in load.snapshot()[-400:]:
                if s.sent >= t0 and s.host in to:
                    first = s.done if first is None else min(first, s.done)
        if first is not None:
            seen.append(first - t0)
        time.sleep(0.5)
        to = other
    return calls, seen


def part_bluegreen(tmp, n_flips):
    print("\n== blue/green, all at once, KEEP_ALIVE, 2 + 2 hosts ==")
    r = rig(tmp, "bluegreen", maint=GREEN)
    try:
        seed_blue(r)
        blue_green_group(r)
        load = r.load(threads=3, pause=0.005)
        t0 = time.time()
        did = r.deploy("web", "v2", targetInstances={"tagFilters": GREEN_FILTER})
        info = wait_deployment(r.cd, did, timeout=300)
        wall = time.time() - t0
        time.sleep(1)
        assert info["status"] == "Succeeded", info
        failed_line("blue/green", load)
        note("blue/green rollout, 2 + 2 hosts", f"{wall:.1f} s")
        mark = time.time()
        calls, seen = flips(r, load, n_flips)
        load.stop()
        note("traffic step: `set server weight` x 4 (Runtime API round trips)", spread(calls))
        note("traffic step: first call -> first answer from the newly weighted fleet",
             spread(seen))
        after = load.summary(since=mark)
        note("failed requests during the weight flips", f"{after['failed']} of {after['total']}")
    finally:
        r.close(False, check=False)


def part_shift(tmp):
    print("\n== blue/green by weights, TimeBasedLinear 10 % every minute, --time-scale 30 ==")
    r = rig(tmp, "shift", args=("--time-scale", "30"), maint=GREEN)
    try:
        seed_blue(r)
        r.cd.create_deployment_config(
            deploymentConfigName="Linear10", computePlatform="Server",
            trafficRoutingConfig={"type": "TimeBasedLinear",
                                  "timeBasedLinear": {"linearPercentage": 10,
                                                      "linearInterval": 1}},
            minimumHealthyHosts={"type": "HOST_COUNT", "value": 0})
        blue_green_group(r, "Linear10")
        watch = WeightWatch(r.lb)
        load = r.load(threads=3, pause=0.005)
        t0 = time.time()
        did = r.deploy("web", "v2", targetInstances={"tagFilters": GREEN_FILTER})
        info = wait_deployment(r.cd, did, timeout=300)
        wall = time.time() - t0
        time.sleep(1)
        load.stop()
        watch.stop()
        assert info["status"] == "Succeeded", info
        failed_line("weighted shift (10 steps)", load)
        note("weighted rollout (10 x 2 s steps)", f"{wall:.1f} s")
        held = []
        for p, a, b in watch.levels():
            if p != 0 and b - a >= 0.3 and (not held or held[-1][0] != p):
                held.append((p, a, b))
        starts = [a for _, a, _ in held]
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        note("engine's steps (HAProxy's weights, 50 ms polls)",
             ", ".join(f"{p}%" for p, _, _ in held))
        note("interval between steps (scheduled 2.00 s)", spread(gaps, lambda x: f"{x:.2f} s"))
        shares = []
        for p, a, b in held:
            share, n = load.share(set(GREEN), a + 0.3, b - 0.3)
            if share is not None:
                shares.append(f"{p}%→{100 * share:.0f}%")
        note("green's share at the client per step (weights → answers)", ", ".join(shares))
    finally:
        r.close(False, check=False)


def to_alarm(item):
    try:
        return json.loads(item["HistoryData"])["newState"]["stateValue"] == "ALARM"
    except (KeyError, ValueError, TypeError):
        return "to ALARM" in item.get("HistorySummary", "")


def part_alarm(tmp):
    print("\n== a revision answering 500: alarm -> stop -> rollback, --time-scale 60 ==")
    r = rig(tmp, "alarm", args=("--time-scale", "60"))
    try:
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
        info = wait_deployment(r.cd, r.deploy("web", "v1",
                                              deploymentConfigName="CodeDeployDefault.AllAtOnce"))
        assert info["status"] == "Succeeded", info
        r.serving(r.apps, "v1")
        load = r.load(threads=3, pause=0.005)
        bad = r.deploy("web", "v2-broken", broken=True)
        info = wait_deployment(r.cd, bad, timeout=300)
        assert info["status"] == "Stopped", info
        rb = info["rollbackInfo"]["rollbackDeploymentId"]
        rbi = wait_deployment(r.cd, rb, timeout=300)
        time.sleep(1)
        load.stop()
        ss = load.snapshot()
        first500 = min((s.done for s in ss if s.status == 500), default=None)
        last500 = max((s.done for s in ss if s.status == 500), default=None)
        hist = cw.describe_alarm_history(AlarmName="web-5xx", HistoryItemType="StateUpdate")
        alarm_at = min((h["Timestamp"].timestamp() for h in hist["AlarmHistoryItems"]
                        if to_alarm(h)), default=None)
        stopped = ts(info, "completeTime")
        rb_created = ts(rbi, "createTime")
        rb_events = [ts(e, "startTime") for t in targets(r.cd, rb).values()
                     for e in t["lifecycleEvents"] if "startTime" in e]
        s = load.summary()
        note("failed requests, bad revision until rolled back",
             f"{s['failed']} of {s['total']} ({s['statuses']})")
        if first500 is None:
            note("alarm", "no 500 seen at the client")
            return
        if alarm_at is not None:
            note("breach (first 500 at the client) -> alarm in ALARM", ms(alarm_at - first500))
        note("breach -> deployment Stopped (completeTime)", ms(stopped - first500))
        note("breach -> rollback deployment created (target <= 2 s)", ms(rb_created - first500))
        if rb_events:
            note("breach -> rollback's first lifecycle event", ms(min(rb_events) - first500))
        note("500s served for (first -> last 500 at the client)", ms(last500 - first500))
        note("rollback", f"{rbi['status']} in {ts(rbi, 'completeTime') - rb_created:.1f} s")
    finally:
        r.close(False, check=False)


def main():
    if os.geteuid() != 0:
        sys.exit("bench/traffic.py: needs root (each host runs in its own mount namespace)")
    for f in ("src/server/slipwayd", "src/agent/slipway-agent"):
        if not os.path.exists(os.path.join(ARGS.build, f)):
            sys.exit(f"bench/traffic.py: {ARGS.build}/{f} is missing (build first)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = ARGS.dir or tempfile.mkdtemp(prefix="slipway-traffic-bench.")
    print(f"bench/traffic.py: {datetime.date.today()}, {platform.node()}, "
          f"{os.cpu_count()} CPUs {cpu_model()}, kernel {platform.release()}, "
          f"load average {os.getloadavg()[0]:.1f}, build {ARGS.build}, files in {tmp}")
    parts = ARGS.parts.split(",")
    try:
        if "inplace" in parts:
            part_inplace(tmp)
        if "bluegreen" in parts:
            part_bluegreen(tmp, ARGS.flips)
        if "shift" in parts:
            part_shift(tmp)
        if "alarm" in parts:
            part_alarm(tmp)
    finally:
        if not ARGS.dir:
            import shutil
            shutil.rmtree(tmp, ignore_errors=True)
    print("\n== summary ==")
    width = max(len(k) for k in RESULTS) if RESULTS else 0
    for k, v in RESULTS.items():
        print(f"{k:<{width}}  {v}")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return "`" + " ".join(line.split(":", 1)[1].split()[:2]) + "`"
    except OSError:
        pass
    return ""


if __name__ == "__main__":
    main()
