/*
 * policy: statements of LaunchDarkly's custom-role language -- validation
 * of statements as written, and compilation into a form that makes a
 * decision cheap (specifiers parsed, role attributes expanded, integration
 * actions precomputed as a bit mask).  Pure: no I/O.
 */
#ifndef LDGATE_POLICY_H
#define LDGATE_POLICY_H

#include <stddef.h>

#include <jansson.h>

#include "engine/specifier.h"

struct arena;
struct diag;
struct jsonfile;

/* One compiled statement.  All memory belongs to the arena it was built in. */
struct policy_stmt {
	unsigned		 deny:1;
	unsigned		 not_resources:1;
	unsigned		 not_actions:1;
	unsigned		 action_mask;	/* ACTION_* bits the action clause covers */
	const struct specifier	*res;		/* after role attribute expansion */
	size_t			 nres;
	const char *const	*actions;	/* action patterns as written */
	size_t			 nactions;
	const json_t		*source;	/* the statement as written */
	size_t			 index;		/* position in its policy */
	unsigned		 role;		/* index among its holder's roles */
	const char		*role_key;	/* NULL for a guardrail */
	const char		*role_name;
	/* The statement as a decision's reason (as written, plus role_name
	 * and role_key or "guardrail"), JSON text made once at load because
	 * every decision record carries it. */
	const char		*reason_text;
	size_t			 reason_len;
};

/*
 * A statement's reason_text, made once per role statement and shared by
 * every principal compiled from it (a role held by thousands).
 */
struct policy_reason {
	const char	*text;		/* NULL until made */
	size_t		 len;
};

/* A growable array of compiled statements, in an arena. */
struct policy_vec {
	struct policy_stmt	*v;
	size_t			 n;
	size_t			 cap;
};

/* Where a policy came from, for located messages. */
struct policy_origin {
	const struct jsonfile	*file;
	const char		*ptr;	/* JSON pointer of the statement array */
	const char		*who;	/* "role \"ops\"" or "guardrails" */
	int			 guardrail;	/* deny only, no role attributes */
};

/*
 * Validates a statement array as written.  Every problem is added to diag,
 * located at the offending value.  Names of the role attributes used are
 * appended (once each) to attrs_used when it is not NULL.  Returns the number
 * of errors found.
 */
size_t		policy_validate(const struct policy_origin *, const json_t *stmts,
		    json_t *attrs_used, struct diag *);

/*
 * Compiles a validated statement array, expanding ${roleAttribute/NAME}
 * from attrs (object: name -> array of strings; NULL when the holder has
 * none) and appends the result to vec.  reasons (NULL, or one per
 * statement of stmts, in the same arena) keeps the statements' reason
 * texts between calls for the same role.  Returns 0, or -1 with a reason
 * in err (an expansion too large, or an attribute missing).
 */
int		policy_compile(struct arena *, const json_t *stmts,
		    const json_t *attrs, unsigned role, const char *role_key,
		    const char *role_name, struct policy_reason *reasons,
		    struct policy_vec *vec, char *err, size_t errlen);

/*
 * Does stmt apply to the action on the object named by aliases?  action_bit
 * is the ACTION_* bit of action, or 0 for an action outside the integration
 * set (matched by name).
 */
enum tri	policy_stmt_applies(const struct policy_stmt *,
		    const struct specifier *aliases, size_t naliases,
		    const char *action, unsigned action_bit);

/* Is s a valid role attribute value (key characters and '*')? */
int		policy_attr_value_ok(const char *s);

#endif
