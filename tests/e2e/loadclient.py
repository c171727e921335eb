"""A bounded HTTP client on loopback for the traffic tests and bench/traffic.py: a few threads,
each with its own keep-alive connection, GET a URL in a loop and record every answer as
(time sent, time answered, status or the exception's text, host, revision).  It stops at a
request count or a time limit, whichever comes first (or at stop()).

    load = LoadClient("http://127.0.0.1:PORT/", threads=3, pause=0.01).start()
    ...; load.stop(); s = load.summary(); s["failed"], load.shares("green-1", "green-2")

A failure is any answer but 200, or a connection error (the connection is then opened again).
Only loopback URLs are accepted."""
import http.client
import json
import threading
import time
import urllib.parse

MAX_REQUESTS = 200000
MAX_SECONDS = 900


class Sample:
    __slots__ = ("sent", "done", "status", "host", "revision", "error")

    def __init__(self, sent, done, status, host=None, revision=None, error=None):
        self.sent = sent
        self.done = done
        self.status = status  # HTTP status, or None on a connection error
        self.host = host
        self.revision = revision
        self.error = error

    @property
    def ok(self):
        return self.status == 200


class LoadClient:
    def __init__(self, url, threads=3, pause=0.01, max_requests=20000, max_seconds=300,
                 timeout=5):
        u = urllib.parse.urlsplit(url)
        if not (u.hostname or "").startswith("127."):
            raise ValueError(f"loadclient sends traffic to loopback only, not {u.hostname}")
        self.host, self.port, self.path = u.hostname, u.port or 80, u.path or "/"
        self.threads = threads
        self.pause = pause
        self.max_requests = min(max_requests, MAX_REQUESTS)
        self.max_seconds = min(max_seconds, MAX_SECONDS)
        self.timeout = timeout
        self.samples = []
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.workers = []
        self.started = None
        self.stopped = None

    def start(self):
        self.started = time.time()
        for _ in range(self.threads):
            t = threading.Thread(target=self._loop, daemon=True)
            t.start()
            self.workers.append(t)
        return self

    def _loop(self):
        conn = None
        deadline = self.started + self.max_seconds
        while not self.stop_flag.is_set() and time.time() < deadline:
            with self.lock:
                if len(self.samples) >= self.max_requests:
                    break
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            sent = time.time()
            try:
                conn.request("GET", self.path)
                r = conn.getresponse()
                body = r.read()
                host = rev = None
                try:
                    doc = json.loads(body)
                    host, rev = doc.get("host"), doc.get("revision")
                except ValueError:
                    pass
                s = Sample(sent, time.time(), r.status, host, rev)
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                s = Sample(sent, time.time(), None, error=f"{type(e).__name__}: {e}")
                conn.close()
                conn = None
            with self.lock:
                self.samples.append(s)
            if self.pause:
                self.stop_flag.wait(self.pause)
        if conn is not None:
            conn.close()

    def stop(self):
        self.stop_flag.set()
        for t in self.workers:
            t.join(timeout=self.timeout + 5)
        self.stopped = time.time()
        return self

    # ---- reading the samples -------------------------------------------------------------
    def snapshot(self):
        with self.lock:
            return list(self.samples)

    def count(self):
        with self.lock:
            return len(self.samples)

    def summary(self, since=None, until=None):
        """{total, ok, failed, statuses {status: n}, errors [first few], by_revision, by_host}
        of the samples sent in [since, until)."""
        ss = [s for s in self.snapshot()
              if (since is None or s.sent >= since) and (until is None or s.sent < until)]
        out = {"total": len(ss), "ok": 0, "failed": 0, "statuses": {}, "errors": [],
               "by_revision": {}, "by_host": {}}
        for s in ss:
            key = s.status if s.status is not None else "error"
            out["statuses"][key] = out["statuses"].get(key, 0) + 1
            if s.ok:
                out["ok"] += 1
            else:
                out["failed"] += 1
                if len(out["errors"]) < 10:
                    out["errors"].append((round(s.sent, 3), s.status, s.error, s.host))
            if s.revision is not None:
                out["by_revision"][s.revision] = out["by_revision"].get(s.revision, 0) + 1
            if s.host is not None:
                out["by_host"][s.host] = out["by_host"].get(s.host, 0) + 1
        return out

    def share(self, hosts, since, until):
        """(share of the answers in [since, until) that came from hosts, how many answers)."""
        ss = [s for s in self.snapshot() if since <= s.sent < until and s.host is not None]
        if not ss:
            return None, 0
        return sum(1 for s in ss if s.host in hosts) / len(ss), len(ss)

    def windows(self, width, key=lambda s: s.revision):
        """[(window start, {key value: n}, failed)] over consecutive windows of width seconds."""
        ss = self.snapshot()
        if not ss:
            return []
        t0 = min(s.sent for s in ss)
        out = {}
        for s in ss:
            i = int((s.sent - t0) // width)
            w = out.setdefault(i, [{}, 0])
            if s.ok:
                k = key(s)
                w[0][k] = w[0].get(k, 0) + 1
            else:
                w[1] += 1
        return [(t0 + i * width, out[i][0], out[i][1]) for i in sorted(out)]


def main(argv=None):
    """`python3 loadclient.py URL [--seconds N] [--stop-file F]`: sends requests until F exists
    or N seconds passed (at most 300), printing a line a second — answers ok and failed in
    that second, by revision — and a total at the end (scripts/demo.sh uses it)."""
    import argparse
    import os
    p = argparse.ArgumentParser(description=main.__doc__)
    p.add_argument("url")
    p.add_argument("--seconds", type=float, default=120)
    p.add_argument("--stop-file")
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args(argv)
    c = LoadClient(a.url, threads=a.threads, pause=0.02, max_seconds=min(a.seconds, 300)).start()
    t0 = c.started
    seen = 0
    try:
        while not c.stop_flag.is_set():
            time.sleep(1)
            ss = c.snapshot()
            new, seen = ss[seen:], len(ss)
            ok = sum(1 for s in new if s.ok)
            revs = {}
            for s in new:
                if s.revision is not None:
                    revs[s.revision] = revs.get(s.revision, 0) + 1
            by = ", ".join(f"{k} {v}" for k, v in sorted(revs.items())) or "-"
            print(f"  [{time.time() - t0:5.1f}s] requests ok {ok:4d}  failed {len(new) - ok:3d}"
                  f"   by revision: {by}", flush=True)
            if (a.stop_file and os.path.exists(a.stop_file)) or \
                    time.time() - t0 >= c.max_seconds or not any(t.is_alive() for t in c.workers):
                break
    finally:
        c.stop()
    s = c.summary()
    print(f"  total: {s['total']} requests, {s['ok']} ok, {s['failed']} failed "
          f"({', '.join(f'{k}: {v}' for k, v in s['statuses'].items())})", flush=True)


if __name__ == "__main__":
    main()
