"""Tags on CodeDeploy resources: TagResource / UntagResource / ListTagsForResource on
applications and deployment groups, by ARN, with boto3 and the aws CLI."""
import botocore.exceptions
import pytest


def error_of(fn, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        fn(*args, **kwargs)
    return ei.value.response["Error"]["Code"], ei.value.response["Error"]["Message"]


@pytest.fixture
def acct(iam):
    return iam.get_user()["User"]["Arn"].split(":")[4]


def app_arn(acct, app):
    return f"arn:aws:codedeploy:us-east-1:{acct}:application:{app}"


def group_arn(acct, app, group):
    return f"arn:aws:codedeploy:us-east-1:{acct}:deploymentgroup:{app}/{group}"


def tags_of(cd, arn):
    return cd.list_tags_for_resource(ResourceArn=arn)["Tags"]


def test_application_tags(cd, acct):
    cd.create_application(applicationName="shop", tags=[{"Key": "team", "Value": "web"}])
    arn = app_arn(acct, "shop")
    assert tags_of(cd, arn) == [{"Key": "team", "Value": "web"}]
    cd.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"},
                                           {"Key": "team", "Value": "payments"}])
    assert tags_of(cd, arn) == [{"Key": "env", "Value": "prod"},
                                {"Key": "team", "Value": "payments"}]
    cd.untag_resource(ResourceArn=arn, TagKeys=["team", "not-there"])
    assert tags_of(cd, arn) == [{"Key": "env", "Value": "prod"}]
    # Another application's tags are its own.
    cd.create_application(applicationName="blog")
    assert tags_of(cd, app_arn(acct, "blog")) == []


def test_tags_follow_rename_and_go_with_delete(cd, acct):
    cd.create_application(applicationName="old-name", tags=[{"Key": "k", "Value": "v"}])
    cd.update_application(applicationName="old-name", newApplicationName="new-name")
    assert tags_of(cd, app_arn(acct, "new-name")) == [{"Key": "k", "Value": "v"}]
    assert error_of(cd.list_tags_for_resource, ResourceArn=app_arn(acct, "old-name"))[0] == \
        "ApplicationDoesNotExistException"
    cd.delete_application(applicationName="new-name")
    cd.create_application(applicationName="new-name")
    assert tags_of(cd, app_arn(acct, "new-name")) == []


def _create_group(cd, app, group):
    try:
        cd.create_deployment_group(applicationName=app, deploymentGroupName=group,
                                   serviceRoleArn="arn:aws:iam::123456789012:role/cd",
                                   tags=[{"Key": "stage", "Value": "beta"}])
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] == "NotImplementedException":
            pytest.skip("CreateDeploymentGroup is not implemented in this build")
        raise


def test_deployment_group_tags(cd, acct):
    cd.create_application(applicationName="svc")
    _create_group(cd, "svc", "beta")
    arn = group_arn(acct, "svc", "beta")
    cd.tag_resource(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "sre"}])
    assert {t["Key"]: t["Value"] for t in tags_of(cd, arn)}["owner"] == "sre"
    cd.untag_resource(ResourceArn=arn, TagKeys=["owner"])
    assert "owner" not in {t["Key"] for t in tags_of(cd, arn)}
    # The group's tags are not the application's.
    assert tags_of(cd, app_arn(acct, "svc")) == []


