#!/usr/bin/env bash
# bench/agent.sh: slipway-agent's memory against its targets (idle RSS <= 4 MiB, peak while
# unpacking a 100 MB bundle <= 16 MiB).  Builds slipwayd and the agent (release), starts a
# private slipwayd on an ephemeral loopback port in a temporary directory, registers one host
# the AWS way (aws iam / aws deploy), starts one agent for it, and reports the agent's idle
# memory (/proc/PID/status and smaps_rollup); then deploys a bundle of BUNDLE_MB of
# incompressible data (a tar; S3 upload with the aws CLI) and reports the agent's peak (VmHWM)
# and the unpack helper's peak (from the agent's log, which records it from wait4()).
#
# Environment: BUILD (default build-bench-agent; an absolute path or relative to the repo),
# NO_BUILD=1 (use BUILD as it is), BUNDLE_MB (100), DEPLOYMENTS (1: how many deployments of
# the bundle, one after the other, each with its figures), BENCH_SMAPS=1 (list the agent's resident
# memory per mapping at the end), HTTPS=1 (the agent talks https to an HAProxy terminating TLS
# in front of slipwayd, trusting its certificate through SSL_CERT_DIR), IDLE_SECONDS (3: how
# long the agent has polled before the idle figures are read), BENCH_DIR (where the files go;
# default a fresh mktemp -d, removed afterwards).  Needs the aws CLI on PATH (and haproxy and
# openssl for HTTPS=1).  Prints figures; exits non-zero
# only when something fails to run, never on the figures themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-bench-agent}
BUNDLE_MB=${BUNDLE_MB:-100}
IDLE_SECONDS=${IDLE_SECONDS:-3}
DEPLOYMENTS=${DEPLOYMENTS:-1}

if [ -z "${NO_BUILD:-}" ]; then
  if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=release >/dev/null
  fi
  targets=(src/server/slipwayd src/agent/slipway-agent)
  known=$(ninja -C "$BUILD" -t targets all 2>/dev/null || true)
  for helper in slipway-agent-unpack slipway-agent-verify; do # the agent's helpers
    if grep -q "^src/agent/$helper:" <<<"$known"; then
      targets+=("src/agent/$helper")
    fi
  done
  ninja -C "$BUILD" "${targets[@]}" >/dev/null
fi

tmp=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/slipway-agent-bench.XXXXXX")}
mkdir -p "$tmp"
spid=
apid=
hpid=
cleanup() {
  for p in "$apid" "$hpid" "$spid"; do
    if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
      wait "$p" 2>/dev/null || true
    fi
  done
  if [ -z "${BENCH_DIR:-}" ]; then rm -rf "$tmp"; fi
  return 0
}
trap cleanup EXIT

: >"$tmp/slipwayd.out"   # exists before the first read below, whatever the scheduling
"$BUILD/src/server/slipwayd" --data "$tmp/data" --listen 127.0.0.1:0 --log-level warn \
  >"$tmp/slipwayd.out" 2>"$tmp/slipwayd.log" &
