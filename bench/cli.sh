#!/usr/bin/env bash
# bench/cli.sh: the slipway CLI's figures — start-up time of `slipway --version` and the time to
# list 10,000 deployments page by page — against a private slipwayd on an ephemeral loopback
# port in a throwaway data directory.
#
# How the 10,000 deployments are made: slipwayd starts once to initialise the data directory and
# `slipway` creates the application and group; slipwayd is stopped, and the rows are inserted
# straight into the SQLite store's deployments table with one INSERT ... SELECT (sqlite3), all
# finished (Succeeded, one in ten Failed or Stopped), one minute apart; then slipwayd starts
# again on the same directory and bench/cli measures.  (Creating them through the API would
# measure the engine, not the listing.)
#
# Environment: BUILD (default build-cli), DEPLOYMENTS (10000), STARTUP_RUNS (300),
# LIST_RUNS (5), BENCH_DIR (where the data directory goes; default a fresh mktemp -d, removed
# afterwards).  Targets: start-up <= 5 ms, listing <= 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-cli}
DEPLOYMENTS=${DEPLOYMENTS:-10000}
STARTUP_RUNS=${STARTUP_RUNS:-300}
LIST_RUNS=${LIST_RUNS:-5}

command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is needed to seed the store"; exit 1; }
if [ ! -f "$BUILD/build.ninja" ]; then
  meson setup "$BUILD" --buildtype=debugoptimized >/dev/null
fi
ninja -C "$BUILD" src/server/slipwayd src/cli/slipway src/cli/slipway-cli.so bench/cli >/dev/null

tmp=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/slipway-cli-bench.XXXXXX")}
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

start() { # starts slipwayd on the data directory; sets pid and SLIPWAY_ENDPOINT
  : >"$tmp/stdout"
  "$BUILD/src/server/slipwayd" --data "$tmp/data" --listen 127.0.0.1:0 --log-level warn \
    >"$tmp/stdout" 2>>"$tmp/slipwayd.log" &
  pid=$!
  local port=
  for _ in $(seq 1 300); do
    port=$(sed -n 's/^slipwayd: ready on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/stdout")
    if [ -n "$port" ]; then
      export SLIPWAY_ENDPOINT="http://127.0.0.1:$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "bench: slipwayd exited:"; cat "$tmp/slipwayd.log"; exit 1; }
    sleep 0.1
  done
  echo "bench: slipwayd did not become ready"; exit 1
}

stop() {
  kill -TERM "$pid"
  wait "$pid" || { echo "bench: slipwayd did not exit cleanly"; cat "$tmp/slipwayd.log"; exit 1; }
  pid=
}

slipway="$BUILD/src/cli/slipway"
export AWS_SHARED_CREDENTIALS_FILE="$tmp/data/credentials" AWS_CONFIG_FILE="$tmp/data/config"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL

start
"$slipway" app create bench >/dev/null
"$slipway" group create --app bench prod --tag role=bench >/dev/null
stop

sqlite3 "$tmp/data/slipway.db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $DEPLOYMENTS - 1)
INSERT INTO deployments (id, app, grp, group_id, status, creator, config, created, started,
                         completed, revision, rkey, doc)
SELECT printf('d-B%08d', i), 'bench', 'prod',
       (SELECT id FROM deployment_groups WHERE app = 'bench' AND name = 'prod'),
       CASE i % 10 WHEN 0 THEN 'Failed' WHEN 1 THEN 'Stopped' ELSE 'Succeeded' END,
       'user', 'CodeDeployDefault.OneAtATime',
       1700000000000 + i * 60000, 1700000000000 + i * 60000 + 500,
       1700000000000 + i * 60000 + 30000,
       '{"revisionType":"S3","s3Location":{"bucket":"slipway-revisions","key":"bench/r.zip","bundleType":"zip"}}',
       'S3:slipway-revisions/bench/r.zip', '{"description":"seeded by bench/cli.sh"}'
FROM n;
SQL

start
echo "slipway CLI ($BUILD), $DEPLOYMENTS deployments seeded in $tmp/data"
"$BUILD/bench/cli" --slipway "$slipway" --startup-runs "$STARTUP_RUNS" --list-runs "$LIST_RUNS" \
  --app bench --group prod
echo "targets: start-up <= 5 ms, listing 10,000 deployments <= 1 s"
stop
