# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Boot an ISO in QEMU with its serial console written to a file, until a
# line of the log says the part under test is over, for test scripts that
# read a boot's log (tests/qemu/boot-options.sh, tests/qemu/make-run.sh).
# Scripts that type into the shell use tests/shell/serial-session.sh.
#
# Sourced, not run:
#
#   . tests/lib/qemu-boot.sh
#   qemu_boot_until ISO LOG DONE [END]
#       boot ISO, the serial log in LOG; stop QEMU once LOG has a line
#       matching the extended regex DONE, or one second after a line
#       matching END (what should come before it has had its chance), or
#       after QEMU_TIMEOUT seconds, or when QEMU exits. A missing ISO or
#       QEMU ends the script with exit status 2.
#
# Environment: QEMU, ACCEL (tcg), MEM (128M), QEMU_TIMEOUT (60 seconds a
# boot). QEMU's own messages go to $QEMU_BOOT_WORK/qemu.err.

QEMU=${QEMU:-qemu-system-x86_64}
ACCEL=${ACCEL:-tcg}
MEM=${MEM:-128M}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-60}
QEMU_BOOT_WORK=$(mktemp -d "${TMPDIR:-/tmp}/qemu-boot.XXXXXX")
qemu_boot_pid=
qemu_boot_cleanup() {
	[ -n "$qemu_boot_pid" ] && kill "$qemu_boot_pid" 2>/dev/null
	rm -rf "$QEMU_BOOT_WORK"
}
trap qemu_boot_cleanup EXIT

qemu_boot_until() {
	local iso=$1 log=$2 done_re=$3 end_re=${4:-} tries

	command -v "$QEMU" >/dev/null || { echo "${0##*/}: $QEMU not found" >&2; exit 2; }
	[ -f "$iso" ] || { echo "${0##*/}: $iso not found: build it first (make test)" >&2; exit 2; }
	: >"$log"
	timeout -k 5 "$QEMU_TIMEOUT" "$QEMU" -accel "$ACCEL" -m "$MEM" -smp 2 \
		-cdrom "$iso" -display none -no-reboot \
		-chardev "file,id=s0,path=$log" -serial chardev:s0 \
		-monitor none -parallel none </dev/null 2>"$QEMU_BOOT_WORK/qemu.err" &
	qemu_boot_pid=$!
	tries=$((QEMU_TIMEOUT * 10))
	while [ $tries -gt 0 ] && kill -0 "$qemu_boot_pid" 2>/dev/null &&
		! grep -aqE "$done_re" "$log"; do
		if [ -n "$end_re" ] && grep -aqE "$end_re" "$log"; then
			sleep 1
			break
		fi
		sleep 0.1
		tries=$((tries - 1))
	done
	kill "$qemu_boot_pid" 2>/dev/null
	wait "$qemu_boot_pid" 2>/dev/null
	qemu_boot_pid=
}
