"""slipwayd on PostgreSQL (--store postgresql://…): the same API as on SQLite, data that
survives restarts, several slipwayd replicas serving one database, and the store's own
contract (tests/unit/store/test_store) run against a real server.  These tests always use
PostgreSQL; the rest of the suite does when SLIPWAY_TEST_STORE=postgres."""
import concurrent.futures
import os
import subprocess
import threading

import botocore.exceptions
import pytest

import ports
from conftest import BUILD, SLIPWAYD, Server
from pg import PostgresServer

SANITIZER_ERRORS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


class PgServer(Server):
    """A slipwayd on a PostgreSQL database.  A replica that joins a database another one has
    initialised finds the administrator already there and writes no credentials file: it
    starts without keys, and the test hands it the first replica's."""

    def __init__(self, data_dir, log_path, url):
        super().__init__(data_dir, log_path, ["--store", url])
        self.url = url

    def start(self, port=0):
        try:
            return super().start(port)
        except KeyError:  # no [slipway] section: no credentials file in this data directory
            self.access_key = self.secret_key = None
            return self

    def use_credentials_of(self, other):
        self.access_key, self.secret_key = other.access_key, other.secret_key
        return self


@pytest.fixture
def start(postgres, tmp_path, request):
    """start(url=None) → a running PgServer on url (default: a fresh database).  Every server
    is stopped at the end and must exit 0 without a sanitizer report."""
    started = []

    def start_server(url=None):
        n = len(started)
        s = PgServer(tmp_path / f"data{n}", tmp_path / f"slipwayd{n}.log",
                     url or postgres.new_database_url())
        started.append(s)
        return s.start()

    yield start_server
    failed = getattr(request.node, "rep_call", None)
    problems = []
    for s in started:
        rc = s.stop()
        s.release_port()
        log = s.read_log()
        if (failed and failed.failed) or rc != 0:
            print(f"\n----- slipwayd log ({s.log_path}) -----\n{log}")
        if rc != 0:
            problems.append(f"{s.log_path}: exited with {rc} on SIGTERM")
        if any(m in log for m in SANITIZER_ERRORS):
            problems.append(f"{s.log_path}: sanitizer report\n{log}")
    assert not problems, "\n".join(problems)


def dbname(url):
    return url.rsplit("/", 1)[1].split("?", 1)[0]


def error_code(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as ei:
        call(*args, **kwargs)
    return ei.value.response["Error"]["Code"]


# -- the store's contract ------------------------------------------------------------------

def test_store_contract_on_postgres(postgres):
    """The store unit tests (values, placeholders, rollback, serialised writes, byte-order
    sorting, fresh snapshots) against a real PostgreSQL database."""
    binary = os.path.join(BUILD, "tests/unit/store/test_store")
    env = dict(os.environ, SLIPWAY_TEST_PG_URL=postgres.new_database_url())
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "[  PASSED  ] 13 test(s)." in out, out
    assert "SKIPPED" not in out, out
    assert not any(m in out for m in SANITIZER_ERRORS), out


def test_model_verbs_on_postgres(postgres):
    """The model's unit tests (deployment groups, deployments, targets, host commands, logs,
    metrics, the queue of Event invocations) against a real PostgreSQL database."""
    binary = os.path.join(BUILD, "tests/unit/model/test_model")
    env = dict(os.environ, SLIPWAY_TEST_PG_URL=postgres.new_database_url())
    p = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=300)
    out = p.stdout + p.stderr
    assert p.returncode == 0, out
    assert "[  PASSED  ] 5 test(s)." in out, out
    assert not any(m in out for m in SANITIZER_ERRORS), out


# -- one slipwayd ----------------------------------------------------------------------------

