#!/usr/bin/python3
"""bench/deploy.py: end-to-end deployment speed with real slipway-agent processes.

Starts a private slipwayd (loopback, ephemeral port, temporary data directory, short
--poll-timeout), registers hosts the AWS way with boto3 (IAM CreateUser + CreateAccessKey,
RegisterOnPremisesInstance, AddTagsToOnPremisesInstances), starts one real slipway-agent per
host (its own key, root_dir and log_dir), and times deployments of a zip revision with NO
`files` section and five trivial hooks (`exit 0` scripts) to 1, 10 and 50 agents with
CodeDeployDefault.AllAtOnce and CodeDeployDefault.OneAtATime.

A deployment's wall time runs from just before CreateDeployment to the GetDeployment (polled
every 20 ms) that first shows a terminal status.  Each case runs once unmeasured first (a
group's first deployment has no ApplicationStop script to run: nothing was installed before),
then --runs times; the median is printed.

Per-host overhead = (median OneAtATime wall time to N hosts - N x the five hooks' own run time)
/ N, where a hook's own run time is measured directly: fork+exec of the same `exit 0` script
(by /bin/sh), the median of batches timed at the start and before every OneAtATime run.
The lifecycle events' startTime (the poll that delivered the command) and endTime
(PutHostCommandComplete) are also read back to show where the time goes: inside events (the
agent: specification, signature check, acknowledgement, the hook, completion) and between
them (the engine queueing the next event, the long poll answering).  The CPU time of
slipwayd, the agents and their children (helpers, hooks) is read from /proc around each
deployment.

Memory: each agent's VmRSS once its first long poll was answered empty (it waits
--poll-timeout + 2.5 s after starting the agents of a case), and every agent's VmRSS and VmHWM
after all the deployments.  The peak while unpacking a 100 MB bundle is bench/agent.sh's
figure: bench/deploy.sh runs it and passes its output with --agent-report, quoted in the
summary.

Bounded: at most 200 agents, 10 runs, every deployment has a timeout and the whole run a
deadline (--deadline); every process started here is stopped on exit, SIGINT or SIGTERM.
Prints figures only: it exits non-zero when something fails to run, never on the figures."""
import argparse
import datetime
import io
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

import boto3
import botocore.config

HOOKS = ["ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart",
         "ValidateService"]
HOOK_SCRIPT = "#!/bin/sh\nexit 0\n"
TERMINAL = ("Succeeded", "Failed", "Stopped")
CONFIGS = ("AllAtOnce", "OneAtATime")
TARGETS = {"overhead_ms": 50, "all50_s": 3.0}


