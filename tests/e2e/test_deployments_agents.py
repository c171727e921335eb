"""In-place deployments end to end with real slipway-agent processes: 1 to 5 hosts on this
machine, each with its own IAM key, root directory and (as root) its own mount namespace with a
private /opt and /tmp, driven with boto3 and the aws CLI.  Bundles are zip/tgz archives uploaded
to slipwayd's S3.  Covers success, a failure in every lifecycle event, hook timeouts and daemons
holding output, DISALLOW/OVERWRITE/RETAIN, hosts in flight per deployment configuration, stop
with and without rollback, automatic rollback, kill -9 of an agent mid-hook and of slipwayd
mid-deployment, and a tampered deployment specification."""
import base64
import http.server
import io
import json
import os
import re
import tarfile
import threading
import time
import urllib.request
import zipfile

import pytest
from agents import (ALL_EVENTS, Fleet, RealAgents, agent_available, dserver,  # noqa: F401
                    events, max_in_flight, ran, targets, wait_deployment, wait_until)

# Timeouts no busy machine reaches: no test here is about them.
SLIPWAYD_ARGS = ["--poll-timeout", "20", "--agent-timeout", "300", "--event-timeout", "300"]
IN_PLACE = ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
            "ApplicationStart", "ValidateService"]
HOOKS = ["ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart",
         "ValidateService"]

pytestmark = [
    pytest.mark.skipif(not agent_available(), reason="slipway-agent has no poll loop in this "
                       "build"),
    pytest.mark.skipif(os.geteuid() != 0, reason="hosts need their own mount namespace (root)"),
]

HOOK = """#!/bin/sh
echo "$LIFECYCLE_EVENT $DEPLOYMENT_ID $APPLICATION_NAME $DEPLOYMENT_GROUP_NAME $BUNDLE_KEY @VERSION@" \
  >> /tmp/hooks.log
"""


def bundle(version="v1", hooks=None, files=None, fmt="zip", extra_appspec=""):
    """A revision archive: appspec.yml installing site/ to /opt/app, hooks as given
    ({event: (script text, timeout)}; default: every hook logs to /tmp/hooks.log)."""
    hooks = hooks if hooks is not None else {ev: (HOOK, 60) for ev in HOOKS}
    files = files if files is not None else {"site/index.html": f"<h1>{version}</h1>\n"}
    spec = "version: 0.0\nos: linux\nfiles:\n  - source: site\n    destination: /opt/app\n"
    spec += extra_appspec
    content = dict(files)
    if hooks:
        spec += "hooks:\n"
        for ev, (script, timeout) in hooks.items():
            path = f"scripts/{ev}.sh"
            spec += f"  {ev}:\n    - location: {path}\n      timeout: {timeout}\n"
            content[path] = script.replace("@VERSION@", version)
    content["appspec.yml"] = spec
    buf = io.BytesIO()
    if fmt == "zip":
        with zipfile.ZipFile(buf, "w") as z:
            for name, text in content.items():
                info = zipfile.ZipInfo(name)
                info.external_attr = (0o755 if name.endswith(".sh") else 0o644) << 16
                z.writestr(info, text)
    else:
        with tarfile.open(fileobj=buf, mode="w:gz" if fmt == "tgz" else "w") as t:
            for name, text in content.items():
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mode = 0o755 if name.endswith(".sh") else 0o644
                t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class Kit:
    """The server, its hosts, their agents and the S3 bucket of bundles."""

    def __init__(self, server, tmp_path):
        self.server = server
        self.fleet = Fleet(server)
        self.cd = self.fleet.cd
        self.s3 = server.client("s3")
        self.s3.create_bucket(Bucket="bundles")
        self.agents = RealAgents(server, tmp_path)
        self.n = 0

    def hosts(self, n, group_kw=None, start=True):
        hosts = self.fleet.add_many(n)
        self.fleet.group(**(group_kw or {}))
        if start:
            self.agents.start_all(hosts)
        return hosts

    def upload(self, data, fmt="zip"):
        self.n += 1
        key = f"rev-{self.n}.{fmt}"
        self.s3.put_object(Bucket="bundles", Key=key, Body=data)
        return {"revisionType": "S3", "s3Location": {"bucket": "bundles", "key": key,
                                                     "bundleType": fmt}}

    def deploy(self, data, fmt="zip", **kw):
        return self.cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                         revision=self.upload(data, fmt), **kw)["deploymentId"]

    def read(self, host, path):
        with open(self.agents.path(host, path)) as f:
            return f.read()

    def exists(self, host, path):
        return os.path.exists(self.agents.path(host, path))

    def dump(self):
        out = []
        for h in self.fleet.hosts:
            out.append(f"----- agent {h.name} -----\n{self.agents.output(h)}")
            log = os.path.join(self.agents.dir(h), "log")
            for name in sorted(os.listdir(log)) if os.path.isdir(log) else []:
                with open(os.path.join(log, name), errors="replace") as f:
                    out.append(f"----- {h.name} {name} -----\n{f.read()[-6000:]}")
        return "\n".join(out)


