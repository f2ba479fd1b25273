/*
 * Tests src/specifier.c and src/glob.c through their public API: the
 * grammar of docs/policy.md section 4 (every parse error with its
 * exact message), and three-valued matching of patterns against concrete
 * resources (section 4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"
#include "engine/glob.h"
#include "engine/specifier.h"

static struct arena	*arena;

static int
setup(void **state)
{
	(void)state;
	arena = arena_new();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	arena_free(arena);
	arena = NULL;
	return 0;
}

static const struct specifier *
parse_ok(const char *text, enum spec_mode mode)
{
	struct specifier	*s = arena_calloc(arena, 1, sizeof(*s));
	char			 err[SPEC_ERR_MAX];

	if (specifier_parse(arena, text, mode, s, err, sizeof(err)) != 0)
		fail_msg("\"%s\" should parse: %s", text, err);
	assert_string_equal(s->text, text);
	return s;
}

static const struct specifier *
pat(const char *text)
{
	return parse_ok(text, SPEC_PATTERN);
}

static const struct specifier *
res(const char *text)
{
	return parse_ok(text, SPEC_RESOURCE);
}

/* text must fail to parse in mode with exactly msg. */
static void
expect_error(const char *text, enum spec_mode mode, const char *msg)
{
	struct specifier	s;
	char			err[SPEC_ERR_MAX];

	memset(err, 0, sizeof(err));
	if (specifier_parse(arena, text, mode, &s, err, sizeof(err)) != -1)
		fail_msg("\"%s\" should not parse (expected: %s)", text, msg);
	if (strcmp(err, msg) != 0)
		fail_msg("\"%s\":\n  got      %s\n  expected %s", text, err, msg);
}

static void
expect_perr(const char *text, const char *msg)
{
	expect_error(text, SPEC_PATTERN, msg);
}

static const char *
tri_name(enum tri t)
{
	return t == TRI_TRUE ? "true" : t == TRI_FALSE ? "false" :
	    t == TRI_UNKNOWN ? "unknown" : "?";
}

static void
expect_match(const char *p, const char *r, enum tri want)
{
	enum tri	got = specifier_match(pat(p), res(r));

	if (got != want)
		fail_msg("pattern \"%s\" vs resource \"%s\": %s, expected %s",
		    p, r, tri_name(got), tri_name(want));
}

/* ------------------------------------------------------------ parsing */

static void
test_parse_segments(void **state)
{
	const struct specifier	*s;

	(void)state;
	s = pat("proj/default:env/production:flag/checkout");
	assert_false(s->acct);
	assert_int_equal(s->nsegs, 3);
	assert_string_equal(s->segs[0].type, "proj");
	assert_string_equal(s->segs[0].name, "default");
	assert_int_equal(s->segs[0].name_len, 7);
	assert_string_equal(s->segs[1].type, "env");
	assert_string_equal(s->segs[1].name, "production");
	assert_string_equal(s->segs[2].type, "flag");
	assert_string_equal(s->segs[2].name, "checkout");
	assert_false(s->segs[2].glob);
	assert_int_equal(s->segs[2].nquals, 0);

	s = pat("proj/*:env/qa-*");
	assert_true(s->segs[0].glob);
	assert_true(s->segs[1].glob);

	/* Types hold lowercase letters, digits and '-'. */
	s = pat("big-segment2/x.y_z-1");
	assert_string_equal(s->segs[0].type, "big-segment2");
	assert_string_equal(s->segs[0].name, "x.y_z-1");

	/* 16 segments is the limit. */
	s = pat("a/1:b/2:c/3:d/4:e/5:f/6:g/7:h/8:i/9:j/10:k/11:l/12:m/13:"
	    "n/14:o/15:p/16");
	assert_int_equal(s->nsegs, 16);
	assert_string_equal(s->segs[15].type, "p");
}

static void
test_parse_acct(void **state)
{
	const struct specifier	*s;

	(void)state;
	s = pat("acct");
	assert_true(s->acct);
	assert_int_equal(s->nsegs, 0);
	s = res("acct");
	assert_true(s->acct);
}

