"""IAM subset: users and access keys through boto3 and the aws CLI, and what a key's state
means for authentication (inactive and deleted keys are refused on the next request)."""
import datetime

import botocore.exceptions
import pytest


def error_of(fn, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        fn(*args, **kwargs)
    return ei.value.response["Error"]["Code"], ei.value.response["Error"]["Message"]


def account_of(server):
    return server.client("iam").get_user()["User"]["Arn"].split(":")[4]


def test_create_get_list_delete_user(server, iam):
    user = iam.create_user(UserName="deployer", Path="/ci/",
                           Tags=[{"Key": "team", "Value": "platform & ops"}])["User"]
    acct = account_of(server)
    assert user["UserName"] == "deployer"
    assert user["Path"] == "/ci/"
    assert user["Arn"] == f"arn:aws:iam::{acct}:user/ci/deployer"
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 21
    assert isinstance(user["CreateDate"], datetime.datetime)
    assert abs((datetime.datetime.now(datetime.timezone.utc) - user["CreateDate"]).total_seconds()) < 60
    assert user["Tags"] == [{"Key": "team", "Value": "platform & ops"}]

    # IAM user names are unique without regard to case, and found that way.
    got = iam.get_user(UserName="DEPLOYER")["User"]
    assert got["UserId"] == user["UserId"] and got["Tags"] == user["Tags"]

    names = [u["UserName"] for u in iam.list_users()["Users"]]
    assert names == ["admin", "deployer"]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/ci/")["Users"]] == ["deployer"]
    assert iam.list_users(PathPrefix="/nope/")["Users"] == []

    iam.delete_user(UserName="deployer")
    code, msg = error_of(iam.get_user, UserName="deployer")
    assert code == "NoSuchEntity" and "deployer" in msg
    assert error_of(iam.delete_user, UserName="deployer")[0] == "NoSuchEntity"


def test_get_user_without_name_is_the_caller(server, iam):
    assert iam.get_user()["User"]["UserName"] == "admin"
    iam.create_user(UserName="alice")
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    alice = server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert alice.get_user()["User"]["UserName"] == "alice"
    # Key operations without UserName are about the caller's own keys too.
    assert [k["AccessKeyId"] for k in alice.list_access_keys()["AccessKeyMetadata"]] == [
        key["AccessKeyId"]]


def test_create_user_errors(iam):
    iam.create_user(UserName="bob")
    assert error_of(iam.create_user, UserName="bob")[0] == "EntityAlreadyExists"
    assert error_of(iam.create_user, UserName="BOB")[0] == "EntityAlreadyExists"
    assert error_of(iam.create_user, UserName="no spaces")[0] == "ValidationError"
    assert error_of(iam.create_user, UserName="x" * 65)[0] == "ValidationError"
    assert error_of(iam.create_user, UserName="carol", Path="no-slashes")[0] == "ValidationError"
    assert error_of(iam.create_user, UserName="carol",
                    Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])[0] == \
        "ValidationError"
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["admin", "bob"]


def test_list_users_pages_with_marker(server, iam):
    for i in range(5):
        iam.create_user(UserName=f"user{i}")
    page = iam.list_users(MaxItems=2)
    assert page["IsTruncated"] is True and len(page["Users"]) == 2
    seen = [u["UserName"] for u in page["Users"]]
    while page["IsTruncated"]:
        page = iam.list_users(MaxItems=2, Marker=page["Marker"])
        seen += [u["UserName"] for u in page["Users"]]
    assert seen == ["admin"] + [f"user{i}" for i in range(5)]
    # boto3's own paginator follows the same markers.
    pages = iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 4})
    assert [u["UserName"] for p in pages for u in p["Users"]] == seen
    raw = server.client("iam", parameter_validation=False)
    assert error_of(raw.list_users, MaxItems=0)[0] == "ValidationError"


