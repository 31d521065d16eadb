# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# shellcheck disable=SC2154 # this, rc, WORK...: set by check.sh
# Conformance cases, mappings (sourced by tests/conformance/check.sh): free
# keeps errno when munmap fails, double frees named with the size the
# program allocated, glibc's dynamic mmap threshold and the tuning that
# turns it off. The programs define munmap or mmap themselves and export
# them (mk/conformance.mk links with -rdynamic), so the preloaded
# library's calls reach the program's definition first.

# free_errno.c says what it checks.
case_free_errno() {
	expect_exit0 free_errno
}
add_case free_errno 120

# A double free is named with the pointer and the size the program printed
# ("ptr=PTR size=N"), however the freed block changed in between: b merged
# into a's free block (heap), or a mapping given back (map).
DOUBLE_FREE="osmem: double free of @PTR@ \(block of @SIZE@ bytes\) in free called from $HEX"

case_double_free_merged_heap() {
	expect_abort "$DOUBLE_FREE" double_free_merged heap
}
add_case double_free_merged_heap 120

case_double_free_mapping() {
	expect_abort "$DOUBLE_FREE" double_free_merged map
}
add_case double_free_mapping 120

# glibc's dynamic mmap threshold (dynamic_threshold.c default), the
# mallopt that turns it off (... mallopt) and the environment's threshold
# (... fixed).
case_dynamic_threshold() {
	expect_exit0 dynamic_threshold default
}
add_case dynamic_threshold 120

case_dynamic_threshold_mallopt() {
	expect_exit0 dynamic_threshold mallopt
}
add_case dynamic_threshold_mallopt 120

case_dynamic_threshold_env() {
	expect_exit0 MALLOC_MMAP_THRESHOLD_=4194304 dynamic_threshold fixed
}
add_case dynamic_threshold_env 120