static void
test_parse_integration(void **state)
{
	const struct specifier	*s;

	(void)state;
	/* integration/KEY/ID: '/' belongs to the name. */
	s = pat("integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6");
	assert_int_equal(s->nsegs, 1);
	assert_string_equal(s->segs[0].name,
	    "datadog/65a1f0c2e4b0a1b2c3d4e5f6");
	assert_false(s->segs[0].key_only);

	/* A bare key, no '*' and no '/', covers every configuration. */
	s = pat("integration/datadog");
	assert_true(s->segs[0].key_only);
	s = pat("proj/p:env/e:integration/fastly");
	assert_true(s->segs[2].key_only);
	assert_false(pat("integration/data*")->segs[0].key_only);
	assert_false(pat("integration/*")->segs[0].key_only);
	/* Only integrations, and only in patterns. */
	assert_false(pat("proj/datadog")->segs[0].key_only);
	assert_false(res("integration/datadog")->segs[0].key_only);
}

static void
test_parse_qualifiers(void **state)
{
	const struct specifier	*s;
	const struct spec_segment *seg;

	(void)state;
	s = pat("proj/*;mobile,ios");
	seg = &s->segs[0];
	assert_string_equal(seg->name, "*");
	assert_int_equal(seg->nquals, 2);
	assert_int_equal(seg->quals[0].kind, SPEC_QUAL_TAG);
	assert_string_equal(seg->quals[0].name, "mobile");
	assert_null(seg->quals[0].value);
	assert_string_equal(seg->quals[1].name, "ios");

	/* ':' inside braces and after "view" does not split segments. */
	s = pat("proj/p:env/*;{critical:true},view:web-app,qa_*:flag/f");
	assert_int_equal(s->nsegs, 3);
	seg = &s->segs[1];
	assert_string_equal(seg->type, "env");
	assert_string_equal(seg->name, "*");
	assert_int_equal(seg->nquals, 3);
	assert_int_equal(seg->quals[0].kind, SPEC_QUAL_PROP);
	assert_string_equal(seg->quals[0].name, "critical");
	assert_string_equal(seg->quals[0].value, "true");
	assert_int_equal(seg->quals[1].kind, SPEC_QUAL_VIEW);
	assert_string_equal(seg->quals[1].name, "web-app");
	assert_null(seg->quals[1].value);
	assert_int_equal(seg->quals[2].kind, SPEC_QUAL_TAG);
	assert_string_equal(seg->quals[2].name, "qa_*");
	assert_string_equal(s->segs[2].type, "flag");

	/* A view qualifier at the end of the last segment. */
	s = res("proj/p:env/e:flag/f;view:frontend,view:web");
	assert_int_equal(s->nsegs, 3);
	assert_int_equal(s->segs[2].nquals, 2);
	assert_int_equal(s->segs[2].quals[1].kind, SPEC_QUAL_VIEW);
	assert_string_equal(s->segs[2].quals[1].name, "web");

	/* Property qualifier as the last thing in the text. */
	s = res("proj/p:env/production;{critical:true}");
	assert_int_equal(s->nsegs, 2);
	assert_int_equal(s->segs[1].quals[0].kind, SPEC_QUAL_PROP);
}

static void
test_parse_unresolved(void **state)
{
	const struct specifier	*s;

	(void)state;
	s = res("proj/p:env/e;?:flag/f");
	assert_int_equal(s->nsegs, 3);
	assert_true(s->segs[1].unresolved);
	assert_int_equal(s->segs[1].nquals, 0);
	assert_false(s->segs[0].unresolved);
	assert_false(s->segs[2].unresolved);
	/* ';?' is resource syntax only, and only on its own. */
	expect_perr("proj/p:env/e;?",
	    "'?' in tag \"?\": '*' is the only wildcard");
	expect_error("proj/p;?,mobile", SPEC_RESOURCE,
	    "'?' in tag \"?\": '*' is the only wildcard");
}

