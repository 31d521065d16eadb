#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The drop-in library's per-thread caches, seen by a program: each case of
# build/host/preload-cache (tests/preload/cache.c) runs under
# LD_PRELOAD=build/host/libosmem-preload.so and must exit 0 and print
# "ok"; its measurement line becomes the case's diagnostic. cross_thread
# also runs plainly, to show that the test tells the two policies apart
# (glibc's tcache: a block goes to the cache of the thread that frees it).
#
#   tests/preload/cache.sh [HOSTDIR]          (default build/host)
#
# Cases: mallinfo (cached blocks counted by mallinfo2, flushed by
# malloc_trim), stash (a freed medium block comes back from the thread's
# stash, counted as cached meanwhile; stash_large: a 1 MiB one), thread_exit (400 threads: their caches go back at exit),
# trim (malloc_trim(0) flushes the cache pinning the heap's top), fork
# (children of a busy process allocate, start threads, count right),
# trim_others (malloc_trim(0) empties another thread's cache at that
# thread's next call),
# cross_thread (producer/consumer, contents checked; a block another
# thread frees goes back to its own arena).
#
# Prints KTAP (suite preload_cache); exit status 0 when every case passed.
set -u
. "$(dirname "$0")/../lib/ktap.sh"

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
PROG=$HOSTDIR/preload-cache
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/preload-cache.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ktap_suite preload_cache

# one NAME CASE [ENV...]: run CASE with ENV; pass on exit 0 and "ok".
one() {
	local name=$1 c=$2 rc d=()
	shift 2
	timeout "$RUN_TIMEOUT" env "$@" "$PROG" "$c" >"$WORK/$name.out" 2>"$WORK/$name.err"
	rc=$?
	mapfile -t d < <(grep -v '^ok$' "$WORK/$name.out" | head -n 6; head -n 4 "$WORK/$name.err")
	if [ $rc -eq 0 ] && grep -qx ok "$WORK/$name.out"; then
		ktap_pass "$name" "${d[@]}"
	else
		ktap_fail "$name" "exit status $rc" "${d[@]}"
	fi
}

if [ ! -e "$LIB" ] || [ ! -x "$PROG" ]; then
	ktap_fail built "$LIB or $PROG is missing (make test builds them)"
	ktap_done
fi

for c in mallinfo thread_exit trim stash stash_large fork trim_others; do
	one "$c" "$c" "LD_PRELOAD=$LIB"
done
one cross_thread cross_thread "LD_PRELOAD=$LIB" CROSS_EXPECT=owner
one cross_thread_glibc cross_thread CROSS_EXPECT=freeing

ktap_done
