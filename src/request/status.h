/*
 * status: the answers ldgate itself gives, one table (docs/design.md
 * section 5, "Errors"): each kind of refusal with its HTTP status and the
 * code LaunchDarkly's error shape carries.  Two kinds share 503, so the
 * code is never derived from the status.  Pure, static data.
 */
#ifndef LDGATE_STATUS_H
#define LDGATE_STATUS_H

enum status_err {
	STATUS_INVALID_REQUEST = 1,	/* 400 invalid_request */
	STATUS_UNAUTHORIZED,		/* 401 unauthorized */
	STATUS_FORBIDDEN,		/* 403 forbidden */
	STATUS_TOO_LARGE,		/* 413 request_too_large */
	STATUS_UPSTREAM_UNAVAILABLE,	/* 502 upstream_unavailable */
	STATUS_AUDIT_UNAVAILABLE,	/* 503 audit_unavailable */
	STATUS_OVERLOADED,		/* 503 overloaded: out of memory or fds */
	STATUS_UPSTREAM_TIMEOUT		/* 504 upstream_timeout */
};

/* The HTTP status of err; 500 for a value outside the enum. */
int		 status_http(enum status_err err);
/* The code of err ("invalid_request"); "internal_error" outside it. */
const char	*status_code(enum status_err err);
/* The reason phrase of an HTTP status ("Bad Request"); "Error" if unknown. */
const char	*status_reason(int http);

#endif