static void
test_parse_errors(void **state)
{
	(void)state;
	expect_perr("", "empty specifier");
	expect_error("", SPEC_RESOURCE, "empty specifier");

	/* Types. */
	expect_perr("PROJ/x", "invalid resource type \"PROJ\": lowercase "
	    "letters, digits and '-' only");
	expect_perr("pr_j/x", "invalid resource type \"pr_j\": lowercase "
	    "letters, digits and '-' only");
	expect_perr("/x", "invalid resource type \"\": lowercase letters, "
	    "digits and '-' only");
	expect_perr("proj", "segment \"proj\" needs the form type/key");
	expect_perr(":proj/x", "segment \"\" needs the form type/key");

	/* Wildcards other than '*'. */
	expect_perr("proj/x?", "'?' in key \"x?\": '*' is the only wildcard");
	expect_perr("proj/x[ab]", "'[' in key \"x[ab]\": '*' is the only "
	    "wildcard");
	expect_perr("proj/x]", "']' in key \"x]\": '*' is the only wildcard");
	expect_perr("proj/p;qa?", "'?' in tag \"qa?\": '*' is the only "
	    "wildcard");
	expect_perr("proj/p;view:w[1]", "'[' in view key \"w[1]\": '*' is "
	    "the only wildcard");

	/* '*' names many objects: not in a resource. */
	expect_error("proj/x*", SPEC_RESOURCE,
	    "'*' in key \"x*\": a resource names one object");
	expect_error("proj/x;qa_*", SPEC_RESOURCE,
	    "'*' in tag \"qa_*\": a resource names one object");

	/* Other characters. */
	expect_perr("proj/x y", "invalid character ' ' in key \"x y\"");
	expect_perr("proj/x:", "invalid character ':' in key \"x:\"");
	expect_perr("proj/x::env/y", "invalid character ':' in key \"x:\"");
	expect_perr("proj/p;a b", "invalid character ' ' in tag \"a b\"");

	/* Empty parts. */
	expect_perr("proj/", "empty key");
	expect_perr("proj/:env/e", "empty key");
	expect_perr("proj/x;", "empty qualifier list after ';'");
	expect_perr("proj/x;:env/e", "empty qualifier list after ';'");
	expect_perr("proj/x;a,,b", "empty tag");
	expect_perr("proj/x;a,", "empty tag");
	expect_perr("proj/x;{:true}", "empty property name");
	expect_perr("proj/x;{critical:}", "empty property value");
	expect_perr("proj/x;{}", "property qualifier \"{}\" needs "
	    "{property:value}");
	expect_perr("proj/x;{critical}", "property qualifier \"{critical}\" "
	    "needs {property:value}");
	expect_perr("proj/x;{a:b:c}", "invalid character ':' in property "
	    "value \"b:c\"");
	expect_perr("proj/x;{a:b}c", "unterminated property qualifier "
	    "\"{a:b}c\"");

	/* Braces. */
	expect_perr("proj/x;{a:b", "unbalanced '{'");
	expect_perr("proj/x;a:b}", "unbalanced '}'");
	expect_perr("proj/x;}{a:b", "unbalanced '}'");
	expect_perr("proj/x;{a:{b:c}}", "nested '{'");

	/* acct stands alone. */
	expect_perr("acct/x", "\"acct\" stands alone");
	expect_perr("proj/x:acct/y", "\"acct\" stands alone");
	expect_perr("acct:proj/x", "\"acct\" stands alone");
	expect_perr("proj/x:acct", "\"acct\" stands alone");
	expect_perr("acct;x", "segment \"acct;x\" needs the form type/key");
	expect_perr("ACCT", "segment \"ACCT\" needs the form type/key");

	/* Depth. */
	expect_perr("a/1:b/2:c/3:d/4:e/5:f/6:g/7:h/8:i/9:j/10:k/11:l/12:m/13:"
	    "n/14:o/15:p/16:q/17", "more than 16 segments");

	/* Role attributes are expanded before parsing, never parsed. */
	expect_perr("proj/${roleAttribute/p}", "role attribute reference not "
	    "allowed here, or not of the form ${roleAttribute/NAME}");
}

/* LaunchDarkly's documentation typo earns a suggestion; others do not. */
static void
test_parse_typo_suggestion(void **state)
{
	(void)state;
	expect_perr("proj/*:env/*;qa_*:/flag/*",
	    "invalid character ':' in tag \"qa_*:/flag/*\"; did you mean "
	    "\"proj/*:env/*;qa_*:flag/*\"?");
	expect_perr("proj/a:/env/b",
	    "invalid character ':' in key \"a:/env/b\"; did you mean "
	    "\"proj/a:env/b\"?");
	/* The suggestion must itself parse; here it would not. */
	expect_perr("proj/a:/env/b?",
	    "invalid character ':' in key \"a:/env/b?\"");
	/* The corrected form is valid. */
	assert_int_equal(pat("proj/*:env/*;qa_*:flag/*")->nsegs, 3);
}

