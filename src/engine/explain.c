#include <stdlib.h>

#include "engine/decide.h"
#include "engine/explain.h"
#include "util/jsonw.h"
#include "engine/policy.h"

json_t *
explain_reason(const struct policy_stmt *ps)
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
 * The JSON form is the text form parsed: explain_write is the one place
 * that knows an entry's shape.  The 403 body and `ldgate eval` are rare;
 * the audit record, on every request, uses the text directly.
 */
void
explain_access(json_t *allowed, json_t *denied, const char *action,
    const char *resource, const struct decide_result *r)
{
	struct jsonw	 w;
	json_t		*entries;
	char		*text;
	size_t		 len;
	int		 first = 1;

	jw_init(&w, 512);
	jw_lit(&w, "[");
	explain_write(&w, &first, action, resource, r);
	jw_lit(&w, "]");
	if ((text = jw_finish(&w, &len)) == NULL)
		return;
	if ((entries = json_loadb(text, len, 0, NULL)) != NULL)
		json_array_extend(r->allow ? allowed : denied, entries);
	json_decref(entries);
	free(text);
}

/* {"action":A,"resource":R, -- the start of every entry. */
static void
entry_open(struct jsonw *w, int *first, const char *action,
    const char *resource)
{
	jw_sep(w, first);
	jw_lit(w, "{\"action\":");
	jw_str(w, action);
	jw_lit(w, ",\"resource\":");
	jw_str(w, resource);
}

void
explain_write(struct jsonw *w, int *first, const char *action,
    const char *resource, const struct decide_result *r)
{
	size_t	i;

	if (r->implicit) {
		entry_open(w, first, action, resource);
		jw_lit(w, ",\"reason\":null,\"implicit\":true}");
		return;
	}
	for (i = 0; i < r->nreasons; i++) {
		entry_open(w, first, action, resource);
		jw_lit(w, ",\"reason\":");
		jw_raw(w, r->reasons[i]->reason_text,
		    r->reasons[i]->reason_len);
		jw_lit(w, "}");
	}
	if (r->nmore > 0) {
		entry_open(w, first, action, resource);
		jw_lit(w, ",\"moreStatements\":");
		jw_int(w, (long long)r->nmore);
		jw_lit(w, "}");
	}
}
