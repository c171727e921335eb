"""`slipway deploy local`: a revision's AppSpec run on this host without a server, the way
codedeploy-local does — hook order and environment, script failures, timeouts, daemons that
keep the output open, file_exists_behavior across deployments, unsafe archives, and
ApplicationStop taken from the previous revision.  Each test has its own deployment root."""
import io
import os
import re
import signal
import subprocess
import tarfile
import textwrap
import time
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("SLIPWAY_BUILD", os.path.join(ROOT, "build"))
CLI = os.path.join(BUILD, "src/cli/slipway")

SCRIPTABLE = ["BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop", "BeforeInstall",
              "AfterInstall", "ApplicationStart", "ValidateService", "BeforeAllowTraffic",
              "AfterAllowTraffic"]


def deploy(bundle, root, *args, timeout=120, cwd=None):
    p = subprocess.run([CLI, "deploy", "local", "--bundle", str(bundle), "--root", str(root)]
                       + list(args), capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, cwd=cwd)
    assert "AddressSanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    return p


def revision(path, appspec, scripts=None, files=None):
    """Writes a revision directory: appspec.yml, executable scripts and plain files."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "appspec.yml").write_text(textwrap.dedent(appspec))
    for name, body in (scripts or {}).items():
        f = path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("#!/bin/sh\n" + textwrap.dedent(body))
        f.chmod(0o755)
    for name, body in (files or {}).items():
        f = path / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(body)
    return path


def events(stdout):
    """{event: result} from the CLI's per-event lines."""
    out = {}
    for line in stdout.splitlines():
        m = re.match(r"^  (\w+)\s+(succeeded|skipped \(no scripts\)|FAILED)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_all_hooks_run_in_order_with_their_environment(tmp_path):
    log = tmp_path / "hooks.log"
    dest = tmp_path / "www"
    hook = f"""\
        echo "$LIFECYCLE_EVENT|$DEPLOYMENT_ID|$APPLICATION_NAME|$DEPLOYMENT_GROUP_NAME|$DEPLOYMENT_GROUP_ID" >> {log}
        # stdin is closed, and the script leads its own process group
        if read line; then echo "stdin:open" >> {log}; else echo "stdin:closed" >> {log}; fi
        [ "$(ps -o pgid= -p $$ | tr -d ' ')" = "$$" ] && echo "pgroup:own" >> {log}
        echo "out of $LIFECYCLE_EVENT"
        """
    hooks = "".join(f"  {ev}:\n    - location: scripts/{ev}.sh\n" for ev in SCRIPTABLE)
    rev = revision(tmp_path / "rev", textwrap.dedent(f"""\
        version: 0.0
        os: linux
        files:
          - source: site
            destination: {dest}
        hooks:
        """) + hooks, {f"scripts/{ev}.sh": hook for ev in SCRIPTABLE},
        {"site/index.html": "hello\n", "site/css/app.css": "body{}\n"})
    root = tmp_path / "root"

    p = deploy(rev, root, "--group", "web", "--application", "shop")
    assert p.returncode == 0, p.stdout + p.stderr
    ev = events(p.stdout)
    assert list(ev) == ["BeforeBlockTraffic", "AfterBlockTraffic", "ApplicationStop",
                        "DownloadBundle", "BeforeInstall", "Install", "AfterInstall",
                        "ApplicationStart", "ValidateService", "BeforeAllowTraffic",
                        "AfterAllowTraffic"]
    # nothing was installed before: the previous-revision events have nothing to run
    assert ev["ApplicationStop"] == ev["BeforeBlockTraffic"] == "skipped (no scripts)"
    did = re.search(r"deployment (d-[A-Z0-9]{9}-local)", p.stdout).group(1)
    lines = log.read_text().splitlines()
    ran = [l.split("|")[0] for l in lines if "|" in l]
    assert ran == ["BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService",
                   "BeforeAllowTraffic", "AfterAllowTraffic"]
    for l in lines:
        if "|" in l:
            assert l.split("|")[1:] == [did, "shop", "web", "web"]
    assert lines.count("stdin:closed") == 6 and "stdin:open" not in lines
    assert lines.count("pgroup:own") == 6
    assert (dest / "index.html").read_text() == "hello\n"
    assert (dest / "css/app.css").read_text() == "body{}\n"

    # on-disk layout of §6.6
    instr = root / "deployment-instructions"
    deploy_dir = root / "web" / did
    assert (instr / "web_last_successful_install").read_text().strip() == str(deploy_dir)
    assert (instr / "web_most_recent_install").read_text().strip() == str(deploy_dir)
    assert (deploy_dir / "deployment-archive" / "appspec.yml").exists()
    scripts_log = (deploy_dir / "logs" / "scripts.log").read_text()
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d LifecycleEvent - BeforeInstall$",
                     scripts_log, re.M)
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[stdout\]out of ValidateService$",
                     scripts_log, re.M)
    cleanup = (instr / "web-cleanup").read_text().splitlines()
    assert cleanup == [str(dest), str(dest / "css"), str(dest / "css/app.css"),
                       str(dest / "index.html")]
    assert '"type":"mkdir"' in (instr / "web-install.json").read_text()

    # second run: the block-traffic hooks and ApplicationStop now come from the first revision
    log.write_text("")
    p = deploy(rev, root, "--group", "web", "--application", "shop")
    assert p.returncode == 0, p.stdout + p.stderr
    ran = [l.split("|")[0] for l in log.read_text().splitlines() if "|" in l]
    assert ran == SCRIPTABLE


