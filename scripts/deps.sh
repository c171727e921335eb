#!/usr/bin/env bash
# Installs every build and test dependency from Debian's archive — only what is missing.
# Called by `make check` and `make demo`; safe to run again.
set -euo pipefail

pkgs=(
  build-essential pkg-config meson ninja-build clang llvm clang-format
  libmicrohttpd-dev libjansson-dev libfyaml-dev libsqlite3-dev libpq-dev libarchive-dev
  libcurl4-openssl-dev libssl-dev zlib1g-dev libcmocka-dev libcbor-dev
  python3 python3-pytest python3-boto3 python3-awscrt awscli
  haproxy postgresql openssl sqlite3 zip unzip curl procps util-linux iproute2 sudo
  python3-pytest-xdist prometheus bubblewrap
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Debian's awscli (2.9, /usr/bin/aws) is installed even when another `aws` comes first on PATH:
# tests/e2e/test_revisions.py checks what that old CLI can and cannot do against Slipway.
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))

# The AWS SDK for JavaScript v3 that the virtual-hosted S3 tests drive (tests/e2e/test_s3_js.py),
# pinned by tests/e2e/js/package-lock.json; without node and npm those tests are skipped.
js_dir="$(dirname "$0")/../tests/e2e/js"
if command -v npm >/dev/null 2>&1 && [ ! -d "$js_dir/node_modules/@aws-sdk/client-s3" ]; then
  echo "deps: npm ci in tests/e2e/js"
  (cd "$js_dir" && timeout 600 npm ci --no-audit --no-fund >/dev/null) ||
    echo "deps: npm ci failed; the JS SDK tests will be skipped"
fi

[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts services on install; tests start their own PostgreSQL and HAProxy.
for svc in postgresql haproxy; do
  if command -v systemctl >/dev/null 2>&1; then "${sudo_cmd[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || true; fi
  "${sudo_cmd[@]}" service "$svc" stop >/dev/null 2>&1 || true
done
