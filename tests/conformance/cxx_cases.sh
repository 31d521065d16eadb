#!/usr/bin/env bash
# C++ under the drop-in library: operator new and delete of every form go
# through libosmem-preload.so, a sized delete of the wrong size is stopped,
# and real C++ programs run the same as without it.
#
#   tests/conformance/cxx_cases.sh [HOSTDIR]          (default build/host)
#
# Programs (tests/conformance/cxx_*.cc, built by mk/conformance_cxx.mk into
# HOSTDIR/conformance/), each run under LD_PRELOAD=HOSTDIR/libosmem-preload.so:
#   cxx_new_delete CASE    the forms bind to the library, give aligned
#                          memory of our heap, throw std::bad_alloc, return
#                          nullptr (nothrow), call the new-handler; a double
#                          delete is reported "in operator delete"
#   cxx_sized_delete CASE  the sizes the language passes match; a wrong one
#                          is reported as a sized delete size mismatch
#                          (OSMEM_DEBUG=1: any wrong size; default mode: a
#                          size larger than the block, or one that would
#                          have had a smaller block)
#   cxx_replaced           a program with its own operator new and delete
#                          gets them back through the forms it left alone
#   cxx_smoke              STL-heavy; same output plainly, preloaded, and
#                          preloaded in debug mode
#   cxx_plugin.so          a C++ library that python3 (a C program) loads
#                          with ctypes, so the C++ runtime comes after the
#                          library: new is still ours, and an impossible one
#                          still throws std::bad_alloc the library catches
# and g++ itself compiling cxx_smoke.cc preloaded (cc1plus): the object must
# be identical to a plain compile's. The library must not pull in libstdc++
# (readelf -d), nor map it into a C program that preloads it.
#
# A misuse case passes when the process died of SIGABRT, did not print
# "survived", and its stderr is exactly one line matching the expected
# report, with the pointer the program printed ("ptr=0x...").
#
# Prints KTAP (suite conformance_cxx); exit status 0 when every case passed.
set -u

