/* SPDX-License-Identifier: MIT */
/*
 * ramfs (contract: kernel/fs/ramfs.h): a tree of kmalloc'ed nodes.
 *
 * Every node is one kzalloc'ed struct ramfs_node; a file's bytes are one
 * more kmalloc block (data), grown by krealloc. The root is static, so the
 * tree always has one, and "removing a tree returns every byte" means: the
 * nodes and data blocks under it are all the kmalloc memory it held.
 *
 * Invariants:
 * - A directory's children form a singly linked list sorted by name, with
 *   nchildren its length; every child's parent points back.
 * - A file has size <= cap, data == NULL iff cap == 0, unless it is a boot
 *   module (read_only): then data points into the direct map at the
 *   module's memory, cap is 0 and the data is never kfree'd nor written.
 * - Growth doubles the capacity (at least RAMFS_MIN_CAP), so appending n
 *   bytes in small writes costs O(n) copying, not O(n^2).
 */
#include "kernel/fs/ramfs.h"
#include "libk/console.h"
#include "kernel/multiboot2.h"
#include "libk/printf.h"
#include "libk/string.h"
#include "mm/kmalloc.h"
#include "mm/layout.h"
#include "mm/vmm.h"
#include <limits.h>
#include <stdint.h>

#define RAMFS_MIN_CAP	64

struct ramfs_node {
	char name[RAMFS_NAME_MAX + 1];
	struct ramfs_node *parent;
	struct ramfs_node *child;	/* first child, by name */
	struct ramfs_node *sibling;	/* next child of the parent */
	size_t nchildren;
	bool is_dir;
	bool read_only;
	char *data;
	size_t size, cap;
};

static struct ramfs_node ramfs_root = { .name = "", .is_dir = true };

const char *ramfs_strerror(int err)
{
	switch (err) {
	case RAMFS_OK:		return "success";
	case RAMFS_ENOENT:	return "no such file or directory";
	case RAMFS_EEXIST:	return "file exists";
	case RAMFS_ENOTDIR:	return "not a directory";
	case RAMFS_EISDIR:	return "is a directory";
	case RAMFS_ENOTEMPTY:	return "directory not empty";
	case RAMFS_EINVAL:	return "invalid path or argument";
	case RAMFS_ENAMETOOLONG: return "name too long";
	case RAMFS_ENOMEM:	return "out of memory";
	case RAMFS_EROFS:	return "read-only file";
	case RAMFS_EBUSY:	return "cannot remove the root";
	default:		return "unknown error";
	}
}

/* ------------------------------------------------------------ paths ---- */

/* 0 if path is absolute and every component a valid name; "/" is valid. */
static int path_check(const char *path)
{
	const char *p = path;

	if (!path || *p != '/')
		return RAMFS_EINVAL;
	if (p[1] == '\0')
		return 0;
	while (*p == '/') {
		const char *name = ++p;
		size_t n = 0;

		while (p[n] && p[n] != '/')
			n++;
		if (n == 0)
			return RAMFS_EINVAL;	/* "//" or a trailing '/' */
		if (n > RAMFS_NAME_MAX)
			return RAMFS_ENAMETOOLONG;
		if ((n == 1 && name[0] == '.') ||
		    (n == 2 && name[0] == '.' && name[1] == '.'))
			return RAMFS_EINVAL;
		p += n;
	}
	return 0;
}

static struct ramfs_node *dir_find(const struct ramfs_node *dir, const char *name,
				   size_t len)
{
	for (struct ramfs_node *c = dir->child; c; c = c->sibling)
		if (!strncmp(c->name, name, len) && c->name[len] == '\0')
			return c;
	return NULL;
}

/*
 * Walk a path. With want_parent, stop before the last component: *out is
 * its parent directory and name the last component. Without, *out is the
 * node itself ("/" is the root). Errors: those of path_check, RAMFS_ENOENT,
 * RAMFS_ENOTDIR (a component before the last is a file).
 */
static int path_walk(const char *path, bool want_parent, struct ramfs_node **out,
		     char name[RAMFS_NAME_MAX + 1])
{
	struct ramfs_node *n = &ramfs_root, *next;
	const char *p = path;
	int err = path_check(path);

	if (err)
		return err;
	if (p[1] == '\0') {
		if (want_parent)
			return RAMFS_EINVAL;	/* "/" has no parent */
		*out = n;
		return 0;
	}
	for (;;) {
		const char *comp = ++p;
		size_t len = 0;
		bool last;

		while (p[len] && p[len] != '/')
			len++;
		p += len;
		last = *p == '\0';
		if (last && want_parent) {
			memcpy(name, comp, len);
			name[len] = '\0';
			*out = n;
			return 0;
		}
		next = dir_find(n, comp, len);
		if (!next)
			return RAMFS_ENOENT;
		if (last) {
			*out = next;
			return 0;
		}
		if (!next->is_dir)
			return RAMFS_ENOTDIR;
		n = next;
	}
}

