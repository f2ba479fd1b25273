#include <string.h>

#include "engine/decide.h"
#include "engine/policy.h"
#include "engine/policyset.h"

static void
add_reason(struct decide_result *r, const struct policy_stmt *ps)
{
	if (r->nreasons < DECIDE_MAX_REASONS)
		r->reasons[r->nreasons++] = ps;
	else
		r->nmore++;
}

/* Guardrails: any applicable deny (unknown counts) decides. */
static int
guardrails_deny(const struct policyset *set, const struct specifier *aliases,
    size_t naliases, const char *action, unsigned bit,
    struct decide_result *r)
{
	size_t	i;

	for (i = 0; i < set->nguards; i++)
		if (policy_stmt_applies(&set->guards[i], aliases, naliases,
		    action, bit) != TRI_FALSE)
			add_reason(r, &set->guards[i]);
	return r->nreasons + r->nmore > 0;
}

/*
 * One role's outcome, starting at stmts[*i]; advances *i past the role.
 * The compiled statements of a role come denies first (policyset.c), so a
 * role is settled by its first applicable deny, or, with none, by its first
 * applicable allow.  Returns 1 allow, -1 deny, 0 no decision; denies that
 * applied are added to r (they explain a deny).
 */
static int
role_outcome(const struct principal *p, size_t *i,
    const struct specifier *aliases, size_t naliases, const char *action,
    unsigned bit, struct decide_result *r, const struct policy_stmt **allow)
{
	const struct policy_stmt	*ps;
	unsigned			 role = p->stmts[*i].role;
	int				 outcome = 0;

	for (; *i < p->nstmts && p->stmts[*i].role == role; (*i)++) {
		ps = &p->stmts[*i];
		if (outcome != 0 && !ps->deny)
			continue;	/* settled: skip to the next role */
		if (ps->deny) {
			/* An unknown match counts for a deny. */
			if (policy_stmt_applies(ps, aliases, naliases, action,
			    bit) != TRI_FALSE) {
				add_reason(r, ps);
				outcome = -1;
			}
		} else if (policy_stmt_applies(ps, aliases, naliases, action,
		    bit) == TRI_TRUE) {
			*allow = ps;
			outcome = 1;
		}
	}
	return outcome;
}

/*
 * Within a role an applicable deny beats an allow; across roles any
 * allowing role grants, so the scan stops at the first one.
 */
void
decide(const struct policyset *set, const struct principal *p,
    const struct specifier *aliases, size_t naliases, const char *action,
    unsigned bit, struct decide_result *r)
{
	const struct policy_stmt	*allow = NULL;
	size_t				 i = 0;
	int				 denied = 0;

	memset(r, 0, sizeof(*r));
	if (guardrails_deny(set, aliases, naliases, action, bit, r)) {
		r->guardrail = 1;
		return;
	}
	while (p != NULL && i < p->nstmts) {
		switch (role_outcome(p, &i, aliases, naliases, action, bit, r,
		    &allow)) {
		case 1:
			r->allow = 1;
			r->nreasons = r->nmore = 0;
			add_reason(r, allow);
			return;
		case -1:
			denied = 1;
			break;
		}
	}
	r->implicit = !denied;
}
