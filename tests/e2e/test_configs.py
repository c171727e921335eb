"""Deployment configurations: the predefined CodeDeployDefault.* table, custom configurations
(minimum healthy hosts, traffic routing, zonal), their validation with AWS's exception names,
deletion rules, pagination and persistence — through boto3 and the aws CLI; and Slipway's
weighted traffic shifting for host fleets (Server configs with a trafficRoutingConfig, the
SlipwaySteps type) through boto3, the aws CLI, the slipway CLI and signed raw requests."""
import datetime
import json
import os
import re
import sqlite3
import time

import botocore.exceptions
import pytest
from test_bound_user import signed_json
from test_cli import js, kv, ok, run, table

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ROLE = "arn:aws:iam::123456789012:role/CodeDeployService"


def canary(pct, mins):
    return {"type": "TimeBasedCanary",
            "timeBasedCanary": {"canaryPercentage": pct, "canaryInterval": mins}}


def linear(pct, mins):
    return {"type": "TimeBasedLinear",
            "timeBasedLinear": {"linearPercentage": pct, "linearInterval": mins}}


# Every predefined configuration with AWS's values (docs/compatibility.md §3.1).
PREDEFINED = {
    "CodeDeployDefault.OneAtATime": ("Server", {"type": "MOST_CONCURRENCY", "value": 1}, None),
    "CodeDeployDefault.HalfAtATime": ("Server", {"type": "FLEET_PERCENT", "value": 50}, None),
    "CodeDeployDefault.AllAtOnce": ("Server", {"type": "HOST_COUNT", "value": 0}, None),
    "CodeDeployDefault.LambdaCanary10Percent5Minutes": ("Lambda", None, canary(10, 5)),
    "CodeDeployDefault.LambdaCanary10Percent10Minutes": ("Lambda", None, canary(10, 10)),
    "CodeDeployDefault.LambdaCanary10Percent15Minutes": ("Lambda", None, canary(10, 15)),
    "CodeDeployDefault.LambdaCanary10Percent30Minutes": ("Lambda", None, canary(10, 30)),
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute": ("Lambda", None, linear(10, 1)),
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes": ("Lambda", None, linear(10, 2)),
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes": ("Lambda", None, linear(10, 3)),
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes": ("Lambda", None, linear(10, 10)),
    "CodeDeployDefault.LambdaAllAtOnce": ("Lambda", None, {"type": "AllAtOnce"}),
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": ("ECS", None, linear(10, 1)),
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": ("ECS", None, linear(10, 3)),
    "CodeDeployDefault.ECSCanary10Percent5Minutes": ("ECS", None, canary(10, 5)),
    "CodeDeployDefault.ECSCanary10Percent15Minutes": ("ECS", None, canary(10, 15)),
    "CodeDeployDefault.ECSAllAtOnce": ("ECS", None, {"type": "AllAtOnce"}),
}


