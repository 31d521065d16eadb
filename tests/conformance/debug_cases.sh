#!/usr/bin/env bash
# Debug mode of the drop-in malloc on real processes (suite
# conformance_debug): each case runs one program of tests/conformance/
# under LD_PRELOAD=libosmem-preload.so OSMEM_DEBUG=1 and checks how it
# ended.
#
#   tests/conformance/debug_cases.sh [HOSTDIR]       (default build/host)
#
# The programs (build/host/conformance/, mk/conformance_debug.mk) print
# "ptr=<the pointer>" before the access that must stop them, and
# "survived" if it did not. Cases, one function each:
#   malloc0_read_faults, malloc0_write_faults  debug_malloc0: malloc(0)
#       is a zero-size block (distinct, usable size 0, free and realloc
#       take it), and a read or write through it, never freed, dies of
#       SIGSEGV at once, with nothing on stderr;
#   quarantine_reports_a_stale_write  debug_quarantine: a write through a
#       stale pointer after malloc reused the size misses the new owner,
#       and the frees that push the block out of the quarantine report it
#       ("write after free of <p> (block of 64 bytes)... in free ...;
#       allocated from ...; freed from ...") and abort;
#   double_free_after_reuse_is_named  debug_double_free: the second free
#       of a quarantined block is a double free of it (40 bytes, sites).
#
# Prints KTAP on stdout; exit status 0 when every case passed, 1 if not.
set -u

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
BIN=$HOSTDIR/conformance
RUN_TIMEOUT=${RUN_TIMEOUT:-60}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/conformance-debug.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

SIGSEGV_STATUS=139	# 128 + SIGSEGV, as timeout passes it on
SIGABRT_STATUS=134	# 128 + SIGABRT
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

# run NAME PROG ARG...: the program under the drop-in library in debug
# mode; sets rc, ptr (from its ptr= line), nlines and line (its stderr).
run() {
	local name=$1 prog=$2
	shift 2
	# The subshell keeps bash's "Segmentation fault" notice out of stderr.
	(timeout "$RUN_TIMEOUT" env LD_PRELOAD="$LIB" OSMEM_DEBUG=1 \
		"$BIN/$prog" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	 exit $?) 2>/dev/null
	rc=$?
	ptr=$(sed -n 's/^ptr=//p' "$WORK/$name.out")
	line=$(head -n 1 "$WORK/$name.err")
	nlines=$(wc -l <"$WORK/$name.err")
}

# ended NAME WANT-RC: the common verdict; 0 when the process got that far.
ended() {
	local name=$1 want=$2
	if grep -qE '^(survived|reused)' "$WORK/$name.out"; then
		fail "$name" "not stopped: $(grep -E '^(survived|reused)' "$WORK/$name.out")" \
			"stderr: ${line:-(empty)}"
	elif [ "$rc" -ne "$want" ]; then
		fail "$name" "exit status $rc, want $want" "stderr: ${line:-(empty)}"
	elif [ -z "$ptr" ]; then
		fail "$name" "the program printed no ptr= line"
	else
		return 0
	fi
	return 1
}

# faults NAME ARG: debug_malloc0 ARG dies of SIGSEGV, stderr empty.
faults() {
	local name=$1
	n=$((n + 1))
	run "$name" debug_malloc0 "$2"
	ended "$name" $SIGSEGV_STATUS || return
	if [ "$nlines" -ne 0 ]; then
		fail "$name" "stderr: $line"
	else
		pass "$name"
	fi
}

# reported NAME PROG REGEX: PROG aborts with one stderr line matching
# REGEX (@PTR@ stands for the pointer it printed).
reported() {
	local name=$1 prog=$2 re=$3
	n=$((n + 1))
	run "$name" "$prog"
	ended "$name" $SIGABRT_STATUS || return
	re=${re//@PTR@/$ptr}
	if [ "$nlines" -ne 1 ] || ! [[ $line =~ ^$re$ ]]; then
		fail "$name" "stderr ($nlines lines): $line" "want: $re"
	else
		pass "$name"
	fi
}

malloc0_read_faults() { faults malloc0_read_faults read; }
malloc0_write_faults() { faults malloc0_write_faults write; }

quarantine_reports_a_stale_write() {
	reported quarantine_reports_a_stale_write debug_quarantine \
		"osmem: write after free of @PTR@ \(block of 64 bytes\)(: [^;]*)? in free called from $HEX; allocated from $HEX; freed from $HEX"
	if [ "${out[-1]}" = "  ok $n quarantine_reports_a_stale_write" ] &&
		! grep -q '^q intact' "$WORK/quarantine_reports_a_stale_write.out"; then
		unset 'out[-1]'
		fail quarantine_reports_a_stale_write "the new owner's bytes were not checked intact"
	fi
}

double_free_after_reuse_is_named() {
	reported double_free_after_reuse_is_named debug_double_free \
		"osmem: double free of @PTR@ \(block of 40 bytes\) in free called from $HEX; allocated from $HEX; freed from $HEX"
}

main() {
	local c
	if [ ! -e "$LIB" ] || [ ! -d "$BIN" ]; then
		n=1
		fail built "$LIB or $BIN/ is missing (make test builds them)"
	else
		for c in malloc0_read_faults malloc0_write_faults \
			quarantine_reports_a_stale_write \
			double_free_after_reuse_is_named; do
			"$c"
		done
	fi
	echo "KTAP version 1"
	echo "1..1"
	echo "  KTAP version 1"
	echo "  # Subtest: conformance_debug"
	echo "  1..$n"
	printf '%s\n' "${out[@]}"
	if [ $failed -eq 0 ]; then
		echo "ok 1 conformance_debug"
		exit 0
	fi
	echo "not ok 1 conformance_debug"
	exit 1
}

main "$@"