def test_failing_hook_reports_code_4_and_the_log_tail(tmp_path):
    rev = revision(tmp_path / "rev", """\
        version: 0.0
        os: linux
        hooks:
          AfterInstall:
            - location: scripts/ok.sh
            - location: scripts/fail.sh
          ApplicationStart:
            - location: scripts/never.sh
        """, {
        "scripts/ok.sh": "echo fine\n",
        "scripts/fail.sh": "for i in $(seq 1 300); do echo \"line $i of noise\"; done\n"
                           "echo 'database is unreachable' >&2\nexit 3\n",
        "scripts/never.sh": f"touch {tmp_path}/never-ran\n",
    })
    p = deploy(rev, tmp_path / "root")
    assert p.returncode != 0
    assert events(p.stdout)["AfterInstall"] == "FAILED"
    assert "ApplicationStart" not in events(p.stdout)
    assert not (tmp_path / "never-ran").exists()
    out = p.stdout
    assert "script:     scripts/fail.sh" in out
    assert "error code: 4 (ScriptFailed)" in out
    assert "Script at specified location: scripts/fail.sh failed with exit code 3" in out
    tail = out.split("log tail:\n", 1)[1].split("    full log:", 1)[0]
    assert "[stderr]database is unreachable" in tail
    assert "line 300 of noise" in tail and "line 1 of noise" not in tail
    tail_text = "".join(l[6:] + "\n" for l in tail.splitlines())
    assert len(tail_text) <= 2048
    # the full output is in scripts.log
    log_path = re.search(r"full log:\s+(\S+)", out).group(1)
    assert "[stdout]line 1 of noise" in open(log_path).read()


NOTE = re.compile(r"^.*\[slipway-agent\] output truncated after (\d+) bytes "
                  r"\(max_script_log_bytes\); the script went on running$", re.M)


