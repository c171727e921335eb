#!/usr/bin/env bash
# gen-ops-table: writes README.md's table of supported operations from the router's own table
# (`slipwayd --list-operations`), so the README cannot claim more or less than the binary does.
#
# usage: scripts/gen-ops-table.sh [--print | --check] [--binary PATH] [--readme PATH]
#   (default)  replace the text between <!-- ops-table:begin --> and <!-- ops-table:end -->
#              in README.md with the generated table
#   --print    print the table to stdout instead (README.md untouched, need not exist)
#   --check    exit 1 (with a diff) if README.md's table differs from the binary's
#   --binary   the slipwayd to ask; default $SLIPWAYD, else $SLIPWAY_BUILD/src/server/slipwayd,
#              else the first of build/, build-san/ that has one
#   --readme   the file to update or check; default README.md at the top of the repository
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mode='write'
binary=${SLIPWAYD:-}
readme=$root/README.md
begin='<!-- ops-table:begin -->'
end='<!-- ops-table:end -->'

die() {
	echo "gen-ops-table: $*" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--print) mode=print ;;
	--check) mode=check ;;
	--binary)
		[ $# -ge 2 ] || die "--binary needs a path"
		binary=$2
		shift
		;;
	--readme)
		[ $# -ge 2 ] || die "--readme needs a path"
		readme=$2
		shift
		;;
	-h | --help)
		sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
	shift
done

if [ -z "$binary" ]; then
	for dir in ${SLIPWAY_BUILD:+"$SLIPWAY_BUILD"} "$root/build" "$root/build-san"; do
		if [ -x "$dir/src/server/slipwayd" ]; then
			binary=$dir/src/server/slipwayd
			break
		fi
	done
fi
if [ -z "$binary" ] || [ ! -x "$binary" ]; then
	die "no slipwayd found${binary:+ at $binary}: build it (make) or pass --binary PATH"
fi

ops=$("$binary" --list-operations) || die "'$binary --list-operations' failed"
[ -n "$ops" ] || die "'$binary --list-operations' printed nothing"

# One section per service, operations in the router's order, ✓ or "not yet" for each.
table=$(printf '%s\n' "$ops" | awk -F'\t' '
	NF != 3 || ($3 != "yes" && $3 != "not yet") {
		printf "gen-ops-table: unexpected line %d from --list-operations: %s\n", NR, $0 > "/dev/stderr"
		bad = 1
		exit 2
	}
	!($1 in total) { order[n++] = $1 }
	{
		total[$1]++
		if ($3 == "yes") done[$1]++
		rows[$1] = rows[$1] sprintf("| `%s` | %s |\n", $2, $3 == "yes" ? "✓" : "not yet")
	}
	END {
		if (bad) exit 2
		for (i = 0; i < n; i++) {
			s = order[i]
			if (i) printf "\n"
			printf "### %s\n\n%d of %d operations supported.\n\n", s, done[s] + 0, total[s]
			printf "| Operation | Supported |\n|---|---|\n%s", rows[s]
		}
	}') || die "cannot build the table"

if [ "$mode" = print ]; then
	printf '%s\n' "$table"
	exit 0
fi

[ -f "$readme" ] || die "$readme does not exist (use --print to see the table)"
nbegin=$(grep -cxF -- "$begin" "$readme" || true)
nend=$(grep -cxF -- "$end" "$readme" || true)
if [ "$nbegin" != 1 ] || [ "$nend" != 1 ]; then
	die "$readme must have exactly one '$begin' line and one '$end' line after it"
fi

# The README with the text between the markers replaced by the table (and one blank line on
# each side of it, so the markdown renders as a table).
tmp=$(mktemp "${readme}.XXXXXX")
trap 'rm -f "$tmp"' EXIT
TABLE=$table awk -v begin="$begin" -v end="$end" '
	$0 == begin { print; printf "\n%s\n\n", ENVIRON["TABLE"]; skip = 1; seen = 1; next }
	$0 == end { if (!seen) exit 3; skip = 0 }
	!skip { print }
' "$readme" >"$tmp" || die "$readme: '$end' comes before '$begin'"

if [ "$mode" = check ]; then
	if cmp -s "$readme" "$tmp"; then
		echo "gen-ops-table: $readme is up to date"
		exit 0
	fi
	echo "gen-ops-table: $readme's operation table differs from $binary; run scripts/gen-ops-table.sh" >&2
	diff -u "$readme" "$tmp" >&2 || true
	exit 1
fi

if cmp -s "$readme" "$tmp"; then
	echo "gen-ops-table: $readme is up to date"
	exit 0
fi
chmod --reference="$readme" "$tmp" 2>/dev/null || true
mv "$tmp" "$readme"
trap - EXIT
echo "gen-ops-table: updated the operation table in $readme"
