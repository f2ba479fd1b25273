/*
 * Unit tests for src/util/diag.c: errors and warnings collected in the
 * order found, counted apart, and printed "file:line:column: level:
 * message" -- with unknown parts of the location left out rather than
 * printed as 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/diag.h"

/* What diag_print writes, as a string (caller frees). */
static char *
printed(const struct diag *d)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	assert_non_null(fp = open_memstream(&buf, &len));
	diag_print(d, fp);
	assert_int_equal(fclose(fp), 0);
	assert_non_null(buf);
	return buf;
}

static void
test_format(void **state)
{
	static const struct {
		int		 error;
		const char	*file;
		int		 line, column;
		const char	*out;
	} cases[] = {
		{ 1, "roles.json", 3, 7, "roles.json:3:7: error: m\n" },
		{ 0, "roles.json", 3, 7, "roles.json:3:7: warning: m\n" },
		{ 1, "a/b c.json", 12, 1, "a/b c.json:12:1: error: m\n" },
		/* Unknown column: file:line. */
		{ 1, "f.json", 4, 0, "f.json:4: error: m\n" },
		/* Unknown line: the column alone would mislead. */
		{ 1, "f.json", 0, 9, "f.json: error: m\n" },
		{ 0, "f.json", 0, 0, "f.json: warning: m\n" },
		/* Negative is unknown, not a position. */
		{ 1, "f.json", -1, -5, "f.json: error: m\n" },
		{ 1, "f.json", 2, -5, "f.json:2: error: m\n" },
		/* No file: no location at all. */
		{ 1, NULL, 3, 7, "error: m\n" },
		{ 0, NULL, 0, 0, "warning: m\n" },
	};
	struct diag	 d;
	char		*out;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&d, 0, sizeof(d));
		if (cases[i].error)
			diag_error(&d, cases[i].file, cases[i].line,
			    cases[i].column, "m");
		else
			diag_warn(&d, cases[i].file, cases[i].line,
			    cases[i].column, "m");
		out = printed(&d);
		if (strcmp(out, cases[i].out) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out,
			    cases[i].out);
		free(out);
		/* The stored location is the printed one. */
		assert_int_equal(d.items[0].line,
		    cases[i].line > 0 ? cases[i].line : 0);
		assert_int_equal(d.items[0].column,
		    cases[i].column > 0 ? cases[i].column : 0);
		diag_clear(&d);
	}
}

/* Messages are printf-formatted; the file name is copied. */
static void
test_message(void **state)
{
	struct diag	 d;
	char		 file[] = "principals.json";
	char		*out;

	(void)state;
	memset(&d, 0, sizeof(d));
	diag_error(&d, file, 2, 5, "role \"%s\" is used %d times%s", "ops", 3,
	    "");
	file[0] = 'X';
	diag_warn(&d, file, 1, 1, "100%% sure");
	out = printed(&d);
	assert_string_equal(out,
	    "principals.json:2:5: error: role \"ops\" is used 3 times\n"
	    "Xrincipals.json:1:1: warning: 100% sure\n");
	free(out);
	assert_string_equal(d.items[0].file, "principals.json");
	assert_string_equal(d.items[0].message,
	    "role \"ops\" is used 3 times");
	assert_int_equal(d.items[0].level, DIAG_ERROR);
	assert_int_equal(d.items[1].level, DIAG_WARNING);
	diag_clear(&d);
}

/* Counted apart, kept in order past any initial capacity. */
static void
test_counts(void **state)
{
	struct diag	 d;
	char		*out, *line, want[64];
	size_t		 i;

	(void)state;
	memset(&d, 0, sizeof(d));
	for (i = 0; i < 100; i++) {
		if (i % 3 == 0)
			diag_warn(&d, "f", (int)i + 1, 1, "item %zu", i);
		else
			diag_error(&d, "f", (int)i + 1, 1, "item %zu", i);
		assert_int_equal(d.nitems, i + 1);
	}
	assert_int_equal(d.nwarnings, 34);
	assert_int_equal(d.nerrors, 66);
	out = printed(&d);
	line = out;
	for (i = 0; i < 100; i++) {
		snprintf(want, sizeof(want), "f:%zu:1: %s: item %zu\n", i + 1,
		    i % 3 == 0 ? "warning" : "error", i);
		if (strncmp(line, want, strlen(want)) != 0)
			fail_msg("line %zu: %.*s", i, (int)strlen(want), line);
		line += strlen(want);
	}
	assert_int_equal(*line, '\0');
	free(out);

	/* Cleared: empty, zero counts, and usable again. */
	diag_clear(&d);
	assert_int_equal(d.nitems, 0);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.nwarnings, 0);
	assert_null(d.items);
	out = printed(&d);
	assert_string_equal(out, "");
	free(out);
	diag_warn(&d, "g", 1, 2, "again");
	assert_int_equal(d.nwarnings, 1);
	assert_int_equal(d.nerrors, 0);
	out = printed(&d);
	assert_string_equal(out, "g:1:2: warning: again\n");
	free(out);
	diag_clear(&d);
	diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
