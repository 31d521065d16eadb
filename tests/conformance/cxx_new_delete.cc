/* SPDX-License-Identifier: MIT */
/*
 * cxx_new_delete: C++'s replaceable operator new and delete under the
 * drop-in library, for tests/conformance/cases_cxx.sh.
 *
 *   cxx_new_delete CASE
 *
 * Cases (exit 0 when every check held; each failed check prints a line
 * "FAIL: ..." on stderr and the exit status is 1):
 *   resolve        every replaceable global form of C++17 (8 news, 12
 *                  deletes) binds to libosmem-preload.so
 *   heap           each new form gives usable, aligned memory from our heap
 *                  (under OSMEM_DEBUG=1, malloc_usable_size is exactly the
 *                  request: only debug mode answers so) and each delete
 *                  form takes it back
 *   bad_alloc      new of an impossible size throws std::bad_alloc
 *   nothrow        the nothrow forms return nullptr for it instead
 *   handler        the new-handler is called and new retries until the
 *                  handler gives up; a nothrow form returns nullptr when
 *                  the handler throws
 * Misuse (must end in SIGABRT with our one-line report; the program
 * prints "ptr=<pointer>" first and "survived" if it was not stopped):
 *   double_delete  delete of a pointer already deleted
 *   double_delete_array
 *
 * Pointers pass through hide() so the compiler neither elides an
 * allocation nor warns about the misuse: the library must see them.
 */
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <malloc.h>
#include <new>
#include "tests/conformance/cxx_check.h"

static const std::size_t IMPOSSIBLE = SIZE_MAX / 2;

/* ----------------------------------------------------------- resolve ---- */

static void expect_ours(const char *name, void *fn)
{
	Dl_info info;
	const char *file = "(unknown)";

	if (dladdr(fn, &info) && info.dli_fname)
		file = info.dli_fname;
	CHECK(std::strstr(file, "libosmem-preload.so"),
	      "%s is bound to %s, not libosmem-preload.so", name, file);
}

#define FORM(type, fn) \
	reinterpret_cast<void *>(static_cast<type>(fn))

typedef std::align_val_t al_t;
typedef const std::nothrow_t &nt_t;

static int resolve(void)
{
	expect_ours("operator new(size_t)",
		    FORM(void *(*)(std::size_t), ::operator new));
	expect_ours("operator new[](size_t)",
		    FORM(void *(*)(std::size_t), ::operator new[]));
	expect_ours("operator new(size_t, align_val_t)",
		    FORM(void *(*)(std::size_t, al_t), ::operator new));
	expect_ours("operator new[](size_t, align_val_t)",
		    FORM(void *(*)(std::size_t, al_t), ::operator new[]));
	expect_ours("operator new(size_t, nothrow_t)",
		    FORM(void *(*)(std::size_t, nt_t), ::operator new));
	expect_ours("operator new[](size_t, nothrow_t)",
		    FORM(void *(*)(std::size_t, nt_t), ::operator new[]));
	expect_ours("operator new(size_t, align_val_t, nothrow_t)",
		    FORM(void *(*)(std::size_t, al_t, nt_t), ::operator new));
	expect_ours("operator new[](size_t, align_val_t, nothrow_t)",
		    FORM(void *(*)(std::size_t, al_t, nt_t), ::operator new[]));
	expect_ours("operator delete(void *)",
		    FORM(void (*)(void *), ::operator delete));
	expect_ours("operator delete[](void *)",
		    FORM(void (*)(void *), ::operator delete[]));
	expect_ours("operator delete(void *, align_val_t)",
		    FORM(void (*)(void *, al_t), ::operator delete));
	expect_ours("operator delete[](void *, align_val_t)",
		    FORM(void (*)(void *, al_t), ::operator delete[]));
	expect_ours("operator delete(void *, size_t)",
		    FORM(void (*)(void *, std::size_t), ::operator delete));
	expect_ours("operator delete[](void *, size_t)",
		    FORM(void (*)(void *, std::size_t), ::operator delete[]));
	expect_ours("operator delete(void *, size_t, align_val_t)",
		    FORM(void (*)(void *, std::size_t, al_t), ::operator delete));
	expect_ours("operator delete[](void *, size_t, align_val_t)",
		    FORM(void (*)(void *, std::size_t, al_t), ::operator delete[]));
	expect_ours("operator delete(void *, nothrow_t)",
		    FORM(void (*)(void *, nt_t), ::operator delete));
	expect_ours("operator delete[](void *, nothrow_t)",
		    FORM(void (*)(void *, nt_t), ::operator delete[]));
	expect_ours("operator delete(void *, align_val_t, nothrow_t)",
		    FORM(void (*)(void *, al_t, nt_t), ::operator delete));
	expect_ours("operator delete[](void *, align_val_t, nothrow_t)",
		    FORM(void (*)(void *, al_t, nt_t), ::operator delete[]));
	return failures ? 1 : 0;
}