@pytest.fixture
def kit(dserver, tmp_path, request):
    k = Kit(dserver, tmp_path)
    yield k
    k.agents.stop_all()
    failed = getattr(request.node, "rep_call", None)
    if failed and failed.failed:
        print(k.dump())


def hook_log(kit, host):
    return [line.split() for line in kit.read(host, "/tmp/hooks.log").splitlines()]


# A hook that waits for the test: it says it has started (/tmp/waiting on its host) and ends once
# release() has put /tmp/release there, so that a test acting on a running event races neither
# the event's end nor the agent's acknowledgement of it (an event shows InProgress from the
# moment the agent takes it, before the agent has acknowledged it).
GATE = "#!/bin/sh\ntouch /tmp/waiting\nwhile [ ! -e /tmp/release ]; do sleep 0.1; done\n"


def wait_gate(kit, hosts):
    """Waits until GATE's script runs on every one of hosts."""
    wait_until(lambda: all(kit.exists(h, "/tmp/waiting") for h in hosts),
               f"the waiting script runs on {', '.join(h.name for h in hosts)}")


def release(kit, hosts):
    for h in hosts:
        with open(kit.agents.path(h, "/tmp/release"), "w"):
            pass


# ---- success --------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["zip", "tgz"])
def test_three_hosts_succeed_with_every_hook_in_order(kit, fmt):
    hosts = kit.hosts(3, {"config": "CodeDeployDefault.AllAtOnce"})
    did = kit.deploy(bundle("v1", fmt=fmt), fmt=fmt)
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Succeeded", info
    assert info["deploymentOverview"]["Succeeded"] == 3
    for h in hosts:
        assert kit.read(h, "/opt/app/index.html") == "<h1>v1</h1>\n"
        log = hook_log(kit, h)
        # first deployment: no ApplicationStop (nothing installed before, §2.3)
        assert [l[0] for l in log] == HOOKS[1:]
        assert all(l[1:4] == [did, "app", "web"] for l in log)
        assert all(l[4:] == [f"rev-1.{fmt}", "v1"] for l in log)
        t = targets(kit.cd, did)[h.name]
        assert [e["lifecycleEventName"] for e in t["lifecycleEvents"]] == ALL_EVENTS
        assert [e["lifecycleEventName"] for e in ran(t)] == IN_PLACE
        assert all(e["status"] == "Succeeded" for e in ran(t))
    # the second deployment runs ApplicationStop from the first revision
    did2 = kit.deploy(bundle("v2", fmt=fmt), fmt=fmt)
    assert wait_deployment(kit.cd, did2)["status"] == "Succeeded"
    for h in hosts:
        assert kit.read(h, "/opt/app/index.html") == "<h1>v2</h1>\n"
        log = [l for l in hook_log(kit, h) if l[1] == did2]
        assert [l[0] for l in log] == HOOKS
        # ApplicationStop runs the previous revision's script, with this deployment's variables
        assert log[0][4:] == [f"rev-2.{fmt}", "v1"]
        assert all(l[5] == "v2" for l in log[1:])


