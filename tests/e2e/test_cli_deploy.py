"""`slipway deploy …` against a real slipwayd and real slipway-agent processes, each host
registered with `slipway instance register` and run with the configuration it wrote: push (the
archive, the upload, the registration), create (--source, --s3, --revision), list, show, stop,
continue, events, and the progress of a successful, a failed and a rolled-back deployment — the
plain stream checked line by line, and the terminal view under a pseudo-terminal (redrawn in
place, within 80 columns, ending with the outcome)."""
import fcntl
import io
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import tarfile
import termios
import time
import zipfile

import pytest
from agents import dserver, wait_until  # noqa: F401
from conftest import AGENT, CLI
from test_cli import cli_env, fails, js, kv, ok, run, table

# Timeouts no busy machine reaches (no test here is about them): a deployment is still running
# when a test watches or stops it, however slow the clients in between.
SLIPWAYD_ARGS = ["--poll-timeout", "3", "--agent-timeout", "300", "--event-timeout", "300"]
EVENTS = ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
          "ApplicationStart", "ValidateService"]
DUR = r"\((?:\d+ms|\d+\.\ds|\d+m\d\ds)\)"


# ---- a fleet of real agents registered by the CLI -----------------------------------------------

class Hosts:
    def __init__(self, server, base):
        self.server = server
        self.base = base
        self.procs = {}

    def add(self, name, tags="role=web"):
        d = self.base / "hosts" / name
        d.mkdir(parents=True)
        ok(self.server, "instance", "register", name, "--tags", tags, "--out", d / "agent.yml",
           "--root-dir", d / "root")
        log = open(d / "agent.log", "ab")
        self.procs[name] = (subprocess.Popen([AGENT, "--config", str(d / "agent.yml"),
                                              "--stderr"], stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT), log)
        return d

    def fail_on(self, name, yes=True):
        """Makes revisions that check for it fail their health check on this host."""
        marker = self.base / "hosts" / name / "root" / "fail"
        marker.parent.mkdir(parents=True, exist_ok=True)
        if yes:
            marker.write_text("")
        elif marker.exists():
            marker.unlink()

    def waiting(self, name):
        """Whether a script of a revision made with gate=True is waiting on this host."""
        return (self.base / "hosts" / name / "root" / "waiting").exists()

    def release(self, name):
        """Lets the scripts of a revision made with gate=True go on, on this host."""
        marker = self.base / "hosts" / name / "root" / "release"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("")

    def stop(self):
        for name, (p, log) in self.procs.items():
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            log.close()
        for name in self.procs:
            text = (self.base / "hosts" / name / "agent.log").read_text(errors="replace")
            assert "AddressSanitizer" not in text and "runtime error:" not in text, text


@pytest.fixture
def hosts(dserver, tmp_path):
    h = Hosts(dserver, tmp_path)
    yield h
    h.stop()


def revision(path, version, checks_marker=True, sleep="0.2", extra_hooks=None, gate=False):
    """A revision with a script in each scriptable event; its ValidateService fails on a host
    whose agent root holds a 'fail' file (when checks_marker); with gate, its other scripts put
    a 'waiting' file there (Hosts.waiting) and wait for a 'release' file (Hosts.release)."""
    (path / "scripts").mkdir(parents=True)
    (path / "appspec.yml").write_text(
        "version: 0.0\nos: linux\nhooks:\n" + "".join(
            f"  {ev}:\n    - location: scripts/{'validate' if ev == 'ValidateService' else 'step'}.sh\n"
            for ev in ("BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"))
        + (extra_hooks or ""))
    wait = ('root="$(dirname "$0")/../../../.."\ntouch "$root/waiting"\n'
            'while [ ! -e "$root/release" ]; do sleep 0.1; done\n' if gate else "")
    (path / "scripts" / "step.sh").write_text(
        f"#!/bin/sh\necho \"{version} $LIFECYCLE_EVENT\"\n{wait}sleep {sleep}\n")
    check = ('if [ -e "$(dirname "$0")/../../../../fail" ]; then\n'
             '  echo "health check failed: connection refused" >&2\n  exit 3\nfi\n'
             if checks_marker else "")
    (path / "scripts" / "validate.sh").write_text(
        f"#!/bin/sh\necho \"validating {version}\"\n{check}echo healthy\n")
    for f in (path / "scripts").iterdir():
        f.chmod(0o755)
    return path


def setup_app(server, rollback=False):
    ok(server, "app", "create", "web")
    args = ["group", "create", "--app", "web", "prod", "--tag", "role=web"]
    if rollback:
        args += ["--rollback-on", "failure,stop"]
    ok(server, *args)


# ---- the plain progress stream, parsed ------------------------------------------------------

