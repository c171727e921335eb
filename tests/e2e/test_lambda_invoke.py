"""Invoke end to end: real slipwayd, real processes in warm pools, boto3 and the aws CLI."""
import base64
import concurrent.futures
import json
import os
import threading
import urllib.error
import urllib.request

import botocore.exceptions
import pytest

from lambdakit import NODE_HANDLER, PY_BOOTSTRAP, PY_HANDLER, c_bootstrap, create, wait_until


@pytest.fixture
def lam(server):
    return server.client("lambda")


def invoke(lam, name, payload=None, **kw):
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload if payload is not None else {}),
                   **kw)
    body = r["Payload"].read()
    return r, json.loads(body) if body else None


def py_fn(lam, name="fn", **kw):
    return create(lam, name, {"bootstrap": PY_BOOTSTRAP}, **kw)


def test_a_custom_runtime_answers_and_stays_warm(lam):
    py_fn(lam, Environment={"Variables": {"GREETING": "hi"}})
    r, out = invoke(lam, "fn", {"n": 1})
    assert r["StatusCode"] == 200 and "FunctionError" not in r
    assert r["ExecutedVersion"] == "$LATEST"
    assert out["event"] == {"n": 1} and out["version"] == "$LATEST"
    assert out["arn"].endswith(":function:fn")
    assert out["env"]["GREETING"] == "hi"
    assert out["env"]["AWS_LAMBDA_FUNCTION_NAME"] == "fn"
    assert out["env"]["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/fn"
    assert out["env"]["_HANDLER"] == "handler"
    assert out["env"]["AWS_REGION"] == "us-east-1"
    assert out["tmp"]
    # the same environment answers the next invocations: one process, a counter that grows
    r2, out2 = invoke(lam, "fn:$LATEST", {"n": 2})
    r3, out3 = invoke(lam, "fn", {"n": 3})
    assert (out2["pid"], out3["pid"]) == (out["pid"], out["pid"])
    assert (out2["count"], out3["count"]) == (2, 3)
    assert out2["arn"].endswith(":function:fn:$LATEST")


def test_tail_log_has_lambdas_lines(lam):
    py_fn(lam)
    r, _ = invoke(lam, "fn", {}, LogType="Tail")
    log = base64.b64decode(r["LogResult"]).decode()
    rid = r["ResponseMetadata"]["RequestId"]
    assert f"START RequestId: {rid} Version: $LATEST" in log
    assert f"handling {rid}" in log
    assert f"END RequestId: {rid}" in log
    assert f"REPORT RequestId: {rid}" in log and "Billed Duration:" in log
    assert "Max Memory Used:" in log


def test_a_shell_bootstrap(lam):
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "examples", "functions", "hello-sh",
                           "bootstrap")) as f:
        create(lam, "sh", {"bootstrap": f.read()})
    r, out = invoke(lam, "sh", {"a": [1, 2]})
    assert "FunctionError" not in r
    assert out["ok"] is True and out["event"] == {"a": [1, 2]}
    assert out["requestId"] == r["ResponseMetadata"]["RequestId"]
    _, again = invoke(lam, "sh", {})
    assert again["count"] == 2  # the same warm process


def test_a_c_bootstrap(lam):
    binary = c_bootstrap()
    if binary is None:
        pytest.fail("build/examples/functions/hello-c/bootstrap was not built")
    create(lam, "c", {"bootstrap": binary})
    r, out = invoke(lam, "c", {"hello": "c"})
    assert "FunctionError" not in r and r["ExecutedVersion"] == "$LATEST"
    assert out is not None


def test_python_and_node_handlers_run_unchanged(lam):
    create(lam, "py", {"app.py": PY_HANDLER}, runtime="python3.11", handler="app.lambda_handler")
    create(lam, "node", {"index.js": NODE_HANDLER}, runtime="nodejs20.x", handler="index.handler")
    for name, key in (("py", "python"), ("node", "node")):
        r, out = invoke(lam, name, {"x": 1}, LogType="Tail")
        assert "FunctionError" not in r, out
        assert out[key] is True and out["event"] == {"x": 1} and out["version"] == "$LATEST"
        assert 0 < out["remaining"] <= 3000
        _, again = invoke(lam, name, {"x": 2})
        assert again["calls"] == 2  # warm: module state survives
        log = base64.b64decode(r["LogResult"]).decode()
        assert f"{name} handler" in log.replace("python handler", "py handler")
        r, out = invoke(lam, name, {"raise": "nope"})
        assert r["FunctionError"] == "Unhandled"
        assert out["errorMessage"] == "nope"


