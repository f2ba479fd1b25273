#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/arena.h"
#include "engine/glob.h"
#include "engine/specifier.h"

#define SPEC_MAX_SEGMENTS	16
#define SPEC_MAX_QUALS		32

/*
 * LaunchDarkly's resource types, interned so that matching compares
 * integers.  A type not listed still works, by string comparison.
 */
static const char *const known_types[] = {
	"proj", "env", "flag", "segment", "integration", "experiment",
	"metric", "metric-group", "holdout", "layer", "release-pipeline",
	"aiconfig", "context-kind", "application", "member", "team", "role",
	"service-token", "relay-proxy-config", "webhook", "destination",
	"code-reference-repository", "pending-request", "domain-verification",
	"template", "view", "product-analytics-dashboard",
};

static unsigned
type_id(const char *type)
{
	size_t	i;

	for (i = 0; i < sizeof(known_types) / sizeof(known_types[0]); i++)
		if (strcmp(type, known_types[i]) == 0)
			return (unsigned)i + 1;
	return 0;
}

static enum spec_name_kind
name_kind(const char *name, size_t len)
{
	const char	*star = memchr(name, '*', len);

	if (star == NULL)
		return SPEC_NAME_LITERAL;
	if (len == 1)
		return SPEC_NAME_ANY;
	if (star == name + len - 1)
		return SPEC_NAME_PREFIX;
	return SPEC_NAME_GLOB;
}

/* Parser state for one specifier; err is the caller's buffer. */
struct spec_parser {
	struct arena	*arena;
	enum spec_mode	 mode;
	char		*err;
	size_t		 errlen;
};

