/* SPDX-License-Identifier: MIT */
/*
 * libk's symbols carry the prefix libk_ in every build: a kernel or program
 * that takes libk along with the allocator (docs/porting.md) keeps its own
 * memset, strlen, snprintf ... and no name clashes. The source keeps the C
 * standard's names: this header maps each to its libk_ symbol. Every libk
 * header includes it first.
 *
 * The compiler may emit calls to plain memset/memcpy/memmove/memcmp on its
 * own (struct copies, zeroing): the kernel provides those four in
 * kernel/compiler_calls.c, the host build takes the C library's, a port
 * its own (tests/port/symbols.sh keeps libk and the allocator from
 * exporting any unprefixed name).
 */
#ifndef LIBK_NAMES_H
#define LIBK_NAMES_H

#define memset   libk_memset
#define memcpy   libk_memcpy
#define memmove  libk_memmove
#define memcmp   libk_memcmp
#define strlen   libk_strlen
#define strcmp   libk_strcmp
#define strncmp  libk_strncmp
#define strchr   libk_strchr
#define strtoul  libk_strtoul
#define vsnprintf libk_vsnprintf
#define snprintf libk_snprintf

#endif
