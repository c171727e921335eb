"""`slipway function …` and `slipway alias …`.

Two halves:
- the wire: the real `slipway` against a small Lambda stand-in on loopback that records every
  request and checks its SigV4 signature with botocore (service `lambda`): the REST paths,
  query parameters, headers and JSON members AWS's model names, the in-memory zip of a
  directory (executable bit kept), paging, Invoke's headers (executed version, function error,
  log tail, exit status) and Lambda's error shape (x-amzn-ErrorType, Message/message);
- end to end: the same commands against a real slipwayd, checked with the aws CLI.  These need
  slipwayd's Lambda API (CreateFunction … and Invoke); until it is merged they fail with
  NotImplemented — on purpose, they are not skipped."""
import base64
import io
import json
import os
import re
import stat
import threading
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from test_cli import cli_env, fails, js, kv, ok, run, table

AK, SK = "AKIDFUNCTIONTEST0001", "secretsecretsecretsecretsecretsecret0001"
ACCOUNT = "123456789012"


# ---- a Lambda stand-in ---------------------------------------------------------------------

def config(name, version="$LATEST", **kw):
    c = {"FunctionName": name, "FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"
         f"{name}" + ("" if version == "$LATEST" else f":{version}"), "Version": version,
         "Runtime": "provided.al2023", "Handler": "x", "MemorySize": 128, "Timeout": 3,
         "CodeSha256": "abc=", "CodeSize": 10, "Role": f"arn:aws:iam::{ACCOUNT}:role/r",
         "LastModified": "2026-12-04T00:00:00.000+0000", "State": "Active"}
    c.update(kw)
    return c


class Fake:
    """Answers by (method, path) from self.routes: a function of (request dict) returning
    (status, headers, body bytes or JSON-able).  Every request is kept with whether its
    signature is right."""

    def __init__(self):
        self.requests = []
        self.routes = {}
        fake = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def handle_one(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                u = urllib.parse.urlsplit(self.path)
                req = {"method": self.command, "path": u.path, "raw_path": u.path,
                       "query": dict(urllib.parse.parse_qsl(u.query, keep_blank_values=True)),
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "body": body, "signed": fake.check_signature(self, body),
                       "service": re.sub(r".*/\d{8}/[^/]+/([^/]+)/aws4_request.*", r"\1",
                                         self.headers.get("Authorization", ""))}
                fake.requests.append(req)
                if self.headers.get("Content-Type", "").startswith("application/x-www-form"):
                    # IAM GetUser (the account id of the default role)
                    out = (f"<GetUserResponse><GetUserResult><User><Arn>arn:aws:iam::{ACCOUNT}"
                           f":user/admin</Arn></User></GetUserResult></GetUserResponse>")
                    return self.reply(200, {"Content-Type": "text/xml"}, out.encode())
                route = fake.routes.get((self.command, urllib.parse.unquote(u.path)))
                if not route:
                    return self.reply(404, {"x-amzn-ErrorType": "ResourceNotFoundException:"
                                            "http://internal.amazon.com/coral/"},
                                      {"Type": "User", "Message": f"Function not found: "
                                       f"{u.path}"})
                self.reply(*route(req))

            do_GET = do_POST = do_PUT = do_DELETE = handle_one

            def reply(self, status, headers, body):
                if not isinstance(body, bytes):
                    body = json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @staticmethod
    def check_signature(h, body):
        """Recomputes the request's SigV4 signature with botocore from its signed headers."""
        auth = h.headers.get("Authorization", "")
        m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,"
                     r" ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$", auth)
        if not m or m.group(1) != AK:
            return False
        names = m.group(5).split(";")
        headers = {n: h.headers.get(n) for n in names}
        url = f"http://{h.headers['Host']}{h.path}"
        r = AWSRequest(method=h.command, url=url, data=body, headers=headers)
        r.context["timestamp"] = h.headers["X-Amz-Date"]
        signer = SigV4Auth(Credentials(AK, SK), m.group(4), m.group(3))
        canonical = signer.canonical_request(r)
        want = signer.signature(signer.string_to_sign(r, canonical), r)
        return want == m.group(6)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.httpd.shutdown()
        self.httpd.server_close()

    def env(self):
        return cli_env(None, SLIPWAY_ENDPOINT=self.endpoint, AWS_ACCESS_KEY_ID=AK,
                       AWS_SECRET_ACCESS_KEY=SK, AWS_REGION="us-east-1")

    def lambda_requests(self):
        return [r for r in self.requests if r["path"].startswith("/20")]


