#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/action.h"
#include "util/arena.h"
#include "util/diag.h"
#include "engine/glob.h"
#include "util/jsonfile.h"
#include "util/jsonw.h"
#include "util/log.h"
#include "engine/policy.h"

#define ATTR_OPEN		"${roleAttribute/"
#define ATTR_MAX_EXPANSION	256	/* specifiers one specifier may become */
#define PTR_MAX			512

/* ------------------------------------------------ role attribute expansion */

/*
 * Finds the next ${roleAttribute/NAME} in s.  Returns a pointer to it and
 * sets name/namelen/reflen, NULL when there is none, or sets *bad when a
 * "${" is not a well-formed reference.
 */
static const char *
attr_next(const char *s, const char **name, size_t *namelen, size_t *reflen,
    int *bad)
{
	const char	*p, *q;

	*bad = 0;
	if ((p = strstr(s, "${")) == NULL)
		return NULL;
	if (strncmp(p, ATTR_OPEN, strlen(ATTR_OPEN)) != 0) {
		*bad = 1;
		return p;
	}
	*name = p + strlen(ATTR_OPEN);
	for (q = *name; specifier_is_keychar((unsigned char)*q); q++)
		;
	if (*q != '}' || q == *name) {
		*bad = 1;
		return p;
	}
	*namelen = q - *name;
	*reflen = q + 1 - p;
	return p;
}

/* Expansion output: a bounded list of malloc'd strings. */
struct expansion {
	char	*v[ATTR_MAX_EXPANSION];
	size_t	 n;
	int	 overflow;
	char	 missing[128];	/* first attribute not found, or "" */
};

static void
expansion_clear(struct expansion *e)
{
	while (e->n > 0)
		free(e->v[--e->n]);
}

static void
expansion_add(struct expansion *e, const char *s, size_t len)
{
	char	*p;

	if (e->n == ATTR_MAX_EXPANSION) {
		e->overflow = 1;
		return;
	}
	if ((p = strndup(s, len)) == NULL)
		log_fatal("strndup");
	e->v[e->n++] = p;
}

/*
 * Replaces each reference in text by every value of its attribute (the
 * cartesian product when there are several).  attrs NULL means "validation":
 * each reference becomes the placeholder key "x".
 */
static void
expand(const char *prefix, size_t plen, const char *rest, const json_t *attrs,
    struct expansion *e)
{
	const char	*ref, *name;
	size_t		 namelen, reflen, i;
	int		 bad;
	char		*buf, key[128];
	json_t		*vals, *v;

	ref = attr_next(rest, &name, &namelen, &reflen, &bad);
	if (ref == NULL || bad) {
		if ((buf = malloc(plen + strlen(rest) + 1)) == NULL)
			log_fatal("malloc");
		memcpy(buf, prefix, plen);
		strcpy(buf + plen, rest);
		expansion_add(e, buf, plen + strlen(rest));
		free(buf);
		return;
	}
	snprintf(key, sizeof(key), "%.*s", (int)namelen, name);
	vals = attrs == NULL ? NULL : json_object_get(attrs, key);
	if (attrs != NULL && vals == NULL) {
		if (e->missing[0] == '\0')
			snprintf(e->missing, sizeof(e->missing), "%s", key);
		return;
	}
	for (i = 0; attrs == NULL ? i < 1 : i < json_array_size(vals); i++) {
		const char	*val = "x";
		size_t		 vlen, n = plen + (ref - rest);

		if (attrs != NULL) {
			v = json_array_get(vals, i);
			val = json_string_value(v);
		}
		vlen = strlen(val);
		if ((buf = malloc(n + vlen + 1)) == NULL)
			log_fatal("malloc");
		memcpy(buf, prefix, plen);
		memcpy(buf + plen, rest, ref - rest);
		memcpy(buf + n, val, vlen);
		expand(buf, n + vlen, ref + reflen, attrs, e);
		free(buf);
		if (e->overflow)
			return;
	}
}

