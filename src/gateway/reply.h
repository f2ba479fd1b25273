/*
 * reply: the error responses ldgate itself writes, in LaunchDarkly's shape
 * {"code", "message", "id"} with Content-Type: application/json
 * (DESIGN.md section 5).
 */
#ifndef LDGATE_REPLY_H
#define LDGATE_REPLY_H

#include <jansson.h>

struct evhttp_request;

/*
 * Finishes req with status and a JSON error body.  id (may be NULL) is the
 * request's audit id; extra (may be NULL; reference stolen) is merged into
 * the body.  message must hold no secret: it is sent to the client.
 */
void	reply_error(struct evhttp_request *, int status, const char *code,
	    const char *message, const char *id, json_t *extra);

/* The code LaunchDarkly uses for an HTTP status ldgate answers with. */
const char	*reply_code(int status);

#endif