def test_unknown_runtime_is_refused(lam):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        create(lam, "j", {"x": "y"}, runtime="java21")
    assert ei.value.response["Error"]["Code"] in ("InvalidParameterValueException",
                                                  "ValidationException")


def test_function_errors_crashes_and_timeouts(lam):
    py_fn(lam, Timeout=1)
    r, out = invoke(lam, "fn", {"op": "fail", "message": "it broke"})
    assert r["StatusCode"] == 200 and r["FunctionError"] == "Unhandled"
    assert out["errorMessage"] == "it broke" and out["errorType"] == "Boom"
    _, ok = invoke(lam, "fn", {})
    first_pid = ok["pid"]

    r, out = invoke(lam, "fn", {"op": "crash"})
    assert r["FunctionError"] == "Unhandled"
    assert out["errorType"] == "Runtime.ExitError"
    _, after = invoke(lam, "fn", {})
    assert after["pid"] != first_pid and after["count"] == 1  # a fresh environment

    r, out = invoke(lam, "fn", {"op": "sleep", "seconds": 5})
    assert r["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in out["errorMessage"]
    _, fresh = invoke(lam, "fn", {})
    assert fresh["pid"] != after["pid"] and fresh["count"] == 1


def test_init_errors(lam):
    py_fn(lam, "broken", handler="init-error")
    r, out = invoke(lam, "broken", {})
    assert r["FunctionError"] == "Unhandled"
    assert out["errorMessage"] == "cannot start"
    py_fn(lam, "dies", handler="exit-at-init")
    r, out = invoke(lam, "dies", {})
    assert r["FunctionError"] == "Unhandled"
    assert "Runtime" in out["errorType"]


def test_payload_limits(lam):
    py_fn(lam)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        lam.invoke(FunctionName="fn", Payload=b'"' + b"x" * (6 * 1024 * 1024) + b'"')
    assert ei.value.response["Error"]["Code"] == "RequestTooLargeException"
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        lam.invoke(FunctionName="fn", InvocationType="Event",
                   Payload=b'"' + b"x" * (1024 * 1024 + 10) + b'"')
    assert ei.value.response["Error"]["Code"] == "RequestTooLargeException"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        lam.invoke(FunctionName="fn", Payload=b"{not json")
    assert ei.value.response["Error"]["Code"] == "InvalidRequestContentException"
    # a reply over 6 MB is the function's error, as in Lambda
    r, out = invoke(lam, "fn", {"op": "big", "bytes": 7 * 1024 * 1024})
    assert r["FunctionError"] == "Unhandled"
    assert out["errorType"] == "Function.ResponseSizeTooLarge"
    # a 5 MB reply is fine
    r, out = invoke(lam, "fn", {"op": "big", "bytes": 5 * 1024 * 1024})
    assert "FunctionError" not in r and len(out["data"]) == 5 * 1024 * 1024


def test_invocation_types_and_unknown_functions(lam, server):
    py_fn(lam)
    r = lam.invoke(FunctionName="fn", InvocationType="DryRun")
    assert r["StatusCode"] == 204
    r = lam.invoke(FunctionName="fn", InvocationType="Event", Payload=b"{}")
    assert r["StatusCode"] == 202
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="nope", Payload=b"{}")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="fn", Qualifier="7", Payload=b"{}")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="fn:nosuchalias", Payload=b"{}")
    # the aws CLI writes the payload to a file
    out = os.path.join(server.data_dir, "..", "out.json")
    meta = server.aws("lambda", "invoke", "--function-name", "fn", "--payload", '{"cli": true}',
                      out)
    assert meta["StatusCode"] == 200 and meta["ExecutedVersion"] == "$LATEST"
    with open(out) as f:
        assert json.load(f)["event"] == {"cli": True}


