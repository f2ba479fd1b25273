/*
 * Unit tests for src/request/access.c: the object a protected request
 * acts on, as the alias set the policy matches (docs/design.md sections 1-3),
 * and the decision over every action it needs -- allowed only when each
 * one is.
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
#include "engine/policyset.h"
#include "engine/specifier.h"
#include "request/access.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/jsonfile.h"
#include "util/jsonw.h"

#define FP_OPS	"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static struct policyset	*set;
static struct arena	*arena;

static struct jsonfile *
doc(const char *name, const char *text, struct diag *d)
{
	struct jsonfile	*jf = jsonfile_load_buffer(name, text, strlen(text), d);

	if (jf == NULL) {
		diag_print(d, stderr);
		fail_msg("%s does not parse", name);
	}
	return jf;
}

/* ops may rename and switch any integration, and nothing else. */
static int
setup(void **state)
{
	struct jsonfile	*rf, *pf;
	struct diag	 d;

	(void)state;
	memset(&d, 0, sizeof(d));
	rf = doc("roles.json", "[{\"key\": \"ops\", \"name\": \"Ops\", "
	    "\"policy\": [{\"effect\": \"allow\", \"resources\": "
	    "[\"integration/*\"], \"actions\": [\"updateName\", "
	    "\"updateOn\"]}]}]", &d);
	pf = doc("principals.json", "[{\"name\": \"ops\", \"tokens\": [\""
	    FP_OPS "\"], \"roles\": [\"ops\"]}]", &d);
	set = policyset_build((const struct jsonfile *const *)&rf, 1, pf, NULL,
	    &d);
	jsonfile_free(rf);
	jsonfile_free(pf);
	if (set == NULL) {
		diag_print(&d, stderr);
		fail_msg("the policy does not build");
	}
	arena = arena_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	policyset_free(set);
	arena_free(arena);
	return 0;
}

/*
 * A protected route as routing makes it: the request for kind and op with
 * these parameters, classified by route_classify, so that the alias shape
 * and whether the key is learned upstream come from the route table.
 */
static void
route(struct route_match *m, enum route_kind kind, enum route_op op,
    const char *proj, const char *env, const char *key, const char *id)
{
	const char	*method = op == ROUTE_OP_PATCH ? "PATCH" :
			    op == ROUTE_OP_DELETE ? "DELETE" : "POST";
	char		 target[2048];

	if (kind == ROUTE_KIND_INTEGRATION && op == ROUTE_OP_CREATE)
		snprintf(target, sizeof(target),
		    "/api/v2/integration-configurations/keys/%s", key);
	else if (kind == ROUTE_KIND_INTEGRATION)
		snprintf(target, sizeof(target),
		    "/api/v2/integration-configurations/%s", id);
	else
		snprintf(target, sizeof(target),
		    "/api/v2/integration-capabilities/%s/%s/%s/%s%s%s%s",
		    kind == ROUTE_KIND_DELIVERY ? "featureStore" :
		    "big-segment-store", proj, env, key,
		    op == ROUTE_OP_CREATE ? "" : "/",
		    op == ROUTE_OP_CREATE ? "" : id,
		    op == ROUTE_OP_VALIDATE ? "/validate" : "");
	if (route_classify(method, NULL, 0, target, m) != ROUTE_PROTECTED)
		fail_msg("%s %s: not a protected route", method, target);
	assert_int_equal(m->kind, kind);
	assert_int_equal(m->op, op);
}

/* alias a has exactly the segments "type/name" given, all unresolved. */
static void
expect_alias(const struct access_object *obj, size_t a, const char *s0,
    const char *s1, const char *s2)
{
	const char *const	 want[] = { s0, s1, s2 };
	const struct specifier	*sp = &obj->aliases[a];
	char			 seg[600];
	size_t			 i, n = 0;

	while (n < 3 && want[n] != NULL)
		n++;
	assert_true(a < obj->naliases);
	assert_int_equal(sp->nsegs, n);
	for (i = 0; i < n; i++) {
		snprintf(seg, sizeof(seg), "%s/%.*s", sp->segs[i].type,
		    (int)sp->segs[i].name_len, sp->segs[i].name);
		assert_string_equal(seg, want[i]);
		/* The gateway knows no tags: every segment is ';?'. */
		assert_true(sp->segs[i].unresolved);
		assert_int_equal(sp->segs[i].nquals, 0);
	}
}

/* Does the policy pattern text match obj, over all its aliases? */
static enum tri
matches(const struct access_object *obj, const char *pattern)
{
	struct specifier	pat;
	char			err[SPEC_ERR_MAX];

	if (specifier_parse(arena, pattern, SPEC_PATTERN, &pat, err,
	    sizeof(err)) != 0)
		fail_msg("%s: %s", pattern, err);
	return specifier_match_aliases(&pat, obj->aliases, obj->naliases);
}

