/*
 * Unit tests for src/util/httpsyntax.c against RFC 9110 section 5.6.2:
 *
 *	tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 *	        "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
 *
 * with DIGIT and ALPHA from RFC 5234 (ASCII only).  Every byte value is
 * checked, so a class that admits a separator, a control byte or an 8-bit
 * byte -- what route.c's method check relies on not happening -- fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/httpsyntax.h"

/* The grammar above, transcribed without sharing httpsyntax.c's code. */
static int
rfc9110_tchar(int c)
{
	static const char	 specials[] = "!#$%&'*+-.^_`|~";
	size_t			 i;

	if (c >= 0x30 && c <= 0x39)		/* DIGIT */
		return 1;
	if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) /* ALPHA */
		return 1;
	for (i = 0; i < sizeof(specials) - 1; i++)
		if (c == (unsigned char)specials[i])
			return 1;
	return 0;
}

static void
test_every_byte(void **state)
{
	int	c, n = 0;

	(void)state;
	for (c = 0; c <= 255; c++) {
		if (!!httpsyntax_is_tchar(c) != rfc9110_tchar(c))
			fail_msg("byte 0x%02x: httpsyntax says %d, RFC 9110 %d",
			    c, httpsyntax_is_tchar(c), rfc9110_tchar(c));
		n += rfc9110_tchar(c);
	}
	/* 10 digits, 52 letters, 15 specials. */
	assert_int_equal(n, 77);
}

/* The delimiters RFC 9110 names, spelt out: none is a tchar. */
static void
test_delimiters(void **state)
{
	static const char	 delims[] = "\"(),/:;<=>?@[\\]{} \t";
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(delims) - 1; i++)
		if (httpsyntax_is_tchar((unsigned char)delims[i]))
			fail_msg("'%c' (0x%02x) is a delimiter", delims[i],
			    (unsigned char)delims[i]);
	assert_false(httpsyntax_is_tchar('\0'));
	assert_false(httpsyntax_is_tchar(0x7f));
	assert_false(httpsyntax_is_tchar(0x80));
	assert_false(httpsyntax_is_tchar(0xff));
	assert_true(httpsyntax_is_tchar('~'));
	assert_true(httpsyntax_is_tchar('`'));
	assert_true(httpsyntax_is_tchar('|'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_delimiters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
