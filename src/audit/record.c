#include <string.h>

#include "request/access.h"
#include "engine/action.h"
#include "audit/audit.h"
#include "util/jsonw.h"
#include "audit/record.h"
#include "audit/redact.h"

/* Shorter tokens keep no ending: four characters of a short secret are
 * too much of it. */
#define RECORD_ENDING_MIN_TOKEN	16
#define RECORD_SIZE_HINT	2048

/* {"_id":ID,"date":NOW,"event":EVENT -- how every record starts. */
static void
record_open(struct jsonw *w, const char *id, const char *event)
{
	jw_lit(w, "{\"_id\":");
	jw_str(w, id);
	jw_lit(w, ",\"date\":");
	jw_int(w, (long long)audit_now_ms());
	jw_lit(w, ",\"event\":");
	jw_str(w, event);
}

static void
token_write(struct jsonw *w, const struct record_facts *f)
{
	size_t	len;

	if (f->fingerprint == NULL) {
		jw_lit(w, "null");
		return;
	}
	len = f->token != NULL ? strlen(f->token) : 0;
	jw_lit(w, "{\"fingerprint\":");
	jw_str(w, f->fingerprint);
	jw_lit(w, ",\"ending\":");
	jw_str(w, len >= RECORD_ENDING_MIN_TOKEN ? f->token + len - 4 : NULL);
	jw_lit(w, "}");
}

static void
accesses_write(struct jsonw *w, const struct record_facts *f)
{
	unsigned	bit;
	int		first = 1;

	jw_lit(w, "[");
	for (bit = 1; f->obj != NULL && bit < 1u << ACTION_COUNT; bit <<= 1) {
		if ((f->actions & bit) == 0)
			continue;
		jw_sep(w, &first);
		jw_lit(w, "{\"action\":");
		jw_str(w, action_name(bit));
		jw_lit(w, ",\"resource\":");
		jw_str(w, f->obj->text);
		jw_lit(w, "}");
	}
	jw_lit(w, "]");
}

static void
http_write(struct jsonw *w, const struct record_facts *f)
{
	jw_lit(w, "{\"method\":");
	jw_str(w, f->method);
	jw_lit(w, ",\"path\":");
	jw_str(w, f->path);
	jw_lit(w, ",\"ldApiVersion\":");
	jw_str(w, f->ld_api_version);
	jw_lit(w, "}");
}

char *
record_decision(const struct record_facts *f, size_t *len)
{
	struct jsonw	w;

	jw_init(&w, RECORD_SIZE_HINT);
	record_open(&w, f->id, "decision");
	jw_lit(&w, ",\"kind\":");
	jw_str(&w, f->kind);
	jw_lit(&w, ",\"principal\":");
	jw_str(&w, f->principal);
	jw_lit(&w, ",\"token\":");
	token_write(&w, f);
	jw_lit(&w, ",\"client\":");
	jw_str(&w, f->client);
	jw_lit(&w, ",\"http\":");
	http_write(&w, f);
	jw_lit(&w, ",\"accesses\":");
	accesses_write(&w, f);
	jw_lit(&w, ",\"comment\":");
	jw_str(&w, f->comment);
	jw_lit(&w, ",\"delta\":");
	if (f->ops != NULL)
		redact_patch_write(f->redact, f->ops, &w);
	else
		jw_lit(&w, "null");
	jw_lit(&w, ",\"decision\":");
	jw_str(&w, f->decision);
	jw_lit(&w, ",\"mode\":");
	jw_str(&w, f->mode);
	jw_lit(&w, ",\"reason\":");
	if (f->verdict != NULL && f->obj != NULL)
		access_explain_write(f->verdict, f->obj, &w);
	else
		jw_lit(&w, "null");
	if (f->status != 0) {
		jw_lit(&w, ",\"status\":");
		jw_int(&w, f->status);
	}
	if (f->message != NULL) {
		jw_lit(&w, ",\"message\":");
		jw_str(&w, f->message);
	}
	jw_lit(&w, ",\"policy\":{\"sha256\":");
	jw_str(&w, f->policy_sha256);
	jw_lit(&w, "}");
	return jw_finish(&w, len);
}

char *
record_outcome(const char *id, const char *kind, int status, const char *code,
    int64_t latency_ms, size_t *len)
{
	struct jsonw	w;

	jw_init(&w, 256);
	record_open(&w, id, "outcome");
	jw_lit(&w, ",\"kind\":");
	jw_str(&w, kind);
	jw_lit(&w, ",\"upstream\":{\"status\":");
	if (status != 0)
		jw_int(&w, status);
	else
		jw_lit(&w, "null");
	jw_lit(&w, ",\"code\":");
	jw_str(&w, code);
	jw_lit(&w, ",\"latencyMs\":");
	jw_int(&w, (long long)latency_ms);
	jw_lit(&w, "}");
	return jw_finish(&w, len);
}
