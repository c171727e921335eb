"""A user bound to a registered on-premises instance is that host's identity, not an
administrator: it may speak the agent channel and little else, until it is deregistered."""
import json
import urllib.request

import botocore.exceptions
import pytest


def error_of(fn, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        fn(*args, **kwargs)
    return ei.value.response["Error"]["Code"], ei.value.response["Error"]["Message"]


@pytest.fixture
def host(server, iam, cd):
    """A registered instance 'host-1' bound to IAM user 'host-1', and that user's key."""
    arn = iam.create_user(UserName="host-1")["User"]["Arn"]
    key = iam.create_access_key(UserName="host-1")["AccessKey"]
    cd.register_on_premises_instance(instanceName="host-1", iamUserArn=arn)
    return {"arn": arn, "id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}


def signed_json(server, key, target, body):
    """A JSON 1.1 request signed with key (the agent channel has no boto3 client)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    req = AWSRequest(method="POST", url=server.endpoint + "/", data=json.dumps(body).encode(),
                     headers={"X-Amz-Target": target,
                              "Content-Type": "application/x-amz-json-1.1"})
    service = "codedeploy-commands" if target.startswith("CodeDeployCommand") else "codedeploy"
    SigV4Auth(Credentials(key["id"], key["secret"]), service, "us-east-1").add_auth(req)
    r = urllib.request.Request(req.url, data=req.body, method="POST",
                               headers=dict(req.headers.items()))
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_bound_user_is_refused_control_plane_and_iam(server, host):
    cd = server.client("codedeploy", host["id"], host["secret"])
    code, msg = error_of(cd.create_application, applicationName="sneaky")
    assert code == "AccessDeniedException"
    assert "host-1" in msg
    assert error_of(cd.list_applications)[0] == "AccessDeniedException"
    assert error_of(cd.register_on_premises_instance, instanceName="other",
                    iamSessionArn="arn:aws:sts::123456789012:assumed-role/r/s")[0] == \
        "AccessDeniedException"
    iam = server.client("iam", host["id"], host["secret"])
    assert error_of(iam.get_user)[0] == "AccessDenied"
    assert error_of(iam.create_access_key)[0] == "AccessDenied"
    assert error_of(iam.create_user, UserName="escalate")[0] == "AccessDenied"
    # The same from the aws CLI.
    p = server.aws("deploy", "create-application", "--application-name", "cli-sneaky",
                   access_key=host["id"], secret_key=host["secret"], check=False)
    assert p.returncode != 0 and "AccessDeniedException" in p.stderr
    assert server.client("codedeploy").list_applications()["applications"] == []


def test_bound_user_passes_for_instance_operations(server, host):
    # Operations flagged for instances get past authorisation (whatever they answer next).
    for target, body in (
            ("CodeDeployCommandService_v20141006.PutHostCommandAcknowledgement",
             {"HostCommandIdentifier": "x"}),
            ("CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus",
             {"deploymentId": "d-AAAAAAAAA", "lifecycleEventHookExecutionId": "x",
              "status": "Succeeded"})):
        status, body = signed_json(server, host, target, body)
        assert body.get("__type") not in ("AccessDeniedException",
                                          "UnrecognizedClientException"), (target, body)
    # …while a control-plane call signed the same way is refused.
    status, body = signed_json(server, host, "CodeDeploy_20141006.ListApplications", {})
    assert status == 400 and body["__type"] == "AccessDeniedException"


def test_deregistered_host_key_can_do_nothing(server, cd, iam, host):
    """The attack of issue 7: deregister a host, then use its key as an administrator's.
    What a key may do is recorded, not inferred from a missing binding: deregistering makes
    the user an ordinary user granted nothing and deactivates its keys in one transaction."""
    cd.deregister_on_premises_instance(instanceName="host-1")
    keys = iam.list_access_keys(UserName="host-1")["AccessKeyMetadata"]
    assert [k["Status"] for k in keys] == ["Inactive"]
    bound = server.client("codedeploy", host["id"], host["secret"])
    assert error_of(bound.create_application, applicationName="now-allowed")[0] == \
        "UnrecognizedClientException"
    hiam = server.client("iam", host["id"], host["secret"])
    assert error_of(hiam.create_access_key, UserName="admin")[0] == "InvalidClientTokenId"
    # Even an administrator turning the key on again grants it nothing.
    iam.update_access_key(UserName="host-1", AccessKeyId=host["id"], Status="Active")
    code, msg = error_of(bound.create_application, applicationName="now-allowed")
    assert code == "AccessDeniedException" and "granted nothing" in msg
    assert error_of(hiam.create_access_key, UserName="admin")[0] == "AccessDenied"
    assert error_of(hiam.create_user, UserName="escalate")[0] == "AccessDenied"
    hs3 = server.client("s3", host["id"], host["secret"])
    assert error_of(hs3.create_bucket, Bucket="mine")[0] == "AccessDenied"
    agent_status, body = signed_json(server, host,
                                     "CodeDeployCommandService_v20141006.PollHostCommand",
                                     {"HostIdentifier": host["arn"]})
    assert agent_status == 400 and body["__type"] == "ClientException"
    assert "not bound to a registered on-premises instance" in body["message"]
    # Nothing changed: no application, no new key, no user.
    assert cd.list_applications()["applications"] == []
    assert len(iam.list_access_keys(UserName="admin")["AccessKeyMetadata"]) == 1
    assert sorted(u["UserName"] for u in iam.list_users()["Users"]) == ["admin", "host-1"]
    # Registering it again binds it again: an agent key once more, never an administrator.
    cd.register_on_premises_instance(instanceName="host-1", iamUserArn=host["arn"])
    assert error_of(bound.list_applications)[0] == "AccessDeniedException"


def test_deregister_then_restart_keeps_the_key_powerless(server, cd, iam, host):
    cd.deregister_on_premises_instance(instanceName="host-1")
    iam.update_access_key(UserName="host-1", AccessKeyId=host["id"], Status="Active")
    server.restart()
    bound = server.client("codedeploy", host["id"], host["secret"])
    assert error_of(bound.list_applications)[0] == "AccessDeniedException"


def test_bound_user_cannot_be_deleted(iam, host):
    assert error_of(iam.delete_user, UserName="host-1")[0] == "DeleteConflict"
    # Its key is no administrator key, so it may go; the binding still holds the user.
    iam.delete_access_key(UserName="host-1", AccessKeyId=host["id"])
    code, msg = error_of(iam.delete_user, UserName="host-1")
    assert code == "DeleteConflict" and "host-1" in msg and "deregister" in msg


def test_binding_the_last_administrator_is_refused(server, cd, iam):
    admin_arn = iam.get_user()["User"]["Arn"]
    code, msg = error_of(cd.register_on_premises_instance, instanceName="oops",
                         iamUserArn=admin_arn)
    assert code == "InvalidIamUserArnException" and "administrator" in msg
    assert cd.list_on_premises_instances()["instanceNames"] == []
    cd.list_applications()  # still an administrator


def test_binding_survives_restart(server, host):
    server.restart()
    cd = server.client("codedeploy", host["id"], host["secret"])
    assert error_of(cd.create_application, applicationName="after-restart")[0] == \
        "AccessDeniedException"
    admin = server.client("codedeploy")
    assert admin.get_on_premises_instance(instanceName="host-1")["instanceInfo"]["iamUserArn"] \
        == host["arn"]
