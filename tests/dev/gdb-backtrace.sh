#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make debug / make gdb without a terminal: boot ISO (build/ktest.iso, which
# make test builds; any ISO of build/kernel.elf will do) in QEMU stopped
# for gdb (-S, its stub on a free port rather than 1234, so it cannot meet a
# `make debug` someone else runs), attach gdb -batch with the kernel's
# symbols, stop at kmain and print the backtrace. KTAP on stdout:
#   1 gdb stops at kmain (hbreak kmain, continue)
#   2 the backtrace there is kmain and its caller kmain_entry, and ends:
#     kmain_entry's unwind information says it has no caller
#     (kernel/arch/x86_64/kmain_entry.c), so no garbage frame follows
#   3 `break panic_at` (panic() is a macro over it) resolves to a source line (the symbols carry line info)
#
#   [ISO=build/os.iso] tests/dev/gdb-backtrace.sh
set -u
cd "$(dirname "$0")/../.."

ELF=build/kernel.elf
ISO=${ISO:-build/ktest.iso}
QEMU=${QEMU:-qemu-system-x86_64}
OUT=build/test/gdb-backtrace.out
PORT=$((20000 + $$ % 20000))

echo "KTAP version 1"
echo "1..3"
for f in "$ELF" "$ISO"; do
	[ -e "$f" ] || { echo "# $f is missing: run make iso" >&2; exit 2; }
done
command -v gdb > /dev/null || { echo "# gdb is missing (make debug-deps)" >&2; exit 2; }
mkdir -p "$(dirname "$OUT")"

"$QEMU" -accel tcg -m 128M -display none -no-reboot -serial null \
	-cdrom "$ISO" -gdb tcp:127.0.0.1:$PORT -S &
qemu=$!
trap 'kill $qemu 2> /dev/null; wait $qemu 2> /dev/null' EXIT
sleep 1

timeout 120 gdb -q -nx -batch \
	-ex 'set architecture i386:x86-64' -ex "file $ELF" \
	-ex "target remote 127.0.0.1:$PORT" -ex 'hbreak kmain' -ex continue \
	-ex 'echo BT-BEGIN\n' -ex bt -ex 'echo BT-END\n' \
	-ex 'break panic_at' > "$OUT" 2>&1

bt=$(sed -n '/^BT-BEGIN/,/^BT-END/p' "$OUT" | grep '^#')
frames=$(printf '%s\n' "$bt" | grep -c '^#')
ok() { if [ "$1" = 0 ]; then echo "ok $2 - $3"; else echo "not ok $2 - $3"; fails=1; fi; }
fails=0

printf '%s\n' "$bt" | grep -q '^#0 .*kmain (' ; r=$?
[ $r = 0 ] || sed 's/^/# /' "$OUT"
ok $r 1 "gdb stops at kmain"
[ "$frames" = 2 ] && printf '%s\n' "$bt" | sed -n 2p | grep -q '^#1 .* in kmain_entry ()'; r=$?
[ $r = 0 ] || { echo "# $frames frames:"; printf '%s\n' "$bt" | sed 's/^/# /'; }
ok $r 2 "the backtrace at kmain ends at kmain_entry"
grep -q '^Breakpoint [0-9]* at 0x[0-9a-f]*: file .*, line [0-9]*\.' "$OUT"; r=$?
[ $r = 0 ] || grep -i 'panic' "$OUT" | sed 's/^/# /'
ok $r 3 "break panic_at resolves to a source line"
exit $fails
