/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 information parser (see multiboot2.h for the contract).
 *
 * Every length comes from the block itself, so each is checked against
 * what is known to be readable before it is used: first avail, then
 * total_size, then each tag's size.
 */
#include "kernel/multiboot2.h"
#include "libk/console.h"
#include "libk/string.h"
#include "mm/layout.h"

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_tag_mmap {
	uint32_t type, size;
	uint32_t entry_size;
	uint32_t entry_version;
};

struct mb2_raw_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
	uint32_t reserved;
};

struct mb2_tag_module {
	uint32_t type, size;
	uint32_t mod_start, mod_end;
};

struct mb2_tag_meminfo {
	uint32_t type, size;
	uint32_t mem_lower, mem_upper;
};

#define MB2_HEADER_BYTES 8
#define MB2_ALIGN(x) (((x) + 7) & ~(size_t)7)

static struct mb2_info mb2_boot;
static bool mb2_boot_ok;

/* Copy the NUL-terminated string s of at most max bytes (NUL included)
 * into dst[dst_len]; -1 when s has no NUL within max. Sets *cut when it
 * had to shorten. */
static int mb2_copy_string(char *dst, size_t dst_len, const char *s, size_t max,
			   bool *cut)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	if (n == max)
		return -1;
	if (n >= dst_len) {
		n = dst_len - 1;
		if (cut)
			*cut = true;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

static int mb2_parse_mmap(const struct mb2_tag *tag, struct mb2_info *out)
{
	const struct mb2_tag_mmap *m = (const void *)tag;
	size_t body, count;
	const uint8_t *p;

	if (tag->size < sizeof(*m))
		return MB2_ERR_TAG_BODY;
	if (m->entry_size < sizeof(struct mb2_raw_mmap_entry) || m->entry_size % 8)
		return MB2_ERR_TAG_BODY;
	body = tag->size - sizeof(*m);
	if (body % m->entry_size)
		return MB2_ERR_TAG_BODY;
	count = body / m->entry_size;
	p = (const uint8_t *)m + sizeof(*m);
	out->has_mmap = true;
	for (size_t i = 0; i < count; i++, p += m->entry_size) {
		const struct mb2_raw_mmap_entry *e = (const void *)p;

		if (out->mmap_count == MB2_MAX_MMAP) {
			out->mmap_truncated = true;
			break;
		}
		out->mmap[out->mmap_count].base = e->base;
		out->mmap[out->mmap_count].len = e->len;
		out->mmap[out->mmap_count].type = e->type;
		out->mmap_count++;
	}
	return 0;
}

static int mb2_parse_module(const struct mb2_tag *tag, struct mb2_info *out)
{
	const struct mb2_tag_module *m = (const void *)tag;
	struct mb2_module *mod;

	/* The header, both addresses and at least the NUL of the string. */
	if (tag->size < sizeof(*m) + 1 || m->mod_end < m->mod_start)
		return MB2_ERR_TAG_BODY;
	if (out->module_count == MB2_MAX_MODULES) {
		out->modules_truncated = true;
		return 0;
	}
	mod = &out->modules[out->module_count];
	mod->start = m->mod_start;
	mod->end = m->mod_end;
	if (mb2_copy_string(mod->cmdline, sizeof(mod->cmdline),
			    (const char *)(m + 1), tag->size - sizeof(*m), NULL) < 0)
		return MB2_ERR_TAG_BODY;
	out->module_count++;
	return 0;
}

/* Keep the RSDP copy; an ACPI 2.0+ one wins over a 1.0 one, whatever
 * their order in the block. */
static int mb2_parse_rsdp(const struct mb2_tag *tag, struct mb2_info *out)
{
	size_t len = tag->size - sizeof(*tag);
	bool is_new = tag->type == MB2_TAG_ACPI_NEW;

	if (len == 0 || len > MB2_RSDP_MAX)
		return MB2_ERR_TAG_BODY;
	if (out->has_rsdp && out->rsdp_new && !is_new)
		return 0;
	out->has_rsdp = true;
	out->rsdp_new = is_new;
	out->rsdp_len = len;
	memcpy(out->rsdp, tag + 1, len);
	return 0;
}

static int mb2_parse_tag(const struct mb2_tag *tag, struct mb2_info *out)
{
	const char *body = (const char *)(tag + 1);
	size_t body_len = tag->size - sizeof(*tag);

	switch (tag->type) {
	case MB2_TAG_CMDLINE:
		out->has_cmdline = true;
		return mb2_copy_string(out->cmdline, sizeof(out->cmdline), body,
				       body_len, &out->cmdline_truncated) < 0 ?
			       MB2_ERR_TAG_BODY : 0;
	case MB2_TAG_LOADER_NAME:
		out->has_loader_name = true;
		return mb2_copy_string(out->loader_name, sizeof(out->loader_name),
				       body, body_len, NULL) < 0 ?
			       MB2_ERR_TAG_BODY : 0;
	case MB2_TAG_MODULE:
		return mb2_parse_module(tag, out);
	case MB2_TAG_BASIC_MEMINFO: {
		const struct mb2_tag_meminfo *m = (const void *)tag;

		if (tag->size < sizeof(*m))
			return MB2_ERR_TAG_BODY;
		out->has_meminfo = true;
		out->mem_lower_kib = m->mem_lower;
		out->mem_upper_kib = m->mem_upper;
		return 0;
	}
	case MB2_TAG_MMAP:
		return mb2_parse_mmap(tag, out);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return mb2_parse_rsdp(tag, out);
	default:
		return 0;	/* unknown or unneeded: skip */
	}
}

int mb2_parse_block(const void *blk, size_t avail, struct mb2_info *out)
{
	const uint8_t *base = blk;
	uint32_t total;
	size_t off;
	int err;

	memset(out, 0, sizeof(*out));
	if (!blk)
		return MB2_ERR_NULL;
	if ((uintptr_t)blk % 8)
		return MB2_ERR_ALIGN;
	if (avail < MB2_HEADER_BYTES)
		return MB2_ERR_TOTAL_SIZE;
	total = *(const uint32_t *)base;
	if (total < MB2_HEADER_BYTES + sizeof(struct mb2_tag) || total > avail ||
	    total > MB2_MAX_INFO_BYTES)
		return MB2_ERR_TOTAL_SIZE;

	for (off = MB2_HEADER_BYTES; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *tag = (const void *)(base + off);

		if (tag->size < sizeof(*tag) || tag->size > total - off) {
			err = MB2_ERR_TAG_SIZE;
			goto fail;
		}
		if (tag->type == MB2_TAG_END) {
			if (tag->size != sizeof(*tag)) {
				err = MB2_ERR_TAG_SIZE;
				goto fail;
			}
			out->total_size = total;
			return 0;
		}
		err = mb2_parse_tag(tag, out);
		if (err)
			goto fail;
		off += MB2_ALIGN((size_t)tag->size);
	}
	err = MB2_ERR_NO_END;
fail:
	memset(out, 0, sizeof(*out));
	return err;
}

int mb2_parse(uint64_t phys)
{
	int err;

	mb2_boot_ok = false;
	if (phys == 0)
		return MB2_ERR_NULL;
	if (phys >= BOOT_DIRECT_MAP_BYTES - MB2_HEADER_BYTES)
		return MB2_ERR_UNMAPPED;
	err = mb2_parse_block(phys_to_virt(phys), BOOT_DIRECT_MAP_BYTES - phys,
			      &mb2_boot);
	if (err)
		return err;
	mb2_boot.phys = phys;
	mb2_boot_ok = true;
	return 0;
}

const struct mb2_info *mb2_boot_info(void)
{
	return mb2_boot_ok ? &mb2_boot : NULL;
}

const char *mb2_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case MB2_ERR_NULL:
		return "no information block";
	case MB2_ERR_ALIGN:
		return "misaligned block or tag";
	case MB2_ERR_TOTAL_SIZE:
		return "bad total size";
	case MB2_ERR_TAG_SIZE:
		return "bad tag size";
	case MB2_ERR_TAG_BODY:
		return "inconsistent tag contents";
	case MB2_ERR_NO_END:
		return "no end tag";
	case MB2_ERR_UNMAPPED:
		return "block outside the boot direct map";
	default:
		return "unknown error";
	}
}

