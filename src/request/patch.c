/*
 * patch: strict JSON Patch (RFC 6902) parsing for the integration PATCH
 * routes, and the actions a patch needs, from the fields it touches
 * (docs/design.md section 2; the field table itself is field.c's).
 *
 * Strict means LaunchDarkly-strict rather than RFC-lenient: an op member
 * other than op/path/value/from is refused instead of ignored, and so is a
 * "value" or "from" on an op that takes none, because a body we read
 * differently from the upstream is a body whose accesses we got wrong.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/action.h"
#include "request/field.h"
#include "util/httpsyntax.h"
#include "request/patch.h"

#define PATCH_SHOW_MAX		64	/* longest echo of client text */

enum patch_opkind {
	PATCH_OP_ADD = 1,
	PATCH_OP_REMOVE,
	PATCH_OP_REPLACE,
	PATCH_OP_MOVE,
	PATCH_OP_COPY,
	PATCH_OP_TEST
};

static const struct patch_opdef {
	const char		*name;
	enum patch_opkind	 kind;
	int			 value;	/* "value" required (else refused) */
	int			 from;	/* "from" required (else refused) */
} patch_opdefs[] = {
	{ "add",	PATCH_OP_ADD,		1, 0 },
	{ "remove",	PATCH_OP_REMOVE,	0, 0 },
	{ "replace",	PATCH_OP_REPLACE,	1, 0 },
	{ "move",	PATCH_OP_MOVE,		0, 1 },
	{ "copy",	PATCH_OP_COPY,		0, 1 },
	{ "test",	PATCH_OP_TEST,		1, 0 },
	{ NULL,		0,			0, 0 }
};

static const struct patch_limits patch_default_limits = {
	PATCH_MAX_OPS_DEFAULT, PATCH_MAX_DEPTH_DEFAULT
};

/* Client text echoed in a message, made printable and bounded. */
struct patch_show {
	char	s[PATCH_SHOW_MAX + 4];
};