class Bench:
    def __init__(self, args):
        self.args = args
        self.build = os.path.abspath(args.build)
        self.slipwayd = os.path.join(self.build, "src/server/slipwayd")
        self.agent = os.path.join(self.build, "src/agent/slipway-agent")
        self.keep = bool(args.dir)
        self.tmp = args.dir or tempfile.mkdtemp(prefix="slipway-deploy-bench.")
        os.makedirs(self.tmp, exist_ok=True)
        self.server = None
        self.server_log = None
        self.agents = {}  # host name -> Popen
        self.hosts = []   # dicts: name, arn, key, secret
        self.deadline = time.monotonic() + args.deadline
        self.hook_runs = []  # a hook's own run time, ms: one figure per batch of 20 runs

    # ---- processes -------------------------------------------------------------------------
    def start_server(self):
        self.server_log = open(os.path.join(self.tmp, "slipwayd.log"), "ab")
        cmd = [self.slipwayd, "--data", os.path.join(self.tmp, "data"), "--listen",
               "127.0.0.1:0", "--log-level", "warn", "--poll-timeout", str(self.args.poll_timeout),
               "--agent-timeout", "60"]
        self.server = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.server_log,
                                       stdin=subprocess.DEVNULL)
        port = None
        limit = time.monotonic() + 30
        while time.monotonic() < limit:
            line = self.server.stdout.readline()
            if not line:
                break
            if b"ready on http://" in line:
                port = int(line.strip().rsplit(b":", 1)[1])
                break
        if port is None:
            raise RuntimeError("slipwayd did not start:\n" + self.tail("slipwayd.log"))
        self.endpoint = f"http://127.0.0.1:{port}"
        creds = {}
        with open(os.path.join(self.tmp, "data", "credentials")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.split("=", 1)
                    creds[k.strip()] = v.strip()
        cfg = botocore.config.Config(retries={"max_attempts": 1}, max_pool_connections=4)
        mk = lambda svc: boto3.client(  # noqa: E731
            svc, endpoint_url=self.endpoint, region_name="us-east-1", config=cfg,
            aws_access_key_id=creds["aws_access_key_id"],
            aws_secret_access_key=creds["aws_secret_access_key"])
        self.cd, self.iam, self.s3 = mk("codedeploy"), mk("iam"), mk("s3")

    def tail(self, name, n=4000):
        try:
            with open(os.path.join(self.tmp, name), "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def start_agent(self, h):
        d = os.path.join(self.tmp, "hosts", h["name"])
        for sub in ("root", "log"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        shutil.copy(os.path.join(self.tmp, "data", "server.crt"), os.path.join(d, "server.crt"))
        with open(os.path.join(d, "agent.yml"), "w") as f:
            f.write(f"aws_access_key_id: {h['key']}\naws_secret_access_key: {h['secret']}\n"
                    f"iam_user_arn: {h['arn']}\nregion: us-east-1\nendpoint: {self.endpoint}\n"
                    f"ca_file: {d}/server.crt\nroot_dir: {d}/root\nlog_dir: {d}/log\n")
        out = open(os.path.join(d, "agent.out"), "ab")
        self.agents[h["name"]] = subprocess.Popen(
            [self.agent, "--config", os.path.join(d, "agent.yml")], stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT)
        out.close()

    def stop_all(self):
        procs = list(self.agents.values())
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.agents.clear()
        rc = 0
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                rc = self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
                rc = -9
        if self.server and self.server.stdout:
            self.server.stdout.close()
        if self.server_log:
            self.server_log.close()
            self.server_log = None
        self.server = None
        return rc

    def cleanup(self):
        self.stop_all()
        if not self.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- fleet and revision ----------------------------------------------------------------
    def register(self, n, sizes):
        """Hosts 0..n-1; host i carries tag n<S>=1 for every size S > i, so the group for size
        S targets exactly the first S hosts."""
        for i in range(n):
            name = f"bench-{i:03d}"
            arn = self.iam.create_user(UserName=name)["User"]["Arn"]
            key = self.iam.create_access_key(UserName=name)["AccessKey"]
            self.cd.register_on_premises_instance(instanceName=name, iamUserArn=arn)
            self.cd.add_tags_to_on_premises_instances(
                instanceNames=[name],
                tags=[{"Key": f"n{s}", "Value": "1"} for s in sizes if i < s])
            self.hosts.append({"name": name, "arn": arn, "key": key["AccessKeyId"],
                               "secret": key["SecretAccessKey"]})
        self.cd.create_application(applicationName="bench")
        for s in sizes:
            self.cd.create_deployment_group(
                applicationName="bench", deploymentGroupName=f"n{s}",
                serviceRoleArn="arn:aws:iam::123456789012:role/CodeDeploy",
                onPremisesInstanceTagFilters=[{"Key": f"n{s}", "Value": "1",
                                               "Type": "KEY_AND_VALUE"}])

    def upload_revision(self):
        spec = "version: 0.0\nos: linux\nhooks:\n"
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for ev in HOOKS:
                spec += f"  {ev}:\n    - location: scripts/{ev}.sh\n      timeout: 60\n"
                info = zipfile.ZipInfo(f"scripts/{ev}.sh")
                info.external_attr = 0o755 << 16
                z.writestr(info, HOOK_SCRIPT)
            z.writestr("appspec.yml", spec)
        self.s3.create_bucket(Bucket="bench")
        self.s3.put_object(Bucket="bench", Key="hooks.zip", Body=buf.getvalue())
        self.revision = {"revisionType": "S3", "s3Location": {"bucket": "bench",
                                                              "key": "hooks.zip",
                                                              "bundleType": "zip"}}
        os.makedirs(os.path.join(self.tmp, "hook"), exist_ok=True)
        self.hook_path = os.path.join(self.tmp, "hook", "hook.sh")
        with open(self.hook_path, "w") as f:
            f.write(HOOK_SCRIPT)
        os.chmod(self.hook_path, 0o755)

    def hook_sample(self, batches):
        """Times fork+exec of the `exit 0` hook script by /bin/sh, in batches of 20 runs (so
        Python's own process start-up is not in the figure, and the loop's is taken out);
        keeps one figure per batch, in ms per run."""
        loop = "while [ $i -lt 20 ]; do"
        for _ in range(batches):
            t0 = time.perf_counter()
            subprocess.run(["/bin/sh", "-c", f'i=0; {loop} "$0"; i=$((i+1)); done',
                            self.hook_path], check=True)
            t1 = time.perf_counter()
            subprocess.run(["/bin/sh", "-c", f"i=0; {loop} i=$((i+1)); done"], check=True)
            t2 = time.perf_counter()
            self.hook_runs.append(max(0.0, ((t1 - t0) - (t2 - t1)) * 1000 / 20))

    # ---- deployments -----------------------------------------------------------------------
    def cpu(self):
        """CPU seconds so far: slipwayd's; the agents' own; their reaped children's (the
        verify and unpack helpers, the hook scripts)."""
        tick = os.sysconf("SC_CLK_TCK")

        def stat(pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                return 0, 0
            return (int(fields[11]) + int(fields[12])) / tick, \
                (int(fields[13]) + int(fields[14])) / tick
        server = stat(self.server.pid)[0]
        agents = [stat(p.pid) for p in self.agents.values()]
        return server, sum(a[0] for a in agents), sum(a[1] for a in agents)

    def rss_of(self, name, field="VmRSS"):
        """field of /proc/PID/status (KiB) of host name's agent: [value], or [] if gone."""
        p = self.agents.get(name)
        try:
            with open(f"/proc/{p.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return [int(line.split()[1])]
        except (OSError, AttributeError):
            pass
        return []

    def rss(self, field="VmRSS"):
        """field of /proc/PID/status (KiB) of every running agent."""
        out = []
        for p in self.agents.values():
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith(field + ":"):
                            out.append(int(line.split()[1]))
            except OSError:
                pass
        return out

    def deploy(self, n, config):
        limit = min(self.deadline, time.monotonic() + 60 + 5 * n)
        cpu0 = self.cpu()
        t0 = time.perf_counter()
        did = self.cd.create_deployment(
            applicationName="bench", deploymentGroupName=f"n{n}", revision=self.revision,
            deploymentConfigName=f"CodeDeployDefault.{config}")["deploymentId"]
        while True:
            info = self.cd.get_deployment(deploymentId=did)["deploymentInfo"]
            if info["status"] in TERMINAL:
                wall = time.perf_counter() - t0
                break
            if time.monotonic() > limit:
                raise RuntimeError(f"deployment {did} ({config}, {n} hosts) still "
                                   f"{info['status']} at its time limit")
            time.sleep(0.02)
        time.sleep(0.05)  # the agents' last PutHostCommandComplete replies
        cpu = [b - a for a, b in zip(cpu0, self.cpu())]
        if info["status"] != "Succeeded":
            raise RuntimeError(f"deployment {did} ({config}, {n} hosts) {info['status']}: "
                               f"{json.dumps(info.get('errorInformation'), default=str)}")
        return {"id": did, "wall": wall, "info": info, "timeline": self.timeline(did, info),
                "cpu": cpu}

    def timeline(self, did, info):
        """Where the time went, from the lifecycle events' startTime (delivered to the agent)
        and endTime (completed): in seconds, summed over the hosts."""
        ids, kw = [], {}
        while True:
            page = self.cd.list_deployment_targets(deploymentId=did, **kw)
            ids += page["targetIds"]
            if not page.get("nextToken"):
                break
            kw["nextToken"] = page["nextToken"]
        hosts = []
        for i in range(0, len(ids), 25):
            for t in self.cd.batch_get_deployment_targets(
                    deploymentId=did, targetIds=ids[i:i + 25])["deploymentTargets"]:
                evs = [(e["lifecycleEventName"], e["startTime"].timestamp(),
                        e["endTime"].timestamp()) for e in t["instanceTarget"]["lifecycleEvents"]
                       if "startTime" in e and "endTime" in e]
                hosts.append(evs)
        created = info["createTime"].timestamp()
        per_event = {}
        inside = between = 0.0
        spans = []
        for evs in hosts:
            for k, (name, s, e) in enumerate(evs):
                per_event.setdefault(name, []).append(e - s)
                inside += e - s
                if k:
                    between += s - evs[k - 1][2]
            if evs:
                spans.append((evs[0][1], evs[-1][2]))
        spans.sort()
        # time no host was in flight after the first started: engine choosing the next host
        idle = 0.0
        for k in range(1, len(spans)):
            idle += max(0.0, spans[k][0] - max(e for _, e in spans[:k]))
        first = spans[0][0] - created if spans else 0.0
        all_started = spans[-1][0] - created if spans else 0.0
        last = max(e for _, e in spans) if spans else created
        return {"hosts": len(hosts), "inside": inside, "between": between, "gaps": idle,
                "first": first, "all_started": all_started,
                "last_to_complete": info["completeTime"].timestamp() - last,
                "server_wall": info["completeTime"].timestamp() - created,
                "per_event": {k: statistics.median(v) for k, v in per_event.items()}}


def agents(n):
    return f"{n} agent" if n == 1 else f"{n} agents"


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def machine():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, " \
           f"kernel {platform.release()}"


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def agent_report(path):
    """The figures bench/agent.sh printed (its output saved in path), or {} without one."""
    if not path:
        return {}
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return {}
    pats = {"idle": r"^idle .*?\n\s*VmRSS ([0-9.]+) MiB",
            "idle_after": r"^idle \(after ([0-9.]+) s",
            "bundle": r"^deployment 1 of a ([0-9]+) MB",
            "agent_hwm": r"agent VmHWM ([0-9.]+) MiB",
            "helper": r"unpack helper \(separate process\) peak RSS ([0-9.]+) MiB",
            "together": r"agent and helper together, at most ([0-9.]+) MiB"}
    out = {}
    for k, pat in pats.items():
        m = re.search(pat, text, re.M)
        if m:
            out[k] = float(m.group(1))
    return out


def verdict(value, target):
    return "met" if value <= target else "MISSED"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True, help="meson build directory with slipwayd and "
                    "slipway-agent")
    ap.add_argument("--sizes", default="1,10,50", help="agent counts (default 1,10,50)")
    ap.add_argument("--runs", type=int, default=3, help="measured runs per case (default 3)")
    ap.add_argument("--poll-timeout", type=int, default=5, help="slipwayd --poll-timeout "
                    "(default 5 s)")
    ap.add_argument("--hook-batches", type=int, default=5, help="batches of 20 direct hook "
                    "runs timed at the start and before each OneAtATime run (default 5)")
    ap.add_argument("--deadline", type=int, default=1800, help="seconds for the whole run")
    ap.add_argument("--agent-report", help="bench/agent.sh's output, quoted in the summary")
    ap.add_argument("--dir", help="keep the files here instead of a removed temporary dir")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or sizes[0] < 1 or sizes[-1] > 200:
        ap.error("--sizes: between 1 and 200 agents")
    if not 1 <= args.runs <= 10:
        ap.error("--runs: 1 to 10")
    if not 1 <= args.poll_timeout <= 60:
        ap.error("--poll-timeout: 1 to 60 s")
    if not 1 <= args.hook_batches <= 50:
        ap.error("--hook-batches: 1 to 50")
    if not 10 <= args.deadline <= 7200:
        ap.error("--deadline: 10 to 7200 s")

    b = Bench(args)

    def on_signal(sig, frame):  # the first SIGINT/SIGTERM stops the run; cleanup ignores more
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    status = 0
    results = {}
    idle_kib = []
    after = {}
    try:
        b.start_server()
        b.register(sizes[-1], sizes)
        b.upload_revision()
        b.hook_sample(args.hook_batches)
        print(f"slipway deployment benchmark, "
              f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%M:%SZ}")
        print(f"machine: {machine()}")
        print(f"load average at the start: {load()} (1, 5, 15 min)")
        print(f"slipwayd --poll-timeout {args.poll_timeout}, build {args.build}; revision: zip, "
              f"no files, 5 hooks `exit 0`; {args.runs} runs per case after one unmeasured")
        print(f"a hook's own run time (fork+exec of the script by /bin/sh, median of "
              f"{args.hook_batches} batches of 20): {med(b.hook_runs):.2f} ms "
              f"(measured again before every OneAtATime run)")
        print(flush=True)
        started = 0
        for n in sizes:
            fresh = [h["name"] for h in b.hosts[started:n]]
            while started < n:
                b.start_agent(b.hosts[started])
                started += 1
            # Every new agent's first long poll has been answered empty and it polls again.
            time.sleep(args.poll_timeout + 2.5)
            dead = [k for k, p in b.agents.items() if p.poll() is not None]
            if dead:
                raise RuntimeError(f"agents exited: {dead}: " +
                                   b.tail(os.path.join("hosts", dead[0], "agent.out")))
            for name in fresh:
                idle_kib += b.rss_of(name)
            first = b.deploy(n, "AllAtOnce")
            case = {"first": first["wall"], "load": [load()]}
            for config in CONFIGS:
                runs = []
                for _ in range(args.runs):
                    if config == "OneAtATime":
                        b.hook_sample(args.hook_batches)
                    runs.append(b.deploy(n, config))
                case[config] = runs
            case["load"].append(load())
            results[n] = case
            line = f"{n:3d} agent{'s' if n > 1 else ' '}: first {first['wall']:.2f} s"
            for config in CONFIGS:
                line += f"; {config} " + " ".join(f"{r['wall']:.2f}" for r in case[config]) + " s"
            print(line + f"  (load {case['load'][0]} -> {case['load'][1]})", flush=True)
        time.sleep(1)
        after = {"rss": b.rss("VmRSS"), "hwm": b.rss("VmHWM")}
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        status = 130
    except Exception as e:  # report, clean up, fail
        print(f"bench: {e}", file=sys.stderr)
        print("----- slipwayd log (tail) -----\n" + b.tail("slipwayd.log"), file=sys.stderr)
        status = 1
    finally:
        rc = b.stop_all()
        if rc not in (0, None) and status == 0:
            print(f"bench: slipwayd exited with {rc} on SIGTERM:\n" + b.tail("slipwayd.log"),
                  file=sys.stderr)
            status = 1
        b.cleanup()
    if not results:
        return status or 1
    done = list(results)  # the sizes that finished (all of them unless interrupted)
    report(args, done, results, b.hook_runs, idle_kib, after, agent_report(args.agent_report))
    return status


def cpu_table(results, ncpu):
    print()
    print(f"CPU time per host per deployment (median of the runs; /proc/PID/stat, "
          f"{1000 // os.sysconf('SC_CLK_TCK')} ms ticks):")
    print(f"  {'agents':>6}  {'config':<10}  {'slipwayd':>9}  {'agent':>7}  "
          f"{'helpers+hooks':>13}  {'CPU busy':>8}")
    for n, case in results.items():
        if n < 10:
            continue  # a few ticks: too coarse
        for config in CONFIGS:
            rs = case[config]
            cols = [med([r["cpu"][k] / n for r in rs]) * 1000 for k in range(3)]
            busy = med([sum(r["cpu"]) / (r["wall"] * ncpu) for r in rs]) * 100
            print(f"  {n:>6}  {config:<10}  {cols[0]:7.1f}ms  {cols[1]:5.1f}ms  "
                  f"{cols[2]:11.1f}ms  {busy:7.0f}%")
    print(f"  (CPU busy: slipwayd + agents + their children over wall x {ncpu} CPUs; the "
          "benchmark's own boto3 polling is not counted)")


def report(args, sizes, results, hook_runs, idle_kib, after, rss):
    hook_ms = med(hook_runs)
    print()
    print("end-to-end wall time, CreateDeployment -> terminal GetDeployment (median of "
          f"{args.runs}; min-max)")
    print(f"  {'agents':>6}  {'config':<10}  {'median':>8}  {'min-max':>13}  {'server':>8}  "
          f"{'target':<8}")
    for n, case in results.items():
        for config in CONFIGS:
            walls = [r["wall"] for r in case[config]]
            server = med([r["timeline"]["server_wall"] for r in case[config]])
            target = ""
            if config == "AllAtOnce" and n == 50:
                target = f"<= {TARGETS['all50_s']:.0f} s: " + verdict(med(walls),
                                                                     TARGETS["all50_s"])
            print(f"  {n:>6}  {config:<10}  {med(walls):7.2f}s  "
                  f"{min(walls):5.2f}-{max(walls):5.2f}s  {server:7.2f}s  {target}")
    print("  (server: createTime -> completeTime as GetDeployment reports them)")
    print()
    print("per-host overhead = (median OneAtATime wall - N x 5 hooks' own time) / N, "
          f"target <= {TARGETS['overhead_ms']} ms")
    print(f"  a hook's own time: {hook_ms:.2f} ms, the median of {len(hook_runs)} batches of 20 "
          f"direct runs ({min(hook_runs):.2f}-{max(hook_runs):.2f} ms)")
    overhead = {}
    for n, case in results.items():
        wall = med([r["wall"] for r in case["OneAtATime"]])
        overhead[n] = (wall - n * 5 * hook_ms / 1000) / n * 1000
        print(f"  {n:>3} agent{'s' if n > 1 else ' '}: "
              f"({wall:.3f} s - {n} x {5 * hook_ms / 1000:.4f} s) / {n} = "
              f"{overhead[n]:6.1f} ms per host  {verdict(overhead[n], TARGETS['overhead_ms'])}")
    print()
    print("where a OneAtATime deployment's time goes, per host (medians over the runs; from the "
          "lifecycle events' start/end):")
    print(f"  {'agents':>6}  {'in events':>10}  {'between events':>14}  {'between hosts':>13}  "
          f"{'create->1st':>11}  {'last->done':>10}")
    for n, case in results.items():
        tl = [r["timeline"] for r in case["OneAtATime"]]
        gaps = med([t["gaps"] / (n - 1) for t in tl]) * 1000 if n > 1 else 0.0
        print(f"  {n:>6}  {med([t['inside'] / n for t in tl]) * 1000:8.1f}ms  "
              f"{med([t['between'] / n for t in tl]) * 1000:12.1f}ms  {gaps:11.1f}ms  "
              f"{med([t['first'] for t in tl]) * 1000:9.1f}ms  "
              f"{med([t['last_to_complete'] for t in tl]) * 1000:8.1f}ms")
    n = sizes[-1]
    pe = {}
    for r in results[n]["OneAtATime"]:
        for k, v in r["timeline"]["per_event"].items():
            pe.setdefault(k, []).append(v)
    print(f"  one event, delivered -> completed ({agents(n)}, OneAtATime): " +
          ", ".join(f"{k} {med(v) * 1000:.0f}" for k, v in pe.items()) + " ms")
    for n, case in results.items():
        tl = [r["timeline"] for r in case["AllAtOnce"]]
        print(f"  AllAtOnce to {n}: first event delivered "
              f"{med([t['first'] for t in tl]) * 1000:.0f} ms after createTime, the last host's "
              f"first {med([t['all_started'] for t in tl]) * 1000:.0f} ms; per host "
              f"{med([t['inside'] / n for t in tl]) * 1000:.0f} ms in events, "
              f"{med([t['between'] / n for t in tl]) * 1000:.0f} ms between them")
    ncpu = len(os.sched_getaffinity(0))
    if sizes[-1] >= 10:
        cpu_table(results, ncpu)
    print()
    mib = lambda k: k / 1024  # noqa: E731
    print("summary")
    print(f"  {'figure':<60}  {'measured':<22}  {'target':<10}  verdict")

    def row(name, measured, target, v):
        print(f"  {name:<60}  {measured:<22}  {target:<10}  {v}")
    big = sizes[-1]
    a = med([r["wall"] for r in results[big]["AllAtOnce"]])
    o = med([r["wall"] for r in results[big]["OneAtATime"]])
    row(f"AllAtOnce to {agents(big)}, wall (median of {args.runs})", f"{a:.2f} s",
        "<= 3 s" if big == 50 else "(at 50)", verdict(a, TARGETS["all50_s"]) if big == 50 else "")
    row(f"OneAtATime to {agents(big)}, wall (median of {args.runs})", f"{o:.2f} s", "", "")
    for n in sizes:
        row(f"per-host overhead, OneAtATime to {agents(n)}",
            f"{overhead[n]:.1f} ms", "<= 50 ms",
            verdict(overhead[n], TARGETS["overhead_ms"]))
    if idle_kib:
        row(f"agent idle VmRSS after its first empty long poll ({agents(len(idle_kib))})",
            f"{mib(med(idle_kib)):.2f} MiB (max {mib(max(idle_kib)):.2f})", "<= 4 MiB",
            verdict(mib(max(idle_kib)), 4))
    if after.get("rss"):
        row("agent idle VmRSS after the deployments above",
            f"{mib(med(after['rss'])):.2f} MiB (max {mib(max(after['rss'])):.2f})", "<= 4 MiB",
            verdict(mib(max(after["rss"])), 4))
        row("agent VmHWM over the deployments above (hooks only)",
            f"{mib(med(after['hwm'])):.2f} MiB (max {mib(max(after['hwm'])):.2f})", "", "")
    if rss:
        mb = int(rss.get("bundle", 100))
        if "idle" in rss:
            row(f"agent idle VmRSS, bench/agent.sh (after {rss.get('idle_after', 0):g} s)",
                f"{rss['idle']:.2f} MiB", "<= 4 MiB", verdict(rss["idle"], 4))
        if "agent_hwm" in rss:
            row(f"agent VmHWM deploying a {mb} MB bundle, bench/agent.sh",
                f"{rss['agent_hwm']:.2f} MiB", "<= 16 MiB", verdict(rss["agent_hwm"], 16))
        if "helper" in rss:
            row("  its unpack helper's peak RSS (a separate process)", f"{rss['helper']:.2f} MiB",
                "<= 16 MiB", verdict(rss["helper"], 16))
        if "together" in rss:
            row("  agent + unpack helper together, at most", f"{rss['together']:.2f} MiB",
                "<= 16 MiB", verdict(rss["together"], 16))
    else:
        row("agent peak RSS unpacking a 100 MB bundle", "not measured", "<= 16 MiB",
            "(bench/agent.sh)")
    print(f"  machine: {machine()}; load average at the end: {load()}")
    if args.json:
        out = {"hook_ms": hook_ms, "hook_runs": hook_runs, "machine": machine(),
               "poll_timeout": args.poll_timeout,
               "idle_kib": idle_kib, "after": after, "agent_report": rss,
               "overhead_ms": overhead,
               "cases": {n: {"first": c["first"], "load": c["load"],
                             **{cfg: [{"wall": r["wall"], "cpu": r["cpu"],
                                       "timeline": r["timeline"]} for r in c[cfg]]
                                for cfg in CONFIGS}}
                         for n, c in results.items()}}
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
