"""On-premises instances: registration with an IAM user or session ARN, tags, tag-filtered
listing, deregistration, every error the operations name, and a restart."""
import time

import botocore.exceptions
import pytest


def error_of(fn, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        fn(*args, **kwargs)
    return ei.value.response["Error"]["Code"], ei.value.response["Error"]["Message"]


@pytest.fixture
def acct(iam):
    return iam.get_user()["User"]["Arn"].split(":")[4]


@pytest.fixture
def raw_cd(server):
    """A client that lets empty and out-of-model values through to the server."""
    return server.client("codedeploy", parameter_validation=False)


def new_user(iam, name):
    return iam.create_user(UserName=name)["User"]["Arn"]


def session_arn(acct, n):
    return f"arn:aws:sts::{acct}:assumed-role/codedeploy-hosts/host-{n}"


def test_register_get_and_arn(server, cd, iam, acct):
    user_arn = new_user(iam, "host-web-1")
    before = time.time()
    cd.register_on_premises_instance(instanceName="web-1", iamUserArn=user_arn)
    info = cd.get_on_premises_instance(instanceName="web-1")["instanceInfo"]
    assert info["instanceName"] == "web-1"
    assert info["iamUserArn"] == user_arn
    assert "iamSessionArn" not in info
    assert info["instanceArn"] == f"arn:aws:codedeploy:us-east-1:{acct}:instance/web-1"
    assert before - 5 <= info["registerTime"].timestamp() <= time.time() + 5
    assert "deregisterTime" not in info
    assert info["tags"] == []

    cd.register_on_premises_instance(instanceName="db-1", iamSessionArn=session_arn(acct, 1))
    info = cd.get_on_premises_instance(instanceName="db-1")["instanceInfo"]
    assert info["iamSessionArn"] == session_arn(acct, 1) and "iamUserArn" not in info
    assert cd.list_on_premises_instances()["instanceNames"] == ["db-1", "web-1"]


def test_register_errors(cd, raw_cd, iam, acct):
    user_arn = new_user(iam, "host-a")
    new_user(iam, "host-b")

    def code(**kw):
        return error_of(raw_cd.register_on_premises_instance, **kw)[0]

    assert code(instanceName="", iamUserArn=user_arn) == "InstanceNameRequiredException"
    assert code(iamUserArn=user_arn) == "InstanceNameRequiredException"
    assert code(instanceName="has space", iamUserArn=user_arn) == "InvalidInstanceNameException"
    assert code(instanceName="x" * 101, iamUserArn=user_arn) == "InvalidInstanceNameException"
    assert code(instanceName="a") == "IamArnRequiredException"
    assert code(instanceName="a", iamUserArn=user_arn,
                iamSessionArn=session_arn(acct, 1)) == "MultipleIamArnsProvidedException"
    assert code(instanceName="a", iamUserArn="not-an-arn") == "InvalidIamUserArnException"
    assert code(instanceName="a", iamUserArn=f"arn:aws:iam::{acct}:role/x") == \
        "InvalidIamUserArnException"
    # Another account's user, and a well-formed ARN of a user that does not exist.
    assert code(instanceName="a", iamUserArn="arn:aws:iam::000000000000:user/host-a") == \
        "InvalidIamUserArnException"
    c, msg = error_of(raw_cd.register_on_premises_instance, instanceName="a",
                      iamUserArn=f"arn:aws:iam::{acct}:user/nobody")
    assert c == "InvalidIamUserArnException" and "nobody" in msg
    assert code(instanceName="a", iamSessionArn="arn:aws:sts::1:assumed-role/x") == \
        "InvalidIamSessionArnException"
    assert code(instanceName="a", iamSessionArn=f"arn:aws:iam::{acct}:user/host-a") == \
        "InvalidIamSessionArnException"

    cd.register_on_premises_instance(instanceName="a", iamUserArn=user_arn)
    cd.register_on_premises_instance(instanceName="s", iamSessionArn=session_arn(acct, 1))
    assert code(instanceName="a", iamUserArn=f"arn:aws:iam::{acct}:user/host-b") == \
        "InstanceNameAlreadyRegisteredException"
    assert code(instanceName="b", iamUserArn=user_arn) == "IamUserArnAlreadyRegisteredException"
    assert code(instanceName="b", iamSessionArn=session_arn(acct, 1)) == \
        "IamSessionArnAlreadyRegisteredException"
    assert cd.list_on_premises_instances()["instanceNames"] == ["a", "s"]


def test_deregister_and_register_again(cd, raw_cd, iam, acct):
    user_arn = new_user(iam, "host-old")
    cd.register_on_premises_instance(instanceName="old", iamUserArn=user_arn)
    cd.add_tags_to_on_premises_instances(instanceNames=["old"],
                                         tags=[{"Key": "env", "Value": "prod"}])
    cd.deregister_on_premises_instance(instanceName="old")
    info = cd.get_on_premises_instance(instanceName="old")["instanceInfo"]
    assert "deregisterTime" in info and info["deregisterTime"] >= info["registerTime"]
    assert info["tags"] == []  # deregistering removes the instance's tags
    assert cd.list_on_premises_instances(registrationStatus="Deregistered")["instanceNames"] == \
        ["old"]
    assert cd.list_on_premises_instances(registrationStatus="Registered")["instanceNames"] == []
    assert cd.list_on_premises_instances()["instanceNames"] == ["old"]
    # Deregistering twice is harmless; an unknown name is not registered.
    cd.deregister_on_premises_instance(instanceName="old")
    assert error_of(cd.deregister_on_premises_instance, instanceName="never")[0] == \
        "InstanceNotRegisteredException"
    assert error_of(cd.get_on_premises_instance, instanceName="never")[0] == \
        "InstanceNotRegisteredException"
    assert error_of(raw_cd.deregister_on_premises_instance, instanceName="")[0] == \
        "InstanceNameRequiredException"
    assert error_of(cd.deregister_on_premises_instance, instanceName="a/b")[0] == \
        "InvalidInstanceNameException"
    # The user is free again, and the name can be registered anew.
    cd.register_on_premises_instance(instanceName="old", iamUserArn=user_arn)
    info = cd.get_on_premises_instance(instanceName="old")["instanceInfo"]
    assert "deregisterTime" not in info
    assert cd.list_on_premises_instances(registrationStatus="Registered")["instanceNames"] == \
        ["old"]


def test_batch_get(cd, raw_cd, acct):
    for n in range(3):
        cd.register_on_premises_instance(instanceName=f"h{n}", iamSessionArn=session_arn(acct, n))
    infos = cd.batch_get_on_premises_instances(instanceNames=["h2", "h0", "ghost"])["instanceInfos"]
    assert sorted(i["instanceName"] for i in infos) == ["h0", "h2"]
    assert all(i["instanceArn"].endswith(":instance/" + i["instanceName"]) for i in infos)
    assert error_of(cd.batch_get_on_premises_instances,
                    instanceNames=[f"n{i}" for i in range(26)])[0] == \
        "BatchLimitExceededException"
    assert len(cd.batch_get_on_premises_instances(
        instanceNames=[f"h{i % 3}" for i in range(25)])["instanceInfos"]) >= 3
    assert error_of(cd.batch_get_on_premises_instances, instanceNames=[])[0] == \
        "InstanceNameRequiredException"
    assert error_of(raw_cd.batch_get_on_premises_instances)[0] == "InstanceNameRequiredException"
    assert error_of(cd.batch_get_on_premises_instances, instanceNames=["bad name"])[0] == \
        "InvalidInstanceNameException"


def test_tags_and_tag_filters(cd, raw_cd, acct):
    for n in ("a", "b", "c", "d"):
        cd.register_on_premises_instance(instanceName=n, iamSessionArn=session_arn(acct, n + "x"))
    cd.add_tags_to_on_premises_instances(instanceNames=["a", "b"],
                                         tags=[{"Key": "env", "Value": "prod"},
                                               {"Key": "role", "Value": "web"}])
    cd.add_tags_to_on_premises_instances(instanceNames=["c"],
                                         tags=[{"Key": "env", "Value": "staging"}])
    cd.add_tags_to_on_premises_instances(instanceNames=["d"],
                                         tags=[{"Key": "owner", "Value": "prod"}])
    # Adding a key again replaces its value.
    cd.add_tags_to_on_premises_instances(instanceNames=["b"],
                                         tags=[{"Key": "role", "Value": "db"}])
    assert cd.get_on_premises_instance(instanceName="b")["instanceInfo"]["tags"] == [
        {"Key": "env", "Value": "prod"}, {"Key": "role", "Value": "db"}]

    def names(*filters):
        return cd.list_on_premises_instances(tagFilters=list(filters))["instanceNames"]

    assert names({"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"}) == ["a", "b"]
    assert names({"Key": "env", "Type": "KEY_ONLY"}) == ["a", "b", "c"]
    assert names({"Value": "prod", "Type": "VALUE_ONLY"}) == ["a", "b", "d"]
    # Several filters are ORed.
    assert names({"Key": "role", "Value": "db", "Type": "KEY_AND_VALUE"},
                 {"Key": "env", "Value": "staging", "Type": "KEY_AND_VALUE"}) == ["b", "c"]
    assert names({"Key": "env", "Value": "nope", "Type": "KEY_AND_VALUE"}) == []
    # registrationStatus and tag filters combine.
    assert cd.list_on_premises_instances(
        registrationStatus="Registered",
        tagFilters=[{"Key": "env", "Type": "KEY_ONLY"}])["instanceNames"] == ["a", "b", "c"]

    # Removing: a tag given with a value goes only when the value matches.
    cd.remove_tags_from_on_premises_instances(instanceNames=["a", "b"],
                                              tags=[{"Key": "role", "Value": "web"}])
    assert [t["Key"] for t in cd.get_on_premises_instance(instanceName="a")["instanceInfo"]["tags"]] == ["env"]
    assert [t["Key"] for t in cd.get_on_premises_instance(instanceName="b")["instanceInfo"]["tags"]] == ["env", "role"]
    cd.remove_tags_from_on_premises_instances(instanceNames=["b"], tags=[{"Key": "role"}])
    assert [t["Key"] for t in cd.get_on_premises_instance(instanceName="b")["instanceInfo"]["tags"]] == ["env"]

    # Errors.
    def code(fn, **kw):
        return error_of(fn, **kw)[0]

    bad = [{"Key": "env", "Type": "BOGUS"}]
    assert code(raw_cd.list_on_premises_instances, tagFilters=bad) == "InvalidTagFilterException"
    assert code(cd.list_on_premises_instances, tagFilters=[{"Type": "KEY_ONLY", "Value": "x"}]) \
        == "InvalidTagFilterException"
    assert code(cd.list_on_premises_instances, tagFilters=[{"Type": "VALUE_ONLY", "Key": "x"}]) \
        == "InvalidTagFilterException"
    assert code(raw_cd.list_on_premises_instances, registrationStatus="Gone") == \
        "InvalidRegistrationStatusException"
    assert code(cd.list_on_premises_instances, nextToken="garbage") == \
        "InvalidNextTokenException"
    t = [{"Key": "k", "Value": "v"}]
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=["ghost"], tags=t) == \
        "InstanceNotRegisteredException"
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=["a"], tags=[]) == \
        "TagRequiredException"
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=[], tags=t) == \
        "InstanceNameRequiredException"
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=["a"],
                tags=[{"Key": "", "Value": "v"}]) == "InvalidTagException"
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=["a"],
                tags=[{"Key": "k"}]) == "InvalidTagException"
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=["a"],
                tags=[{"Key": "k" * 129, "Value": "v"}]) == "InvalidTagException"
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=["a"],
                tags=[{"Key": "k", "Value": "v" * 257}]) == "InvalidTagException"
    assert code(cd.add_tags_to_on_premises_instances,
                instanceNames=[f"i{n}" for n in range(26)], tags=t) == \
        "InstanceLimitExceededException"
    assert code(cd.remove_tags_from_on_premises_instances,
                instanceNames=[f"i{n}" for n in range(26)], tags=t) == \
        "InstanceLimitExceededException"
    assert code(cd.remove_tags_from_on_premises_instances, instanceNames=["ghost"], tags=t) == \
        "InstanceNotRegisteredException"
    assert code(cd.remove_tags_from_on_premises_instances, instanceNames=["a"], tags=[]) == \
        "TagRequiredException"
    many = [{"Key": f"k{n}", "Value": "v"} for n in range(51)]
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=["c"], tags=many) == \
        "TagLimitExceededException"
    # 49 more on top of c's one tag is fine, one beyond that is not (and changes nothing).
    cd.add_tags_to_on_premises_instances(instanceNames=["c"], tags=many[:49])
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=["c", "d"],
                tags=[{"Key": "extra", "Value": "v"}]) == "TagLimitExceededException"
    assert len(cd.get_on_premises_instance(instanceName="c")["instanceInfo"]["tags"]) == 50
    assert len(cd.get_on_premises_instance(instanceName="d")["instanceInfo"]["tags"]) == 1
    # A failed call changes nothing on the other instances either.
    cd.deregister_on_premises_instance(instanceName="d")
    assert code(cd.add_tags_to_on_premises_instances, instanceNames=["a", "d"], tags=t) == \
        "InstanceNotRegisteredException"
    assert [x["Key"] for x in cd.get_on_premises_instance(instanceName="a")["instanceInfo"]["tags"]] == ["env"]


