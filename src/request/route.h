/*
 * route: classify a request by its method, X-HTTP-Method-Override headers
 * and raw request-target (docs/design.md section 1).  Pure: no I/O, no global
 * state, safe to call from any thread.
 */
#ifndef LDGATE_ROUTE_H
#define LDGATE_ROUTE_H

#include <stddef.h>

#define ROUTE_PARAM_MAX		256	/* longest path segment, bytes */
#define ROUTE_PATH_MAX		8192	/* longest path (before '?'), bytes */
#define ROUTE_METHOD_MAX	15	/* longest method we classify */

enum route_kind {
	ROUTE_KIND_DELIVERY = 1,	/* integration-delivery-configuration */
	ROUTE_KIND_BIG_SEGMENT,		/* integration-big-segment-store */
	ROUTE_KIND_INTEGRATION		/* integration */
};

enum route_op {
	ROUTE_OP_PATCH = 1,		/* actions come from the JSON Patch body */
	ROUTE_OP_CREATE,
	ROUTE_OP_DELETE,
	ROUTE_OP_VALIDATE
};

/* The alias set a route's object goes by (docs/design.md section 1). */
enum route_alias {
	ROUTE_ALIAS_ENV = 1,	/* proj/{p}:env/{e}:integration/{k}[/{id}],
				   integration/{k}[/{id}] */
	ROUTE_ALIAS_INTEGRATION	/* integration/{k}[/{id}] */
};

enum route_verdict {
	ROUTE_PASS = 1,		/* not intercepted: pass through */
	ROUTE_READ,		/* GET/HEAD on an intercepted path: pass through */
	ROUTE_PROTECTED,	/* a protected route: decide, audit, forward */
	ROUTE_BAD_REQUEST,	/* 400 invalid_request */
	ROUTE_FORBIDDEN		/* 403: canonical, intercepted, not a known route */
};

struct route_match {
	enum route_verdict	 verdict;
	/*
	 * 1 when the path's loose form lies under an intercepted prefix
	 * (/api/v2/integration-configurations or -capabilities), whatever
	 * the verdict: refusals of such requests are audited.
	 */
	int			 intercepted;
	/* Effective method, upper-cased; "" if the method itself is invalid. */
	char			 method[ROUTE_METHOD_MAX + 1];
	/* Set only for ROUTE_PROTECTED (zero otherwise). */
	enum route_kind		 kind;
	enum route_op		 op;
	unsigned		 actions;	/* fixed ACTION_* bits; 0 for PATCH */
	enum route_alias	 alias;
	/* The template has an {id} but no {k}: the integration key must be
	 * learned (upstream) before the object can be named. */
	int			 needs_key;
	/* Path parameters, NUL-terminated; "" when the template lacks them. */
	char			 proj[ROUTE_PARAM_MAX + 1];
	char			 env[ROUTE_PARAM_MAX + 1];
	char			 key[ROUTE_PARAM_MAX + 1];
	char			 id[ROUTE_PARAM_MAX + 1];
	/* Static text explaining a BAD_REQUEST or FORBIDDEN, else NULL. */
	const char		*reason;
};

/*
 * Classify a request.  method is the request method; overrides holds the
 * value of every X-HTTP-Method-Override header, in order (noverrides may
 * be 0, and overrides NULL then); target is the raw request-target, path
 * plus optional query, exactly as received and NUL-terminated: the caller
 * refuses a target with an embedded NUL byte before calling.
 * Fills *out, which the caller owns (nothing is allocated), and returns
 * out->verdict.  The query is never interpreted: the caller forwards the
 * target unchanged.
 */
enum route_verdict	 route_classify(const char *method,
			    const char *const *overrides, size_t noverrides,
			    const char *target, struct route_match *out);

/* "integration-delivery-configuration", ...; static, "" if unknown. */
const char		*route_kind_name(enum route_kind kind);

/* One protected route as docs/design.md section 1 shows it. */
struct route_info {
	const char	*method;
	char		 path[160];	/* "/api/v2/.../{p}/{e}/{k}/{id}" */
	const char	*kind;		/* route_kind_name */
	const char	*action;	/* an action name, or NULL: the patch's */
	char		 resources[160]; /* the alias set, ", "-separated */
};

/*
 * Describes the protected route at index i of the table that routing
 * uses, into *out.  Returns 0, or -1 past the last route.  (The docs'
 * table is checked against this: tests/unit/request/test_route.c.)
 */
int			 route_describe(size_t i, struct route_info *out);

#endif
