# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# shellcheck disable=SC2154 # this, rc, WORK...: set by check.sh
# Conformance cases, C++ (sourced by tests/conformance/check.sh): operator
# new and delete of every form go through the library, a sized delete of
# the wrong size is stopped, and real C++ programs run the same as without
# it. Programs (tests/conformance/cxx_*.cc):
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
# The C++ runs get 120 seconds each (g++, debug mode).

CXX_SMOKE=${CXX_SMOKE:-g++}	# the compiler of gxx_compiles_the_same_object
MISMATCH="osmem: sized delete size mismatch of @PTR@"

# The library does not need libstdc++, and a C program preloading it does
# not map it.
case_library_needs_no_libstdcxx() {
	local needed
	needed=$(readelf -d "$LIB" 2>&1 | grep NEEDED)
	if [ -z "$needed" ]; then
		diag "readelf -d $LIB shows no NEEDED entries"
		return 1
	elif grep -q 'libstdc++' <<<"$needed"; then
		diag "$LIB needs libstdc++:" "$needed"
		return 1
	fi
	run "$this" "$PRE" cat /proc/self/maps
	if [ "$rc" -ne 0 ]; then
		diag "cat under the library failed"
		show_output "$this"
		return 1
	elif grep -q 'libstdc++' "$WORK/$this.out"; then
		diag "a C program preloading the library maps libstdc++"
		return 1
	elif ! grep -q 'libosmem-preload' "$WORK/$this.out"; then
		diag "the library was not loaded into cat"
		return 1
	fi
}
add_case library_needs_no_libstdcxx 120

case_new_delete_bind_to_the_library() {
	expect_exit0 cxx_new_delete resolve
}
add_case new_delete_bind_to_the_library 120

case_new_delete_all_forms() {
	expect_exit0 cxx_new_delete heap
}
add_case new_delete_all_forms 120

case_new_delete_all_forms_debug() {
	expect_exit0 "$DBG" cxx_new_delete heap
}
add_case new_delete_all_forms_debug 120

case_impossible_new_throws_bad_alloc() {
	expect_exit0 cxx_new_delete bad_alloc
}
add_case impossible_new_throws_bad_alloc 120

case_impossible_nothrow_new_is_nullptr() {
	expect_exit0 cxx_new_delete nothrow
}
add_case impossible_nothrow_new_is_nullptr 120

case_new_handler_is_called() {
	expect_exit0 cxx_new_delete handler
}
add_case new_handler_is_called 120

case_double_delete() {
	expect_abort "osmem: double free of @PTR@ \(block of [0-9]+ bytes\) in operator delete called from $HEX" \
		cxx_new_delete double_delete
}
add_case double_delete 120

case_double_delete_array() {
	expect_abort "osmem: double free of @PTR@ \(block of [0-9]+ bytes\) in operator delete\[\] called from $HEX" \
		cxx_new_delete double_delete_array
}
add_case double_delete_array 120

case_sized_delete_right_sizes() {
	expect_exit0 cxx_sized_delete match
}
add_case sized_delete_right_sizes 120

case_sized_delete_right_sizes_debug() {
	expect_exit0 "$DBG" cxx_sized_delete match
}
add_case sized_delete_right_sizes_debug 120

case_sized_delete_wrong_size_debug() {
	expect_abort "$MISMATCH \(block of 40 bytes\): size given 41 in operator delete called from $HEX; allocated from $HEX" \
		"$DBG" cxx_sized_delete wrong_size
}
add_case sized_delete_wrong_size_debug 120

case_sized_delete_array_wrong_size_debug() {
	expect_abort "$MISMATCH \(block of 100 bytes\): size given 99 in operator delete\[\] called from $HEX; allocated from $HEX" \
		"$DBG" cxx_sized_delete wrong_size_array
}
add_case sized_delete_array_wrong_size_debug 120

case_sized_delete_aligned_wrong_size_debug() {
	expect_abort "$MISMATCH \(block of 100 bytes\): size given 200 in operator delete called from $HEX; allocated from $HEX" \
		"$DBG" cxx_sized_delete wrong_size_aligned
}
add_case sized_delete_aligned_wrong_size_debug 120

case_delete_through_base_without_virtual_dtor_debug() {
	expect_abort "$MISMATCH \(block of 104 bytes\): size given 4 in operator delete called from $HEX; allocated from $HEX" \
		"$DBG" cxx_sized_delete base_without_virtual_dtor
}
add_case delete_through_base_without_virtual_dtor_debug 120

