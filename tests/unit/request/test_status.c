/*
 * Unit tests for src/request/status.c: the answers ldgate gives itself
 * (docs/design.md section 5, "Errors") -- each kind's HTTP status and the
 * code in LaunchDarkly's error shape, and the reason phrases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request/status.h"

static const struct {
	enum status_err	 err;
	int		 http;
	const char	*code;
	const char	*reason;
} kinds[] = {
	{ STATUS_INVALID_REQUEST, 400, "invalid_request", "Bad Request" },
	{ STATUS_UNAUTHORIZED, 401, "unauthorized", "Unauthorized" },
	{ STATUS_FORBIDDEN, 403, "forbidden", "Forbidden" },
	{ STATUS_TOO_LARGE, 413, "request_too_large", "Payload Too Large" },
	{ STATUS_UPSTREAM_UNAVAILABLE, 502, "upstream_unavailable",
	    "Bad Gateway" },
	{ STATUS_AUDIT_UNAVAILABLE, 503, "audit_unavailable",
	    "Service Unavailable" },
	{ STATUS_OVERLOADED, 503, "overloaded", "Service Unavailable" },
	{ STATUS_UPSTREAM_TIMEOUT, 504, "upstream_timeout",
	    "Gateway Timeout" },
};

#define NKINDS	(sizeof(kinds) / sizeof(kinds[0]))

static void
test_every_kind(void **state)
{
	size_t	i, k;

	(void)state;
	for (i = 0; i < NKINDS; i++) {
		assert_int_equal(status_http(kinds[i].err), kinds[i].http);
		assert_string_equal(status_code(kinds[i].err), kinds[i].code);
		assert_string_equal(status_reason(status_http(kinds[i].err)),
		    kinds[i].reason);
	}
	/* The table above is the whole enum: its values run 1..NKINDS. */
	for (i = 0; i < NKINDS; i++)
		assert_int_equal(kinds[i].err, (int)i + 1);
	/* No two kinds share a code, even where they share a status. */
	for (i = 0; i < NKINDS; i++)
		for (k = i + 1; k < NKINDS; k++)
			assert_string_not_equal(status_code(kinds[i].err),
			    status_code(kinds[k].err));
}

/* A full audit trail and an exhausted gateway are both 503, told apart. */
static void
test_two_503s(void **state)
{
	(void)state;
	assert_int_equal(status_http(STATUS_AUDIT_UNAVAILABLE), 503);
	assert_int_equal(status_http(STATUS_OVERLOADED), 503);
	assert_string_not_equal(status_code(STATUS_AUDIT_UNAVAILABLE),
	    status_code(STATUS_OVERLOADED));
}

/* Outside the enum: a 500 with internal_error, never a borrowed row. */
static void
test_unknown_kind(void **state)
{
	static const int	 bad[] = { 0, -1, STATUS_UPSTREAM_TIMEOUT + 1, 400,
				    503, 1000 };
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(status_http((enum status_err)bad[i]), 500);
		assert_string_equal(status_code((enum status_err)bad[i]),
		    "internal_error");
	}
}

/* Phrases for what ldgate writes and the upstream refusals it relays. */
static void
test_reason(void **state)
{
	static const struct {
		int		 http;
		const char	*reason;
	} cases[] = {
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 413, "Payload Too Large" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
		/* Anything else. */
		{ 200, "Error" }, { 204, "Error" }, { 402, "Error" },
		{ 405, "Error" }, { 500, "Error" }, { 0, "Error" },
		{ -400, "Error" }, { 4000, "Error" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(status_reason(cases[i].http), cases[i].reason) != 0)
			fail_msg("status_reason(%d) = \"%s\", want \"%s\"",
			    cases[i].http, status_reason(cases[i].http),
			    cases[i].reason);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind),
		cmocka_unit_test(test_two_503s),
		cmocka_unit_test(test_unknown_kind),
		cmocka_unit_test(test_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
