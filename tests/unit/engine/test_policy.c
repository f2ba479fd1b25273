/*
 * Tests src/policy.c, src/policyset.c, src/decide.c and src/explain.c:
 * validation of statements, roles, principals and guardrails through
 * policyset_build() with in-memory files -- every error class with its exact
 * located message, all errors of a file in one run -- and decisions with
 * their explanations (docs/policy.md sections 2-4).
 *
 * Each JSON document below is written one statement (or role, or
 * principal) per line so that the expected line:column can be checked by
 * eye: the column is where the offending value starts.
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
#include "engine/explain.h"
#include "util/jsonfile.h"
#include "util/jsonw.h"
#include "engine/policy.h"
#include "engine/policyset.h"
#include "engine/specifier.h"

#define FP_A	"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP_B	"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

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

/*
 * Builds a policy set from roles.json (and roles2.json when roles2 is not
 * NULL), principals.json and guardrails.json (when guards is not NULL).
 */
static struct policyset *
build2(const char *roles, const char *roles2, const char *principals,
    const char *guards, struct diag *d)
{
	struct jsonfile		*rf[2], *pf, *gf = NULL;
	struct policyset	*set;
	size_t			 nroles = 1;

	rf[0] = doc("roles.json", roles, d);
	if (roles2 != NULL)
		rf[nroles++] = doc("roles2.json", roles2, d);
	pf = doc("principals.json", principals, d);
	if (guards != NULL)
		gf = doc("guardrails.json", guards, d);
	set = policyset_build((const struct jsonfile *const *)rf, nroles, pf,
	    gf, d);
	/* The set keeps its own references to the documents. */
	while (nroles > 0)
		jsonfile_free(rf[--nroles]);
	jsonfile_free(pf);
	jsonfile_free(gf);
	return set;
}

static struct policyset *
build(const char *roles, const char *principals, const char *guards,
    struct diag *d)
{
	return build2(roles, NULL, principals, guards, d);
}

/* Every item as "file:line:column: level: message\n", in order. */
static char *
diag_text(const struct diag *d)
{
	char	*buf;
	size_t	 len = 0, cap = 1, i;

	for (i = 0; i < d->nitems; i++)
		cap += strlen(d->items[i].file ? d->items[i].file : "(null)") +
		    strlen(d->items[i].message) + 64;
	assert_non_null(buf = calloc(1, cap));
	for (i = 0; i < d->nitems; i++) {
		const struct diag_item	*it = &d->items[i];

		len += snprintf(buf + len, cap - len, "%s:%d:%d: %s: %s\n",
		    it->file ? it->file : "(null)", it->line, it->column,
		    it->level == DIAG_WARNING ? "warning" : "error",
		    it->message);
		assert_true(len < cap);
	}
	return buf;
}

/* The diagnostics must be exactly expected: same items, same order. */
static void
expect_diags(const struct diag *d, const char *expected)
{
	char	*got = diag_text(d);

	if (strcmp(got, expected) != 0) {
		fprintf(stderr, "diagnostics differ.\n--- got:\n%s--- expected:\n"
		    "%s---\n", got, expected);
		free(got);
		fail();
	}
	free(got);
}

/* ------------------------------------------------ statement validation */

