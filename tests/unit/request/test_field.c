/*
 * Unit tests for src/request/field.c: the field table of docs/design.md section 2 (each
 * field's action per kind and its secrecy) and first-token decoding.
 * field.c is included to reach the table itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request/field.c"

#define DEL	FIELD_KIND_DELIVERY
#define INT	FIELD_KIND_INTEGRATION
#define ALL	(N | O | C)

static void
test_token(void **state)
{
	static const struct {
		const char	*ptr;
		int		 rc;
		const char	*name;
	} cases[] = {
		{ "/config/x",		0,	"config" },
		{ "/a~1b~0c",		0,	"a/b~c" },
		{ "/~01",		0,	"~1" },		/* one pass */
		{ "/",			0,	"" },
		{ "",			0,	"" },
		{ "//name",		0,	"" },
		/* Only the first token is read. */
		{ "/name/~2",		0,	"name" },
		{ "config",		-1,	"" },
		{ "/a~2",		-1,	"" },
		{ "/a~",		-1,	"" },
		{ "/c~6onfig",		-1,	"" },
	};
	char	name[FIELD_NAME_MAX + 1];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = field_token(cases[i].ptr, name);
		if (rc != cases[i].rc)
			fail_msg("\"%s\": %d, want %d", cases[i].ptr, rc,
			    cases[i].rc);
		if (cases[i].name != NULL && strcmp(name, cases[i].name) != 0)
			fail_msg("\"%s\": \"%s\", want \"%s\"", cases[i].ptr,
			    name, cases[i].name);
	}
}

/* A token of FIELD_NAME_MAX decodes whole; one more is cut. */
static void
test_token_long(void **state)
{
	char	ptr[FIELD_NAME_MAX + 8], name[FIELD_NAME_MAX + 1];

	(void)state;
	ptr[0] = '/';
	memset(ptr + 1, 'x', FIELD_NAME_MAX);
	ptr[FIELD_NAME_MAX + 1] = '\0';
	assert_int_equal(field_token(ptr, name), 0);
	assert_int_equal(strlen(name), FIELD_NAME_MAX);
	strcpy(ptr + FIELD_NAME_MAX + 1, "y/z");
	assert_int_equal(field_token(ptr, name), 1);
	assert_int_equal(strlen(name), FIELD_NAME_MAX);
	assert_int_equal(name[FIELD_NAME_MAX - 1], 'x');
	/* A bad escape past the cut is still seen. */
	strcpy(ptr + FIELD_NAME_MAX + 1, "~2");
	assert_int_equal(field_token(ptr, name), -1);
}

static void
test_find(void **state)
{
	const struct field	*f;
	char			 ptr[FIELD_NAME_MAX + 8];

	(void)state;
	assert_int_equal(field_find("", &f), 0);
	assert_ptr_equal(f, &field_whole);
	assert_int_equal(field_find("/config/apiKey", &f), 0);
	assert_non_null(f);
	assert_string_equal(f->fd_name, "config");
	assert_int_equal(field_find("/n~1ame", &f), 0);
	assert_null(f);
	/* "/" names the member "", not the whole document. */
	assert_int_equal(field_find("/", &f), 0);
	assert_null(f);
	assert_int_equal(field_find("//config", &f), 0);
	assert_null(f);
	assert_int_equal(field_find("/Config", &f), 0);
	assert_null(f);
	assert_int_equal(field_find("/config~1x", &f), 0);	/* "config/x" */
	assert_null(f);
	assert_int_equal(field_find("config", &f), -1);
	assert_null(f);
	assert_int_equal(field_find("/con~2fig", &f), -1);
	assert_null(f);
	/* A cut token names no field, even when it starts like one. */
	snprintf(ptr, sizeof(ptr), "/config%0*d", FIELD_NAME_MAX, 0);
	assert_int_equal(field_find(ptr, &f), 0);
	assert_null(f);
}

/*
 * docs/design.md section 2, row by row: the pointer, its actions on delivery and
 * on integration targets (0: refused), and whether it is secret on each.
 */