HOSTDIR=${1:-build/host}
case $HOSTDIR in /*) ;; *) HOSTDIR=$PWD/$HOSTDIR ;; esac
LIB=$HOSTDIR/libosmem-preload.so
BIN=$HOSTDIR/conformance
SRC=$(cd "$(dirname "$0")" && pwd)
RUN_TIMEOUT=${RUN_TIMEOUT:-120}
CXX=${CXX_SMOKE:-g++}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/conformance-cxx.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

SIGABRT_STATUS=134	# 128 + SIGABRT, as timeout passes it on
HEX='0x[0-9a-f]+'
PRE="LD_PRELOAD=$LIB"
DBG="OSMEM_DEBUG=1"

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

# The first lines of a file, as diagnostic lines.
head_of() {
	local lines=()
	mapfile -t lines < <(head -n "${2:-4}" "$1")
	printf '%s\n' "${lines[@]}"
}

# clean NAME ENV... -- CMD...: exit 0 and nothing on stderr.
clean() {
	local name=$1 envs=() rc
	shift
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	n=$((n + 1))
	(timeout "$RUN_TIMEOUT" env "${envs[@]}" "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err"; exit $?) 2>/dev/null
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$WORK/$name.err" ]; then
		local diag=()
		mapfile -t diag < <(head_of "$WORK/$name.err")
		fail "$name" "exit $rc; stderr:" "${diag[@]}"
	else
		pass "$name"
	fi
}

# stopped NAME REGEX ENV... -- CMD...: SIGABRT, and one stderr line
# matching REGEX, where @PTR@ stands for the pointer the program printed.
stopped() {
	local name=$1 re=$2 envs=() rc ptr line nlines
	shift 2
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	n=$((n + 1))
	# The subshell keeps bash's "Aborted" notice out of our stderr.
	(timeout "$RUN_TIMEOUT" env "${envs[@]}" "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err"; exit $?) 2>/dev/null
	rc=$?
	ptr=$(sed -n 's/^ptr=//p' "$WORK/$name.out")
	line=$(head -n 1 "$WORK/$name.err")
	nlines=$(wc -l <"$WORK/$name.err")
	re=${re//@PTR@/$ptr}
	if grep -q '^survived' "$WORK/$name.out"; then
		fail "$name" "the misuse was not stopped (exit $rc)" \
			"stderr: ${line:-(empty)}"
	elif [ "$rc" -ne $SIGABRT_STATUS ]; then
		fail "$name" "exit status $rc, want $SIGABRT_STATUS (SIGABRT)" \
			"stderr: ${line:-(empty)}"
	elif [ -z "$ptr" ]; then
		fail "$name" "the program printed no ptr= line"
	elif [ "$nlines" -ne 1 ] || ! [[ $line =~ ^$re$ ]]; then
		fail "$name" "stderr ($nlines lines): $line" "want: $re"
	else
		pass "$name"
	fi
}

# same_output NAME ROUNDS: cxx_smoke prints the same plainly, preloaded
# and (one round, debug mode is slow) preloaded in debug mode.
same_output() {
	local name=$1 rc1 rc2 rc3
	n=$((n + 1))
	timeout "$RUN_TIMEOUT" "$BIN/cxx_smoke" >"$WORK/plain.out" 2>&1
	rc1=$?
	timeout "$RUN_TIMEOUT" env "$PRE" "$BIN/cxx_smoke" \
		>"$WORK/pre.out" 2>&1
	rc2=$?
	timeout "$RUN_TIMEOUT" "$BIN/cxx_smoke" 1 >"$WORK/plain1.out" 2>&1
	timeout "$RUN_TIMEOUT" env "$PRE" "$DBG" "$BIN/cxx_smoke" 1 \
		>"$WORK/dbg.out" 2>&1
	rc3=$?
	if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ] || [ $rc3 -ne 0 ]; then
		fail "$name" "exit plain $rc1, preloaded $rc2, debug $rc3"
	elif ! cmp -s "$WORK/plain.out" "$WORK/pre.out"; then
		fail "$name" "preloaded output differs:" "$(head -n 1 "$WORK/pre.out")"
	elif ! cmp -s "$WORK/plain1.out" "$WORK/dbg.out"; then
		fail "$name" "debug-mode output differs:" "$(head -n 1 "$WORK/dbg.out")"
	else
		pass "$name"
	fi
}

# g++ (cc1plus, as) compiling cxx_smoke.cc preloaded: the object must be
# byte for byte the plain compile's.
gxx_compiles() {
	local name=$1 rc1 rc2
	n=$((n + 1))
	if ! command -v "$CXX" >/dev/null; then
		out+=("  ok $n $name # SKIP $CXX is not installed")
		return
	fi
	timeout "$RUN_TIMEOUT" "$CXX" -std=gnu++17 -O1 -c -o "$WORK/plain.o" \
		"$SRC/cxx_smoke.cc" 2>"$WORK/gxx-plain.err"
	rc1=$?
	timeout "$RUN_TIMEOUT" env "$PRE" "$CXX" -std=gnu++17 -O1 -c \
		-o "$WORK/pre.o" "$SRC/cxx_smoke.cc" 2>"$WORK/gxx-pre.err"
	rc2=$?
	if [ $rc1 -ne 0 ] || [ $rc2 -ne 0 ]; then
		fail "$name" "exit plain $rc1, preloaded $rc2" \
			"$(head -n 1 "$WORK/gxx-pre.err")"
	elif ! cmp -s "$WORK/plain.o" "$WORK/pre.o"; then
		fail "$name" "the preloaded compile's object differs"
	else
		pass "$name"
	fi
}

# python3 loads cxx_plugin.so with ctypes (dlopen, RTLD_LOCAL) and runs
# its checks. Skipped without python3, or when python3 maps libstdc++ on
# its own (then the runtime would not come late).
plugin_in_c_program() {
	local name=$1 rc
	n=$((n + 1))
	if ! command -v python3 >/dev/null; then
		out+=("  ok $n $name # SKIP python3 is not installed")
		return
	fi
	(timeout "$RUN_TIMEOUT" env "$PRE" python3 - "$BIN/cxx_plugin.so" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" <<'EOF'
import ctypes, sys
maps = open("/proc/self/maps").read()
if "libosmem-preload" not in maps:
    sys.exit("the library is not loaded")
if "libstdc++" in maps:
    sys.exit(77)
sys.exit(ctypes.CDLL(sys.argv[1]).cxx_plugin_check())
EOF
	exit $?) 2>/dev/null
	rc=$?
	if [ $rc -eq 77 ]; then
		out+=("  ok $n $name # SKIP python3 loads libstdc++ itself")
	elif [ $rc -ne 0 ] || [ -s "$WORK/$name.err" ]; then
		local diag=()
		mapfile -t diag < <(head_of "$WORK/$name.err")
		fail "$name" "exit $rc; stderr:" "${diag[@]}"
	else
		pass "$name"
	fi
}

# The library does not need libstdc++, and a C program preloading it does
# not map it.
no_libstdcxx() {
	local name=$1 needed
	n=$((n + 1))
	needed=$(readelf -d "$LIB" 2>&1 | grep NEEDED)
	if [ -z "$needed" ]; then
		fail "$name" "readelf -d $LIB shows no NEEDED entries"
	elif grep -q 'libstdc++' <<<"$needed"; then
		fail "$name" "$LIB needs libstdc++:" "$needed"
	elif ! env "$PRE" cat /proc/self/maps >"$WORK/maps" 2>&1; then
		fail "$name" "cat under the library failed"
	elif grep -q 'libstdc++' "$WORK/maps"; then
		fail "$name" "a C program preloading the library maps libstdc++"
	elif ! grep -q 'libosmem-preload' "$WORK/maps"; then
		fail "$name" "the library was not loaded into cat"
	else
		pass "$name"
	fi
}

MISMATCH="osmem: sized delete size mismatch of @PTR@"

cases() {
	local new=$BIN/cxx_new_delete sized=$BIN/cxx_sized_delete

	no_libstdcxx library_needs_no_libstdcxx
	clean new_delete_bind_to_the_library "$PRE" -- "$new" resolve
	clean new_delete_all_forms "$PRE" -- "$new" heap
	clean new_delete_all_forms_debug "$PRE" "$DBG" -- "$new" heap
	clean impossible_new_throws_bad_alloc "$PRE" -- "$new" bad_alloc
	clean impossible_nothrow_new_is_nullptr "$PRE" -- "$new" nothrow
	clean new_handler_is_called "$PRE" -- "$new" handler
	stopped double_delete \
		"osmem: double free of @PTR@ \(block of [0-9]+ bytes\) in operator delete called from $HEX" \
		"$PRE" -- "$new" double_delete
	stopped double_delete_array \
		"osmem: double free of @PTR@ \(block of [0-9]+ bytes\) in operator delete\[\] called from $HEX" \
		"$PRE" -- "$new" double_delete_array
	clean sized_delete_right_sizes "$PRE" -- "$sized" match
	clean sized_delete_right_sizes_debug "$PRE" "$DBG" -- "$sized" match
	stopped sized_delete_wrong_size_debug \
		"$MISMATCH \(block of 40 bytes\): size given 41 in operator delete called from $HEX; allocated from $HEX" \
		"$PRE" "$DBG" -- "$sized" wrong_size
	stopped sized_delete_array_wrong_size_debug \
		"$MISMATCH \(block of 100 bytes\): size given 99 in operator delete\[\] called from $HEX; allocated from $HEX" \
		"$PRE" "$DBG" -- "$sized" wrong_size_array
	stopped sized_delete_aligned_wrong_size_debug \
		"$MISMATCH \(block of 100 bytes\): size given 200 in operator delete called from $HEX; allocated from $HEX" \
		"$PRE" "$DBG" -- "$sized" wrong_size_aligned
	stopped delete_through_base_without_virtual_dtor_debug \
		"$MISMATCH \(block of 104 bytes\): size given 4 in operator delete called from $HEX; allocated from $HEX" \
		"$PRE" "$DBG" -- "$sized" base_without_virtual_dtor
	stopped delete_through_base_without_virtual_dtor \
		"$MISMATCH \(block of [0-9]+ bytes\): size given 4 in operator delete called from $HEX" \
		"$PRE" -- "$sized" base_without_virtual_dtor
	stopped sized_delete_larger_than_block \
		"$MISMATCH \(block of 40 bytes\): size given 4096 in operator delete called from $HEX" \
		"$PRE" -- "$sized" larger_than_block
	stopped c23_free_sized_wrong_size \
		"$MISMATCH \(block of [0-9]+ bytes\): size given 1000 in free_sized called from $HEX" \
		"$PRE" -- "$sized" free_sized_wrong
	clean replaced_new_delete_are_used "$PRE" -- "$BIN/cxx_replaced"
	clean replaced_new_delete_are_used_debug "$PRE" "$DBG" -- \
		"$BIN/cxx_replaced"
	plugin_in_c_program cxx_library_dlopened_by_a_c_program
	same_output stl_program_same_output
	gxx_compiles gxx_compiles_the_same_object
}

missing=
for f in "$LIB" "$BIN/cxx_new_delete" "$BIN/cxx_sized_delete" \
	"$BIN/cxx_replaced" "$BIN/cxx_smoke" "$BIN/cxx_plugin.so"; do
	[ -e "$f" ] || missing="$missing $f"
done
if [ -n "$missing" ]; then
	n=1
	fail built "missing (make test builds them):$missing"
else
	cases
fi

echo "KTAP version 1"
echo "1..1"
echo "  KTAP version 1"
echo "  # Subtest: conformance_cxx"
echo "  1..$n"
printf '%s\n' "${out[@]}"
if [ $failed -eq 0 ]; then
	echo "ok 1 conformance_cxx"
	exit 0
fi
echo "not ok 1 conformance_cxx"
exit 1
