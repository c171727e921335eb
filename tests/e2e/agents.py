"""Deployment test kit: a slipwayd with short test timeouts (`dserver`), registered and tagged
hosts (IAM user + access key + on-premises instance + tags), real slipway-agent processes — each
with its own root, key and, as root, its own mount namespace with private /opt and /tmp — a
protocol-level fake agent that signs the CodeDeploy Commands API with botocore, and helpers to
wait for deployments and read their timelines.

    from agents import dserver, Fleet, FakeAgent, RealAgents, wait_deployment  # noqa: F401

A test module may set SLIPWAYD_ARGS (a list) to change slipwayd's deployment timeouts, and a test
may add or change options with @pytest.mark.slipwayd_args("--agent-timeout", "4") or
("--queue-deployments").  Only a test that measures a timeout should make it short: a
deployment that must still be running when a test acts on it (stops it, polls its next event)
must not race a timer against slow clients."""
import http.client
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.parse

import pytest
from conftest import AGENT, Server
from pg import store_args

DEFAULT_ARGS = ["--poll-timeout", "5", "--agent-timeout", "20"]
COMMANDS = "CodeDeployCommandService_v20141006."
TERMINAL = ("Succeeded", "Failed", "Stopped")


def with_args(args, *changes):
    """args with changes applied: an `--option value` pair replaces that option's value (or is
    added); a lone `--flag` (followed by another option, or last) is added once."""
    out = list(args)
    i = 0
    while i < len(changes):
        opt = changes[i]
        if i + 1 < len(changes) and not str(changes[i + 1]).startswith("--"):
            value = changes[i + 1]
            i += 2
            if opt in out:
                out[out.index(opt) + 1] = value
            else:
                out += [opt, value]
        else:
            i += 1
            if opt not in out:
                out.append(opt)
    return out


@pytest.fixture
def dserver(tmp_path, request):
    """Like conftest's `server`, with the module's SLIPWAYD_ARGS (deployment timeouts) and the
    test's slipwayd_args mark."""
    args = list(getattr(request.module, "SLIPWAYD_ARGS", DEFAULT_ARGS))
    for mark in request.node.iter_markers("slipwayd_args"):
        args = with_args(args, *mark.args)
    args += store_args(request)
    s = Server(tmp_path / "data", tmp_path / "slipwayd.log", args).start()
    s.extra_args = args
    yield s
    rc = s.stop() if s.proc and s.proc.poll() is None else (s.proc.returncode if s.proc else 0)
    s.release_port()
    failed = getattr(request.node, "rep_call", None)
    if (failed and failed.failed) or rc != 0:
        print(f"\n----- slipwayd log ({s.log_path}) -----\n{s.read_log()}")
    assert rc == 0, f"slipwayd exited with {rc} on SIGTERM"
    log = s.read_log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log


# ---- hosts ------------------------------------------------------------------------------------

class Host:
    """A registered on-premises instance and the IAM identity its agent signs with."""

    def __init__(self, name, user_arn, key_id, secret, instance_arn):
        self.name = name
        self.user_arn = user_arn
        self.key_id = key_id
        self.secret = secret
        self.instance_arn = instance_arn


class Fleet:
    """Creates hosts the AWS way: iam create-user / create-access-key, deploy
    register-on-premises-instance / add-tags-to-on-premises-instances."""

    def __init__(self, server):
        self.server = server
        self.cd = server.client("codedeploy")
        self.iam = server.client("iam")
        self.hosts = []

    def add(self, name, tags=None):
        arn = self.iam.create_user(UserName=name)["User"]["Arn"]
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.cd.register_on_premises_instance(instanceName=name, iamUserArn=arn)
        tags = tags if tags is not None else {"role": "web"}
        if tags:
            self.cd.add_tags_to_on_premises_instances(
                instanceNames=[name], tags=[{"Key": k, "Value": v} for k, v in tags.items()])
        info = self.cd.get_on_premises_instance(instanceName=name)["instanceInfo"]
        h = Host(name, arn, key["AccessKeyId"], key["SecretAccessKey"], info["instanceArn"])
        self.hosts.append(h)
        return h

    def add_many(self, n, prefix="host", tags=None):
        return [self.add(f"{prefix}-{i}", tags) for i in range(1, n + 1)]

    def group(self, app="app", group="web", config=None, tag=("role", "web"), **kw):
        """Creates (if needed) the application and a group targeting the hosts by tag."""
        try:
            self.cd.create_application(applicationName=app)
        except self.cd.exceptions.ApplicationAlreadyExistsException:
            pass
        args = dict(applicationName=app, deploymentGroupName=group,
                    serviceRoleArn="arn:aws:iam::123456789012:role/CodeDeploy",
                    onPremisesInstanceTagFilters=[{"Key": tag[0], "Value": tag[1],
                                                   "Type": "KEY_AND_VALUE"}])
        if config:
            args["deploymentConfigName"] = config
        args.update(kw)
        return self.cd.create_deployment_group(**args)["deploymentGroupId"]


