/* SPDX-License-Identifier: MIT */
/*
 * kmain_entry: the outermost frame of the boot CPU. boot/boot.asm jumps
 * here on the boot stack with rbp = 0 and kmain's arguments in edi/esi;
 * this calls kmain and halts should it return.
 *
 * Why a C file of assembly: the frame needs unwind information saying it
 * has no caller (.cfi_undefined rip), and nasm cannot write any. With it
 * gdb's backtrace ends here, one frame below kmain, instead of reading
 * past the top of the boot stack for return addresses (garbage frames).
 * The kernel's own backtrace (backtrace.c) stops on rbp = 0 instead.
 *
 * .debug_frame, not .eh_frame: linker.ld discards .eh_frame. The file holds
 * nothing else, so this .cfi_sections comes before any CFI gcc writes.
 */
__asm__(
	".cfi_sections .debug_frame\n"
	".text\n"
	".globl kmain_entry\n"
	".type kmain_entry, @function\n"
	"kmain_entry:\n"
	".cfi_startproc\n"
	".cfi_undefined rip\n"
	"	call kmain\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".cfi_endproc\n"
	".size kmain_entry, . - kmain_entry\n");
