"""Slipway's own numbers end to end (docs/metrics.md): `GET /metrics` in the Prometheus text
format scraped by Debian's real Prometheus, a metric put with the aws CLI showing up in
Prometheus's query API; a deployment publishing Slipway/Deployments* metrics and writing its
stream in the /slipway/deployments log group; ApiRequests and AgentsConnected flushed from
slipwayd's counters."""
import json
import os
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import pytest
from agents import FakeAgent, Fleet, dserver, wait_deployment, wait_until  # noqa: F401

PROMETHEUS = "/usr/bin/prometheus"
SLIPWAYD_ARGS = ["--poll-timeout", "3", "--agent-timeout", "300", "--event-timeout", "300"]
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def scrape(server):
    with urllib.request.urlopen(server.endpoint + "/metrics", timeout=10) as r:
        return r.headers["Content-Type"], r.read().decode()


def sample(text, family, labels):
    """The value of family{labels} in a scrape, or None."""
    want = family + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "} "
    for line in text.splitlines():
        if line.startswith(want):
            return float(line[len(want):])
    return None


# ---- the endpoint -------------------------------------------------------------------------

def test_metrics_is_anonymous_prometheus_text(server):
    server.aws("cloudwatch", "put-metric-data", "--namespace", "Shop/Web", "--metric-data",
               json.dumps([{"MetricName": "Latency", "Value": 120, "Unit": "Milliseconds",
                            "Dimensions": [{"Name": "Host", "Value": 'a"b\\c'}]},
                           {"MetricName": "Latency", "Value": 80, "Unit": "Milliseconds",
                            "Dimensions": [{"Name": "Host", "Value": 'a"b\\c'}]}]))
    ctype, text = scrape(server)
    assert ctype == CONTENT_TYPE
    assert text.endswith("\n")
    labels = {"dimension_Host": 'a\\"b\\\\c', "unit": "Milliseconds"}
    assert sample(text, "cloudwatch_Shop_Web_Latency_sum", labels) == 200
    assert sample(text, "cloudwatch_Shop_Web_Latency_count", labels) == 2
    assert sample(text, "cloudwatch_Shop_Web_Latency_last", labels) == 80
    assert "# TYPE cloudwatch_Shop_Web_Latency_sum counter\n" in text
    assert "# TYPE cloudwatch_Shop_Web_Latency_last gauge\n" in text
    # one # TYPE per family
    types = re.findall(r"^# TYPE (\S+) ", text, re.M)
    assert len(types) == len(set(types))


def test_a_bucket_named_metrics_is_still_s3s(server):
    """Only an unsigned GET of exactly /metrics is the scrape: S3's path-style requests for a
    bucket of that name, signed, stay S3's."""
    s3 = server.client("s3")
    s3.create_bucket(Bucket="metrics")
    s3.put_object(Bucket="metrics", Key="k", Body=b"v")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="metrics")["Contents"]] == ["k"]
    assert scrape(server)[0] == CONTENT_TYPE