static int	fail(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * Printable copy of s[0..n): anything outside printable ASCII becomes '?'
 * (operator logs must not carry raw client bytes), cut at PATCH_SHOW_MAX.
 */
static const char *
show(struct patch_show *sh, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n && i < PATCH_SHOW_MAX; i++)
		sh->s[i] = (unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f ? s[i] : '?';
	if (n > PATCH_SHOW_MAX)
		memcpy(sh->s + i, "...", 4);
	else
		sh->s[i] = '\0';
	return sh->s;
}

/*
 * jansson's error text quotes the body near the error ("premature end of
 * input near '\"s3cr3t...'"): that can be an integration's secret, and the
 * message goes to the client and into the audit record.  Keep the reason
 * only; the line and column say where.
 */
static void
json_reason(char *s)
{
	char	*near = strstr(s, " near ");

	if (near != NULL)
		*near = '\0';
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			*s = '?';
}

static const char *
show_str(struct patch_show *sh, const char *s)
{
	return show(sh, s, strlen(s));
}

static int
ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
ci_equal(const char *a, size_t n, const char *lit)
{
	size_t	i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (ascii_lower((unsigned char)a[i]) != lit[i])
			return 0;
	return 1;
}

/* Case-insensitive search for a lower-case needle. */
static int
ci_contains(const char *hay, const char *needle)
{
	size_t	n = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (ci_equal(hay, strnlen(hay, n), needle))
			return 1;
	return 0;
}

static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Parse one media-type parameter value at *pp, a token or a
 * quoted-string, into val (quotes and escapes removed, cut at valsz - 1).
 * Returns 0 and advances *pp, or -1 if malformed.
 */
static int
ct_param_value(const char **pp, char *val, size_t valsz)
{
	const char	*p = *pp;
	size_t		 n = 0;

	if (*p != '"') {
		while (httpsyntax_is_tchar((unsigned char)*p)) {
			if (n + 1 < valsz)
				val[n++] = *p;
			p++;
		}
		if (p == *pp)
			return -1;
	} else {
		for (p++; *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (*p == '\0')
				return -1;
			if (n + 1 < valsz)
				val[n++] = *p;
		}
		p++;
	}
	val[n] = '\0';
	*pp = p;
	return 0;
}

/* Check one parameter: domain-model is refused, charset must be UTF-8. */
static int
ct_param_check(const char *name, size_t namelen, const char *val, char *err,
    size_t errlen)
{
	struct patch_show	sh;

	if (ci_equal(name, namelen, "domain-model"))
		return fail(err, errlen, "Content-Type parameter "
		    "domain-model=%s is not supported: send a JSON Patch "
		    "(RFC 6902)", show_str(&sh, val));
	if (ci_equal(name, namelen, "charset") &&
	    !ci_equal(val, strlen(val), "utf-8"))
		return fail(err, errlen, "Content-Type charset %s is not "
		    "supported: the body must be UTF-8", show_str(&sh, val));
	return 0;
}

/* Parameters after the media type: *( OWS ";" OWS [ name=value ] ). */
static int
ct_params(const char *p, char *err, size_t errlen)
{
	const char	*name;
	size_t		 namelen;
	char		 val[PATCH_SHOW_MAX + 1];

	for (;;) {
		p = skip_ows(p);
		if (*p == '\0')
			return 0;
		if (*p != ';')
			goto bad;
		p = skip_ows(p + 1);
		if (*p == ';' || *p == '\0')
			continue;
		for (name = p; httpsyntax_is_tchar((unsigned char)*p); p++)
			;
		namelen = (size_t)(p - name);
		if (namelen == 0 || *p++ != '=' ||
		    ct_param_value(&p, val, sizeof(val)) == -1)
			goto bad;
		if (ct_param_check(name, namelen, val, err, errlen) == -1)
			return -1;
	}
bad:
	return fail(err, errlen, "Content-Type is malformed");
}

/* Length of the type "/" subtype at p, two tokens; 0 if there is none. */
static size_t
media_type_len(const char *p)
{
	size_t	n = 0, sub;

	while (httpsyntax_is_tchar((unsigned char)p[n]))
		n++;
	if (n == 0 || p[n] != '/')
		return 0;
	for (sub = n + 1; httpsyntax_is_tchar((unsigned char)p[sub]); sub++)
		;
	return sub > n + 1 ? sub : 0;
}

/*
 * Accept application/json and application/json-patch+json, with
 * parameters.  Semantic patch is refused wherever its name appears, even
 * inside another parameter: an upstream that searches the header for it
 * would read the body as instructions we never checked.
 */
static int
content_type_check(const char *ct, char *err, size_t errlen)
{
	struct patch_show	 sh;
	const char		*p;
	size_t			 n;

	if (ct == NULL || *skip_ows(ct) == '\0')
		return fail(err, errlen, "Content-Type is missing: send "
		    "application/json or application/json-patch+json");
	if (ci_contains(ct, "semanticpatch"))
		return fail(err, errlen, "semantic patch (domain-model="
		    "launchdarkly.semanticpatch) is not supported: send a "
		    "JSON Patch (RFC 6902)");
	p = skip_ows(ct);
	n = media_type_len(p);
	if (n == 0)
		return fail(err, errlen, "Content-Type is malformed");
	if (ci_equal(p, n, "application/merge-patch+json"))
		return fail(err, errlen, "JSON merge patch (application/"
		    "merge-patch+json) is not supported: send a JSON Patch "
		    "(RFC 6902)");
	if (!ci_equal(p, n, "application/json") &&
	    !ci_equal(p, n, "application/json-patch+json"))
		return fail(err, errlen, "Content-Type %s is not supported: "
		    "send application/json or application/json-patch+json",
		    show(&sh, p, n));
	return ct_params(p + n, err, errlen);
}

/* 1 if v has arrays or objects nested more than max deep. */
static int
too_deep(json_t *v, size_t max)
{
	json_t		*child;
	const char	*key;
	size_t		 i;

	if (!json_is_array(v) && !json_is_object(v))
		return 0;
	if (max == 0)
		return 1;
	if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			if (too_deep(child, max - 1))
				return 1;
	} else {
		json_object_foreach(v, key, child)
			if (too_deep(child, max - 1))
				return 1;
	}
	return 0;
}

