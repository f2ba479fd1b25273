/*
 * route: which requests are protected routes (docs/design.md section 1).
 *
 * Two views of the path are computed.  The *loose form* undoes every
 * spelling trick a server behind us might undo (percent-encoding, even
 * repeated; '\' for '/'; ";params"; empty and dot segments; letter case) so
 * that nothing that could reach an integration route upstream escapes our
 * attention.  The *raw path* must then already be canonical for a
 * non-read request, and it alone is matched against the templates: what we
 * check is exactly what the upstream routes.
 */
#include <stdio.h>
#include <string.h>

#include "engine/action.h"
#include "util/httpsyntax.h"
#include "request/route.h"

#define ROUTE_DECODE_ROUNDS	8	/* %2525... deeper than this: 400 */
#define ROUTE_TEMPLATE_SEGS	9	/* longest template, in segments */

struct route_seg {
	const char	*p;
	size_t		 len;
};

/* Loose form of a path; ~16 KiB, lives on the caller's stack. */
struct route_loose {
	char	 dec[ROUTE_PATH_MAX];		/* decoded until stable */
	size_t	 declen;
	char	 res[ROUTE_PATH_MAX + 1];	/* segments resolved, lower */
	size_t	 reslen;
	int	 stable;	/* decoding reached a fixed point */
	int	 odd;		/* decoded path has a control/non-ASCII byte */
};

/* Template segment markers; anything else is a literal. */
#define P_PROJ	"{p}"
#define P_ENV	"{e}"
#define P_KEY	"{k}"
#define P_ID	"{id}"

#define T_FS	"api", "v2", "integration-capabilities", "featureStore"
#define T_BS	"api", "v2", "integration-capabilities", "big-segment-store"
#define T_IC	"api", "v2", "integration-configurations"

#define ENV		ROUTE_ALIAS_ENV
#define INTEG		ROUTE_ALIAS_INTEGRATION
#define A_CREATE	ACTION_CREATE_INTEGRATION
#define A_DELETE	ACTION_DELETE_INTEGRATION
#define A_VALIDATE	ACTION_VALIDATE_CONNECTION

/*
 * The protected routes: the one table of them (docs/design.md section 1
 * is checked against it).  A route's action is fixed, or 0: the JSON
 * Patch's fields name it.  Its object's alias set follows alias; a
 * template without {k} has its key learned upstream.
 */
static const struct route_template {
	const char		*method;
	enum route_kind		 kind;
	enum route_op		 op;
	unsigned		 actions;
	enum route_alias	 alias;
	const char		*segs[ROUTE_TEMPLATE_SEGS + 1];	/* NULL ends */
} route_templates[] = {
	{ "PATCH", ROUTE_KIND_DELIVERY, ROUTE_OP_PATCH, 0, ENV,
	    { T_FS, P_PROJ, P_ENV, P_KEY, P_ID, NULL } },
	{ "DELETE", ROUTE_KIND_DELIVERY, ROUTE_OP_DELETE, A_DELETE, ENV,
	    { T_FS, P_PROJ, P_ENV, P_KEY, P_ID, NULL } },
	{ "POST", ROUTE_KIND_DELIVERY, ROUTE_OP_CREATE, A_CREATE, ENV,
	    { T_FS, P_PROJ, P_ENV, P_KEY, NULL } },
	{ "POST", ROUTE_KIND_DELIVERY, ROUTE_OP_VALIDATE, A_VALIDATE, ENV,
	    { T_FS, P_PROJ, P_ENV, P_KEY, P_ID, "validate", NULL } },
	{ "PATCH", ROUTE_KIND_BIG_SEGMENT, ROUTE_OP_PATCH, 0, ENV,
	    { T_BS, P_PROJ, P_ENV, P_KEY, P_ID, NULL } },
	{ "DELETE", ROUTE_KIND_BIG_SEGMENT, ROUTE_OP_DELETE, A_DELETE, ENV,
	    { T_BS, P_PROJ, P_ENV, P_KEY, P_ID, NULL } },
	{ "POST", ROUTE_KIND_BIG_SEGMENT, ROUTE_OP_CREATE, A_CREATE, ENV,
	    { T_BS, P_PROJ, P_ENV, P_KEY, NULL } },
	{ "PATCH", ROUTE_KIND_INTEGRATION, ROUTE_OP_PATCH, 0, INTEG,
	    { T_IC, P_ID, NULL } },
	{ "DELETE", ROUTE_KIND_INTEGRATION, ROUTE_OP_DELETE, A_DELETE, INTEG,
	    { T_IC, P_ID, NULL } },
	{ "POST", ROUTE_KIND_INTEGRATION, ROUTE_OP_CREATE, A_CREATE, INTEG,
	    { T_IC, "keys", P_KEY, NULL } },
};

