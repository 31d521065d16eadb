/* SPDX-License-Identifier: MIT */
/*
 * build/host/libosmem-preload.so's C++ front: every replaceable global
 * operator new and delete of C++17, so a C++ program's allocations go
 * through the same heap as its mallocs, with the same misuse reports
 * ("in operator delete called from ...").
 *
 *   new, new[]                      (size), (size, align_val_t),
 *                                   (size, nothrow_t), (size, align_val_t, nothrow_t)
 *   delete, delete[]                (p), (p, align_val_t), (p, size),
 *                                   (p, size, align_val_t), (p, nothrow_t),
 *                                   (p, align_val_t, nothrow_t)
 *
 * Contracts ([new.delete] of the standard):
 * - new never returns NULL: while the heap refuses, it calls the
 *   new-handler (std::get_new_handler()) and tries again; with no handler
 *   it throws std::bad_alloc. The nothrow forms do the same but return
 *   NULL where new would throw, also when the handler throws.
 * - aligned forms: align is a power of two (the compiler passes only
 *   those); the memory is aligned to it (the core's memalign).
 * - the sized deletes free through the core's sized free
 *   (allocator.h: free_sized): a size that does not match the block is
 *   reported ("sized delete size mismatch") and the process aborts. What
 *   matches: the exact request in debug mode (OSMEM_DEBUG=1), otherwise
 *   a size whose block is the block's (mm/osmem/fast_sized.c). The
 *   alignment given to a delete is not checked.
 * - delete of NULL does nothing.
 * - replacement: the standard makes most forms call another by default
 *   (new[] calls new, the nothrow new calls new in a try block, the
 *   sized delete calls delete(p), delete[] calls delete...). A program
 *   may replace some forms with its own, and then the others must reach
 *   its: each form here checks (cxx_mine) that the forms it stands on are
 *   still ours, as the program's calls bind them (the GOT entry, which a
 *   replacement interposes); if not, it calls them, as the standard's
 *   default does. So a program that defines only operator new(size_t) and
 *   operator delete(void *) gets its own memory back in its own delete,
 *   even through sized and array forms it did not define.
 *
 * No libstdc++ in the library's NEEDED list: a C program that preloads it
 * never calls operator new, so it should not load the C++ runtime. The
 * few runtime pieces needed on the failure paths (std::get_new_handler,
 * the bad_alloc throw, and the catch in the nothrow forms, with the
 * exception personality) are weak references (the .weak directives
 * below): a C++ program links its runtime, which provides them. They may
 * be bound to nothing although C++ code calls us: a C++ library dlopen'ed
 * into a C program (a Python extension) loads the runtime after this
 * library was bound, and out of its reach. Then, and only when the heap
 * refuses, new hands the request to the runtime's own operator new, found
 * with dlopen(RTLD_NOLOAD) (cxx_runtime_form): it runs the same loop with
 * the same handler (its malloc is ours) and throws from the runtime. With
 * no runtime loaded at all (a C program calling operator new by hand),
 * new writes one line and aborts; the nothrow forms return NULL.
 *
 * Built with g++ -fPIC -fvisibility=hidden (mk/host.mk) and linked into
 * the library by the C driver (no -lstdc++); each form is exported with
 * default visibility.
 */
#include "mm/osmem/backend_posix.h"
#include "mm/osmem/preload_posix.h"
#include <cstddef>
#include <cstdlib>
#include <dlfcn.h>
#include <new>
#include <unistd.h>

#define CXX_API __attribute__((visibility("default")))

/*
 * The C++ runtime's pieces, weak. GCC emits the throw of std::bad_alloc
 * as calls to __cxa_allocate_exception and __cxa_throw with bad_alloc's
 * vtable, typeinfo and destructor, and a catch as __cxa_begin_catch and
 * __cxa_end_catch under the personality routine named in the unwind
 * tables; every one is bound weakly here (Itanium C++ ABI names: any
 * runtime following it provides them).
 */
__asm__(".weak __cxa_allocate_exception\n"
	".weak __cxa_throw\n"
	".weak _ZTISt9bad_alloc\n"
	".weak _ZTVSt9bad_alloc\n"
	".weak _ZNSt9bad_allocD1Ev\n"
	".weak __gxx_personality_v0\n"
	".weak __cxa_begin_catch\n"
	".weak __cxa_end_catch\n");