static void
test_statement_errors(void **state)
{
	struct diag		 d;
	struct policyset	*set;

	(void)state;
	memset(&d, 0, sizeof(d));
	set = build(
	    "[{\"key\": \"r\", \"policy\": [\n"
	    " {\"effect\": \"allow\", \"resources\": [\"proj/*\"], \"actions\": [\"*\"], \"condition\": {}},\n"
	    " {\"effect\": \"Allow\", \"resources\": [\"proj/*\"], \"actions\": [\"*\"]},\n"
	    " {\"resources\": [\"proj/*\"], \"actions\": [\"*\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"proj/a\"], \"notResources\": [\"proj/b\"], \"actions\": [\"*\"]},\n"
	    " {\"effect\": \"deny\", \"actions\": [\"*\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [], \"notResources\": [], \"actions\": []},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"proj/a\", 7], \"actions\": [null]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"proj/a?\"], \"actions\": [\"update-On\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"proj/*:env/*;qa_*:/flag/*\"], \"actions\": [\"updateOn\"]},\n"
	    " {\"effect\": \"permit\", \"resources\": \"proj/a\", \"actions\": [\"updateOn\"]},\n"
	    " \"stmt\",\n"
	    " {\"effect\": 1, \"resources\": [\"proj/${roleAttribute/x\"], \"actions\": [\"\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"proj/*\"], \"actions\": [\"updateOn\"], \"notActions\": [\"updateName\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"proj/*\"]},\n"
	    " {\"effect\": \"DENY\", \"resources\": [\"proj/*\"], \"actions\": [\"*\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"proj/*\"], \"actions\": [\"*\"]}\n"
	    "]}]\n", "[]", NULL, &d);
	assert_null(set);
	expect_diags(&d,
	    "roles.json:2:78: error: role \"r\": policy[0].condition: unknown key \"condition\"\n"
	    "roles.json:3:13: error: role \"r\": policy[1].effect: \"Allow\": effect is lowercase \"allow\" or \"deny\"\n"
	    "roles.json:4:2: error: role \"r\": policy[2]: missing \"effect\"\n"
	    "roles.json:5:2: error: role \"r\": policy[3]: has both \"resources\" and \"notResources\"; use one\n"
	    "roles.json:6:2: error: role \"r\": policy[4]: needs one of \"resources\" and \"notResources\" as a non-empty array\n"
	    "roles.json:7:2: error: role \"r\": policy[5]: needs one of \"resources\" and \"notResources\" as a non-empty array\n"
	    "roles.json:7:2: error: role \"r\": policy[5]: needs one of \"actions\" and \"notActions\" as a non-empty array\n"
	    "roles.json:8:45: error: role \"r\": policy[6].resources[1]: must be a string\n"
	    "roles.json:8:61: error: role \"r\": policy[6].actions[0]: must be a string\n"
	    "roles.json:9:35: error: role \"r\": policy[7].resources[0]: invalid resource specifier \"proj/a?\": '?' in key \"a?\": '*' is the only wildcard\n"
	    "roles.json:9:59: error: role \"r\": policy[7].actions[0]: invalid action \"update-On\": invalid character '-' in action \"update-On\": letters, digits and '*' only\n"
	    "roles.json:10:35: error: role \"r\": policy[8].resources[0]: invalid resource specifier \"proj/*:env/*;qa_*:/flag/*\": invalid character ':' in tag \"qa_*:/flag/*\"; did you mean \"proj/*:env/*;qa_*:flag/*\"?\n"
	    "roles.json:11:13: error: role \"r\": policy[9].effect: must be \"allow\" or \"deny\"\n"
	    "roles.json:11:36: error: role \"r\": policy[9].resources: must be an array of strings\n"
	    "roles.json:11:2: error: role \"r\": policy[9]: needs one of \"resources\" and \"notResources\" as a non-empty array\n"
	    "roles.json:12:2: error: role \"r\": policy[10]: a statement must be an object\n"
	    "roles.json:13:13: error: role \"r\": policy[11].effect: must be \"allow\" or \"deny\"\n"
	    "roles.json:13:30: error: role \"r\": policy[11].resources[0]: invalid resource specifier \"proj/${roleAttribute/x\": malformed role attribute reference: use ${roleAttribute/NAME}\n"
	    "roles.json:13:69: error: role \"r\": policy[11].actions[0]: invalid action \"\": empty action\n"
	    "roles.json:14:2: error: role \"r\": policy[12]: has both \"actions\" and \"notActions\"; use one\n"
	    "roles.json:15:2: error: role \"r\": policy[13]: needs one of \"actions\" and \"notActions\" as a non-empty array\n"
	    "roles.json:16:13: error: role \"r\": policy[14].effect: \"DENY\": effect is lowercase \"allow\" or \"deny\"\n");
	/* Every error of the file, in one run; the last statement is fine. */
	assert_int_equal(d.nerrors, 22);
	assert_int_equal(d.nwarnings, 0);
	diag_clear(&d);
}

/* The same statement errors in guardrails, plus what only they forbid. */
static void
test_guardrail_errors(void **state)
{
	struct diag		 d;
	struct policyset	*set;

	(void)state;
	memset(&d, 0, sizeof(d));
	set = build("[]", "[]",
	    "[\n"
	    " {\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"proj/${roleAttribute/projects}:env/*:integration/*\"], \"actions\": [\"*\"]},\n"
	    " {\"effect\": \"deny\", \"notResources\": [\"integration/*\"], \"notActions\": [\"updateOn\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"], \"role\": \"x\"}\n"
	    "]\n", &d);
	assert_null(set);
	expect_diags(&d,
	    "guardrails.json:2:13: error: guardrails[0].effect: guardrails may only deny\n"
	    "guardrails.json:3:35: error: guardrails[1].resources[0]: invalid resource specifier \"proj/${roleAttribute/projects}:env/*:integration/*\": guardrails apply to everyone and cannot use role attributes\n"
	    "guardrails.json:4:2: warning: guardrails[2]: \"notResources\" with \"notActions\" applies to everything outside both lists\n"
	    "guardrails.json:5:79: error: guardrails[3].role: unknown key \"role\"\n");
	assert_int_equal(d.nerrors, 3);
	diag_clear(&d);

	set = build("[]", "[]", "{\"effect\": \"deny\"}", &d);
	assert_null(set);
	expect_diags(&d, "guardrails.json:1:1: error: guardrails: must be an "
	    "array of statements\n");
	diag_clear(&d);
}

/* Valid but risky statements load, with a warning each. */
static void
test_statement_warnings(void **state)
{
	struct diag		 d;
	struct policyset	*set;

	(void)state;
	memset(&d, 0, sizeof(d));
	set = build(
	    "[{\"key\": \"w\", \"policy\": [\n"
	    " {\"effect\": \"allow\", \"notResources\": [\"integration/*\"], \"actions\": [\"updateOn\"]},\n"
	    " {\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"notActions\": [\"updateOn\"]},\n"
	    " {\"effect\": \"deny\", \"notResources\": [\"integration/*\"], \"notActions\": [\"updateOn\"]},\n"
	    " {\"effect\": \"deny\", \"notResources\": [\"integration/*\"], \"actions\": [\"updateOn\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"notActions\": [\"updateOn\"]},\n"
	    " {\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"notResources\": [], \"actions\": [\"updateOn\"], \"notActions\": []}\n"
	    "]}]\n", "[]", NULL, &d);
	assert_non_null(set);
	expect_diags(&d,
	    "roles.json:2:2: warning: role \"w\": policy[0]: an allow with \"notResources\" grants everything outside a list, often more than meant\n"
	    "roles.json:3:2: warning: role \"w\": policy[1]: an allow with \"notActions\" grants everything outside a list, often more than meant\n"
	    "roles.json:4:2: warning: role \"w\": policy[2]: \"notResources\" with \"notActions\" applies to everything outside both lists\n");
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.nwarnings, 3);
	policyset_free(set);
	diag_clear(&d);
}

/* ---------------------------------------------------------- role files */

static void
test_role_errors(void **state)
{
	struct diag		 d;
	struct policyset	*set;

	(void)state;
	memset(&d, 0, sizeof(d));
	set = build(
	    "{\"items\": [\n"
	    "  {\"key\": \"a\", \"name\": \"Role A\", \"policy\": [], \"_id\": \"x\", \"_links\": {\"self\": {}}, \"_access\": {}},\n"
	    "  {\"key\": \"a\", \"policy\": []},\n"
	    "  {\"key\": \"b c\", \"policy\": [], \"owner\": \"me\"},\n"
	    "  {\"key\": \"d\", \"basePermissions\": \"reader\", \"policy\": []},\n"
	    "  {\"key\": \"e\", \"basePermissions\": \"no_access\", \"resourceCategory\": \"x\", \"assignedTo\": {}, \"policy\": []},\n"
	    "  {\"name\": \"nokey\", \"policy\": []},\n"
	    "  {\"key\": \"f\"},\n"
	    "  {\"key\": \"g\", \"policy\": {}},\n"
	    "  7,\n"
	    "  {\"key\": 5, \"name\": [], \"description\": 1, \"policy\": []}\n"
	    " ],\n"
	    " \"_links\": {\"self\": {\"href\": \"/api/v2/roles\"}},\n"
	    " \"totalCount\": 9,\n"
	    " \"continuation\": null\n"
	    "}\n", "[]", NULL, &d);
	assert_null(set);
	expect_diags(&d,
	    "roles.json:15:18: error: roles listing: unknown key \"continuation\"\n"
	    "roles.json:3:11: error: role \"a\": defined twice\n"
	    "roles.json:4:11: error: role \"b c\": a key holds letters, digits, '.', '_', '-'\n"
	    "roles.json:4:41: error: role \"b c\": unknown key \"owner\"\n"
	    "roles.json:5:35: warning: role \"d\": basePermissions other than \"no_access\" is ignored: ldgate grants no base permissions\n"
	    "roles.json:7:3: error: role: missing \"key\"\n"
	    "roles.json:8:3: error: role \"f\": missing \"policy\"\n"
	    "roles.json:9:26: error: role \"g\": policy: must be an array of statements\n"
	    "roles.json:10:3: error: a role must be an object\n"
	    "roles.json:11:11: error: role: \"key\" must be a string\n"
	    "roles.json:11:22: error: role \"?\": \"name\" must be a string\n"
	    "roles.json:11:41: error: role \"?\": \"description\" must be a string\n");
	assert_int_equal(d.nerrors, 11);
	assert_int_equal(d.nwarnings, 1);
	diag_clear(&d);

	/* A role key defined in two roles files. */
	set = build2("[{\"key\": \"a\", \"policy\": []}]",
	    "[{\"key\": \"b\", \"policy\": []},\n"
	    " {\"key\": \"a\", \"policy\": []}]\n", "[]", NULL, &d);
	assert_null(set);
	expect_diags(&d, "roles2.json:2:10: error: role \"a\": defined twice\n");
	diag_clear(&d);

	/* "items" must hold roles. */
	set = build("{\"items\": {}, \"totalCount\": 0}", "[]", NULL, &d);
	assert_null(set);
	expect_diags(&d, "roles.json:1:11: error: roles listing: \"items\" must "
	    "be an array of roles\n");
	diag_clear(&d);
}

/*
 * LaunchDarkly's own shapes load unchanged: the GET /api/v2/roles listing
 * with _links and totalCount, one role, or an array; read-only "_" fields
 * and metadata are ignored.
 */
static void
test_role_formats(void **state)
{
	static const char *const files[] = {
		"{\"items\": [{\"_id\": \"5f\", \"_links\": {\"self\": {\"href\": \"/api/v2/roles/ops\"}},"
		" \"_access\": {\"denied\": []}, \"_version\": 3, \"key\": \"ops\", \"name\": \"Ops\","
		" \"description\": \"Operators\", \"basePermissions\": \"no_access\","
		" \"resourceCategory\": \"integration\", \"assignedTo\": {\"membersCount\": 1},"
		" \"policy\": [{\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"actions\": [\"updateOn\"]}]}],"
		" \"_links\": {\"self\": {\"href\": \"/api/v2/roles\"}}, \"totalCount\": 1}",
		"{\"key\": \"ops\", \"name\": \"Ops\", \"description\": \"Operators\","
		" \"policy\": [{\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"actions\": [\"updateOn\"]}]}",
		"[{\"key\": \"ops\", \"name\": \"Ops\", \"description\": \"Operators\","
		" \"policy\": [{\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"actions\": [\"updateOn\"]}]}]",
	};
	struct diag		 d;
	struct policyset	*set;
	size_t			 i;

	(void)state;
	memset(&d, 0, sizeof(d));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		set = build(files[i], "[{\"name\": \"p\", \"tokens\": [\"" FP_A
		    "\"], \"roles\": [\"ops\"]}]", NULL, &d);
		if (set == NULL)
			diag_print(&d, stderr);
		assert_non_null(set);
		assert_int_equal(d.nitems, 0);
		assert_int_equal(set->nroles, 1);
		assert_string_equal(set->roles[0].key, "ops");
		assert_string_equal(set->roles[0].name, "Ops");
		assert_string_equal(set->roles[0].description, "Operators");
		assert_true(set->roles[0].valid);
		assert_int_equal(set->nprincipals, 1);
		assert_int_equal(set->principals[0].nstmts, 1);
		assert_ptr_equal(policyset_by_fingerprint(set, FP_A),
		    &set->principals[0]);
		assert_ptr_equal(policyset_by_name(set, "p"),
		    &set->principals[0]);
		assert_null(policyset_by_fingerprint(set, FP_B));
		assert_null(policyset_by_name(set, "q"));
		assert_int_equal(strlen(set->sha256), 64);
		policyset_free(set);
	}

	/* No name: the key is the name. */
	set = build("{\"key\": \"ops\", \"policy\": []}", "[]", NULL, &d);
	assert_non_null(set);
	assert_string_equal(set->roles[0].name, "ops");
	assert_null(set->roles[0].description);
	policyset_free(set);
	diag_clear(&d);
}

/* ---------------------------------------------------------- principals */

#define ROLES_PLAIN_SCOPED \
	"[\n" \
	" {\"key\": \"plain\", \"policy\": [{\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]}]},\n" \
	" {\"key\": \"scoped\", \"policy\": [{\"effect\": \"allow\", \"resources\": [\"proj/${roleAttribute/projects}:env/${roleAttribute/envs}:integration/*\"], \"actions\": [\"*\"]}]}\n" \
	"]\n"

static void
test_principal_errors(void **state)
{
	struct diag		 d;
	struct policyset	*set;

	(void)state;
	memset(&d, 0, sizeof(d));
	set = build(ROLES_PLAIN_SCOPED,
	    "[\n"
	    " {\"name\": \"ok\", \"tokens\": [\"" FP_A "\"], \"roles\": [\"plain\"]},\n"
	    " {\"name\": \"unk\", \"tokens\": [], \"roles\": [\"plain\", \"nope\", 3]},\n"
	    " {\"name\": \"attr\", \"tokens\": [], \"roles\": [\"scoped\"], \"roleAttributes\": {\"projects\": [\"checkout\"]}},\n"
	    " {\"name\": \"fp\", \"tokens\": [\"sha256:ABC\", \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", 5], \"roles\": []},\n"
	    " {\"name\": \"dup\", \"tokens\": [\"" FP_B "\"], \"roles\": [\"plain\", \"plain\"]},\n"
	    " {\"name\": \"ok\", \"tokens\": [], \"roles\": [], \"team\": \"x\"},\n"
	    " {\"tokens\": [], \"roles\": []},\n"
	    " {\"name\": \"noroles\", \"tokens\": \"" FP_A "\"},\n"
	    " {\"name\": \"badattrs\", \"tokens\": [], \"roles\": [], \"roleAttributes\": {\"a\": [], \"b\": [\"x y\", 1], \"c\": \"z\"}},\n"
	    " {\"name\": \"noattrs\", \"tokens\": [], \"roles\": [\"scoped\"]},\n"
	    " {\"name\": \"notokens\", \"roles\": [], \"roleAttributes\": []},\n"
	    " \"who\"\n"
	    "]\n", NULL, &d);
	assert_null(set);
	expect_diags(&d,
	    "principals.json:3:51: error: principal \"unk\": roles[1]: unknown role \"nope\"\n"
	    "principals.json:3:59: error: principal \"unk\": roles[2]: unknown role \"(not a string)\"\n"
	    "principals.json:4:43: error: principal \"attr\": role \"scoped\" uses role attribute \"envs\", which the principal does not define in \"roleAttributes\"\n"
	    "principals.json:5:28: error: principal \"fp\": tokens[0]: not a fingerprint: want \"sha256:\" and 64 lowercase hex digits (see ldgate fingerprint)\n"
	    "principals.json:5:42: error: principal \"fp\": tokens[1]: not a fingerprint: want \"sha256:\" and 64 lowercase hex digits (see ldgate fingerprint)\n"
	    "principals.json:5:110: error: principal \"fp\": tokens[2]: not a fingerprint: want \"sha256:\" and 64 lowercase hex digits (see ldgate fingerprint)\n"
	    "principals.json:6:124: error: principal \"dup\": roles[1]: role \"plain\" listed twice\n"
	    "principals.json:7:2: error: principal \"ok\": defined twice\n"
	    "principals.json:7:52: error: principal \"ok\": unknown key \"team\"\n"
	    "principals.json:8:2: error: principal: \"name\" must be a non-empty string\n"
	    "principals.json:9:32: error: principal \"noroles\": \"tokens\" must be an array of \"sha256:<hex>\" fingerprints\n"
	    "principals.json:9:2: error: principal \"noroles\": \"roles\" must be an array of role keys\n"
	    "principals.json:10:74: error: principal \"badattrs\": roleAttributes.a: must be a non-empty array of strings\n"
	    "principals.json:10:84: error: principal \"badattrs\": roleAttributes.b[0]: a value holds key characters and '*' only\n"
	    "principals.json:10:91: error: principal \"badattrs\": roleAttributes.b[1]: a value holds key characters and '*' only\n"
	    "principals.json:10:100: error: principal \"badattrs\": roleAttributes.c: must be a non-empty array of strings\n"
	    "principals.json:11:46: error: principal \"noattrs\": role \"scoped\" uses role attribute \"projects\", which the principal does not define in \"roleAttributes\"\n"
	    "principals.json:11:46: error: principal \"noattrs\": role \"scoped\" uses role attribute \"envs\", which the principal does not define in \"roleAttributes\"\n"
	    "principals.json:12:2: error: principal \"notokens\": missing \"tokens\"\n"
	    "principals.json:12:54: error: principal \"notokens\": \"roleAttributes\" must be an object of name: [values]\n"
	    "principals.json:13:2: error: a principal must be an object\n");
	assert_int_equal(d.nerrors, 21);
	diag_clear(&d);

	/* The file itself. */
	set = build("[]", "{}", NULL, &d);
	assert_null(set);
	expect_diags(&d, "principals.json:1:1: error: principals: the file must "
	    "hold an array of principals\n");
	diag_clear(&d);
}

