"""CodeDeploy application revisions: register, get, list and batch-get, for bundles in Slipway's
S3 and for AppSpec content, with boto3 and the aws CLI (including `aws deploy push`, which
reaches Slipway's S3 only from an aws CLI that honours AWS_ENDPOINT_URL_S3, and what works with
Debian 12's awscli 2.9, which does not)."""
import hashlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import zipfile

import botocore.exceptions
import pytest
from agents import FakeAgent, Fleet, dserver, wait_deployment  # noqa: F401
from conftest import CLI
from test_cli import cli_env


def _code(ei):
    return ei.value.response["Error"]["Code"]


def _message(ei):
    return ei.value.response["Error"]["Message"]


def _s3_rev(bucket, key, bundle="zip", etag=None):
    loc = {"bucket": bucket, "key": key, "bundleType": bundle}
    if etag is not None:
        loc["eTag"] = etag
    return {"revisionType": "S3", "s3Location": loc}


def _appspec_rev(content, sha=None, kind="AppSpecContent"):
    member = "appSpecContent" if kind == "AppSpecContent" else "string"
    body = {"content": content}
    if sha is not None:
        body["sha256"] = sha
    return {"revisionType": kind, member: body}


def _zip_bytes(files):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def bundle(s3):
    """A bucket `bundles` holding `web/app.zip`; returns the object's ETag without quotes."""
    s3.create_bucket(Bucket="bundles")
    put = s3.put_object(Bucket="bundles", Key="web/app.zip",
                        Body=_zip_bytes({"appspec.yml": "version: 0.0\nos: linux\n"}))
    return put["ETag"].strip('"')


LAMBDA_APPSPEC = """version: 0.0
Resources:
  - fn:
      Type: AWS::Lambda::Function
      Properties: {Name: fn, Alias: live, CurrentVersion: "1", TargetVersion: "2"}
"""


# ---- S3 revisions ------------------------------------------------------------------------

def test_register_and_get_s3_revision(cd, bundle):
    cd.create_application(applicationName="web")
    cd.register_application_revision(applicationName="web", description="first cut",
                                     revision=_s3_rev("bundles", "web/app.zip"))
    out = cd.get_application_revision(applicationName="web",
                                      revision=_s3_rev("bundles", "web/app.zip"))
    assert out["applicationName"] == "web"
    assert out["revision"] == _s3_rev("bundles", "web/app.zip")
    info = out["revisionInfo"]
    assert info["description"] == "first cut"
    assert info["deploymentGroups"] == []
    assert "firstUsedTime" not in info and "lastUsedTime" not in info
    assert abs(info["registerTime"].timestamp() - _now()) < 120


def _now():
    import time
    return time.time()


def test_register_with_matching_etag_quoted_or_not(cd, bundle):
    cd.create_application(applicationName="web")
    cd.register_application_revision(applicationName="web",
                                     revision=_s3_rev("bundles", "web/app.zip", etag=bundle))
    # S3 hands ETags out quoted and in any case; they name the same revision.
    cd.register_application_revision(
        applicationName="web", revision=_s3_rev("bundles", "web/app.zip",
                                                etag='"%s"' % bundle.upper()))
    revs = cd.list_application_revisions(applicationName="web")["revisions"]
    assert revs == [_s3_rev("bundles", "web/app.zip", etag=bundle)]
    got = cd.get_application_revision(applicationName="web",
                                      revision=_s3_rev("bundles", "web/app.zip", etag=bundle))
    assert got["revision"]["s3Location"]["eTag"] == bundle


def test_wrong_etag_is_invalid_revision(cd, bundle):
    cd.create_application(applicationName="web")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.register_application_revision(
            applicationName="web", revision=_s3_rev("bundles", "web/app.zip", etag="0" * 32))
    assert _code(ei) == "InvalidRevisionException"
    assert "0" * 32 in _message(ei) and bundle in _message(ei)
    assert cd.list_application_revisions(applicationName="web")["revisions"] == []


def test_missing_object_or_bucket_is_revision_does_not_exist(cd, bundle):
    cd.create_application(applicationName="web")
    for bucket, key in (("bundles", "web/nope.zip"), ("no-such-bucket", "app.zip")):
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            cd.register_application_revision(applicationName="web",
                                             revision=_s3_rev(bucket, key))
        assert _code(ei) == "RevisionDoesNotExistException"
        assert f"s3://{bucket}/{key}" in _message(ei)


