#!/usr/bin/env bash
# `make demo`: starts slipwayd in a scratch directory, tours it with the unmodified aws CLI, then
# deploys examples/webapp to three local slipway-agent hosts and a broken revision that rolls back,
# then starts HAProxy in front of them and rolls examples/webapp-lb out behind it with traffic
# control (live request counts), and a revision answering 500 that an alarm stops and rolls back.
#
# Environment: BUILD (or SLIPWAY_BUILD) the build directory to run (default build/),
# SLIPWAY_DEMO_PORT a fixed port (default: an ephemeral one), NO_COLOR to never use colour.
# Without root (needed for one mount namespace per host) the agent part is skipped, saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-${SLIPWAY_BUILD:-build}}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SLIPWAYD=$BUILD/src/server/slipwayd
AGENT=$BUILD/src/agent/slipway-agent
CLI=$BUILD/src/cli/slipway
PORT=${SLIPWAY_DEMO_PORT:-0}
APP=demo-web GROUP=prod HOSTS="web-1 web-2 web-3"

bold=$'\e[1m' dim=$'\e[2m' green=$'\e[32m' red=$'\e[31m' off=$'\e[0m'
if [ ! -t 1 ] || [ -n "${NO_COLOR:-}" ]; then bold='' dim='' green='' red='' off=''; fi

say() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
note() { printf '%s%s%s\n' "$dim" "$*" "$off"; }
# Prints a command as one would type it (arguments with spaces or shell characters quoted), runs it.
run() {
  local a line=
  for a in "$@"; do
    case $a in *[!A-Za-z0-9_./=:,@%+-]* | '') line+=" '$a'" ;; *) line+=" $a" ;; esac
  done
  printf '%s$%s%s\n' "$dim" "$line" "$off"
  "$@"
}
die() { printf '%sdemo: %s%s\n' "$red" "$*" "$off" >&2; exit 1; }

for f in "$SLIPWAYD" "$AGENT" "$CLI"; do
  [ -x "$f" ] || die "$f is missing: build first (make, or BUILD=DIR for another build directory)"
done
for t in aws zip; do
  command -v "$t" >/dev/null || die "'$t' is not installed (the demo drives slipwayd with it)"
