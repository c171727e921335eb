"""CloudWatch Logs end to end: groups and streams, PutLogEvents' limits, GetLogEvents' tokens in
both directions, FilterLogEvents' patterns and retention — driven by Debian's boto3 (JSON 1.1)
and by the aws CLI (botocore 1.43)."""
import json
import time

import pytest
from botocore.exceptions import ClientError

DAY = 86400 * 1000


def now_ms():
    return int(time.time() * 1000)


@pytest.fixture
def logs(server):
    return server.client("logs")


def code(exc):
    return exc.value.response["Error"]["Code"]


def message(exc):
    return exc.value.response["Error"]["Message"]


def put(logs, group, stream, events):
    return logs.put_log_events(logGroupName=group, logStreamName=stream,
                               logEvents=[{"timestamp": t, "message": m} for t, m in events])


def test_groups_crud_paging_and_errors(logs, server):
    for name in ["/app/b", "/app/a", "/other", "/app/c"]:
        logs.create_log_group(logGroupName=name)
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName="/app/a")
    assert code(e) == "ResourceAlreadyExistsException"
    assert message(e) == "The specified log group already exists"

    page = logs.describe_log_groups(logGroupNamePrefix="/app/", limit=2)
    assert [g["logGroupName"] for g in page["logGroups"]] == ["/app/a", "/app/b"]
    g = page["logGroups"][0]
    assert g["arn"] == f"arn:aws:logs:us-east-1:{g['arn'].split(':')[4]}:log-group:/app/a:*"
    assert g["storedBytes"] == 0 and g["metricFilterCount"] == 0
    assert "retentionInDays" not in g
    assert abs(g["creationTime"] - now_ms()) < 60000
    rest = logs.describe_log_groups(logGroupNamePrefix="/app/", limit=2,
                                    nextToken=page["nextToken"])
    assert [g["logGroupName"] for g in rest["logGroups"]] == ["/app/c"]
    assert "nextToken" not in rest
    everything = logs.describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in everything] == ["/app/a", "/app/b", "/app/c", "/other"]
    pat = logs.describe_log_groups(logGroupNamePattern="the")["logGroups"]
    assert [g["logGroupName"] for g in pat] == ["/other"]

    with pytest.raises(ClientError) as e:
        logs.describe_log_groups(logGroupNamePrefix="/a", logGroupNamePattern="b")
    assert code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        logs.describe_log_groups(nextToken="garbage")
    assert code(e) == "InvalidParameterException"
    assert message(e) == "The specified nextToken is invalid."

    logs.delete_log_group(logGroupName="/app/b")
    with pytest.raises(ClientError) as e:
        logs.delete_log_group(logGroupName="/app/b")
    assert code(e) == "ResourceNotFoundException"
    assert message(e) == "The specified log group does not exist."
    assert [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]] == \
        ["/app/a", "/app/c", "/other"]

    # the aws CLI (JSON 1.1 over botocore 1.43) sees the same groups
    out = server.aws("logs", "describe-log-groups", "--log-group-name-prefix", "/app/")
    assert [g["logGroupName"] for g in out["logGroups"]] == ["/app/a", "/app/c"]
    # logGroupArn and logGroupClass are newer than Debian's botocore: the CLI's model has them
    assert out["logGroups"][0]["logGroupArn"] == out["logGroups"][0]["arn"][:-2]
    assert out["logGroups"][0]["logGroupClass"] == "STANDARD"


