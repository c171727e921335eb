"""`slipway` and load balancers: the group options that make a WITH_TRAFFIC_CONTROL or a
blue/green group (read back with boto3), `deploy continue [--termination]` and the server's
refusals, `deploy create --green`, and `deploy watch` naming each host's traffic state while an
in-place deployment WITH_TRAFFIC_CONTROL runs behind a real HAProxy (tests/e2e/haproxy.py), with
a bounded client on loopback sending requests through it, and through a blue/green deployment's
Ready wait and termination wait (each ended with `deploy continue`)."""
import http.server
import json
import re
import threading
import time
import urllib.request

import pytest
from agents import Fleet, FakeAgent, dserver, wait_until  # noqa: F401
from test_cli import fails, js, kv, ok

import haproxy

SLIPWAYD_ARGS = ["--poll-timeout", "3", "--agent-timeout", "300", "--event-timeout", "300",
                 "--deregistration-delay", "1", "--allow-traffic-timeout", "20"]


def rev(tag="v1"):
    return json.dumps({"revisionType": "String",
                       "string": {"content": f"version: 0.0\nos: linux\n# {tag}\n"}})


def group_info(cd, name, app="web"):
    return cd.get_deployment_group(applicationName=app,
                                   deploymentGroupName=name)["deploymentGroupInfo"]


