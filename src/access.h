/*
 * access: from a classified protected request to the (resource, action)
 * pairs it needs, and their decision (DESIGN.md sections 1-3).  Pure: the
 * gateway (txn.c) and `ldgate eval --method --path` share it.
 */
#ifndef LDGATE_ACCESS_H
#define LDGATE_ACCESS_H

#include <stddef.h>

#include <jansson.h>

#include "route.h"
#include "specifier.h"

struct policyset;
struct principal;

#define ACCESS_TEXT_MAX	(4 * ROUTE_PARAM_MAX + 64)

/* The object a request acts on, as an alias set (no allocation). */
struct access_object {
	struct spec_segment	segs[4];
	struct specifier	aliases[2];
	size_t			naliases;
	char			kid[2 * ROUTE_PARAM_MAX + 2];	/* KEY or KEY/ID */
	char			text[ACCESS_TEXT_MAX];		/* first alias */
};

/*
 * Names the object of a protected request m.  key is the integration key
 * for integration-configuration routes with an id (resolved upstream);
 * ignored otherwise.  The gateway learns no tags, so every segment is
 * unresolved (';?'): a tag-qualified allow never applies, a deny always.
 * obj must not move afterwards (the aliases point into it).
 */
void	access_object(struct access_object *obj, const struct route_match *m,
	    const char *key);

/*
 * Decides every action in actions (ACTION_* bits) on obj for principal
 * (NULL: unknown).  Returns 1 when all are allowed.  Appends the
 * explanation of each to allowed / denied (either may be NULL).
 */
int	access_decide(const struct policyset *, const struct principal *,
	    const struct access_object *obj, unsigned actions, json_t *allowed,
	    json_t *denied);

#endif