def test_get_unregistered_revision(cd, bundle):
    cd.create_application(applicationName="web")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.get_application_revision(applicationName="web",
                                    revision=_s3_rev("bundles", "web/app.zip"))
    assert _code(ei) == "RevisionDoesNotExistException"
    # Registered with an eTag, asked for without: the message says the eTag is what differs.
    cd.register_application_revision(applicationName="web",
                                     revision=_s3_rev("bundles", "web/app.zip", etag=bundle))
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.get_application_revision(applicationName="web",
                                    revision=_s3_rev("bundles", "web/app.zip"))
    assert _code(ei) == "RevisionDoesNotExistException"
    assert "s3://bundles/web/app.zip" in _message(ei) and "eTag" in _message(ei)


def test_s3_revision_shape_errors(cd, bundle):
    cd.create_application(applicationName="web")
    cases = [
        ({"revisionType": "S3"}, "InvalidRevisionException", "s3Location"),
        ({"revisionType": "S3", "s3Location": {"bucket": "bundles", "bundleType": "zip"}},
         "InvalidRevisionException", "key"),
        ({"revisionType": "S3", "s3Location": {"bucket": "bundles", "key": "web/app.zip"}},
         "InvalidRevisionException", "bundleType"),
        (_s3_rev("bundles", "web/app.zip", bundle="rar"), "InvalidRevisionException", "rar"),
        (dict(_s3_rev("bundles", "web/app.zip"),
              s3Location=dict(_s3_rev("bundles", "web/app.zip")["s3Location"], version="v1")),
         "InvalidRevisionException", "version"),
        # A Server application deploys archives from S3, not a bare AppSpec object.
        (_s3_rev("bundles", "web/app.zip", bundle="YAML"), "InvalidRevisionException", "YAML"),
        ({"revisionType": "GitHub", "gitHubLocation": {"repository": "o/r", "commitId": "a" * 40}},
         "InvalidRevisionException", "GitHub integration"),
        ({"s3Location": {"bucket": "bundles", "key": "web/app.zip", "bundleType": "zip"}},
         "InvalidRevisionException", "revisionType"),
    ]
    for rev, code, words in cases:
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            cd.register_application_revision(applicationName="web", revision=rev)
        assert _code(ei) == code, rev
        assert words in _message(ei), (rev, _message(ei))
    assert cd.list_application_revisions(applicationName="web")["revisions"] == []


def test_required_members_and_description_limit(server, cd, bundle):
    cd.create_application(applicationName="web")
    from test_basics import _signed_post
    status, body = _signed_post(server, "CodeDeploy_20141006.RegisterApplicationRevision",
                                b'{"applicationName": "web"}')
    assert status == 400 and body["__type"] == "RevisionRequiredException"
    status, body = _signed_post(server, "CodeDeploy_20141006.GetApplicationRevision",
                                b'{"revision": {"revisionType": "S3"}}')
    assert status == 400 and body["__type"] == "ApplicationNameRequiredException"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.register_application_revision(applicationName="web", description="x" * 257,
                                         revision=_s3_rev("bundles", "web/app.zip"))
    assert _code(ei) == "DescriptionTooLongException"
    # 256 characters is the limit, counted in characters, not bytes.
    cd.register_application_revision(applicationName="web", description="é" * 256,
                                     revision=_s3_rev("bundles", "web/app.zip"))


def test_reregistering_keeps_register_time_and_updates_description(cd, bundle):
    cd.create_application(applicationName="web")
    rev = _s3_rev("bundles", "web/app.zip")
    cd.register_application_revision(applicationName="web", description="one", revision=rev)
    first = cd.get_application_revision(applicationName="web", revision=rev)["revisionInfo"]
    cd.register_application_revision(applicationName="web", description="two",
                                     revision=_s3_rev("bundles", "web/app.zip", bundle="tgz"))
    second = cd.get_application_revision(applicationName="web", revision=rev)
    assert second["revisionInfo"]["registerTime"] == first["registerTime"]
    assert second["revisionInfo"]["description"] == "two"
    assert second["revision"]["s3Location"]["bundleType"] == "tgz"
    # No description keeps the current one.
    cd.register_application_revision(applicationName="web", revision=rev)
    third = cd.get_application_revision(applicationName="web", revision=rev)["revisionInfo"]
    assert third["description"] == "two"
    assert len(cd.list_application_revisions(applicationName="web")["revisions"]) == 1


