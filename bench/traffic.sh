#!/usr/bin/env bash
# bench/traffic.sh: rollouts behind a real HAProxy (bench/traffic.py): failed requests per kind
# of rollout, BlockTraffic to a drained server, the cost of a traffic step, alarm breach to
# rollback.  Builds slipwayd and slipway-agent (release, in build-benchtraffic) unless NO_BUILD=1.
# Environment: BUILD (default build-benchtraffic), NO_BUILD=1, PARTS (inplace,bluegreen,shift,alarm),
# BENCH_DIR (keep the files there).  Needs root, haproxy and /usr/bin/python3 with boto3.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-benchtraffic}
if [ -z "${NO_BUILD:-}" ]; then
  [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" --buildtype=release >/dev/null
  ninja -C "$BUILD" src/server/slipwayd src/agent/slipway-agent src/agent/slipway-agent-unpack \
    src/agent/slipway-agent-verify >/dev/null
fi
args=(--build "$BUILD" --parts "${PARTS:-inplace,bluegreen,shift,alarm}")
if [ -n "${BENCH_DIR:-}" ]; then args+=(--dir "$BENCH_DIR"); fi
exec timeout 1800 /usr/bin/python3 bench/traffic.py "${args[@]}"