/* Delivery configurations have two names; the key argument is unused. */
static void
test_object_delivery(void **state)
{
	static const enum route_kind kinds[] = { ROUTE_KIND_DELIVERY,
	    ROUTE_KIND_BIG_SEGMENT };
	struct route_match	m;
	struct access_object	obj;
	size_t			i;

	(void)state;
	for (i = 0; i < 2; i++) {
		/* With an id. */
		route(&m, kinds[i], ROUTE_OP_PATCH, "p", "e", "k", "i");
		access_object(&obj, &m, "zzz");
		assert_int_equal(obj.naliases, 2);
		assert_string_equal(obj.kid, "k/i");
		assert_string_equal(obj.text, "proj/p:env/e:integration/k/i");
		expect_alias(&obj, 0, "proj/p", "env/e", "integration/k/i");
		expect_alias(&obj, 1, "integration/k/i", NULL, NULL);
		assert_null(strstr(obj.text, "zzz"));

		/* Validate and delete have the id too. */
		route(&m, kinds[i], ROUTE_OP_DELETE, "p", "e", "k", "i");
		access_object(&obj, &m, NULL);
		assert_string_equal(obj.text, "proj/p:env/e:integration/k/i");

		/* Create: no id, the key alone. */
		route(&m, kinds[i], ROUTE_OP_CREATE, "proj-1", "env_2", "key.3",
		    "");
		access_object(&obj, &m, "zzz");
		assert_int_equal(obj.naliases, 2);
		assert_string_equal(obj.kid, "key.3");
		assert_string_equal(obj.text,
		    "proj/proj-1:env/env_2:integration/key.3");
		expect_alias(&obj, 0, "proj/proj-1", "env/env_2",
		    "integration/key.3");
		expect_alias(&obj, 1, "integration/key.3", NULL, NULL);
	}
}

/* An integration configuration: one name, keyed by what the caller says. */
static void
test_object_integration(void **state)
{
	struct route_match	m;
	struct access_object	obj;

	(void)state;
	/* PATCH and DELETE by id: the key is the one resolved upstream. */
	route(&m, ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH, "", "", "", "abc");
	access_object(&obj, &m, "datadog");
	assert_int_equal(obj.naliases, 1);
	assert_string_equal(obj.kid, "datadog/abc");
	assert_string_equal(obj.text, "integration/datadog/abc");
	expect_alias(&obj, 0, "integration/datadog/abc", NULL, NULL);
	route(&m, ROUTE_KIND_INTEGRATION, ROUTE_OP_DELETE, "", "", "", "abc");
	access_object(&obj, &m, "slack");
	assert_string_equal(obj.text, "integration/slack/abc");

	/* POST keys/{k}: the key is in the URL; the argument is unused. */
	route(&m, ROUTE_KIND_INTEGRATION, ROUTE_OP_CREATE, "", "", "slack", "");
	access_object(&obj, &m, "datadog");
	assert_int_equal(obj.naliases, 1);
	assert_string_equal(obj.kid, "slack");
	assert_string_equal(obj.text, "integration/slack");
	expect_alias(&obj, 0, "integration/slack", NULL, NULL);
	access_object(&obj, &m, NULL);
	assert_string_equal(obj.text, "integration/slack");
}

/* Each alias is reachable by the policy, and only untagged allows apply. */
static void
test_object_matching(void **state)
{
	struct route_match	m;
	struct access_object	obj;

	(void)state;
	route(&m, ROUTE_KIND_DELIVERY, ROUTE_OP_PATCH, "p", "e", "k", "i");
	access_object(&obj, &m, NULL);
	assert_int_equal(matches(&obj, "proj/p:env/e:integration/k/i"),
	    TRI_TRUE);
	assert_int_equal(matches(&obj, "proj/*:env/*:integration/*"),
	    TRI_TRUE);
	/* The second name, integration/KEY/ID, and KEY covering it. */
	assert_int_equal(matches(&obj, "integration/k/i"), TRI_TRUE);
	assert_int_equal(matches(&obj, "integration/k"), TRI_TRUE);
	assert_int_equal(matches(&obj, "integration/other"), TRI_FALSE);
	assert_int_equal(matches(&obj, "proj/q:env/e:integration/*"),
	    TRI_FALSE);
	/* A tag the gateway cannot know: unknown, never true. */
	assert_int_equal(matches(&obj, "proj/p:env/e;prod:integration/*"),
	    TRI_UNKNOWN);

	route(&m, ROUTE_KIND_INTEGRATION, ROUTE_OP_DELETE, "", "", "", "abc");
	access_object(&obj, &m, "datadog");
	assert_int_equal(matches(&obj, "integration/datadog"), TRI_TRUE);
	assert_int_equal(matches(&obj, "integration/datadog/abc"), TRI_TRUE);
	assert_int_equal(matches(&obj, "integration/datadog/xyz"), TRI_FALSE);
	/* No project or environment: a delivery pattern never applies. */
	assert_int_equal(matches(&obj, "proj/*:env/*:integration/*"),
	    TRI_FALSE);
}