done

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/slipway-demo.XXXXXX")
# HAProxy's runtime socket: a UNIX socket path holds at most 97 bytes there.
LB_DIR=$DEMO
if [ ${#DEMO} -gt 80 ]; then LB_DIR=$(mktemp -d /tmp/slipway-lb.XXXXXX); fi
PID='' AGENTS=() HAPROXY=''

# The web servers examples/webapp-lb started on the hosts outlive the agents (as services do):
# stopped by their pid files.
stop_web() {
  local f
  for f in "$DEMO"/hosts/*/opt/slipway-web/server.pid; do
    if [ -f "$f" ]; then kill -TERM "$(cat "$f")" 2>/dev/null || true; fi
  done
  for f in "$DEMO"/hosts/*/opt/slipway-web/server.pid; do # each removes its pid file on exit
    for _ in $(seq 50); do [ -f "$f" ] || break; sleep 0.1; done
  done
}

# Agents first (they poll slipwayd), then the web servers, HAProxy and slipwayd; every process
# gets SIGTERM and is waited for.
cleanup() {
  local rc=$? p
  trap - EXIT INT TERM
  for p in "${AGENTS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${AGENTS[@]}"; do wait "$p" 2>/dev/null || true; done
  stop_web
  if [ -n "$HAPROXY" ]; then kill -TERM "$HAPROXY" 2>/dev/null || true; wait "$HAPROXY" || true; fi
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"; wait "$PID" || true
  fi
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 130 ] && [ "$rc" -ne 143 ] && [ -f "$DEMO/slipwayd.log" ]; then
    printf '\n-- last lines of slipwayd.log --\n' >&2; tail -n 20 "$DEMO/slipwayd.log" >&2
  fi
  rm -rf "$DEMO"
  if [ "$LB_DIR" != "$DEMO" ]; then rm -rf "$LB_DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting slipwayd (data in $DEMO/data)"
# The HAProxy of the last part is declared now (it is started later); --time-scale 60 makes a
# CloudWatch minute a second there, so that its alarm decides within seconds.
"$SLIPWAYD" --data "$DEMO/data" --listen "127.0.0.1:$PORT" --poll-timeout 5 --agent-timeout 20 \
  --load-balancer "edge=$LB_DIR/haproxy.sock" --deregistration-delay 5 --time-scale 60 \
  >"$DEMO/ready" 2>"$DEMO/slipwayd.log" &
PID=$!
# Up to a minute: a sanitizer build on a busy machine starts slowly; a slipwayd that exits is
# reported at once.
for _ in $(seq 600); do
  grep -q "ready on" "$DEMO/ready" 2>/dev/null && break
  kill -0 "$PID" 2>/dev/null || break
  sleep 0.1
done
grep -q "ready on" "$DEMO/ready" || die "slipwayd did not start: $(cat "$DEMO/slipwayd.log")"
ENDPOINT=$(sed -n 's/.*ready on \(http:[^ ]*\).*/\1/p' "$DEMO/ready")
grep '^slipwayd: ' "$DEMO/slipwayd.log" | sed -n '1,3p'
echo "endpoint: $ENDPOINT"

# slipwayd wrote its administrator key as profile "slipway" in DATA/credentials: the aws CLI and
# slipway both read it from there. Keys, endpoints or prompts set for other work in the caller's
# environment (AWS_ACCESS_KEY_ID would win over the profile) must not leak in.
while read -r v; do unset "$v"; done < <(compgen -e | grep '^AWS_' || true)
export AWS_SHARED_CREDENTIALS_FILE=$DEMO/data/credentials AWS_CONFIG_FILE=$DEMO/data/config
export AWS_PROFILE=slipway AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1 SLIPWAY_ENDPOINT=$ENDPOINT
AWS_COLOR=() # the aws CLI colours its tables on a terminal and does not read NO_COLOR
[ -n "$bold" ] || AWS_COLOR=(--color off)
aws() { command aws --endpoint-url "$ENDPOINT" "${AWS_COLOR[@]}" "$@"; }
slipway() { "$CLI" "$@"; }

say "who am I (IAM, query protocol)"
note "(every aws command below runs with --endpoint-url $ENDPOINT)"
run aws iam get-user --output table

say "create an application and a deployment group (hosts tagged role=web, auto-rollback on failure)"
run aws deploy create-application --application-name "$APP"
run aws deploy create-deployment-group --application-name "$APP" \
  --deployment-group-name "$GROUP" --service-role-arn arn:aws:iam::123456789012:role/slipway \
  --deployment-config-name CodeDeployDefault.OneAtATime \
  --on-premises-instance-tag-filters Key=role,Value=web,Type=KEY_AND_VALUE \
  --auto-rollback-configuration enabled=true,events=DEPLOYMENT_FAILURE

say "push a revision: upload examples/webapp to S3, then register it"
(cd examples/webapp && zip -qr "$DEMO/webapp-1.0.zip" .)
run aws s3 mb s3://demo-revisions
run aws s3 cp --no-progress "$DEMO/webapp-1.0.zip" s3://demo-revisions/webapp/1.0.zip
run aws deploy register-application-revision --application-name "$APP" \
  --s3-location bucket=demo-revisions,key=webapp/1.0.zip,bundleType=zip \
  --description "first release"

say "list what is there"
run aws deploy list-applications
run aws deploy list-application-revisions --application-name "$APP"
run aws deploy get-deployment-group --application-name "$APP" --deployment-group-name "$GROUP" \
  --output table --query "deploymentGroupInfo.{group:deploymentGroupName,\
config:deploymentConfigName,rollback:autoRollbackConfiguration.enabled}"

say "errors come back the AWS way"
run aws deploy get-application --application-name no-such-app || true

# Three hosts on one machine: each agent gets a mount namespace with a private /opt (where
# examples/webapp installs itself) and /tmp. That needs root and a kernel that allows it.
if [ "$(id -u)" -ne 0 ]; then
  WHY="the three local hosts need root (each agent runs in its own mount namespace)"
elif ! command -v unshare >/dev/null ||
  ! unshare -m sh -c 'mount --make-rprivate /' 2>/dev/null; then
  WHY="this system does not allow mount namespaces (unshare -m), which the three local hosts need"
else
  WHY=
fi
if [ -n "$WHY" ]; then
  say "skipping the deployments: $WHY"
  echo "Run the demo as root (sudo make demo) to see examples/webapp deployed to three hosts, then"
  echo "examples/webapp-broken failing its ValidateService and rolling back by itself."
  say "done: slipwayd stops cleanly on SIGTERM"
  kill -TERM "$PID"; wait "$PID"; PID=
  tail -n 2 "$DEMO/slipwayd.log"
  printf '%sdemo finished (without the deployments)%s\n' "$green" "$off"
  exit 0
fi

say "register three hosts and start their agents"
note "(each agent runs in its own mount namespace, its /opt and /tmp in $DEMO/hosts/NAME)"
for h in $HOSTS; do
  d=$DEMO/hosts/$h
  mkdir -p "$d/opt" "$d/tmp" "$d/bin"
  run slipway instance register "$h" --tags role=web --out "$d/agent.yml"
  # A copy of the agent and its helpers: the build tree may be under /tmp, which the namespace
  # replaces. Inside, the host's directory is also mounted at its own path, so the paths in
  # agent.yml (the certificate beside it) mean the same thing inside and out.
  for f in "$AGENT" "$AGENT"-*; do
    if [ -f "$f" ] && [ -x "$f" ]; then cp "$f" "$d/bin/"; fi
  done
  # shellcheck disable=SC2016 # $1 is the inner shell's
  unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1" /mnt &&
      mount --bind /mnt/opt /opt && mount --bind /mnt/tmp /tmp &&
      mkdir -p "$1" && mount --bind /mnt "$1" &&
      exec /mnt/bin/slipway-agent --config "$1/agent.yml"' \
    sh "$d" </dev/null >"$d/agent.log" 2>&1 &
  AGENTS+=($!)
done
for h in $HOSTS; do  # each agent says so once it has its namespace and configuration
  for _ in $(seq 600); do grep -q "polling" "$DEMO/hosts/$h/agent.log" && break; sleep 0.1; done
  grep -q "polling" "$DEMO/hosts/$h/agent.log" ||
    die "the agent of $h did not start: $(cat "$DEMO/hosts/$h/agent.log")"
done
run slipway instance list

say "deploy examples/webapp to the three hosts, one at a time"
run slipway deploy create --app "$APP" --group "$GROUP" --source examples/webapp \
  --description "webapp v1" --wait
GOOD=$(slipway deploy list --app "$APP" --max 1 -o text | cut -f1)
run slipway deploy events "$GOOD"

say "what web-2 serves now (its /opt, read through $DEMO/hosts/web-2/opt)"
run cat "$DEMO/hosts/web-2/opt/slipway-demo/site/index.html"
run cat "$DEMO/hosts/web-2/opt/slipway-demo/site/DEPLOYMENT_ID"

say "deploy examples/webapp-broken: its ValidateService fails, so the group rolls back by itself"
rc=0
run slipway deploy create --app "$APP" --group "$GROUP" --source examples/webapp-broken \
  --description "webapp v2 (broken)" --wait || rc=$?
[ "$rc" -eq 1 ] || die "the broken revision should fail (exit status 1), not exit with $rc"
BAD=$(slipway deploy list --app "$APP" --status Failed --max 1 -o text | cut -f1)
ROLLBACK=$(aws deploy get-deployment --deployment-id "$BAD" \
  --query deploymentInfo.rollbackInfo.rollbackDeploymentId --output text)
case $ROLLBACK in d-*) ;; *) die "$BAD failed but started no automatic rollback" ;; esac
printf '%s%s failed; %s rolled back to the last good revision%s\n' "$bold" "$BAD" "$ROLLBACK" "$off"
run aws deploy get-deployment --deployment-id "$ROLLBACK" --output table \
  --query "deploymentInfo.{id:deploymentId,status:status,creator:creator,\
rollsBack:rollbackInfo.rollbackTriggeringDeploymentId}"
run slipway deploy events "$ROLLBACK"

