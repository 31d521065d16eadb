/* SPDX-License-Identifier: MIT */
/*
 * Self-tests of the RAM file system (suite ramfs, kernel/fs/ramfs.h). They
 * work on the live tree under /ktest-ramfs (and a few /boot names of their
 * own) and remove everything they made, so the tree ends as it began.
 */
#include "kernel/multiboot2.h"
#include "kernel/fs/ramfs.h"
#include "libk/printf.h"
#include "libk/ktest.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include <stdint.h>

#define TOP "/ktest-ramfs"

static void heap_stats(struct osmem_stats *st)
{
	kmalloc_allocator()->stats(kmalloc_heap_instance(), st);
}

struct listing {
	int n;
	char names[8][RAMFS_NAME_MAX + 1];
	struct ramfs_stat st[8];
};

static void collect(const char *name, const struct ramfs_stat *st, void *arg)
{
	struct listing *l = arg;

	if (l->n < 8) {
		snprintf(l->names[l->n], sizeof(l->names[0]), "%s", name);
		l->st[l->n] = *st;
	}
	l->n++;
}

KTEST(ramfs, root_and_boot_exist)
{
	struct ramfs_stat st;

	KASSERT_EQ(t, ramfs_stat("/", &st), 0);
	KEXPECT(t, st.is_dir);
	KASSERT_EQ(t, ramfs_stat("/boot", &st), 0);
	KEXPECT(t, st.is_dir);
	KEXPECT_EQ(t, ramfs_init(), 0);		/* again: nothing changes */
	KEXPECT_EQ(t, ramfs_remove("/"), RAMFS_EBUSY);
	KEXPECT_EQ(t, ramfs_remove_tree("/"), RAMFS_EBUSY);
}

KTEST(ramfs, create_write_read_list_remove)
{
	struct listing l = { 0 };
	struct ramfs_stat st;
	char buf[32];
	const char *d;
	size_t len;

	KASSERT_EQ(t, ramfs_mkdir(TOP), 0);
	KEXPECT_EQ(t, ramfs_create(TOP "/b.txt"), 0);
	KEXPECT_EQ(t, ramfs_create(TOP "/a.txt"), 0);
	KEXPECT_EQ(t, ramfs_mkdir(TOP "/c"), 0);
	KEXPECT_EQ(t, ramfs_write(TOP "/a.txt", 0, "hello, world", 12), 12);
	KEXPECT_EQ(t, ramfs_write(TOP "/a.txt", 7, "ramfs", 5), 5);
	memset(buf, 0, sizeof(buf));
	KEXPECT_EQ(t, ramfs_read(TOP "/a.txt", 0, buf, sizeof(buf)), 12);
	KEXPECT_STREQ(t, buf, "hello, ramfs");
	memset(buf, 0, sizeof(buf));
	KEXPECT_EQ(t, ramfs_read(TOP "/a.txt", 7, buf, 3), 3);
	KEXPECT_STREQ(t, buf, "ram");
	KEXPECT_EQ(t, ramfs_read(TOP "/a.txt", 12, buf, 4), 0);
	KEXPECT_EQ(t, ramfs_read(TOP "/a.txt", 1000, buf, 4), 0);
	d = ramfs_data(TOP "/a.txt", &len);
	KASSERT_NOT_NULL(t, d);
	KEXPECT_EQ(t, len, 12);
	KEXPECT_EQ(t, memcmp(d, "hello, ramfs", 12), 0);
	d = ramfs_data(TOP "/b.txt", &len);	/* empty file: not NULL */
	KEXPECT_NOT_NULL(t, d);
	KEXPECT_EQ(t, len, 0);
	KEXPECT_NULL(t, ramfs_data(TOP "/c", &len));

	KEXPECT_EQ(t, ramfs_list(TOP, collect, &l), 3);
	KEXPECT_EQ(t, l.n, 3);
	KEXPECT_STREQ(t, l.names[0], "a.txt");	/* name order */
	KEXPECT_STREQ(t, l.names[1], "b.txt");
	KEXPECT_STREQ(t, l.names[2], "c");
	KEXPECT_EQ(t, l.st[0].size, 12);
	KEXPECT(t, !l.st[0].is_dir);
	KEXPECT(t, l.st[2].is_dir);
	l.n = 0;
	KEXPECT_EQ(t, ramfs_list(TOP "/a.txt", collect, &l), 1);
	KEXPECT_STREQ(t, l.names[0], "a.txt");

	KEXPECT_EQ(t, ramfs_stat(TOP, &st), 0);
	KEXPECT_EQ(t, st.nchildren, 3);
	KEXPECT_EQ(t, ramfs_remove(TOP "/a.txt"), 0);
	KEXPECT_EQ(t, ramfs_stat(TOP "/a.txt", &st), RAMFS_ENOENT);
	KEXPECT_EQ(t, ramfs_remove(TOP "/b.txt"), 0);
	KEXPECT_EQ(t, ramfs_remove(TOP "/c"), 0);
	KEXPECT_EQ(t, ramfs_stat(TOP, &st), 0);
	KEXPECT_EQ(t, st.nchildren, 0);
	KEXPECT_EQ(t, ramfs_remove(TOP), 0);
}

