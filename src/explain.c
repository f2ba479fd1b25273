#include "decide.h"
#include "explain.h"
#include "jsonw.h"
#include "policy.h"

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

static json_t *
entry(const char *action, const char *resource)
{
	return json_pack("{s:s, s:s}", "action", action, "resource", resource);
}

void
explain_access(json_t *allowed, json_t *denied, const char *action,
    const char *resource, const struct decide_result *r)
{
	json_t	*list = r->allow ? allowed : denied, *e;
	size_t	 i;

	if (r->implicit) {
		e = entry(action, resource);
		json_object_set_new(e, "reason", json_null());
		json_object_set_new(e, "implicit", json_true());
		json_array_append_new(list, e);
		return;
	}
	for (i = 0; i < r->nreasons; i++) {
		e = entry(action, resource);
		json_object_set_new(e, "reason", explain_reason(r->reasons[i]));
		json_array_append_new(list, e);
	}
	if (r->nmore > 0) {
		e = entry(action, resource);
		json_object_set_new(e, "moreStatements",
		    json_integer((json_int_t)r->nmore));
		json_array_append_new(list, e);
	}
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
