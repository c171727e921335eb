"""The front door: routing, authentication, protocol errors, limits and restarts."""
import datetime
import json
import os
import socket

import botocore.exceptions
import pytest
import urllib.request


def test_healthz(server):
    status, body = server.get("/healthz")
    assert status == 200 and body == b"ok\n"


def test_credentials_file_is_private(server):
    st = os.stat(os.path.join(server.data_dir, "credentials"))
    assert st.st_mode & 0o777 == 0o600


def test_create_and_get_application_with_boto3(cd):
    app_id = cd.create_application(applicationName="web")["applicationId"]
    info = cd.get_application(applicationName="web")["application"]
    assert info["applicationId"] == app_id
    assert info["computePlatform"] == "Server"


def test_wrong_secret_is_rejected(server):
    cd = server.client("codedeploy", secret_key="x" * 40)
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.list_applications()
    assert ei.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_unknown_key_is_rejected(server):
    cd = server.client("codedeploy", access_key="AKIANOTAREALKEY00000")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.list_applications()
    assert ei.value.response["Error"]["Code"] == "UnrecognizedClientException"


def _raw_post(server, target, body, headers=None):
    req = urllib.request.Request(server.endpoint + "/", data=body, method="POST")
    req.add_header("X-Amz-Target", target)
    req.add_header("Content-Type", "application/x-amz-json-1.1")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_unsigned_request_is_rejected(server):
    status, body = _raw_post(server, "CodeDeploy_20141006.ListApplications", b"{}")
    assert status == 403
    assert body["__type"] == "MissingAuthenticationTokenException"


def _signed_post(server, target, body, when=None):
    """Signs a request with botocore's own signer (optionally at another time)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method="POST", url=server.endpoint + "/", data=body,
                     headers={"X-Amz-Target": target,
                              "Content-Type": "application/x-amz-json-1.1"})
    signer = SigV4Auth(Credentials(server.access_key, server.secret_key), "codedeploy",
                       "us-east-1")
    if when is not None:
        import unittest.mock
        with unittest.mock.patch("botocore.auth.datetime") as dt:
            dt.datetime.utcnow.return_value = when
            dt.datetime.now.return_value = when
            dt.timezone = datetime.timezone
            signer.add_auth(req)
    else:
        signer.add_auth(req)
    return _raw_post(server, target, body, dict(req.headers.items()))


def test_clock_skew_is_rejected(server):
    when = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    status, body = _signed_post(server, "CodeDeploy_20141006.ListApplications", b"{}", when)
    assert status == 400
    assert body["__type"] == "InvalidSignatureException"
    assert "Signature expired" in body["message"]


def test_malformed_json_is_serialization_exception(server):
    status, body = _signed_post(server, "CodeDeploy_20141006.CreateApplication", b"{nope")
    assert status == 400
    assert body["__type"] == "SerializationException"


def test_unknown_operation(server):
    status, body = _signed_post(server, "CodeDeploy_20141006.FlyToTheMoon", b"{}")
    assert status == 400
    assert body["__type"] == "UnknownOperationException"


def test_oversize_body_is_413_before_it_is_sent(server):
    # The limit is known from Content-Length: the answer comes before the body is sent.
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: CodeDeploy_20141006.ListApplications\r\n"
                 b"Authorization: AWS4-HMAC-SHA256 Credential=" + server.access_key.encode() +
                 b"/20260101/us-east-1/codedeploy/aws4_request, SignedHeaders=host, Signature=" +
                 b"0" * 64 + b"\r\nX-Amz-Date: 20260101T000000Z\r\nContent-Length: 100000000\r\n\r\n")
    reply = sock.recv(65536).decode()
    sock.close()
    assert reply.startswith("HTTP/1.1 413"), reply
    assert "RequestEntityTooLarge" in reply
    assert server.get("/healthz")[0] == 200


def test_oversize_chunked_body_is_413(server):
    # Without Content-Length the body is read up to the limit, the rest discarded.
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: CodeDeploy_20141006.ListApplications\r\n"
                 b"Authorization: AWS4-HMAC-SHA256 Credential=" + server.access_key.encode() +
                 b"/20260101/us-east-1/codedeploy/aws4_request, SignedHeaders=host, Signature=" +
                 b"0" * 64 + b"\r\nX-Amz-Date: 20260101T000000Z\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"a" * (1 << 20)
    for _ in range(10):
        sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
    sock.sendall(b"0\r\n\r\n")
    reply = sock.recv(65536).decode()
    sock.close()
    assert reply.startswith("HTTP/1.1 413"), reply
    assert server.get("/healthz")[0] == 200


def test_not_implemented_names_the_operation(server):
    status, body = _signed_post(server, "CodeDeploy_20141006.ListGitHubAccountTokenNames", b"{}")
    assert status == 501
    assert body["__type"] == "NotImplementedException"
    assert "ListGitHubAccountTokenNames" in body["message"]


def test_second_slipwayd_on_same_dir_refuses(server):
    import subprocess
    from conftest import SLIPWAYD
    p = subprocess.run([SLIPWAYD, "--data", server.data_dir, "--listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=20)
    assert p.returncode != 0
    assert "already using data directory" in p.stderr


def test_restart_loses_nothing(server, cd):
    cd.create_application(applicationName="keep-me")
    server.restart()
    cd2 = server.client("codedeploy")
    assert "keep-me" in cd2.list_applications()["applications"]


def test_aws_cli_round_trip(server):
    out = server.aws("deploy", "create-application", "--application-name", "cli-app")
    assert "applicationId" in out
    out = server.aws("deploy", "list-applications")
    assert out["applications"] == ["cli-app"]
    p = server.aws("deploy", "get-application", "--application-name", "missing", check=False)
    assert p.returncode != 0
    assert "ApplicationDoesNotExistException" in p.stderr