def test_deploy_with_the_aws_cli(kit):
    hosts = kit.hosts(1)
    rev = kit.upload(bundle("cli"))
    loc = rev["s3Location"]
    out = kit.server.aws("deploy", "create-deployment", "--application-name", "app",
                         "--deployment-group-name", "web", "--s3-location",
                         f"bucket={loc['bucket']},key={loc['key']},bundleType=zip")
    did = out["deploymentId"]
    deadline = time.time() + 120
    while time.time() < deadline:
        info = kit.server.aws("deploy", "get-deployment", "--deployment-id",
                              did)["deploymentInfo"]
        if info["status"] in ("Succeeded", "Failed", "Stopped"):
            break
        time.sleep(0.5)
    assert info["status"] == "Succeeded", info
    assert kit.read(hosts[0], "/opt/app/index.html") == "<h1>cli</h1>\n"
    inst = kit.server.aws("deploy", "get-deployment-instance", "--deployment-id", did,
                          "--instance-id", "host-1")["instanceSummary"]
    assert inst["status"] == "Succeeded"
    assert [e["lifecycleEventName"] for e in inst["lifecycleEvents"]] == ALL_EVENTS
    assert [e["status"] for e in inst["lifecycleEvents"]] == \
        ["Skipped"] * 3 + ["Succeeded"] * 7 + ["Skipped"] * 3


# ---- failures ---------------------------------------------------------------------------------

FAIL = """#!/bin/sh
echo "checking $LIFECYCLE_EVENT"
echo "something is wrong" >&2
exit 3
"""


@pytest.mark.parametrize("event", IN_PLACE)
def test_a_failure_in_each_event(kit, event):
    hosts = kit.hosts(1)
    h = hosts[0]
    if event == "ApplicationStop":
        # ApplicationStop runs the last successful revision's script: install a broken one
        hooks = {ev: (HOOK, 60) for ev in HOOKS}
        hooks["ApplicationStop"] = (FAIL, 60)
        assert wait_deployment(kit.cd, kit.deploy(bundle("v0", hooks)))["status"] == \
            "Succeeded"
        data = bundle("v1")
    elif event == "DownloadBundle":
        data = b"this is not a zip archive"
    elif event == "Install":
        os.makedirs(kit.agents.path(h, "/opt/app"), exist_ok=True)
        with open(kit.agents.path(h, "/opt/app/index.html"), "w") as f:
            f.write("not from a deployment\n")
        data = bundle("v1")
    else:
        hooks = {ev: (HOOK, 60) for ev in HOOKS}
        hooks[event] = (FAIL, 60)
        data = bundle("v1", hooks)
    did = kit.deploy(data)
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Failed", info
    assert info["errorInformation"]["code"] == "HEALTH_CONSTRAINTS"
    ev = events(targets(kit.cd, did)["host-1"])
    i = IN_PLACE.index(event)
    assert all(ev[n]["status"] == "Succeeded" for n in IN_PLACE[:i])
    assert ev[event]["status"] == "Failed"
    assert all(ev[n]["status"] == "Skipped" for n in IN_PLACE[i + 1:])
    d = ev[event]["diagnostics"]
    if event in HOOKS:
        assert d["errorCode"] == "ScriptFailed"
        assert d["scriptName"] == f"scripts/{event}.sh"
        assert "exit code 3" in d["message"]
        assert "something is wrong" in d["logTail"] and f"checking {event}" in d["logTail"]
    elif event == "Install":
        assert d["errorCode"] == "UnknownError" and "/opt/app/index.html" in d["message"]
        assert kit.read(h, "/opt/app/index.html") == "not from a deployment\n"
    else:
        assert d["errorCode"] == "UnknownError" and d["message"]


def test_a_hook_that_times_out(kit):
    kit.hosts(1)
    hooks = {"AfterInstall": ("#!/bin/sh\necho start\nsleep 600\n", 2)}
    t = time.time()
    did = kit.deploy(bundle("v1", hooks))
    info = wait_deployment(kit.cd, did, timeout=300)
    assert time.time() - t < 300  # the hook was ended at its timeout, long before its sleep
    assert info["status"] == "Failed"
    d = events(targets(kit.cd, did)["host-1"])["AfterInstall"]["diagnostics"]
    assert d["errorCode"] == "ScriptTimedOut" and "start" in d["logTail"]


