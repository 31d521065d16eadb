/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 boot information: a validating parser and the kernel's copy
 * of what it needs (memory map, command line, modules, boot loader name).
 *
 * mb2_parse_block(blk, avail, out) reads the information block at blk, of
 * which `avail` bytes are readable, and fills *out. It never reads outside
 * [blk, blk + min(total_size, avail)) and rejects, with a negative MB2_ERR_*
 * code and *out cleared, a block that is misaligned, whose total_size is
 * too small or exceeds avail, a tag that is misaligned, shorter than its
 * header or runs past the end, a string tag without its NUL, a memory map
 * or module tag with impossible sizes, or a block with no end tag.
 * An ACPI RSDP tag (14 or 15) longer than MB2_RSDP_MAX bytes of body is
 * rejected too. Unknown tags are skipped. Missing tags are not errors: the has_* flags say
 * what was there.
 *
 * Everything is copied into struct mb2_info (strings truncated to the
 * buffers, tables to MB2_MAX_*; the *_truncated flags say so), so the
 * information block's memory may be reused once parsed.
 *
 * mb2_parse(phys) parses the block the boot loader left at physical address
 * phys through the boot direct map (which covers BOOT_DIRECT_MAP_BYTES) and
 * keeps the result for mb2_boot_info(), which returns NULL until a parse
 * succeeded.
 */
#ifndef KERNEL_MULTIBOOT2_H
#define KERNEL_MULTIBOOT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC	0x36d76289u

#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER_NAME	2
#define MB2_TAG_MODULE		3
#define MB2_TAG_BASIC_MEMINFO	4
#define MB2_TAG_MMAP		6
#define MB2_TAG_ACPI_OLD	14	/* a copy of the ACPI 1.0 RSDP */
#define MB2_TAG_ACPI_NEW	15	/* a copy of the ACPI 2.0+ RSDP */

#define MB2_MEM_AVAILABLE	1
#define MB2_MEM_RESERVED	2
#define MB2_MEM_ACPI_RECLAIM	3
#define MB2_MEM_NVS		4
#define MB2_MEM_BADRAM		5

#define MB2_MAX_MMAP		128
#define MB2_MAX_MODULES		16
#define MB2_CMDLINE_MAX		256
#define MB2_NAME_MAX		64
#define MB2_RSDP_MAX		64	/* an RSDP is 20 (v1) or 36 (v2+) bytes */
#define MB2_MAX_INFO_BYTES	(1u << 20)	/* larger: surely corrupt */

#define MB2_ERR_NULL		(-1)	/* no block */
#define MB2_ERR_ALIGN		(-2)	/* block or tag not 8-byte aligned */
#define MB2_ERR_TOTAL_SIZE	(-3)	/* total_size too small or too big */
#define MB2_ERR_TAG_SIZE	(-4)	/* tag shorter than 8 or past the end */
#define MB2_ERR_TAG_BODY	(-5)	/* tag contents inconsistent */
#define MB2_ERR_NO_END		(-6)	/* no end tag */
#define MB2_ERR_UNMAPPED	(-7)	/* not reachable through the boot map */

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;		/* MB2_MEM_* */
};

struct mb2_module {
	uint64_t start;		/* physical, first byte */
	uint64_t end;		/* physical, one past the last byte */
	char cmdline[MB2_NAME_MAX];
};

struct mb2_info {
	uint64_t phys;		/* where the block was; 0 when not known */
	uint32_t total_size;

	bool has_cmdline;
	bool cmdline_truncated;
	char cmdline[MB2_CMDLINE_MAX];

	bool has_loader_name;
	char loader_name[MB2_NAME_MAX];

	bool has_meminfo;
	uint32_t mem_lower_kib, mem_upper_kib;

	bool has_mmap;
	bool mmap_truncated;
	size_t mmap_count;
	struct mb2_mmap_entry mmap[MB2_MAX_MMAP];

	bool modules_truncated;
	size_t module_count;
	struct mb2_module modules[MB2_MAX_MODULES];

	/* The RSDP the loader copied (the ACPI 2.0+ one when both are
	 * given), unchecked: kernel/arch/x86_64/acpi.c validates it. */
	bool has_rsdp;
	bool rsdp_new;		/* from tag 15 */
	size_t rsdp_len;
	uint8_t rsdp[MB2_RSDP_MAX];
};

int mb2_parse_block(const void *blk, size_t avail, struct mb2_info *out);
int mb2_parse(uint64_t phys);
const struct mb2_info *mb2_boot_info(void);

const char *mb2_strerror(int err);
const char *mb2_mem_type_name(uint32_t type);

/* Sum of the lengths of MB2_MEM_AVAILABLE entries. */
uint64_t mb2_available_bytes(const struct mb2_info *info);

/* Print the boot loader, command line, memory map and modules. */
void mb2_print(const struct mb2_info *info);

#endif
