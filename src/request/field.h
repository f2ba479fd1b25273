/*
 * field: the one table of the top-level fields a JSON Patch may touch
 * (docs/design.md section 2): for each field, the action a change to it needs on
 * each kind of target, and whether its value is a secret.  patch.c reads
 * the actions from it and redact.c the secrecy, so the gateway cannot
 * authorise one set of fields and redact another.
 *
 * Pure: constant data and functions of their arguments only; no I/O, no
 * allocation, no state; safe from any thread.  The rows are static: a
 * const struct field * stays valid for the life of the process, and
 * nobody frees it.
 */
#ifndef LDGATE_FIELD_H
#define LDGATE_FIELD_H

/* Longest field name decoded; no field of the table comes near it. */
#define FIELD_NAME_MAX	64

enum field_kind {
	FIELD_KIND_DELIVERY = 1,	/* featureStore and big-segment-store */
	FIELD_KIND_INTEGRATION		/* integration-configurations */
};

/* One row: a field, or the whole document "" (opaque; see field.c). */
struct field;

/*
 * Decodes the first reference token of the RFC 6901 pointer ptr (~1 is
 * '/', ~0 is '~', in one pass, so "~01" is "~1") into name, cut to
 * FIELD_NAME_MAX bytes and NUL-terminated.  Only the first token is read.
 * "" (the whole document) and "/" (the member named "") both decode as "".
 * Returns 0, 1 when the token was cut, or -1 (name then "") when ptr is
 * neither "" nor led by '/', or a '~' in its first token is not ~0 or ~1.
 */
int		 field_token(const char *ptr,
		    char name[FIELD_NAME_MAX + 1]);

/*
 * The row of the field that pointer ptr lies in: the whole document's for
 * "", else the row named by ptr's first token.  Returns 0 with *f set --
 * NULL when no field is named so (unknown, or longer than FIELD_NAME_MAX)
 * -- or -1 as field_token does, *f then NULL.
 */
int		 field_find(const char *ptr, const struct field **f);

/*
 * The ACTION_* bits a change inside f needs on a target of kind; for the
 * whole document, every field's of that kind.  0 when f is NULL or kind
 * has no such field: a change there is refused.
 */
unsigned	 field_actions(const struct field *f, enum field_kind kind);

/*
 * 1 if f's value is a third-party secret on a target of kind: config for
 * delivery, configValues and capabilityConfig for integration, and the
 * whole document for both.  0 otherwise, also when f is NULL or kind has
 * no such field.
 */
int		 field_secret(const struct field *f, enum field_kind kind);

/*
 * The ACTION_* bits reading the value inside f needs on a target of kind,
 * as a copy or move from it or a test of it does: updateConfiguration
 * when f is secret there, else none.  Reading a secret is as sensitive as
 * writing it: a copy to /name publishes it, and a test guesses it.
 */
unsigned	 field_read_actions(const struct field *f,
		    enum field_kind kind);

#endif
