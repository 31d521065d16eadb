#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Lab 4's self-check (docs/labs/lab4-o1-allocator.md; `make lab4-check`,
# and the `lab4` step of make test): does the cost of one call grow with
# the heap? Instructions per churn step (build/host/churn: free a random
# live block, allocate one in its slot) counted by callgrind, as `make
# bench` counts them (tests/bench/bench.sh), at a small and a large number
# of live blocks. Prints KTAP, suite lab4:
#
#   fast_is_flat      fast at FAST_COUNTS: the largest Ir/step is within
#                     FLAT (1.25x) of the smallest
#   classic_grows     classic at CLASSIC_COUNTS: Ir/step at the larger count
#                     is at least GROWS (3x) that at the smaller one (its
#                     search walks every block: O(n))
#
# Exit status 0 when both pass, 1 otherwise. Needs valgrind (a case is
# skipped without it). About 3 s.
set -u
. "$(dirname "$0")/../lib/ktap.sh"
cd "$(dirname "$0")/../.."

CHURN=${CHURN:-build/host/churn}
FAST_COUNTS=${FAST_COUNTS:-"1000 32000"}
FAST_OPS=${FAST_OPS:-20000}
CLASSIC_COUNTS=${CLASSIC_COUNTS:-"250 2000"}
CLASSIC_OPS=${CLASSIC_OPS:-2000}
FLAT=${FLAT:-1.25}
GROWS=${GROWS:-3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lab4.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ir ALLOC COUNT OPS: instructions per step, or empty on failure.
ir() {
	valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
		--toggle-collect=churn_run --callgrind-out-file="$WORK/cg.out" \
		"$CHURN" --allocator="$1" --ops="$3" "$2" >"$WORK/cg.log" 2>&1 ||
		{ sed 's/^/  # /' "$WORK/cg.log" | tail -n 5 >&2; return; }
	awk -v n="$3" '/^totals:/ { printf "%.0f\n", $2 / n }' "$WORK/cg.out"
}

# measure ALLOC OPS COUNTS: one line of "count=Ir" pairs in $row,
# the smallest and largest Ir in $lo $hi, the first and last in $first $last.
measure() {
	local alloc=$1 ops=$2 c v
	row="" lo="" hi="" first="" last=""
	for c in $3; do
		v=$(ir "$alloc" "$c" "$ops")
		[ -n "$v" ] || { row="$row $c=FAILED"; return 1; }
		row="$row $c=$v"
		[ -z "$first" ] && first=$v
		last=$v
		if [ -z "$lo" ] || [ "$v" -lt "$lo" ]; then lo=$v; fi
		if [ -z "$hi" ] || [ "$v" -gt "$hi" ]; then hi=$v; fi
	done
}

# result NAME STATUS DIAGNOSTIC: the case passes when STATUS is 0; the
# figures are shown either way.
result() {
	if [ "$2" = 0 ]; then
		ktap_pass "$1" "$1: Ir/step$row ($3)"
	else
		ktap_fail "$1" "$1: Ir/step$row ($3)"
	fi
}

ktap_suite lab4
if ! command -v valgrind >/dev/null 2>&1 || [ ! -x "$CHURN" ]; then
	ktap_skip fast_is_flat "valgrind or $CHURN missing"
	ktap_skip classic_grows "valgrind or $CHURN missing"
	ktap_done
fi

if measure fast "$FAST_OPS" "$FAST_COUNTS"; then
	awk -v a="$hi" -v b="$lo" -v f="$FLAT" 'BEGIN { exit !(a <= b * f) }'
	result fast_is_flat $? "largest/smallest $(awk -v a="$hi" -v b="$lo" \
		'BEGIN { printf "%.2f", a / b }'), at most $FLAT"
else
	result fast_is_flat 1 "callgrind run failed"
fi

if measure classic "$CLASSIC_OPS" "$CLASSIC_COUNTS"; then
	awk -v a="$last" -v b="$first" -v g="$GROWS" 'BEGIN { exit !(a >= b * g) }'
	result classic_grows $? "last/first $(awk -v a="$last" -v b="$first" \
		'BEGIN { printf "%.2f", a / b }'), at least $GROWS"
else
	result classic_grows 1 "callgrind run failed"
fi

ktap_done
