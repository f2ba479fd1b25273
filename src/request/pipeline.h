/*
 * pipeline: from a request as it arrived to what ldgate does with it --
 * the one sequence of rules that `ldgate serve` and `ldgate eval` share, so
 * that eval cannot explain a decision the gateway would not make
 * (docs/design.md sections 1, 1a, 2 and 7; docs/architecture.md, "One
 * pipeline").  Pure: no I/O, no clock, no global state; safe from any
 * thread.
 *
 *	pipeline_header()	collect the headers the rules read
 *	pipeline_run()		route, framing, headers, principal, patch
 *	pipeline_object()	the object, once the integration key is known
 *	pipeline_decide()	the policy's decision on every access
 *
 * Ownership: struct pipeline_out owns its patch (pipeline_clear frees it);
 * every string it points to is borrowed from the input or the policy set,
 * which must outlive it.
 */
#ifndef LDGATE_PIPELINE_H
#define LDGATE_PIPELINE_H

#include <stddef.h>
#include <stdint.h>

#include "request/access.h"
#include "request/patch.h"
#include "request/route.h"
#include "request/status.h"
#include "util/fingerprint.h"

struct policyset;
struct principal;

/* Values kept per header; the count is always exact. */
#define PIPELINE_HEADER_VALUES	4
#define PIPELINE_MESSAGE_MAX	256

/* The headers whose values the rules read, by their index. */
enum pipeline_hdr {
	PIPELINE_AUTHORIZATION = 0,
	PIPELINE_CONTENT_TYPE,
	PIPELINE_CONTENT_LENGTH,
	PIPELINE_TRANSFER_ENCODING,
	PIPELINE_METHOD_OVERRIDE,
	PIPELINE_CONNECTION,
	PIPELINE_NHDRS
};

struct pipeline_headers {
	size_t		 n[PIPELINE_NHDRS];	/* times each was sent */
	const char	*v[PIPELINE_NHDRS][PIPELINE_HEADER_VALUES]; /* borrowed */
};

/* What the configuration says that the rules need. */
struct pipeline_conf {
	const struct policyset	*policy;
	int			 passthrough;	/* forward other requests */
	uint64_t		 body_bytes;	/* limits, inclusive */
	size_t			 patch_ops;
	size_t			 json_depth;
};

struct pipeline_in {
	const char			*method;	/* as received */
	const char			*target;	/* raw request-target */
	const struct pipeline_headers	*headers;
	int				 folded;	/* a header used obs-fold */
	const char			*body;		/* may be NULL if len 0 */
	size_t				 body_len;
};

enum pipeline_step {
	PIPELINE_FORWARD = 1,	/* pass it on untouched; no record */
	PIPELINE_REFUSE,	/* answer err + message; recorded if audited */
	PIPELINE_NEED_KEY,	/* learn route.id's integration key, then
				   pipeline_object() */
	PIPELINE_DECIDE		/* object and actions known: pipeline_decide() */
};

struct pipeline_out {
	enum pipeline_step	 step;
	/* The loose form lies under a protected prefix and it is no read:
	 * a decision record comes before any answer or forward. */
	int			 audited;
	int			 close;		/* framing in doubt: close after */
	enum status_err		 err;		/* PIPELINE_REFUSE */
	char			 message[PIPELINE_MESSAGE_MAX];
	struct route_match	 route;
	struct patch		 patch;		/* owned; PATCH routes */
	unsigned		 actions;	/* ACTION_* bits needed */
	const char		*auth;		/* the Authorization value */
	char			 fp[FINGERPRINT_LEN + 1]; /* "" before known */
	const struct principal	*principal;	/* NULL: nobody we know */
	struct access_object	 obj;		/* after pipeline_object */
};

/*
 * Adds one request header.  Only the names the rules read are kept (in
 * any letter case); every other header is ignored.  value is borrowed.
 */
void	pipeline_header(struct pipeline_headers *, const char *name,
	    const char *value);

/*
 * Runs the rules in their order -- route and method override, framing,
 * the passthrough switch, Connection, Authorization and Content-Type
 * counts, principal, body size, JSON Patch -- and says what comes next in
 * out->step (also returned).  out is overwritten; pipeline_clear() it
 * afterwards whatever the step.
 */
enum pipeline_step	pipeline_run(const struct pipeline_conf *,
			    const struct pipeline_in *, struct pipeline_out *);

/*
 * Names the object the request acts on.  key is the integration key of
 * route.id when the step was PIPELINE_NEED_KEY, and ignored otherwise.
 * Sets out->step to PIPELINE_DECIDE.
 */
void	pipeline_object(struct pipeline_out *, const char *key);

/*
 * Decides every access into v.  Returns 1 when all are allowed; on a deny
 * out->step becomes PIPELINE_REFUSE with STATUS_FORBIDDEN.
 */
int	pipeline_decide(const struct pipeline_conf *, struct pipeline_out *,
	    struct access_verdict *v);

/* Frees what out owns; out may be zeroed or half-filled. */
void	pipeline_clear(struct pipeline_out *);

#endif