class Stream:
    """The lines of one deployment in a plain progress stream, checked as they are read."""

    def __init__(self, lines, start):
        self.lines = lines
        self.i = start

    def next(self):
        line = self.lines[self.i]
        self.i += 1
        return line


def read_deployment(lines, i, hosts_expected, outcome, config="CodeDeployDefault.OneAtATime",
                    down="one host at a time"):
    """Checks the block of one deployment starting at lines[i] and returns (id, per-host
    {host: [(event, status)]}, host results, index after the block)."""
    m = re.match(r"^deployment (d-[A-Z0-9]{9}): application web, group prod, "
                 rf"config {re.escape(config)}$", lines[i])
    assert m, lines[i]
    did = m.group(1)
    assert re.match(rf"^deployment {did}: revision s3://slipway-revisions/web/[0-9a-f]{{16}}"
                    r"\.zip \(zip\)$", lines[i + 1]), lines[i + 1]
    i += 2
    if lines[i].startswith(f"deployment {did}: rolls back "):
        i += 1
    seen_status = []
    events = {}
    results = {}
    while True:
        line = lines[i]
        i += 1
        m = re.match(rf"^deployment {did}: (Created|Queued|InProgress)$", line)
        if m:
            seen_status.append(m.group(1))
            continue
        if line == f"deployment {did}: {hosts_expected} hosts, {down}":
            continue
        m = re.match(r"^(host-\d): (\w+) (InProgress|Skipped)$", line)
        if m:
            events.setdefault(m.group(1), []).append((m.group(2), m.group(3)))
            continue
        m = re.match(rf"^(host-\d): (\w+) Succeeded {DUR}$", line)
        if m:
            events.setdefault(m.group(1), []).append((m.group(2), "Succeeded"))
            continue
        m = re.match(rf"^(host-\d): (\w+) Failed {DUR}: (\w+) in (\S+): (.*)$", line)
        if m:
            events.setdefault(m.group(1), []).append((m.group(2), "Failed"))
            results.setdefault("failures", []).append(m.groups())
            continue
        m = re.match(rf"^(host-\d): (Succeeded|Failed|Skipped)(?: {DUR})?$", line)
        if m:
            assert m.group(1) not in results, line
            results[m.group(1)] = m.group(2)
            continue
        if re.match(r"^progress: \d of \d succeeded, \d failed, \d in flight$", line):
            continue
        m = re.match(rf"^deployment {did}: (Succeeded|Failed|Stopped) (?:in|after) "
                     r"(\d+\.\ds|\d+ms)(.*)$", line)
        assert m, f"unexpected line {i - 1}: {line!r}\n" + "\n".join(lines)
        assert m.group(1) == outcome, line
        if outcome == "Succeeded":
            assert m.group(3) == f", {hosts_expected} of {hosts_expected} hosts succeeded"
        break
    assert "InProgress" in seen_status
    assert seen_status == sorted(seen_status, key=["Created", "Queued", "InProgress"].index)
    # each host's events: every one once, in order, an InProgress (if seen) right before it ends
    for host, evs in events.items():
        finals = [(e, s) for e, s in evs if s != "InProgress"]
        assert [e for e, _ in finals] == EVENTS[:len(finals)] or \
            all(s == "Skipped" for _, s in finals), (host, evs)
        for k, (e, s) in enumerate(evs):
            if s == "InProgress":
                assert evs[k + 1][0] == e, (host, evs)
    return did, events, results, i


