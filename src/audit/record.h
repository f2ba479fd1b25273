/*
 * record: the audit records of a request (docs/design.md section 6) built from
 * what the gateway learned about it (gateway/txn.c), as JSON text for audit_submit_text() (an
 * object without its closing brace: the writer adds seq and prev).
 * Written straight to text, no jansson tree: this runs for every
 * intercepted request.  Pure: no I/O.  Nothing
 * secret goes in: the token only as its fingerprint and, for long tokens,
 * its last four characters; the patch only redacted (redact.c).
 */
#ifndef LDGATE_RECORD_H
#define LDGATE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct access_object;
struct access_verdict;
struct redact;

/* What a decision record says.  Everything is borrowed. */
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
	json_t				*ops;		/* the patch, or NULL */
	const struct redact		*redact;	/* redacts ops */
	const char			*decision;	/* allow, deny, refused */
	const char			*mode;		/* enforce, dry-run */
	const struct access_verdict	*verdict;	/* NULL: not decided */
	const char			*policy_sha256;
	int				 status;	/* ldgate's own answer, or 0 */
	const char			*message;	/* why refused, or NULL */
};

/* A new "decision" record (malloc'd, length in *len), or NULL if memory
 * ran out. */
char	*record_decision(const struct record_facts *, size_t *len);

/*
 * A new "outcome" record for request id: the upstream's status (0 when it
 * gave none), ldgate's error code when the call failed (or NULL), and the
 * time from forwarding to the end of the response.  As record_decision.
 */
char	*record_outcome(const char *id, const char *kind, int status,
	    const char *code, int64_t latency_ms, size_t *len);

#endif
