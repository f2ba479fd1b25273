/*
 * access: from a classified protected request to the (resource, action)
 * pairs it needs, and their decision (docs/design.md sections 1-3).  Pure:
 * the pipeline (pipeline.c) is its caller for the gateway and `ldgate eval`
 * alike.
 */
#ifndef LDGATE_ACCESS_H
#define LDGATE_ACCESS_H

#include <stddef.h>

#include <jansson.h>

#include "engine/action.h"
#include "engine/decide.h"
#include "request/route.h"
#include "engine/specifier.h"

struct jsonw;
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
 * Could key be an integration key: 1 to ROUTE_PARAM_MAX characters, each
 * one a specifier may hold unescaped?  The one rule for a key learned
 * upstream (gateway/resolve.c) and a key given to `ldgate eval --key`.
 */
int	access_key_valid(const char *key);

/* The decisions of a request's actions, in ACTION_* bit order. */
struct access_verdict {
	int			allow;		/* every action is allowed */
	size_t			n;
	unsigned		bits[ACTION_COUNT];
	struct decide_result	r[ACTION_COUNT];
};

/*
 * Decides every action in actions (ACTION_* bits) on obj for principal
 * (NULL: unknown) into v.  Returns v->allow: 1 when all are allowed.
 */
int	access_decide(const struct policyset *, const struct principal *,
	    const struct access_object *obj, unsigned actions,
	    struct access_verdict *v);

/* Appends the explanation of each decision to allowed / denied (either may
 * be NULL), in the shape of LaunchDarkly's _access (explain.h). */
void	access_explain(const struct access_verdict *,
	    const struct access_object *obj, json_t *allowed, json_t *denied);

/* The same as JSON text: {"allowed":[...],"denied":[...]}. */
void	access_explain_write(const struct access_verdict *,
	    const struct access_object *obj, struct jsonw *w);

#endif