static void
test_duplicate_token(void **state)
{
	struct diag		 d;
	struct policyset	*set;
	char			*got;

	(void)state;
	memset(&d, 0, sizeof(d));
	set = build(ROLES_PLAIN_SCOPED,
	    "[{\"name\": \"one\", \"tokens\": [\"" FP_B "\"], \"roles\": []},\n"
	    " {\"name\": \"two\", \"tokens\": [\"" FP_A "\", \"" FP_B "\"], \"roles\": []}]\n",
	    NULL, &d);
	assert_null(set);
	assert_int_equal(d.nerrors, 1);
	got = diag_text(&d);
	/* Located at the later place, naming the earlier holder. */
	assert_string_equal(got, "principals.json:2:104: error: principal "
	    "\"two\": tokens[1]: already held by principal \"one\"\n");
	free(got);
	diag_clear(&d);
	set = build(ROLES_PLAIN_SCOPED,
	    "[{\"name\": \"one\", \"tokens\": [\"" FP_B "\", \"" FP_B "\"], "
	    "\"roles\": []}]\n", NULL, &d);
	assert_null(set);
	got = diag_text(&d);
	assert_string_equal(got, "principals.json:1:104: error: principal "
	    "\"one\": tokens[1]: listed twice\n");
	free(got);
	diag_clear(&d);
}

