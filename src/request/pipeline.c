#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/policyset.h"
#include "request/pipeline.h"

/* Header names the rules read, by enum pipeline_hdr. */
static const char *const pipeline_names[PIPELINE_NHDRS] = {
	"Authorization",
	"Content-Type",
	"Content-Length",
	"Transfer-Encoding",
	"X-HTTP-Method-Override",
	"Connection",
};

/*
 * Headers ldgate decides on: a Connection header naming one on a
 * protected route would have the next hop drop it after the decision was
 * made on it (docs/design.md section 1a).
 */
static const char *const pipeline_decided[] = {
	"Authorization", "Content-Type", "Content-Length", "Host",
	"X-HTTP-Method-Override", "LD-API-Version",
};

#define NDECIDED	(sizeof(pipeline_decided) / sizeof(pipeline_decided[0]))

void
pipeline_header(struct pipeline_headers *h, const char *name,
    const char *value)
{
	int	i;

	for (i = 0; i < PIPELINE_NHDRS; i++)
		if (strcasecmp(name, pipeline_names[i]) == 0) {
			if (h->n[i] < PIPELINE_HEADER_VALUES)
				h->v[i][h->n[i]] = value;
			h->n[i]++;
			return;
		}
}

/* Sets the refusal; returns PIPELINE_REFUSE. */
static enum pipeline_step __attribute__((format(printf, 3, 4)))
refuse(struct pipeline_out *out, enum status_err err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
	out->err = err;
	return out->step = PIPELINE_REFUSE;
}

/*
 * Framing a proxy must not guess at (request smuggling): two
 * Content-Length headers, Content-Length with Transfer-Encoding, a folded
 * header line.  NULL when the framing is sound.
 */
static const char *
framing(const struct pipeline_in *in, struct pipeline_out *out)
{
	const size_t	*n = in->headers->n;

	if (n[PIPELINE_CONTENT_LENGTH] > 1)
		return "more than one Content-Length header";
	if (n[PIPELINE_CONTENT_LENGTH] > 0 && n[PIPELINE_TRANSFER_ENCODING] > 0)
		return "both Content-Length and Transfer-Encoding";
	if (in->folded) {
		/* The stream can no longer be trusted: close after the 400. */
		out->close = 1;
		return "a header line is folded (obs-fold, RFC 9112 section 5.2)";
	}
	return NULL;
}

/* The decided header a Connection value names, or NULL. */
static const char *
connection_names_decided(const char *v)
{
	const char	*tok, *end;
	size_t		 i, len;

	for (tok = v; *tok != '\0'; tok = *end ? end + 1 : end) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = strchr(tok, ',');
		if (end == NULL)
			end = tok + strlen(tok);
		for (len = (size_t)(end - tok); len > 0 &&
		    (tok[len - 1] == ' ' || tok[len - 1] == '\t'); len--)
			;
		for (i = 0; i < NDECIDED; i++)
			if (strlen(pipeline_decided[i]) == len &&
			    strncasecmp(tok, pipeline_decided[i], len) == 0)
				return pipeline_decided[i];
	}
	return NULL;
}

/* The header rules of a protected route; PIPELINE_REFUSE or 0. */
static enum pipeline_step
protected_headers(const struct pipeline_headers *h, struct pipeline_out *out)
{
	const char	*named;
	size_t		 i;

	if (h->n[PIPELINE_CONNECTION] > PIPELINE_HEADER_VALUES)
		return refuse(out, STATUS_INVALID_REQUEST, "more than %d "
		    "Connection headers", PIPELINE_HEADER_VALUES);
	for (i = 0; i < h->n[PIPELINE_CONNECTION]; i++)
		if ((named = connection_names_decided(
		    h->v[PIPELINE_CONNECTION][i])) != NULL)
			return refuse(out, STATUS_INVALID_REQUEST, "Connection "
			    "names %s, a header ldgate decides on", named);
	if (h->n[PIPELINE_AUTHORIZATION] == 0)
		return refuse(out, STATUS_UNAUTHORIZED, "an Authorization "
		    "header is required");
	if (h->n[PIPELINE_AUTHORIZATION] > 1)
		return refuse(out, STATUS_INVALID_REQUEST, "more than one "
		    "Authorization header");
	/* The body is judged by one Content-Type; the upstream must not be
	 * able to pick another. */
	if (h->n[PIPELINE_CONTENT_TYPE] > 1)
		return refuse(out, STATUS_INVALID_REQUEST, "more than one "
		    "Content-Type header");
	return 0;
}

