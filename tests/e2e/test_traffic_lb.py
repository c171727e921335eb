"""Load balancers behind slipwayd: a real HAProxy (its config written here, its Runtime API on a
UNIX socket in the temporary directory) in front of two tiny loopback HTTP servers, one of which
answers 500, declared to slipwayd through --config.  Requests sent through HAProxy come back as
AWS/ApplicationELB metrics read with boto3 (RequestCount, HTTPCode_Target_5XX_Count,
HealthyHostCount by {TargetGroup, LoadBalancer}, per target and per balancer), and `slipway lb
list|show` print the balancers; one that cannot be reached is reported, and warned about once."""
import http.server
import json
import os
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from conftest import Server
from ports import listening_socket
from test_cli import fails, js, ok, table

HAPROXY = "/usr/sbin/haproxy"
pytestmark = pytest.mark.skipif(not os.access(HAPROXY, os.X_OK), reason="no " + HAPROXY)


class Backend(http.server.ThreadingHTTPServer):
    daemon_threads = True


def http_backend(status):
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"ok\n" if status == 200 else b"broken\n"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = Backend(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.fixture
def haproxy(tmp_path):
    good, bad = http_backend(200), http_backend(500)
    front = listening_socket()
    sock = str(tmp_path / "haproxy.sock")
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(f"""global
    stats socket {sock} level admin
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
frontend fe
    bind fd@{front.fileno()}
    default_backend app
backend app
    balance roundrobin
    server i-good 127.0.0.1:{good.server_address[1]} check inter 200ms
    server i-bad 127.0.0.1:{bad.server_address[1]} check inter 200ms
""")
    log = open(tmp_path / "haproxy.log", "w")
    p = subprocess.Popen([HAPROXY, "-db", "-f", str(cfg)], pass_fds=[front.fileno()],
                         stdout=log, stderr=log)
    deadline = time.time() + 10
    while not os.path.exists(sock):
        assert p.poll() is None and time.time() < deadline, (tmp_path / "haproxy.log").read_text()
        time.sleep(0.05)
    h = {"sock": sock, "port": front.getsockname()[1]}
    yield h
    p.terminate()
    p.wait(timeout=10)
    log.close()
    front.close()
    good.shutdown()
    bad.shutdown()


def haproxy_cmd(sock, cmd):
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(sock)
    s.sendall(cmd.encode() + b"\n")
    out = b""
    while True:
        c = s.recv(65536)
        if not c:
            break
        out += c
    s.close()
    return out.decode()


@pytest.fixture
def lbserver(tmp_path, haproxy):
    conf = tmp_path / "slipwayd.conf"
    conf.write_text(f"""# the balancers slipwayd drives
load-balancer edge={haproxy['sock']}
load-balancer gone={tmp_path}/no-such.sock

lb-scrape-interval 1
deregistration-delay 5
""")
    s = Server(tmp_path / "data", tmp_path / "slipwayd.log",
               ["--config", str(conf), "--time-scale", "60"]).start()
    yield s
    rc = s.stop()
    s.release_port()
    log = s.read_log()
    assert rc == 0, log
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log


def datapoints(cw, name, dims, stat):
    now = time.time()
    r = cw.get_metric_statistics(Namespace="AWS/ApplicationELB", MetricName=name,
                                 Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
                                 StartTime=now - 600, EndTime=now + 120, Period=60,
                                 Statistics=[stat])
    return sorted(r["Datapoints"], key=lambda d: d["Timestamp"])


def total(cw, name, dims):
    return sum(d["Sum"] for d in datapoints(cw, name, dims, "Sum"))


def wait_for(what, fn, timeout=20):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        assert time.time() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def servers(server):
    doc = js(server, "lb", "show", "edge")
    return {s["name"]: s for b in doc["backends"] for s in b["servers"]}


def test_metrics_and_cli(lbserver, haproxy):
    server = lbserver
    cw = server.client("cloudwatch")
    tg = {"TargetGroup": "app", "LoadBalancer": "edge"}
    log = server.read_log()
    assert "load balancer 'edge' on %s: 1 backend" % haproxy["sock"] in log
    assert "load balancer 'gone'" in log and "No such file or directory" in log

    # both servers up (their health checks passed), and the first scrape taken as baseline
    wait_for("both servers UP",
             lambda: all(s["state"] == "serving" for s in servers(server).values()))
    wait_for("HealthyHostCount 2",
             lambda: any(d["Maximum"] == 2
                         for d in datapoints(cw, "HealthyHostCount", tg, "Maximum")))

    n = 40
    failed = 0
    for _ in range(n):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{haproxy['port']}/", timeout=5).read()
        except urllib.error.HTTPError as e:
            assert e.code == 500
            failed += 1
    assert failed == n // 2  # round robin over the two

    wait_for("RequestCount 40", lambda: total(cw, "RequestCount", tg) == n)
    wait_for("5XX 20", lambda: total(cw, "HTTPCode_Target_5XX_Count", tg) == n // 2)
    assert total(cw, "HTTPCode_Target_2XX_Count", tg) == n // 2
    assert total(cw, "HTTPCode_Target_5XX_Count", {"TargetGroup": "app"}) == n // 2
    assert total(cw, "RequestCount", {"LoadBalancer": "edge"}) == n
    assert total(cw, "HTTPCode_Target_5XX_Count",
                 {"TargetGroup": "app", "Target": "i-bad"}) == n // 2
    assert total(cw, "HTTPCode_Target_5XX_Count",
                 {"TargetGroup": "app", "Target": "i-good"}) == 0
    assert total(cw, "RequestCount", {"TargetGroup": "app", "Target": "i-good"}) == n // 2
    rt = datapoints(cw, "TargetResponseTime", tg, "Maximum")
    assert rt and all(d["Unit"] == "Seconds" for d in rt)
    # nothing was published for the balancer that cannot be reached
    assert total(cw, "RequestCount", {"LoadBalancer": "gone"}) == 0
    assert datapoints(cw, "HealthyHostCount", {"LoadBalancer": "gone"}, "Maximum") == []

    # a server in maintenance counts as neither healthy nor unhealthy
    assert haproxy_cmd(haproxy["sock"], "set server app/i-bad state maint").strip() == ""
    t = time.time()
    wait_for("HealthyHostCount 1 after maint",
             lambda: [d for d in datapoints(cw, "HealthyHostCount", tg, "Minimum")
                      if d["Timestamp"].timestamp() >= t - 1 and d["Minimum"] == 1])
    assert all(d["Maximum"] == 0
               for d in datapoints(cw, "UnHealthyHostCount", tg, "Maximum"))

    # slipway lb list | show
    rows = table(ok(server, "lb", "list").stdout)
    assert rows[0] == ["NAME", "DRIVER", "SOCKET", "REACHABLE", "BACKENDS"]
    assert ["edge", "haproxy", haproxy["sock"], "yes", "app"] in rows
    gone = [r for r in rows if r[0] == "gone"][0]
    assert gone[3] == "no" and "cannot connect: No such file or directory" in gone[4]
    lbs = js(server, "lb", "list")
    assert [lb["name"] for lb in lbs] == ["edge", "gone"]
    assert lbs[0]["backends"] == ["app"] and lbs[0]["reachable"] is True

    out = ok(server, "lb", "show", "edge").stdout
    assert out.splitlines()[0] == f"edge (haproxy on {haproxy['sock']})"
    rows = {r[1]: r for r in table(out)[2:]}
    assert rows["i-bad"][2:5] == ["MAINT", "out", "1"]
    assert rows["i-bad"][7] == str(n // 2)
    assert rows["i-good"][2:4] == ["UP", "serving"]
    assert rows["i-good"][6] == str(n // 2)

    p = fails(server, 1, "lb", "show", "nope")
    assert "LoadBalancerNotFoundException" in p.stderr and "'nope'" in p.stderr
    p = fails(server, 1, "lb", "show", "gone")
    assert "LoadBalancerUnavailableException" in p.stderr
    assert "haproxy 'gone'" in p.stderr and "No such file or directory" in p.stderr
    p = fails(server, 1, "lb", "show", "edge", "--target-group", "other")
    assert "TargetGroupNotFoundException" in p.stderr

    # one warning for the outage, however many scrapes saw it
    assert server.read_log().count("cannot read load balancer 'gone'") == 1


def test_config_file_errors(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("load-balancer web\n")
    slipwayd = os.path.join(os.environ.get("SLIPWAY_BUILD", "build"), "src/server/slipwayd")
    p = subprocess.run([slipwayd, "--config", str(conf), "--data", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2
    assert "NAME=SOCKET" in p.stderr and f"{conf}:1" in p.stderr
    conf.write_text("# a comment\nno-such-option 1\n")
    p = subprocess.run([slipwayd, "--config", str(conf), "--data", str(tmp_path / "d")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and f"{conf}:2: 'no-such-option'" in p.stderr
    p = subprocess.run([slipwayd, "--data", str(tmp_path / "d"), "--load-balancer",
                        "x=tcp:example.com:1"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "not an IP address" in p.stderr
    shutil.rmtree(tmp_path / "d", ignore_errors=True)