def test_streams_crud_order_and_errors(logs):
    logs.create_log_group(logGroupName="g")
    with pytest.raises(ClientError) as e:
        logs.create_log_stream(logGroupName="nope", logStreamName="s")
    assert code(e) == "ResourceNotFoundException"
    for s in ["s2", "s1", "s3"]:
        logs.create_log_stream(logGroupName="g", logStreamName=s)
    with pytest.raises(ClientError) as e:
        logs.create_log_stream(logGroupName="g", logStreamName="s1")
    assert code(e) == "ResourceAlreadyExistsException"

    t = now_ms()
    put(logs, "g", "s3", [(t - 3000, "old")])
    put(logs, "g", "s1", [(t - 1000, "new")])
    streams = logs.describe_log_streams(logGroupName="g")["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["s1", "s2", "s3"]
    s1 = streams[0]
    assert s1["firstEventTimestamp"] == s1["lastEventTimestamp"] == t - 1000
    assert abs(s1["lastIngestionTime"] - now_ms()) < 60000
    assert s1["storedBytes"] == 0
    assert s1["arn"].endswith(":log-group:g:log-stream:s1")
    assert "firstEventTimestamp" not in streams[1]

    latest = logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime",
                                       descending=True, limit=1)
    assert [s["logStreamName"] for s in latest["logStreams"]] == ["s1"]
    nxt = logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime",
                                    descending=True, limit=1, nextToken=latest["nextToken"])
    assert [s["logStreamName"] for s in nxt["logStreams"]] == ["s3"]
    desc = logs.describe_log_streams(logGroupName="g", descending=True)["logStreams"]
    assert [s["logStreamName"] for s in desc] == ["s3", "s2", "s1"]
    pre = logs.describe_log_streams(logGroupName="g", logStreamNamePrefix="s2")["logStreams"]
    assert [s["logStreamName"] for s in pre] == ["s2"]
    with pytest.raises(ClientError) as e:
        logs.describe_log_streams(logGroupName="g", orderBy="LastEventTime",
                                  logStreamNamePrefix="s")
    assert code(e) == "InvalidParameterException"

    logs.delete_log_stream(logGroupName="g", logStreamName="s1")
    with pytest.raises(ClientError) as e:
        logs.delete_log_stream(logGroupName="g", logStreamName="s1")
    assert code(e) == "ResourceNotFoundException"
    assert message(e) == "The specified log stream does not exist."
    # deleting the group takes its streams and events with it
    logs.delete_log_group(logGroupName="g")
    logs.create_log_group(logGroupName="g")
    assert logs.describe_log_streams(logGroupName="g")["logStreams"] == []


def test_put_log_events_limits(logs):
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    t = now_ms()
    with pytest.raises(ClientError) as e:
        put(logs, "nope", "s", [(t, "x")])
    assert code(e) == "ResourceNotFoundException"
    assert message(e) == "The specified log group does not exist."
    with pytest.raises(ClientError) as e:
        put(logs, "g", "nope", [(t, "x")])
    assert message(e) == "The specified log stream does not exist."

    r = put(logs, "g", "s", [(t - 15 * DAY, "too old"), (t - 1000, "ok 1"), (t, "ok 2"),
                             (t + 3 * 3600 * 1000, "too new")])
    assert r["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1,
                                          "tooNewLogEventStartIndex": 3}
    assert len(r["nextSequenceToken"]) == 56
    got = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["ok 1", "ok 2"]
    # the sequence token is accepted and ignored
    r2 = logs.put_log_events(logGroupName="g", logStreamName="s", sequenceToken="whatever",
                             logEvents=[{"timestamp": t, "message": "ok 3"}])
    assert "rejectedLogEventsInfo" not in r2

    with pytest.raises(ClientError) as e:
        put(logs, "g", "s", [(t, "b"), (t - 1, "a")])
    assert code(e) == "InvalidParameterException"
    assert message(e) == ("Log events in a single PutLogEvents request must be in "
                          "chronological order.")
    with pytest.raises(ClientError) as e:
        put(logs, "g", "s", [(t - 2 * DAY, "a"), (t, "b")])
    assert "24 hours" in message(e)
    # 1,048,576 bytes counting 26 per event: 4 × 262,118 + 4 × 26 fits, one byte more does not
    big = 262118
    put(logs, "g", "s", [(t, "x" * big)] * 4)
    with pytest.raises(ClientError) as e:
        put(logs, "g", "s", [(t, "x" * big)] * 3 + [(t, "x" * (big + 1))])
    assert code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        put(logs, "g", "s", [(t, str(i)) for i in range(10001)])
    assert code(e) == "InvalidParameterException"
    put(logs, "g", "s", [(t, str(i)) for i in range(10000)])


