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
	jsonw_lit(w, "{\"_id\":");
	jsonw_str(w, id);
	jsonw_lit(w, ",\"date\":");
	jsonw_int(w, (long long)audit_now_ms());
	jsonw_lit(w, ",\"event\":");
	jsonw_str(w, event);
}

static void
token_write(struct jsonw *w, const struct record_facts *f)
{
	size_t	len;

	if (f->fingerprint == NULL) {
		jsonw_lit(w, "null");
		return;
	}
	len = f->token != NULL ? strlen(f->token) : 0;
	jsonw_lit(w, "{\"fingerprint\":");
	jsonw_str(w, f->fingerprint);
	jsonw_lit(w, ",\"ending\":");
	jsonw_str(w, len >= RECORD_ENDING_MIN_TOKEN ? f->token + len - 4 : NULL);
	jsonw_lit(w, "}");
}

static void
accesses_write(struct jsonw *w, const struct record_facts *f)
{
	unsigned	bit;
	int		first = 1;

	jsonw_lit(w, "[");
	for (bit = 1; f->obj != NULL && bit < 1u << ACTION_COUNT; bit <<= 1) {
		if ((f->actions & bit) == 0)
			continue;
		jsonw_sep(w, &first);
		jsonw_lit(w, "{\"action\":");
		jsonw_str(w, action_name(bit));
		jsonw_lit(w, ",\"resource\":");
		jsonw_str(w, f->obj->text);
		jsonw_lit(w, "}");
	}
	jsonw_lit(w, "]");
}

static void
http_write(struct jsonw *w, const struct record_facts *f)
{
	jsonw_lit(w, "{\"method\":");
	jsonw_str(w, f->method);
	jsonw_lit(w, ",\"path\":");
	jsonw_str(w, f->path);
	jsonw_lit(w, ",\"ldApiVersion\":");
	jsonw_str(w, f->ld_api_version);
	jsonw_lit(w, "}");
}

char *
record_decision(const struct record_facts *f, size_t *len)
{
	struct jsonw	w;

	jsonw_init(&w, RECORD_SIZE_HINT);
	record_open(&w, f->id, "decision");
	jsonw_lit(&w, ",\"kind\":");
	jsonw_str(&w, f->kind);
	jsonw_lit(&w, ",\"principal\":");
	jsonw_str(&w, f->principal);
	jsonw_lit(&w, ",\"token\":");
	token_write(&w, f);
	jsonw_lit(&w, ",\"client\":");
	jsonw_str(&w, f->client);
	jsonw_lit(&w, ",\"http\":");
	http_write(&w, f);
	jsonw_lit(&w, ",\"accesses\":");
	accesses_write(&w, f);
	jsonw_lit(&w, ",\"comment\":");
	jsonw_str(&w, f->comment);
	jsonw_lit(&w, ",\"delta\":");
	if (f->ops != NULL)
		redact_patch_write(f->redact, f->ops, &w);
	else
		jsonw_lit(&w, "null");
	jsonw_lit(&w, ",\"decision\":");
	jsonw_str(&w, f->decision);
	jsonw_lit(&w, ",\"mode\":");
	jsonw_str(&w, f->mode);
	jsonw_lit(&w, ",\"reason\":");
	if (f->verdict != NULL && f->obj != NULL)
		access_explain_write(f->verdict, f->obj, &w);
	else
		jsonw_lit(&w, "null");
	if (f->status != 0) {
		jsonw_lit(&w, ",\"status\":");
		jsonw_int(&w, f->status);
	}
	if (f->message != NULL) {
		jsonw_lit(&w, ",\"message\":");
		jsonw_str(&w, f->message);
	}
	jsonw_lit(&w, ",\"policy\":{\"sha256\":");
	jsonw_str(&w, f->policy_sha256);
	jsonw_lit(&w, "}");
	return jsonw_finish(&w, len);
}

char *
record_outcome(const char *id, const char *kind, int status, const char *code,
    int64_t latency_ms, size_t *len)
{
	struct jsonw	w;

	jsonw_init(&w, 256);
	record_open(&w, id, "outcome");
	jsonw_lit(&w, ",\"kind\":");
	jsonw_str(&w, kind);
	jsonw_lit(&w, ",\"upstream\":{\"status\":");
	if (status != 0)
		jsonw_int(&w, status);
	else
		jsonw_lit(&w, "null");
	jsonw_lit(&w, ",\"code\":");
	jsonw_str(&w, code);
	jsonw_lit(&w, ",\"latencyMs\":");
	jsonw_int(&w, (long long)latency_ms);
	jsonw_lit(&w, "}");
	return jsonw_finish(&w, len);
}
