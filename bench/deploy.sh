#!/usr/bin/env bash
# bench/deploy.sh: end-to-end deployment speed with real agents, and the agent's memory.
# Builds slipwayd, slipway-agent and its helpers (release, in build-benchdeploy), runs
# bench/agent.sh (the agent's idle RSS and its peak while unpacking a 100 MB incompressible
# bundle; owned by the agent engineers) when it exists, then bench/deploy.py: wall time of
# AllAtOnce and OneAtATime deployments of a five-hook revision to 1, 10 and 50 real agents,
# the per-host overhead, where the time goes, and a summary beside the targets
# (per-host overhead <= 50 ms, AllAtOnce to 50 agents <= 3 s, agent idle RSS <= 4 MiB,
# peak while unpacking <= 16 MiB).
#
# Environment: BUILD (default build-benchdeploy; relative to the repository or absolute),
# NO_BUILD=1 (use BUILD as it is), SIZES (1,10,50), RUNS (3), POLL_TIMEOUT (slipwayd
# --poll-timeout, 5), BUNDLE_MB (100, for bench/agent.sh), AGENT_BENCH=0 (skip bench/agent.sh),
# TIME_LIMIT (seconds for each of the two parts, 1800), BENCH_DIR (keep the files there).
# Needs /usr/bin/python3 with boto3, and the aws CLI for bench/agent.sh.  Prints figures; exits
# non-zero only when something fails to run, never on the figures themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-benchdeploy}
SIZES=${SIZES:-1,10,50}
RUNS=${RUNS:-3}
POLL_TIMEOUT=${POLL_TIMEOUT:-5}
BUNDLE_MB=${BUNDLE_MB:-100}
TIME_LIMIT=${TIME_LIMIT:-1800}
PYTHON=${PYTHON:-/usr/bin/python3}

if [ -z "${NO_BUILD:-}" ]; then
  if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=release >/dev/null
  fi
  targets=(src/server/slipwayd src/agent/slipway-agent)
  known=$(ninja -C "$BUILD" -t targets all 2>/dev/null || true)
  for helper in slipway-agent-unpack slipway-agent-verify; do # the agent's helpers, if any
    if grep -q "^src/agent/$helper:" <<<"$known"; then
      targets+=("src/agent/$helper")
    fi
  done
  ninja -C "$BUILD" "${targets[@]}" >/dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/slipway-deploy-sh.XXXXXX")
child=
cleanup() { # the child (deploy.py or agent.sh) stops its own processes on SIGTERM
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run() { # runs "$@" in the background, bounded by TIME_LIMIT, so that a signal stops it at once
  timeout "$TIME_LIMIT" "$@" &
  child=$!
  local rc=0
  wait "$child" || rc=$?
  child=
  return "$rc"
}

report_args=()
if [ "${AGENT_BENCH:-1}" != 0 ] && [ -x bench/agent.sh ]; then
  echo "== bench/agent.sh (BUNDLE_MB=$BUNDLE_MB): slipway-agent's memory =="
  agent_bench() {
    BUILD=$BUILD NO_BUILD=1 BUNDLE_MB=$BUNDLE_MB run bench/agent.sh >"$tmp/agent.txt" 2>&1
  }
  # One retry: it can lose a race with slipwayd creating its stdout file on a busy machine.
  if agent_bench || {
    echo "(bench/agent.sh failed: $(tail -1 "$tmp/agent.txt"); once more)"
    agent_bench
  }; then
    cat "$tmp/agent.txt"
    report_args=(--agent-report "$tmp/agent.txt")
  else
    cat "$tmp/agent.txt"
    echo "bench: bench/agent.sh failed; the summary has no unpacking figure"
  fi
  echo
fi

echo "== bench/deploy.py: deployments with real agents =="
dir_args=()
if [ -n "${BENCH_DIR:-}" ]; then dir_args=(--dir "$BENCH_DIR"); fi
deadline=$((TIME_LIMIT > 120 ? TIME_LIMIT - 60 : TIME_LIMIT)) # deploy.py stops by itself first
run "$PYTHON" bench/deploy.py --build "$BUILD" --sizes "$SIZES" --runs "$RUNS" \
  --poll-timeout "$POLL_TIMEOUT" --deadline "$deadline" "${report_args[@]}" "${dir_args[@]}"
