"""Helpers for the functions tests: deployment packages built in memory, and waiting."""
import io
import os
import time
import zipfile

ROLE = "arn:aws:iam::000000000000:role/slipway-test"

# A custom runtime in Python that speaks the Runtime API itself (runtime "provided"): the event
# says what to do, so one package exercises answers, errors, crashes, timeouts and big replies.
PY_BOOTSTRAP = r'''#!/usr/bin/env python3
import http.client, json, os, sys, time
host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
conn = http.client.HTTPConnection(host, int(port))
base = "/2018-06-01/runtime"
if os.environ.get("_HANDLER") == "init-error":
    conn.request("POST", base + "/init/error",
                 json.dumps({"errorMessage": "cannot start", "errorType": "Init.Broken"}),
                 {"Lambda-Runtime-Function-Error-Type": "Init.Broken"})
    conn.getresponse().read()
    sys.exit(1)
if os.environ.get("_HANDLER") == "exit-at-init":
    sys.exit(7)
count = 0
while True:
    conn.request("GET", base + "/invocation/next")
    r = conn.getresponse()
    event = json.loads(r.read() or b"{}")
    rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
    count += 1
    print("handling", rid, flush=True)
    op = event.get("op") if isinstance(event, dict) else None
    if op == "sleep":
        time.sleep(event["seconds"])
    if op == "crash":
        os._exit(3)
    if op == "fail":
        conn.request("POST", f"{base}/invocation/{rid}/error",
                     json.dumps({"errorMessage": event["message"], "errorType": "Boom"}),
                     {"Lambda-Runtime-Function-Error-Type": "Function.Boom"})
        conn.getresponse().read()
        continue
    if op == "big":
        body = json.dumps({"data": "x" * event["bytes"]})
    elif op == "touch":
        with open(event["path"], "a") as f:
            f.write(rid + "\n")
        body = json.dumps({"touched": True})
    else:
        body = json.dumps({
            "event": event, "count": count, "pid": os.getpid(),
            "version": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
            "arn": r.getheader("Lambda-Runtime-Invoked-Function-Arn"),
            "deadline": int(r.getheader("Lambda-Runtime-Deadline-Ms")),
            "tmp": os.environ.get("TMPDIR", ""),
            "env": {k: os.environ.get(k) for k in ("GREETING", "AWS_LAMBDA_FUNCTION_NAME",
                                                    "AWS_LAMBDA_LOG_GROUP_NAME", "_HANDLER",
                                                    "AWS_REGION",
                                                    "AWS_LAMBDA_INITIALIZATION_TYPE")}})
    conn.request("POST", f"{base}/invocation/{rid}/response", body)
    conn.getresponse().read()
'''

PY_HANDLER = '''import os
calls = 0
def lambda_handler(event, context):
    global calls
    calls += 1
    print("python handler", context.aws_request_id)
    if isinstance(event, dict) and event.get("raise"):
        raise ValueError(event["raise"])
    return {"python": True, "event": event, "calls": calls,
            "version": context.function_version,
            "remaining": context.get_remaining_time_in_millis()}
'''

NODE_HANDLER = '''let calls = 0;
exports.handler = async (event, context) => {
  calls++;
  console.log("node handler", context.awsRequestId);
  if (event && event.raise) throw new Error(event.raise);
  return { node: true, event, calls, version: context.functionVersion,
           remaining: context.getRemainingTimeInMillis() };
};
'''


def package(files):
    """A zip of {name: text or bytes}; names ending in 'bootstrap' are executable."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            mode = 0o755 if name.endswith("bootstrap") else 0o644
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def c_bootstrap():
    """The example C bootstrap as built by meson, or None when this build has none."""
    build = os.environ.get("SLIPWAY_BUILD", "build")
    path = os.path.join(build, "examples", "functions", "hello-c", "bootstrap")
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


def create(lam, name, files, runtime="provided.al2023", handler="handler", **kw):
    return lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                               Code={"ZipFile": package(files)}, **kw)


def wait_until(fn, what, timeout=30, every=0.2):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")