spid=$!
port=
for _ in $(seq 1 300); do
  port=$(sed -n 's/^slipwayd: ready on http:\/\/127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/slipwayd.out")
  [ -n "$port" ] && break
  if ! kill -0 "$spid" 2>/dev/null; then echo "bench: slipwayd exited"; cat "$tmp/slipwayd.log"; exit 1; fi
  sleep 0.1
done
[ -n "$port" ] || { echo "bench: slipwayd did not become ready"; exit 1; }
endpoint="http://127.0.0.1:$port"

export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
AWS_ACCESS_KEY_ID=$(sed -n 's/^aws_access_key_id *= *//p' "$tmp/data/credentials")
AWS_SECRET_ACCESS_KEY=$(sed -n 's/^aws_secret_access_key *= *//p' "$tmp/data/credentials")
export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_PAGER="" AWS_MAX_ATTEMPTS=1
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN
aws_() { aws --endpoint-url "$endpoint" --output text "$@"; }

# One host, registered and tagged as `aws deploy register` would.
arn=$(aws_ iam create-user --user-name bench-host --query User.Arn)
read -r key_id key_secret < <(aws_ iam create-access-key --user-name bench-host \
  --query 'AccessKey.[AccessKeyId,SecretAccessKey]')
aws_ deploy register-on-premises-instance --instance-name bench-host --iam-user-arn "$arn"
aws_ deploy add-tags-to-on-premises-instances --instance-names bench-host \
  --tags Key=role,Value=bench

agent_endpoint=$endpoint
if [ -n "${HTTPS:-}" ]; then # HAProxy terminating TLS for 127.0.0.1 in front of slipwayd
  mkdir -p "$tmp/tls/trusted"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/tls/key.pem" \
    -out "$tmp/tls/trusted/cert.pem" 2>/dev/null
  openssl rehash "$tmp/tls/trusted"
  cat "$tmp/tls/trusted/cert.pem" "$tmp/tls/key.pem" >"$tmp/tls/both.pem"
  tport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'global\n  maxconn 100\ndefaults\n  mode tcp\n  timeout connect 5s\n  timeout client 120s\n  timeout server 120s\nfrontend tls\n  bind 127.0.0.1:%s ssl crt %s\n  default_backend s\nbackend s\n  server s1 127.0.0.1:%s\n' \
    "$tport" "$tmp/tls/both.pem" "$port" >"$tmp/tls/haproxy.cfg"
  haproxy -db -f "$tmp/tls/haproxy.cfg" >/dev/null 2>&1 &
  hpid=$!
  sleep 0.5
  agent_endpoint="https://127.0.0.1:$tport"
  export SSL_CERT_DIR="$tmp/tls/trusted"
fi

mkdir -p "$tmp/agent/root" "$tmp/agent/log"
cp "$tmp/data/server.crt" "$tmp/agent/server.crt"
cat >"$tmp/agent/agent.yml" <<EOF
aws_access_key_id: $key_id
aws_secret_access_key: $key_secret
iam_user_arn: $arn
region: us-east-1
endpoint: $agent_endpoint
ca_file: $tmp/agent/server.crt
root_dir: $tmp/agent/root
log_dir: $tmp/agent/log
EOF
"$BUILD/src/agent/slipway-agent" --config "$tmp/agent/agent.yml" --log-level info \
  >"$tmp/agent/agent.out" 2>&1 &
apid=$!
sleep "$IDLE_SECONDS"
kill -0 "$apid" 2>/dev/null || { echo "bench: the agent exited"; cat "$tmp/agent/agent.out"; exit 1; }

status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
rollup_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/smaps_rollup"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.2f MiB", k / 1024 }'; }
libs() { awk '$6 ~ /\.so/ { print $6 }' "/proc/$1/maps" | sort -u | wc -l; }
verdict() { awk -v k="$1" -v t="$2" 'BEGIN { print (k <= t * 1024 ? "meets" : "MISSES") " the " t " MiB target" }'; }

idle_rss=$(status_kib "$apid" VmRSS)
echo "slipway-agent memory benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) CPUs, kernel $(uname -r); build $BUILD; agent endpoint $agent_endpoint"
echo
echo "idle (after ${IDLE_SECONDS} s of long polls), agent pid $apid:"
printf '  VmRSS %s  (RssAnon %s, RssFile %s, RssShmem %s)  %s\n' "$(mib "$idle_rss")" \
  "$(mib "$(status_kib "$apid" RssAnon)")" "$(mib "$(status_kib "$apid" RssFile)")" \
  "$(mib "$(status_kib "$apid" RssShmem)")" "$(verdict "$idle_rss" 4)"
printf '  smaps_rollup: Pss %s, Private_Clean %s, Private_Dirty %s, Shared_Clean %s\n' \
  "$(mib "$(rollup_kib "$apid" Pss)")" "$(mib "$(rollup_kib "$apid" Private_Clean)")" \
  "$(mib "$(rollup_kib "$apid" Private_Dirty)")" "$(mib "$(rollup_kib "$apid" Shared_Clean)")"
printf '  VmHWM %s since start; %s shared objects mapped; %s threads\n' \
  "$(mib "$(status_kib "$apid" VmHWM)")" "$(libs "$apid")" "$(status_kib "$apid" Threads)"

