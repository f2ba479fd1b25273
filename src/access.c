#include <stdio.h>
#include <string.h>

#include "access.h"
#include "action.h"
#include "decide.h"
#include "explain.h"

void
access_object(struct access_object *obj, const struct route_match *m,
    const char *key)
{
	int	has_id = m->op != ROUTE_OP_CREATE;

	if (m->kind != ROUTE_KIND_INTEGRATION || !has_id)
		key = m->key;
	if (has_id)
		snprintf(obj->kid, sizeof(obj->kid), "%s/%s", key, m->id);
	else
		snprintf(obj->kid, sizeof(obj->kid), "%s", key);
	if (m->kind == ROUTE_KIND_INTEGRATION) {
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
access_decide(const struct policyset *set, const struct principal *p,
    const struct access_object *obj, unsigned actions, json_t *allowed,
    json_t *denied)
{
	struct decide_result	r;
	unsigned		bit;
	int			all = 1;

	for (bit = 1; bit < 1u << ACTION_COUNT; bit <<= 1) {
		if ((actions & bit) == 0)
			continue;
		decide(set, p, obj->aliases, obj->naliases, action_name(bit), bit,
		    &r);
		all &= r.allow;
		if (allowed != NULL && denied != NULL)
			explain_access(allowed, denied, action_name(bit),
			    obj->text, &r);
	}
	return all;
}