def test_unknown_application(cd, bundle):
    for call in (lambda: cd.register_application_revision(
                     applicationName="ghost", revision=_s3_rev("bundles", "web/app.zip")),
                 lambda: cd.get_application_revision(
                     applicationName="ghost", revision=_s3_rev("bundles", "web/app.zip")),
                 lambda: cd.list_application_revisions(applicationName="ghost"),
                 lambda: cd.batch_get_application_revisions(
                     applicationName="ghost", revisions=[_s3_rev("bundles", "web/app.zip")])):
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            call()
        assert _code(ei) == "ApplicationDoesNotExistException"
        assert "ghost" in _message(ei)


def test_deleted_application_takes_its_revisions(cd, bundle):
    cd.create_application(applicationName="web")
    rev = _s3_rev("bundles", "web/app.zip")
    cd.register_application_revision(applicationName="web", revision=rev)
    cd.delete_application(applicationName="web")
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.get_application_revision(applicationName="web", revision=rev)
    assert _code(ei) == "ApplicationDoesNotExistException"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.list_application_revisions(applicationName="web")
    assert _code(ei) == "ApplicationDoesNotExistException"
    # A new application of the same name starts without revisions.
    cd.create_application(applicationName="web")
    assert cd.list_application_revisions(applicationName="web")["revisions"] == []
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.get_application_revision(applicationName="web", revision=rev)
    assert _code(ei) == "RevisionDoesNotExistException"


def test_renamed_application_keeps_its_revisions(cd, bundle):
    cd.create_application(applicationName="web")
    rev = _s3_rev("bundles", "web/app.zip")
    cd.register_application_revision(applicationName="web", revision=rev)
    cd.update_application(applicationName="web", newApplicationName="site")
    assert cd.list_application_revisions(applicationName="site")["revisions"] == [rev]


# ---- String / AppSpecContent revisions (Lambda) -------------------------------------------

def test_appspec_content_revisions_on_server(cd):
    # Slipway's extension: an AppSpec that installs no files can be deployed to hosts as a
    # String / AppSpecContent revision, so it can be registered on a Server application too.
    cd.create_application(applicationName="web")
    spec = "version: 0.0\nos: linux\n"
    for kind in ("AppSpecContent", "String"):
        cd.register_application_revision(applicationName="web", revision=_appspec_rev(spec, kind=kind))
    revs = cd.list_application_revisions(applicationName="web")["revisions"]
    assert sorted(r["revisionType"] for r in revs) == ["AppSpecContent", "String"]


def test_appspec_content_revisions_on_lambda(cd, s3):
    cd.create_application(applicationName="fn", computePlatform="Lambda")
    sha = hashlib.sha256(LAMBDA_APPSPEC.encode()).hexdigest()
    cd.register_application_revision(applicationName="fn", description="canary",
                                     revision=_appspec_rev(LAMBDA_APPSPEC))
    got = cd.get_application_revision(applicationName="fn", revision=_appspec_rev(LAMBDA_APPSPEC))
    assert got["revision"] == _appspec_rev(LAMBDA_APPSPEC, sha=sha)
    assert got["revisionInfo"]["description"] == "canary"
    # The hash alone finds it, in any case; a correct hash is accepted when registering.
    got = cd.get_application_revision(
        applicationName="fn", revision={"revisionType": "AppSpecContent",
                                        "appSpecContent": {"sha256": sha.upper()}})
    assert got["revision"]["appSpecContent"]["content"] == LAMBDA_APPSPEC
    cd.register_application_revision(applicationName="fn",
                                     revision=_appspec_rev(LAMBDA_APPSPEC, sha=sha.upper()))
    # The legacy String type is a revision of its own.
    cd.register_application_revision(applicationName="fn",
                                     revision=_appspec_rev(LAMBDA_APPSPEC, kind="String"))
    revs = cd.list_application_revisions(applicationName="fn")["revisions"]
    assert sorted(r["revisionType"] for r in revs) == ["AppSpecContent", "String"]
    assert all((r.get("string") or r.get("appSpecContent"))["sha256"] == sha for r in revs)


def test_appspec_content_errors(cd):
    cd.create_application(applicationName="fn", computePlatform="Lambda")
    cases = [
        (_appspec_rev(LAMBDA_APPSPEC, sha="0" * 64), "does not match"),
        (_appspec_rev(LAMBDA_APPSPEC, sha="zz"), "64 hexadecimal"),
        (_appspec_rev(""), "content is required"),
        ({"revisionType": "AppSpecContent"}, "appSpecContent is required"),
        (_appspec_rev("x" * (64 * 1024 + 1)), "limit"),
        (_s3_rev("bundles", "fn/app.zip"), "Lambda application"),
    ]
    for rev, words in cases:
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            cd.register_application_revision(applicationName="fn", revision=rev)
        assert _code(ei) == "InvalidRevisionException", rev
        assert words in _message(ei), (words, _message(ei))


