"""Group commit seen from clients: many concurrent writes are each acknowledged with their own
outcome, and every acknowledged write survives a crash (kill -9) of slipwayd."""
import concurrent.futures
import threading

import botocore.exceptions


def _clients(server, n):
    return [server.client("codedeploy") for _ in range(n)]


def test_concurrent_creates_survive_kill9(server):
    clients = _clients(server, 32)
    names = [[f"gc-{t}-{i}" for i in range(8)] for t in range(32)]
    start = threading.Barrier(32)

    def work(t):
        start.wait()
        ids = {}
        for name in names[t]:
            ids[name] = clients[t].create_application(applicationName=name)["applicationId"]
        return ids

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        acknowledged = {}
        for ids in pool.map(work, range(32)):
            acknowledged.update(ids)
    assert len(acknowledged) == 32 * 8
    assert len(set(acknowledged.values())) == 32 * 8  # every write got its own id

    # acknowledged means on disk: nothing may be lost when the process dies right now
    server.kill9()
    server.port = None
    server.start()
    cd = server.client("codedeploy")
    listed = set()
    for page in cd.get_paginator("list_applications").paginate():
        listed.update(page["applications"])
    assert set(acknowledged) <= listed
    for name in ("gc-0-0", "gc-31-7", "gc-17-3"):
        info = cd.get_application(applicationName=name)["application"]
        assert info["applicationId"] == acknowledged[name]


def test_concurrent_duplicate_creates_have_one_winner(server):
    clients = _clients(server, 24)
    for round_ in range(4):
        name = f"contended-{round_}"
        start = threading.Barrier(24)

        def work(t):
            start.wait()
            try:
                clients[t].create_application(applicationName=name)
                return "created"
            except botocore.exceptions.ClientError as e:
                return e.response["Error"]["Code"]

        with concurrent.futures.ThreadPoolExecutor(24) as pool:
            outcomes = list(pool.map(work, range(24)))
        assert outcomes.count("created") == 1, outcomes
        assert outcomes.count("ApplicationAlreadyExistsException") == 23, outcomes


def test_failed_writes_in_a_batch_leave_the_others(server):
    """Creates that fail (duplicates of existing names) interleaved with creates that succeed:
    each caller gets its own answer and only the new names exist afterwards."""
    cd = server.client("codedeploy")
    for i in range(0, 64, 2):
        cd.create_application(applicationName=f"mix-{i}")
    clients = _clients(server, 32)
    start = threading.Barrier(32)

    def work(t):
        start.wait()
        out = []
        for i in (2 * t, 2 * t + 1):  # the even one exists already, the odd one is new
            try:
                clients[t].create_application(applicationName=f"mix-{i}")
                out.append((i, "created"))
            except botocore.exceptions.ClientError as e:
                out.append((i, e.response["Error"]["Code"]))
        return out

    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        results = [r for rs in pool.map(work, range(32)) for r in rs]
    for i, outcome in results:
        assert outcome == ("ApplicationAlreadyExistsException" if i % 2 == 0 else "created"), (i, outcome)
    names = set()
    for page in cd.get_paginator("list_applications").paginate():
        names.update(page["applications"])
    assert {f"mix-{i}" for i in range(64)} <= names