static int lookup(const char *path, struct ramfs_node **out)
{
	return path_walk(path, false, out, NULL);
}

/* ------------------------------------------------------------- nodes ---- */

static void dir_insert(struct ramfs_node *dir, struct ramfs_node *n)
{
	struct ramfs_node **pp = &dir->child;

	while (*pp && strcmp((*pp)->name, n->name) < 0)
		pp = &(*pp)->sibling;
	n->sibling = *pp;
	*pp = n;
	n->parent = dir;
	dir->nchildren++;
}

static void dir_unlink(struct ramfs_node *n)
{
	struct ramfs_node **pp = &n->parent->child;

	while (*pp != n)
		pp = &(*pp)->sibling;
	*pp = n->sibling;
	n->parent->nchildren--;
	n->sibling = NULL;
	n->parent = NULL;
}

static void node_free(struct ramfs_node *n)
{
	if (!n->read_only)
		kfree(n->data);
	kfree(n);
}

/* A new child of the parent of path, named by its last component. */
static int node_add(const char *path, bool is_dir, struct ramfs_node **out)
{
	char name[RAMFS_NAME_MAX + 1];
	struct ramfs_node *dir, *n;
	int err;

	err = path_walk(path, true, &dir, name);
	if (err)
		return err;
	if (!dir->is_dir)
		return RAMFS_ENOTDIR;
	if (dir_find(dir, name, strlen(name)))
		return RAMFS_EEXIST;
	n = kzalloc(sizeof(*n));
	if (!n)
		return RAMFS_ENOMEM;
	memcpy(n->name, name, sizeof(name));
	n->is_dir = is_dir;
	dir_insert(dir, n);
	if (out)
		*out = n;
	return 0;
}

int ramfs_init(void)
{
	struct ramfs_node *boot;

	if (lookup("/boot", &boot) == 0)
		return boot->is_dir ? 0 : RAMFS_ENOTDIR;
	return ramfs_mkdir("/boot");
}

int ramfs_mkdir(const char *path)
{
	return node_add(path, true, NULL);
}

int ramfs_create(const char *path)
{
	return node_add(path, false, NULL);
}

/* -------------------------------------------------------- read, write ---- */

static int file_lookup(const char *path, struct ramfs_node **out)
{
	int err = lookup(path, out);

	if (err)
		return err;
	return (*out)->is_dir ? RAMFS_EISDIR : 0;
}

/* Make room for `end` bytes; the contents are kept on failure. */
static int file_reserve(struct ramfs_node *f, size_t end)
{
	size_t cap = f->cap ? f->cap : RAMFS_MIN_CAP;
	char *d;

	if (end <= f->cap)
		return 0;
	while (cap < end)
		cap = cap > SIZE_MAX / 2 ? end : cap * 2;
	d = krealloc(f->data, cap);
	if (!d && cap > end)
		d = krealloc(f->data, cap = end);	/* doubling too greedy */
	if (!d)
		return RAMFS_ENOMEM;
	f->data = d;
	f->cap = cap;
	return 0;
}

long ramfs_write(const char *path, size_t off, const void *buf, size_t len)
{
	struct ramfs_node *f;
	int err;

	err = file_lookup(path, &f);
	if (err)
		return err;
	if (f->read_only)
		return RAMFS_EROFS;
	if ((!buf && len) || len > (size_t)LONG_MAX || off > SIZE_MAX - len)
		return RAMFS_EINVAL;
	if (len == 0)
		return 0;
	err = file_reserve(f, off + len);
	if (err)
		return err;
	if (off > f->size)
		memset(f->data + f->size, 0, off - f->size);
	memcpy(f->data + off, buf, len);
	if (off + len > f->size)
		f->size = off + len;
	return (long)len;
}

long ramfs_read(const char *path, size_t off, void *buf, size_t len)
{
	struct ramfs_node *f;
	size_t n;
	int err;

	err = file_lookup(path, &f);
	if (err)
		return err;
	if ((!buf && len) || len > (size_t)LONG_MAX)
		return RAMFS_EINVAL;
	if (off >= f->size)
		return 0;
	n = f->size - off < len ? f->size - off : len;
	memcpy(buf, f->data + off, n);
	return (long)n;
}

