/* SPDX-License-Identifier: MIT */
/*
 * The shell's commands (the table at the bottom; loop in kernel/shell/shell.c).
 *
 * Every command checks its arguments before acting and answers misuse with
 * one line "CMD: ..." (shell_usage, shell_number). Allocator misuse (free
 * of a bad or freed pointer) is the allocator's to detect: the command
 * hands the pointer over and the allocator's report line is the error.
 * Nothing here keeps the blocks `alloc` makes: the user frees them.
 */
#include "libk/cpu.h"
#include "kernel/shell/heapmap.h"
#include "kernel/arch/x86_64/io.h"
#include "libk/console.h"
#include "kernel/arch/x86_64/qemu.h"
#include "kernel/shell/shell.h"
#include "kernel/shell/shell_mem.h"
#include "kernel/shell/shell_sys.h"
#include "kernel/boot_options.h"
#include "kernel/ktest_kernel.h"
#include "libk/string.h"
#include "mm/kbrk.h"
#include "mm/kmalloc.h"
#include "mm/osmem/backend_kernel.h"
#include "mm/osmem/version.h"
#include "mm/pmm.h"
#include "mm/vmap.h"
#include "mm/vmm.h"
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define SHELL_ALLOC_MAX		(1UL << 30)	/* one block: 1 GiB at most */
#define SHELL_COUNT_MAX		(1UL << 30)

#define KBD_CTRL_PORT		0x64
#define KBD_CTRL_RESET		0xfe
#define ACPI_PM1A_CNT_QEMU	0x604	/* QEMU q35 and recent pc */
#define ACPI_PM1A_CNT_BOCHS	0xb004	/* Bochs and older QEMU */
#define ACPI_SLP_EN_S5		0x2000

/* help boot: the boot options (kernel/boot_options.h), one line each. */
static int shell_help_boot(void)
{
	for (const struct boot_option *o = boot_options; o->name; o++)
		kprintf("  %-22s %s\n", o->usage, o->help);
	kprintf("  (make run KARGS=\"OPTION ...\" boots with them)\n");
	return 0;
}

static int cmd_help(int argc, char **argv)
{
	const struct shell_cmd *c;

	if (argc > 2)
		return shell_usage(argv[0]);
	if (argc == 2 && strcmp(argv[1], "boot") == 0)
		return shell_help_boot();
	for (c = shell_cmds; c->name; c++) {
		if (argc == 2 && strcmp(c->name, argv[1]) != 0)
			continue;
		kprintf("  %-22s %s\n", c->usage, c->help);
		if (argc == 2)
			return 0;
	}
	if (argc == 2) {
		kprintf("help: %s: unknown command\n", argv[1]);
		return -1;
	}
	return 0;
}

/* The allocator's (and kernel's) version, as the boot banner says it. */
static int cmd_version(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("osmem %s\n", osmem_version());
	return 0;
}

static int cmd_mem(int argc, char **argv)
{
	struct pmm_stats ps;
	struct vmap_stats vs;
	uint64_t used;

	if (argc != 1)
		return shell_usage(argv[0]);
	pmm_stats(&ps);
	vmap_stats(&vs);
	used = ps.total_frames - ps.reserved_frames - ps.free_frames;
	kprintf("frames: %llu total (%llu KiB), %llu free, %llu reserved, %llu in use\n",
		(unsigned long long)ps.total_frames,
		(unsigned long long)ps.total_frames * 4,
		(unsigned long long)ps.free_frames,
		(unsigned long long)ps.reserved_frames,
		(unsigned long long)used);
	kprintf("page tables: %llu pages\n",
		(unsigned long long)vmm_table_pages());
	kprintf("mappings: %zu live (%zu pages), %zu KiB of address space free, largest %zu KiB\n",
		vs.mappings, vs.pages, vs.free_bytes >> 10,
		vs.largest_free >> 10);
	return 0;
}

/* 1 - largest_free / bytes_free, in tenths of a percent. */
static unsigned heap_frag_permille(const struct osmem_stats *st)
{
	if (st->bytes_free == 0)
		return 0;
	return (unsigned)(1000 - (uint64_t)st->largest_free * 1000 /
			  st->bytes_free);
}

/* The shell's own memory (kernel/shell/shell_mem.h): where it is, so a
 * user can see that nothing of it is in the heap above. */
static void shell_print_arena(void)
{
	struct osmem_stats st;
	const void *start, *end;

	shell_mem_range(&start, &end);
	shell_mem_stats(&st);
	kprintf("shell arena: %p-%p, %zu bytes in %zu blocks (the shell's own memory, not this heap)\n",
		start, end, st.bytes_in_use, st.blocks_in_use);
}