def test_lambda_appspec_in_s3(cd, s3):
    cd.create_application(applicationName="fn", computePlatform="Lambda")
    s3.create_bucket(Bucket="specs")
    s3.put_object(Bucket="specs", Key="fn/appspec.yml", Body=LAMBDA_APPSPEC.encode())
    rev = _s3_rev("specs", "fn/appspec.yml", bundle="YAML")
    cd.register_application_revision(applicationName="fn", revision=rev)
    assert cd.list_application_revisions(applicationName="fn")["revisions"] == [rev]


# ---- BatchGetApplicationRevisions ---------------------------------------------------------

def test_batch_get(cd):
    cd.create_application(applicationName="fn", computePlatform="Lambda")
    specs = [LAMBDA_APPSPEC.replace('"2"', '"%d"' % i) for i in range(3)]
    for i, spec in enumerate(specs):
        cd.register_application_revision(applicationName="fn", description=f"r{i}",
                                         revision=_appspec_rev(spec))
    ask = [_appspec_rev(specs[2]), _appspec_rev("never registered"), _appspec_rev(specs[0])]
    out = cd.batch_get_application_revisions(applicationName="fn", revisions=ask)
    assert out["applicationName"] == "fn"
    assert [r["genericRevisionInfo"]["description"] for r in out["revisions"]] == ["r2", "r0"]
    assert out["revisions"][0]["revisionLocation"]["appSpecContent"]["content"] == specs[2]
    sha = hashlib.sha256(b"never registered").hexdigest()
    assert "1 revision is not registered" in out["errorMessage"] and sha in out["errorMessage"]

    full = cd.batch_get_application_revisions(applicationName="fn",
                                              revisions=[_appspec_rev(s) for s in specs])
    assert len(full["revisions"]) == 3 and "errorMessage" not in full

    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.batch_get_application_revisions(applicationName="fn",
                                           revisions=[_appspec_rev(specs[0])] * 26)
    assert _code(ei) == "BatchLimitExceededException"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.batch_get_application_revisions(applicationName="fn", revisions=[])
    assert _code(ei) == "RevisionRequiredException"
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.batch_get_application_revisions(
            applicationName="fn", revisions=[{"revisionType": "GitHub", "gitHubLocation": {
                "repository": "o/r", "commitId": "a" * 40}}])
    assert _code(ei) == "InvalidRevisionException"


# ---- ListApplicationRevisions: filters, sorting, pagination --------------------------------

@pytest.fixture
def many(cd, s3):
    """Application `web` with five S3 revisions in two buckets, registered in this order."""
    cd.create_application(applicationName="web")
    keys = [("alpha", "web/1.zip"), ("alpha", "web/2.zip"), ("alpha", "api/1.zip"),
            ("beta", "web/1.zip"), ("alpha", "web#odd%.zip")]
    for b in ("alpha", "beta"):
        s3.create_bucket(Bucket=b)
    for b, k in keys:
        s3.put_object(Bucket=b, Key=k, Body=_zip_bytes({"appspec.yml": b + k}))
        cd.register_application_revision(applicationName="web", revision=_s3_rev(b, k))
    return [(b, k) for b, k in keys]


def _keys(revs):
    return [(r["s3Location"]["bucket"], r["s3Location"]["key"]) for r in revs]


def test_list_sorted_by_register_time(cd, many):
    asc = cd.list_application_revisions(applicationName="web", sortBy="registerTime",
                                        sortOrder="ascending")["revisions"]
    assert _keys(asc) == many
    desc = cd.list_application_revisions(applicationName="web", sortBy="registerTime",
                                         sortOrder="descending")["revisions"]
    assert _keys(desc) == many[::-1]
    # Unsorted listings come in registration order too.
    assert _keys(cd.list_application_revisions(applicationName="web")["revisions"]) == many


