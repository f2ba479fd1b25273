/*
 * Unit tests for src/request/pipeline.c: the one sequence of rules that
 * `ldgate serve` and `ldgate eval` share (docs/design.md sections 1, 1a,
 * 2 and 7).  Requests are data: each row gives method, target, headers
 * and body, and what the pipeline must make of them -- the step, the
 * refusal with its exact text, whether it is audited -- so a rule that is
 * dropped, reordered or loosened fails a row by name.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/action.h"
#include "engine/policyset.h"
#include "request/pipeline.h"
#include "util/diag.h"
#include "util/jsonfile.h"

#define IC	"/api/v2/integration-configurations"
#define FS	"/api/v2/integration-capabilities/featureStore"
#define BS	"/api/v2/integration-capabilities/big-segment-store"

/* sha256 of the tokens, computed apart from fingerprint.c (sha256sum). */
#define TOK_OPS		"api-ops-0001"
#define FP_OPS		"sha256:2a9f2b88c8268f198e16df35c5f28d26" \
			"560bf11a6be9fd6b2b6bc56de601fc37"
#define TOK_VIEWER	"api-viewer-0001"
#define FP_VIEWER	"sha256:adac3c7f3272c10eb60e3e734ba0f18e" \
			"2304f8fa80725d33408e70eaf0ae1be6"
#define TOK_NOBODY	"api-nobody"

#define AUTH_OPS	"Authorization: " TOK_OPS
#define CT_JSON		"Content-Type: application/json"
#define ON		"[{\"op\":\"replace\",\"path\":\"/on\",\"value\":true}]"

/* Messages, as the pipeline writes them. */
#define M_PASS		"this gateway forwards only integration " \
			"configuration changes"
#define M_CL2		"more than one Content-Length header"
#define M_CLTE		"both Content-Length and Transfer-Encoding"
#define M_FOLD		"a header line is folded (obs-fold, RFC 9112 " \
			"section 5.2)"
#define M_NOAUTH	"an Authorization header is required"
#define M_AUTH2		"more than one Authorization header"
#define M_CT2		"more than one Content-Type header"
#define M_CONN5		"more than 4 Connection headers"
#define M_LARGE		"body larger than limits.bodyBytes"
#define M_NOCT		"Content-Type is missing: send application/json " \
			"or application/json-patch+json"
#define M_DENY		"the gateway's policy denies this change"

static struct policyset	*set;

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
 * ops may do anything to any integration but change datadog's
 * configuration; viewer holds a role that allows nothing on integrations.
 */
static int
setup(void **state)
{
	struct jsonfile	*rf, *pf;
	struct diag	 d;

	(void)state;
	memset(&d, 0, sizeof(d));
	rf = doc("roles.json", "[\n"
	    "{\"key\": \"ops\", \"policy\": [\n"
	    " {\"effect\": \"allow\", \"resources\": [\"integration/*\", "
	    "\"proj/*:env/*:integration/*\"], \"actions\": [\"*\"]},\n"
	    " {\"effect\": \"deny\", \"resources\": [\"integration/datadog/*\", "
	    "\"proj/*:env/*:integration/datadog/*\"], \"actions\": "
	    "[\"updateConfiguration\"]}]},\n"
	    "{\"key\": \"viewer\", \"policy\": [\n"
	    " {\"effect\": \"allow\", \"resources\": [\"proj/*:env/*:flag/*\"], "
	    "\"actions\": [\"*\"]}]}]\n", &d);
	pf = doc("principals.json", "[\n"
	    "{\"name\": \"ops\", \"tokens\": [\"" FP_OPS "\"], \"roles\": "
	    "[\"ops\"]},\n"
	    "{\"name\": \"viewer\", \"tokens\": [\"" FP_VIEWER "\"], \"roles\": "
	    "[\"viewer\"]}]\n", &d);
	set = policyset_build((const struct jsonfile *const *)&rf, 1, pf, NULL,
	    &d);
	jsonfile_free(rf);
	jsonfile_free(pf);
	if (set == NULL) {
		diag_print(&d, stderr);
		fail_msg("the policy does not build");
	}
	diag_clear(&d);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	policyset_free(set);
	return 0;
}

static void
conf_init(struct pipeline_conf *conf, int passthrough)
{
	memset(conf, 0, sizeof(*conf));
	conf->policy = set;
	conf->passthrough = passthrough;
	conf->body_bytes = 1024;
	conf->patch_ops = 10;
	conf->json_depth = 8;
}

#define MAXH	8

/*
 * A request: headers as "Name: value" (NULL-terminated list), split into
 * the arrays below so that the pipeline's borrowed pointers stay valid
 * while the request lives.
 */
struct req {
	struct pipeline_headers	 h;
	struct pipeline_in	 in;
	char			 names[MAXH][64];
	char			 values[MAXH][128];
};

