/*
 * Tests src/jsonpos.c and the pointer helpers and located messages of
 * src/jsonfile.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "util/diag.h"
#include "util/jsonfile.h"
#include "util/jsonpos.h"

static struct jsonpos *
scan(const char *text)
{
	return jsonpos_new(text, strlen(text));
}

/* Asserts that ptr's value starts at line:column. */
static void
expect_pos(const struct jsonpos *jp, const char *ptr, int line, int column)
{
	int	l = -1, c = -1;

	if (jsonpos_lookup(jp, ptr, &l, &c) == -1)
		fail_msg("pointer \"%s\" not found", ptr);
	if (l != line || c != column)
		fail_msg("pointer \"%s\": %d:%d, expected %d:%d", ptr, l, c,
		    line, column);
}

static void
expect_missing(const struct jsonpos *jp, const char *ptr)
{
	int	l, c;

	assert_int_equal(jsonpos_lookup(jp, ptr, &l, &c), -1);
}

static void
test_nested(void **state)
{
	struct jsonpos	*jp;

	(void)state;
	jp = scan("{\n"
	    "  \"a\": {\"b\": [1, {\"c\": null}, [true, false]]},\n"
	    "  \"d\": [],\n"
	    "  \"e\": {},\n"
	    "  \"f\":\n"
	    "\t-1.5e+3\n"
	    "}\n");
	assert_non_null(jp);
	expect_pos(jp, "", 1, 1);
	expect_pos(jp, "/a", 2, 8);
	expect_pos(jp, "/a/b", 2, 14);
	expect_pos(jp, "/a/b/0", 2, 15);
	expect_pos(jp, "/a/b/1", 2, 18);
	expect_pos(jp, "/a/b/1/c", 2, 24);
	expect_pos(jp, "/a/b/2", 2, 31);
	expect_pos(jp, "/a/b/2/0", 2, 32);
	expect_pos(jp, "/a/b/2/1", 2, 38);
	expect_pos(jp, "/d", 3, 8);
	expect_pos(jp, "/e", 4, 8);
	expect_pos(jp, "/f", 6, 2);
	expect_missing(jp, "/a/b/3");
	expect_missing(jp, "/a/x");
	expect_missing(jp, "/d/0");
	expect_missing(jp, "a");
	expect_missing(jp, "/a/");
	jsonpos_free(jp);
}

/* Keys are decoded, then escaped per RFC 6901. */
static void
test_key_escapes(void **state)
{
	struct jsonpos	*jp;

	(void)state;
	jp = scan("{\"a/b\": 1, \"m~n\": 2, \"q\\\"k\": 3, \"\\u0041\\/\": 4,\n"
	    " \"\": 5, \"~1\": 6, \"t\\tab\": 7,\n"
	    " \"\\u00e9\": 8, \"\\ud83d\\ude00\": 9, \"x\\\\y\": [\"\\u20ac\", 10]}");
	assert_non_null(jp);
	expect_pos(jp, "/a~1b", 1, 9);
	expect_pos(jp, "/m~0n", 1, 19);
	expect_pos(jp, "/q\"k", 1, 30);
	expect_pos(jp, "/A~1", 1, 45);
	expect_pos(jp, "/", 2, 6);
	expect_pos(jp, "/~01", 2, 15);
	expect_pos(jp, "/t\tab", 2, 27);
	expect_pos(jp, "/\xc3\xa9", 3, 12);
	expect_pos(jp, "/\xf0\x9f\x98\x80", 3, 31);
	expect_pos(jp, "/x\\y", 3, 42);
	expect_pos(jp, "/x\\y/1", 3, 53);
	expect_missing(jp, "/a/b");
	expect_missing(jp, "/m~n");
	jsonpos_free(jp);
}

/*
 * Columns count characters, as jansson's do: a value after a multi-byte
 * character must be where jansson reports a bad token in its place.
 */
static void
test_columns_match_jansson(void **state)
{
	static const char	*good = "{\"\xc3\xa9t\xc3\xa9\": [\"\xe2\x82\xac\", 1]}";
	static const char	*bad = "{\"\xc3\xa9t\xc3\xa9\": [\"\xe2\x82\xac\", x]}";
	struct jsonpos		*jp;
	json_error_t		 err;
	json_t			*j;

	(void)state;
	j = json_loads(bad, 0, &err);
	assert_null(j);
	jp = scan(good);
	assert_non_null(jp);
	expect_pos(jp, "/\xc3\xa9t\xc3\xa9/1", err.line, err.column);
	expect_pos(jp, "/\xc3\xa9t\xc3\xa9/1", 1, 15);
	jsonpos_free(jp);
}

static void
test_scalars_and_whitespace(void **state)
{
	struct jsonpos	*jp;

	(void)state;
	jp = scan("\r\n  \t\"top\"  \n");
	assert_non_null(jp);
	expect_pos(jp, "", 2, 4);
	jsonpos_free(jp);
	jp = scan("[0, -0, 12.5, 1E9, 2e-3, \"\", null]");
	assert_non_null(jp);
	expect_pos(jp, "/6", 1, 30);
	jsonpos_free(jp);
}

