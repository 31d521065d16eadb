/* SPDX-License-Identifier: MIT */
/*
 * Frame-pointer walker. It reads only memory it has checked to lie inside a
 * registered stack, so it is safe to call from a fault handler on any rbp.
 */
#include "kernel/arch/x86_64/backtrace.h"
#include "kernel/arch/x86_64/smp.h"
#include "libk/console.h"
#include "kernel/symbols.h"
#include <stdbool.h>
#include <stddef.h>

extern const char __stack_bottom[], __stack_top[];

struct stack_range {
	uintptr_t lo, hi;
};

static struct stack_range bt_stacks[BACKTRACE_MAX_STACKS];
static int bt_nstacks;
/* Per CPU: the thread running there (hi 0: none). */
static struct stack_range bt_thread[SMP_MAX_CPUS];

void backtrace_set_thread_stack(uintptr_t lo, uintptr_t hi)
{
	struct stack_range *r = &bt_thread[smp_this_index()];

	r->lo = lo;
	r->hi = hi;
}

int backtrace_add_stack(uintptr_t lo, uintptr_t hi)
{
	if (bt_nstacks == BACKTRACE_MAX_STACKS || lo >= hi)
		return -1;
	bt_stacks[bt_nstacks].lo = lo;
	bt_stacks[bt_nstacks].hi = hi;
	bt_nstacks++;
	return 0;
}

static bool is_canonical(uintptr_t a)
{
	/* bits 63..47 all equal */
	return (uintptr_t)((intptr_t)(a << 16) >> 16) == a;
}

/* Is the 16-byte frame record at rbp inside one known stack? */
static const struct stack_range *frame_stack(uintptr_t rbp)
{
	static struct stack_range boot;
	const struct stack_range *th = &bt_thread[smp_this_index()];

	boot.lo = (uintptr_t)__stack_bottom;
	boot.hi = (uintptr_t)__stack_top;
	if (rbp >= boot.lo && rbp <= boot.hi - 16)
		return &boot;
	if (th->hi && rbp >= th->lo && rbp <= th->hi - 16)
		return th;
	for (int i = 0; i < bt_nstacks; i++)
		if (rbp >= bt_stacks[i].lo && rbp <= bt_stacks[i].hi - 16)
			return &bt_stacks[i];
	return NULL;
}

int backtrace_walk(uintptr_t rbp, uintptr_t *pcs, int max)
{
	int n = 0;

	if (max > BACKTRACE_MAX_DEPTH)
		max = BACKTRACE_MAX_DEPTH;
	while (n < max && rbp != 0) {
		const struct stack_range *st;
		const uintptr_t *frame;

		if (!is_canonical(rbp) || (rbp & 7) != 0)
			break;
		st = frame_stack(rbp);
		if (!st)
			break;
		frame = (const uintptr_t *)rbp;
		if (frame[1] == 0)
			break;
		pcs[n++] = frame[1];
		/* Callers' frames are higher on the same stack: anything else
		 * is a loop or garbage. */
		if (frame[0] != 0 && frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
	return n;
}

static void backtrace_print_ret(uintptr_t rip, uintptr_t ret, uintptr_t rbp);

static void backtrace_line(int i, uintptr_t pc, bool is_return)
{
	char sym[KSYM_FORMAT_MAX];
	uintptr_t off;
	/* A return address may be past the end of a noreturn caller: name
	 * the byte before it, the call instruction's. */
	const char *name = ksym_lookup(is_return ? pc - 1 : pc, &off);

	if (name)
		ksym_format(sym, sizeof(sym), pc);
	if (name && is_return)
		kprintf("  #%d 0x%016lx %s+0x%lx\n", i, (unsigned long)pc, name,
			(unsigned long)(off + 1));
	else if (name)
		kprintf("  #%d 0x%016lx %s\n", i, (unsigned long)pc, sym);
	else
		kprintf("  #%d 0x%016lx ?\n", i, (unsigned long)pc);
}

/*
 * GCC gives a leaf function that uses no stack no frame, even with
 * -fno-omit-frame-pointer; and a fault may hit a function's prologue before
 * `push rbp; mov rbp, rsp` completed. In both cases rbp is still the
 * caller's frame, so the walk from rbp would skip the caller. Its return
 * address is then on top of the stack: at rsp, or at rsp + 8 after the
 * push. Returns the slot, or NULL when the frame is complete (or unknown).
 */
static const uintptr_t *fault_return_slot(uintptr_t rip, uintptr_t rsp)
{
	static const uint8_t prologue[4] = { 0x55, 0x48, 0x89, 0xe5 };
	const uint8_t *fn;
	uintptr_t off, slot;
	bool has_prologue = true;

	if (!ksym_lookup(rip, &off))
		return NULL;
	fn = (const uint8_t *)(rip - off);
	for (int i = 0; i < 4; i++)
		if (fn[i] != prologue[i])
			has_prologue = false;
	if (has_prologue && off >= sizeof(prologue))
		return NULL;
	slot = (has_prologue && off >= 1) ? rsp + 8 : rsp;
	if ((slot & 7) != 0 || !frame_stack(slot & ~15UL))
		return NULL;
	return (const uintptr_t *)slot;
}

void backtrace_print_fault(uintptr_t rip, uintptr_t rsp, uintptr_t rbp)
{
	const uintptr_t *slot = fault_return_slot(rip, rsp);

	backtrace_print_ret(rip, slot && ksym_lookup(*slot - 1, NULL) ? *slot : 0,
			    rbp);
}

void backtrace_print(uintptr_t rip, uintptr_t rbp)
{
	backtrace_print_ret(rip, 0, rbp);
}

static void backtrace_print_ret(uintptr_t rip, uintptr_t ret, uintptr_t rbp)
{
	uintptr_t pcs[BACKTRACE_MAX_DEPTH];
	int n, i = 0;

	kprintf("backtrace:\n");
	if (rip)
		backtrace_line(i++, rip, false);
	if (ret)
		backtrace_line(i++, ret, true);
	n = backtrace_walk(rbp, pcs, BACKTRACE_MAX_DEPTH);
	for (int k = 0; k < n; k++)
		backtrace_line(i++, pcs[k], true);
	if (i == 0)
		kprintf("  (no frames)\n");
}
