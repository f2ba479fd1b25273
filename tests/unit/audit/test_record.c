/*
 * jsonw.c and record.c: the audit records are written as text, without
 * jansson.  The text must be the JSON jansson would have written (the
 * trail's readers parse it; its hash chain covers the bytes), escape what
 * JSON requires, stay valid JSON whatever bytes a request carried, and say
 * what the decision said.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "request/access.h"
#include "engine/action.h"
#include "util/diag.h"
#include "util/jsonfile.h"
#include "util/jsonw.h"
#include "engine/policyset.h"
#include "audit/record.h"
#include "audit/redact.h"

#define FP	"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* What jsonw_strn writes for s, NUL-terminated (caller frees). */
static char *
jsonw_text(const char *s, size_t n)
{
	struct jsonw	 w;
	char		*text;
	size_t		 len;

	jsonw_init(&w, 0);
	jsonw_strn(&w, s, n);
	assert_non_null(text = jsonw_finish(&w, &len));
	assert_int_equal(strlen(text), len);
	return text;
}

/* Every byte jansson accepts in a string is written as jansson does. */
static void
test_strings_as_jansson(void **state)
{
	static const char *const cases[] = {
		"", "plain", "q\"uote", "back\\slash", "sl/ash", "del\x7f",
		"tab\tnl\nlf\rff\fbs\b", "\x01\x02\x1f", "caf\xc3\xa9",
		"\xe2\x82\xac euro", "\xf0\x9f\x98\x80 emoji", "\xef\xbf\xbd",
		"\xf4\x8f\xbf\xbf", "end\\",
	};
	char		 all[32];
	json_t		*j;
	char		*want, *got;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_non_null(j = json_string(cases[i]));
		want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		got = jsonw_text(cases[i], strlen(cases[i]));
		assert_string_equal(got, want);
		free(want);
		free(got);
		json_decref(j);
	}
	/* Every control character. */
	for (i = 0; i < 31; i++)
		all[i] = (char)(i + 1);
	all[31] = '\0';
	assert_non_null(j = json_string(all));
	want = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	got = jsonw_text(all, 31);
	assert_string_equal(got, want);
	free(want);
	free(got);
	json_decref(j);
}

/* Bytes that are not UTF-8 become U+FFFD each; the text stays JSON. */
static void
test_strings_not_utf8(void **state)
{
	static const struct {
		const char	*in;
		const char	*want;	/* the decoded string */
	} cases[] = {
		{ "a\xff" "b", "a\xef\xbf\xbd" "b" },
		{ "\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd" },	/* cut short */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong */
		{ "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		    "\xef\xbf\xbd" },				/* > U+10FFFF */
		{ "\x80x\"", "\xef\xbf\xbdx\"" },
	};
	json_t	*j;
	char	*got;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = jsonw_text(cases[i].in, strlen(cases[i].in));
		if ((j = json_loads(got, JSON_DECODE_ANY, NULL)) == NULL)
			fail_msg("case %zu: not JSON: %s", i, got);
		assert_string_equal(json_string_value(j), cases[i].want);
		json_decref(j);
		free(got);
	}
}

/* Any value: the same text as json_dumps, objects in insertion order. */
static void
test_values_as_jansson(void **state)
{
	static const char *const docs[] = {
		"{\"op\":\"replace\",\"path\":\"/config/url\",\"value\":"
		"\"hmac-sha256:00ff\"}",
		"[1,-2,true,false,null,\"x\",[],{},{\"z\":{\"a\":[{}]}}]",
		"{\"zeta\":1,\"alpha\":2,\"mid\":[3.5,1e+100,-0.25]}",
		"{\"k\\u0001\\\"\":\"\\u00e9\\n\"}",
	};
	struct jsonw	 w;
	json_t		*j;
	char		*want, *got;
	size_t		 i, len;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		assert_non_null(j = json_loads(docs[i], 0, NULL));
		want = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		jsonw_init(&w, 0);
		jsonw_value(&w, j);
		assert_non_null(got = jsonw_finish(&w, &len));
		assert_string_equal(got, want);
		free(want);
		free(got);
		json_decref(j);
	}
	/* NULL is null. */
	jsonw_init(&w, 0);
	jsonw_value(&w, NULL);
	assert_non_null(got = jsonw_finish(&w, &len));
	assert_string_equal(got, "null");
	free(got);
}

/* ------------------------------------------------------------ records */

struct fix {
	struct policyset	*set;
	const struct principal	*p;
	struct redact		*redact;
	char			 dir[64];
	char			 key[96];
};

