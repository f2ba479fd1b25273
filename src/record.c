#include <string.h>

#include "access.h"
#include "action.h"
#include "audit.h"
#include "record.h"

/* Shorter tokens keep no ending: four characters of a short secret are
 * too much of it. */
#define RECORD_ENDING_MIN_TOKEN	16

static json_t *
jstr(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
token_json(const struct record_facts *f)
{
	size_t	len;

	if (f->fingerprint == NULL)
		return json_null();
	len = f->token != NULL ? strlen(f->token) : 0;
	return json_pack("{s:s, s:o}", "fingerprint", f->fingerprint, "ending",
	    len >= RECORD_ENDING_MIN_TOKEN ? json_string(f->token + len - 4) :
	    json_null());
}

static json_t *
accesses_json(const struct record_facts *f)
{
	json_t		*a = json_array();
	unsigned	 bit;

	if (f->obj == NULL)
		return a;
	for (bit = 1; bit < 1u << ACTION_COUNT; bit <<= 1)
		if (f->actions & bit)
			json_array_append_new(a, json_pack("{s:s, s:s}", "action",
			    action_name(bit), "resource", f->obj->text));
	return a;
}

json_t *
record_decision(const struct record_facts *f)
{
	json_t	*r;

	r = json_pack("{s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "_id", f->id, "date", (json_int_t)audit_now_ms(), "event", "decision",
	    "kind", jstr(f->kind), "principal", jstr(f->principal),
	    "token", token_json(f), "client", jstr(f->client),
	    "http", json_pack("{s:o, s:o, s:o}", "method", jstr(f->method),
	    "path", jstr(f->path), "ldApiVersion", jstr(f->ld_api_version)),
	    "accesses", accesses_json(f), "comment", jstr(f->comment));
	json_object_set_new(r, "delta", f->delta ? f->delta : json_null());
	json_object_set_new(r, "decision", json_string(f->decision));
	json_object_set_new(r, "mode", jstr(f->mode));
	json_object_set_new(r, "reason", f->reason ? f->reason : json_null());
	if (f->status != 0)
		json_object_set_new(r, "status", json_integer(f->status));
	if (f->message != NULL)
		json_object_set_new(r, "message", json_string(f->message));
	json_object_set_new(r, "policy", json_pack("{s:s}", "sha256",
	    f->policy_sha256));
	return r;
}

json_t *
record_outcome(const char *id, const char *kind, int status, const char *code,
    int64_t latency_ms)
{
	return json_pack("{s:s, s:I, s:s, s:o, s:{s:o, s:o, s:I}}", "_id", id,
	    "date", (json_int_t)audit_now_ms(), "event", "outcome", "kind",
	    jstr(kind), "upstream", "status", status ? json_integer(status) :
	    json_null(), "code", jstr(code), "latencyMs", (json_int_t)latency_ms);
}
