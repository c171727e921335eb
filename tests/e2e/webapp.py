"""examples/webapp-lb for the traffic tests and bench/traffic.py: its revisions as zip bundles
(the revision's name in app/REVISION; a broken one carries app/BROKEN and answers 500 on `/`),
the files a host needs before its agent installs it (/opt/slipway-web/port and host), its request
log as (time, path, status), and stopping its daemons when a test is done (they outlive the
agent that started them, as a real service does)."""
import io
import os
import signal
import socket
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "webapp-lb")
APP_DIR = "/opt/slipway-web"


def bundle(revision, broken=False, src=EXAMPLE):
    """The zip of examples/webapp-lb with app/REVISION = revision (and app/BROKEN if broken)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for top, dirs, files in os.walk(src):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(top, name)
                rel = os.path.relpath(path, src)
                if rel == "app/REVISION" or rel.endswith(".pyc") or "__pycache__" in rel:
                    continue
                info = zipfile.ZipInfo(rel)
                info.external_attr = (os.stat(path).st_mode & 0o777) << 16
                with open(path, "rb") as f:
                    z.writestr(info, f.read())
        z.writestr(zipfile.ZipInfo("app/REVISION"), revision + "\n")
        if broken:
            z.writestr(zipfile.ZipInfo("app/BROKEN"), "answer 500 on /\n")
    return buf.getvalue()


_held = []  # free_port()'s reservations: they stay bound as long as the test process runs


def free_port():
    """A loopback port for a host's server, which binds it only when its revision starts,
    seconds later.  It stays reserved meanwhile (tests/e2e/ports.py, hold): bound here with
    SO_REUSEPORT and never listening, so no other process's bind(0) or outgoing connection
    takes it, while the app (which sets SO_REUSEPORT) still binds it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", 0))
    _held.append(s)
    return s.getsockname()[1]


class Host:
    """One host's side of the application, seen from outside its mount namespace: opt is the
    directory its /opt is (RealAgents.dir(host)/opt)."""

    def __init__(self, name, opt, port):
        self.name = name
        self.dir = os.path.join(opt, APP_DIR.split("/", 2)[2])
        self.port = port

    def prepare(self):
        os.makedirs(self.dir, exist_ok=True)
        with open(os.path.join(self.dir, "port"), "w") as f:
            f.write(f"{self.port}\n")
        with open(os.path.join(self.dir, "host"), "w") as f:
            f.write(f"{self.name}\n")
        return self

    def requests(self, path="/"):
        """[(time, status)] of the requests for path the host's server logged."""
        out = []
        try:
            with open(os.path.join(self.dir, "requests.log")) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 3 and parts[1] == path:
                        out.append((float(parts[0]), int(parts[2])))
        except OSError:
            pass
        return out

    def events(self):
        """[(time, lifecycle event, deployment id)] the traffic hooks noted."""
        out = []
        try:
            with open(os.path.join(self.dir, "events.log")) as f:
                for line in f:
                    t, ev, did = line.split()
                    out.append((float(t), ev, did))
        except (OSError, ValueError):
            pass
        return out

    def pids(self):
        """The pids of this host's servers: its pid file's, and any process serving its port
        (found by the SLIPWAY_WEB_PORT start.sh gives it)."""
        found = set()
        try:
            with open(os.path.join(self.dir, "server.pid")) as f:
                found.add(int(f.read().strip()))
        except (OSError, ValueError):
            pass
        mark = f"SLIPWAY_WEB_PORT={self.port}".encode()
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if b"server.py\0serve" not in f.read():
                        continue
                with open(f"/proc/{pid}/environ", "rb") as f:
                    if mark in f.read().split(b"\0"):
                        found.add(int(pid))
            except OSError:
                continue
        return found

    def kill(self):
        """Stops the host's servers (SIGTERM, then SIGKILL after 5 s)."""
        pids = self.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        deadline = time.time() + 5
        for pid in pids:
            while os.path.exists(f"/proc/{pid}") and time.time() < deadline:
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        if f.read().split(") ", 1)[1].startswith("Z"):
                            break
                except OSError:
                    break
                time.sleep(0.05)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