def test_list_pages_with_next_token(cd, acct):
    for n in range(105):
        cd.register_on_premises_instance(instanceName=f"node-{n:03d}",
                                         iamSessionArn=session_arn(acct, n))
    first = cd.list_on_premises_instances()
    assert len(first["instanceNames"]) == 100 and "nextToken" in first
    second = cd.list_on_premises_instances(nextToken=first["nextToken"])
    assert "nextToken" not in second
    assert first["instanceNames"] + second["instanceNames"] == [f"node-{n:03d}" for n in range(105)]


@pytest.mark.slow
def test_aws_cli_register_tag_and_filter(server, iam, acct):
    arn = new_user(iam, "cli-host")
    server.aws("deploy", "register-on-premises-instance", "--instance-name", "cli-1",
               "--iam-user-arn", arn)
    server.aws("deploy", "register-on-premises-instance", "--instance-name", "cli-2",
               "--iam-session-arn", session_arn(acct, "cli"))
    server.aws("deploy", "add-tags-to-on-premises-instances", "--instance-names", "cli-1",
               "cli-2", "--tags", "Key=Name,Value=CodeDeployDemo-OnPrem")
    server.aws("deploy", "add-tags-to-on-premises-instances", "--instance-names", "cli-2",
               "--tags", "Key=tier,Value=back")
    out = server.aws("deploy", "list-on-premises-instances", "--tag-filters",
                     "Key=tier,Value=back,Type=KEY_AND_VALUE")
    assert out["instanceNames"] == ["cli-2"]
    out = server.aws("deploy", "list-on-premises-instances", "--tag-filters",
                     "Key=Name,Type=KEY_ONLY", "--registration-status", "Registered")
    assert out["instanceNames"] == ["cli-1", "cli-2"]
    got = server.aws("deploy", "get-on-premises-instance", "--instance-name", "cli-1")
    assert got["instanceInfo"]["tags"] == [{"Key": "Name", "Value": "CodeDeployDemo-OnPrem"}]
    assert got["instanceInfo"]["instanceArn"].endswith(":instance/cli-1")
    out = server.aws("deploy", "batch-get-on-premises-instances", "--instance-names", "cli-1",
                     "cli-2")
    assert sorted(i["instanceName"] for i in out["instanceInfos"]) == ["cli-1", "cli-2"]
    server.aws("deploy", "remove-tags-from-on-premises-instances", "--instance-names", "cli-2",
               "--tags", "Key=tier,Value=back")
    assert server.aws("deploy", "list-on-premises-instances", "--tag-filters",
                      "Key=tier,Type=KEY_ONLY")["instanceNames"] == []
    server.aws("deploy", "deregister-on-premises-instance", "--instance-name", "cli-2")
    out = server.aws("deploy", "list-on-premises-instances", "--registration-status",
                     "Deregistered")
    assert out["instanceNames"] == ["cli-2"]
    p = server.aws("deploy", "register-on-premises-instance", "--instance-name", "cli-3",
                   "--iam-user-arn", arn, check=False)
    assert p.returncode != 0 and "IamUserArnAlreadyRegisteredException" in p.stderr
    p = server.aws("deploy", "add-tags-to-on-premises-instances", "--instance-names", "cli-2",
                   "--tags", "Key=a,Value=b", check=False)
    assert p.returncode != 0 and "InstanceNotRegisteredException" in p.stderr


def test_restart_keeps_instances_and_tags(server, cd, iam, acct):
    arn = new_user(iam, "keep-host")
    cd.register_on_premises_instance(instanceName="keep", iamUserArn=arn)
    cd.add_tags_to_on_premises_instances(instanceNames=["keep"],
                                         tags=[{"Key": "env", "Value": "prod"}])
    cd.register_on_premises_instance(instanceName="gone", iamSessionArn=session_arn(acct, 9))
    cd.deregister_on_premises_instance(instanceName="gone")
    before = cd.get_on_premises_instance(instanceName="keep")["instanceInfo"]
    server.restart()
    cd = server.client("codedeploy")
    assert cd.get_on_premises_instance(instanceName="keep")["instanceInfo"] == before
    assert cd.list_on_premises_instances(registrationStatus="Deregistered")["instanceNames"] == \
        ["gone"]
    assert cd.list_on_premises_instances(
        tagFilters=[{"Key": "env", "Value": "prod", "Type": "KEY_AND_VALUE"}])["instanceNames"] \
        == ["keep"]
