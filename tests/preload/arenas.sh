#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The drop-in library's arenas, seen by a program: each case of
# build/host/preload-arenas (tests/preload/arenas.c) runs under
# LD_PRELOAD=build/host/libosmem-preload.so and must exit 0 and print
# "ok"; its measurement line becomes the case's diagnostic. The double-free
# cases must instead die of SIGABRT with the library's one-line report
# ("double free", naming free) on stderr.
#
#   tests/preload/arenas.sh [HOSTDIR]          (default build/host)
#
# Cases: regions (threads get heaps of their own; under MALLOC_ARENA_MAX=1
# they share the break's), cross_free (blocks freed by another thread go
# back whole, nothing left in use), reuse (exited threads' arenas are taken
# again), fork (children free blocks of every arena), info and
# malloc_stats (malloc_info's document and malloc_stats's lines, per
# arena), double_free_remote, double_free_cached and double_free_stack (a
# double free across arenas is caught, also when the block sits in its own
# thread's cache or on its arena's remote-free stack); remote_stats,
# remote_trim, remote_exit, remote_bound (the remote-free stack: counted as
# cached, drained by the owner's mallocs, malloc_trim, the owner's exit,
# bounded) and fork_remote (forks amid remote frees).
#
# Prints KTAP (suite preload_arenas); exit status 0 when every case passed.
set -u
. "$(dirname "$0")/../lib/ktap.sh"

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
PROG=$HOSTDIR/preload-arenas
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/preload-arenas.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ktap_suite preload_arenas

# run NAME CASE [ENV...]: CASE under the library with ENV; sets rc and d.
run() {
	local name=$1 c=$2
	shift 2
	# The subshell keeps bash's "Aborted" notice out of our stderr.
	(timeout "$RUN_TIMEOUT" env LD_PRELOAD="$LIB" "$@" "$PROG" "$c" \
		>"$WORK/$name.out" 2>"$WORK/$name.err"; exit $?) 2>/dev/null
	rc=$?
	mapfile -t d < <(grep -v '^ok$' "$WORK/$name.out" | head -n 6; head -n 4 "$WORK/$name.err")
}

# one NAME CASE [ENV...]: pass on exit 0 and "ok".
one() {
	local name=$1
	run "$@"
	if [ $rc -eq 0 ] && grep -qx ok "$WORK/$name.out"; then
		ktap_pass "$name" "${d[@]}"
	else
		ktap_fail "$name" "exit status $rc" "${d[@]}"
	fi
}

# caught NAME CASE: pass when the process died of SIGABRT (status 134)
# after one report of a double free in free.
caught() {
	local name=$1
	run "$@"
	if [ $rc -eq 134 ] && grep -q 'double free' "$WORK/$name.err" &&
	   grep -q 'free' "$WORK/$name.err" && ! grep -q 'returned' "$WORK/$name.out"; then
		ktap_pass "$name" "${d[@]}"
	else
		ktap_fail "$name" "exit status $rc (134 and a double-free report expected)" "${d[@]}"
	fi
}

if [ ! -e "$LIB" ] || [ ! -x "$PROG" ]; then
	ktap_fail built "$LIB or $PROG is missing (make test builds them)"
	ktap_done
fi

one regions regions ARENAS_EXPECT=separate
one regions_one_arena regions ARENAS_EXPECT=shared MALLOC_ARENA_MAX=1
for c in cross_free reuse fork remote_stats remote_trim remote_exit remote_bound fork_remote; do
	one "$c" "$c"
done
one info info
if [ $rc -eq 0 ] && grep -q '^Arena 0:' "$WORK/info.err" &&
   grep -q '^Arena 1:' "$WORK/info.err" && grep -q '^Arena 2:' "$WORK/info.err"; then
	ktap_pass malloc_stats "$(grep -c '^Arena' "$WORK/info.err") arenas on stderr"
else
	ktap_fail malloc_stats "malloc_stats printed no line for arenas 0, 1 and 2" \
		"$(head -n 3 "$WORK/info.err")"
fi
caught double_free_remote double_free_remote
caught double_free_cached double_free_cached
caught double_free_stack double_free_stack
if [ $rc -eq 134 ] && grep -q 'double free of .*(block of 200 bytes)' "$WORK/double_free_stack.err"; then
	ktap_pass double_free_stack_size "the report names the block's size"
else
	ktap_fail double_free_stack_size "no report naming a 200-byte block" "${d[@]}"
fi

ktap_done
