#include <stddef.h>

#include "request/status.h"

static const struct status_row {
	enum status_err	 err;
	int		 http;
	const char	*code;
} status_rows[] = {
	{ STATUS_INVALID_REQUEST,	400, "invalid_request" },
	{ STATUS_UNAUTHORIZED,		401, "unauthorized" },
	{ STATUS_FORBIDDEN,		403, "forbidden" },
	{ STATUS_TOO_LARGE,		413, "request_too_large" },
	{ STATUS_UPSTREAM_UNAVAILABLE,	502, "upstream_unavailable" },
	{ STATUS_AUDIT_UNAVAILABLE,	503, "audit_unavailable" },
	{ STATUS_OVERLOADED,		503, "overloaded" },
	{ STATUS_UPSTREAM_TIMEOUT,	504, "upstream_timeout" },
};

/* Phrases for the statuses ldgate writes, and the upstream's refusals of
 * a resolution GET that it relays (401, 403, 404). */
static const struct status_phrase {
	int		 http;
	const char	*reason;
} status_phrases[] = {
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 413, "Payload Too Large" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

#define NROWS		(sizeof(status_rows) / sizeof(status_rows[0]))
#define NPHRASES	(sizeof(status_phrases) / sizeof(status_phrases[0]))

static const struct status_row *
status_row(enum status_err err)
{
	size_t	i;

	for (i = 0; i < NROWS; i++)
		if (status_rows[i].err == err)
			return &status_rows[i];
	return NULL;
}

int
status_http(enum status_err err)
{
	const struct status_row	*r = status_row(err);

	return r ? r->http : 500;
}

const char *
status_code(enum status_err err)
{
	const struct status_row	*r = status_row(err);

	return r ? r->code : "internal_error";
}

const char *
status_reason(int http)
{
	size_t	i;

	for (i = 0; i < NPHRASES; i++)
		if (status_phrases[i].http == http)
			return status_phrases[i].reason;
	return "Error";
}