const char *mb2_mem_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE:
		return "available";
	case MB2_MEM_RESERVED:
		return "reserved";
	case MB2_MEM_ACPI_RECLAIM:
		return "ACPI reclaimable";
	case MB2_MEM_NVS:
		return "ACPI NVS";
	case MB2_MEM_BADRAM:
		return "bad RAM";
	default:
		return "unknown";
	}
}

uint64_t mb2_available_bytes(const struct mb2_info *info)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < info->mmap_count; i++)
		if (info->mmap[i].type == MB2_MEM_AVAILABLE)
			sum += info->mmap[i].len;
	return sum;
}

/* "639 KiB", "127 MiB", "3 GiB": the largest unit that divides evenly
 * enough to read at a glance. */
static void mb2_print_size(uint64_t bytes)
{
	if (bytes >= (1ULL << 30) && bytes % (1ULL << 30) == 0)
		kprintf("%6llu GiB", (unsigned long long)(bytes >> 30));
	else if (bytes >= (1ULL << 20))
		kprintf("%6llu MiB", (unsigned long long)(bytes >> 20));
	else
		kprintf("%6llu KiB", (unsigned long long)(bytes >> 10));
}

void mb2_print(const struct mb2_info *info)
{
	kprintf("boot loader: %s\n",
		info->has_loader_name ? info->loader_name : "(not given)");
	kprintf("command line: \"%s\"%s\n", info->has_cmdline ? info->cmdline : "",
		info->cmdline_truncated ? " (truncated)" : "");
	if (!info->has_mmap) {
		kprintf("memory map: (not given)\n");
	} else {
		kprintf("memory map: %zu entries%s\n", info->mmap_count,
			info->mmap_truncated ? " (truncated)" : "");
		for (size_t i = 0; i < info->mmap_count; i++) {
			const struct mb2_mmap_entry *e = &info->mmap[i];

			kprintf("  [%016llx-%016llx] ", (unsigned long long)e->base,
				(unsigned long long)(e->base + e->len - 1));
			mb2_print_size(e->len);
			kprintf("  %s\n", mb2_mem_type_name(e->type));
		}
		kprintf("available RAM: %llu MiB\n",
			(unsigned long long)(mb2_available_bytes(info) >> 20));
	}
	for (size_t i = 0; i < info->module_count; i++)
		kprintf("module %zu: [%llx-%llx) \"%s\"\n", i,
			(unsigned long long)info->modules[i].start,
			(unsigned long long)info->modules[i].end,
			info->modules[i].cmdline);
}
