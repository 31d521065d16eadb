/*
 * kassert(cond): in the kernel a failed assertion panics with the expression
 * and file:line; in a host build it calls the home's libk_assert_fail too.
 * The home supplies libk_assert_fail (kernel: panic; host: print and abort).
 */
#ifndef LIBK_ASSERT_H
#define LIBK_ASSERT_H

void libk_assert_fail(const char *expr, const char *file, int line)
	__attribute__((noreturn));

#define kassert(cond) \
	((cond) ? (void)0 : libk_assert_fail(#cond, __FILE__, __LINE__))

#endif