@pytest.fixture
def fake():
    with Fake() as f:
        yield f


def sl(fake, *args, code=0, **kw):
    p = run(None, *args, env=fake.env(), **kw)
    assert p.returncode == code, f"exit {p.returncode}:\n{p.stdout}\n{p.stderr}"
    assert all(r["signed"] for r in fake.requests), fake.requests
    assert all(r["service"] == "lambda" for r in fake.lambda_requests())
    return p


def code_dir(tmp_path):
    d = tmp_path / "code"
    (d / "lib").mkdir(parents=True)
    (d / "bootstrap").write_text("#!/bin/sh\necho hi\n")
    os.chmod(d / "bootstrap", 0o755)
    (d / "lib" / "data.txt").write_text("data\n")
    os.chmod(d / "lib" / "data.txt", 0o644)
    return d


def test_create_zips_the_directory_keeps_modes_and_signs(fake, tmp_path):
    fake.routes[("POST", "/2015-03-31/functions")] = \
        lambda r: (201, {}, config("echo", Runtime="provided.al2023", Handler="bootstrap"))
    p = sl(fake, "function", "create", "echo", "--runtime", "provided.al2023", "--handler",
           "bootstrap", "--code", code_dir(tmp_path), "--memory", "256", "--timeout", "10",
           "--env", "LEVEL=debug", "--env", "EMPTY=", "--description", "d", "--publish")
    assert p.stdout.startswith("created function echo (version $LATEST, provided.al2023")
    (req,) = fake.lambda_requests()
    assert req["method"] == "POST" and req["headers"]["content-type"] == "application/json"
    body = json.loads(req["body"])
    assert body["FunctionName"] == "echo" and body["Runtime"] == "provided.al2023"
    assert body["Handler"] == "bootstrap" and body["MemorySize"] == 256
    assert body["Timeout"] == 10 and body["Publish"] is True and body["Description"] == "d"
    assert body["Environment"] == {"Variables": {"LEVEL": "debug", "EMPTY": ""}}
    assert body["Role"] == f"arn:aws:iam::{ACCOUNT}:role/slipway-function"
    z = zipfile.ZipFile(io.BytesIO(base64.b64decode(body["Code"]["ZipFile"])))
    assert z.testzip() is None
    modes = {i.filename.rstrip("/"): i.external_attr >> 16 for i in z.infolist()}
    assert stat.S_IMODE(modes["bootstrap"]) == 0o755
    assert stat.S_IMODE(modes["lib/data.txt"]) == 0o644
    assert z.read("bootstrap") == b"#!/bin/sh\necho hi\n" and z.read("lib/data.txt") == b"data\n"


def test_create_from_a_zip_file_with_a_role_and_json_output(fake, tmp_path):
    zpath = tmp_path / "f.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        z.writestr("app.py", "def handler(e, c):\n    return e\n")
    fake.routes[("POST", "/2015-03-31/functions")] = lambda r: (201, {}, config("py"))
    doc = json.loads(sl(fake, "function", "create", "py", "--runtime", "python3.11",
                        "--handler", "app.handler", "--code", zpath, "--role",
                        "arn:aws:iam::1:role/x", "--output", "json").stdout)
    assert doc["FunctionName"] == "py"
    assert not [r for r in fake.requests if not r["path"].startswith("/20")]  # no GetUser
    body = json.loads(fake.lambda_requests()[0]["body"])
    assert base64.b64decode(body["Code"]["ZipFile"]) == zpath.read_bytes()
    assert body["Role"] == "arn:aws:iam::1:role/x" and "Publish" not in body


