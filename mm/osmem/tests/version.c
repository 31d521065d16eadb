/* SPDX-License-Identifier: MIT */
/* The allocator's version (suite osmem_version), both homes. */
#include "libk/ktest.h"
#include "libk/printf.h"
#include "mm/osmem/version.h"

KTEST(osmem_version, function_returns_the_header_macro)
{
	KEXPECT_STREQ(t, osmem_version(), OSMEM_VERSION);
}

KTEST(osmem_version, string_is_major_minor_patch)
{
	char built[32];

	snprintf(built, sizeof(built), "%d.%d.%d", OSMEM_VERSION_MAJOR,
		 OSMEM_VERSION_MINOR, OSMEM_VERSION_PATCH);
	KEXPECT_STREQ(t, OSMEM_VERSION, built);
}
