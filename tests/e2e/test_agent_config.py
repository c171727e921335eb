"""slipway-agent: configuration errors stop it with a clear message (exit code 2); with a good
configuration it polls the real slipwayd (over http, or https through a TLS terminator), runs a
deployment end to end with its helpers, stops at once on SIGTERM, and fails the command it was
killed in as soon as it is back."""
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import tarfile
import textwrap
import time
import zipfile

import ports
import pytest
from agents import wait_until
from tlsproxy import tls_terminator

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("SLIPWAY_BUILD", os.path.join(ROOT, "build"))
AGENT = os.path.join(BUILD, "src/agent/slipway-agent")

GOOD = {
    "aws_access_key_id": "AKIAEXAMPLEEXAMPLE12",
    "aws_secret_access_key": "x" * 40,
    "iam_user_arn": "arn:aws:iam::123456789012:user/host-1",
    "region": "us-east-1",
    "endpoint": "http://127.0.0.1:9",
}


def write_config(tmp_path, values, name="agent.yml"):
    path = tmp_path / name
    path.write_text("---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in values.items()))
    return path


def cert(tmp_path):
    p = tmp_path / "server.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(p), "-days", "1", "-subj", "/CN=test"],
                   check=True, capture_output=True)
    return p


def run_agent(config, *extra, timeout=30):
    p = subprocess.run([AGENT, "--config", str(config), *extra], capture_output=True, text=True,
                       timeout=timeout, stdin=subprocess.DEVNULL)
    assert "AddressSanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    return p


def test_missing_config_file(tmp_path):
    p = run_agent(tmp_path / "nope.yml")
    assert p.returncode == 2
    assert "configuration file" in p.stderr and "nope.yml" in p.stderr
    assert "No such file or directory" in p.stderr


