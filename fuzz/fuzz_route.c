/*
 * Fuzz target for route_classify() (src/request/route.c).  Input: the
 * method on the first line, the raw request-target on the second, and one
 * X-HTTP-Method-Override value per further line (at most 8).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request/route.h"
#include "fuzz.h"

#define MAX_OVERRIDES	8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_match	 m;
	char			*lines[2 + MAX_OVERRIDES], *s;
	size_t			 n;

	if ((s = fuzz_strdup(data, size)) == NULL)
		return 0;
	n = fuzz_lines(s, lines, 2 + MAX_OVERRIDES);
	route_classify(lines[0], n > 2 ? (const char *const *)lines + 2 : NULL,
	    n > 2 ? n - 2 : 0, n > 1 ? lines[1] : "", &m);
	/* What the callers read back must be terminated strings. */
	if (strlen(m.method) > ROUTE_METHOD_MAX || strlen(m.proj) >
	    ROUTE_PARAM_MAX || strlen(m.env) > ROUTE_PARAM_MAX ||
	    strlen(m.key) > ROUTE_PARAM_MAX || strlen(m.id) > ROUTE_PARAM_MAX)
		abort();
	if (m.verdict == ROUTE_PROTECTED && route_kind_name(m.kind)[0] == '\0')
		abort();
	free(s);
	return 0;
}