def test_a_hook_that_leaves_a_daemon_holding_its_output(kit):
    kit.hosts(1)
    hooks = {"ApplicationStart": ("#!/bin/sh\nsleep 30 &\necho started\n", 3)}
    did = kit.deploy(bundle("v1", hooks))
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Failed"
    d = events(targets(kit.cd, did)["host-1"])["ApplicationStart"]["diagnostics"]
    # agent code 6 (outputs left open) is reported as ScriptFailed with the agent's message
    assert d["errorCode"] == "ScriptFailed"
    assert "STDOUT" in d["message"] or "output" in d["message"].lower()


def test_file_exists_behavior_across_three_deployments(kit):
    hosts = kit.hosts(1)
    h = hosts[0]
    os.makedirs(kit.agents.path(h, "/opt/app"), exist_ok=True)
    with open(kit.agents.path(h, "/opt/app/config.txt"), "w") as f:
        f.write("hand-made\n")
    files = {"site/index.html": "<h1>v1</h1>\n", "site/config.txt": "from the bundle\n"}
    # DISALLOW (the default): the unmanaged file stops the install
    did = kit.deploy(bundle("v1", hooks={}, files=files))
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Failed" and info["fileExistsBehavior"] == "DISALLOW"
    assert events(targets(kit.cd, did)["host-1"])["Install"]["status"] == "Failed"
    assert kit.read(h, "/opt/app/config.txt") == "hand-made\n"
    # OVERWRITE: replaced
    did = kit.deploy(bundle("v2", hooks={}, files=files), fileExistsBehavior="OVERWRITE")
    assert wait_deployment(kit.cd, did)["status"] == "Succeeded"
    assert kit.read(h, "/opt/app/config.txt") == "from the bundle\n"
    # RETAIN: a new hand-made file is kept, files of the previous install are replaced
    with open(kit.agents.path(h, "/opt/app/local.txt"), "w") as f:
        f.write("keep me\n")
    files3 = {"site/index.html": "<h1>v3</h1>\n", "site/config.txt": "third\n",
              "site/local.txt": "bundle's local\n"}
    did = kit.deploy(bundle("v3", hooks={}, files=files3), fileExistsBehavior="RETAIN")
    assert wait_deployment(kit.cd, did)["status"] == "Succeeded"
    assert kit.read(h, "/opt/app/local.txt") == "keep me\n"
    assert kit.read(h, "/opt/app/config.txt") == "third\n"
    assert kit.read(h, "/opt/app/index.html") == "<h1>v3</h1>\n"


# ---- configurations -------------------------------------------------------------------------

class Gathering:
    """Where hooks wait for one another: GET /N/DEPLOYMENT_ID answers once N hosts of that
    deployment have called (or after 60 s, when fewer came).  Hosts a configuration lets run
    together are then in flight together however slowly this machine starts them."""

    def __init__(self):
        self.came = {}
        self.cond = threading.Condition()
        gathering = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                n, did = self.path.strip("/").split("/")
                with gathering.cond:
                    gathering.came[did] = gathering.came.get(did, 0) + 1
                    gathering.cond.notify_all()
                    gathering.cond.wait_for(lambda: gathering.came[did] >= int(n), timeout=60)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def hook(self, n):
        """A hook that waits until n hosts are at it, then (as before) takes a second."""
        url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{n}/$DEPLOYMENT_ID"
        return f"#!/bin/sh\ncurl -fsS --noproxy '*' --max-time 90 \"{url}\"\nsleep 1\n"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.slow
def test_hosts_in_flight_per_deployment_configuration(kit):
    kit.hosts(4)
    kit.cd.create_deployment_config(deploymentConfigName="Custom.HostCount1",
                                    minimumHealthyHosts={"type": "HOST_COUNT", "value": 1})
    kit.cd.create_deployment_config(deploymentConfigName="Custom.Percent70",
                                    minimumHealthyHosts={"type": "FLEET_PERCENT", "value": 70})
    expect = {"CodeDeployDefault.AllAtOnce": 4, "CodeDeployDefault.HalfAtATime": 2,
              "CodeDeployDefault.OneAtATime": 1, "Custom.HostCount1": 3,
              "Custom.Percent70": 1}
    gathering = Gathering()
    try:
        for i, (config, n) in enumerate(expect.items()):
            hooks = {"ApplicationStart": (gathering.hook(n), 120)}
            did = kit.deploy(bundle(f"v{i}", hooks), deploymentConfigName=config)
            info = wait_deployment(kit.cd, did, timeout=180)
            assert info["status"] == "Succeeded", (config, info)
            assert info["deploymentConfigName"] == config
            assert max_in_flight(kit.cd, did) == n, config
    finally:
        gathering.close()


