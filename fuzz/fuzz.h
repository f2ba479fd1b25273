/*
 * fuzz.h: what every fuzz target shares.  Each fuzz_NAME.c defines
 * LLVMFuzzerTestOneInput; replay.c (make check) or libFuzzer (make fuzz)
 * supplies main().
 */
#ifndef LDGATE_FUZZ_H
#define LDGATE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * A NUL-terminated copy of data[0..size) that the caller frees, or NULL
 * when memory ran out.  An embedded NUL cuts the C strings split from it
 * short, which is what a caller holding a C string sees too.
 */
static inline char *
fuzz_strdup(const uint8_t *data, size_t size)
{
	char	*s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/*
 * Splits s in place at each '\n' into at most max lines; returns how many.
 * The last line keeps any further '\n'.
 */
static inline size_t
fuzz_lines(char *s, char **lines, size_t max)
{
	size_t	 n = 0;
	char	*nl;

	while (n < max) {
		lines[n++] = s;
		if (n == max || (nl = strchr(s, '\n')) == NULL)
			break;
		*nl = '\0';
		s = nl + 1;
	}
	return n;
}

#endif