/* -------------------------------------------------------------- heap ---- */

static bool debug_mode(void)
{
	const char *v = std::getenv("OSMEM_DEBUG");

	return v && std::strcmp(v, "1") == 0;
}

/* p serves n bytes aligned to align: usable (exactly n in debug mode, the
 * request kept by our heap), aligned, and writable throughout. */
static void expect_block(const char *form, void *p, std::size_t n,
			 std::size_t align)
{
	std::size_t usable = malloc_usable_size(p);

	CHECK(p, "%s(%zu) returned nullptr", form, n);
	if (!p)
		return;
	if (debug_mode())
		CHECK(usable == n, "%s(%zu): usable size %zu, want exactly %zu "
		      "(debug mode)", form, n, usable, n);
	else
		CHECK(usable >= n, "%s(%zu): usable size %zu", form, n, usable);
	CHECK(reinterpret_cast<std::uintptr_t>(p) % align == 0,
	      "%s(%zu, %zu) = %p is not aligned", form, n, align, p);
	std::memset(p, 0x5a, n);
}

/* A type with a destructor: new[] keeps a count cookie before it. */
struct Counted {
	static int live;
	long v = 7;
	Counted() { live++; }
	~Counted() { live--; }
};
int Counted::live;

struct alignas(128) Wide {
	char bytes[200];
};

static int heap(void)
{
	static const std::size_t sizes[] = { 0, 1, 24, 100, 5000, 300000 };
	static const std::size_t aligns[] = { 32, 64, 4096, 65536 };
	const std::nothrow_t &nt = std::nothrow;
	void *p, *q;

	for (std::size_t n : sizes) {
		p = hide(::operator new(n));
		expect_block("operator new", p, n, 16);
		::operator delete(p);
		p = hide(::operator new[](n));
		expect_block("operator new[]", p, n, 16);
		::operator delete[](p);
		p = hide(::operator new(n, nt));
		expect_block("operator new nothrow", p, n, 16);
		::operator delete(p, nt);
		p = hide(::operator new[](n, nt));
		expect_block("operator new[] nothrow", p, n, 16);
		::operator delete[](p, nt);
		p = hide(::operator new(n));
		::operator delete(p, n);
		p = hide(::operator new[](n));
		::operator delete[](p, n);
		for (std::size_t a : aligns) {
			al_t al = static_cast<al_t>(a);

			p = hide(::operator new(n, al));
			expect_block("aligned operator new", p, n, a);
			::operator delete(p, al);
			p = hide(::operator new[](n, al));
			expect_block("aligned operator new[]", p, n, a);
			::operator delete[](p, al);
			p = hide(::operator new(n, al, nt));
			expect_block("aligned operator new nothrow", p, n, a);
			::operator delete(p, al, nt);
			p = hide(::operator new[](n, al, nt));
			expect_block("aligned operator new[] nothrow", p, n, a);
			::operator delete[](p, al, nt);
			p = hide(::operator new(n, al));
			::operator delete(p, n, al);
			p = hide(::operator new[](n, al));
			::operator delete[](p, n, al);
		}
	}
	/* new of 0 bytes: a unique pointer each time. */
	p = hide(::operator new(0));
	q = hide(::operator new(0));
	CHECK(p && q && p != q, "operator new(0) twice: %p, %p", p, q);
	::operator delete(p);
	::operator delete(q);
	/* The expressions, as a program writes them. */
	Counted *c = hide(new Counted[10]);
	CHECK(Counted::live == 10, "new Counted[10]: %d live", Counted::live);
	delete[] c;
	CHECK(Counted::live == 0, "delete[]: %d still live", Counted::live);
	Wide *w = hide(new Wide);
	CHECK(reinterpret_cast<std::uintptr_t>(w) % alignof(Wide) == 0,
	      "new Wide = %p, not %zu-aligned", static_cast<void *>(w),
	      alignof(Wide));
	delete w;
	w = hide(new Wide[3]);
	CHECK(reinterpret_cast<std::uintptr_t>(w) % alignof(Wide) == 0,
	      "new Wide[3] = %p, not %zu-aligned", static_cast<void *>(w),
	      alignof(Wide));
	delete[] w;
	return failures ? 1 : 0;
}

/* --------------------------------------------------- impossible sizes ---- */

/* f() threw std::bad_alloc (and returned nothing). */
template <typename F> static bool throws_bad_alloc(F f)
{
	try {
		void *p = f();
		std::fprintf(stderr, "got %p\n", p);
	} catch (const std::bad_alloc &) {
		return true;
	} catch (...) {
		return false;
	}
	return false;
}

