#!/usr/bin/env bash
# The include rules of docs/architecture.md ("Layers"), checked on every #include "dir/…" of src/.
#
#   base     → base only
#   contract → base only (the types a service and the server share)
#   store    → base
#   blob     → base
#   model    → base, store (the tables' owners: the engine and the services call its verbs)
#   engine   → never services/ or server/ (it reaches the store through model/)
#   functions → base, contract, store, blob, model (the runtime: the services call it)
#   traffic  → base, store, model (the load-balancer drivers, their registry and scraper)
#   services → never server/
#   agent    → never server/, store/, model/, engine/, services/
#   cli      → never server/, store/, model/, engine/, services/
# and one system header: <microhttpd.h> in server/ only (no service knows how HTTP is served).
#
# Crossings that exist today and are being removed (issue 8) are listed, one "file header" pair
# per line, in scripts/include_exceptions.txt; a crossing not listed there fails, and so does a
# listed one that is gone (the list may only shrink).
#   scripts/include_check.sh [ROOT]      check ROOT (default: this checkout)
#   scripts/include_check.sh --self-test prove that a forbidden include fails the check
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

forbidden() { # layer → the top directories it may not include ("!a b": everything but a, b)
	case $1 in
	base | contract | store | blob) echo "!base" ;;
	model) echo "!base store" ;;
	engine) echo "services server" ;;
	functions) echo "!base contract store blob model" ;;
	traffic) echo "!base store model" ;;
	services) echo "server" ;;
	agent | cli) echo "server store model engine services" ;;
	*) echo "" ;;
	esac
}

check() {
	local root=$1 exceptions=$2 found rc=0
	found=$(mktemp)
	(cd "$root" && grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[a-z_]+/' src \
		--include='*.c' --include='*.h' || true) |
		while IFS= read -r line; do
			file=${line%%:*}
			hdr=$(sed -E 's/.*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1/' <<<"${line#*:*:}")
			layer=$(cut -d/ -f2 <<<"$file")
			top=${hdr%%/*}
			[ "$top" = "$layer" ] && continue
			rules=$(forbidden "$layer")
			bad=0
			if [ "${rules:0:1}" = "!" ]; then
				bad=1
				for t in ${rules:1}; do [ "$top" = "$t" ] && bad=0; done
			else
				for t in $rules; do [ "$top" = "$t" ] && bad=1; done
			fi
			if [ $bad = 1 ]; then echo "$file $hdr"; fi
		done >"$found"
	# the system header only the server may include
	(cd "$root" && grep -rlE '^[[:space:]]*#[[:space:]]*include[[:space:]]+<microhttpd\.h>' src \
		--include='*.c' --include='*.h' || true) | grep -v '^src/server/' |
		sed 's/$/ <microhttpd.h>/' >>"$found" || true
	sort -u -o "$found" "$found"
	local new gone
	new=$(comm -23 "$found" <(grep -vE '^(#|$)' "$exceptions" | sort -u) || true)
	gone=$(comm -13 "$found" <(grep -vE '^(#|$)' "$exceptions" | sort -u) || true)
	if [ -n "$new" ]; then
		echo "include check: forbidden includes (docs/architecture.md, \"Layers\"):"
		sed 's/^/  /' <<<"$new"
		rc=1
	fi
	if [ -n "$gone" ]; then
		echo "include check: no longer there, remove from scripts/include_exceptions.txt:"
		sed 's/^/  /' <<<"$gone"
		rc=1
	fi
	rm -f "$found"
	return $rc
}

if [ "${1:-}" = "--self-test" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/src/base" "$tmp/src/engine" "$tmp/src/agent" "$tmp/src/model" \
		"$tmp/src/services" "$tmp/src/server"
	: >"$tmp/none.txt"
	printf '#include "base/buf.h"\n#include "store/store.h"\n' >"$tmp/src/engine/ok.c"
	printf '#include "base/buf.h"\n#include "store/store.h"\n' >"$tmp/src/model/ok.c"
	printf '#include <microhttpd.h>\n' >"$tmp/src/server/ok.c"
	check "$tmp" "$tmp/none.txt" >/dev/null || { echo "self-test: a legal include failed"; exit 1; }
	for bad in 'src/base/x.c server/http.h' 'src/engine/x.c services/codedeploy/common.h' \
		'src/agent/x.c store/store.h' 'src/agent/x.c model/groups.h' 'src/model/x.c engine/engine.h' \
		'src/model/x.c services/codedeploy/common.h' 'src/model/x.c contract/env.h' \
		'src/services/x.c <microhttpd.h>'; do
		f=${bad%% *}
		case ${bad#* } in
		"<"*) printf '#include %s\n' "${bad#* }" >"$tmp/$f" ;;
		*) printf '#include "%s"\n' "${bad#* }" >"$tmp/$f" ;;
		esac
		if check "$tmp" "$tmp/none.txt" >/dev/null; then
			echo "self-test: $f including ${bad#* } passed the check"; exit 1
		fi
		echo "$bad" >"$tmp/listed.txt"
		check "$tmp" "$tmp/listed.txt" >/dev/null || { echo "self-test: a listed crossing failed"; exit 1; }
		rm -f "$tmp/$f"
	done
	# a listed crossing that is gone fails too
	echo "src/base/gone.c server/http.h" >"$tmp/listed.txt"
	if check "$tmp" "$tmp/listed.txt" >/dev/null; then echo "self-test: stale exception passed"; exit 1; fi
	echo "include check self-test: ok"
	exit 0
fi

root=${1:-$(cd "$here/.." && pwd)}
check "$root" "$here/include_exceptions.txt"
echo "include check: ok"