int
policy_attr_value_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!specifier_is_keychar((unsigned char)*s) && *s != '*')
			return 0;
	return 1;
}

/* --------------------------------------------------------- validation */

struct stmt_check {
	const struct policy_origin	*o;
	struct diag			*diag;
	json_t				*attrs_used;
	char				 ptr[PTR_MAX];	/* the statement */
	size_t				 index;
	size_t				 errors;
};

static void	check_error(struct stmt_check *, const char *, const char *,
		    ...) __attribute__((format(printf, 3, 4)));

/* Reports at the statement member named by key (NULL: the statement). */
static void
check_error(struct stmt_check *c, const char *key, const char *fmt, ...)
{
	char	msg[512], ptr[PTR_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key != NULL)
		jsonfile_ptr_join(ptr, sizeof(ptr), c->ptr, key);
	else
		snprintf(ptr, sizeof(ptr), "%s", c->ptr);
	jsonfile_error(c->diag, c->o->file, ptr, "%s[%zu]%s%s: %s", c->o->who,
	    c->index, key ? "." : "", key ? key : "", msg);
	c->errors++;
}

static void
note_attr(struct stmt_check *c, const char *name, size_t len)
{
	char	key[128];
	size_t	i;

	if (c->attrs_used == NULL)
		return;
	snprintf(key, sizeof(key), "%.*s", (int)len, name);
	for (i = 0; i < json_array_size(c->attrs_used); i++)
		if (strcmp(json_string_value(json_array_get(c->attrs_used, i)),
		    key) == 0)
			return;
	json_array_append_new(c->attrs_used, json_string(key));
}

/* Validates one resource specifier as written; 0 or -1 with err set. */
static int
check_specifier(struct stmt_check *c, const char *text, char *err,
    size_t errlen)
{
	struct expansion	 e;
	struct specifier	 spec;
	struct arena		*scratch;
	const char		*s = text, *ref, *name;
	size_t			 namelen, reflen;
	int			 bad, rc;

	while ((ref = attr_next(s, &name, &namelen, &reflen, &bad)) != NULL) {
		if (bad) {
			snprintf(err, errlen, "malformed role attribute "
			    "reference: use ${roleAttribute/NAME}");
			return -1;
		}
		if (c->o->guardrail) {
			snprintf(err, errlen, "guardrails apply to everyone and "
			    "cannot use role attributes");
			return -1;
		}
		note_attr(c, name, namelen);
		s = ref + reflen;
	}
	memset(&e, 0, sizeof(e));
	expand("", 0, text, NULL, &e);
	scratch = arena_new();
	rc = specifier_parse(scratch, e.v[0], SPEC_PATTERN, &spec, err, errlen);
	arena_free(scratch);
	expansion_clear(&e);
	return rc;
}

static int
check_action(const char *s, char *err, size_t errlen)
{
	const char	*p;

	if (*s == '\0') {
		snprintf(err, errlen, "empty action");
		return -1;
	}
	for (p = s; *p != '\0'; p++)
		if (!(isascii((unsigned char)*p) && isalnum((unsigned char)*p))
		    && *p != '*') {
			snprintf(err, errlen, "invalid character '%c' in action "
			    "\"%s\": letters, digits and '*' only",
			    isprint((unsigned char)*p) ? *p : '?', s);
			return -1;
		}
	return 0;
}

/*
 * Checks a resources/actions member: absent, or an array of strings each
 * passing the element check.  Returns 1 when present and non-empty.
 */
