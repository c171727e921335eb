"""The S3 subset: buckets, objects, ranges, listings, multipart uploads, checksums, streaming
(aws-chunked) uploads, errors and who may do what — driven by Debian's boto3 1.29, the aws CLI
(botocore 1.43), hand-signed requests, and both clients through a TLS terminator."""
import base64
import datetime
import hashlib
import hmac
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zlib

import boto3
import botocore.config
import botocore.exceptions
import pytest

from tlsproxy import tls_terminator
from boto3.s3.transfer import TransferConfig

MiB = 1 << 20
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


# ---- helpers --------------------------------------------------------------------------------

def error_of(fn, *args, **kwargs):
    """The S3 error code and HTTP status a boto3 call fails with."""
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        fn(*args, **kwargs)
    r = ei.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def multipart_etag(parts):
    """S3's ETag of a multipart object: MD5 of the parts' binary MD5s, then -<count>."""
    digests = b"".join(hashlib.md5(p).digest() for p in parts)
    return '"%s-%d"' % (hashlib.md5(digests).hexdigest(), len(parts))


def b64(raw):
    return base64.b64encode(raw).decode()


def crc32_b64(data):
    return b64(zlib.crc32(data).to_bytes(4, "big"))


def _crc_table(poly, bits):
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc_table(0x82F63B78, 32)
_CRC64NVME = _crc_table(0x9A6C9329AC4BC9B5, 64)


