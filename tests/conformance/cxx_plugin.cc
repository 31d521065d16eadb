/* SPDX-License-Identifier: MIT */
/*
 * cxx_plugin.so: a C++ library loaded with dlopen(RTLD_LOCAL) into a C
 * program (cases_cxx.sh uses python3's ctypes, as a Python extension
 * would be loaded). The C++ runtime then arrives after the drop-in
 * library was bound, and out of its reach; operator new must still go
 * through our heap, and an impossible new must still throw std::bad_alloc
 * that this code catches (preload_cxx.cc hands the failure to the
 * runtime's own operator new).
 *
 *   int cxx_plugin_check(void)    0 when every check held; otherwise the
 *                                 number of failed checks, each with a
 *                                 "FAIL: ..." line on stderr
 */
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <new>
#include <string>
#include <vector>
#include "tests/conformance/cxx_check.h"

template <typename F> static bool throws_bad_alloc(F f)
{
	try {
		(void)f();
	} catch (const std::bad_alloc &) {
		return true;
	} catch (...) {
		return false;
	}
	return false;
}

extern "C" __attribute__((visibility("default"))) int cxx_plugin_check(void)
{
	volatile std::size_t big = SIZE_MAX / 2;
	std::size_t n = big;
	std::align_val_t al = static_cast<std::align_val_t>(64);
	void *new_fn = reinterpret_cast<void *>(
		static_cast<void *(*)(std::size_t)>(::operator new));
	Dl_info info;

	CHECK(dladdr(new_fn, &info) && info.dli_fname &&
	      std::strstr(info.dli_fname, "libosmem-preload.so"),
	      "operator new is bound to %s", info.dli_fname);
	std::vector<std::string> v(100, std::string(50, 'x'));
	CHECK(v[99].size() == 50, "a vector of strings");
	CHECK(throws_bad_alloc([n] { return ::operator new(n); }),
	      "operator new(%zu) did not throw std::bad_alloc", n);
	CHECK(throws_bad_alloc([n, al] { return ::operator new[](n, al); }),
	      "aligned operator new[](%zu) did not throw std::bad_alloc", n);
	CHECK(!::operator new(n, std::nothrow),
	      "operator new(%zu, nothrow) is not nullptr", n);
	CHECK(!::operator new(n, al, std::nothrow),
	      "aligned operator new(%zu, nothrow) is not nullptr", n);
	return failures;
}
