/*
 * resolve: what an integration configuration's URL does not say (docs/design.md
 * section 4).  Its PATCH URL carries only the id; the integration key comes
 * from GET /api/v2/integration-configurations/{id} upstream (txn.c sends
 * it with the caller's credentials).  A key never changes for an id, so the
 * answer is cached, bounded, per worker (no locks).
 */
#ifndef LDGATE_RESOLVE_H
#define LDGATE_RESOLVE_H

#include <stddef.h>

struct resolve;

struct resolve	*resolve_new(size_t capacity);
void		 resolve_free(struct resolve *);
/* The cached key for id, or NULL.  Valid until the next resolve_store(). */
const char	*resolve_lookup(const struct resolve *, const char *id);
/* Caches id -> key, evicting whatever shared the slot. */
void		 resolve_store(struct resolve *, const char *id, const char *key);
/*
 * Extracts "_integrationKey" from a GET response body.  Returns 0 and the
 * key in out (outlen bytes), or -1 when the body is not JSON, lacks it, or
 * the key is not a plain key (letters, digits, '.', '_', '-').
 */
int		 resolve_parse_key(const char *body, size_t len, char *out,
		    size_t outlen);

#endif
