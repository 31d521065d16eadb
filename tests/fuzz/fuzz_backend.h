/* SPDX-License-Identifier: MIT */
/*
 * The fuzzer's backend: the recording, failing test backend
 * (mm/osmem/tests/backend_test.h) seen through a thin layer that counts the
 * calls that failed, so the fuzzer can tell a NULL the backend explains (an
 * injected failure, the arena's limit, a refused mapping) from one it does
 * not (an allocator bug).
 *
 * fuzz_backend_init() starts a fresh test backend (unmapping whatever the
 * previous input left mapped) and returns the counting view of it, or NULL
 * when the home has no arena. Failures are injected through the test
 * backend itself (osmem_tb_fail_at/fail_from/fail_none).
 */
#ifndef TESTS_FUZZ_FUZZ_BACKEND_H
#define TESTS_FUZZ_FUZZ_BACKEND_H

#include "mm/osmem/backend.h"

struct fuzz_backend_counts {
	unsigned failed;        /* heap_extend/map/unmap/remap calls that failed */
	unsigned unmap_failed;  /* of those, pages_unmap calls */
};

const struct osmem_backend *fuzz_backend_init(void);
/* Failed calls since fuzz_backend_init(). */
struct fuzz_backend_counts fuzz_backend_counts(void);

#endif
