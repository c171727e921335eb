#!/bin/sh
# ApplicationStop: runs from the previously installed revision; stops the pretend service.
set -e
rm -f /opt/slipway-demo/running
echo "stopped the demo service (deployment $DEPLOYMENT_ID)"
