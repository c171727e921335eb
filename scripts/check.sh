#!/usr/bin/env bash
# `make check`: lint, the AddressSanitizer + UndefinedBehaviorSanitizer build, unit tests and
# fuzz-corpus replay (meson test), then the end-to-end tests against the sanitizer binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
SAN=${SAN:-build-san}
PYTHON=${PYTHON:-/usr/bin/python3}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== lint"
scripts/lint.sh

echo "== build ($SAN: ASan + UBSan)"
[ -f "$SAN/build.ninja" ] || meson setup "$SAN" --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C "$SAN"

echo "== unit tests and fuzz-corpus replay"
meson test -C "$SAN" --print-errorlogs

# In parallel (pytest-xdist): each test has its own slipwayd, agents, HAProxy, ports and
# temporary directory, each worker its own PostgreSQL server.  The tests mostly wait (on
# agents, scripts, timeouts, the aws CLI), so more workers than cores pay: E2E_WORKERS=3 on the
# 2-core machine, E2E_WORKERS=0 for one process.
WORKERS=${E2E_WORKERS:-3}
echo "== end-to-end tests ($WORKERS workers)"
export SLIPWAY_BUILD="$PWD/$SAN"
"$PYTHON" -m pytest -q -p no:cacheprovider -n "$WORKERS" --durations=15 tests/e2e "$@"

# The same statements must hold on PostgreSQL (docs/architecture.md, "State"): the store-heavy suites again, each
# test on a fresh database of a real PostgreSQL server the fixtures start (tests/e2e/pg.py).
echo "== end-to-end tests on PostgreSQL ($WORKERS workers)"
SLIPWAY_TEST_STORE=postgres "$PYTHON" -m pytest -q -p no:cacheprovider -n "$WORKERS" \
  --durations=5 tests/e2e/test_basics.py tests/e2e/test_iam.py tests/e2e/test_instances.py \
  tests/e2e/test_revisions.py tests/e2e/test_deployments_api.py \
  tests/e2e/test_cloudwatch_metrics.py tests/e2e/test_cloudwatch_alarms.py tests/e2e/test_logs.py \
  tests/e2e/test_lambda_control.py tests/e2e/test_lambda_invoke.py
# blue/green keeps its phases in the store: its deployments once more on PostgreSQL
SLIPWAY_TEST_STORE=postgres "$PYTHON" -m pytest -q -p no:cacheprovider -n "$WORKERS" \
  tests/e2e/test_traffic_deploy.py -k "ready_wait or shifts"
