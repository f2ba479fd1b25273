#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/diag.h"
#include "util/fingerprint.h"
#include "util/jsonfile.h"
#include "util/log.h"
#include "engine/policy.h"
#include "engine/policyset.h"

#define PTR_MAX		512

struct policyset_fp {
	const char		*fp;
	const struct principal	*principal;
	size_t			 pidx, tidx;	/* where it was read */
};

/* Loader state: one per policyset_build() call. */
struct loader {
	struct policyset	*set;
	struct diag		*diag;
	size_t			 cap;		/* of set->roles */
};

/* -------------------------------------------------------------- roles */

static int
is_ld_metadata(const char *key)
{
	/* Read-only fields of LaunchDarkly's role representation. */
	return key[0] == '_' || strcmp(key, "basePermissions") == 0 ||
	    strcmp(key, "resourceCategory") == 0 ||
	    strcmp(key, "assignedTo") == 0;
}

static const char *
role_string(struct loader *l, const struct jsonfile *jf, const char *ptr,
    const json_t *role, const char *key, const char *who, int required)
{
	const json_t	*v = json_object_get(role, key);
	char		 p[PTR_MAX];

	if (v == NULL) {
		if (required)
			jsonfile_error(l->diag, jf, ptr, "%s: missing \"%s\"",
			    who, key);
		return NULL;
	}
	if (!json_is_string(v)) {
		jsonfile_error(l->diag, jf, jsonfile_ptr_join(p, sizeof(p), ptr, key),
		    "%s: \"%s\" must be a string", who, key);
		return NULL;
	}
	return json_string_value(v);
}

static void
role_check_keys(struct loader *l, const struct jsonfile *jf, const char *ptr,
    json_t *role, const char *who)
{
	const char	*key, *bp;
	const json_t	*v;
	char		 p[PTR_MAX];

	json_object_foreach(role, key, v) {
		jsonfile_ptr_join(p, sizeof(p), ptr, key);
		if (strcmp(key, "basePermissions") == 0 &&
		    ((bp = json_string_value(v)) == NULL ||
		    strcmp(bp, "no_access") != 0))
			jsonfile_warn(l->diag, jf, p, "%s: basePermissions other "
			    "than \"no_access\" is ignored: ldgate grants no base "
			    "permissions", who);
		if (strcmp(key, "key") != 0 && strcmp(key, "name") != 0 &&
		    strcmp(key, "description") != 0 &&
		    strcmp(key, "policy") != 0 && !is_ld_metadata(key))
			jsonfile_error(l->diag, jf, p, "%s: unknown key \"%s\"",
			    who, key);
	}
}

static int
role_key_ok(const char *key)
{
	if (*key == '\0')
		return 0;
	for (; *key != '\0'; key++)
		if (!specifier_is_keychar((unsigned char)*key))
			return 0;
	return 1;
}

static struct role *
role_find(const struct policyset *set, const char *key)
{
	size_t	i;

	for (i = 0; i < set->nroles; i++)
		if (strcmp(set->roles[i].key, key) == 0)
			return &set->roles[i];
	return NULL;
}

static struct role *
role_push(struct loader *l)
{
	struct policyset	*set = l->set;

	if (set->nroles == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		set->roles = reallocarray(set->roles, l->cap, sizeof(*set->roles));
		if (set->roles == NULL)
			log_fatal("reallocarray");
	}
	memset(&set->roles[set->nroles], 0, sizeof(set->roles[0]));
	return &set->roles[set->nroles++];
}

