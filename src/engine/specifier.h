/*
 * specifier: LaunchDarkly resource specifiers (docs/policy.md section 4)
 * -- parsing and three-valued matching.  Pure: no I/O, no globals.
 *
 * The same structure holds a pattern from a policy statement and a concrete
 * resource (an object being acted on).  In a resource the qualifiers after
 * ';' are the object's actual tags, {property:value} pairs and view links,
 * and ';?' marks a segment whose qualifiers could not be resolved.
 */
#ifndef LDGATE_SPECIFIER_H
#define LDGATE_SPECIFIER_H

#include <stddef.h>

struct arena;

/* Three-valued match: an unresolved qualifier makes a match unknown. */
enum tri {
	TRI_FALSE = 0,
	TRI_UNKNOWN = 1,
	TRI_TRUE = 2
};

enum spec_qual_kind {
	SPEC_QUAL_TAG = 1,
	SPEC_QUAL_PROP,
	SPEC_QUAL_VIEW
};

struct spec_qual {
	enum spec_qual_kind	 kind;
	const char		*name;	/* tag, property name or view key */
	const char		*value;	/* property value; NULL for tags, views */
};

/* How a segment's name matches: decided at parse time, for speed. */
enum spec_name_kind {
	SPEC_NAME_LITERAL = 1,	/* no '*' */
	SPEC_NAME_ANY,		/* exactly "*" */
	SPEC_NAME_PREFIX,	/* one trailing '*' */
	SPEC_NAME_GLOB		/* anything else with '*' */
};

struct spec_segment {
	const char		*type;		/* "proj", "env", "integration" */
	unsigned		 type_id;	/* interned known type, 0 = other */
	const char		*name;		/* key, pattern in a specifier */
	size_t			 name_len;
	enum spec_name_kind	 name_kind;
	unsigned		 glob:1;	/* name contains '*' */
	unsigned		 key_only:1;	/* integration/KEY covers KEY/ID */
	unsigned		 unresolved:1;	/* resources: ';?' */
	const struct spec_qual	*quals;
	size_t			 nquals;
};

struct specifier {
	const char			*text;	/* as written */
	int				 acct;	/* the bare "acct" specifier */
	const struct spec_segment	*segs;	/* parent first */
	size_t				 nsegs;
	/* Segment count and interned types packed in one word, 0 when a type
	 * is not interned or there are too many segments: equal non-zero
	 * shapes mean equal types, so matching skips comparing them. */
	unsigned long long		 shape;
};

enum spec_mode {
	SPEC_PATTERN = 1,	/* from a policy: '*' globs allowed */
	SPEC_RESOURCE		/* a concrete object: literal keys, ';?' allowed */
};

#define SPEC_ERR_MAX	256

/*
 * Parses text.  On success fills *out with memory from the arena (the text
 * is copied) and returns 0.  On failure returns -1 with a one-line reason in
 * err; a common typo earns a "did you mean" suggestion.
 */
int		specifier_parse(struct arena *, const char *text, enum spec_mode,
		    struct specifier *out, char *err, size_t errlen);

/* Does pattern pat match the resource res? */
enum tri	specifier_match(const struct specifier *pat,
		    const struct specifier *res);
/* Does pat match any alias of one object?  TRUE beats UNKNOWN beats FALSE. */
enum tri	specifier_match_aliases(const struct specifier *pat,
		    const struct specifier *aliases, size_t naliases);

/*
 * Builds a resource without parsing: seg gets type and name (borrowed, not
 * copied: they must outlive the specifier) and no qualifiers; unresolved
 * marks it ';?'.  specifier_init() then wraps n segments (borrowed too).
 * For the gateway, which knows its keys are valid (route.c checked them).
 */
void		specifier_segment_init(struct spec_segment *, const char *type,
		    const char *name, int unresolved);
void		specifier_init(struct specifier *, const struct spec_segment *,
		    size_t n, const char *text);

/* Is c a character allowed in keys (letters, digits, '.', '_', '-')? */
int		specifier_is_keychar(int c);

#endif
