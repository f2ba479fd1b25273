/*
 * arena: bump allocator for data that lives exactly as long as its owner
 * (a loaded policy set).  Everything is freed at once by arena_free(), so
 * the compiled policy needs no per-object teardown.
 *
 * Allocation failure is fatal: arenas are filled at start-up or by the CLI,
 * never on the request path.
 */
#ifndef LDGATE_ARENA_H
#define LDGATE_ARENA_H

#include <stddef.h>

struct arena;

struct arena	*arena_new(void);
void		 arena_free(struct arena *);
/* Zeroed memory aligned for any type; valid until arena_free(). */
void		*arena_alloc(struct arena *, size_t);
/* Zeroed array of n elements of size sz (overflow is fatal). */
void		*arena_calloc(struct arena *, size_t n, size_t sz);
char		*arena_strdup(struct arena *, const char *);
char		*arena_strndup(struct arena *, const char *, size_t);

#endif