/* jansson refuses repeated keys; should one slip by, the first wins. */
static void
test_repeated_key(void **state)
{
	struct jsonpos	*jp;

	(void)state;
	jp = scan("{\"k\": 1,\n\"k\": 2}");
	assert_non_null(jp);
	expect_pos(jp, "/k", 1, 7);
	jsonpos_free(jp);
}

static void
test_invalid(void **state)
{
	static const char *const bad[] = {
		"", " ", "[1,", "[1,]", "{\"a\" 1}", "{\"a\":}", "[01]", "[1.]",
		"[-]", "[1e]", "tru", "nul", "[\"\\x\"]", "[\"\\u12\"]",
		"[\"\\ud800\"]", "[\"\\udc00\"]", "{\"\\u0000\": 1}",
		"[\"a\nb\"]", "{} {}", "[1] x", "{\"a\":1,}", "\"open",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (jsonpos_new(bad[i], strlen(bad[i])) != NULL)
			fail_msg("accepted invalid JSON: %s", bad[i]);
	/* Length is honoured: the text need not be NUL-terminated. */
	assert_null(jsonpos_new("[1]", 2));
}

static void
test_depth(void **state)
{
	char		*text;
	size_t		 n;
	struct jsonpos	*jp;

	(void)state;
	for (n = 2048; n <= 2049; n++) {
		assert_non_null(text = malloc(2 * n + 1));
		memset(text, '[', n);
		memset(text + n, ']', n);
		text[2 * n] = '\0';
		jp = scan(text);
		if (n == 2048)
			assert_non_null(jp);
		else
			assert_null(jp);
		jsonpos_free(jp);
		free(text);
	}
}

static void
test_ptr_join(void **state)
{
	char	buf[32], small[6];

	(void)state;
	assert_string_equal(jsonfile_ptr_join(buf, sizeof(buf), "", "a"), "/a");
	assert_string_equal(jsonfile_ptr_join(buf, sizeof(buf), "/a", "b/c~d"),
	    "/a/b~1c~0d");
	assert_string_equal(jsonfile_ptr_join(buf, sizeof(buf), NULL, ""), "/");
	/* Appending in place. */
	assert_string_equal(jsonfile_ptr_join(buf, sizeof(buf), buf, "x"),
	    "//x");
	assert_string_equal(jsonfile_ptr_join_index(buf, sizeof(buf), "/roles",
	    12), "/roles/12");
	assert_string_equal(jsonfile_ptr_join(small, sizeof(small), "/ab", "cdef"),
	    "/ab/c");
	/* An escape is never cut in half. */
	assert_string_equal(jsonfile_ptr_join(small, sizeof(small), "/ab", "~"),
	    "/ab/");
}

/* Messages are located at the value, or at its nearest known ancestor. */
static void
test_jsonfile_locate(void **state)
{
	static const char	 text[] = "{\n  \"a\": {\n    \"b\": [10, 20]\n  }\n}";
	struct jsonfile		*jf;
	struct diag		 d;

	(void)state;
	memset(&d, 0, sizeof(d));
	jf = jsonfile_load_buffer("t.json", text, strlen(text), &d);
	assert_non_null(jf);
	jsonfile_error(&d, jf, "/a/b/1", "bad %d", 20);
	jsonfile_warn(&d, jf, "/a/b/7/x", "gone");
	jsonfile_error(&d, jf, "/nope", "root");
	assert_int_equal(d.nerrors, 2);
	assert_int_equal(d.nwarnings, 1);
	assert_int_equal(d.items[0].line, 3);
	assert_int_equal(d.items[0].column, 15);
	assert_string_equal(d.items[0].message, "bad 20");
	assert_int_equal(d.items[1].level, DIAG_WARNING);
	assert_int_equal(d.items[1].line, 3);
	assert_int_equal(d.items[1].column, 10);
	assert_int_equal(d.items[2].line, 1);
	assert_int_equal(d.items[2].column, 1);
	assert_string_equal(d.items[2].file, "t.json");
	jsonfile_free(jf);
	diag_clear(&d);
}

static void
test_jsonfile_decode_error(void **state)
{
	static const char	 text[] = "{\n  \"a\": 1,\n  \"a\": 2\n}";
	struct diag		 d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_null(jsonfile_load_buffer("t.json", text, strlen(text), &d));
	assert_int_equal(d.nerrors, 1);
	assert_int_equal(d.items[0].line, 3);
	assert_int_equal(d.items[0].column, 5);
	assert_string_equal(d.items[0].message,
	    "duplicate object key near '\"a\"'");
	diag_clear(&d);
	assert_null(jsonfile_load("/nonexistent/ldgate.json", &d));
	assert_int_equal(d.items[0].line, 0);
	assert_string_equal(d.items[0].message,
	    "cannot read: No such file or directory");
	diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_key_escapes),
		cmocka_unit_test(test_columns_match_jansson),
		cmocka_unit_test(test_scalars_and_whitespace),
		cmocka_unit_test(test_repeated_key),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_ptr_join),
		cmocka_unit_test(test_jsonfile_locate),
		cmocka_unit_test(test_jsonfile_decode_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
