/*
 * Unit tests for src/request/route.c: request-target classification,
 * docs/design.md section 1.  Cases are data; each row names what it is checking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/action.h"
#include "request/route.h"

#define IC	"/api/v2/integration-configurations"
#define CAP	"/api/v2/integration-capabilities"
#define FS	CAP "/featureStore"
#define BS	CAP "/big-segment-store"

enum {
	PASS = ROUTE_PASS, READ = ROUTE_READ, PROT = ROUTE_PROTECTED,
	BAD = ROUTE_BAD_REQUEST, FORB = ROUTE_FORBIDDEN
};

/*
 * One classification: verdict, whether intercepted, and a fragment the
 * refusal reason must contain (NULL: no reason expected).
 */
struct vcase {
	const char	*method;
	size_t		 novr;
	const char	*ovr[2];
	const char	*target;
	int		 verdict;
	int		 intercepted;
	const char	*why;
};

static const struct vcase verdict_cases[] = {
	/* Not intercepted: pass through. */
	{ "GET", 0, { NULL }, "/", PASS, 0, NULL },
	{ "GET", 0, { NULL }, "/api/v2/flags/default", PASS, 0, NULL },
	{ "PATCH", 0, { NULL }, "/api/v2/flags/default/f", PASS, 0, NULL },
	{ "DELETE", 0, { NULL }, "/api/v2/integrations/k/id", PASS, 0, NULL },
	{ "PATCH", 0, { NULL }, "/api/v2/integration-configurationsx/y",
	    PASS, 0, NULL },
	{ "PATCH", 0, { NULL }, "/api/v2/integration-capabilitie/x",
	    PASS, 0, NULL },
	{ "PATCH", 0, { NULL }, "/api/v3/integration-configurations/x",
	    PASS, 0, NULL },
	{ "PATCH", 0, { NULL }, "/api/integration-configurations/x",
	    PASS, 0, NULL },
	{ "GET", 0, { NULL }, "/x?q=%00&r=\xc3\xa9", PASS, 0, NULL },
	{ "PATCH", 0, { NULL }, "/api/v2/flags/p/f%20x", PASS, 0, NULL },
	/* Overrides outside the intercepted prefixes are not ours to judge. */
	{ "POST", 1, { "PATCH" }, "/api/v2/flags/p/f", PASS, 0, NULL },
	{ "POST", 2, { "PATCH", "GET" }, "/api/v2/flags/p/f", PASS, 0, NULL },
	{ "PUT", 1, { "PATCH" }, "/api/v2/flags/p/f", PASS, 0, NULL },
	{ "POST", 1, { "not a method" }, "/api/v2/flags", PASS, 0, NULL },

	/* Refused everywhere: the target itself is bad. */
	{ "GET", 0, { NULL }, "", BAD, 0, "origin form" },
	{ "OPTIONS", 0, { NULL }, "*", BAD, 0, "origin form" },
	{ "PATCH", 0, { NULL },
	    "https://app.launchdarkly.com" IC "/x", BAD, 0, "origin form" },
	{ "CONNECT", 0, { NULL }, "app.launchdarkly.com:443", BAD, 0,
	    "origin form" },
	{ "GET", 0, { NULL }, "/a\tb", BAD, 0, "control byte" },
	{ "GET", 0, { NULL }, "/a\x7f", BAD, 0, "control byte" },
	{ "GET", 0, { NULL }, "/a\r\nX: y", BAD, 0, "control byte" },
	{ "GET", 0, { NULL }, "/a?b\x01", BAD, 0, "control byte" },
	{ "GET", 0, { NULL }, IC "/x\x1f", BAD, 1, "control byte" },
	{ "GET", 0, { NULL }, "/a#b", BAD, 0, "fragment" },
	{ "GET", 0, { NULL }, "/a?b#c", BAD, 0, "fragment" },
	{ "PATCH", 0, { NULL }, IC "/x#y", BAD, 1, "fragment" },
	{ "GET", 0, { NULL }, "/caf\xc3\xa9", BAD, 0, "raw non-ASCII" },
	{ "PATCH", 0, { NULL }, IC "/\xc3\xa9", BAD, 1, "raw non-ASCII" },
	{ "GET", 0, { NULL }, IC "/\x80", BAD, 1, "raw non-ASCII" },

	/* Percent-decoding is bounded: 8 rounds decode, the 9th must not. */
	{ "GET", 0, { NULL }, "/%2525252525252541", PASS, 0, NULL },
	{ "GET", 0, { NULL }, "/%252525252525252541", BAD, 0,
	    "percent-encoded too many" },
	{ "GET", 0, { NULL }, "/api/v2/integration-configurations%25252525"
	    "252525252F", BAD, 1, "percent-encoded too many" },
	{ "GET", 0, { NULL }, "/%%41%4", PASS, 0, NULL },

	/* Decoded control or 8-bit bytes: refused for non-reads only. */
	{ "PATCH", 0, { NULL }, "/api/v2/flags/caf%C3%A9", BAD, 0,
	    "control or non-ASCII" },
	{ "GET", 0, { NULL }, "/api/v2/flags/caf%C3%A9", PASS, 0, NULL },
	{ "POST", 0, { NULL }, "/api/v2/flags/a%00b", BAD, 0,
	    "control or non-ASCII" },
	{ "POST", 0, { NULL }, "/api/v2/integration-capabilitie%C5%BF/x", BAD,
	    0, "control or non-ASCII" },
	{ "POST", 1, { "GET" }, "/api/v2/flags/a%0a", PASS, 0, NULL },

	/* Method itself. */
	{ "PA TCH", 0, { NULL }, "/", BAD, 0, "method" },
	{ "", 0, { NULL }, "/", BAD, 0, "method" },
	{ "ABCDEFGHIJKLMNOP", 0, { NULL }, "/", BAD, 0, "method" },
	{ "ABCDEFGHIJKLMNO", 0, { NULL }, "/", PASS, 0, NULL },

	/* Reads on intercepted paths, however spelt. */
	{ "GET", 0, { NULL }, IC "/x", READ, 1, NULL },
	{ "HEAD", 0, { NULL }, IC "/x", READ, 1, NULL },
	{ "get", 0, { NULL }, IC "/x", READ, 1, NULL },
	{ "GET", 0, { NULL }, IC, READ, 1, NULL },
	{ "GET", 0, { NULL }, CAP, READ, 1, NULL },
	{ "GET", 0, { NULL }, IC "?limit=5", READ, 1, NULL },
	{ "GET", 0, { NULL }, "//API/v2/%69ntegration-configurations//x/",
	    READ, 1, NULL },
	{ "GET", 0, { NULL }, "/../../api/v2/integration-configurations/x",
	    READ, 1, NULL },
	{ "GET", 0, { NULL }, FS "/p/e/k/id", READ, 1, NULL },

	/* Overrides on intercepted paths. */
	{ "POST", 2, { "PATCH", "PATCH" }, IC "/x", BAD, 1, "more than once" },
	{ "GET", 2, { "GET", "GET" }, IC "/x", BAD, 1, "more than once" },
	{ "PATCH", 1, { "PATCH" }, IC "/x", BAD, 1, "non-POST" },
	{ "GET", 1, { "GET" }, IC "/x", BAD, 1, "non-POST" },
	{ "PUT", 1, { "DELETE" }, IC "/x", BAD, 1, "non-POST" },
	{ "POST", 1, { "GET" }, IC "/x", BAD, 1, "tunnelled" },
	{ "POST", 1, { "head" }, IC "/x", BAD, 1, "tunnelled" },
	{ "POST", 1, { " Get\t" }, IC "/x", BAD, 1, "tunnelled" },
	{ "POST", 1, { "" }, IC "/x", BAD, 1, "not a method" },
	{ "POST", 1, { "PATCH, GET" }, IC "/x", BAD, 1, "not a method" },
	{ "POST", 1, { "PATCHPATCHPATCHX" }, IC "/x", BAD, 1,
	    "not a method" },
	/* A tunnel carries PATCH or DELETE, nothing else. */
	{ "POST", 1, { "POST" }, IC "/keys/k", BAD, 1, "PATCH or DELETE" },
	{ "POST", 1, { "post" }, FS "/p/e/k/id/validate", BAD, 1,
	    "PATCH or DELETE" },
	{ "POST", 1, { "PUT" }, FS "/p/e/k/id", BAD, 1, "PATCH or DELETE" },
	{ "POST", 1, { "OPTIONS" }, IC "/x", BAD, 1, "PATCH or DELETE" },

	/* Non-canonical spellings of an intercepted path: 400. */
	{ "PATCH", 0, { NULL }, IC "/x%2Fy", BAD, 1, "percent" },
	{ "PATCH", 0, { NULL }, IC "%2Fx", BAD, 1, "percent" },
	{ "PATCH", 0, { NULL }, IC "%252Fx", BAD, 1, "percent" },
	{ "PATCH", 0, { NULL }, "/api/v2/%69ntegration-configurations/x", BAD,
	    1, "percent" },
	{ "PATCH", 0, { NULL }, "/api/v2/foo/%2e%2e/integration-configurations/x",
	    BAD, 1, "percent" },
	{ "PATCH", 0, { NULL }, IC "%3Bfoo/x", BAD, 1, "percent" },
	{ "PATCH", 0, { NULL }, IC "/x%", BAD, 1, "percent" },
	{ "PATCH", 0, { NULL }, IC "/x%zz", BAD, 1, "percent" },
	{ "PATCH", 0, { NULL }, "/api/v2/foo/../integration-configurations/x",
	    BAD, 1, "'.' or '..'" },
	{ "PATCH", 0, { NULL }, IC "/x/..", BAD, 1, "'.' or '..'" },
	{ "PATCH", 0, { NULL }, IC "/./x", BAD, 1, "'.' or '..'" },
	{ "DELETE", 0, { NULL }, IC "/x/../y", BAD, 1, "'.' or '..'" },
	{ "PATCH", 0, { NULL }, "/../api/v2/integration-configurations/x",
	    BAD, 1, "'.' or '..'" },
	{ "PATCH", 0, { NULL }, "//api/v2/integration-configurations/x", BAD,
	    1, "empty" },
	{ "PATCH", 0, { NULL }, "/api/v2//integration-configurations/x", BAD,
	    1, "empty" },
	{ "PATCH", 0, { NULL }, IC "/x/", BAD, 1, "empty" },
	{ "PATCH", 0, { NULL }, IC "/", BAD, 1, "empty" },
	{ "POST", 0, { NULL }, IC "/keys/k/", BAD, 1, "empty" },
	{ "PATCH", 0, { NULL }, IC "/x;a=b", BAD, 1, "';'" },
	{ "PATCH", 0, { NULL }, "/api/v2;x/integration-configurations/x", BAD,
	    1, "';'" },
	{ "PATCH", 0, { NULL }, IC ";/x", BAD, 1, "';'" },
	{ "PATCH", 0, { NULL }, "/api/v2\\integration-configurations\\x",
	    BAD, 1, "'\\'" },
	{ "PATCH", 0, { NULL }, IC "\\x", BAD, 1, "'\\'" },
	{ "PATCH", 0, { NULL }, IC "/a:b", BAD, 1, "[A-Za-z0-9._-]" },
	{ "PATCH", 0, { NULL }, IC "/a~b", BAD, 1, "[A-Za-z0-9._-]" },
	{ "PATCH", 0, { NULL }, IC "/a+b", BAD, 1, "[A-Za-z0-9._-]" },
	{ "PATCH", 0, { NULL }, "/API/v2/integration-configurations/x", BAD,
	    1, "letter case" },
	{ "PATCH", 0, { NULL }, "/api/V2/integration-configurations/x", BAD,
	    1, "letter case" },
	{ "PATCH", 0, { NULL }, "/api/v2/Integration-Configurations/x", BAD,
	    1, "letter case" },
	{ "PATCH", 0, { NULL }, "/API/v2/integration-configurations/x/y/z",
	    BAD, 1, "letter case" },
	{ "PATCH", 0, { NULL }, CAP "/featurestore/p/e/k/id", BAD, 1,
	    "letter case" },
	{ "PATCH", 0, { NULL }, CAP "/Big-Segment-Store/p/e/k/id", BAD, 1,
	    "letter case" },
	{ "POST", 0, { NULL }, FS "/p/e/k/id/Validate", BAD, 1,
	    "letter case" },
	{ "POST", 0, { NULL }, IC "/KEYS/k", BAD, 1, "letter case" },
	{ "DELETE", 0, { NULL }, IC "/KEYS/k", BAD, 1, "letter case" },

	/* Canonical, intercepted, but no route: 403. */
	{ "PATCH", 0, { NULL }, FS "/p/e/k", FORB, 1, "method not allowed" },
	{ "PATCH", 0, { NULL }, IC, FORB, 1, "not a known" },
	{ "POST", 0, { NULL }, CAP, FORB, 1, "not a known" },
	{ "DELETE", 0, { NULL }, FS, FORB, 1, "not a known" },
	{ "PATCH", 0, { NULL }, FS "/p/e", FORB, 1, "not a known" },
	{ "POST", 0, { NULL }, IC "/x", FORB, 1, "method not allowed" },
	{ "PUT", 0, { NULL }, IC "/x", FORB, 1, "method not allowed" },
	{ "OPTIONS", 0, { NULL }, IC "/x", FORB, 1, "method not allowed" },
	{ "TRACE", 0, { NULL }, IC "/x", FORB, 1, "method not allowed" },
	{ "DELETE", 0, { NULL }, IC "/keys/k", FORB, 1, "method not allowed" },
	{ "PATCH", 0, { NULL }, FS "/p/e/k/id/validate", FORB, 1,
	    "method not allowed" },
	{ "POST", 0, { NULL }, BS "/p/e/k/id/validate", FORB, 1,
	    "not a known" },
	{ "POST", 0, { NULL }, BS "/p/e/k/id", FORB, 1, "method not allowed" },
	{ "PATCH", 0, { NULL }, CAP "/otherStore/p/e/k/id", FORB, 1,
	    "not a known" },
	{ "PATCH", 0, { NULL }, IC "/x/y", FORB, 1, "not a known" },
	{ "PATCH", 0, { NULL }, FS "/p/e/k/id/a/b/c/d", FORB, 1,
	    "not a known" },
	{ "POST", 1, { "PUT" }, IC "/x", BAD, 1, "PATCH or DELETE" },
};