/*
 * std::get_new_handler, weak where the compiler sees it, so the test of
 * its address below is not folded away. It stands for the whole runtime:
 * the library that defines it (libstdc++'s libsupc++, libc++abi) defines
 * the throw, the catch and the personality too.
 */
namespace std {
new_handler get_new_handler() noexcept __attribute__((weak));
}

/* The runtime is there: one can ask for the handler, throw and catch. */
static bool cxx_runtime(void)
{
	return &std::get_new_handler != nullptr;
}

/* ------------------------------------------------- replacement check ---- */

/*
 * Our own definitions, by hidden aliases (their addresses are the
 * library's, never interposed), to compare with the forms as bound. An
 * alias repeats its target's attributes (new's malloc, alloc_size).
 */
extern "C" {
void *cxx_new_mine(std::size_t)
	__attribute__((alias("_Znwm"), visibility("hidden"),
		       malloc, alloc_size(1)));
void *cxx_new_arr_mine(std::size_t)
	__attribute__((alias("_Znam"), visibility("hidden"),
		       malloc, alloc_size(1)));
void *cxx_new_al_mine(std::size_t, std::align_val_t)
	__attribute__((alias("_ZnwmSt11align_val_t"), visibility("hidden"),
		       malloc, alloc_size(1)));
void *cxx_new_al_arr_mine(std::size_t, std::align_val_t)
	__attribute__((alias("_ZnamSt11align_val_t"), visibility("hidden"),
		       malloc, alloc_size(1)));
void cxx_del_mine(void *) noexcept
	__attribute__((alias("_ZdlPv"), visibility("hidden")));
void cxx_del_arr_mine(void *) noexcept
	__attribute__((alias("_ZdaPv"), visibility("hidden")));
void cxx_del_al_mine(void *, std::align_val_t) noexcept
	__attribute__((alias("_ZdlPvSt11align_val_t"), visibility("hidden")));
void cxx_del_al_arr_mine(void *, std::align_val_t) noexcept
	__attribute__((alias("_ZdaPvSt11align_val_t"), visibility("hidden")));
}

typedef void *(*cxx_new_fn)(std::size_t);
typedef void *(*cxx_new_al_fn)(std::size_t, std::align_val_t);
typedef void (*cxx_del_fn)(void *) noexcept;
typedef void (*cxx_del_al_fn)(void *, std::align_val_t) noexcept;

/*
 * Replaceable form f, as the program's calls bind it, is ours. f is read
 * through the GOT (these symbols have default visibility in a -fPIC
 * object, so the compiler cannot assume they bind here).
 */
#define cxx_mine(type, f, mine) \
	(reinterpret_cast<void *>(static_cast<type>(f)) == \
	 reinterpret_cast<void *>(&mine))

static bool cxx_new_ours(void)
{
	return cxx_mine(cxx_new_fn, ::operator new, cxx_new_mine);
}

static bool cxx_new_arr_ours(void)
{
	return cxx_mine(cxx_new_fn, ::operator new[], cxx_new_arr_mine) &&
	       cxx_new_ours();
}

static bool cxx_new_al_ours(void)
{
	return cxx_mine(cxx_new_al_fn, ::operator new, cxx_new_al_mine);
}

static bool cxx_new_al_arr_ours(void)
{
	return cxx_mine(cxx_new_al_fn, ::operator new[], cxx_new_al_arr_mine) &&
	       cxx_new_al_ours();
}

static bool cxx_del_ours(void)
{
	return cxx_mine(cxx_del_fn, ::operator delete, cxx_del_mine);
}

static bool cxx_del_arr_ours(void)
{
	return cxx_mine(cxx_del_fn, ::operator delete[], cxx_del_arr_mine) &&
	       cxx_del_ours();
}

static bool cxx_del_al_ours(void)
{
	return cxx_mine(cxx_del_al_fn, ::operator delete, cxx_del_al_mine);
}

static bool cxx_del_al_arr_ours(void)
{
	return cxx_mine(cxx_del_al_fn, ::operator delete[], cxx_del_al_arr_mine) &&
	       cxx_del_al_ours();
}

/* -------------------------------------------------------- allocation ---- */

/* No runtime to throw with (see the top): one line, then abort. */
[[noreturn]] static void cxx_no_runtime(void)
{
	static const char msg[] =
		"osmem: operator new: out of memory and no C++ runtime to throw std::bad_alloc\n";

	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
		/* nowhere left to say it; stop all the same */
	}
	std::abort();
}

