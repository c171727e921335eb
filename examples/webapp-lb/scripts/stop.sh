#!/bin/sh
# ApplicationStop (runs from the revision installed before): stop the server by its pid file.
# Nothing installed or not running is fine: there is nothing to stop.
# shellcheck source=examples/webapp-lb/scripts/common.sh
. "$(dirname "$0")/common.sh"
pid=$(cat "$PID_FILE" 2>/dev/null || true)
# Running = that pid is our server (a zombie's cmdline is empty: it has exited, whoever reaps it).
running() { grep -q server.py "/proc/$pid/cmdline" 2>/dev/null; }
if [ -z "$pid" ] || ! running; then
  rm -f "$PID_FILE"
  echo "the server is not running"
  exit 0
fi
kill -TERM "$pid"
i=0
while running; do
  i=$((i + 1))
  if [ "$i" -ge 100 ]; then  # 10 s
    echo "pid $pid did not stop on SIGTERM: SIGKILL" >&2
    kill -KILL "$pid"
    break
  fi
  sleep 0.1
done
rm -f "$PID_FILE"
echo "stopped the server (pid $pid)"
