/*
 * Unit tests for src/engine/glob.c as glob.h documents it: LaunchDarkly's
 * only wildcard is '*', matching any run of characters (none included,
 * '/' and ':' included); every other byte is literal; both strings are
 * bounded by their lengths, not by a NUL.
 *
 * test_specifier.c's test_glob spells out typical cases; this file checks
 * glob_match against a plain recursive transcription of that definition
 * over every pattern and string up to a size, so a greedy-matching
 * shortcut that loses a match (or finds a false one) cannot hide.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/glob.h"

/* The definition, directly: exponential, but only used on short input. */
static int
oracle(const char *p, size_t plen, const char *s, size_t slen)
{
	size_t	k;

	if (plen == 0)
		return slen == 0;
	if (p[0] == '*') {
		for (k = 0; k <= slen; k++)
			if (oracle(p + 1, plen - 1, s + k, slen - k))
				return 1;
		return 0;
	}
	return slen > 0 && p[0] == s[0] && oracle(p + 1, plen - 1, s + 1,
	    slen - 1);
}

/* Fills buf with the n-th word of length len over alphabet. */
static void
word(char *buf, size_t len, size_t n, const char *alphabet)
{
	size_t	base = strlen(alphabet), i;

	for (i = 0; i < len; i++) {
		buf[i] = alphabet[n % base];
		n /= base;
	}
}

static size_t
power(size_t b, size_t e)
{
	size_t	r = 1;

	while (e-- > 0)
		r *= b;
	return r;
}

/*
 * Every pattern over {a, b, *} up to 6 characters against every string
 * over {a, b} up to 7: about 280,000 pairs.
 */
static void
test_exhaustive(void **state)
{
	char	p[8], s[8];
	size_t	plen, slen, pn, sn, pairs = 0;
	int	want, got;

	(void)state;
	for (plen = 0; plen <= 6; plen++)
		for (pn = 0; pn < power(3, plen); pn++) {
			word(p, plen, pn, "ab*");
			for (slen = 0; slen <= 7; slen++)
				for (sn = 0; sn < power(2, slen); sn++) {
					word(s, slen, sn, "ab");
					want = oracle(p, plen, s, slen);
					got = glob_match(p, plen, s, slen);
					if (got != want)
						fail_msg("\"%.*s\" on \"%.*s\": "
						    "%d, want %d", (int)plen, p,
						    (int)slen, s, got, want);
					pairs++;
				}
		}
	assert_true(pairs > 250000);
}

/* LaunchDarkly's resource and action text, and nothing else special. */
static void
test_cases(void **state)
{
	static const struct {
		const char	*pat;
		const char	*s;
		int		 want;
	} cases[] = {
		/* '*' crosses the characters specifiers are built from. */
		{ "proj/*", "proj/a:env/b:integration/c", 1 },
		{ "*:env/production", "proj/x:env/production", 1 },
		{ "integration/*", "integration/datadog/abc", 1 },
		{ "qa-*", "qa-east", 1 },
		{ "qa-*", "qa-", 1 },
		{ "qa-*", "qa", 0 },
		{ "*-east", "qa-east", 1 },
		{ "*-east", "qa-east-2", 0 },
		{ "update*", "updateOn", 1 },
		{ "update*", "updat", 0 },
		{ "*Integration", "createIntegration", 1 },
		{ "*Integration", "createIntegrations", 0 },
		{ "*", "", 1 },
		{ "***", "x", 1 },
		/* Glob characters of other dialects are literal. */
		{ "?", "a", 0 },
		{ "?", "?", 1 },
		{ "[a-z]", "b", 0 },
		{ "[a-z]", "[a-z]", 1 },
		{ "a\\*", "a\\bc", 1 },
		{ "a\\*", "a*", 0 },
		{ "a.c", "abc", 0 },
		{ "a+", "aa", 0 },
		{ "^a$", "a", 0 },
		{ "{a,b}", "a", 0 },
		/* Case counts; so does every byte, 8-bit ones included. */
		{ "Prod*", "production", 0 },
		{ "caf\xc3\xa9-*", "caf\xc3\xa9-1", 1 },
		{ "caf\xc3\xa9", "caf\xc3\x89", 0 },
		{ "*\xff", "\x80\xff", 1 },
	};
	size_t	i;
	int	got;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = glob_match(cases[i].pat, strlen(cases[i].pat), cases[i].s,
		    strlen(cases[i].s));
		if (got != cases[i].want)
			fail_msg("\"%s\" on \"%s\": %d, want %d", cases[i].pat,
			    cases[i].s, got, cases[i].want);
	}
}

/* Lengths bound both strings: a NUL is a byte like any other. */
static void
test_lengths(void **state)
{
	(void)state;
	assert_true(glob_match("a\0b", 3, "a\0b", 3));
	assert_false(glob_match("a\0b", 3, "a\0c", 3));
	assert_true(glob_match("a*b", 3, "a\0\0b", 4));
	assert_false(glob_match("ab", 2, "a", 1));
	/* Bytes past the lengths are never read as part of the text. */
	assert_true(glob_match("abXYZ", 2, "abQ", 2));
	assert_true(glob_match("a*", 1, "a", 1));
	assert_false(glob_match("a*", 1, "ab", 2));
	assert_true(glob_match("", 0, "", 0));
	assert_true(glob_match("*", 1, "", 0));
	assert_false(glob_match("", 0, "x", 1));
}

/*
 * Many stars over a long string that almost matches: a backtracking
 * matcher that retries every star is exponential here.  The alarm turns
 * a hang into a failure.
 */
static void
test_no_blowup(void **state)
{
	static const char	 pat[] = "*a*a*a*a*a*a*a*a*a*a*a*a*b";
	char			*s;
	size_t			 n = 200000;

	(void)state;
	assert_non_null(s = malloc(n));
	memset(s, 'a', n);
	alarm(20);
	assert_false(glob_match(pat, strlen(pat), s, n));
	s[n - 1] = 'b';
	assert_true(glob_match(pat, strlen(pat), s, n));
	alarm(0);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exhaustive),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_no_blowup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