static void
check_verdict(size_t i, const struct vcase *c)
{
	struct route_match	m;
	enum route_verdict	v;

	v = route_classify(c->method, c->novr ? c->ovr : NULL, c->novr,
	    c->target, &m);
	if ((int)v != c->verdict || (int)m.verdict != c->verdict)
		fail_msg("case %zu %s %s: verdict %d, want %d (%s)", i,
		    c->method, c->target, v, c->verdict,
		    m.reason ? m.reason : "no reason");
	if (m.intercepted != c->intercepted)
		fail_msg("case %zu %s %s: intercepted %d, want %d", i,
		    c->method, c->target, m.intercepted, c->intercepted);
	if (c->why == NULL && v != ROUTE_BAD_REQUEST && m.reason != NULL)
		fail_msg("case %zu: unexpected reason %s", i, m.reason);
	if (c->why != NULL && (m.reason == NULL ||
	    strstr(m.reason, c->why) == NULL))
		fail_msg("case %zu %s %s: reason \"%s\", want \"%s\"", i,
		    c->method, c->target, m.reason ? m.reason : "(none)",
		    c->why);
	if (v != ROUTE_PROTECTED && (m.kind != 0 || m.op != 0 ||
	    m.actions != 0 || m.id[0] != '\0' || m.key[0] != '\0'))
		fail_msg("case %zu: route fields set on a non-protected "
		    "verdict", i);
}

