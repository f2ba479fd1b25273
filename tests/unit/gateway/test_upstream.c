/*
 * Unit tests for the two pure functions of src/gateway/upstream.c, the
 * header rules of forwarding (RFC 9110 section 7.6.1): which headers are
 * hop-by-hop and never forwarded, and which ones a Connection header
 * names.  The rest of upstream.c is connection handling over libevent,
 * covered by the integration tests (tests/integration/test_gw_*.sh).
 *
 * The pipeline (request/pipeline.c) refuses a protected request whose
 * Connection header names a header ldgate decides on; here the gateway
 * reads the same Connection values to drop what they name.  The two
 * readings must agree, or a header ldgate decided on could be dropped
 * (or kept) behind the pipeline's back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <cmocka.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "gateway/upstream.h"
#include "request/pipeline.h"

static void
test_hop_headers(void **state)
{
	static const char *const hop[] = {
		"Connection", "Keep-Alive", "Proxy-Authenticate",
		"Proxy-Authorization", "Proxy-Connection", "TE", "Trailer",
		"Transfer-Encoding", "Upgrade",
		/* Set again by ldgate for what it actually sends. */
		"Content-Length", "Host",
		/* evhttp has already answered 100-continue. */
		"Expect",
		/* Any letter case. */
		"connection", "KEEP-ALIVE", "te", "transfer-encoding",
		"content-length", "HOST", "expect",
	};
	/* End to end: what the upstream must see as the client sent it. */
	static const char *const e2e[] = {
		"Authorization", "authorization", "Content-Type",
		"LD-API-Version", "X-HTTP-Method-Override", "Accept",
		"User-Agent", "Cookie", "X-Forwarded-For", "Connections",
		"TE2", "Hosts", "Content-Lengths", "Proxy", "", "Trailers",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (!upstream_hop_header(hop[i]))
			fail_msg("%s is not taken for hop-by-hop", hop[i]);
	for (i = 0; i < sizeof(e2e) / sizeof(e2e[0]); i++)
		if (upstream_hop_header(e2e[i]))
			fail_msg("%s is taken for hop-by-hop", e2e[i]);
}

/* Headers from "Name: value" lines (NULL-terminated). */
static void
headers(struct evkeyvalq *q, const char *const *lines)
{
	char	name[64];
	size_t	i;
	const char *colon;

	TAILQ_INIT(q);
	for (i = 0; lines[i] != NULL; i++) {
		assert_non_null(colon = strchr(lines[i], ':'));
		snprintf(name, sizeof(name), "%.*s", (int)(colon - lines[i]),
		    lines[i]);
		assert_int_equal(evhttp_add_header(q, name, colon + 2), 0);
	}
}

static void
test_connection_named(void **state)
{
	static const struct {
		const char	*lines[4];
		const char	*name;
		int		 want;
	} cases[] = {
		{ { "Connection: X-Hop", NULL }, "X-Hop", 1 },
		{ { "Connection: x-hop", NULL }, "X-HOP", 1 },
		{ { "connection: keep-alive, X-Hop", NULL }, "X-Hop", 1 },
		{ { "Connection: X-Hop,close", NULL }, "X-Hop", 1 },
		{ { "Connection: a ,\tX-Hop\t, b", NULL }, "X-Hop", 1 },
		{ { "Connection: a,,X-Hop,", NULL }, "X-Hop", 1 },
		{ { "Connection: close", "Connection: X-Hop", NULL }, "X-Hop",
		    1 },
		/* Whole tokens only. */
		{ { "Connection: X-Hops", NULL }, "X-Hop", 0 },
		{ { "Connection: X-Ho", NULL }, "X-Hop", 0 },
		{ { "Connection: X-Hop-2, Y", NULL }, "X-Hop", 0 },
		{ { "Connection: \"X-Hop\"", NULL }, "X-Hop", 0 },
		{ { "Connection: X Hop", NULL }, "X-Hop", 0 },
		/* Only Connection names anything. */
		{ { "Proxy-Connection: X-Hop", NULL }, "X-Hop", 0 },
		{ { "X-Connection: X-Hop", NULL }, "X-Hop", 0 },
		{ { "X-Hop: Connection", NULL }, "X-Hop", 0 },
		{ { "Connection: ", NULL }, "X-Hop", 0 },
		{ { NULL }, "X-Hop", 0 },
	};
	struct evkeyvalq	q;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		headers(&q, cases[i].lines);
		if (upstream_connection_named(&q, cases[i].name) !=
		    cases[i].want)
			fail_msg("case %zu (%s): not %d", i,
			    cases[i].lines[0] ? cases[i].lines[0] : "none",
			    cases[i].want);
		evhttp_clear_headers(&q);
	}
}

/*
 * For each Connection value, the pipeline refuses a protected request
 * exactly when the gateway would drop one of the decided headers for it.
 */
static void
test_agrees_with_pipeline(void **state)
{
	static const char *const decided[] = {
		"Authorization", "Content-Type", "Content-Length", "Host",
		"X-HTTP-Method-Override", "LD-API-Version",
	};
	static const char *const values[] = {
		"close", "keep-alive", "Authorization", "authorization",
		"keep-alive, Content-Type", "close,HOST", " LD-API-Version ",
		"\tx-http-method-override\t", "a,,content-length,",
		"Authorizations", "Content-Type-X", "Host2", "X-Host",
		"\"Authorization\"", "Authorization;q=1", "Auth orization",
		"a, b, c", ",", "", "keep-alive, Upgrade",
	};
	struct pipeline_headers	 h;
	struct pipeline_conf	 conf;
	struct pipeline_in	 in;
	struct pipeline_out	 out;
	struct evkeyvalq	 q;
	size_t			 i, k;
	int			 named, refused;

	(void)state;
	memset(&conf, 0, sizeof(conf));
	conf.body_bytes = 0;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		TAILQ_INIT(&q);
		assert_int_equal(evhttp_add_header(&q, "Connection", values[i]),
		    0);
		for (named = 0, k = 0; k < sizeof(decided) / sizeof(decided[0]);
		    k++)
			named |= upstream_connection_named(&q, decided[k]);
		evhttp_clear_headers(&q);

		/* The pipeline stops at Connection, before it needs the
		 * policy: no Authorization is sent either. */
		memset(&h, 0, sizeof(h));
		pipeline_header(&h, "Connection", values[i]);
		memset(&in, 0, sizeof(in));
		in.method = "DELETE";
		in.target = "/api/v2/integration-configurations/abc";
		in.headers = &h;
		pipeline_run(&conf, &in, &out);
		refused = out.step == PIPELINE_REFUSE &&
		    strncmp(out.message, "Connection names ", 17) == 0;
		pipeline_clear(&out);
		if (named != refused)
			fail_msg("Connection: \"%s\": the gateway %s a decided "
			    "header, the pipeline %s", values[i],
			    named ? "drops" : "drops no", refused ? "refuses" :
			    "does not refuse");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hop_headers),
		cmocka_unit_test(test_connection_named),
		cmocka_unit_test(test_agrees_with_pipeline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