static int bad_alloc(void)
{
	std::size_t n = *hide(&IMPOSSIBLE);
	al_t al = static_cast<al_t>(64);

	CHECK(throws_bad_alloc([n] { return ::operator new(n); }),
	      "operator new(%zu) did not throw std::bad_alloc", n);
	CHECK(throws_bad_alloc([n] { return ::operator new[](n); }),
	      "operator new[](%zu) did not throw std::bad_alloc", n);
	CHECK(throws_bad_alloc([n, al] { return ::operator new(n, al); }),
	      "aligned operator new(%zu) did not throw std::bad_alloc", n);
	CHECK(throws_bad_alloc([n, al] { return ::operator new[](n, al); }),
	      "aligned operator new[](%zu) did not throw std::bad_alloc", n);
	CHECK(throws_bad_alloc([n] {
		return static_cast<void *>(new char[n]);
	}), "new char[%zu] did not throw std::bad_alloc", n);
	return failures ? 1 : 0;
}

static int nothrow(void)
{
	std::size_t n = *hide(&IMPOSSIBLE);
	al_t al = static_cast<al_t>(64);
	const std::nothrow_t &nt = std::nothrow;
	void *p;

	p = ::operator new(n, nt);
	CHECK(!p, "operator new(%zu, nothrow) = %p", n, p);
	p = ::operator new[](n, nt);
	CHECK(!p, "operator new[](%zu, nothrow) = %p", n, p);
	p = ::operator new(n, al, nt);
	CHECK(!p, "aligned operator new(%zu, nothrow) = %p", n, p);
	p = ::operator new[](n, al, nt);
	CHECK(!p, "aligned operator new[](%zu, nothrow) = %p", n, p);
	p = new (std::nothrow) char[n];
	CHECK(!p, "new (nothrow) char[%zu] = %p", n, p);
	return failures ? 1 : 0;
}

/* ----------------------------------------------------------- handler ---- */

static int handler_calls;

/* Gives up (uninstalls itself) on its third call. */
static void handler_three_times(void)
{
	if (++handler_calls == 3)
		std::set_new_handler(nullptr);
}

static void handler_throws(void)
{
	handler_calls++;
	throw std::bad_alloc();
}

static int handler(void)
{
	std::size_t n = *hide(&IMPOSSIBLE);
	al_t al = static_cast<al_t>(64);
	void *p;

	handler_calls = 0;
	std::set_new_handler(handler_three_times);
	CHECK(throws_bad_alloc([n] { return ::operator new(n); }),
	      "operator new did not throw once the handler gave up");
	CHECK(handler_calls == 3, "operator new: handler called %d times, want 3",
	      handler_calls);
	handler_calls = 0;
	std::set_new_handler(handler_three_times);
	CHECK(throws_bad_alloc([n, al] { return ::operator new[](n, al); }),
	      "aligned operator new[] did not throw once the handler gave up");
	CHECK(handler_calls == 3, "aligned new[]: handler called %d times, want 3",
	      handler_calls);
	handler_calls = 0;
	std::set_new_handler(handler_three_times);
	p = ::operator new(n, std::nothrow);
	CHECK(!p && handler_calls == 3,
	      "operator new(nothrow): %p, handler called %d times, want 3",
	      p, handler_calls);
	handler_calls = 0;
	std::set_new_handler(handler_throws);
	p = ::operator new(n, std::nothrow);
	CHECK(!p && handler_calls == 1,
	      "operator new(nothrow), throwing handler: %p, %d calls, want 1",
	      p, handler_calls);
	handler_calls = 0;
	p = ::operator new[](n, al, std::nothrow);
	CHECK(!p && handler_calls == 1,
	      "aligned new[](nothrow), throwing handler: %p, %d calls, want 1",
	      p, handler_calls);
	handler_calls = 0;
	CHECK(throws_bad_alloc([n] { return ::operator new(n); }) &&
	      handler_calls == 1,
	      "operator new, throwing handler: %d calls, want 1", handler_calls);
	std::set_new_handler(nullptr);
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------ misuse ---- */

static int survived(void)
{
	std::printf("survived\n");
	return 0;
}

static int double_delete(void)
{
	int *p = hide(new int(1));

	say_ptr(p);
	delete p;
	delete hide(p);
	return survived();
}

static int double_delete_array(void)
{
	int *p = hide(new int[10]());

	say_ptr(p);
	delete[] p;
	delete[] hide(p);
	return survived();
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} cases[] = {
		{ "resolve", resolve },
		{ "heap", heap },
		{ "bad_alloc", bad_alloc },
		{ "nothrow", nothrow },
		{ "handler", handler },
		{ "double_delete", double_delete },
		{ "double_delete_array", double_delete_array },
	};

	for (const auto &c : cases)
		if (argc > 1 && std::strcmp(argv[1], c.name) == 0)
			return c.fn();
	std::fprintf(stderr, "usage: %s CASE (resolve heap bad_alloc nothrow "
		     "handler double_delete double_delete_array)\n", argv[0]);
	return 2;
}