def test_applications_on_postgres(start, postgres):
    s = start()
    cd = s.client("codedeploy")
    app_id = cd.create_application(applicationName="web",
                                   tags=[{"Key": "team", "Value": "blue"}])["applicationId"]
    cd.create_application(applicationName="api", computePlatform="Lambda")

    assert cd.list_applications()["applications"] == ["api", "web"]
    info = cd.get_application(applicationName="web")["application"]
    assert info["applicationId"] == app_id and info["computePlatform"] == "Server"
    infos = cd.batch_get_applications(applicationNames=["web", "api"])["applicationsInfo"]
    assert {i["applicationName"]: i["computePlatform"] for i in infos} == \
        {"web": "Server", "api": "Lambda"}

    cd.update_application(applicationName="web", newApplicationName="site")
    assert cd.list_applications()["applications"] == ["api", "site"]
    assert cd.get_application(applicationName="site")["application"]["applicationId"] == app_id
    assert error_code(cd.get_application, applicationName="web") == \
        "ApplicationDoesNotExistException"

    # The rows really are in PostgreSQL, under the account recorded there.
    db = dbname(s.url)
    assert postgres.psql("SELECT name FROM applications ORDER BY name", db) == "api\nsite"
    account = postgres.psql("SELECT v FROM meta WHERE k = 'account_id'", db)
    arn = f"arn:aws:codedeploy:us-east-1:{account}:application:site"
    assert cd.list_tags_for_resource(ResourceArn=arn)["Tags"] == \
        [{"Key": "team", "Value": "blue"}]

    cd.delete_application(applicationName="site")
    assert cd.list_applications()["applications"] == ["api"]
    assert postgres.psql("SELECT COUNT(*) FROM resource_tags", db) == "0"


def test_duplicate_application_on_postgres(start, postgres):
    # postgres:// is accepted as well as postgresql://
    url = postgres.new_database_url().replace("postgresql://", "postgres://", 1)
    cd = start(url).client("codedeploy")
    cd.create_application(applicationName="dup")
    assert error_code(cd.create_application, applicationName="dup") == \
        "ApplicationAlreadyExistsException"
    assert cd.list_applications()["applications"] == ["dup"]


def test_listing_pages_in_byte_order(start):
    cd = start().client("codedeploy")
    names = [f"app-{i:03d}" for i in range(120)] + ["Zed", "zed", "a_b", "a-b"]
    for n in names:
        cd.create_application(applicationName=n)
    seen, token = [], None
    while True:
        page = cd.list_applications(**({"nextToken": token} if token else {}))
        seen += page["applications"]
        token = page.get("nextToken")
        if not token:
            break
    assert seen == sorted(names)


def test_restart_keeps_data_and_keys(start):
    s = start()
    s.client("codedeploy").create_application(applicationName="keep-me")
    iam = s.client("iam")
    iam.create_user(UserName="dev")
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    s.restart()
    assert s.client("codedeploy").list_applications()["applications"] == ["keep-me"]
    # a key issued before the restart still signs requests: keys live in the database
    dev = s.client("codedeploy", access_key=key["AccessKeyId"],
                   secret_key=key["SecretAccessKey"])
    assert error_code(dev.get_application, applicationName="nope") == \
        "ApplicationDoesNotExistException"


def test_unix_socket_url(start, postgres):
    db = postgres.create_database()
    s = start(postgres.socket_url(db))
    s.client("codedeploy").create_application(applicationName="via-socket")
    assert postgres.psql("SELECT name FROM applications", db) == "via-socket"


def test_survives_postgres_restart(tmp_path, request):
    """A restart (or failover) of PostgreSQL cuts every connection; slipwayd reconnects and
    the next requests succeed, on every worker thread."""
    own = PostgresServer().start()
    s = PgServer(tmp_path / "data", tmp_path / "slipwayd.log", own.new_database_url())
    try:
        s.start()
        clients = [s.client("codedeploy") for _ in range(6)]  # separate connections, threads
        for i, cd in enumerate(clients):
            cd.create_application(applicationName=f"before-{i}")
        own.restart()
        for i, cd in enumerate(clients):
            assert f"before-{i}" in cd.list_applications()["applications"]
            cd.create_application(applicationName=f"after-{i}")
        assert len(clients[0].list_applications()["applications"]) == 12
    finally:
        rc = s.stop()
        s.release_port()
        log = s.read_log()
        own.stop()
    assert rc == 0, log
    assert "reconnecting" in log, log
    assert not any(m in log for m in SANITIZER_ERRORS), log