def _events(n, t0):
    return [(t0 + i, f"event {i:03d}") for i in range(n)]


def test_get_log_events_tokens_both_ways(logs, server):
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    t0 = now_ms() - 600000
    put(logs, "g", "s", _events(25, t0))

    # forward from the head, 10 at a time, until our own token comes back
    seen, token, calls = [], None, 0
    while True:
        kw = {"nextToken": token} if token else {}
        page = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True,
                                   limit=10, **kw)
        calls += 1
        assert page["nextForwardToken"].startswith("f/")
        assert page["nextBackwardToken"].startswith("b/")
        assert len(page["nextForwardToken"]) == 60
        seen += [e["message"] for e in page["events"]]
        if page["nextForwardToken"] == token:
            assert page["events"] == []
            break
        token = page["nextForwardToken"]
        assert calls < 10
    assert seen == [f"event {i:03d}" for i in range(25)]
    assert calls == 4

    # the default is the newest page; then backward until our own token comes back
    page = logs.get_log_events(logGroupName="g", logStreamName="s", limit=10)
    assert [e["message"] for e in page["events"]] == [f"event {i:03d}" for i in range(15, 25)]
    pages, token = [page["events"]], page["nextBackwardToken"]
    while True:
        page = logs.get_log_events(logGroupName="g", logStreamName="s", limit=10,
                                   nextToken=token)
        if page["nextBackwardToken"] == token:
            assert page["events"] == []
            break
        pages.insert(0, page["events"])
        token = page["nextBackwardToken"]
    assert [e["message"] for p in pages for e in p] == [f"event {i:03d}" for i in range(25)]

    # new events show up behind a forward token that had reached the end
    tail = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)
    end = logs.get_log_events(logGroupName="g", logStreamName="s",
                              nextToken=tail["nextForwardToken"])
    assert end["nextForwardToken"] == tail["nextForwardToken"]
    put(logs, "g", "s", [(t0 + 100, "late one")])
    more = logs.get_log_events(logGroupName="g", logStreamName="s",
                               nextToken=tail["nextForwardToken"])
    assert [e["message"] for e in more["events"]] == ["late one"]

    # startTime inclusive, endTime exclusive
    win = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True,
                              startTime=t0 + 3, endTime=t0 + 6)
    assert [e["message"] for e in win["events"]] == ["event 003", "event 004", "event 005"]

    with pytest.raises(ClientError) as e:
        logs.get_log_events(logGroupName="g", logStreamName="s", nextToken="f/123/s")
    assert code(e) == "InvalidParameterException"
    assert message(e) == "The specified nextToken is invalid."

    # the aws CLI reads them too
    out = server.aws("logs", "get-log-events", "--log-group-name", "g", "--log-stream-name",
                     "s", "--start-from-head", "--limit", "3", "--no-paginate")
    assert [e["message"] for e in out["events"]] == ["event 000", "event 001", "event 002"]