/* Actions from the body of a PATCH, or the route's fixed one. */
static enum pipeline_step
protected_actions(const struct pipeline_conf *conf,
    const struct pipeline_in *in, struct pipeline_out *out)
{
	const struct pipeline_headers	*h = in->headers;
	struct patch_limits		 limits;
	const char			*ctype;
	char				 err[PIPELINE_MESSAGE_MAX];

	if (in->body_len > conf->body_bytes)
		return refuse(out, STATUS_TOO_LARGE, "body larger than "
		    "limits.bodyBytes");
	if (out->route.op != ROUTE_OP_PATCH) {
		out->actions = out->route.actions;
		return 0;
	}
	limits.max_ops = conf->patch_ops;
	limits.max_depth = conf->json_depth;
	ctype = h->n[PIPELINE_CONTENT_TYPE] ? h->v[PIPELINE_CONTENT_TYPE][0] :
	    NULL;
	switch (patch_parse(in->body ? in->body : "", in->body_len, ctype,
	    out->route.kind == ROUTE_KIND_INTEGRATION ?
	    PATCH_TARGET_INTEGRATION : PATCH_TARGET_DELIVERY, &limits,
	    &out->patch, err, sizeof(err))) {
	case 0:
		break;
	case PATCH_ENOMEM:
		return refuse(out, STATUS_OVERLOADED, "the gateway is out of "
		    "resources: nothing was forwarded");
	default:
		return refuse(out, STATUS_INVALID_REQUEST, "%s", err);
	}
	out->actions = out->patch.actions;
	return 0;
}

static enum pipeline_step
protected(const struct pipeline_conf *conf, const struct pipeline_in *in,
    struct pipeline_out *out)
{
	const struct pipeline_headers	*h = in->headers;

	if (protected_headers(h, out) != 0)
		return out->step;
	out->auth = h->v[PIPELINE_AUTHORIZATION][0];
	fingerprint(out->auth, strlen(out->auth), out->fp);
	out->principal = policyset_by_fingerprint(conf->policy, out->fp);
	if (protected_actions(conf, in, out) != 0)
		return out->step;
	/* An integration configuration's URL carries its id, not its key. */
	if (out->route.needs_key)
		return out->step = PIPELINE_NEED_KEY;
	pipeline_object(out, NULL);
	return out->step;
}

enum pipeline_step
pipeline_run(const struct pipeline_conf *conf, const struct pipeline_in *in,
    struct pipeline_out *out)
{
	const struct pipeline_headers	*h = in->headers;
	size_t				 nov = h->n[PIPELINE_METHOD_OVERRIDE];
	const char			*why;

	memset(out, 0, sizeof(*out));
	if (nov > PIPELINE_HEADER_VALUES)
		nov = PIPELINE_HEADER_VALUES;	/* still "more than once" */
	route_classify(in->method, h->v[PIPELINE_METHOD_OVERRIDE], nov,
	    in->target, &out->route);
	/* Every request that would change an integration, even a refused
	 * one, is accounted for in the audit trail. */
	out->audited = out->route.intercepted &&
	    out->route.verdict != ROUTE_READ;
	if ((why = framing(in, out)) != NULL)
		return refuse(out, STATUS_INVALID_REQUEST, "%s", why);
	switch (out->route.verdict) {
	case ROUTE_PASS:
		if (!conf->passthrough)
			return refuse(out, STATUS_FORBIDDEN, "this gateway "
			    "forwards only integration configuration changes");
		/* FALLTHROUGH */
	case ROUTE_READ:
		return out->step = PIPELINE_FORWARD;
	case ROUTE_BAD_REQUEST:
		return refuse(out, STATUS_INVALID_REQUEST, "%s",
		    out->route.reason);
	case ROUTE_FORBIDDEN:
		return refuse(out, STATUS_FORBIDDEN, "%s", out->route.reason);
	case ROUTE_PROTECTED:
		break;
	}
	return protected(conf, in, out);
}

void
pipeline_object(struct pipeline_out *out, const char *key)
{
	access_object(&out->obj, &out->route, key);
	out->step = PIPELINE_DECIDE;
}

int
pipeline_decide(const struct pipeline_conf *conf, struct pipeline_out *out,
    struct access_verdict *v)
{
	if (access_decide(conf->policy, out->principal, &out->obj,
	    out->actions, v))
		return 1;
	refuse(out, STATUS_FORBIDDEN, "the gateway's policy denies this "
	    "change");
	return 0;
}

void
pipeline_clear(struct pipeline_out *out)
{
	patch_clear(&out->patch);
}