def crc32c_b64(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC32C[(c ^ b) & 0xFF] ^ (c >> 8)
    return b64((c ^ 0xFFFFFFFF).to_bytes(4, "big"))


def crc64nvme_b64(data):
    c = 0xFFFFFFFFFFFFFFFF
    for b in data:
        c = _CRC64NVME[(c ^ b) & 0xFF] ^ (c >> 8)
    return b64((c ^ 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big"))


def blobs(server):
    """The names (SHA-256) of the blobs in the store."""
    root = os.path.join(server.data_dir, "blobs")
    out = []
    for d in os.listdir(root):
        if d != "tmp":
            out += [d + f for f in os.listdir(os.path.join(root, d))]
    return sorted(out)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def raw_request(server, method, path, headers=None, body=b""):
    """One HTTP request as given (no signing); returns status, headers (lower-case), body."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        hdrs = dict(headers or {})
        hdrs.setdefault("Host", f"127.0.0.1:{server.port}")
        if body or method in ("PUT", "POST"):
            hdrs.setdefault("Content-Length", str(len(body)))
        for k, v in hdrs.items():
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def sign(server, method, path, headers, body=b"", secret=None, when=None):
    """SigV4 headers for an S3 request (botocore's signer; headers given are signed as they
    are, including any X-Amz-Content-SHA256)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method=method, url=server.endpoint + path, data=body, headers=headers)
    signer = SigV4Auth(Credentials(server.access_key, secret or server.secret_key), "s3",
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
    out = dict(req.headers.items())
    out["Host"] = f"127.0.0.1:{server.port}"
    return out


def xml_error(body):
    root = ET.fromstring(body)
    assert root.tag == "Error", body
    return {child.tag: child.text for child in root}


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def cli(server, *args, endpoint=None, extra=(), check=True, access_key=None, secret_key=None):
    """The aws CLI (botocore 1.43) with plain-text output (the s3 commands print text)."""
    cmd = ["aws", "--endpoint-url", endpoint or server.endpoint] + list(extra) + list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                       env=server.env(access_key, secret_key))
    if check and p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr}")
    return p


# ---- buckets --------------------------------------------------------------------------------

def test_bucket_lifecycle(s3):
    assert s3.create_bucket(Bucket="alpha")["ResponseMetadata"]["HTTPStatusCode"] == 200
    # us-east-1: creating a bucket you already own succeeds again, as in S3
    assert s3.create_bucket(Bucket="alpha")["ResponseMetadata"]["HTTPStatusCode"] == 200
    s3.create_bucket(Bucket="beta.example-1",
                     CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert names == ["alpha", "beta.example-1"]
    assert s3.head_bucket(Bucket="alpha")["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_bucket_location(Bucket="alpha").get("LocationConstraint") is None
    for bad in ("ab", "Upper", "-dash", "a..b", "192.168.1.1", "x" * 64, "under_score"):
        assert error_of(s3.create_bucket, Bucket=bad) == ("InvalidBucketName", 400), bad
    s3.put_object(Bucket="alpha", Key="k", Body=b"x")
    assert error_of(s3.delete_bucket, Bucket="alpha") == ("BucketNotEmpty", 409)
    s3.delete_object(Bucket="alpha", Key="k")
    assert s3.delete_bucket(Bucket="alpha")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(s3.head_bucket, Bucket="alpha") == ("404", 404)
    assert error_of(s3.delete_bucket, Bucket="alpha") == ("NoSuchBucket", 404)
    assert error_of(s3.list_objects_v2, Bucket="alpha") == ("NoSuchBucket", 404)
    assert error_of(s3.put_object, Bucket="alpha", Key="k", Body=b"x") == ("NoSuchBucket", 404)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["beta.example-1"]


def test_bucket_already_owned_outside_us_east_1(tmp_path):
    import conftest
    srv = conftest.Server(tmp_path / "d", tmp_path / "log", ["--region", "eu-west-1"]).start()
    try:
        s3 = boto3.client("s3", endpoint_url=srv.endpoint, region_name="eu-west-1",
                          aws_access_key_id=srv.access_key,
                          aws_secret_access_key=srv.secret_key,
                          config=botocore.config.Config(retries={"max_attempts": 1}))
        cfg = {"LocationConstraint": "eu-west-1"}
        s3.create_bucket(Bucket="mine", CreateBucketConfiguration=cfg)
        assert error_of(s3.create_bucket, Bucket="mine", CreateBucketConfiguration=cfg) == \
            ("BucketAlreadyOwnedByYou", 409)
        assert s3.get_bucket_location(Bucket="mine")["LocationConstraint"] == "eu-west-1"
    finally:
        assert srv.stop() == 0
    log = srv.read_log()
    assert "ERROR: AddressSanitizer" not in log and "runtime error:" not in log, log


# ---- objects --------------------------------------------------------------------------------

def test_put_get_head_round_trip(server, s3):
    s3.create_bucket(Bucket="data")
    body = os.urandom(3 * MiB + 17)
    put = s3.put_object(Bucket="data", Key="dir/blob.bin", Body=body, ContentType="app/x-test",
                        Metadata={"Owner": "me", "build": "42"}, CacheControl="max-age=60",
                        ContentDisposition='attachment; filename="b.bin"')
    assert put["ETag"] == '"%s"' % md5_hex(body)
    got = s3.get_object(Bucket="data", Key="dir/blob.bin")
    assert got["Body"].read() == body
    assert got["ETag"] == put["ETag"]
    assert got["ContentLength"] == len(body)
    assert got["ContentType"] == "app/x-test"
    assert got["Metadata"] == {"owner": "me", "build": "42"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == 'attachment; filename="b.bin"'
    # Last-Modified is an RFC 1123 date
    raw_date = got["ResponseMetadata"]["HTTPHeaders"]["last-modified"]
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", raw_date)
    age = datetime.datetime.now(datetime.timezone.utc) - got["LastModified"]
    assert abs(age.total_seconds()) < 60
    head = s3.head_object(Bucket="data", Key="dir/blob.bin")
    assert head["ContentLength"] == len(body) and head["ETag"] == put["ETag"]
    assert head["Metadata"] == {"owner": "me", "build": "42"}
    # user metadata is limited (2 KB, and here 40 headers since each comes back as one)
    assert error_of(s3.put_object, Bucket="data", Key="m", Body=b"",
                    Metadata={"k": "v" * 2100}) == ("MetadataTooLarge", 400)
    assert error_of(s3.put_object, Bucket="data", Key="m", Body=b"",
                    Metadata={f"k{i}": "v" for i in range(41)}) == ("MetadataTooLarge", 400)
    many = {f"k{i}": f"v{i}" for i in range(40)}
    s3.put_object(Bucket="data", Key="m", Body=b"", Metadata=many)
    assert s3.head_object(Bucket="data", Key="m")["Metadata"] == many
    # no Content-Type given: S3's default
    s3.put_object(Bucket="data", Key="plain", Body=b"")
    got = s3.get_object(Bucket="data", Key="plain")
    assert got["Body"].read() == b"" and got["ContentType"] == "binary/octet-stream"
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    # the object is the blob of its content
    assert sha256_hex(body) in blobs(server)


def test_missing_objects_and_delete(server, s3):
    s3.create_bucket(Bucket="data")
    assert error_of(s3.get_object, Bucket="data", Key="nope") == ("NoSuchKey", 404)
    assert error_of(s3.head_object, Bucket="data", Key="nope") == ("404", 404)
    assert error_of(s3.get_object, Bucket="nobucket", Key="k") == ("NoSuchBucket", 404)
    # deleting a key that is not there succeeds
    assert s3.delete_object(Bucket="data", Key="nope")["ResponseMetadata"]["HTTPStatusCode"] \
        == 204
    s3.put_object(Bucket="data", Key="k", Body=b"v")
    assert s3.delete_object(Bucket="data", Key="k")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error_of(s3.get_object, Bucket="data", Key="k") == ("NoSuchKey", 404)
    assert blobs(server) == []


def test_overwrite_and_shared_content_keep_blobs_right(server, s3):
    s3.create_bucket(Bucket="data")
    a, b = b"first version", b"second version"
    s3.put_object(Bucket="data", Key="k", Body=a)
    s3.put_object(Bucket="data", Key="k", Body=b)
    assert blobs(server) == [sha256_hex(b)]  # the replaced content is gone
    s3.put_object(Bucket="data", Key="twin", Body=b)  # same content, one blob
    assert blobs(server) == [sha256_hex(b)]
    s3.delete_object(Bucket="data", Key="k")
    assert blobs(server) == [sha256_hex(b)]  # still used by twin
    assert s3.get_object(Bucket="data", Key="twin")["Body"].read() == b
    s3.delete_object(Bucket="data", Key="twin")
    assert blobs(server) == []
    assert os.listdir(os.path.join(server.data_dir, "blobs", "tmp")) == []


def test_ranges(server, s3, tmp_path):
    s3.create_bucket(Bucket="data")
    body = bytes(range(256)) * 40  # 10240 bytes
    s3.put_object(Bucket="data", Key="r", Body=body)
    cases = {"bytes=0-9": (0, 9), "bytes=100-": (100, 10239), "bytes=-5": (10235, 10239),
             "bytes=10000-20000": (10000, 10239), "bytes=-999999": (0, 10239)}
    for rng, (a, b) in cases.items():
        got = s3.get_object(Bucket="data", Key="r", Range=rng)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 206, rng
        assert got["ContentRange"] == f"bytes {a}-{b}/10240", rng
        assert got["Body"].read() == body[a:b + 1], rng
        assert got["ContentLength"] == b - a + 1
    # a range S3 ignores (malformed, or several): the whole object
    for rng in ("bytes=5-2", "items=0-1", "bytes=0-1,5-6"):
        got = s3.get_object(Bucket="data", Key="r", Range=rng)
        assert got["ResponseMetadata"]["HTTPStatusCode"] == 200, rng
        assert got["Body"].read() == body
    # unsatisfiable: 416 InvalidRange with the size in Content-Range
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        s3.get_object(Bucket="data", Key="r", Range="bytes=10240-")
    r = ei.value.response
    assert r["Error"]["Code"] == "InvalidRange"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 416
    assert r["ResponseMetadata"]["HTTPHeaders"]["content-range"] == "bytes */10240"
    # the aws CLI (botocore 1.43) asks the same way
    out = server.aws("s3api", "get-object", "--bucket", "data", "--key", "r", "--range",
                     "bytes=1000-1099", str(tmp_path / "range.out"))
    assert out["ContentRange"] == "bytes 1000-1099/10240"
    assert (tmp_path / "range.out").read_bytes() == body[1000:1100]


def test_conditional_get(server, s3, tmp_path):
    s3.create_bucket(Bucket="data")
    etag = s3.put_object(Bucket="data", Key="c", Body=b"conditional")["ETag"]
    head = s3.head_object(Bucket="data", Key="c")
    assert error_of(s3.get_object, Bucket="data", Key="c", IfNoneMatch=etag) == ("304", 304)
    assert error_of(s3.get_object, Bucket="data", Key="c", IfMatch='"0000"') == \
        ("PreconditionFailed", 412)
    assert s3.get_object(Bucket="data", Key="c", IfMatch=etag)["Body"].read() == b"conditional"
    assert s3.get_object(Bucket="data", Key="c", IfNoneMatch='"other"')["Body"].read() \
        == b"conditional"
    later = head["LastModified"] + datetime.timedelta(seconds=5)
    earlier = head["LastModified"] - datetime.timedelta(seconds=5)
    assert error_of(s3.get_object, Bucket="data", Key="c", IfModifiedSince=later) == \
        ("304", 304)
    assert error_of(s3.get_object, Bucket="data", Key="c", IfUnmodifiedSince=earlier) == \
        ("PreconditionFailed", 412)
    assert s3.get_object(Bucket="data", Key="c", IfModifiedSince=earlier)["Body"].read()
    # a conditional write (botocore 1.43 knows it): only when the key is new
    (tmp_path / "x").write_bytes(b"x")
    p = server.aws("s3api", "put-object", "--bucket", "data", "--key", "c", "--body",
                   str(tmp_path / "x"), "--if-none-match", "*", check=False)
    assert p.returncode != 0 and "PreconditionFailed" in p.stderr
    server.aws("s3api", "put-object", "--bucket", "data", "--key", "new", "--body",
               str(tmp_path / "x"), "--if-none-match", "*")
    assert s3.get_object(Bucket="data", Key="c")["Body"].read() == b"conditional"
    assert s3.get_object(Bucket="data", Key="new")["Body"].read() == b"x"


def test_copy_object(server, s3):
    s3.create_bucket(Bucket="src")
    s3.create_bucket(Bucket="dst")
    body = os.urandom(100000)
    etag = s3.put_object(Bucket="src", Key="a", Body=body, ContentType="text/x-a",
                         Metadata={"m": "1"})["ETag"]
    out = s3.copy_object(Bucket="dst", Key="b", CopySource={"Bucket": "src", "Key": "a"})
    assert out["CopyObjectResult"]["ETag"] == etag
    got = s3.get_object(Bucket="dst", Key="b")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/x-a" and got["Metadata"] == {"m": "1"}
    s3.copy_object(Bucket="dst", Key="c", CopySource="src/a", MetadataDirective="REPLACE",
                   Metadata={"n": "2"}, ContentType="text/x-c")
    got = s3.get_object(Bucket="dst", Key="c")
    assert got["Metadata"] == {"n": "2"} and got["ContentType"] == "text/x-c"
    assert error_of(s3.copy_object, Bucket="dst", Key="x", CopySource="src/missing") == \
        ("NoSuchKey", 404)
    assert error_of(s3.copy_object, Bucket="src", Key="a", CopySource="src/a") == \
        ("InvalidRequest", 400)
    s3.delete_object(Bucket="src", Key="a")  # the copies share the blob, which stays
    assert s3.get_object(Bucket="dst", Key="b")["Body"].read() == body
    assert blobs(server) == [sha256_hex(body)]


def test_delete_objects(server, s3):
    s3.create_bucket(Bucket="data")
    for k in ("a", "b", "c"):
        s3.put_object(Bucket="data", Key=k, Body=k.encode() * 10)
    out = s3.delete_objects(Bucket="data", Delete={"Objects": [{"Key": "a"}, {"Key": "b"},
                                                               {"Key": "zz"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["a", "b", "zz"]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="data")["Contents"]] == ["c"]
    assert blobs(server) == [sha256_hex(b"c" * 10)]


# ---- listings -------------------------------------------------------------------------------

KEYS = ["a/1", "a/2", "a/b/3", "b/4", "c", "d/5", "d/6", "e"]


@pytest.fixture
def listed(s3):
    s3.create_bucket(Bucket="list")
    for k in KEYS:
        s3.put_object(Bucket="list", Key=k, Body=k.encode())
    return s3


def test_list_v2_prefix_and_delimiter(listed):
    s3 = listed
    out = s3.list_objects_v2(Bucket="list")
    assert [o["Key"] for o in out["Contents"]] == KEYS
    assert out["KeyCount"] == len(KEYS) and out["IsTruncated"] is False
    first = out["Contents"][0]
    assert first["Size"] == 3 and first["ETag"] == '"%s"' % md5_hex(b"a/1")
    assert first["StorageClass"] == "STANDARD"
    raw = s3.list_objects_v2(Bucket="list")["ResponseMetadata"]
    assert raw["HTTPStatusCode"] == 200
    out = s3.list_objects_v2(Bucket="list", Delimiter="/")
    assert [o["Key"] for o in out["Contents"]] == ["c", "e"]
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["a/", "b/", "d/"]
    assert out["KeyCount"] == 5
    out = s3.list_objects_v2(Bucket="list", Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in out["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["a/b/"]
    assert out["Prefix"] == "a/"
    out = s3.list_objects_v2(Bucket="list", Prefix="zz")
    assert out["KeyCount"] == 0 and "Contents" not in out
    out = s3.list_objects_v2(Bucket="list", StartAfter="b/4")
    assert [o["Key"] for o in out["Contents"]] == ["c", "d/5", "d/6", "e"]
    out = s3.list_objects_v2(Bucket="list", StartAfter="a/", Delimiter="/")
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["b/", "d/"]


def test_list_v2_pagination(listed):
    s3 = listed
    for delim, expected in (("", KEYS), ("/", ["a/", "b/", "c", "d/", "e"])):
        seen, token, pages = [], None, 0
        while True:
            kw = {"Bucket": "list", "MaxKeys": 2, "Delimiter": delim}
            if token:
                kw["ContinuationToken"] = token
            out = s3.list_objects_v2(**kw)
            page = [o["Key"] for o in out.get("Contents", [])] + \
                [p["Prefix"] for p in out.get("CommonPrefixes", [])]
            assert out["KeyCount"] == len(page) <= 2
            seen += page
            pages += 1
            if not out["IsTruncated"]:
                assert "NextContinuationToken" not in out
                break
            assert len(page) == 2
            token = out["NextContinuationToken"]
        assert sorted(seen) == expected and len(seen) == len(set(seen)), delim
        assert pages == (len(expected) + 1) // 2
    # boto3's paginator walks the same way
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket="list", PaginationConfig={"PageSize": 3}) for o in page.get("Contents", [])]
    assert keys == KEYS
    assert error_of(s3.list_objects_v2, Bucket="list", ContinuationToken="garbage!") == \
        ("InvalidArgument", 400)


def test_list_v1_markers(listed):
    s3 = listed
    out = s3.list_objects(Bucket="list", MaxKeys=3)
    assert [o["Key"] for o in out["Contents"]] == KEYS[:3] and out["IsTruncated"]
    out = s3.list_objects(Bucket="list", Marker="a/b/3")
    assert [o["Key"] for o in out["Contents"]] == KEYS[3:]
    seen, marker = [], ""
    while True:
        out = s3.list_objects(Bucket="list", Delimiter="/", MaxKeys=2, Marker=marker)
        seen += [o["Key"] for o in out.get("Contents", [])]
        seen += [p["Prefix"] for p in out.get("CommonPrefixes", [])]
        if not out["IsTruncated"]:
            break
        marker = out["NextMarker"]
    assert sorted(seen) == ["a/", "b/", "c", "d/", "e"]


def test_awkward_keys(server, s3):
    s3.create_bucket(Bucket="keys")
    keys = ["sp ace/plus+sign", "ünïcode/ключ.txt", "q?x=1&y=2#frag", "semi;colon:=,@$",
            "a%20b", "tilde~/(paren)", "dots/../and/./more", "/leading", "a//b", "tab\there"]
    for k in keys:
        s3.put_object(Bucket="keys", Key=k, Body=k.encode())
    for k in keys:
        assert s3.get_object(Bucket="keys", Key=k)["Body"].read() == k.encode(), k
    # botocore asks for encoding-type=url and decodes; both generations must agree
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket="keys")["Contents"]]
    assert listed == sorted(keys, key=lambda k: k.encode())
    out = server.aws("s3api", "list-objects-v2", "--bucket", "keys", "--delimiter", "/")
    assert sorted(p["Prefix"] for p in out["CommonPrefixes"]) == sorted(
        {k.split("/")[0] + "/" for k in keys if "/" in k})
    assert error_of(s3.put_object, Bucket="keys", Key="k" * 1025, Body=b"") == \
        ("KeyTooLongError", 400)


# ---- multipart ------------------------------------------------------------------------------

def test_multipart_upload_boto3(server, s3):
    s3.create_bucket(Bucket="mpu")
    parts = [os.urandom(5 * MiB), os.urandom(5 * MiB + 3), os.urandom(1000)]
    up = s3.create_multipart_upload(Bucket="mpu", Key="big", ContentType="application/x-big",
                                    Metadata={"kind": "multi"})
    uid = up["UploadId"]
    etags = []
    for i, p in enumerate(parts, 1):
        etags.append(s3.upload_part(Bucket="mpu", Key="big", UploadId=uid, PartNumber=i,
                                    Body=p)["ETag"])
        assert etags[-1] == '"%s"' % md5_hex(p)
    listed = s3.list_parts(Bucket="mpu", Key="big", UploadId=uid)
    assert [(p["PartNumber"], p["Size"]) for p in listed["Parts"]] == \
        [(1, 5 * MiB), (2, 5 * MiB + 3), (3, 1000)]
    uploads = s3.list_multipart_uploads(Bucket="mpu")["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("big", uid)]
    # every part is a blob until completion
    assert sorted(blobs(server)) == sorted(sha256_hex(p) for p in parts)
    out = s3.complete_multipart_upload(
        Bucket="mpu", Key="big", UploadId=uid,
        MultipartUpload={"Parts": [{"PartNumber": i, "ETag": e}
                                   for i, e in enumerate(etags, 1)]})
    whole = b"".join(parts)
    assert out["ETag"] == multipart_etag(parts)
    got = s3.get_object(Bucket="mpu", Key="big")
    assert got["Body"].read() == whole
    assert got["ETag"] == multipart_etag(parts)
    assert got["ContentType"] == "application/x-big" and got["Metadata"] == {"kind": "multi"}
    # the parts' blobs are gone; only the object's remains
    assert blobs(server) == [sha256_hex(whole)]
    assert error_of(s3.list_parts, Bucket="mpu", Key="big", UploadId=uid) == \
        ("NoSuchUpload", 404)
    assert s3.list_objects_v2(Bucket="mpu")["Contents"][0]["ETag"] == multipart_etag(parts)


def test_multipart_errors_and_abort(server, s3):
    s3.create_bucket(Bucket="mpu")
    uid = s3.create_multipart_upload(Bucket="mpu", Key="k")["UploadId"]
    small = [b"a" * 1000, b"b" * 2000]
    etags = [s3.upload_part(Bucket="mpu", Key="k", UploadId=uid, PartNumber=i, Body=p)["ETag"]
             for i, p in enumerate(small, 1)]

    def complete(parts):
        return error_of(s3.complete_multipart_upload, Bucket="mpu", Key="k", UploadId=uid,
                        MultipartUpload={"Parts": parts})

    assert complete([{"PartNumber": 1, "ETag": etags[0]},
                     {"PartNumber": 2, "ETag": etags[1]}]) == ("EntityTooSmall", 400)
    assert complete([{"PartNumber": 1, "ETag": '"%s"' % ("0" * 32)}]) == ("InvalidPart", 400)
    assert complete([{"PartNumber": 3, "ETag": etags[0]}]) == ("InvalidPart", 400)
    assert complete([{"PartNumber": 2, "ETag": etags[1]},
                     {"PartNumber": 1, "ETag": etags[0]}]) == ("InvalidPartOrder", 400)
    assert complete([]) == ("MalformedXML", 400)
    assert error_of(s3.upload_part, Bucket="mpu", Key="k", UploadId=uid, PartNumber=10001,
                    Body=b"x") == ("InvalidArgument", 400)
    assert error_of(s3.upload_part, Bucket="mpu", Key="k", UploadId="nope", PartNumber=1,
                    Body=b"x") == ("NoSuchUpload", 404)
    # a single small part is a valid upload (the last part may be small), and re-uploading a
    # part replaces it
    s3.upload_part(Bucket="mpu", Key="k", UploadId=uid, PartNumber=1, Body=b"again")
    assert len(blobs(server)) == 2
    s3.abort_multipart_upload(Bucket="mpu", Key="k", UploadId=uid)
    assert blobs(server) == []
    assert error_of(s3.abort_multipart_upload, Bucket="mpu", Key="k", UploadId=uid) == \
        ("NoSuchUpload", 404)
    assert "Contents" not in s3.list_objects_v2(Bucket="mpu")
    # an unfinished upload does not keep its bucket alive
    uid = s3.create_multipart_upload(Bucket="mpu", Key="k2")["UploadId"]
    s3.upload_part(Bucket="mpu", Key="k2", UploadId=uid, PartNumber=1, Body=b"zzz")
    s3.delete_bucket(Bucket="mpu")
    assert blobs(server) == []


def test_multipart_with_boto3_transfer(tmp_path, s3):
    s3.create_bucket(Bucket="xfer")
    data = os.urandom(11 * MiB)
    src, dst = tmp_path / "src.bin", tmp_path / "dst.bin"
    src.write_bytes(data)
    cfg = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB,
                         max_concurrency=3)
    s3.upload_file(str(src), "xfer", "file", Config=cfg)
    head = s3.head_object(Bucket="xfer", Key="file")
    assert head["ETag"] == multipart_etag([data[:5 * MiB], data[5 * MiB:10 * MiB],
                                           data[10 * MiB:]])
    s3.download_file("xfer", "file", str(dst), Config=cfg)
    assert dst.read_bytes() == data


# ---- checksums ------------------------------------------------------------------------------

def test_flexible_checksums_boto3(s3):
    s3.create_bucket(Bucket="cks")
    body = b"checksummed content " * 1000
    expected = {"CRC32": crc32_b64(body), "CRC32C": crc32c_b64(body),
                "SHA1": b64(hashlib.sha1(body).digest()),
                "SHA256": b64(hashlib.sha256(body).digest())}
    for alg, value in expected.items():
        put = s3.put_object(Bucket="cks", Key=alg, Body=body, ChecksumAlgorithm=alg)
        assert put["Checksum" + alg] == value, alg
        head = s3.head_object(Bucket="cks", Key=alg, ChecksumMode="ENABLED")
        assert head["Checksum" + alg] == value, alg
        # without checksum mode, no checksum
        assert "Checksum" + alg not in s3.head_object(Bucket="cks", Key=alg)
        # botocore validates the body against it
        got = s3.get_object(Bucket="cks", Key=alg, ChecksumMode="ENABLED")
        assert got["Checksum" + alg] == value and got["Body"].read() == body
        # a range describes part of the object: no checksum then
        got = s3.get_object(Bucket="cks", Key=alg, ChecksumMode="ENABLED", Range="bytes=0-9")
        assert "Checksum" + alg not in got and got["Body"].read() == body[:10]
    # a wrong value is BadDigest, a malformed one InvalidRequest, two at once InvalidRequest
    assert error_of(s3.put_object, Bucket="cks", Key="bad", Body=body,
                    ChecksumCRC32="AAAAAA==") == ("BadDigest", 400)
    assert error_of(s3.put_object, Bucket="cks", Key="bad", Body=body,
                    ChecksumSHA256="AAAA") == ("InvalidRequest", 400)
    assert error_of(s3.put_object, Bucket="cks", Key="bad", Body=body,
                    ChecksumCRC32=expected["CRC32"], ChecksumSHA1=expected["SHA1"]) == \
        ("InvalidRequest", 400)
    # Content-MD5
    md5 = b64(hashlib.md5(body).digest())
    s3.put_object(Bucket="cks", Key="md5", Body=body, ContentMD5=md5)
    assert error_of(s3.put_object, Bucket="cks", Key="bad", Body=body,
                    ContentMD5=b64(hashlib.md5(b"other").digest())) == ("BadDigest", 400)
    assert error_of(s3.put_object, Bucket="cks", Key="bad", Body=body, ContentMD5="nope") == \
        ("InvalidDigest", 400)
    assert error_of(s3.head_object, Bucket="cks", Key="bad") == ("404", 404)


def test_crc64nvme_and_cli_checksums(server, tmp_path):
    server.aws("s3api", "create-bucket", "--bucket", "cks")
    body = os.urandom(70000)
    f = tmp_path / "f"
    f.write_bytes(body)
    value = crc64nvme_b64(body)
    out = server.aws("s3api", "put-object", "--bucket", "cks", "--key", "nvme", "--body", str(f),
                     "--checksum-crc64-nvme", value)
    assert out["ChecksumCRC64NVME"] == value
    out = server.aws("s3api", "head-object", "--bucket", "cks", "--key", "nvme",
                     "--checksum-mode", "ENABLED")
    assert out["ChecksumCRC64NVME"] == value
    p = server.aws("s3api", "put-object", "--bucket", "cks", "--key", "bad", "--body", str(f),
                   "--checksum-crc64-nvme", crc64nvme_b64(b"x"), check=False)
    assert p.returncode != 0 and "BadDigest" in p.stderr
    # botocore 1.43 sends CRC32 by default; the CLI validates it on the way back
    out = server.aws("s3api", "put-object", "--bucket", "cks", "--key", "default", "--body",
                     str(f))
    assert out["ChecksumCRC32"] == crc32_b64(body)
    out = server.aws("s3api", "get-object", "--bucket", "cks", "--key", "default",
                     "--checksum-mode", "ENABLED", str(tmp_path / "back"))
    assert out["ChecksumCRC32"] == crc32_b64(body)
    assert (tmp_path / "back").read_bytes() == body


def test_payload_hash_mismatch(server, s3):
    s3.create_bucket(Bucket="sha")
    declared = b"A" * 1000
    sent = b"B" * 1000
    path = "/sha/obj"
    headers = sign(server, "PUT", path, {"X-Amz-Content-SHA256": sha256_hex(declared)},
                   declared)
    status, _, body = raw_request(server, "PUT", path, headers, sent)
    assert status == 400
    assert xml_error(body)["Code"] == "XAmzContentSHA256Mismatch"
    assert error_of(s3.head_object, Bucket="sha", Key="obj") == ("404", 404)
    assert blobs(server) == []
    # the right body under the same signature goes in
    status, _, body = raw_request(server, "PUT", path, headers, declared)
    assert status == 200, body
    assert s3.get_object(Bucket="sha", Key="obj")["Body"].read() == declared


# ---- aws-chunked streaming uploads, signed by hand -------------------------------------------

def _signing_key(secret, date):
    k = ("AWS4" + secret).encode()
    for part in (date, "us-east-1", "s3", "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def chunked_body(server, headers, chunks, trailer=None, tamper=None):
    """An aws-chunked body signed per AWS's STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]
    rules, chained from the request's own signature (independent of slipwayd's code)."""
    amz_date = headers["X-Amz-Date"]
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    key = _signing_key(server.secret_key, amz_date[:8])
    prev = re.search(r"Signature=([0-9a-f]{64})", headers["Authorization"]).group(1)
    empty = sha256_hex(b"")
    out = b""
    for i, data in enumerate(chunks + [b""]):
        sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty,
                         sha256_hex(data)])
        prev = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        if tamper == i:
            data = bytes([data[0] ^ 1]) + data[1:]
        out += b"%x;chunk-signature=%s\r\n" % (len(data), prev.encode())
        out += data + b"\r\n" if data else b""
    if trailer is not None:
        line = f"x-amz-checksum-crc32:{trailer}"
        sts = "\n".join(["AWS4-HMAC-SHA256-TRAILER", amz_date, scope, prev,
                         sha256_hex((line + "\n").encode())])
        sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
        out += f"{line}\r\nx-amz-trailer-signature:{sig}\r\n".encode()
    return out + b"\r\n"


def put_chunked(server, key, chunks, trailer=None, tamper=None):
    total = sum(len(c) for c in chunks)
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" + ("-TRAILER" if trailer is not None else "")
    hdrs = {"X-Amz-Content-SHA256": mode, "Content-Encoding": "aws-chunked",
            "X-Amz-Decoded-Content-Length": str(total), "Content-Type": "text/x-chunked"}
    if trailer is not None:
        hdrs["X-Amz-Trailer"] = "x-amz-checksum-crc32"
    # Content-Length is signed: compute the encoded length with a dummy signature first
    probe = sign(server, "PUT", f"/chunky/{key}", dict(hdrs))
    length = len(chunked_body(server, probe, chunks, trailer))
    hdrs["Content-Length"] = str(length)
    headers = sign(server, "PUT", f"/chunky/{key}", hdrs)
    body = chunked_body(server, headers, chunks, trailer, tamper)
    assert len(body) == length
    return raw_request(server, "PUT", f"/chunky/{key}", headers, body)


def test_signed_streaming_upload(server, s3):
    s3.create_bucket(Bucket="chunky")
    chunks = [os.urandom(65536), os.urandom(65536), os.urandom(1234)]
    whole = b"".join(chunks)
    status, headers, body = put_chunked(server, "signed", chunks)
    assert status == 200, body
    assert headers["etag"] == '"%s"' % md5_hex(whole)
    got = s3.get_object(Bucket="chunky", Key="signed")
    assert got["Body"].read() == whole and got["ContentType"] == "text/x-chunked"
    assert "ContentEncoding" not in got  # aws-chunked is how it travelled, not what it is
    # one flipped byte in the second chunk: its signature no longer matches
    status, _, body = put_chunked(server, "tampered", chunks, tamper=1)
    assert status == 403 and xml_error(body)["Code"] == "SignatureDoesNotMatch"
    assert error_of(s3.head_object, Bucket="chunky", Key="tampered") == ("404", 404)
    # with a signed trailer carrying the CRC32
    status, headers, body = put_chunked(server, "trailer", chunks, trailer=crc32_b64(whole))
    assert status == 200, body
    assert headers["x-amz-checksum-crc32"] == crc32_b64(whole)
    head = s3.head_object(Bucket="chunky", Key="trailer", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32_b64(whole)
    # a well-signed trailer with the wrong checksum
    status, _, body = put_chunked(server, "badcrc", chunks, trailer=crc32_b64(b"other"))
    assert status == 400 and xml_error(body)["Code"] == "BadDigest"
    assert sorted(blobs(server)) == sorted({sha256_hex(whole)})


def test_unsigned_trailer_upload_raw(server, s3):
    s3.create_bucket(Bucket="chunky")
    data = b"unsigned trailer body " * 500
    body = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (
        1000, data[:1000], len(data) - 1000, data[1000:], crc32_b64(data).encode())
    hdrs = {"X-Amz-Content-SHA256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32",
            "X-Amz-Decoded-Content-Length": str(len(data)), "Content-Length": str(len(body))}
    status, headers, out = raw_request(server, "PUT", "/chunky/u",
                                       sign(server, "PUT", "/chunky/u", hdrs), body)
    assert status == 200, out
    assert headers["x-amz-checksum-crc32"] == crc32_b64(data)
    assert s3.get_object(Bucket="chunky", Key="u")["Body"].read() == data
    # declared length and body disagree
    hdrs["X-Amz-Decoded-Content-Length"] = str(len(data) + 1)
    status, _, out = raw_request(server, "PUT", "/chunky/v",
                                 sign(server, "PUT", "/chunky/v", hdrs), body)
    assert status == 400 and xml_error(out)["Code"] == "IncompleteBody"


# ---- through TLS: botocore sends unsigned aws-chunked bodies with checksum trailers ----------

@pytest.fixture
def tls(server, tmp_path):
    """HAProxy terminating TLS on a loopback port in front of slipwayd."""
    with tls_terminator(server.port, tmp_path) as (endpoint, _crt):
        yield endpoint


def test_trailer_checksums_over_tls(server, s3, tls, tmp_path):
    import urllib3
    urllib3.disable_warnings()
    s3.create_bucket(Bucket="tls")
    # boto3 1.29: a checksum algorithm over https travels as an aws-chunked trailer
    s3t = boto3.client("s3", endpoint_url=tls, region_name="us-east-1", verify=False,
                       aws_access_key_id=server.access_key,
                       aws_secret_access_key=server.secret_key,
                       config=botocore.config.Config(retries={"max_attempts": 1}))
    sent = []
    s3t.meta.events.register("before-send.s3.PutObject",
                             lambda request, **kw: sent.append(
                                 {k.lower(): v for k, v in request.headers.items()}))
    body = os.urandom(300000)
    for alg in ("CRC32", "CRC32C", "SHA256"):
        put = s3t.put_object(Bucket="tls", Key=alg, Body=body, ChecksumAlgorithm=alg)
        assert sent[-1]["x-amz-content-sha256"] == b"STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        assert sent[-1]["x-amz-trailer"] == b"x-amz-checksum-" + alg.lower().encode()
        head = s3.head_object(Bucket="tls", Key=alg, ChecksumMode="ENABLED")
        assert put["Checksum" + alg] == head["Checksum" + alg]
        assert s3.get_object(Bucket="tls", Key=alg)["Body"].read() == body
    assert head["ChecksumSHA256"] == b64(hashlib.sha256(body).digest())
    # the aws CLI (botocore 1.43, CRC32 by default): one PUT and a multipart upload
    small, big = tmp_path / "small", tmp_path / "big"
    small.write_bytes(body)
    big_data = os.urandom(20 * MiB)
    big.write_bytes(big_data)
    log = tmp_path / "cli.log"
    for name, path in (("small", small), ("big", big)):
        p = cli(server, "s3", "cp", str(path), f"s3://tls/cli/{name}", "--debug",
                endpoint=tls, extra=["--no-verify-ssl"])
        log.write_text(p.stderr)
        assert "STREAMING-UNSIGNED-PAYLOAD-TRAILER" in p.stderr  # it really went chunked
    assert s3.get_object(Bucket="tls", Key="cli/small")["Body"].read() == body
    head = s3.head_object(Bucket="tls", Key="cli/small", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32_b64(body)
    head = s3.head_object(Bucket="tls", Key="cli/big", ChecksumMode="ENABLED")
    chunk = 8 * MiB
    parts = [big_data[i:i + chunk] for i in range(0, len(big_data), chunk)]
    assert head["ETag"] == multipart_etag(parts)
    composite = b64(zlib.crc32(b"".join(zlib.crc32(p).to_bytes(4, "big") for p in parts))
                    .to_bytes(4, "big")) + "-%d" % len(parts)
    assert head["ChecksumCRC32"] == composite
    cli(server, "s3", "cp", "s3://tls/cli/big", str(tmp_path / "back"), endpoint=tls,
        extra=["--no-verify-ssl"])
    assert (tmp_path / "back").read_bytes() == big_data


# ---- errors and authentication --------------------------------------------------------------

def test_error_document_shape(server, s3):
    s3.create_bucket(Bucket="err")
    s3 = server.client("s3", signature_version="s3v4")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "err", "Key": "missing"})
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(url, timeout=10)
    assert ei.value.code == 404
    fields = xml_error(ei.value.read())
    assert fields["Code"] == "NoSuchKey"
    assert fields["Message"] == "The specified key does not exist."
    assert fields["Key"] == "missing"
    assert fields["Resource"] == "/err/missing"
    assert fields["RequestId"] == ei.value.headers["x-amz-request-id"]
    assert ei.value.headers["Content-Type"] == "application/xml"
    # HEAD errors have no body
    url = s3.generate_presigned_url("head_object", Params={"Bucket": "err", "Key": "missing"})
    path = url[len(server.endpoint):]
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(f"HEAD {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                 "Connection: close\r\n\r\n".encode())
    reply = b""
    while True:
        data = sock.recv(65536)
        if not data:
            break
        reply += data
    sock.close()
    head, _, rest = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 404") and rest == b""
    # unsupported sub-resources say so
    assert error_of(s3.get_bucket_versioning, Bucket="err") == ("NotImplemented", 501)


def test_authentication_errors(server, s3):
    s3.create_bucket(Bucket="auth")
    s3.put_object(Bucket="auth", Key="k", Body=b"secret")
    bad = server.client("s3", secret_key="x" * 40)
    assert error_of(bad.get_object, Bucket="auth", Key="k") == ("SignatureDoesNotMatch", 403)
    assert error_of(bad.put_object, Bucket="auth", Key="k2", Body=b"x" * 100) == \
        ("SignatureDoesNotMatch", 403)
    unknown = server.client("s3", access_key="AKIANOTAREALKEY00000")
    assert error_of(unknown.list_buckets) == ("InvalidAccessKeyId", 403)
    # no signature at all
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(server.endpoint + "/auth/k", timeout=10)
    assert ei.value.code == 403 and xml_error(ei.value.read())["Code"] == "AccessDenied"
    # a clock 20 minutes off
    when = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
    headers = sign(server, "GET", "/auth/k", {"X-Amz-Content-SHA256": sha256_hex(b"")},
                   when=when)
    status, _, body = raw_request(server, "GET", "/auth/k", headers)
    assert status == 403 and xml_error(body)["Code"] == "RequestTimeTooSkewed"
    # the CLI reports the same code
    p = server.aws("s3api", "get-object", "--bucket", "auth", "--key", "k", "/dev/null",
                   secret_key="y" * 40, check=False)
    assert p.returncode != 0 and "SignatureDoesNotMatch" in p.stderr
    assert s3.get_object(Bucket="auth", Key="k")["Body"].read() == b"secret"


@pytest.mark.parametrize("version", ["s3v4", "default"])
def test_presigned_urls(server, s3, version):
    """SigV4 query signing, and botocore's default for S3 endpoints (Signature Version 2:
    AWSAccessKeyId/Expires/Signature)."""
    s3.create_bucket(Bucket="pre")
    body = os.urandom(5000)
    s3.put_object(Bucket="pre", Key="dir/file name.bin", Body=body)
    if version == "s3v4":
        s3 = server.client("s3", signature_version="s3v4")
    params = {"Bucket": "pre", "Key": "dir/file name.bin"}
    url = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=300)
    assert ("X-Amz-Signature=" in url) == (version == "s3v4")
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.status == 200 and r.read() == body
    req = urllib.request.Request(url, headers={"Range": "bytes=10-19"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 206 and r.read() == body[10:20]
    # response-* overrides are signed sub-resources
    url2 = s3.generate_presigned_url("get_object", Params=dict(
        params, ResponseContentType="text/x-override",
        ResponseContentDisposition="attachment; filename=x"))
    with urllib.request.urlopen(url2, timeout=10) as r:
        assert r.headers["Content-Type"] == "text/x-override"
        assert r.headers["Content-Disposition"] == "attachment; filename=x"
    tampered = re.sub(r"Signature=(.)", lambda m: "Signature=" +
                      ("A" if m.group(1) != "A" else "B"), url)
    assert tampered != url
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(tampered, timeout=10)
    assert ei.value.code == 403
    assert xml_error(ei.value.read())["Code"] == "SignatureDoesNotMatch"
    other = s3.generate_presigned_url("get_object", Params={"Bucket": "pre", "Key": "other"})
    with pytest.raises(urllib.error.HTTPError) as ei:  # a URL for one key opens no other
        urllib.request.urlopen(other.replace("/pre/other", "/pre/dir/file%20name.bin"),
                               timeout=10)
    assert ei.value.code == 403
    short = s3.generate_presigned_url("get_object", Params=params, ExpiresIn=1)
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as ei:
        urllib.request.urlopen(short, timeout=10)
    assert ei.value.code == 403 and xml_error(ei.value.read())["Code"] == "AccessDenied"
    # a presigned PUT streams in too
    put = s3.generate_presigned_url("put_object", Params={"Bucket": "pre", "Key": "up",
                                                          "ContentType": "text/plain"})
    req = urllib.request.Request(put, data=b"uploaded", method="PUT",
                                 headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
    got = s3.get_object(Bucket="pre", Key="up")
    assert got["Body"].read() == b"uploaded" and got["ContentType"] == "text/plain"


def test_bound_instance_user_may_only_read_its_bundles(server, s3, iam):
    """An agent's key reads the bundle of a deployment in progress that targets its host, and
    nothing else in the account: no other object, no listing, no write."""
    cd = server.client("codedeploy")
    arn = iam.create_user(UserName="host-1")["User"]["Arn"]
    key = iam.create_access_key(UserName="host-1")["AccessKey"]
    cd.register_on_premises_instance(instanceName="host-1", iamUserArn=arn)
    cd.add_tags_to_on_premises_instances(instanceNames=["host-1"],
                                         tags=[{"Key": "role", "Value": "web"}])
    s3.create_bucket(Bucket="bundles")
    s3.put_object(Bucket="bundles", Key="app/rev1.zip", Body=b"bundle")
    s3.put_object(Bucket="bundles", Key="app/other.zip", Body=b"other")
    s3.put_object(Bucket="bundles", Key="secrets.txt", Body=b"s3cret")
    host = server.client("s3", access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
    denied = ("AccessDenied", 403)
    # Before any deployment names it, not even the bundle may be read.
    assert error_of(host.get_object, Bucket="bundles", Key="app/rev1.zip") == denied
    cd.create_application(applicationName="app")
    cd.create_deployment_group(applicationName="app", deploymentGroupName="web",
                               serviceRoleArn="arn:aws:iam::123456789012:role/cd",
                               onPremisesInstanceTagFilters=[
                                   {"Key": "role", "Value": "web", "Type": "KEY_AND_VALUE"}])
    did = cd.create_deployment(applicationName="app", deploymentGroupName="web", revision={
        "revisionType": "S3",
        "s3Location": {"bucket": "bundles", "key": "app/rev1.zip",
                       "bundleType": "zip"}})["deploymentId"]
    # No agent runs: the deployment stays in progress, waiting for host-1 (300 s).
    deadline = time.time() + 30
    while cd.get_deployment(deploymentId=did)["deploymentInfo"]["status"] != "InProgress":
        assert time.time() < deadline
        time.sleep(0.1)
    assert host.get_object(Bucket="bundles", Key="app/rev1.zip")["Body"].read() == b"bundle"
    assert host.head_object(Bucket="bundles", Key="app/rev1.zip")["ContentLength"] == 6
    p = server.aws("s3", "cp", "s3://bundles/app/rev1.zip", "/dev/null", check=False,
                   access_key=key["AccessKeyId"], secret_key=key["SecretAccessKey"])
    assert p.returncode == 0, p.stderr
    assert error_of(host.get_object, Bucket="bundles", Key="secrets.txt") == denied
    assert error_of(host.get_object, Bucket="bundles", Key="app/other.zip") == denied
    assert error_of(host.head_bucket, Bucket="bundles")[1] == 403
    assert error_of(host.list_objects_v2, Bucket="bundles") == denied
    assert error_of(host.list_objects, Bucket="bundles") == denied
    assert error_of(host.put_object, Bucket="bundles", Key="evil", Body=b"x" * 2000) == denied
    assert error_of(host.delete_object, Bucket="bundles", Key="app/rev1.zip") == denied
    assert error_of(host.create_bucket, Bucket="mine") == denied
    assert error_of(host.delete_bucket, Bucket="bundles") == denied
    assert error_of(host.list_buckets) == denied
    assert error_of(host.create_multipart_upload, Bucket="bundles", Key="m") == denied
    assert error_of(host.copy_object, Bucket="bundles", Key="c",
                    CopySource="bundles/app/rev1.zip") == denied
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket="bundles")["Contents"]) == \
        ["app/other.zip", "app/rev1.zip", "secrets.txt"]


# ---- the aws CLI ----------------------------------------------------------------------------

@pytest.mark.slow
def test_aws_cli_high_level_commands(server, tmp_path):
    cli(server, "s3", "mb", "s3://cli-bucket")
    assert "cli-bucket" in cli(server, "s3", "ls").stdout
    small = tmp_path / "small.txt"
    small.write_bytes(b"hello from the aws cli\n" * 100)
    cli(server, "s3", "cp", str(small), "s3://cli-bucket/dir/small.txt")
    big = tmp_path / "big.bin"
    big_data = os.urandom(20 * MiB + 12345)
    big.write_bytes(big_data)
    cli(server, "s3", "cp", str(big), "s3://cli-bucket/dir/big.bin")
    listing = cli(server, "s3", "ls", "s3://cli-bucket/dir/").stdout
    assert re.search(r"\s2300 small\.txt", listing) and "big.bin" in listing
    assert "PRE dir/" in cli(server, "s3", "ls", "s3://cli-bucket").stdout
    cli(server, "s3", "cp", "s3://cli-bucket/dir/small.txt", str(tmp_path / "small.back"))
    assert (tmp_path / "small.back").read_bytes() == small.read_bytes()
    cli(server, "s3", "cp", "s3://cli-bucket/dir/big.bin", str(tmp_path / "big.back"))
    assert (tmp_path / "big.back").read_bytes() == big_data
    head = server.aws("s3api", "head-object", "--bucket", "cli-bucket", "--key", "dir/big.bin")
    chunk = 8 * MiB
    assert head["ETag"] == multipart_etag([big_data[i:i + chunk]
                                           for i in range(0, len(big_data), chunk)])
    # s3api put-object / get-object --range
    out = server.aws("s3api", "put-object", "--bucket", "cli-bucket", "--key", "api.txt",
                     "--body", str(small), "--content-type", "text/plain")
    assert out["ETag"] == '"%s"' % md5_hex(small.read_bytes())
    out = server.aws("s3api", "get-object", "--bucket", "cli-bucket", "--key", "api.txt",
                     "--range", "bytes=6-9", str(tmp_path / "part"))
    assert out["ContentRange"] == "bytes 6-9/2300" and out["ContentType"] == "text/plain"
    assert (tmp_path / "part").read_bytes() == b"from"
    url = cli(server, "s3", "presign", "s3://cli-bucket/dir/small.txt").stdout.strip()
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.read() == small.read_bytes()
    cli(server, "s3", "rm", "s3://cli-bucket/dir/small.txt")
    assert "small.txt" not in cli(server, "s3", "ls", "s3://cli-bucket/dir/").stdout
    cli(server, "s3", "rm", "--recursive", "s3://cli-bucket/")
    cli(server, "s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in cli(server, "s3", "ls").stdout
    assert blobs(server) == []
    p = cli(server, "s3", "ls", "s3://no-such-bucket", check=False)
    assert p.returncode != 0 and "NoSuchBucket" in p.stderr


@pytest.mark.slow
def test_large_upload_keeps_memory_flat(server, tmp_path):
    """`aws s3 cp` of 200 MB up and down: slipwayd's peak RSS must not follow the size."""
    cli(server, "s3", "mb", "s3://large")
    warm = tmp_path / "warm"
    warm.write_bytes(os.urandom(9 * MiB))  # a first multipart upload warms every path
    cli(server, "s3", "cp", str(warm), "s3://large/warm")
    cli(server, "s3", "cp", "s3://large/warm", str(tmp_path / "warm.back"))
    before = vm_hwm_kib(server.proc.pid)
    big = tmp_path / "big"
    h = hashlib.sha256()
    with open(big, "wb") as f:
        for _ in range(200):
            block = os.urandom(MiB)
            h.update(block)
            f.write(block)
    cli(server, "s3", "cp", str(big), "s3://large/big")
    cli(server, "s3", "cp", "s3://large/big", str(tmp_path / "big.back"))
    after = vm_hwm_kib(server.proc.pid)
    back = hashlib.sha256()
    with open(tmp_path / "big.back", "rb") as f:
        for block in iter(lambda: f.read(MiB), b""):
            back.update(block)
    assert back.hexdigest() == h.hexdigest()
    assert blobs(server) == sorted([sha256_hex(warm.read_bytes()), h.hexdigest()])
    grew = (after - before) / 1024
    print(f"\nslipwayd VmHWM before {before / 1024:.1f} MiB, after 200 MB up and down "
          f"{after / 1024:.1f} MiB (grew {grew:.1f} MiB)")
    with open(os.path.join(os.path.dirname(server.data_dir), "vmhwm.txt"), "w") as f:
        f.write(f"{before} {after}\n")
    assert grew < 64, f"peak RSS grew by {grew:.1f} MiB"


def test_restart_keeps_objects_and_uploads(server, s3):
    s3.create_bucket(Bucket="keep")
    s3.put_object(Bucket="keep", Key="obj", Body=b"persisted")
    uid = s3.create_multipart_upload(Bucket="keep", Key="mp")["UploadId"]
    e1 = s3.upload_part(Bucket="keep", Key="mp", UploadId=uid, PartNumber=1,
                        Body=b"p" * (5 * MiB))["ETag"]
    server.restart()
    s3 = server.client("s3")
    assert s3.get_object(Bucket="keep", Key="obj")["Body"].read() == b"persisted"
    e2 = s3.upload_part(Bucket="keep", Key="mp", UploadId=uid, PartNumber=2, Body=b"q")["ETag"]
    s3.complete_multipart_upload(Bucket="keep", Key="mp", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    assert s3.get_object(Bucket="keep", Key="mp")["Body"].read() == b"p" * (5 * MiB) + b"q"
