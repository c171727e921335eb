"""Slipway's runtime programs (runtimes/python/bootstrap, runtimes/nodejs/bootstrap) against a small
Runtime API server written here: it hands out events and records what the runtime posts back, so
the programs are tested as any Lambda Runtime API server would drive them (no slipwayd needed)."""
import http.server
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PY_RUNTIME = os.path.join(ROOT, "runtimes/python/bootstrap")
NODE_RUNTIME = os.path.join(ROOT, "runtimes/nodejs/bootstrap")
ARN = "arn:aws:lambda:us-east-1:000000000000:function:fn:live"


class RuntimeAPI:
    """A threaded Runtime API on 127.0.0.1: invoke() queues an event and waits for its outcome."""

    def __init__(self):
        self.events = queue.Queue()
        self.results = {}
        self.cond = threading.Condition()
        self.init_errors = []
        self.connections = 0
        self.bad_requests = []
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # head and body in one write (flushed per request), no Nagle stall

            def setup(self):
                super().setup()
                with api.cond:
                    api.connections += 1

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != "/2018-06-01/runtime/invocation/next":
                    api.bad_requests.append(("GET", self.path))
                    return self.reply(404)
                try:
                    rid, body, extra = api.events.get(timeout=30)
                except queue.Empty:
                    return self.reply(500, b'{"errorType":"Test.NoEvent"}')
                headers = [("Lambda-Runtime-Aws-Request-Id", rid),
                           ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 3000)),
                           ("Lambda-Runtime-Invoked-Function-Arn", ARN),
                           ("Lambda-Runtime-Trace-Id", "Root=1-5e1b4151-%s;Sampled=0" % rid[:24].replace("-", "")),
                           ("Content-Type", "application/json")] + list(extra)
                self.reply(200, body, headers)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                m = re.fullmatch(r"/2018-06-01/runtime/invocation/([^/]+)/(response|error)", self.path)
                if self.path == "/2018-06-01/runtime/init/error":
                    with api.cond:
                        api.init_errors.append((dict(self.headers), json.loads(body)))
                        api.cond.notify_all()
                    return self.reply(202, b'{"status":"OK"}')
                if not m:
                    api.bad_requests.append(("POST", self.path))
                    return self.reply(404)
                with api.cond:
                    api.results[m.group(1)] = (m.group(2), body, dict(self.headers))
                    api.cond.notify_all()
                self.reply(202, b'{"status":"OK"}')

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.address = "127.0.0.1:%d" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def invoke(self, payload, headers=(), timeout=20):
        rid = str(uuid.uuid4())
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.events.put((rid, body, headers))
        deadline = time.time() + timeout
        with self.cond:
            while rid not in self.results:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no outcome for %s" % rid)
                self.cond.wait(left)
            kind, body, hdrs = self.results[rid]
        return kind, body, hdrs

    def wait_init_error(self, timeout=20):
        deadline = time.time() + timeout
        with self.cond:
            while not self.init_errors:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no init error")
                self.cond.wait(left)
            return self.init_errors[0]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Env:
    """A runtime process over a task root, its output in a file."""

    def __init__(self, tmp_path, runtime, handler, files):
        self.task = tmp_path / "task"
        self.task.mkdir()
        for name, text in files.items():
            p = self.task / name
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text)
        self.api = RuntimeAPI()
        self.out_path = tmp_path / "out.log"
        self.out = open(self.out_path, "wb")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_LAMBDA_RUNTIME_API": self.api.address,
               "_HANDLER": handler, "LAMBDA_TASK_ROOT": str(self.task), "AWS_LAMBDA_FUNCTION_NAME": "fn",
               "AWS_LAMBDA_FUNCTION_VERSION": "7", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
               "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn",
               "AWS_LAMBDA_LOG_STREAM_NAME": "2026/12/04/[7]abcdef", "TZ": "UTC", "AWS_REGION": "us-east-1"}
        self.proc = subprocess.Popen([runtime], env=env, cwd=str(self.task), stdout=self.out,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def output(self):
        self.out.flush()
        return self.out_path.read_text(errors="replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.out.close()
        self.api.close()


@pytest.fixture
def make_env(tmp_path):
    envs = []

    def make(runtime, handler, files):
        d = tmp_path / ("e%d" % len(envs))
        d.mkdir()
        e = Env(d, runtime, handler, files)
        envs.append(e)
        return e

    yield make
    for e in envs:
        e.close()


def ok_json(outcome):
    kind, body, _ = outcome
    assert kind == "response", body
    return json.loads(body)


def err_json(outcome):
    kind, body, hdrs = outcome
    assert kind == "error", body
    return json.loads(body), hdrs


# --------------------------------------------------------------------------------------------- python

PY_APP = '''
import os, sys, time
calls = 0
def lambda_handler(event, context):
    global calls
    calls += 1
    if event.get("fail"):
        raise ValueError("bad input %s" % event["fail"])
    if event.get("big"):
        return {"blob": "x" * event["big"]}
    if event.get("none"):
        return None
    if event.get("log"):
        print("hello from python", event["log"])
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"echo": event, "calls": calls, "pid": os.getpid(),
            "ctx": {"function_name": context.function_name, "function_version": context.function_version,
                    "arn": context.invoked_function_arn, "mem": context.memory_limit_in_mb,
                    "id": context.aws_request_id, "group": context.log_group_name,
                    "stream": context.log_stream_name, "remaining": context.get_remaining_time_in_millis(),
                    "trace": os.environ.get("_X_AMZN_TRACE_ID"),
                    "cc": context.client_context.custom if context.client_context else None}}
'''


def test_python_success_context_and_warm_state(make_env):
    e = make_env(PY_RUNTIME, "app.lambda_handler", {"app.py": PY_APP})
    first = ok_json(e.api.invoke({"a": 1}))
    assert first["echo"] == {"a": 1} and first["calls"] == 1
    c = first["ctx"]
    assert c["function_name"] == "fn" and c["function_version"] == "7" and c["arn"] == ARN
    assert c["mem"] == "256" and c["group"] == "/aws/lambda/fn" and c["stream"] == "2026/12/04/[7]abcdef"
    assert 2000 < c["remaining"] <= 3000
    assert c["trace"].startswith("Root=1-5e1b4151-")
    rids = []
    for i in range(2, 22):
        kind, body, _ = e.api.invoke({"i": i})
        r = json.loads(body)
        assert r["calls"] == i and r["pid"] == first["pid"]
        rids.append(r["ctx"]["id"])
    assert len(set(rids)) == 20
    # keep-alive: one connection for 21 next/response pairs (a reconnect or two is tolerated)
    assert e.api.connections <= 2, e.api.connections
    assert e.api.bad_requests == []


def test_python_none_result_and_client_context(make_env):
    e = make_env(PY_RUNTIME, "app.lambda_handler", {"app.py": PY_APP})
    kind, body, _ = e.api.invoke({"none": True})
    assert kind == "response" and body == b"null"
    cc = json.dumps({"custom": {"k": "v"}, "env": {}, "client": {}})
    r = ok_json(e.api.invoke({"x": 1}, headers=[("Lambda-Runtime-Client-Context", cc)]))
    assert r["ctx"]["cc"] == {"k": "v"}


def test_python_handler_exception(make_env):
    e = make_env(PY_RUNTIME, "app.lambda_handler", {"app.py": PY_APP})
    (body, hdrs) = err_json(e.api.invoke({"fail": "zz"}))
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "bad input zz"
    assert body["requestId"]
    assert any("app.py" in f and "lambda_handler" in f for f in body["stackTrace"]), body["stackTrace"]
    assert not any("bootstrap" in f for f in body["stackTrace"])
    assert hdrs.get("Lambda-Runtime-Function-Error-Type") == "Unhandled"
    # the environment survives a handled error
    assert ok_json(e.api.invoke({"b": 2}))["calls"] == 2


def test_python_import_error(make_env):
    e = make_env(PY_RUNTIME, "nosuch.handler", {"app.py": PY_APP})
    hdrs, body = e.api.wait_init_error()
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'nosuch': No module named 'nosuch'"
    assert hdrs.get("Lambda-Runtime-Function-Error-Type") == "Runtime.ImportModuleError"
    assert e.proc.wait(timeout=10) != 0


def test_python_import_error_inside_module(make_env):
    e = make_env(PY_RUNTIME, "app.h", {"app.py": "import not_a_real_dep\ndef h(e, c):\n    return 1\n"})
    _, body = e.api.wait_init_error()
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert body["errorMessage"] == "Unable to import module 'app': No module named 'not_a_real_dep'"


def test_python_handler_not_found(make_env):
    e = make_env(PY_RUNTIME, "app.missing", {"app.py": PY_APP})
    _, body = e.api.wait_init_error()
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "Handler 'missing' missing on module 'app'"


def test_python_subpackage_handlers(make_env):
    files = {"pkg/__init__.py": "", "pkg/mod.py": "def fn(e, c):\n    return {'sub': e}\n"}
    e = make_env(PY_RUNTIME, "pkg/mod.fn", files)
    assert ok_json(e.api.invoke(5)) == {"sub": 5}
    e2 = make_env(PY_RUNTIME, "pkg.mod.fn", files)
    assert ok_json(e2.api.invoke([1])) == {"sub": [1]}


def test_python_non_json_payload(make_env):
    e = make_env(PY_RUNTIME, "app.lambda_handler", {"app.py": PY_APP})
    body, _ = err_json(e.api.invoke(b"{not json"))
    assert body["errorType"] == "Runtime.UnmarshalError"
    assert body["errorMessage"].startswith("Unable to unmarshal input:")
    assert ok_json(e.api.invoke({"c": 3}))["calls"] == 1


def test_python_large_response_and_logs(make_env):
    e = make_env(PY_RUNTIME, "app.lambda_handler", {"app.py": PY_APP})
    kind, body, _ = e.api.invoke({"big": 5 * 1024 * 1024})
    assert kind == "response" and len(body) > 5 * 1024 * 1024
    assert json.loads(body)["blob"] == "x" * (5 * 1024 * 1024)
    ok_json(e.api.invoke({"log": "line-42"}))
    # unbuffered: the line is out by the time the response is posted
    assert "hello from python line-42" in e.output()


def test_python_unserializable_result(make_env):
    e = make_env(PY_RUNTIME, "app.h", {"app.py": "def h(e, c):\n    return {1, 2}\n"})
    body, _ = err_json(e.api.invoke({}))
    assert body["errorType"] == "Runtime.MarshalError"


# ----------------------------------------------------------------------------------------------- node

NODE_CJS = '''
let calls = 0;
exports.handler = async (event, context) => {
  calls += 1;
  if (event.fail) throw new TypeError('bad input ' + event.fail);
  if (event.big) return { blob: 'x'.repeat(event.big) };
  if (event.log) console.log('hello from node', event.log, { k: 1 });
  if (event.undef) return undefined;
  return { echo: event, calls, pid: process.pid, ctx: {
    functionName: context.functionName, functionVersion: context.functionVersion,
    arn: context.invokedFunctionArn, mem: context.memoryLimitInMB, id: context.awsRequestId,
    group: context.logGroupName, stream: context.logStreamName,
    remaining: context.getRemainingTimeInMillis(), waits: context.callbackWaitsForEmptyEventLoop,
    trace: process.env._X_AMZN_TRACE_ID } };
};
'''


def test_node_success_context_and_warm_state(make_env):
    e = make_env(NODE_RUNTIME, "index.handler", {"index.js": NODE_CJS})
    first = ok_json(e.api.invoke({"a": 1}))
    assert first["echo"] == {"a": 1} and first["calls"] == 1
    c = first["ctx"]
    assert c["functionName"] == "fn" and c["functionVersion"] == "7" and c["arn"] == ARN
    assert c["mem"] == "256" and c["group"] == "/aws/lambda/fn" and c["stream"] == "2026/12/04/[7]abcdef"
    assert 2000 < c["remaining"] <= 3000 and c["waits"] is True
    assert c["trace"].startswith("Root=1-5e1b4151-")
    for i in range(2, 22):
        r = ok_json(e.api.invoke({"i": i}))
        assert r["calls"] == i and r["pid"] == first["pid"]
    assert e.api.connections <= 2, e.api.connections
    kind, body, _ = e.api.invoke({"undef": True})
    assert kind == "response" and body == b"null"


def test_node_handler_exception(make_env):
    e = make_env(NODE_RUNTIME, "index.handler", {"index.js": NODE_CJS})
    body, hdrs = err_json(e.api.invoke({"fail": "q"}))
    assert body["errorType"] == "TypeError" and body["errorMessage"] == "bad input q"
    assert body["trace"][0] == "TypeError: bad input q"
    assert any("index.js" in t for t in body["trace"])
    assert hdrs.get("Lambda-Runtime-Function-Error-Type") == "TypeError"
    assert ok_json(e.api.invoke({}))["calls"] == 2


def test_node_callback_style(make_env):
    src = '''
exports.handler = (event, context, callback) => {
  if (event.fail) return callback(new Error('cb failed'));
  setTimeout(() => callback(null, { cb: event.v }), 5);
};
'''
    e = make_env(NODE_RUNTIME, "index.handler", {"index.js": src})
    assert ok_json(e.api.invoke({"v": 9})) == {"cb": 9}
    body, _ = err_json(e.api.invoke({"fail": True}))
    assert body["errorType"] == "Error" and body["errorMessage"] == "cb failed"


def test_node_esm_mjs_and_type_module(make_env):
    src = "export const handler = async (event) => ({ esm: event.v, t: typeof require });\n"
    e = make_env(NODE_RUNTIME, "index.handler", {"index.mjs": src})
    assert ok_json(e.api.invoke({"v": 1})) == {"esm": 1, "t": "undefined"}
    e2 = make_env(NODE_RUNTIME, "src/app.handler",
                  {"package.json": '{"type":"module"}', "src/app.js": src})
    assert ok_json(e2.api.invoke({"v": 2})) == {"esm": 2, "t": "undefined"}


def test_node_import_error_and_handler_not_found(make_env):
    e = make_env(NODE_RUNTIME, "nosuch.handler", {"index.js": NODE_CJS})
    hdrs, body = e.api.wait_init_error()
    assert body["errorType"] == "Runtime.ImportModuleError"
    assert "Cannot find module" in body["errorMessage"]
    assert hdrs.get("Lambda-Runtime-Function-Error-Type") == "Runtime.ImportModuleError"
    assert e.proc.wait(timeout=10) != 0
    e2 = make_env(NODE_RUNTIME, "index.nope", {"index.js": NODE_CJS})
    _, body = e2.api.wait_init_error()
    assert body["errorType"] == "Runtime.HandlerNotFound"
    assert body["errorMessage"] == "index.nope is undefined or not exported"
    e3 = make_env(NODE_RUNTIME, "index.handler", {"index.js": "require('left-pad-not-here');\n"})
    _, body = e3.api.wait_init_error()
    assert body["errorType"] == "Runtime.ImportModuleError"


def test_node_non_json_payload_large_response_and_console(make_env):
    e = make_env(NODE_RUNTIME, "index.handler", {"index.js": NODE_CJS})
    body, _ = err_json(e.api.invoke(b"not json"))
    assert body["errorType"] == "Runtime.UnmarshalError"
    kind, raw, _ = e.api.invoke({"big": 5 * 1024 * 1024})
    assert kind == "response" and json.loads(raw)["blob"] == "x" * (5 * 1024 * 1024)
    kind, raw, _ = e.api.invoke({"log": "line-7"})
    rid = json.loads(raw)["ctx"]["id"]
    lines = [l for l in e.output().splitlines() if "hello from node" in l]
    assert len(lines) == 1, e.output()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t" + re.escape(rid) +
                        r"\tINFO\thello from node line-7 \{ k: 1 \}", lines[0]), lines[0]


def test_runtimes_are_executable():
    for p in (PY_RUNTIME, NODE_RUNTIME):
        assert os.access(p, os.X_OK), p
    assert open(PY_RUNTIME).readline().strip() == "#!/usr/bin/env python3"
    assert open(NODE_RUNTIME).readline().strip() == "#!/usr/bin/env node"
    assert sys.version_info >= (3, 8)


# ------------------------------------------------------------------------- example custom runtimes

HELLO_C = os.path.join(os.environ.get("SLIPWAY_BUILD", os.path.join(ROOT, "build")),
                       "examples/functions/hello-c/bootstrap")
HELLO_SH = os.path.join(ROOT, "examples/functions/hello-sh/bootstrap")


def test_hello_c_echoes_over_one_connection(make_env):
    if not os.access(HELLO_C, os.X_OK):
        pytest.skip("hello-c is not built (ninja -C build examples/functions/hello-c/bootstrap)")
    e = make_env(HELLO_C, "unused", {})
    for i in range(50):
        kind, body, _ = e.api.invoke({"i": i, "s": "é"})
        assert kind == "response" and json.loads(body) == {"i": i, "s": "é"}
    kind, body, _ = e.api.invoke(b"")
    assert kind == "response" and json.loads(body)["ok"] is True
    kind, body, _ = e.api.invoke({"blob": "y" * (5 * 1024 * 1024)})
    assert kind == "response" and len(body) > 5 * 1024 * 1024
    assert e.api.connections == 1, e.api.connections
    assert e.proc.poll() is None


def test_hello_c_rejects_a_bad_runtime_api(tmp_path):
    if not os.access(HELLO_C, os.X_OK):
        pytest.skip("hello-c is not built")
    for value in ("", "nohostport", ":9"):
        p = subprocess.run([HELLO_C], env={"AWS_LAMBDA_RUNTIME_API": value}, capture_output=True,
                           timeout=10)
        assert p.returncode == 1 and b"AWS_LAMBDA_RUNTIME_API" in p.stderr


def test_hello_sh(make_env):
    e = make_env(HELLO_SH, "unused", {})
    for i in (1, 2, 3):
        r = ok_json(e.api.invoke({"n": i, "s": "é ü"}))
        assert r["ok"] is True and r["event"] == {"n": i, "s": "é ü"} and r["count"] == i
    assert ok_json(e.api.invoke(b""))["event"] is None
    assert "hello-sh: invocation 2" in e.output()
    assert e.api.connections == 1, e.api.connections  # keep-alive over /dev/tcp


def test_example_handlers(make_env):
    ex = os.path.join(ROOT, "examples/functions")
    e = make_env(PY_RUNTIME, "app.lambda_handler",
                 {"app.py": open(os.path.join(ex, "hello-python/app.py")).read()})
    r = ok_json(e.api.invoke({"x": 1}))
    assert r["ok"] is True and r["event"] == {"x": 1} and r["invocations"] == 1 and r["version"] == "7"
    body, _ = err_json(e.api.invoke({"fail": "now"}))
    assert body["errorType"] == "RuntimeError"
    e2 = make_env(NODE_RUNTIME, "index.handler",
                  {"index.js": open(os.path.join(ex, "hello-node/index.js")).read()})
    r = ok_json(e2.api.invoke({"x": 2}))
    assert r["ok"] is True and r["event"] == {"x": 2} and r["function"] == "fn"
    body, _ = err_json(e2.api.invoke({"fail": "now"}))
    assert body["errorType"] == "Error" and body["errorMessage"] == "asked to fail: now"


def test_node_uncaught_exception_posts_and_exits(make_env):
    src = "exports.handler = () => new Promise(() => { setTimeout(() => { throw new RangeError('boom'); }, 5); });\n"
    e = make_env(NODE_RUNTIME, "index.handler", {"index.js": src})
    body, _ = err_json(e.api.invoke({}))
    assert body["errorType"] == "RangeError" and body["errorMessage"] == "boom"
    assert e.proc.wait(timeout=10) == 129


def test_built_runtimes_match_the_sources():
    build = os.environ.get("SLIPWAY_BUILD", os.path.join(ROOT, "build"))
    for rt, src in (("python", PY_RUNTIME), ("nodejs", NODE_RUNTIME)):
        built = os.path.join(build, "runtimes", rt, "bootstrap")
        if not os.path.exists(built):
            pytest.skip("not built")
        assert open(built, "rb").read() == open(src, "rb").read(), "%s is stale: run ninja -C %s" % (built, build)
        assert os.access(built, os.X_OK)


def test_bench_invoke_baselines_and_arguments():
    build = os.environ.get("SLIPWAY_BUILD", os.path.join(ROOT, "build"))
    bench = os.path.join(build, "bench/invoke")
    if not (os.access(bench, os.X_OK) and os.access(HELLO_C, os.X_OK)):
        pytest.skip("bench/invoke or hello-c not built")
    p = subprocess.run([bench, "--fork-baseline", HELLO_C, "--clients", "1,2", "--count", "30",
                        "--seconds", "20"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    rows = [l[16:].split() for l in p.stdout.splitlines()
            if l.startswith(("fork per invoke", "bootstrap direct"))]
    assert len(rows) == 4, p.stdout
    for r in rows:
        assert r[1] == "30" and r[2] == "0", p.stdout  # invokes, errors
    for args in ([], ["--clients", "0", "--fork-baseline", HELLO_C], ["--function", "f"],
                 ["--url", "ftp://x/"], ["--cold", "2", "--endpoint", "127.0.0.1:1", "--access-key", "a",
                                         "--secret", "b"], ["--fork-baseline", "/nonexistent"]):
        q = subprocess.run([bench] + args, capture_output=True, text=True, timeout=30,
                           env={"PATH": os.environ.get("PATH", "/usr/bin")})
        assert q.returncode == 2, (args, q.stdout, q.stderr)


@pytest.mark.parametrize("runtime,handler,files", [
    (PY_RUNTIME, "app.h", {"app.py": "def h(e, c):\n    return e\n"}),
    (NODE_RUNTIME, "index.h", {"index.js": "exports.h = async (e) => e;\n"}),
])
def test_warm_invocations_do_not_stall(make_env, runtime, handler, files):
    # a runtime that waits on Nagle / delayed ACKs takes ~40 ms per call; a warm one well under 5
    e = make_env(runtime, handler, files)
    ok_json(e.api.invoke({"warm": True}))
    t0 = time.time()
    for i in range(50):
        assert ok_json(e.api.invoke({"i": i})) == {"i": i}
    assert time.time() - t0 < 2.0