/*
 * The loaded C++ runtime's own definition of `name` (one of its operator
 * new forms), for when the weak references found no runtime (see the top);
 * NULL when no runtime is loaded. RTLD_NOLOAD never loads one, and the
 * handle is kept: the runtime stays loaded while its code calls us.
 */
static void *cxx_runtime_form(const char *name)
{
	static const char *const sonames[] = { "libstdc++.so.6", "libc++.so.1" };
	void *h, *f;

	for (const char *so : sonames) {
		h = dlopen(so, RTLD_LAZY | RTLD_NOLOAD);
		f = h ? dlsym(h, name) : nullptr;
		if (f)
			return f;
	}
	return nullptr;
}

/* The runtime's throwing new, which runs the loop and throws itself. */
static void *cxx_new_by_runtime(std::size_t n, std::size_t align)
{
	void *f;

	if (align) {
		f = cxx_runtime_form("_ZnwmSt11align_val_t");
		if (f)
			return reinterpret_cast<cxx_new_al_fn>(f)(n,
				static_cast<std::align_val_t>(align));
	} else {
		f = cxx_runtime_form("_Znwm");
		if (f)
			return reinterpret_cast<cxx_new_fn>(f)(n);
	}
	cxx_no_runtime();
}

/* The runtime's nothrow new; NULL without a runtime. */
static void *cxx_new_nothrow_by_runtime(std::size_t n,
					std::size_t align) noexcept
{
	/* Our own tag: std::nothrow itself is an object of the runtime. */
	static const std::nothrow_t nothrow{};
	typedef void *(*nothrow_fn)(std::size_t, const std::nothrow_t &) noexcept;
	typedef void *(*nothrow_al_fn)(std::size_t, std::align_val_t,
				       const std::nothrow_t &) noexcept;
	void *f;

	if (align) {
		f = cxx_runtime_form("_ZnwmSt11align_val_tRKSt9nothrow_t");
		return f ? reinterpret_cast<nothrow_al_fn>(f)(n,
				static_cast<std::align_val_t>(align),
				nothrow) : nullptr;
	}
	f = cxx_runtime_form("_ZnwmRKSt9nothrow_t");
	return f ? reinterpret_cast<nothrow_fn>(f)(n, nothrow) : nullptr;
}

/*
 * n bytes aligned to align (0: default), by the standard's loop: while
 * the heap refuses, call the new-handler and retry; without one, throw
 * std::bad_alloc. The front the caller recorded is recorded again before
 * each try: the handler may have called malloc.
 */
static void *cxx_alloc(std::size_t n, std::size_t align)
{
	const struct osmem_posix_front front = osmem_posix_front;
	std::new_handler handler;
	void *p;

	while (!(p = osmem_preload_new(n, align))) {
		if (!cxx_runtime())
			return cxx_new_by_runtime(n, align);
		handler = std::get_new_handler();
		if (!handler)
			throw std::bad_alloc();
		handler();
		osmem_posix_front = front;
	}
	return p;
}

/* The handler returned (true) or threw (false: the nothrow forms give
 * up, as the standard's try block around new does). */
static bool cxx_call_handler(std::new_handler handler) noexcept
{
	try {
		handler();
	} catch (...) {
		return false;
	}
	return true;
}

/* cxx_alloc for the nothrow forms: NULL where it would throw. */
static void *cxx_alloc_nothrow(std::size_t n, std::size_t align) noexcept
{
	const struct osmem_posix_front front = osmem_posix_front;
	std::new_handler handler;
	void *p;

	while (!(p = osmem_preload_new(n, align))) {
		if (!cxx_runtime())
			return cxx_new_nothrow_by_runtime(n, align);
		handler = std::get_new_handler();
		if (!handler || !cxx_call_handler(handler))
			return nullptr;
		osmem_posix_front = front;
	}
	return p;
}

static std::size_t cxx_align(std::align_val_t al)
{
	return static_cast<std::size_t>(al);
}

CXX_API void *operator new(std::size_t n)
{
	OSMEM_POSIX_FRONT("operator new");
	return cxx_alloc(n, 0);
}

CXX_API void *operator new[](std::size_t n)
{
	if (!cxx_new_arr_ours())
		return ::operator new(n);
	OSMEM_POSIX_FRONT("operator new[]");
	return cxx_alloc(n, 0);
}

CXX_API void *operator new(std::size_t n, std::align_val_t al)
{
	OSMEM_POSIX_FRONT("operator new");
	return cxx_alloc(n, cxx_align(al));
}

