/*
 * glob: LaunchDarkly's only wildcard, '*', matching any run of characters
 * (including none and including '/').  No other character is special.
 */
#ifndef LDGATE_GLOB_H
#define LDGATE_GLOB_H

#include <stddef.h>

/* 1 when s[0..slen) matches pat[0..plen), else 0.  O(plen * slen) worst case. */
int	glob_match(const char *pat, size_t plen, const char *s, size_t slen);

#endif