static void
load_role(struct loader *l, const struct jsonfile *jf, const char *ptr,
    json_t *obj)
{
	struct policy_origin	 o;
	struct role		*r;
	const char		*key;
	char			 who[256], pptr[PTR_MAX];
	size_t			 before = l->diag->nerrors;

	if (!json_is_object(obj)) {
		jsonfile_error(l->diag, jf, ptr, "a role must be an object");
		return;
	}
	key = role_string(l, jf, ptr, obj, "key", "role", 1);
	snprintf(who, sizeof(who), "role \"%s\"", key ? key : "?");
	if (key != NULL && !role_key_ok(key))
		jsonfile_error(l->diag, jf, jsonfile_ptr_join(pptr, sizeof(pptr), ptr,
		    "key"), "%s: a key holds letters, digits, '.', '_', '-'", who);
	if (key != NULL && role_find(l->set, key) != NULL)
		jsonfile_error(l->diag, jf, jsonfile_ptr_join(pptr, sizeof(pptr), ptr,
		    "key"), "%s: defined twice", who);
	role_check_keys(l, jf, ptr, obj, who);
	r = role_push(l);
	r->key = arena_strdup(l->set->arena, key ? key : "");
	r->name = role_string(l, jf, ptr, obj, "name", who, 0);
	r->name = arena_strdup(l->set->arena, r->name ? r->name : r->key);
	r->description = role_string(l, jf, ptr, obj, "description", who, 0);
	r->policy = json_object_get(obj, "policy");
	r->attrs_used = json_array();
	if (r->policy == NULL) {
		jsonfile_error(l->diag, jf, ptr, "%s: missing \"policy\"", who);
		return;
	}
	snprintf(who, sizeof(who), "role \"%s\": policy", r->key);
	o.file = jf;
	o.ptr = jsonfile_ptr_join(pptr, sizeof(pptr), ptr, "policy");
	o.who = who;
	o.guardrail = 0;
	policy_validate(&o, r->policy, r->attrs_used, l->diag);
	r->valid = l->diag->nerrors == before;
	if (r->valid)
		r->reasons = arena_calloc(l->set->arena,
		    json_array_size(r->policy), sizeof(*r->reasons));
}

/* A roles file: one role, an array, or GET /api/v2/roles' {"items": [...]}. */
static void
load_roles_file(struct loader *l, const struct jsonfile *jf)
{
	json_t		*root = jf->root, *items, *v;
	const char	*key;
	char		 ptr[PTR_MAX];
	size_t		 i;

	if (json_is_object(root) && json_object_get(root, "items") != NULL) {
		json_object_foreach(root, key, v)
			if (strcmp(key, "items") != 0 && key[0] != '_' &&
			    strcmp(key, "totalCount") != 0)
				jsonfile_error(l->diag, jf, jsonfile_ptr_join(ptr,
				    sizeof(ptr), "", key), "roles listing: "
				    "unknown key \"%s\"", key);
		items = json_object_get(root, "items");
		if (!json_is_array(items)) {
			jsonfile_error(l->diag, jf, "/items", "roles listing: "
			    "\"items\" must be an array of roles");
			return;
		}
		json_array_foreach(items, i, v)
			load_role(l, jf, jsonfile_ptr_join_index(ptr, sizeof(ptr),
			    "/items", i), v);
	} else if (json_is_array(root)) {
		json_array_foreach(root, i, v)
			load_role(l, jf, jsonfile_ptr_join_index(ptr, sizeof(ptr), "",
			    i), v);
	} else
		load_role(l, jf, "", root);
}

/* --------------------------------------------------------- principals */