static void
test_verdicts(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]); i++)
		check_verdict(i, &verdict_cases[i]);
}

/* A protected route and everything it carries. */
struct pcase {
	const char	*method;
	const char	*ovr;
	const char	*target;
	int		 kind;
	int		 op;
	unsigned	 actions;
	const char	*eff;
	const char	*proj, *env, *key, *id;
};

static const struct pcase protected_cases[] = {
	{ "PATCH", NULL, FS "/p/e/k/id", ROUTE_KIND_DELIVERY, ROUTE_OP_PATCH,
	    0, "PATCH", "p", "e", "k", "id" },
	{ "DELETE", NULL, FS "/p/e/k/id", ROUTE_KIND_DELIVERY, ROUTE_OP_DELETE,
	    ACTION_DELETE_INTEGRATION, "DELETE", "p", "e", "k", "id" },
	{ "POST", NULL, FS "/p/e/k", ROUTE_KIND_DELIVERY, ROUTE_OP_CREATE,
	    ACTION_CREATE_INTEGRATION, "POST", "p", "e", "k", "" },
	{ "POST", NULL, FS "/p/e/k/id/validate", ROUTE_KIND_DELIVERY,
	    ROUTE_OP_VALIDATE, ACTION_VALIDATE_CONNECTION, "POST", "p", "e",
	    "k", "id" },
	{ "PATCH", NULL, BS "/p/e/k/id", ROUTE_KIND_BIG_SEGMENT,
	    ROUTE_OP_PATCH, 0, "PATCH", "p", "e", "k", "id" },
	{ "DELETE", NULL, BS "/p/e/k/id", ROUTE_KIND_BIG_SEGMENT,
	    ROUTE_OP_DELETE, ACTION_DELETE_INTEGRATION, "DELETE", "p", "e",
	    "k", "id" },
	{ "POST", NULL, BS "/p/e/k", ROUTE_KIND_BIG_SEGMENT, ROUTE_OP_CREATE,
	    ACTION_CREATE_INTEGRATION, "POST", "p", "e", "k", "" },
	{ "PATCH", NULL, IC "/5f3e", ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH,
	    0, "PATCH", "", "", "", "5f3e" },
	{ "DELETE", NULL, IC "/5f3e", ROUTE_KIND_INTEGRATION, ROUTE_OP_DELETE,
	    ACTION_DELETE_INTEGRATION, "DELETE", "", "", "", "5f3e" },
	{ "POST", NULL, IC "/keys/datadog", ROUTE_KIND_INTEGRATION,
	    ROUTE_OP_CREATE, ACTION_CREATE_INTEGRATION, "POST", "", "",
	    "datadog", "" },
	/* The id "keys" is an id to PATCH. */
	{ "PATCH", NULL, IC "/keys", ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH,
	    0, "PATCH", "", "", "", "keys" },
	/* "validate" in the id position is an id. */
	{ "PATCH", NULL, FS "/p/e/k/validate", ROUTE_KIND_DELIVERY,
	    ROUTE_OP_PATCH, 0, "PATCH", "p", "e", "k", "validate" },
	/* Tunnelled through the override, whatever its case and OWS. */
	{ "POST", "PATCH", IC "/x", ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH, 0,
	    "PATCH", "", "", "", "x" },
	{ "POST", " patch\t", IC "/x", ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH,
	    0, "PATCH", "", "", "", "x" },
	{ "POST", "Delete", FS "/p/e/k/id", ROUTE_KIND_DELIVERY,
	    ROUTE_OP_DELETE, ACTION_DELETE_INTEGRATION, "DELETE", "p", "e",
	    "k", "id" },
	/* A lower-case method is checked as its upper-case self. */
	{ "patch", NULL, IC "/x", ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH, 0,
	    "PATCH", "", "", "", "x" },
	/* The query is not part of the path. */
	{ "PATCH", NULL, IC "/x?y", ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH, 0,
	    "PATCH", "", "", "", "x" },
	{ "PATCH", NULL, IC "/x?a=%2F..;b\\c//", ROUTE_KIND_INTEGRATION,
	    ROUTE_OP_PATCH, 0, "PATCH", "", "", "", "x" },
	{ "PATCH", NULL, IC "/x?", ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH, 0,
	    "PATCH", "", "", "", "x" },
	/* Every parameter character, and dots that are not dot segments. */
	{ "PATCH", NULL, FS "/my_proj.v1-2/Prod/aZ09/...", ROUTE_KIND_DELIVERY,
	    ROUTE_OP_PATCH, 0, "PATCH", "my_proj.v1-2", "Prod", "aZ09", "..." },
	{ "PATCH", NULL, FS "/.p/e./.k./id", ROUTE_KIND_DELIVERY,
	    ROUTE_OP_PATCH, 0, "PATCH", ".p", "e.", ".k.", "id" },
};

