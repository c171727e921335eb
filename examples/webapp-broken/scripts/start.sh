#!/bin/sh
# ApplicationStart: "start" the service — a marker file stands in for a daemon.  A real daemon
# must redirect its output (> /dev/null 2>&1 &) or the event fails with OutputsLeftOpen.
set -e
printf '%s\n' "$DEPLOYMENT_ID" > /opt/slipway-demo/running
echo "demo service running"