static struct jsonfile *
doc(const char *name, const char *text, struct diag *d)
{
	struct jsonfile	*jf = jsonfile_load_buffer(name, text, strlen(text), d);

	assert_non_null(jf);
	return jf;
}

static int
setup(void **state)
{
	struct fix	*f = calloc(1, sizeof(*f));
	struct jsonfile	*rf, *pf;
	struct diag	 d;
	char		 err[256];

	memset(&d, 0, sizeof(d));
	rf = doc("roles.json", "[{\"key\": \"ops\", \"name\": \"Ops \\\"on\\\"\","
	    " \"policy\": ["
	    "{\"effect\": \"deny\", \"resources\": [\"integration/x/*\"],"
	    " \"actions\": [\"deleteIntegration\"]},"
	    "{\"effect\": \"allow\", \"resources\": [\"integration/*\"],"
	    " \"actions\": [\"update*\"]}]}]", &d);
	pf = doc("principals.json", "[{\"name\": \"ops\", \"tokens\": [\"" FP
	    "\"], \"roles\": [\"ops\"]}, {\"name\": \"ops2\", \"tokens\": [],"
	    " \"roles\": [\"ops\"]}]", &d);
	f->set = policyset_build((const struct jsonfile *const *)&rf, 1, pf,
	    NULL, &d);
	jsonfile_free(rf);
	jsonfile_free(pf);
	assert_non_null(f->set);
	assert_non_null(f->p = policyset_by_name(f->set, "ops"));
	snprintf(f->dir, sizeof(f->dir), "/tmp/ldgate-test-record.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->key, sizeof(f->key), "%s/key", f->dir);
	f->redact = redact_open(f->key, 1, err, sizeof(err));
	if (f->redact == NULL)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;

	policyset_free(f->set);
	redact_free(f->redact);
	unlink(f->key);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The record's text (consumed) with the writer's closing brace, parsed. */
static json_t *
parse_record(char *text, size_t len)
{
	json_t	*j;
	char	*line;

	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_non_null(line = malloc(len + 2));
	memcpy(line, text, len);
	memcpy(line + len, "}", 2);
	if ((j = json_loads(line, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		fail_msg("not JSON: %s", line);
	free(line);
	free(text);
	return j;
}

static const char *
get_str(json_t *j, const char *path)
{
	char	 key[64];
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		j = json_object_get(j, key);
		path = dot + 1;
	}
	return json_string_value(json_object_get(j, path));
}

static void
test_decision_record(void **state)
{
	struct fix		*f = *state;
	struct route_match	 m;
	struct access_object	 obj;
	struct access_verdict	 v;
	struct record_facts	 rf;
	json_t			*rec, *want, *allowed, *denied, *delta;
	char			*text;
	size_t			 len;
	unsigned		 actions = ACTION_UPDATE_ON |
					 ACTION_DELETE_INTEGRATION;

	assert_int_equal(route_classify("DELETE", NULL, 0,
	    "/api/v2/integration-configurations/abc", &m), ROUTE_PROTECTED);
	access_object(&obj, &m, "x");
	assert_int_equal(access_decide(f->set, f->p, &obj, actions, &v), 0);

	delta = json_loads("[{\"op\":\"remove\",\"path\":\"/on\"},"
	    "{\"op\":\"replace\",\"path\":\"/config/x\",\"value\":"
	    "\"s3cr3t\"}]", 0, NULL);
	assert_non_null(delta);
	memset(&rf, 0, sizeof(rf));
	rf.id = "0123456789abcdef01234567";
	rf.kind = "integration-configuration";
	rf.method = "DELETE";
	rf.path = "/api/v2/integration-configurations/abc?q=\"\xff\"";
	rf.ld_api_version = NULL;
	rf.client = "127.0.0.1:5555";
	rf.principal = "ops";
	rf.fingerprint = FP;
	rf.token = "api-0123456789abcdef";
	rf.obj = &obj;
	rf.actions = actions;
	rf.comment = "line\nbreak";
	rf.ops = delta;
	rf.redact = f->redact;
	rf.decision = "deny";
	rf.mode = "enforce";
	rf.verdict = &v;
	rf.status = 403;
	rf.message = "denied";
	rf.policy_sha256 = "ab12";
	text = record_decision(&rf, &len);
	/* The secret is redacted in the record, and only there. */
	assert_null(strstr(text, "s3cr3t"));
	rec = parse_record(text, len);
	/* The request's own patch is untouched. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    delta, 1), "value")), "s3cr3t");
	json_decref(delta);
	assert_int_equal(strncmp(json_string_value(json_object_get(
	    json_array_get(json_object_get(rec, "delta"), 1), "value")),
	    REDACT_PREFIX, strlen(REDACT_PREFIX)), 0);

	/* Keys in docs/audit.md's order, _id first. */
	assert_string_equal(json_object_iter_key(json_object_iter(rec)),
	    "_id");
	assert_string_equal(get_str(rec, "_id"), rf.id);
	assert_string_equal(get_str(rec, "event"), "decision");
	assert_true(json_is_integer(json_object_get(rec, "date")));
	assert_string_equal(get_str(rec, "token.fingerprint"), FP);
	assert_string_equal(get_str(rec, "token.ending"), "cdef");
	assert_string_equal(get_str(rec, "http.path"),
	    "/api/v2/integration-configurations/abc?q=\"\xef\xbf\xbd\"");
	assert_true(json_is_null(json_object_get(json_object_get(rec, "http"),
	    "ldApiVersion")));
	assert_string_equal(get_str(rec, "comment"), "line\nbreak");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(rec, "delta"), 0), "path")), "/on");
	assert_int_equal(json_integer_value(json_object_get(rec, "status")),
	    403);
	assert_string_equal(get_str(rec, "message"), "denied");
	assert_string_equal(get_str(rec, "policy.sha256"), "ab12");
	want = json_pack("[{s:s, s:s}, {s:s, s:s}]", "action",
	    "deleteIntegration", "resource", "integration/x/abc", "action",
	    "updateOn", "resource", "integration/x/abc");
	assert_true(json_equal(json_object_get(rec, "accesses"), want));
	json_decref(want);

	/* The reason is what the 403 body's explanation says. */
	allowed = json_array();
	denied = json_array();
	access_explain(&v, &obj, allowed, denied);
	want = json_pack("{s:o, s:o}", "allowed", allowed, "denied", denied);
	assert_int_equal(json_array_size(allowed), 1);
	assert_int_equal(json_array_size(denied), 1);
	assert_true(json_equal(json_object_get(rec, "reason"), want));
	assert_string_equal(get_str(json_array_get(denied, 0),
	    "reason.role_name"), "Ops \"on\"");
	json_decref(want);
	json_decref(rec);

	/* Not decided, no token ending for a short token, no status. */
	rf.obj = NULL;
	rf.verdict = NULL;
	rf.ops = NULL;
	rf.token = "short";
	rf.status = 0;
	rf.message = NULL;
	rf.decision = "refused";
	text = record_decision(&rf, &len);
	rec = parse_record(text, len);
	assert_true(json_is_null(json_object_get(rec, "reason")));
	assert_true(json_is_null(json_object_get(rec, "delta")));
	assert_int_equal(json_array_size(json_object_get(rec, "accesses")), 0);
	assert_true(json_is_null(json_object_get(json_object_get(rec, "token"),
	    "ending")));
	assert_null(json_object_get(rec, "status"));
	assert_null(json_object_get(rec, "message"));
	json_decref(rec);
}

