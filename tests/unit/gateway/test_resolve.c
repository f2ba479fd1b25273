/*
 * Unit tests for src/gateway/resolve.c, the one gateway module whose logic
 * is pure: the integration key read from the upstream's answer to
 * GET /api/v2/integration-configurations/{id}, and the per-worker cache of
 * id -> key.  The key names the object the policy decides on, so a key
 * that is not a plain key must be refused, and the cache may forget but
 * must never answer with another id's key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gateway/resolve.h"

static void
test_parse_key(void **state)
{
	static const struct {
		const char	*body;
		const char	*key;	/* NULL: refused */
	} cases[] = {
		{ "{\"_integrationKey\":\"datadog\"}", "datadog" },
		{ "{\"_id\":\"abc\",\"name\":\"n\",\"_integrationKey\":"
		    "\"a.b_c-9\",\"configValues\":{\"x\":[1]}}", "a.b_c-9" },
		{ " \n{ \"_integrationKey\" : \"Slack\" }\n", "Slack" },
		/* Missing, empty, not a string, not at the top. */
		{ "{}", NULL },
		{ "{\"_integrationKey\":\"\"}", NULL },
		{ "{\"_integrationKey\":null}", NULL },
		{ "{\"_integrationKey\":7}", NULL },
		{ "{\"_integrationKey\":[\"datadog\"]}", NULL },
		{ "{\"_integrationKey\":{\"k\":\"datadog\"}}", NULL },
		{ "{\"item\":{\"_integrationKey\":\"datadog\"}}", NULL },
		{ "{\"integrationKey\":\"datadog\"}", NULL },
		{ "{\"_IntegrationKey\":\"datadog\"}", NULL },
		/* Not a plain key: it would change what the policy sees. */
		{ "{\"_integrationKey\":\"data/dog\"}", NULL },
		{ "{\"_integrationKey\":\"*\"}", NULL },
		{ "{\"_integrationKey\":\"data*\"}", NULL },
		{ "{\"_integrationKey\":\"a:b\"}", NULL },
		{ "{\"_integrationKey\":\"a;b\"}", NULL },
		{ "{\"_integrationKey\":\"a b\"}", NULL },
		{ "{\"_integrationKey\":\"datadog \"}", NULL },
		{ "{\"_integrationKey\":\"../x\"}", NULL },
		{ "{\"_integrationKey\":\"caf\\u00e9\"}", NULL },
		{ "{\"_integrationKey\":\"a\\nb\"}", NULL },
		{ "{\"_integrationKey\":\"a\\u0000b\"}", NULL },
		/* Not one JSON object. */
		{ "", NULL },
		{ "not json", NULL },
		{ "{\"_integrationKey\":\"datadog\"", NULL },
		{ "[{\"_integrationKey\":\"datadog\"}]", NULL },
		{ "\"datadog\"", NULL },
		{ "{\"_integrationKey\":\"a\"}{}", NULL },
		/* Two answers: neither is believed. */
		{ "{\"_integrationKey\":\"a\",\"_integrationKey\":\"b\"}", NULL },
	};
	char	out[64];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 0, sizeof(out));
		rc = resolve_parse_key(cases[i].body, strlen(cases[i].body),
		    out, sizeof(out));
		if (cases[i].key == NULL) {
			if (rc != -1)
				fail_msg("%s: accepted \"%s\"", cases[i].body,
				    out);
		} else if (rc != 0 || strcmp(out, cases[i].key) != 0)
			fail_msg("%s: rc %d, \"%s\"", cases[i].body, rc, out);
	}
}

/* The length bounds the body; the key must fit out with its NUL. */
static void
test_parse_bounds(void **state)
{
	static const char	 body[] = "{\"_integrationKey\":\"abcdef\"}"
				     "GARBAGE";
	char			 out[8];

	(void)state;
	assert_int_equal(resolve_parse_key(body, sizeof(body) - 1 - 7, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "abcdef");
	/* The whole buffer is not JSON. */
	assert_int_equal(resolve_parse_key(body, sizeof(body) - 1, out,
	    sizeof(out)), -1);
	/* 6 bytes and a NUL in 7: fits; in 6: refused, never cut short. */
	assert_int_equal(resolve_parse_key(body, sizeof(body) - 1 - 7, out, 7),
	    0);
	assert_string_equal(out, "abcdef");
	memset(out, 'Z', sizeof(out));
	assert_int_equal(resolve_parse_key(body, sizeof(body) - 1 - 7, out, 6),
	    -1);
	assert_int_equal(out[5], 'Z');
	assert_int_equal(resolve_parse_key(body, sizeof(body) - 1 - 7, out, 0),
	    -1);
}

static void
test_cache(void **state)
{
	struct resolve	*r;
	char		 id[16], key[16];

	(void)state;
	assert_non_null(r = resolve_new(64));
	assert_null(resolve_lookup(r, "abc"));
	snprintf(id, sizeof(id), "abc");
	snprintf(key, sizeof(key), "datadog");
	resolve_store(r, id, key);
	/* Copies: the caller's buffers may change. */
	id[0] = 'X';
	key[0] = 'X';
	assert_non_null(resolve_lookup(r, "abc"));
	assert_string_equal(resolve_lookup(r, "abc"), "datadog");
	/* Exact ids only. */
	assert_null(resolve_lookup(r, "ab"));
	assert_null(resolve_lookup(r, "abcd"));
	assert_null(resolve_lookup(r, "ABC"));
	assert_null(resolve_lookup(r, ""));
	/* Stored again: the new key. */
	resolve_store(r, "abc", "slack");
	assert_string_equal(resolve_lookup(r, "abc"), "slack");
	resolve_free(r);
	resolve_free(NULL);
}

/* One slot: each store evicts the last; nothing is mixed up. */
static void
test_evict(void **state)
{
	struct resolve	*r;
	size_t		 cap;

	(void)state;
	for (cap = 0; cap <= 1; cap++) {
		assert_non_null(r = resolve_new(cap));
		resolve_store(r, "id-1", "key-1");
		assert_string_equal(resolve_lookup(r, "id-1"), "key-1");
		resolve_store(r, "id-2", "key-2");
		assert_null(resolve_lookup(r, "id-1"));
		assert_string_equal(resolve_lookup(r, "id-2"), "key-2");
		resolve_free(r);
	}
}

/*
 * Many ids through a small cache: a lookup answers NULL or the key stored
 * for that very id, and the ids stored last are all still there when
 * there was room.
 */
static void
test_never_wrong(void **state)
{
	struct resolve	*r;
	char		 id[32], key[32];
	const char	*got;
	size_t		 i, found = 0, n = 2000;

	(void)state;
	assert_non_null(r = resolve_new(37));
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%024zx", i * 7919);
		snprintf(key, sizeof(key), "key-%zu", i);
		resolve_store(r, id, key);
		assert_string_equal(resolve_lookup(r, id), key);
	}
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "%024zx", i * 7919);
		snprintf(key, sizeof(key), "key-%zu", i);
		if ((got = resolve_lookup(r, id)) == NULL)
			continue;
		if (strcmp(got, key) != 0)
			fail_msg("id %s: key %s, want %s", id, got, key);
		found++;
	}
	/* Some survive, no more than fit. */
	assert_true(found > 0);
	assert_true(found <= 37);
	resolve_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_key),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_evict),
		cmocka_unit_test(test_never_wrong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