def test_published_versions_run_their_own_code(lam):
    py_fn(lam, Environment={"Variables": {"GREETING": "one"}})
    v1 = lam.publish_version(FunctionName="fn")["Version"]
    lam.update_function_configuration(FunctionName="fn",
                                      Environment={"Variables": {"GREETING": "two"}})
    wait_until(lambda: lam.get_function_configuration(FunctionName="fn")
               ["LastUpdateStatus"] == "Successful", "the update")
    v2 = lam.publish_version(FunctionName="fn")["Version"]
    r1, o1 = invoke(lam, "fn", {}, Qualifier=v1)
    r2, o2 = invoke(lam, f"fn:{v2}", {})
    _, latest = invoke(lam, "fn", {})
    assert (r1["ExecutedVersion"], o1["env"]["GREETING"], o1["version"]) == (v1, "one", v1)
    assert (r2["ExecutedVersion"], o2["env"]["GREETING"]) == (v2, "two")
    assert latest["env"]["GREETING"] == "two" and latest["version"] == "$LATEST"


def test_weighted_alias_splits_10000_invocations(server, lam):
    py_fn(lam)
    v1 = lam.publish_version(FunctionName="fn")["Version"]
    lam.update_function_configuration(FunctionName="fn", Description="second")
    v2 = lam.publish_version(FunctionName="fn")["Version"]
    lam.create_alias(FunctionName="fn", Name="live", FunctionVersion=v1,
                     RoutingConfig={"AdditionalVersionWeights": {v2: 0.1}})
    n, clients = 10000, 8
    counts = {v1: 0, v2: 0}
    lock = threading.Lock()

    def work(k):
        c = server.client("lambda")
        mine = {v1: 0, v2: 0}
        for _ in range(n // clients):
            r = c.invoke(FunctionName="fn", Qualifier="live", Payload=b"{}")
            body = json.loads(r["Payload"].read())
            assert body["version"] == r["ExecutedVersion"]  # the header tells the truth
            assert body["arn"].endswith(":function:fn:live")
            mine[r["ExecutedVersion"]] += 1
        with lock:
            for v, c_ in mine.items():
                counts[v] += c_

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, range(clients)))
    assert counts[v1] + counts[v2] == n
    # binomial(10000, 0.1): sd 30; 5 sd either side fails once in ~1.7 million runs
    assert 850 <= counts[v2] <= 1150, counts


def test_reserved_concurrency_throttles(lam):
    py_fn(lam, Timeout=10)
    lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=1)
    started = threading.Event()
    results = {}

    def slow():
        started.set()
        results["slow"] = invoke(lam, "fn", {"op": "sleep", "seconds": 3})

    t = threading.Thread(target=slow)
    t.start()
    started.wait()
    # wait until the slow invocation holds the one environment
    def throttled():
        try:
            invoke(lam, "fn", {})
            return False
        except botocore.exceptions.ClientError as e:
            return e.response
    resp = wait_until(throttled, "a throttle", timeout=10, every=0.05)
    t.join()
    assert resp["Error"]["Code"] == "TooManyRequestsException"
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert "FunctionError" not in results["slow"][0]
    lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        invoke(lam, "fn", {})
    lam.delete_function_concurrency(FunctionName="fn")
    assert invoke(lam, "fn", {})[0]["StatusCode"] == 200


def test_events_survive_a_restart(server, lam, tmp_path):
    py_fn(lam)
    mark = tmp_path / "events.txt"
    lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=0)
    ids = []
    for _ in range(3):
        r = lam.invoke(FunctionName="fn", InvocationType="Event",
                       Payload=json.dumps({"op": "touch", "path": str(mark)}))
        assert r["StatusCode"] == 202
        ids.append(r["ResponseMetadata"]["RequestId"])
    assert not mark.exists()  # throttled: held in the queue
    server.restart()
    lam = server.client("lambda")
    lam.delete_function_concurrency(FunctionName="fn")
    got = wait_until(lambda: mark.exists() and len(mark.read_text().split()) >= 3 and
                     mark.read_text().split(), "the queued events", timeout=30)
    assert sorted(got) == sorted(ids)  # each delivered once, with its own request id


