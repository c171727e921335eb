#!/bin/sh
# BeforeInstall: make sure the parent directory exists.
set -e
mkdir -p /opt/slipway-demo
echo "preparing /opt/slipway-demo for $APPLICATION_NAME / $DEPLOYMENT_GROUP_NAME"