def test_no_config_argument():
    p = subprocess.run([AGENT], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "--config FILE is required" in p.stderr


def test_missing_keys_are_all_named(tmp_path):
    values = dict(GOOD)
    del values["aws_secret_access_key"]
    del values["region"]
    p = run_agent(write_config(tmp_path, values))
    assert p.returncode == 2
    assert ("is incomplete: missing 'aws_secret_access_key', 'region', 'ca_file'"
            in p.stderr), p.stderr


@pytest.mark.parametrize("mutation, message", [
    ({"endpoint": "ftp://x"}, "'endpoint' must be an http:// or https:// URL"),
    ({"max_revisions": 0}, "'max_revisions' must be an integer from 1 to 1000"),
    ({"iam_session_arn": "arn:aws:sts::1:assumed-role/r/s"}, "'iam_session_arn' is not supported"),
    ({"root_dir": "relative/dir"}, "'root_dir' must be an absolute path"),
    ({"max_script_log_bytes": 512},
     "'max_script_log_bytes' must be an integer from 1024 to 1073741824 (got '512')"),
    ({"region": ["us-east-1"]}, "'region' must be a single value"),
])
def test_bad_values(tmp_path, mutation, message):
    values = dict(GOOD, ca_file=str(cert(tmp_path)), **mutation)
    p = run_agent(write_config(tmp_path, values))
    assert p.returncode == 2
    assert message in p.stderr, p.stderr


def test_invalid_yaml_and_bad_certificate(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("region: [unclosed\n")
    p = run_agent(bad)
    assert p.returncode == 2 and "is not valid YAML" in p.stderr
    notcert = tmp_path / "notcert.pem"
    notcert.write_text("hello\n")
    p = run_agent(write_config(tmp_path, dict(GOOD, ca_file=str(notcert))))
    assert p.returncode == 2 and "does not hold a PEM certificate" in p.stderr
    p = run_agent(write_config(tmp_path, dict(GOOD, ca_file=str(tmp_path / "missing.crt"))))
    assert p.returncode == 2 and "cannot be read" in p.stderr


def test_symbol_style_keys_are_accepted(tmp_path):
    # the AWS agent's own file writes :root_dir: — an empty poll against a closed port fails,
    # which proves the configuration itself was accepted
    values = dict(GOOD, ca_file=str(cert(tmp_path)))
    path = tmp_path / "sym.yml"
    path.write_text("".join(f":{k}: {json.dumps(v)}\n" for k, v in values.items())
                    + f":root_dir: {tmp_path / 'root'}\n")
    p = run_agent(path, "--once", "--stderr")
    assert p.returncode == 1, p.stderr
    assert "poll failed" in p.stderr
    assert (tmp_path / "root").is_dir()


# -- against the real slipwayd ------------------------------------------------------------------

def register_host(server, name):
    iam = server.client("iam")
    cd = server.client("codedeploy")
    user = iam.create_user(UserName=name)["User"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    cd.register_on_premises_instance(instanceName=name, iamUserArn=user["Arn"])
    cd.add_tags_to_on_premises_instances(instanceNames=[name],
                                         tags=[{"Key": "role", "Value": "web"}])
    return user["Arn"], key["AccessKeyId"], key["SecretAccessKey"]


def agent_config(server, tmp_path, arn, akid, secret):
    return write_config(tmp_path, {
        "aws_access_key_id": akid, "aws_secret_access_key": secret, "iam_user_arn": arn,
        "region": "us-east-1", "endpoint": server.endpoint,
        "ca_file": os.path.join(server.data_dir, "server.crt"),
        "root_dir": str(tmp_path / "agent-root"), "log_dir": str(tmp_path / "agent-log"),
        "max_revisions": 2,
    })


def bundle(files):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as z:
        for name, (body, mode) in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            z.writestr(info, body)
    return bio.getvalue()


def deploy(server, app, group, key, data, create_group=True, bundle_type="zip"):
    cd = server.client("codedeploy")
    s3 = server.client("s3")
    try:
        s3.create_bucket(Bucket="revisions")
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_object(Bucket="revisions", Key=key, Body=data)
    if create_group:
        cd.create_application(applicationName=app)
        cd.create_deployment_group(
            applicationName=app, deploymentGroupName=group,
            serviceRoleArn="arn:aws:iam::123456789012:role/cd",
            onPremisesInstanceTagFilters=[{"Key": "role", "Value": "web",
                                           "Type": "KEY_AND_VALUE"}])
    return cd.create_deployment(
        applicationName=app, deploymentGroupName=group,
        revision={"revisionType": "S3", "s3Location": {"bucket": "revisions", "key": key,
                                                       "bundleType": bundle_type}}
    )["deploymentId"]


def wait_deployment(server, did, timeout=90):
    cd = server.client("codedeploy")
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
        if info["status"] in ("Succeeded", "Failed", "Stopped"):
            return info
        time.sleep(0.5)
    raise AssertionError(f"deployment {did} did not finish: {info}")


class Agent:
    def __init__(self, config, log, agent=AGENT, env=None):
        self.log = open(log, "ab")
        self.proc = subprocess.Popen([agent, "--config", str(config), "--stderr"],
                                     stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL, env=env)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.log.close()
        return rc


def test_agent_runs_a_deployment_from_slipwayd(server, tmp_path):
    arn, akid, secret = register_host(server, "host-1")
    dest = tmp_path / "www"
    marker = tmp_path / "env.txt"
    appspec = textwrap.dedent(f"""\
        version: 0.0
        os: linux
        files:
          - source: site
            destination: {dest}
        hooks:
          AfterInstall:
            - location: scripts/after.sh
          ValidateService:
            - location: scripts/validate.sh
        """)
    data = bundle({
        "appspec.yml": (appspec, 0o644),
        "site/index.html": ("v1\n", 0o644),
        "scripts/after.sh": ("#!/bin/sh\necho \"$LIFECYCLE_EVENT $DEPLOYMENT_ID "
                             "$APPLICATION_NAME $DEPLOYMENT_GROUP_NAME $BUNDLE_BUCKET "
                             f"$BUNDLE_KEY\" > {marker}\n", 0o755),
        "scripts/validate.sh": ("#!/bin/sh\ngrep -q v1 " + str(dest / "index.html") + "\n",
                                0o755),
    })
    log = tmp_path / "agent.log"
    agent = Agent(agent_config(server, tmp_path, arn, akid, secret), log)
    try:
        did = deploy(server, "shop", "web", "shop/v1.zip", data)
        info = wait_deployment(server, did)
        assert info["status"] == "Succeeded", (info, log.read_text())
    finally:
        rc = agent.stop()
    assert rc == 0, log.read_text()
    assert (dest / "index.html").read_text() == "v1\n"
    assert marker.read_text().split() == ["AfterInstall", did, "shop", "web", "revisions",
                                          "shop/v1.zip"]
    root = tmp_path / "agent-root"
    dirs = list(root.glob(f"*/{did}"))
    assert len(dirs) == 1
    # the downloaded bundle is deleted once unpacked
    assert not (dirs[0] / "bundle.tar").exists()
    assert (dirs[0] / "deployment-archive" / "appspec.yml").exists()
    assert not list((root / "ongoing-deployment").glob("*")) if (root / "ongoing-deployment").exists() else True
    text = log.read_text()
    assert "AddressSanitizer" not in text and "runtime error:" not in text, text


def test_failed_hook_reaches_the_deployment_with_its_log_tail(server, tmp_path):
    arn, akid, secret = register_host(server, "host-2")
    data = bundle({
        "appspec.yml": ("version: 0.0\nos: linux\nhooks:\n  ValidateService:\n"
                        "    - location: check.sh\n", 0o644),
        "check.sh": ("#!/bin/sh\necho 'health check: 503 from /healthz' >&2\nexit 7\n", 0o755),
    })
    log = tmp_path / "agent.log"
    agent = Agent(agent_config(server, tmp_path, arn, akid, secret), log)
    try:
        did = deploy(server, "api", "api-web", "api/v1.zip", data)
        info = wait_deployment(server, did)
    finally:
        assert agent.stop() == 0, log.read_text()
    assert info["status"] == "Failed", info
    cd = server.client("codedeploy")
    target = cd.get_deployment_target(deploymentId=did, targetId="host-2")
    events = {e["lifecycleEventName"]: e
              for e in target["deploymentTarget"]["instanceTarget"]["lifecycleEvents"]}
    diag = events["ValidateService"]["diagnostics"]
    assert events["ValidateService"]["status"] == "Failed"
    assert diag["errorCode"] == "ScriptFailed"
    assert diag["scriptName"] == "check.sh"
    assert "failed with exit code 7" in diag["message"]
    assert "[stderr]health check: 503 from /healthz" in diag["logTail"]


def test_max_script_log_bytes_caps_both_logs_and_the_log_tail_keeps_the_end(server, tmp_path):
    arn, akid, secret = register_host(server, "host-chatty")
    data = bundle({
        "appspec.yml": ("version: 0.0\nos: linux\nhooks:\n  ValidateService:\n"
                        "    - location: chatty.sh\n", 0o644),
        "chatty.sh": ("#!/bin/sh\nyes 'two megabytes of a chatty health check, fifty!' | "
                      "head -n 40000\necho 'health check: 503 at the very end'\nexit 3\n",
                      0o755),
    })
    config = agent_config(server, tmp_path, arn, akid, secret)
    with open(config, "a") as f:
        f.write("max_script_log_bytes: 65536\n")
    log = tmp_path / "agent.log"
    agent = Agent(config, log)
    try:
        did = deploy(server, "chatty", "chatty-web", "chatty/v1.zip", data)
        info = wait_deployment(server, did)
    finally:
        assert agent.stop() == 0, log.read_text()
    assert info["status"] == "Failed", info
    diag = events_of(server, did, "host-chatty")["ValidateService"]["diagnostics"]
    assert "failed with exit code 3" in diag["message"]
    assert diag["logTail"].endswith("[stdout]health check: 503 at the very end\n"), diag
    root = tmp_path / "agent-root"
    (scripts_log,) = root.glob(f"*/{did}/logs/scripts.log")
    for path in (scripts_log, root / "deployment-logs" / "codedeploy-agent-deployments.log"):
        text = path.read_text()
        assert 65536 - 200 < len(text) <= 65536 + 1024, (path, len(text))
        assert text.count("[slipway-agent] output truncated after 65536 bytes "
                          "(max_script_log_bytes); the script went on running\n") == 1
        assert "503 at the very end" not in text


def test_sigterm_cancels_the_long_poll_at_once(server, tmp_path):
    arn, akid, secret = register_host(server, "host-3")
    log = tmp_path / "agent.log"
    agent = Agent(agent_config(server, tmp_path, arn, akid, secret), log)

    def polling():  # its first request is the poll
        assert agent.proc.poll() is None, log.read_text()
        mine = ports.client_ports(agent.proc.pid, server.port)
        return mine and ports.held_by_slipwayd(server.proc.pid, server.port, mine)
    # the agent is now inside a long poll the server holds for 60 s
    wait_until(polling, "the agent's poll is with slipwayd")
    t0 = time.monotonic()
    rc = agent.stop(timeout=60)
    assert rc == 0, log.read_text()
    assert time.monotonic() - t0 < 30  # not when the 60 s poll ends
    assert "poll failed" not in log.read_text()


def test_agent_killed_during_a_hook_fails_that_event_when_back(server, tmp_path):
    arn, akid, secret = register_host(server, "host-4")
    started = tmp_path / "started"
    data = bundle({
        "appspec.yml": ("version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n"
                        "    - location: start.sh\n      timeout: 600\n", 0o644),
        "start.sh": (f"#!/bin/sh\necho $$ > {started}\nexec sleep 600\n", 0o755),
    })
    config = agent_config(server, tmp_path, arn, akid, secret)
    log = tmp_path / "agent.log"
    agent = Agent(config, log)
    did = deploy(server, "svc", "svc-web", "svc/v1.zip", data)
    deadline = time.time() + 60
    while not (started.exists() and started.read_text().strip()) and time.time() < deadline:
        time.sleep(0.2)
    assert started.exists(), log.read_text()
    agent.stop(signal.SIGKILL)
    # the orphaned script is the host's business; end it so the test leaves nothing behind
    os.kill(int(started.read_text()), signal.SIGKILL)
    tracking = list((tmp_path / "agent-root" / "ongoing-deployment").glob("*"))
    assert [p.name for p in tracking] == [did]
    t0 = time.monotonic()
    agent = Agent(config, log)
    try:
        info = wait_deployment(server, did, timeout=300)
    finally:
        assert agent.stop() == 0, log.read_text()
    assert info["status"] == "Failed"
    assert time.monotonic() - t0 < 300  # at once, not after the script's 600 s timeout
    cd = server.client("codedeploy")
    target = cd.get_deployment_target(deploymentId=did, targetId="host-4")
    events = {e["lifecycleEventName"]: e
              for e in target["deploymentTarget"]["instanceTarget"]["lifecycleEvents"]}
    assert events["ApplicationStart"]["status"] == "Failed"
    assert "after an agent restart" in events["ApplicationStart"]["diagnostics"]["message"]


def test_sigterm_during_a_hook_lets_it_finish_and_report(server, tmp_path):
    arn, akid, secret = register_host(server, "host-5")
    started = tmp_path / "started"
    data = bundle({
        "appspec.yml": ("version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n"
                        "    - location: start.sh\n", 0o644),
        "start.sh": (f"#!/bin/sh\ntouch {started}\nsleep 3\necho warmed up\n", 0o755),
    })
    log = tmp_path / "agent.log"
    agent = Agent(agent_config(server, tmp_path, arn, akid, secret), log)
    did = deploy(server, "calm", "calm-web", "calm/v1.zip", data)
    deadline = time.time() + 60
    while not started.exists() and time.time() < deadline:
        time.sleep(0.1)
    assert started.exists(), log.read_text()
    agent.proc.send_signal(signal.SIGTERM)
    assert agent.stop(timeout=30) == 0, log.read_text()
    cd = server.client("codedeploy")
    target = cd.get_deployment_target(deploymentId=did, targetId="host-5")
    events = {e["lifecycleEventName"]: e
              for e in target["deploymentTarget"]["instanceTarget"]["lifecycleEvents"]}
    assert events["ApplicationStart"]["status"] == "Succeeded", events
    # nothing is left for a restart to fail
    assert not list((tmp_path / "agent-root").glob("ongoing-deployment/*"))


# -- https and the helpers ----------------------------------------------------------------------

def simple_bundle():
    return bundle({
        "appspec.yml": ("version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n"
                        "    - location: start.sh\n", 0o644),
        "start.sh": ("#!/bin/sh\necho started\n", 0o755),
    })


def events_of(server, did, host):
    target = server.client("codedeploy").get_deployment_target(deploymentId=did, targetId=host)
    return {e["lifecycleEventName"]: e
            for e in target["deploymentTarget"]["instanceTarget"]["lifecycleEvents"]}


@pytest.fixture
def terminator(server, tmp_path):
    """HAProxy terminating TLS for 127.0.0.1 in front of slipwayd; yields (https endpoint, a
    certificate directory that trusts its certificate, for SSL_CERT_DIR)."""
    with tls_terminator(server.port, tmp_path) as (endpoint, crt):
        trust = tmp_path / "trusted-certs"
        trust.mkdir()
        shutil.copy(crt, trust / "terminator.pem")
        subprocess.run(["openssl", "rehash", str(trust)], check=True, capture_output=True)
        yield endpoint, trust


def test_agent_over_https_checks_the_certificate_and_deploys(server, terminator, tmp_path):
    endpoint, trust = terminator
    arn, akid, secret = register_host(server, "host-tls")
    config = agent_config(server, tmp_path, arn, akid, secret)
    config.write_text(config.read_text().replace(server.endpoint, endpoint))
    # the terminator's certificate is nobody's the agent trusts: no poll gets through
    env = dict(os.environ, SSL_CERT_DIR=str(tmp_path))
    p = subprocess.run([AGENT, "--config", str(config), "--once", "--stderr"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 1, p.stderr
    assert "certificate rejected" in p.stderr, p.stderr
    assert "AddressSanitizer" not in p.stderr and "runtime error:" not in p.stderr, p.stderr
    # trusted through the system's certificate directory: a whole deployment over https
    log = tmp_path / "agent.log"
    agent = Agent(config, log, env=dict(os.environ, SSL_CERT_DIR=str(trust)))
    try:
        did = deploy(server, "tls", "tls-web", "tls/v1.zip", simple_bundle())
        info = wait_deployment(server, did)
    finally:
        assert agent.stop() == 0, log.read_text()
    assert info["status"] == "Succeeded", (info, log.read_text())
    text = log.read_text()
    assert "poll failed" not in text and "AddressSanitizer" not in text, text


def test_agent_without_its_unpack_helper_fails_the_download_clearly(server, tmp_path):
    # a package that installed slipway-agent and slipway-agent-verify but not the unpacker
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("slipway-agent", "slipway-agent-verify"):
        shutil.copy(os.path.join(os.path.dirname(AGENT), name), bindir / name)
    arn, akid, secret = register_host(server, "host-nohelper")
    log = tmp_path / "agent.log"
    agent = Agent(agent_config(server, tmp_path, arn, akid, secret), log,
                  agent=str(bindir / "slipway-agent"))
    try:
        did = deploy(server, "nohelper", "nohelper-web", "nh/v1.zip", simple_bundle())
        info = wait_deployment(server, did)
    finally:
        assert agent.stop() == 0, log.read_text()
    assert info["status"] == "Failed", info
    events = events_of(server, did, "host-nohelper")
    # the specification was verified by the helper next to the copied agent ...
    assert events["ApplicationStop"]["status"] == "Succeeded", events
    # ... and the missing unpacker is named
    assert events["DownloadBundle"]["status"] == "Failed", events
    message = events["DownloadBundle"]["diagnostics"]["message"]
    assert f"cannot run {bindir}/slipway-agent-unpack" in message, message


@pytest.mark.parametrize("case", ["dotdot", "tgz-declared-zip"])
def test_the_unpack_helper_refuses_bad_bundles_with_its_reason(server, tmp_path, case):
    outside = tmp_path / "outside"
    outside.mkdir()
    if case == "dotdot":
        bio = io.BytesIO()
        with zipfile.ZipFile(bio, "w") as z:
            z.writestr("appspec.yml", "version: 0.0\nos: linux\n")
            z.writestr(f"../../../../../../../../..{outside}/evil.txt", "x\n")
        data, expect = bio.getvalue(), "escapes the archive with '..'"
    else:
        bio = io.BytesIO()
        with tarfile.open(fileobj=bio, mode="w:gz") as t:
            body = b"version: 0.0\nos: linux\n"
            ti = tarfile.TarInfo("appspec.yml")
            ti.size = len(body)
            t.addfile(ti, io.BytesIO(body))
        data, expect = bio.getvalue(), "as a zip bundle: Unrecognized archive format"
    arn, akid, secret = register_host(server, "host-bad")
    log = tmp_path / "agent.log"
    agent = Agent(agent_config(server, tmp_path, arn, akid, secret), log)
    try:
        did = deploy(server, "bad", "bad-web", "bad/v1", data)
        info = wait_deployment(server, did)
    finally:
        assert agent.stop() == 0, log.read_text()
    assert info["status"] == "Failed", info
    download = events_of(server, did, "host-bad")["DownloadBundle"]
    assert download["status"] == "Failed"
    assert expect in download["diagnostics"]["message"], download
    assert os.listdir(outside) == []
    assert not list((tmp_path / "agent-root").glob("*/*/deployment-archive"))
    text = log.read_text()
    assert "unpack failed" in text and "AddressSanitizer" not in text, text