@pytest.mark.slipwayd_args("--time-scale", "60")
def test_failed_events_are_retried_twice(server, lam):
    py_fn(lam)
    logs = server.client("logs")
    r = lam.invoke(FunctionName="fn", InvocationType="Event",
                   Payload=json.dumps({"op": "fail", "message": "again"}))
    rid = r["ResponseMetadata"]["RequestId"]

    def starts():
        try:
            ev = logs.filter_log_events(logGroupName="/aws/lambda/fn",
                                        filterPattern=f'"START RequestId: {rid}"')["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        return len(ev) if len(ev) >= 3 else None

    assert wait_until(starts, "three deliveries", timeout=40, every=0.5) == 3
    # and no fourth
    import time
    time.sleep(4)
    assert starts() == 3


def test_logs_and_metrics_after_a_burst(server, lam):
    py_fn(lam)
    n = 40
    for i in range(n):
        invoke(lam, "fn", {"i": i})
    invoke(lam, "fn", {"op": "fail", "message": "x"})
    logs = server.client("logs")

    def all_logged():
        try:
            ev = logs.filter_log_events(logGroupName="/aws/lambda/fn",
                                        filterPattern='"REPORT RequestId"')["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        return ev if len(ev) == n + 1 else None

    ev = wait_until(all_logged, "the REPORT lines", timeout=30)
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/fn")["logStreams"]
    assert len(streams) == 1  # one warm environment, one stream
    name = streams[0]["logStreamName"]
    assert name.count("/") == 3 and "[$LATEST]" in name
    assert all(e["logStreamName"] == name for e in ev)

    cw = server.client("cloudwatch")
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)

    def stat(metric, statistic="Sum"):
        pts = cw.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": "fn"}],
            StartTime=now - datetime.timedelta(minutes=10),
            EndTime=now + datetime.timedelta(minutes=5), Period=3600,
            Statistics=[statistic])["Datapoints"]
        return pts[0][statistic] if pts else None

    wait_until(lambda: stat("Invocations") == n + 1, "Invocations", timeout=40, every=1)
    assert stat("Errors") == 1
    assert stat("Duration", "SampleCount") == n + 1
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="AWS/Lambda")["Metrics"]}
    assert {"Invocations", "Errors", "Duration"} <= names


def test_a_function_url_serves_plain_http_through_a_weighted_alias(server, lam):
    py_url = '''import json, os, base64
def handler(event, context):
    if event["rawPath"] == "/teapot":
        return {"statusCode": 418, "headers": {"X-Kind": "teapot"}, "body": "short and stout",
                "cookies": ["a=1"]}
    if event["rawPath"] == "/plain":
        return {"just": "json"}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"version": context.function_version,
                                "method": event["requestContext"]["http"]["method"],
                                "path": event["rawPath"], "query": event.get("rawQueryString"),
                                "qs": event.get("queryStringParameters"),
                                "body": event.get("body"), "b64": event["isBase64Encoded"],
                                "header": event["headers"].get("x-test"),
                                "cookies": event.get("cookies")})}
'''
    create(lam, "web", {"app.py": py_url}, runtime="python3.12", handler="app.handler")
    v1 = lam.publish_version(FunctionName="web")["Version"]
    lam.update_function_configuration(FunctionName="web", Description="v2")
    v2 = lam.publish_version(FunctionName="web")["Version"]
    lam.create_alias(FunctionName="web", Name="prod", FunctionVersion=v1,
                     RoutingConfig={"AdditionalVersionWeights": {v2: 0.3}})
    url = lam.create_function_url_config(FunctionName="web", Qualifier="prod",
                                         AuthType="NONE")["FunctionUrl"]
    assert url.startswith(server.endpoint + "/lambda-url/")

    req = urllib.request.Request(url.rstrip("/") + "/echo/me?x=1&y=2&x=3", data=b'{"hi": 1}',
                                 method="POST", headers={"Content-Type": "application/json",
                                                         "X-Test": "yes", "Cookie": "c=1; d=2"})
    with urllib.request.urlopen(req, timeout=10) as r:
        out = json.loads(r.read())
    assert out["method"] == "POST" and out["path"] == "/echo/me"
    assert out["query"] == "x=1&y=2&x=3" and out["qs"] == {"x": "1,3", "y": "2"}
    assert out["body"] == '{"hi": 1}' and out["b64"] is False
    assert out["header"] == "yes" and out["cookies"] == ["c=1", "d=2"]

    try:
        urllib.request.urlopen(url.rstrip("/") + "/teapot", timeout=10)
        raise AssertionError("418 expected")
    except urllib.error.HTTPError as e:
        assert e.code == 418 and e.headers["X-Kind"] == "teapot"
        assert e.headers["Set-Cookie"] == "a=1" and e.read() == b"short and stout"
    with urllib.request.urlopen(url.rstrip("/") + "/plain", timeout=10) as r:
        assert r.headers["Content-Type"] == "application/json"
        assert json.loads(r.read()) == {"just": "json"}

    seen = {v1: 0, v2: 0}
    for _ in range(400):
        with urllib.request.urlopen(url, timeout=10) as r:
            seen[json.loads(r.read())["version"]] += 1
    # binomial(400, 0.3): sd 9.2; 5 sd either side
    assert 74 <= seen[v2] <= 166, seen

    # AWS_IAM: unsigned requests are refused
    lam.create_function_url_config(FunctionName="web", AuthType="AWS_IAM")
    iam_url = lam.get_function_url_config(FunctionName="web")["FunctionUrl"]
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(iam_url, timeout=10)
    assert ei.value.code == 403
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(server.endpoint + "/lambda-url/nosuchurl0000/", timeout=10)
    assert ei.value.code == 404


