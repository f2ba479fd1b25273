/*
 * Unit tests for src/util/arena.c: the bump allocator the compiled policy
 * lives in.  Every allocation is aligned for any type, zeroed, disjoint
 * from every other, and valid until arena_free(), whatever its size.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/arena.h"

#define ALIGN	16	/* arena.c's promise: enough for any type */

struct piece {
	unsigned char	*p;
	size_t		 n;
};

static int
all_zero(const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * Memory handed out is aligned and zeroed even where malloc would reuse
 * dirty memory; pieces never overlap (each keeps its own fill).
 */
static void
test_alloc(void **state)
{
	static const size_t	 sizes[] = { 1, 2, 3, 7, 8, 15, 16, 17, 31,
				    33, 100, 255, 1000, 4095, 4097, 9000 };
	struct piece		 pcs[3 * sizeof(sizes) / sizeof(sizes[0])];
	struct arena		*a;
	unsigned char		*dirty, *guard;
	size_t			 i, n = 0, k;

	(void)state;
	/* Leave dirty memory for the arena's blocks to come from; the guard
	 * keeps it from melting back into the heap's untouched top. */
	assert_non_null(dirty = malloc(40 * 1024));
	assert_non_null(guard = malloc(16));
	/* volatile: a store just before free() is otherwise optimised out. */
	for (i = 0; i < 40 * 1024; i++)
		((volatile unsigned char *)dirty)[i] = 0xff;
	free(dirty);

	assert_non_null(a = arena_new());
	for (k = 0; k < 3; k++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			pcs[n].n = sizes[i];
			assert_non_null(pcs[n].p = arena_alloc(a, sizes[i]));
			if ((uintptr_t)pcs[n].p % ALIGN != 0)
				fail_msg("size %zu: %p is not aligned",
				    sizes[i], (void *)pcs[n].p);
			if ((uintptr_t)pcs[n].p % _Alignof(max_align_t) != 0)
				fail_msg("size %zu: not max_align_t aligned",
				    sizes[i]);
			if (!all_zero(pcs[n].p, sizes[i]))
				fail_msg("size %zu: not zeroed", sizes[i]);
			memset(pcs[n].p, (int)(n + 1), sizes[i]);
			n++;
		}
	/* Every piece still holds its own fill: none overlapped. */
	for (i = 0; i < n; i++)
		for (k = 0; k < pcs[i].n; k++)
			if (pcs[i].p[k] != (unsigned char)(i + 1))
				fail_msg("piece %zu (size %zu) overwritten at "
				    "%zu", i, pcs[i].n, k);
	arena_free(a);
	free(guard);
}

/* Allocations are handed out in aligned units, one after another. */
static void
test_used(void **state)
{
	struct arena	*a;
	unsigned char	*p1, *p2, *p3, *p, *q;

	(void)state;
	assert_non_null(a = arena_new());
	p1 = arena_alloc(a, 1);
	p2 = arena_alloc(a, ALIGN);
	p3 = arena_alloc(a, ALIGN + 1);
	assert_int_equal(p2 - p1, ALIGN);
	assert_int_equal(p3 - p2, ALIGN);
	/* Zero bytes is still a distinct, usable pointer. */
	p = arena_alloc(a, 0);
	q = arena_alloc(a, 0);
	assert_non_null(p);
	assert_non_null(q);
	assert_ptr_not_equal(p, q);
	assert_int_equal(p - p3, 2 * ALIGN);
	arena_free(a);
	/* Freeing nothing is fine. */
	arena_free(NULL);
}

/* Larger than a block: a block of its own, the small ones carry on. */
static void
test_large(void **state)
{
	static const size_t	 big[] = { 16 * 1024 - 1, 16 * 1024,
				    16 * 1024 + 1, 100 * 1000, 1 << 20 };
	struct arena		*a;
	unsigned char		*small1, *small2, *p;
	size_t			 i;

	(void)state;
	assert_non_null(a = arena_new());
	small1 = arena_alloc(a, 24);
	memset(small1, 0x5a, 24);
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		assert_non_null(p = arena_alloc(a, big[i]));
		assert_int_equal((uintptr_t)p % ALIGN, 0);
		if (!all_zero(p, big[i]))
			fail_msg("%zu bytes: not zeroed", big[i]);
		/* Every byte is ours: the sanitizer build would say. */
		memset(p, 0xee, big[i]);
		small2 = arena_alloc(a, 24);
		assert_true(all_zero(small2, 24));
		assert_true(small2 + 24 <= p || small2 >= p + big[i]);
		memset(small2, 0x11, 24);
	}
	for (i = 0; i < 24; i++)
		assert_int_equal(small1[i], 0x5a);
	arena_free(a);
}

static void
test_arena_calloc(void **state)
{
	struct arena	*a;
	uint64_t	*v;
	size_t		 i;

	(void)state;
	assert_non_null(a = arena_new());
	assert_non_null(v = arena_calloc(a, 3000, sizeof(*v)));
	assert_int_equal((uintptr_t)v % ALIGN, 0);
	for (i = 0; i < 3000; i++) {
		assert_int_equal(v[i], 0);
		v[i] = i;
	}
	assert_non_null(arena_calloc(a, 0, 8));
	assert_non_null(arena_calloc(a, 8, 0));
	arena_free(a);
}

/* n * sz overflowing size_t is fatal, not a short allocation. */
static void
test_arena_calloc_overflow(void **state)
{
	struct arena	*a;
	pid_t		 pid;
	int		 status;

	(void)state;
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		/* Keep the expected fatal message out of the test's log. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(3);
		a = arena_new();
		arena_calloc(a, SIZE_MAX / 2 + 2, 2);
		_exit(0);	/* survived: the check is gone */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

static void
test_strdup(void **state)
{
	struct arena	*a;
	char		 src[] = "integration/datadog";
	char		*s, *t, *u, *e;

	(void)state;
	assert_non_null(a = arena_new());
	s = arena_strdup(a, src);
	assert_ptr_not_equal(s, src);
	assert_string_equal(s, "integration/datadog");
	/* A copy: the source may change afterwards. */
	src[0] = 'X';
	assert_string_equal(s, "integration/datadog");
	/* strndup takes exactly len bytes and terminates them. */
	t = arena_strndup(a, "integration/datadog", 11);
	assert_string_equal(t, "integration");
	assert_int_equal(t[11], '\0');
	e = arena_strndup(a, "anything", 0);
	assert_string_equal(e, "");
	e = arena_strdup(a, "");
	assert_string_equal(e, "");
	/* Bytes, not characters: no stop at a NUL inside len... */
	u = arena_strndup(a, "ab\0cd", 5);
	assert_memory_equal(u, "ab\0cd", 6);
	/* ...and the copies do not overlap one another. */
	assert_string_equal(s, "integration/datadog");
	assert_string_equal(t, "integration");
	assert_true((uintptr_t)u % ALIGN == 0);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_used),
		cmocka_unit_test(test_large),
		cmocka_unit_test(test_arena_calloc),
		cmocka_unit_test(test_arena_calloc_overflow),
		cmocka_unit_test(test_strdup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
