"""A real HAProxy for the traffic tests and bench/traffic.py: its configuration written here, its
Runtime API on a UNIX socket in the test's directory (`stats socket … level admin`), one HTTP
frontend on a loopback port it inherits (`bind fd@N`), and backends whose servers are named
after Slipway instances.

    lb = HAProxy(tmp_path, {"web-tg": [Server("host-1", port), Server("green-1", p2, maint=True)]})
    lb.start(); lb.url; lb.stat(); lb.server("web-tg", "host-1")["status"]; lb.stop()

The configuration makes a request sent to a dead server a visible failure: `retries 0` and no
`option redispatch`, so HAProxy answers 503 instead of trying another server; `http-reuse never`
keeps one client's requests off another client's server connections.  Health checks: GET /health
every 200 ms, DOWN after 2 failures, UP after 1 success."""
import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import ports

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"


def available():
    return os.access(HAPROXY, os.X_OK)


class Server:
    """A backend server: name (= the Slipway instance name), its loopback port, whether it starts
    in maintenance (`disabled`: a green fleet waiting for its traffic), its weight, and the port
    its health check goes to when not its own."""

    def __init__(self, name, port, maint=False, weight=None, check_port=None):
        self.name = name
        self.port = port
        self.maint = maint
        self.weight = weight
        self.check_port = check_port  # health-check another port (a dead one: never UP)


def runtime(sock_path, command, timeout=5):
    """Sends one Runtime API command to the socket and returns HAProxy's whole answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        s.sendall(command.encode() + b"\n")
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    return out.decode(errors="replace")


def parse_stat(text):
    """`show stat` CSV as a list of dicts (keys pxname, svname, status, weight, scur, …)."""
    text = text.lstrip("# ")
    return list(csv.DictReader(io.StringIO(text)))


class HAProxy:
    def __init__(self, base, backends, check_inter_ms=200, extra_defaults=""):
        self.dir = os.path.join(str(base), "haproxy")
        os.makedirs(self.dir, exist_ok=True)
        self.socket = os.path.join(self.dir, "haproxy.sock")
        self.sock_dir = None
        if len(self.socket) > 90:  # HAProxy takes at most 97 bytes (sun_path, less its suffix)
            self.sock_dir = tempfile.mkdtemp(prefix="swlb.", dir="/tmp")
            self.socket = os.path.join(self.sock_dir, "haproxy.sock")
        self.cfg = os.path.join(self.dir, "haproxy.cfg")
        self.log_path = os.path.join(self.dir, "haproxy.log")
        self.backends = backends  # {backend name: [Server]}
        self.check_inter_ms = check_inter_ms
        self.extra_defaults = extra_defaults
        self.proc = None
        self.port = None
        self.listener = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def config(self, listen_fd):
        out = [f"""global
    maxconn 1000
    stats socket {self.socket} mode 600 level admin
    stats timeout 10s
    log stdout format raw local0
defaults
    mode http
    log global
    log-format "REQ %Ts.%ms %b %s %ST %Ti %TR %Tw %Tc %Tr"
    timeout connect 1s
    timeout client 30s
    timeout server 10s
    timeout http-keep-alive 10s
    timeout check 1s
    retries 0
    no option redispatch
    http-reuse never
{self.extra_defaults}
frontend web
    bind fd@{listen_fd}
    default_backend {next(iter(self.backends))}
"""]
        for name, servers in self.backends.items():
            out.append(f"backend {name}\n    balance roundrobin\n"
                       f"    option httpchk GET /health\n"
                       f"    default-server check inter {self.check_inter_ms}ms fall 2 rise 1\n")
            for s in servers:
                line = f"    server {s.name} 127.0.0.1:{s.port}"
                if s.weight is not None:
                    line += f" weight {s.weight}"
                if s.check_port is not None:
                    line += f" port {s.check_port}"
                if s.maint:
                    line += " disabled"
                out.append(line + "\n")
        return "".join(out)

    def start(self, timeout=30):
        """Starts haproxy (foreground, -db) and waits until its Runtime API answers."""
        if self.listener is None:  # a restart keeps the port
            self.listener = ports.listening_socket()
            self.port = self.listener.getsockname()[1]
        with open(self.cfg, "w") as f:
            f.write(self.config(self.listener.fileno()))
        if os.path.exists(self.socket):
            os.unlink(self.socket)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([HAPROXY, "-db", "-f", self.cfg], stdout=log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     pass_fds=[self.listener.fileno()])
        log.close()
        deadline = time.time() + timeout
        while True:
            try:
                if "Name: HAProxy" in runtime(self.socket, "show info", timeout=1):
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError(f"haproxy did not start:\n{self.output()}")
            time.sleep(0.05)

    def stop(self, timeout=10):
        """Stops haproxy (SIGTERM, then SIGKILL); returns its exit status.  The frontend's
        port stays reserved (the listening socket is kept) until close()."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def close(self):
        self.stop()
        if self.listener is not None:
            self.listener.close()
            self.listener = None
        if self.sock_dir:
            shutil.rmtree(self.sock_dir, ignore_errors=True)
            self.sock_dir = None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def requests(self):
        """[(time the request began (accept, or the end of the keep-alive idle time before
        it), backend, server, status, time it went to the server or None)] from HAProxy's own
        log, one line per request.  The second time adds the request's reception, queue and
        connect times (None when it never reached a server)."""
        out = []
        for line in self.output().splitlines():
            p = line.split()
            if len(p) != 10 or p[0] != "REQ":
                continue
            t = float(p[1])
            ti, tr, tw, tc = (int(x) for x in p[5:9])
            sent = t + (ti + tr + tw + tc) / 1000 if min(ti, tr, tw, tc) >= 0 else None
            out.append((t + ti / 1000, p[2], p[3], int(p[4]), sent))
        return out

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    # ---- Runtime API ----------------------------------------------------------------------
    def command(self, command):
        return runtime(self.socket, command)

    def stat(self):
        return parse_stat(self.command("show stat"))

    def servers(self, backend):
        """{server name: its `show stat` row} of one backend."""
        return {r["svname"]: r for r in self.stat()
                if r["pxname"] == backend and r["svname"] not in ("FRONTEND", "BACKEND")}

    def server(self, backend, name):
        return self.servers(backend)[name]

    def wait_status(self, backend, names, status="UP", timeout=60):
        """Waits until every named server's status starts with status; returns the rows."""
        deadline = time.time() + timeout
        while True:
            rows = self.servers(backend)
            if all(rows[n]["status"].startswith(status) for n in names):
                return rows
            if time.time() > deadline:
                raise AssertionError(f"{backend}: not all of {names} {status} after {timeout}s: "
                                     f"{ {n: rows[n]['status'] for n in names} }")
            time.sleep(0.05)


def serving_share(rows, names):
    """The share (0..1) of new requests HAProxy gives the servers called names, from the weights
    of the servers that take traffic now (UP, not in drain or maintenance)."""
    total = part = 0
    for r in rows.values():
        if not r["status"].startswith("UP"):
            continue
        w = int(r["weight"] or 0)
        total += w
        if r["svname"] in names:
            part += w
    return part / total if total else 0.0
