"""Fixtures for end-to-end tests: each test starts its own slipwayd on an ephemeral loopback
port in a temporary directory, and drives it with real clients (boto3, the aws CLI)."""
import configparser
import json
import os
import signal
import subprocess
import time
import urllib.request

import boto3
import botocore.config
import pytest
import ports
from pg import postgres, store_args  # noqa: F401 (SLIPWAY_TEST_STORE=postgres)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("SLIPWAY_BUILD", os.path.join(ROOT, "build"))
SLIPWAYD = os.path.join(BUILD, "src/server/slipwayd")
AGENT = os.path.join(BUILD, "src/agent/slipway-agent")
CLI = os.path.join(BUILD, "src/cli/slipway")


class Server:
    """A slipwayd process with its data directory, credentials and clients."""

    def __init__(self, data_dir, log_path, extra_args=()):
        self.data_dir = str(data_dir)
        self.log_path = str(log_path)
        self.extra_args = list(extra_args)
        self.proc = None
        self.port = None
        self.log = None
        self.port_hold = None  # keeps the port ours between a stop and a start on it (ports.py)

    # -- process ---------------------------------------------------------------------------
    def start(self, port=0):
        self.log = open(self.log_path, "ab")
        args = [SLIPWAYD, "--data", self.data_dir, "--listen", f"127.0.0.1:{port}",
                "--log-level", os.environ.get("SLIPWAY_LOG_LEVEL", "info")] + self.extra_args
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log,
                                     stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        line = b""
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if b"ready on http://" in line:
                self.port = int(line.strip().rsplit(b":", 1)[1])
                break
        if self.port is None:
            self.proc.kill()
            self.proc.wait()
            raise RuntimeError(f"slipwayd did not start: {line!r}\n{self.read_log()}")
        if self.port_hold is None or self.port_hold.getsockname()[1] != self.port:
            self.release_port()
            self.port_hold = ports.hold(self.port)
        cp = configparser.ConfigParser()
        cp.read(os.path.join(self.data_dir, "credentials"))
        self.access_key = cp["slipway"]["aws_access_key_id"]
        self.secret_key = cp["slipway"]["aws_secret_access_key"]
        return self

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("slipwayd did not stop on SIGTERM within %ds" % timeout)
        rc = self.proc.returncode if self.proc else 0
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if self.log:
            self.log.close()
            self.log = None
        return rc

    def release_port(self):
        """Lets the port go (the fixtures call it when they are done with the server)."""
        if self.port_hold is not None:
            self.port_hold.close()
            self.port_hold = None

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()

    def restart(self):
        port = self.port
        self.stop()
        self.port = None
        return self.start(port)

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # -- clients ---------------------------------------------------------------------------
    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def client(self, service, access_key=None, secret_key=None, **config):
        cfg = botocore.config.Config(retries={"max_attempts": 1}, **config)
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=access_key or self.access_key,
                            aws_secret_access_key=secret_key or self.secret_key, config=cfg)

    def env(self, access_key=None, secret_key=None):
        env = dict(os.environ)
        for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
            env.pop(k, None)
        env.update({
            "AWS_ACCESS_KEY_ID": access_key or self.access_key,
            "AWS_SECRET_ACCESS_KEY": secret_key or self.secret_key,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_PAGER": "",
        })
        return env

    def aws(self, *args, check=True, access_key=None, secret_key=None, input=None):
        """Runs the aws CLI against this server; returns parsed JSON (or None), or the
        CompletedProcess when check is False."""
        cmd = ["aws", "--endpoint-url", self.endpoint, "--output", "json"] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, input=input,
                           env=self.env(access_key, secret_key), timeout=300)
        if not check:
            return p
        if p.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({p.returncode}):\n{p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else None

    def get(self, path):
        with urllib.request.urlopen(self.endpoint + path, timeout=10) as r:
            return r.status, r.read()


def pytest_configure(config):
    config.addinivalue_line("markers", "slipwayd_args(*args): add or change slipwayd options "
                            "for the test's server ('--opt value' replaces, '--flag' adds; the "
                            "server and dserver fixtures)")
    config.addinivalue_line("markers", "slow: one of the longest tests (half a minute or "
                            "more); run first")


def pytest_collection_modifyitems(session, config, items):
    """The slow tests first: run in parallel (scripts/check.sh, pytest-xdist hands tests out in
    this order), a long test started last would leave one worker running it alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


@pytest.fixture
def server(tmp_path, request):
    args = store_args(request)
    for mark in request.node.iter_markers("slipwayd_args"):
        args += list(mark.args)
    s = Server(tmp_path / "data", tmp_path / "slipwayd.log", args).start()
    yield s
    rc = s.stop()
    s.release_port()
    failed = getattr(request.node, "rep_call", None)
    if (failed and failed.failed) or rc != 0:
        print(f"\n----- slipwayd log ({s.log_path}) -----\n{s.read_log()}")
    assert rc == 0, f"slipwayd exited with {rc} on SIGTERM"
    log = s.read_log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log


@pytest.fixture
def cd(server):
    return server.client("codedeploy")


@pytest.fixture
def s3(server):
    return server.client("s3")


@pytest.fixture
def iam(server):
    return server.client("iam")
