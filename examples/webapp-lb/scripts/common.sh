# shellcheck shell=sh disable=SC2034
# Sourced by the hooks: where the application lives and its port.
D=/opt/slipway-web
PORT=${SLIPWAY_WEB_PORT:-$(cat "$D/port" 2>/dev/null || echo 8080)}
PID_FILE=$D/server.pid