def test_usage_errors(fake, tmp_path):
    notzip = tmp_path / "x.txt"
    notzip.write_text("hello")
    for args, msg in [
        (["function", "create", "f", "--code", notzip], "is not a zip file"),
        (["function", "create", "f", "--code", tmp_path / "missing"], "No such file"),
        (["function", "create", "f", "--code", tmp_path, "--memory", "64"], "--memory takes"),
        (["function", "create", "f", "--code", tmp_path, "--env", "NOEQUALS"], "--env takes"),
        (["function", "update", "f"], "nothing to change"),
        (["function", "update", "f:1", "--memory", "256"], "without ':1'"),
        (["function", "invoke", "f", "--payload", "{not json"], "--payload is not JSON"),
        (["function", "invoke", "f", "--payload", "@" + str(tmp_path / "none")], "--payload"),
        (["function", "invoke", "f", "--event", "--dry-run"], "only one of"),
        (["function", "invoke", "f", "--event", "--log"], "synchronous"),
        (["function", "concurrency", "f", "x"], "whole number"),
        (["function", "concurrency", "f", "3", "--delete"], "not both"),
        (["alias", "create", "f", "live", "--version", "1", "--weight", "2"], "VERSION=WEIGHT"),
        (["alias", "create", "f", "live", "--version", "1", "--weight", "2=1.5"], "fraction"),
        (["alias", "create", "f", "live", "--version", "1", "--weight", "$LATEST=0.1"],
         "VERSION=WEIGHT"),
        (["alias", "create", "f", "live"], "--version"),
        (["alias", "update", "f", "live"], "nothing to change"),
        (["alias", "update", "f", "live", "--weight", "2=0.1", "--no-weight"], "only one of"),
    ]:
        p = sl(fake, *args, code=2)
        assert msg in p.stderr, (args, p.stderr)
    assert not fake.lambda_requests()


def test_update_configuration_then_code_and_publish(fake, tmp_path):
    fake.routes[("PUT", "/2015-03-31/functions/f/configuration")] = \
        lambda r: (200, {}, config("f", MemorySize=512))
    fake.routes[("PUT", "/2015-03-31/functions/f/code")] = \
        lambda r: (200, {}, config("f", "2", MemorySize=512))
    fake.routes[("POST", "/2015-03-31/functions/f/versions")] = \
        lambda r: (201, {}, config("f", "3"))
    p = sl(fake, "function", "update", "f", "--memory", "512", "--env", "A=1", "--code",
           code_dir(tmp_path), "--publish")
    assert "version 2" in p.stdout
    cfg, code = fake.lambda_requests()
    assert (cfg["method"], cfg["path"]) == ("PUT", "/2015-03-31/functions/f/configuration")
    assert json.loads(cfg["body"]) == {"MemorySize": 512, "Environment": {"Variables":
                                                                          {"A": "1"}}}
    assert (code["method"], code["path"]) == ("PUT", "/2015-03-31/functions/f/code")
    body = json.loads(code["body"])
    assert body["Publish"] is True and zipfile.ZipFile(
        io.BytesIO(base64.b64decode(body["ZipFile"]))).read("bootstrap")
    fake.requests.clear()
    p = sl(fake, "function", "update", "f", "--timeout", "30", "--publish")
    assert [(r["method"], r["path"]) for r in fake.lambda_requests()] == [
        ("PUT", "/2015-03-31/functions/f/configuration"),
        ("POST", "/2015-03-31/functions/f/versions")]
    fake.requests.clear()
    p = sl(fake, "function", "publish", "f", "--description", "v3")
    assert p.stdout.startswith("published f version 3")
    assert json.loads(fake.lambda_requests()[0]["body"]) == {"Description": "v3"}
    assert sl(fake, "function", "publish", "f", "--output", "text").stdout == "3\n"