/* A role's reason texts are made once, whoever holds the role. */
static void
test_reason_shared(void **state)
{
	struct fix		*f = *state;
	const struct principal	*p2;
	size_t			 i;

	assert_non_null(p2 = policyset_by_name(f->set, "ops2"));
	assert_int_equal(f->p->nstmts, 2);
	assert_int_equal(p2->nstmts, 2);
	for (i = 0; i < 2; i++) {
		assert_non_null(f->p->stmts[i].reason_text);
		assert_ptr_equal(f->p->stmts[i].reason_text,
		    p2->stmts[i].reason_text);
	}
}

static void
test_outcome_record(void **state)
{
	json_t	*rec;
	char	*text;
	size_t	 len;

	(void)state;
	text = record_outcome("id1", "feature-store", 204, NULL, 12, &len);
	rec = parse_record(text, len);
	assert_string_equal(get_str(rec, "event"), "outcome");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rec,
	    "upstream"), "status")), 204);
	assert_true(json_is_null(json_object_get(json_object_get(rec,
	    "upstream"), "code")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rec,
	    "upstream"), "latencyMs")), 12);
	json_decref(rec);
	text = record_outcome("id2", NULL, 0, "upstream_timeout", 5000, &len);
	rec = parse_record(text, len);
	assert_true(json_is_null(json_object_get(rec, "kind")));
	assert_true(json_is_null(json_object_get(json_object_get(rec,
	    "upstream"), "status")));
	assert_string_equal(get_str(rec, "upstream.code"), "upstream_timeout");
	json_decref(rec);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_strings_as_jansson),
		cmocka_unit_test(test_strings_not_utf8),
		cmocka_unit_test(test_values_as_jansson),
		cmocka_unit_test_setup_teardown(test_decision_record, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reason_shared, setup,
		    teardown),
		cmocka_unit_test(test_outcome_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
