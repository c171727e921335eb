#!/bin/sh
# ValidateService: the service is "up" and serves the page of this deployment.
set -e
test -f /opt/slipway-demo/running || { echo "service is not running" >&2; exit 1; }
grep -q "Deployed by Slipway" /opt/slipway-demo/site/index.html
test "$(cat /opt/slipway-demo/site/DEPLOYMENT_ID)" = "$DEPLOYMENT_ID"
echo "validated deployment $DEPLOYMENT_ID"
