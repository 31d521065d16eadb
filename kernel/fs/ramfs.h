/* SPDX-License-Identifier: MIT */
/*
 * ramfs: a RAM file system of directories and files on kmalloc
 * (kernel/fs/ramfs.c).
 *
 * Paths are absolute, '/'-separated: "/", "/boot", "/a/b/c". A name is 1 to
 * RAMFS_NAME_MAX characters, neither "." nor ".."; empty components ("//",
 * a trailing '/') are bad paths. Every call returns a negative RAMFS_E*
 * code on failure (ramfs_strerror names it) and changes nothing then.
 *
 * - ramfs_init(): makes /boot if it is not there (the root "/" always
 *   exists: it is static). Calling it again changes nothing. 0 or an error.
 * - ramfs_mkdir(path) / ramfs_create(path): a new empty directory / file;
 *   the parent must exist and be a directory, the name must be free.
 * - ramfs_write(path, off, buf, len): writes len bytes at off, growing the
 *   file (krealloc) as needed; a gap between the old end and off reads as
 *   zeros. Returns len. ramfs_read(path, off, buf, len): returns the bytes
 *   read, 0 at or past the end.
 * - ramfs_remove(path): a file or an empty directory. ramfs_remove_tree(path):
 *   a file or a directory with everything under it. "/" cannot be removed.
 *   Every kmalloc'ed byte of what is removed goes back.
 * - ramfs_stat(path, st); ramfs_list(path, fn, arg): fn once per child of a
 *   directory, in name order (once for the file itself if path is a file);
 *   returns how many calls were made. fn must not change the tree.
 * - ramfs_data(path, &len): the file's bytes in place (zero-copy, for a
 *   reader such as replay), valid until the file is written or removed;
 *   NULL (and len 0) if path is not a file. Never NULL for a file.
 * - ramfs_add_boot_modules(info): each GRUB module becomes the read-only
 *   file /boot/NAME, NAME being the last '/'-separated part of the first
 *   word of the module's command line, or "moduleN" (N its index) when that
 *   is empty or not a valid name. The file's data is the module's memory,
 *   referenced through the direct map, not copied (the frames are kept
 *   from pmm by kernel/boot_mem.c): writes to it are refused (RAMFS_EROFS);
 *   removing it drops the name only. A name already taken is skipped with
 *   a console line. Returns the number of files added, or a RAMFS_E* code.
 *
 * Not reentrant: callers serialize (the shell is one thread).
 */
#ifndef KERNEL_RAMFS_H
#define KERNEL_RAMFS_H

#include <stdbool.h>
#include <stddef.h>

struct mb2_info;

#define RAMFS_NAME_MAX		63

#define RAMFS_OK		0
#define RAMFS_ENOENT		(-1)	/* no such file or directory */
#define RAMFS_EEXIST		(-2)	/* the name is taken */
#define RAMFS_ENOTDIR		(-3)	/* a path component is not a directory */
#define RAMFS_EISDIR		(-4)	/* a directory where a file is needed */
#define RAMFS_ENOTEMPTY		(-5)	/* directory not empty */
#define RAMFS_EINVAL		(-6)	/* bad path or argument */
#define RAMFS_ENAMETOOLONG	(-7)	/* a name over RAMFS_NAME_MAX */
#define RAMFS_ENOMEM		(-8)	/* kmalloc refused */
#define RAMFS_EROFS		(-9)	/* read-only file (a boot module) */
#define RAMFS_EBUSY		(-10)	/* "/" cannot be removed */

struct ramfs_stat {
	size_t size;		/* file bytes; 0 for a directory */
	bool is_dir;
	bool read_only;
	size_t nchildren;	/* entries of a directory; 0 for a file */
};

int ramfs_init(void);
int ramfs_mkdir(const char *path);
int ramfs_create(const char *path);
long ramfs_write(const char *path, size_t off, const void *buf, size_t len);
long ramfs_read(const char *path, size_t off, void *buf, size_t len);
int ramfs_remove(const char *path);
int ramfs_remove_tree(const char *path);
int ramfs_stat(const char *path, struct ramfs_stat *st);
int ramfs_list(const char *path,
	       void (*fn)(const char *name, const struct ramfs_stat *st, void *arg),
	       void *arg);
const void *ramfs_data(const char *path, size_t *len);
int ramfs_add_boot_modules(const struct mb2_info *info);
const char *ramfs_strerror(int err);

#endif
