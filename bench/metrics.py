#!/usr/bin/env python3
"""bench/metrics: CloudWatch figures of a private slipwayd (release build, loopback, a fresh
data directory) — printed, never judged:

  1. PutMetricData throughput: batches of 1,000 data (AWS JSON 1.0, SigV4-signed, keep-alive),
     CLIENTS connections in parallel, each call durable when answered.
  2. GetMetricStatistics over 24 h of 1-minute data (1,440 datapoints): latency percentiles.
  3. The evaluator's cost for ALARMS alarms: slipwayd's CPU time per evaluation round, as a
     share of one core when rounds come once a minute (measured at --time-scale 10).
  4. Breach to state change at --time-scale 60: from the PutMetricData answer to DescribeAlarms
     showing the new state, polled every 5 ms.

Runs under a Python with botocore (for SigV4 only).  Environment: BUILD (build-bench),
CLIENTS (4), BATCHES (200), QUERIES (200), ALARMS (1000), FLIPS (20)."""
import configparser
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import botocore.auth
import botocore.awsrequest
import botocore.credentials

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build-bench"))
CLIENTS = int(os.environ.get("CLIENTS", "4"))
BATCHES = int(os.environ.get("BATCHES", "200"))
QUERIES = int(os.environ.get("QUERIES", "200"))
ALARMS = int(os.environ.get("ALARMS", "1000"))
FLIPS = int(os.environ.get("FLIPS", "20"))
TARGET = "GraniteServiceVersion20100801."


