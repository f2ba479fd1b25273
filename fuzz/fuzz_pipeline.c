/*
 * Fuzz target for pipeline_run() (src/request/pipeline.c): method, target,
 * headers and body together, then pipeline_object() and pipeline_decide()
 * when the rules get that far.  Input, like a request on the wire:
 *
 *	METHOD SP TARGET
 *	Name: value		(repeatable; a line that starts with SP or
 *				 HT is an obs-fold: it sets "folded")
 *	<empty line>
 *	body			(raw bytes, NULs included)
 *
 * Lines may end in CRLF.  A header named X-Fuzz-Closed turns the
 * passthrough switch off.  The policy set is built once, from the roles
 * and principals of tests/unit/request/test_pipeline.c, with a guardrail.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/policyset.h"
#include "request/pipeline.h"
#include "util/diag.h"
#include "util/jsonfile.h"
#include "fuzz.h"

#define MAX_HEADERS	32

static const char roles_json[] = "[\n"
    "{\"key\": \"ops\", \"policy\": [\n"
    " {\"effect\": \"allow\", \"resources\": [\"integration/*\", "
    "\"proj/*:env/*:integration/*\"], \"actions\": [\"*\"]},\n"
    " {\"effect\": \"deny\", \"resources\": [\"integration/datadog/*\", "
    "\"proj/*:env/*:integration/datadog/*\"], \"actions\": "
    "[\"updateConfiguration\"]}]},\n"
    "{\"key\": \"viewer\", \"policy\": [\n"
    " {\"effect\": \"allow\", \"resources\": [\"proj/*:env/*:flag/*\"], "
    "\"actions\": [\"*\"]}]}]\n";
/* Tokens "api-ops-0001" and "api-viewer-0001". */
static const char principals_json[] = "[\n"
    "{\"name\": \"ops\", \"tokens\": [\"sha256:2a9f2b88c8268f198e16df35c5f2"
    "8d26560bf11a6be9fd6b2b6bc56de601fc37\"], \"roles\": [\"ops\"]},\n"
    "{\"name\": \"viewer\", \"tokens\": [\"sha256:adac3c7f3272c10eb60e3e734b"
    "a0f18e2304f8fa80725d33408e70eaf0ae1be6\"], \"roles\": [\"viewer\"]}]\n";
static const char guardrails_json[] = "[{\"effect\": \"deny\", "
    "\"resources\": [\"proj/*:env/production:integration/*\"], "
    "\"actions\": [\"deleteIntegration\"]}]\n";

/* Built on first use and kept: reachable, so no leak to report. */
static struct policyset *
policy(void)
{
	static struct policyset	*set;
	struct jsonfile		*rf, *pf, *gf;
	struct diag		 d;

	if (set != NULL)
		return set;
	memset(&d, 0, sizeof(d));
	rf = jsonfile_load_buffer("roles.json", roles_json,
	    strlen(roles_json), &d);
	pf = jsonfile_load_buffer("principals.json", principals_json,
	    strlen(principals_json), &d);
	gf = jsonfile_load_buffer("guardrails.json", guardrails_json,
	    strlen(guardrails_json), &d);
	if (rf != NULL && pf != NULL && gf != NULL)
		set = policyset_build((const struct jsonfile *const *)&rf, 1, pf,
		    gf, &d);
	jsonfile_free(rf);
	jsonfile_free(pf);
	jsonfile_free(gf);
	if (set == NULL) {
		diag_print(&d, stderr);
		abort();
	}
	diag_clear(&d);
	return set;
}

static void
chomp(char *s)
{
	size_t	n = strlen(s);

	if (n > 0 && s[n - 1] == '\r')
		s[n - 1] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pipeline_conf	 conf;
	struct pipeline_headers	 h;
	struct pipeline_in	 in;
	struct pipeline_out	 out;
	struct access_verdict	 v;
	char			*lines[2 + MAX_HEADERS], *head, *sp, *colon;
	const uint8_t		*end;
	size_t			 headlen, n, i;
	enum pipeline_step	 step;

	memset(&conf, 0, sizeof(conf));
	conf.policy = policy();
	conf.passthrough = 1;
	conf.body_bytes = 1024;
	conf.patch_ops = 10;
	conf.json_depth = 8;
	memset(&h, 0, sizeof(h));
	memset(&in, 0, sizeof(in));

	/* The head ends at the first empty line; the rest is the body. */
	for (end = data; end < data + size; end++)
		if (*end == '\n' && end + 1 < data + size &&
		    (end[1] == '\n' || (end[1] == '\r' && end + 2 < data +
		    size && end[2] == '\n')))
			break;
	headlen = (size_t)(end - data);
	if ((head = fuzz_strdup(data, headlen)) == NULL)
		return 0;
	if (end < data + size) {
		end += end[1] == '\n' ? 2 : 3;
		in.body = (const char *)end;
		in.body_len = size - (size_t)(end - data);
	}
	n = fuzz_lines(head, lines, 1 + MAX_HEADERS);
	for (i = 0; i < n; i++)
		chomp(lines[i]);
	in.method = lines[0];
	in.target = "";
	if ((sp = strchr(lines[0], ' ')) != NULL) {
		*sp = '\0';
		in.target = sp + 1;
	}
	for (i = 1; i < n; i++) {
		if (lines[i][0] == ' ' || lines[i][0] == '\t') {
			in.folded = 1;
			continue;
		}
		if ((colon = strchr(lines[i], ':')) == NULL)
			continue;
		*colon++ = '\0';
		colon += strspn(colon, " \t");
		if (strcasecmp(lines[i], "X-Fuzz-Closed") == 0)
			conf.passthrough = 0;
		pipeline_header(&h, lines[i], colon);
	}
	in.headers = &h;

	step = pipeline_run(&conf, &in, &out);
	if (step != out.step)
		abort();
	if (step == PIPELINE_REFUSE &&
	    memchr(out.message, '\0', sizeof(out.message)) == NULL)
		abort();
	if (step == PIPELINE_NEED_KEY) {
		/* One key the policy singles out, one it does not. */
		pipeline_object(&out, strlen(out.route.id) % 2 ? "datadog" :
		    "slack");
		step = out.step;
	}
	if (step == PIPELINE_DECIDE && pipeline_decide(&conf, &out, &v) == 0 &&
	    out.step != PIPELINE_REFUSE)
		abort();
	pipeline_clear(&out);
	free(head);
	return 0;
}