# ---- waiting and reading ----------------------------------------------------------------------

def wait_until(condition, what, timeout=120, every=0.1):
    """Calls condition() until it returns something true, and returns that; fails naming what
    was awaited after timeout seconds (a guard against hanging, not a measure of speed)."""
    deadline = time.time() + timeout
    while True:
        got = condition()
        if got:
            return got
        if time.time() >= deadline:
            raise AssertionError(f"{what}: not so after {timeout}s")
        time.sleep(every)


def wait_deployment(cd, deployment_id, statuses=TERMINAL, timeout=120):
    """Polls GetDeployment until its status is one of statuses; returns the DeploymentInfo."""
    deadline = time.time() + timeout
    info = None
    while time.time() < deadline:
        info = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
        if info["status"] in statuses:
            return info
        time.sleep(0.2)
    raise AssertionError(f"deployment {deployment_id} did not reach {statuses} in {timeout}s: "
                         f"{json.dumps(info, default=str, indent=1)}")


def targets(cd, deployment_id):
    """{instance name: InstanceTarget} of a deployment."""
    ids = []
    kw = {}
    while True:
        page = cd.list_deployment_targets(deploymentId=deployment_id, **kw)
        ids += page["targetIds"]
        if not page.get("nextToken"):
            break
        kw["nextToken"] = page["nextToken"]
    out = {}
    for i in range(0, len(ids), 25):
        for t in cd.batch_get_deployment_targets(deploymentId=deployment_id,
                                                 targetIds=ids[i:i + 25])["deploymentTargets"]:
            out[t["instanceTarget"]["targetId"]] = t["instanceTarget"]
    return out


# Every lifecycle event AWS lists for an in-place deployment, in its order; without a load
# balancer the six traffic events are Skipped (and never start).
TRAFFIC = ("BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic", "BeforeAllowTraffic",
           "AllowTraffic", "AfterAllowTraffic")
ALL_EVENTS = ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic", "ApplicationStop",
              "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart",
              "ValidateService", "BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"]


def events(target):
    """{event name: LifecycleEvent} of an InstanceTarget."""
    return {e["lifecycleEventName"]: e for e in target["lifecycleEvents"]}


def ran(target):
    """The LifecycleEvents of an InstanceTarget but the traffic events of a group without a load
    balancer (listed Skipped, as AWS lists them)."""
    out = []
    for e in target["lifecycleEvents"]:
        if e["lifecycleEventName"] in TRAFFIC:
            assert e["status"] == "Skipped" and "startTime" not in e, e
            continue
        out.append(e)
    return out


def max_in_flight(cd, deployment_id):
    """How many instances were mid-deployment at once, from their lifecycle events' start and
    end times (an instance is in flight from its first event's start to its last event's end)."""
    spans = []
    for t in targets(cd, deployment_id).values():
        starts = [e["startTime"].timestamp() for e in t["lifecycleEvents"] if "startTime" in e]
        ends = [e["endTime"].timestamp() for e in t["lifecycleEvents"] if "endTime" in e]
        if starts:
            spans.append((min(starts), max(ends) if ends else float("inf")))
    points = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans],
                    key=lambda p: (p[0], p[1]))
    cur = best = 0
    for _, d in points:
        cur += d
        best = max(best, cur)
    return best


# ---- the protocol-level fake agent ------------------------------------------------------------

