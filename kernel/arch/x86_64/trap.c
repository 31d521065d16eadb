/* SPDX-License-Identifier: MIT */
/*
 * Exception dispatch, reports and recovery.
 *
 * Invariants: trap_dispatch() never returns for an exception it did not
 * recover from; fault catches are per CPU (the boot CPU's list is
 * swapped by the scheduler per thread, an AP's lives in its percpu); a fault while a report is being printed (a nested fault)
 * prints one short line and stops, so a broken report cannot loop.
 */
#include "kernel/arch/x86_64/trap.h"
#include "kernel/arch/x86_64/backtrace.h"
#include "libk/cpu.h"
#include "kernel/arch/x86_64/irq.h"
#include "kernel/arch/x86_64/lapic.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/arch/x86_64/smp_stop.h"
#include "kernel/arch/x86_64/regs.h"
#include "libk/console.h"
#include "kernel/panic.h"
#include "kernel/symbols.h"
#include "libk/printf.h"

static const struct {
	const char *mnemonic;
	const char *name;
} trap_names[TRAP_COUNT] = {
	[0] = { "#DE", "divide error" },
	[1] = { "#DB", "debug" },
	[2] = { "NMI", "non-maskable interrupt" },
	[3] = { "#BP", "breakpoint" },
	[4] = { "#OF", "overflow" },
	[5] = { "#BR", "bound range exceeded" },
	[6] = { "#UD", "invalid opcode" },
	[7] = { "#NM", "device not available" },
	[8] = { "#DF", "double fault" },
	[9] = { "#CSO", "coprocessor segment overrun" },
	[10] = { "#TS", "invalid TSS" },
	[11] = { "#NP", "segment not present" },
	[12] = { "#SS", "stack-segment fault" },
	[13] = { "#GP", "general protection fault" },
	[14] = { "#PF", "page fault" },
	[15] = { "#15", "reserved" },
	[16] = { "#MF", "x87 floating-point exception" },
	[17] = { "#AC", "alignment check" },
	[18] = { "#MC", "machine check" },
	[19] = { "#XM", "SIMD floating-point exception" },
	[20] = { "#VE", "virtualization exception" },
	[21] = { "#CP", "control protection exception" },
	[22] = { "#22", "reserved" },
	[23] = { "#23", "reserved" },
	[24] = { "#24", "reserved" },
	[25] = { "#25", "reserved" },
	[26] = { "#26", "reserved" },
	[27] = { "#27", "reserved" },
	[28] = { "#HV", "hypervisor injection exception" },
	[29] = { "#VC", "VMM communication exception" },
	[30] = { "#SX", "security exception" },
	[31] = { "#31", "reserved" },
};

static struct fault_catch *catch_top;	/* the boot CPU's */
static int trap_depth;

/* The calling CPU's catch list head. */
static struct fault_catch **catch_slot(void)
{
	return smp_on_bsp() ? &catch_top : &this_cpu()->catch_top;
}

const char *trap_name(int vector)
{
	if (vector < 0 || vector >= TRAP_COUNT)
		return "interrupt";
	return trap_names[vector].name;
}

const char *trap_mnemonic(int vector)
{
	if (vector < 0 || vector >= TRAP_COUNT)
		return "#?";
	return trap_names[vector].mnemonic;
}

void fault_catch_push(struct fault_catch *c)
{
	struct fault_catch **top = catch_slot();

	c->prev = *top;
	c->info.vector = -1;
	*top = c;
}

void fault_catch_pop(struct fault_catch *c)
{
	struct fault_catch **top = catch_slot();

	if (*top != c)
		panic("fault_catch_pop: %p is not the innermost catch (%p)",
		      (void *)c, (void *)*top);
	*top = c->prev;
}

/* The scheduler keeps one catch list per thread: it swaps them here, in
 * the list of the CPU the switch happens on (a thread may run on another
 * CPU next time). */
struct fault_catch *fault_catch_swap(struct fault_catch *top)
{
	struct fault_catch **slot = catch_slot();
	struct fault_catch *old = *slot;

	*slot = top;
	return old;
}

int pf_error_describe(char *buf, size_t len, uint64_t error)
{
	return snprintf(buf, len, "%s %s %s %s%s",
			(error & PF_PRESENT) ? "protection" : "not-present",
			(error & PF_WRITE) ? "write" : "read",
			(error & PF_USER) ? "user" : "kernel",
			(error & PF_IFETCH) ? "ifetch" : "data",
			(error & PF_RSVD) ? " reserved-bit" : "");
}