static void
check_protected(size_t i, const struct pcase *c)
{
	struct route_match	 m;
	const char		*ovr[1] = { c->ovr };

	if (route_classify(c->method, c->ovr ? ovr : NULL, c->ovr ? 1 : 0,
	    c->target, &m) != ROUTE_PROTECTED)
		fail_msg("case %zu %s %s: verdict %d (%s)", i, c->method,
		    c->target, m.verdict, m.reason ? m.reason : "");
	if ((int)m.kind != c->kind || (int)m.op != c->op ||
	    m.actions != c->actions)
		fail_msg("case %zu: kind %d op %d actions %#x", i, m.kind,
		    m.op, m.actions);
	if (strcmp(m.method, c->eff) != 0 || strcmp(m.proj, c->proj) != 0 ||
	    strcmp(m.env, c->env) != 0 || strcmp(m.key, c->key) != 0 ||
	    strcmp(m.id, c->id) != 0)
		fail_msg("case %zu: method %s proj %s env %s key %s id %s", i,
		    m.method, m.proj, m.env, m.key, m.id);
	assert_int_equal(m.intercepted, 1);
	assert_null(m.reason);
}

static void
test_protected(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(protected_cases) / sizeof(protected_cases[0]);
	    i++)
		check_protected(i, &protected_cases[i]);
}