def test_group_options_make_traffic_and_blue_green_groups(dserver):
    cd = dserver.client("codedeploy")
    ok(dserver, "app", "create", "web")
    ok(dserver, "group", "create", "--app", "web", "behind", "--tag", "role=web",
       "--target-group", "web-tg", "--traffic-control")
    g = group_info(cd, "behind")
    assert g["deploymentStyle"] == {"deploymentType": "IN_PLACE",
                                    "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    assert g["loadBalancerInfo"] == {"targetGroupInfoList": [{"name": "web-tg"}]}
    shown = kv(ok(dserver, "group", "show", "--app", "web", "behind").stdout)
    assert shown["style"] == "in-place, with traffic control"
    assert shown["target groups"] == "web-tg"

    ok(dserver, "group", "create", "--app", "web", "bg", "--tag", "fleet=blue",
       "--target-group", "web-tg", "--blue-green", "--ready-wait", "30",
       "--terminate-blue", "5")
    g = group_info(cd, "bg")
    assert g["deploymentStyle"] == {"deploymentType": "BLUE_GREEN",
                                    "deploymentOption": "WITH_TRAFFIC_CONTROL"}
    bg = g["blueGreenDeploymentConfiguration"]
    assert bg["deploymentReadyOption"] == {"actionOnTimeout": "STOP_DEPLOYMENT",
                                           "waitTimeInMinutes": 30}
    assert bg["terminateBlueInstancesOnDeploymentSuccess"] == {
        "action": "TERMINATE", "terminationWaitTimeInMinutes": 5}

    # an update changes the part given and keeps the rest of each object
    ok(dserver, "group", "update", "--app", "web", "bg", "--keep-blue")
    bg = group_info(cd, "bg")["blueGreenDeploymentConfiguration"]
    assert bg["terminateBlueInstancesOnDeploymentSuccess"] == {
        "action": "KEEP_ALIVE", "terminationWaitTimeInMinutes": 0}
    assert bg["deploymentReadyOption"]["waitTimeInMinutes"] == 30
    assert group_info(cd, "bg")["deploymentStyle"]["deploymentType"] == "BLUE_GREEN"
    ok(dserver, "group", "update", "--app", "web", "bg", "--no-ready-wait")
    assert group_info(cd, "bg")["blueGreenDeploymentConfiguration"][
        "deploymentReadyOption"]["actionOnTimeout"] == "CONTINUE_DEPLOYMENT"
    ok(dserver, "group", "update", "--app", "web", "behind", "--no-traffic-control")
    assert group_info(cd, "behind")["deploymentStyle"] == {
        "deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"}
    assert group_info(cd, "behind")["loadBalancerInfo"] == {
        "targetGroupInfoList": [{"name": "web-tg"}]}

    # contradictions are usage errors, before any request
    p = fails(dserver, 2, "group", "create", "--app", "web", "x", "--tag", "a=b",
              "--ready-wait", "5")
    assert "--ready-wait is a setting of blue/green groups: add --blue-green" in p.stderr
    p = fails(dserver, 2, "group", "create", "--app", "web", "x", "--blue-green",
              "--keep-blue", "--terminate-blue", "5")
    assert "--keep-blue or --terminate-blue, not both" in p.stderr
    p = fails(dserver, 2, "group", "create", "--app", "web", "x", "--blue-green",
              "--ready-wait", "soon")
    assert "--ready-wait takes minutes" in p.stderr
    # what only the server knows: traffic control needs a load balancer
    p = fails(dserver, 1, "group", "create", "--app", "web", "x", "--tag", "a=b",
              "--traffic-control")
    assert "InvalidLoadBalancerInfo" in p.stderr and "WITH_TRAFFIC_CONTROL" in p.stderr
    assert "x" not in cd.list_deployment_groups(applicationName="web")["deploymentGroups"]


def test_continue_termination_and_a_target_group_without_a_balancer(dserver):
    cd = dserver.client("codedeploy")
    Fleet(dserver).add("host-1")  # no agent: the deployment waits for it
    ok(dserver, "app", "create", "web")
    ok(dserver, "group", "create", "--app", "web", "lbonly", "--tag", "role=web",
       "--target-group", "ghost-tg")
    did = ok(dserver, "deploy", "create", "--app", "web", "--group", "lbonly", "--revision",
             rev(), "--output", "text").stdout.strip()
    wait_until(lambda: cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"]
               == "InProgress", "the deployment starts")

    p = fails(dserver, 1, "deploy", "continue", did, "--termination")
    assert "UnsupportedActionForDeploymentType" in p.stderr, p.stderr
    assert "in-place deployment" in p.stderr
    p = fails(dserver, 1, "deploy", "continue", did)
    assert "DeploymentIsNotInReadyState" in p.stderr, p.stderr

    ok(dserver, "deploy", "stop", did, "--no-rollback")
    wait_until(lambda: cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"]
               == "Stopped", "the deployment stops")
    # slipwayd declares no balancer: the watch says so once and watches as before
    p = fails(dserver, 1, "deploy", "watch", did)
    lines = p.stdout.splitlines()
    note = "target group ghost-tg: no load balancer is declared to slipwayd (--load-balancer)"
    assert lines.count(note) == 1, p.stdout
    assert f"deployment {did}: Stopped" in p.stdout
    assert not any(": traffic " in line for line in lines), p.stdout
    out = js(dserver, "deploy", "show", did)
    assert out["loadBalancerInfo"] == {"targetGroupInfoList": [{"name": "ghost-tg"}]}


def test_deploy_create_green_sends_target_instances(dserver):
    cd = dserver.client("codedeploy")
    fleet = Fleet(dserver)
    fleet.add("blue-1", {"fleet": "blue"})
    fleet.add("green-1", {"fleet": "green"})
    ok(dserver, "app", "create", "web")
    ok(dserver, "group", "create", "--app", "web", "bg", "--tag", "fleet=blue",
       "--target-group", "web-tg", "--blue-green")
    did = ok(dserver, "deploy", "create", "--app", "web", "--group", "bg", "--revision",
             rev(), "--green", "fleet=green", "--output", "text").stdout.strip()
    info = cd.get_deployment(deploymentId=did)["deploymentInfo"]
    assert info["targetInstances"]["tagFilters"] == [
        {"Key": "fleet", "Value": "green", "Type": "KEY_AND_VALUE"}]
    assert info["deploymentStyle"]["deploymentType"] == "BLUE_GREEN"
    ok(dserver, "deploy", "stop", did, "--no-rollback")
    wait_until(lambda: cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"]
               in ("Stopped", "Failed"), "the deployment stops")


# ---- the watch behind a real HAProxy -----------------------------------------------------------

class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class _Backend(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # HAProxy's health checks hang up without reading the answer


def _backend():
    srv = _Backend(("127.0.0.1", 0), _Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


@pytest.mark.skipif(not haproxy.available(), reason="no haproxy")
def test_watch_names_each_hosts_traffic_state(tmp_path):
    from conftest import Server

    names = ("web-1", "web-2")
    backends = {n: _backend() for n in names}
    lb = haproxy.HAProxy(tmp_path, {"web-tg": [haproxy.Server(n, backends[n].server_address[1])
                                               for n in names]})
    lb.start()
    server = Server(tmp_path / "data", tmp_path / "slipwayd.log",
                    SLIPWAYD_ARGS + ["--load-balancer", f"edge={lb.socket}"])
    server.start()
    agents, stop, sent = [], threading.Event(), [0]
    try:
        lb.wait_status("web-tg", names, "UP")
        fleet = Fleet(server)
        agents = [FakeAgent(server, fleet.add(n)).run(delay=0.25) for n in names]
        ok(server, "app", "create", "web")
        ok(server, "group", "create", "--app", "web", "prod", "--tag", "role=web",
           "--target-group", "web-tg", "--traffic-control")

        def load():  # bounded: 30 s or 3000 requests, loopback only
            deadline = time.time() + 30
            while not stop.is_set() and time.time() < deadline and sent[0] < 3000:
                try:
                    urllib.request.urlopen(lb.url + "/", timeout=5).read()
                except OSError:
                    pass
                sent[0] += 1
                stop.wait(0.01)
        client = threading.Thread(target=load, daemon=True)
        client.start()
        did = ok(server, "deploy", "create", "--app", "web", "--group", "prod", "--revision",
                 rev(), "--output", "text").stdout.strip()
        p = ok(server, "deploy", "watch", did, timeout=120)
        stop.set()
        client.join(timeout=10)
    finally:
        stop.set()
        for a in agents:
            a.stop()
        rc = server.stop()
        server.release_port()
        lb.close()
        for b in backends.values():
            b.shutdown()
    lines = p.stdout.splitlines()
    assert "\x1b" not in p.stdout
    for n in names:
        states = [line.split(": traffic ", 1)[1] for line in lines
                  if line.startswith(f"{n}: traffic ")]
        # out of traffic while its revision changed, serving again at the end
        assert "out" in states and states[-1] == "serving", (n, p.stdout)
    totals = [line for line in lines if line.startswith("target group web-tg on edge: ")]
    assert totals, p.stdout
    assert all(re.search(r"\d+\.\d req/s, \d+\.\d 5xx/s$", t) for t in totals), totals
    assert any("1 out" in t for t in totals), totals
    assert f"deployment {did}: Succeeded" in p.stdout
    assert rc == 0


@pytest.mark.skipif(not haproxy.available(), reason="no haproxy")
def test_watch_follows_a_blue_green_deployment_through_its_waits(tmp_path):
    import subprocess
    from conftest import CLI, Server
    from test_cli import cli_env

    names = ("blue-1", "green-1")
    backends = {n: _backend() for n in names}
    lb = haproxy.HAProxy(tmp_path, {"web-tg": [
        haproxy.Server(n, backends[n].server_address[1], maint=n.startswith("green"))
        for n in names]})
    lb.start()
    server = Server(tmp_path / "data", tmp_path / "slipwayd.log",
                    SLIPWAYD_ARGS + ["--load-balancer", f"edge={lb.socket}"])
    server.start()
    agents, lines, watch = [], [], None
    try:
        lb.wait_status("web-tg", ["blue-1"], "UP")
        fleet = Fleet(server)
        agents = [FakeAgent(server, fleet.add(n, {"fleet": n.split("-")[0]})).run()
                  for n in names]
        ok(server, "app", "create", "web")
        ok(server, "group", "create", "--app", "web", "bg", "--tag", "fleet=blue",
           "--target-group", "web-tg", "--blue-green", "--ready-wait", "30",
           "--terminate-blue", "30")
        did = ok(server, "deploy", "create", "--app", "web", "--group", "bg", "--revision",
                 rev(), "--green", "fleet=green", "--output", "text").stdout.strip()
        watch = subprocess.Popen([CLI, "deploy", "watch", did], env=cli_env(server),
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 stdin=subprocess.DEVNULL)
        reader = threading.Thread(target=lambda: lines.extend(iter(watch.stdout.readline, "")),
                                  daemon=True)
        reader.start()
        ready = f"deployment {did}: waiting for ContinueDeployment: slipway deploy continue {did}\n"
        wait_until(lambda: ready in lines, "the watch says the deployment is Ready", timeout=60)
        ok(server, "deploy", "continue", did)
        wait_until(lambda: any("slipway deploy continue " + did + " --termination" in line
                               for line in lines), "the watch shows the termination wait",
                   timeout=60)
        ok(server, "deploy", "continue", did, "--termination")
        assert watch.wait(timeout=60) == 0, "".join(lines)
        reader.join(timeout=10)
    finally:
        if watch and watch.poll() is None:
            watch.kill()
            watch.wait()
        for a in agents:
            a.stop()
        rc = server.stop()
        server.release_port()
        lb.close()
        for b in backends.values():
            b.shutdown()
    out = "".join(lines)
    assert f"deployment {did}: blue/green, original (Blue) blue-1; replacement (Green) " \
           "green-1\n" in out, out
    assert out.count(ready) == 1, out
    assert "the original instances are deregistered after 30 min" in out, out
    def states(host):
        return [line.split(": traffic ")[1].strip() for line in lines
                if line.startswith(host + ": traffic ")]
    # green waited out of traffic and ends serving; blue served and ends out of it
    assert states("green-1")[0] == "out" and states("green-1")[-1] == "serving", out
    assert states("blue-1")[0] == "serving" and states("blue-1")[-1] == "out", out
    assert f"deployment {did}: Succeeded" in out and rc == 0
    assert "Sanitizer" not in out and "runtime error:" not in out, out
