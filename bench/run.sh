#!/usr/bin/env bash
# bench/run.sh: builds slipwayd and bench/api (release), starts a private slipwayd on an
# ephemeral loopback port in a temporary directory, runs the API benchmark against it, and
# reports slipwayd's memory: idle after the first start (which initialises the data directory),
# idle after a restart (a daemon's usual start), the peak under load, and idle after the load.
#
# Environment: BUILD (default build-bench), THREADS (slipwayd --threads; default: slipwayd's
# own), CONNECTIONS (64), PHASE_SECONDS (10), READS (200000), WRITES (40000),
# BENCH_DIR (where the data directory goes; default a fresh mktemp -d, removed afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
CONNECTIONS=${CONNECTIONS:-64}
PHASE_SECONDS=${PHASE_SECONDS:-10}
READS=${READS:-200000}
WRITES=${WRITES:-40000}

if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=release >/dev/null
fi
ninja -C "$BUILD" src/server/slipwayd bench/api >/dev/null

tmp=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/slipway-bench.XXXXXX")}
mkdir -p "$tmp"
pid=
sampler=
cleanup() {
  if [ -n "$sampler" ]; then kill "$sampler" 2>/dev/null || true; fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$tmp"; fi
  return 0
}
trap cleanup EXIT

args=(--data "$tmp/data" --listen 127.0.0.1:0 --log-level warn)
if [ -n "${THREADS:-}" ]; then args+=(--threads "$THREADS"); fi

start() { # starts slipwayd, sets pid and port
  : >"$tmp/stdout"
  "$BUILD/src/server/slipwayd" "${args[@]}" >"$tmp/stdout" 2>>"$tmp/slipwayd.log" &
  pid=$!
  port=
  for _ in $(seq 1 300); do
    port=$(sed -n 's/^slipwayd: ready on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/stdout")
    [ -n "$port" ] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "bench: slipwayd exited:"; log_lines; exit 1
    fi
    sleep 0.1
  done
  echo "bench: slipwayd did not become ready"; exit 1
}

stop() {
  kill -TERM "$pid"
  if ! wait "$pid"; then
    echo "bench: slipwayd did not exit cleanly"; log_lines; status=1
  fi
  pid=
}

log_lines() { # slipwayd's warnings and errors (its first start also prints the secret key)
  grep -E '^[^ ]+ (warn|error) ' "$tmp/slipwayd.log" | tail -10 || true
}

mem() { # field of /proc/PID/status, in KiB
  awk -v f="$1:" '$1 == f { print $2 }' "/proc/$pid/status"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }

status=0
start
sleep 1
first_rss=$(mem VmRSS)
first_hwm=$(mem VmHWM)
stop
start
sleep 1
idle_rss=$(mem VmRSS)
idle_hwm=$(mem VmHWM)
key=$(sed -n 's/^aws_access_key_id *= *//p' "$tmp/data/credentials")
secret=$(sed -n 's/^aws_secret_access_key *= *//p' "$tmp/data/credentials")

echo "slipway API benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "slipwayd: pid $pid, port $port, threads ${THREADS:-default}, data on $(df -T "$tmp" | awk 'NR == 2 { print $2 }')"
echo

# The peak resident size while the load runs, sampled every 100 ms.
( peak=0
  while kill -0 "$pid" 2>/dev/null; do
    r=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
    if [ "${r:-0}" -gt "$peak" ]; then peak=$r; echo "$peak" >"$tmp/peak"; fi
    sleep 0.1
  done ) &
sampler=$!

"$BUILD/bench/api" --endpoint "127.0.0.1:$port" --access-key "$key" --secret "$secret" \
  --connections "$CONNECTIONS" --seconds "$PHASE_SECONDS" --reads "$READS" \
  --writes "$WRITES" || status=$?

kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sampler=
load_rss=$(cat "$tmp/peak" 2>/dev/null || echo 0)
sleep 1
after_rss=$(mem VmRSS)
after_hwm=$(mem VmHWM)

echo
echo "slipwayd memory"
printf '  idle, first start:   VmRSS %s (VmHWM %s)  initialises the data directory\n' "$(mib "$first_rss")" "$(mib "$first_hwm")"
printf '  idle, restart:       VmRSS %s (VmHWM %s)\n' "$(mib "$idle_rss")" "$(mib "$idle_hwm")"
printf '  under load (peak):   VmRSS %s\n' "$(mib "$load_rss")"
printf '  idle after the load: VmRSS %s (VmHWM %s)\n' "$(mib "$after_rss")" "$(mib "$after_hwm")"
stop
if grep -qE '^[^ ]+ (warn|error) ' "$tmp/slipwayd.log"; then
  echo; echo "slipwayd warnings:"; log_lines
fi
exit "$status"
