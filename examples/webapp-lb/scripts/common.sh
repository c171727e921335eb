# shellcheck shell=sh disable=SC2034
# Sourced by the hooks: where the application lives, its port, and the python3 to run it with
# (the system's: a service does not depend on whatever python3 comes first in someone's PATH).
D=/opt/slipway-web
PORT=${SLIPWAY_WEB_PORT:-$(cat "$D/port" 2>/dev/null || echo 8080)}
PID_FILE=$D/server.pid
PYTHON=python3
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; fi