def test_hook_output_is_capped_in_both_logs_and_the_tail_keeps_its_end(tmp_path):
    # 400000 lines of 50 bytes: a hook printing 20 MB used to write 40 MB to disk
    done = tmp_path / "flood-finished"
    rev = revision(tmp_path / "rev", """\
        version: 0.0
        os: linux
        hooks:
          AfterInstall:
            - location: scripts/flood.sh
        """, {"scripts/flood.sh": "yes 'twenty megabytes of chatter from one hook, fifty!' | "
                                  f"head -n 400000\ntouch {done}\n"
                                  "echo 'the last line of 20 MB'\nexit 9\n"})
    root = tmp_path / "root"
    p = deploy(rev, root, "--events", "AfterInstall")
    assert p.returncode != 0
    assert events(p.stdout)["AfterInstall"] == "FAILED"
    assert "failed with exit code 9" in p.stdout
    assert done.exists()  # the script ran to its end: its output was drained throughout
    # the tail shows the end of the output, which the capped logs no longer hold
    tail = p.stdout.split("log tail:\n", 1)[1].split("    full log:", 1)[0]
    assert "[stdout]the last line of 20 MB" in tail
    assert len("".join(l[6:] + "\n" for l in tail.splitlines())) <= 2048
    scripts_log = re.search(r"full log:\s+(\S+)", p.stdout).group(1)
    deployments_log = root / "deployment-logs" / "codedeploy-agent-deployments.log"
    for path in (scripts_log, deployments_log):
        size = os.path.getsize(path)
        text = open(path).read()
        # the default cap (1 MiB of output per script run) plus the event, script and note lines
        assert 1048576 - 200 < size <= 1048576 + 1024, (path, size)
        assert [int(n) for n in NOTE.findall(text)] == [1048576], path
        assert "twenty megabytes of chatter from one hook, fifty!" in text
        assert "the last line of 20 MB" not in text
        assert text.endswith(" output truncated after 1048576 bytes (max_script_log_bytes); "
                             "the script went on running\n")

    # deploy local takes the cap as --max-script-log-bytes
    p = deploy(rev, tmp_path / "root2", "--events", "AfterInstall",
               "--max-script-log-bytes", "65536")
    assert "[stdout]the last line of 20 MB" in p.stdout
    scripts_log = re.search(r"full log:\s+(\S+)", p.stdout).group(1)
    assert os.path.getsize(scripts_log) <= 65536 + 1024
    assert NOTE.findall(open(scripts_log).read()) == ["65536"]
    p = deploy(rev, tmp_path / "root3", "--max-script-log-bytes", "100")
    assert p.returncode == 2 and "--max-script-log-bytes must be 1024 to 1073741824" in p.stderr


def test_hook_timeout_is_code_3_and_kills_the_process_group(tmp_path):
    pidfile = tmp_path / "child.pid"
    rev = revision(tmp_path / "rev", """\
        version: 0.0
        os: linux
        hooks:
          ApplicationStart:
            - location: scripts/slow.sh
              timeout: 2
        """, {"scripts/slow.sh": f"sleep 300 &\necho $! > {pidfile}\necho started\nsleep 300\n"})
    t0 = time.monotonic()
    p = deploy(rev, tmp_path / "root", timeout=290)
    elapsed = time.monotonic() - t0
    assert p.returncode != 0
    assert "error code: 3 (ScriptTimedOut)" in p.stdout
    assert "failed to complete in 2 seconds" in p.stdout
    assert elapsed < 150  # ended at its 2 s timeout, long before its 300 s sleep
    child = int(pidfile.read_text())
    deadline = time.time() + 60
    while alive(child) and time.time() < deadline:
        time.sleep(0.1)
    assert not alive(child), "the script's background child survived the timeout"


