"""CloudWatch alarms driven by the aws CLI (JSON 1.0) against a slipwayd whose minutes last a
second (--time-scale 60): states that follow PutMetricData under each TreatMissingData option
and an M-of-N rule, with AWS's reasons and history; SetAlarmState overridden by the next
evaluation; metric math; composite alarms; the read, delete and tag operations; restart."""
import json
import time

import pytest

pytestmark = pytest.mark.slipwayd_args("--time-scale", "60")


def _alarm(server, name, **kw):
    args = {"AlarmName": name, "Namespace": kw.pop("ns", "App"),
            "MetricName": kw.pop("metric", "Errors"), "Statistic": "Sum", "Period": 60,
            "EvaluationPeriods": 1, "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold"}
    args.update(kw)
    server.aws("cloudwatch", "put-metric-alarm", "--cli-input-json", json.dumps(args))


def _describe(server, name, types=None):
    args = ["cloudwatch", "describe-alarms", "--alarm-names", name]
    if types:
        args += ["--alarm-types"] + types
    out = server.aws(*args)
    items = out["MetricAlarms"] + out["CompositeAlarms"]
    return items[0] if items else None


def _wait_state(server, name, want, timeout=15, types=None):
    deadline = time.time() + timeout
    while True:
        a = _describe(server, name, types)
        if a and a["StateValue"] == want:
            return a
        if time.time() > deadline:
            raise AssertionError(f"{name} is {a and a['StateValue']}, not {want}: {a}")
        time.sleep(0.2)


def _put(server, value, ns="App", metric="Errors", ts=None):
    d = {"MetricName": metric, "Value": value}
    if ts is not None:
        d["Timestamp"] = ts
    server.aws("cloudwatch", "put-metric-data", "--namespace", ns, "--metric-data",
               json.dumps([d]))


def test_ok_alarm_ok_from_data_with_reasons_and_history(server):
    _alarm(server, "errors", TreatMissingData="notBreaching")
    a = _wait_state(server, "errors", "OK")  # no data, notBreaching
    assert "missing datapoint" in a["StateReason"] and "[NonBreaching]" in a["StateReason"]
    _put(server, 5)
    a = _wait_state(server, "errors", "ALARM", timeout=5)
    assert a["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [5.0 (")
    assert "was greater than or equal to the threshold (1.0)" in a["StateReason"]
    assert "(minimum 1 datapoint for OK -> ALARM transition)." in a["StateReason"]
    data = json.loads(a["StateReasonData"])
    assert data["version"] == "1.0" and data["statistic"] == "Sum" and data["period"] == 60
    assert data["recentDatapoints"] == [5.0] and data["threshold"] == 1.0
    assert data["evaluatedDatapoints"][0]["value"] == 5.0
    assert a["StateTransitionedTimestamp"] >= a["AlarmConfigurationUpdatedTimestamp"]
    _put(server, 0)
    a = _wait_state(server, "errors", "OK", timeout=5)
    assert "was not greater than or equal to the threshold" in a["StateReason"]
    assert "ALARM -> OK" in a["StateReason"]
    hist = server.aws("cloudwatch", "describe-alarm-history", "--alarm-name", "errors",
                      "--history-item-type", "StateUpdate")["AlarmHistoryItems"]
    summaries = [h["HistorySummary"] for h in hist]  # newest first
    assert summaries[:3] == ["Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM",
                             "Alarm updated from INSUFFICIENT_DATA to OK"]
    hd = json.loads(hist[1]["HistoryData"])
    assert hd["oldState"]["stateValue"] == "OK" and hd["newState"]["stateValue"] == "ALARM"
    assert hd["newState"]["stateReasonData"]["recentDatapoints"] == [5.0]
    conf = server.aws("cloudwatch", "describe-alarm-history", "--alarm-name", "errors",
                      "--history-item-type", "ConfigurationUpdate")["AlarmHistoryItems"]
    assert conf[0]["HistorySummary"] == 'Alarm "errors" created'
    assert json.loads(conf[0]["HistoryData"])["type"] == "Create"


