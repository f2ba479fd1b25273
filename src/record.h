/*
 * record: the audit records of a request (DESIGN.md section 6) built from
 * what txn.c learned about it.  Pure: building JSON, no I/O.  Nothing
 * secret goes in: the token only as its fingerprint and, for long tokens,
 * its last four characters; the patch only redacted (redact.c).
 */
#ifndef LDGATE_RECORD_H
#define LDGATE_RECORD_H

#include <stdint.h>

#include <jansson.h>

struct access_object;

/* What a decision record says.  Strings are borrowed; json_t are stolen. */
struct record_facts {
	const char			*id;
	const char			*kind;		/* route kind, or NULL */
	const char			*method;	/* effective */
	const char			*path;		/* request target as sent */
	const char			*ld_api_version;
	const char			*client;	/* "address:port" */
	const char			*principal;	/* NULL: unknown */
	const char			*fingerprint;	/* NULL: no token */
	const char			*token;		/* only its ending is kept */
	const struct access_object	*obj;		/* NULL: not decided */
	unsigned			 actions;
	const char			*comment;
	json_t				*delta;		/* redacted patch, stolen */
	const char			*decision;	/* allow, deny, refused */
	const char			*mode;		/* enforce, dry-run */
	json_t				*reason;	/* _access object, stolen */
	const char			*policy_sha256;
	int				 status;	/* ldgate's own answer, or 0 */
	const char			*message;	/* why refused, or NULL */
};

/* A new "decision" record. */
json_t	*record_decision(const struct record_facts *);

/*
 * A new "outcome" record for request id: the upstream's status (0 when it
 * gave none), ldgate's error code when the call failed (or NULL), and the
 * time from forwarding to the end of the response.
 */
json_t	*record_outcome(const char *id, const char *kind, int status,
	    const char *code, int64_t latency_ms);

#endif