case_delete_through_base_without_virtual_dtor() {
	expect_abort "$MISMATCH \(block of [0-9]+ bytes\): size given 4 in operator delete called from $HEX" \
		cxx_sized_delete base_without_virtual_dtor
}
add_case delete_through_base_without_virtual_dtor 120

case_sized_delete_larger_than_block() {
	expect_abort "$MISMATCH \(block of 40 bytes\): size given 4096 in operator delete called from $HEX" \
		cxx_sized_delete larger_than_block
}
add_case sized_delete_larger_than_block 120

case_c23_free_sized_wrong_size() {
	expect_abort "$MISMATCH \(block of [0-9]+ bytes\): size given 1000 in free_sized called from $HEX" \
		cxx_sized_delete free_sized_wrong
}
add_case c23_free_sized_wrong_size 120

case_replaced_new_delete_are_used() {
	expect_exit0 cxx_replaced
}
add_case replaced_new_delete_are_used 120

case_replaced_new_delete_are_used_debug() {
	expect_exit0 "$DBG" cxx_replaced
}
add_case replaced_new_delete_are_used_debug 120

# python3 loads cxx_plugin.so with ctypes (dlopen, RTLD_LOCAL) and runs
# its checks. Skipped without python3, or when python3 maps libstdc++ on
# its own (then the runtime would not come late).
case_cxx_library_dlopened_by_a_c_program() {
	if ! command -v python3 >/dev/null; then
		skip "python3 is not installed"
		return 0
	fi
	run "$this" "$PRE" python3 - "$BIN/cxx_plugin.so" <<'PY'
import ctypes, sys
maps = open("/proc/self/maps").read()
if "libosmem-preload" not in maps:
    sys.exit("the library is not loaded")
if "libstdc++" in maps:
    sys.exit(77)
sys.exit(ctypes.CDLL(sys.argv[1]).cxx_plugin_check())
PY
	if [ "$rc" -eq 77 ]; then
		skip "python3 loads libstdc++ itself"
	elif [ "$rc" -ne 0 ] || [ -s "$WORK/$this.err" ]; then
		show_output "$this"
		return 1
	fi
}
add_case cxx_library_dlopened_by_a_c_program 120

# cxx_smoke prints the same plainly, preloaded and (one round, debug mode
# is slow) preloaded in debug mode. stdout and stderr are compared apart.
case_stl_program_same_output() {
	local rc1 rc2 rc3 f
	run plain "$BIN/cxx_smoke"
	rc1=$rc
	run pre "$PRE" "$BIN/cxx_smoke"
	rc2=$rc
	run plain1 "$BIN/cxx_smoke" 1
	run dbg "$PRE" "$DBG" "$BIN/cxx_smoke" 1
	rc3=$rc
	if [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ] || [ "$rc3" -ne 0 ]; then
		diag "plain: $(status_text "$rc1"); preloaded: $(status_text "$rc2"); debug: $(status_text "$rc3")"
		return 1
	fi
	for f in out err; do
		if ! cmp -s "$WORK/plain.$f" "$WORK/pre.$f"; then
			diag "preloaded std$f differs:" "$(head -n 1 "$WORK/pre.$f")"
			return 1
		elif ! cmp -s "$WORK/plain1.$f" "$WORK/dbg.$f"; then
			diag "debug-mode std$f differs:" "$(head -n 1 "$WORK/dbg.$f")"
			return 1
		fi
	done
}
add_case stl_program_same_output 120

# g++ (cc1plus, as) compiling cxx_smoke.cc preloaded: the object must be
# byte for byte the plain compile's.
case_gxx_compiles_the_same_object() {
	local rc1
	if ! command -v "$CXX_SMOKE" >/dev/null; then
		skip "$CXX_SMOKE is not installed"
		return 0
	fi
	run gxx-plain "$CXX_SMOKE" -std=gnu++17 -O1 -c -o "$WORK/plain.o" \
		"$SRC/cxx_smoke.cc"
	rc1=$rc
	run gxx-pre "$PRE" "$CXX_SMOKE" -std=gnu++17 -O1 -c -o "$WORK/pre.o" \
		"$SRC/cxx_smoke.cc"
	if [ "$rc1" -ne 0 ] || [ "$rc" -ne 0 ]; then
		diag "plain: $(status_text "$rc1"); preloaded: $(status_text "$rc")" \
			"$(head -n 1 "$WORK/gxx-pre.err")"
		return 1
	elif ! cmp -s "$WORK/plain.o" "$WORK/pre.o"; then
		diag "the preloaded compile's object differs"
		return 1
	fi
}
add_case gxx_compiles_the_same_object 120