#define NTEMPLATES	(sizeof(route_templates) / sizeof(route_templates[0]))

/* Loose-form prefixes that are intercepted, lower case. */
static const char *const route_prefixes[] = {
	"/api/v2/integration-configurations",
	"/api/v2/integration-capabilities",
};

/* Refusal texts, for the error body. */
static const char R_ARGS[] = "request method or target missing";
static const char R_LONG[] = "request path is too long";
static const char R_FORM[] = "request target is not in origin form";
static const char R_CTL[] = "request target contains a control byte";
static const char R_FRAG[] = "request target contains a fragment ('#')";
static const char R_8BIT[] = "request path contains a raw non-ASCII byte";
static const char R_DEEP[] =
    "request path is percent-encoded too many times";
static const char R_ODD[] = "request path decodes to a control or "
    "non-ASCII byte, refused on a non-read request";
static const char R_METHOD[] = "request method is not valid";
static const char R_OVR_TWICE[] =
    "X-HTTP-Method-Override given more than once";
static const char R_OVR_NOTPOST[] =
    "X-HTTP-Method-Override on a non-POST request to an integration route";
static const char R_OVR_BAD[] = "X-HTTP-Method-Override is not a method";
static const char R_OVR_VALUE[] = "X-HTTP-Method-Override on an "
    "integration route must be PATCH or DELETE";
static const char R_OVR_READ[] = "GET or HEAD tunnelled through "
    "X-HTTP-Method-Override on an integration route";
static const char R_PCT[] =
    "integration route path must not be percent-encoded";
static const char R_BSLASH[] =
    "integration route path must not contain '\\'";
static const char R_SEMI[] =
    "integration route path must not contain ';' parameters";
static const char R_EMPTY[] =
    "integration route path must not have empty segments";
static const char R_DOT[] =
    "integration route path must not have '.' or '..' segments";
static const char R_SEGLEN[] =
    "integration route path segment is longer than 256 bytes";
static const char R_CHAR[] = "integration route path segment has a "
    "character outside [A-Za-z0-9._-]";
static const char R_CASE[] =
    "integration route path differs from the route's letter case";
static const char R_NOMETHOD[] =
    "method not allowed on this integration route";