static int
check_list(struct stmt_check *c, const json_t *stmt, const char *key,
    int resources)
{
	const json_t	*arr = json_object_get(stmt, key), *el;
	size_t		 i;
	char		 err[SPEC_ERR_MAX + 64], ptr[PTR_MAX], base[PTR_MAX];

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr)) {
		check_error(c, key, "must be an array of strings");
		return 0;
	}
	jsonfile_ptr_join(base, sizeof(base), c->ptr, key);
	json_array_foreach(arr, i, el) {
		const char	*s = json_string_value(el);
		int		 rc;

		jsonfile_ptr_join_index(ptr, sizeof(ptr), base, i);
		if (s == NULL) {
			jsonfile_error(c->diag, c->o->file, ptr, "%s[%zu].%s[%zu]: "
			    "must be a string", c->o->who, c->index, key, i);
			c->errors++;
			continue;
		}
		rc = resources ? check_specifier(c, s, err, sizeof(err)) :
		    check_action(s, err, sizeof(err));
		if (rc == -1) {
			jsonfile_error(c->diag, c->o->file, ptr, "%s[%zu].%s[%zu]: "
			    "invalid %s \"%s\": %s", c->o->who, c->index, key, i,
			    resources ? "resource specifier" : "action", s, err);
			c->errors++;
		}
	}
	return json_array_size(arr) > 0;
}

/* Exactly one of a pair (an empty array counts as absent). */
static int
check_pair(struct stmt_check *c, const json_t *stmt, const char *a,
    const char *b, int resources)
{
	int	has_a = check_list(c, stmt, a, resources);
	int	has_b = check_list(c, stmt, b, resources);

	if (has_a && has_b)
		check_error(c, NULL, "has both \"%s\" and \"%s\"; use one", a, b);
	else if (!has_a && !has_b)
		check_error(c, NULL, "needs one of \"%s\" and \"%s\" as a "
		    "non-empty array", a, b);
	return has_b;
}

static int
check_effect(struct stmt_check *c, const json_t *stmt)
{
	const json_t	*eff = json_object_get(stmt, "effect");
	const char	*s = json_string_value(eff);

	if (eff == NULL) {
		check_error(c, NULL, "missing \"effect\"");
		return -1;
	}
	if (s == NULL || (strcmp(s, "allow") != 0 && strcmp(s, "deny") != 0)) {
		if (s != NULL && (strcasecmp(s, "allow") == 0 ||
		    strcasecmp(s, "deny") == 0))
			check_error(c, "effect", "\"%s\": effect is lowercase "
			    "\"allow\" or \"deny\"", s);
		else
			check_error(c, "effect", "must be \"allow\" or \"deny\"");
		return -1;
	}
	if (c->o->guardrail && strcmp(s, "deny") != 0) {
		check_error(c, "effect", "guardrails may only deny");
		return -1;
	}
	return strcmp(s, "allow") == 0;
}