KTEST(ramfs, files_grow_and_holes_read_zero)
{
	static unsigned char chunk[1000], back[1000];
	struct osmem_stats before, after;
	struct ramfs_stat st;
	size_t off = 0;

	heap_stats(&before);
	KASSERT_EQ(t, ramfs_create("/ktest-grow"), 0);
	/* 300 KiB in 1000-byte appends: past kmalloc's page-mapping size. */
	for (int i = 0; i < 300; i++) {
		memset(chunk, i & 0xff, sizeof(chunk));
		KASSERT_EQ(t, ramfs_write("/ktest-grow", off, chunk, sizeof(chunk)),
			   (long)sizeof(chunk));
		off += sizeof(chunk);
	}
	KEXPECT_EQ(t, ramfs_stat("/ktest-grow", &st), 0);
	KEXPECT_EQ(t, st.size, 300 * sizeof(chunk));
	for (int i = 0; i < 300; i += 37) {
		KEXPECT_EQ(t, ramfs_read("/ktest-grow", (size_t)i * sizeof(back), back,
					 sizeof(back)), (long)sizeof(back));
		KEXPECT_EQ(t, back[0], i & 0xff);
		KEXPECT_EQ(t, back[sizeof(back) - 1], i & 0xff);
	}
	/* A write past the end leaves a hole of zeros. */
	KEXPECT_EQ(t, ramfs_write("/ktest-grow", off + 100, "x", 1), 1);
	KEXPECT_EQ(t, ramfs_read("/ktest-grow", off, back, 200), 101);
	for (int i = 0; i < 100; i++)
		if (back[i]) {
			KTEST_FAIL_(t, "hole byte %d is 0x%x", i, back[i]);
			break;
		}
	KEXPECT_EQ(t, back[100], 'x');
	KEXPECT_EQ(t, ramfs_remove("/ktest-grow"), 0);
	heap_stats(&after);
	KEXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, after.mapped_blocks, before.mapped_blocks);
}

KTEST(ramfs, nested_directories)
{
	char path[256] = TOP;
	size_t len = strlen(path);
	struct ramfs_stat st;
	char buf[8] = { 0 };

	KASSERT_EQ(t, ramfs_mkdir(TOP), 0);
	for (int i = 0; i < 20; i++) {
		len += snprintf(path + len, sizeof(path) - len, "/d%d", i);
		KASSERT_EQ(t, ramfs_mkdir(path), 0);
	}
	snprintf(path + len, sizeof(path) - len, "/leaf");
	KEXPECT_EQ(t, ramfs_create(path), 0);
	KEXPECT_EQ(t, ramfs_write(path, 0, "deep", 4), 4);
	KEXPECT_EQ(t, ramfs_read(path, 0, buf, sizeof(buf)), 4);
	KEXPECT_STREQ(t, buf, "deep");
	KEXPECT_EQ(t, ramfs_stat(TOP "/d0/d1/d2", &st), 0);
	KEXPECT(t, st.is_dir);
	KEXPECT_EQ(t, st.nchildren, 1);
	KEXPECT_EQ(t, ramfs_remove(TOP "/d0"), RAMFS_ENOTEMPTY);
	KEXPECT_EQ(t, ramfs_remove_tree(TOP), 0);
	KEXPECT_EQ(t, ramfs_stat(TOP, &st), RAMFS_ENOENT);
}

