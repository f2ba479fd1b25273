#include <stdio.h>
#include <string.h>

#include "request/access.h"
#include "engine/action.h"
#include "engine/decide.h"
#include "engine/explain.h"
#include "util/jsonw.h"

void
access_object(struct access_object *obj, const struct route_match *m,
    const char *key)
{
	int	has_id = m->id[0] != '\0';

	if (!m->needs_key)
		key = m->key;
	if (has_id)
		snprintf(obj->kid, sizeof(obj->kid), "%s/%s", key, m->id);
	else
		snprintf(obj->kid, sizeof(obj->kid), "%s", key);
	if (m->alias == ROUTE_ALIAS_INTEGRATION) {
		specifier_segment_init(&obj->segs[0], "integration", obj->kid, 1);
		specifier_init(&obj->aliases[0], &obj->segs[0], 1, NULL);
		obj->naliases = 1;
		snprintf(obj->text, sizeof(obj->text), "integration/%s", obj->kid);
		return;
	}
	/* A delivery configuration of a project environment has two names. */
	specifier_segment_init(&obj->segs[0], "proj", m->proj, 1);
	specifier_segment_init(&obj->segs[1], "env", m->env, 1);
	specifier_segment_init(&obj->segs[2], "integration", obj->kid, 1);
	specifier_segment_init(&obj->segs[3], "integration", obj->kid, 1);
	specifier_init(&obj->aliases[0], &obj->segs[0], 3, NULL);
	specifier_init(&obj->aliases[1], &obj->segs[3], 1, NULL);
	obj->naliases = 2;
	snprintf(obj->text, sizeof(obj->text), "proj/%s:env/%s:integration/%s",
	    m->proj, m->env, obj->kid);
}

int
access_key_valid(const char *key)
{
	const char	*p;

	for (p = key; *p != '\0' && specifier_is_keychar((unsigned char)*p);
	    p++)
		;
	return *p == '\0' && p > key && p - key <= ROUTE_PARAM_MAX;
}

int
access_decide(const struct policyset *set, const struct principal *p,
    const struct access_object *obj, unsigned actions,
    struct access_verdict *v)
{
	unsigned	bit;

	v->allow = 1;
	v->n = 0;
	for (bit = 1; bit < 1u << ACTION_COUNT; bit <<= 1) {
		if ((actions & bit) == 0)
			continue;
		decide(set, p, obj->aliases, obj->naliases, action_name(bit), bit,
		    &v->r[v->n]);
		v->allow &= v->r[v->n].allow;
		v->bits[v->n++] = bit;
	}
	return v->allow;
}

void
access_explain(const struct access_verdict *v,
    const struct access_object *obj, json_t *allowed, json_t *denied)
{
	size_t	i;

	for (i = 0; i < v->n; i++)
		if ((v->r[i].allow ? allowed : denied) != NULL)
			explain_access(allowed, denied,
			    action_name(v->bits[i]), obj->text, &v->r[i]);
}

/* The entries of the decisions that allowed (allow = 1) or denied. */
static void
explain_list(const struct access_verdict *v, const struct access_object *obj,
    int allow, struct jsonw *w)
{
	size_t	i;
	int	first = 1;

	jsonw_lit(w, "[");
	for (i = 0; i < v->n; i++)
		if (v->r[i].allow == allow)
			explain_write(w, &first, action_name(v->bits[i]),
			    obj->text, &v->r[i]);
	jsonw_lit(w, "]");
}

void
access_explain_write(const struct access_verdict *v,
    const struct access_object *obj, struct jsonw *w)
{
	jsonw_lit(w, "{\"allowed\":");
	explain_list(v, obj, 1, w);
	jsonw_lit(w, ",\"denied\":");
	explain_list(v, obj, 0, w);
	jsonw_lit(w, "}");
}