def test_tag_errors(server, cd, acct):
    raw = server.client("codedeploy", parameter_validation=False)
    cd.create_application(applicationName="app")
    arn = app_arn(acct, "app")
    t = [{"Key": "k", "Value": "v"}]

    def code(fn, **kw):
        return error_of(fn, **kw)[0]

    assert code(raw.tag_resource, ResourceArn="", Tags=t) == "ResourceArnRequiredException"
    assert code(raw.tag_resource, Tags=t) == "ResourceArnRequiredException"
    assert code(raw.untag_resource, TagKeys=["k"]) == "ResourceArnRequiredException"
    assert code(raw.list_tags_for_resource) == "ResourceArnRequiredException"
    assert code(cd.tag_resource, ResourceArn="not-an-arn", Tags=t) == "InvalidArnException"
    assert code(cd.list_tags_for_resource, ResourceArn="arn:aws") == "InvalidArnException"
    assert code(cd.tag_resource, ResourceArn=f"arn:aws:codedeploy:us-east-1:{acct}:deploymentgroup:nogroup",
                Tags=t) == "InvalidArnException"
    assert code(cd.tag_resource, ResourceArn="arn:aws:s3:::bucket", Tags=t) == \
        "ArnNotSupportedException"
    assert code(cd.tag_resource,
                ResourceArn=f"arn:aws:codedeploy:us-east-1:{acct}:deploymentconfig:CodeDeployDefault.OneAtATime",
                Tags=t) == "ArnNotSupportedException"
    assert code(cd.tag_resource,
                ResourceArn=f"arn:aws:codedeploy:us-east-1:{acct}:instance/host", Tags=t) == \
        "ArnNotSupportedException"
    assert code(cd.list_tags_for_resource,
                ResourceArn=f"arn:aws:codedeploy:eu-west-1:{acct}:application:app") == \
        "ArnNotSupportedException"
    assert code(cd.list_tags_for_resource,
                ResourceArn="arn:aws:codedeploy:us-east-1:000000000000:application:app") == \
        "ArnNotSupportedException"
    assert code(cd.tag_resource, ResourceArn=app_arn(acct, "ghost"), Tags=t) == \
        "ApplicationDoesNotExistException"
    assert code(cd.untag_resource, ResourceArn=app_arn(acct, "ghost"), TagKeys=["k"]) == \
        "ApplicationDoesNotExistException"
    assert code(cd.tag_resource, ResourceArn=group_arn(acct, "ghost", "g"), Tags=t) == \
        "ApplicationDoesNotExistException"
    assert code(cd.tag_resource, ResourceArn=group_arn(acct, "app", "nope"), Tags=t) == \
        "DeploymentGroupDoesNotExistException"
    assert code(cd.list_tags_for_resource, ResourceArn=group_arn(acct, "app", "nope")) == \
        "DeploymentGroupDoesNotExistException"
    assert code(cd.tag_resource, ResourceArn=arn, Tags=[]) == "TagRequiredException"
    assert code(raw.tag_resource, ResourceArn=arn) == "TagRequiredException"
    assert code(cd.untag_resource, ResourceArn=arn, TagKeys=[]) == "TagRequiredException"
    assert code(cd.tag_resource, ResourceArn=arn, Tags=[{"Key": "", "Value": "v"}]) == \
        "InvalidTagsToAddException"
    assert code(cd.tag_resource, ResourceArn=arn, Tags=[{"Key": "k" * 129, "Value": "v"}]) == \
        "InvalidTagsToAddException"
    assert code(cd.tag_resource, ResourceArn=arn, Tags=[{"Key": "k", "Value": "v" * 257}]) == \
        "InvalidTagsToAddException"
    assert code(cd.list_tags_for_resource, ResourceArn=arn, NextToken="bogus") == \
        "InvalidNextTokenException"
    # At most 50 tags on a resource; a call that would pass it changes nothing.
    cd.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{n}", "Value": "v"} for n in range(50)])
    assert code(cd.tag_resource, ResourceArn=arn, Tags=[{"Key": "one-more", "Value": "v"}]) == \
        "TagLimitExceededException"
    cd.tag_resource(ResourceArn=arn, Tags=[{"Key": "k0", "Value": "replaced"}])
    tags = tags_of(cd, arn)
    assert len(tags) == 50 and {"Key": "k0", "Value": "replaced"} in tags


def test_aws_cli_tag_resource(server, acct):
    server.aws("deploy", "create-application", "--application-name", "cli-app")
    arn = app_arn(acct, "cli-app")
    server.aws("deploy", "tag-resource", "--resource-arn", arn, "--tags",
               "Key=env,Value=dev", "Key=owner,Value=me")
    out = server.aws("deploy", "list-tags-for-resource", "--resource-arn", arn)
    assert out["Tags"] == [{"Key": "env", "Value": "dev"}, {"Key": "owner", "Value": "me"}]
    server.aws("deploy", "untag-resource", "--resource-arn", arn, "--tag-keys", "env")
    out = server.aws("deploy", "list-tags-for-resource", "--resource-arn", arn)
    assert out["Tags"] == [{"Key": "owner", "Value": "me"}]
    p = server.aws("deploy", "tag-resource", "--resource-arn", "arn:aws:s3:::b", "--tags",
                   "Key=a,Value=b", check=False)
    assert p.returncode != 0 and "ArnNotSupportedException" in p.stderr


def test_restart_keeps_tags(server, cd, acct):
    cd.create_application(applicationName="kept")
    cd.tag_resource(ResourceArn=app_arn(acct, "kept"), Tags=[{"Key": "a", "Value": "1"}])
    server.restart()
    assert tags_of(server.client("codedeploy"), app_arn(acct, "kept")) == [
        {"Key": "a", "Value": "1"}]