/* Parameters of exactly ROUTE_PARAM_MAX bytes pass; one more is 400. */
static void
test_param_length(void **state)
{
	struct route_match	m;
	char			target[64 + 4 * (ROUTE_PARAM_MAX + 2)];
	char			p[ROUTE_PARAM_MAX + 2];

	(void)state;
	memset(p, 'a', ROUTE_PARAM_MAX);
	p[ROUTE_PARAM_MAX] = '\0';
	snprintf(target, sizeof(target), FS "/%s/%s/%s/%s", p, p, p, p);
	assert_int_equal(route_classify("PATCH", NULL, 0, target, &m),
	    ROUTE_PROTECTED);
	assert_string_equal(m.proj, p);
	assert_string_equal(m.id, p);

	p[ROUTE_PARAM_MAX] = 'a';
	p[ROUTE_PARAM_MAX + 1] = '\0';
	snprintf(target, sizeof(target), IC "/%s", p);
	assert_int_equal(route_classify("PATCH", NULL, 0, target, &m),
	    ROUTE_BAD_REQUEST);
	assert_non_null(strstr(m.reason, "longer than 256"));
	/* A read does not care. */
	assert_int_equal(route_classify("GET", NULL, 0, target, &m),
	    ROUTE_READ);
}

/* Paths of ROUTE_PATH_MAX bytes are classified; longer ones refused. */
static void
test_path_length(void **state)
{
	struct route_match	 m;
	char			*t;
	size_t			 i;

	(void)state;
	t = malloc(ROUTE_PATH_MAX + 16);
	assert_non_null(t);
	/* "/a/a/a...": thousands of segments through the loose form. */
	for (i = 0; i < ROUTE_PATH_MAX; i++)
		t[i] = i % 2 == 0 ? '/' : 'a';
	t[ROUTE_PATH_MAX] = '\0';
	assert_int_equal(route_classify("PATCH", NULL, 0, t, &m), ROUTE_PASS);
	/* The query does not count. */
	memcpy(t + ROUTE_PATH_MAX, "?q=1", 5);
	assert_int_equal(route_classify("PATCH", NULL, 0, t, &m), ROUTE_PASS);
	t[ROUTE_PATH_MAX] = 'a';
	t[ROUTE_PATH_MAX + 1] = '\0';
	assert_int_equal(route_classify("GET", NULL, 0, t, &m),
	    ROUTE_BAD_REQUEST);
	assert_non_null(strstr(m.reason, "too long"));

	/* Dot segments popping far above the root stay at the root. */
	for (i = 0; i + 3 <= ROUTE_PATH_MAX - 64; i += 3)
		memcpy(t + i, "/..", 3);
	strcpy(t + i, "/api/v2/integration-configurations/x");
	assert_int_equal(route_classify("GET", NULL, 0, t, &m), ROUTE_READ);
	assert_int_equal(route_classify("PATCH", NULL, 0, t, &m),
	    ROUTE_BAD_REQUEST);
	assert_int_equal(m.intercepted, 1);
	free(t);
}

