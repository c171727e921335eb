"""`make demo` (scripts/demo.sh) with the build under test: it exits 0, its aws CLI tour runs, it
deploys examples/webapp to three real agents, then examples/webapp-broken fails its
ValidateService and rolls back by itself to the good revision; then it starts HAProxy, rolls
examples/webapp-lb out behind it with no failed request, and a revision answering 500 is stopped
by an alarm and rolled back — and it cleans up after itself.
Run once through a pipe (plain lines, no escape codes) and once on a pseudo-terminal with
NO_COLOR (the live view, still no colour)."""
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time

import pytest
from conftest import BUILD, ROOT

DEMO = os.path.join(ROOT, "scripts", "demo.sh")
AS_ROOT = os.geteuid() == 0
ESC = "\x1b"
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:1|2|3[0-7]|9[0-7])m")  # bold, dim or a colour
TIMEOUT = 600  # a guard against a hung demo, not a measure of its speed
pytestmark = pytest.mark.slow


def demo_env(tmp_path, **extra):
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("AWS_") or k in ("BUILD", "NO_COLOR", "SLIPWAY_ENDPOINT"):
            del env[k]
    # Keys the caller might have for other work must not reach the demo's clients.
    env.update(SLIPWAY_BUILD=BUILD, TMPDIR=str(tmp_path), AWS_ACCESS_KEY_ID="AKIANOTTHEDEMOKEY000",
               AWS_SECRET_ACCESS_KEY="x" * 40, UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    env.update(extra)
    return env


def leftovers(tmp_path, scratch):
    """What the demo left behind: its scratch directory and processes still running from it."""
    left = [p for p in os.listdir(tmp_path) if p.startswith("slipway-demo.")]
    procs = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if scratch and scratch in cmd:
            procs.append(f"{pid}: {cmd}")
    return left, procs


def check_story(out, hosts=True):
    """The part of the output that does not depend on the deployments: the aws CLI tour and
    (with hosts) the three hosts registered."""
    assert "demo finished" in out, out[-3000:]
    # the aws CLI tour
    assert re.search(r"\$ aws iam get-user .*\n(?:.*\n)*?.*arn:aws:iam::\d{12}:user/admin", out)
    assert "$ aws deploy create-deployment-group --application-name demo-web" in out
    assert "Key=role,Value=web,Type=KEY_AND_VALUE" in out
    assert "enabled=true,events=DEPLOYMENT_FAILURE" in out
    assert "upload: " in out and "s3://demo-revisions/webapp/1.0.zip" in out
    assert '"key": "webapp/1.0.zip"' in out  # list-application-revisions shows it
    assert "ApplicationDoesNotExistException" in out
    if not hosts:
        return
    for h in ("web-1", "web-2", "web-3"):
        assert re.search(rf"registered {h} \(arn:aws:iam::\d{{12}}:user/{h}\), tags role=web", out)
        assert re.search(rf"^{h}\s+Registered\s+role=web", out, re.M), out


def check_traffic(out):
    """The part behind HAProxy: started by the demo, examples/webapp-lb rolled out in place with
    traffic control while a client counts the answers (none failed), then a revision answering
    500 stopped by the alarm (ALARM_ACTIVE) and rolled back, HAProxy serving v2 again."""
    part = out[out.index("== start HAProxy in front of the three hosts"):]
    assert re.search(r"haproxy listening on http://127\.0\.0\.1:\d+ \(runtime API ", part), part
    for h in ("web-1", "web-2", "web-3"):
        assert re.search(rf"^    server {h} 127\.0\.0\.1:\d+$", part, re.M), h
    assert "--deployment-style deploymentType=IN_PLACE,deploymentOption=WITH_TRAFFIC_CONTROL" \
        in part
    v2 = part[part.index("== roll webapp-lb v2 out"):part.index("== deploy webapp-lb v3")]
    lines = re.findall(r"^  \[ *[\d.]+s\] requests ok +(\d+)  failed +(\d+)   by revision: (.*)$",
                       v2, re.M)
    assert len(lines) >= 3, v2
    assert all(f == "0" for _, f, _ in lines), v2  # no request failed during the rollout
    assert "webapp-lb v1" in lines[0][2] and lines[-1][2].startswith("webapp-lb v2 "), lines
    assert re.search(r"total: \d+ requests, \d+ ok, 0 failed", v2), v2
    assert re.search(r"^deployment d-[A-Z0-9]{9}: Succeeded$", v2, re.M), v2
    for ev in ("BeforeBlockTraffic", "BlockTraffic", "AllowTraffic", "AfterAllowTraffic"):
        assert re.search(rf"^web-2\s+{ev}\s+Succeeded\s", v2, re.M), ev
    v3 = part[part.index("== deploy webapp-lb v3"):]
    assert "webapp-lb v3 (broken)" in v3 and re.search(r"failed +[1-9]\d*", v3), v3
    m = re.search(r"^deployment (d-[A-Z0-9]{9}): Stopped$\n(?:.*\n)*?"
                  r"^deployment \1: rolled back by (d-[A-Z0-9]{9})$", v3, re.M)
    assert m, v3
    assert re.search(rf"^rollback {m.group(2)}: Succeeded$", v3, re.M), v3
    assert "ALARM_ACTIVE" in v3 and "Alarm updated from OK to ALARM" in v3
    served = v3[v3.index("== what HAProxy serves after the rollback"):]
    served = served[:served.index("\n== ")]
    assert served.count('"revision": "webapp-lb v2"') == 3 and "broken" not in served, served


def test_demo_deploys_fails_and_rolls_back(tmp_path):
    if not AS_ROOT:
        pytest.skip("the demo's three hosts need root (one mount namespace each)")
    t0 = time.time()
    p = subprocess.run([DEMO], cwd=ROOT, env=demo_env(tmp_path), stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TIMEOUT)
    took = time.time() - t0
    out = p.stdout + p.stderr
    print(f"demo took {took:.1f}s")
    assert p.returncode == 0, out[-4000:]
    assert ESC not in out, "escape codes in output that is not a terminal"
    check_story(out)

    # the successful deployment, one host at a time, every event of every host
    m = re.search(r"created deployment (d-[A-Z0-9]{9}) of demo-web to prod\n", out)
    assert m, out
    good = m.group(1)
    assert re.search(rf"^deployment {good}: 3 hosts, one host at a time$", out, re.M)
    assert re.search(rf"^deployment {good}: Succeeded in \S+, 3 of 3 hosts succeeded$", out, re.M)
    events = out[out.index(f"$ slipway deploy events {good}\n"):]
    for h in ("web-1", "web-2", "web-3"):
        for ev in ("DownloadBundle", "Install", "ApplicationStart", "ValidateService"):
            assert re.search(rf"^{h}\s+{ev}\s+Succeeded\s", events, re.M), (h, ev)
    after_good = out[out.index("== what web-2 serves now"):]
    assert "revision: webapp v1" in after_good.split("\n== ")[0]
    assert re.search(rf"site/DEPLOYMENT_ID\n{good}\n", after_good)

    # the broken one: fails in ValidateService on the first host, the rest are skipped
    m = re.search(r"created deployment (d-[A-Z0-9]{9}) of demo-web to prod\n(?:.*\n)*?"
                  r"deployment \1: Failed after \S+ \(HEALTH_CONSTRAINTS\)\n", out)
    assert m, out
    bad = m.group(1)
    assert bad != good
    assert "web-1: ValidateService Failed" in out
    assert "web-1: ValidateService failed, ScriptFailed, script scripts/validate.sh" in out
    assert "health check failed: expected 'ok', got nothing" in out
    assert "web-2: Skipped" in out and "web-3: Skipped" in out

    # ... and rolls back by itself to the good revision, on every host
    m = re.search(rf"^deployment {bad}: rolled back by (d-[A-Z0-9]{{9}})$", out, re.M)
    assert m, out
    rollback = m.group(1)
    assert re.search(rf"^deployment {rollback}: rolls back {bad}$", out, re.M)
    assert re.search(rf"^deployment {rollback}: Succeeded in \S+, 3 of 3 hosts succeeded$",
                     out, re.M)
    assert f"result: {bad} Failed, rolled back by {rollback} (Succeeded)" in out
    revs = dict(re.findall(r"^deployment (d-[A-Z0-9]{9}): revision (\S+)", out, re.M))
    assert revs[rollback] == revs[good] != revs[bad]
    assert re.search(rf"\|\s+codeDeployRollback\s+\|\s+{rollback}\s+\|\s+{bad}\s+\|\s+Succeeded",
                     out)
    events = out[out.index(f"$ slipway deploy events {rollback}\n"):]
    for h in ("web-1", "web-2", "web-3"):
        assert re.search(rf"^{h}\s+ValidateService\s+Succeeded\s", events, re.M), h
    after = out[out.index("== what web-2 serves after the rollback"):]
    site = after.split("$ slipway deploy list")[0]
    assert "revision: webapp v1" in site and "broken" not in site
    assert re.search(rf"site/DEPLOYMENT_ID\n{rollback}\n", after)
    assert re.search(rf"^{rollback}\s+Succeeded\s+demo-web\s+prod\s.*codeDeployRollback$",
                     after, re.M)
    assert re.search(rf"^{bad}\s+Failed\s+demo-web\s+prod\s.*user$", after, re.M)

    check_traffic(out)

    # a clean stop: slipwayd said so, nothing left running or on disk
    assert "slipwayd: stopped" in out
    scratch = re.search(r"data in (\S+)/data\)", out).group(1)
    assert scratch.startswith(str(tmp_path))
    assert leftovers(tmp_path, scratch) == ([], [])


def test_demo_on_a_terminal_without_colour(tmp_path):
    """On a terminal the deployments are drawn live; NO_COLOR keeps every colour out of it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    p = subprocess.Popen([DEMO], cwd=ROOT, env=demo_env(tmp_path, NO_COLOR="1", TERM="xterm",
                                                        LANG="C.UTF-8"),
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    chunks = []
    deadline = time.time() + TIMEOUT
    try:
        while time.time() < deadline:
            r, _, _ = select.select([master], [], [], 1)
            if r:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the demo and everything it started closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
            elif p.poll() is not None:
                break
        rc = p.wait(timeout=30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait()
        os.close(master)
    out = b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")
    assert rc == 0, out[-4000:]
    assert not COLOUR.search(out), COLOUR.search(out)
    check_story(out, hosts=AS_ROOT)
    if AS_ROOT:
        # the live view hid the cursor while it redrew, and restored it
        assert "\x1b[?25l" in out and "\x1b[?25h" in out
        assert re.search(r"✘ Failed after \S+ \(HEALTH_CONSTRAINTS\)", out)
        assert re.search(r"d-[A-Z0-9]{9} Failed, rolled back by d-[A-Z0-9]{9} \(Succeeded\)", out)
        assert "revision: webapp v1" in out[out.index("what web-2 serves after the rollback"):]
    else:
        assert "skipping the deployments" in out
    scratch = re.search(r"data in (\S+)/data\)", out).group(1)
    assert leftovers(tmp_path, scratch) == ([], [])
