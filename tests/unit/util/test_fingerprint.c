/*
 * Unit tests for src/util/fingerprint.c: SHA-256 as lowercase hex, and
 * the "sha256:<hex>" name principals.json gives a caller's token.  The
 * vectors are FIPS 180-4's and sha256sum's, not this code's own output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>

#include "util/fingerprint.h"

static const struct {
	const char	*data;
	size_t		 len;
	const char	*hex;
} vectors[] = {
	{ "", 0,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", 3,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	/* The length counts, not a NUL. */
	{ "a\0b", 3,
	    "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138" },
	{ "abc", 2,
	    "fb8e20fc2e4c3f248c60c39bd652f3c1347298bb977b8b4d5903b85055620603" },
	{ "api-ops-0001", 12,
	    "2a9f2b88c8268f198e16df35c5f28d26560bf11a6be9fd6b2b6bc56de601fc37" },
};

#define NVECTORS	(sizeof(vectors) / sizeof(vectors[0]))

static void
test_hex(void **state)
{
	char	out[65];
	size_t	i;

	(void)state;
	for (i = 0; i < NVECTORS; i++) {
		memset(out, 'X', sizeof(out));
		fingerprint_sha256_hex(vectors[i].data, vectors[i].len, out);
		assert_string_equal(out, vectors[i].hex);
		assert_int_equal(out[64], '\0');
	}
}

/* A million 'a's (FIPS 180-4): more than one block, more than a buffer. */
static void
test_million(void **state)
{
	char	*a, out[65];

	(void)state;
	assert_non_null(a = malloc(1000000));
	memset(a, 'a', 1000000);
	fingerprint_sha256_hex(a, 1000000, out);
	assert_string_equal(out,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(a);
}

static void
test_fingerprint(void **state)
{
	char	out[FINGERPRINT_LEN + 1], want[FINGERPRINT_LEN + 1];
	size_t	i;

	(void)state;
	assert_int_equal(FINGERPRINT_LEN, 71);
	for (i = 0; i < NVECTORS; i++) {
		memset(out, 'X', sizeof(out));
		fingerprint(vectors[i].data, vectors[i].len, out);
		snprintf(want, sizeof(want), "sha256:%s", vectors[i].hex);
		assert_string_equal(out, want);
		assert_int_equal(strlen(out), FINGERPRINT_LEN);
		/* The form principals.json takes: lower-case hex only. */
		assert_int_equal(strspn(out + 7, "0123456789abcdef"), 64);
	}
}

/* Workers fingerprint tokens at once; the lazy setup must hold. */
static void *
worker(void *arg)
{
	char	out[FINGERPRINT_LEN + 1];
	size_t	i, bad = 0;

	(void)arg;
	for (i = 0; i < 2000; i++) {
		fingerprint("abc", 3, out);
		if (strcmp(out + 7, vectors[1].hex) != 0)
			bad++;
	}
	return (void *)(uintptr_t)bad;
}

static void
test_threads(void **state)
{
	pthread_t	t[8];
	void		*bad;
	size_t		 i;

	(void)state;
	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(t[i], &bad), 0);
		assert_int_equal((uintptr_t)bad, 0);
	}
}

int
main(void)
{
	/* Threads first: the lazy fetch must be raced from a cold start. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_fingerprint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