/* Bad arguments are a refusal, not a crash. */
static void
test_arguments(void **state)
{
	struct route_match	m;

	(void)state;
	assert_int_equal(route_classify(NULL, NULL, 0, "/", &m),
	    ROUTE_BAD_REQUEST);
	assert_int_equal(route_classify("GET", NULL, 0, NULL, &m),
	    ROUTE_BAD_REQUEST);
	assert_int_equal(route_classify("GET", NULL, 1, "/", &m),
	    ROUTE_BAD_REQUEST);
	assert_non_null(m.reason);
}

/* The effective method is reported on passthrough too. */
static void
test_effective_method(void **state)
{
	struct route_match	 m;
	const char		*ovr[] = { "patch" };

	(void)state;
	assert_int_equal(route_classify("POST", ovr, 1, "/api/v2/flags/p/f",
	    &m), ROUTE_PASS);
	assert_string_equal(m.method, "PATCH");
	assert_int_equal(route_classify("put", ovr, 1, "/api/v2/flags/p/f",
	    &m), ROUTE_PASS);
	assert_string_equal(m.method, "PUT");
	assert_int_equal(route_classify("GET", NULL, 0, IC, &m), ROUTE_READ);
	assert_string_equal(m.method, "GET");
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(route_kind_name(ROUTE_KIND_DELIVERY),
	    "integration-delivery-configuration");
	assert_string_equal(route_kind_name(ROUTE_KIND_BIG_SEGMENT),
	    "integration-big-segment-store");
	assert_string_equal(route_kind_name(ROUTE_KIND_INTEGRATION),
	    "integration");
	assert_string_equal(route_kind_name((enum route_kind)0), "");
}