# ---- stop and rollback ------------------------------------------------------------------------

def test_stop_without_rollback(kit):
    hosts = kit.hosts(2)
    did = kit.deploy(bundle("v1", {"AfterInstall": (GATE, 300)}))
    try:
        wait_gate(kit, hosts[:1])
        r = kit.cd.stop_deployment(deploymentId=did, autoRollbackEnabled=False)
    finally:
        release(kit, hosts[:1])
    assert r["status"] == "Pending"
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Stopped" and info["errorInformation"]["code"] == "MANUAL_STOP"
    t = targets(kit.cd, did)
    assert events(t["host-1"])["AfterInstall"]["status"] == "Succeeded"  # it ran to its end
    assert events(t["host-1"])["ApplicationStart"]["status"] == "Skipped"
    assert t["host-2"]["status"] == "Skipped"
    assert not kit.exists(hosts[1], "/opt/app/index.html")
    assert "rollbackInfo" not in info


def test_stop_with_rollback(kit):
    hosts = kit.hosts(2, {"config": "CodeDeployDefault.AllAtOnce"})
    good = kit.deploy(bundle("good"))
    assert wait_deployment(kit.cd, good)["status"] == "Succeeded"
    did = kit.deploy(bundle("new", {"ValidateService": (GATE, 300)}))
    try:
        wait_gate(kit, hosts)
        for h in hosts:
            assert kit.read(h, "/opt/app/index.html") == "<h1>new</h1>\n"
        kit.cd.stop_deployment(deploymentId=did, autoRollbackEnabled=True)
    finally:
        release(kit, hosts)
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Stopped"
    rb = info["rollbackInfo"]["rollbackDeploymentId"]
    rbi = wait_deployment(kit.cd, rb)
    assert rbi["status"] == "Succeeded" and rbi["creator"] == "codeDeployRollback"
    assert rbi["rollbackInfo"]["rollbackTriggeringDeploymentId"] == did
    for h in hosts:
        assert kit.read(h, "/opt/app/index.html") == "<h1>good</h1>\n"


def test_automatic_rollback_after_failure(kit):
    hosts = kit.hosts(3, {"config": "CodeDeployDefault.HalfAtATime",
                          "autoRollbackConfiguration": {"enabled": True,
                                                        "events": ["DEPLOYMENT_FAILURE"]}})
    good = kit.deploy(bundle("good"))
    assert wait_deployment(kit.cd, good)["status"] == "Succeeded"
    hooks = {ev: (HOOK, 60) for ev in HOOKS}
    hooks["ValidateService"] = (FAIL, 60)
    bad = kit.deploy(bundle("bad", hooks))
    info = wait_deployment(kit.cd, bad)
    assert info["status"] == "Failed"
    rb = info["rollbackInfo"]["rollbackDeploymentId"]
    rbi = wait_deployment(kit.cd, rb)
    assert rbi["status"] == "Succeeded", rbi
    assert rbi["creator"] == "codeDeployRollback"
    assert rbi["revision"] == kit.cd.get_deployment(deploymentId=good)["deploymentInfo"][
        "revision"]
    for h in hosts:
        assert kit.read(h, "/opt/app/index.html") == "<h1>good</h1>\n"
    # the rollback's ApplicationStop ran the failed revision's (last installed) script
    h = hosts[0]
    log = [l for l in hook_log(kit, h) if l[1] == rb]
    assert log[0][0] == "ApplicationStop" and log[0][5] == "bad"
    assert all(l[5] == "good" for l in log[1:])


# ---- crashes ----------------------------------------------------------------------------------