static void
test_rows(void **state)
{
	static const struct {
		const char	*ptr;
		unsigned	 del, in;
		int		 del_secret, in_secret;
	} cases[] = {
		{ "/name",		N,	N,	0, 0 },
		{ "/on",		O,	O,	0, 0 },
		{ "/enabled",		0,	O,	0, 0 },
		{ "/config",		C,	0,	1, 0 },
		{ "/config/apiKey",	C,	0,	1, 0 },
		{ "/configValues",	0,	C,	0, 1 },
		{ "/configValues/a/b",	0,	C,	0, 1 },
		{ "/capabilityConfig",	0,	C,	0, 1 },
		{ "/capabilityConfig/x", 0,	C,	0, 1 },
		{ "/tags",		C,	C,	0, 0 },
		{ "/tags/-",		C,	C,	0, 0 },
		{ "",			ALL,	ALL,	1, 1 },
		{ "/",			0,	0,	0, 0 },
		{ "/version",		0,	0,	0, 0 },
		{ "/_id",		0,	0,	0, 0 },
		{ "/integrationKey",	0,	0,	0, 0 },
		{ "/configX",		0,	0,	0, 0 },
	};
	const struct field	*f;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (field_find(cases[i].ptr, &f) != 0)
			fail_msg("\"%s\": not found", cases[i].ptr);
		if (field_actions(f, DEL) != cases[i].del ||
		    field_actions(f, INT) != cases[i].in)
			fail_msg("\"%s\": actions %#x/%#x, want %#x/%#x",
			    cases[i].ptr, field_actions(f, DEL),
			    field_actions(f, INT), cases[i].del, cases[i].in);
		if (field_secret(f, DEL) != cases[i].del_secret ||
		    field_secret(f, INT) != cases[i].in_secret)
			fail_msg("\"%s\": secret %d/%d, want %d/%d",
			    cases[i].ptr, field_secret(f, DEL),
			    field_secret(f, INT), cases[i].del_secret,
			    cases[i].in_secret);
		/* Reading a secret needs updateConfiguration, nothing else. */
		if (field_read_actions(f, DEL) !=
		    (cases[i].del_secret ? C : 0) ||
		    field_read_actions(f, INT) != (cases[i].in_secret ? C : 0))
			fail_msg("\"%s\": read actions %#x/%#x", cases[i].ptr,
			    field_read_actions(f, DEL),
			    field_read_actions(f, INT));
	}
	assert_int_equal(field_actions(NULL, DEL), 0);
	assert_int_equal(field_secret(NULL, INT), 0);
	assert_int_equal(field_read_actions(NULL, DEL), 0);
}

/* Every row names a field of some kind once; the whole document is all. */
static void
test_table(void **state)
{
	unsigned	del = 0, in = 0;
	size_t		i, j;

	(void)state;
	for (i = 0; i < FIELD_COUNT; i++) {
		assert_true(field_table[i].fd_name[0] != '\0');
		assert_true(strlen(field_table[i].fd_name) <= FIELD_NAME_MAX);
		assert_true(field_table[i].fd_delivery != 0 ||
		    field_table[i].fd_integration != 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(field_table[i].fd_name,
			    field_table[j].fd_name);
		del |= field_table[i].fd_delivery;
		in |= field_table[i].fd_integration;
	}
	assert_int_equal(field_actions(&field_whole, DEL), del);
	assert_int_equal(field_actions(&field_whole, INT), in);
}

/* A table cell: the actions in backticks, comma-separated, or an em dash. */
static void
cell(unsigned actions, char *buf, size_t len)
{
	unsigned	bit;
	size_t		n = 0;

	buf[0] = '\0';
	for (bit = 1; bit != 0 && n < len; bit <<= 1)
		if ((actions & bit) && action_name(bit) != NULL)
			n += (size_t)snprintf(buf + n, len - n, "%s`%s`",
			    n > 0 ? ", " : "", action_name(bit));
	if (n == 0)
		snprintf(buf, len, "\xe2\x80\x94");	/* U+2014 em dash */
}

/*
 * docs/policy.md section 2 shows this table to policy writers: its rows,
 * after the header and before the whole document's, must be the table's
 * rows in order, cell for cell, and the whole document must be secret.
 */
static void
test_docs(void **state)
{
	const char	*top = getenv("top_srcdir");
	char		 path[1024], line[512], want[512], del[128], in[128];
	FILE		*f;
	size_t		 i;
	int		 found = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/policy.md", top ? top : ".");
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open (set top_srcdir)", path);
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strncmp(line, "| field (first pointer token) |",
		    31) == 0;
	if (!found)
		fail_msg("%s: no field table", path);
	if (fgets(line, sizeof(line), f) == NULL || line[0] != '|')
		fail_msg("%s: field table has no separator line", path);
	for (i = 0; i < FIELD_COUNT; i++) {
		cell(field_table[i].fd_delivery, del, sizeof(del));
		cell(field_table[i].fd_integration, in, sizeof(in));
		snprintf(want, sizeof(want), "| `%s` | %s | %s | %s|\n",
		    field_table[i].fd_name, del, in,
		    field_table[i].fd_secret ? "yes " : "");
		if (fgets(line, sizeof(line), f) == NULL ||
		    strcmp(line, want) != 0)
			fail_msg("%s: field row %zu:\n  got  %s  want %s", path,
			    i, line, want);
	}
	snprintf(want, sizeof(want), "| the whole document, `\"\"` | every "
	    "action of its column | every action of its column | %s|\n",
	    field_whole.fd_secret ? "yes " : "");
	if (fgets(line, sizeof(line), f) == NULL || strcmp(line, want) != 0)
		fail_msg("%s: whole-document row:\n  got  %s  want %s", path,
		    line, want);
	fclose(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_token_long),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_docs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