static const char R_UNKNOWN[] = "not a known integration route";

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
ascii_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Characters allowed in a canonical path segment: [A-Za-z0-9._-]. */
static int
is_segchar(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * Copy a method (a header value for overrides, so surrounding SP/HTAB is
 * not part of it) into dst upper-cased.  Returns 0, or -1 if it is not a
 * token of 1..ROUTE_METHOD_MAX bytes (dst is then "").
 */
static int
method_copy(char *dst, const char *src)
{
	size_t	i, n;

	dst[0] = '\0';
	while (*src == ' ' || *src == '\t')
		src++;
	n = strlen(src);
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t'))
		n--;
	if (n == 0 || n > ROUTE_METHOD_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (!httpsyntax_is_tchar((unsigned char)src[i])) {
			dst[0] = '\0';
			return -1;
		}
		dst[i] = (char)ascii_upper((unsigned char)src[i]);
	}
	dst[n] = '\0';
	return 0;
}

static int
method_is_read(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/*
 * One round of percent-decoding in place; an invalid %XY is kept as is.
 * Returns how many sequences were decoded.
 */
static size_t
pct_decode_round(char *buf, size_t *len)
{
	size_t	i, o, n = 0;
	int	hi, lo;

	for (i = o = 0; i < *len; i++) {
		if (buf[i] == '%' && i + 2 < *len &&
		    (hi = hexval((unsigned char)buf[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)buf[i + 2])) >= 0) {
			buf[o++] = (char)(hi << 4 | lo);
			i += 2;
			n++;
		} else
			buf[o++] = buf[i];
	}
	*len = o;
	return n;
}

/*
 * Append one decoded segment to the resolved form: ";params" dropped,
 * empty and "." skipped, ".." pops (never above the root), lower-cased.
 */
static void
loose_push(struct route_loose *lf, const char *s, size_t n)
{
	const char	*semi;
	size_t		 i;

	if ((semi = memchr(s, ';', n)) != NULL)
		n = (size_t)(semi - s);
	if (n == 0 || (n == 1 && s[0] == '.'))
		return;
	if (n == 2 && s[0] == '.' && s[1] == '.') {
		while (lf->reslen > 0 && lf->res[lf->reslen - 1] != '/')
			lf->reslen--;
		if (lf->reslen > 0)
			lf->reslen--;
		return;
	}
	lf->res[lf->reslen++] = '/';
	for (i = 0; i < n; i++)
		lf->res[lf->reslen++] = (char)ascii_lower((unsigned char)s[i]);
}

/*
 * Compute the loose form of path[0..len), len <= ROUTE_PATH_MAX.  The
 * resolved form never outgrows the decoded one plus a leading '/'.
 */
static void
loose_form(const char *path, size_t len, struct route_loose *lf)
{
	size_t	i, start;

	memcpy(lf->dec, path, len);
	lf->declen = len;
	lf->stable = 0;
	for (i = 0; i <= ROUTE_DECODE_ROUNDS; i++)
		if (pct_decode_round(lf->dec, &lf->declen) == 0) {
			lf->stable = 1;
			break;
		}
	lf->odd = 0;
	for (i = 0; i < lf->declen; i++)
		if (is_ctl((unsigned char)lf->dec[i]) ||
		    (unsigned char)lf->dec[i] >= 0x80)
			lf->odd = 1;
	lf->reslen = 0;
	for (i = start = 0; i <= lf->declen; i++)
		if (i == lf->declen || lf->dec[i] == '/' || lf->dec[i] == '\\') {
			loose_push(lf, lf->dec + start, i - start);
			start = i + 1;
		}
}

static int
loose_intercepted(const struct route_loose *lf)
{
	size_t	i, n;

	for (i = 0; i < sizeof(route_prefixes) / sizeof(route_prefixes[0]);
	    i++) {
		n = strlen(route_prefixes[i]);
		if (lf->reslen >= n &&
		    memcmp(lf->res, route_prefixes[i], n) == 0 &&
		    (lf->reslen == n || lf->res[n] == '/'))
			return 1;
	}
	return 0;
}

/*
 * Checks that hold for every request: origin form, no control byte, no
 * fragment, no raw 8-bit byte in the path, a decodable path.  Returns a
 * refusal reason or NULL.
 */
static const char *
target_check(const char *target, size_t pathlen, const struct route_loose *lf)
{
	const unsigned char	*p;

	if (target[0] != '/')
		return R_FORM;
	for (p = (const unsigned char *)target; *p != '\0'; p++) {
		if (is_ctl(*p))
			return R_CTL;
		if (*p == '#')
			return R_FRAG;
		if (*p >= 0x80 && (size_t)(p - (const unsigned char *)target) <
		    pathlen)
			return R_8BIT;
	}
	if (!lf->stable)
		return R_DEEP;
	return NULL;
}

/* Why one raw path segment is not canonical, or NULL. */
static const char *
segment_check(const char *s, size_t n)
{
	const char	*r = NULL;
	size_t		 i;

	if (n == 0)
		return R_EMPTY;
	/* The specific complaints first: they name the trick. */
	for (i = 0; i < n; i++) {
		if (s[i] == '%')
			return R_PCT;
		if (s[i] == '\\')
			return R_BSLASH;
		if (s[i] == ';')
			return R_SEMI;
		if (!is_segchar((unsigned char)s[i]) && r == NULL)
			r = R_CHAR;
	}
	if (r != NULL)
		return r;
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return R_DOT;
	if (n > ROUTE_PARAM_MAX)
		return R_SEGLEN;
	return NULL;
}

/*
 * Split a raw path (starting with '/') into segments, requiring each to be
 * canonical.  Stores at most max of them; *nsegs counts all.  Returns a
 * refusal reason or NULL.
 */
static const char *
canonical_split(const char *path, size_t len, struct route_seg *segs,
    size_t max, size_t *nsegs)
{
	const char	*r;
	size_t		 i, start;

	*nsegs = 0;
	for (i = start = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		if ((r = segment_check(path + start, i - start)) != NULL)
			return r;
		if (*nsegs < max) {
			segs[*nsegs].p = path + start;
			segs[*nsegs].len = i - start;
		}
		(*nsegs)++;
		start = i + 1;
	}
	return NULL;
}

/* 0 exact, 1 equal but for ASCII letter case, -1 different. */
static int
seg_compare(const struct route_seg *s, const char *lit)
{
	size_t	i;
	int	folded = 0;

	if (strlen(lit) != s->len)
		return -1;
	for (i = 0; i < s->len; i++) {
		if (s->p[i] == lit[i])
			continue;
		if (ascii_lower((unsigned char)s->p[i]) !=
		    ascii_lower((unsigned char)lit[i]))
			return -1;
		folded = 1;
	}
	return folded;
}

/* Match one template's shape: 0 exact, 1 only up to case, -1 no. */
static int
template_shape(const struct route_template *t, const struct route_seg *segs,
    size_t nsegs)
{
	size_t	i;
	int	c, folded = 0;

	for (i = 0; i < nsegs; i++) {
		if (t->segs[i] == NULL)
			return -1;
		if (t->segs[i][0] == '{')
			continue;
		if ((c = seg_compare(&segs[i], t->segs[i])) < 0)
			return -1;
		folded |= c;
	}
	return t->segs[i] == NULL ? folded : -1;
}

static void
param_copy(char *dst, const struct route_seg *s)
{
	/* canonical_split bounded the length by ROUTE_PARAM_MAX. */
	memcpy(dst, s->p, s->len);
	dst[s->len] = '\0';
}

static enum route_verdict
protect(struct route_match *out, const struct route_template *t,
    const struct route_seg *segs)
{
	size_t	i;

	out->verdict = ROUTE_PROTECTED;
	out->kind = t->kind;
	out->op = t->op;
	out->actions = t->actions;
	out->alias = t->alias;
	out->needs_key = 1;
	for (i = 0; t->segs[i] != NULL; i++) {
		if (strcmp(t->segs[i], P_PROJ) == 0)
			param_copy(out->proj, &segs[i]);
		else if (strcmp(t->segs[i], P_ENV) == 0)
			param_copy(out->env, &segs[i]);
		else if (strcmp(t->segs[i], P_KEY) == 0) {
			param_copy(out->key, &segs[i]);
			out->needs_key = 0;
		}
		else if (strcmp(t->segs[i], P_ID) == 0)
			param_copy(out->id, &segs[i]);
	}
	return out->verdict;
}

static enum route_verdict
refuse(struct route_match *out, enum route_verdict v, const char *reason)
{
	out->verdict = v;
	out->reason = reason;
	return v;
}

/*
 * Match a canonical intercepted path against the templates.  A spelling
 * that equals a template but for letter case is a 400, not a 403: it is
 * the kind of trick the loose form exists to catch, and a case-insensitive
 * upstream would route it.
 */
static enum route_verdict
match_templates(struct route_match *out, const struct route_seg *segs,
    size_t nsegs)
{
	const struct route_template	*t;
	int				 shape, folded = 0, other = 0;

	/*
	 * The loose form put the path under api/v2/integration-*, so these
	 * three segments can only differ from it in case.
	 */
	if (nsegs < 3 || seg_compare(&segs[0], "api") != 0 ||
	    seg_compare(&segs[1], "v2") != 0 ||
	    (seg_compare(&segs[2], "integration-capabilities") != 0 &&
	    seg_compare(&segs[2], "integration-configurations") != 0))
		return refuse(out, ROUTE_BAD_REQUEST, R_CASE);
	if (nsegs > ROUTE_TEMPLATE_SEGS)
		return refuse(out, ROUTE_FORBIDDEN, R_UNKNOWN);
	for (t = route_templates; t < route_templates + NTEMPLATES; t++) {
		if ((shape = template_shape(t, segs, nsegs)) < 0)
			continue;
		if (shape > 0)
			folded = 1;
		else if (strcmp(out->method, t->method) == 0)
			return protect(out, t, segs);
		else
			other = 1;
	}
	if (folded)
		return refuse(out, ROUTE_BAD_REQUEST, R_CASE);
	return refuse(out, ROUTE_FORBIDDEN, other ? R_NOMETHOD : R_UNKNOWN);
}

/*
 * A request whose loose path is intercepted: settle the effective method,
 * let reads through, and demand a canonical path that names a protected
 * route from everything else.
 */
static enum route_verdict
classify_intercepted(const char *const *overrides, size_t noverrides,
    const char *path, size_t pathlen, struct route_match *out)
{
	struct route_seg	 segs[ROUTE_TEMPLATE_SEGS];
	size_t			 nsegs;
	const char		*r;

	if (noverrides > 1)
		return refuse(out, ROUTE_BAD_REQUEST, R_OVR_TWICE);
	if (noverrides == 1) {
		if (strcmp(out->method, "POST") != 0)
			return refuse(out, ROUTE_BAD_REQUEST, R_OVR_NOTPOST);
		if (method_copy(out->method, overrides[0]) == -1)
			return refuse(out, ROUTE_BAD_REQUEST, R_OVR_BAD);
		/* We cannot tell that LaunchDarkly treats it as a read. */
		if (method_is_read(out->method))
			return refuse(out, ROUTE_BAD_REQUEST, R_OVR_READ);
		/* A tunnel exists to carry PATCH and DELETE; anything else
		 * (a POST that claims to be a POST, a PUT) has no business
		 * on an integration route (docs/design.md section 1). */
		if (strcmp(out->method, "PATCH") != 0 &&
		    strcmp(out->method, "DELETE") != 0)
			return refuse(out, ROUTE_BAD_REQUEST, R_OVR_VALUE);
	}
	if (method_is_read(out->method)) {
		out->verdict = ROUTE_READ;
		return out->verdict;
	}
	if ((r = canonical_split(path, pathlen, segs, ROUTE_TEMPLATE_SEGS,
	    &nsegs)) != NULL)
		return refuse(out, ROUTE_BAD_REQUEST, r);
	return match_templates(out, segs, nsegs);
}

/*
 * A request we do not interpret.  The override still decides whether it
 * is a read, for the one check that applies here.
 */
static enum route_verdict
classify_other(const char *const *overrides, size_t noverrides,
    const struct route_loose *lf, struct route_match *out)
{
	char	m[ROUTE_METHOD_MAX + 1];

	if (noverrides == 1 && strcmp(out->method, "POST") == 0 &&
	    method_copy(m, overrides[0]) == 0)
		memcpy(out->method, m, sizeof(m));
	/*
	 * An upstream that folds Unicode case (U+017F for 's', U+212A for
	 * 'k') or strips odd bytes could route a path our ASCII loose form
	 * does not intercept; no integration route needs such bytes.
	 */
	if (lf->odd && !method_is_read(out->method))
		return refuse(out, ROUTE_BAD_REQUEST, R_ODD);
	out->verdict = ROUTE_PASS;
	return out->verdict;
}

enum route_verdict
route_classify(const char *method, const char *const *overrides,
    size_t noverrides, const char *target, struct route_match *out)
{
	struct route_loose	 lf;
	size_t			 pathlen;
	const char		*r;

	memset(out, 0, sizeof(*out));
	if (method == NULL || target == NULL ||
	    (noverrides > 0 && overrides == NULL))
		return refuse(out, ROUTE_BAD_REQUEST, R_ARGS);
	pathlen = strcspn(target, "?#");
	if (pathlen > ROUTE_PATH_MAX)
		return refuse(out, ROUTE_BAD_REQUEST, R_LONG);
	loose_form(target, pathlen, &lf);
	out->intercepted = loose_intercepted(&lf);
	if ((r = target_check(target, pathlen, &lf)) != NULL)
		return refuse(out, ROUTE_BAD_REQUEST, r);
	if (method_copy(out->method, method) == -1)
		return refuse(out, ROUTE_BAD_REQUEST, R_METHOD);
	if (out->intercepted)
		return classify_intercepted(overrides, noverrides, target,
		    pathlen, out);
	return classify_other(overrides, noverrides, &lf, out);
}

const char *
route_kind_name(enum route_kind kind)
{
	switch (kind) {
	case ROUTE_KIND_DELIVERY:
		return "integration-delivery-configuration";
	case ROUTE_KIND_BIG_SEGMENT:
		return "integration-big-segment-store";
	case ROUTE_KIND_INTEGRATION:
		return "integration";
	}
	return "";
}

/* Appends template segment seg to buf as docs/design.md writes it. */
static void
describe_append(char *buf, size_t len, const char *text)
{
	size_t	used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s", text);
}

int
route_describe(size_t i, struct route_info *out)
{
	const struct route_template	*t;
	const char			*kid;
	size_t				 j;
	int				 has_id = 0;

	if (i >= NTEMPLATES)
		return -1;
	t = &route_templates[i];
	memset(out, 0, sizeof(*out));
	out->method = t->method;
	out->kind = route_kind_name(t->kind);
	out->action = t->actions ? action_name(t->actions) : NULL;
	for (j = 0; t->segs[j] != NULL; j++) {
		describe_append(out->path, sizeof(out->path), "/");
		describe_append(out->path, sizeof(out->path), t->segs[j]);
		has_id |= strcmp(t->segs[j], P_ID) == 0;
	}
	kid = has_id ? "integration/{k}/{id}" : "integration/{k}";
	if (t->alias == ROUTE_ALIAS_ENV)
		snprintf(out->resources, sizeof(out->resources),
		    "proj/{p}:env/{e}:%s, %s", kid, kid);
	else
		snprintf(out->resources, sizeof(out->resources), "%s", kid);
	return 0;
}
