#!/usr/bin/env python3
"""The web application of examples/webapp-lb: a small HTTP/1.1 server (keep-alive, a thread per
connection, python3's standard library only) for a host behind a load balancer.

    GET /        200 {"host": ..., "revision": ..., "deployment": ..., "pid": ...}
                 (500 and the same body when the revision carries the file BROKEN beside this one)
    GET /health  200 "ok" (also for a BROKEN revision: the balancer keeps it in, its users see 500s)

Every request is appended to a log, one line each: `<time.time()> <path> <status>`, written
when the request arrives.

    server.py serve [--port P] [--dir D]   runs in the foreground; writes D/server.pid once it
                                           listens and removes it on SIGTERM
    server.py check PORT [PATH]            exits 0 when http://127.0.0.1:PORT/PATH answers 200

D defaults to /opt/slipway-web.  The port is --port, else $SLIPWAY_WEB_PORT, else the file
D/port, else 8080; the host name reported is the file D/host, else the machine's name."""
import http.client
import json
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))


def read(path, default=None):
    try:
        with open(path) as f:
            return f.read().strip() or default
    except OSError:
        return default


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    timeout = 30  # an idle keep-alive connection's thread goes after this
    server_version = "slipway-web"
    disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK stall

    def do_GET(self):
        app = self.server.app
        path = self.path.split("?", 1)[0]
        if path == "/health":
            status, body, kind = 200, b"ok\n", "text/plain"
        elif path == "/":
            status = 500 if app["broken"] else 200
            body = (json.dumps({k: app[k] for k in ("host", "revision", "deployment", "pid")})
                    + "\n").encode()
            kind = "application/json"
        else:
            status, body, kind = 404, b"not found\n", "text/plain"
        os.write(app["log"], f"{time.time():.6f} {path} {status}\n".encode())
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # the request log above is the log
        pass


class Server(ThreadingHTTPServer):
    request_queue_size = 128  # a balancer opens connections in bursts
    daemon_threads = True

    def server_bind(self):
        # SO_REUSEPORT: a test (or an operator) may keep the port reserved for this server with
        # a bound, never-listening socket of its own, so that nobody else takes it meanwhile
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):  # a peer resetting its connection is not
            super().handle_error(request, client_address)  # worth a traceback


def serve(args):
    d = "/opt/slipway-web"
    port = None
    while args:
        opt = args.pop(0)
        if opt == "--port":
            port = int(args.pop(0))
        elif opt == "--dir":
            d = args.pop(0)
        else:
            sys.exit(f"server.py: unknown option {opt}")
    if port is None:
        port = int(os.environ.get("SLIPWAY_WEB_PORT") or read(os.path.join(d, "port"), "8080"))
    srv = Server(("127.0.0.1", port), Handler)
    srv.app = {
        "host": read(os.path.join(d, "host"), socket.gethostname()),
        "revision": read(os.path.join(HERE, "REVISION"), "unknown"),
        "deployment": os.environ.get("DEPLOYMENT_ID", ""),
        "pid": os.getpid(),
        "broken": os.path.exists(os.path.join(HERE, "BROKEN")),
        "log": os.open(os.path.join(d, "requests.log"),
                       os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
    }
    pid_file = os.path.join(d, "server.pid")
    # SIGTERM: stop accepting, let the request being answered finish, remove the pid file.
    signal.signal(signal.SIGTERM,
                  lambda *_: threading.Thread(target=srv.shutdown, daemon=True).start())
    with open(pid_file + ".tmp", "w") as f:
        f.write(f"{os.getpid()}\n")
    os.rename(pid_file + ".tmp", pid_file)
    print(f"serving {srv.app['revision']} on 127.0.0.1:{port} (pid {os.getpid()})", flush=True)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
        if read(pid_file) == str(os.getpid()):
            os.unlink(pid_file)
        print("stopped", flush=True)


def check(args):
    port, path = int(args[0]), (args[1] if len(args) > 1 else "/health")
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        c.request("GET", path)
        status = c.getresponse().status
        c.close()
    except OSError as e:
        print(f"http://127.0.0.1:{port}{path}: {e}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"http://127.0.0.1:{port}{path}: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
    elif len(sys.argv) > 2 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2:]))
    else:
        sys.exit(__doc__)
