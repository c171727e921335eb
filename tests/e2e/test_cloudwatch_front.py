"""The CloudWatch and Logs fronts before their operations land: each is routed, answers in its
own protocol's shape (JSON 1.0 for CloudWatch, JSON 1.1 for Logs), and says NotImplemented
rather than pretending."""
import json
import urllib.error
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials


def _call(server, service, target, content_type, body=b"{}"):
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=server.endpoint + "/", data=body,
        headers={"X-Amz-Target": target, "Content-Type": content_type})
    creds = botocore.credentials.Credentials(server.access_key, server.secret_key)
    botocore.auth.SigV4Auth(creds, service, "us-east-1").add_auth(req)
    r = urllib.request.Request(req.url, data=body, method="POST", headers=dict(req.headers))
    try:
        with urllib.request.urlopen(r, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_cloudwatch_answers_json_1_0_not_implemented(server):
    status, headers, body = _call(server, "monitoring",
                                  "GraniteServiceVersion20100801.ListDashboards",
                                  "application/x-amz-json-1.0")
    assert status == 501
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert headers["x-amzn-RequestId"]
    doc = json.loads(body)
    assert doc["__type"] == "NotImplementedException"
    assert "ListDashboards" in doc["message"]
    # only CloudWatch's own codes carry a query code
    assert headers.get("x-amzn-query-error") is None


def test_cloudwatch_unknown_operation_in_its_shape(server):
    status, headers, body = _call(server, "monitoring",
                                  "GraniteServiceVersion20100801.NoSuchThing",
                                  "application/x-amz-json-1.0")
    assert status == 400
    assert headers["Content-Type"] == "application/x-amz-json-1.0"
    assert json.loads(body)["__type"] == "UnknownOperationException"


def test_aws_cli_sees_not_implemented(server):
    p = server.aws("cloudwatch", "list-dashboards", check=False)
    assert p.returncode != 0
    assert "NotImplemented" in p.stderr


def test_logs_answers_json_1_1_not_implemented(server):
    status, headers, body = _call(server, "logs", "Logs_20140328.PutMetricFilter",
                                  "application/x-amz-json-1.1")
    assert status == 501
    assert headers["Content-Type"] == "application/x-amz-json-1.1"
    assert headers["x-amzn-ErrorType"] == "NotImplementedException"
    assert json.loads(body)["__type"] == "NotImplementedException"