/* One row of the docs' table, as route_describe gives it. */
static void
docs_row(const struct route_info *ri, char *buf, size_t len)
{
	char		 res[512] = "", tmp[160], *tok, *save = NULL;
	size_t		 used = 0;

	snprintf(tmp, sizeof(tmp), "%s", ri->resources);
	for (tok = strtok_r(tmp, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		used += (size_t)snprintf(res + used, sizeof(res) - used,
		    "%s`%s`", used ? ", " : "", tok);
	}
	if (ri->action != NULL)
		snprintf(buf, len, "| `%s` | `%s` | `%s` | `%s` | %s |",
		    ri->method, ri->path, ri->kind, ri->action, res);
	else
		snprintf(buf, len, "| `%s` | `%s` | `%s` | from the patch | %s |",
		    ri->method, ri->path, ri->kind, res);
}

/*
 * docs/design.md section 1 shows the table routing uses: the lines between
 * its "routes: begin" and "routes: end" markers are exactly the rows
 * route_describe gives, under a fixed header.
 */
static void
test_docs_table(void **state)
{
	const char	*top = getenv("top_srcdir");
	char		 path[4096], line[1024], want[1024];
	struct route_info ri;
	FILE		*f;
	size_t		 i = 0, n = 0;
	int		 in = 0, header = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/design.md", top ? top : ".");
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "<!-- routes: begin") != NULL) {
			in = 1;
			continue;
		}
		if (strstr(line, "<!-- routes: end") != NULL)
			break;
		if (!in)
			continue;
		if (header < 2) {
			header++;
			continue;
		}
		if (route_describe(i++, &ri) == -1)
			fail_msg("docs/design.md has a route past the table's "
			    "last: %s", line);
		docs_row(&ri, want, sizeof(want));
		assert_string_equal(line, want);
		n++;
	}
	fclose(f);
	assert_true(in);
	if (route_describe(n, &ri) == 0)
		fail_msg("docs/design.md lacks route %zu: %s %s", n, ri.method,
		    ri.path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_docs_table),
		cmocka_unit_test(test_protected),
		cmocka_unit_test(test_param_length),
		cmocka_unit_test(test_path_length),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_effective_method),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
