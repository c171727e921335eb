"""CloudWatch's three fronts (reference/cloudwatch.md §1.1-§1.6): the query protocol (Debian's
boto3 1.26 speaks it), Smithy RPC v2 CBOR (botocore 1.43 forced to it through AWS_DATA_PATH,
tests/e2e/cw_cbor_client.py) and gzip-compressed request bodies.  Each front only decodes into
and encodes from the JSON object of the handlers, so an operation answers alike in every
protocol, in that protocol's shape."""
import datetime
import gzip
import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest

CBOR_PYTHON = "/root/.pyenv/versions/3.11.7/bin/python3"
NS = "{http://monitoring.amazonaws.com/doc/2010-08-01/}"
CBOR_PATH = "/service/GraniteServiceVersion20100801/operation/"

needs_cbor_client = pytest.mark.skipif(not os.path.exists(CBOR_PYTHON),
                                       reason="botocore 1.43 (for CBOR) is not installed")


def cbor_calls(server, tmp_path, *calls, secret_key=None):
    """Runs calls ((op, params) pairs) with the CBOR client; returns one result per call."""
    req = {"endpoint": server.endpoint, "access_key": server.access_key,
           "secret_key": secret_key or server.secret_key, "data_dir": str(tmp_path / "models"),
           "calls": [{"op": op, "params": params} for op, params in calls]}
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    p = subprocess.run([CBOR_PYTHON, os.path.join(os.path.dirname(__file__), "cw_cbor_client.py")],
                       input=json.dumps(req), capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def signed(server, method, path, body=b"", headers=None, query=None, secret_key=None):
    """A raw SigV4-signed request to the monitoring service: (status, headers, body)."""
    url = server.endpoint + path + ("?" + urllib.parse.urlencode(query) if query else "")
    req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body,
                                         headers=dict(headers or {}))
    creds = botocore.credentials.Credentials(server.access_key,
                                             secret_key or server.secret_key)
    botocore.auth.SigV4Auth(creds, "monitoring", "us-east-1").add_auth(req)
    r = urllib.request.Request(url, data=body if method != "GET" else None, method=method,
                               headers=dict(req.headers))
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def query_error(body):
    """(Type, Code, Message, RequestId) of a query <ErrorResponse>."""
    root = ET.fromstring(body)
    assert root.tag == NS + "ErrorResponse"
    err = root.find(NS + "Error")
    return (err.findtext(NS + "Type"), err.findtext(NS + "Code"), err.findtext(NS + "Message"),
            root.findtext(NS + "RequestId"))


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

# ---- query -----------------------------------------------------------------------------------


def test_query_not_implemented_is_a_clean_error(server):
    cw = server.client("cloudwatch")
    assert cw.meta.service_model.protocol == "query"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cw.list_dashboards()
    err = ei.value.response
    assert err["Error"]["Code"] == "NotImplementedException"
    assert err["Error"]["Type"] == "Receiver"  # a 501 is the server's
    assert "ListDashboards" in err["Error"]["Message"]
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert err["ResponseMetadata"]["RequestId"]


def test_query_error_shapes(server):
    # an unknown Action
    status, headers, body = signed(server, "POST", "/", b"Action=NoSuchThing&Version=2010-08-01",
                                   FORM)
    assert status == 400
    assert headers["Content-Type"] == "text/xml"
    typ, code, msg, rid = query_error(body)
    assert (typ, code) == ("Sender", "InvalidAction")
    assert "NoSuchThing" in msg and rid == headers["x-amzn-RequestId"]
    # no Action at all
    status, _, body = signed(server, "POST", "/", b"Version=2010-08-01", FORM)
    assert status == 400 and query_error(body)[1] == "InvalidAction"
    # a wrong signature is the query protocol's 403
    status, _, body = signed(server, "POST", "/", b"Action=ListMetrics&Version=2010-08-01", FORM,
                             secret_key="wrong")
    assert status == 403
    assert query_error(body)[:2] == ("Sender", "SignatureDoesNotMatch")
    # a GET with the form in the URL is the same protocol
    status, headers, body = signed(server, "GET", "/",
                                   query={"Action": "ListDashboards", "Version": "2010-08-01"})
    assert status == 501 and headers["Content-Type"] == "text/xml"
    assert query_error(body)[1] == "NotImplementedException"