@pytest.mark.parametrize("option,empty,one_breach", [
    ("missing", "INSUFFICIENT_DATA", "INSUFFICIENT_DATA"),
    ("ignore", "INSUFFICIENT_DATA", "INSUFFICIENT_DATA"),
    ("breaching", "ALARM", "ALARM"),
    ("notBreaching", "OK", "OK"),
])
def test_treat_missing_data(server, option, empty, one_breach):
    """AWS's table, 3 of 3: no data at all, then `- - - - X`."""
    name = f"m-{option}"
    _alarm(server, name, metric=name, EvaluationPeriods=3, TreatMissingData=option)
    time.sleep(1.5)  # an evaluation or more
    a = _wait_state(server, name, empty)
    if option == "breaching":
        assert a["StateReason"] == ("Threshold Crossed: no datapoints were received for 3 "
                                    "periods and 3 missing datapoints were treated as "
                                    "[Breaching].")
    _put(server, 5, metric=name)
    time.sleep(0.5)
    a = _wait_state(server, name, one_breach)
    if option == "breaching":  # a state kept keeps the reason of its transition
        assert a["StateReason"].startswith("Threshold Crossed: no datapoints were received")


def test_m_of_n(server):
    for name, m in (("two-of-three", 2), ("three-of-three", 3)):
        _alarm(server, name, metric="Lat", EvaluationPeriods=3, DatapointsToAlarm=m,
               TreatMissingData="missing")
    now = int(time.time())
    # X 0 X in three consecutive one-second minutes
    server.aws("cloudwatch", "put-metric-data", "--namespace", "App", "--metric-data",
               json.dumps([{"MetricName": "Lat", "Value": v, "Timestamp": now - 3 + k}
                           for k, v in enumerate((5, 0, 5))]))
    a = _wait_state(server, "two-of-three", "ALARM", timeout=5)
    assert a["DatapointsToAlarm"] == 2
    assert "2 out of the last 3 datapoints" in a["StateReason"]
    assert "(minimum 2 datapoints for INSUFFICIENT_DATA -> ALARM transition)" in a["StateReason"]
    _wait_state(server, "three-of-three", "OK", timeout=5)


def test_set_alarm_state_until_next_evaluation(server):
    _alarm(server, "manual", metric="Quiet", TreatMissingData="notBreaching")
    _wait_state(server, "manual", "OK")
    server.aws("cloudwatch", "set-alarm-state", "--alarm-name", "manual", "--state-value",
               "ALARM", "--state-reason", "testing", "--state-reason-data", '{"why": 1}')
    a = _wait_state(server, "manual", "OK", timeout=10)  # the next minute's evaluation
    hist = server.aws("cloudwatch", "describe-alarm-history", "--alarm-name", "manual",
                      "--history-item-type", "StateUpdate")["AlarmHistoryItems"]
    assert [h["HistorySummary"] for h in hist[:2]] == ["Alarm updated from ALARM to OK",
                                                      "Alarm updated from OK to ALARM"]
    assert json.loads(hist[1]["HistoryData"])["newState"]["stateReason"] == "testing"
    assert json.loads(hist[1]["HistoryData"])["newState"]["stateReasonData"] == {"why": 1}
    assert a["StateReason"] != "testing"
    p = server.aws("cloudwatch", "set-alarm-state", "--alarm-name", "nope", "--state-value",
                   "OK", "--state-reason", "x", check=False)
    assert p.returncode != 0 and "ResourceNotFound" in p.stderr
    p = server.aws("cloudwatch", "set-alarm-state", "--alarm-name", "manual", "--state-value",
                   "OK", "--state-reason", "x", "--state-reason-data", "{nope", check=False)
    assert p.returncode != 0 and "InvalidFormat" in p.stderr


def test_metric_math_alarm(server):
    metrics = [
        {"Id": "e", "MetricStat": {"Metric": {"Namespace": "Fn", "MetricName": "Errors"},
                                   "Period": 60, "Stat": "Sum"}, "ReturnData": False},
        {"Id": "i", "MetricStat": {"Metric": {"Namespace": "Fn", "MetricName": "Invocations"},
                                   "Period": 60, "Stat": "Sum"}, "ReturnData": False},
        {"Id": "rate", "Expression": "100*FILL(e,0)/i", "ReturnData": True},
    ]
    server.aws("cloudwatch", "put-metric-alarm", "--cli-input-json", json.dumps({
        "AlarmName": "error-rate", "Metrics": metrics, "EvaluationPeriods": 1,
        "Threshold": 10.0, "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching"}))
    server.aws("cloudwatch", "put-metric-data", "--namespace", "Fn", "--metric-data",
               json.dumps([{"MetricName": "Invocations", "Value": 10},
                           {"MetricName": "Errors", "Value": 5}]))
    a = _wait_state(server, "error-rate", "ALARM", timeout=5)
    assert "[50.0 (" in a["StateReason"]
    assert [m["Id"] for m in a["Metrics"]] == ["e", "i", "rate"]
    p = server.aws("cloudwatch", "put-metric-alarm", "--cli-input-json", json.dumps({
        "AlarmName": "two-returns", "Metrics": [dict(m, ReturnData=True) for m in metrics],
        "EvaluationPeriods": 1, "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanThreshold"}), check=False)
    assert p.returncode != 0 and "InvalidParameterValue" in p.stderr


