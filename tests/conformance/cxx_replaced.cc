/* SPDX-License-Identifier: MIT */
/*
 * cxx_replaced: a program that replaces only operator new(size_t) and
 * operator delete(void *), as many do, with its own arena. The standard's
 * other forms must reach those two (new[] calls new, the nothrow new calls
 * new, the sized and array deletes call delete), also when the drop-in
 * library supplies the other forms: a sized delete that freed the arena's
 * memory into the library's heap would be a foreign pointer there.
 * For tests/conformance/cases_cxx.sh.
 *
 *   cxx_replaced
 *
 * Exit 0 when every allocation came from the arena and went back to it;
 * otherwise "FAIL: ..." lines on stderr and exit 1 (or the library's
 * report and SIGABRT).
 */
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include "tests/conformance/cxx_check.h"

/* Leaving the sized delete to the default is the point here. */
#pragma GCC diagnostic ignored "-Wsized-deallocation"

/* A bump arena: nothing is reused, so any pointer outside it is not ours. */
alignas(16) static unsigned char arena[1 << 20];
static std::size_t arena_used;
static int news, deletes;

static bool in_arena(const void *p)
{
	auto c = static_cast<const unsigned char *>(p);

	return c >= arena && c < arena + sizeof(arena);
}

void *operator new(std::size_t n)
{
	std::size_t at = (arena_used + 15) & ~static_cast<std::size_t>(15);

	if (n > sizeof(arena) - at)
		throw std::bad_alloc();
	arena_used = at + n;
	news++;
	return arena + at;
}

void operator delete(void *p) noexcept
{
	if (!p)
		return;
	if (!in_arena(p)) {
		std::fprintf(stderr, "FAIL: delete of %p, not from the arena\n", p);
		std::abort();
	}
	deletes++;
}

struct Counted {
	long v = 5;
	~Counted() { v = 0; }
};

int main()
{
	int *i = hide(new int(3));              /* new, sized delete */
	CHECK(in_arena(i), "new int: %p", static_cast<void *>(i));
	delete i;
	Counted *c = hide(new Counted[4]);      /* new[], sized delete[] */
	CHECK(in_arena(c), "new Counted[4]: %p", static_cast<void *>(c));
	delete[] c;
	char *s = hide(new char[10]);           /* new[], delete[] */
	CHECK(in_arena(s), "new char[10]: %p", static_cast<void *>(s));
	delete[] s;
	int *n = hide(new (std::nothrow) int(4));       /* nothrow new */
	CHECK(in_arena(n), "new (nothrow) int: %p", static_cast<void *>(n));
	::operator delete(n, std::nothrow);     /* nothrow delete */
	n = hide(new (std::nothrow) int[3]);    /* nothrow new[] */
	CHECK(in_arena(n), "new (nothrow) int[3]: %p", static_cast<void *>(n));
	::operator delete[](n, std::nothrow);
	void *big = ::operator new(sizeof(arena) * 2, std::nothrow);
	CHECK(!big, "nothrow new past the arena: %p (its new throws)", big);
	CHECK(news == 5 && deletes == 5, "%d news and %d deletes reached the "
	      "program's operators, want 5 and 5", news, deletes);
	return failures ? 1 : 0;
}
