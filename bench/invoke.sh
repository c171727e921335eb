#!/usr/bin/env bash
# bench/invoke.sh: builds slipwayd, bench/invoke and hello-c (release), starts a private slipwayd
# on an ephemeral loopback port in a temporary directory, creates the hello-c function
# (provided.al2023) and a function URL for it with the aws CLI, and runs bench/invoke: warm
# Invoke at 1 and 16 clients, the function URL, the fork-per-invocation baseline, cold starts,
# and slipwayd's VmRSS before, with the warm environments, and after they are reaped.
#
# Environment: BUILD (default build-bench), CLIENTS (1,16), COUNT (20000), PHASE_SECONDS (10),
# COLD (5 samples), IDLE_WAIT (seconds to wait for idle environments to be reaped before the
# last VmRSS; 0 skips; slipwayd's idle time is set with SLIPWAYD_ARGS), SLIPWAYD_ARGS (extra
# slipwayd arguments), BENCH_DIR (where the data directory goes; default a fresh mktemp -d).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench}
CLIENTS=${CLIENTS:-1,16}
COUNT=${COUNT:-20000}
PHASE_SECONDS=${PHASE_SECONDS:-10}
COLD=${COLD:-5}
IDLE_WAIT=${IDLE_WAIT:-0}
read -r -a extra <<<"${SLIPWAYD_ARGS:-}"

if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=release >/dev/null
fi
ninja -C "$BUILD" src/server/slipwayd bench/invoke examples/functions/hello-c/bootstrap >/dev/null

tmp=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/slipway-invoke.XXXXXX")}
mkdir -p "$tmp"
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$tmp"; fi
  return 0
}
trap cleanup EXIT

log_lines() { grep -E '^[^ ]+ (warn|error) ' "$tmp/slipwayd.log" | tail -10 || true; }
rss() { awk '$1 == "VmRSS:" { printf "%.1f MiB", $2 / 1024 }' "/proc/$pid/status"; }

"$BUILD/src/server/slipwayd" --data "$tmp/data" --listen 127.0.0.1:0 --log-level warn \
  "${extra[@]}" >"$tmp/stdout" 2>>"$tmp/slipwayd.log" &
pid=$!
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's/^slipwayd: ready on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/stdout")
  [ -n "$port" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then echo "bench: slipwayd exited:"; log_lines; exit 1; fi
  sleep 0.1
done
[ -n "$port" ] || { echo "bench: slipwayd did not become ready"; exit 1; }
sleep 0.5

export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1
AWS_ACCESS_KEY_ID=$(sed -n 's/^aws_access_key_id *= *//p' "$tmp/data/credentials")
AWS_SECRET_ACCESS_KEY=$(sed -n 's/^aws_secret_access_key *= *//p' "$tmp/data/credentials")
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=
ep="http://127.0.0.1:$port"
lambda() { aws --endpoint-url "$ep" --output json lambda "$@"; }

echo "slipway invoke benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "slipwayd: pid $pid, port $port, idle VmRSS $(rss)"
echo

(cd "$BUILD/examples/functions/hello-c" && rm -f "$tmp/hello-c.zip" && zip -q "$tmp/hello-c.zip" bootstrap)
status=0
if ! lambda create-function --function-name hello-c --runtime provided.al2023 \
    --handler bootstrap --role arn:aws:iam::000000000000:role/bench \
    --zip-file "fileb://$tmp/hello-c.zip" >"$tmp/create.json" 2>"$tmp/create.err"; then
  echo "bench: CreateFunction failed (is the Lambda API in this slipwayd?):"
  cat "$tmp/create.err"
  status=1
fi
url=
if [ "$status" = 0 ] &&
  lambda create-function-url-config --function-name hello-c --auth-type NONE \
    >"$tmp/url.json" 2>"$tmp/url.err"; then
  url=$(sed -n 's/.*"FunctionUrl": *"\([^"]*\)".*/\1/p' "$tmp/url.json")
  case "$url" in http://127.0.0.1:*) ;; *) echo "bench: function URL '$url' is not loopback: skipped"; url= ;; esac
else
  [ "$status" = 0 ] && { echo "bench: CreateFunctionUrlConfig failed:"; cat "$tmp/url.err"; }
fi

args=(--endpoint "127.0.0.1:$port" --clients "$CLIENTS" --count "$COUNT" --seconds "$PHASE_SECONDS" --pid "$pid")
if [ "$status" = 0 ]; then
  # one invocation first so the first warm phase measures warm environments
  lambda invoke --function-name hello-c --payload '{}' \
    "$tmp/out.json" >/dev/null || status=1
  args+=(--function hello-c)
  [ -n "$url" ] && args+=(--url "$url")
  [ "$COLD" -gt 0 ] && args+=(--cold "$COLD" --zip "$tmp/hello-c.zip")
fi
args+=(--fork-baseline "$BUILD/examples/functions/hello-c/bootstrap")
"$BUILD/bench/invoke" "${args[@]}" || status=$?

if [ "$IDLE_WAIT" -gt 0 ]; then
  sleep "$IDLE_WAIT"
  echo "slipwayd VmRSS after ${IDLE_WAIT} s idle (environments reaped): $(rss)"
fi
echo "bootstrap processes still running under slipwayd: $(pgrep -c -P "$pid" || true)"
if grep -qE '^[^ ]+ (warn|error) ' "$tmp/slipwayd.log"; then
  echo; echo "slipwayd warnings:"; log_lines
fi
exit "$status"