say "what web-2 serves after the rollback"
run cat "$DEMO/hosts/web-2/opt/slipway-demo/site/index.html"
run cat "$DEMO/hosts/web-2/opt/slipway-demo/site/DEPLOYMENT_ID"
run slipway deploy list --app "$APP"

# ---- behind HAProxy -----------------------------------------------------------------------
command -v haproxy >/dev/null || die "'haproxy' is not installed (make deps installs it)"
say "start HAProxy in front of the three hosts (backend web-tg, one server per host)"
# A port for HAProxy and one for each host's web server (examples/webapp-lb reads it from
# /opt/slipway-web/port, written here before its agent installs it).
free_ports() { python3 -c 'import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))' "$1"; }
read -r LB_PORT WEB_PORTS <<<"$(free_ports 4)"
{
  printf 'global\n    stats socket %s mode 600 level admin\n' "$LB_DIR/haproxy.sock"
  printf 'defaults\n    mode http\n    timeout connect 1s\n    timeout client 30s\n'
  printf '    timeout server 10s\n    retries 0\n    http-reuse never\n'
  printf 'frontend web\n    bind 127.0.0.1:%s\n    default_backend web-tg\n' "$LB_PORT"
  printf 'backend web-tg\n    balance roundrobin\n    option httpchk GET /health\n'
  printf '    default-server check inter 200ms fall 2 rise 1\n'
} >"$DEMO/haproxy.cfg"
i=0
for p in $WEB_PORTS; do
  i=$((i + 1))
  printf '    server web-%s 127.0.0.1:%s\n' "$i" "$p" >>"$DEMO/haproxy.cfg"
  mkdir -p "$DEMO/hosts/web-$i/opt/slipway-web"
  echo "$p" >"$DEMO/hosts/web-$i/opt/slipway-web/port"
  echo "web-$i" >"$DEMO/hosts/web-$i/opt/slipway-web/host"