def test_list_filters(cd, many):
    alpha = cd.list_application_revisions(applicationName="web", s3Bucket="alpha")["revisions"]
    assert _keys(alpha) == [m for m in many if m[0] == "alpha"]
    web = cd.list_application_revisions(applicationName="web", s3Bucket="alpha",
                                        s3KeyPrefix="web/")["revisions"]
    assert _keys(web) == [("alpha", "web/1.zip"), ("alpha", "web/2.zip")]
    odd = cd.list_application_revisions(applicationName="web", s3Bucket="alpha",
                                        s3KeyPrefix="web#")["revisions"]
    assert _keys(odd) == [("alpha", "web#odd%.zip")]
    # No deployment group targets any of them yet.
    assert cd.list_application_revisions(applicationName="web",
                                         deployed="include")["revisions"] == []
    assert len(cd.list_application_revisions(applicationName="web",
                                             deployed="exclude")["revisions"]) == 5
    assert len(cd.list_application_revisions(applicationName="web",
                                             deployed="ignore")["revisions"]) == 5


def test_list_filter_errors(cd, many):
    cases = [
        (dict(s3KeyPrefix="web/"), "BucketNameFilterRequiredException"),
        (dict(s3Bucket="gamma"), "InvalidBucketNameFilterException"),
        (dict(s3Bucket="alpha", s3KeyPrefix="k" * 1025), "InvalidKeyPrefixFilterException"),
        (dict(sortBy="size"), "InvalidSortByException"),
        (dict(sortOrder="sideways"), "InvalidSortOrderException"),
        (dict(deployed="maybe"), "InvalidDeployedStateFilterException"),
        (dict(nextToken="not-a-token"), "InvalidNextTokenException"),
    ]
    for kwargs, code in cases:
        with pytest.raises(botocore.exceptions.ClientError) as ei:
            cd.list_application_revisions(applicationName="web", **kwargs)
        assert _code(ei) == code, kwargs


def test_list_pagination(cd):
    cd.create_application(applicationName="fn", computePlatform="Lambda")
    specs = [LAMBDA_APPSPEC + "# %d\n" % i for i in range(205)]
    for spec in specs:
        cd.register_application_revision(applicationName="fn", revision=_appspec_rev(spec))
    first = cd.list_application_revisions(applicationName="fn", sortBy="registerTime",
                                          sortOrder="descending")
    assert len(first["revisions"]) == 100 and first["nextToken"]
    # A token only continues the listing it came from.
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        cd.list_application_revisions(applicationName="fn", sortBy="registerTime",
                                      sortOrder="ascending", nextToken=first["nextToken"])
    assert _code(ei) == "InvalidNextTokenException"

    pages = cd.get_paginator("list_application_revisions").paginate(
        applicationName="fn", sortBy="registerTime", sortOrder="descending")
    sizes, contents = [], []
    for page in pages:
        sizes.append(len(page["revisions"]))
        contents += [r["appSpecContent"]["content"] for r in page["revisions"]]
    assert sizes == [100, 100, 5]
    # Every revision exactly once, newest first (revisions registered in the same millisecond
    # tie on registerTime; the documented tie-break is the revision key, not arrival order).
    assert sorted(contents) == sorted(specs)
    times = [cd.get_application_revision(applicationName="fn", revision=_appspec_rev(c))
             ["revisionInfo"]["registerTime"] for c in contents]
    assert times == sorted(times, reverse=True)
    assert times[0] > times[-1]