def test_push_then_create_wait_succeeds_plain(dserver, hosts, tmp_path):
    setup_app(dserver)
    for n in (1, 2, 3):
        hosts.add(f"host-{n}")
    src = revision(tmp_path / "v1", "v1")
    pushed = js(dserver, "deploy", "push", "--app", "web", "--source", src)
    loc = pushed["revision"]["s3Location"]
    assert loc["bucket"] == "slipway-revisions" and loc["bundleType"] == "zip"
    assert re.match(r"^web/[0-9a-f]{16}\.zip$", loc["key"])
    assert pushed["files"] == 3 and pushed["sha256"].startswith(loc["key"][4:20])
    # the object is the archive, as uploaded, with the scripts executable
    s3 = dserver.client("s3")
    obj = s3.get_object(Bucket=loc["bucket"], Key=loc["key"])
    assert obj["ETag"].strip('"') == loc["eTag"]
    z = zipfile.ZipFile(io.BytesIO(obj["Body"].read()))
    assert sorted(z.namelist()) == ["appspec.yml", "scripts/", "scripts/step.sh",
                                    "scripts/validate.sh"]
    assert (z.getinfo("scripts/step.sh").external_attr >> 16) & 0o111
    # registered, and the same push names the same revision
    cd = dserver.client("codedeploy")
    revs = cd.list_application_revisions(applicationName="web")["revisions"]
    assert [r["s3Location"]["key"] for r in revs] == [loc["key"]]
    assert js(dserver, "deploy", "push", "--app", "web", "--source", src)["revision"] == \
        pushed["revision"]

    p = run(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--revision",
            "latest", "--wait")
    assert p.returncode == 0, p.stdout + p.stderr
    assert "\033" not in p.stdout
    lines = p.stdout.splitlines()
    m = re.match(r"^created deployment (d-[A-Z0-9]{9}) of web to prod$", lines[0])
    assert m, lines[0]
    did, events, results, end = read_deployment(lines, 1, 3, "Succeeded")
    assert did == m.group(1) and end == len(lines)
    assert results == {"host-1": "Succeeded", "host-2": "Succeeded", "host-3": "Succeeded"}
    for host in ("host-1", "host-2", "host-3"):
        assert [e for e, s in events[host] if s == "Succeeded"] == EVENTS
    # one host at a time: each host's lines end before the next host's begin
    order = [re.match(r"^(host-\d):", ln).group(1) for ln in lines if ln.startswith("host-")]
    firsts = [order.index(h) for h in ("host-1", "host-2", "host-3")]
    lasts = [len(order) - 1 - order[::-1].index(h) for h in ("host-1", "host-2", "host-3")]
    spans = sorted(zip(firsts, lasts))
    assert all(spans[k][1] < spans[k + 1][0] for k in range(2)), order

    info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
    assert info["status"] == "Succeeded"
    assert info["revision"]["s3Location"]["key"] == loc["key"]


def test_failed_deployment_plain_stream_events_and_show(dserver, hosts, tmp_path):
    setup_app(dserver)
    for n in (1, 2, 3):
        hosts.add(f"host-{n}")
    hosts.fail_on("host-2")
    src = revision(tmp_path / "v1", "v1")
    p = run(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--source", src,
            "--config", "CodeDeployDefault.HalfAtATime", "--wait")
    assert p.returncode == 1, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    did = re.match(r"^created deployment (d-[A-Z0-9]{9}) ", lines[0]).group(1)
    tail_at = next(k for k, ln in enumerate(lines) if re.match(rf"^deployment {did}: Failed", ln))
    # half of 3 must stay healthy (2, rounded up): one host at a time; host-2 fails, so the
    # deployment cannot succeed and host-3 is skipped
    got_did, events, results, end = read_deployment(
        lines[:tail_at + 1], 1, 3, "Failed", config="CodeDeployDefault.HalfAtATime",
        down="at most 1 host down at a time")
    assert got_did == did
    assert results["host-1"] == "Succeeded" and results["host-2"] == "Failed"
    assert results["host-3"] == "Skipped"
    assert events["host-3"] == [(e, "Skipped") for e in EVENTS]
    assert results["failures"] == [("host-2", "ValidateService", "ScriptFailed",
                                    "scripts/validate.sh",
                                    "Script at specified location: scripts/validate.sh failed "
                                    "with exit code 3")]
    # the outcome: error, then the failed host's event, script, code, message and log tail
    assert re.match(rf"^deployment {did}: Failed after \S+ \(HEALTH_CONSTRAINTS\)$",
                    lines[tail_at])
    rest = lines[tail_at + 1:]
    assert rest[0].startswith("  The overall deployment failed because too many")
    assert rest[1] == "  host-2: ValidateService failed, ScriptFailed, script scripts/validate.sh"
    assert rest[2] == "    Script at specified location: scripts/validate.sh failed with " \
                      "exit code 3"
    assert "    | [stdout]validating v1" in rest
    assert rest[-1] == "    | [stderr]health check failed: connection refused"

    # deploy events: the per-host timeline
    ev = table(ok(dserver, "deploy", "events", did, "--instance", "host-2").stdout.split(
        "\n\n")[0])
    assert ev[0] == ["HOST", "EVENT", "STATUS", "START", "END", "DURATION", "ERROR"]
    assert [r[1] for r in ev[1:]] == EVENTS
    assert ev[-1][2] == "Failed" and ev[-1][-1] == "ScriptFailed"
    assert all(r[2] == "Succeeded" for r in ev[1:-1])
    assert re.match(r"^\d\d:\d\d:\d\d\.\d{3}$", ev[1][3])
    out = ok(dserver, "deploy", "events", did).stdout
    assert "host-2 ValidateService failed: ScriptFailed, script scripts/validate.sh" in out
    assert "  | [stderr]health check failed: connection refused" in out
    j = js(dserver, "deploy", "events", did)
    cd = dserver.client("codedeploy")
    raw = cd.batch_get_deployment_targets(deploymentId=did,
                                          targetIds=["host-1", "host-2", "host-3"])
    assert [t["targetId"] for t in j] == ["host-1", "host-2", "host-3"]
    want = {t["instanceTarget"]["targetId"]: t["instanceTarget"]
            for t in raw["deploymentTargets"]}
    for t in j:
        assert [(e["lifecycleEventName"], e["status"]) for e in t["lifecycleEvents"]] == \
            [(e["lifecycleEventName"], e["status"]) for e in want[t["targetId"]]["lifecycleEvents"]]
    failed = [e for e in j[1]["lifecycleEvents"] if e["status"] == "Failed"][-1]
    assert failed["diagnostics"]["errorCode"] == "ScriptFailed"
    assert "health check failed" in failed["diagnostics"]["logTail"]
    text = ok(dserver, "deploy", "events", did, "--output", "text").stdout.splitlines()
    assert len(text) == 21 and text[0].split("\t")[:3] == ["host-1", "ApplicationStop",
                                                            "Succeeded"]
    p = fails(dserver, 1, "deploy", "events", did, "--instance", "host-9")
    assert "has no instance 'host-9'" in p.stderr

    # deploy show: the deployment and a row per host
    shown = js(dserver, "deploy", "show", did)
    assert shown["status"] == "Failed" and shown["errorInformation"]["code"] == \
        "HEALTH_CONSTRAINTS"
    assert shown["deploymentOverview"]["Failed"] == 1
    assert shown["deploymentOverview"]["Skipped"] == 1
    assert [t["targetId"] for t in shown["targets"]] == ["host-1", "host-2", "host-3"]
    assert {k: v for k, v in shown.items() if k != "targets"}.keys() == \
        json.loads(json.dumps(dserver.aws("deploy", "get-deployment", "--deployment-id",
                                          did)["deploymentInfo"])).keys()
    view = ok(dserver, "deploy", "show", did).stdout
    info = kv(view.split("\n\n")[0])
    assert info["status"] == "Failed" and info["config"] == "CodeDeployDefault.HalfAtATime"
    assert info["hosts"] == "1 succeeded, 1 failed, 0 in progress, 0 pending, 1 skipped"
    assert info["error"].startswith("HEALTH_CONSTRAINTS: ")
    rows = table(view.split("\n\n")[1])
    assert rows[0] == ["HOST", "STATUS", "EVENT", "UPDATED"]
    assert rows[2][:3] == ["host-2", "Failed", "ValidateService"]
    # watching a deployment that has ended prints it and its outcome at once
    p = run(dserver, "deploy", "watch", did)
    assert p.returncode == 1
    assert re.search(rf"^deployment {did}: Failed after", p.stdout, re.M)