# ---- a real Prometheus --------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Prometheus:
    def __init__(self, tmp_path, target):
        self.dir = tmp_path / "prometheus"
        self.dir.mkdir()
        self.config = self.dir / "prometheus.yml"
        self.config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            "scrape_configs:\n  - job_name: slipway\n    scrape_interval: 1s\n"
            "    scrape_timeout: 1s\n    metrics_path: /metrics\n"
            f"    static_configs:\n      - targets: ['{target}']\n")
        self.log_path = self.dir / "log"
        self.proc = None
        self.port = None

    def start(self):
        for _ in range(3):  # a free port may be taken between the look and the bind
            self.port = free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [PROMETHEUS, f"--config.file={self.config}",
                 f"--storage.tsdb.path={self.dir / 'data'}",
                 f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                stdout=log, stderr=log, stdin=subprocess.DEVNULL)
            log.close()
            deadline = time.time() + 30
            while time.time() < deadline and self.proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as r:
                        if r.status == 200:
                            return self
                except OSError:
                    time.sleep(0.2)
            self.stop()
        raise AssertionError(f"prometheus did not start:\n{self.log()}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def query(self, expr):
        q = urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{q}", timeout=5) as r:
            body = json.loads(r.read())
        assert body["status"] == "success", body
        return body["data"]["result"]

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def prometheus(server, tmp_path, request):
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip(f"{PROMETHEUS} is absent (Debian package prometheus, scripts/deps.sh)")
    p = Prometheus(tmp_path, f"127.0.0.1:{server.port}").start()
    yield p
    p.stop()
    failed = getattr(request.node, "rep_call", None)
    if failed and failed.failed:
        print(f"\n----- prometheus log -----\n{p.log()}")


def test_prometheus_scrapes_a_metric_put_with_the_cli(server, prometheus):
    server.aws("cloudwatch", "put-metric-data", "--namespace", "E2E/Scrape", "--metric-name",
               "Hits", "--unit", "Count", "--value", "42", "--dimensions", "Host=web-1")
    expr = 'cloudwatch_E2E_Scrape_Hits_sum{dimension_Host="web-1",unit="Count"}'

    def scraped():
        up = prometheus.query('up{job="slipway"}')
        hits = prometheus.query(expr)
        if up and up[0]["value"][1] == "1" and hits:
            return hits
        return None

    hits = wait_until(scraped, "Prometheus to scrape the metric", timeout=30, every=0.5)
    assert len(hits) == 1
    assert float(hits[0]["value"][1]) == 42
    assert hits[0]["metric"]["job"] == "slipway"
    # a second datum: the counter grows, the gauge follows the last value
    server.aws("cloudwatch", "put-metric-data", "--namespace", "E2E/Scrape", "--metric-name",
               "Hits", "--unit", "Count", "--value", "8", "--dimensions", "Host=web-1")
    last = 'cloudwatch_E2E_Scrape_Hits_last{dimension_Host="web-1"}'
    wait_until(lambda: [r for r in prometheus.query(last) if r["value"][1] == "8"] and
               [r for r in prometheus.query(expr) if r["value"][1] == "50"],
               "Prometheus to see the second datum", timeout=30, every=0.5)


# ---- Slipway's own numbers ----------------------------------------------------------------

def appspec(tag):
    return {"revisionType": "String",
            "string": {"content": f"version: 0.0\nos: linux\n# {tag}\n"}}


def stat(server, name, dims, statistic="Sum"):
    out = server.aws("cloudwatch", "get-metric-statistics", "--namespace", "Slipway",
                     "--metric-name", name, "--dimensions",
                     *[f"Name={k},Value={v}" for k, v in dims.items()],
                     "--start-time", str(int(time.time()) - 3600), "--end-time",
                     str(int(time.time()) + 120), "--period", "3600", "--statistics",
                     statistic)
    return sum(p[statistic] for p in out["Datapoints"])


def log_lines(server, stream):
    out = server.aws("logs", "get-log-events", "--log-group-name", "/slipway/deployments",
                     "--log-stream-name", stream, "--start-from-head")
    return [json.loads(e["message"]) for e in out["events"]]


def test_a_deployment_publishes_its_metrics_and_log_stream(dserver):
    fleet = Fleet(dserver)
    host = fleet.add("host-1")
    fleet.group()
    cd = dserver.client("codedeploy")
    fail = {"on": False}
    agent = FakeAgent(dserver, host).run(
        lambda name: (4, "install broke") if fail["on"] and name == "Install"
        else None)
    try:
        ok = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                  revision=appspec("v1"))["deploymentId"]
        assert wait_deployment(cd, ok)["status"] == "Succeeded"
        fail["on"] = True
        bad = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                   revision=appspec("v2"))["deploymentId"]
        assert wait_deployment(cd, bad)["status"] == "Failed"

        dims = {"Application": "app", "DeploymentGroup": "web"}
        assert stat(dserver, "DeploymentsStarted", dims) == 2
        assert stat(dserver, "DeploymentsSucceeded", dims) == 1
        assert stat(dserver, "DeploymentsFailed", dims) == 1
        assert stat(dserver, "DeploymentDuration", dims, "SampleCount") == 2
        assert stat(dserver, "DeploymentDuration", dims, "Minimum") >= 0

        lines = log_lines(dserver, ok)
        assert [ln["status"] for ln in lines if "lifecycleEvent" not in ln] == \
            ["InProgress", "Succeeded"]
        events = [(ln["lifecycleEvent"], ln["status"]) for ln in lines if "lifecycleEvent" in ln]
        assert events == [(e, "Succeeded") for e in
                          ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install",
                           "AfterInstall", "ApplicationStart", "ValidateService"]]
        assert all(ln["deploymentId"] == ok for ln in lines)
        assert lines[-1]["durationSeconds"] >= 0

        lines = log_lines(dserver, bad)
        assert lines[-1]["status"] == "Failed" and lines[-1]["errorCode"] == "HEALTH_CONSTRAINTS"
        install = [ln for ln in lines if ln.get("lifecycleEvent") == "Install"]
        assert install == [{"deploymentId": bad, "instanceId": "host-1",
                            "lifecycleEvent": "Install", "status": "Failed",
                            "errorCode": "ScriptFailed", "scriptName": "scripts/x.sh",
                            "message": "install broke"}]
        streams = dserver.aws("logs", "describe-log-streams", "--log-group-name",
                              "/slipway/deployments")["logStreams"]
        assert sorted(s["logStreamName"] for s in streams) == sorted([ok, bad])

        # the same numbers on /metrics, and slipwayd's flushed API and agent counters
        def flushed():
            text = scrape(dserver)[1]
            creates = sample(text, "cloudwatch_Slipway_ApiRequests_sum",
                             {"dimension_Operation": "CreateDeployment",
                              "dimension_Service": "codedeploy", "unit": "Count"})
            agents = sample(text, "cloudwatch_Slipway_AgentsConnected_last", {"unit": "Count"})
            # the polls of the second deployment may land in a later flush than its create
            polls = sample(text, "cloudwatch_Slipway_ApiRequests_sum",
                           {"dimension_Operation": "PollHostCommand",
                            "dimension_Service": "commands", "unit": "Count"})
            return text if creates == 2 and agents == 1 and (polls or 0) >= 14 else None

        text = wait_until(flushed, "slipwayd to flush its counters", timeout=30, every=0.5)
        assert sample(text, "cloudwatch_Slipway_DeploymentsSucceeded_sum",
                      {"dimension_Application": "app", "dimension_DeploymentGroup": "web",
                       "unit": "Count"}) == 1
        assert sample(text, "cloudwatch_Slipway_ApiErrors_sum",
                      {"dimension_Operation": "CreateDeployment",
                       "dimension_Service": "codedeploy", "unit": "Count"}) == 0
    finally:
        agent.stop()