/* An expansion beyond 256 specifiers is refused at compile time. */
static void
test_expansion_limit(void **state)
{
#define SEVENTEEN "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"," \
	"\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\"]"
	struct diag		 d;
	struct policyset	*set;

	(void)state;
	memset(&d, 0, sizeof(d));
	/* 17 x 17 = 289 specifiers. */
	set = build(ROLES_PLAIN_SCOPED, "[\n {\"name\": \"p\", \"tokens\": [], "
	    "\"roles\": [\"plain\", \"scoped\"], \"roleAttributes\": "
	    "{\"projects\": " SEVENTEEN ", \"envs\": " SEVENTEEN "}}\n]\n", NULL,
	    &d);
#undef SEVENTEEN
	assert_null(set);
	expect_diags(&d, "principals.json:2:49: error: principal \"p\": role "
	    "\"scoped\": policy[0]: \"proj/${roleAttribute/projects}:env/"
	    "${roleAttribute/envs}:integration/*\" expands to more than 256 "
	    "specifiers\n");
	diag_clear(&d);
}

/* --------------------------------------------------------- decisions */

static const char decide_roles[] =
    "{\"items\": [\n"
    " {\"key\": \"admin\", \"name\": \"Admin\", \"policy\": [\n"
    "  {\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/datadog/*\"], \"actions\": [\"deleteIntegration\"]}]},\n"
    " {\"key\": \"no-slack\", \"name\": \"No Slack\", \"policy\": [\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/slack/*\"], \"actions\": [\"*\"]}]},\n"
    " {\"key\": \"slack-on\", \"name\": \"Slack switch\", \"policy\": [\n"
    "  {\"effect\": \"allow\", \"resources\": [\"integration/slack/*\"], \"actions\": [\"updateOn\"]}]},\n"
    " {\"key\": \"all-but-delete\", \"policy\": [\n"
    "  {\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"notActions\": [\"deleteIntegration\"]}]},\n"
    " {\"key\": \"only-datadog-config\", \"policy\": [\n"
    "  {\"effect\": \"allow\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"notResources\": [\"integration/datadog/*\"], \"actions\": [\"updateConfiguration\"]}]},\n"
    " {\"key\": \"safe-envs\", \"policy\": [\n"
    "  {\"effect\": \"allow\", \"resources\": [\"proj/*:env/*:integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"notResources\": [\"proj/*:env/*;safe:integration/*\"], \"actions\": [\"updateOn\"]}]},\n"
    " {\"key\": \"not-critical\", \"policy\": [\n"
    "  {\"effect\": \"allow\", \"notResources\": [\"proj/*:env/*;{critical:true}:integration/*\"], \"actions\": [\"updateOn\"]}]},\n"
    " {\"key\": \"qa\", \"policy\": [\n"
    "  {\"effect\": \"allow\", \"resources\": [\"proj/*:env/*;qa_*:integration/*\"], \"actions\": [\"updateOn\"]}]},\n"
    " {\"key\": \"editor\", \"name\": \"Editor\", \"policy\": [\n"
    "  {\"effect\": \"allow\", \"resources\": [\"proj/${roleAttribute/projects}:env/${roleAttribute/envs}:integration/*\"], \"actions\": [\"updateOn\", \"updateConfiguration\"]}]},\n"
    " {\"key\": \"flags\", \"policy\": [\n"
    "  {\"effect\": \"allow\", \"resources\": [\"proj/*:env/*:flag/*\"], \"actions\": [\"update*\"]}]},\n"
    " {\"key\": \"many\", \"policy\": [\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]},\n"
    "  {\"effect\": \"deny\", \"resources\": [\"integration/*\"], \"actions\": [\"*\"]}]}\n"
    "]}\n";