KTEST(ramfs, errors)
{
	char name[80];
	char buf[4];

	KASSERT_EQ(t, ramfs_mkdir(TOP), 0);
	KEXPECT_EQ(t, ramfs_create(TOP "/f"), 0);
	/* missing parent */
	KEXPECT_EQ(t, ramfs_create(TOP "/nodir/f"), RAMFS_ENOENT);
	KEXPECT_EQ(t, ramfs_mkdir(TOP "/a/b"), RAMFS_ENOENT);
	KEXPECT_EQ(t, ramfs_read(TOP "/missing", 0, buf, 4), RAMFS_ENOENT);
	KEXPECT_EQ(t, ramfs_remove(TOP "/missing"), RAMFS_ENOENT);
	/* exists */
	KEXPECT_EQ(t, ramfs_create(TOP "/f"), RAMFS_EEXIST);
	KEXPECT_EQ(t, ramfs_mkdir(TOP "/f"), RAMFS_EEXIST);
	KEXPECT_EQ(t, ramfs_mkdir(TOP), RAMFS_EEXIST);
	/* not a directory / is a directory */
	KEXPECT_EQ(t, ramfs_create(TOP "/f/g"), RAMFS_ENOTDIR);
	KEXPECT_EQ(t, ramfs_read(TOP "/f/g", 0, buf, 4), RAMFS_ENOTDIR);
	KEXPECT_EQ(t, ramfs_write(TOP, 0, "x", 1), RAMFS_EISDIR);
	KEXPECT_EQ(t, ramfs_read(TOP, 0, buf, 4), RAMFS_EISDIR);
	/* not empty */
	KEXPECT_EQ(t, ramfs_remove(TOP), RAMFS_ENOTEMPTY);
	/* bad paths */
	KEXPECT_EQ(t, ramfs_create(NULL), RAMFS_EINVAL);
	KEXPECT_EQ(t, ramfs_create(""), RAMFS_EINVAL);
	KEXPECT_EQ(t, ramfs_create("relative"), RAMFS_EINVAL);
	KEXPECT_EQ(t, ramfs_create(TOP "//g"), RAMFS_EINVAL);
	KEXPECT_EQ(t, ramfs_create(TOP "/g/"), RAMFS_EINVAL);
	KEXPECT_EQ(t, ramfs_create(TOP "/."), RAMFS_EINVAL);
	KEXPECT_EQ(t, ramfs_create(TOP "/.."), RAMFS_EINVAL);
	KEXPECT_EQ(t, ramfs_mkdir("/"), RAMFS_EINVAL);
	KEXPECT_EQ(t, ramfs_stat("/nowhere//x", NULL), RAMFS_EINVAL);
	/* name too long: 63 characters are fine, 64 are not */
	memset(name, 0, sizeof(name));
	memcpy(name, TOP "/", sizeof(TOP));
	memset(name + sizeof(TOP), 'n', RAMFS_NAME_MAX);
	KEXPECT_EQ(t, ramfs_create(name), 0);
	name[sizeof(TOP) + RAMFS_NAME_MAX] = 'n';
	KEXPECT_EQ(t, ramfs_create(name), RAMFS_ENAMETOOLONG);
	KEXPECT_EQ(t, ramfs_stat(name, NULL), RAMFS_ENAMETOOLONG);
	/* strerror names every code */
	KEXPECT_STREQ(t, ramfs_strerror(RAMFS_ENOTEMPTY), "directory not empty");
	KEXPECT_STREQ(t, ramfs_strerror(-1000), "unknown error");
	KEXPECT_EQ(t, ramfs_remove_tree(TOP), 0);
}