def test_concurrent_invocations_use_several_environments(lam):
    py_fn(lam, Timeout=10)
    lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=4)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: invoke(lam, "fn", {"op": "sleep", "seconds": 1}),
                             range(4)))
    assert all("FunctionError" not in r for r, _ in outs)
    # one invocation at a time per environment: four at once took four processes
    assert len({o["pid"] for _, o in outs}) == 4
    # and they stay warm: the next four land on those processes
    again = [invoke(lam, "fn", {})[1]["pid"] for _ in range(4)]
    assert set(again) <= {o["pid"] for _, o in outs}


def test_provisioned_concurrency_keeps_environments_warm(server, lam):
    py_fn(lam)
    v = lam.publish_version(FunctionName="fn")["Version"]
    lam.create_alias(FunctionName="fn", Name="warm", FunctionVersion=v)
    lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="warm",
                                           ProvisionedConcurrentExecutions=2)

    def warm_first():
        r, out = invoke(lam, "fn", {}, Qualifier="warm", LogType="Tail")
        return (r, out) if out["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == \
            "provisioned-concurrency" else None

    r, out = wait_until(warm_first, "a provisioned environment", timeout=15)
    assert "Init Duration" not in base64.b64decode(r["LogResult"]).decode()
    # on-demand environments of other versions say so
    _, latest = invoke(lam, "fn", {})
    assert latest["env"]["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    # the configuration is kept warm again after a restart
    server.restart()
    lam = server.client("lambda")
    r, out = wait_until(warm_first, "a provisioned environment after the restart", timeout=15)
    assert out["count"] == 1


@pytest.mark.slipwayd_args("--time-scale", "60")
def test_an_aws_alarm_watches_a_versions_errors(server, lam):
    py_fn(lam)
    v = lam.publish_version(FunctionName="fn")["Version"]
    lam.create_alias(FunctionName="fn", Name="live", FunctionVersion=v)
    cw = server.client("cloudwatch")
    dims = [{"Name": "FunctionName", "Value": "fn"}, {"Name": "Resource", "Value": "fn:live"},
            {"Name": "ExecutedVersion", "Value": v}]
    # the alarm an AWS user writes for a version behind an alias
    cw.put_metric_alarm(AlarmName="fn-errors", Namespace="AWS/Lambda", MetricName="Errors",
                        Dimensions=dims, Statistic="Sum", Period=60, EvaluationPeriods=1,
                        Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
                        TreatMissingData="notBreaching")
    invoke(lam, "fn", {}, Qualifier="live")
    r, _ = invoke(lam, "fn", {"op": "fail", "message": "bad"}, Qualifier="live")
    assert r["FunctionError"] == "Unhandled"

    def alarmed():
        a = cw.describe_alarms(AlarmNames=["fn-errors"])["MetricAlarms"][0]
        return a if a["StateValue"] == "ALARM" else None

    wait_until(alarmed, "the alarm on the version's errors", timeout=60, every=1)
    names = {(m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
             for m in cw.list_metrics(Namespace="AWS/Lambda")["Metrics"]}
    assert ("Invocations", (("ExecutedVersion", v), ("FunctionName", "fn"),
                            ("Resource", "fn:live"))) in names
    assert ("Invocations", (("FunctionName", "fn"), ("Resource", "fn:live"))) in names