/*
 * Find the op array: the body itself, or LaunchDarkly's wrapper
 * {"patch": [...], "comment": "..."} with nothing else in it.  *comment
 * points into root.
 */
static int
unwrap(json_t *root, json_t **ops, const char **comment, char *err,
    size_t errlen)
{
	struct patch_show	 sh;
	const char		*key;
	json_t			*v;

	*comment = NULL;
	if (json_is_array(root)) {
		*ops = root;
		return 0;
	}
	json_object_foreach(root, key, v)
		if (strcmp(key, "patch") != 0 && strcmp(key, "comment") != 0)
			return fail(err, errlen, "body has unknown member \"%s\":"
			    " expected an array of ops, or {\"patch\": [...], "
			    "\"comment\": \"...\"}", show_str(&sh, key));
	if ((*ops = json_object_get(root, "patch")) == NULL)
		return fail(err, errlen, "body has no \"patch\" member");
	if (!json_is_array(*ops))
		return fail(err, errlen, "\"patch\" is not an array");
	if ((v = json_object_get(root, "comment")) != NULL) {
		if (!json_is_string(v))
			return fail(err, errlen, "\"comment\" is not a string");
		*comment = json_string_value(v);
	}
	return 0;
}

/* RFC 6901: "" or "/"-led reference tokens, '~' only as ~0 or ~1. */
static int
pointer_valid(const char *s)
{
	if (*s == '\0')
		return 1;
	if (*s != '/')
		return 0;
	for (; *s != '\0'; s++)
		if (*s == '~' && s[1] != '0' && s[1] != '1')
			return 0;
	return 1;
}

static enum field_kind
target_kind(enum patch_target target)
{
	return target == PATCH_TARGET_INTEGRATION ? FIELD_KIND_INTEGRATION :
	    FIELD_KIND_DELIVERY;
}

/*
 * The actions a change at the valid pointer ptr needs: its field's, or
 * every field's for the whole document.  Returns 0, or -1 with the field's
 * name in field (cut with "..." when long) when the field cannot be
 * changed through this route.
 */
static int
pointer_actions(enum patch_target target, const char *ptr, unsigned *actions,
    char field[FIELD_NAME_MAX + 1])
{
	const struct field	*f;
	unsigned		 a;

	if (field_find(ptr, &f) == 0 &&
	    (a = field_actions(f, target_kind(target))) != 0) {
		*actions |= a;
		return 0;
	}
	if (field_token(ptr, field) == 1)
		memcpy(field + FIELD_NAME_MAX - 3, "...", 4);
	return -1;
}

/*
 * The actions reading the value at the valid pointer ptr needs, as a copy
 * or move from it or a test of it does: updateConfiguration inside a
 * secret field of this kind (field_read_actions), else none.
 */
static unsigned
pointer_read_actions(enum patch_target target, const char *ptr)
{
	const struct field	*f;

	/* Not reached for a valid pointer; if it were, fail safe. */
	if (field_find(ptr, &f) == -1)
		return ACTION_UPDATE_CONFIGURATION;
	return field_read_actions(f, target_kind(target));
}

/* 1 if pointer a is a proper prefix of pointer b, token-wise. */
static int
pointer_proper_prefix(const char *a, const char *b)
{
	size_t	n = strlen(a);

	return strncmp(a, b, n) == 0 && b[n] == '/';
}

/*
 * Read a pointer member ("path" or "from") of op i.  Returns 0 with *ptr
 * set (NULL when absent and not required), or -1.
 */
static int
op_pointer(json_t *op, size_t i, const char *member, int required,
    const char **ptr, char *err, size_t errlen)
{
	struct patch_show	 sh;
	json_t			*v;

	*ptr = NULL;
	if ((v = json_object_get(op, member)) == NULL) {
		if (required)
			return fail(err, errlen, "patch op %zu: missing \"%s\"",
			    i, member);
		return 0;
	}
	if (!json_is_string(v))
		return fail(err, errlen, "patch op %zu: \"%s\" is not a string",
		    i, member);
	*ptr = json_string_value(v);
	if (!pointer_valid(*ptr))
		return fail(err, errlen, "patch op %zu: %s \"%s\" is not a "
		    "valid JSON Pointer (RFC 6901)", i, member,
		    show_str(&sh, *ptr));
	return 0;
}

