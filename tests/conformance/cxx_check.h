/* SPDX-License-Identifier: MIT */
/*
 * What the C++ conformance programs share: a failure count and CHECK (a
 * failed expectation prints "FAIL: ..." with file:line and counts; the
 * program exits non-zero at the end when any failed), hide() (keeps the
 * compiler from seeing through a pointer, so a new/delete pair is not
 * folded away), and say_ptr() (prints "ptr=P" for the runner to match a
 * report line against).
 */
#ifndef TESTS_CONFORMANCE_CXX_CHECK_H
#define TESTS_CONFORMANCE_CXX_CHECK_H

#include <cstdio>

static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (!(cond)) {                                               \
			std::fprintf(stderr, "FAIL: " __VA_ARGS__);          \
			std::fprintf(stderr, " (%s:%d)\n", __FILE__, __LINE__); \
			failures++;                                          \
		}                                                            \
	} while (0)

template <typename T> static T *hide(T *p)
{
	__asm__ volatile("" : "+r"(p));
	return p;
}

static inline void say_ptr(const void *p)
{
	std::printf("ptr=%p\n", p);
	std::fflush(stdout);
}

#endif
