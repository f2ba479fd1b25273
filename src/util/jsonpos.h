/*
 * jsonpos: index from RFC 6901 JSON pointer to the line and column where
 * that value starts in a JSON text.  Used only for error messages.
 */
#ifndef LDGATE_JSONPOS_H
#define LDGATE_JSONPOS_H

#include <stddef.h>

struct jsonpos;

/* Scans text (expected to be valid JSON). Returns NULL on allocation
 * failure or text that is not JSON. Caller frees with jsonpos_free(). */
struct jsonpos	*jsonpos_new(const char *text, size_t len);
/* 0 and the 1-based position of ptr's value, or -1 when unknown. */
int		 jsonpos_lookup(const struct jsonpos *, const char *ptr,
		    int *line, int *column);
void		 jsonpos_free(struct jsonpos *);

#endif
