/* SPDX-License-Identifier: MIT */
/*
 * Shell commands over the RAM file system, the threads and the object
 * caches (contract in kernel/shell/shell_sys.h).
 *
 * Paths given without a leading '/' are taken under /boot for replay (the
 * traces are GRUB modules there) and under / for ls and cat.
 */
#include "kernel/shell/shell_sys.h"
#include "libk/console.h"
#include "kernel/fs/ramfs.h"
#include "kernel/replay.h"
#include "kernel/console/serial.h"
#include "kernel/shell/shell.h"
#include "kernel/arch/x86_64/smp.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/timer.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kmem_cache.h"
#include <limits.h>
#include <stdint.h>

#define SHELL_PATH_MAX	256
#define CAT_CHUNK	256
#define KEY_CTRL_C	0x03

/* path, or dir + path when path is relative; -1 (reported) if too long. */
static int shell_path(const char *cmd, const char *dir, const char *path,
		      char *buf)
{
	int n = path[0] == '/' ? snprintf(buf, SHELL_PATH_MAX, "%s", path) :
		snprintf(buf, SHELL_PATH_MAX, "%s%s", dir, path);

	if (n >= SHELL_PATH_MAX) {
		kprintf("%s: path too long (at most %d bytes)\n", cmd,
			SHELL_PATH_MAX - 1);
		return -1;
	}
	return 0;
}

static void shell_ls_entry(const char *name, const struct ramfs_stat *st,
			   void *arg)
{
	(void)arg;
	if (st->is_dir)
		kprintf("  %s/  (%zu entries)\n", name, st->nchildren);
	else
		kprintf("  %-24s %10zu bytes%s\n", name, st->size,
			st->read_only ? "  read-only" : "");
}

int shell_cmd_ls(int argc, char **argv)
{
	char path[SHELL_PATH_MAX];
	int n;

	if (argc > 2)
		return shell_usage(argv[0]);
	if (shell_path(argv[0], "/", argc == 2 ? argv[1] : "/", path))
		return -1;
	n = ramfs_list(path, shell_ls_entry, NULL);
	if (n < 0) {
		kprintf("ls: %s: %s\n", path, ramfs_strerror(n));
		return -1;
	}
	if (n == 0)
		kprintf("  (empty)\n");
	return 0;
}

/* Ctrl-C typed while a long output or run goes on? Other keys are
 * dropped. */
int shell_interrupted(void)
{
	int c;

	while ((c = serial_getc_nonblock()) >= 0)
		if (c == KEY_CTRL_C)
			return 1;
	return 0;
}

/* Bytes that are not text would garble the terminal: shown as '.'. */
static void cat_chunk(char *buf, long n)
{
	for (long i = 0; i < n; i++)
		if ((buf[i] < 0x20 && buf[i] != '\n' && buf[i] != '\t') ||
		    (unsigned char)buf[i] >= 0x7f)
			buf[i] = '.';
	serial_write(buf, (size_t)n);
}

int shell_cmd_cat(int argc, char **argv)
{
	char path[SHELL_PATH_MAX], buf[CAT_CHUNK];
	struct ramfs_stat st;
	size_t off = 0;
	char last = '\n';
	long n;
	int err;

	if (argc != 2)
		return shell_usage(argv[0]);
	if (shell_path(argv[0], "/", argv[1], path))
		return -1;
	err = ramfs_stat(path, &st);
	if (err == 0 && st.is_dir)
		err = RAMFS_EISDIR;
	if (err) {
		kprintf("cat: %s: %s\n", path, ramfs_strerror(err));
		return -1;
	}
	while ((n = ramfs_read(path, off, buf, sizeof(buf))) > 0) {
		cat_chunk(buf, n);
		last = buf[n - 1];
		off += (size_t)n;
		if (shell_interrupted()) {
			kprintf("\ncat: interrupted after %zu of %zu bytes\n",
				off, st.size);
			return -1;
		}
	}
	if (n < 0) {
		kprintf("cat: %s: %s\n", path, ramfs_strerror((int)n));
		return -1;
	}
	/* The next prompt starts on a line of its own. */
	if (last != '\n')
		kprintf("\n");
	return 0;
}

static void shell_replay_print(const char *name, const struct kreplay_result *r)
{
	kprintf("replay %s: %zu of %zu calls, %zu ids, peak live %llu bytes\n",
		name, r->calls, r->trace_calls, r->ids,
		(unsigned long long)r->peak_live);
	kprintf("  footprint: %zu bytes at start, peak %zu bytes\n",
		r->start_foot, r->peak_foot);
	kprintf("  system calls: %zu heap extends, %zu maps, %zu unmaps\n",
		r->heap_extend_calls, r->map_calls, r->unmap_calls);
	kprintf("  %zu heap checks, %llu cycles in the allocator, %llu in all\n",
		r->checks, (unsigned long long)r->alloc_cycles,
		(unsigned long long)r->replay_cycles);
	kprintf("  %zu errors%s%s\n", r->errors, r->errors ? ": " : "",
		r->errors ? r->first_error : "");
}

