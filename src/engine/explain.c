#include <stdlib.h>

#include "engine/decide.h"
#include "engine/explain.h"
#include "util/jsonw.h"
#include "engine/policy.h"

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

	jsonw_init(&w, 512);
	jsonw_lit(&w, "[");
	explain_write(&w, &first, action, resource, r);
	jsonw_lit(&w, "]");
	if ((text = jsonw_finish(&w, &len)) == NULL)
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
	jsonw_sep(w, first);
	jsonw_lit(w, "{\"action\":");
	jsonw_str(w, action);
	jsonw_lit(w, ",\"resource\":");
	jsonw_str(w, resource);
}

void
explain_write(struct jsonw *w, int *first, const char *action,
    const char *resource, const struct decide_result *r)
{
	size_t	i;

	if (r->implicit) {
		entry_open(w, first, action, resource);
		jsonw_lit(w, ",\"reason\":null,\"implicit\":true}");
		return;
	}
	for (i = 0; i < r->nreasons; i++) {
		entry_open(w, first, action, resource);
		jsonw_lit(w, ",\"reason\":");
		jsonw_raw(w, r->reasons[i]->reason_text,
		    r->reasons[i]->reason_len);
		jsonw_lit(w, "}");
	}
	if (r->nmore > 0) {
		entry_open(w, first, action, resource);
		jsonw_lit(w, ",\"moreStatements\":");
		jsonw_int(w, (long long)r->nmore);
		jsonw_lit(w, "}");
	}
}
