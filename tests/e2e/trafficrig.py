"""The traffic tests' rig, shared with bench/traffic.py: a real HAProxy (tests/e2e/haproxy.py) in
front of hosts running examples/webapp-lb, a slipwayd that declares it (--load-balancer), the
hosts registered the AWS way with their real agents (RealAgents: each its own mount namespace
and /opt), a bucket of bundles, and load clients (tests/e2e/loadclient.py).

    r = Rig(tmp_path, args=["--time-scale", "30"], maint=GREEN)
    r.traffic_group("web"); did = r.deploy("web", "v2"); r.load(); ...; r.close(failed=False)

Hosts web-1 and web-2 are tagged fleet=blue, web-3 and web-4 fleet=green, all role=web; each is
a server of backend web-tg named after it (GREEN ones start in maintenance when maint says so)."""
import http.client
import json
import os
import threading
import time

from agents import Fleet, RealAgents, wait_until
from conftest import Server

import haproxy
import webapp
from loadclient import LoadClient

LB = "edge"     # the balancer's name, as declared to slipwayd
TG = "web-tg"   # the HAProxy backend = the deployment group's target group
SLIPWAYD_ARGS = ["--poll-timeout", "20", "--agent-timeout", "300", "--event-timeout", "300",
                 "--deregistration-delay", "5", "--allow-traffic-timeout", "20",
                 "--lb-scrape-interval", "1"]
BLUE = ("web-1", "web-2")
GREEN = ("web-3", "web-4")


