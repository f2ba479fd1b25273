#include <string.h>

#include "engine/glob.h"

/*
 * Greedy match with a single backtrack point: on a mismatch after a '*',
 * let that '*' swallow one more character.  Only the last '*' matters for
 * backtracking, which keeps this linear in practice and never recursive.
 */
int
glob_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t	p = 0, i = 0, star_p = (size_t)-1, star_i = 0;

	while (i < slen) {
		if (p < plen && pat[p] == '*') {
			star_p = p++;
			star_i = i;
		} else if (p < plen && pat[p] == s[i]) {
			p++;
			i++;
		} else if (star_p != (size_t)-1) {
			p = star_p + 1;
			i = ++star_i;
		} else
			return 0;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}