class Daemon:
    def __init__(self, args):
        self.dir = tempfile.mkdtemp(prefix="slipway-bench-metrics.")
        self.log = open(os.path.join(self.dir, "slipwayd.log"), "w")
        self.proc = subprocess.Popen(
            [os.path.join(BUILD, "src/server/slipwayd"), "--data", self.dir + "/data",
             "--listen", "127.0.0.1:0", "--log-level", "warn"] + args,
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        for line in self.proc.stdout:
            m = re.match(r"slipwayd: ready on http://127\.0\.0\.1:(\d+)", line)
            if m:
                self.port = int(m.group(1))
                break
        else:
            sys.exit("bench: slipwayd did not start")
        cp = configparser.ConfigParser()
        cp.read(os.path.join(self.dir, "data", "credentials"))
        sec = cp[cp.sections()[0]]
        self.creds = botocore.credentials.Credentials(sec["aws_access_key_id"],
                                                      sec["aws_secret_access_key"])

    def cpu_s(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


class Client:
    """One keep-alive connection sending signed JSON 1.0 calls."""

    def __init__(self, d):
        self.d = d
        self.conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=120)

    def call(self, op, body):
        data = json.dumps(body).encode()
        req = botocore.awsrequest.AWSRequest(
            method="POST", url=f"http://127.0.0.1:{self.d.port}/", data=data,
            headers={"X-Amz-Target": TARGET + op,
                     "Content-Type": "application/x-amz-json-1.0"})
        botocore.auth.SigV4Auth(self.d.creds, "monitoring", "us-east-1").add_auth(req)
        self.conn.request("POST", "/", body=data, headers=dict(req.headers))
        r = self.conn.getresponse()
        out = r.read()
        if r.status != 200:
            raise RuntimeError(f"{op}: {r.status} {out[:300]!r}")
        return json.loads(out) if out else {}


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def bench_put(d):
    now = int(time.time())
    # 100 metrics (10 hosts x 10 names) x 10 timestamps per batch: a realistic mix
    def batch(k):
        return {"Namespace": "Bench", "MetricData": [
            {"MetricName": f"m{i % 10}", "Dimensions": [{"Name": "Host", "Value": f"h{i // 100}"}],
             "Timestamp": now - 600 + (k % 60) * 10 + (i // 10) % 10, "Value": random.random() * 100,
             "Unit": "Milliseconds"} for i in range(1000)]}
    bodies = [batch(k) for k in range(BATCHES)]
    lat, lock, idx = [], threading.Lock(), [0]

    def work():
        c = Client(d)
        while True:
            with lock:
                if idx[0] >= len(bodies):
                    return
                b = bodies[idx[0]]
                idx[0] += 1
            t = time.perf_counter()
            c.call("PutMetricData", b)
            with lock:
                lat.append(time.perf_counter() - t)

    cpu0, t0 = d.cpu_s(), time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    el, cpu = time.perf_counter() - t0, d.cpu_s() - cpu0
    n = BATCHES * 1000
    print(f"PutMetricData: {n} datapoints in {BATCHES} batches of 1000, {CLIENTS} connections: "
          f"{n / el:,.0f} datapoints/s ({BATCHES / el:.1f} calls/s), call p50 "
          f"{pct(lat, 50) * 1000:.1f} ms p99 {pct(lat, 99) * 1000:.1f} ms; slipwayd CPU "
          f"{cpu / n * 1e6:.1f} us per datapoint (target >= 50,000 datapoints/s)")


def bench_stats(d):
    c = Client(d)
    start = (int(time.time()) // 60 - 1440) * 60
    for k in range(0, 1440, 720):  # 24 h of 1-minute data, 2 calls of 720
        c.call("PutMetricData", {"Namespace": "Day", "MetricData": [
            {"MetricName": "lat", "Timestamp": start + 60 * m + 5,
             "Values": [random.random() * 100 for _ in range(5)]} for m in range(k, k + 720)]})
    q = {"Namespace": "Day", "MetricName": "lat", "StartTime": start,
         "EndTime": start + 1440 * 60, "Period": 60,
         "Statistics": ["Average", "Maximum", "SampleCount"]}
    lat = []
    for _ in range(QUERIES):
        t = time.perf_counter()
        out = c.call("GetMetricStatistics", q)
        lat.append(time.perf_counter() - t)
    assert len(out["Datapoints"]) == 1440, len(out["Datapoints"])
    lat_p = []
    q2 = dict(q, Statistics=None, ExtendedStatistics=["p99"])
    del q2["Statistics"]
    for _ in range(max(20, QUERIES // 4)):
        t = time.perf_counter()
        c.call("GetMetricStatistics", q2)
        lat_p.append(time.perf_counter() - t)
    print(f"GetMetricStatistics, 24 h of 1-minute data (1440 datapoints), {QUERIES} calls: "
          f"p50 {pct(lat, 50) * 1000:.1f} ms p99 {pct(lat, 99) * 1000:.1f} ms; with p99: "
          f"p50 {pct(lat_p, 50) * 1000:.1f} ms p99 {pct(lat_p, 99) * 1000:.1f} ms "
          f"(target p99 <= 20 ms)")


def bench_evaluator():
    d = Daemon(["--time-scale", "10"])  # a minute is 6 s
    try:
        c = Client(d)
        for k in range(0, ALARMS, 500):
            c.call("PutMetricData", {"Namespace": "Eval", "MetricData": [
                {"MetricName": f"m{i}", "Value": 1.0} for i in range(k, min(ALARMS, k + 500))]})
        for i in range(ALARMS):
            c.call("PutMetricAlarm", {
                "AlarmName": f"a{i}", "Namespace": "Eval", "MetricName": f"m{i}",
                "Statistic": "Average", "Period": 60, "EvaluationPeriods": 3,
                "DatapointsToAlarm": 2, "Threshold": 50.0,
                "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"})
        time.sleep(7)  # the creations' own evaluations are done
        rounds = 4
        cpu0, t0 = d.cpu_s(), time.perf_counter()
        time.sleep(6 * rounds)
        cpu, el = d.cpu_s() - cpu0, time.perf_counter() - t0
        per_round = cpu / (el / 6)
        print(f"Evaluator: {ALARMS} alarms, {per_round * 1000:.0f} ms of CPU per evaluation "
              f"round = {per_round / 60 * 100:.2f} % of one core at one round a minute "
              f"(target <= 5 %)")
    finally:
        d.stop()


def bench_delay():
    d = Daemon(["--time-scale", "60"])
    try:
        c = Client(d)
        c.call("PutMetricAlarm", {
            "AlarmName": "flip", "Namespace": "Delay", "MetricName": "e", "Statistic": "Maximum",
            "Period": 60, "EvaluationPeriods": 1, "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "ignore"})
        delays = []
        for k in range(FLIPS):
            want, value = ("ALARM", 5.0) if k % 2 == 0 else ("OK", 0.0)
            time.sleep(1.1)  # a fresh (scaled) minute, so the new value is the period's
            c.call("PutMetricData", {"Namespace": "Delay",
                                     "MetricData": [{"MetricName": "e", "Value": value}]})
            t = time.perf_counter()
            while True:
                a = c.call("DescribeAlarms", {"AlarmNames": ["flip"]})["MetricAlarms"][0]
                if a["StateValue"] == want:
                    break
                if time.perf_counter() - t > 10:
                    raise RuntimeError(f"no {want} after 10 s: {a}")
                time.sleep(0.005)
            delays.append(time.perf_counter() - t)
        print(f"Breach to state change at --time-scale 60, {FLIPS} transitions: p50 "
              f"{pct(delays, 50) * 1000:.1f} ms max {max(delays) * 1000:.1f} ms "
              f"(target <= 1 s)")
    finally:
        d.stop()


def main():
    if not os.path.exists(os.path.join(BUILD, "build.ninja")):
        subprocess.run(["meson", "setup", BUILD, "--buildtype=release"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", BUILD, "src/server/slipwayd"], check=True,
                   stdout=subprocess.DEVNULL)
    print(f"bench/metrics on {os.cpu_count()} CPUs, {open('/proc/cpuinfo').read().count('processor')} "
          f"logical; {time.strftime('%Y-%m-%d')}")
    d = Daemon([])
    try:
        bench_put(d)
        bench_stats(d)
    finally:
        d.stop()
    bench_evaluator()
    bench_delay()


if __name__ == "__main__":
    main()
