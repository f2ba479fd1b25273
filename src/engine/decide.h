/*
 * decide: the decision for one access -- an action on one object named by
 * an alias set -- given the guardrails and a principal's roles
 * (docs/policy.md section 3).  Pure and allocation-free, so the
 * gateway can call it on every request.
 */
#ifndef LDGATE_DECIDE_H
#define LDGATE_DECIDE_H

#include <stddef.h>

struct policy_stmt;
struct policyset;
struct principal;
struct specifier;

#define DECIDE_MAX_REASONS	8

struct decide_result {
	int				 allow;
	int				 guardrail;	/* denied by a guardrail */
	int				 implicit;	/* denied, nothing applied */
	/* The deciding statements: for an allow, the statement of the first
	 * role that allows; for a deny, every deny that applied (the
	 * guardrails', or the roles').  At most DECIDE_MAX_REASONS are kept;
	 * nmore counts the rest. */
	const struct policy_stmt	*reasons[DECIDE_MAX_REASONS];
	size_t				 nreasons;
	size_t				 nmore;
};

/*
 * Decides whether principal (NULL: unknown, holds no role) may perform
 * action on the object named by aliases.  action_bit is the ACTION_* bit for
 * an integration action, or 0 to match by name.
 */
void	decide(const struct policyset *, const struct principal *,
	    const struct specifier *aliases, size_t naliases,
	    const char *action, unsigned action_bit, struct decide_result *);

#endif
