/* SPDX-License-Identifier: MIT */
/*
 * Suite multiboot2: the parser on synthetic information blocks built here
 * (a good one, then truncated, oversized, misaligned and inconsistent ones,
 * and one with tags missing), and the real block this boot received.
 */
#include "kernel/multiboot2.h"
#include "libk/ktest.h"
#include "libk/string.h"

/* A block under construction: 8-byte aligned, tags appended at `off`. */
struct mbb {
	uint32_t buf[2048] __attribute__((aligned(8)));	/* 8 KiB */
	size_t off;
};

static struct mbb mbb;		/* static: too big for the stack */
static struct mb2_info info;

static uint8_t *mbb_bytes(struct mbb *b)
{
	return (uint8_t *)b->buf;
}

static void mbb_init(struct mbb *b)
{
	memset(b->buf, 0, sizeof(b->buf));
	b->off = 8;
}

/* Append a tag of `size` bytes (header included); returns it. */
static void *mbb_tag(struct mbb *b, uint32_t type, uint32_t size)
{
	uint32_t *tag = (uint32_t *)(mbb_bytes(b) + b->off);

	tag[0] = type;
	tag[1] = size;
	b->off += (size + 7) & ~7u;
	return tag;
}

static void mbb_string(struct mbb *b, uint32_t type, const char *s)
{
	size_t n = strlen(s) + 1;
	uint8_t *tag = mbb_tag(b, type, 8 + n);

	memcpy(tag + 8, s, n);
}

static void mbb_mmap_entry_size(struct mbb *b, const struct mb2_mmap_entry *e,
				size_t n, uint32_t entry_size)
{
	uint32_t *tag = mbb_tag(b, MB2_TAG_MMAP, 16 + n * entry_size);
	uint8_t *p = (uint8_t *)tag + 16;

	tag[2] = entry_size;
	tag[3] = 0;
	for (size_t i = 0; i < n; i++, p += entry_size) {
		memcpy(p, &e[i].base, 8);
		memcpy(p + 8, &e[i].len, 8);
		memcpy(p + 16, &e[i].type, 4);
	}
}

static void mbb_mmap(struct mbb *b, const struct mb2_mmap_entry *e, size_t n)
{
	mbb_mmap_entry_size(b, e, n, 24);
}

static void mbb_module(struct mbb *b, uint32_t start, uint32_t end, const char *s)
{
	size_t n = strlen(s) + 1;
	uint32_t *tag = mbb_tag(b, MB2_TAG_MODULE, 16 + n);

	tag[2] = start;
	tag[3] = end;
	memcpy(tag + 4, s, n);
}

/* Close the block with the end tag; returns total_size. */
static uint32_t mbb_finish(struct mbb *b)
{
	mbb_tag(b, MB2_TAG_END, 8);
	b->buf[0] = (uint32_t)b->off;
	return (uint32_t)b->off;
}

static const struct mb2_mmap_entry test_map[] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MEM_RESERVED },
	{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE },
};

static uint32_t build_good(void)
{
	uint32_t *unknown, *meminfo;

	mbb_init(&mbb);
	mbb_string(&mbb, MB2_TAG_CMDLINE, "ktest=multiboot2 heap=classic");
	mbb_string(&mbb, MB2_TAG_LOADER_NAME, "TestLoader 1.0");
	unknown = mbb_tag(&mbb, 21, 13);	/* odd size: padding follows */
	unknown[2] = 0xffffffff;
	meminfo = mbb_tag(&mbb, MB2_TAG_BASIC_MEMINFO, 16);
	meminfo[2] = 639;
	meminfo[3] = 129920;
	mbb_mmap(&mbb, test_map, 3);
	mbb_module(&mbb, 0x200000, 0x201234, "initrd.img");
	return mbb_finish(&mbb);
}

KTEST(multiboot2, good_block_parses_every_tag)
{
	uint32_t total = build_good();

	KASSERT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), 0);
	KEXPECT_EQ(t, info.total_size, total);
	KEXPECT(t, info.has_cmdline);
	KEXPECT_STREQ(t, info.cmdline, "ktest=multiboot2 heap=classic");
	KEXPECT(t, info.has_loader_name);
	KEXPECT_STREQ(t, info.loader_name, "TestLoader 1.0");
	KEXPECT(t, info.has_meminfo);
	KEXPECT_EQ(t, info.mem_lower_kib, 639);
	KEXPECT_EQ(t, info.mem_upper_kib, 129920);
	KEXPECT(t, info.has_mmap);
	KASSERT_EQ(t, info.mmap_count, 3);
	for (size_t i = 0; i < 3; i++) {
		KEXPECT_EQ(t, info.mmap[i].base, test_map[i].base);
		KEXPECT_EQ(t, info.mmap[i].len, test_map[i].len);
		KEXPECT_EQ(t, info.mmap[i].type, test_map[i].type);
	}
	KEXPECT_EQ(t, mb2_available_bytes(&info), 0x9fc00 + 0x7ee0000);
	KASSERT_EQ(t, info.module_count, 1);
	KEXPECT_EQ(t, info.modules[0].start, 0x200000);
	KEXPECT_EQ(t, info.modules[0].end, 0x201234);
	KEXPECT_STREQ(t, info.modules[0].cmdline, "initrd.img");
}

