/*
 * explain: a decision as JSON, in the shape of LaunchDarkly's
 * _access.allowed[] / _access.denied[]: one entry per deciding statement
 * with its role_name, or one entry marked implicit when nothing applied.
 * Shared by `ldgate eval`, the 403 body and the audit record.
 */
#ifndef LDGATE_EXPLAIN_H
#define LDGATE_EXPLAIN_H

#include <jansson.h>

struct decide_result;
struct jsonw;
struct policy_stmt;

/*
 * Appends the entries for one access to allowed or denied (both arrays,
 * borrowed): {"action", "resource", "reason"} per deciding statement, or
 * {"action", "resource", "reason": null, "implicit": true}; and
 * {"action", "resource", "moreStatements": N} past DECIDE_MAX_REASONS.
 * Made by parsing explain_write's text.
 */
void	 explain_access(json_t *allowed, json_t *denied, const char *action,
	    const char *resource, const struct decide_result *);

/*
 * The same entries as JSON text, for the audit record: each is written to
 * w preceded by a comma unless *first, which is then cleared.  The
 * statements' reasons are their precomputed reason_text.
 */
void	 explain_write(struct jsonw *w, int *first, const char *action,
	    const char *resource, const struct decide_result *);

#endif
