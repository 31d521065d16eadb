/* SPDX-License-Identifier: MIT */
/*
 * In a host build (-DLIBK_HOST), libk's functions must not take the C
 * library's names: the host test programs and the user-space allocator link
 * against the C library too. This header renames them to libk_* there, and
 * does nothing in the kernel. Every libk header includes it first.
 */
#ifndef LIBK_HOST_NAMES_H
#define LIBK_HOST_NAMES_H

#ifdef LIBK_HOST
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

#endif