static void
req_init(struct req *r, const char *method, const char *target,
    const char *const *hdrs, const char *body)
{
	const char	*colon;
	size_t		 i;

	memset(r, 0, sizeof(*r));
	for (i = 0; hdrs != NULL && hdrs[i] != NULL; i++) {
		assert_true(i < MAXH);
		assert_non_null(colon = strchr(hdrs[i], ':'));
		snprintf(r->names[i], sizeof(r->names[i]), "%.*s",
		    (int)(colon - hdrs[i]), hdrs[i]);
		snprintf(r->values[i], sizeof(r->values[i]), "%s", colon + 2);
		pipeline_header(&r->h, r->names[i], r->values[i]);
	}
	r->in.method = method;
	r->in.target = target;
	r->in.headers = &r->h;
	r->in.body = body;
	r->in.body_len = body != NULL ? strlen(body) : 0;
}

/* --------------------------------------------------------- the headers */

static void
test_header_names(void **state)
{
	struct pipeline_headers	h;
	static const struct {
		const char	*name;
		int		 idx;	/* -1: ignored */
	} cases[] = {
		{ "Authorization", PIPELINE_AUTHORIZATION },
		{ "authorization", PIPELINE_AUTHORIZATION },
		{ "AUTHORIZATION", PIPELINE_AUTHORIZATION },
		{ "content-type", PIPELINE_CONTENT_TYPE },
		{ "CONTENT-TYPE", PIPELINE_CONTENT_TYPE },
		{ "Content-Length", PIPELINE_CONTENT_LENGTH },
		{ "content-LENGTH", PIPELINE_CONTENT_LENGTH },
		{ "Transfer-Encoding", PIPELINE_TRANSFER_ENCODING },
		{ "transfer-encoding", PIPELINE_TRANSFER_ENCODING },
		{ "X-HTTP-Method-Override", PIPELINE_METHOD_OVERRIDE },
		{ "x-http-method-override", PIPELINE_METHOD_OVERRIDE },
		{ "Connection", PIPELINE_CONNECTION },
		{ "cOnNeCtIoN", PIPELINE_CONNECTION },
		/* Near misses and other headers are not kept. */
		{ "Host", -1 },
		{ "LD-API-Version", -1 },
		{ "Proxy-Authorization", -1 },
		{ "Authorization2", -1 },
		{ "Authorizatio", -1 },
		{ "Authorization ", -1 },
		{ " Authorization", -1 },
		{ "Content-Types", -1 },
		{ "X-Method-Override", -1 },
		{ "Keep-Alive", -1 },
		{ "", -1 },
	};
	size_t	i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&h, 0, sizeof(h));
		pipeline_header(&h, cases[i].name, "v");
		for (k = 0; k < PIPELINE_NHDRS; k++) {
			if ((int)k == cases[i].idx) {
				if (h.n[k] != 1 || h.v[k][0] == NULL ||
				    strcmp(h.v[k][0], "v") != 0)
					fail_msg("\"%s\" not kept as %zu",
					    cases[i].name, k);
			} else if (h.n[k] != 0)
				fail_msg("\"%s\" counted as %zu",
				    cases[i].name, k);
		}
	}
}

/* Values are kept in order up to the limit; the count stays exact. */
static void
test_header_counts(void **state)
{
	struct pipeline_headers	 h;
	static const char *const vals[] = { "a", "b", "c", "d", "e", "f", "g" };
	size_t			 i;

	(void)state;
	memset(&h, 0, sizeof(h));
	for (i = 0; i < 7; i++) {
		pipeline_header(&h, "Connection", vals[i]);
		assert_int_equal(h.n[PIPELINE_CONNECTION], i + 1);
	}
	for (i = 0; i < PIPELINE_HEADER_VALUES; i++)
		assert_ptr_equal(h.v[PIPELINE_CONNECTION][i], vals[i]);
	/* The extra values went nowhere else. */
	for (i = 0; i < PIPELINE_NHDRS; i++)
		if (i != PIPELINE_CONNECTION) {
			assert_int_equal(h.n[i], 0);
			assert_null(h.v[i][0]);
		}
	/* The value pointer is borrowed, not copied. */
	pipeline_header(&h, "Authorization", vals[6]);
	assert_ptr_equal(h.v[PIPELINE_AUTHORIZATION][0], vals[6]);
}

/* ------------------------------------------------------- run as a table */

enum {
	FWD = PIPELINE_FORWARD, REF = PIPELINE_REFUSE,
	KEY = PIPELINE_NEED_KEY, DEC = PIPELINE_DECIDE
};

struct pcase {
	const char	*name;
	const char	*method;
	const char	*target;
	const char	*hdrs[MAXH];
	const char	*body;
	int		 folded;
	int		 passthrough;
	int		 step;
	int		 audited;
	enum status_err	 err;		/* REF only */
	const char	*msg;		/* REF only: the exact message */
	unsigned	 actions;	/* KEY and DEC only */
	int		 close;
};

