"""CloudWatch metrics driven by the aws CLI (botocore 1.43: AWS JSON 1.0): PutMetricData in its
three forms, GetMetricStatistics with AWS's period and range rules, exact-dimension identity,
percentiles, GetMetricData with MetricStat and math, ListMetrics filters and paging, and the
errors AWS gives for bad input."""
import json
import time

import pytest


def _now():
    return int(time.time())


def _put(server, ns, data):
    return server.aws("cloudwatch", "put-metric-data", "--namespace", ns,
                      "--metric-data", json.dumps(data))


def _err(p):
    assert p.returncode != 0, p.stdout
    return p.stderr


def _stats(server, ns, name, start, end, period=60, dims=None, stats=("Sum",), ext=None,
           unit=None):
    args = ["cloudwatch", "get-metric-statistics", "--namespace", ns, "--metric-name", name,
            "--start-time", str(start), "--end-time", str(end), "--period", str(period)]
    if dims is not None:
        args += ["--dimensions", json.dumps(dims)]
    if ext:
        args += ["--extended-statistics"] + list(ext)
    else:
        args += ["--statistics"] + list(stats)
    if unit:
        args += ["--unit", unit]
    return server.aws(*args)


def test_put_then_statistics_per_minute(server):
    t0 = (_now() // 60 - 5) * 60
    dims = [{"Name": "FunctionName", "Value": "f"}]
    _put(server, "App", [
        {"MetricName": "Errors", "Dimensions": dims, "Timestamp": t0, "Value": 5, "Unit": "Count"},
        {"MetricName": "Errors", "Dimensions": dims, "Timestamp": t0 + 10, "Value": 1,
         "Unit": "Count"},
        {"MetricName": "Errors", "Dimensions": dims, "Timestamp": t0 + 60,
         "Values": [1, 2, 3], "Counts": [1, 1, 2], "Unit": "Count"},
        {"MetricName": "Errors", "Dimensions": dims, "Timestamp": t0 + 120,
         "StatisticValues": {"SampleCount": 4, "Sum": 10, "Minimum": 1, "Maximum": 4},
         "Unit": "Count"},
    ])
    out = _stats(server, "App", "Errors", t0, t0 + 180, dims=dims,
                 stats=("Sum", "SampleCount", "Average", "Minimum", "Maximum"))
    assert out["Label"] == "Errors"
    pts = sorted(out["Datapoints"], key=lambda d: d["Timestamp"])
    assert [p["Sum"] for p in pts] == [6.0, 9.0, 10.0]
    assert [p["SampleCount"] for p in pts] == [2.0, 4.0, 4.0]
    assert pts[0]["Minimum"] == 1.0 and pts[0]["Maximum"] == 5.0 and pts[0]["Average"] == 3.0
    assert pts[1]["Average"] == 2.25
    assert all(p["Unit"] == "Count" for p in pts)
    # a period of 120 s groups from the (rounded) start time
    out = _stats(server, "App", "Errors", t0, t0 + 180, period=120, dims=dims)
    assert sorted(p["Sum"] for p in out["Datapoints"]) == [10.0, 15.0]


def test_dimensions_are_an_exact_set(server):
    t = _now() - 30
    _put(server, "App", [{"MetricName": "Lat", "Timestamp": t, "Value": 7,
                          "Dimensions": [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}]}])
    start, end = t - 120, t + 120
    # order does not matter
    got = _stats(server, "App", "Lat", start, end,
                 dims=[{"Name": "B", "Value": "2"}, {"Name": "A", "Value": "1"}])
    assert [p["Sum"] for p in got["Datapoints"]] == [7.0]
    # a subset or no dimensions is another metric
    assert _stats(server, "App", "Lat", start, end, dims=[{"Name": "A", "Value": "1"}])[
        "Datapoints"] == []
    assert _stats(server, "App", "Lat", start, end)["Datapoints"] == []


def test_units_aggregate_apart(server):
    t = _now() - 30
    _put(server, "U", [{"MetricName": "m", "Timestamp": t, "Value": 1, "Unit": "Seconds"},
                       {"MetricName": "m", "Timestamp": t, "Value": 1000,
                        "Unit": "Milliseconds"}])
    both = _stats(server, "U", "m", t - 120, t + 120)["Datapoints"]
    assert sorted((p["Unit"], p["Sum"]) for p in both) == [("Milliseconds", 1000.0),
                                                           ("Seconds", 1.0)]
    only = _stats(server, "U", "m", t - 120, t + 120, unit="Seconds")["Datapoints"]
    assert [(p["Unit"], p["Sum"]) for p in only] == [("Seconds", 1.0)]