static void
test_parse_error_truncated(void **state)
{
	struct specifier	s;
	char			err[8];

	(void)state;
	assert_int_equal(specifier_parse(arena, "proj/x?", SPEC_PATTERN, &s,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "'?' in ");
}

/* ----------------------------------------------------------- matching */

static void
test_match_exact_and_depth(void **state)
{
	(void)state;
	expect_match("proj/default:env/production:flag/checkout",
	    "proj/default:env/production:flag/checkout", TRI_TRUE);
	expect_match("proj/default:env/production:flag/checkout",
	    "proj/default:env/production:flag/search", TRI_FALSE);
	expect_match("proj/default", "proj/defaults", TRI_FALSE);
	expect_match("proj/defaults", "proj/default", TRI_FALSE);
	/* Exactly its own depth. */
	expect_match("proj/*", "proj/a:env/b", TRI_FALSE);
	expect_match("proj/*:env/*", "proj/a:env/b:flag/c", TRI_FALSE);
	expect_match("proj/*:env/*", "proj/a", TRI_FALSE);
	expect_match("proj/*:env/*:flag/*", "proj/a:env/b:flag/c", TRI_TRUE);
	/* Types must agree at every level. */
	expect_match("proj/*:env/*", "proj/a:segment/b", TRI_FALSE);
	expect_match("env/*", "proj/a", TRI_FALSE);
	expect_match("flag/*", "integration/datadog/1", TRI_FALSE);
}

/*
 * Types outside LaunchDarkly's list, and chains too long to be compared as
 * one word, are compared segment by segment: same answers.
 */
static void
test_match_types(void **state)
{
	(void)state;
	expect_match("my-type/x", "my-type/x", TRI_TRUE);
	expect_match("my-type/x", "my-typo/x", TRI_FALSE);
	expect_match("my-type/x", "proj/x", TRI_FALSE);
	expect_match("proj/x", "my-type/x", TRI_FALSE);
	expect_match("proj/*:my-type/*", "proj/a:my-type/b", TRI_TRUE);
	expect_match("proj/*:my-type/*", "proj/a:other/b", TRI_FALSE);
	expect_match("proj/*:env/*", "proj/a:flag/b", TRI_FALSE);
	expect_match("proj/*:env/*", "env/a:proj/b", TRI_FALSE);
	/* Seven segments of known types; the last differs. */
	expect_match("proj/*:env/*:flag/*:segment/*:metric/*:view/*:team/*",
	    "proj/a:env/b:flag/c:segment/d:metric/e:view/f:team/g", TRI_TRUE);
	expect_match("proj/*:env/*:flag/*:segment/*:metric/*:view/*:team/*",
	    "proj/a:env/b:flag/c:segment/d:metric/e:view/f:role/g", TRI_FALSE);
	expect_match("proj/*:env/*:flag/*:segment/*:metric/*:view/t*",
	    "proj/a:env/b:flag/c:segment/d:metric/e:view/f", TRI_FALSE);
	/* Six, the most one word holds. */
	expect_match("proj/*:env/*:flag/*:segment/*:metric/*:view/*",
	    "proj/a:env/b:flag/c:segment/d:metric/e:team/f", TRI_FALSE);
	expect_match("proj/*:env/*:flag/*:segment/*:metric/*:view/*",
	    "proj/a:env/b:flag/c:segment/d:metric/e:view/f", TRI_TRUE);
	/* Long chains: the last type still counts. */
	expect_match("proj/*:env/*:flag/*:segment/*:metric/*:view/*:team/*:"
	    "role/*:member/*:layer/*:holdout/*:template/*",
	    "proj/a:env/b:flag/c:segment/d:metric/e:view/f:team/g:role/h:"
	    "member/i:layer/j:holdout/k:template/l", TRI_TRUE);
	expect_match("proj/*:env/*:flag/*:segment/*:metric/*:view/*:team/*:"
	    "role/*:member/*:layer/*:holdout/*:template/*",
	    "proj/a:env/b:flag/c:segment/d:metric/e:view/f:team/g:role/h:"
	    "member/i:layer/j:holdout/k:webhook/l", TRI_FALSE);
	expect_match("a/*:b/*:c/*:d/*:e/*:f/*:g/*:h/*:i/*:j/*:k/*:l/*:m/*:"
	    "n/*:o/*:proj/*", "a/1:b/2:c/3:d/4:e/5:f/6:g/7:h/8:i/9:j/10:k/11:"
	    "l/12:m/13:n/14:o/15:env/16", TRI_FALSE);
	expect_match("proj/*:proj/*:proj/*:proj/*:proj/*:proj/*:proj/*:proj/*:"
	    "proj/*:proj/*:proj/*:proj/*:proj/*:proj/*:proj/*:proj/*",
	    "proj/1:proj/2:proj/3:proj/4:proj/5:proj/6:proj/7:proj/8:proj/9:"
	    "proj/10:proj/11:proj/12:proj/13:proj/14:proj/15:env/16", TRI_FALSE);
	expect_match("proj/*:proj/*:proj/*:proj/*:proj/*:proj/*:proj/*:proj/*:"
	    "proj/*:proj/*:proj/*", "proj/1:proj/2:proj/3:proj/4:proj/5:proj/6:"
	    "proj/7:proj/8:proj/9:proj/10:env/11", TRI_FALSE);
	/* Types whose names share a prefix. */
	expect_match("metric/*", "metric-group/a", TRI_FALSE);
	expect_match("metric-group/*", "metric-group/a", TRI_TRUE);
}

/* The name forms: literal, "*", trailing '*', any other glob. */
static void
test_match_name_forms(void **state)
{
	(void)state;
	expect_match("proj/*", "proj/a", TRI_TRUE);
	expect_match("proj/ab*", "proj/ab", TRI_TRUE);
	expect_match("proj/ab*", "proj/abc", TRI_TRUE);
	expect_match("proj/ab*", "proj/a", TRI_FALSE);
	expect_match("proj/ab*", "proj/ba", TRI_FALSE);
	expect_match("proj/ab*", "proj/xab", TRI_FALSE);
	expect_match("proj/**", "proj/a", TRI_TRUE);
	expect_match("proj/a**", "proj/a", TRI_TRUE);
	expect_match("proj/*b", "proj/ab", TRI_TRUE);
	expect_match("proj/*b", "proj/abc", TRI_FALSE);
	expect_match("proj/a*b*", "proj/axbx", TRI_TRUE);
	expect_match("proj/a*b*", "proj/axx", TRI_FALSE);
	expect_match("proj/abc", "proj/abcd", TRI_FALSE);
	expect_match("proj/abc", "proj/ab", TRI_FALSE);
}

static void
test_match_acct(void **state)
{
	(void)state;
	expect_match("acct", "acct", TRI_TRUE);
	expect_match("acct", "proj/a", TRI_FALSE);
	expect_match("proj/*", "acct", TRI_FALSE);
}

static void
test_match_case(void **state)
{
	(void)state;
	expect_match("proj/default", "proj/Default", TRI_FALSE);
	expect_match("proj/Default", "proj/Default", TRI_TRUE);
	expect_match("proj/d*", "proj/Default", TRI_FALSE);
	expect_match("proj/*;mobile", "proj/a;Mobile", TRI_FALSE);
	expect_match("proj/*;view:Web", "proj/a;view:web", TRI_FALSE);
	expect_match("proj/*;{critical:true}", "proj/a;{critical:True}",
	    TRI_FALSE);
	expect_match("proj/*;{Critical:true}", "proj/a;{critical:true}",
	    TRI_UNKNOWN);
	expect_match("integration/Datadog", "integration/datadog/1",
	    TRI_FALSE);
}

static void
test_match_globs(void **state)
{
	(void)state;
	expect_match("proj/*:env/*:flag/ops_*",
	    "proj/d:env/p:flag/ops_kill_switch", TRI_TRUE);
	expect_match("proj/*:env/*:flag/ops_*", "proj/d:env/p:flag/dev_ops",
	    TRI_FALSE);
	expect_match("proj/*:env/*:flag/*-beta*",
	    "proj/d:env/p:flag/checkout-beta", TRI_TRUE);
	/* '*' matches the empty string. */
	expect_match("proj/default*", "proj/default", TRI_TRUE);
	/* '*' spans '/'. */
	expect_match("integration/*", "integration/datadog/65a1f0c2", TRI_TRUE);
	expect_match("integration/data*2", "integration/datadog/65a1f0c2",
	    TRI_TRUE);
	expect_match("integration/*/65a1f0c2", "integration/datadog/65a1f0c2",
	    TRI_TRUE);
	expect_match("integration/*/65a1f0c2", "integration/datadog/75a1f0c2",
	    TRI_FALSE);
	expect_match("integration/datadog/*", "integration/datadog/65a1f0c2",
	    TRI_TRUE);
	expect_match("integration/datadog/*", "integration/slack/65a1f0c2",
	    TRI_FALSE);
	/* A glob never crosses a ':' segment boundary. */
	expect_match("proj/*", "proj/a:env/b", TRI_FALSE);
}

/* integration/KEY, with no '*' and no '/', covers integration/KEY/ID. */
static void
test_match_integration_key_only(void **state)
{
	(void)state;
	expect_match("integration/datadog", "integration/datadog/65a1f0c2",
	    TRI_TRUE);
	expect_match("integration/datadog", "integration/datadog", TRI_TRUE);
	expect_match("integration/datadog", "integration/datadog-eu/65a1f0c2",
	    TRI_FALSE);
	expect_match("integration/datadog", "integration/datadogx", TRI_FALSE);
	expect_match("integration/datadog", "integration/data", TRI_FALSE);
	expect_match("integration/datadog", "integration/slack/65a1f0c2",
	    TRI_FALSE);
	expect_match("proj/*:env/*:integration/fastly",
	    "proj/p:env/e:integration/fastly/64f0c0ffee", TRI_TRUE);
	/* A full KEY/ID is exact. */
	expect_match("integration/datadog/65a1f0c2",
	    "integration/datadog/65a1f0c2/x", TRI_FALSE);
	/* Other types get no such treatment. */
	expect_match("flag/ops", "flag/ops/x", TRI_FALSE);
}

static void
test_match_tags(void **state)
{
	(void)state;
	/* Comma is AND. */
	expect_match("proj/*;mobile,ios", "proj/a;mobile", TRI_FALSE);
	expect_match("proj/*;mobile,ios", "proj/a;ios", TRI_FALSE);
	expect_match("proj/*;mobile,ios", "proj/a;web,ios,mobile", TRI_TRUE);
	/* Tag globs. */
	expect_match("proj/*:env/*;qa_*", "proj/d:env/qa-east;qa_test",
	    TRI_TRUE);
	expect_match("proj/*:env/*;qa_*", "proj/d:env/qa-east;blue,qa_",
	    TRI_TRUE);
	expect_match("proj/*:env/*;qa_*", "proj/d:env/production;prod",
	    TRI_FALSE);
	/* A tag pattern against an untagged object: false, not unknown. */
	expect_match("proj/*;mobile", "proj/app", TRI_FALSE);
	/* No qualifier, no constraint. */
	expect_match("proj/*", "proj/app;mobile", TRI_TRUE);
	expect_match("proj/*", "proj/app;{critical:true},view:web", TRI_TRUE);
	/* Tags on a parent segment. */
	expect_match("proj/*;mobile:env/*", "proj/a;mobile:env/b", TRI_TRUE);
	expect_match("proj/*;mobile:env/*", "proj/a:env/b;mobile", TRI_FALSE);
	/* A tag, a view and a property of the same name are distinct. */
	expect_match("proj/*;web", "proj/a;view:web", TRI_FALSE);
	expect_match("proj/*;view:web", "proj/a;web", TRI_FALSE);
}

static void
test_match_views(void **state)
{
	(void)state;
	expect_match("proj/*:env/*:flag/*;view:web",
	    "proj/p:env/e:flag/f;view:frontend,view:web", TRI_TRUE);
	expect_match("proj/*:env/*:flag/*;view:web",
	    "proj/p:env/e:flag/f;view:backend", TRI_FALSE);
	expect_match("proj/*:env/*:flag/*;view:front*",
	    "proj/p:env/e:flag/f;view:frontend", TRI_TRUE);
	expect_match("proj/*:env/*:flag/*;view:web,view:frontend",
	    "proj/p:env/e:flag/f;view:web", TRI_FALSE);
}

static void
test_match_properties(void **state)
{
	(void)state;
	expect_match("proj/*:env/*;{critical:true}",
	    "proj/p:env/production;{critical:true}", TRI_TRUE);
	expect_match("proj/*:env/*;{critical:true}",
	    "proj/p:env/production;{critical:false}", TRI_FALSE);
	/* A property the resource does not state is unresolved. */
	expect_match("proj/*:env/*;{critical:true}", "proj/p:env/production",
	    TRI_UNKNOWN);
	expect_match("proj/*:env/*;{critical:true}",
	    "proj/p:env/production;prod", TRI_UNKNOWN);
	expect_match("proj/*:env/*;{critical:true}",
	    "proj/p:env/production;{owner:me}", TRI_UNKNOWN);
	/* Property values may be globs. */
	expect_match("proj/*;{tier:gold*}", "proj/p;{tier:gold-plus}",
	    TRI_TRUE);
	/* A property stated twice holds both values: the resource matches
	 * itself, and either value alone. */
	expect_match("proj/a;{c:j},{c:b}", "proj/a;{c:j},{c:b}", TRI_TRUE);
	expect_match("proj/*;{c:b}", "proj/a;{c:j},{c:b}", TRI_TRUE);
	expect_match("proj/*;{c:j}", "proj/a;{c:j},{c:b}", TRI_TRUE);
	expect_match("proj/*;{c:x}", "proj/a;{c:j},{c:b}", TRI_FALSE);
	expect_match("proj/*;{c:j},{c:x}", "proj/a;{c:j},{c:b}", TRI_FALSE);
}

/* ';?': qualifiers unknown; three-valued combination across segments. */
static void
test_match_unresolved(void **state)
{
	(void)state;
	expect_match("proj/*:env/*;qa_*:flag/*", "proj/p:env/e;?:flag/f",
	    TRI_UNKNOWN);
	expect_match("proj/*:env/*;{critical:true}", "proj/p:env/e;?",
	    TRI_UNKNOWN);
	expect_match("proj/*:env/*;view:web", "proj/p:env/e;?", TRI_UNKNOWN);
	/* No qualifier asked for: nothing is unknown. */
	expect_match("proj/*:env/*:flag/*", "proj/p:env/e;?:flag/f", TRI_TRUE);
	/* A name mismatch is false whatever the qualifiers. */
	expect_match("proj/*:env/qa*;qa_*", "proj/p:env/prod;?", TRI_FALSE);
	/* Unknown in one segment, false in another: false. */
	expect_match("proj/*;mobile:env/*;qa_*", "proj/p;web:env/e;?",
	    TRI_FALSE);
	expect_match("proj/*;{critical:true},mobile", "proj/p;web",
	    TRI_FALSE);
	/* Unknown and true: unknown. */
	expect_match("proj/*;mobile:env/*;qa_*", "proj/p;mobile:env/e;?",
	    TRI_UNKNOWN);
	expect_match("proj/*;{critical:true},mobile", "proj/p;mobile",
	    TRI_UNKNOWN);
}

static void
test_match_aliases(void **state)
{
	struct specifier	aliases[3];
	const struct specifier	*p;

	(void)state;
	aliases[0] = *res("proj/default:env/production;?:integration/fastly/64f0");
	aliases[1] = *res("integration/fastly/64f0");
	aliases[2] = *res("proj/default:env/production;critical:"
	    "integration/fastly/64f0");

	/* Either alias may match. */
	p = pat("integration/*");
	assert_int_equal(specifier_match_aliases(p, aliases, 2), TRI_TRUE);
	p = pat("proj/*:env/production:integration/*");
	assert_int_equal(specifier_match_aliases(p, aliases, 2), TRI_TRUE);
	p = pat("proj/*:env/staging:integration/*");
	assert_int_equal(specifier_match_aliases(p, aliases, 2), TRI_FALSE);
	/* UNKNOWN beats FALSE; TRUE beats UNKNOWN. */
	p = pat("proj/*:env/*;critical:integration/*");
	assert_int_equal(specifier_match_aliases(p, aliases, 2), TRI_UNKNOWN);
	assert_int_equal(specifier_match_aliases(p, aliases, 3), TRI_TRUE);
	assert_int_equal(specifier_match_aliases(p, &aliases[1], 1),
	    TRI_FALSE);
	/* An empty alias set matches nothing. */
	assert_int_equal(specifier_match_aliases(p, aliases, 0), TRI_FALSE);
}

static void
test_keychar(void **state)
{
	const char	*ok = "azAZ09._-", *bad = "*/:;,{}?[] $~%\x80\xff";

	(void)state;
	for (; *ok != '\0'; ok++)
		assert_true(specifier_is_keychar((unsigned char)*ok));
	for (; *bad != '\0'; bad++)
		assert_false(specifier_is_keychar((unsigned char)*bad));
	assert_false(specifier_is_keychar(0));
}

/* --------------------------------------------------------------- glob */

static int
gm(const char *p, const char *s)
{
	return glob_match(p, strlen(p), s, strlen(s));
}

static void
test_glob(void **state)
{
	(void)state;
	assert_true(gm("", ""));
	assert_false(gm("", "a"));
	assert_false(gm("a", ""));
	assert_true(gm("*", ""));
	assert_true(gm("**", ""));
	assert_true(gm("*", "anything/at:all"));
	assert_true(gm("abc", "abc"));
	assert_false(gm("abc", "abd"));
	assert_false(gm("abc", "ab"));
	assert_false(gm("ab", "abc"));
	assert_true(gm("a*", "a"));
	assert_true(gm("*a", "a"));
	assert_true(gm("*a", "ba"));
	assert_false(gm("*a", "ab"));
	assert_false(gm("a*a", "a"));
	assert_true(gm("a*a", "aa"));
	assert_true(gm("*ab", "aab"));
	assert_true(gm("*ab", "abab"));
	assert_true(gm("a*b*c", "abxbc"));
	assert_true(gm("a*b*c", "abcbc"));
	assert_false(gm("a*b*c", "abcb"));
	assert_true(gm("*x*", "/x/"));
	assert_true(gm("a/*/c", "a/b/b/c"));
	assert_true(gm("*-*-*", "a-b-c-d"));
	assert_false(gm("*-*-*", "a-b"));
	/* No other character is special. */
	assert_false(gm("?", "a"));
	assert_true(gm("?", "?"));
	assert_false(gm("[ab]", "a"));
	assert_true(gm("[ab]", "[ab]"));
	assert_false(gm("\\*", "x"));
	assert_true(gm("\\*", "\\x"));
	/* Case-sensitive. */
	assert_false(gm("ABC", "abc"));
	/* Lengths, not NULs, bound both strings. */
	assert_true(glob_match("abX", 2, "abY", 2));
	assert_false(glob_match("abc", 3, "abc", 2));
	assert_true(glob_match("a*Z", 2, "abc", 3));
	assert_true(glob_match("*", 0, "", 0));
	/* Many stars over a long non-match finishes quickly. */
	assert_false(gm("*a*a*a*a*a*a*a*a*b",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_segments),
		cmocka_unit_test(test_parse_acct),
		cmocka_unit_test(test_parse_integration),
		cmocka_unit_test(test_parse_qualifiers),
		cmocka_unit_test(test_parse_unresolved),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_typo_suggestion),
		cmocka_unit_test(test_parse_error_truncated),
		cmocka_unit_test(test_match_exact_and_depth),
		cmocka_unit_test(test_match_types),
		cmocka_unit_test(test_match_name_forms),
		cmocka_unit_test(test_match_acct),
		cmocka_unit_test(test_match_case),
		cmocka_unit_test(test_match_globs),
		cmocka_unit_test(test_match_integration_key_only),
		cmocka_unit_test(test_match_tags),
		cmocka_unit_test(test_match_views),
		cmocka_unit_test(test_match_properties),
		cmocka_unit_test(test_match_unresolved),
		cmocka_unit_test(test_match_aliases),
		cmocka_unit_test(test_keychar),
		cmocka_unit_test(test_glob),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
