/* SPDX-License-Identifier: MIT */
/*
 * osmem_version: the version string of the linked allocator
 * (mm/osmem/version.h). Core: no kernel or libc header.
 */
#include "mm/osmem/version.h"

const char *osmem_version(void)
{
	return OSMEM_VERSION;
}