int fault_describe(char *buf, size_t len, const struct fault_info *fi)
{
	char sym[KSYM_FORMAT_MAX], pf[64];

	ksym_format(sym, sizeof(sym), fi->rip);
	if (fi->vector == TRAP_PF) {
		pf_error_describe(pf, sizeof(pf), fi->error);
		return snprintf(buf, len, "%s %s at %s, CR2 0x%lx, error 0x%lx (%s)",
				trap_mnemonic(fi->vector), trap_name(fi->vector),
				sym, (unsigned long)fi->cr2,
				(unsigned long)fi->error, pf);
	}
	return snprintf(buf, len, "%s %s at %s, error 0x%lx",
			trap_mnemonic(fi->vector), trap_name(fi->vector), sym,
			(unsigned long)fi->error);
}

static int trap_recoverable(int vector)
{
	return vector != TRAP_NMI && vector != TRAP_DF && vector != TRAP_MC;
}

static void trap_report(const struct trap_frame *f, uint64_t cr2)
{
	char sym[KSYM_FORMAT_MAX], pf[64];
	int v = (int)f->vector;

	kprintf("\n=== EXCEPTION %d %s %s ===\n", v, trap_mnemonic(v), trap_name(v));
	ksym_format(sym, sizeof(sym), f->rip);
	kprintf("RIP: 0x%016lx <%s>\n", f->rip, sym);
	if (v == TRAP_PF) {
		pf_error_describe(pf, sizeof(pf), f->error);
		kprintf("fault address (CR2): 0x%016lx\n", cr2);
		kprintf("error code: 0x%lx (%s)\n", f->error, pf);
	} else {
		kprintf("error code: 0x%lx\n", f->error);
	}
	regs_print(f);
	backtrace_print_fault(f->rip, f->rsp, f->rbp);
}

void trap_dispatch(struct trap_frame *f)
{
	/* Read CR2 first: a fault inside the handler would overwrite it. */
	uint64_t cr2 = f->vector == TRAP_PF ? read_cr2() : 0;
	struct fault_catch **top, *c;

	/* A hardware interrupt is no fault, even inside an armed catch. The
	 * spurious vector gets no EOI (SDM: it sets no ISR bit). */
	if (f->vector == LAPIC_IPI_VECTOR) {
		smp_call_interrupt();
		return;
	}
	if (f->vector == LAPIC_TIMER_VECTOR) {
		lapic_timer_interrupt();
		return;
	}
	if (f->vector == LAPIC_SPURIOUS_VECTOR)
		return;
	if (f->vector >= TRAP_COUNT) {
		irq_dispatch(f);
		return;
	}
	/* Another CPU panicked and stops this one. */
	if (f->vector == TRAP_NMI && smp_stop_requested())
		smp_stop_this_cpu();
	top = catch_slot();
	c = *top;
	if (c && trap_recoverable((int)f->vector)) {
		c->info.vector = (int)f->vector;
		c->info.error = f->error;
		c->info.rip = f->rip;
		c->info.cr2 = cr2;
		*top = c->prev;
		klongjmp(c->jb, 1);
	}
	/* Fatal: print whoever holds the console lock (libk/console.h). */
	console_set_panic_mode(true);
	if (++trap_depth > 1) {
		kprintf("\n=== nested EXCEPTION %lu %s at RIP 0x%lx CR2 0x%lx while "
			"reporting a fault; stopping ===\n", f->vector,
			trap_mnemonic((int)f->vector), f->rip, cr2);
		panic_stop();
	}
	panic_begin();		/* the other CPUs stop first: one report */
	trap_report(f, cr2);
	kprintf("=== kernel stopped ===\n");
	panic_stop();
}

/* isr.asm and panic_capture() hard-code these offsets. */
_Static_assert(offsetof(struct trap_frame, rax) == 112, "trap_frame layout");
_Static_assert(offsetof(struct trap_frame, vector) == 120, "trap_frame layout");
_Static_assert(offsetof(struct trap_frame, cs) == 144, "trap_frame layout");
_Static_assert(offsetof(struct trap_frame, rsp) == 160, "trap_frame layout");
_Static_assert(sizeof(struct trap_frame) == 176, "trap_frame layout");
