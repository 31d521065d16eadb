#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Quick figures for the small-block front end, as a program sees it
# (tests/bench/front_quick.c): instructions per operation under callgrind
# (exact, repeatable) and times against glibc (ratios of one run, side by
# side; a shared machine makes them vary by 10-30%).
#
#   tests/bench/front_quick.sh [LIB] [N]   (default build/host/libosmem-preload.so, 10000000)
#
# Needs cc and valgrind; builds build/host/front_quick.
set -eu
cd "$(dirname "$0")/../.."
LIB=$(realpath "${1:-build/host/libosmem-preload.so}")
N=${2:-10000000}
PROG=build/host/front_quick
mkdir -p build/host
cc -std=gnu11 -O2 -g -pthread -fno-builtin -o "$PROG" tests/bench/front_quick.c

# ir FUNC N [LIB]: instructions inside FUNC, per operation.
ir() {
	local out total pre=()
	[ -n "${3:-}" ] && pre=(env "LD_PRELOAD=$3")
	out=$(mktemp -d)
	valgrind --tool=callgrind --trace-children=yes \
		--callgrind-out-file="$out/cg.%p" --toggle-collect="$1" \
		"${pre[@]}" "$PROG" "$1" "$2" >/dev/null 2>&1
	total=$(cat "$out"/cg.* | sed -n 's/^\(summary\|totals\): //p' | sort -n | tail -1)
	rm -rf "$out"
	echo "scale=1; $total / $2" | bc
}

echo "instructions per malloc/free pair (callgrind):"
printf '  %-6s %10s %10s\n' loop library glibc
for f in hot batch churn; do
	printf '  %-6s %10s %10s\n' "$f" "$(ir $f 400000 "$LIB")" "$(ir $f 400000)"
done
echo "times (N=$N), glibc then the library:"
"$PROG" time "$N" | sed 's/^/  glibc:   /'
env LD_PRELOAD="$LIB" "$PROG" time "$N" | sed 's/^/  library: /'