def test_background_daemon_holding_stdout_is_code_6(tmp_path):
    pidfile = tmp_path / "daemon.pid"
    rev = revision(tmp_path / "rev", """\
        version: 0.0
        os: linux
        hooks:
          ApplicationStart:
            - location: scripts/start.sh
              timeout: 3
        """, {"scripts/start.sh": f"sleep 120 &\necho $! > {pidfile}\necho daemon started\n"
                                  "exit 0\n"})
    t0 = time.monotonic()
    try:
        p = deploy(rev, tmp_path / "root")
        elapsed = time.monotonic() - t0
        assert p.returncode != 0
        assert "error code: 6 (OutputsLeftOpen)" in p.stdout
        assert "failed to close STDOUT" in p.stdout
        assert "[stdout]daemon started" in p.stdout
        assert 2.5 < elapsed < 60  # after its 3 s timeout, long before the daemon's 120 s
    finally:
        if pidfile.exists():
            try:
                os.kill(int(pidfile.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_file_exists_behavior_across_deployments_to_one_group(tmp_path):
    dest = tmp_path / "app"
    dest.mkdir()
    (dest / "foreign.txt").write_text("orig\n")  # not installed by any deployment
    root = tmp_path / "root"
    spec = f"""\
        version: 0.0
        os: linux
        files:
          - source: app.txt
            destination: {dest}
          - source: foreign.txt
            destination: {dest}
        """
    rev_a = revision(tmp_path / "a", f"""\
        version: 0.0
        os: linux
        files:
          - source: app.txt
            destination: {dest}
        """, files={"app.txt": "A\n"})
    rev_b = revision(tmp_path / "b", spec, files={"app.txt": "B\n", "foreign.txt": "B\n"})
    rev_c = revision(tmp_path / "c", spec + "file_exists_behavior: OVERWRITE\n",
                     files={"app.txt": "C\n", "foreign.txt": "C\n"})
    cleanup = root / "deployment-instructions" / "g-cleanup"

    p = deploy(rev_a, root, "--group", "g")
    assert p.returncode == 0, p.stdout
    assert (dest / "app.txt").read_text() == "A\n"

    # DISALLOW (default): app.txt came from the previous install (cleanup list) and is
    # replaced; foreign.txt was not, so the install fails naming it
    p = deploy(rev_b, root, "--group", "g")
    assert p.returncode != 0
    assert events(p.stdout)["Install"] == "FAILED"
    assert ("The deployment failed because a specified file already exists at this location: "
            f"{dest}/foreign.txt") in p.stdout
    assert (dest / "foreign.txt").read_text() == "orig\n"

    # RETAIN: the existing file is kept and not recorded for cleanup
    p = deploy(rev_b, root, "--group", "g", "--file-exists-behavior", "RETAIN")
    assert p.returncode == 0, p.stdout
    assert (dest / "app.txt").read_text() == "B\n"
    assert (dest / "foreign.txt").read_text() == "orig\n"
    assert str(dest / "foreign.txt") not in cleanup.read_text().splitlines()

    # the AppSpec's OVERWRITE wins over the deployment's RETAIN
    p = deploy(rev_c, root, "--group", "g", "--file-exists-behavior", "RETAIN")
    assert p.returncode == 0, p.stdout
    assert (dest / "foreign.txt").read_text() == "C\n"
    assert str(dest / "foreign.txt") in cleanup.read_text().splitlines()

    # ...so the next install of the group removes it first
    p = deploy(rev_a, root, "--group", "g")
    assert p.returncode == 0, p.stdout
    assert not (dest / "foreign.txt").exists()
    assert (dest / "app.txt").read_text() == "A\n"

    # another group does not own these files: DISALLOW trips on them
    p = deploy(rev_a, root, "--group", "other")
    assert p.returncode != 0
    assert f"already exists at this location: {dest}/app.txt" in p.stdout


def _tar(path, entries, mode="w:gz"):
    with tarfile.open(path, mode) as t:
        for info, data in entries:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def _file(name, data=b"x\n"):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = 0o644
    return ti, data


def _link(name, target, kind=tarfile.SYMTYPE):
    ti = tarfile.TarInfo(name)
    ti.type = kind
    ti.linkname = target
    return ti, None


APPSPEC = b"version: 0.0\nos: linux\n"


@pytest.mark.parametrize("case", ["dotdot", "absolute", "symlink", "hardlink", "device", "zip"])
def test_unsafe_archives_are_refused(tmp_path, case):
    outside = tmp_path / "outside"
    outside.mkdir()
    bundle = tmp_path / "bundle.tgz"
    if case == "dotdot":
        _tar(bundle, [_file("appspec.yml", APPSPEC), _file("../../outside/evil.txt")])
        expect = "escapes the archive with '..'"
    elif case == "absolute":
        _tar(bundle, [_file("appspec.yml", APPSPEC), _file(f"{outside}/evil.txt")])
        expect = "has an absolute path"
    elif case == "symlink":
        _tar(bundle, [_file("appspec.yml", APPSPEC), _link("sub/link", "../../../outside"),
                      _file("sub/link/evil.txt")])
        expect = "symbolic link pointing out of the archive"
    elif case == "hardlink":
        _tar(bundle, [_file("appspec.yml", APPSPEC),
                      _link("passwd", "../../../../etc/passwd", tarfile.LNKTYPE)])
        expect = "hard link pointing out of the archive"
    elif case == "device":
        ti = tarfile.TarInfo("dev-null")
        ti.type = tarfile.CHRTYPE
        ti.devmajor, ti.devminor = 1, 3
        _tar(bundle, [_file("appspec.yml", APPSPEC), (ti, None)])
        expect = "is a device, FIFO or socket"
    else:
        bundle = tmp_path / "bundle.zip"
        with zipfile.ZipFile(bundle, "w") as z:
            z.writestr("appspec.yml", APPSPEC)
            z.writestr("../../outside/evil.txt", b"x\n")
        expect = "escapes the archive with '..'"
    p = deploy(bundle, tmp_path / "root")
    assert p.returncode != 0
    assert events(p.stdout)["DownloadBundle"] == "FAILED"
    assert "error code: 5 (UnknownError)" in p.stdout
    assert expect in p.stdout
    assert not (outside / "evil.txt").exists()
    assert os.listdir(outside) == []
    # nothing of the refused archive is left to install
    assert not list((tmp_path / "root").glob("*/*/deployment-archive"))


def test_archive_wrapped_in_one_directory_is_stripped(tmp_path):
    dest = tmp_path / "dest"
    appspec = f"version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: {dest}\n"
    bundle = _tar(tmp_path / "b.tar.gz", [_file("myapp-1.0/appspec.yml", appspec.encode()),
                                          _file("myapp-1.0/bin/run", b"#!/bin/sh\n"),
                                          _link("myapp-1.0/current", "bin/run")])
    p = deploy(bundle, tmp_path / "root")
    assert p.returncode == 0, p.stdout
    assert (dest / "bin/run").read_text() == "#!/bin/sh\n"
    assert os.readlink(dest / "current") == "bin/run"
    assert (dest / "appspec.yml").exists()  # source "/" is the whole bundle


def test_zip_bundle_deploys(tmp_path):
    dest = tmp_path / "dest"
    bundle = tmp_path / "b.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("appspec.yml", f"version: 0.0\nos: linux\nfiles:\n  - source: web\n"
                                  f"    destination: {dest}\n")
        z.writestr("web/index.html", "zip\n")
    p = deploy(bundle, tmp_path / "root")
    assert p.returncode == 0, p.stdout
    assert (dest / "index.html").read_text() == "zip\n"


def test_application_stop_runs_the_previous_revisions_script(tmp_path):
    marker = tmp_path / "stops.log"
    root = tmp_path / "root"

    def rev(name, validate_ok=True):
        return revision(tmp_path / name, """\
            version: 0.0
            os: linux
            hooks:
              ApplicationStop:
                - location: scripts/stop.sh
              ValidateService:
                - location: scripts/validate.sh
            """, {"scripts/stop.sh": f"echo 'stop from {name}' >> {marker}\n",
                  "scripts/validate.sh": "exit 0\n" if validate_ok else "exit 1\n"})

    assert deploy(rev("rev1"), root, "--group", "g").returncode == 0
    assert not marker.exists()  # first deployment: nothing to stop
    assert deploy(rev("rev2", validate_ok=False), root, "--group", "g").returncode != 0
    assert marker.read_text() == "stop from rev1\n"
    # rev2 failed in ValidateService, yet it became the last successful install (written at
    # the end of Install), so its stop script runs next — AWS's pitfall, reproduced
    assert deploy(rev("rev3"), root, "--group", "g").returncode == 0
    assert marker.read_text() == "stop from rev1\nstop from rev2\n"

    # a broken stop script in the installed revision keeps failing the next deployments...
    bad = revision(tmp_path / "bad", """\
        version: 0.0
        os: linux
        hooks:
          ApplicationStop:
            - location: scripts/stop.sh
        """, {"scripts/stop.sh": "exit 1\n"})
    assert deploy(bad, root, "--group", "g").returncode == 0  # its own stop is not run yet
    p = deploy(rev("rev4"), root, "--group", "g")
    assert p.returncode != 0 and events(p.stdout)["ApplicationStop"] == "FAILED"
    assert "DownloadBundle" not in events(p.stdout)
    # ...until the pointer to it is deleted
    os.unlink(root / "deployment-instructions" / "g_last_successful_install")
    assert deploy(rev("rev4"), root, "--group", "g").returncode == 0


def test_invalid_appspec_names_the_key_and_line(tmp_path):
    rev = revision(tmp_path / "rev", """\
        version: 0.0
        os: linux
        files:
          - source: app.txt
        """, files={"app.txt": "x\n"})
    p = deploy(rev, tmp_path / "root", "--events", "BeforeInstall")
    assert p.returncode != 0
    assert "appspec.yml line 4: 'files' entry has no 'destination'" in p.stdout


@pytest.mark.parametrize("source, destination, message", [
    ("app.txt", "www", "appspec.yml line 5: 'files' destination 'www' must be an absolute path"),
    ("../../../../outside/app.txt", "{abs}",
     "appspec.yml line 4: 'files' source '../../../../outside/app.txt' points outside the "
     "bundle"),
])
def test_bad_files_paths_are_refused_before_anything_runs(tmp_path, source, destination,
                                                          message):
    # a relative destination used to land in the working directory of whoever ran the agent;
    # a source leaving the bundle (here for ROOT/../outside) was refused only at Install, after
    # BeforeInstall's hooks had run
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "app.txt").write_text("not from the bundle\n")
    marker = tmp_path / "before-install-ran"
    rev = revision(tmp_path / "rev", f"""\
        version: 0.0
        os: linux
        files:
          - source: {source}
            destination: {destination.format(abs=tmp_path / "dest")}
        hooks:
          BeforeInstall:
            - location: scripts/before.sh
        """, {"scripts/before.sh": f"touch {marker}\n"}, {"app.txt": "x\n"})
    root = tmp_path / "root"
    p = deploy(rev, root, cwd=cwd)
    assert p.returncode != 0
    assert events(p.stdout)["BeforeInstall"] == "FAILED"
    assert "Install" not in events(p.stdout)
    assert message in p.stdout, p.stdout
    # nothing was written: no hook of the revision ran, no file was installed or planned
    assert not marker.exists()
    assert os.listdir(cwd) == []
    assert not (tmp_path / "dest").exists()
    assert sorted(os.listdir(root / "deployment-instructions")) == [
        "default-local-deployment-group_most_recent_install"]