def test_deployments_record_use_and_target(dserver):
    """The engine registers what it deploys and records first/last use; a group's current
    revision is reported in deploymentGroups and by the `deployed` filter."""
    fleet = Fleet(dserver)
    fleet.add("host-1")
    fleet.group(app="app", group="web")
    cd = dserver.client("codedeploy")
    s3 = dserver.client("s3")
    s3.create_bucket(Bucket="rel")
    for k in ("v1.zip", "v2.zip", "v3.zip"):
        s3.put_object(Bucket="rel", Key=k, Body=_zip_bytes({"appspec.yml": k}))
    # v3 is only registered; v1 and v2 are deployed without registering them first.
    cd.register_application_revision(applicationName="app", revision=_s3_rev("rel", "v3.zip"))
    agent = FakeAgent(dserver, fleet.hosts[0]).run()
    try:
        for k in ("v1.zip", "v2.zip"):
            did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                       revision=_s3_rev("rel", k))["deploymentId"]
            assert wait_deployment(cd, did)["status"] == "Succeeded"

        def info(k):
            return cd.get_application_revision(applicationName="app",
                                               revision=_s3_rev("rel", k))["revisionInfo"]

        v1, v2, v3 = info("v1.zip"), info("v2.zip"), info("v3.zip")
        assert v1["deploymentGroups"] == [] and v2["deploymentGroups"] == ["web"]
        assert v1["firstUsedTime"] <= v1["lastUsedTime"] < v2["firstUsedTime"]
        assert v1["registerTime"] <= v1["firstUsedTime"]
        assert "firstUsedTime" not in v3 and v3["deploymentGroups"] == []

        def listed(**kw):
            return [r["s3Location"]["key"] for r in cd.list_application_revisions(
                applicationName="app", **kw)["revisions"]]

        assert listed(deployed="include") == ["v2.zip"]
        assert sorted(listed(deployed="exclude")) == ["v1.zip", "v3.zip"]
        assert listed(sortBy="firstUsedTime", sortOrder="ascending") == \
            ["v1.zip", "v2.zip", "v3.zip"]
        assert listed(sortBy="lastUsedTime", sortOrder="descending") == \
            ["v2.zip", "v1.zip", "v3.zip"]

        # Deploying v1 again moves its last use and the group's target, not its first use.
        did = cd.create_deployment(applicationName="app", deploymentGroupName="web",
                                   revision=_s3_rev("rel", "v1.zip"))["deploymentId"]
        assert wait_deployment(cd, did)["status"] == "Succeeded"
        again = info("v1.zip")
        assert again["firstUsedTime"] == v1["firstUsedTime"]
        assert again["lastUsedTime"] > info("v2.zip")["lastUsedTime"]
        assert again["deploymentGroups"] == ["web"] and info("v2.zip")["deploymentGroups"] == []
        assert listed(sortBy="lastUsedTime", sortOrder="descending") == \
            ["v1.zip", "v2.zip", "v3.zip"]
        assert listed(deployed="include") == ["v1.zip"]
    finally:
        agent.stop()


def test_restart_keeps_revisions(server, cd, bundle):
    cd.create_application(applicationName="web")
    cd.create_application(applicationName="fn", computePlatform="Lambda")
    cd.register_application_revision(applicationName="web", description="kept",
                                     revision=_s3_rev("bundles", "web/app.zip", etag=bundle))
    cd.register_application_revision(applicationName="fn", revision=_appspec_rev(LAMBDA_APPSPEC))
    before = cd.get_application_revision(
        applicationName="web", revision=_s3_rev("bundles", "web/app.zip", etag=bundle))
    server.restart()
    cd2 = server.client("codedeploy")
    after = cd2.get_application_revision(
        applicationName="web", revision=_s3_rev("bundles", "web/app.zip", etag=bundle))
    assert after["revision"] == before["revision"]
    assert after["revisionInfo"] == before["revisionInfo"]
    assert cd2.list_application_revisions(applicationName="fn")["revisions"][0][
        "appSpecContent"]["content"] == LAMBDA_APPSPEC


# ---- the aws CLI ---------------------------------------------------------------------------

def test_aws_cli_register_get_list(server, cd, bundle):
    server.aws("deploy", "create-application", "--application-name", "cli-app")
    loc = "bucket=bundles,key=web/app.zip,bundleType=zip"
    assert server.aws("deploy", "register-application-revision", "--application-name", "cli-app",
                      "--s3-location", loc, "--description", "from the CLI") is None
    got = server.aws("deploy", "get-application-revision", "--application-name", "cli-app",
                     "--s3-location", loc)
    assert got["revision"]["s3Location"] == {"bucket": "bundles", "key": "web/app.zip",
                                             "bundleType": "zip"}
    assert got["revisionInfo"]["description"] == "from the CLI"
    listed = server.aws("deploy", "list-application-revisions", "--application-name", "cli-app",
                        "--s3-bucket", "bundles", "--sort-by", "registerTime")
    assert listed["revisions"] == [got["revision"]]
    p = server.aws("deploy", "register-application-revision", "--application-name", "cli-app",
                   "--s3-location", "bucket=bundles,key=web/missing.zip,bundleType=zip",
                   check=False)
    assert p.returncode != 0
    assert "RevisionDoesNotExistException" in p.stderr
    assert "s3://bundles/web/missing.zip" in p.stderr
    p = server.aws("deploy", "register-application-revision", "--application-name", "cli-app",
                   "--github-location", "repository=o/r,commitId=" + "a" * 40, check=False)
    assert p.returncode != 0
    assert "InvalidRevisionException" in p.stderr and "GitHub" in p.stderr