def test_list_follows_every_page(fake):
    def page(r):
        assert r["query"]["MaxItems"] == "50"
        if r["query"].get("Marker") == "m2":
            return 200, {}, {"Functions": [config("a", MemorySize=1024)]}
        return 200, {}, {"Functions": [config("b"), config("b", "1")], "NextMarker": "m2"}
    fake.routes[("GET", "/2015-03-31/functions/")] = page
    rows = table(sl(fake, "function", "list", "--all-versions").stdout)
    assert rows[0] == ["NAME", "RUNTIME", "VERSION", "MEMORY", "TIMEOUT", "LAST MODIFIED"]
    assert rows[1] == ["a", "provided.al2023", "$LATEST", "1024 MB", "3s", "2026-12-04 00:00:00"]
    assert [r[2] for r in rows[1:]] == ["$LATEST", "$LATEST", "1"]
    reqs = fake.lambda_requests()
    assert [r["query"].get("Marker") for r in reqs] == [None, "m2"]
    assert all(r["query"]["FunctionVersion"] == "ALL" for r in reqs)
    fake.requests.clear()
    doc = json.loads(sl(fake, "function", "list", "--output", "json").stdout)
    assert [f["FunctionName"] for f in doc] == ["a", "b", "b"]
    assert "FunctionVersion" not in fake.lambda_requests()[0]["query"]


def alias(name, version, weights=None, **kw):
    a = {"Name": name, "FunctionVersion": version, "AliasArn": f"arn:aws:lambda:us-east-1:"
         f"{ACCOUNT}:function:f:{name}", "RevisionId": "rev-1", "Description": ""}
    if weights is not None:
        a["RoutingConfig"] = {"AdditionalVersionWeights": weights}
    a.update(kw)
    return a


