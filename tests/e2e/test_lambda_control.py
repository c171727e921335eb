"""Lambda's control plane (REST-JSON): functions, versions, aliases, concurrency, tags and their
errors, with boto3 (Debian's botocore) and the aws CLI (a newer botocore)."""
import base64
import hashlib
import io
import json
import zipfile

import botocore.exceptions
import pytest

ROLE = "arn:aws:iam::123456789012:role/lambda-role"


def make_zip(body="exit 0\n", name="bootstrap"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, body)
    return buf.getvalue()


@pytest.fixture
def lam(server):
    return server.client("lambda")


@pytest.fixture
def raw(server):
    """A client that sends what botocore's own validation would refuse."""
    return server.client("lambda", parameter_validation=False)


def create(lam, name="fn", **kw):
    args = dict(FunctionName=name, Runtime="provided.al2023", Role=ROLE, Handler="x",
                Code={"ZipFile": kw.pop("zip", make_zip())})
    args.update(kw)
    return lam.create_function(**args)


def code(exc):
    return exc.value.response["Error"]["Code"]


def test_create_get_and_configuration(lam, server):
    z = make_zip("echo hi\n")
    out = create(lam, zip=z, Description="d", MemorySize=256, Timeout=10,
                 Environment={"Variables": {"A": "1"}}, Tags={"team": "x"})
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert out["FunctionName"] == "fn" and out["Version"] == "$LATEST"
    assert out["FunctionArn"].endswith(":function:fn")
    assert out["State"] == "Active" and out["LastUpdateStatus"] == "Successful"
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(z).digest()).decode()
    assert out["CodeSize"] == len(z)
    assert out["MemorySize"] == 256 and out["Timeout"] == 10
    assert out["Environment"] == {"Variables": {"A": "1"}}
    got = lam.get_function(FunctionName="fn")
    assert got["Configuration"]["RevisionId"] == out["RevisionId"]
    assert got["Code"]["RepositoryType"] == "S3"
    assert got["Tags"] == {"team": "x"}
    cfg = lam.get_function_configuration(FunctionName=out["FunctionArn"])
    assert cfg["Description"] == "d"
    # defaults
    create(lam, "fn2")
    cfg = lam.get_function_configuration(FunctionName="fn2")
    assert cfg["MemorySize"] == 128 and cfg["Timeout"] == 3
    assert cfg["Architectures"] == ["x86_64"] and cfg["PackageType"] == "Zip"
    with pytest.raises(lam.exceptions.ResourceConflictException):
        create(lam)
    cli = server.aws("lambda", "get-function-configuration", "--function-name", "fn")
    assert cli["CodeSha256"] == out["CodeSha256"]


def test_create_errors(lam, raw, server):
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        create(lam, Runtime="cobol1")
    assert "provided.al2023" in e.value.response["Error"]["Message"]
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        create(lam, Environment={"Variables": {"AWS_REGION": "x"}})
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        create(lam, Environment={"Variables": {"A": "x" * 5000}})
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        create(lam, zip=b"not a zip")
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        create(lam, PackageType="Image")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(raw, MemorySize=64)
    assert code(e) in ("ValidationException", "InvalidParameterValueException")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(raw, Timeout=901)
    assert code(e) in ("ValidationException", "InvalidParameterValueException")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(raw, Description="x" * 257)
    assert code(e) == "ValidationException"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        create(raw, "bad.name")
    assert code(e) in ("ValidationException", "InvalidParameterValueException")
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_function(FunctionName="nope")
    assert "nope" in e.value.response["Error"]["Message"]
    p = server.aws("lambda", "get-function", "--function-name", "nope", check=False)
    assert p.returncode != 0 and "ResourceNotFoundException" in p.stderr


