/*
 * patch: a JSON Patch request body, strictly parsed, and the integration
 * actions it needs (docs/design.md section 2).  Pure: no I/O, no global state,
 * safe to call from any thread.
 */
#ifndef LDGATE_PATCH_H
#define LDGATE_PATCH_H

#include <stddef.h>

#include <jansson.h>

/* Defaults for struct patch_limits, when the caller has none. */
#define PATCH_MAX_OPS_DEFAULT	100
#define PATCH_MAX_DEPTH_DEFAULT	32

/* patch_parse's answer when memory ran out: not the client's fault. */
#define PATCH_ENOMEM		-2

enum patch_target {
	PATCH_TARGET_DELIVERY = 1,	/* featureStore and big-segment-store */
	PATCH_TARGET_INTEGRATION	/* integration-configurations */
};

/*
 * Inclusive limits.  Depth is the nesting of arrays and objects in the
 * whole body: a scalar is 0 deep, a container 1 more than its deepest
 * member, so [{"op":"remove","path":"/on"}] is 2 deep and the same patch
 * in {"patch": [...]} is 3 deep.
 */
struct patch_limits {
	size_t	max_ops;
	size_t	max_depth;
};

struct patch {
	json_t		*ops;		/* owned reference: the op array */
	char		*comment;	/* owned; NULL when absent */
	unsigned	 actions;	/* ACTION_* bits the patch needs */
};

/*
 * Parse the body[0..len) of a request to a PATCH route of the given
 * target.  content_type is the Content-Type header value, NULL when
 * absent; limits NULL means the defaults above.  Returns 0 and fills *out,
 * which the caller releases with patch_clear(); or -1 with a message in
 * err (errlen bytes, may be 0) and *out zeroed: nothing is allocated then;
 * or PATCH_ENOMEM the same way when memory ran out.
 * Messages name the offending op by its index in the array, from 0.
 */
int	patch_parse(const char *body, size_t len, const char *content_type,
	    enum patch_target target, const struct patch_limits *limits,
	    struct patch *out, char *err, size_t errlen);

/* Release what *p owns and zero it; a zeroed patch is fine. */
void	patch_clear(struct patch *p);

#endif
