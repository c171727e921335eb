#!/bin/sh
# ValidateService: the server of this revision runs and its health check answers.
set -eu
# shellcheck source=examples/webapp-lb/scripts/common.sh
. "$(dirname "$0")/common.sh"
test -s "$PID_FILE" || { echo "no pid file: the server is not running" >&2; exit 1; }
"$PYTHON" "$D/app/server.py" check "$PORT" /health
echo "healthy: $(cat "$D/app/REVISION") on port $PORT"