static void
check_stmt(struct stmt_check *c, json_t *stmt)
{
	static const char *const known[] = { "effect", "resources",
	    "notResources", "actions", "notActions" };
	const char	*key;
	const json_t	*val;
	size_t		 i;
	int		 allow, not_res, not_act, ok;

	if (!json_is_object(stmt)) {
		check_error(c, NULL, "a statement must be an object");
		return;
	}
	json_object_foreach(stmt, key, val) {
		for (i = 0, ok = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= strcmp(key, known[i]) == 0;
		if (!ok)
			check_error(c, key, "unknown key \"%s\"", key);
	}
	allow = check_effect(c, stmt);
	not_res = check_pair(c, stmt, "resources", "notResources", 1);
	not_act = check_pair(c, stmt, "actions", "notActions", 0);
	if (not_res && not_act)
		jsonfile_warn(c->diag, c->o->file, c->ptr, "%s[%zu]: "
		    "\"notResources\" with \"notActions\" applies to everything "
		    "outside both lists", c->o->who, c->index);
	else if (allow == 1 && (not_res || not_act))
		jsonfile_warn(c->diag, c->o->file, c->ptr, "%s[%zu]: an allow "
		    "with \"%s\" grants everything outside a list, often more "
		    "than meant", c->o->who, c->index,
		    not_res ? "notResources" : "notActions");
}

size_t
policy_validate(const struct policy_origin *o, const json_t *stmts,
    json_t *attrs_used, struct diag *diag)
{
	struct stmt_check	c;
	json_t			*stmt;
	size_t			 i, errors = 0;

	if (!json_is_array(stmts)) {
		jsonfile_error(diag, o->file, o->ptr, "%s: must be an array of "
		    "statements", o->who);
		return 1;
	}
	json_array_foreach(stmts, i, stmt) {
		memset(&c, 0, sizeof(c));
		c.o = o;
		c.diag = diag;
		c.attrs_used = attrs_used;
		c.index = i;
		jsonfile_ptr_join_index(c.ptr, sizeof(c.ptr), o->ptr, i);
		check_stmt(&c, stmt);
		errors += c.errors;
	}
	return errors;
}

/* -------------------------------------------------------- compilation */

static int
compile_resources(struct arena *arena, const json_t *arr, const json_t *attrs,
    struct policy_stmt *ps, char *err, size_t errlen)
{
	struct expansion	 e;
	struct specifier	*specs = NULL, *copy;
	size_t			 i, j, n = 0;
	const json_t		*el;
	char			 perr[SPEC_ERR_MAX];

	json_array_foreach(arr, i, el) {
		memset(&e, 0, sizeof(e));
		expand("", 0, json_string_value(el), attrs, &e);
		if (e.missing[0] != '\0' || e.overflow) {
			if (e.overflow)
				snprintf(err, errlen, "\"%s\" expands to more "
				    "than %d specifiers", json_string_value(el),
				    ATTR_MAX_EXPANSION);
			else
				snprintf(err, errlen, "uses role attribute \"%s\", "
				    "which is not defined", e.missing);
			expansion_clear(&e);
			free(specs);
			return -1;
		}
		if ((specs = reallocarray(specs, n + e.n, sizeof(*specs))) == NULL)
			log_fatal("reallocarray");
		for (j = 0; j < e.n; j++) {
			if (specifier_parse(arena, e.v[j], SPEC_PATTERN,
			    &specs[n], perr, sizeof(perr)) == -1) {
				snprintf(err, errlen, "\"%s\" expands to invalid "
				    "specifier \"%s\": %s", json_string_value(el),
				    e.v[j], perr);
				expansion_clear(&e);
				free(specs);
				return -1;
			}
			n++;
		}
		expansion_clear(&e);
	}
	copy = arena_calloc(arena, n, sizeof(*specs));
	memcpy(copy, specs, n * sizeof(*specs));
	ps->res = copy;
	ps->nres = n;
	free(specs);
	return 0;
}

static int
actions_match_name(const struct policy_stmt *ps, const char *action)
{
	size_t	i, len = strlen(action);

	for (i = 0; i < ps->nactions; i++)
		if (glob_match(ps->actions[i], strlen(ps->actions[i]), action,
		    len))
			return !ps->not_actions;
	return ps->not_actions;
}

static void
compile_actions(struct arena *arena, const json_t *arr, struct policy_stmt *ps)
{
	const char	**acts;
	const json_t	 *el;
	size_t		  i;
	unsigned	  bit;

	acts = arena_calloc(arena, json_array_size(arr), sizeof(*acts));
	json_array_foreach(arr, i, el)
		acts[i] = arena_strdup(arena, json_string_value(el));
	ps->actions = acts;
	ps->nactions = json_array_size(arr);
	/* The integration actions are few: decide them once, here. */
	for (bit = 1; bit < 1u << ACTION_COUNT; bit <<= 1)
		if (actions_match_name(ps, action_name(bit)))
			ps->action_mask |= bit;
}

static struct policy_stmt *
vec_push(struct policy_vec *vec)
{
	if (vec->n == vec->cap) {
		vec->cap = vec->cap ? vec->cap * 2 : 16;
		if ((vec->v = reallocarray(vec->v, vec->cap,
		    sizeof(*vec->v))) == NULL)
			log_fatal("reallocarray");
	}
	memset(&vec->v[vec->n], 0, sizeof(vec->v[0]));
	return &vec->v[vec->n++];
}

/*
 * A statement as the reason for a decision: a new object, the statement as
 * written plus role_name (and role_key, or "guardrail": true).
 */
static json_t *
stmt_reason(const struct policy_stmt *ps)
{
	json_t	*r = json_deep_copy(ps->source);

	json_object_set_new(r, "role_name", json_string(ps->role_name));
	if (ps->role_key != NULL)
		json_object_set_new(r, "role_key", json_string(ps->role_key));
	else
		json_object_set_new(r, "guardrail", json_true());
	return r;
}

/*
 * Fills in ps->reason_text from *cache, or makes it (into *cache when
 * there is one).  Allocation failure is fatal, as the arena's.
 */
static void
compile_reason(struct arena *arena, struct policy_stmt *ps,
    struct policy_reason *cache)
{
	struct jsonw	 w;
	json_t		*r;
	char		*text;
	size_t		 len;

	if (cache != NULL && cache->text != NULL) {
		ps->reason_text = cache->text;
		ps->reason_len = cache->len;
		return;
	}
	if ((r = stmt_reason(ps)) == NULL)
		log_fatalx("out of memory");
	jsonw_init(&w, 256);
	jsonw_value(&w, r);
	json_decref(r);
	if ((text = jsonw_finish(&w, &len)) == NULL)
		log_fatalx("out of memory");
	ps->reason_text = arena_strndup(arena, text, len);
	ps->reason_len = len;
	free(text);
	if (cache != NULL) {
		cache->text = ps->reason_text;
		cache->len = len;
	}
}

int
policy_compile(struct arena *arena, const json_t *stmts, const json_t *attrs,
    unsigned role, const char *role_key, const char *role_name,
    struct policy_reason *reasons, struct policy_vec *vec, char *err,
    size_t errlen)
{
	const json_t		*stmt, *res, *acts;
	struct policy_stmt	*ps;
	size_t			 i;
	char			 why[SPEC_ERR_MAX + 128];

	json_array_foreach(stmts, i, stmt) {
		ps = vec_push(vec);
		ps->deny = strcmp(json_string_value(json_object_get(stmt,
		    "effect")), "deny") == 0;
		res = json_object_get(stmt, "resources");
		if (res == NULL || json_array_size(res) == 0) {
			res = json_object_get(stmt, "notResources");
			ps->not_resources = 1;
		}
		acts = json_object_get(stmt, "actions");
		if (acts == NULL || json_array_size(acts) == 0) {
			acts = json_object_get(stmt, "notActions");
			ps->not_actions = 1;
		}
		ps->source = stmt;
		ps->index = i;
		ps->role = role;
		ps->role_key = role_key;
		ps->role_name = role_name;
		if (compile_resources(arena, res, attrs, ps, why,
		    sizeof(why)) == -1) {
			vec->n--;
			snprintf(err, errlen, "policy[%zu]: %s", i, why);
			return -1;
		}
		compile_actions(arena, acts, ps);
		compile_reason(arena, ps, reasons ? &reasons[i] : NULL);
	}
	return 0;
}

enum tri
policy_stmt_applies(const struct policy_stmt *ps,
    const struct specifier *aliases, size_t naliases, const char *action,
    unsigned action_bit)
{
	enum tri	r = TRI_FALSE, t;
	size_t		i;

	if (action_bit != 0 ? (ps->action_mask & action_bit) == 0 :
	    !actions_match_name(ps, action))
		return TRI_FALSE;
	for (i = 0; i < ps->nres && r != TRI_TRUE; i++)
		if ((t = specifier_match_aliases(&ps->res[i], aliases,
		    naliases)) > r)
			r = t;
	if (ps->not_resources)
		r = r == TRI_TRUE ? TRI_FALSE :
		    r == TRI_FALSE ? TRI_TRUE : TRI_UNKNOWN;
	return r;
}