def test_query_bad_form_is_refused_before_any_handler(server):
    status, _, body = signed(server, "POST", "/", b"Action=ListMetrics&Namespace=%zz", FORM)
    assert status == 400
    assert query_error(body)[1] == "ValidationError"


# ---- CBOR ------------------------------------------------------------------------------------


@needs_cbor_client
def test_cbor_not_implemented_is_a_clean_error(server, tmp_path):
    [r] = cbor_calls(server, tmp_path, ("list_dashboards", {}))
    assert r["sent"]["url"].endswith(CBOR_PATH + "ListDashboards")
    assert r["sent"]["headers"]["smithy-protocol"] == "rpc-v2-cbor"
    assert r["exception"] == "ClientError"
    assert r["status"] == 501
    assert r["error"]["Code"] == "NotImplementedException"
    assert "ListDashboards" in r["error"]["Message"]
    assert r["headers"]["smithy-protocol"] == "rpc-v2-cbor"
    assert r["headers"]["content-type"] == "application/cbor"
    assert r["headers"]["x-amzn-requestid"]


@needs_cbor_client
def test_cbor_error_shapes(server, tmp_path):
    [r] = cbor_calls(server, tmp_path, ("list_dashboards", {}), secret_key="wrong")
    assert r["status"] == 400
    assert r["error"]["Code"] == "InvalidSignatureException"
    assert r["headers"]["smithy-protocol"] == "rpc-v2-cbor"
    # X-Amz-Target on the CBOR path is refused (Smithy's rule), in CBOR
    status, headers, body = signed(
        server, "POST", CBOR_PATH + "ListMetrics", b"\xa0",
        {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor",
         "X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics"})
    assert status == 400
    assert headers["Content-Type"] == "application/cbor"
    assert headers["smithy-protocol"] == "rpc-v2-cbor"
    assert b"__type" in body and b"X-Amz-Target" in body
    # an unknown operation in the path
    status, headers, body = signed(server, "POST", CBOR_PATH + "NoSuchThing", b"\xa0",
                                   {"smithy-protocol": "rpc-v2-cbor"})
    assert status == 400 and b"UnknownOperationException" in body


# ---- both, on the handlers the lead lands ----------------------------------------------------


def _implemented(server, op):
    status, _, _ = signed(server, "POST", "/", f"Action={op}&Version=2010-08-01".encode(), FORM)
    return status != 501