def test_percentiles(server):
    t = (_now() // 60 - 2) * 60
    _put(server, "P", [{"MetricName": "d", "Timestamp": t + 1,
                        "Values": [float(v) for v in range(1, 101)]}])
    out = _stats(server, "P", "d", t, t + 60, ext=("p50", "p99", "p100", "p0.0"))
    ext = out["Datapoints"][0]["ExtendedStatistics"]
    assert ext["p100"] == 100.0 and ext["p0.0"] == 1.0
    assert abs(ext["p50"] - 50) <= 0.5 and abs(ext["p99"] - 99) <= 1
    # negative values give no percentiles
    _put(server, "P", [{"MetricName": "neg", "Timestamp": t + 1, "Values": [-1.0, 2.0]}])
    out = _stats(server, "P", "neg", t, t + 60, ext=("p50",))
    assert "ExtendedStatistics" not in out["Datapoints"][0]


def test_high_resolution_periods(server):
    t = _now() - 100
    t -= t % 10
    _put(server, "H", [{"MetricName": "r", "Timestamp": t + 1, "Value": 1, "StorageResolution": 1},
                       {"MetricName": "r", "Timestamp": t + 11, "Value": 2,
                        "StorageResolution": 1}])
    pts = _stats(server, "H", "r", t, t + 20, period=10)["Datapoints"]
    assert sorted(p["Sum"] for p in pts) == [1.0, 2.0]
    # standard-resolution data has no 10 s buckets
    _put(server, "H", [{"MetricName": "s", "Timestamp": t + 1, "Value": 1}])
    assert _stats(server, "H", "s", t, t + 20, period=10)["Datapoints"] == []


@pytest.mark.parametrize("datum,code,text", [
    ({"MetricName": "m", "Value": float("nan")}, "InvalidParameterValue", "NaN"),
    ({"MetricName": "m", "Value": 1, "Values": [1]}, "InvalidParameterCombination",
     "mutually exclusive"),
    ({"MetricName": "m", "Values": [1, 2], "Counts": [1]}, "InvalidParameterValue",
     "same size"),
    ({"MetricName": "m", "StatisticValues": {"SampleCount": 2, "Sum": 1, "Minimum": 3,
                                             "Maximum": 1}},
     "InvalidParameterValue", "StatisticValues"),
    ({"MetricName": "m", "Value": 1, "Unit": "Parsecs"}, "InvalidParameterValue", "unit"),
    ({"MetricName": "m", "Value": 1, "StorageResolution": 5}, "InvalidParameterValue",
     "StorageResolution"),
    ({"MetricName": "m", "Value": 1, "Timestamp": 1000}, "InvalidParameterValue", "two weeks"),
])
def test_put_errors(server, datum, code, text):
    body = json.dumps({"Namespace": "E", "MetricData": [datum]}).replace("NaN", '"NaN"')
    if "NaN" in body:  # the CLI refuses NaN in JSON; send it as the query/JSON number it is
        p = server.aws("cloudwatch", "put-metric-data", "--namespace", "E", "--metric-name",
                       "m", "--value", "NaN", check=False)
    else:
        p = server.aws("cloudwatch", "put-metric-data", "--cli-input-json", body, check=False)
    err = _err(p)
    assert code in err and text in err, err


def test_statistics_errors(server):
    t = _now()
    p = server.aws("cloudwatch", "get-metric-statistics", "--namespace", "A", "--metric-name",
                   "m", "--start-time", str(t), "--end-time", str(t - 60), "--period", "60",
                   "--statistics", "Sum", check=False)
    assert "InvalidParameterValue" in _err(p) and "StartTime must be less" in p.stderr
    p = server.aws("cloudwatch", "get-metric-statistics", "--namespace", "A", "--metric-name",
                   "m", "--start-time", str(t - 86400 * 2), "--end-time", str(t), "--period",
                   "60", "--statistics", "Sum", check=False)
    assert "InvalidParameterCombination" in _err(p) and "1440" in p.stderr
    p = server.aws("cloudwatch", "get-metric-statistics", "--namespace", "A", "--metric-name",
                   "m", "--start-time", str(t - 600), "--end-time", str(t), "--period", "90",
                   "--statistics", "Sum", check=False)
    assert "InvalidParameterValue" in _err(p) and "multiple of 60" in p.stderr


def test_get_metric_data_stat_and_math(server):
    t0 = (_now() // 60 - 4) * 60
    _put(server, "G", [
        {"MetricName": "Errors", "Timestamp": t0 + 1, "Value": 2},
        {"MetricName": "Errors", "Timestamp": t0 + 61, "Value": 3},
        {"MetricName": "Invocations", "Timestamp": t0 + 1, "Value": 10},
        {"MetricName": "Invocations", "Timestamp": t0 + 61, "Value": 20},
        {"MetricName": "Invocations", "Timestamp": t0 + 121, "Value": 40},
    ])
    q = [
        {"Id": "e", "MetricStat": {"Metric": {"Namespace": "G", "MetricName": "Errors"},
                                   "Period": 60, "Stat": "Sum"}, "ReturnData": False},
        {"Id": "i", "MetricStat": {"Metric": {"Namespace": "G", "MetricName": "Invocations"},
                                   "Period": 60, "Stat": "Sum"}},
        {"Id": "rate", "Expression": "100*FILL(e,0)/i", "Label": "ErrorRate"},
    ]
    out = server.aws("cloudwatch", "get-metric-data", "--metric-data-queries", json.dumps(q),
                     "--start-time", str(t0), "--end-time", str(t0 + 180))
    res = {r["Id"]: r for r in out["MetricDataResults"]}
    assert set(res) == {"i", "rate"}  # ReturnData false is left out
    assert res["i"]["Values"] == [40.0, 20.0, 10.0]  # newest first
    assert res["i"]["Timestamps"][0] > res["i"]["Timestamps"][-1]
    assert res["rate"]["Label"] == "ErrorRate"
    assert res["rate"]["Values"] == [0.0, 15.0, 20.0]
    assert all(r["StatusCode"] == "Complete" for r in res.values())
    out = server.aws("cloudwatch", "get-metric-data", "--metric-data-queries", json.dumps(q),
                     "--start-time", str(t0), "--end-time", str(t0 + 180),
                     "--scan-by", "TimestampAscending")
    res = {r["Id"]: r for r in out["MetricDataResults"]}
    assert res["i"]["Values"] == [10.0, 20.0, 40.0]
    bad = [{"Id": "x", "Expression": "ANOMALY_DETECTION_BAND(m1)"}]
    p = server.aws("cloudwatch", "get-metric-data", "--metric-data-queries", json.dumps(bad),
                   "--start-time", str(t0), "--end-time", str(t0 + 180), check=False)
    assert "InvalidParameterValue" in _err(p) and "ANOMALY_DETECTION_BAND" in p.stderr
    bad = [{"Id": "Upper", "MetricStat": q[1]["MetricStat"]}]
    p = server.aws("cloudwatch", "get-metric-data", "--metric-data-queries", json.dumps(bad),
                   "--start-time", str(t0), "--end-time", str(t0 + 180), check=False)
    assert "InvalidParameterValue" in _err(p) and "lowercase" in p.stderr


def test_get_metric_data_pages(server):
    t0 = (_now() // 60 - 10) * 60
    _put(server, "Pg", [{"MetricName": "m", "Timestamp": t0 + 60 * k + 1, "Value": k}
                        for k in range(6)])
    q = [{"Id": "m", "MetricStat": {"Metric": {"Namespace": "Pg", "MetricName": "m"},
                                    "Period": 60, "Stat": "Sum"}}]
    base = ["cloudwatch", "get-metric-data", "--no-paginate", "--metric-data-queries",
            json.dumps(q), "--start-time", str(t0), "--end-time", str(t0 + 360),
            "--max-datapoints", "4", "--scan-by", "TimestampAscending"]
    first = server.aws(*base)
    assert first["MetricDataResults"][0]["Values"] == [0.0, 1.0, 2.0, 3.0]
    assert first["MetricDataResults"][0]["StatusCode"] == "PartialData"
    second = server.aws(*base, "--next-token", first["NextToken"])
    assert second["MetricDataResults"][0]["Values"] == [4.0, 5.0]
    assert "NextToken" not in second


def test_list_metrics_filters_and_pages(server):
    t = _now() - 30
    data = [{"MetricName": "req", "Timestamp": t, "Value": 1,
             "Dimensions": [{"Name": "Host", "Value": f"h{k:03d}"}]} for k in range(600)]
    for k in range(0, 600, 300):
        _put(server, "L", data[k:k + 300])
    _put(server, "L", [{"MetricName": "other", "Timestamp": t, "Value": 1},
                       {"MetricName": "req", "Timestamp": t, "Value": 1, "Unit": "Count",
                        "Dimensions": [{"Name": "Host", "Value": "h000"}]}])
    # the CLI follows NextToken by itself: 600 + 1 metrics, units folded
    out = server.aws("cloudwatch", "list-metrics", "--namespace", "L")
    assert len(out["Metrics"]) == 601
    page = server.aws("cloudwatch", "list-metrics", "--namespace", "L", "--no-paginate")
    assert len(page["Metrics"]) == 500 and page["NextToken"]
    rest = server.aws("cloudwatch", "list-metrics", "--namespace", "L", "--no-paginate",
                      "--next-token", page["NextToken"])
    assert len(rest["Metrics"]) == 101 and "NextToken" not in rest
    names = {json.dumps(m, sort_keys=True) for m in page["Metrics"] + rest["Metrics"]}
    assert len(names) == 601
    one = server.aws("cloudwatch", "list-metrics", "--namespace", "L", "--dimensions",
                     "Name=Host,Value=h007")["Metrics"]
    assert one == [{"Namespace": "L", "MetricName": "req",
                    "Dimensions": [{"Name": "Host", "Value": "h007"}]}]
    named = server.aws("cloudwatch", "list-metrics", "--namespace", "L", "--metric-name",
                       "other")["Metrics"]
    assert named == [{"Namespace": "L", "MetricName": "other", "Dimensions": []}]
    active = server.aws("cloudwatch", "list-metrics", "--namespace", "L", "--metric-name",
                        "other", "--recently-active", "PT3H")["Metrics"]
    assert len(active) == 1
    p = server.aws("cloudwatch", "list-metrics", "--next-token", "garbage", check=False)
    assert "InvalidParameterValue" in _err(p)