static const char decide_principals[] =
    "[\n"
    " {\"name\": \"admin\", \"tokens\": [], \"roles\": [\"admin\"]},\n"
    " {\"name\": \"slack\", \"tokens\": [], \"roles\": [\"no-slack\", \"slack-on\"]},\n"
    " {\"name\": \"nodelete\", \"tokens\": [], \"roles\": [\"all-but-delete\"]},\n"
    " {\"name\": \"datadog\", \"tokens\": [], \"roles\": [\"only-datadog-config\"]},\n"
    " {\"name\": \"safe\", \"tokens\": [], \"roles\": [\"safe-envs\"]},\n"
    " {\"name\": \"qa\", \"tokens\": [], \"roles\": [\"qa\"]},\n"
    " {\"name\": \"calm\", \"tokens\": [], \"roles\": [\"not-critical\"]},\n"
    " {\"name\": \"editor\", \"tokens\": [], \"roles\": [\"editor\"], \"roleAttributes\": {\"projects\": [\"checkout\"], \"envs\": [\"staging\", \"qa-*\"]}},\n"
    " {\"name\": \"flags\", \"tokens\": [], \"roles\": [\"flags\"]},\n"
    " {\"name\": \"many\", \"tokens\": [], \"roles\": [\"many\"]},\n"
    " {\"name\": \"nobody\", \"tokens\": [], \"roles\": []}\n"
    "]\n";

static const char decide_guards[] =
    "[\n"
    " {\"effect\": \"deny\", \"resources\": [\"proj/*:env/production:integration/audit-log-hook/*\"], \"actions\": [\"updateOn\", \"deleteIntegration\"]},\n"
    " {\"effect\": \"deny\", \"resources\": [\"proj/*:env/*;{critical:true}:integration/*\"], \"actions\": [\"deleteIntegration\"]}\n"
    "]\n";

struct dfix {
	struct policyset	*set;
	struct arena		*arena;
};

static int
decide_setup(void **state)
{
	struct dfix	*f = calloc(1, sizeof(*f));
	struct diag	 d;

	memset(&d, 0, sizeof(d));
	f->set = build(decide_roles, decide_principals, decide_guards, &d);
	if (f->set == NULL || d.nerrors != 0) {
		diag_print(&d, stderr);
		return -1;
	}
	/* allow + notActions and allow + notResources earn a warning each. */
	if (d.nwarnings != 2)
		return -1;
	diag_clear(&d);
	f->arena = arena_new();
	*state = f;
	return 0;
}

static int
decide_teardown(void **state)
{
	struct dfix	*f = *state;

	policyset_free(f->set);
	arena_free(f->arena);
	free(f);
	return 0;
}

/*
 * Decides action for principal who (NULL: unknown) on the object named by
 * the NULL-terminated alias list, by bit and by name; both must agree.
 */
static void
run(struct dfix *f, const char *who, const char *action,
    struct decide_result *r, ...)
{
	struct specifier	 aliases[4];
	struct decide_result	 byname;
	const struct principal	*p = NULL;
	const char		*text;
	char			 err[SPEC_ERR_MAX];
	size_t			 n = 0;
	va_list			 ap;