@pytest.mark.slow
def test_rolled_back_deployment_plain_and_json(dserver, hosts, tmp_path):
    setup_app(dserver, rollback=True)
    for n in (1, 2, 3):
        hosts.add(f"host-{n}")
    v1 = revision(tmp_path / "v1", "v1", checks_marker=False)
    v2 = revision(tmp_path / "v2", "v2")
    p = ok(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--source", v1,
           "--wait")
    assert p.stdout.splitlines()[-1].endswith("3 of 3 hosts succeeded")
    hosts.fail_on("host-2")
    p = run(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--source", v2,
            "--wait")
    assert p.returncode == 1, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    first = re.match(r"^created deployment (d-[A-Z0-9]{9}) ", lines[0]).group(1)
    at = next(k for k, ln in enumerate(lines) if ln.startswith(f"deployment {first}: Failed"))
    _, _, results, _ = read_deployment(lines[:at + 1], 1, 3, "Failed")
    assert results["host-2"] == "Failed" and results.get("host-1") == "Succeeded"
    roll = next(k for k, ln in enumerate(lines)
                if ln.startswith(f"deployment {first}: rolled back by "))
    second = lines[roll].rsplit(" ", 1)[1]
    assert lines[roll + 1] == f"deployment {second}: application web, group prod, " \
                              "config CodeDeployDefault.OneAtATime"
    assert lines[roll + 3] == f"deployment {second}: rolls back {first}"
    last = next(k for k, ln in enumerate(lines) if ln.startswith(f"deployment {second}: Succ"))
    did, events, results2, end = read_deployment(lines[:last + 1], roll + 1, 3, "Succeeded")
    assert did == second
    assert results2 == {"host-1": "Succeeded", "host-2": "Succeeded", "host-3": "Succeeded"}
    assert lines[last + 1:] == [f"result: {first} Failed, rolled back by {second} (Succeeded)"]
    cd = dserver.client("codedeploy")
    assert cd.get_deployment(deploymentId=second)["deploymentInfo"]["creator"] == \
        "codeDeployRollback"

    # the same with --output json: progress on stderr, the outcome as JSON on stdout
    v3 = revision(tmp_path / "v3", "v3")
    p = run(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--source", v3,
            "--wait", "--output", "json")
    assert p.returncode == 1
    doc = json.loads(p.stdout)
    assert doc["status"] == "Failed" and doc["rollbackInfo"]["rollbackDeploymentId"] == \
        doc["rollbackDeployment"]["deploymentId"]
    assert doc["rollbackDeployment"]["status"] == "Succeeded"
    assert [t["status"] for t in doc["targets"]].count("Failed") == 1
    assert f"deployment {doc['deploymentId']}: rolled back by" in p.stderr

    # deploy list: newest first, as ListDeployments, with filters
    listing = js(dserver, "deploy", "list", "--app", "web", "--group", "prod")
    ids = [d["deploymentId"] for d in listing]
    assert ids == cd.list_deployments(applicationName="web",
                                      deploymentGroupName="prod")["deployments"]
    assert len(ids) == 5 and ids[0] == doc["rollbackDeployment"]["deploymentId"]
    assert [d["deploymentId"] for d in js(dserver, "deploy", "list", "--status", "Failed")] == \
        [doc["deploymentId"], first]
    assert [d["deploymentId"] for d in js(dserver, "deploy", "list", "--status",
                                          "failed,Succeeded", "--max", "2")] == ids[:2]
    rows = table(ok(dserver, "deploy", "list", "--app", "web").stdout)
    assert rows[0] == ["ID", "STATUS", "APPLICATION", "GROUP", "CREATED", "TOOK", "CREATOR"]
    assert [r[0] for r in rows[1:]] == ids
    assert rows[1][6] == "codeDeployRollback" and rows[2][1] == "Failed"
    text = ok(dserver, "deploy", "list", "--output", "text").stdout.splitlines()
    assert [t.split("\t")[0] for t in text] == ids
    fails(dserver, 2, "deploy", "list", "--group", "prod")
    fails(dserver, 2, "deploy", "list", "--status", "Sideways")