@needs_cbor_client
def test_put_and_get_metric_statistics_in_both_protocols(server, tmp_path):
    if not (_implemented(server, "PutMetricData") and _implemented(server, "GetMetricStatistics")):
        pytest.skip("PutMetricData / GetMetricStatistics not implemented yet")
    cw = server.client("cloudwatch")
    ts = (int(time.time()) // 60 - 5) * 60  # a whole minute, within the accepted window
    when = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    dims = [{"Name": "FunctionName", "Value": "f"}]
    cw.put_metric_data(Namespace="App", MetricData=[
        {"MetricName": "Errors", "Dimensions": dims, "Timestamp": when, "Value": 5.0,
         "Unit": "Count"}])
    put, got = cbor_calls(server, tmp_path,
                          ("put_metric_data", {"Namespace": "App", "MetricData": [
                              {"MetricName": "Errors", "Dimensions": dims, "Timestamp": ts + 1,
                               "Value": 2.5, "Unit": "Count"}]}),
                          ("get_metric_statistics", {
                              "Namespace": "App", "MetricName": "Errors", "Dimensions": dims,
                              "StartTime": ts, "EndTime": ts + 60, "Period": 60,
                              "Statistics": ["Sum", "SampleCount"]}))
    assert "ok" in put, put
    assert "content-type" not in put["headers"]  # no output shape: no body
    [dp] = got["ok"]["Datapoints"]
    assert dp["Sum"] == 7.5 and dp["SampleCount"] == 2.0
    q = cw.get_metric_statistics(Namespace="App", MetricName="Errors", Dimensions=dims,
                                 StartTime=when, EndTime=when + datetime.timedelta(minutes=1),
                                 Period=60, Statistics=["Sum"])
    assert [d["Sum"] for d in q["Datapoints"]] == [7.5]
    assert q["Datapoints"][0]["Timestamp"] == when
    # lists of structures come back alike in both
    listed = cw.list_metrics(Namespace="App")["Metrics"]
    [lm] = cbor_calls(server, tmp_path, ("list_metrics", {"Namespace": "App"}))
    want = [{"Namespace": "App", "MetricName": "Errors", "Dimensions": dims}]
    assert listed == want and lm["ok"]["Metrics"] == want


@needs_cbor_client
def test_invalid_values_are_modeled_exceptions_in_both_protocols(server, tmp_path):
    if not _implemented(server, "PutMetricData"):
        pytest.skip("PutMetricData not implemented yet")
    cw = server.client("cloudwatch")
    with pytest.raises(cw.exceptions.InvalidParameterValueException) as ei:
        cw.put_metric_data(Namespace="App", MetricData=[{"MetricName": "m",
                                                         "Value": float("nan")}])
    assert "MetricData.member.1.Value" in ei.value.response["Error"]["Message"]
    [r] = cbor_calls(server, tmp_path, ("put_metric_data", {
        "Namespace": "App", "MetricData": [{"MetricName": "m", "Value": float("inf")}]}))
    assert r["error"]["Code"] == "InvalidParameterValue"
    assert r["status"] == 400
    assert r["headers"]["x-amzn-query-error"] == "InvalidParameterValue;Sender"


# ---- gzip ------------------------------------------------------------------------------------


def _data(n):
    return [{"MetricName": f"m{i}", "Dimensions": [{"Name": "Host", "Value": f"h{i}"}],
             "Value": float(i), "Unit": "Count"} for i in range(n)]


@needs_cbor_client
def test_gzipped_put_metric_data_is_accepted(server, tmp_path):
    # botocore compresses PutMetricData bodies of 10 KB and more
    [r] = cbor_calls(server, tmp_path, ("put_metric_data", {"Namespace": "App",
                                                            "MetricData": _data(400)}))
    assert r["sent"]["headers"].get("Content-Encoding") == "gzip"
    if "error" in r:  # the handler is not there yet: the body was inflated and reached it
        assert r["error"]["Code"] == "NotImplementedException", r
    else:
        assert r["status"] == 200


def test_gzipped_query_bodies(server):
    form = urllib.parse.urlencode(
        [("Action", "PutMetricData"), ("Version", "2010-08-01"), ("Namespace", "App")] +
        [(f"MetricData.member.{i + 1}.{k}", v) for i, d in enumerate(_data(300))
         for k, v in (("MetricName", d["MetricName"]), ("Value", d["Value"]))]).encode()
    headers = dict(FORM, **{"Content-Encoding": "gzip"})
    status, _, body = signed(server, "POST", "/", gzip.compress(form), headers)
    if status == 501:
        assert query_error(body)[1] == "NotImplementedException"
    else:
        assert status == 200, body
    # a body that says gzip and is not: a clear error, in the request's protocol
    status, _, body = signed(server, "POST", "/", form, headers)
    assert status == 400
    typ, code, msg, _ = query_error(body)
    assert code == "ValidationError" and "gzip" in msg
    # truncated
    status, _, body = signed(server, "POST", "/", gzip.compress(form)[:-20], headers)
    assert status == 400 and "gzip" in query_error(body)[2]
    # a bomb: inflates past the body limit
    status, _, body = signed(server, "POST", "/", gzip.compress(b"a" * (9 << 20)), headers)
    assert status == 413
    assert "inflates past" in query_error(body)[2]