	if (who != NULL)
		assert_non_null(p = policyset_by_name(f->set, who));
	va_start(ap, r);
	while ((text = va_arg(ap, const char *)) != NULL) {
		assert_true(n < 4);
		if (specifier_parse(f->arena, text, SPEC_RESOURCE, &aliases[n++],
		    err, sizeof(err)) != 0)
			fail_msg("%s: %s", text, err);
	}
	va_end(ap);
	decide(f->set, p, aliases, n, action, action_from_name(action), r);
	decide(f->set, p, aliases, n, action, 0, &byname);
	assert_int_equal(r->allow, byname.allow);
	assert_int_equal(r->implicit, byname.implicit);
	assert_int_equal(r->guardrail, byname.guardrail);
	assert_int_equal(r->nreasons, byname.nreasons);
}

/* r must hold one reason: statement index of role key (NULL: guardrail). */
static void
expect_reason(const struct decide_result *r, size_t i, const char *key,
    size_t index, int deny)
{
	assert_true(i < r->nreasons);
	if (key == NULL)
		assert_null(r->reasons[i]->role_key);
	else
		assert_string_equal(r->reasons[i]->role_key, key);
	assert_int_equal(r->reasons[i]->index, index);
	assert_int_equal(r->reasons[i]->deny, deny);
}

static void
test_decide_deny_beats_allow(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;

	run(f, "admin", "deleteIntegration", &r, "integration/datadog/1", NULL);
	assert_false(r.allow);
	assert_false(r.implicit);
	assert_false(r.guardrail);
	assert_int_equal(r.nreasons, 1);
	expect_reason(&r, 0, "admin", 1, 1);
	assert_string_equal(r.reasons[0]->role_name, "Admin");

	/* The allow alone decides elsewhere. */
	run(f, "admin", "deleteIntegration", &r, "integration/slack/1", NULL);
	assert_true(r.allow);
	assert_int_equal(r.nreasons, 1);
	expect_reason(&r, 0, "admin", 0, 0);
	run(f, "admin", "updateOn", &r, "integration/datadog/1", NULL);
	assert_true(r.allow);
	expect_reason(&r, 0, "admin", 0, 0);
}

/* A deny in one role does not cancel another role's allow. */
static void
test_decide_roles_cumulative(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;

	run(f, "slack", "updateOn", &r, "integration/slack/1", NULL);
	assert_true(r.allow);
	assert_int_equal(r.nreasons, 1);
	expect_reason(&r, 0, "slack-on", 0, 0);
	assert_string_equal(r.reasons[0]->role_name, "Slack switch");
	assert_int_equal(r.reasons[0]->role, 1);

	/* Only the denying role applies: deny, explained by it. */
	run(f, "slack", "updateName", &r, "integration/slack/1", NULL);
	assert_false(r.allow);
	assert_false(r.implicit);
	expect_reason(&r, 0, "no-slack", 0, 1);
	assert_string_equal(r.reasons[0]->role_name, "No Slack");
}

static void
test_decide_guardrails(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;

	/* Beats the admin's allow. */
	run(f, "admin", "updateOn", &r,
	    "proj/p:env/production:integration/audit-log-hook/1",
	    "integration/audit-log-hook/1", NULL);
	assert_false(r.allow);
	assert_true(r.guardrail);
	assert_false(r.implicit);
	assert_int_equal(r.nreasons, 1);
	expect_reason(&r, 0, NULL, 0, 1);
	assert_string_equal(r.reasons[0]->role_name, "guardrails");

	/* Not in staging, and not for other actions. */
	run(f, "admin", "updateOn", &r,
	    "proj/p:env/staging:integration/audit-log-hook/1",
	    "integration/audit-log-hook/1", NULL);
	assert_true(r.allow);
	run(f, "admin", "updateConfiguration", &r,
	    "proj/p:env/production:integration/audit-log-hook/1",
	    "integration/audit-log-hook/1", NULL);
	assert_true(r.allow);

	/* Unresolved properties make a guardrail apply. */
	run(f, "admin", "deleteIntegration", &r,
	    "proj/p:env/e;?:integration/slack/1", "integration/slack/1", NULL);
	assert_false(r.allow);
	assert_true(r.guardrail);
	expect_reason(&r, 0, NULL, 1, 1);
	run(f, "admin", "deleteIntegration", &r,
	    "proj/p:env/e;{critical:false}:integration/slack/1",
	    "integration/slack/1", NULL);
	assert_true(r.allow);
	/* Unstated property: unknown, so the guardrail applies. */
	run(f, "admin", "deleteIntegration", &r,
	    "proj/p:env/e:integration/slack/1", "integration/slack/1", NULL);
	assert_false(r.allow);
	assert_true(r.guardrail);

	/* Guardrails deny the unknown principal too, explicitly. */
	run(f, NULL, "updateOn", &r,
	    "proj/p:env/production:integration/audit-log-hook/1", NULL);
	assert_false(r.allow);
	assert_true(r.guardrail);
	assert_false(r.implicit);
}

static void
test_decide_not_actions(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;

	run(f, "nodelete", "updateConfiguration", &r, "integration/x/1", NULL);
	assert_true(r.allow);
	expect_reason(&r, 0, "all-but-delete", 0, 0);
	run(f, "nodelete", "createIntegration", &r, "integration/x", NULL);
	assert_true(r.allow);
	/* Actions outside the integration set, matched by name. */
	run(f, "nodelete", "updateTags", &r, "integration/x/1", NULL);
	assert_true(r.allow);
	run(f, "nodelete", "deleteIntegration", &r, "integration/x/1", NULL);
	assert_false(r.allow);
	assert_true(r.implicit);
	assert_int_equal(r.nreasons, 0);
	/* The resource clause still holds. */
	run(f, "nodelete", "updateOn", &r, "proj/p:env/e:integration/x/1",
	    NULL);
	assert_false(r.allow);
	assert_true(r.implicit);
}