done
run cat "$DEMO/haproxy.cfg"
haproxy -db -f "$DEMO/haproxy.cfg" </dev/null >"$DEMO/haproxy.log" 2>&1 &
HAPROXY=$!
for _ in $(seq 100); do [ -S "$LB_DIR/haproxy.sock" ] && break; sleep 0.1; done
[ -S "$LB_DIR/haproxy.sock" ] || die "haproxy did not start: $(cat "$DEMO/haproxy.log")"
echo "haproxy listening on http://127.0.0.1:$LB_PORT (runtime API $LB_DIR/haproxy.sock)"
note "(slipwayd was started with --load-balancer edge=$LB_DIR/haproxy.sock --deregistration-delay 5)"

say "an alarm on the target group's 5xx answers, and a group with traffic control"
run aws cloudwatch put-metric-alarm --alarm-name web-5xx --namespace AWS/ApplicationELB \
  --metric-name HTTPCode_Target_5XX_Count \
  --dimensions Name=TargetGroup,Value=web-tg Name=LoadBalancer,Value=edge \
  --statistic Sum --period 60 --evaluation-periods 1 --threshold 0 \
  --comparison-operator GreaterThanThreshold --treat-missing-data notBreaching
run aws deploy create-deployment-group --application-name "$APP" \
  --deployment-group-name "$GROUP-lb" --service-role-arn arn:aws:iam::123456789012:role/slipway \
  --deployment-config-name CodeDeployDefault.OneAtATime \
  --on-premises-instance-tag-filters Key=role,Value=web,Type=KEY_AND_VALUE \
  --deployment-style deploymentType=IN_PLACE,deploymentOption=WITH_TRAFFIC_CONTROL \
  --load-balancer-info 'targetGroupInfoList=[{name=web-tg}]' \
  --alarm-configuration 'enabled=true,alarms=[{name=web-5xx}]' \
  --auto-rollback-configuration enabled=true,events=DEPLOYMENT_STOP_ON_ALARM

