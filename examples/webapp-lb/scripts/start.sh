#!/bin/sh
# ApplicationStart: start the server as a daemon (its own session, output to a file so that the
# hook's stdout and stderr close), then wait until it answers.
set -eu
# shellcheck source=examples/webapp-lb/scripts/common.sh
. "$(dirname "$0")/common.sh"
mkdir -p "$D"
rm -f "$PID_FILE"
SLIPWAY_WEB_PORT=$PORT setsid "$PYTHON" "$D/app/server.py" serve --dir "$D" \
  </dev/null >>"$D/server.out" 2>&1 &
i=0
until "$PYTHON" "$D/app/server.py" check "$PORT" /health 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -ge 100 ]; then  # 10 s
    echo "the server did not answer on port $PORT:" >&2
    tail -n 5 "$D/server.out" >&2
    exit 1
  fi
  sleep 0.1
done
echo "started $(cat "$D/app/REVISION") on port $PORT (pid $(cat "$PID_FILE"))"