static const struct pcase run_cases[] = {
	/* Not intercepted: the passthrough switch decides. */
	{ "other, passthrough", "GET", "/api/v2/flags/p", { NULL }, NULL, 0,
	    1, FWD, 0, 0, NULL, 0, 0 },
	{ "other PATCH, passthrough", "PATCH", "/api/v2/flags/p/f",
	    { "Connection: Authorization", NULL }, "{}", 0, 1, FWD, 0, 0, NULL,
	    0, 0 },
	{ "other, no passthrough", "GET", "/api/v2/flags/p", { NULL }, NULL,
	    0, 0, REF, 0, STATUS_FORBIDDEN, M_PASS, 0, 0 },
	{ "other POST, no passthrough", "POST", "/", { AUTH_OPS, NULL },
	    NULL, 0, 0, REF, 0, STATUS_FORBIDDEN, M_PASS, 0, 0 },
	/* Reads of an integration route go through even without it. */
	{ "read", "GET", IC "/abc", { NULL }, NULL, 0, 0, FWD, 0, 0, NULL,
	    0, 0 },
	{ "read HEAD", "HEAD", FS "/p/e/k/id", { NULL }, NULL, 0, 0, FWD, 0, 0,
	    NULL, 0, 0 },
	{ "read, loose form", "GET", "/API/v2//integration-configurations",
	    { NULL }, NULL, 0, 0, FWD, 0, 0, NULL, 0, 0 },

	/* Framing comes before everything but the route. */
	{ "two Content-Length, protected", "PATCH", IC "/abc",
	    { AUTH_OPS, CT_JSON, "Content-Length: 44", "content-length: 44",
	    NULL }, ON, 0, 1, REF, 1, STATUS_INVALID_REQUEST, M_CL2, 0, 0 },
	{ "two Content-Length, other, no passthrough", "POST", "/x",
	    { "Content-Length: 1", "Content-Length: 1", NULL }, "x", 0, 0,
	    REF, 0, STATUS_INVALID_REQUEST, M_CL2, 0, 0 },
	{ "two Content-Length, read", "GET", IC, { "Content-Length: 0",
	    "Content-Length: 0", NULL }, NULL, 0, 1, REF, 0,
	    STATUS_INVALID_REQUEST, M_CL2, 0, 0 },
	{ "CL and TE", "DELETE", IC "/abc", { AUTH_OPS, "Content-Length: 0",
	    "Transfer-Encoding: chunked", NULL }, NULL, 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST, M_CLTE, 0, 0 },
	{ "TE and CL, other", "POST", "/x", { "transfer-encoding: chunked",
	    "CONTENT-LENGTH: 3", NULL }, "abc", 0, 1, REF, 0,
	    STATUS_INVALID_REQUEST, M_CLTE, 0, 0 },
	{ "TE alone is framing enough", "POST", "/x",
	    { "Transfer-Encoding: chunked", NULL }, "abc", 0, 1, FWD, 0, 0,
	    NULL, 0, 0 },
	{ "one Content-Length is fine", "POST", "/x",
	    { "Content-Length: 3", NULL }, "abc", 0, 1, FWD, 0, 0, NULL, 0,
	    0 },
	{ "folded, protected", "PATCH", IC "/abc", { AUTH_OPS, CT_JSON,
	    NULL }, ON, 1, 1, REF, 1, STATUS_INVALID_REQUEST, M_FOLD, 0, 1 },
	{ "folded, other", "GET", "/", { NULL }, NULL, 1, 1, REF, 0,
	    STATUS_INVALID_REQUEST, M_FOLD, 0, 1 },
	{ "folded beats the passthrough switch", "GET", "/", { NULL }, NULL,
	    1, 0, REF, 0, STATUS_INVALID_REQUEST, M_FOLD, 0, 1 },

	/* The route's own refusals, with its reasons. */
	{ "route 400", "PATCH", IC "/%61bc", { AUTH_OPS, NULL }, ON, 0, 1,
	    REF, 1, STATUS_INVALID_REQUEST,
	    "integration route path must not be percent-encoded", 0, 0 },
	{ "route 400, loose form", "DELETE",
	    "/api/v2/%69ntegration-configurations/abc", { AUTH_OPS, NULL },
	    NULL, 0, 1, REF, 1, STATUS_INVALID_REQUEST,
	    "integration route path must not be percent-encoded", 0, 0 },
	{ "route 403", "PUT", IC "/abc", { AUTH_OPS, NULL }, NULL, 0, 1, REF,
	    1, STATUS_FORBIDDEN,
	    "method not allowed on this integration route", 0, 0 },
	{ "route 403, unknown", "POST", IC "/a/b/c", { AUTH_OPS, NULL }, NULL,
	    0, 1, REF, 1, STATUS_FORBIDDEN, "not a known integration route",
	    0, 0 },
	{ "tunnelled read", "POST", IC "/abc", { AUTH_OPS,
	    "X-HTTP-Method-Override: GET", NULL }, NULL, 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST, "GET or HEAD tunnelled through "
	    "X-HTTP-Method-Override on an integration route", 0, 0 },
	/* More overrides than are kept still count as more than one. */
	{ "five overrides", "POST", IC "/abc", { AUTH_OPS,
	    "X-HTTP-Method-Override: PATCH", "X-HTTP-Method-Override: PATCH",
	    "X-HTTP-Method-Override: PATCH", "X-HTTP-Method-Override: PATCH",
	    "X-HTTP-Method-Override: PATCH", NULL }, ON, 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST,
	    "X-HTTP-Method-Override given more than once", 0, 0 },
	{ "override to PATCH", "POST", IC "/abc", { AUTH_OPS, CT_JSON,
	    "x-http-method-override: patch", NULL }, ON, 0, 0, KEY, 1, 0,
	    NULL, ACTION_UPDATE_ON, 0 },

	/* Header rules of a protected route, in their order. */
	{ "Connection: Authorization", "DELETE", IC "/abc", { AUTH_OPS,
	    "Connection: Authorization", NULL }, NULL, 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST, "Connection names Authorization, a header "
	    "ldgate decides on", 0, 0 },
	{ "Connection before Authorization", "DELETE", IC "/abc",
	    { "Connection: authorization", NULL }, NULL, 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST, "Connection names Authorization, a header "
	    "ldgate decides on", 0, 0 },
	{ "Connection, second header", "DELETE", IC "/abc", { AUTH_OPS,
	    "Connection: keep-alive", "Connection: close , HOST", NULL }, NULL,
	    0, 1, REF, 1, STATUS_INVALID_REQUEST, "Connection names Host, a "
	    "header ldgate decides on", 0, 0 },
	{ "five Connection headers", "DELETE", IC "/abc", { AUTH_OPS,
	    "Connection: close", "Connection: close", "Connection: close",
	    "Connection: close", "Connection: close", NULL }, NULL, 0, 1, REF,
	    1, STATUS_INVALID_REQUEST, M_CONN5, 0, 0 },
	{ "Connection names nothing decided", "DELETE", IC "/abc", { AUTH_OPS,
	    "Connection: keep-alive, Upgrade,close, Hosts, XHost, "
	    "Content-Type-X, ,", NULL }, NULL, 0, 1, KEY, 1, 0, NULL,
	    ACTION_DELETE_INTEGRATION, 0 },
	{ "Connection: Authorization, read", "GET", IC "/abc",
	    { "Connection: Authorization", NULL }, NULL, 0, 0, FWD, 0, 0, NULL,
	    0, 0 },
	{ "no Authorization", "DELETE", IC "/abc", { NULL }, NULL, 0, 1, REF,
	    1, STATUS_UNAUTHORIZED, M_NOAUTH, 0, 0 },
	{ "no Authorization, create", "POST", IC "/keys/slack",
	    { "Proxy-Authorization: " TOK_OPS, NULL }, NULL, 0, 1, REF, 1,
	    STATUS_UNAUTHORIZED, M_NOAUTH, 0, 0 },
	{ "two Authorization", "DELETE", IC "/abc", { AUTH_OPS,
	    "authorization: " TOK_OPS, NULL }, NULL, 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST, M_AUTH2, 0, 0 },
	{ "two Authorization before two Content-Type", "PATCH", IC "/abc",
	    { AUTH_OPS, AUTH_OPS, CT_JSON, CT_JSON, NULL }, ON, 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST, M_AUTH2, 0, 0 },
	{ "two Content-Type", "PATCH", IC "/abc", { AUTH_OPS, CT_JSON,
	    "content-type: application/json-patch+json", NULL }, ON, 0, 1, REF,
	    1, STATUS_INVALID_REQUEST, M_CT2, 0, 0 },
	{ "two Content-Type, DELETE too", "DELETE", IC "/abc", { AUTH_OPS,
	    CT_JSON, CT_JSON, NULL }, NULL, 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST, M_CT2, 0, 0 },

	/* The body. */
	{ "bad patch: no Content-Type", "PATCH", IC "/abc", { AUTH_OPS,
	    NULL }, ON, 0, 1, REF, 1, STATUS_INVALID_REQUEST, M_NOCT, 0, 0 },
	{ "bad patch: empty body", "PATCH", FS "/p/e/k/id", { AUTH_OPS,
	    CT_JSON, NULL }, NULL, 0, 1, REF, 1, STATUS_INVALID_REQUEST,
	    "body is empty: expected a JSON Patch", 0, 0 },
	{ "bad patch: only tests", "PATCH", BS "/p/e/k/id", { AUTH_OPS,
	    CT_JSON, NULL }, "[{\"op\":\"test\",\"path\":\"/on\",\"value\":1}]",
	    0, 1, REF, 1, STATUS_INVALID_REQUEST,
	    "patch changes nothing: it has only \"test\" ops", 0, 0 },
	/* The integration fields are not the delivery fields. */
	{ "bad patch: field of the other target", "PATCH", IC "/abc",
	    { AUTH_OPS, CT_JSON, NULL }, "[{\"op\":\"replace\",\"path\":"
	    "\"/config/x\",\"value\":1}]", 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST, "patch op 0: path \"/config/x\": "
	    "field \"config\" cannot be changed through this route",
	    0, 0 },
	{ "patch limits from the configuration", "PATCH", IC "/abc",
	    { AUTH_OPS, CT_JSON, NULL }, "[[[[[[[[[1]]]]]]]]]", 0, 1, REF, 1,
	    STATUS_INVALID_REQUEST, "body nests arrays and objects deeper "
	    "than 8", 0, 0 },

	/* What comes next, and the actions. */
	{ "integration PATCH needs the key", "PATCH", IC "/abc", { AUTH_OPS,
	    CT_JSON, NULL }, "{\"patch\":[{\"op\":\"replace\",\"path\":"
	    "\"/name\",\"value\":\"n\"},{\"op\":\"remove\",\"path\":\"/on\"}],"
	    "\"comment\":\"c\"}", 0, 0, KEY, 1, 0, NULL,
	    ACTION_UPDATE_NAME | ACTION_UPDATE_ON, 0 },
	{ "integration DELETE needs the key", "DELETE", IC "/abc",
	    { AUTH_OPS, NULL }, NULL, 0, 0, KEY, 1, 0, NULL,
	    ACTION_DELETE_INTEGRATION, 0 },
	{ "integration create names its key", "POST", IC "/keys/slack",
	    { AUTH_OPS, CT_JSON, NULL }, "{\"name\":\"x\"}", 0, 0, DEC, 1, 0,
	    NULL, ACTION_CREATE_INTEGRATION, 0 },
	{ "delivery PATCH", "PATCH", FS "/p/e/k/id", { AUTH_OPS,
	    "Content-Type: application/json-patch+json", NULL },
	    "[{\"op\":\"replace\",\"path\":\"/config/x\",\"value\":1}]", 0, 0,
	    DEC, 1, 0, NULL, ACTION_UPDATE_CONFIGURATION, 0 },
	{ "delivery validate", "POST", FS "/p/e/k/id/validate", { AUTH_OPS,
	    NULL }, NULL, 0, 0, DEC, 1, 0, NULL, ACTION_VALIDATE_CONNECTION,
	    0 },
	{ "big segment DELETE", "DELETE", BS "/p/e/k/id", { AUTH_OPS, NULL },
	    NULL, 0, 0, DEC, 1, 0, NULL, ACTION_DELETE_INTEGRATION, 0 },
	{ "big segment create", "POST", BS "/p/e/k", { AUTH_OPS, NULL },
	    NULL, 0, 0, DEC, 1, 0, NULL, ACTION_CREATE_INTEGRATION, 0 },
	/* A Connection naming a header nobody decides on is no refusal;
	 * one Content-Type is fine on any route. */
	{ "DELETE with Connection and Content-Type", "DELETE", IC "/abc",
	    { AUTH_OPS, CT_JSON, "Connection: keep-alive", NULL }, NULL, 0, 0,
	    KEY, 1, 0, NULL, ACTION_DELETE_INTEGRATION, 0 },
};

