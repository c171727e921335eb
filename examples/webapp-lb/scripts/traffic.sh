#!/bin/sh
# Before/AfterBlockTraffic, Before/AfterAllowTraffic: the load balancer is Slipway's to drive
# (BlockTraffic and AllowTraffic); these hooks only note when they ran.
mkdir -p /opt/slipway-web
echo "$(date +%s.%N) $LIFECYCLE_EVENT $DEPLOYMENT_ID" >> /opt/slipway-web/events.log
echo "$LIFECYCLE_EVENT"