def test_publish_versions_immutable(lam):
    first = create(lam, zip=make_zip("v1"))
    v1 = lam.publish_version(FunctionName="fn", Description="one")
    assert v1["Version"] == "1" and v1["Description"] == "one"
    assert v1["FunctionArn"].endswith(":function:fn:1")
    # nothing changed: the same version again
    again = lam.publish_version(FunctionName="fn")
    assert again["Version"] == "1"
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.publish_version(FunctionName="fn", CodeSha256="AAAA")
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.publish_version(FunctionName="fn", RevisionId="00000000-0000-0000-0000-000000000000")
    z2 = make_zip("v2")
    up = lam.update_function_code(FunctionName="fn", ZipFile=z2)
    assert up["RevisionId"] != first["RevisionId"]
    assert up["CodeSha256"] == base64.b64encode(hashlib.sha256(z2).digest()).decode()
    old = lam.get_function_configuration(FunctionName="fn", Qualifier="1")
    assert old["CodeSha256"] == first["CodeSha256"]
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.update_function_code(FunctionName="fn", ZipFile=z2, RevisionId=first["RevisionId"])
    v2 = lam.update_function_code(FunctionName="fn", ZipFile=make_zip("v3"), Publish=True)
    assert v2["Version"] == "2"
    cfg = lam.update_function_configuration(FunctionName="fn", Timeout=30)
    assert cfg["Timeout"] == 30
    assert lam.get_function_configuration(FunctionName="fn:2")["Timeout"] == 3
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.update_function_configuration(FunctionName="fn", Timeout=31,
                                          RevisionId=first["RevisionId"])
    assert lam.publish_version(FunctionName="fn")["Version"] == "3"
    # DryRun changes nothing
    dry = lam.update_function_code(FunctionName="fn", ZipFile=make_zip("dry"), DryRun=True)
    assert lam.get_function_configuration(FunctionName="fn")["CodeSha256"] != dry["CodeSha256"]


def test_list_versions_and_functions_paging(lam, server):
    create(lam)
    for i in range(3):
        lam.update_function_code(FunctionName="fn", ZipFile=make_zip(str(i)), Publish=True)
    page = lam.list_versions_by_function(FunctionName="fn", MaxItems=2)
    assert [v["Version"] for v in page["Versions"]] == ["$LATEST", "1"]
    rest = lam.list_versions_by_function(FunctionName="fn", Marker=page["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2", "3"]
    assert "NextMarker" not in rest
    for n in ("a", "b", "c"):
        create(lam, "f" + n)
    names = []
    marker = None
    for _ in range(10):
        kw = {"Marker": marker} if marker else {}
        out = lam.list_functions(MaxItems=2, **kw)
        names += [f["FunctionName"] for f in out["Functions"]]
        marker = out.get("NextMarker")
        if not marker:
            break
    assert names == ["fa", "fb", "fc", "fn"]
    allv = lam.list_functions(FunctionVersion="ALL")["Functions"]
    assert len(allv) == 7
    cli = server.aws("lambda", "list-versions-by-function", "--function-name", "fn")
    assert [v["Version"] for v in cli["Versions"]] == ["$LATEST", "1", "2", "3"]


def test_aliases_and_routing(lam, server):
    create(lam)
    for i in range(2):
        lam.update_function_code(FunctionName="fn", ZipFile=make_zip(str(i)), Publish=True)
    a = lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1",
                         RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
    assert a["AliasArn"].endswith(":function:fn:live")
    assert a["RoutingConfig"]["AdditionalVersionWeights"] == {"2": 0.1}
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
    for bad in ({"2": 1.5}, {"1": 0.1}, {"2": 0.1, "3": 0.1}):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.update_alias(FunctionName="fn", Name="live",
                             RoutingConfig={"AdditionalVersionWeights": bad})
        assert code(e) in ("InvalidParameterValueException", "ValidationException")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.update_alias(FunctionName="fn", Name="live",
                         RoutingConfig={"AdditionalVersionWeights": {"9": 0.1}})
    with pytest.raises(botocore.exceptions.ClientError):
        lam.create_alias(FunctionName="fn", Name="l2", FunctionVersion="$LATEST",
                         RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
    with pytest.raises(lam.exceptions.PreconditionFailedException):
        lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2",
                         RevisionId="00000000-0000-0000-0000-000000000000")
    u = lam.update_alias(FunctionName="fn", Name="live", FunctionVersion="2",
                         RoutingConfig={"AdditionalVersionWeights": {}}, Description="now")
    assert u["FunctionVersion"] == "2" and "RoutingConfig" not in u
    assert u["RevisionId"] != a["RevisionId"]
    got = lam.get_alias(FunctionName="fn", Name="live")
    assert got["Description"] == "now"
    lam.create_alias(FunctionName="fn", Name="beta", FunctionVersion="1")
    names = [x["Name"] for x in lam.list_aliases(FunctionName="fn")["Aliases"]]
    assert names == ["beta", "live"]
    assert [x["Name"] for x in lam.list_aliases(FunctionName="fn", FunctionVersion="1")
            ["Aliases"]] == ["beta"]
    page = lam.list_aliases(FunctionName="fn", MaxItems=1)
    assert [x["Name"] for x in page["Aliases"]] == ["beta"] and page["NextMarker"]
    # a version an alias uses cannot be deleted
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.delete_function(FunctionName="fn", Qualifier="1")
    lam.delete_alias(FunctionName="fn", Name="beta")
    lam.delete_function(FunctionName="fn", Qualifier="1")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_configuration(FunctionName="fn", Qualifier="1")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_alias(FunctionName="fn", Name="beta")
    # through an alias
    assert lam.get_function_configuration(FunctionName="fn:live")["Version"] == "2"
    cli = server.aws("lambda", "get-alias", "--function-name", "fn", "--name", "live")
    assert cli["FunctionVersion"] == "2"


def test_delete_rules(lam):
    create(lam)
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.delete_function(FunctionName="fn", Qualifier="$LATEST")
    lam.delete_function(FunctionName="fn")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="fn")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.delete_function(FunctionName="fn")
    # the name can be used again, from version 1
    create(lam)
    assert lam.publish_version(FunctionName="fn")["Version"] == "1"