def test_missing_script_and_usage_errors(tmp_path):
    rev = revision(tmp_path / "rev", """\
        version: 0.0
        os: linux
        hooks:
          BeforeInstall:
            - location: scripts/missing.sh
        """)
    p = deploy(rev, tmp_path / "root", "--events", "BeforeInstall")
    assert p.returncode != 0
    assert "error code: 1 (ScriptMissing)" in p.stdout
    assert "Script does not exist at specified location:" in p.stdout
    assert list(events(p.stdout)) == ["DownloadBundle", "Install", "BeforeInstall"]

    p = deploy(tmp_path / "nope", tmp_path / "root")
    assert p.returncode == 2 and "does not exist" in p.stderr
    p = deploy(rev, tmp_path / "root", "--file-exists-behavior", "SOMETIMES")
    assert p.returncode == 2


def test_custom_events_run_in_the_given_order(tmp_path):
    log = tmp_path / "order.log"
    rev = revision(tmp_path / "rev", """\
        version: 0.0
        os: linux
        hooks:
          ApplicationStart:
            - location: scripts/e.sh
          Warmup:
            - location: scripts/e.sh
        """, {"scripts/e.sh": f"echo $LIFECYCLE_EVENT >> {log}\n"})
    p = deploy(rev, tmp_path / "root", "--events", "Warmup,ApplicationStart")
    assert p.returncode == 0, p.stdout
    assert log.read_text() == "Warmup\nApplicationStart\n"
