#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A panic on CPU 1 stops CPU 0 and is printed once, whole: boot
# build/smp-panic.iso (command line "crash=panic_ap panic_exit") with
# -smp 2 and check its serial log.
#
#   tests/qemu/smp-panic.sh            (make test builds the ISO)
#
# The kernel's crash=panic_ap (kernel/crash.c): CPU 0 hands CPU 1 a call
# that outlasts smp_call's timeout, then prints "CPU 0 still printing"
# lines without pause while CPU 1 panics. The panic must NMI CPU 0 before
# it prints (kernel/arch/x86_64/smp_stop.c). Checks, one KTAP case each
# (suite smp_panic): QEMU ends with the panic's exit status (35); one
# "PANIC:" line, naming CPU 1 and one stopped CPU; no line of CPU 0 after
# it, and never "CPU 0 was not stopped"; the report ends with
# "=== kernel stopped ===" once, after the PANIC line.
#
# Environment: ISO (build/smp-panic.iso), LOG (build/smp-panic.log), QEMU,
# ACCEL (tcg), MEM (128M), QEMU_TIMEOUT (60). Exit status 0 when every
# case passed, 1 when not, 2 when something needed is missing.
set -u
. "$(dirname "$0")/../lib/ktap.sh"

ISO=${ISO:-build/smp-panic.iso}
LOG=${LOG:-build/smp-panic.log}
QEMU=${QEMU:-qemu-system-x86_64}
ACCEL=${ACCEL:-tcg}
MEM=${MEM:-128M}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-60}
PANIC_STATUS=35		# qemu_exit(QEMU_EXIT_FAIL): (0x11 << 1) | 1

[ -f "$ISO" ] || { echo "smp-panic: $ISO not found: build it first (make test)" >&2; exit 2; }
command -v "$QEMU" >/dev/null || { echo "smp-panic: $QEMU not found" >&2; exit 2; }

ktap_suite smp_panic
mkdir -p "$(dirname "$LOG")"
: >"$LOG"
timeout -k 5 "$QEMU_TIMEOUT" "$QEMU" -accel "$ACCEL" -m "$MEM" -smp 2 \
	-cdrom "$ISO" -display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-chardev "file,id=s0,path=$LOG" -serial chardev:s0 \
	-monitor none -parallel none </dev/null
status=$?
log=$(tr -d '\r' <"$LOG")

ktap_check qemu_exits_with_the_panic_status "$([ $status = $PANIC_STATUS ]; echo $?)" \
	"QEMU exit status $status, expected $PANIC_STATUS"
npanic=$(printf '%s\n' "$log" | grep -c '^PANIC')
ktap_check one_panic_line "$([ "$npanic" = 1 ]; echo $?)" \
	"$npanic lines start with PANIC"
printf '%s\n' "$log" | grep -q '^PANIC: crash=panic_ap requested: a panic on CPU 1$'
ktap_check panic_names_cpu1 $? "no 'PANIC: ... a panic on CPU 1' line"
printf '%s\n' "$log" | grep -q '^  on CPU 1; 1 other CPU stopped$'
ktap_check panic_stopped_the_other_cpu $? "no '  on CPU 1; 1 other CPU stopped' line"
after=$(printf '%s\n' "$log" | sed -n '/^PANIC/,$p')
late=$(printf '%s\n' "$after" | grep -c 'CPU 0 still printing')
ktap_check cpu0_prints_nothing_after_the_panic "$([ "$late" = 0 ]; echo $?)" \
	"$late lines of CPU 0 after the PANIC line"
printf '%s\n' "$log" | grep -q 'CPU 0 was not stopped'
ktap_check cpu0_never_finished "$([ $? != 0 ]; echo $?)" "CPU 0 ran to its end"
nstop=$(printf '%s\n' "$after" | grep -c '^=== kernel stopped ===$')
ktap_check report_ends_once "$([ "$nstop" = 1 ] && [ "$(printf '%s\n' "$after" | tail -n 1)" = '=== kernel stopped ===' ]; echo $?)" \
	"'=== kernel stopped ===' $nstop times after PANIC, or not last"
ktap_done