KTEST(ramfs, removing_a_tree_of_100_files_returns_every_byte)
{
	struct osmem_stats before, after;
	char path[96], data[64];
	struct ramfs_stat st;

	heap_stats(&before);
	KASSERT_EQ(t, ramfs_mkdir(TOP), 0);
	for (int d = 0; d < 10; d++) {
		snprintf(path, sizeof(path), TOP "/dir%d", d);
		KASSERT_EQ(t, ramfs_mkdir(path), 0);
		for (int f = 0; f < 10; f++) {
			int n = snprintf(data, sizeof(data), "file %d of dir %d", f, d);

			snprintf(path, sizeof(path), TOP "/dir%d/file%d", d, f);
			KASSERT_EQ(t, ramfs_create(path), 0);
			/* Sizes from 17 bytes to several KiB, grown in steps. */
			for (int k = 0; k <= d * f; k++)
				KASSERT_EQ(t, ramfs_write(path, (size_t)k * n, data,
							  (size_t)n), n);
		}
	}
	KEXPECT_EQ(t, ramfs_stat(TOP "/dir9/file9", &st), 0);
	KEXPECT_EQ(t, st.size, 82 * strlen("file 9 of dir 9"));
	heap_stats(&after);
	KEXPECT_GE(t, after.blocks_in_use, before.blocks_in_use + 111);
	KEXPECT_EQ(t, ramfs_remove_tree(TOP), 0);
	heap_stats(&after);
	KEXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, after.mapped_bytes, before.mapped_bytes);
	KEXPECT_EQ(t, ramfs_stat(TOP, &st), RAMFS_ENOENT);
	KEXPECT_EQ(t, kmalloc_allocator()->check(kmalloc_heap_instance()), 0);
}

/* A fake boot information block whose modules are kernel data, reached as
 * GRUB's would be: by physical address through the direct map. */
static char module_a[] = "trace data of module a";
static char module_b[] = "bb";
static struct mb2_info fake_info;

KTEST(ramfs, boot_modules_appear_under_boot_read_only)
{
	struct osmem_stats before, after;
	struct ramfs_stat st;
	const char *d;
	size_t len;
	char buf[8];

	memset(&fake_info, 0, sizeof(fake_info));
	fake_info.module_count = 4;
	fake_info.modules[0].start = kimage_virt_to_phys(module_a);
	fake_info.modules[0].end = fake_info.modules[0].start + strlen(module_a);
	snprintf(fake_info.modules[0].cmdline, MB2_NAME_MAX, "/boot/x/ktest-mod-a arg");
	fake_info.modules[1].start = kimage_virt_to_phys(module_b);
	fake_info.modules[1].end = fake_info.modules[1].start + 2;
	snprintf(fake_info.modules[1].cmdline, MB2_NAME_MAX, "ktest-mod-b");
	/* The same name again: skipped, not an error. */
	fake_info.modules[2] = fake_info.modules[1];
	/* No command line: named by its index. */
	fake_info.modules[3] = fake_info.modules[1];
	fake_info.modules[3].cmdline[0] = '\0';

	heap_stats(&before);
	KEXPECT_EQ(t, ramfs_add_boot_modules(&fake_info), 3);
	KEXPECT_EQ(t, ramfs_stat("/boot/module3", &st), 0);
	KEXPECT_EQ(t, st.size, 2);
	KEXPECT_EQ(t, ramfs_remove("/boot/module3"), 0);
	d = ramfs_data("/boot/ktest-mod-a", &len);
	KASSERT_NOT_NULL(t, d);
	KEXPECT_EQ(t, len, strlen(module_a));
	KEXPECT_EQ(t, memcmp(d, module_a, len), 0);
	/* Referenced, not copied: the direct-map alias of module_a. */
	KEXPECT_PTR_EQ(t, d, phys_to_virt(kimage_virt_to_phys(module_a)));
	KEXPECT_EQ(t, ramfs_stat("/boot/ktest-mod-b", &st), 0);
	KEXPECT_EQ(t, st.size, 2);
	KEXPECT(t, st.read_only);
	KEXPECT_EQ(t, ramfs_read("/boot/ktest-mod-b", 0, buf, sizeof(buf)), 2);
	KEXPECT_EQ(t, ramfs_write("/boot/ktest-mod-b", 0, "zz", 2), RAMFS_EROFS);
	KEXPECT_EQ(t, module_b[0], 'b');
	KEXPECT_EQ(t, ramfs_remove("/boot/ktest-mod-a"), 0);
	KEXPECT_EQ(t, ramfs_remove("/boot/ktest-mod-b"), 0);
	KEXPECT_STREQ(t, module_a, "trace data of module a");
	heap_stats(&after);
	KEXPECT_EQ(t, after.bytes_in_use, before.bytes_in_use);
	KEXPECT_EQ(t, after.blocks_in_use, before.blocks_in_use);
	KEXPECT_EQ(t, ramfs_add_boot_modules(NULL), 0);
}