/* Members and "op" of op i; returns its definition or NULL. */
static const struct patch_opdef *
op_shape(json_t *op, size_t i, char *err, size_t errlen)
{
	struct patch_show		 sh;
	const struct patch_opdef	*d;
	const char			*key;
	json_t				*v;

	if (!json_is_object(op)) {
		fail(err, errlen, "patch op %zu: not an object", i);
		return NULL;
	}
	json_object_foreach(op, key, v)
		if (strcmp(key, "op") != 0 && strcmp(key, "path") != 0 &&
		    strcmp(key, "value") != 0 && strcmp(key, "from") != 0) {
			fail(err, errlen, "patch op %zu: unknown member \"%s\"",
			    i, show_str(&sh, key));
			return NULL;
		}
	if ((v = json_object_get(op, "op")) == NULL) {
		fail(err, errlen, "patch op %zu: missing \"op\"", i);
		return NULL;
	}
	if (!json_is_string(v)) {
		fail(err, errlen, "patch op %zu: \"op\" is not a string", i);
		return NULL;
	}
	for (d = patch_opdefs; d->name != NULL; d++)
		if (strcmp(d->name, json_string_value(v)) == 0)
			return d;
	fail(err, errlen, "patch op %zu: unknown op \"%s\": expected add, "
	    "remove, replace, move, copy or test", i,
	    show_str(&sh, json_string_value(v)));
	return NULL;
}

/* "value" present exactly when the op takes one. */
static int
op_value(json_t *op, size_t i, const struct patch_opdef *d, char *err,
    size_t errlen)
{
	int	has = json_object_get(op, "value") != NULL;

	if (d->value && !has)
		return fail(err, errlen, "patch op %zu: \"%s\" needs \"value\"",
		    i, d->name);
	if (!d->value && has)
		return fail(err, errlen, "patch op %zu: \"value\" is not "
		    "allowed in \"%s\"", i, d->name);
	return 0;
}

static int
field_refused(size_t i, const char *member, const char *ptr,
    const char *field, const char *verb, char *err, size_t errlen)
{
	struct patch_show	sh, shf;

	return fail(err, errlen, "patch op %zu: %s \"%s\": field \"%s\" cannot "
	    "be %s through this route", i, member, show_str(&sh, ptr),
	    show_str(&shf, field), verb);
}

/*
 * The actions of a well-formed mutating op: path's field, plus from's for
 * move; copy's from must name a known field but adds no action of its own
 * (copying does not change it).  A copy or move from a secret field also
 * needs what reading it needs: it would publish the secret at path.
 */
static int
op_actions(size_t i, const struct patch_opdef *d, const char *path,
    const char *from, enum patch_target target, unsigned *actions,
    char *err, size_t errlen)
{
	struct patch_show	sh, shp;
	char			field[FIELD_NAME_MAX + 1];
	unsigned		unused = 0;

	if (d->kind == PATCH_OP_MOVE && pointer_proper_prefix(from, path))
		return fail(err, errlen, "patch op %zu: cannot move \"%s\" into "
		    "its own child \"%s\"", i, show_str(&sh, from),
		    show_str(&shp, path));
	if (from != NULL) {
		if (pointer_actions(target, from, d->kind == PATCH_OP_MOVE ?
		    actions : &unused, field) == -1)
			return field_refused(i, "from", from, field,
			    d->kind == PATCH_OP_MOVE ? "changed" : "copied",
			    err, errlen);
		*actions |= pointer_read_actions(target, from);
	}
	if (pointer_actions(target, path, actions, field) == -1)
		return field_refused(i, "path", path, field, "changed", err,
		    errlen);
	return 0;
}

/*
 * Check op i and add the actions it needs.  *mutating is set if it is not
 * a test.  Returns 0 or -1.
 */