static void
test_decide_not_resources(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;

	run(f, "datadog", "updateConfiguration", &r, "integration/datadog/1",
	    NULL);
	assert_true(r.allow);
	run(f, "datadog", "updateConfiguration", &r, "integration/slack/1",
	    NULL);
	assert_false(r.allow);
	assert_false(r.implicit);
	expect_reason(&r, 0, "only-datadog-config", 1, 1);
	run(f, "datadog", "updateOn", &r, "integration/slack/1", NULL);
	assert_true(r.allow);

	/* notResources over an alias set: no alias may match. */
	run(f, "safe", "updateOn", &r, "proj/p:env/e;safe:integration/x/1",
	    "integration/x/1", NULL);
	assert_true(r.allow);
	run(f, "safe", "updateOn", &r, "proj/p:env/e;other:integration/x/1",
	    "integration/x/1", NULL);
	assert_false(r.allow);
	expect_reason(&r, 0, "safe-envs", 1, 1);
	/* Unknown under notResources stays unknown: the deny applies. */
	run(f, "safe", "updateOn", &r, "proj/p:env/e;?:integration/x/1",
	    "integration/x/1", NULL);
	assert_false(r.allow);
	assert_false(r.implicit);
	expect_reason(&r, 0, "safe-envs", 1, 1);

	/* An allow with notResources: unknown does not allow. */
	run(f, "calm", "updateOn", &r,
	    "proj/p:env/e;{critical:false}:integration/x/1", NULL);
	assert_true(r.allow);
	expect_reason(&r, 0, "not-critical", 0, 0);
	run(f, "calm", "updateOn", &r,
	    "proj/p:env/e;{critical:true}:integration/x/1", NULL);
	assert_false(r.allow);
	assert_true(r.implicit);
	run(f, "calm", "updateOn", &r, "proj/p:env/e;?:integration/x/1", NULL);
	assert_false(r.allow);
	assert_true(r.implicit);
	run(f, "calm", "updateOn", &r, "proj/p:env/e:integration/x/1", NULL);
	assert_false(r.allow);
	/* Every other object, of any type, is outside the list. */
	run(f, "calm", "updateOn", &r, "integration/x/1", NULL);
	assert_true(r.allow);
}

/* An allow never applies on an unknown match. */
static void
test_decide_unresolved_allow(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;

	run(f, "qa", "updateOn", &r, "proj/p:env/e;qa_east:integration/x/1",
	    NULL);
	assert_true(r.allow);
	run(f, "qa", "updateOn", &r, "proj/p:env/e;?:integration/x/1", NULL);
	assert_false(r.allow);
	assert_true(r.implicit);
	run(f, "qa", "updateOn", &r, "proj/p:env/e;prod:integration/x/1",
	    NULL);
	assert_false(r.allow);
}

static void
test_decide_role_attributes(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;
	const struct principal	*p;
	const struct role	*role = NULL;
	size_t			 i;

	run(f, "editor", "updateConfiguration", &r,
	    "proj/checkout:env/staging:integration/fastly/1",
	    "integration/fastly/1", NULL);
	assert_true(r.allow);
	expect_reason(&r, 0, "editor", 0, 0);
	run(f, "editor", "updateOn", &r,
	    "proj/checkout:env/qa-east:integration/fastly/1", NULL);
	assert_true(r.allow);
	run(f, "editor", "updateOn", &r,
	    "proj/checkout:env/production:integration/fastly/1", NULL);
	assert_false(r.allow);
	assert_true(r.implicit);
	run(f, "editor", "updateOn", &r,
	    "proj/search:env/staging:integration/fastly/1", NULL);
	assert_false(r.allow);
	run(f, "editor", "deleteIntegration", &r,
	    "proj/checkout:env/staging:integration/fastly/1", NULL);
	assert_false(r.allow);

	/* One statement, expanded to 1 x 2 specifiers. */
	p = policyset_by_name(f->set, "editor");
	assert_int_equal(p->nstmts, 1);
	assert_int_equal(p->stmts[0].nres, 2);
	assert_string_equal(p->stmts[0].res[0].text,
	    "proj/checkout:env/staging:integration/*");
	assert_string_equal(p->stmts[0].res[1].text,
	    "proj/checkout:env/qa-*:integration/*");
	/* The role records each attribute it uses once. */
	for (i = 0; i < f->set->nroles; i++)
		if (strcmp(f->set->roles[i].key, "editor") == 0)
			role = &f->set->roles[i];
	assert_non_null(role);
	assert_int_equal(json_array_size(role->attrs_used), 2);
	assert_string_equal(json_string_value(json_array_get(role->attrs_used,
	    0)), "projects");
	assert_string_equal(json_string_value(json_array_get(role->attrs_used,
	    1)), "envs");
}

static void
test_decide_by_name(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;

	run(f, "flags", "updateTargets", &r, "proj/p:env/e:flag/f", NULL);
	assert_true(r.allow);
	run(f, "flags", "deleteFlag", &r, "proj/p:env/e:flag/f", NULL);
	assert_false(r.allow);
	/* Actions are case-sensitive. */
	run(f, "flags", "UpdateTargets", &r, "proj/p:env/e:flag/f", NULL);
	assert_false(r.allow);
}

/* Unknown principal, or one whose roles say nothing: implicit deny. */
static void
test_decide_implicit(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;

	run(f, NULL, "updateOn", &r, "integration/datadog/1", NULL);
	assert_false(r.allow);
	assert_true(r.implicit);
	assert_false(r.guardrail);
	assert_int_equal(r.nreasons, 0);
	run(f, "nobody", "updateOn", &r, "integration/datadog/1", NULL);
	assert_false(r.allow);
	assert_true(r.implicit);
	run(f, "admin", "updateOn", &r, "proj/p:env/e:integration/x/1", NULL);
	assert_false(r.allow);
	assert_true(r.implicit);
}

static void
test_decide_many_reasons(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;

	run(f, "many", "updateOn", &r, "integration/x/1", NULL);
	assert_false(r.allow);
	assert_int_equal(r.nreasons, DECIDE_MAX_REASONS);
	assert_int_equal(r.nmore, 10 - DECIDE_MAX_REASONS);
	expect_reason(&r, 0, "many", 0, 1);
	expect_reason(&r, DECIDE_MAX_REASONS - 1, "many",
	    DECIDE_MAX_REASONS - 1, 1);
}

/* -------------------------------------------------------- explanation */

static void
expect_json(json_t *got, const char *want_text)
{
	json_error_t	 err;
	json_t		*want = json_loads(want_text, 0, &err);
	char		*g;

	if (want == NULL)
		fail_msg("bad expected JSON: %s", err.text);
	if (!json_equal(got, want)) {
		g = json_dumps(got, JSON_SORT_KEYS);
		fprintf(stderr, "got:      %s\nexpected: %s\n", g, want_text);
		free(g);
		fail();
	}
	json_decref(want);
}

