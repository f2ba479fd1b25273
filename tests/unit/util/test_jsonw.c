/*
 * Unit tests for src/util/jsonw.c: JSON text written without jansson must
 * be the text jansson's json_dumps(JSON_COMPACT) writes, byte for byte
 * (the audit trail's hash chain covers the bytes).  jansson is the oracle
 * here: each case is written both ways and compared.
 *
 * tests/unit/audit/test_record.c checks a handful of strings and values
 * the same way; this file goes through every ASCII byte, every Unicode
 * scalar value, the integers' edges, and the member separators.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/jsonw.h"

/* What jansson writes for s[0..n) as a JSON string (caller frees). */
static char *
jansson_text(const char *s, size_t n)
{
	json_t	*j;
	char	*text;

	assert_non_null(j = json_stringn(s, n));
	assert_non_null(text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT));
	json_decref(j);
	return text;
}

/* What jsonw_strn writes for s[0..n) (caller frees). */
static char *
jsonw_text(const char *s, size_t n)
{
	struct jsonw	 w;
	char		*text;
	size_t		 len;

	jsonw_init(&w, 0);
	jsonw_strn(&w, s, n);
	assert_non_null(text = jsonw_finish(&w, &len));
	assert_int_equal(strlen(text), len);
	return text;
}

static void
same_as_jansson(const char *s, size_t n, const char *what)
{
	char	*want = jansson_text(s, n), *got = jsonw_text(s, n);

	if (strcmp(got, want) != 0)
		fail_msg("%s: jsonw %s, jansson %s", what, got, want);
	free(want);
	free(got);
}

/* Every ASCII byte, alone and between others, NUL included. */
static void
test_ascii(void **state)
{
	char	s[4], what[32];
	int	c;

	(void)state;
	for (c = 0; c < 0x80; c++) {
		snprintf(what, sizeof(what), "byte 0x%02x", c);
		s[0] = (char)c;
		same_as_jansson(s, 1, what);
		s[0] = 'a';
		s[1] = (char)c;
		s[2] = 'z';
		same_as_jansson(s, 3, what);
	}
	same_as_jansson("", 0, "the empty string");
}

/* Spelt-out escapes: what jansson does is the contract, not a guess. */
static void
test_escapes(void **state)
{
	static const struct {
		const char	*in;
		size_t		 len;
		const char	*out;
	} cases[] = {
		{ "\"", 1, "\"\\\"\"" },
		{ "\\", 1, "\"\\\\\"" },
		{ "/", 1, "\"/\"" },
		{ "\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"" },
		{ "\x01\x1f", 2, "\"\\u0001\\u001F\"" },
		{ "\0", 1, "\"\\u0000\"" },
		{ "\x7f", 1, "\"\x7f\"" },
		{ "caf\xc3\xa9", 5, "\"caf\xc3\xa9\"" },
		{ "\xe2\x80\xa8", 3, "\"\xe2\x80\xa8\"" },	/* U+2028 */
	};
	char	*got;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = jsonw_text(cases[i].in, cases[i].len);
		assert_string_equal(got, cases[i].out);
		free(got);
		same_as_jansson(cases[i].in, cases[i].len, cases[i].out);
	}
}

static size_t
utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Every Unicode scalar value: written as it is, as jansson writes it. */
static void
test_every_scalar(void **state)
{
	char		s[8], what[32], *got, *want;
	uint32_t	cp;
	size_t		n;

	(void)state;
	for (cp = 0x80; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = utf8_encode(cp, s + 1);
		s[0] = 'x';
		got = jsonw_text(s, n + 1);
		/* Raw, between the quotes: no \u escape for non-ASCII. */
		if (got[0] != '"' || got[1] != 'x' ||
		    memcmp(got + 2, s + 1, n) != 0 || got[n + 2] != '"' ||
		    got[n + 3] != '\0') {
			snprintf(what, sizeof(what), "U+%04X", (unsigned)cp);
			want = jansson_text(s, n + 1);
			fail_msg("%s: jsonw %s, jansson %s", what, got, want);
		}
		free(got);
		/* jansson agrees, on a sample (it is slow to ask each). */
		if (cp % 997 == 0 || cp == 0xffff || cp == 0x10000 ||
		    cp == 0x10ffff || cp == 0x7ff || cp == 0x800) {
			snprintf(what, sizeof(what), "U+%04X", (unsigned)cp);
			same_as_jansson(s, n + 1, what);
		}
	}
}

static void
test_ints(void **state)
{
	static const long long	 vals[] = { 0, 1, -1, 9, 10, -10, 123456789,
				    INT_MAX, INT_MIN, (long long)UINT32_MAX,
				    LLONG_MAX, LLONG_MIN, LLONG_MIN + 1 };
	struct jsonw		 w;
	json_t			*j;
	char			*got, *want;
	size_t			 i, len;

	(void)state;
	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		jsonw_init(&w, 0);
		jsonw_int(&w, vals[i]);
		assert_non_null(got = jsonw_finish(&w, &len));
		assert_non_null(j = json_integer(vals[i]));
		want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		assert_string_equal(got, want);
		assert_int_equal(len, strlen(want));
		free(got);
		free(want);
		json_decref(j);
	}
}

/*
 * An object and an array built member by member with jsonw_key and
 * jsonw_sep: a comma between members, none before the first, and each
 * nesting level with its own first flag.
 */
