/* SPDX-License-Identifier: MIT */
/*
 * The allocator's one version (semantic versioning: MAJOR.MINOR.PATCH),
 * the project's too: the kernel's boot banner, the shell's `version`, the
 * user-space libraries' osmem_version() and CHANGELOG.md all read it here.
 * Freestanding: no header, usable from the kernel, the libraries and tests.
 *
 * Contract: OSMEM_VERSION is the string "MAJOR.MINOR.PATCH" of the three
 * numeric macros; a release changes the four lines together, and
 * CHANGELOG.md gets a section with the same string (and README its line).
 */
#ifndef MM_OSMEM_VERSION_H
#define MM_OSMEM_VERSION_H

#define OSMEM_VERSION_MAJOR	0
#define OSMEM_VERSION_MINOR	9
#define OSMEM_VERSION_PATCH	0
#define OSMEM_VERSION		"0.9.0"

/*
 * osmem_version: OSMEM_VERSION, from the code that was linked (a program
 * built against one header and run with another library sees the
 * difference). Never NULL; a static string. Exported by build/host/libosmem.so
 * (mm/osmem/libosmem.map) and libosmem-preload.so, which hide the rest.
 */
__attribute__((visibility("default"))) const char *osmem_version(void);

#endif