/* Allowed only when every action is; one decision per action, in order. */
static void
test_decide(void **state)
{
	static const struct {
		unsigned	 actions;
		int		 allow;
		unsigned	 denied;	/* the bits that are denied */
	} cases[] = {
		{ 0, 1, 0 },
		{ ACTION_UPDATE_ON, 1, 0 },
		{ ACTION_UPDATE_NAME | ACTION_UPDATE_ON, 1, 0 },
		{ ACTION_UPDATE_CONFIGURATION, 0, ACTION_UPDATE_CONFIGURATION },
		{ ACTION_UPDATE_NAME | ACTION_UPDATE_CONFIGURATION |
		    ACTION_UPDATE_ON, 0, ACTION_UPDATE_CONFIGURATION },
		{ ACTION_DELETE_INTEGRATION | ACTION_UPDATE_ON, 0,
		    ACTION_DELETE_INTEGRATION },
		{ (1u << ACTION_COUNT) - 1, 0, ACTION_CREATE_INTEGRATION |
		    ACTION_DELETE_INTEGRATION | ACTION_UPDATE_CONFIGURATION |
		    ACTION_VALIDATE_CONNECTION },
		/* Bits past the known actions are not actions. */
		{ ACTION_UPDATE_ON | 1u << ACTION_COUNT, 1, 0 },
	};
	const struct principal	*p;
	struct route_match	 m;
	struct access_object	 obj;
	struct access_verdict	 v;
	unsigned		 bits;
	size_t			 i, k, n;

	(void)state;
	assert_non_null(p = policyset_by_name(set, "ops"));
	route(&m, ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH, "", "", "", "abc");
	access_object(&obj, &m, "slack");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&v, 0xa5, sizeof(v));
		if (access_decide(set, p, &obj, cases[i].actions, &v) !=
		    cases[i].allow || v.allow != cases[i].allow)
			fail_msg("case %zu: allow %d, want %d", i, v.allow,
			    cases[i].allow);
		bits = cases[i].actions & ((1u << ACTION_COUNT) - 1);
		for (n = 0, k = 0; k < ACTION_COUNT; k++)
			if (bits & 1u << k) {
				assert_true(n < v.n);
				assert_int_equal(v.bits[n], 1u << k);
				assert_int_equal(v.r[n].allow,
				    (cases[i].denied & 1u << k) == 0);
				n++;
			}
		assert_int_equal(v.n, n);
	}

	/* Nobody we know: every action denied, implicitly. */
	assert_int_equal(access_decide(set, NULL, &obj, ACTION_UPDATE_ON |
	    ACTION_UPDATE_NAME, &v), 0);
	assert_int_equal(v.n, 2);
	assert_false(v.r[0].allow);
	assert_true(v.r[0].implicit);
	assert_false(v.r[1].allow);
	/* Nothing needed: nothing to deny. */
	assert_int_equal(access_decide(set, NULL, &obj, 0, &v), 1);
	assert_int_equal(v.n, 0);
}

/* The explanation splits the decisions; the text form says the same. */
static void
test_explain(void **state)
{
	const struct principal	*p;
	struct route_match	 m;
	struct access_object	 obj;
	struct access_verdict	 v;
	struct jsonw		 w;
	json_t			*allowed, *denied, *both, *got;
	char			*text;
	size_t			 len;

	(void)state;
	assert_non_null(p = policyset_by_name(set, "ops"));
	route(&m, ROUTE_KIND_DELIVERY, ROUTE_OP_PATCH, "p", "e", "k", "i");
	access_object(&obj, &m, NULL);
	assert_int_equal(access_decide(set, p, &obj, ACTION_UPDATE_NAME |
	    ACTION_UPDATE_CONFIGURATION | ACTION_UPDATE_ON, &v), 0);
	allowed = json_array();
	denied = json_array();
	access_explain(&v, &obj, allowed, denied);
	assert_int_equal(json_array_size(allowed), 2);
	assert_int_equal(json_array_size(denied), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    allowed, 0), "action")), "updateName");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    allowed, 1), "action")), "updateOn");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    denied, 0), "action")), "updateConfiguration");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    denied, 0), "resource")), "proj/p:env/e:integration/k/i");
	assert_true(json_is_true(json_object_get(json_array_get(denied, 0),
	    "implicit")));

	jsonw_init(&w, 0);
	access_explain_write(&v, &obj, &w);
	assert_non_null(text = jsonw_finish(&w, &len));
	if ((got = json_loads(text, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		fail_msg("not JSON: %s", text);
	both = json_pack("{s:O, s:O}", "allowed", allowed, "denied", denied);
	if (!json_equal(got, both))
		fail_msg("access_explain_write differs: %s", text);
	free(text);
	json_decref(got);
	json_decref(both);

	/* Either list may be left out. */
	json_array_clear(allowed);
	json_array_clear(denied);
	access_explain(&v, &obj, NULL, denied);
	assert_int_equal(json_array_size(denied), 1);
	access_explain(&v, &obj, allowed, NULL);
	assert_int_equal(json_array_size(allowed), 2);
	json_decref(allowed);
	json_decref(denied);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_delivery),
		cmocka_unit_test(test_object_integration),
		cmocka_unit_test(test_object_matching),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
