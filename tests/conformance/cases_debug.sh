# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# shellcheck disable=SC2154 # this, rc, WORK...: set by check.sh
# Conformance cases, debug mode (sourced by tests/conformance/check.sh):
# the programs run under the library with OSMEM_DEBUG=1. Each prints
# "ptr=<the pointer>" before the access that must stop it, and "survived"
# if it did not.

# debug_malloc0: malloc(0) is a zero-size block (distinct, usable size 0,
# free and realloc take it), and a read or write through it, never freed,
# dies of SIGSEGV at once, with nothing on stderr.
case_malloc0_read_faults() {
	expect_segv "$DBG" debug_malloc0 read
}
add_case malloc0_read_faults

case_malloc0_write_faults() {
	expect_segv "$DBG" debug_malloc0 write
}
add_case malloc0_write_faults

# debug_quarantine: a write through a stale pointer after malloc reused the
# size misses the new owner ("q intact"), and the frees that push the
# block out of the quarantine report it and abort.
case_quarantine_reports_a_stale_write() {
	expect_abort "osmem: write after free of @PTR@ \(block of 64 bytes\)(: [^;]*)? in free called from $HEX; allocated from $HEX; freed from $HEX" \
		"$DBG" debug_quarantine || return 1
	if ! grep -q '^q intact' "$WORK/$this.out"; then
		diag "the new owner's bytes were not checked intact"
		return 1
	fi
}
add_case quarantine_reports_a_stale_write

# debug_double_free: the second free of a quarantined block is a double
# free of it (40 bytes, with the sites), not of the block that reused the
# size.
case_double_free_after_reuse_is_named() {
	expect_abort "osmem: double free of @PTR@ \(block of 40 bytes\) in free called from $HEX; allocated from $HEX; freed from $HEX" \
		"$DBG" debug_double_free
}
add_case double_free_after_reuse_is_named