static void
run_case(const struct pcase *c, struct pipeline_out *out)
{
	struct pipeline_conf	conf;
	struct req		r;
	enum pipeline_step	step;

	conf_init(&conf, c->passthrough);
	req_init(&r, c->method, c->target, c->hdrs, c->body);
	r.in.folded = c->folded;
	step = pipeline_run(&conf, &r.in, out);
	if ((int)step != c->step || (int)out->step != c->step)
		fail_msg("%s: step %d (returned %d), want %d (message \"%s\")",
		    c->name, out->step, step, c->step, out->message);
	if (out->audited != c->audited)
		fail_msg("%s: audited %d, want %d", c->name, out->audited,
		    c->audited);
	if (out->close != c->close)
		fail_msg("%s: close %d, want %d", c->name, out->close, c->close);
	if (c->step == REF) {
		if (out->err != c->err)
			fail_msg("%s: err %d, want %d", c->name, out->err,
			    c->err);
		if (strcmp(out->message, c->msg) != 0)
			fail_msg("%s:\n  got  \"%s\"\n  want \"%s\"", c->name,
			    out->message, c->msg);
		/* A refusal of a PATCH owns no patch. */
		if (out->patch.ops != NULL)
			fail_msg("%s: refused but holds a patch", c->name);
	} else {
		if (out->message[0] != '\0')
			fail_msg("%s: message \"%s\" without a refusal",
			    c->name, out->message);
		if (out->err != 0)
			fail_msg("%s: err %d without a refusal", c->name,
			    out->err);
	}
	if ((c->step == KEY || c->step == DEC) && out->actions != c->actions)
		fail_msg("%s: actions %#x, want %#x", c->name, out->actions,
		    c->actions);
	/* The out must not point into the request after the case: the
	 * caller would read freed headers.  Only auth may, and it is
	 * checked in test_principal. */
	out->auth = NULL;
}