def test_show_configuration_versions_aliases_concurrency(fake):
    fake.routes[("GET", "/2015-03-31/functions/f")] = lambda r: (200, {}, {
        "Configuration": config("f", Environment={"Variables": {"A": "1"}}),
        "Code": {"RepositoryType": "S3", "Location": "http://x"},
        "Concurrency": {"ReservedConcurrentExecutions": 5}})
    fake.routes[("GET", "/2015-03-31/functions/f/aliases")] = lambda r: (200, {}, {
        "Aliases": [alias("live", "1", {"2": 0.1}), alias("beta", "2")]})
    fake.routes[("GET", "/2015-03-31/functions/f/versions")] = lambda r: (200, {}, {
        "Versions": [config("f", "2"), config("f"), config("f", "1")]})
    out = kv(sl(fake, "function", "show", "f").stdout)
    assert out["name"] == "f" and out["memory"] == "128 MB" and out["timeout"] == "3 s"
    assert out["environment"] == "A=1" and out["concurrency"] == "5 reserved"
    assert out["versions"] == "$LATEST, 1, 2"
    text = sl(fake, "function", "show", "f").stdout
    assert "live → 1 (90%), 2 (10%)" in text and "beta → 2 (100%)" in text
    fake.requests.clear()
    doc = json.loads(sl(fake, "function", "show", "f:live", "--output", "json").stdout)
    assert doc["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    assert [a["Name"] for a in doc["Aliases"]] == ["live", "beta"]
    assert fake.lambda_requests()[0]["query"] == {"Qualifier": "live"}
    # an ARN goes whole into the path, its ':' encoded (and signed as botocore signs it)
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"
    for suffix in ("", "/aliases", "/versions"):
        fake.routes[("GET", f"/2015-03-31/functions/{arn}{suffix}")] = \
            fake.routes[("GET", f"/2015-03-31/functions/f{suffix}")]
    fake.requests.clear()
    assert kv(sl(fake, "function", "show", arn).stdout)["name"] == "f"
    assert fake.lambda_requests()[0]["raw_path"] == \
        f"/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A{ACCOUNT}%3Afunction%3Af"


def test_invoke_prints_result_version_log_and_function_error(fake, tmp_path):
    log = "START RequestId: 1 Version: 3\nhello from the function\nEND RequestId: 1\n"

    def invoke(r):
        if r["body"] == b'{"fail": true}':
            return 200, {"X-Amz-Function-Error": "Unhandled", "X-Amz-Executed-Version": "3"}, \
                {"errorType": "Runtime.ExitError", "errorMessage": "exit status 1"}
        h = {"X-Amz-Executed-Version": "3"}
        if r["headers"].get("x-amz-log-type") == "Tail":
            h["X-Amz-Log-Result"] = base64.b64encode(log.encode()).decode()
        kind = r["headers"].get("x-amz-invocation-type")
        if kind == "Event":
            return 202, {}, b""
        if kind == "DryRun":
            return 204, {}, b""
        return 200, h, b'{"echo": ' + r["body"] + b"}"
    fake.routes[("POST", "/2015-03-31/functions/f/invocations")] = invoke
    p = sl(fake, "function", "invoke", "f:live", "--payload", '{"a": 1}', "--log")
    assert p.stdout == '{"echo": {"a": 1}}\n'
    assert "executed version: 3" in p.stderr and "hello from the function" in p.stderr
    (req,) = fake.lambda_requests()
    assert req["query"] == {"Qualifier": "live"}
    assert req["headers"]["x-amz-invocation-type"] == "RequestResponse"
    assert req["headers"]["x-amz-log-type"] == "Tail"
    # the payload from a file, no log asked for
    (tmp_path / "ev.json").write_text('{"b": 2}')
    fake.requests.clear()
    p = sl(fake, "function", "invoke", "f", "--payload", "@" + str(tmp_path / "ev.json"))
    assert p.stdout == '{"echo": {"b": 2}}\n' and "hello" not in p.stderr
    assert "x-amz-log-type" not in fake.lambda_requests()[0]["headers"]
    assert fake.lambda_requests()[0]["query"] == {}
    # a function error: the body still on stdout, the error on stderr, exit status 1
    p = sl(fake, "function", "invoke", "f", "--payload", '{"fail": true}', code=1)
    assert json.loads(p.stdout)["errorType"] == "Runtime.ExitError"
    assert "function error (Unhandled): Runtime.ExitError: exit status 1" in p.stderr
    p = sl(fake, "function", "invoke", "f", "--event")
    assert p.stdout == "" and "queued (HTTP 202)" in p.stderr
    p = sl(fake, "function", "invoke", "f", "--dry-run")
    assert "dry run" in p.stderr


def test_lambda_errors_print_type_and_message(fake):
    p = sl(fake, "function", "show", "missing", code=1)
    assert "ResourceNotFoundException: Function not found: /2015-03-31/functions/missing" \
        in p.stderr
    fake.routes[("POST", "/2015-03-31/functions/f/aliases")] = lambda r: (409, {}, {
        "__type": "ResourceConflictException", "message": "Alias already exists: live"})
    p = sl(fake, "alias", "create", "f", "live", "--version", "1", code=1)
    assert "slipway: ResourceConflictException: Alias already exists: live" in p.stderr
    fake.routes[("GET", "/2015-03-31/functions/f/aliases/x")] = lambda r: (403, {
        "x-amzn-ErrorType": "AccessDeniedException"}, {"Message": "no"})
    assert sl(fake, "alias", "show", "f", "x", code=3).stderr.startswith(
        "slipway: AccessDeniedException: no")


def test_aliases_weights_as_percentages(fake):
    fake.routes[("POST", "/2015-03-31/functions/f/aliases")] = \
        lambda r: (201, {}, alias("live", "1", {"2": 0.25}))
    fake.routes[("PUT", "/2015-03-31/functions/f/aliases/live")] = \
        lambda r: (200, {}, alias("live", "2", {}))
    fake.routes[("GET", "/2015-03-31/functions/f/aliases/live")] = \
        lambda r: (200, {}, alias("live", "1", {"2": 0.1}, Description="prod"))
    fake.routes[("DELETE", "/2015-03-31/functions/f/aliases/live")] = lambda r: (204, {}, b"")

    def aliases(r):
        if r["query"].get("Marker"):
            return 200, {}, {"Aliases": [alias("a", "3")]}
        return 200, {}, {"Aliases": [alias("live", "1", {"2": 0.1})], "NextMarker": "x"}
    fake.routes[("GET", "/2015-03-31/functions/f/aliases")] = aliases
    p = sl(fake, "alias", "create", "f", "live", "--version", "1", "--weight", "2=25%",
           "--description", "prod")
    assert p.stdout == "created alias live of f → 1 (75%), 2 (25%)\n"
    assert json.loads(fake.lambda_requests()[-1]["body"]) == {
        "Name": "live", "FunctionVersion": "1", "Description": "prod",
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.25}}}
    p = sl(fake, "alias", "update", "f", "live", "--version", "2", "--no-weight")
    assert p.stdout == "updated alias live of f → 2 (100%)\n"
    assert json.loads(fake.lambda_requests()[-1]["body"]) == {
        "FunctionVersion": "2", "RoutingConfig": {"AdditionalVersionWeights": {}}}
    sl(fake, "alias", "update", "f", "live", "--weight", "2=0.5")
    assert json.loads(fake.lambda_requests()[-1]["body"]) == {
        "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.5}}}
    out = kv(sl(fake, "alias", "show", "f", "live").stdout)
    assert out["version"] == "1 (90%)" and out["description"] == "prod"
    assert "2 (10%)" in sl(fake, "alias", "show", "f", "live").stdout
    rows = table(sl(fake, "alias", "list", "f").stdout)
    assert rows == [["NAME", "ROUTING", "DESCRIPTION"], ["a", "3 (100%)"],
                    ["live", "1 (90%), 2 (10%)"]]
    assert sl(fake, "alias", "delete", "f", "live").stdout == "deleted alias live of f\n"


def test_delete_and_concurrency(fake):
    fake.routes[("DELETE", "/2015-03-31/functions/f")] = lambda r: (204, {}, b"")
    fake.routes[("PUT", "/2017-10-31/functions/f/concurrency")] = \
        lambda r: (200, {}, json.loads(r["body"]))
    fake.routes[("DELETE", "/2017-10-31/functions/f/concurrency")] = lambda r: (204, {}, b"")
    fake.routes[("GET", "/2019-09-30/functions/f/concurrency")] = lambda r: (200, {}, {})
    assert "deleted version 3 of function f" in sl(fake, "function", "delete", "f:3").stdout
    assert fake.lambda_requests()[-1]["query"] == {"Qualifier": "3"}
    assert "its versions and aliases" in sl(fake, "function", "delete", "f").stdout
    assert fake.lambda_requests()[-1]["query"] == {}
    assert "10 concurrent executions reserved" in \
        sl(fake, "function", "concurrency", "f", "10").stdout
    assert json.loads(fake.lambda_requests()[-1]["body"]) == {"ReservedConcurrentExecutions": 10}
    assert "unreserved" in sl(fake, "function", "concurrency", "f", "--delete").stdout
    assert "unreserved" in sl(fake, "function", "concurrency", "f").stdout


def test_function_logs_reads_the_functions_log_group(fake):
    p = run(None, "function", "logs", "thumbs", "--since", "1h", env=fake.env())
    # the stand-in is no CloudWatch Logs: the call is what matters
    seen = [r for r in fake.requests if r["headers"].get("x-amz-target")]
    assert seen and seen[0]["headers"]["x-amz-target"] == "Logs_20140328.FilterLogEvents"
    assert json.loads(seen[0]["body"])["logGroupName"] == "/aws/lambda/thumbs"
    assert p.returncode == 1


# ---- end to end, against slipwayd (needs its Lambda API) -------------------------------------

BOOTSTRAP = """#!/usr/bin/python3
import json, os, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read() or b"null")
    print("got", json.dumps(event), flush=True)
    if isinstance(event, dict) and event.get("fail"):
        body, path = {"errorType": "Boom", "errorMessage": "asked to fail"}, rid + "/error"
    else:
        body = {"event": event, "version": os.environ.get("AWS_LAMBDA_FUNCTION_VERSION"),
                "level": os.environ.get("LEVEL")}
        path = rid + "/response"
    urllib.request.urlopen(urllib.request.Request(api + path, json.dumps(body).encode(),
                                                  method="POST")).read()
"""


def bootstrap_dir(tmp_path, tag="v1"):
    d = tmp_path / f"fn-{tag}"
    d.mkdir()
    (d / "bootstrap").write_text(BOOTSTRAP)
    os.chmod(d / "bootstrap", 0o755)
    (d / "tag.txt").write_text(tag)
    return d


def test_e2e_function_lifecycle_against_slipwayd(server, tmp_path):
    """create → list → show → invoke → update/publish → alias with weights → delete, read back
    with the aws CLI.  Fails with NotImplemented until slipwayd's Lambda API is merged."""
    out = ok(server, "function", "create", "echo", "--runtime", "provided.al2023",
             "--handler", "x", "--code", bootstrap_dir(tmp_path), "--env", "LEVEL=debug",
             "--memory", "256", "--timeout", "10", "--publish").stdout
    assert out.startswith("created function echo")
    got = server.aws("lambda", "get-function-configuration", "--function-name", "echo")
    assert got["Runtime"] == "provided.al2023" and got["MemorySize"] == 256
    assert got["Environment"]["Variables"] == {"LEVEL": "debug"}
    assert got["Role"].endswith(":role/slipway-function")
    # the zip kept the executable bit: the function runs
    p = ok(server, "function", "invoke", "echo", "--payload", '{"n": 1}', "--log")
    doc = json.loads(p.stdout)
    assert doc["event"] == {"n": 1} and doc["level"] == "debug"
    assert "executed version: $LATEST" in p.stderr and 'got {"n": 1}' in p.stderr
    p = fails(server, 1, "function", "invoke", "echo:1", "--payload", '{"fail": true}')
    assert "function error (Unhandled)" in p.stderr or "function error (Handled)" in p.stderr
    assert "executed version: 1" in p.stderr
    ok(server, "function", "update", "echo", "--code", bootstrap_dir(tmp_path, "v2"),
       "--publish")
    rows = table(ok(server, "function", "list", "--all-versions").stdout)
    assert [r[2] for r in rows[1:] if r[0] == "echo"] == ["$LATEST", "1", "2"]
    ok(server, "alias", "create", "echo", "live", "--version", "1", "--weight", "2=10%")
    al = server.aws("lambda", "get-alias", "--function-name", "echo", "--name", "live")
    assert al["FunctionVersion"] == "1"
    assert al["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.1}
    assert kv(ok(server, "alias", "show", "echo", "live").stdout)["version"] == "1 (90%)"
    show = ok(server, "function", "show", "echo").stdout
    assert "live → 1 (90%), 2 (10%)" in show and kv(show)["versions"] == "$LATEST, 1, 2"
    ok(server, "alias", "update", "echo", "live", "--version", "2", "--no-weight")
    p = ok(server, "function", "invoke", "echo:live")
    assert json.loads(p.stdout)["version"] == "2" and "executed version: 2" in p.stderr
    assert js(server, "alias", "list", "echo")[0]["FunctionVersion"] == "2"
    p = fails(server, 1, "function", "delete", "echo:2")  # the alias points to it
    assert "ResourceConflictException" in p.stderr
    ok(server, "alias", "delete", "echo", "live")
    ok(server, "function", "delete", "echo")
    p = fails(server, 1, "function", "show", "echo")
    assert "ResourceNotFoundException" in p.stderr


def test_e2e_errors_from_slipwayd(server, tmp_path):
    """Lambda's own validation errors, printed with their type.  Fails with NotImplemented
    until slipwayd's Lambda API is merged."""
    p = fails(server, 1, "function", "create", "bad name!", "--runtime", "provided.al2023",
              "--handler", "x", "--code", bootstrap_dir(tmp_path))
    assert "InvalidParameterValueException" in p.stderr or "ValidationException" in p.stderr
    p = fails(server, 1, "function", "invoke", "nope")
    assert "ResourceNotFoundException" in p.stderr