def test_bad_store_urls_fail_at_start(tmp_path, postgres):
    def run(url, name):
        p = subprocess.run([SLIPWAYD, "--data", str(tmp_path / name), "--listen",
                            "127.0.0.1:0", "--store", url],
                           capture_output=True, text=True, timeout=60)
        assert not any(m in p.stderr for m in SANITIZER_ERRORS), p.stderr
        assert p.returncode == 1, p.stderr
        return p.stderr

    assert "unsupported store URL" in run("mysql://root@127.0.0.1/x", "a")
    err = run(f"postgresql://postgres:s3cret@127.0.0.1:{ports.dead_port()}/x", "b")
    assert "cannot connect to postgres" in err and "s3cret" not in err
    err = run(postgres.url("no_such_db"), "c")
    assert "no_such_db" in err and "does not exist" in err


# -- replicas: several slipwayd on one database --------------------------------------------

def test_replicas_serve_one_database(start):
    a = start()
    b = start(a.url).use_credentials_of(a)  # the admin key lives in the database
    assert not os.path.exists(os.path.join(b.data_dir, "credentials"))
    cda, cdb = a.client("codedeploy"), b.client("codedeploy")

    app_id = cda.create_application(applicationName="made-on-a")["applicationId"]
    assert cdb.get_application(applicationName="made-on-a")["application"]["applicationId"] \
        == app_id
    cdb.create_application(applicationName="made-on-b")
    assert cda.list_applications()["applications"] == ["made-on-a", "made-on-b"]
    assert error_code(cdb.create_application, applicationName="made-on-a") == \
        "ApplicationAlreadyExistsException"

    # a key issued by one replica signs requests to the other (boto3 and the aws CLI)
    b.client("iam").create_user(UserName="ci")
    key = b.client("iam").create_access_key(UserName="ci")["AccessKey"]
    out = a.aws("deploy", "list-applications", access_key=key["AccessKeyId"],
                secret_key=key["SecretAccessKey"])
    assert out["applications"] == ["made-on-a", "made-on-b"]
    assert a.aws("iam", "get-user", "--user-name", "ci")["User"]["UserName"] == "ci"

    cda.delete_application(applicationName="made-on-b")
    assert error_code(cdb.get_application, applicationName="made-on-b") == \
        "ApplicationDoesNotExistException"


def test_replicas_race_for_the_same_names(start):
    """Both replicas create the same names at once: each name is created exactly once and
    every other attempt is ApplicationAlreadyExistsException — never a lost or double row."""
    a = start()
    b = start(a.url).use_credentials_of(a)
    names = [f"race-{i}" for i in range(15)]
    barrier = threading.Barrier(4)

    def worker(server):
        cd = server.client("codedeploy")
        barrier.wait()
        out = []
        for n in names:
            try:
                cd.create_application(applicationName=n)
                out.append((n, "created"))
            except botocore.exceptions.ClientError as e:
                out.append((n, e.response["Error"]["Code"]))
        return out

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = [r for f in [pool.submit(worker, s) for s in (a, b, a, b)]
                   for r in f.result()]
    for n in names:
        outcomes = sorted(code for name, code in results if name == n)
        assert outcomes == ["ApplicationAlreadyExistsException"] * 3 + ["created"], (n, outcomes)
    assert a.client("codedeploy").list_applications()["applications"] == sorted(names)
    assert b.client("codedeploy").list_applications()["applications"] == sorted(names)


def test_replicas_start_together_on_an_empty_database(start, postgres):
    """Two replicas started at the same moment on a new database: migrations are applied
    once, one administrator and one account are created, and both serve."""
    url = postgres.new_database_url()
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        servers = list(pool.map(lambda _: start(url), range(2)))
    with_keys = [s for s in servers if s.access_key]
    assert len(with_keys) == 1, "exactly one replica initialises the database"
    for s in servers:
        s.use_credentials_of(with_keys[0])
    servers[0].client("codedeploy").create_application(applicationName="shared")
    assert servers[1].client("codedeploy").list_applications()["applications"] == ["shared"]

    db = dbname(url)
    versions = postgres.psql("SELECT version FROM schema_migrations ORDER BY version", db)
    assert len(versions.split()) == len(set(versions.split())) >= 1
    assert postgres.psql("SELECT COUNT(*) FROM users", db) == "1"
    assert postgres.psql("SELECT COUNT(*) FROM meta WHERE k = 'account_id'", db) == "1"
