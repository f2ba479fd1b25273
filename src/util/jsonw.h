/*
 * jsonw: JSON text written straight into a growable buffer.  The audit
 * records of every intercepted request are made with it: building a
 * jansson tree only to serialize it cost a quarter of the request's CPU
 * (docs/performance.md).  Output is compact, in the order written, the same
 * text jansson's json_dumps(JSON_COMPACT) gives.
 *
 * Errors are sticky: a failed allocation sets w->failed and later calls do
 * nothing, so a record is written call after call and checked once, at
 * jsonw_finish().  A jsonw owns its buffer until jsonw_finish() hands it over.
 */
#ifndef LDGATE_JSONW_H
#define LDGATE_JSONW_H

#include <stddef.h>

#include <jansson.h>

struct jsonw {
	char	*buf;
	size_t	 len;
	size_t	 cap;
	int	 failed;	/* out of memory, or a json_t not JSON */
};

/* An empty writer; hint is the expected size (may be 0). */
void	 jsonw_init(struct jsonw *, size_t hint);
/* Frees what the writer holds; it is empty again. */
void	 jsonw_free(struct jsonw *);

/* Bytes as they are: punctuation, keys known to need no escaping. */
void	 jsonw_raw(struct jsonw *, const char *, size_t);
#define	 jsonw_lit(w, s)	jsonw_raw((w), (s), sizeof(s) - 1)

/*
 * A string, quoted and escaped as jansson escapes (", \, control
 * characters; '/' and non-ASCII as they are), or null for NULL.  Bytes that
 * are not UTF-8 -- a raw query string can hold anything -- are written as
 * U+FFFD each, so a record is always valid JSON.
 */
void	 jsonw_str(struct jsonw *, const char *);
void	 jsonw_strn(struct jsonw *, const char *, size_t);
void	 jsonw_int(struct jsonw *, long long);
/* Between members: a comma unless *first, which is then cleared. */
void	 jsonw_sep(struct jsonw *, int *first);
/* jsonw_sep, then "key": -- an object member's start. */
void	 jsonw_key(struct jsonw *, int *first, const char *key);
/* Any JSON value (objects in their insertion order), or null for NULL. */
void	 jsonw_value(struct jsonw *, json_t *);

/*
 * Hands over the text: returns the buffer (NUL-terminated, length in
 * *len; the caller frees it), or NULL if anything failed.  The writer is
 * empty afterwards either way.
 */
char	*jsonw_finish(struct jsonw *, size_t *len);

#endif