class FakeAgent:
    """Speaks the CodeDeploy Commands API as a host would, signed with the host's key (service
    name codedeploy-commands).  `run()` serves commands in a thread: behaviour(name) — or
    behaviour(name, deployment_id) — returns None (succeed) or (error_code, message) to fail that
    event, or "hang" to take the command and never answer."""

    def __init__(self, server, host):
        self.server = server
        self.host = host
        self.seen = []  # (command name, deployment id) in the order received
        self.stop_flag = threading.Event()
        self.thread = None
        self.errors = []

    def call(self, op, body, key_id=None, secret=None, timeout=90, on_sent=None):
        """Sends op; returns (HTTP status, JSON body).  on_sent(local port) is called once the
        whole request is sent, before the answer is read (see ports.read_by_server)."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        req = AWSRequest(method="POST", url=self.server.endpoint + "/",
                         data=json.dumps(body).encode(),
                         headers={"X-Amz-Target": COMMANDS + op,
                                  "Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(Credentials(key_id or self.host.key_id, secret or self.host.secret),
                  "codedeploy-commands", "us-east-1").add_auth(req)
        url = urllib.parse.urlsplit(req.url)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        try:
            conn.request("POST", url.path or "/", body=req.body,
                         headers=dict(req.headers.items()))
            if on_sent:
                on_sent(conn.sock.getsockname()[1])
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read() or b"{}")
        finally:
            conn.close()

    def poll(self, on_sent=None):
        st, body = self.call("PollHostCommand", {"HostIdentifier": self.host.user_arn},
                             on_sent=on_sent)
        assert st == 200, body
        return body.get("HostCommand")

    def next_command(self, timeout=120):
        """Polls until a command comes (slipwayd queues the next event on its engine thread,
        which a busy machine may delay past one --poll-timeout); fails after timeout seconds."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            cmd = self.poll()
            if cmd:
                return cmd
        raise AssertionError(f"no command for {self.host.name} in {timeout}s")

    def spec(self, command):
        st, body = self.call("GetDeploymentSpecification",
                             {"DeploymentExecutionId": command["DeploymentExecutionId"],
                              "HostIdentifier": self.host.user_arn})
        assert st == 200, body
        return body

    def ack(self, command, noop=False):
        st, body = self.call("PutHostCommandAcknowledgement",
                             {"HostCommandIdentifier": command["HostCommandIdentifier"],
                              "Diagnostics": {"Format": "JSON",
                                              "Payload": json.dumps({"IsCommandNoop": noop})}})
        assert st == 200, body
        return body

    def complete(self, command, status="Succeeded", code=0, script="", message=None, log=""):
        payload = {"error_code": code, "script_name": script,
                   "message": message if message is not None else
                   ("Succeeded" if status == "Succeeded" else "failed"), "log": log}
        st, body = self.call("PutHostCommandComplete",
                             {"HostCommandIdentifier": command["HostCommandIdentifier"],
                              "CommandStatus": status,
                              "Diagnostics": {"Format": "JSON", "Payload": json.dumps(payload)}})
        assert st == 200, body
        return body

    def run(self, behaviour=lambda name: None, delay=0.0):
        import inspect
        two = len([p for p in inspect.signature(behaviour).parameters.values()
                   if p.default is inspect.Parameter.empty]) >= 2

        def loop():
            try:
                while not self.stop_flag.is_set():
                    cmd = self.poll()
                    if not cmd:
                        continue
                    deployment = cmd["DeploymentExecutionId"].rsplit("/", 1)[1]
                    self.seen.append((cmd["CommandName"], deployment))
                    self.spec(cmd)
                    self.ack(cmd)
                    outcome = (behaviour(cmd["CommandName"], deployment) if two
                               else behaviour(cmd["CommandName"]))
                    if outcome == "hang":
                        continue
                    if delay:
                        time.sleep(delay)
                    if outcome is None:
                        self.complete(cmd)
                    else:
                        self.complete(cmd, "Failed", outcome[0], "scripts/x.sh", outcome[1],
                                      "line 1\nline 2\n")
            except Exception as e:  # reported by stop()
                self.errors.append(e)
        self.thread = threading.Thread(target=loop, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.stop_flag.set()
        if self.thread:
            self.thread.join(timeout=30)
        assert not self.errors, self.errors


def open_spec(server, spec_reply):
    """The JSON inside a GetDeploymentSpecification reply, its PKCS#7 signature checked against
    slipwayd's certificate with openssl."""
    env = spec_reply["DeploymentSpecification"]["GenericEnvelope"]
    assert env["Format"] == "PKCS7/JSON"
    crt = os.path.join(server.data_dir, "server.crt")
    p = subprocess.run(["openssl", "smime", "-verify", "-inform", "PEM", "-CAfile", crt,
                        "-purpose", "any"], input=env["Payload"].encode(), capture_output=True)
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)


