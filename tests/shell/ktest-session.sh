#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shell's ktest command, typed on the serial console (suite
# shell_ktest; tests/shell/serial-session.sh drives the shell):
# `ktest list` prints every suite, one "NAME HOMES WHAT" line each;
# `ktest bogus` runs nothing, lists the suites and says so; Ctrl-C stops a
# running `ktest` at the next case; the shell goes on after each. (replay's
# Ctrl-C: the kernel case replay.stop_ends_the_replay_between_batches.)
#
#   tests/shell/ktest-session.sh      (make test builds build/shell.iso)
#
# Environment: ISO (build/shell.iso), LOG (build/shell-ktest.log), and
# serial-session.sh's. Exit status 0 when every case passed.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/ktap.sh
ISO=${ISO:-build/shell.iso}
LOG=${LOG:-build/shell-ktest.log}
. tests/shell/serial-session.sh

LINE_RE='^[a-z0-9_]+ +(both|kernel|host) +[^ ].*$'

ktap_suite shell_ktest
shell_start
wait_prompts 0
ktap_check boots_to_prompt $? "no prompt within ${CMD_TIMEOUT}s; log: $FINAL_LOG"
[ "$ktap_failed" = 0 ] || ktap_done

run 'ktest list'
bad=$(grep -Ev "$LINE_RE" <<<"$OUT")
ktap_check ktest_list_one_line_per_suite "$([ -z "$bad" ] &&
	grep -q '^pmm  *kernel ' <<<"$OUT" && grep -q '^osmem_fast  *both ' <<<"$OUT"; echo $?)" \
	"lines not NAME HOMES WHAT:" "$bad"

run 'ktest pmm,bogus'
ktap_check ktest_unknown_suite_refused "$(grep -q "^Bail out! no suite named 'bogus'" <<<"$OUT" &&
	grep -q '^# pmm  *kernel ' <<<"$OUT" && ! grep -q '# Subtest:' <<<"$OUT" &&
	grep -q '^ktest: nothing run: no such suite' <<<"$OUT"; echo $?)" "got:" "$(tail -3 <<<"$OUT")"

# Ctrl-C stops a running ktest at the next case: `ktest` (every suite)
# typed, Ctrl-C sent once the first suite has started; the prompt comes
# back with the run stopped, most suites never reached. Nothing depends
# on timing: the run polls between cases, and the whole run is far longer
# than one case.
suites=$(run 'ktest list'; grep -Ec '^[a-z0-9_]+ +(both|kernel) ' <<<"$OUT")
before=$(prompts)
off=$(wc -c <"$LOG")
type_text $'ktest\r'
wait_text '# Subtest:' "$off"
type_text $'\x03'
wait_prompts "$before"
st=$?
OUT=$(tail -c +$((off + 1)) "$LOG" | tr -d '\r')
ran=$(grep -c '# Subtest:' <<<"$OUT")
ktap_check ctrl_c_stops_ktest_at_a_case "$([ $st = 0 ] &&
	grep -q '^Bail out! stopped in suite ' <<<"$OUT" &&
	grep -q '^ktest: stopped (Ctrl-C); ' <<<"$OUT" &&
	[ "$ran" -lt "$suites" ]; echo $?)" \
	"prompt back: $st; $ran of $suites suites started; the end:" "$(tail -4 <<<"$OUT")"

run 'ktest ktest'
ktap_check ktest_runs_a_suite "$(grep -q '^ok 1 ktest$' <<<"$OUT" &&
	grep -q '^ktest: 0 failed cases$' <<<"$OUT"; echo $?)" "got:" "$(tail -3 <<<"$OUT")"

shell_poweroff
ktap_check poweroff_exits_qemu "$([ "$QEMU_STATUS" = 1 ]; echo $?)" "QEMU exit status $QEMU_STATUS (want 1)"
ktap_done