static int	spec_fail(struct spec_parser *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
spec_fail(struct spec_parser *sp, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(sp->err, sp->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
specifier_is_keychar(int c)
{
	return isascii(c) && (isalnum(c) || c == '.' || c == '_' || c == '-');
}

static int
is_typechar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* Does s start a new segment, "type/"? */
static int
starts_segment(const char *s, const char *end)
{
	const char	*p = s;

	while (p < end && is_typechar((unsigned char)*p))
		p++;
	return p > s && p < end && *p == '/';
}

/*
 * Checks that [s, end) is a non-empty run of key characters, plus '*' in
 * patterns and '/' where allowed.  what names the part for the message.
 */
static int
check_chars(struct spec_parser *sp, const char *s, const char *end,
    int slash_ok, const char *what)
{
	const char	*p;

	if (s == end)
		return spec_fail(sp, "empty %s", what);
	for (p = s; p < end; p++) {
		unsigned char	c = *p;

		if (specifier_is_keychar(c) || (slash_ok && c == '/'))
			continue;
		if (c == '*' && sp->mode == SPEC_PATTERN)
			continue;
		if (c == '*')
			return spec_fail(sp, "'*' in %s \"%.*s\": a resource "
			    "names one object", what, (int)(end - s), s);
		if (c == '?' || c == '[' || c == ']')
			return spec_fail(sp, "'%c' in %s \"%.*s\": '*' is the "
			    "only wildcard", c, what, (int)(end - s), s);
		return spec_fail(sp, "invalid character '%c' in %s \"%.*s\"",
		    isprint(c) ? c : '?', what, (int)(end - s), s);
	}
	return 0;
}

/* Finds the next c in [s, end) outside braces, or end. */
static const char *
find_top(const char *s, const char *end, char c)
{
	int	depth = 0;

	for (; s < end; s++) {
		if (*s == '{')
			depth++;
		else if (*s == '}')
			depth--;
		else if (*s == c && depth == 0)
			return s;
	}
	return end;
}

static int
parse_qual(struct spec_parser *sp, const char *s, const char *end,
    struct spec_qual *q)
{
	const char	*colon;

	if (s < end && *s == '{') {
		if (end[-1] != '}' || end - s < 2)
			return spec_fail(sp, "unterminated property qualifier "
			    "\"%.*s\"", (int)(end - s), s);
		s++, end--;
		if ((colon = memchr(s, ':', end - s)) == NULL)
			return spec_fail(sp, "property qualifier \"{%.*s}\" "
			    "needs {property:value}", (int)(end - s), s);
		if (check_chars(sp, s, colon, 0, "property name") == -1 ||
		    check_chars(sp, colon + 1, end, 0, "property value") == -1)
			return -1;
		q->kind = SPEC_QUAL_PROP;
		q->name = arena_strndup(sp->arena, s, colon - s);
		q->value = arena_strndup(sp->arena, colon + 1, end - colon - 1);
		return 0;
	}
	if (end - s >= 5 && strncmp(s, "view:", 5) == 0) {
		if (check_chars(sp, s + 5, end, 0, "view key") == -1)
			return -1;
		q->kind = SPEC_QUAL_VIEW;
		q->name = arena_strndup(sp->arena, s + 5, end - s - 5);
		return 0;
	}
	if (check_chars(sp, s, end, 0, "tag") == -1)
		return -1;
	q->kind = SPEC_QUAL_TAG;
	q->name = arena_strndup(sp->arena, s, end - s);
	return 0;
}

/* Parses the qualifier list after ';' into seg. */
static int
parse_quals(struct spec_parser *sp, const char *s, const char *end,
    struct spec_segment *seg)
{
	struct spec_qual	 quals[SPEC_MAX_QUALS];
	struct spec_qual	*copy;
	size_t			 n = 0;
	const char		*comma;

	if (sp->mode == SPEC_RESOURCE && end - s == 1 && *s == '?') {
		seg->unresolved = 1;
		return 0;
	}
	for (;;) {
		comma = find_top(s, end, ',');
		if (n == SPEC_MAX_QUALS)
			return spec_fail(sp, "more than %d qualifiers",
			    SPEC_MAX_QUALS);
		memset(&quals[n], 0, sizeof(quals[n]));
		if (parse_qual(sp, s, comma, &quals[n]) == -1)
			return -1;
		n++;
		if (comma == end)
			break;
		s = comma + 1;
	}
	copy = arena_calloc(sp->arena, n, sizeof(*copy));
	memcpy(copy, quals, n * sizeof(*copy));
	seg->quals = copy;
	seg->nquals = n;
	return 0;
}

static int
parse_segment(struct spec_parser *sp, const char *s, const char *end,
    struct spec_segment *seg)
{
	const char	*slash, *semi;

	if ((slash = memchr(s, '/', end - s)) == NULL)
		return spec_fail(sp, "segment \"%.*s\" needs the form type/key",
		    (int)(end - s), s);
	if (slash == s || !starts_segment(s, end))
		return spec_fail(sp, "invalid resource type \"%.*s\": lowercase "
		    "letters, digits and '-' only", (int)(slash - s), s);
	if (slash - s == 4 && strncmp(s, "acct", 4) == 0)
		return spec_fail(sp, "\"acct\" stands alone");
	semi = find_top(slash + 1, end, ';');
	if (check_chars(sp, slash + 1, semi, 1, "key") == -1)
		return -1;
	seg->type = arena_strndup(sp->arena, s, slash - s);
	seg->name = arena_strndup(sp->arena, slash + 1, semi - slash - 1);
	seg->name_len = semi - slash - 1;
	seg->type_id = type_id(seg->type);
	seg->name_kind = name_kind(seg->name, seg->name_len);
	seg->glob = seg->name_kind != SPEC_NAME_LITERAL;
	/* LaunchDarkly's integration/optimizely names every configuration
	 * of that integration: a bare key covers integration/KEY/ID. */
	seg->key_only = sp->mode == SPEC_PATTERN &&
	    strcmp(seg->type, "integration") == 0 && !seg->glob &&
	    memchr(seg->name, '/', seg->name_len) == NULL;
	if (semi == end)
		return 0;
	if (semi + 1 == end)
		return spec_fail(sp, "empty qualifier list after ';'");
	return parse_quals(sp, semi + 1, end, seg);
}

#define SHAPE_TYPE_BITS	6
#define SHAPE_MAX_SEGS	6

static unsigned long long
shape_of(const struct spec_segment *segs, size_t n)
{
	unsigned long long	shape = n;
	size_t			i;

	if (n > SHAPE_MAX_SEGS)
		return 0;
	for (i = 0; i < n; i++) {
		if (segs[i].type_id == 0)
			return 0;
		shape |= (unsigned long long)segs[i].type_id <<
		    (4 + SHAPE_TYPE_BITS * i);
	}
	return shape;
}

static int
check_braces(struct spec_parser *sp, const char *text)
{
	int		 depth = 0;
	const char	*p;

	for (p = text; *p != '\0'; p++) {
		if (*p == '{' && ++depth > 1)
			return spec_fail(sp, "nested '{'");
		if (*p == '}' && --depth < 0)
			return spec_fail(sp, "unbalanced '}'");
	}
	if (depth != 0)
		return spec_fail(sp, "unbalanced '{'");
	return 0;
}

static int
parse_text(struct spec_parser *sp, const char *text, struct specifier *out)
{
	struct spec_segment	 segs[SPEC_MAX_SEGMENTS];
	struct spec_segment	*copy;
	const char		*s = text, *end = text + strlen(text), *p;
	size_t			 n = 0;

	memset(out, 0, sizeof(*out));
	if (*text == '\0')
		return spec_fail(sp, "empty specifier");
	if (strstr(text, "${") != NULL)
		return spec_fail(sp, "role attribute reference not allowed "
		    "here, or not of the form ${roleAttribute/NAME}");
	if (strcmp(text, "acct") == 0) {
		out->acct = 1;
		return 0;
	}
	if (strncmp(text, "acct:", 5) == 0 || (strlen(text) > 5 &&
	    strcmp(text + strlen(text) - 5, ":acct") == 0))
		return spec_fail(sp, "\"acct\" stands alone");
	if (check_braces(sp, text) == -1)
		return -1;
	while (s < end) {
		/* A ':' ends the segment only when a "type/" follows. */
		for (p = s; ; p++) {
			p = find_top(p, end, ':');
			if (p == end || starts_segment(p + 1, end))
				break;
		}
		if (n == SPEC_MAX_SEGMENTS)
			return spec_fail(sp, "more than %d segments",
			    SPEC_MAX_SEGMENTS);
		memset(&segs[n], 0, sizeof(segs[n]));
		if (parse_segment(sp, s, p, &segs[n]) == -1)
			return -1;
		n++;
		s = p == end ? end : p + 1;
	}
	copy = arena_calloc(sp->arena, n, sizeof(*copy));
	memcpy(copy, segs, n * sizeof(*copy));
	out->segs = copy;
	out->nsegs = n;
	out->shape = shape_of(copy, n);
	return 0;
}

/*
 * LaunchDarkly's API reference repeats the specifier
 * proj/STAR:env/STAR;qa_STAR:/flag/STAR (STAR being '*'), whose ":/" is a
 * typo for ":".  If dropping such slashes gives a valid specifier,
 * say so in the error.
 */
static void
suggest_fix(struct spec_parser *sp, const char *text)
{
	char		 fixed[1024], saved[SPEC_ERR_MAX], scratch[SPEC_ERR_MAX];
	struct specifier tmp;
	struct spec_parser probe = *sp;
	size_t		 i, j;

	if (strstr(text, ":/") == NULL || strlen(text) >= sizeof(fixed))
		return;
	for (i = j = 0; text[i] != '\0'; i++) {
		fixed[j++] = text[i];
		if (text[i] == ':' && text[i + 1] == '/')
			i++;
	}
	fixed[j] = '\0';
	probe.err = scratch;
	probe.errlen = sizeof(scratch);
	if (parse_text(&probe, fixed, &tmp) == -1)
		return;
	snprintf(saved, sizeof(saved), "%s", sp->err);
	snprintf(sp->err, sp->errlen, "%s; did you mean \"%s\"?", saved, fixed);
}

int
specifier_parse(struct arena *arena, const char *text, enum spec_mode mode,
    struct specifier *out, char *err, size_t errlen)
{
	struct spec_parser	sp = { arena, mode, err, errlen };

	if (parse_text(&sp, text, out) == -1) {
		suggest_fix(&sp, text);
		return -1;
	}
	out->text = arena_strdup(arena, text);
	return 0;
}

/* ------------------------------------------------------------ matching */

static int
qual_any(const struct spec_segment *res, enum spec_qual_kind kind,
    const char *pat)
{
	size_t	i, plen = strlen(pat);

	for (i = 0; i < res->nquals; i++)
		if (res->quals[i].kind == kind && glob_match(pat, plen,
		    res->quals[i].name, strlen(res->quals[i].name)))
			return 1;
	return 0;
}

/*
 * True when any value the resource states for q's property matches (an
 * object may state a property more than once: {c:j},{c:b} holds both),
 * false when it states the property and none matches.  A property the
 * resource does not state is unresolved, not false.
 */
static enum tri
qual_prop(const struct spec_segment *res, const struct spec_qual *q)
{
	enum tri	t = TRI_UNKNOWN;
	size_t		i;

	for (i = 0; i < res->nquals; i++) {
		const struct spec_qual	*r = &res->quals[i];

		if (r->kind != SPEC_QUAL_PROP || strcmp(r->name, q->name) != 0)
			continue;
		if (glob_match(q->value, strlen(q->value), r->value,
		    strlen(r->value)))
			return TRI_TRUE;
		t = TRI_FALSE;
	}
	return t;
}

/* Qualifiers are ANDed; no qualifier means no constraint. */
static enum tri
quals_match(const struct spec_segment *pat, const struct spec_segment *res)
{
	enum tri	result = TRI_TRUE, t;
	size_t		i;

	if (pat->nquals == 0)
		return TRI_TRUE;
	if (res->unresolved)
		return TRI_UNKNOWN;
	for (i = 0; i < pat->nquals; i++) {
		const struct spec_qual	*q = &pat->quals[i];

		if (q->kind == SPEC_QUAL_PROP)
			t = qual_prop(res, q);
		else
			t = qual_any(res, q->kind, q->name) ? TRI_TRUE : TRI_FALSE;
		if (t == TRI_FALSE)
			return TRI_FALSE;
		if (t == TRI_UNKNOWN)
			result = TRI_UNKNOWN;
	}
	return result;
}

static int
name_match(const struct spec_segment *pat, const struct spec_segment *res)
{
	if (pat->key_only)
		return res->name_len >= pat->name_len &&
		    memcmp(res->name, pat->name, pat->name_len) == 0 &&
		    (res->name_len == pat->name_len ||
		    res->name[pat->name_len] == '/');
	switch (pat->name_kind) {
	case SPEC_NAME_LITERAL:
		return res->name_len == pat->name_len &&
		    memcmp(res->name, pat->name, pat->name_len) == 0;
	case SPEC_NAME_ANY:
		return 1;
	case SPEC_NAME_PREFIX:
		return res->name_len >= pat->name_len - 1 &&
		    memcmp(res->name, pat->name, pat->name_len - 1) == 0;
	default:
		return glob_match(pat->name, pat->name_len, res->name,
		    res->name_len);
	}
}

static int
type_match(const struct spec_segment *pat, const struct spec_segment *res)
{
	if (pat->type_id != res->type_id)
		return 0;
	return pat->type_id != 0 || strcmp(pat->type, res->type) == 0;
}

enum tri
specifier_match(const struct specifier *pat, const struct specifier *res)
{
	enum tri	result = TRI_TRUE, t;
	size_t		i;

	if (pat->acct || res->acct)
		return pat->acct && res->acct ? TRI_TRUE : TRI_FALSE;
	if (pat->nsegs != res->nsegs)
		return TRI_FALSE;
	if (pat->shape != 0 && res->shape != 0) {
		if (pat->shape != res->shape)
			return TRI_FALSE;
	} else {
		for (i = 0; i < pat->nsegs; i++)
			if (!type_match(&pat->segs[i], &res->segs[i]))
				return TRI_FALSE;
	}
	/* Names before qualifiers: they fail fast. */
	for (i = 0; i < pat->nsegs; i++)
		if (!name_match(&pat->segs[i], &res->segs[i]))
			return TRI_FALSE;
	for (i = 0; i < pat->nsegs; i++) {
		if ((t = quals_match(&pat->segs[i], &res->segs[i])) == TRI_FALSE)
			return TRI_FALSE;
		if (t == TRI_UNKNOWN)
			result = TRI_UNKNOWN;
	}
	return result;
}

enum tri
specifier_match_aliases(const struct specifier *pat,
    const struct specifier *aliases, size_t naliases)
{
	enum tri	best = TRI_FALSE, t;
	size_t		i;

	for (i = 0; i < naliases && best != TRI_TRUE; i++)
		if ((t = specifier_match(pat, &aliases[i])) > best)
			best = t;
	return best;
}

void
specifier_segment_init(struct spec_segment *seg, const char *type,
    const char *name, int unresolved)
{
	memset(seg, 0, sizeof(*seg));
	seg->type = type;
	seg->type_id = type_id(type);
	seg->name = name;
	seg->name_len = strlen(name);
	seg->name_kind = SPEC_NAME_LITERAL;
	seg->unresolved = unresolved != 0;
}

void
specifier_init(struct specifier *spec, const struct spec_segment *segs,
    size_t n, const char *text)
{
	memset(spec, 0, sizeof(*spec));
	spec->text = text;
	spec->segs = segs;
	spec->nsegs = n;
	spec->shape = shape_of(segs, n);
}