def test_composite_alarm(server):
    for child in ("cpu", "disk"):
        _alarm(server, child, metric=child, TreatMissingData="ignore")
    server.aws("cloudwatch", "put-composite-alarm", "--alarm-name", "host",
               "--alarm-rule", 'ALARM("cpu") OR ALARM(disk)')
    assert _describe(server, "host") is None  # metric alarms only without AlarmTypes
    c = _wait_state(server, "host", "OK", types=["CompositeAlarm"])
    assert c["AlarmRule"] == 'ALARM("cpu") OR ALARM(disk)'
    server.aws("cloudwatch", "set-alarm-state", "--alarm-name", "disk", "--state-value",
               "ALARM", "--state-reason", "full")
    c = _wait_state(server, "host", "ALARM", timeout=5, types=["CompositeAlarm"])
    assert c["StateReason"].startswith(
        "arn:aws:cloudwatch:us-east-1:") and ":alarm:disk transitioned to ALARM at " in c[
        "StateReason"]
    trig = json.loads(c["StateReasonData"])["triggeringAlarms"]
    assert [t["state"]["value"] for t in trig] == ["ALARM"] and trig[0]["arn"].endswith(":disk")
    kids = server.aws("cloudwatch", "describe-alarms", "--children-of-alarm-name", "host")
    assert sorted(k["AlarmName"] for k in kids["MetricAlarms"]) == ["cpu", "disk"]
    parents = server.aws("cloudwatch", "describe-alarms", "--parents-of-alarm-name", "cpu")
    assert [p["AlarmName"] for p in parents["CompositeAlarms"]] == ["host"]
    p = server.aws("cloudwatch", "delete-alarms", "--alarm-names", "cpu", check=False)
    assert p.returncode != 0 and "host" in p.stderr
    server.aws("cloudwatch", "set-alarm-state", "--alarm-name", "disk", "--state-value", "OK",
               "--state-reason", "freed")
    _wait_state(server, "host", "OK", timeout=5, types=["CompositeAlarm"])
    p = server.aws("cloudwatch", "put-composite-alarm", "--alarm-name", "bad",
                   "--alarm-rule", "ALARM(cpu) XOR OK(disk)", check=False)
    assert p.returncode != 0 and "InvalidParameterValue" in p.stderr
    server.aws("cloudwatch", "delete-alarms", "--alarm-names", "host")
    server.aws("cloudwatch", "delete-alarms", "--alarm-names", "cpu", "disk")
    out = server.aws("cloudwatch", "describe-alarms", "--alarm-types", "MetricAlarm",
                     "CompositeAlarm")
    assert out["MetricAlarms"] == [] and out["CompositeAlarms"] == []