static void
test_separators(void **state)
{
	struct jsonw	 w;
	int		 top = 1, inner, arr;
	char		*got;
	size_t		 len, i;

	(void)state;
	jsonw_init(&w, 16);
	jsonw_lit(&w, "{");
	jsonw_key(&w, &top, "a");
	jsonw_int(&w, 1);
	jsonw_key(&w, &top, "list");
	jsonw_lit(&w, "[");
	arr = 1;
	for (i = 0; i < 3; i++) {
		jsonw_sep(&w, &arr);
		jsonw_int(&w, (long long)i);
	}
	jsonw_lit(&w, "]");
	jsonw_key(&w, &top, "empty");
	jsonw_lit(&w, "{}");
	jsonw_key(&w, &top, "obj");
	jsonw_lit(&w, "{");
	inner = 1;
	jsonw_key(&w, &inner, "k\"ey");
	jsonw_str(&w, NULL);
	jsonw_key(&w, &inner, "x");
	jsonw_str(&w, "y");
	jsonw_lit(&w, "}");
	jsonw_lit(&w, "}");
	assert_int_equal(top, 0);
	assert_int_equal(arr, 0);
	assert_non_null(got = jsonw_finish(&w, &len));
	assert_string_equal(got, "{\"a\":1,\"list\":[0,1,2],\"empty\":{},"
	    "\"obj\":{\"k\\\"ey\":null,\"x\":\"y\"}}");
	free(got);

	/* jsonw_sep alone: nothing first, a comma after. */
	jsonw_init(&w, 0);
	top = 1;
	jsonw_sep(&w, &top);
	jsonw_sep(&w, &top);
	jsonw_sep(&w, &top);
	assert_non_null(got = jsonw_finish(&w, &len));
	assert_string_equal(got, ",,");
	free(got);
}

/* jsonw_value over a document, against json_dumps in insertion order. */
static void
test_value(void **state)
{
	static const char	 text[] = "{\"z\":[1,-2,2.5,true,false,null],"
				     "\"a\":{\"\\u0001\":\"\\\"\\\\/\"},\"m\":[[],[{}]],"
				     "\"u\":\"\\u00e9\\ud83d\\ude00\"}";
	struct jsonw		 w;
	json_t			*j;
	char			*got, *want;
	size_t			 len;

	(void)state;
	assert_non_null(j = json_loads(text, 0, NULL));
	want = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	jsonw_init(&w, 0);
	jsonw_value(&w, j);
	assert_non_null(got = jsonw_finish(&w, &len));
	assert_string_equal(got, want);
	free(got);
	free(want);
	json_decref(j);
}

/* Growth from any hint keeps every byte; finish hands over and empties. */
static void
test_buffer(void **state)
{
	static const size_t	 hints[] = { 0, 1, 255, 256, 257, 100000 };
	struct jsonw		 w;
	char			*got, *big;
	size_t			 i, k, len;

	(void)state;
	assert_non_null(big = malloc(5000));
	for (k = 0; k < 4999; k++)
		big[k] = (char)('a' + k % 26);
	big[4999] = '\0';
	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		jsonw_init(&w, hints[i]);
		for (k = 0; k < 3; k++) {
			jsonw_str(&w, big);
			jsonw_lit(&w, ",");
		}
		assert_non_null(got = jsonw_finish(&w, &len));
		assert_int_equal(len, 3 * (4999 + 3));
		for (k = 0; k < 3; k++) {
			assert_int_equal(got[k * 5002], '"');
			assert_memory_equal(got + k * 5002 + 1, big, 4999);
			assert_memory_equal(got + k * 5002 + 5000, "\",", 2);
		}
		assert_int_equal(got[len], '\0');
		free(got);
		/* The writer is empty again, and reusable. */
		assert_null(w.buf);
		assert_int_equal(w.len, 0);
		jsonw_lit(&w, "[]");
		assert_non_null(got = jsonw_finish(&w, &len));
		assert_string_equal(got, "[]");
		free(got);
	}
	free(big);

	/* Nothing written: the empty text, not NULL. */
	jsonw_init(&w, 0);
	assert_non_null(got = jsonw_finish(&w, &len));
	assert_string_equal(got, "");
	assert_int_equal(len, 0);
	free(got);

	/* jsonw_free drops what was written. */
	jsonw_init(&w, 0);
	jsonw_lit(&w, "abc");
	jsonw_free(&w);
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
	jsonw_free(&w);
}

/*
 * Every total length around the buffer's growth points, written in
 * pieces of every size: the text and its NUL must fit (the sanitizer
 * build reports a terminator written one past the buffer).
 */
static void
test_lengths(void **state)
{
	struct jsonw	 w;
	char		 piece[40], *got;
	size_t		 total, step, k, len;

	(void)state;
	memset(piece, 'x', sizeof(piece));
	for (step = 1; step <= sizeof(piece); step += 3)
		for (total = 0; total <= 1100; total += step) {
			jsonw_init(&w, step % 2 ? 0 : total);
			for (k = 0; k < total; k += step)
				jsonw_raw(&w, piece, step);
			assert_non_null(got = jsonw_finish(&w, &len));
			assert_int_equal(len, total);
			assert_int_equal(strlen(got), total);
			free(got);
		}
}

/* A failure is sticky: later writes do nothing, finish says NULL. */
static void
test_failed(void **state)
{
	struct jsonw	 w;
	size_t		 len = 99, before;

	(void)state;
	jsonw_init(&w, 0);
	jsonw_lit(&w, "{\"a\":");
	before = w.len;
	w.failed = 1;
	jsonw_str(&w, "more");
	jsonw_int(&w, 5);
	jsonw_lit(&w, "}");
	assert_int_equal(w.len, before);
	assert_null(jsonw_finish(&w, &len));
	assert_null(w.buf);
	assert_int_equal(w.failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_every_scalar),
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_failed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
