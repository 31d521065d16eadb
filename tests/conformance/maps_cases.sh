#!/usr/bin/env bash
# Conformance of the drop-in malloc where mappings are concerned: free
# keeps errno when munmap fails, double frees named with the size the
# program allocated, glibc's dynamic mmap threshold and the tuning that
# turns it off.
#
#   tests/conformance/maps_cases.sh [HOSTDIR]     (default build/host)
#
# Each case runs one program of tests/conformance/ (built by
# mk/conformance.mk into HOSTDIR/conformance/) under
# LD_PRELOAD=HOSTDIR/libosmem-preload.so:
#   free_errno                 exits 0 (free_errno.c says what it checks)
#   double_free_merged_heap    SIGABRT, and stderr exactly one line:
#   double_free_mapping          "osmem: double free of PTR (block of N
#                              bytes) in free called from 0x...", PTR and N
#                              as the program printed them (ptr=, size=)
#   dynamic_threshold          exits 0 (dynamic_threshold.c default)
#   dynamic_threshold_mallopt  exits 0 (... mallopt)
#   dynamic_threshold_env      exits 0 (... fixed), with
#                              MALLOC_MMAP_THRESHOLD_=4194304
# A failing case shows the program's output as KTAP diagnostics.
#
# Prints KTAP (suite conformance_maps) on stdout; exit status 0 when every
# case passed, 1 otherwise.
set -u

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
BIN=$HOSTDIR/conformance
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/conformance-maps.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

SIGABRT_STATUS=134	# 128 + SIGABRT, as timeout passes it on
HEX='0x[0-9a-f]+'

n=0
failed=0
out=()

pass() { out+=("  ok $n $1"); }
fail() {
	local name=$1 line
	shift
	for line in "$@"; do
		out+=("  # $line")
	done
	out+=("  not ok $n $name")
	failed=$((failed + 1))
}

# The output files of case NAME as diagnostic lines (at most 20 of each).
output_of() {
	local lines=() f
	for f in "$WORK/$1.out" "$WORK/$1.err"; do
		[ -s "$f" ] || continue
		mapfile -t lines < <(head -n 20 "$f")
		printf '%s\n' "${lines[@]}"
	done
}

# run NAME ENV... -- PROG ARG...: the program preloaded, with ENV; sets rc.
run() {
	local name=$1 envs=("LD_PRELOAD=$LIB")
	shift
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	n=$((n + 1))
	# The subshell keeps bash's "Aborted" notice out of our stderr.
	(timeout "$RUN_TIMEOUT" env "${envs[@]}" "$BIN/$1" "${@:2}" \
		>"$WORK/$name.out" 2>"$WORK/$name.err"; exit $?) 2>/dev/null
	rc=$?
}

# exits_0 NAME ENV... -- PROG ARG...: passes when the program exits 0.
exits_0() {
	local name=$1 diag=()
	run "$@"
	if [ $rc -eq 0 ]; then
		pass "$name"
	else
		mapfile -t diag < <(output_of "$name")
		fail "$name" "exit status $rc, want 0" "${diag[@]}"
	fi
}

# double_free NAME ARG: SIGABRT and the one report line naming a double
# free of the pointer and size the program printed.
double_free() {
	local name=$1 ptr size line nlines re diag=()
	run "$name" -- double_free_merged "$2"
	ptr=$(sed -n 's/^ptr=\([^ ]*\) .*/\1/p' "$WORK/$name.out")
	size=$(sed -n 's/.* size=\([0-9]*\)$/\1/p' "$WORK/$name.out")
	line=$(head -n 1 "$WORK/$name.err")
	nlines=$(wc -l <"$WORK/$name.err")
	re="osmem: double free of $ptr \\(block of $size bytes\\) in free called from $HEX"
	mapfile -t diag < <(output_of "$name")
	if grep -q '^survived' "$WORK/$name.out"; then
		fail "$name" "the second free returned (exit $rc)" "${diag[@]}"
	elif [ -z "$ptr" ] || [ -z "$size" ]; then
		fail "$name" "the program printed no ptr=/size= line" "${diag[@]}"
	elif [ $rc -ne $SIGABRT_STATUS ]; then
		fail "$name" "exit status $rc, want $SIGABRT_STATUS (SIGABRT)" "${diag[@]}"
	elif [ "$nlines" -ne 1 ] || ! [[ $line =~ ^$re$ ]]; then
		fail "$name" "stderr ($nlines lines): $line" "want: $re"
	else
		pass "$name"
	fi
}

if [ ! -e "$LIB" ] || [ ! -d "$BIN" ]; then
	n=1
	fail built "$LIB or $BIN is missing (make test builds them)"
else
	exits_0 free_errno -- free_errno
	double_free double_free_merged_heap heap
	double_free double_free_mapping map
	exits_0 dynamic_threshold -- dynamic_threshold default
	exits_0 dynamic_threshold_mallopt -- dynamic_threshold mallopt
	exits_0 dynamic_threshold_env MALLOC_MMAP_THRESHOLD_=4194304 -- \
		dynamic_threshold fixed
fi

echo "KTAP version 1"
echo "1..1"
echo "  KTAP version 1"
echo "  # Subtest: conformance_maps"
echo "  1..$n"
printf '%s\n' "${out[@]}"
if [ $failed -eq 0 ]; then
	echo "ok 1 conformance_maps"
	exit 0
fi
echo "not ok 1 conformance_maps"
exit 1
