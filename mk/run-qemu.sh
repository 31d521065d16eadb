#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make run / make debug: boot an ISO in QEMU with the serial console (and
# QEMU's monitor, Ctrl-A c) on this terminal, and say clearly when QEMU
# did not start.
#
#   mk/run-qemu.sh ISO [QEMU OPTION...]
#
# Why: the kernel's poweroff ends QEMU through isa-debug-exit with value
# 0, and QEMU reports (value << 1) | 1 = 1, the very status QEMU itself
# gives for a bad option or an image it cannot open. Taking 1 as "powered
# off" hid a QEMU that never started. The serial output is also kept in
# RUN_LOG; a status of 1 is a poweroff only when the kernel's banner is
# there, that is when the guest ran.
#
# Exit status: 0 when the run ended normally (poweroff, Ctrl-A x); 2 when
# QEMU is missing, the ISO is missing or QEMU did not start (its own
# message is repeated); 1 when the kernel ended the run with another
# isa-debug-exit value (a failure or a panic) or QEMU ended otherwise.
#
# Environment: QEMU (qemu-system-x86_64), RUN_LOG (build/run.log).
set -u

QEMU=${QEMU:-qemu-system-x86_64}
RUN_LOG=${RUN_LOG:-build/run.log}
BANNER='osmem kernel '

die() {
	echo "run: error: $*" >&2
	exit 2
}

[ $# -ge 1 ] || die "usage: $0 ISO [QEMU OPTION...]"
iso=$1
shift
[ -f "$iso" ] || die "$iso not found: no image to boot (make builds it: make run)"
command -v "$QEMU" >/dev/null ||
	die "QEMU '$QEMU' not found: apt-get install --no-install-recommends qemu-system-x86 (or QEMU=path)"

mkdir -p "$(dirname "$RUN_LOG")"
: >"$RUN_LOG"
err=$(mktemp "${TMPDIR:-/tmp}/run-qemu.XXXXXX")
trap 'rm -f "$err"' EXIT

# The serial port and the monitor share this terminal (mux, Ctrl-A as
# -serial mon:stdio does); signal=off hands Ctrl-C to the guest. QEMU's
# stderr goes to the terminal and to $err.
"$QEMU" "$@" -cdrom "$iso" \
	-chardev "stdio,id=s0,mux=on,signal=off,logfile=$RUN_LOG" \
	-serial chardev:s0 -mon chardev=s0,mode=readline 2> >(tee "$err" >&2)
status=$?
wait 2>/dev/null	# tee's last bytes are in $err

ran=0
grep -aq "^$BANNER" "$RUN_LOG" && ran=1
if [ $ran = 0 ] && [ "$status" != 0 ]; then
	echo "run: error: QEMU did not start (exit status $status; the kernel printed nothing):" >&2
	sed 's/^/run:   /' "$err" >&2
	exit 2
fi
case $status in
0) exit 0 ;;			# Ctrl-A x, or a reset turned into an exit
1) exit 0 ;;			# poweroff: isa-debug-exit 0
esac
if [ $((status % 2)) = 1 ] && [ "$status" -lt 256 ]; then
	echo "run: the kernel ended the run with isa-debug-exit 0x$(printf '%x' $(((status - 1) / 2))) (QEMU status $status: a failure or a panic)" >&2
else
	echo "run: QEMU ended with status $status" >&2
fi
exit 1
