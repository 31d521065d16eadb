# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# KTAP for the shell test scripts: one suite per script, nested in a
# one-test top level, as tests/run-all.sh and build/host/ktap-report read it:
#
#   KTAP version 1
#   1..1
#     KTAP version 1
#     # Subtest: SUITE
#     1..N
#     # a diagnostic line
#     ok 1 first_case
#     not ok 2 second_case
#   ok 1 SUITE              (not ok 1 SUITE when a case failed)
#
# Sourced, not run; relative to the script so any working directory does:
#
#   . "$(dirname "$0")/../lib/ktap.sh"
#
#   ktap_suite NAME                  start a suite: no cases, no failures
#   ktap_pass NAME [DIAG...]         the next case passed
#   ktap_fail NAME [DIAG...]         the next case failed
#   ktap_skip NAME REASON            the next case, skipped: "ok N NAME # SKIP REASON"
#   ktap_check NAME STATUS [DIAG...] pass when STATUS is 0, else fail with DIAGs
#   ktap_done                        print the suite and exit: 0 when no case
#                                    failed, 1 when one did (or none ran)
#
# The helpers number the cases. Each DIAG is printed before its case's
# result as "# DIAG", one such line per line of DIAG. Lines are kept until
# ktap_done, so the plan can give the real count. Read-only for callers:
# $ktap_failed, the number of failed cases so far. set -u safe.

ktap_name=""
ktap_n=0
ktap_failed=0
ktap_lines=()

# ktap_suite NAME: the suite every later case belongs to (resets the rest).
ktap_suite() {
	ktap_name=$1
	ktap_n=0
	ktap_failed=0
	ktap_lines=()
}

# ktap_diag DIAG...: each line of each DIAG as a "# " line, in order.
ktap_diag() {
	local d line
	for d in "$@"; do
		while IFS= read -r line; do
			ktap_lines+=("  # $line")
		done <<<"$d"
	done
}

# ktap_pass NAME [DIAG...]: the DIAGs, then "ok N NAME".
ktap_pass() {
	ktap_n=$((ktap_n + 1))
	ktap_diag "${@:2}"
	ktap_lines+=("  ok $ktap_n $1")
}

# ktap_fail NAME [DIAG...]: the DIAGs, then "not ok N NAME"; counts a failure.
ktap_fail() {
	ktap_n=$((ktap_n + 1))
	ktap_failed=$((ktap_failed + 1))
	ktap_diag "${@:2}"
	ktap_lines+=("  not ok $ktap_n $1")
}

# ktap_skip NAME REASON: "ok N NAME # SKIP REASON" (not a failure).
ktap_skip() {
	ktap_n=$((ktap_n + 1))
	ktap_lines+=("  ok $ktap_n $1 # SKIP $2")
}

# ktap_check NAME STATUS [DIAG...]: ktap_pass NAME when STATUS is 0 (the
# DIAGs unused), else ktap_fail NAME DIAG...
ktap_check() {
	if [ "$2" = 0 ]; then
		ktap_pass "$1"
	else
		ktap_fail "$1" "${@:3}"
	fi
}

# ktap_done: the whole log on stdout, then exit 0 if every case passed, 1
# if one failed or there was none (an empty suite proves nothing).
ktap_done() {
	echo "KTAP version 1"
	echo "1..1"
	echo "  KTAP version 1"
	echo "  # Subtest: $ktap_name"
	echo "  1..$ktap_n"
	[ ${#ktap_lines[@]} -eq 0 ] || printf '%s\n' "${ktap_lines[@]}"
	if [ "$ktap_failed" -eq 0 ] && [ "$ktap_n" -gt 0 ]; then
		echo "ok 1 $ktap_name"
		exit 0
	fi
	echo "not ok 1 $ktap_name"
	exit 1
}
