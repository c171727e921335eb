#!/bin/sh
# AfterInstall: stamp the installed site with the deployment id.
set -e
echo "$DEPLOYMENT_ID" > /opt/slipway-demo/site/DEPLOYMENT_ID
echo "installed $(ls /opt/slipway-demo/site | wc -l) files"