static int cmd_heap(int argc, char **argv)
{
	struct osmem_stats st;
	unsigned frag;

	if (argc != 1)
		return shell_usage(argv[0]);
	kmalloc_allocator()->stats(kmalloc_heap_instance(), &st);
	frag = heap_frag_permille(&st);
	kprintf("allocator: %s\n", kmalloc_allocator()->name);
	kprintf("heap: %zu bytes from %p to the break\n", st.heap_bytes,
		kbrk_start());
	kprintf("in use: %zu bytes in %zu blocks\n", st.bytes_in_use,
		st.blocks_in_use);
	kprintf("free: %zu bytes in %zu blocks, largest free block %zu bytes\n",
		st.bytes_free, st.blocks_free, st.largest_free);
	kprintf("cached: %zu bytes in %zu blocks (kmalloc's small-block cache)\n",
		st.bytes_cached, st.blocks_cached);
	kprintf("fragmentation: %u.%u%% (1 - largest free / free bytes)\n",
		frag / 10, frag % 10);
	kprintf("mapped: %zu bytes in %zu blocks\n", st.mapped_bytes,
		st.mapped_blocks);
	kprintf("system calls: %zu heap extends (ksbrk), %zu maps, %zu unmaps\n",
		st.heap_extend_calls, st.map_calls, st.unmap_calls);
	shell_print_arena();
	shell_print_kmem_caches();
	return 0;
}

static int cmd_heapmap(int argc, char **argv)
{
	if (argc == 1) {
		heapmap_print(shell_colour());
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "plain") == 0) {
		heapmap_print(false);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		heapmap_list();
		return 0;
	}
	return shell_usage(argv[0]);
}

/* A NULL for a size the shell accepted is the allocator's refusal (its
 * "kmalloc: out of memory" line is above): say so in words. */
static void shell_show_block(const char *cmd, void *p, size_t asked)
{
	if (!p && asked)
		kprintf("%s: refused by the allocator: no block of %zu bytes (out of memory; mem shows what is free)\n",
			cmd, asked);
	else if (!p)
		kprintf("%s: NULL (size 0)\n", cmd);
	else
		kprintf("%s: %p (%zu bytes usable)\n", cmd, p, ksize(p));
}

static int cmd_alloc(int argc, char **argv)
{
	unsigned long size;

	if (argc != 2)
		return shell_usage(argv[0]);
	if (shell_number(argv[0], "SIZE", argv[1], SHELL_ALLOC_MAX, &size))
		return -1;
	shell_show_block(argv[0], kmalloc(size), size);
	return 0;
}

static int cmd_calloc(int argc, char **argv)
{
	unsigned long n, size;

	if (argc != 3)
		return shell_usage(argv[0]);
	if (shell_number(argv[0], "N", argv[1], SHELL_COUNT_MAX, &n) ||
	    shell_number(argv[0], "SIZE", argv[2], SHELL_ALLOC_MAX, &size))
		return -1;
	if (size && n > SHELL_ALLOC_MAX / size) {
		kprintf("%s: %lu * %lu bytes is out of range (at most %lu)\n",
			argv[0], n, size, SHELL_ALLOC_MAX);
		return -1;
	}
	shell_show_block(argv[0], kcalloc(n, size), n * size);
	return 0;
}

/* Did the allocator refuse the call (its report line is printed, and
 * counted, by then)? Then say so under it. */
static bool shell_refused(const char *cmd, void *p, unsigned reports_before)
{
	if (osmem_kernel_reports() == reports_before)
		return false;
	kprintf("%s: %p refused by the allocator (report above)\n", cmd, p);
	return true;
}

static int cmd_realloc(int argc, char **argv)
{
	unsigned long addr, size;
	unsigned reports = osmem_kernel_reports();
	void *q;

	if (argc != 3)
		return shell_usage(argv[0]);
	if (shell_number(argv[0], "ADDR", argv[1], ULONG_MAX - 1, &addr) ||
	    shell_number(argv[0], "SIZE", argv[2], SHELL_ALLOC_MAX, &size))
		return -1;
	q = krealloc((void *)addr, size);
	if (shell_refused(argv[0], (void *)addr, reports))
		return -1;
	shell_show_block(argv[0], q, size);
	return 0;
}

static int cmd_free(int argc, char **argv)
{
	unsigned long addr;
	unsigned reports = osmem_kernel_reports();

	if (argc != 2)
		return shell_usage(argv[0]);
	if (shell_number(argv[0], "ADDR", argv[1], ULONG_MAX - 1, &addr))
		return -1;
	if (addr == 0) {
		kprintf("free: NULL: nothing to free (kfree(NULL) does nothing)\n");
		return 0;
	}
	kfree((void *)addr);
	if (shell_refused(argv[0], (void *)addr, reports))
		return -1;
	kprintf("free: %p freed\n", (void *)addr);
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage(argv[0]);
	if (kmalloc_allocator()->check(kmalloc_heap_instance()) == 0) {
		kprintf("check: the %s heap is consistent\n",
			kmalloc_allocator()->name);
		return 0;
	}
	kprintf("check: the heap is BROKEN (the report above says where)\n");
	return -1;
}

/* ktest list: the suites; a name no home knows: the list and a refusal
 * (ktest_run bails out before running anything). Ctrl-C stops a run at
 * the next case. */