# A bundle of incompressible data, deployed to the host.
mkdir -p "$tmp/rev/scripts"
head -c "$((BUNDLE_MB * 1024 * 1024))" /dev/urandom >"$tmp/rev/payload.bin"
cat >"$tmp/rev/appspec.yml" <<EOF
version: 0.0
os: linux
files:
  - source: payload.bin
    destination: $tmp/installed
EOF
tar -C "$tmp/rev" -cf "$tmp/bundle.tar" appspec.yml payload.bin
rm -f "$tmp/rev/payload.bin"
aws_ s3 mb s3://bench-bundles >/dev/null
aws_ s3 cp "$tmp/bundle.tar" s3://bench-bundles/bundle.tar --only-show-errors
rm -f "$tmp/bundle.tar"
aws_ deploy create-application --application-name bench >/dev/null
aws_ deploy create-deployment-group --application-name bench --deployment-group-name hosts \
  --service-role-arn arn:aws:iam::123456789012:role/CodeDeploy \
  --on-premises-instance-tag-filters Key=role,Value=bench,Type=KEY_AND_VALUE >/dev/null
deploy_once() { # one deployment of the bundle; prints its figures
  local start did peak=0 state= r elapsed hwm after helper
  start=$(date +%s.%N)
  did=$(aws_ deploy create-deployment --application-name bench --deployment-group-name hosts \
    --s3-location bucket=bench-bundles,key=bundle.tar,bundleType=tar --query deploymentId)
  # The agent's own VmHWM is exact; the sampled VmRSS shows where the time goes.
  for _ in $(seq 1 3000); do
    r=$(status_kib "$apid" VmRSS 2>/dev/null || echo 0)
    if [ "${r:-0}" -gt "$peak" ]; then peak=$r; fi
    state=$(aws_ deploy get-deployment --deployment-id "$did" --query deploymentInfo.status)
    case "$state" in Succeeded|Failed|Stopped) break ;; esac
    sleep 0.2
  done
  elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  hwm=$(status_kib "$apid" VmHWM)
  sleep 1
  after=$(status_kib "$apid" VmRSS)
  echo
  echo "deployment $1 of a ${BUNDLE_MB} MB incompressible tar bundle: $state in ${elapsed} s"
  printf '  agent VmHWM %s (sampled VmRSS peak %s)  %s\n' "$(mib "$hwm")" "$(mib "$peak")" \
    "$(verdict "$hwm" 16)"
  helper=$(sed -n 's/.*unpack helper peak RSS \([0-9]*\) KiB.*/\1/p' "$tmp/agent/log/slipway-agent.log" | tail -1)
  if [ -n "$helper" ]; then
    printf '  unpack helper (separate process) peak RSS %s  %s\n' "$(mib "$helper")" "$(verdict "$helper" 16)"
    printf '  agent and helper together, at most %s  %s\n' "$(mib $((hwm + helper)))" \
      "$(verdict $((hwm + helper)) 16)"
  else
    echo "  (unpacking ran inside the agent: no separate helper)"
  fi
  printf '  agent VmRSS %s once idle again (RssAnon %s, RssFile %s; Pss %s)\n' "$(mib "$after")" \
    "$(mib "$(status_kib "$apid" RssAnon)")" "$(mib "$(status_kib "$apid" RssFile)")" \
    "$(mib "$(rollup_kib "$apid" Pss)")"
  [ "$state" = Succeeded ] || { echo "bench: the deployment did not succeed"; tail -20 "$tmp/agent/log/slipway-agent.log"; exit 1; }
}
for n in $(seq 1 "$DEPLOYMENTS"); do deploy_once "$n"; done
if [ -n "${BENCH_SMAPS:-}" ]; then # where the resident pages are, per mapping
  awk '/^[0-9a-f]+-/ { name = $6 ? $6 : "[anon]" } $1 == "Rss:" { rss[name] += $2 }
       END { for (n in rss) if (rss[n]) printf "    %6d KiB  %s\n", rss[n], n }' \
    "/proc/$apid/smaps" | sort -rn
fi
