#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench-kernel: kmalloc+kfree (and kmem_cache) pairs per CPU in the
# kernel, on one CPU and on SMP CPUs at once (suite kmalloc_bench, booted
# with `kbench`; kernel/tests/kmalloc_bench_test.c says what it measures).
#
#   tests/bench/kernel-bench.sh          (make bench-kernel builds the ISO)
#
# Two boots of build/kbench.iso with -smp $SMP (default 2):
#   icount   QEMU -icount shift=0: the TSC is QEMU's instruction-driven
#            virtual clock, so on one CPU ticks/pair are its instructions
#            per pair, the same on every run. With several CPUs the clock
#            advances with all their instructions, in turns -icount
#            decides: those lines are no per-CPU counts.
#   mttcg    plain TCG, one host thread per CPU: ticks are host cycles,
#            noisy on a loaded machine; its scaling is the throughput of
#            all CPUs over one CPU's (2.00 is perfect for two).
# ROUNDS=N boots the mttcg one N times (default 1): its figures vary with
# the host's load. Prints the suite's "# kbench" lines of each boot. Figures only: nothing
# is asserted but that every allocation succeeded (the suite's KTAP).
set -u
cd "$(dirname "$0")/../.."

ISO=${ISO:-build/kbench.iso}
ROUNDS=${ROUNDS:-1}
SMP=${SMP:-2}
MEM=${MEM:-128M}
QEMU=${QEMU:-qemu-system-x86_64}
TIMEOUT=${QEMU_TIMEOUT:-600}
status=0

boot() {
	local name=$1 log=build/kbench-$1.log
	shift
	timeout -k 10 "$TIMEOUT" "$QEMU" -accel tcg "$@" -m "$MEM" -smp "$SMP" \
		-display none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-cdrom "$ISO" -serial file:"$log" > /dev/null 2>&1
	local rc=$?
	echo "== $name (-smp $SMP $*): exit $rc, log $log"
	grep -o '# kbench.*' "$log" || echo "   no figures (see $log)"
	grep -q '^not ok' "$log" && status=1
	[ "$rc" = 33 ] || status=1
}

[ -f "$ISO" ] || { echo "kernel-bench: $ISO not built (make bench-kernel)" >&2; exit 2; }
boot icount -icount shift=0
for ((r = 1; r <= ROUNDS; r++)); do
	boot mttcg
done
exit $status