def test_describe_filters_pages_tags_and_errors(server):
    for k in range(7):
        _alarm(server, f"a{k}", metric=f"m{k}", TreatMissingData="notBreaching" if k % 2 else
               "breaching", AlarmActions=[f"arn:aws:sns:us-east-1:123456789012:t{k}"])
    _wait_state(server, "a6", "ALARM")
    _wait_state(server, "a5", "OK")
    page = server.aws("cloudwatch", "describe-alarms", "--max-records", "3", "--no-paginate")
    assert [a["AlarmName"] for a in page["MetricAlarms"]] == ["a0", "a1", "a2"]
    rest = server.aws("cloudwatch", "describe-alarms", "--max-records", "3", "--no-paginate",
                      "--next-token", page["NextToken"])
    assert [a["AlarmName"] for a in rest["MetricAlarms"]] == ["a3", "a4", "a5"]
    assert len(server.aws("cloudwatch", "describe-alarms")["MetricAlarms"]) == 7
    ok = server.aws("cloudwatch", "describe-alarms", "--state-value", "OK")["MetricAlarms"]
    assert [a["AlarmName"] for a in ok] == ["a1", "a3", "a5"]
    pre = server.aws("cloudwatch", "describe-alarms", "--alarm-name-prefix", "a1")
    assert [a["AlarmName"] for a in pre["MetricAlarms"]] == ["a1"]
    act = server.aws("cloudwatch", "describe-alarms", "--action-prefix",
                     "arn:aws:sns:us-east-1:123456789012:t4")["MetricAlarms"]
    assert [a["AlarmName"] for a in act] == ["a4"]
    fm = server.aws("cloudwatch", "describe-alarms-for-metric", "--namespace", "App",
                    "--metric-name", "m2")["MetricAlarms"]
    assert [a["AlarmName"] for a in fm] == ["a2"]
    # actions are not delivered, and the history says so
    acts = server.aws("cloudwatch", "describe-alarm-history", "--alarm-name", "a0",
                      "--history-item-type", "Action")["AlarmHistoryItems"]
    assert acts and acts[0]["HistorySummary"].startswith(
        "Failed to execute action arn:aws:sns:us-east-1:123456789012:t0")
    server.aws("cloudwatch", "disable-alarm-actions", "--alarm-names", "a0")
    assert _describe(server, "a0")["ActionsEnabled"] is False
    arn = _describe(server, "a0")["AlarmArn"]
    server.aws("cloudwatch", "tag-resource", "--resource-arn", arn, "--tags",
               "Key=team,Value=web")
    tags = server.aws("cloudwatch", "list-tags-for-resource", "--resource-arn", arn)["Tags"]
    assert tags == [{"Key": "team", "Value": "web"}]
    server.aws("cloudwatch", "untag-resource", "--resource-arn", arn, "--tag-keys", "team")
    assert server.aws("cloudwatch", "list-tags-for-resource", "--resource-arn", arn)[
        "Tags"] == []
    p = server.aws("cloudwatch", "list-tags-for-resource", "--resource-arn",
                   arn + "x", check=False)
    assert p.returncode != 0 and "ResourceNotFoundException" in p.stderr
    p = server.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "x", "--namespace", "A",
                   "--metric-name", "m", "--statistic", "Sum", "--period", "60",
                   "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator",
                   "GreaterThanThreshold", "--treat-missing-data", "sometimes", check=False)
    assert "The value sometimes is not supported for TreatMissingData parameter." in p.stderr
    p = server.aws("cloudwatch", "put-metric-alarm", "--alarm-name", "x", "--namespace", "A",
                   "--metric-name", "m", "--statistic", "Sum", "--period", "45",
                   "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator",
                   "GreaterThanThreshold", check=False)
    assert "InvalidParameterValue" in p.stderr and "Period" in p.stderr
    p = server.aws("cloudwatch", "describe-alarms", "--next-token", "zz", check=False)
    assert "InvalidNextToken" in p.stderr
    p = server.aws("cloudwatch", "delete-alarms", "--alarm-names", "ghost", check=False)
    assert "ResourceNotFound" in p.stderr


def test_update_keeps_state_and_restart_keeps_everything(server):
    _alarm(server, "keep", TreatMissingData="breaching")
    _wait_state(server, "keep", "ALARM")
    _alarm(server, "keep", TreatMissingData="breaching", AlarmDescription="now described")
    a = _describe(server, "keep")
    assert a["StateValue"] == "ALARM" and a["AlarmDescription"] == "now described"
    _put(server, 7, metric="Kept")
    before = server.aws("cloudwatch", "describe-alarm-history", "--alarm-name", "keep")
    server.restart()
    a = _describe(server, "keep")
    assert a["StateValue"] == "ALARM" and a["AlarmDescription"] == "now described"
    after = server.aws("cloudwatch", "describe-alarm-history", "--alarm-name", "keep")
    assert after["AlarmHistoryItems"][:len(before["AlarmHistoryItems"])] == before[
        "AlarmHistoryItems"] or len(after["AlarmHistoryItems"]) >= len(
        before["AlarmHistoryItems"])
    now = int(time.time())
    pts = server.aws("cloudwatch", "get-metric-statistics", "--namespace", "App",
                     "--metric-name", "Kept", "--start-time", str(now - 600), "--end-time",
                     str(now + 60), "--period", "60", "--statistics", "Sum")["Datapoints"]
    assert sum(p["Sum"] for p in pts) == 7.0
    # evaluation carries on after the restart
    _alarm(server, "after", metric="After", TreatMissingData="notBreaching")
    _put(server, 3, metric="After")
    _wait_state(server, "after", "ALARM", timeout=5)
