# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Drive the kernel's shell over its serial port from a test script, as
# tests/shell/session.sh does (its comments say why each step is so):
# QEMU's serial input is a fifo the script writes, its output a private
# log; each command is typed once the shell printed its prompt, and its
# answer is what the log gained between its Enter and the next prompt.
#
# Sourced, not run:
#
#   . "$(dirname "$0")/serial-session.sh"
#   shell_start              boot $ISO (fails the script when it cannot)
#   wait_prompts N           wait for more than N prompts; 1 on time-out
#   run TEXT                 type TEXT and Enter; OUT is the answer
#   type_text TEXT           type TEXT as it is (no Enter, no wait)
#   wait_text TEXT [OFFSET]  wait until the log (from OFFSET) holds TEXT
#   shell_poweroff           poweroff; QEMU's exit status in QEMU_STATUS
#
# Environment: ISO, LOG (where the serial log is copied at exit), QEMU,
# ACCEL (tcg), MEM (128M), SESSION_TIMEOUT (seconds, 90), CMD_TIMEOUT
# (seconds for one answer, 20), SESSION_REBOOT (0: QEMU runs with
# -no-reboot, so a reset ends it; 1: a reset boots the machine again, as
# under make run). Missing pieces end the script with exit status 2.

QEMU=${QEMU:-qemu-system-x86_64}
ACCEL=${ACCEL:-tcg}
MEM=${MEM:-128M}
SESSION_TIMEOUT=${SESSION_TIMEOUT:-90}
CMD_TIMEOUT=${CMD_TIMEOUT:-20}
SESSION_REBOOT=${SESSION_REBOOT:-0}
PROMPT='osmem> '
qpid=
OUT=

shell_die() {
	echo "${0##*/}: error: $*" >&2
	exit 2
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/shell-session.XXXXXX")
FINAL_LOG=$LOG
LOG=$WORK/serial.log
shell_cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	mkdir -p "$(dirname "$FINAL_LOG")" && cp "$LOG" "$FINAL_LOG" 2>/dev/null
	rm -rf "$WORK"
}
trap shell_cleanup EXIT

shell_start() {
	local reboot=-no-reboot

	[ -f "$ISO" ] || shell_die "$ISO not found: build it first (make test)"
	command -v "$QEMU" >/dev/null || shell_die "$QEMU not found"
	command -v timeout >/dev/null || shell_die "timeout not found (coreutils)"
	[ "$SESSION_REBOOT" = 1 ] && reboot=
	: >"$LOG"
	mkfifo "$WORK/in" || shell_die "mkfifo failed"
	timeout -k 5 "$SESSION_TIMEOUT" "$QEMU" -accel "$ACCEL" -m "$MEM" -smp 2 \
		-cdrom "$ISO" -display none $reboot \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-chardev stdio,id=s0,signal=off -serial chardev:s0 \
		-monitor none -parallel none <"$WORK/in" >"$LOG" 2>"$WORK/qemu.err" &
	qpid=$!
	exec 3>"$WORK/in"
}

# Prompts at the start of a line: a line the editor redraws ("\r" then
# the prompt again) does not count, only the one after a newline.
prompts() {
	grep -ac "^$PROMPT" "$LOG"
}

wait_prompts() {
	local want=$1 tries=$((CMD_TIMEOUT * 20))

	while [ "$(prompts)" -le "$want" ]; do
		kill -0 "$qpid" 2>/dev/null || return 1
		tries=$((tries - 1))
		[ $tries -gt 0 ] || return 1
		sleep 0.05
	done
	return 0
}

# Wait until the log, from byte offset $2 (0), holds the fixed string $1
# (1 on time-out or exit).
wait_text() {
	local tries=$((CMD_TIMEOUT * 20))

	until tail -c +$((${2:-0} + 1)) "$LOG" | grep -aqF -- "$1"; do
		kill -0 "$qpid" 2>/dev/null || return 1
		tries=$((tries - 1))
		[ $tries -gt 0 ] || return 1
		sleep 0.05
	done
	return 0
}

type_text() {
	printf '%s' "$1" >&3
}

run() {
	local before off

	before=$(prompts)
	off=$(wc -c <"$LOG")
	printf '%s\r' "$1" >&3
	wait_prompts "$before" || {
		OUT=$(tail -c +$((off + 1)) "$LOG" | tr -d '\r')
		return 1
	}
	OUT=$(tail -c +$((off + 1)) "$LOG" | tr -d '\r' | sed '1d; $d')
}

# Not in $(...): wait needs QEMU to be this shell's child.
shell_poweroff() {
	printf 'poweroff\r' >&3
	wait "$qpid"
	QEMU_STATUS=$?
	qpid=
}