def test_access_key_lifecycle_and_authentication(server, iam):
    iam.create_user(UserName="ci")
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    assert key["UserName"] == "ci" and key["Status"] == "Active"
    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40
    assert isinstance(key["CreateDate"], datetime.datetime)

    # The secret is returned once only: listings carry metadata.
    meta = iam.list_access_keys(UserName="ci")["AccessKeyMetadata"]
    assert meta == [{"UserName": "ci", "AccessKeyId": key["AccessKeyId"], "Status": "Active",
                     "CreateDate": key["CreateDate"]}]

    # A user that is not bound to an instance is an administrator.
    cd = server.client("codedeploy", key["AccessKeyId"], key["SecretAccessKey"])
    cd.create_application(applicationName="made-by-ci")

    iam.create_access_key(UserName="ci")
    code, msg = error_of(iam.create_access_key, UserName="ci")
    assert code == "LimitExceeded" and "AccessKeysPerUser" in msg

    # Inactive: refused at once, by every service.
    iam.update_access_key(UserName="ci", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    statuses = {k["AccessKeyId"]: k["Status"]
                for k in iam.list_access_keys(UserName="ci")["AccessKeyMetadata"]}
    assert statuses[key["AccessKeyId"]] == "Inactive"
    assert error_of(cd.list_applications)[0] == "UnrecognizedClientException"
    ci_iam = server.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    assert error_of(ci_iam.get_user)[0] == "InvalidClientTokenId"

    # Active again: accepted again.
    iam.update_access_key(UserName="ci", AccessKeyId=key["AccessKeyId"], Status="Active")
    assert "made-by-ci" in cd.list_applications()["applications"]

    # Deleted: refused at once.
    iam.delete_access_key(UserName="ci", AccessKeyId=key["AccessKeyId"])
    assert error_of(cd.list_applications)[0] == "UnrecognizedClientException"
    assert error_of(iam.delete_access_key, UserName="ci",
                    AccessKeyId=key["AccessKeyId"])[0] == "NoSuchEntity"


def test_access_key_errors(iam):
    iam.create_user(UserName="dora")
    key = iam.create_access_key(UserName="dora")["AccessKey"]
    assert error_of(iam.create_access_key, UserName="ghost")[0] == "NoSuchEntity"
    assert error_of(iam.list_access_keys, UserName="ghost")[0] == "NoSuchEntity"
    # Without UserName a key is looked for among the caller's (admin's) keys, as in IAM.
    assert error_of(iam.delete_access_key, AccessKeyId=key["AccessKeyId"])[0] == "NoSuchEntity"
    assert error_of(iam.update_access_key, AccessKeyId=key["AccessKeyId"],
                    Status="Inactive")[0] == "NoSuchEntity"
    assert error_of(iam.update_access_key, UserName="dora", AccessKeyId=key["AccessKeyId"],
                    Status="Expired")[0] == "ValidationError"
    assert error_of(iam.delete_access_key, UserName="dora",
                    AccessKeyId="AKIA0000000000000000")[0] == "NoSuchEntity"


def test_delete_user_with_keys_is_a_conflict(iam):
    iam.create_user(UserName="eve")
    key = iam.create_access_key(UserName="eve")["AccessKey"]
    code, msg = error_of(iam.delete_user, UserName="eve")
    assert code == "DeleteConflict" and "access keys" in msg
    iam.delete_access_key(UserName="eve", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="eve")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["admin"]


def test_last_administrator_key_cannot_go(server, iam):
    admin_key = server.access_key
    # The admin user holds the only active administrator key: it stays.
    code, msg = error_of(iam.delete_user, UserName="admin")
    assert code == "DeleteConflict" and "only active administrator" in msg
    code, msg = error_of(iam.delete_access_key, UserName="admin", AccessKeyId=admin_key)
    assert code == "DeleteConflict" and "only active administrator" in msg
    assert error_of(iam.update_access_key, AccessKeyId=admin_key,
                    Status="Inactive")[0] == "DeleteConflict"
    server.client("codedeploy").list_applications()  # the key still works

    # With a second administrator the first can be retired completely.
    iam.create_user(UserName="root2")
    key2 = iam.create_access_key(UserName="root2")["AccessKey"]
    iam2 = server.client("iam", key2["AccessKeyId"], key2["SecretAccessKey"])
    iam2.update_access_key(UserName="admin", AccessKeyId=admin_key, Status="Inactive")
    # …and then root2's key is the last one.
    assert error_of(iam2.delete_access_key, AccessKeyId=key2["AccessKeyId"])[0] == \
        "DeleteConflict"
    iam2.delete_access_key(UserName="admin", AccessKeyId=admin_key)
    iam2.delete_user(UserName="admin")
    assert [u["UserName"] for u in iam2.list_users()["Users"]] == ["root2"]
    assert error_of(iam.get_user)[0] == "InvalidClientTokenId"


@pytest.mark.slow
def test_aws_cli_users_and_keys(server):
    out = server.aws("iam", "create-user", "--user-name", "cli-user", "--path", "/tools/",
                     "--tags", "Key=env,Value=dev")
    assert out["User"]["UserName"] == "cli-user"
    assert out["User"]["Arn"].endswith(":user/tools/cli-user")
    assert out["User"]["CreateDate"].startswith(str(datetime.date.today().year))
    key = server.aws("iam", "create-access-key", "--user-name", "cli-user")["AccessKey"]
    assert key["Status"] == "Active" and len(key["SecretAccessKey"]) == 40

    # The new key works from the CLI too, and get-user without a name is its own user.
    me = server.aws("iam", "get-user", access_key=key["AccessKeyId"],
                    secret_key=key["SecretAccessKey"])
    assert me["User"]["UserName"] == "cli-user"
    assert me["User"]["Tags"] == [{"Key": "env", "Value": "dev"}]

    listed = server.aws("iam", "list-access-keys", "--user-name", "cli-user")
    assert [k["AccessKeyId"] for k in listed["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in listed["AccessKeyMetadata"][0]
    users = server.aws("iam", "list-users")
    assert sorted(u["UserName"] for u in users["Users"]) == ["admin", "cli-user"]

    server.aws("iam", "update-access-key", "--user-name", "cli-user", "--access-key-id",
               key["AccessKeyId"], "--status", "Inactive")
    p = server.aws("iam", "get-user", check=False, access_key=key["AccessKeyId"],
                   secret_key=key["SecretAccessKey"])
    assert p.returncode != 0 and "InvalidClientTokenId" in p.stderr

    p = server.aws("iam", "delete-user", "--user-name", "cli-user", check=False)
    assert p.returncode != 0 and "DeleteConflict" in p.stderr
    server.aws("iam", "delete-access-key", "--user-name", "cli-user", "--access-key-id",
               key["AccessKeyId"])
    server.aws("iam", "delete-user", "--user-name", "cli-user")
    p = server.aws("iam", "get-user", "--user-name", "cli-user", check=False)
    assert p.returncode != 0 and "NoSuchEntity" in p.stderr
    p = server.aws("iam", "create-user", "--user-name", "bad name", check=False)
    assert p.returncode != 0 and "ValidationError" in p.stderr


def test_restart_keeps_users_keys_and_their_state(server, iam):
    iam.create_user(UserName="keeper", Tags=[{"Key": "a", "Value": "b"}])
    live = iam.create_access_key(UserName="keeper")["AccessKey"]
    dead = iam.create_access_key(UserName="keeper")["AccessKey"]
    iam.update_access_key(UserName="keeper", AccessKeyId=dead["AccessKeyId"], Status="Inactive")
    server.restart()
    iam = server.client("iam")
    assert iam.get_user(UserName="keeper")["User"]["Tags"] == [{"Key": "a", "Value": "b"}]
    statuses = {k["AccessKeyId"]: k["Status"]
                for k in iam.list_access_keys(UserName="keeper")["AccessKeyMetadata"]}
    assert statuses == {live["AccessKeyId"]: "Active", dead["AccessKeyId"]: "Inactive"}
    keeper = server.client("iam", live["AccessKeyId"], live["SecretAccessKey"])
    assert keeper.get_user()["User"]["UserName"] == "keeper"
    assert error_of(server.client("iam", dead["AccessKeyId"], dead["SecretAccessKey"]).get_user)[
        0] == "InvalidClientTokenId"