def render(data, width=80):
    """A minimal terminal: the screen after data (text, CR, LF, CSI A, K, J, m, ?25h/l).
    Raises when a line would be wider than the terminal."""
    lines, row, col = [""], 0, 0
    i = 0
    while i < len(data):
        ch = data[i]
        if ch == "\x1b":
            m = re.match(r"\x1b\[(\??)(\d*)([A-Za-z])", data[i:])
            assert m, f"unknown escape {data[i:i + 8]!r}"
            n, cmd = int(m.group(2) or 1), m.group(3)
            if cmd == "A":
                row = max(0, row - n)
            elif cmd == "K":
                lines[row] = lines[row][:col]
            elif cmd == "J":
                lines[row] = lines[row][:col]
                del lines[row + 1:]
            i += m.end()
            continue
        if ch == "\r":
            col = 0
        elif ch == "\n":
            row, col = row + 1, 0
            while len(lines) <= row:
                lines.append("")
        else:
            line = lines[row]
            line = line[:col] + ch + line[col + 1:] if col < len(line) else \
                line + " " * (col - len(line)) + ch
            lines[row] = line
            col += 1
            assert col <= width, f"line wider than {width}: {line!r}"
        i += 1
    return lines


def on_terminal(server, args, env, cols=80, rows=24, timeout=120):
    """Runs slipway on a pseudo-terminal of cols x rows; returns (exit status, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(CLI, [CLI] + [str(a) for a in args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    out = b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 1)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = out.decode()
    assert "AddressSanitizer" not in text and "runtime error:" not in text, text
    return os.waitstatus_to_exitcode(status), text


@pytest.mark.slow
def test_terminal_view_redraws_in_place_and_follows_the_rollback(dserver, hosts, tmp_path):
    setup_app(dserver, rollback=True)
    for n in (1, 2, 3):
        hosts.add(f"host-{n}")
    env = cli_env(dserver, TERM="xterm", LANG="C.UTF-8")
    v1 = revision(tmp_path / "v1", "v1", checks_marker=False)
    code, out = on_terminal(dserver, ["deploy", "create", "--app", "web", "--group", "prod",
                                      "--source", v1, "--wait"], env)
    assert code == 0, out
    assert out.count("\x1b[8A") >= 2, "the block is redrawn in place (cursor up 8 lines)"
    assert "\x1b[32m" in out  # colour on a terminal
    screen = [ln for ln in render(out) if ln.strip()]
    did = re.match(r"^created deployment (d-[A-Z0-9]{9}) ", screen[0]).group(1)
    assert sum(ln.startswith("Deployment ") for ln in screen) == 1, screen
    assert re.match(rf"^Deployment {did}  web → prod  Succeeded  \d+:\d\d$", screen[1])
    assert screen[2] == "Config CodeDeployDefault.OneAtATime: 3 hosts, one host at a time"
    assert screen[3].startswith("Revision s3://slipway-revisions/web/")
    assert re.match(r"^█{30,40}  3/3 succeeded, 0 failed, 0 in flight$", screen[4])
    assert screen[5].split() == ["HOST", "EVENT", "STATUS", "TIME"]
    for k, host in enumerate(("host-1", "host-2", "host-3")):
        assert re.match(rf"^  {host} +ValidateService +Succeeded +\S+$", screen[6 + k])
    assert re.match(r"^✔ Succeeded in \S+, 3 of 3 hosts succeeded$", screen[-1])

    # a failure and the rollback, without colour (NO_COLOR), still redrawn in place
    hosts.fail_on("host-2")
    v2 = revision(tmp_path / "v2", "v2")
    code, out = on_terminal(dserver, ["deploy", "create", "--app", "web", "--group", "prod",
                                      "--source", v2, "--wait"], dict(env, NO_COLOR="1"))
    assert code == 1, out
    assert not re.search(r"\x1b\[[0-9;]*m", out), "NO_COLOR: no colour escapes"
    assert "\x1b[8A" in out
    screen = [ln for ln in render(out) if ln.strip()]
    heads = [ln for ln in screen if ln.startswith("Deployment ")]
    assert len(heads) == 2 and "Failed" in heads[0] and "Succeeded" in heads[1], screen
    first = heads[0].split()[1]
    k = screen.index(next(ln for ln in screen if ln.startswith("✘ Failed after")))
    assert screen[k].endswith("(HEALTH_CONSTRAINTS)")
    assert any(ln == "  host-2: ValidateService failed, ScriptFailed, script "
               "scripts/validate.sh" for ln in screen[k:])
    assert "    │ [stderr]health check failed: connection refused" in screen
    roll = next(ln for ln in screen if ln.startswith("↺ rolling back with "))
    second = roll.rsplit(" ", 1)[1]
    assert heads[1].split()[1] == second
    assert screen[-2].startswith("✔ Succeeded in ")
    assert screen[-1] == f"{first} Failed, rolled back by {second} (Succeeded)"

    # a narrow terminal: still nothing wider than it
    code, out = on_terminal(dserver, ["deploy", "watch", second], env, cols=60)
    assert code == 0
    render(out, width=60)


def test_stop_and_continue(dserver, hosts, tmp_path):
    setup_app(dserver)
    hosts.add("host-1")
    # its scripts wait for the test: the deployment cannot end before it is stopped
    slow = revision(tmp_path / "slow", "slow", gate=True)
    did = ok(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--source", slow,
             "--output", "text").stdout.strip()
    assert re.match(r"^d-[A-Z0-9]{9}$", did)
    cd = dserver.client("codedeploy")
    deadline = time.time() + 60
    while cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"] != "InProgress":
        assert time.time() < deadline
        time.sleep(0.2)
    # an in-place deployment has nothing to continue
    p = fails(dserver, 1, "deploy", "continue", did)
    assert "DeploymentIsNotInReadyStateException" in p.stderr
    watcher = subprocess.Popen([CLI, "deploy", "watch", did], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=cli_env(dserver))
    first = watcher.stdout.readline()  # the watcher is following it
    try:
        p = ok(dserver, "deploy", "stop", did, "--rollback")
    finally:
        hosts.release("host-1")
    assert p.stdout.startswith(f"stopped deployment {did}") or \
        p.stdout.startswith(f"stopping deployment {did}")
    out, err = watcher.communicate(timeout=90)
    out = first + out
    assert watcher.returncode == 1, out + err
    assert re.search(rf"^deployment {did}: Stopped after \S+ \(MANUAL_STOP\)$", out, re.M), out
    info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
    assert info["status"] == "Stopped"
    # --rollback asked for one; the group has no earlier success to go back to, and says so
    assert "DEPLOYMENT_STOP_ON_REQUEST" in info["rollbackInfo"]["rollbackMessage"]
    assert "not possible" in kv(ok(dserver, "deploy", "show", did).stdout)["rollback"]
    p = fails(dserver, 1, "deploy", "stop", did)
    assert "DeploymentAlreadyCompletedException" in p.stderr
    assert "hint: see how it ended with `slipway deploy show ID`" in p.stderr


@pytest.mark.slipwayd_args("--queue-deployments")  # several at once in a group
def test_create_from_s3_and_registered_revisions(dserver, hosts, tmp_path):
    setup_app(dserver)
    hosts.add("host-1")
    src = revision(tmp_path / "v1", "v1", sleep="0")
    # a tgz pushed to a bucket and key of our choosing
    pushed = js(dserver, "deploy", "push", "--app", "web", "--source", src, "--bucket",
                "releases", "--key", "web/1.0.tgz", "--bundle-type", "tgz", "--description",
                "first release")
    assert pushed["revision"]["s3Location"]["bundleType"] == "tgz"
    body = dserver.client("s3").get_object(Bucket="releases", Key="web/1.0.tgz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as t:
        assert "appspec.yml" in t.getnames()
    did = ok(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--s3",
             "s3://releases/web/1.0.tgz", "--description", "from s3", "--file-exists",
             "overwrite", "--output", "text", "--wait").stdout.splitlines()[-1]
    assert "succeeded" in did
    cd = dserver.client("codedeploy")
    last = cd.list_deployments(applicationName="web", deploymentGroupName="prod")["deployments"][0]
    info = cd.get_deployment(deploymentId=last)["deploymentInfo"]
    loc = info["revision"]["s3Location"]
    assert (loc["bucket"], loc["key"], loc["bundleType"]) == ("releases", "web/1.0.tgz", "tgz")
    assert info["description"] == "from s3" and info["fileExistsBehavior"] == "OVERWRITE"
    # --revision current redeploys the group's revision; --revision JSON names one
    j = js(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--revision",
           "current")
    assert j["revision"]["s3Location"]["key"] == "web/1.0.tgz"
    rev = json.dumps({"revisionType": "S3", "s3Location": {"bucket": "releases",
                                                            "key": "web/1.0.tgz",
                                                            "bundleType": "tgz"}})
    p = ok(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--revision", rev,
           "--config", "CodeDeployDefault.AllAtOnce")
    assert re.match(r"^created deployment d-[A-Z0-9]{9} of web to prod \(s3://releases/"
                    r"web/1\.0\.tgz \(tgz\)\)\nfollow it: slipway deploy watch d-", p.stdout)
    # errors: what slipwayd says, and usage
    p = fails(dserver, 1, "deploy", "create", "--app", "web", "--group", "prod", "--s3",
              "s3://releases/missing.zip")
    assert "RevisionDoesNotExistException" in p.stderr or "InvalidRevision" in p.stderr
    fails(dserver, 2, "deploy", "create", "--app", "web", "--group", "prod", "--s3",
          "s3://releases/x.rar")
    fails(dserver, 2, "deploy", "create", "--app", "web", "--group", "prod", "--revision",
          "{not json")
    p = fails(dserver, 1, "deploy", "create", "--app", "web", "--group", "nope", "--revision",
              "latest")
    assert "DeploymentGroupDoesNotExistException" in p.stderr
    p = fails(dserver, 1, "deploy", "push", "--app", "nope", "--source", src)
    assert "ApplicationDoesNotExistException" in p.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    p = fails(dserver, 2, "deploy", "push", "--app", "web", "--source", empty)
    assert "no appspec.yml" in p.stderr
    p = fails(dserver, 1, "deploy", "show", "d-NOTTHERE1")
    assert "DeploymentDoesNotExistException" in p.stderr
    p = fails(dserver, 1, "deploy", "watch", "nonsense")
    assert "InvalidDeploymentIdException" in p.stderr


@pytest.mark.slipwayd_args("--queue-deployments")  # several at once in a group
def test_list_pages_and_merges_groups(dserver):
    """250 deployments in two groups (no instances: each fails at once with NO_INSTANCES):
    every page is read, --app merges the groups newest first, --max cuts across pages."""
    ok(dserver, "app", "create", "web")
    ok(dserver, "group", "create", "--app", "web", "g1", "--tag", "role=nothing")
    ok(dserver, "group", "create", "--app", "web", "g2", "--tag", "role=nothing")
    cd = dserver.client("codedeploy")
    rev = {"revisionType": "String", "string": {"content": "version: 0.0\nos: linux\n"}}
    for i in range(250):
        cd.create_deployment(applicationName="web", deploymentGroupName=f"g{i % 2 + 1}",
                             revision=rev)

    def boto_ids(**kw):
        ids, token = [], None
        while True:
            page = cd.list_deployments(**kw, **({"nextToken": token} if token else {}))
            ids += page["deployments"]
            token = page.get("nextToken")
            if not token:
                return ids

    every = boto_ids()
    assert len(every) == 250
    listing = js(dserver, "deploy", "list")
    assert [d["deploymentId"] for d in listing] == every
    assert all(d["status"] in ("Created", "Queued", "InProgress", "Failed") for d in listing)
    g1 = boto_ids(applicationName="web", deploymentGroupName="g1")
    assert [d["deploymentId"] for d in js(dserver, "deploy", "list", "--app", "web", "--group",
                                          "g1")] == g1
    merged = js(dserver, "deploy", "list", "--app", "web")
    assert sorted(d["deploymentId"] for d in merged) == sorted(every)
    times = [d["createTime"] for d in merged]
    assert times == sorted(times, reverse=True)
    assert [d["deploymentId"] for d in js(dserver, "deploy", "list", "--max", "130")] == \
        every[:130]
    assert [d["deploymentId"] for d in js(dserver, "deploy", "list", "--app", "web", "--group",
                                          "g1", "--max", "101")] == g1[:101]
    text = ok(dserver, "deploy", "list", "--output", "text").stdout.splitlines()
    assert len(text) == 250 and all(len(t.split("\t")) == 7 for t in text)


def test_terminal_view_of_a_large_fleet_fits_the_screen_and_ctrl_c_restores_the_cursor(
        dserver, tmp_path):
    """30 hosts whose agents never come: the block keeps to the terminal's 24 rows, the host in
    flight first and a line for the rest; Ctrl-C leaves the terminal with its cursor back."""
    ok(dserver, "app", "create", "web")
    ok(dserver, "group", "create", "--app", "web", "prod", "--tag", "role=web", "--config",
       "CodeDeployDefault.HalfAtATime")
    cd, iam = dserver.client("codedeploy"), dserver.client("iam")
    for i in range(30):
        arn = iam.create_user(UserName=f"h{i:02d}")["User"]["Arn"]
        cd.register_on_premises_instance(instanceName=f"h{i:02d}", iamUserArn=arn)
        cd.add_tags_to_on_premises_instances(instanceNames=[f"h{i:02d}"],
                                             tags=[{"Key": "role", "Value": "web"}])
    rev = {"revisionType": "String", "string": {"content": "version: 0.0\nos: linux\n"}}
    did = cd.create_deployment(applicationName="web", deploymentGroupName="prod",
                               revision=rev)["deploymentId"]
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(CLI, [CLI, "deploy", "watch", did], cli_env(dserver, TERM="xterm",
                                                               LANG="C.UTF-8"))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = b""
    deadline = time.time() + 60
    while time.time() < deadline and out.count(b"\x1b[J") < 4:
        r, _, _ = select.select([fd], [], [], 1)
        if r:
            out += os.read(fd, 65536)
    os.kill(pid, signal.SIGINT)
    while True:
        r, _, _ = select.select([fd], [], [], 5)
        try:
            chunk = os.read(fd, 65536) if r else b""
        except OSError:
            chunk = b""
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = out.decode()
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGINT
    assert text.index("\x1b[?25l") < text.rindex("\x1b[?25h"), "cursor hidden, then restored"
    screen = render(text)
    block = [ln for ln in screen if ln.strip()]
    assert len(block) <= 23, block
    assert block[0].startswith(f"Deployment {did}  web → prod  InProgress")
    assert block[1] == "Config CodeDeployDefault.HalfAtATime: 30 hosts, " \
                       "at most 15 hosts down at a time"
    rows = [ln for ln in block if re.match(r"^  h\d\d ", ln)]
    more = [ln for ln in block if ln.startswith("  ... and ")]
    assert len(more) == 1 and len(rows) + int(more[0].split()[2]) == 30, block


def test_watch_rides_out_a_slipwayd_restart(dserver, hosts, tmp_path):
    setup_app(dserver)
    hosts.add("host-1")
    src = revision(tmp_path / "v1", "v1", sleep="1", gate=True)
    did = ok(dserver, "deploy", "create", "--app", "web", "--group", "prod", "--source", src,
             "--output", "text").stdout.strip()
    watcher = subprocess.Popen([CLI, "deploy", "watch", did], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=cli_env(dserver))
    first = watcher.stdout.readline()  # the watcher is following it
    # slipwayd goes while the agent is inside BeforeInstall's script (which waits for the test),
    # not between taking an event and acknowledging it: an acknowledgement the agent cannot
    # deliver is not sent again, and the event would wait for --agent-timeout
    try:
        wait_until(lambda: hosts.waiting("host-1"), "host-1 runs BeforeInstall's script")
        port = dserver.port
        dserver.stop()
        time.sleep(2)  # four polls find nobody there
        dserver.start(port)
    finally:
        hosts.release("host-1")
    out, err = watcher.communicate(timeout=120)
    out = first + out
    assert watcher.returncode == 0, out + err
    assert re.search(rf"^deployment {did}: Succeeded in ", out, re.M), out
