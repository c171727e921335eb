"""Virtual-hosted S3 with the AWS SDK for JavaScript v3 (@aws-sdk/client-s3), which addresses
buckets as `<bucket>.<endpoint host>` by default: slipwayd serves `<bucket>.<s3 domain>` (default
localhost; `--s3-domain`) as that bucket and refuses other host names rather than reading them
as path-style. Before, a virtual-hosted PutObject of key `k` created a bucket `k`, DeleteObject
of key `victim` deleted the empty bucket `victim`, and ListObjectsV2 answered ListBuckets.

The SDK runs in node (tests/e2e/js, installed with `npm ci` when missing); every host name it
asks for resolves to 127.0.0.1 through its HTTP agent's own lookup."""
import http.client
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from conftest import SLIPWAYD, Server

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")


@pytest.fixture(scope="module")
def node_sdk():
    """The directory holding node_modules with the JS SDK; skips when it cannot be had."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("the JS SDK v3 tests need node and npm (node >= 20)")
    mods = os.path.join(JS_DIR, "node_modules", "@aws-sdk", "client-s3")
    if not os.path.isdir(mods):
        try:
            p = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR,
                               capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            pytest.skip("npm ci in tests/e2e/js timed out: the npm registry is unreachable?")
        if p.returncode != 0 or not os.path.isdir(mods):
            pytest.skip("npm ci in tests/e2e/js failed (is the npm registry reachable?): "
                        + p.stderr.strip()[-500:])
    return JS_DIR


def js(server, ops, endpoint=None, path_style=False):
    """Runs S3 calls [(op, input)] with the JS SDK; returns one result dict per call."""
    req = {"endpoint": endpoint or f"http://localhost:{server.port}",
           "accessKeyId": server.access_key, "secretAccessKey": server.secret_key,
           "forcePathStyle": path_style,
           "ops": [{"op": op, "input": inp} for op, inp in ops]}
    p = subprocess.run(["node", os.path.join(JS_DIR, "s3.mjs")], input=json.dumps(req),
                       capture_output=True, text=True, timeout=180, cwd=JS_DIR)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def ok(result, host=None):
    assert result["ok"], result
    if host:
        assert result["host"].split(":")[0] == host, result
    return result["output"]


def buckets(s3):
    return sorted(b["Name"] for b in s3.list_buckets()["Buckets"])


def test_virtual_hosted_requests_address_the_bucket_in_the_host(node_sdk, server, s3):
    s3.create_bucket(Bucket="victim")  # empty: the old path-style reading deleted it
    r = js(server, [
        ("CreateBucket", {"Bucket": "rev"}),
        ("PutObject", {"Bucket": "rev", "Key": "k", "Body": ""}),
        ("PutObject", {"Bucket": "rev", "Key": "web/1.txt", "Body": "hello"}),
        ("PutObject", {"Bucket": "rev", "Key": "victim", "Body": "x"}),
        ("DeleteObject", {"Bucket": "rev", "Key": "victim"}),
        ("ListObjectsV2", {"Bucket": "rev"}),
        ("ListObjectsV2", {"Bucket": "rev", "Prefix": "web/"}),
        ("GetObject", {"Bucket": "rev", "Key": "web/1.txt"}),
        ("HeadObject", {"Bucket": "rev", "Key": "k"}),
        ("HeadBucket", {"Bucket": "rev"}),
        ("CopyObject", {"Bucket": "rev", "Key": "web/2.txt", "CopySource": "rev/web/1.txt"}),
        ("GetObject", {"Bucket": "rev", "Key": "nope"}),
        ("ListObjectsV2", {"Bucket": "ghost"}),
    ])
    for x in r:
        assert x["host"].split(":")[0] in ("rev.localhost", "ghost.localhost"), x
    ok(r[0])
    ok(r[1])
    ok(r[2])
    ok(r[3])
    ok(r[4])
    # no bucket named after a key was created, none deleted
    assert buckets(s3) == ["rev", "victim"]
    assert s3.head_object(Bucket="rev", Key="k")["ContentLength"] == 0
    listed = ok(r[5])
    assert listed["Name"] == "rev" and [o["Key"] for o in listed["Contents"]] == ["k", "web/1.txt"]
    assert [o["Key"] for o in ok(r[6])["Contents"]] == ["web/1.txt"]
    assert ok(r[7])["Body"] == "hello"
    assert ok(r[8])["ContentLength"] == 0
    ok(r[9])
    ok(r[10])
    assert s3.get_object(Bucket="rev", Key="web/2.txt")["Body"].read() == b"hello"
    assert not r[11]["ok"] and r[11]["name"] == "NoSuchKey" and r[11]["status"] == 404
    assert not r[12]["ok"] and r[12]["name"] == "NoSuchBucket" and r[12]["status"] == 404


def test_multipart_upload_and_batch_delete_virtual_hosted(node_sdk, server, s3):
    s3.create_bucket(Bucket="big")
    part = "a" * (5 * 1024 * 1024)
    r = js(server, [("CreateMultipartUpload", {"Bucket": "big", "Key": "blob"})])
    upload = ok(r[0], "big.localhost")["UploadId"]
    r = js(server, [
        ("UploadPart", {"Bucket": "big", "Key": "blob", "UploadId": upload, "PartNumber": 1,
                        "Body": part}),
        ("UploadPart", {"Bucket": "big", "Key": "blob", "UploadId": upload, "PartNumber": 2,
                        "Body": "tail"}),
    ])
    etags = [ok(x, "big.localhost")["ETag"] for x in r]
    r = js(server, [
        ("CompleteMultipartUpload", {
            "Bucket": "big", "Key": "blob", "UploadId": upload,
            "MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": etags[0]},
                                          {"PartNumber": 2, "ETag": etags[1]}]}}),
        ("PutObject", {"Bucket": "big", "Key": "other", "Body": "y"}),
        ("DeleteObjects", {"Bucket": "big", "Delete": {"Objects": [{"Key": "other"}]}}),
        ("ListObjectsV2", {"Bucket": "big"}),
    ])
    ok(r[0], "big.localhost")
    assert [d["Key"] for d in ok(r[2], "big.localhost")["Deleted"]] == ["other"]
    assert [(o["Key"], o["Size"]) for o in ok(r[3])["Contents"]] == \
        [("blob", len(part) + 4)]
    assert buckets(s3) == ["big"]


def test_path_style_still_works_from_the_js_sdk(node_sdk, server, s3):
    r = js(server, [("CreateBucket", {"Bucket": "plain"}),
                    ("PutObject", {"Bucket": "plain", "Key": "k", "Body": "v"}),
                    ("ListObjectsV2", {"Bucket": "plain"})], path_style=True)
    assert r[0]["host"].split(":")[0] == "localhost" and r[1]["path"] == "/plain/k"
    assert [o["Key"] for o in ok(r[2])["Contents"]] == ["k"]
    # the SDK addresses an IP-address endpoint path-style by itself
    r = js(server, [("GetObject", {"Bucket": "plain", "Key": "k"})],
           endpoint=server.endpoint)
    assert r[0]["host"].split(":")[0] == "127.0.0.1" and ok(r[0])["Body"] == "v"


def test_a_host_outside_the_s3_domains_is_refused_not_guessed(node_sdk, server, s3):
    s3.create_bucket(Bucket="rev")
    s3.create_bucket(Bucket="victim")
    r = js(server, [("PutObject", {"Bucket": "rev", "Key": "k", "Body": ""}),
                    ("DeleteObject", {"Bucket": "rev", "Key": "victim"}),
                    ("ListObjectsV2", {"Bucket": "rev"})],
           endpoint=f"http://s3.unknown.test:{server.port}")
    for x in r:
        assert x["host"].split(":")[0] == "rev.s3.unknown.test", x
        assert not x["ok"] and x["name"] == "InvalidRequest" and x["status"] == 400, x
        assert "--s3-domain" in x["message"], x
    assert buckets(s3) == ["rev", "victim"]
    assert s3.list_objects_v2(Bucket="rev")["KeyCount"] == 0


def test_s3_domain_flag(node_sdk, tmp_path):
    srv = Server(tmp_path / "d", tmp_path / "log",
                 ["--s3-domain", "s3.slipway.test,files.slipway.test"]).start()
    try:
        r = js(srv, [("CreateBucket", {"Bucket": "rev"}),
                     ("PutObject", {"Bucket": "rev", "Key": "a", "Body": "1"}),
                     ("ListObjectsV2", {"Bucket": "rev"})],
               endpoint=f"http://s3.slipway.test:{srv.port}")
        assert r[0]["host"].split(":")[0] == "rev.s3.slipway.test"
        assert [o["Key"] for o in ok(r[2])["Contents"]] == ["a"]
        r = js(srv, [("GetObject", {"Bucket": "rev", "Key": "a"})],
               endpoint=f"http://files.slipway.test:{srv.port}")
        assert ok(r[0], "rev.files.slipway.test")["Body"] == "1"
        # the names given replace the default: localhost is not one now
        r = js(srv, [("GetObject", {"Bucket": "rev", "Key": "a"})])
        assert r[0]["name"] == "InvalidRequest", r[0]
        assert "s3.slipway.test, files.slipway.test" in r[0]["message"]
        # an address is always path-style
        r = js(srv, [("GetObject", {"Bucket": "rev", "Key": "a"})], endpoint=srv.endpoint)
        assert ok(r[0])["Body"] == "1"
    finally:
        assert srv.stop() == 0
    log = srv.read_log()
    assert "virtual-hosted buckets under 's3.slipway.test'" in log
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log
    p = subprocess.run([SLIPWAYD, "--data", str(tmp_path / "x"), "--s3-domain", "bad_name"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "--s3-domain" in p.stderr


def test_unsigned_request_to_a_virtual_hosted_root_gets_s3s_error(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", "/?list-type=2", headers={"Host": f"rev.localhost:{server.port}"})
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    assert resp.status == 403
    assert ET.fromstring(body).find("Code").text == "AccessDenied"
