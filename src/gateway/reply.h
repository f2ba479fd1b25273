/*
 * reply: the error responses ldgate itself writes, in LaunchDarkly's shape
 * {"code", "message", "id"} with Content-Type: application/json
 * (docs/design.md section 5).  Status and code come from one table
 * (request/status.h).
 */
#ifndef LDGATE_REPLY_H
#define LDGATE_REPLY_H

#include <jansson.h>

#include "request/status.h"

struct evhttp_request;

/*
 * Finishes req with err's status and a JSON error body.  id (may be NULL)
 * is the request's audit id; extra (may be NULL; reference stolen) is
 * merged into the body.  message must hold no secret: it is sent to the
 * client.
 */
void	reply_error(struct evhttp_request *, enum status_err err,
	    const char *message, const char *id, json_t *extra);

#endif
