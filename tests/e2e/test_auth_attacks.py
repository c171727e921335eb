"""Issue 7's authentication holes, each written as the attack an unprivileged caller on the
loopback port would make, and each checked to leave the state unchanged.

The requests are signed here by hand (SigV4 as AWS documents it), so that the test decides
exactly which headers are signed and which payload hash the signature covers."""
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import os
import random
import socket
import urllib.parse

import botocore.exceptions
import pytest


def sha(b):
    return hashlib.sha256(b).hexdigest()


def signed_headers_for(server, method, path, query, headers, payload_hash, service,
                       region="us-east-1", secret=None, when=None, key=None):
    """Signs method/path/query with exactly `headers` (plus host and x-amz-date); returns the
    headers to send.  path and query are given already percent-encoded, as sent."""
    when = when or datetime.datetime.now(datetime.timezone.utc)
    amz_date = when.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    signed = {k.lower(): v for k, v in headers.items()}
    signed["host"] = f"127.0.0.1:{server.port}"
    signed["x-amz-date"] = amz_date
    names = sorted(signed)
    canonical_uri = path
    if service != "s3":  # other services encode the path twice
        canonical_uri = urllib.parse.quote(path, safe="/~")
    pairs = sorted(tuple(p.split("=", 1)) if "=" in p else (p, "")
                   for p in query.split("&") if p)
    canonical_query = "&".join(f"{k}={v}" for k, v in pairs)
    canonical = "\n".join([method, canonical_uri, canonical_query,
                           "".join(f"{n}:{signed[n]}\n" for n in names), ";".join(names),
                           payload_hash])
    scope = f"{day}/{region}/{service}/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, sha(canonical.encode())])
    k = ("AWS4" + (secret or server.secret_key)).encode()
    for part in (day, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    out = dict(headers)
    out["X-Amz-Date"] = amz_date
    out["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={key or server.access_key}/{scope}, "
                            f"SignedHeaders={';'.join(names)}, Signature={sig}")
    return out


def send(server, method, path, query, headers, body):
    """Sends exactly these headers and body (http.client adds nothing but Content-Length)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest(method, path + ("?" + query if query else ""), skip_host=True,
                        skip_accept_encoding=True)
        conn.putheader("Host", f"127.0.0.1:{server.port}")
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def json_code(data):
    return json.loads(data or b"{}").get("__type")


def xml_code(data):
    text = data.decode(errors="replace")
    return text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in text else None


IAM_FORM = "application/x-www-form-urlencoded; charset=utf-8"
JSON11 = "application/x-amz-json-1.1"


def user_names(iam):
    return sorted(u["UserName"] for u in iam.list_users()["Users"])


# ---- 1. the body is bound to the signature ---------------------------------------------------

def test_replayed_list_users_signature_cannot_create_a_user(server, iam):
    listing = b"Action=ListUsers&Version=2010-05-08"
    create = b"Action=CreateUser&UserName=mallory&Version=2010-05-08"
    hdrs = signed_headers_for(server, "POST", "/", "", {"Content-Type": IAM_FORM}, sha(listing),
                              "iam")
    status, _, data = send(server, "POST", "/", "", hdrs, listing)
    assert status == 200 and b"<UserName>admin</UserName>" in data  # the captured request
    for extra in ({}, {"x-amz-content-sha256": sha(listing)},
                  {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}):
        status, _, data = send(server, "POST", "/", "", {**hdrs, **extra}, create)
        assert (status, xml_code(data)) == (403, "SignatureDoesNotMatch"), (extra, data)
    # Signed with UNSIGNED-PAYLOAD as the payload hash: IAM signs bodies, so it never verifies.
    unsigned = signed_headers_for(server, "POST", "/", "",
                                  {"Content-Type": IAM_FORM,
                                   "x-amz-content-sha256": "UNSIGNED-PAYLOAD"},
                                  "UNSIGNED-PAYLOAD", "iam")
    status, _, data = send(server, "POST", "/", "", unsigned, create)
    assert (status, xml_code(data)) == (403, "SignatureDoesNotMatch")
    assert user_names(iam) == ["admin"]


def test_replayed_delete_application_cannot_delete_another(server, cd):
    cd.create_application(applicationName="victim")
    target = "CodeDeploy_20141006.DeleteApplication"
    decoy = json.dumps({"applicationName": "does-not-exist"}).encode()
    victim = json.dumps({"applicationName": "victim"}).encode()
    base = {"Content-Type": JSON11, "X-Amz-Target": target}
    hdrs = signed_headers_for(server, "POST", "/", "", base, sha(decoy), "codedeploy")
    assert send(server, "POST", "/", "", hdrs, decoy)[0] == 200  # the captured request
    for extra in ({}, {"x-amz-content-sha256": sha(decoy)},
                  {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}):
        status, _, data = send(server, "POST", "/", "", {**hdrs, **extra}, victim)
        assert (status, json_code(data)) == (400, "InvalidSignatureException"), (extra, data)
    unsigned = signed_headers_for(server, "POST", "/", "",
                                  {**base, "x-amz-content-sha256": "UNSIGNED-PAYLOAD"},
                                  "UNSIGNED-PAYLOAD", "codedeploy")
    status, _, data = send(server, "POST", "/", "", unsigned, victim)
    assert (status, json_code(data)) == (400, "InvalidSignatureException")
    assert cd.list_applications()["applications"] == ["victim"]


def delete_objects_body(*keys):
    return ("<Delete>" + "".join(f"<Object><Key>{k}</Key></Object>" for k in keys) +
            "</Delete>").encode()


def md5_b64(b):
    return base64.b64encode(hashlib.md5(b).digest()).decode()


def test_s3_buffered_body_must_match_its_declared_hash(server, s3):
    s3.create_bucket(Bucket="bkt")
    for k in ("decoy", "victim"):
        s3.put_object(Bucket="bkt", Key=k, Body=b"x")
    decoy, victim = delete_objects_body("decoy"), delete_objects_body("victim")
    hdrs = signed_headers_for(server, "POST", "/bkt", "delete=",
                              {"x-amz-content-sha256": sha(decoy)}, sha(decoy), "s3")
    hdrs["Content-MD5"] = md5_b64(decoy)  # sent, but not signed
    # The captured request's headers with another body (and that body's own Content-MD5).
    replay = {**hdrs, "Content-MD5": md5_b64(victim)}
    status, _, data = send(server, "POST", "/bkt", "delete=", replay, victim)
    assert (status, xml_code(data)) == (400, "XAmzContentSHA256Mismatch"), data
    # An aws-chunked declaration on an operation that never decodes one is refused.
    streaming = signed_headers_for(server, "POST", "/bkt", "delete=",
                                   {"Content-MD5": md5_b64(victim),
                                    "x-amz-content-sha256":
                                    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
                                   "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "s3")
    status, _, data = send(server, "POST", "/bkt", "delete=", streaming, victim)
    assert (status, xml_code(data)) == (400, "InvalidRequest"), data
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket="bkt")["Contents"]) == \
        ["decoy", "victim"]
    # The genuine request still works.
    assert send(server, "POST", "/bkt", "delete=", hdrs, decoy)[0] == 200
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="bkt")["Contents"]] == ["victim"]


def test_random_bodies_under_a_fixed_signature_are_all_refused(server, cd, s3):
    """The property: whatever body is sent under a captured signature, and whatever
    x-amz-content-sha256 claims, nothing but the signed body is accepted."""
    rng = random.Random("issue-7-bodies")
    cd.create_application(applicationName="keep")
    signed_body = json.dumps({"applicationName": "does-not-exist"}).encode()
    hdrs = signed_headers_for(server, "POST", "/", "",
                              {"Content-Type": JSON11,
                               "X-Amz-Target": "CodeDeploy_20141006.DeleteApplication"},
                              sha(signed_body), "codedeploy")
    s3.create_bucket(Bucket="prop")
    s3.put_object(Bucket="prop", Key="keep", Body=b"x")
    s3_body = delete_objects_body("nothing-here")
    s3_hdrs = signed_headers_for(server, "POST", "/prop", "delete=",
                                 {"x-amz-content-sha256": sha(s3_body)}, sha(s3_body), "s3")
    for i in range(120):
        kind = rng.randrange(3)
        if kind == 0:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        elif kind == 1:
            body = json.dumps({"applicationName": "keep", "n": rng.random()}).encode()
        else:
            body = signed_body + b" " * rng.randrange(1, 4)
        extra = rng.choice([{}, {"x-amz-content-sha256": sha(signed_body)},
                            {"x-amz-content-sha256": sha(body)},
                            {"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}])
        status, _, data = send(server, "POST", "/", "", {**hdrs, **extra}, body)
        assert (status, json_code(data)) == (400, "InvalidSignatureException"), (i, body, data)
        doomed = delete_objects_body("keep", "k%d" % i)
        status, _, data = send(server, "POST", "/prop", "delete=",
                               {**s3_hdrs, "Content-MD5": md5_b64(doomed)}, doomed)
        assert status == 400 and xml_code(data) == "XAmzContentSHA256Mismatch", (i, data)
    assert cd.list_applications()["applications"] == ["keep"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="prop")["Contents"]] == ["keep"]


# ---- 3. a NUL never shortens a name ---------------------------------------------------------

def test_nul_in_a_bucket_name_is_refused(server, s3):
    hdrs = signed_headers_for(server, "PUT", "/abc%00", "", {"x-amz-content-sha256": sha(b"")},
                              sha(b""), "s3")
    status, _, data = send(server, "PUT", "/abc%00", "", hdrs, b"")
    assert (status, xml_code(data)) == (400, "InvalidBucketName"), data
    assert s3.list_buckets()["Buckets"] == []


def test_nul_in_an_object_key_and_a_query_value_is_refused(server, s3):
    s3.create_bucket(Bucket="bkt")
    hdrs = signed_headers_for(server, "PUT", "/bkt/ke%00y", "", {"x-amz-content-sha256": sha(b"v")},
                              sha(b"v"), "s3")
    status, _, data = send(server, "PUT", "/bkt/ke%00y", "", hdrs, b"v")
    assert (status, xml_code(data)) == (400, "InvalidArgument"), data
    hdrs = signed_headers_for(server, "GET", "/bkt", "list-type=2&prefix=a%00b",
                              {"x-amz-content-sha256": sha(b"")}, sha(b""), "s3")
    status, _, data = send(server, "GET", "/bkt", "list-type=2&prefix=a%00b", hdrs, b"")
    assert (status, xml_code(data)) == (400, "InvalidArgument"), data
    assert s3.list_objects_v2(Bucket="bkt")["KeyCount"] == 0


def test_nul_in_an_iam_user_name_is_refused(server, iam):
    for body in (b"Action=CreateUser&UserName=ab%00cd&Version=2010-05-08",
                 b"Action=CreateUser&UserName=ab%00&Version=2010-05-08",
                 b"Action=CreateUser%00&UserName=ab&Version=2010-05-08"):
        hdrs = signed_headers_for(server, "POST", "/", "", {"Content-Type": IAM_FORM}, sha(body),
                                  "iam")
        status, _, data = send(server, "POST", "/", "", hdrs, body)
        assert (status, xml_code(data)) == (400, "ValidationError"), (body, data)
    assert user_names(iam) == ["admin"]


def test_nul_in_an_application_or_instance_name_is_refused(server, cd):
    for target, body in (("CreateApplication", b'{"applicationName": "ab\\u0000cd"}'),
                         ("RegisterOnPremisesInstance",
                          b'{"instanceName": "h\\u0000x", "iamSessionArn": '
                          b'"arn:aws:sts::123456789012:assumed-role/r/s"}')):
        hdrs = signed_headers_for(server, "POST", "/", "",
                                  {"Content-Type": JSON11,
                                   "X-Amz-Target": "CodeDeploy_20141006." + target},
                                  sha(body), "codedeploy")
        status, _, data = send(server, "POST", "/", "", hdrs, body)
        assert (status, json_code(data)) == (400, "SerializationException"), data
        assert "NUL" in json.loads(data)["message"] or "\\u0000" in json.loads(data)["message"]
    assert cd.list_applications()["applications"] == []
    assert cd.list_on_premises_instances()["instanceNames"] == []


# ---- smaller findings -----------------------------------------------------------------------

def error_of(fn, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        fn(*args, **kwargs)
    e = ei.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"], e["Error"]["Message"]


def test_a_signature_for_another_region_or_service_is_refused(server):
    for service, code, status in (("codedeploy", "InvalidSignatureException", 400),
                                  ("iam", "SignatureDoesNotMatch", 403),
                                  ("s3", "AuthorizationHeaderMalformed", 400)):
        client = server.client(service)
        client.meta.config.region_name = "eu-west-1"
        import boto3
        other = boto3.client(service, endpoint_url=server.endpoint, region_name="eu-west-1",
                             aws_access_key_id=server.access_key,
                             aws_secret_access_key=server.secret_key)
        call = {"codedeploy": lambda: other.list_applications(),
                "iam": lambda: other.list_users(),
                "s3": lambda: other.list_buckets()}[service]
        got = error_of(call)
        assert got[:2] == (code, status), (service, got)
        assert "region" in got[2] or service == "s3"
    # A CodeDeploy target signed for IAM's scope.
    body = b"{}"
    hdrs = signed_headers_for(server, "POST", "/", "",
                              {"Content-Type": JSON11,
                               "X-Amz-Target": "CodeDeploy_20141006.ListApplications"},
                              sha(body), "iam")
    status, _, data = send(server, "POST", "/", "", hdrs, body)
    assert (status, json_code(data)) == (400, "InvalidSignatureException")
    assert b"correct service: 'codedeploy'" in data


def test_wrong_secret_and_expired_signature_answer_one_status_per_protocol(server):
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    cases = (
        ("POST", "/", "", {"Content-Type": JSON11,
                           "X-Amz-Target": "CodeDeploy_20141006.ListApplications"},
         b"{}", "codedeploy", 400),
        ("POST", "/", "", {"Content-Type": IAM_FORM}, b"Action=ListUsers&Version=2010-05-08",
         "iam", 403),
        ("GET", "/", "", {"x-amz-content-sha256": sha(b"")}, b"", "s3", 403),
    )
    for method, path, query, headers, body, service, want in cases:
        wrong = signed_headers_for(server, method, path, query, headers, sha(body), service,
                                   secret="x" * 40)
        expired = signed_headers_for(server, method, path, query, headers, sha(body), service,
                                     when=old)
        got = [send(server, method, path, query, h, body)[0] for h in (wrong, expired)]
        assert got == [want, want], (service, got)


def test_presigned_url_valid_for_more_than_a_week_is_refused(server):
    s3 = server.client("s3", signature_version="s3v4")
    s3.create_bucket(Bucket="pre")
    s3.put_object(Bucket="pre", Key="k", Body=b"data")
    for seconds, ok in ((604800, True), (604801, False)):
        url = s3.generate_presigned_url("get_object", Params={"Bucket": "pre", "Key": "k"},
                                        ExpiresIn=seconds)
        assert "X-Amz-Expires=%d" % seconds in url
        parts = urllib.parse.urlsplit(url)
        status, _, data = send(server, "GET", parts.path, parts.query, {}, b"")
        assert (status == 200) == ok, (seconds, status, data)
        if not ok:
            assert (status, xml_code(data)) == (400, "AuthorizationQueryParametersError")
            assert b"604800" in data


def test_conflicting_content_lengths_are_refused(server, cd):
    body = json.dumps({"applicationName": "smuggled"}).encode()
    hdrs = signed_headers_for(server, "POST", "/", "",
                              {"Content-Type": JSON11,
                               "X-Amz-Target": "CodeDeploy_20141006.CreateApplication"},
                              sha(body), "codedeploy")
    raw = ["POST / HTTP/1.1", f"Host: 127.0.0.1:{server.port}"]
    raw += [f"{k}: {v}" for k, v in hdrs.items()]
    raw += [f"Content-Length: {len(body)}", "Content-Length: 4", "Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall("\r\n".join(raw).encode() + body)
        reply = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert b"Content-Length" in reply
    assert cd.list_applications()["applications"] == []


def test_delete_objects_needs_content_md5_or_a_checksum(server, s3):
    s3.create_bucket(Bucket="del")
    s3.put_object(Bucket="del", Key="k", Body=b"x")
    body = delete_objects_body("k")
    hdrs = signed_headers_for(server, "POST", "/del", "delete=",
                              {"x-amz-content-sha256": sha(body)}, sha(body), "s3")
    status, _, data = send(server, "POST", "/del", "delete=", hdrs, body)
    assert (status, xml_code(data)) == (400, "InvalidRequest") and b"Content-MD5" in data
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="del")["Contents"]] == ["k"]
    # boto3 sends one, and it works.
    s3.delete_objects(Bucket="del", Delete={"Objects": [{"Key": "k"}]})
    assert s3.list_objects_v2(Bucket="del")["KeyCount"] == 0
