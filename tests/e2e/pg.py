"""A real PostgreSQL server for end-to-end tests: started once per test session from Debian's
packages in a temporary directory (Unix socket there, TCP on an ephemeral loopback port, trust
authentication), one fresh database per test, stopped and removed at the end of the session.

Nothing here depends on a system cluster: initdb and pg_ctl run on their own data directory,
as the `postgres` user when the tests run as root (initdb refuses root).

    SLIPWAY_TEST_STORE=postgres   the `server` fixture runs slipwayd on a fresh database here
    SLIPWAY_PG_BIN=/path/bin      another PostgreSQL installation (default: Debian's 15)
"""
import atexit
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile

import pytest

STORES = ("sqlite", "postgres")


def store_under_test():
    """The backend the `server` fixture uses: SLIPWAY_TEST_STORE, sqlite when unset."""
    store = os.environ.get("SLIPWAY_TEST_STORE") or "sqlite"
    if store not in STORES:
        raise pytest.UsageError(f"SLIPWAY_TEST_STORE={store!r}: want one of {', '.join(STORES)}")
    return store


def _bin_dir():
    env = os.environ.get("SLIPWAY_PG_BIN")
    if env:
        return env
    if os.path.exists("/usr/lib/postgresql/15/bin/initdb"):
        return "/usr/lib/postgresql/15/bin"
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not found:
        pytest.fail("PostgreSQL is not installed (scripts/deps.sh installs Debian's "
                    "postgresql package); or set SLIPWAY_PG_BIN")
    return os.path.dirname(found[-1])


def free_port():
    """A loopback TCP port nothing listens on (at the time of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory."""

    def __init__(self):
        self.bin = _bin_dir()
        self.base = tempfile.mkdtemp(prefix="slipway-pg-")
        self.data = os.path.join(self.base, "data")
        self.log = os.path.join(self.base, "postgres.log")
        self.port = None
        self.running = False
        self._numbers = itertools.count(1)
        self._as_postgres = os.geteuid() == 0

    # -- process ---------------------------------------------------------------------------
    def _run(self, *args, check=True):
        cmd = [os.path.join(self.bin, args[0])] + list(args[1:])
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        p = subprocess.run(cmd, cwd=self.base, env=env, capture_output=True, text=True,
                           timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}"
                               f"{p.stderr}\n{self.read_log()}")
        return p

    def start(self):
        if self._as_postgres:
            shutil.chown(self.base, "postgres", "postgres")
        # C collation: text sorts byte by byte, as in SQLite, so listings match either store.
        self._run("initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions")
        atexit.register(self.stop)
        for _ in range(5):  # another process may take the port between probe and bind
            self.port = free_port()
            opts = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                    "-c max_connections=300 -c shared_buffers=32MB")
            p = self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60",
                          "-o", opts, "start", check=False)
            if p.returncode == 0:
                self.running = True
                return self
        raise RuntimeError(f"PostgreSQL did not start:\n{p.stdout}{p.stderr}\n{self.read_log()}")

    def restart(self):
        """Restarts the server (every client connection is cut)."""
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "-m", "fast",
                  "restart")

    def stop(self):
        if self.running:
            self._run("pg_ctl", "-D", self.data, "-w", "-t", "60", "-m", "immediate", "stop",
                      check=False)
            self.running = False
        shutil.rmtree(self.base, ignore_errors=True)

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    # -- databases -------------------------------------------------------------------------
    def psql(self, sql, db="postgres"):
        """Runs sql as the superuser over the Unix socket; returns the unaligned output."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        p = subprocess.run([os.path.join(self.bin, "psql"), "-h", self.base, "-p",
                            str(self.port), "-U", "postgres", "-d", db, "-X", "-A", "-t", "-q",
                            "-v", "ON_ERROR_STOP=1", "-c", sql],
                           env=env, capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed:\n{p.stderr}")
        return p.stdout.strip()

    def create_database(self, prefix="t"):
        name = f"{prefix}_{next(self._numbers)}"
        self.psql(f"CREATE DATABASE {name}")
        return name

    def url(self, db):
        """A TCP connection URL for db, as an operator would write it."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def socket_url(self, db):
        """A connection URL for db over the Unix socket."""
        return f"postgresql:///{db}?host={self.base}&port={self.port}&user=postgres"

    def new_database_url(self):
        return self.url(self.create_database())


@pytest.fixture(scope="session")
def postgres():
    """The session's PostgreSQL server, started on first use."""
    server = PostgresServer().start()
    yield server
    server.stop()


def store_args(request):
    """slipwayd arguments that select the store under test: none for SQLite; for postgres,
    --store naming a fresh database on the session's server."""
    if store_under_test() != "postgres":
        return []
    return ["--store", request.getfixturevalue("postgres").new_database_url()]