def test_concurrency_and_tags(lam, server):
    fn = create(lam)
    assert lam.get_function_concurrency(FunctionName="fn").get(
        "ReservedConcurrentExecutions") is None
    out = lam.put_function_concurrency(FunctionName="fn", ReservedConcurrentExecutions=5)
    assert out["ReservedConcurrentExecutions"] == 5
    assert lam.get_function(FunctionName="fn")["Concurrency"] == {
        "ReservedConcurrentExecutions": 5}
    assert lam.get_function_concurrency(FunctionName="fn")["ReservedConcurrentExecutions"] == 5
    lam.delete_function_concurrency(FunctionName="fn")
    assert "Concurrency" not in lam.get_function(FunctionName="fn")
    arn = fn["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"a": "1", "b": "2"})
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.list_tags(Resource=arn.replace(":fn", ":other"))
    cli = server.aws("lambda", "list-tags", "--resource", arn)
    assert cli["Tags"] == {"b": "2"}


def test_errors_shape_and_not_implemented(lam, server):
    import urllib.request
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.get_alias(FunctionName="nope", Name="x")
    r = e.value.response
    assert r["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == \
        "ResourceNotFoundException"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.list_layers()
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "ListLayers" in e.value.response["Error"]["Message"]
    # a malformed body
    with pytest.raises(botocore.exceptions.ClientError):
        lam.get_policy(FunctionName="fn")


def test_provisioned_concurrency(lam, server):
    create(lam)
    lam.publish_version(FunctionName="fn")
    lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
    with pytest.raises(lam.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        lam.get_provisioned_concurrency_config(FunctionName="fn", Qualifier="live")
    out = lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="live",
                                                 ProvisionedConcurrentExecutions=2)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert out["RequestedProvisionedConcurrentExecutions"] == 2 and out["Status"] == "READY"
    lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1",
                                           ProvisionedConcurrentExecutions=1)
    got = lam.get_provisioned_concurrency_config(FunctionName="fn", Qualifier="live")
    assert got["AllocatedProvisionedConcurrentExecutions"] == 2
    with pytest.raises(lam.exceptions.InvalidParameterValueException):
        lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="$LATEST",
                                               ProvisionedConcurrentExecutions=1)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="7",
                                               ProvisionedConcurrentExecutions=1)
    lst = lam.list_provisioned_concurrency_configs(FunctionName="fn")
    arns = [c["FunctionArn"].rsplit(":", 1)[1] for c in lst["ProvisionedConcurrencyConfigs"]]
    assert arns == ["1", "live"]
    lam.delete_provisioned_concurrency_config(FunctionName="fn", Qualifier="live")
    with pytest.raises(lam.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        lam.delete_provisioned_concurrency_config(FunctionName="fn", Qualifier="live")
    cli = server.aws("lambda", "list-provisioned-concurrency-configs", "--function-name", "fn")
    assert len(cli["ProvisionedConcurrencyConfigs"]) == 1


def test_function_urls(lam, server):
    import re
    create(lam)
    lam.publish_version(FunctionName="fn")
    lam.create_alias(FunctionName="fn", Name="live", FunctionVersion="1")
    out = lam.create_function_url_config(FunctionName="fn", AuthType="NONE")
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 201
    m = re.fullmatch(r"http://127\.0\.0\.1:\d+/lambda-url/([a-z0-9]{32})/", out["FunctionUrl"])
    assert m, out["FunctionUrl"]
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function_url_config(FunctionName="fn", AuthType="NONE")
    a = lam.create_function_url_config(FunctionName="fn", Qualifier="live", AuthType="AWS_IAM",
                                       Cors={"AllowOrigins": ["*"], "MaxAge": 60})
    assert a["FunctionArn"].endswith(":fn:live") and a["FunctionUrl"] != out["FunctionUrl"]
    assert a["Cors"] == {"AllowOrigins": ["*"], "MaxAge": 60}
    up = lam.update_function_url_config(FunctionName="fn", Qualifier="live", AuthType="NONE")
    assert up["AuthType"] == "NONE" and up["Cors"]["MaxAge"] == 60
    got = lam.get_function_url_config(FunctionName="fn", Qualifier="live")
    assert got["FunctionUrl"] == a["FunctionUrl"]
    with pytest.raises(botocore.exceptions.ClientError) as e:
        lam.create_function_url_config(FunctionName="fn", Qualifier="1", AuthType="NONE")
    assert code(e) == "InvalidParameterValueException"
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.create_function_url_config(FunctionName="fn", Qualifier="nope", AuthType="NONE")
    lst = lam.list_function_url_configs(FunctionName="fn")["FunctionUrlConfigs"]
    assert len(lst) == 2
    lam.delete_function_url_config(FunctionName="fn", Qualifier="live")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName="fn", Qualifier="live")
    cli = server.aws("lambda", "get-function-url-config", "--function-name", "fn")
    assert cli["FunctionUrl"] == out["FunctionUrl"]


