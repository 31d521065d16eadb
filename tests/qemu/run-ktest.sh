#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot the self-test ISO in QEMU, keep its serial log, and check the KTAP in it.
#
#   tests/qemu/run-ktest.sh [--quiet] [--no-report]
#
# Builds nothing: make builds the ISO first (`make test` does). The ISO's
# kernel command line (ktest=SUITES, from make's KTEST=) picks the suites.
#
# Environment (make passes its variables of the same names):
#   ISO      the image to boot               (build/ktest.iso)
#   LOG      where the serial output is kept (build/ktest.log)
#   MEM      QEMU's memory size              (128M)
#   SMP      QEMU's CPU count (-smp)         (1)
#   ACCEL    QEMU's accelerator              (tcg)
#   QEMU_TIMEOUT  seconds before the run counts as hung (120)
#   QEMU     the emulator                    (qemu-system-x86_64)
#   QEMU_ARGS  extra QEMU options, split at spaces (none)
#   REPORT   the KTAP checker                (build/host/ktap-report)
#
# The serial port goes to LOG and, unless --quiet, to the terminal too. The
# kernel ends the run through isa-debug-exit, so QEMU's exit status says how
# it ended: 33 all passed, 35 some failed; 124 is a time-out, 0 a reset (a
# triple fault: -no-reboot turns the reset into an exit), anything else a
# crash. ktap-report checks the log and that status together.
#
# QEMU that did not start: QEMU's own failures (a bad option, an image it
# cannot read) exit 1 too, which is also what isa-debug-exit 0 gives. A run
# whose log lacks the kernel's banner ended before the guest printed
# anything: that, with a non-zero status other than a time-out, is told
# as "QEMU did not start", with QEMU's message, exit status 2.
#
# Exit status: 0 when the log is complete and every test passed, 1 when not,
# 2 when something needed is missing or QEMU did not start. With
# --no-report the log is not checked and the exit status is QEMU's own
# (tests/run-all.sh checks all logs alike), or 2 as above.
set -u

ISO=${ISO:-build/ktest.iso}
LOG=${LOG:-build/ktest.log}
MEM=${MEM:-128M}
SMP=${SMP:-1}
ACCEL=${ACCEL:-tcg}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-120}
QEMU=${QEMU:-qemu-system-x86_64}
QEMU_ARGS=${QEMU_ARGS:-}
REPORT=${REPORT:-build/host/ktap-report}

# What the kernel writes to isa-debug-exit, as QEMU reports it: (v << 1) | 1.
EXIT_PASSED=33   # 0x10
EXIT_FAILED=35   # 0x11
BANNER='osmem kernel '   # the kernel's first line (kernel/kmain.c)

quiet=0
report=1

die() {
	echo "run-ktest: error: $*" >&2
	exit 2
}

parse_args() {
	for a in "$@"; do
		case $a in
		--quiet) quiet=1 ;;
		--no-report) report=0 ;;
		*) die "unknown option $a (usage: $0 [--quiet] [--no-report])" ;;
		esac
	done
}

check_tools() {
	[ -f "$ISO" ] || die "$ISO not found: no image to boot (make test builds it)"
	command -v "$QEMU" >/dev/null ||
		die "QEMU '$QEMU' not found: apt-get install --no-install-recommends qemu-system-x86"
	command -v timeout >/dev/null || die "timeout not found (coreutils)"
	[ $report = 0 ] || [ -x "$REPORT" ] ||
		die "$REPORT not found: build it first (make test)"
}

# Run QEMU under the time limit; prints its exit status.
boot() {
	local serial

	# A file chardev when quiet; else stdio with a copy in the log. Stdin is
	# /dev/null: under `timeout` QEMU is not in the terminal's foreground,
	# and reading the terminal would stop it (SIGTTIN) until the time-out.
	if [ $quiet = 1 ]; then
		serial="file,id=s0,path=$LOG"
	else
		serial="stdio,id=s0,logfile=$LOG,signal=off"
	fi
	# shellcheck disable=SC2086 # QEMU_ARGS: options split at spaces
	timeout -k 5 "$QEMU_TIMEOUT" "$QEMU" -accel "$ACCEL" -m "$MEM" -smp "$SMP" \
		-cdrom "$ISO" -display none -no-reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-chardev "$serial" -serial chardev:s0 \
		-monitor none -parallel none $QEMU_ARGS </dev/null 2> >(tee "$ERR" >&2)
}

# QEMU ended with $1 before the kernel printed its banner: it did not
# start (a time-out is a hang, told by the report instead).
check_started() {
	local status=$1

	case $status in 0 | 124 | 137) return 0 ;; esac
	grep -aq "^$BANNER" "$LOG" && return 0
	sleep 0.1	# tee's last bytes
	echo "run-ktest: error: QEMU did not start (exit status $status; the kernel printed nothing; $QEMU $ISO):" >&2
	sed 's/^/run-ktest:   /' "$ERR" >&2
	exit 2
}

main() {
	local status rc

	parse_args "$@"
	check_tools
	mkdir -p "$(dirname "$LOG")"
	: > "$LOG"  # never let a stale log pass for this run's
	[ $quiet = 1 ] || echo "run-ktest: booting $ISO (MEM=$MEM, SMP=$SMP, ACCEL=$ACCEL, time limit ${QEMU_TIMEOUT}s)"
	ERR=$(mktemp "${TMPDIR:-/tmp}/run-ktest.XXXXXX")
	trap 'rm -f "$ERR"' EXIT
	boot
	status=$?
	check_started $status
	[ $report = 1 ] || exit $status

	"$REPORT" --qemu --exit-status=$status --expect-exit=$EXIT_PASSED \
		--fail-exit=$EXIT_FAILED "$LOG"
	rc=$?
	if [ $rc = 0 ]; then
		echo "run-ktest: kernel self-tests passed (serial log: $LOG)"
	else
		echo "run-ktest: KERNEL SELF-TESTS FAILED (QEMU exit status $status; serial log: $LOG)" >&2
	fi
	exit $rc
}

main "$@"