int shell_cmd_replay(int argc, char **argv)
{
	char path[SHELL_PATH_MAX];
	struct kreplay_result r = { 0 };
	unsigned long limit = 0;
	const char *text;
	size_t len;
	int err;

	if (argc != 2 && argc != 3)
		return shell_usage(argv[0]);
	if (argc == 3 &&
	    shell_number(argv[0], "LIMIT", argv[2], ULONG_MAX - 1, &limit))
		return -1;
	if (shell_path(argv[0], "/boot/", argv[1], path))
		return -1;
	text = ramfs_data(path, &len);
	if (!text) {
		kprintf("replay: %s: no such file (see ls /boot)\n", path);
		return -1;
	}
	r.limit = limit;
	r.stop = shell_interrupted;	/* Ctrl-C, between batches of calls */
	err = kreplay(path, text, len, &r);
	if (r.stopped)
		kprintf("replay: stopped (Ctrl-C) after %zu calls; the blocks still live were freed\n",
			r.calls);
	if (err == KREPLAY_EBADTRACE)
		kprintf("replay: %s: line %lu: %s\n", path, r.line, r.why);
	else if (err == KREPLAY_ENOMEM)
		kprintf("replay: %s: %s (needs %llu bytes, %llu free)\n",
			path, r.why, (unsigned long long)r.need_bytes,
			(unsigned long long)r.free_bytes);
	else
		shell_replay_print(path, &r);
	return err ? -1 : 0;
}

static void shell_thread_line(const struct thread_info *ti, void *arg)
{
	(void)arg;
	kprintf("  %3d %-24s %-9s %3d%c %10llu  %p-%p\n", ti->id, ti->name,
		ti->state, ti->cpu, ti->pinned ? '*' : ' ',
		(unsigned long long)ti->ticks, (void *)ti->stack_lo,
		(void *)ti->stack_hi);
}

int shell_cmd_threads(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("   id %-24s %-9s %4s %10s  stack\n", "name", "state", "cpu",
		"ticks");
	thread_for_each(shell_thread_line, NULL);
	kprintf("%d threads, %llu context switches since boot (cpu: the one it "
		"runs or last ran on, * pinned)\n",
		thread_count(), (unsigned long long)thread_switches());
	return 0;
}

int shell_cmd_cpus(int argc, char **argv)
{
	size_t n = smp_cpu_count();

	if (argc != 1)
		return shell_usage(argv[0]);
	kprintf("  cpu apic_id acpi_id enabled  role  state   sched  queue "
		"     ticks   switches\n");
	for (size_t i = 0; i < n; i++) {
		const struct cpu_info *c = smp_cpu(i);
		struct sched_cpu_info si = { 0 };

		sched_cpu_info(i, &si);
		kprintf("  %3zu %7u %7u %-7s  %-4s  %-6s  %-5s %5d %10llu %10llu\n",
			i, c->apic_id, c->acpi_id,
			c->enabled ? "yes" : "capable", c->bsp ? "BSP" : "AP",
			cpu_state_name(c->state),
			!si.online ? "off" : si.busy ? "busy" : "idle", si.ready,
			(unsigned long long)timer_cpu_ticks(i),
			(unsigned long long)si.switches);
	}
	kprintf("%zu CPU%s (%s)\n", n, n == 1 ? "" : "s",
		smp_from_madt() ? "from the ACPI MADT" : "no MADT: the boot CPU only");
	return 0;
}

static void shell_cache_line(struct kmem_cache *c, void *arg)
{
	struct kmem_cache_stats st;

	(*(int *)arg)++;
	kmem_cache_stats(c, &st);
	kprintf("  %-20s %6zu %8zu %8zu %8zu %6zu %10zu\n", kmem_cache_name(c),
		st.object_size, st.objects_in_use, st.objects_free,
		st.objects_cached, st.slabs, st.bytes_total);
}

void shell_print_kmem_caches(void)
{
	int n = 0;

	/* "free" counts the CPUs' magazines too; "cached" says how many. */
	kprintf("object caches:\n  %-20s %6s %8s %8s %8s %6s %10s\n", "name",
		"size", "in use", "free", "cached", "slabs", "bytes");
	kmem_cache_for_each(shell_cache_line, &n);
	if (n == 0)
		kprintf("  (none)\n");
}
