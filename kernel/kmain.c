/* SPDX-License-Identifier: MIT */
/*
 * kmain: the first C code, called by boot/boot.asm in long mode on the boot
 * stack with the multiboot2 magic and the physical address of the boot
 * information. It is a list of init steps in dependency order; each step
 * prints what it found.
 */
#include "kernel/boot_mem.h"
#include "kernel/boot_options.h"
#include "kernel/cmdline.h"
#include "libk/cpu.h"
#include "kernel/crash.h"
#include "kernel/arch/x86_64/gdt.h"
#include "kernel/arch/x86_64/idt.h"
#include "kernel/arch/x86_64/irq.h"
#include "kernel/arch/x86_64/smp.h"
#include "libk/console.h"
#include "libk/spinlock.h"
#include "libk/string.h"
#include "kernel/ktest_kernel.h"
#include "kernel/multiboot2.h"
#include "kernel/panic.h"
#include "kernel/symbols.h"
#include "kernel/fs/ramfs.h"
#include "kernel/console/serial.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "kernel/shell/shell.h"
#include "mm/kmalloc.h"
#include "mm/osmem/version.h"
#include <stdint.h>

void kmain(uint32_t magic, uint64_t mbi_phys);

extern const char __kernel_start[], __kernel_end[];

static void boot_banner(void)
{
	/* The version first: a serial log says which release it came from. */
	kprintf("\nosmem kernel %s: booting (x86-64, multiboot2)\n",
		osmem_version());
	kprintf("kernel image: %p-%p\n", (void *)__kernel_start,
		(void *)__kernel_end);
}

/* Parse and print the boot information; the command line is empty if the
 * information is missing or rejected. */
static void boot_info_init(uint32_t magic, uint64_t mbi_phys)
{
	const struct mb2_info *info;
	int err;

	if (magic != MB2_BOOTLOADER_MAGIC) {
		kprintf("boot: bad multiboot2 magic 0x%x\n", magic);
		cmdline_init("");
		return;
	}
	err = mb2_parse(mbi_phys);
	if (err) {
		kprintf("boot: multiboot2 information at 0x%llx rejected: %s\n",
			(unsigned long long)mbi_phys, mb2_strerror(err));
		cmdline_init("");
		return;
	}
	info = mb2_boot_info();
	mb2_print(info);
	cmdline_init(info->cmdline);
}

static void boot_option_line(const char *line, void *arg)
{
	(void)arg;
	kprintf("boot: %s\n", line);
}

/* No self-test asked for: the serial shell (kernel/shell/shell.h). */
static void __attribute__((noreturn)) kernel_idle(void)
{
	kprintf("kernel: idle, starting the shell\n");
	shell_run();
}

void kmain(uint32_t magic, uint64_t mbi_phys)
{
	serial_init();
	console_set_sink(serial_write);
	console_set_symbolizer(ksym_format);
	panic_init();
	gdt_init();
	idt_init();
	boot_banner();
	boot_info_init(magic, mbi_phys);
	/* Unknown or malformed options, one line each (help boot lists them). */
	boot_options_check(cmdline_boot(), boot_option_line, NULL);
	/* make run's terminal is QEMU's: say how to leave it after a crash. */
	if (cmdline_get("console_hint") && strcmp(cmdline_get("console_hint"), "qemu") == 0)
		panic_set_console_hint("press Ctrl-A x to leave QEMU");
	/* Lock-order checking is on unless lockdep=0 (libk/spinlock.h). */
	if (cmdline_get("lockdep") && strcmp(cmdline_get("lockdep"), "0") == 0)
		spin_lockdep_set(false);
	boot_mem_init(mb2_boot_info());
	/* The CPUs: ACPI tables through the direct map, LAPIC via mmio. */
	smp_init(mb2_boot_info());
	/* The other CPUs start and idle, taking IPIs (smp_call.h). */
	smp_start_aps();
	kmalloc_init(cmdline_get("heap"),
		     (cmdline_has("heap_panic") ? KMALLOC_PANIC_ON_MISUSE : 0) |
		     (cmdline_has("heap_debug") ? KMALLOC_DEBUG : 0));
	ramfs_init();
	ramfs_add_boot_modules(mb2_boot_info());
	/* From here on this boot flow is thread 0 and the timer preempts it:
	 * interrupts go on once the heap and the scheduler exist. */
	irq_init();
	thread_init();
	timer_init();
	sti();
	/* Every other CPU enters the scheduler with its own LAPIC tick. */
	thread_start_cpus();

	if (cmdline_has("panic_exit"))
		panic_set_exit_qemu(true);
	if (cmdline_has("crash"))
		crash_on_request(cmdline_get("crash"));
	if (cmdline_has("ktest"))
		ktest_kernel_main(cmdline_get("ktest"));
	kernel_idle();
}