static void
test_run_table(void **state)
{
	struct pipeline_out	out;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(run_cases) / sizeof(run_cases[0]); i++) {
		run_case(&run_cases[i], &out);
		pipeline_clear(&out);
	}
}

/* name spelt as written (how 0), in lower case (1) or upper case (2). */
static void
spell(char *dst, size_t size, const char *name, int how)
{
	size_t	i;

	snprintf(dst, size, "%s", name);
	for (i = 0; dst[i] != '\0'; i++)
		if (how > 0)
			dst[i] = (char)(how == 1 ? tolower((unsigned char)dst[i]) :
			    toupper((unsigned char)dst[i]));
}

/*
 * A Connection header naming one decided header, on a protected route
 * and on a passthrough route.
 */
static void
connection_case(const char *conn, const char *decided)
{
	struct pipeline_conf	 conf;
	struct pipeline_out	 out;
	struct req		 r;
	const char		*hdrs[] = { AUTH_OPS, conn, NULL };
	char			 want[128];

	conf_init(&conf, 1);
	req_init(&r, "DELETE", IC "/abc", hdrs, NULL);
	pipeline_run(&conf, &r.in, &out);
	snprintf(want, sizeof(want), "Connection names %s, a header ldgate "
	    "decides on", decided);
	if (out.step != PIPELINE_REFUSE || out.err != STATUS_INVALID_REQUEST ||
	    strcmp(out.message, want) != 0)
		fail_msg("\"%s\" on a protected route: step %d, \"%s\"", conn,
		    out.step, out.message);
	assert_int_equal(out.audited, 1);
	pipeline_clear(&out);
	/* Not ours to judge: the hop-by-hop header goes on as sent. */
	req_init(&r, "DELETE", "/api/v2/flags/p/f", hdrs, NULL);
	if (pipeline_run(&conf, &r.in, &out) != PIPELINE_FORWARD)
		fail_msg("\"%s\" on a passthrough route: step %d, \"%s\"",
		    conn, out.step, out.message);
	pipeline_clear(&out);
}