static int
op_check(json_t *op, size_t i, enum patch_target target, unsigned *actions,
    int *mutating, char *err, size_t errlen)
{
	const struct patch_opdef	*d;
	const char			*path, *from;

	if ((d = op_shape(op, i, err, errlen)) == NULL)
		return -1;
	if (op_pointer(op, i, "path", 1, &path, err, errlen) == -1)
		return -1;
	if (!d->from && json_object_get(op, "from") != NULL)
		return fail(err, errlen, "patch op %zu: \"from\" is not "
		    "allowed in \"%s\"", i, d->name);
	if (op_pointer(op, i, "from", d->from, &from, err, errlen) == -1)
		return -1;
	if (op_value(op, i, d, err, errlen) == -1)
		return -1;
	/*
	 * A test changes nothing: any valid path, and no action -- except
	 * inside a secret field, where it reads the secret: an oracle that
	 * confirms one guess per request.
	 */
	if (d->kind == PATCH_OP_TEST) {
		*actions |= pointer_read_actions(target, path);
		return 0;
	}
	*mutating = 1;
	return op_actions(i, d, path, from, target, actions, err, errlen);
}

/* Check every op of the array; the op count is already bounded. */
static int
ops_check(json_t *ops, enum patch_target target, unsigned *actions,
    char *err, size_t errlen)
{
	json_t	*op;
	size_t	 i;
	int	 mutating = 0;

	*actions = 0;
	json_array_foreach(ops, i, op)
		if (op_check(op, i, target, actions, &mutating, err,
		    errlen) == -1)
			return -1;
	if (!mutating)
		return fail(err, errlen, "patch changes nothing: it has only "
		    "\"test\" ops");
	return 0;
}

int
patch_parse(const char *body, size_t len, const char *content_type,
    enum patch_target target, const struct patch_limits *limits,
    struct patch *out, char *err, size_t errlen)
{
	json_error_t	 jerr;
	json_t		*root = NULL, *ops;
	const char	*comment;
	unsigned	 actions;
	size_t		 n;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (limits == NULL)
		limits = &patch_default_limits;
	if (content_type_check(content_type, err, errlen) == -1)
		goto done;
	if (body == NULL || len == 0) {
		fail(err, errlen, "body is empty: expected a JSON Patch");
		goto done;
	}
	/* Invalid UTF-8 and \u0000 are refused by jansson's defaults. */
	if ((root = json_loadb(body, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		/* jansson says so, or -- when it could not even set up its
		 * lexer -- leaves the message empty.  XXX A failed allocation
		 * inside its lexer reads as a syntax error and stays a 400. */
		if (json_error_code(&jerr) == json_error_out_of_memory ||
		    jerr.text[0] == '\0') {
			fail(err, errlen, "out of memory");
			rc = PATCH_ENOMEM;
			goto done;
		}
		json_reason(jerr.text);
		fail(err, errlen, "body is not valid JSON: %s at line %d "
		    "column %d", jerr.text, jerr.line, jerr.column);
		goto done;
	}
	if (too_deep(root, limits->max_depth)) {
		fail(err, errlen, "body nests arrays and objects deeper than "
		    "%zu", limits->max_depth);
		goto done;
	}
	if (unwrap(root, &ops, &comment, err, errlen) == -1)
		goto done;
	if ((n = json_array_size(ops)) == 0 || n > limits->max_ops) {
		fail(err, errlen, "patch has %zu ops: 1 to %zu are accepted",
		    n, limits->max_ops);
		goto done;
	}
	if (ops_check(ops, target, &actions, err, errlen) == -1)
		goto done;
	if (comment != NULL && (out->comment = strdup(comment)) == NULL) {
		fail(err, errlen, "out of memory");
		rc = PATCH_ENOMEM;
		goto done;
	}
	out->ops = json_incref(ops);
	out->actions = actions;
	rc = 0;
done:
	json_decref(root);
	return rc;
}

void
patch_clear(struct patch *p)
{
	json_decref(p->ops);
	free(p->comment);
	memset(p, 0, sizeof(*p));
}
