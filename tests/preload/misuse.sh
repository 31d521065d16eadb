#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Heap misuse under the drop-in libraries is stopped: the report on stderr,
# then SIGABRT, as glibc does.
#
#   tests/preload/misuse.sh [HOSTDIR]          (default build/host)
#
# Each case runs build/host/preload-misuse CASE (tests/preload/misuse.c)
# under LD_PRELOAD=libosmem-preload.so. The program prints the pointer it
# misuses ("ptr=0x...") and then misuses it; the case passes when the
# process died of SIGABRT, did not print "survived", and its stderr is
# exactly one line: the report, naming the fault, that pointer, the
# function the program called and a caller address, e.g.
#   osmem: double free of 0x55d0c3a2f010 (block of 40 bytes) in free called from 0x55d0c1e8a275
# With OSMEM_DEBUG=1 a 1-byte overflow and a write after free are stopped
# too (the latter when the block leaves the quarantine, at a free). The
# per-thread caches keep every check: a double free of a block deep in a
# cache's list or in another thread's cache, realloc of a freed block,
# free((void *)1), a corrupted header, and a freed block's list link
# overwritten (malloc must not follow it). os_double_free runs the course library (libosmem.so, classic) the
# same way. A clean run (no misuse) must exit 0 with an empty stderr, with
# debug mode off and on.
#
# Prints KTAP (suite preload_misuse); exit status 0 when every case passed.
set -u
. "$(dirname "$0")/../lib/ktap.sh"

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
CLASSIC=$HOSTDIR/libosmem.so
PROG=$HOSTDIR/preload-misuse
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/preload-misuse.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

SIGABRT_STATUS=134	# 128 + SIGABRT, as timeout passes it on
HEX='0x[0-9a-f]+'

ktap_suite preload_misuse

# stopped NAME REGEX ENV... -- ARGS...: run the program with ENV and ARGS;
# expect SIGABRT and one stderr line matching REGEX, where @PTR@ in REGEX
# stands for the pointer the program printed.
stopped() {
	local name=$1 re=$2 envs=() rc ptr line nlines
	shift 2
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	# The subshell keeps bash's "Aborted" notice out of our stderr.
	(timeout "$RUN_TIMEOUT" env "${envs[@]}" "$PROG" "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err"; exit $?) 2>/dev/null
	rc=$?
	ptr=$(sed -n 's/^ptr=//p' "$WORK/$name.out")
	line=$(head -n 1 "$WORK/$name.err")
	nlines=$(wc -l <"$WORK/$name.err")
	re=${re//@PTR@/$ptr}
	if grep -q '^survived' "$WORK/$name.out"; then
		ktap_fail "$name" "the misuse was not stopped (exit $rc)" \
			"stderr: ${line:-(empty)}"
	elif [ "$rc" -ne $SIGABRT_STATUS ]; then
		ktap_fail "$name" "exit status $rc, want $SIGABRT_STATUS (SIGABRT)" \
			"stderr: ${line:-(empty)}"
	elif [ -z "$ptr" ]; then
		ktap_fail "$name" "the program printed no ptr= line"
	elif [ "$nlines" -ne 1 ] || ! [[ $line =~ ^$re$ ]]; then
		ktap_fail "$name" "stderr ($nlines lines): $line" "want: $re"
	else
		ktap_pass "$name"
	fi
}

# clean NAME ENV...: no misuse: exit 0, nothing on stderr.
clean() {
	local name=$1 rc
	shift
	timeout "$RUN_TIMEOUT" env "$@" "$PROG" clean \
		>"$WORK/$name.out" 2>"$WORK/$name.err"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$WORK/$name.err" ]; then
		ktap_fail "$name" "exit $rc, stderr: $(head -n 1 "$WORK/$name.err")"
	else
		ktap_pass "$name"
	fi
}

if [ ! -e "$LIB" ] || [ ! -e "$CLASSIC" ] || [ ! -x "$PROG" ]; then
	ktap_fail built "$LIB, $CLASSIC or $PROG is missing (make test builds them)"
else
	PRE="LD_PRELOAD=$LIB"
	DBG="OSMEM_DEBUG=1"

	clean clean_run "$PRE"
	clean clean_run_debug "$PRE" "$DBG"
	stopped double_free \
		"osmem: double free of @PTR@ \(block of [0-9]+ bytes\) in free called from $HEX" \
		"$PRE" -- double_free
	stopped free_p_plus_1 \
		"osmem: invalid pointer of @PTR@( \(block of [0-9]+ bytes\))? in free called from $HEX" \
		"$PRE" -- free_p_plus_1
	stopped free_stack_address \
		"osmem: pointer not from this heap of @PTR@ in free called from $HEX" \
		"$PRE" -- free_stack
	stopped malloc_usable_size_of_freed_block \
		"osmem: invalid pointer of @PTR@( \(block of [0-9]+ bytes\))?(: [^;]*)? in malloc_usable_size called from $HEX" \
		"$PRE" -- usable_size_freed
	stopped debug_overflow_by_one_byte \
		"osmem: heap overflow \(red zone written\) of @PTR@ \(block of 24 bytes\)(: [^;]*)? in free called from $HEX; allocated from $HEX" \
		"$PRE" "$DBG" -- overflow_1
	stopped debug_write_after_free \
		"osmem: write after free of @PTR@ \(block of [0-9]+ bytes\)(: [^;]*)? in free called from $HEX; allocated from $HEX; freed from $HEX" \
		"$PRE" "$DBG" -- write_after_free
	stopped double_free_in_a_cache_not_its_head \
		"osmem: double free of @PTR@ \(block of 40 bytes\) in free called from $HEX" \
		"$PRE" -- double_free_deep
	stopped double_free_of_a_block_in_another_threads_cache \
		"osmem: double free of @PTR@ \(block of 40 bytes\) in free called from $HEX" \
		"$PRE" -- double_free_other_thread
	stopped realloc_of_a_freed_block \
		"osmem: double free of @PTR@ \(block of 40 bytes\) in realloc called from $HEX" \
		"$PRE" -- realloc_freed
	stopped free_of_address_one \
		"osmem: pointer not from this heap of @PTR@ in free called from $HEX" \
		"$PRE" -- free_one
	stopped corrupted_header \
		"osmem: corrupted block header of @PTR@: size word fails its check in free called from $HEX" \
		"$PRE" -- corrupt_header
	stopped overwritten_cache_link \
		"osmem: write after free of $HEX \(block of 40 bytes\): a cached block's list link was overwritten, it points here in malloc called from $HEX" \
		"$PRE" -- overwritten_link
	stopped classic_os_double_free \
		"osmem: double free of @PTR@ \(block of 40 bytes\) in os_free called from $HEX" \
		-- os_double_free "$CLASSIC"
fi

ktap_done
