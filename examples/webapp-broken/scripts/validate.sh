#!/bin/sh
# ValidateService of the broken revision: the health check fails, so the deployment fails.
echo "checking http://localhost/health.html"
echo "health check failed: expected 'ok', got nothing" >&2
exit 1
