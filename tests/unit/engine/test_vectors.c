/*
 * Runs every vector of tests/policy-vectors.json (the policy language's
 * vectors, kept in the tree) through the real loader and decider:
 * each vector becomes a policy set of one principal holding the vector's
 * roles, and must decide allow / deny, or fail to load when "invalid".
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

#include "engine/action.h"
#include "util/arena.h"
#include "engine/decide.h"
#include "util/diag.h"
#include "util/jsonfile.h"
#include "engine/policyset.h"
#include "engine/specifier.h"

static struct jsonfile *
doc(const char *name, json_t *v, struct diag *diag)
{
	char		*text = json_dumps(v, JSON_INDENT(1) | JSON_ENCODE_ANY);
	struct jsonfile	*jf;

	assert_non_null(text);
	jf = jsonfile_load_buffer(name, text, strlen(text), diag);
	free(text);
	json_decref(v);
	assert_non_null(jf);
	return jf;
}

/* Builds the vector's policy set; NULL when it does not load. */
static struct policyset *
vector_policyset(json_t *vec, struct diag *diag)
{
	json_t		*roles = json_array(), *principal, *names = json_array();
	json_t		*extra = json_object_get(vec, "extra_roles"), *p;
	json_t		*attrs = json_object_get(vec, "role_attributes");
	json_t		*guards = json_object_get(vec, "guardrails");
	struct jsonfile	*rf, *pf, *gf = NULL;
	struct policyset *set;
	char		 key[32];
	size_t		 i;

	json_array_append_new(roles, json_pack("{s:s, s:O}", "key", "r0",
	    "policy", json_object_get(vec, "policy")));
	json_array_append_new(names, json_string("r0"));
	json_array_foreach(extra, i, p) {
		snprintf(key, sizeof(key), "r%zu", i + 1);
		json_array_append_new(roles, json_pack("{s:s, s:O}", "key", key,
		    "policy", p));
		json_array_append_new(names, json_string(key));
	}
	principal = json_pack("{s:s, s:[], s:o}", "name", "p", "tokens",
	    "roles", names);
	if (attrs != NULL)
		json_object_set(principal, "roleAttributes", attrs);
	rf = doc("roles.json", roles, diag);
	pf = doc("principals.json", json_pack("[o]", principal), diag);
	if (guards != NULL)
		gf = doc("guardrails.json", json_incref(guards), diag);
	set = policyset_build((const struct jsonfile *const *)&rf, 1, pf, gf,
	    diag);
	jsonfile_free(rf);
	jsonfile_free(pf);
	jsonfile_free(gf);
	return set;
}

static size_t
vector_aliases(struct arena *arena, json_t *res, struct specifier *out,
    size_t max)
{
	char	err[SPEC_ERR_MAX];
	size_t	i, n = 0;
	json_t	*r;

	if (json_is_string(res)) {
		assert_int_equal(specifier_parse(arena, json_string_value(res),
		    SPEC_RESOURCE, &out[0], err, sizeof(err)), 0);
		return 1;
	}
	json_array_foreach(res, i, r) {
		assert_true(n < max);
		if (specifier_parse(arena, json_string_value(r), SPEC_RESOURCE,
		    &out[n++], err, sizeof(err)) != 0)
			fail_msg("resource %s: %s", json_string_value(r), err);
	}
	return n;
}

static void
run_vector(void **state)
{
	json_t			*vec = *state;
	const char		*expect = json_string_value(json_object_get(vec,
				    "expect"));
	const char		*action = json_string_value(json_object_get(vec,
				    "action"));
	struct diag		 diag;
	struct policyset	*set;
	struct arena		*arena = arena_new();
	struct specifier	 aliases[8];
	struct decide_result	 r;
	size_t			 n;

	memset(&diag, 0, sizeof(diag));
	set = vector_policyset(vec, &diag);
	if (strcmp(expect, "invalid") == 0) {
		assert_null(set);
		assert_true(diag.nerrors > 0);
	} else {
		if (set == NULL)
			diag_print(&diag, stderr);
		assert_non_null(set);
		n = vector_aliases(arena, json_object_get(vec, "resource"),
		    aliases, 8);
		decide(set, policyset_by_name(set, "p"), aliases, n, action,
		    action_from_name(action), &r);
		assert_string_equal(r.allow ? "allow" : "deny", expect);
		/* The same decision when the action is matched by name. */
		decide(set, policyset_by_name(set, "p"), aliases, n, action, 0,
		    &r);
		assert_string_equal(r.allow ? "allow" : "deny", expect);
	}
	policyset_free(set);
	diag_clear(&diag);
	arena_free(arena);
}

int
main(void)
{
	const char		*path = getenv("VECTORS");
	json_error_t		 err;
	json_t			*root, *vectors, *v;
	struct CMUnitTest	*tests;
	size_t			 i, n;
	int			 rc;

	if (path == NULL)
		path = "tests/policy-vectors.json";
	if ((root = json_load_file(path, JSON_REJECT_DUPLICATES, &err)) == NULL) {
		fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
		return 1;
	}
	vectors = json_object_get(root, "vectors");
	n = json_array_size(vectors);
	if (n == 0) {
		fprintf(stderr, "%s: no vectors\n", path);
		return 1;
	}
	tests = calloc(n, sizeof(*tests));
	json_array_foreach(vectors, i, v) {
		tests[i].name = json_string_value(json_object_get(v, "name"));
		tests[i].test_func = run_vector;
		tests[i].initial_state = v;
	}
	rc = _cmocka_run_group_tests("policy-vectors", tests, n, NULL, NULL);
	free(tests);
	json_decref(root);
	return rc;
}