/* Every decided header, named in any case, with spaces, in a list. */
static void
test_connection_decided(void **state)
{
	static const char *const decided[] = {
		"Authorization", "Content-Type", "Content-Length", "Host",
		"X-HTTP-Method-Override", "LD-API-Version",
	};
	/* The list around the name: before it and after it. */
	static const char *const forms[][2] = {
		{ "", "" }, { "", ", close" }, { "keep-alive, ", "" },
		{ "keep-alive,", ",close" }, { "close ,  ", "  , upgrade" },
		{ "\t", "\t" }, { "a, b, , c, ", "" },
	};
	char	conn[128], spelt[64];
	size_t	i, k;
	int	how;

	(void)state;
	for (i = 0; i < sizeof(decided) / sizeof(decided[0]); i++)
		for (k = 0; k < sizeof(forms) / sizeof(forms[0]); k++)
			for (how = 0; how < 3; how++) {
				spell(spelt, sizeof(spelt), decided[i], how);
				snprintf(conn, sizeof(conn), "Connection: "
				    "%s%s%s", forms[k][0], spelt, forms[k][1]);
				connection_case(conn, decided[i]);
			}
}

/* The body limit is inclusive, and checked before the patch is read. */
static void
test_body_size(void **state)
{
	static const char	 del[] = "0123456789";
	struct pipeline_conf	 conf;
	struct pipeline_out	 out;
	struct req		 r;
	const char		*patch_hdrs[] = { AUTH_OPS, CT_JSON, NULL };
	const char		*del_hdrs[] = { AUTH_OPS, NULL };

	(void)state;
	conf_init(&conf, 0);
	/* A PATCH exactly at the limit, then one byte over. */
	conf.body_bytes = strlen(ON);
	req_init(&r, "PATCH", FS "/p/e/k/id", patch_hdrs, ON);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_DECIDE);
	assert_int_equal(out.actions, ACTION_UPDATE_ON);
	pipeline_clear(&out);
	conf.body_bytes = strlen(ON) - 1;
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_REFUSE);
	assert_int_equal(out.err, STATUS_TOO_LARGE);
	assert_string_equal(out.message, M_LARGE);
	assert_int_equal(out.audited, 1);
	assert_null(out.patch.ops);
	pipeline_clear(&out);

	/* Over the limit and not a patch either: the size is what is said. */
	req_init(&r, "PATCH", FS "/p/e/k/id", patch_hdrs, "not json at all");
	conf.body_bytes = 4;
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_REFUSE);
	assert_int_equal(out.err, STATUS_TOO_LARGE);
	pipeline_clear(&out);

	/* The limit holds for bodies of other routes too. */
	conf.body_bytes = sizeof(del) - 1;
	req_init(&r, "DELETE", IC "/abc", del_hdrs, del);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_NEED_KEY);
	pipeline_clear(&out);
	conf.body_bytes = sizeof(del) - 2;
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_REFUSE);
	assert_int_equal(out.err, STATUS_TOO_LARGE);
	assert_string_equal(out.message, M_LARGE);
	pipeline_clear(&out);

	/* A zero limit still takes an empty body. */
	conf.body_bytes = 0;
	req_init(&r, "DELETE", IC "/abc", del_hdrs, NULL);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_NEED_KEY);
	pipeline_clear(&out);
	/* Forwarded requests are not the pipeline's to measure. */
	conf.passthrough = 1;
	req_init(&r, "POST", "/api/v2/flags/p", NULL, del);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_FORWARD);
	pipeline_clear(&out);
}

/* A bad patch is refused with patch_parse's own words. */
static void
test_patch_message(void **state)
{
	static const char	 body[] = "[{\"op\":\"replace\",\"path\":"
				     "\"/on\",\"value\":true,\"x\":1}]";
	struct pipeline_conf	 conf;
	struct pipeline_out	 out;
	struct patch		 p;
	struct patch_limits	 lim;
	struct req		 r;
	const char		*hdrs[] = { AUTH_OPS, CT_JSON, NULL };
	char			 err[PIPELINE_MESSAGE_MAX];

	(void)state;
	conf_init(&conf, 0);
	lim.max_ops = conf.patch_ops;
	lim.max_depth = conf.json_depth;
	assert_int_equal(patch_parse(body, strlen(body), "application/json",
	    PATCH_TARGET_INTEGRATION, &lim, &p, err, sizeof(err)), -1);
	req_init(&r, "PATCH", IC "/abc", hdrs, body);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_REFUSE);
	assert_int_equal(out.err, STATUS_INVALID_REQUEST);
	assert_string_equal(out.message, err);
	assert_non_null(strstr(out.message, "unknown member \"x\""));
	pipeline_clear(&out);

	/* patch_ops is the configuration's, not the default. */
	conf.patch_ops = 1;
	req_init(&r, "PATCH", IC "/abc", hdrs, "[{\"op\":\"remove\",\"path\":"
	    "\"/on\"},{\"op\":\"remove\",\"path\":\"/name\"}]");
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_REFUSE);
	assert_string_equal(out.message, "patch has 2 ops: 1 to 1 are "
	    "accepted");
	pipeline_clear(&out);
	conf.patch_ops = 2;
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_NEED_KEY);
	assert_int_equal(out.actions, ACTION_UPDATE_ON | ACTION_UPDATE_NAME);
	/* The first Content-Type judged the body; the patch is kept. */
	assert_non_null(out.patch.ops);
	assert_int_equal(json_array_size(out.patch.ops), 2);
	pipeline_clear(&out);
}

