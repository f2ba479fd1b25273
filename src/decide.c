#include <stdint.h>
#include <string.h>

#include "decide.h"
#include "policy.h"
#include "policyset.h"

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
 * Within a role an applicable deny beats an allow, and an unknown match
 * counts for a deny but never for an allow.  Across roles any allowing
 * role grants.  One pass records the role bits; the reasons are picked
 * afterwards from the statements of the roles that decided.
 */
void
decide(const struct policyset *set, const struct principal *p,
    const struct specifier *aliases, size_t naliases, const char *action,
    unsigned bit, struct decide_result *r)
{
	const struct policy_stmt	*ps;
	uint64_t			 allowed = 0, denied = 0, grant;
	enum tri			 t;
	size_t				 i;

	memset(r, 0, sizeof(*r));
	if (guardrails_deny(set, aliases, naliases, action, bit, r)) {
		r->guardrail = 1;
		return;
	}
	for (i = 0; p != NULL && i < p->nstmts; i++) {
		ps = &p->stmts[i];
		if (ps->deny ? (denied >> ps->role) & 1 :
		    ((allowed | denied) >> ps->role) & 1)
			continue;	/* this role's outcome is settled */
		t = policy_stmt_applies(ps, aliases, naliases, action, bit);
		if (ps->deny && t != TRI_FALSE)
			denied |= (uint64_t)1 << ps->role;
		else if (!ps->deny && t == TRI_TRUE)
			allowed |= (uint64_t)1 << ps->role;
	}
	grant = allowed & ~denied;
	r->allow = grant != 0;
	if (!r->allow && denied == 0) {
		r->implicit = 1;
		return;
	}
	/* Explain: the statements that decided, from the roles that did. */
	for (i = 0; i < p->nstmts; i++) {
		ps = &p->stmts[i];
		if (r->allow ? ps->deny || !((grant >> ps->role) & 1) :
		    !ps->deny || !((denied >> ps->role) & 1))
			continue;
		t = policy_stmt_applies(ps, aliases, naliases, action, bit);
		if (ps->deny ? t != TRI_FALSE : t == TRI_TRUE)
			add_reason(r, ps);
	}
}