const void *ramfs_data(const char *path, size_t *len)
{
	static const char empty[1];
	struct ramfs_node *f;

	if (len)
		*len = 0;
	if (file_lookup(path, &f))
		return NULL;
	if (len)
		*len = f->size;
	return f->data ? f->data : empty;
}

/* ------------------------------------------------------------ remove ---- */

int ramfs_remove(const char *path)
{
	struct ramfs_node *n;
	int err = lookup(path, &n);

	if (err)
		return err;
	if (n == &ramfs_root)
		return RAMFS_EBUSY;
	if (n->is_dir && n->child)
		return RAMFS_ENOTEMPTY;
	dir_unlink(n);
	node_free(n);
	return 0;
}

/* Free everything under and including top, already unlinked from its
 * parent. Iterative (depth-first through the parent links), so a deep tree
 * cannot overflow the kernel stack. */
static void tree_free(struct ramfs_node *top)
{
	struct ramfs_node *n = top, *parent;

	for (;;) {
		while (n->child)
			n = n->child;
		if (n == top)
			break;
		parent = n->parent;
		parent->child = n->sibling;
		parent->nchildren--;
		node_free(n);
		n = parent;
	}
	node_free(top);
}

int ramfs_remove_tree(const char *path)
{
	struct ramfs_node *n;
	int err = lookup(path, &n);

	if (err)
		return err;
	if (n == &ramfs_root)
		return RAMFS_EBUSY;
	dir_unlink(n);
	tree_free(n);
	return 0;
}

/* -------------------------------------------------------- stat, list ---- */

static void node_stat(const struct ramfs_node *n, struct ramfs_stat *st)
{
	st->size = n->is_dir ? 0 : n->size;
	st->is_dir = n->is_dir;
	st->read_only = n->read_only;
	st->nchildren = n->nchildren;
}

int ramfs_stat(const char *path, struct ramfs_stat *st)
{
	struct ramfs_node *n;
	int err = lookup(path, &n);

	if (err)
		return err;
	if (!st)
		return RAMFS_EINVAL;
	node_stat(n, st);
	return 0;
}

int ramfs_list(const char *path,
	       void (*fn)(const char *name, const struct ramfs_stat *st, void *arg),
	       void *arg)
{
	struct ramfs_stat st;
	struct ramfs_node *n;
	int err = lookup(path, &n), count = 0;

	if (err)
		return err;
	if (!fn)
		return RAMFS_EINVAL;
	if (!n->is_dir) {
		node_stat(n, &st);
		fn(n->name, &st, arg);
		return 1;
	}
	for (struct ramfs_node *c = n->child; c; c = c->sibling) {
		node_stat(c, &st);
		fn(c->name, &st, arg);
		count++;
	}
	return count;
}

/* ------------------------------------------------------ boot modules ---- */

/* /boot/NAME for module i: the last part of the first word of its command
 * line, or "moduleN". */
static void module_path(const struct mb2_module *m, size_t i, char *out, size_t len)
{
	const char *s = m->cmdline, *base;
	size_t n = 0;

	while (*s == ' ')
		s++;
	base = s;
	while (s[n] && s[n] != ' ') {
		if (s[n] == '/')
			base = s + n + 1;
		n++;
	}
	n = (size_t)(s + n - base);
	if (n == 0 || n > RAMFS_NAME_MAX ||
	    (n == 1 && base[0] == '.') || (n == 2 && base[0] == '.' && base[1] == '.'))
		snprintf(out, len, "/boot/module%zu", i);
	else
		snprintf(out, len, "/boot/%.*s", (int)n, base);
}

int ramfs_add_boot_modules(const struct mb2_info *info)
{
	char path[8 + RAMFS_NAME_MAX + 1];
	struct ramfs_node *f;
	int err, added = 0;

	if (!info)
		return 0;
	err = ramfs_init();
	if (err)
		return err;
	for (size_t i = 0; i < info->module_count; i++) {
		const struct mb2_module *m = &info->modules[i];

		module_path(m, i, path, sizeof(path));
		if (m->end < m->start || m->end > vmm_direct_map_end()) {
			kprintf("ramfs: module %zu (%s) not in the direct map: skipped\n",
				i, path);
			continue;
		}
		err = node_add(path, false, &f);
		if (err) {
			kprintf("ramfs: %s: %s: skipped\n", path, ramfs_strerror(err));
			continue;
		}
		f->read_only = true;
		f->data = phys_to_virt(m->start);
		f->size = m->end - m->start;
		added++;
		kprintf("ramfs: %s: %zu bytes (module %zu, read-only, in place)\n",
			path, f->size, i);
	}
	return added;
}
