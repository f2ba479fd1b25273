/*
 * policyset: the loaded policy -- roles, principals and guardrails files
 * (docs/design.md section 3) -- validated whole and compiled per principal.
 * Immutable once built, so worker threads share it without locks.
 */
#ifndef LDGATE_POLICYSET_H
#define LDGATE_POLICYSET_H

#include <stddef.h>

#include <jansson.h>

#include "engine/policy.h"

struct arena;
struct diag;
struct jsonfile;

#define POLICYSET_MAX_ROLES	64	/* per principal: a bit each */

struct role {
	const char	*key;
	const char	*name;		/* LaunchDarkly's name, or the key */
	const char	*description;	/* may be NULL */
	const json_t	*policy;	/* statements as written */
	json_t		*attrs_used;	/* role attribute names it uses */
	int		 valid;
	struct policy_reason *reasons;	/* one per statement, once valid */
};

struct principal {
	const char			*name;
	const char *const		*fingerprints;	/* "sha256:<hex>" */
	size_t				 nfingerprints;
	const struct role *const	*roles;
	size_t				 nroles;
	const struct policy_stmt	*stmts;		/* every role's, compiled */
	size_t				 nstmts;
};

struct policyset {
	struct arena		*arena;
	json_t			*docs;		/* keeps every source alive */
	struct role		*roles;
	size_t			 nroles;
	struct principal	*principals;
	size_t			 nprincipals;
	const struct policy_stmt *guards;
	size_t			 nguards;
	/* fingerprint -> principal, sorted for bsearch */
	struct policyset_fp	*fps;
	size_t			 nfps;
	char			 sha256[65];	/* of the canonical policy JSON */
};

/*
 * Builds the policy set from documents already read (config_policy_load
 * reads the files).  Every problem goes to diag; returns NULL if there was
 * an error.  Caller frees with policyset_free().
 */
struct policyset	*policyset_build(const struct jsonfile *const *roles,
			    size_t nroles, const struct jsonfile *principals,
			    const struct jsonfile *guardrails, struct diag *);
void			 policyset_free(struct policyset *);

const struct principal	*policyset_by_name(const struct policyset *,
			    const char *name);
/* fp is "sha256:<64 lowercase hex>"; NULL when no principal holds it. */
const struct principal	*policyset_by_fingerprint(const struct policyset *,
			    const char *fp);

#endif