def test_kill9_of_an_agent_mid_hook(kit):
    hosts = kit.hosts(1)
    h = hosts[0]
    did = kit.deploy(bundle("v1", {"AfterInstall": ("#!/bin/sh\ntouch /tmp/started\nsleep 15\n",
                                                    60)}))
    wait_until(lambda: kit.exists(h, "/tmp/started"), "the AfterInstall script is running")
    kit.agents.kill9(h)
    kit.agents.start(h)  # it reports the interrupted event as failed at once
    info = wait_deployment(kit.cd, did)
    assert info["status"] == "Failed"
    d = events(targets(kit.cd, did)["host-1"])["AfterInstall"]["diagnostics"]
    assert d["errorCode"] == "UnknownError"
    assert "restart" in d["message"]


def test_kill9_and_restart_of_slipwayd_mid_deployment(kit):
    hosts = kit.hosts(2)
    # slipwayd dies while host-1 runs AfterInstall (its script waits for the test), not between
    # the agent taking an event and acknowledging it (an acknowledgement is not sent again)
    did = kit.deploy(bundle("v1", {"AfterInstall": (GATE, 300)}))
    server = kit.server
    try:
        wait_gate(kit, hosts[:1])
        port = server.port
        server.kill9()
        server.port = None
        time.sleep(1)
        server.start(port)
    finally:
        release(kit, hosts)  # host-2 runs the same script after host-1: at once
    cd = server.client("codedeploy")
    info = wait_deployment(cd, did, timeout=180)
    assert info["status"] == "Succeeded", info
    for h in hosts:
        assert kit.read(h, "/opt/app/index.html") == "<h1>v1</h1>\n"


# ---- a tampered specification ----------------------------------------------------------------

class TamperingProxy:
    """Forwards the agent's requests to slipwayd unchanged (their SigV4 signatures still hold)
    and flips one signed byte of every deployment specification on the way back."""

    def __init__(self, upstream):
        self.upstream = upstream
        self.tampered = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                self._forward()

            def do_POST(self):
                self._forward()

            def _forward(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else None
                req = urllib.request.Request(proxy.upstream + self.path, data=body,
                                             method=self.command)
                for k, v in self.headers.items():
                    if k.lower() not in ("content-length", "connection"):
                        req.add_header(k, v)
                try:
                    with urllib.request.urlopen(req, timeout=120) as r:
                        status, headers, data = r.status, r.headers, r.read()
                except urllib.error.HTTPError as e:
                    status, headers, data = e.code, e.headers, e.read()
                if (self.headers.get("X-Amz-Target") or "").endswith(
                        "GetDeploymentSpecification") and status == 200:
                    data = proxy.tamper(data)
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "connection", "transfer-encoding",
                                         "date", "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def tamper(self, data):
        reply = json.loads(data)
        env = reply["DeploymentSpecification"]["GenericEnvelope"]
        lines = env["Payload"].strip().splitlines()
        der = base64.b64decode("".join(lines[1:-1]))
        changed = der.replace(b'"ApplicationName":"app"', b'"ApplicationName":"apq"')
        assert changed != der
        b64 = base64.b64encode(changed).decode()
        env["Payload"] = "\n".join([lines[0]] + re.findall(".{1,64}", b64) + [lines[-1]]) + "\n"
        self.tampered += 1
        return json.dumps(reply).encode()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_tampered_specification_is_refused(kit):
    hosts = kit.hosts(1, start=False)
    proxy = TamperingProxy(kit.server.endpoint)
    try:
        kit.agents.endpoint = proxy.endpoint  # the agent talks to slipwayd through the proxy
        kit.agents.start(hosts[0])
        did = kit.deploy(bundle("v1"))
        info = wait_deployment(kit.cd, did, timeout=120)
        assert proxy.tampered >= 1
        assert info["status"] == "Failed"
        ev = events(targets(kit.cd, did)["host-1"])
        failed = [n for n in IN_PLACE if ev[n]["status"] == "Failed"]
        assert failed == ["ApplicationStop"]
        assert "signature" in ev["ApplicationStop"]["diagnostics"]["message"].lower() or \
            "verif" in ev["ApplicationStop"]["diagnostics"]["message"].lower()
        assert not kit.exists(hosts[0], "/opt/app/index.html")
    finally:
        kit.agents.stop_all()
        proxy.close()
