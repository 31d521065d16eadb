#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What `make run` gives a student at its terminal (issue 16):
#   - a crash report ends with how to leave QEMU: boot build/crash-panic.iso
#     and build/crash-pagefault.iso (command line "crash=... console_hint=qemu",
#     mk/kernel.mk), wait for the report, and check its last line is
#     "press Ctrl-A x to leave QEMU", right after "=== kernel stopped ===";
#   - make run's boots pass console_hint=qemu (build/os.iso's grub.cfg, and
#     the run ISO's when KARGS is given) and its QEMU resets rather than
#     exits on a reboot (no -no-reboot): read from `make -n run`, the
#     commands make run would run (nothing is built or booted by it).
# The shell's `reboot` resetting the machine is tests/shell/session.sh's.
#
#   tests/qemu/make-run.sh            (make test builds the ISOs)
#
# Environment: QEMU, ACCEL (tcg), MEM (128M), QEMU_TIMEOUT (60 seconds for
# each boot). Exit status 0 when every case passed, 1 when not, 2 when
# something needed is missing.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/ktap.sh

. tests/lib/qemu-boot.sh
HINT='press Ctrl-A x to leave QEMU'
# Run from make test: the outer make's flags are not this make's.
unset MAKEFLAGS MFLAGS MAKELEVEL

ktap_suite make_run

# crash_ends_with_hint NAME: boot build/crash-NAME.iso until its report is
# whole (the hint, or the report's end and a second more: the kernel
# halts, QEMU is stopped then), check the last lines.
crash_ends_with_hint() {
	local log=$QEMU_BOOT_WORK/$1.log last

	qemu_boot_until "build/crash-$1.iso" "$log" "^$HINT" '^=== kernel stopped ==='
	last=$(tr -d '\r' <"$log" | grep -v '^$' | tail -n 2)
	ktap_check "crash_${1}_ends_with_hint" "$([ "$last" = "=== kernel stopped ===
$HINT" ]; echo $?)" "last lines of the report: $last"
}

crash_ends_with_hint panic
crash_ends_with_hint pagefault

# make run's commands, as make would run them (make -n; KARGS given, so
# the run ISO of mk/kernel.mk is the one booted).
plain=$(make --no-print-directory -n run 2>&1)
kargs=$(make --no-print-directory -n run KARGS=heap_debug 2>&1)
# The QEMU line goes through mk/run-qemu.sh, which adds -cdrom and the
# serial console: neither it nor make run's options may hold -no-reboot.
qemu_line=$(grep -- 'mk/run-qemu.sh' <<<"$plain" | grep -v -- ' -s -S' | head -n 1)
wrapper_opts=$(grep -v '^[[:space:]]*#' mk/run-qemu.sh)
ktap_check make_run_qemu_resets "$([ -n "$qemu_line" ] &&
	! grep -q -- '-no-reboot' <<<"$qemu_line$wrapper_opts"; echo $?)" \
	"make run's QEMU line: $qemu_line"
grub_plain=$(sed -n '/^menuentry/,/}/p' iso/boot/grub/grub.cfg | grep -m 1 multiboot2)
ktap_check make_run_passes_console_hint "$(grep -q 'console_hint=qemu' <<<"$grub_plain" &&
	grep -q "multiboot2 /boot/kernel.elf console_hint=qemu heap_debug" <<<"$kargs"; echo $?)" \
	"os.iso: $grub_plain; make run KARGS=heap_debug: $(grep "multiboot2 /boot" <<<"$kargs")"

ktap_done
