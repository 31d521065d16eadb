#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A QEMU that did not start is told apart from a kernel that powered off
# (issue 16). Both end QEMU with status 1 (isa-debug-exit 0 gives
# (0 << 1) | 1 = 1, and QEMU's own errors exit 1), so make run took a bad
# option for a normal poweroff.
#
#   tests/qemu/start-check.sh      (make test builds the ISOs it boots)
#
# Cases (suite qemu_start): tests/qemu/run-ktest.sh (make test's kernel
# boots) and mk/run-qemu.sh (make run, make debug) with QEMU=/nonexistent,
# with a bad option (QEMU_ARGS / an extra option) and with a missing ISO:
# each fails with status 2 and says what happened, with QEMU's own message
# for the bad option; make run with a bad option fails the same way; a
# kernel that boots into its shell and powers off still ends make run's
# launcher with status 0.
#
# Environment: ISO (build/ktest-bogus.iso: any bootable ISO), SHELL_ISO
# (build/shell.iso), CMD_TIMEOUT (20). Prints KTAP.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/ktap.sh

ISO=${ISO:-build/ktest-bogus.iso}
SHELL_ISO=${SHELL_ISO:-build/shell.iso}
CMD_TIMEOUT=${CMD_TIMEOUT:-20}
QEMU_FLAGS=(-accel tcg -m 128M -smp 2 -display none -no-reboot
	-device isa-debug-exit,iobase=0xf4,iosize=0x04)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/start-check.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ktap_suite qemu_start

# expect NAME WANT_STATUS TEXT -- COMMAND...: the status, and TEXT in stderr.
expect() {
	local name=$1 want=$2 text=$3 out st
	shift 4
	out=$("$@" 2>&1 </dev/null)
	st=$?
	ktap_check "$name" "$([ "$st" = "$want" ] && grep -qF -- "$text" <<<"$out"; echo $?)" \
		"exit status $st (want $want), output lacks or has: $text" "$out"
}

expect run_ktest_without_qemu 2 "QEMU '/nonexistent' not found" -- \
	env QEMU=/nonexistent ISO="$ISO" LOG="$WORK/k.log" tests/qemu/run-ktest.sh --quiet --no-report
expect run_ktest_bad_option 2 "QEMU did not start" -- \
	env QEMU_ARGS=--bogus-option ISO="$ISO" LOG="$WORK/k.log" tests/qemu/run-ktest.sh --quiet --no-report
expect run_ktest_bad_option_names_it 2 "--bogus-option: invalid option" -- \
	env QEMU_ARGS=--bogus-option ISO="$ISO" LOG="$WORK/k.log" tests/qemu/run-ktest.sh --quiet
expect run_ktest_without_iso 2 "$WORK/none.iso not found" -- \
	env ISO="$WORK/none.iso" LOG="$WORK/k.log" tests/qemu/run-ktest.sh --quiet --no-report

expect run_without_qemu 2 "QEMU '/nonexistent' not found" -- \
	env QEMU=/nonexistent RUN_LOG="$WORK/r.log" mk/run-qemu.sh "$ISO" "${QEMU_FLAGS[@]}"
expect run_bad_option 2 "QEMU did not start" -- \
	env RUN_LOG="$WORK/r.log" mk/run-qemu.sh "$ISO" "${QEMU_FLAGS[@]}" --bogus-option
expect run_without_iso 2 "$WORK/none.iso not found" -- \
	env RUN_LOG="$WORK/r.log" mk/run-qemu.sh "$WORK/none.iso" "${QEMU_FLAGS[@]}"
expect make_run_bad_option 2 "QEMU did not start" -- \
	make -s --no-print-directory run QEMU_ARGS=--bogus-option

# The kernel's poweroff (status 1 after the banner) is a normal end: type
# poweroff once the shell's prompt is in the run's log.
poweroff_when_ready() {
	local tries=$((CMD_TIMEOUT * 10))

	until grep -aq '^osmem> ' "$WORK/p.log" 2>/dev/null; do
		tries=$((tries - 1))
		[ $tries -gt 0 ] || return
		sleep 0.1
	done
	printf 'poweroff\r'
	sleep 1	# then stdin may close: QEMU has the line
}
poweroff_when_ready | timeout -k 5 60 env RUN_LOG="$WORK/p.log" \
	mk/run-qemu.sh "$SHELL_ISO" "${QEMU_FLAGS[@]}" >"$WORK/p.out" 2>&1
st=$?
ktap_check run_poweroff_is_a_normal_end "$([ $st = 0 ] &&
	grep -aq '^poweroff: QEMU isa-debug-exit' "$WORK/p.log"; echo $?)" \
	"exit status $st (want 0)" "$(tail -5 "$WORK/p.out")"

ktap_done