KTEST(multiboot2, larger_mmap_entries_are_stepped_over)
{
	mbb_init(&mbb);
	/* A newer loader may append fields: entry_size 32, not 24. */
	mbb_mmap_entry_size(&mbb, test_map, 3, 32);
	mbb_finish(&mbb);
	KASSERT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), 0);
	KASSERT_EQ(t, info.mmap_count, 3);
	KEXPECT_EQ(t, info.mmap[2].base, 0x100000);
	KEXPECT_EQ(t, info.mmap[2].type, MB2_MEM_AVAILABLE);
}

KTEST(multiboot2, truncated_block_is_rejected)
{
	uint32_t total = build_good();

	/* Fewer readable bytes than total_size claims. */
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, total - 8, &info), MB2_ERR_TOTAL_SIZE);
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, 4, &info), MB2_ERR_TOTAL_SIZE);
	/* total_size itself cut short: the end tag is no longer inside. */
	mbb.buf[0] = total - 8;
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_NO_END);
	/* Too small to hold even the end tag. */
	mbb.buf[0] = 8;
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TOTAL_SIZE);
	/* Absurdly large. */
	mbb.buf[0] = 0xfffffff8;
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, (size_t)-1, &info), MB2_ERR_TOTAL_SIZE);
}

KTEST(multiboot2, bad_tag_sizes_are_rejected)
{
	uint32_t *first;

	build_good();
	first = (uint32_t *)(mbb_bytes(&mbb) + 8);
	first[1] = 4;				/* shorter than a tag header */
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_SIZE);
	first[1] = 0;				/* would loop forever if followed */
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_SIZE);
	first[1] = 0x10000;			/* runs past total_size */
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_SIZE);

	mbb_init(&mbb);
	mbb_tag(&mbb, MB2_TAG_END, 16);		/* end tag must be exactly 8 */
	mbb.buf[0] = (uint32_t)mbb.off;
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_SIZE);
}

KTEST(multiboot2, inconsistent_tag_contents_are_rejected)
{
	uint32_t *tag;

	/* A string without its NUL inside the tag. */
	mbb_init(&mbb);
	tag = mbb_tag(&mbb, MB2_TAG_CMDLINE, 12);
	memcpy(tag + 2, "abcd", 4);
	mbb_finish(&mbb);
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_BODY);

	/* Memory map entries smaller than an entry. */
	mbb_init(&mbb);
	mbb_mmap_entry_size(&mbb, test_map, 2, 16);
	mbb_finish(&mbb);
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_BODY);

	/* Memory map size not a whole number of entries. */
	mbb_init(&mbb);
	tag = mbb_tag(&mbb, MB2_TAG_MMAP, 16 + 24 + 8);
	tag[2] = 24;
	mbb_finish(&mbb);
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_BODY);

	/* A module that ends before it starts. */
	mbb_init(&mbb);
	mbb_module(&mbb, 0x300000, 0x200000, "bad");
	mbb_finish(&mbb);
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_BODY);
}

KTEST(multiboot2, missing_end_tag_is_rejected)
{
	mbb_init(&mbb);
	mbb_string(&mbb, MB2_TAG_CMDLINE, "x");
	mbb.buf[0] = (uint32_t)mbb.off;
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_NO_END);
}

KTEST(multiboot2, misaligned_or_null_block_is_rejected)
{
	build_good();
	KEXPECT_EQ(t, mb2_parse_block(mbb_bytes(&mbb) + 4, sizeof(mbb.buf) - 4, &info),
		   MB2_ERR_ALIGN);
	KEXPECT_EQ(t, mb2_parse_block(NULL, 4096, &info), MB2_ERR_NULL);
}

KTEST(multiboot2, rejected_block_leaves_nothing_behind)
{
	uint32_t total = build_good();

	/* Break the last tag before the end: the earlier tags parsed fine,
	 * but the result must not be half filled. */
	mbb.buf[0] = total - 8;
	KEXPECT_NE(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), 0);
	KEXPECT(t, !info.has_cmdline);
	KEXPECT(t, !info.has_mmap);
	KEXPECT_EQ(t, info.mmap_count, 0);
	KEXPECT_EQ(t, info.module_count, 0);
}