class Rig:
    """HAProxy, slipwayd declaring it, four registered hosts (web-1, web-2 tagged fleet=blue;
    web-3, web-4 fleet=green; all role=web) with their agents, and a bucket of bundles."""

    def __init__(self, tmp_path, args=(), maint=(), names=BLUE + GREEN, store_args=(),
                 log_level=None, check_ports=None):
        self.tmp = tmp_path
        self.lb = self.server = self.agents = None
        self.apps, self.hosts, self.loads = {}, {}, []
        self.n = 0
        try:
            self._start(args, maint, names, store_args, log_level, check_ports or {})
        except BaseException:
            self.close(True, check=False)
            raise

    def _start(self, args, maint, names, store_args, log_level, check_ports):
        tmp_path = self.tmp
        self.apps = {n: webapp.Host(n, os.path.join(tmp_path, "hosts", n, "opt"),
                                    webapp.free_port()).prepare() for n in names}
        self.lb = haproxy.HAProxy(tmp_path, {TG: [
            haproxy.Server(n, self.apps[n].port, maint=n in maint, check_port=check_ports.get(n))
            for n in names]})
        self.lb.start()
        a = SLIPWAYD_ARGS + ["--load-balancer", f"{LB}={self.lb.socket}"] + list(args)
        if log_level:
            a += ["--log-level", log_level]
        self.server = Server(os.path.join(tmp_path, "data"),
                             os.path.join(tmp_path, "slipwayd.log"), a + list(store_args))
        self.server.start()
        self.fleet = Fleet(self.server)
        self.cd = self.fleet.cd
        self.s3 = self.server.client("s3")
        self.s3.create_bucket(Bucket="bundles")
        for n in names:
            self.hosts[n] = self.fleet.add(n, {"role": "web",
                                               "fleet": "blue" if n in BLUE else "green"})
        self.agents = RealAgents(self.server, tmp_path)
        self.agents.start_all(self.hosts.values())
        try:
            self.cd.create_application(applicationName="app")
        except self.cd.exceptions.ApplicationAlreadyExistsException:
            pass

    def group(self, name, tag=("role", "web"), **kw):
        args = dict(applicationName="app", deploymentGroupName=name,
                    serviceRoleArn="arn:aws:iam::123456789012:role/CodeDeploy",
                    onPremisesInstanceTagFilters=[{"Key": tag[0], "Value": tag[1],
                                                   "Type": "KEY_AND_VALUE"}])
        args.update(kw)
        return self.cd.create_deployment_group(**args)["deploymentGroupId"]

    def traffic_group(self, name, **kw):
        """An in-place group WITH_TRAFFIC_CONTROL behind web-tg."""
        kw.setdefault("deploymentStyle", {"deploymentType": "IN_PLACE",
                                          "deploymentOption": "WITH_TRAFFIC_CONTROL"})
        kw.setdefault("loadBalancerInfo", {"targetGroupInfoList": [{"name": TG}]})
        return self.group(name, **kw)

    def deploy(self, group, revision, broken=False, **kw):
        self.n += 1
        key = f"rev-{self.n}.zip"
        self.s3.put_object(Bucket="bundles", Key=key, Body=webapp.bundle(revision, broken))
        return self.cd.create_deployment(
            applicationName="app", deploymentGroupName=group,
            revision={"revisionType": "S3", "s3Location": {"bucket": "bundles", "key": key,
                                                           "bundleType": "zip"}},
            **kw)["deploymentId"]

    def why(self, did):
        """A deployment's error and the failed lifecycle events with their diagnostics (for
        assertion messages)."""
        from agents import targets
        info = self.cd.get_deployment(deploymentId=did)["deploymentInfo"]
        out = [f"{did} {info['status']}: {info.get('errorInformation')}"]
        for name, t in sorted(targets(self.cd, did).items()):
            for e in t["lifecycleEvents"]:
                if e["status"] == "Failed":
                    out.append(f"  {name} {e['lifecycleEventName']}: {e.get('diagnostics')}")
        return "\n".join(out)

    def load(self, **kw):
        kw.setdefault("threads", 3)
        kw.setdefault("pause", 0.01)
        kw.setdefault("max_seconds", 240)
        kw.setdefault("max_requests", 60000)
        c = LoadClient(self.lb.url + "/", **kw).start()
        self.loads.append(c)
        wait_until(lambda: c.count() >= 20, "the load client's first answers", timeout=30)
        return c

    def serving(self, names, revision):
        """Waits until every named host's server answers `/` with revision (directly, not
        through HAProxy) and HAProxy has it UP."""
        def ok(n):
            st, body = get(self.apps[n].port)
            return st == 200 and json.loads(body)["revision"] == revision
        wait_until(lambda: all(ok(n) for n in names), f"{names} serve {revision}", timeout=60)
        self.lb.wait_status(TG, names, "UP")

    def close(self, failed, check=True):
        """Stops everything this rig started; with failed, prints the logs."""
        for c in self.loads:
            c.stop()
        if self.agents:
            self.agents.stop_all()
        for a in self.apps.values():
            a.kill()
        rc = 0
        if self.server and self.server.proc:
            rc = self.server.stop()
            self.server.release_port()
        if self.lb:
            self.lb.close()
        log = self.server.read_log() if self.server else ""
        if failed or rc != 0:
            print(f"\n----- slipwayd log -----\n{log[-20000:]}")
            if self.lb:
                text = "\n".join(x for x in self.lb.output().splitlines()
                                 if not x.startswith("REQ "))
                print(f"\n----- haproxy -----\n{text[-8000:]}")
            for h in self.hosts.values():
                print(f"----- agent {h.name} -----\n{self.agents.output(h)[-3000:]}")
                out = os.path.join(self.apps[h.name].dir, "server.out")
                if os.path.exists(out):
                    with open(out, errors="replace") as f:
                        print(f"----- {h.name} server.out -----\n{f.read()[-2000:]}")
        if check:
            assert rc == 0, f"slipwayd exited with {rc} on SIGTERM"
            assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log

def get(port, path="/"):
    """(status, body) of GET path on a host's own port (None and the error when it fails)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    except OSError as e:
        return None, str(e).encode()
    finally:
        c.close()


class WeightWatch:
    """Samples the share HAProxy gives the servers called names (green by default: their
    weights among the servers UP) every 50 ms: [(time, percent)]."""

    def __init__(self, lb, names=GREEN):
        self.lb = lb
        self.names = names
        self.samples = []
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        deadline = time.time() + 300
        while not self.stop_flag.is_set() and time.time() < deadline:
            try:
                rows = self.lb.servers(TG)
                share = haproxy.serving_share(rows, self.names)
                self.samples.append((time.time(), round(100 * share)))
            except OSError:
                pass
            self.stop_flag.wait(0.05)

    def stop(self):
        self.stop_flag.set()
        self.thread.join(timeout=10)

    def levels(self):
        """[(percent, since, until)]: the runs of one share, in order."""
        out = []
        for t, p in self.samples:
            if out and out[-1][0] == p:
                out[-1][2] = t
            else:
                out.append([p, t, t])
        return [tuple(x) for x in out]