/*
 * explain_write (the audit record's text, from reasons precomputed at
 * load) must say exactly what explain_access (the 403 body) says.
 */
static void
expect_same_text(const char *action, const char *resource,
    const struct decide_result *r)
{
	json_t		*allowed = json_array(), *denied = json_array(), *got;
	struct jsonw	 w;
	char		*text;
	size_t		 len;
	int		 first = 1;

	explain_access(allowed, denied, action, resource, r);
	jsonw_init(&w, 0);
	jsonw_lit(&w, "[");
	explain_write(&w, &first, action, resource, r);
	jsonw_lit(&w, "]");
	assert_non_null(text = jsonw_finish(&w, &len));
	assert_int_equal(strlen(text), len);
	if ((got = json_loads(text, 0, NULL)) == NULL)
		fail_msg("not JSON: %s", text);
	if (!json_equal(got, r->allow ? allowed : denied))
		fail_msg("explain_write differs: %s", text);
	free(text);
	json_decref(got);
	json_decref(allowed);
	json_decref(denied);
}

static void
test_explain(void **state)
{
	struct dfix		*f = *state;
	struct decide_result	 r;
	json_t			*allowed, *denied;

	/* Allowed: the statement as written with its role. */
	allowed = json_array();
	denied = json_array();
	run(f, "slack", "updateOn", &r, "integration/slack/1", NULL);
	explain_access(allowed, denied, "updateOn", "integration/slack/1", &r);
	expect_same_text("updateOn", "integration/slack/1", &r);
	expect_json(allowed, "[{\"action\": \"updateOn\", \"resource\": "
	    "\"integration/slack/1\", \"reason\": {\"effect\": \"allow\", "
	    "\"resources\": [\"integration/slack/*\"], \"actions\": "
	    "[\"updateOn\"], \"role_name\": \"Slack switch\", \"role_key\": "
	    "\"slack-on\"}}]");
	expect_json(denied, "[]");

	/* Denied by a role, then by a guardrail. */
	run(f, "admin", "deleteIntegration", &r, "integration/datadog/1", NULL);
	explain_access(allowed, denied, "deleteIntegration",
	    "integration/datadog/1", &r);
	expect_same_text("deleteIntegration", "integration/datadog/1", &r);
	run(f, "admin", "updateOn", &r,
	    "proj/p:env/production:integration/audit-log-hook/1", NULL);
	explain_access(allowed, denied, "updateOn", "proj/p:env/production:"
	    "integration/audit-log-hook/1", &r);
	expect_same_text("updateOn", "proj/p:env/production:"
	    "integration/audit-log-hook/1", &r);
	expect_json(denied, "["
	    "{\"action\": \"deleteIntegration\", \"resource\": "
	    "\"integration/datadog/1\", \"reason\": {\"effect\": \"deny\", "
	    "\"resources\": [\"integration/datadog/*\"], \"actions\": "
	    "[\"deleteIntegration\"], \"role_name\": \"Admin\", \"role_key\": "
	    "\"admin\"}},"
	    "{\"action\": \"updateOn\", \"resource\": \"proj/p:env/production:"
	    "integration/audit-log-hook/1\", \"reason\": {\"effect\": \"deny\", "
	    "\"resources\": [\"proj/*:env/production:integration/"
	    "audit-log-hook/*\"], \"actions\": [\"updateOn\", "
	    "\"deleteIntegration\"], \"role_name\": \"guardrails\", "
	    "\"guardrail\": true}}]");
	json_decref(allowed);
	json_decref(denied);

	/* Implicit deny: no reason, marked implicit. */
	allowed = json_array();
	denied = json_array();
	run(f, NULL, "updateOn", &r, "integration/slack/1", NULL);
	explain_access(allowed, denied, "updateOn", "integration/slack/1", &r);
	expect_same_text("updateOn", "integration/slack/1", &r);
	expect_json(denied, "[{\"action\": \"updateOn\", \"resource\": "
	    "\"integration/slack/1\", \"reason\": null, \"implicit\": true}]");
	expect_json(allowed, "[]");
	json_decref(denied);

	/* More deciding statements than kept are counted. */
	denied = json_array();
	run(f, "many", "updateOn", &r, "integration/x/1", NULL);
	explain_access(allowed, denied, "updateOn", "integration/x/1", &r);
	expect_same_text("updateOn", "integration/x/1", &r);
	assert_int_equal(json_array_size(denied), DECIDE_MAX_REASONS + 1);
	expect_json(json_array_get(denied, DECIDE_MAX_REASONS),
	    "{\"action\": \"updateOn\", \"resource\": \"integration/x/1\", "
	    "\"moreStatements\": 2}");
	json_decref(allowed);
	json_decref(denied);
}

int
main(void)
{
	const struct CMUnitTest load_tests[] = {
		cmocka_unit_test(test_statement_errors),
		cmocka_unit_test(test_guardrail_errors),
		cmocka_unit_test(test_statement_warnings),
		cmocka_unit_test(test_role_errors),
		cmocka_unit_test(test_role_formats),
		cmocka_unit_test(test_principal_errors),
		cmocka_unit_test(test_duplicate_token),
		cmocka_unit_test(test_expansion_limit),
	};
	const struct CMUnitTest decide_tests[] = {
		cmocka_unit_test(test_decide_deny_beats_allow),
		cmocka_unit_test(test_decide_roles_cumulative),
		cmocka_unit_test(test_decide_guardrails),
		cmocka_unit_test(test_decide_not_actions),
		cmocka_unit_test(test_decide_not_resources),
		cmocka_unit_test(test_decide_unresolved_allow),
		cmocka_unit_test(test_decide_role_attributes),
		cmocka_unit_test(test_decide_by_name),
		cmocka_unit_test(test_decide_implicit),
		cmocka_unit_test(test_decide_many_reasons),
		cmocka_unit_test(test_explain),
	};
	int	rc;

	rc = cmocka_run_group_tests_name("load", load_tests, NULL, NULL);
	rc |= cmocka_run_group_tests_name("decide", decide_tests, decide_setup,
	    decide_teardown);
	return rc;
}