# ---- real agents ------------------------------------------------------------------------------

class RealAgents:
    """slipway-agent processes, one per host.  As root each runs in its own mount namespace
    (`unshare -m`, / made private) where its directory is bind-mounted on /mnt and its own opt/
    and tmp/ on /opt and /tmp, so absolute install destinations of different hosts never collide
    and survive an agent restart; its files are visible from outside under dir(host)."""

    def __init__(self, server, base):
        self.server = server
        self.base = str(base)
        self.endpoint = None  # another endpoint for the agents (a proxy) instead of slipwayd's
        self.procs = {}
        self.logs = {}
        self.isolated = os.geteuid() == 0 and shutil.which("unshare") is not None

    def dir(self, host):
        return os.path.join(self.base, "hosts", host.name)

    def path(self, host, absolute):
        """Where an absolute path of host's namespace (/opt/…, /tmp/…) is, seen from outside."""
        assert self.isolated, "hosts share the filesystem without a mount namespace"
        top, rest = absolute.lstrip("/").split("/", 1)
        assert top in ("opt", "tmp"), absolute
        return os.path.join(self.dir(host), top, rest)

    def _config(self, host):
        d = self.dir(host)
        for sub in ("opt", "tmp", "root", "log"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        shutil.copy(os.path.join(self.server.data_dir, "server.crt"), os.path.join(d, "server.crt"))
        inside = "/mnt" if self.isolated else d
        with open(os.path.join(d, "agent.yml"), "w") as f:
            f.write(f"aws_access_key_id: {host.key_id}\n"
                    f"aws_secret_access_key: {host.secret}\n"
                    f"iam_user_arn: {host.user_arn}\n"
                    f"region: us-east-1\n"
                    f"endpoint: {self.endpoint or self.server.endpoint}\n"
                    f"ca_file: {inside}/server.crt\n"
                    f"root_dir: {inside}/root\n"
                    f"log_dir: {inside}/log\n")
        return inside + "/agent.yml"

    def start(self, host):
        cfg = self._config(host)
        d = self.dir(host)
        log = open(os.path.join(d, "agent.out"), "ab")
        if self.isolated:
            # The build tree may itself live under /tmp or /opt, which the namespace hides:
            # run a copy of the agent (and the helper programs beside it) from the host's dir.
            bindir = os.path.join(d, "bin")
            os.makedirs(bindir, exist_ok=True)
            srcdir = os.path.dirname(AGENT)
            for name in os.listdir(srcdir):
                src = os.path.join(srcdir, name)
                if name.startswith("slipway-agent") and os.path.isfile(src) and os.access(src, os.X_OK):
                    shutil.copy2(src, os.path.join(bindir, name))
            script = ("mount --make-rprivate / && mount --bind \"$1\" /mnt && "
                      "mount --bind /mnt/opt /opt && mount --bind /mnt/tmp /tmp && "
                      "exec \"$2\" --config \"$3\"")
            cmd = ["unshare", "-m", "sh", "-c", script, "sh", d,
                   "/mnt/bin/" + os.path.basename(AGENT), cfg]
        else:
            cmd = [AGENT, "--config", cfg]
        self.procs[host.name] = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                                 stderr=subprocess.STDOUT)
        self.logs[host.name] = log
        return self.procs[host.name]

    def start_all(self, hosts):
        for h in hosts:
            self.start(h)

    def kill9(self, host):
        p = self.procs.pop(host.name)
        p.kill()
        p.wait()
        self.logs.pop(host.name).close()

    def stop(self, host, timeout=30):
        p = self.procs.pop(host.name)
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        self.logs.pop(host.name).close()
        return p.returncode

    def stop_all(self):
        for name in list(self.procs):
            self.stop(type("H", (), {"name": name})())

    def output(self, host):
        try:
            with open(os.path.join(self.dir(host), "agent.out"), "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""


def agent_available():
    """Whether slipway-agent runs a poll loop in this build (it printed "not implemented" before
    the agent issue landed)."""
    if not os.path.exists(AGENT):
        return False
    p = subprocess.run([AGENT, "--help"], capture_output=True, text=True)
    return "not implemented" not in (p.stdout + p.stderr)
