#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What the boot says about its options (issue 16): boot ISOs whose command
# lines carry the options under test (mk/kernel.mk builds them), read the
# serial log up to the shell's start, check the lines.
#
#   tests/qemu/boot-options.sh          (make test builds the ISOs)
#
# Cases (suite boot_log):
#   - build/boot-classic-debug.iso, "heap=classic heap_debug": the classic
#     allocator has no debug mode, and the boot says heap_debug is ignored
#     (never "classic allocator, debug");
#   - build/boot-bogus.iso, "heap_dbug smp_expect=two heap_debug": one line
#     for the unknown option, naming the known ones; one for the malformed
#     one, saying why; the known option still works (fast, debug).
#
# Each boot runs until "kernel: idle, starting the shell" (QEMU is killed
# then) or QEMU_TIMEOUT. Environment: QEMU, ACCEL (tcg), MEM (128M),
# QEMU_TIMEOUT (60 seconds a boot). Exit status 0 when every case passed,
# 1 when not, 2 when something needed is missing.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/ktap.sh

. tests/lib/qemu-boot.sh
READY='^kernel: idle, starting the shell'

ktap_suite boot_log

# boot NAME: boot build/NAME.iso until the shell starts; LOGTEXT = its
# serial log, CR removed.
boot() {
	local log=$QEMU_BOOT_WORK/$1.log

	qemu_boot_until "build/$1.iso" "$log" "$READY"
	LOGTEXT=$(tr -d '\r' <"$log")
}

boot boot-classic-debug
ktap_check classic_says_heap_debug_ignored "$(
	grep -q '^kmalloc: heap_debug ignored: the classic allocator has no debug mode' <<<"$LOGTEXT" &&
	grep -q '^kmalloc: classic allocator$' <<<"$LOGTEXT"; echo $?)" \
	"kmalloc's lines: $(grep '^kmalloc' <<<"$LOGTEXT")"

boot boot-bogus
ktap_check unknown_option_reported "$(
	grep -q '^boot: unknown option heap_dbug; known: heap, heap_debug, .* (help boot)$' <<<"$LOGTEXT"; echo $?)" \
	"boot lines: $(grep '^boot: ' <<<"$LOGTEXT")"
ktap_check malformed_option_reported "$(
	grep -q '^boot: malformed option smp_expect=two: smp_expect=N takes a number$' <<<"$LOGTEXT" &&
	[ "$(grep -c '^boot: ' <<<"$LOGTEXT")" = 2 ] &&
	grep -q '^kmalloc: fast allocator, debug$' <<<"$LOGTEXT"; echo $?)" \
	"boot lines: $(grep '^boot: ' <<<"$LOGTEXT"); kmalloc: $(grep '^kmalloc' <<<"$LOGTEXT")"

ktap_done
