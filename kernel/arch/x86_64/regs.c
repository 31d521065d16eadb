/* SPDX-License-Identifier: MIT */
/* The register dump (regs.h). */
#include "kernel/arch/x86_64/regs.h"
#include "libk/cpu.h"
#include "libk/console.h"

void regs_print(const struct trap_frame *f)
{
	kprintf("RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n",
		f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("RSI=%016lx RDI=%016lx RBP=%016lx RSP=%016lx\n",
		f->rsi, f->rdi, f->rbp, f->rsp);
	kprintf("R8 =%016lx R9 =%016lx R10=%016lx R11=%016lx\n",
		f->r8, f->r9, f->r10, f->r11);
	kprintf("R12=%016lx R13=%016lx R14=%016lx R15=%016lx\n",
		f->r12, f->r13, f->r14, f->r15);
	kprintf("RIP=%016lx RFLAGS=%016lx CS=%04lx SS=%04lx\n",
		f->rip, f->rflags, f->cs, f->ss);
	kprintf("CR0=%016lx CR2=%016lx CR3=%016lx CR4=%016lx\n",
		read_cr0(), read_cr2(), read_cr3(), read_cr4());
}