/* The principal is whoever holds the fingerprint of the whole value. */
static void
test_principal(void **state)
{
	static const struct {
		const char	*auth;
		const char	*fp;		/* NULL: not checked */
		const char	*who;		/* NULL: nobody */
	} cases[] = {
		{ "Authorization: " TOK_OPS, FP_OPS, "ops" },
		{ "authorization: " TOK_VIEWER, FP_VIEWER, "viewer" },
		{ "Authorization: " TOK_NOBODY, NULL, NULL },
		/* Not the token: the value, whatever it says. */
		{ "Authorization: Bearer " TOK_OPS, NULL, NULL },
		{ "Authorization: " TOK_OPS " ", "sha256:94dabcc752d460b62cf8e8"
		    "cdb78c33b8be13e3050cda2d893cca0420eff4c48f", NULL },
	};
	struct pipeline_conf	 conf;
	struct pipeline_out	 out;
	struct req		 r;
	const char		*hdrs[] = { NULL, NULL };
	char			 fp[FINGERPRINT_LEN + 1];
	size_t			 i;

	(void)state;
	conf_init(&conf, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hdrs[0] = cases[i].auth;
		req_init(&r, "DELETE", IC "/abc", hdrs, NULL);
		assert_int_equal(pipeline_run(&conf, &r.in, &out),
		    PIPELINE_NEED_KEY);
		assert_ptr_equal(out.auth, r.values[0]);
		fingerprint(r.values[0], strlen(r.values[0]), fp);
		assert_string_equal(out.fp, fp);
		if (cases[i].fp != NULL)
			assert_string_equal(out.fp, cases[i].fp);
		if (cases[i].who == NULL)
			assert_null(out.principal);
		else
			assert_ptr_equal(out.principal,
			    policyset_by_name(set, cases[i].who));
		pipeline_clear(&out);
	}
	/* Not known before the header rules pass. */
	hdrs[0] = NULL;
	req_init(&r, "DELETE", IC "/abc", hdrs, NULL);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_REFUSE);
	assert_string_equal(out.fp, "");
	assert_null(out.auth);
	assert_null(out.principal);
	pipeline_clear(&out);
}

/* pipeline_object: the key only fills in an integration's object. */
static void
test_object(void **state)
{
	struct pipeline_conf	 conf;
	struct pipeline_out	 out;
	struct req		 r;
	const char		*hdrs[] = { AUTH_OPS, CT_JSON, NULL };

	(void)state;
	conf_init(&conf, 0);
	req_init(&r, "PATCH", IC "/abc", hdrs, ON);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_NEED_KEY);
	assert_string_equal(out.route.id, "abc");
	assert_int_equal(out.route.kind, ROUTE_KIND_INTEGRATION);
	assert_int_equal(out.obj.naliases, 0);
	pipeline_object(&out, "datadog");
	assert_int_equal(out.step, PIPELINE_DECIDE);
	assert_string_equal(out.obj.text, "integration/datadog/abc");
	assert_int_equal(out.obj.naliases, 1);
	pipeline_clear(&out);

	/* Create: the key is in the URL; no NEED_KEY, object already set. */
	req_init(&r, "POST", IC "/keys/slack", hdrs, NULL);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_DECIDE);
	assert_string_equal(out.obj.text, "integration/slack");
	pipeline_clear(&out);

	/* Delivery: object set by the run, under both of its names. */
	req_init(&r, "PATCH", FS "/p/e/k/id", hdrs, ON);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_DECIDE);
	assert_string_equal(out.obj.text, "proj/p:env/e:integration/k/id");
	assert_int_equal(out.obj.naliases, 2);
	pipeline_clear(&out);
}