CXX_API void *operator new[](std::size_t n, std::align_val_t al)
{
	if (!cxx_new_al_arr_ours())
		return ::operator new(n, al);
	OSMEM_POSIX_FRONT("operator new[]");
	return cxx_alloc(n, cxx_align(al));
}

/* The nothrow forms call a replaced new in the standard's try block. */
CXX_API void *operator new(std::size_t n, const std::nothrow_t &) noexcept
{
	if (!cxx_new_ours()) {
		try {
			return ::operator new(n);
		} catch (...) {
			return nullptr;
		}
	}
	OSMEM_POSIX_FRONT("operator new");
	return cxx_alloc_nothrow(n, 0);
}

CXX_API void *operator new[](std::size_t n, const std::nothrow_t &) noexcept
{
	if (!cxx_new_arr_ours()) {
		try {
			return ::operator new[](n);
		} catch (...) {
			return nullptr;
		}
	}
	OSMEM_POSIX_FRONT("operator new[]");
	return cxx_alloc_nothrow(n, 0);
}

CXX_API void *operator new(std::size_t n, std::align_val_t al,
			   const std::nothrow_t &) noexcept
{
	if (!cxx_new_al_ours()) {
		try {
			return ::operator new(n, al);
		} catch (...) {
			return nullptr;
		}
	}
	OSMEM_POSIX_FRONT("operator new");
	return cxx_alloc_nothrow(n, cxx_align(al));
}

CXX_API void *operator new[](std::size_t n, std::align_val_t al,
			     const std::nothrow_t &) noexcept
{
	if (!cxx_new_al_arr_ours()) {
		try {
			return ::operator new[](n, al);
		} catch (...) {
			return nullptr;
		}
	}
	OSMEM_POSIX_FRONT("operator new[]");
	return cxx_alloc_nothrow(n, cxx_align(al));
}

/* ----------------------------------------------------------- release ---- */

CXX_API void operator delete(void *p) noexcept
{
	OSMEM_POSIX_FRONT("operator delete");
	osmem_preload_free(p);
}

CXX_API void operator delete[](void *p) noexcept
{
	if (!cxx_del_arr_ours()) {
		::operator delete(p);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete[]");
	osmem_preload_free(p);
}

CXX_API void operator delete(void *p, std::align_val_t) noexcept
{
	OSMEM_POSIX_FRONT("operator delete");
	osmem_preload_free(p);
}

CXX_API void operator delete[](void *p, std::align_val_t al) noexcept
{
	if (!cxx_del_al_arr_ours()) {
		::operator delete(p, al);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete[]");
	osmem_preload_free(p);
}

CXX_API void operator delete(void *p, std::size_t n) noexcept
{
	if (!cxx_del_ours()) {
		::operator delete(p);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete");
	osmem_preload_free_sized(p, n);
}

CXX_API void operator delete[](void *p, std::size_t n) noexcept
{
	if (!cxx_del_arr_ours()) {
		::operator delete[](p);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete[]");
	osmem_preload_free_sized(p, n);
}

CXX_API void operator delete(void *p, std::size_t n, std::align_val_t al) noexcept
{
	if (!cxx_del_al_ours()) {
		::operator delete(p, al);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete");
	osmem_preload_free_sized(p, n);
}

CXX_API void operator delete[](void *p, std::size_t n, std::align_val_t al) noexcept
{
	if (!cxx_del_al_arr_ours()) {
		::operator delete[](p, al);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete[]");
	osmem_preload_free_sized(p, n);
}

CXX_API void operator delete(void *p, const std::nothrow_t &) noexcept
{
	if (!cxx_del_ours()) {
		::operator delete(p);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete");
	osmem_preload_free(p);
}

CXX_API void operator delete[](void *p, const std::nothrow_t &) noexcept
{
	if (!cxx_del_arr_ours()) {
		::operator delete[](p);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete[]");
	osmem_preload_free(p);
}

CXX_API void operator delete(void *p, std::align_val_t al,
			     const std::nothrow_t &) noexcept
{
	if (!cxx_del_al_ours()) {
		::operator delete(p, al);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete");
	osmem_preload_free(p);
}

CXX_API void operator delete[](void *p, std::align_val_t al,
			       const std::nothrow_t &) noexcept
{
	if (!cxx_del_al_arr_ours()) {
		::operator delete[](p, al);
		return;
	}
	OSMEM_POSIX_FRONT("operator delete[]");
	osmem_preload_free(p);
}