static int cmd_ktest(int argc, char **argv)
{
	const char *filter = argc == 2 ? argv[1] : "all";
	int failed;

	if (argc > 2)
		return shell_usage(argv[0]);
	/* Ctrl-C stops the run before the next case (polled in between). */
	ktest_kernel_set_stop(shell_interrupted);
	failed = ktest_run(&ktest_kernel_home, filter);
	ktest_kernel_set_stop(NULL);
	if (ktest_stopped()) {
		kprintf("ktest: stopped (Ctrl-C); %d failed case%s before\n", failed,
			failed == 1 ? "" : "s");
		return -1;
	}
	if (failed < 0) {
		kprintf("ktest: nothing run: no such suite (ktest list names them)\n");
		return -1;
	}
	if (strcmp(filter, "list") == 0)
		return 0;
	kprintf("ktest: %d failed case%s\n", failed, failed == 1 ? "" : "s");
	return failed ? -1 : 0;
}

static int cmd_reboot(int argc, char **argv)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("reboot: pulsing the reset line (keyboard controller 0x%x to port 0x%x)\n",
		KBD_CTRL_RESET, KBD_CTRL_PORT);
	outb(KBD_CTRL_PORT, KBD_CTRL_RESET);
	/* Still here: an exception with an empty IDT is a triple fault,
	 * which resets the machine. */
	kprintf("reboot: no reset from the controller, triple fault\n");
	__asm__ volatile("cli; lidt %0; int3" : : "m"(no_idt) : "memory");
	cpu_halt_forever();
}

/* isa-debug-exit first: QEMU as `make run` starts it exits at once
 * (status 1, which make run accepts); ACPI S5 for other machines (QEMU's
 * i440fx ignores this write, newer q35 setups honour it). */
static int cmd_poweroff(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("poweroff: QEMU isa-debug-exit (port 0x%x, value 0: QEMU exits with status 1)\n",
		QEMU_EXIT_PORT);
	qemu_exit(0);
	kprintf("poweroff: no isa-debug-exit; ACPI S5 (0x%x to port 0x%x)\n",
		ACPI_SLP_EN_S5, ACPI_PM1A_CNT_QEMU);
	outw(ACPI_PM1A_CNT_QEMU, ACPI_SLP_EN_S5);
	outw(ACPI_PM1A_CNT_BOCHS, ACPI_SLP_EN_S5);
	kprintf("poweroff: the machine is still on; halted\n");
	cpu_halt_forever();
}

/*
 * One line of help each: the usage names every argument (CAPITALS, or the
 * words of [a|b]) and the help says what each is (the session test,
 * tests/shell/session.sh, checks that every argument is named in it).
 * A SIZE is bytes, decimal or 0x hex, with an optional K, M or G.
 */
const struct shell_cmd shell_cmds[] = {
	{ "help", "help [CMD|boot]", "list the commands, or say what CMD does; boot: the boot options", cmd_help },
	{ "version", "version", "the version of osmem (mm/osmem/version.h)", cmd_version },
	{ "mem", "mem", "physical frames, page-table pages, page mappings", cmd_mem },
	{ "heap", "heap", "statistics of the kernel heap's allocator", cmd_heap },
	{ "heapmap", "heapmap [plain|list]", "picture of the brk heap (plain: no colours; list: every block)", cmd_heapmap },
	{ "alloc", "alloc SIZE", "kmalloc(SIZE), print the address (SIZE: bytes, K/M/G suffix)", cmd_alloc },
	{ "calloc", "calloc N SIZE", "kcalloc(N, SIZE): N zeroed objects of SIZE bytes, print the address", cmd_calloc },
	{ "realloc", "realloc ADDR SIZE", "krealloc(ADDR, SIZE): ADDR as alloc printed it, print the new address", cmd_realloc },
	{ "free", "free ADDR", "kfree(ADDR), ADDR as alloc printed it; misuse is reported by the allocator", cmd_free },
	{ "check", "check", "run the heap checker", cmd_check },
	{ "ls", "ls [PATH]", "list the directory PATH of the RAM file system (default /)", shell_cmd_ls },
	{ "cat", "cat PATH", "print the file PATH of the RAM file system (Ctrl-C stops)", shell_cmd_cat },
	{ "ktest", "ktest [SUITE,...|list]", "run the kernel self-tests of each SUITE (all by default); list names the suites", cmd_ktest },
	{ "replay", "replay FILE [LIMIT]", "replay a trace (/boot/FILE) on the heap, LIMIT calls", shell_cmd_replay },
	{ "threads", "threads", "list the kernel threads", shell_cmd_threads },
	{ "cpus", "cpus", "list the CPUs: APIC id, enabled, BSP or not, state", shell_cmd_cpus },
	{ "reboot", "reboot", "reset the machine (under make run QEMU boots it again)", cmd_reboot },
	{ "poweroff", "poweroff", "turn the machine (QEMU) off", cmd_poweroff },
	{ NULL, NULL, NULL, NULL },
};
