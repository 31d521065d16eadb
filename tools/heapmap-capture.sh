#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Capture a heapmap sample from a real boot, for tools/heappic.py:
#
#   tools/heapmap-capture.sh [OUT]     (OUT: docs/pictures/heapmap-sample.txt)
#
# Boots build/shell.iso (make build/shell.iso) in QEMU with the shell on a
# fifo, as tests/shell/session.sh does: each command is typed once the
# previous prompt came. It allocates a few blocks (the last one mapped:
# 200000 bytes is above the mmap threshold), frees four of them
# (they go to kmalloc's cache or back to the free list), then records
# `heapmap plain` and `heapmap list`. Exit 0 when the list came, else 1.
set -u
ISO=${ISO:-build/shell.iso}
QEMU=${QEMU:-qemu-system-x86_64}
OUT=${1:-docs/pictures/heapmap-sample.txt}
PROMPT='osmem> '
WORK=$(mktemp -d "${TMPDIR:-/tmp}/heapmap-capture.XXXXXX")
LOG=$WORK/serial.log
qpid=
trap '[ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$WORK"' EXIT
[ -f "$ISO" ] || { echo "capture: $ISO not found" >&2; exit 1; }
mkfifo "$WORK/in"
timeout -k 5 120 "$QEMU" -accel tcg -m 128M -smp 2 -cdrom "$ISO" \
	-display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-chardev stdio,id=s0,signal=off -serial chardev:s0 -monitor none \
	-parallel none <"$WORK/in" >"$LOG" 2>/dev/null &
qpid=$!
exec 3>"$WORK/in"
prompts() { grep -ac "^$PROMPT" "$LOG"; }
# run TEXT: type it once the shell waits, wait for the next prompt.
run() {
	local n=$(($(prompts))) tries=600
	printf '%s\r' "$1" >&3
	while [ "$(prompts)" -le "$n" ]; do
		kill -0 "$qpid" 2>/dev/null || return 1
		tries=$((tries - 1)); [ $tries -gt 0 ] || return 1
		sleep 0.05
	done
}
tries=1200
while [ "$(prompts)" -lt 1 ]; do
	kill -0 "$qpid" 2>/dev/null && [ $((tries -= 1)) -gt 0 ] || { echo "capture: no prompt" >&2; exit 1; }
	sleep 0.05
done
addrs=()
for size in 100 2000 48 5000 300 16 12000 64 700 200000; do
	off=$(wc -c <"$LOG")
	run " alloc $size" || exit 1
	a=$(tail -c +$((off + 1)) "$LOG" | grep -ao 'alloc: 0x[0-9a-f]*' | head -1)
	addrs+=("${a#alloc: }")
done
for i in 1 3 5 7; do run " free ${addrs[$i]}" || exit 1; done
off=$(wc -c <"$LOG")
run " heapmap plain" && run " heapmap list" || exit 1
printf 'poweroff\r' >&3
mkdir -p "$(dirname "$OUT")"
tail -c +$((off + 1)) "$LOG" | tr -d '\r' | grep -av "^$PROMPT\$" >"$OUT"
grep -q ' payload ' "$OUT"