def _aws_version(binary):
    """(major, minor, patch) of an aws CLI, or None when it does not run."""
    if not binary or not os.path.exists(binary):
        return None
    p = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60)
    m = re.search(r"aws-cli/(\d+)\.(\d+)\.(\d+)", p.stdout + p.stderr)
    return tuple(int(x) for x in m.groups()) if m else None


def _honours_endpoint_url_s3(version):
    """AWS_ENDPOINT_URL_S3 (service-specific endpoints) came with aws CLI 1.29 and 2.13."""
    return version is not None and version >= ((1, 29, 0) if version[0] == 1 else (2, 13, 0))


def _push_source(tmp_path):
    src = tmp_path / "src"
    (src / "scripts").mkdir(parents=True)
    (src / "appspec.yml").write_text("version: 0.0\nos: linux\nfiles:\n"
                                     "  - source: index.html\n    destination: /srv/www\n")
    (src / "index.html").write_text("<h1>hello</h1>\n")
    (src / "scripts" / "start.sh").write_text("#!/bin/sh\necho started\n")
    return src


def test_aws_deploy_push(server, cd, s3, tmp_path):
    """`aws deploy push` zips a directory, uploads it with PutObject and registers it with the
    returned ETag — the whole path a user takes to get a bundle into Slipway.  Its S3 client
    ignores --endpoint-url: it needs an aws CLI that honours AWS_ENDPOINT_URL_S3 (1.29+ or
    2.13+) first on PATH."""
    version = _aws_version(shutil.which("aws"))
    if not _honours_endpoint_url_s3(version):
        pytest.skip("`aws deploy push` needs an aws CLI that honours AWS_ENDPOINT_URL_S3 "
                    "(aws-cli 1.29+ or 2.13+) first on PATH; found "
                    + (".".join(map(str, version)) if version else "none")
                    + " (older ones: test_debian_awscli_2_9_push_and_what_works_instead)")
    cd.create_application(applicationName="pushed")
    s3.create_bucket(Bucket="releases")
    src = _push_source(tmp_path)
    env = server.env()
    env["AWS_ENDPOINT_URL_S3"] = server.endpoint  # push's S3 client ignores --endpoint-url
    p = subprocess.run(["aws", "--endpoint-url", server.endpoint, "deploy", "push",
                        "--application-name", "pushed", "--s3-location",
                        "s3://releases/pushed/v1.zip", "--source", str(src),
                        "--description", "pushed by the test"],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert "aws deploy create-deployment --application-name pushed" in p.stdout

    head = s3.head_object(Bucket="releases", Key="pushed/v1.zip")
    etag = head["ETag"].strip('"')
    assert f"eTag={etag}" in p.stdout
    revs = cd.list_application_revisions(applicationName="pushed")["revisions"]
    assert revs == [_s3_rev("releases", "pushed/v1.zip", etag=etag)]
    info = cd.get_application_revision(applicationName="pushed", revision=revs[0])
    assert info["revisionInfo"]["description"] == "pushed by the test"

    body = s3.get_object(Bucket="releases", Key="pushed/v1.zip")["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert sorted(zf.namelist()) == ["appspec.yml", "index.html", "scripts/start.sh"]
        assert zf.read("index.html") == b"<h1>hello</h1>\n"


class _ProxyTrap:
    """A loopback listener posing as an HTTP(S) proxy: records the first line of each request
    (a CONNECT names where the client meant to go) and hangs up, so that a client which ignores
    Slipway's endpoint reaches nothing beyond this machine.  Stops after `timeout` seconds."""

    def __init__(self, timeout=120):
        self.lines = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(1.0)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.timeout = timeout
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        import time
        deadline = time.time() + self.timeout
        while not self.stop.is_set() and time.time() < deadline:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                try:
                    self.lines.append(conn.recv(512).split(b"\r\n")[0].decode(errors="replace"))
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join(timeout=10)
        self.sock.close()


DEBIAN_AWS = "/usr/bin/aws"


def test_debian_awscli_2_9_push_and_what_works_instead(dserver, tmp_path):
    """Debian 12's awscli (2.9) builds `aws deploy push`'s S3 client without the endpoint and
    predates AWS_ENDPOINT_URL_S3: the upload goes to AWS's S3 (here: into a loopback trap), not
    to Slipway's.  What works with it instead: `slipway deploy push`, or `aws s3 cp` and
    `aws deploy register-application-revision`; and CreateDeployment of the bundle that never
    arrived says so."""
    version = _aws_version(DEBIAN_AWS)
    if version is None or _honours_endpoint_url_s3(version):
        pytest.skip("needs Debian 12's awscli 2.9 at /usr/bin/aws (apt-get install awscli); "
                    "found " + (".".join(map(str, version)) if version else "none"))
    cd = dserver.client("codedeploy")
    s3 = dserver.client("s3")
    cd.create_application(applicationName="pushed")
    cd.create_deployment_group(applicationName="pushed", deploymentGroupName="prod",
                               serviceRoleArn="arn:aws:iam::123456789012:role/CodeDeploy",
                               onPremisesInstanceTagFilters=[
                                   {"Key": "role", "Value": "none", "Type": "KEY_AND_VALUE"}])
    s3.create_bucket(Bucket="releases")
    src = _push_source(tmp_path)
    bundle = tmp_path / "v2.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        for f in ("appspec.yml", "index.html", "scripts/start.sh"):
            zf.write(src / f, f)

    def aws(*args, extra_env=None):
        env = dserver.env()
        env.update(extra_env or {})
        return subprocess.run([DEBIAN_AWS, "--endpoint-url", dserver.endpoint, "--output",
                               "json"] + list(args), capture_output=True, text=True, env=env,
                              timeout=300)

    # 1. aws deploy push misses Slipway's S3, even with AWS_ENDPOINT_URL_S3
    trap = _ProxyTrap()
    try:
        p = aws("deploy", "push", "--application-name", "pushed", "--s3-location",
                "s3://releases/pushed/v1.zip", "--source", str(src),
                extra_env={"AWS_ENDPOINT_URL_S3": dserver.endpoint,
                           "HTTPS_PROXY": f"http://127.0.0.1:{trap.port}",
                           "HTTP_PROXY": f"http://127.0.0.1:{trap.port}",
                           "NO_PROXY": "127.0.0.1"})
    finally:
        trap.close()
    assert p.returncode != 0, p.stdout
    assert trap.lines and trap.lines[0].startswith("CONNECT "), trap.lines
    assert f"127.0.0.1:{dserver.port}" not in trap.lines[0]
    assert s3.list_objects_v2(Bucket="releases")["KeyCount"] == 0
    assert cd.list_application_revisions(applicationName="pushed")["revisions"] == []

    # 2. CreateDeployment of what never arrived points at the ways that work
    p = aws("deploy", "create-deployment", "--application-name", "pushed",
            "--deployment-group-name", "prod", "--s3-location",
            "bucket=releases,key=pushed/v1.zip,bundleType=zip")
    assert p.returncode != 0 and "RevisionDoesNotExistException" in p.stderr, p.stderr
    msg = " ".join(p.stderr.split())
    assert "`slipway deploy push --app APP --source DIR`" in msg
    assert "`aws s3 cp` and `aws deploy register-application-revision`" in msg

    # 3. aws s3 cp + register-application-revision, with the same CLI
    p = aws("s3", "cp", str(bundle), "s3://releases/pushed/v2.zip")
    assert p.returncode == 0, p.stderr
    p = aws("deploy", "register-application-revision", "--application-name", "pushed",
            "--s3-location", "bucket=releases,key=pushed/v2.zip,bundleType=zip",
            "--description", "copied")
    assert p.returncode == 0, p.stderr
    p = aws("deploy", "create-deployment", "--application-name", "pushed",
            "--deployment-group-name", "prod", "--s3-location",
            "bucket=releases,key=pushed/v2.zip,bundleType=zip")
    assert p.returncode == 0, p.stderr
    did = json.loads(p.stdout)["deploymentId"]
    assert wait_deployment(cd, did)["errorInformation"]["code"] == "NO_INSTANCES"

    # 4. slipway deploy push, whatever aws CLI there is
    p = subprocess.run([CLI, "deploy", "push", "--app", "pushed", "--source", str(src),
                        "--bucket", "releases", "--key", "pushed/v3.zip", "--output", "json"],
                       capture_output=True, text=True, env=cli_env(dserver), timeout=120)
    assert p.returncode == 0, p.stderr
    keys = sorted(r["s3Location"]["key"] for r in
                  cd.list_application_revisions(applicationName="pushed")["revisions"])
    assert keys == ["pushed/v2.zip", "pushed/v3.zip"]
    body = s3.get_object(Bucket="releases", Key="pushed/v3.zip")["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert "appspec.yml" in zf.namelist()
