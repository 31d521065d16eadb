#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shell's ktest command, typed on the serial console (suite
# shell_ktest; tests/shell/serial-session.sh drives the shell):
# `ktest list` prints every suite, one "NAME HOMES WHAT" line each;
# `ktest bogus` runs nothing, lists the suites and says so; the shell goes
# on after both.
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

run 'ktest ktest'
ktap_check ktest_runs_a_suite "$(grep -q '^ok 1 ktest$' <<<"$OUT" &&
	grep -q '^ktest: 0 failed cases$' <<<"$OUT"; echo $?)" "got:" "$(tail -3 <<<"$OUT")"

shell_poweroff
ktap_check poweroff_exits_qemu "$([ "$QEMU_STATUS" = 1 ]; echo $?)" "QEMU exit status $QEMU_STATUS (want 1)"
ktap_done
