#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Suite names, end to end (issue 16): a name no home knows fails the run
# and lists the suites; `list` lists them, one line each.
#
#   tests/ktap/suite-names.sh     (make test builds what it runs)
#
# Cases: the host program bails out on pmm,bogus (exit 1, "Bail out!",
# the list, nothing run) and ktap-report fails that log; ktest-host list
# prints one "NAME HOMES WHAT" line per suite, the kernel's, the host's
# and the shared ones; tests/run-all.sh with KTEST=bogus stops before any
# step with the list (this run's logs untouched) and with KTEST=list
# prints the list; the kernel booted with ktest=pmm,bogus
# (build/ktest-bogus.iso) bails out, runs nothing and exits QEMU with the
# failure status. A list runs in its order (names may repeat), reverse
# backwards, shuffle:SEED in one order per seed. The shell's `ktest list` and `ktest bogus`:
# tests/shell/ktest-session.sh.
#
# Environment: REPORT (build/host/ktap-report), HOST_PROG
# (build/host/ktest-host), ISO (build/ktest-bogus.iso), LOG
# (build/ktest-bogus.log). Prints KTAP (suite ktest_names).
set -u
cd "$(dirname "$0")/../.."
. tests/lib/ktap.sh

REPORT=${REPORT:-build/host/ktap-report}
HOST_PROG=${HOST_PROG:-build/host/ktest-host}
ISO=${ISO:-build/ktest-bogus.iso}
LOG=${LOG:-build/ktest-bogus.log}
LINE_RE='^[a-z0-9_]+ +(both|kernel|host) +[^ ].*$'

ktap_suite ktest_names

out=$("$HOST_PROG" pmm,bogus 2>&1)
st=$?
ktap_check host_bails_out_on_unknown_name "$([ $st = 1 ] &&
	grep -q "^Bail out! no suite named 'bogus'" <<<"$out" &&
	grep -q '^# pmm  *kernel ' <<<"$out" &&
	! grep -q '# Subtest:' <<<"$out"; echo $?)" "exit status $st; output:" "$(head -5 <<<"$out")"

rep=$(printf '%s\n' "$out" | "$REPORT" --exit-status=$st --fail-exit=1 - 2>&1)
ktap_check report_fails_the_bailed_out_log "$([ $? = 1 ] &&
	grep -q "bailed out: no suite named 'bogus'" <<<"$rep"; echo $?)" "$rep"

list=$("$HOST_PROG" list)
st=$?
bad=$(grep -Ev "$LINE_RE" <<<"$list")
ktap_check list_has_one_line_per_suite "$([ $st = 0 ] && [ -z "$bad" ] &&
	grep -q '^pmm  *kernel ' <<<"$list" &&
	grep -q '^libk_vs_libc  *host ' <<<"$list" &&
	grep -q '^osmem_fast  *both ' <<<"$list" &&
	[ "$(awk '{print $1}' <<<"$list" | sort | uniq -d)" = "" ]; echo $?)" \
	"exit status $st; lines not NAME HOMES WHAT:" "$bad"

# A run inside make test's own run: it must stop before touching build/test.
mkdir -p build/test
marker=build/test/.suite-names-marker
: >"$marker"
out=$(KTEST=pmm,bogus tests/run-all.sh 2>&1)
st=$?
ktap_check run_all_refuses_unknown_name "$([ $st = 1 ] && [ -f "$marker" ] &&
	grep -q "no suite named 'bogus'" <<<"$out" &&
	grep -q '^  pmm  *kernel ' <<<"$out"; echo $?)" "exit status $st; output:" "$(head -5 <<<"$out")"
rm -f "$marker"

out=$(KTEST=list tests/run-all.sh 2>&1)
st=$?
ktap_check run_all_lists_suites "$([ $st = 0 ] && [ "$out" = "$list" ]; echo $?)" \
	"exit status $st; output:" "$(head -5 <<<"$out")"

# The order of a run (issue 16: pairs of suites in one boot): a list runs
# in its order, names may repeat; reverse and shuffle:SEED run every suite.
subtests() {
	sed -n 's/^  # Subtest: //p'
}
got=$("$HOST_PROG" osmem_version,libk_bitops,osmem_version | subtests | tr '\n' ' ')
ktap_check list_runs_in_its_order "$([ "$got" = "osmem_version libk_bitops osmem_version " ]; echo $?)" "got: $got"
fwd=$("$HOST_PROG" all | subtests)
rev=$("$HOST_PROG" reverse | subtests)
ktap_check reverse_runs_every_suite_backwards "$([ -n "$fwd" ] &&
	[ "$rev" = "$(tac <<<"$fwd")" ]; echo $?)" "all: $(echo $fwd)" "reverse: $(echo $rev)"
sh1=$("$HOST_PROG" shuffle:5 | subtests)
sh2=$("$HOST_PROG" shuffle:5 | subtests)
ktap_check shuffle_is_a_permutation_fixed_by_its_seed "$([ "$sh1" = "$sh2" ] &&
	[ "$sh1" != "$fwd" ] && [ "$(sort <<<"$sh1")" = "$(sort <<<"$fwd")" ]; echo $?)" \
	"shuffle:5: $(echo $sh1)"

if [ -f "$ISO" ]; then
	ISO=$ISO LOG=$LOG tests/qemu/run-ktest.sh --quiet --no-report
	st=$?
	ktap_check kernel_bails_out_on_unknown_name "$([ $st = 35 ] &&
		grep -aq "^Bail out! no suite named 'bogus'" "$LOG" &&
		grep -aq '^# pmm  *kernel ' "$LOG" &&
		! grep -aq '# Subtest:' "$LOG"; echo $?)" \
		"QEMU exit status $st (want 35); log: $LOG"
else
	ktap_fail kernel_bails_out_on_unknown_name "$ISO not built (make test builds it)"
fi

ktap_done
