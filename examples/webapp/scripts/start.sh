#!/bin/sh
# ApplicationStart: "start" the service — a marker file stands in for a daemon.  A real daemon
# must redirect its output (> /dev/null 2>&1 &) or the event fails with OutputsLeftOpen.
set -e
printf '%s\n' "$DEPLOYMENT_ID" > /opt/slipway-demo/running
sleep 1 # a real service takes a moment to come up (and the demo's progress view can show it)
echo "demo service running"
