#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The report tool's own tests: run ktap-report on the recorded logs in
# tests/ktap/logs/ (good ones and broken ones) and check its exit status, its
# final "N passed, M failed" line and the messages it must print.
#
#   tests/ktap/test.sh [path/to/ktap-report]     (default build/host/ktap-report)
#
# Prints KTAP version 1 (one suite, ktap_report) on stdout, so `make test`
# counts these cases like any other; exits 0 only if every case passed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
report=${1:-build/host/ktap-report}
case $report in /*) ;; *) report=$PWD/$report ;; esac
logs=$here/logs
number=0
failed=0
results=""

if [ ! -x "$report" ]; then
	echo "test.sh: $report: not built" >&2
	exit 2
fi

# case_ NAME STATUS "COUNTS" [TEXT...] -- [ktap-report ARG...]
#   Expect `ktap-report --summary ARG...` (run in tests/ktap/logs) to exit with
#   STATUS, to end with the line COUNTS, and to print every TEXT (a fixed
#   string) somewhere; a TEXT "!STRING" must not be printed. Results are collected, then printed after the plan.
case_() {
	local r
	number=$((number + 1))
	r=$(run_case "$@") || failed=$((failed + 1))
	results+="$r"$'\n'
}

run_case() {
	local name=$1 want_status=$2 want_counts=$3 out status last
	local texts=() why=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		texts+=("$1")
		shift
	done
	shift
	out=$(cd "$logs" && "$report" --summary "$@" 2>&1)
	status=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	[ "$status" = "$want_status" ] ||
		why+=("exit status $status, expected $want_status")
	[ "$last" = "$want_counts" ] ||
		why+=("last line \"$last\", expected \"$want_counts\"")
	for t in "${texts[@]}"; do
		if [ "${t#!}" != "$t" ]; then
			printf '%s\n' "$out" | grep -qF -- "${t#!}" &&
				why+=("output has \"${t#!}\"")
		else
			printf '%s\n' "$out" | grep -qF -- "$t" ||
				why+=("output lacks \"$t\"")
		fi
	done
	if [ ${#why[@]} -eq 0 ]; then
		echo "  ok $number $name"
		return 0
	fi
	for w in "${why[@]}"; do
		echo "  # $w"
	done
	printf '%s\n' "$out" | sed 's/^/  # | /'
	echo "  not ok $number $name"
	return 1
}

# --- well-formed logs --------------------------------------------------------
case_ all_pass 0 "5 passed, 0 failed" -- all-pass.ktap
case_ skip_is_counted_apart 0 "2 passed, 0 failed, 1 skipped" -- skip.ktap
case_ boot_noise_and_crlf 0 "2 passed, 0 failed" -- boot-noise-crlf.ktap
case_ empty_plan 0 "0 passed, 0 failed" -- empty-suites.ktap
case_ stdin_log 0 "5 passed, 0 failed" -- - < "$logs/all-pass.ktap"
case_ several_logs_summed 1 "11 passed, 1 failed, 2 skipped" \
	"all-pass.ktap: 5 passed, 0 failed" "nested.ktap: 4 passed, 1 failed, 1 skipped" \
	-- all-pass.ktap skip.ktap nested.ktap
# kernel-serial.log: a real serial log (boot messages, "\r\n") kept from
# tests/qemu/run-ktest.sh; kernel-serial-cut.log is its first 200 lines, as a
# hang or crash leaves the log.
case_ real_kernel_serial_log 0 "274 passed, 0 failed" \
	-- --qemu --exit-status=33 --expect-exit=33 kernel-serial.log
# --- failing tests are shown with their diagnostics --------------------------
case_ failure_with_diagnostics 1 "3 passed, 2 failed" \
	"FAIL libk_string.memcmp_sign" \
	'# EXPECT memcmp("b", "a", 1) > 0 failed' \
	"FAIL ktest.page_fault_is_caught" "# test faulted: #PF" \
	-- fail-diag.ktap
case_ notes_before_ok_are_not_failures 1 "3 passed, 2 failed" \
	"!failed_expectation_is_counted" "!EXPECT 1 == 2" -- fail-diag.ktap
case_ nested_suites 1 "4 passed, 1 failed, 1 skipped" \
	"FAIL osmem.fast.realloc_grows" "# EXPECT p != NULL failed" \
	-- nested.ktap
case_ quiet_prints_only_summary 1 "4 passed, 1 failed, 1 skipped" \
	"!FAIL" "!nested.ktap" -- -q nested.ktap
# --- broken logs ---------------------------------------------------------------
case_ truncated_log 1 "4 passed, 2 failed" \
	"cut off after 2 of 4 results" "only 1 of the 3 planned results" \
	-- truncated.ktap
case_ real_kernel_log_cut_off 1 "103 passed, 3 failed" \
	"suite ktest (line 194) cut off after 1 of 2 results" \
	"only 11 of the 17 planned results" "exit status 124, expected 33: timed out" \
	-- --qemu --exit-status=124 --expect-exit=33 --fail-exit=35 kernel-serial-cut.log
case_ missing_plan 1 "1 passed, 1 failed" "result before any plan line" \
	-- missing-plan.ktap
case_ malformed_plan 1 "1 passed, 2 failed" 'malformed plan "1..two"' \
	-- malformed-plan.ktap
case_ garbage_only 1 "0 passed, 1 failed" 'no "KTAP version 1" line' \
	-- garbage.ktap
case_ empty_file 1 "0 passed, 1 failed" 'no "KTAP version 1" line' \
	-- /dev/null
case_ out_of_order 1 "3 passed, 2 failed" "result number 3 out of order" \
	-- out-of-order.ktap
case_ more_results_than_plan 1 "2 passed, 1 failed" "more results than the plan" \
	-- too-many.ktap
case_ suite_disagrees_with_tests 1 "2 passed, 3 failed" \
	"suite libk_string says ok, but 1 of its tests failed" \
	"suite libk_printf says not ok, but all its tests passed" \
	-- suite-disagrees.ktap
case_ reboot_restarts_log 1 "2 passed, 5 failed" 'a second "KTAP version 1"' \
	-- rebooted.ktap
case_ bail_out_fails_the_log 1 "0 passed, 1 failed" \
	"the run bailed out: no suite named 'bogus'" -- bail-out.ktap
case_ bail_out_with_failing_exit 1 "0 passed, 1 failed" "bailed out" \
	-- --qemu --exit-status=35 --expect-exit=33 --fail-exit=35 bail-out.ktap
case_ missing_file 2 "0 passed, 0 failed" "No such file" -- no-such-log.ktap
# --- exit status of the program that wrote the log ---------------------------
case_ exit_expected 0 "5 passed, 0 failed" \
	-- --qemu --exit-status=33 --expect-exit=33 all-pass.ktap
case_ exit_timeout 1 "5 passed, 1 failed" "exit status 124, expected 33: timed out" \
	-- --qemu --exit-status=124 --expect-exit=33 all-pass.ktap
case_ exit_triple_fault 1 "4 passed, 3 failed" "triple fault" \
	-- --qemu --exit-status=0 --expect-exit=33 --fail-exit=35 truncated.ktap
case_ exit_killed 1 "5 passed, 1 failed" "killed by signal 9" \
	-- --exit-status=137 all-pass.ktap
case_ exit_failures_agree 1 "3 passed, 2 failed" \
	-- --qemu --exit-status=35 --expect-exit=33 --fail-exit=35 fail-diag.ktap
case_ exit_says_failed_log_says_passed 1 "5 passed, 1 failed" \
	"exit status 35 means tests failed, but the log shows no failure" \
	-- --qemu --exit-status=35 --expect-exit=33 --fail-exit=35 all-pass.ktap
case_ exit_says_passed_log_says_failed 1 "3 passed, 3 failed" \
	"exit status 33 means all passed, but 2 tests failed" \
	-- --qemu --exit-status=33 --expect-exit=33 fail-diag.ktap
case_ exit_odd_debug_exit_code 1 "5 passed, 1 failed" \
	"the kernel wrote 0x2 to isa-debug-exit" \
	-- --qemu --exit-status=5 --expect-exit=33 all-pass.ktap
case_ exit_options_apply_to_next_log_only 1 "10 passed, 1 failed" \
	-- --exit-status=1 all-pass.ktap all-pass.ktap

echo "KTAP version 1"
echo "1..1"
echo "  KTAP version 1"
echo "  # Subtest: ktap_report"
echo "  1..$number"
printf '%s' "$results"
if [ $failed -eq 0 ]; then
	echo "ok 1 ktap_report"
	exit 0
fi
echo "not ok 1 ktap_report"
exit 1