def test_filter_log_events_patterns(logs, server):
    logs.create_log_group(logGroupName="g")
    for s in ["web-1", "web-2", "db"]:
        logs.create_log_stream(logGroupName="g", logStreamName=s)
    t = now_ms() - 60000
    put(logs, "g", "web-1", [(t, "ERROR disk full"), (t + 2, "WARN slow request"),
                             (t + 4, json.dumps({"level": "error", "status": 500}))])
    put(logs, "g", "web-2", [(t + 1, "ERROR Retry later"), (t + 3, "INFO fine"),
                             (t + 5, json.dumps({"level": "info", "status": 200,
                                                 "user": {"tags": ["a", "b"]}}))])
    put(logs, "g", "db", [(t + 6, "ERROR in db")])

    def msgs(**kw):
        r = logs.filter_log_events(logGroupName="g", **kw)
        assert r["searchedLogStreams"] == []
        return [e["message"] for e in r["events"]]

    assert msgs(filterPattern="ERROR") == ["ERROR disk full", "ERROR Retry later", "ERROR in db"]
    assert msgs(filterPattern="?WARN ?INFO") == ["WARN slow request", "INFO fine"]
    assert msgs(filterPattern="ERROR -Retry") == ["ERROR disk full", "ERROR in db"]
    assert msgs(filterPattern='"disk full"') == ["ERROR disk full"]
    assert msgs(filterPattern='{ $.level = "error" }') == ['{"level": "error", "status": 500}']
    assert msgs(filterPattern="{ $.status >= 200 && $.status < 300 }") == [
        '{"level": "info", "status": 200, "user": {"tags": ["a", "b"]}}']
    assert msgs(filterPattern='{ $.user.tags[1] = "b" }') == [
        '{"level": "info", "status": 200, "user": {"tags": ["a", "b"]}}']
    assert len(msgs(filterPattern="")) == 7
    assert msgs(filterPattern="ERROR", logStreamNamePrefix="web") == [
        "ERROR disk full", "ERROR Retry later"]
    assert msgs(filterPattern="ERROR", logStreamNames=["db"]) == ["ERROR in db"]
    assert msgs(startTime=t + 2, endTime=t + 3) == ["WARN slow request", "INFO fine"]

    r = logs.filter_log_events(logGroupName="g", limit=4)
    assert len(r["events"]) == 4 and "nextToken" in r
    e0 = r["events"][0]
    assert e0["logStreamName"] == "web-1" and len(e0["eventId"]) == 56
    r2 = logs.filter_log_events(logGroupName="g", limit=4, nextToken=r["nextToken"])
    assert len(r2["events"]) == 3 and "nextToken" not in r2

    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName="g", filterPattern="{ $.a = }")
    assert code(e) == "InvalidParameterException"
    assert "Invalid filter pattern" in message(e)
    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName="g", logStreamNames=["db"],
                               logStreamNamePrefix="d")
    assert code(e) == "InvalidParameterException"

    out = server.aws("logs", "filter-log-events", "--log-group-name", "g", "--filter-pattern",
                     "?WARN ?INFO", "--no-paginate")
    assert [e["message"] for e in out["events"]] == ["WARN slow request", "INFO fine"]


def test_retention_hides_and_expires_old_events(logs):
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    t = now_ms()
    put(logs, "g", "s", [(t - 3 * DAY, "three days old")])
    put(logs, "g", "s", [(t - 1000, "fresh")])
    assert len(logs.get_log_events(logGroupName="g", logStreamName="s")["events"]) == 2

    with pytest.raises(ClientError) as e:
        logs.put_retention_policy(logGroupName="g", retentionInDays=2)
    assert code(e) == "InvalidParameterException"
    logs.put_retention_policy(logGroupName="g", retentionInDays=1)
    g = logs.describe_log_groups(logGroupNamePrefix="g")["logGroups"][0]
    assert g["retentionInDays"] == 1
    assert g["storedBytes"] == len("fresh")

    got = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["fresh"]
    assert [e["message"] for e in
            logs.filter_log_events(logGroupName="g")["events"]] == ["fresh"]
    r = put(logs, "g", "s", [(t - 2 * DAY, "expired"), (t, "kept")])
    assert r["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 1}

    logs.delete_retention_policy(logGroupName="g")
    g = logs.describe_log_groups(logGroupNamePrefix="g")["logGroups"][0]
    assert "retentionInDays" not in g
    # the expired event was deleted, not just hidden
    got = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True)
    assert [e["message"] for e in got["events"]] == ["fresh", "kept"]
    with pytest.raises(ClientError) as e:
        logs.put_retention_policy(logGroupName="nope", retentionInDays=1)
    assert code(e) == "ResourceNotFoundException"
