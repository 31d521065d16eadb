/* SPDX-License-Identifier: MIT */
/*
 * cxx_sized_delete: sized deallocation under the drop-in library, for
 * tests/conformance/cases_cxx.sh.
 *
 *   cxx_sized_delete CASE
 *
 * match: every sized delete the language makes, and C23's free_sized and
 * free_aligned_sized, given the size allocated: nothing is reported, in
 * default and in debug mode (exit 0, stderr empty; "FAIL: ..." lines and
 * exit 1 otherwise).
 *
 * Misuse cases: the program prints "ptr=<pointer>" and then gives a sized
 * delete a size that is not the block's; the library must report it in one
 * line and abort (the program prints "survived" if it was not stopped):
 *   wrong_size            operator delete(p, 41) of a 40-byte new
 *   wrong_size_array      operator delete[](p, 99) of a 100-byte new[]
 *   wrong_size_aligned    operator delete(p, 200, 64) of new(100, 64)
 *   base_without_virtual_dtor
 *                         delete of a derived object through a base with
 *                         no virtual destructor: the compiler passes the
 *                         base's size (the classic bug sized delete finds)
 *   larger_than_block     operator delete(p, 4096) of a 40-byte new:
 *                         caught in default mode too
 *   free_sized_wrong      free_sized(malloc(100), 1000)
 */
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <vector>
#include "tests/conformance/cxx_check.h"

/* C23; glibc's headers do not declare them yet, nor does glibc define
 * them: weak, so the program links without the library (and says so). */
extern "C" void free_sized(void *p, std::size_t size) __attribute__((weak));
extern "C" void free_aligned_sized(void *p, std::size_t align,
				   std::size_t size) __attribute__((weak));

static int survived(void)
{
	std::printf("survived\n");
	return 0;
}

typedef std::align_val_t al_t;

/* ------------------------------------------------------------- match ---- */

struct Base {
	long id = 1;
	virtual ~Base() = default;
};

struct Derived : Base {
	char payload[333] = {};
};

struct Counted {
	long v = 3;
	~Counted() { v = 0; }
};

struct alignas(64) Line {
	char bytes[96];
	~Line() { bytes[0] = 0; }
};

static void match_sizes(void)
{
	static const std::size_t sizes[] = { 0, 1, 8, 24, 25, 40, 41, 100, 1000,
					     4095, 70000, 200000 };

	for (std::size_t n : sizes) {
		void *p = hide(::operator new(n));

		::operator delete(p, n);
		p = hide(::operator new[](n));
		::operator delete[](p, n);
		p = hide(::operator new(n, al_t(64)));
		::operator delete(p, n, al_t(64));
		p = hide(::operator new[](n, al_t(4096)));
		::operator delete[](p, n, al_t(4096));
		p = hide(std::malloc(n));
		free_sized(p, n);
		p = hide(std::calloc(3, n));
		free_sized(p, 3 * n);
		p = hide(std::aligned_alloc(256, n));
		free_aligned_sized(p, 256, n);
		free_sized(nullptr, n);
	}
}

/* The sizes the compiler and the library pass on their own. */
static void match_language(void)
{
	Base *b = hide(new Derived);            /* virtual: the dynamic size */
	delete b;
	Counted *c = hide(new Counted[17]);     /* with the count cookie */
	delete[] c;
	Line *l = hide(new Line);               /* aligned, sized */
	delete l;
	l = hide(new Line[5]);
	delete[] l;
	std::vector<std::string> v;
	std::map<int, std::vector<int>> m;
	for (int i = 0; i < 2000; i++) {
		v.push_back(std::string(static_cast<std::size_t>(i % 97), 'x'));
		m[i % 50].push_back(i);
	}
	v.clear();
	v.shrink_to_fit();
	auto sp = std::make_shared<Derived>();
	std::unique_ptr<Counted[]> up(new Counted[9]);
	CHECK(sp->id == 1 && up[8].v == 3 && m.size() == 50, "containers");
}

static int match(void)
{
	if (!free_sized || !free_aligned_sized) {
		CHECK(false, "free_sized or free_aligned_sized is not defined");
		return 1;
	}
	match_sizes();
	match_language();
	return failures ? 1 : 0;
}

/* ------------------------------------------------------------ misuse ---- */

static int wrong_size(void)
{
	void *p = hide(::operator new(40));

	say_ptr(p);
	::operator delete(p, 41);
	return survived();
}

static int wrong_size_array(void)
{
	void *p = hide(::operator new[](100));

	say_ptr(p);
	::operator delete[](p, 99);
	return survived();
}

static int wrong_size_aligned(void)
{
	void *p = hide(::operator new(100, al_t(64)));

	say_ptr(p);
	::operator delete(p, 200, al_t(64));
	return survived();
}

struct Plain {
	int x = 1;
};

struct Bigger : Plain {
	char more[100] = {};
};

static int base_without_virtual_dtor(void)
{
	Plain *p = hide(static_cast<Plain *>(new Bigger));

	say_ptr(p);
	delete p;       /* sized delete with sizeof(Plain), 4 */
	return survived();
}

static int larger_than_block(void)
{
	void *p = hide(::operator new(40));

	say_ptr(p);
	::operator delete(p, 4096);
	return survived();
}

static int free_sized_wrong(void)
{
	void *p = hide(std::malloc(100));

	if (!free_sized) {
		std::fprintf(stderr, "free_sized is not defined\n");
		return 1;
	}
	say_ptr(p);
	free_sized(p, 1000);
	return survived();
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(void);
	} cases[] = {
		{ "match", match },
		{ "wrong_size", wrong_size },
		{ "wrong_size_array", wrong_size_array },
		{ "wrong_size_aligned", wrong_size_aligned },
		{ "base_without_virtual_dtor", base_without_virtual_dtor },
		{ "larger_than_block", larger_than_block },
		{ "free_sized_wrong", free_sized_wrong },
	};

	for (const auto &c : cases)
		if (argc > 1 && std::strcmp(argv[1], c.name) == 0)
			return c.fn();
	std::fprintf(stderr, "usage: %s CASE\n", argv[0]);
	return 2;
}