def test_code_location_downloads_the_zip(lam, server):
    import urllib.request
    z = make_zip("the code\n" * 100)
    create(lam, zip=z)
    loc = lam.get_function(FunctionName="fn")["Code"]["Location"]
    assert loc.startswith(server.endpoint + "/") and "X-Amz-Expires=600" in loc
    with urllib.request.urlopen(loc, timeout=10) as r:
        assert r.read() == z
    # a version keeps its code after $LATEST changes
    lam.publish_version(FunctionName="fn")
    other = make_zip("other")
    lam.update_function_code(FunctionName="fn", ZipFile=other)
    loc = lam.get_function(FunctionName="fn", Qualifier="1")["Code"]["Location"]
    with urllib.request.urlopen(loc, timeout=10) as r:
        assert r.read() == z
    cli = server.aws("lambda", "get-function", "--function-name", "fn")
    with urllib.request.urlopen(cli["Code"]["Location"], timeout=10) as r:
        assert r.read() == other


def test_code_shared_with_an_s3_object_survives_its_delete(lam, s3, server):
    import urllib.request
    z = make_zip("shared")
    s3.create_bucket(Bucket="codebkt")
    s3.put_object(Bucket="codebkt", Key="k.zip", Body=z)
    create(lam, zip=z)
    s3.delete_object(Bucket="codebkt", Key="k.zip")
    loc = lam.get_function(FunctionName="fn")["Code"]["Location"]
    with urllib.request.urlopen(loc, timeout=10) as r:
        assert r.read() == z


def test_code_from_slipways_s3(lam, s3, server):
    z = make_zip("from s3")
    s3.create_bucket(Bucket="codebkt")
    s3.put_object(Bucket="codebkt", Key="app/fn.zip", Body=z)
    out = lam.create_function(
        FunctionName="fn", Runtime="python3.11", Role=ROLE, Handler="app.handler",
        Code={"S3Bucket": "codebkt", "S3Key": "app/fn.zip"})
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(z).digest()).decode()
    assert out["CodeSize"] == len(z)
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as e:
        lam.update_function_code(FunctionName="fn", S3Bucket="codebkt", S3Key="missing.zip")
    assert "NoSuchKey" in e.value.response["Error"]["Message"]
    z2 = make_zip("from s3, two")
    s3.put_object(Bucket="codebkt", Key="app/fn.zip", Body=z2)
    up = server.aws("lambda", "update-function-code", "--function-name", "fn",
                    "--s3-bucket", "codebkt", "--s3-key", "app/fn.zip")
    assert up["CodeSha256"] == base64.b64encode(hashlib.sha256(z2).digest()).decode()
