/*
 * Fuzz target for specifier_parse() and the three-valued matching
 * (src/engine/specifier.c).  Input: lines of specifier text.  Every line
 * is parsed as a pattern and as a resource; the first line that parses as
 * a pattern is then matched against each line that parses as a resource,
 * one by one and as one alias set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/specifier.h"
#include "util/arena.h"
#include "fuzz.h"

#define MAX_LINES	8

static int
tri_ok(enum tri t)
{
	return t == TRI_FALSE || t == TRI_UNKNOWN || t == TRI_TRUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena		*a;
	struct specifier	 pat, res[MAX_LINES], s;
	char			*lines[MAX_LINES], *text, err[SPEC_ERR_MAX];
	size_t			 n, i, nres = 0;
	int			 have_pat = 0;
	enum tri		 t, best = TRI_FALSE;

	if ((text = fuzz_strdup(data, size)) == NULL)
		return 0;
	a = arena_new();
	n = fuzz_lines(text, lines, MAX_LINES);
	for (i = 0; i < n; i++) {
		if (specifier_parse(a, lines[i], SPEC_PATTERN, &s, err,
		    sizeof(err)) == 0 && !have_pat) {
			pat = s;
			have_pat = 1;
		}
		if (specifier_parse(a, lines[i], SPEC_RESOURCE, &res[nres], err,
		    sizeof(err)) == 0)
			nres++;
	}
	if (have_pat) {
		for (i = 0; i < nres; i++) {
			if (!tri_ok(t = specifier_match(&pat, &res[i])))
				abort();
			if (t > best)
				best = t;
		}
		/* An alias set matches as its best alias does. */
		if (nres > 0 && specifier_match_aliases(&pat, res, nres) != best)
			abort();
	}
	arena_free(a);
	free(text);
	return 0;
}