KTEST(multiboot2, missing_tags_are_flagged_not_errors)
{
	mbb_init(&mbb);
	mbb_finish(&mbb);
	KASSERT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), 0);
	KEXPECT(t, !info.has_cmdline);
	KEXPECT(t, !info.has_loader_name);
	KEXPECT(t, !info.has_mmap);
	KEXPECT(t, !info.has_meminfo);
	KEXPECT(t, !info.has_rsdp);
	KEXPECT_EQ(t, info.mmap_count, 0);
	KEXPECT_EQ(t, info.module_count, 0);
}

/* Tags 14 and 15 carry RSDP copies: the 2.0+ one wins in either order;
 * an empty or oversized one is refused. */
KTEST(multiboot2, acpi_rsdp_tags)
{
	uint8_t *old, *new;

	mbb_init(&mbb);
	new = mbb_tag(&mbb, MB2_TAG_ACPI_NEW, 8 + 36);
	memcpy(new + 8, "RSD PTR 2", 9);
	old = mbb_tag(&mbb, MB2_TAG_ACPI_OLD, 8 + 20);
	memcpy(old + 8, "RSD PTR 1", 9);
	mbb_finish(&mbb);
	KASSERT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), 0);
	KEXPECT(t, info.has_rsdp);
	KEXPECT(t, info.rsdp_new);
	KEXPECT_EQ(t, info.rsdp_len, 36);
	KEXPECT_EQ(t, info.rsdp[8], '2');

	mbb_init(&mbb);
	old = mbb_tag(&mbb, MB2_TAG_ACPI_OLD, 8 + 20);
	memcpy(old + 8, "RSD PTR 1", 9);
	mbb_finish(&mbb);
	KASSERT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), 0);
	KEXPECT(t, info.has_rsdp && !info.rsdp_new);
	KEXPECT_EQ(t, info.rsdp_len, 20);
	KEXPECT_EQ(t, info.rsdp[8], '1');

	mbb_init(&mbb);
	mbb_tag(&mbb, MB2_TAG_ACPI_NEW, 8);
	mbb_finish(&mbb);
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_BODY);
	mbb_init(&mbb);
	mbb_tag(&mbb, MB2_TAG_ACPI_NEW, 8 + MB2_RSDP_MAX + 1);
	mbb_finish(&mbb);
	KEXPECT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), MB2_ERR_TAG_BODY);
	KEXPECT(t, !info.has_rsdp);
}

KTEST(multiboot2, overlong_tables_and_strings_are_truncated)
{
	static struct mb2_mmap_entry many[MB2_MAX_MMAP + 3];
	char longline[MB2_CMDLINE_MAX + 40];

	for (size_t i = 0; i < MB2_MAX_MMAP + 3; i++) {
		many[i].base = i * 0x1000;
		many[i].len = 0x1000;
		many[i].type = MB2_MEM_AVAILABLE;
	}
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	mbb_init(&mbb);
	mbb_mmap(&mbb, many, MB2_MAX_MMAP + 3);
	mbb_string(&mbb, MB2_TAG_CMDLINE, longline);
	mbb_finish(&mbb);
	KASSERT_EQ(t, mb2_parse_block(mbb.buf, sizeof(mbb.buf), &info), 0);
	KEXPECT_EQ(t, info.mmap_count, MB2_MAX_MMAP);
	KEXPECT(t, info.mmap_truncated);
	KEXPECT_EQ(t, info.mmap[MB2_MAX_MMAP - 1].base, (MB2_MAX_MMAP - 1) * 0x1000);
	KEXPECT(t, info.cmdline_truncated);
	KEXPECT_EQ(t, strlen(info.cmdline), MB2_CMDLINE_MAX - 1);
}

KTEST(multiboot2, boot_information_has_a_memory_map_and_loader)
{
	const struct mb2_info *boot = mb2_boot_info();

	KASSERT_NOT_NULL(t, boot);
	KEXPECT(t, boot->has_loader_name);
	KEXPECT_GT(t, strlen(boot->loader_name), 0);
	KEXPECT(t, boot->has_mmap);
	KEXPECT_GT(t, boot->mmap_count, 0);
	/* QEMU gives at least a few MiB; the kernel is loaded at 1 MiB, so
	 * some available entry must contain that address. */
	KEXPECT_GT(t, mb2_available_bytes(boot), 4UL << 20);
	{
		int found = 0;

		for (size_t i = 0; i < boot->mmap_count; i++)
			if (boot->mmap[i].type == MB2_MEM_AVAILABLE &&
			    boot->mmap[i].base <= 0x100000 &&
			    boot->mmap[i].base + boot->mmap[i].len > 0x100000)
				found = 1;
		KEXPECT(t, found);
	}
	KEXPECT(t, boot->has_cmdline);
}