# A revision of examples/webapp-lb named NAME (app/REVISION), broken (answering 500 on /) or not.
web_revision() {
  local d=$DEMO/rev/$1
  mkdir -p "$d" && cp -r examples/webapp-lb/. "$d/"
  echo "$2" >"$d/app/REVISION"
  if [ "${3:-}" = broken ]; then echo "answer 500 on /" >"$d/app/BROKEN"; fi
  printf '%s' "$d"
}
# Waits until deployment $1 ends; prints its status.
wait_end() {
  local st=
  for _ in $(seq 300); do
    st=$(aws deploy get-deployment --deployment-id "$1" --query deploymentInfo.status \
      --output text)
    case $st in Succeeded | Failed | Stopped) break ;; esac
    sleep 1
  done
  printf '%s' "$st"
}
# Deploys DIR to the group and waits for it (and for its rollback, if it gets one), printing a
# line a second: the requests a client on loopback sent through HAProxy in that second, ok and
# failed, by the revision that answered.
LAST='' ROLLBACK_ID=''
deploy_live() {
  local dir=$1 desc=$2 id st rb
  rm -f "$DEMO/load.stop"
  python3 tests/e2e/loadclient.py "http://127.0.0.1:$LB_PORT/" --seconds 240 \
    --stop-file "$DEMO/load.stop" &
  local load=$!
  sleep 1
  id=$(slipway deploy create --app "$APP" --group "$GROUP-lb" --source "$dir" \
    --description "$desc" -o text)
  LAST=$id ROLLBACK_ID=
  printf '%screated deployment %s (%s); requests through HAProxy, a line a second:%s\n' \
    "$bold" "$id" "$desc" "$off"
  st=$(wait_end "$id")
  printf '%sdeployment %s: %s%s\n' "$bold" "$id" "$st" "$off"
  rb=$(aws deploy get-deployment --deployment-id "$id" \
    --query deploymentInfo.rollbackInfo.rollbackDeploymentId --output text)
  case $rb in
  d-*)
    ROLLBACK_ID=$rb
    printf '%sdeployment %s: rolled back by %s%s\n' "$bold" "$id" "$rb" "$off"
    printf '%srollback %s: %s%s\n' "$bold" "$rb" "$(wait_end "$rb")" "$off"
    ;;
  esac
  sleep 1
  touch "$DEMO/load.stop"
  wait "$load" || true
}

say "install examples/webapp-lb behind HAProxy (the first time: nothing served before)"
run slipway deploy create --app "$APP" --group "$GROUP-lb" --source examples/webapp-lb \
  --description "webapp-lb v1" --wait
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LB_PORT/")" = 200 ] && break
  sleep 0.1
done
run curl -s "http://127.0.0.1:$LB_PORT/"

say "roll webapp-lb v2 out one host at a time while a client keeps sending requests"
note "(each host: BeforeBlockTraffic, BlockTraffic = drain in HAProxy until its sessions end, then"
note " maintenance; the install; BeforeAllowTraffic, AllowTraffic = ready once its health check passes)"
deploy_live "$(web_revision v2 'webapp-lb v2')" "webapp-lb v2"
V2=$LAST
run slipway deploy events "$V2"

say "deploy webapp-lb v3, which answers 500: the alarm stops it and the group rolls back"
deploy_live "$(web_revision v3 'webapp-lb v3 (broken)' broken)" "webapp-lb v3 (broken)"
V3=$LAST
[ -n "$ROLLBACK_ID" ] || die "$V3 was not rolled back"
run aws deploy get-deployment --deployment-id "$V3" --output table \
  --query "deploymentInfo.{status:status,error:errorInformation.code,\
message:errorInformation.message,rollback:rollbackInfo.rollbackDeploymentId}"
run aws cloudwatch describe-alarm-history --alarm-name web-5xx --history-item-type StateUpdate \
  --query 'AlarmHistoryItems[].HistorySummary' --output text
say "what HAProxy serves after the rollback"
for _ in 1 2 3; do run curl -s "http://127.0.0.1:$LB_PORT/"; done

say "done: agents, HAProxy and slipwayd stop cleanly on SIGTERM"
for p in "${AGENTS[@]}"; do kill -TERM "$p"; done
for p in "${AGENTS[@]}"; do wait "$p" || die "an agent did not stop cleanly"; done
AGENTS=()
stop_web
kill -TERM "$HAPROXY"; wait "$HAPROXY" || true; HAPROXY=
kill -TERM "$PID"; wait "$PID"; PID=
tail -n 2 "$DEMO/slipwayd.log"
printf '%sdemo finished%s\n' "$green" "$off"