def error_code(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        call(*args, **kwargs)
    return ei.value.response["Error"]["Code"]


@pytest.fixture
def raw(server):
    """A client that sends what it is given (no client-side validation), to reach the server's
    own checks."""
    return server.client("codedeploy", parameter_validation=False)


def test_every_predefined_config_has_awss_values(cd):
    ids = set()
    for name, (platform, mhh, traffic) in PREDEFINED.items():
        info = cd.get_deployment_config(deploymentConfigName=name)["deploymentConfigInfo"]
        assert info["deploymentConfigName"] == name
        assert info["computePlatform"] == platform
        assert UUID.match(info["deploymentConfigId"]), info
        ids.add(info["deploymentConfigId"])
        assert info["createTime"].year in (2014, 2017, 2018)
        assert info.get("minimumHealthyHosts") == mhh, name
        assert info.get("trafficRoutingConfig") == traffic, name
    assert len(ids) == len(PREDEFINED)
    listed = cd.list_deployment_configs()["deploymentConfigsList"]
    assert sorted(listed) == sorted(PREDEFINED)


def test_predefined_ids_are_stable_across_restart(server, cd):
    before = cd.get_deployment_config(
        deploymentConfigName="CodeDeployDefault.HalfAtATime")["deploymentConfigInfo"]
    server.restart()
    after = server.client("codedeploy").get_deployment_config(
        deploymentConfigName="CodeDeployDefault.HalfAtATime")["deploymentConfigInfo"]
    assert before == after
    # The same id on every installation: it is compiled in, not generated.
    assert before["deploymentConfigId"] == "58b84a58-7941-44d1-b91f-afc4997f0fa3"


def test_one_at_a_time_reads_with_the_newer_cli(server):
    # MOST_CONCURRENCY is outside the model's enum; botocore does not validate response enums,
    # so both client generations read what AWS itself returns.
    out = server.aws("deploy", "get-deployment-config", "--deployment-config-name",
                     "CodeDeployDefault.OneAtATime")
    assert out["deploymentConfigInfo"]["minimumHealthyHosts"] == {"type": "MOST_CONCURRENCY",
                                                                  "value": 1}


def test_create_server_config_with_the_cli(server):
    out = server.aws("deploy", "create-deployment-config", "--deployment-config-name",
                     "ThreeQuartersHealthy", "--minimum-healthy-hosts",
                     "type=FLEET_PERCENT,value=75")
    config_id = out["deploymentConfigId"]
    assert UUID.match(config_id)
    info = server.aws("deploy", "get-deployment-config", "--deployment-config-name",
                      "ThreeQuartersHealthy")["deploymentConfigInfo"]
    assert info["deploymentConfigId"] == config_id
    assert info["minimumHealthyHosts"] == {"type": "FLEET_PERCENT", "value": 75}
    assert info["computePlatform"] == "Server"
    assert "trafficRoutingConfig" not in info
    assert abs(info["createTime"] - time.time()) < 60
    listed = server.aws("deploy", "list-deployment-configs")["deploymentConfigsList"]
    assert "ThreeQuartersHealthy" in listed and "CodeDeployDefault.OneAtATime" in listed


def test_create_host_count_config_with_boto3(cd):
    cd.create_deployment_config(deploymentConfigName="TwoHealthy",
                                minimumHealthyHosts={"type": "HOST_COUNT", "value": 2})
    info = cd.get_deployment_config(deploymentConfigName="TwoHealthy")["deploymentConfigInfo"]
    assert info["minimumHealthyHosts"] == {"type": "HOST_COUNT", "value": 2}
    assert info["computePlatform"] == "Server"
    assert isinstance(info["createTime"], datetime.datetime)


@pytest.mark.parametrize("traffic", [canary(25, 15), linear(20, 4), {"type": "AllAtOnce"},
                                     linear(10, 320), canary(99, 2880)])
def test_create_lambda_configs(cd, traffic):
    cd.create_deployment_config(deploymentConfigName="shift", computePlatform="Lambda",
                                trafficRoutingConfig=traffic)
    info = cd.get_deployment_config(deploymentConfigName="shift")["deploymentConfigInfo"]
    assert info["computePlatform"] == "Lambda"
    assert info["trafficRoutingConfig"] == traffic
    assert "minimumHealthyHosts" not in info


def test_zonal_config_round_trips_with_the_cli(server):
    server.aws("deploy", "create-deployment-config", "--deployment-config-name", "zonal",
               "--minimum-healthy-hosts", "type=HOST_COUNT,value=1", "--zonal-config",
               '{"firstZoneMonitorDurationInSeconds": 600, "monitorDurationInSeconds": 300,'
               ' "minimumHealthyHostsPerZone": {"type": "FLEET_PERCENT", "value": 50}}')
    info = server.aws("deploy", "get-deployment-config", "--deployment-config-name",
                      "zonal")["deploymentConfigInfo"]
    assert info["zonalConfig"] == {
        "firstZoneMonitorDurationInSeconds": 600, "monitorDurationInSeconds": 300,
        "minimumHealthyHostsPerZone": {"type": "FLEET_PERCENT", "value": 50}}
    assert info["minimumHealthyHosts"] == {"type": "HOST_COUNT", "value": 1}


@pytest.mark.parametrize("mhh", [{"type": "FLEET_PERCENT", "value": 0},
                                 {"type": "FLEET_PERCENT", "value": 99},
                                 {"type": "HOST_COUNT", "value": 0},
                                 {"type": "HOST_COUNT", "value": 500}])
def test_minimum_healthy_hosts_limits_accepted(cd, mhh):
    cd.create_deployment_config(deploymentConfigName="ok", minimumHealthyHosts=mhh)
    info = cd.get_deployment_config(deploymentConfigName="ok")["deploymentConfigInfo"]
    assert info["minimumHealthyHosts"] == mhh


@pytest.mark.parametrize("mhh", [{"type": "FLEET_PERCENT", "value": 100},
                                 {"type": "FLEET_PERCENT", "value": -1},
                                 {"type": "HOST_COUNT", "value": -1},
                                 {"type": "MOST_CONCURRENCY", "value": 1},
                                 {"type": "FLEET_PERCENT"},
                                 {"value": 10},
                                 None])
def test_invalid_minimum_healthy_hosts(raw, mhh):
    kwargs = {"deploymentConfigName": "bad"}
    if mhh is not None:
        kwargs["minimumHealthyHosts"] = mhh
    assert error_code(raw.create_deployment_config, **kwargs) == \
        "InvalidMinimumHealthyHostValueException"
    assert error_code(raw.get_deployment_config, deploymentConfigName="bad") == \
        "DeploymentConfigDoesNotExistException"


@pytest.mark.parametrize("traffic", [
    canary(0, 5), canary(100, 5), canary(10, 0), canary(10, 2881),
    linear(0, 1), linear(100, 1), linear(10, 0),
    linear(10, 321),          # 9 shifts after the first, 2889 minutes: over two days
    {"type": "TimeBasedCanary"},
    {"type": "TimeBasedLinear", "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 5}},
    {"type": "AllAtOnce", "timeBasedLinear": {"linearPercentage": 10, "linearInterval": 1}},
    {"type": "Sideways"},
    {},
    None,
])
def test_invalid_traffic_routing(raw, traffic):
    kwargs = {"deploymentConfigName": "bad", "computePlatform": "Lambda"}
    if traffic is not None:
        kwargs["trafficRoutingConfig"] = traffic
    assert error_code(raw.create_deployment_config, **kwargs) == \
        "InvalidTrafficRoutingConfigurationException"


def test_platform_and_settings_must_match(cd):
    # A Lambda config has no healthy-host minimum; a Server one needs it even when it shifts
    # traffic (a Slipway extension: below).
    assert error_code(cd.create_deployment_config, deploymentConfigName="mix",
                      computePlatform="Server", trafficRoutingConfig={"type": "AllAtOnce"}) == \
        "InvalidMinimumHealthyHostValueException"
    assert error_code(cd.create_deployment_config, deploymentConfigName="mix",
                      computePlatform="Lambda", trafficRoutingConfig={"type": "AllAtOnce"},
                      minimumHealthyHosts={"type": "HOST_COUNT", "value": 1}) == \
        "InvalidMinimumHealthyHostValueException"
    assert error_code(cd.create_deployment_config, deploymentConfigName="ecs",
                      computePlatform="ECS", trafficRoutingConfig={"type": "AllAtOnce"}) == \
        "InvalidComputePlatformException"


@pytest.mark.parametrize("zonal", [
    {"monitorDurationInSeconds": -1},
    {"firstZoneMonitorDurationInSeconds": -5},
    {"minimumHealthyHostsPerZone": {"type": "FLEET_PERCENT", "value": 100}},
    {"minimumHealthyHostsPerZone": {"type": "HOST_COUNT", "value": -1}},
    {"minimumHealthyHostsPerZone": {"type": "EVERYTHING", "value": 1}},
])
def test_invalid_zonal_config(server, zonal):
    p = server.aws("deploy", "create-deployment-config", "--deployment-config-name", "z",
                   "--minimum-healthy-hosts", "type=HOST_COUNT,value=1", "--zonal-config",
                   json.dumps(zonal), check=False)
    assert p.returncode != 0
    assert "InvalidZonalDeploymentConfigurationException" in p.stderr, p.stderr


def test_zonal_config_is_for_server_only(server):
    p = server.aws("deploy", "create-deployment-config", "--deployment-config-name", "z",
                   "--compute-platform", "Lambda", "--traffic-routing-config",
                   "type=AllAtOnce", "--zonal-config", '{"monitorDurationInSeconds": 60}',
                   check=False)
    assert "InvalidZonalDeploymentConfigurationException" in p.stderr, p.stderr


@pytest.mark.parametrize("name,code", [
    ("", "DeploymentConfigNameRequiredException"),
    ("x" * 101, "InvalidDeploymentConfigNameException"),
    ("has space", "InvalidDeploymentConfigNameException"),
    ("slash/y", "InvalidDeploymentConfigNameException"),
    ("CodeDeployDefault.Mine", "InvalidDeploymentConfigNameException"),
    ("CodeDeployDefault.AllAtOnce", "InvalidDeploymentConfigNameException"),
])
def test_config_name_rules(raw, name, code):
    assert error_code(raw.create_deployment_config, deploymentConfigName=name,
                      minimumHealthyHosts={"type": "HOST_COUNT", "value": 1}) == code


def test_config_name_charset_accepts_awss_symbols(cd):
    name = "A-z_0.9+=,@x" + "y" * 88  # exactly 100 characters
    assert len(name) == 100
    cd.create_deployment_config(deploymentConfigName=name,
                                minimumHealthyHosts={"type": "HOST_COUNT", "value": 1})
    assert cd.get_deployment_config(deploymentConfigName=name)["deploymentConfigInfo"][
        "deploymentConfigName"] == name


def test_duplicate_config_is_rejected(cd):
    cd.create_deployment_config(deploymentConfigName="dup",
                                minimumHealthyHosts={"type": "HOST_COUNT", "value": 1})
    assert error_code(cd.create_deployment_config, deploymentConfigName="dup",
                      minimumHealthyHosts={"type": "HOST_COUNT", "value": 2}) == \
        "DeploymentConfigAlreadyExistsException"
    info = cd.get_deployment_config(deploymentConfigName="dup")["deploymentConfigInfo"]
    assert info["minimumHealthyHosts"]["value"] == 1


def test_get_missing_config(cd, raw):
    assert error_code(cd.get_deployment_config, deploymentConfigName="nope") == \
        "DeploymentConfigDoesNotExistException"
    assert error_code(raw.get_deployment_config, deploymentConfigName="") == \
        "DeploymentConfigNameRequiredException"


def test_delete_rules(cd):
    # Predefined: never.
    assert error_code(cd.delete_deployment_config,
                      deploymentConfigName="CodeDeployDefault.OneAtATime") == \
        "InvalidOperationException"
    # Missing: silently fine, as in AWS.
    cd.delete_deployment_config(deploymentConfigName="never-existed")
    # In use by a group: refused until the group lets go of it.
    cd.create_deployment_config(deploymentConfigName="used",
                                minimumHealthyHosts={"type": "FLEET_PERCENT", "value": 60})
    cd.create_application(applicationName="app")
    cd.create_deployment_group(applicationName="app", deploymentGroupName="g",
                               serviceRoleArn=ROLE, deploymentConfigName="used")
    assert error_code(cd.delete_deployment_config, deploymentConfigName="used") == \
        "DeploymentConfigInUseException"
    cd.update_deployment_group(applicationName="app", currentDeploymentGroupName="g",
                               deploymentConfigName="CodeDeployDefault.AllAtOnce")
    cd.delete_deployment_config(deploymentConfigName="used")
    assert error_code(cd.get_deployment_config, deploymentConfigName="used") == \
        "DeploymentConfigDoesNotExistException"
    assert "used" not in cd.list_deployment_configs()["deploymentConfigsList"]


def test_delete_config_in_use_with_the_cli(server, cd):
    server.aws("deploy", "create-deployment-config", "--deployment-config-name", "held",
               "--minimum-healthy-hosts", "type=HOST_COUNT,value=1")
    cd.create_application(applicationName="app")
    cd.create_deployment_group(applicationName="app", deploymentGroupName="g",
                               serviceRoleArn=ROLE, deploymentConfigName="held")
    p = server.aws("deploy", "delete-deployment-config", "--deployment-config-name", "held",
                   check=False)
    assert p.returncode != 0 and "DeploymentConfigInUseException" in p.stderr
    cd.delete_deployment_group(applicationName="app", deploymentGroupName="g")
    server.aws("deploy", "delete-deployment-config", "--deployment-config-name", "held")


def test_pagination_and_the_custom_limit(cd, raw):
    for i in range(200):
        cd.create_deployment_config(deploymentConfigName=f"c{i:03d}",
                                    minimumHealthyHosts={"type": "HOST_COUNT", "value": i})
    assert error_code(cd.create_deployment_config, deploymentConfigName="one-too-many",
                      minimumHealthyHosts={"type": "HOST_COUNT", "value": 1}) == \
        "DeploymentConfigLimitExceededException"
    pages, token = [], None
    while True:
        out = cd.list_deployment_configs(**({"nextToken": token} if token else {}))
        pages.append(out["deploymentConfigsList"])
        token = out.get("nextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [100, 100, 17]
    names = [n for p in pages for n in p]
    assert names == sorted(names)
    assert set(names) == set(PREDEFINED) | {f"c{i:03d}" for i in range(200)}
    # The paginator follows the same tokens.
    paged = [n for page in cd.get_paginator("list_deployment_configs").paginate()
             for n in page["deploymentConfigsList"]]
    assert paged == names
    assert error_code(raw.list_deployment_configs, nextToken="garbage!") == \
        "InvalidNextTokenException"


def test_restart_keeps_custom_configs(server, cd):
    cd.create_deployment_config(deploymentConfigName="keep",
                                minimumHealthyHosts={"type": "FLEET_PERCENT", "value": 33})
    cd.create_deployment_config(deploymentConfigName="keep-lambda", computePlatform="Lambda",
                                trafficRoutingConfig=linear(25, 2))
    before = [cd.get_deployment_config(deploymentConfigName=n)["deploymentConfigInfo"]
              for n in ("keep", "keep-lambda")]
    server.restart()
    cd2 = server.client("codedeploy")
    after = [cd2.get_deployment_config(deploymentConfigName=n)["deploymentConfigInfo"]
             for n in ("keep", "keep-lambda")]
    assert before == after


def store_sql(server, request, *statements):
    """Runs SQL on the store of a stopped slipwayd: its SQLite file, or its PostgreSQL
    database under SLIPWAY_TEST_STORE=postgres."""
    args = server.extra_args
    if "--store" in args:
        url = args[args.index("--store") + 1]
        db = url.rsplit("/", 1)[1].split("?", 1)[0]
        request.getfixturevalue("postgres").psql("; ".join(statements), db)
        return
    conn = sqlite3.connect(os.path.join(server.data_dir, "slipway.db"))
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def test_config_of_an_unfinished_deployment_is_in_use(server, request, cd):
    cd.create_deployment_config(deploymentConfigName="rolling",
                                minimumHealthyHosts={"type": "HOST_COUNT", "value": 1})
    server.stop()
    # An unfinished deployment names the configuration (0005_deployments): a blue/green one
    # waiting in Ready for ContinueDeployment, which the engine leaves alone until then.
    store_sql(server, request,
              "INSERT INTO deployments (id, app, grp, group_id, status, creator, config, "
              "created, revision, rkey, doc) VALUES ('d-ABCDEFGH1', 'web', 'g', 'gid', "
              "'Ready', 'user', 'rolling', 0, '{}', 'k', '{}')")
    server.start(server.port)
    cd = server.client("codedeploy")
    assert error_code(cd.delete_deployment_config, deploymentConfigName="rolling") == \
        "DeploymentConfigInUseException"
    server.stop()
    store_sql(server, request, "UPDATE deployments SET status = 'Succeeded' "
              "WHERE id = 'd-ABCDEFGH1'")
    server.start(server.port)
    server.client("codedeploy").delete_deployment_config(deploymentConfigName="rolling")


# ---- weighted traffic shifting for host fleets (Slipway extension, docs/traffic.md) ----------

HALF = {"type": "FLEET_PERCENT", "value": 50}


def steps(*pairs):
    """A SlipwaySteps config from (percentage, waitInMinutes or None) pairs."""
    return {"type": "SlipwaySteps", "slipwaySteps": {"steps": [
        {"percentage": p} if w is None else {"percentage": p, "waitInMinutes": w}
        for p, w in pairs]}}


def codedeploy_call(server, operation, body):
    """A signed CodeDeploy request sent as given (botocore's client would refuse or drop members
    outside the AWS model, such as slipwaySteps); returns (status, document)."""
    return signed_json(server, {"id": server.access_key, "secret": server.secret_key},
                       "CodeDeploy_20141006." + operation, body)


@pytest.mark.parametrize("traffic", [canary(10, 5), linear(25, 2), {"type": "AllAtOnce"},
                                     linear(10, 320)])
def test_server_config_with_traffic_routing_from_boto3(cd, traffic):
    cd.create_deployment_config(deploymentConfigName="weighted", computePlatform="Server",
                                minimumHealthyHosts=HALF, trafficRoutingConfig=traffic)
    info = cd.get_deployment_config(deploymentConfigName="weighted")["deploymentConfigInfo"]
    assert info["computePlatform"] == "Server"
    assert info["minimumHealthyHosts"] == HALF
    assert info["trafficRoutingConfig"] == traffic
    assert "weighted" in cd.list_deployment_configs()["deploymentConfigsList"]


def test_server_config_with_traffic_routing_from_the_aws_cli(server):
    server.aws("deploy", "create-deployment-config", "--deployment-config-name", "canary-hosts",
               "--compute-platform", "Server", "--minimum-healthy-hosts",
               "type=HOST_COUNT,value=1", "--traffic-routing-config",
               "type=TimeBasedCanary,timeBasedCanary={canaryPercentage=20,canaryInterval=3}")
    info = server.aws("deploy", "get-deployment-config", "--deployment-config-name",
                      "canary-hosts")["deploymentConfigInfo"]
    assert info["trafficRoutingConfig"] == canary(20, 3)
    assert info["minimumHealthyHosts"] == {"type": "HOST_COUNT", "value": 1}


@pytest.mark.parametrize("traffic", [canary(100, 5), canary(10, 2881), linear(10, 321),
                                     linear(0, 1), {"type": "Sideways"}])
def test_server_traffic_routing_has_awss_limits(raw, traffic):
    assert error_code(raw.create_deployment_config, deploymentConfigName="bad",
                      computePlatform="Server", minimumHealthyHosts=HALF,
                      trafficRoutingConfig=traffic) == \
        "InvalidTrafficRoutingConfigurationException"


def test_steps_with_the_slipway_cli(server, cd):
    ok(server, "config", "create", "web-steps", "--min-healthy", "50%", "--steps",
       "5%:1m,25%:1m,50%:2m,100%")
    ok(server, "config", "create", "web-canary", "--min-healthy", "1", "--canary", "10%:5m")
    ok(server, "config", "create", "web-all", "--min-healthy", "1", "--all-at-once",
       "--platform", "server")
    ok(server, "config", "create", "fn-all", "--all-at-once")
    shown = js(server, "config", "show", "web-steps")
    assert shown["computePlatform"] == "Server"
    assert shown["minimumHealthyHosts"] == HALF
    assert shown["trafficRoutingConfig"] == steps((5, 1), (25, 1), (50, 2), (100, None))
    # What the API returns is what was given, to a signed raw request too.
    status, doc = codedeploy_call(server, "GetDeploymentConfig",
                                  {"deploymentConfigName": "web-steps"})
    assert status == 200 and doc["deploymentConfigInfo"] == shown
    # boto3 reads the rest of it (its parser skips the member it does not know).
    info = cd.get_deployment_config(deploymentConfigName="web-steps")["deploymentConfigInfo"]
    assert info["trafficRoutingConfig"]["type"] == "SlipwaySteps"
    assert info["minimumHealthyHosts"] == HALF

    canary_info = cd.get_deployment_config(
        deploymentConfigName="web-canary")["deploymentConfigInfo"]
    assert canary_info["computePlatform"] == "Server"
    assert canary_info["trafficRoutingConfig"] == canary(10, 5)
    assert js(server, "config", "show", "web-all")["trafficRoutingConfig"] == \
        {"type": "AllAtOnce"}
    assert js(server, "config", "show", "fn-all")["computePlatform"] == "Lambda"

    rule = kv(ok(server, "config", "show", "web-steps").stdout)["rule"]
    assert rule == "at least 50% of hosts healthy; steps: 5% then 1 min, 25% then 1 min, " \
                   "50% then 2 min, 100%"
    rows = {r[0]: r for r in table(ok(server, "config", "list").stdout)}
    assert rows["web-canary"][1:] == ["Server", "at least 1 host healthy; canary: 10% of "
                                      "traffic, the rest after 5 min"]


@pytest.mark.parametrize("arg,says", [
    ("5%:1m,5%:1m,100%", "steps[1].percentage 5 does not exceed the step before it (5)"),
    ("50%:1m,25%:1m,100%", "percentages must increase strictly"),
    ("5%:1m,50%:1m", "the last of slipwaySteps.steps must shift 100%, not 50%"),
    ("5%:48h,100%:1m", "waits add up to more than 2880 minutes"),
    (",".join(f"{i}%:1m" for i in range(1, 21)) + ",100%", "has 21 steps; the limit is 20"),
])
def test_steps_errors_from_the_slipway_cli(server, arg, says):
    p = run(server, "config", "create", "bad", "--min-healthy", "1", "--steps", arg)
    assert p.returncode == 1, p.stderr
    assert "InvalidTrafficRoutingConfigurationException" in p.stderr, p.stderr
    assert says in p.stderr, p.stderr


def test_steps_through_signed_requests(server):
    base = {"deploymentConfigName": "raw-steps", "computePlatform": "Server",
            "minimumHealthyHosts": {"type": "HOST_COUNT", "value": 1}}
    good = steps((1, 0), (10, 3), (100, 2))
    status, doc = codedeploy_call(server, "CreateDeploymentConfig",
                                  {**base, "trafficRoutingConfig": good})
    assert status == 200 and UUID.match(doc["deploymentConfigId"]), doc
    status, doc = codedeploy_call(server, "GetDeploymentConfig",
                                  {"deploymentConfigName": "raw-steps"})
    assert doc["deploymentConfigInfo"]["trafficRoutingConfig"] == good
    for bad, says in [
        (steps((101, None)), "between 1 and 100, not 101"),
        (steps((5, -1), (100, None)), "waitInMinutes must be between 0 and 2880, not -1"),
        ({"type": "SlipwaySteps"}, "slipwaySteps {steps"),
        ({"type": "SlipwaySteps", "slipwaySteps": {"steps": []}}, "1 to 20 steps"),
        ({"type": "SlipwaySteps", "slipwaySteps": {"steps": [{"percent": 100}]}},
         "unknown member 'percent'"),
        ({**steps((100, None)), **canary(10, 5)}, "takes no slipwaySteps"),
    ]:
        status, doc = codedeploy_call(server, "CreateDeploymentConfig",
                                      {**base, "deploymentConfigName": "bad",
                                       "trafficRoutingConfig": bad})
        assert status == 400, doc
        assert doc["__type"].endswith("InvalidTrafficRoutingConfigurationException"), doc
        assert says in doc["message"], doc
    # Step lists shift host fleets only: a Lambda config refuses them.
    status, doc = codedeploy_call(server, "CreateDeploymentConfig",
                                  {"deploymentConfigName": "fn-steps",
                                   "computePlatform": "Lambda",
                                   "trafficRoutingConfig": steps((100, None))})
    assert status == 400 and "applies to Server configurations only" in doc["message"], doc
    status, _ = codedeploy_call(server, "GetDeploymentConfig",
                                {"deploymentConfigName": "bad"})
    assert status == 400


def test_boto3_refuses_step_lists_client_side(cd):
    # Why docs/traffic.md sends SlipwaySteps through the slipway CLI or a raw request.
    with pytest.raises(botocore.exceptions.ParamValidationError) as ei:
        cd.create_deployment_config(deploymentConfigName="s", computePlatform="Server",
                                    minimumHealthyHosts=HALF,
                                    trafficRoutingConfig=steps((100, None)))
    assert "slipwaySteps" in str(ei.value)


def test_restart_keeps_a_step_list(server):
    ok(server, "config", "create", "kept", "--min-healthy", "2", "--steps", "10%:1m,100%")
    before = js(server, "config", "show", "kept")
    server.restart()
    assert js(server, "config", "show", "kept") == before
