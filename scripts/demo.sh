#!/usr/bin/env bash
# `make demo`: starts slipwayd on its embedded default (SQLite, a scratch data directory) and walks
# through a short tour with the unmodified aws CLI, printing each step.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
SLIPWAYD=$ROOT/$BUILD/src/server/slipwayd
DEMO=$(mktemp -d /tmp/slipway-demo.XXXXXX)
PORT=${SLIPWAY_DEMO_PORT:-0}

bold=$'\e[1m'; dim=$'\e[2m'; off=$'\e[0m'
[ -t 1 ] && [ -z "${NO_COLOR:-}" ] || { bold=; dim=; off=; }

say() { printf '\n%s== %s%s\n' "$bold" "$*" "$off"; }
run() { printf '%s$ %s%s\n' "$dim" "$*" "$off"; "$@"; }

cleanup() {
  if [ -n "${PID:-}" ] && kill -0 "$PID" 2>/dev/null; then
    kill -TERM "$PID"; wait "$PID" || true
  fi
  rm -rf "$DEMO"
}
trap cleanup EXIT

say "starting slipwayd (data in $DEMO/data)"
"$SLIPWAYD" --data "$DEMO/data" --listen "127.0.0.1:$PORT" >"$DEMO/ready" 2>"$DEMO/slipwayd.log" &
PID=$!
for _ in $(seq 100); do grep -q "ready on" "$DEMO/ready" 2>/dev/null && break; sleep 0.1; done
grep -q "ready on" "$DEMO/ready" || { cat "$DEMO/slipwayd.log"; exit 1; }
ENDPOINT=$(sed -n 's/.*ready on \(http:[^ ]*\).*/\1/p' "$DEMO/ready")
sed -n '1,4p' "$DEMO/slipwayd.log" | grep -v "^20" || true
echo "endpoint: $ENDPOINT"

export AWS_SHARED_CREDENTIALS_FILE=$DEMO/data/credentials AWS_CONFIG_FILE=$DEMO/data/config
export AWS_PROFILE=slipway AWS_PAGER="" AWS_DEFAULT_REGION=us-east-1
aws() { command aws --endpoint-url "$ENDPOINT" "$@"; }

say "who am I (IAM, query protocol)"
run aws iam get-user --output table

say "create an application and a deployment group"
run aws deploy create-application --application-name demo-web
run aws deploy create-deployment-group --application-name demo-web \
  --deployment-group-name prod --service-role-arn arn:aws:iam::123456789012:role/slipway \
  --deployment-config-name CodeDeployDefault.HalfAtATime \
  --on-premises-instance-tag-filters Key=role,Value=web,Type=KEY_AND_VALUE \
  --auto-rollback-configuration enabled=true,events=DEPLOYMENT_FAILURE

say "register two on-premises hosts for the group's tag filter"
for h in web-1 web-2; do
  run aws iam create-user --user-name "$h" --output text --query User.Arn
  run aws deploy register-on-premises-instance --instance-name "$h" \
    --iam-user-arn "$(aws iam get-user --user-name "$h" --query User.Arn --output text)"
done
run aws deploy add-tags-to-on-premises-instances --instance-names web-1 web-2 --tags Key=role,Value=web
run aws deploy list-on-premises-instances --tag-filters Key=role,Value=web,Type=KEY_AND_VALUE

say "push a revision: upload the bundle to S3, then register it"
mkdir -p "$DEMO/bundle"
cp -r examples/sample-app/. "$DEMO/bundle/" 2>/dev/null || printf 'version: 0.0\nos: linux\n' >"$DEMO/bundle/appspec.yml"
(cd "$DEMO/bundle" && zip -qr "$DEMO/web-1.0.zip" .)
run aws s3 mb s3://demo-revisions
run aws s3 cp "$DEMO/web-1.0.zip" s3://demo-revisions/web/1.0.zip
run aws deploy register-application-revision --application-name demo-web \
  --s3-location bucket=demo-revisions,key=web/1.0.zip,bundleType=zip --description "first release"

say "list what is there"
run aws s3 ls s3://demo-revisions --recursive
run aws deploy list-applications
run aws deploy list-deployment-groups --application-name demo-web
run aws deploy list-application-revisions --application-name demo-web
run aws deploy get-deployment-group --application-name demo-web --deployment-group-name prod \
  --query 'deploymentGroupInfo.{group:deploymentGroupName,config:deploymentConfigName,style:deploymentStyle,rollback:autoRollbackConfiguration}'
run aws deploy get-deployment-config --deployment-config-name CodeDeployDefault.HalfAtATime

say "errors come back the AWS way"
run aws deploy get-application --application-name no-such-app || true

say "done: slipwayd stops cleanly on SIGTERM"
kill -TERM "$PID"; wait "$PID"; PID=
tail -n 2 "$DEMO/slipwayd.log"
