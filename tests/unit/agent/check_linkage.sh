#!/bin/sh
# check_linkage: slipway-agent must not link libcurl, libarchive or OpenSSL — they cost it most
# of its idle memory (bench/agent.sh); its helpers and base/httpc do that work instead.
# Usage: check_linkage.sh SLIPWAY_AGENT
set -eu
needed=$(readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
status=0
for lib in libcurl libarchive libcrypto libssl libxml2 libgnutls; do
  if printf '%s\n' "$needed" | grep -q "^$lib\."; then
    echo "slipway-agent links $lib: $(printf '%s ' $needed)"
    status=1
  fi
done
[ "$status" = 0 ] && echo "slipway-agent links only: $(printf '%s ' $needed)"
exit "$status"