static int
fingerprint_ok(const char *s)
{
	size_t	i;

	if (strncmp(s, "sha256:", 7) != 0 || strlen(s) != 7 + 64)
		return 0;
	for (i = 7; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int
fp_cmp(const void *a, const void *b)
{
	return strcmp(((const struct policyset_fp *)a)->fp,
	    ((const struct policyset_fp *)b)->fp);
}

static void
principal_tokens(struct loader *l, const struct jsonfile *jf, const char *ptr,
    const json_t *obj, struct principal *p, const char *who)
{
	const json_t	*toks = json_object_get(obj, "tokens"), *t;
	const char	**fps;
	char		 tptr[PTR_MAX], base[PTR_MAX];
	size_t		 i;

	jsonfile_ptr_join(base, sizeof(base), ptr, "tokens");
	if (toks == NULL) {
		jsonfile_error(l->diag, jf, ptr, "%s: missing \"tokens\"", who);
		return;
	}
	if (!json_is_array(toks)) {
		jsonfile_error(l->diag, jf, base, "%s: \"tokens\" must be an "
		    "array of \"sha256:<hex>\" fingerprints", who);
		return;
	}
	fps = arena_calloc(l->set->arena, json_array_size(toks), sizeof(*fps));
	json_array_foreach(toks, i, t) {
		jsonfile_ptr_join_index(tptr, sizeof(tptr), base, i);
		if (!json_is_string(t) || !fingerprint_ok(json_string_value(t))) {
			jsonfile_error(l->diag, jf, tptr, "%s: tokens[%zu]: not a "
			    "fingerprint: want \"sha256:\" and 64 lowercase hex "
			    "digits (see ldgate fingerprint)", who, i);
			continue;
		}
		fps[p->nfingerprints++] = arena_strdup(l->set->arena,
		    json_string_value(t));
	}
	p->fingerprints = fps;
}

static void
principal_attrs(struct loader *l, const struct jsonfile *jf, const char *ptr,
    json_t *attrs, const char *who)
{
	const char	*name;
	const json_t	*vals, *v;
	char		 aptr[PTR_MAX], vptr[PTR_MAX];
	size_t		 i;

	if (!json_is_object(attrs)) {
		jsonfile_error(l->diag, jf, jsonfile_ptr_join(aptr, sizeof(aptr), ptr,
		    "roleAttributes"), "%s: \"roleAttributes\" must be an "
		    "object of name: [values]", who);
		return;
	}
	json_object_foreach(attrs, name, vals) {
		jsonfile_ptr_join(aptr, sizeof(aptr), ptr, "roleAttributes");
		jsonfile_ptr_join(aptr, sizeof(aptr), aptr, name);
		if (!json_is_array(vals) || json_array_size(vals) == 0) {
			jsonfile_error(l->diag, jf, aptr, "%s: roleAttributes.%s: "
			    "must be a non-empty array of strings", who, name);
			continue;
		}
		json_array_foreach(vals, i, v)
			if (!json_is_string(v) ||
			    !policy_attr_value_ok(json_string_value(v)))
				jsonfile_error(l->diag, jf, jsonfile_ptr_join_index(vptr,
				    sizeof(vptr), aptr, i), "%s: roleAttributes."
				    "%s[%zu]: a value holds key characters and "
				    "'*' only", who, name, i);
	}
}

/* Every attribute a held role uses must be defined by the principal. */
static void
principal_role_attrs(struct loader *l, const struct jsonfile *jf,
    const char *rptr, const struct role *r, const json_t *attrs,
    const char *who)
{
	const json_t	*a;
	size_t		 i;

	json_array_foreach(r->attrs_used, i, a)
		if (attrs == NULL || json_object_get(attrs,
		    json_string_value(a)) == NULL)
			jsonfile_error(l->diag, jf, rptr, "%s: role \"%s\" uses "
			    "role attribute \"%s\", which the principal does not "
			    "define in \"roleAttributes\"", who, r->key,
			    json_string_value(a));
}

static void
principal_roles(struct loader *l, const struct jsonfile *jf, const char *ptr,
    const json_t *obj, struct principal *p, const char *who)
{
	const json_t		*roles = json_object_get(obj, "roles"), *k;
	const json_t		*attrs = json_object_get(obj, "roleAttributes");
	const struct role	**held, *r;
	char			 base[PTR_MAX], rptr[PTR_MAX];
	size_t			 i, j;

	jsonfile_ptr_join(base, sizeof(base), ptr, "roles");
	if (!json_is_array(roles)) {
		jsonfile_error(l->diag, jf, roles ? base : ptr, "%s: \"roles\" "
		    "must be an array of role keys", who);
		return;
	}
	if (json_array_size(roles) > POLICYSET_MAX_ROLES) {
		jsonfile_error(l->diag, jf, base, "%s: more than %d roles", who,
		    POLICYSET_MAX_ROLES);
		return;
	}
	held = arena_calloc(l->set->arena, json_array_size(roles), sizeof(*held));
	json_array_foreach(roles, i, k) {
		jsonfile_ptr_join_index(rptr, sizeof(rptr), base, i);
		if (!json_is_string(k) || (r = role_find(l->set,
		    json_string_value(k))) == NULL) {
			jsonfile_error(l->diag, jf, rptr, "%s: roles[%zu]: unknown "
			    "role \"%s\"", who, i, json_is_string(k) ?
			    json_string_value(k) : "(not a string)");
			continue;
		}
		for (j = 0; j < p->nroles; j++)
			if (held[j] == r)
				jsonfile_error(l->diag, jf, rptr, "%s: roles[%zu]: "
				    "role \"%s\" listed twice", who, i, r->key);
		principal_role_attrs(l, jf, rptr, r, json_is_object(attrs) ?
		    attrs : NULL, who);
		held[p->nroles++] = r;
	}
	p->roles = held;
}

static void
load_principal(struct loader *l, const struct jsonfile *jf, const char *ptr,
    json_t *obj, struct principal *p)
{
	const char	*key, *name;
	json_t		*v;
	char		 who[256], kptr[PTR_MAX];
	size_t		 i;

	if (!json_is_object(obj)) {
		jsonfile_error(l->diag, jf, ptr, "a principal must be an object");
		return;
	}
	name = json_string_value(json_object_get(obj, "name"));
	if (name == NULL || *name == '\0')
		jsonfile_error(l->diag, jf, ptr, "principal: \"name\" must be a "
		    "non-empty string");
	for (i = 0; name != NULL && i < (size_t)(p - l->set->principals); i++)
		if (strcmp(l->set->principals[i].name, name) == 0)
			jsonfile_error(l->diag, jf, ptr, "principal \"%s\": "
			    "defined twice", name);
	snprintf(who, sizeof(who), "principal \"%s\"", name ? name : "?");
	p->name = arena_strdup(l->set->arena, name ? name : "");
	json_object_foreach(obj, key, v)
		if (strcmp(key, "name") != 0 && strcmp(key, "tokens") != 0 &&
		    strcmp(key, "roles") != 0 &&
		    strcmp(key, "roleAttributes") != 0)
			jsonfile_error(l->diag, jf, jsonfile_ptr_join(kptr,
			    sizeof(kptr), ptr, key), "%s: unknown key \"%s\"",
			    who, key);
	principal_tokens(l, jf, ptr, obj, p, who);
	if ((v = json_object_get(obj, "roleAttributes")) != NULL)
		principal_attrs(l, jf, ptr, v, who);
	principal_roles(l, jf, ptr, obj, p, who);
}

/* Reports a token listed twice, at the later of its two places. */
static void
fp_duplicate(struct loader *l, const struct jsonfile *jf,
    const struct policyset_fp *a, const struct policyset_fp *b)
{
	const struct policyset_fp	*first = a, *second = b;
	char				 ptr[PTR_MAX];

	if (b->pidx < a->pidx || (b->pidx == a->pidx && b->tidx < a->tidx)) {
		first = b;
		second = a;
	}
	snprintf(ptr, sizeof(ptr), "/%zu/tokens/%zu", second->pidx,
	    second->tidx);
	if (first->principal == second->principal)
		jsonfile_error(l->diag, jf, ptr, "principal \"%s\": tokens[%zu]: "
		    "listed twice", second->principal->name, second->tidx);
	else
		jsonfile_error(l->diag, jf, ptr, "principal \"%s\": tokens[%zu]: "
		    "already held by principal \"%s\"", second->principal->name,
		    second->tidx, first->principal->name);
}

static void
index_fingerprints(struct loader *l, const struct jsonfile *jf)
{
	struct policyset	*set = l->set;
	size_t			 i, j, n = 0;

	for (i = 0; i < set->nprincipals; i++)
		n += set->principals[i].nfingerprints;
	set->fps = arena_calloc(set->arena, n, sizeof(*set->fps));
	for (i = 0; i < set->nprincipals; i++)
		for (j = 0; j < set->principals[i].nfingerprints; j++) {
			set->fps[set->nfps].fp = set->principals[i].fingerprints[j];
			set->fps[set->nfps].pidx = i;
			set->fps[set->nfps].tidx = j;
			set->fps[set->nfps++].principal = &set->principals[i];
		}
	if (set->nfps > 1)
		qsort(set->fps, set->nfps, sizeof(*set->fps), fp_cmp);
	for (i = 1; i < set->nfps; i++)
		if (strcmp(set->fps[i - 1].fp, set->fps[i].fp) == 0)
			fp_duplicate(l, jf, &set->fps[i - 1], &set->fps[i]);
}

static void
load_principals(struct loader *l, const struct jsonfile *jf)
{
	json_t		*v;
	char		 ptr[PTR_MAX];
	size_t		 i;

	if (!json_is_array(jf->root)) {
		jsonfile_error(l->diag, jf, "", "principals: the file must hold "
		    "an array of principals");
		return;
	}
	l->set->principals = arena_calloc(l->set->arena,
	    json_array_size(jf->root), sizeof(struct principal));
	json_array_foreach(jf->root, i, v) {
		load_principal(l, jf, jsonfile_ptr_join_index(ptr, sizeof(ptr), "", i),
		    v, &l->set->principals[i]);
		l->set->nprincipals++;
	}
	index_fingerprints(l, jf);
}

/* -------------------------------------------------------- compilation */

/* Role order, then a role's denies before its allows: see decide.c. */
static int
stmt_order(const void *a, const void *b)
{
	const struct policy_stmt	*x = a, *y = b;

	if (x->role != y->role)
		return x->role < y->role ? -1 : 1;
	if (x->deny != y->deny)
		return x->deny ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Moves a compiled vector into the arena; the vector is emptied. */
static const struct policy_stmt *
stmts_copy(struct arena *arena, struct policy_vec *vec)
{
	struct policy_stmt	*v = arena_calloc(arena, vec->n, sizeof(*v));

	if (vec->n > 0)
		memcpy(v, vec->v, vec->n * sizeof(*v));
	return v;
}

static void
compile_principal(struct loader *l, const struct jsonfile *jf, size_t idx)
{
	struct principal	*p = &l->set->principals[idx];
	const json_t		*attrs;
	struct policy_vec	 vec = { NULL, 0, 0 };
	char			 err[512], ptr[PTR_MAX];
	size_t			 i;

	attrs = json_object_get(json_array_get(jf->root, idx), "roleAttributes");
	for (i = 0; i < p->nroles; i++)
		if (policy_compile(l->set->arena, p->roles[i]->policy, attrs,
		    (unsigned)i, p->roles[i]->key, p->roles[i]->name,
		    p->roles[i]->reasons, &vec, err, sizeof(err)) == -1) {
			snprintf(ptr, sizeof(ptr), "/%zu/roles/%zu", idx, i);
			jsonfile_error(l->diag, jf, ptr, "principal \"%s\": role "
			    "\"%s\": %s", p->name, p->roles[i]->key, err);
		}
	if (vec.n > 1)
		qsort(vec.v, vec.n, sizeof(*vec.v), stmt_order);
	p->stmts = stmts_copy(l->set->arena, &vec);
	p->nstmts = vec.n;
	free(vec.v);
}

static void
load_guardrails(struct loader *l, const struct jsonfile *jf)
{
	struct policy_origin	o = { jf, "", "guardrails", 1 };
	struct policy_vec	vec = { NULL, 0, 0 };
	char			err[512];

	if (policy_validate(&o, jf->root, NULL, l->diag) > 0)
		return;
	if (policy_compile(l->set->arena, jf->root, NULL, 0, NULL, "guardrails",
	    NULL, &vec, err, sizeof(err)) == -1)
		jsonfile_error(l->diag, jf, "", "guardrails: %s", err);
	l->set->guards = stmts_copy(l->set->arena, &vec);
	l->set->nguards = vec.n;
	free(vec.v);
}

/* The policy's identity for audit records: SHA-256 of its canonical JSON. */
static void
hash_policy(struct policyset *set)
{
	char	*text;

	if ((text = json_dumps(set->docs, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		log_fatalx("json_dumps");
	fingerprint_sha256_hex(text, strlen(text), set->sha256);
	free(text);
}

struct policyset *
policyset_build(const struct jsonfile *const *roles, size_t nroles,
    const struct jsonfile *principals, const struct jsonfile *guardrails,
    struct diag *diag)
{
	struct loader	 l;
	size_t		 i, before = diag->nerrors;

	memset(&l, 0, sizeof(l));
	l.diag = diag;
	if ((l.set = calloc(1, sizeof(*l.set))) == NULL)
		log_fatal("calloc");
	l.set->arena = arena_new();
	l.set->docs = json_array();
	for (i = 0; i < nroles; i++) {
		json_array_append(l.set->docs, roles[i]->root);
		load_roles_file(&l, roles[i]);
	}
	json_array_append(l.set->docs, principals->root);
	load_principals(&l, principals);
	if (guardrails != NULL) {
		json_array_append(l.set->docs, guardrails->root);
		load_guardrails(&l, guardrails);
	}
	for (i = 0; diag->nerrors == before && i < l.set->nprincipals; i++)
		compile_principal(&l, principals, i);
	if (diag->nerrors != before) {
		policyset_free(l.set);
		return NULL;
	}
	hash_policy(l.set);
	return l.set;
}

void
policyset_free(struct policyset *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nroles; i++)
		json_decref(set->roles[i].attrs_used);
	free(set->roles);
	json_decref(set->docs);
	arena_free(set->arena);
	free(set);
}

const struct principal *
policyset_by_name(const struct policyset *set, const char *name)
{
	size_t	i;

	for (i = 0; i < set->nprincipals; i++)
		if (strcmp(set->principals[i].name, name) == 0)
			return &set->principals[i];
	return NULL;
}

const struct principal *
policyset_by_fingerprint(const struct policyset *set, const char *fp)
{
	struct policyset_fp	 key = { fp, NULL, 0, 0 }, *hit;

	hit = bsearch(&key, set->fps, set->nfps, sizeof(*set->fps), fp_cmp);
	return hit ? hit->principal : NULL;
}