/* The decision: allow leaves the step, deny turns it into a 403. */
static void
test_decide(void **state)
{
	static const char	 config[] = "[{\"op\":\"replace\",\"path\":"
				     "\"/config/x\",\"value\":1}]";
	struct pipeline_conf	 conf;
	struct pipeline_out	 out;
	struct access_verdict	 v;
	struct req		 r;
	const char		*ops[] = { AUTH_OPS, CT_JSON, NULL };
	const char		*viewer[] = { "Authorization: " TOK_VIEWER,
				    CT_JSON, NULL };
	const char		*nobody[] = { "Authorization: " TOK_NOBODY,
				    CT_JSON, NULL };

	(void)state;
	conf_init(&conf, 0);

	/* ops may switch datadog's delivery configuration on. */
	req_init(&r, "PATCH", FS "/p/e/datadog/id", ops, ON);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_DECIDE);
	assert_int_equal(pipeline_decide(&conf, &out, &v), 1);
	assert_int_equal(out.step, PIPELINE_DECIDE);
	assert_int_equal(out.err, 0);
	assert_string_equal(out.message, "");
	assert_true(v.allow);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.bits[0], ACTION_UPDATE_ON);
	pipeline_clear(&out);

	/* ...but not change its configuration. */
	req_init(&r, "PATCH", FS "/p/e/datadog/id", ops, config);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_DECIDE);
	assert_int_equal(pipeline_decide(&conf, &out, &v), 0);
	assert_int_equal(out.step, PIPELINE_REFUSE);
	assert_int_equal(out.err, STATUS_FORBIDDEN);
	assert_string_equal(out.message, M_DENY);
	assert_false(v.allow);
	assert_false(v.r[0].implicit);
	pipeline_clear(&out);

	/* Integration route, after the key: datadog's id is denied. */
	req_init(&r, "PATCH", IC "/abc", ops, "[{\"op\":\"replace\","
	    "\"path\":\"/configValues/x\",\"value\":1}]");
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_NEED_KEY);
	pipeline_object(&out, "datadog");
	assert_int_equal(pipeline_decide(&conf, &out, &v), 0);
	assert_int_equal(out.step, PIPELINE_REFUSE);
	assert_int_equal(out.err, STATUS_FORBIDDEN);
	pipeline_clear(&out);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_NEED_KEY);
	pipeline_object(&out, "slack");
	assert_int_equal(pipeline_decide(&conf, &out, &v), 1);
	assert_int_equal(out.step, PIPELINE_DECIDE);
	pipeline_clear(&out);

	/* Several actions: one deny refuses the whole request. */
	req_init(&r, "PATCH", FS "/p/e/datadog/id", ops,
	    "[{\"op\":\"remove\",\"path\":\"/on\"},{\"op\":\"remove\","
	    "\"path\":\"/config\"}]");
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_DECIDE);
	assert_int_equal(out.actions, ACTION_UPDATE_ON |
	    ACTION_UPDATE_CONFIGURATION);
	assert_int_equal(pipeline_decide(&conf, &out, &v), 0);
	assert_int_equal(v.n, 2);
	assert_int_equal(out.step, PIPELINE_REFUSE);
	pipeline_clear(&out);

	/* A principal whose roles say nothing here, and nobody at all. */
	req_init(&r, "POST", IC "/keys/slack", viewer, NULL);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_DECIDE);
	assert_non_null(out.principal);
	assert_int_equal(pipeline_decide(&conf, &out, &v), 0);
	assert_true(v.r[0].implicit);
	assert_string_equal(out.message, M_DENY);
	pipeline_clear(&out);
	req_init(&r, "POST", IC "/keys/slack", nobody, NULL);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_DECIDE);
	assert_null(out.principal);
	assert_int_equal(pipeline_decide(&conf, &out, &v), 0);
	assert_int_equal(out.err, STATUS_FORBIDDEN);
	pipeline_clear(&out);
}

/*
 * pipeline_run overwrites its out, and pipeline_clear frees the patch and
 * is safe on any out; the sanitizer build (--enable-sanitizers) reports
 * a leak if either forgets the patch.
 */
static void
test_clear(void **state)
{
	struct pipeline_conf	 conf;
	struct pipeline_out	 out;
	struct req		 r;
	const char		*hdrs[] = { AUTH_OPS, CT_JSON, NULL };

	(void)state;
	conf_init(&conf, 0);
	memset(&out, 0, sizeof(out));
	pipeline_clear(&out);
	pipeline_clear(&out);

	req_init(&r, "PATCH", IC "/abc", hdrs, "{\"patch\":[{\"op\":\"remove\","
	    "\"path\":\"/on\"}],\"comment\":\"why\"}");
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_NEED_KEY);
	assert_non_null(out.patch.ops);
	assert_string_equal(out.patch.comment, "why");
	pipeline_clear(&out);
	assert_null(out.patch.ops);
	assert_null(out.patch.comment);
	assert_int_equal(out.patch.actions, 0);
	/* Twice is harmless. */
	pipeline_clear(&out);

	/* A refusal after the route leaves a zeroed patch to clear. */
	memset(&out, 0xa5, sizeof(out));
	conf.passthrough = 0;
	req_init(&r, "GET", "/", NULL, NULL);
	assert_int_equal(pipeline_run(&conf, &r.in, &out), PIPELINE_REFUSE);
	assert_null(out.patch.ops);
	assert_null(out.patch.comment);
	assert_null(out.principal);
	assert_int_equal(out.actions, 0);
	assert_string_equal(out.fp, "");
	pipeline_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_names),
		cmocka_unit_test(test_header_counts),
		cmocka_unit_test(test_run_table),
		cmocka_unit_test(test_connection_decided),
		cmocka_unit_test(test_body_size),
		cmocka_unit_test(test_patch_message),
		cmocka_unit_test(test_principal),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
