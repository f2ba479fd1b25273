/*
 * jsonfile: a JSON document read strictly from a file, with the position
 * of every value kept, so that a loader can say where in the file a bad
 * value sits.  jansson keeps no positions for decoded values; jsonpos.c
 * re-scans the text once and maps each RFC 6901 pointer to line:column.
 */
#ifndef LDGATE_JSONFILE_H
#define LDGATE_JSONFILE_H

#include <jansson.h>

#include "util/diag.h"

struct jsonpos;

struct jsonfile {
	char		*path;		/* owned, as given (for messages) */
	json_t		*root;		/* owned reference */
	struct jsonpos	*pos;		/* owned */
};

/*
 * Reads and decodes path with duplicate keys rejected.  On failure adds a
 * located error to diag and returns NULL.  The caller frees the result
 * with jsonfile_free().
 */
struct jsonfile	*jsonfile_load(const char *path, struct diag *);
/* As jsonfile_load() but from memory; name is used in messages. */
struct jsonfile	*jsonfile_load_buffer(const char *name, const char *buf,
		    size_t len, struct diag *);
void		 jsonfile_free(struct jsonfile *);

/*
 * Adds an error located at the value named by the JSON pointer ptr
 * ("" = the whole document; "/roles/2/policy/0/effect").  An unknown
 * pointer falls back to the nearest known ancestor.
 */
void	jsonfile_error(struct diag *, const struct jsonfile *, const char *ptr,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void	jsonfile_warn(struct diag *, const struct jsonfile *, const char *ptr,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * Appends token to a JSON pointer held in buf (size bufsz), escaping '~'
 * and '/' per RFC 6901.  Returns buf.  Truncates silently; pointers are
 * only used for messages.
 */
char	*jsonfile_ptr_join(char *buf, size_t bufsz, const char *base,
	    const char *token);
char	*jsonfile_ptr_join_index(char *buf, size_t bufsz, const char *base,
	    size_t index);

#endif
