/*
 * redact: how a secret is recorded in the audit trail without being
 * recorded (docs/design.md section 6) -- "hmac-sha256:<hex>", the keyed
 * HMAC-SHA256 of the value's canonical JSON.  Equal values give equal
 * forms, so an operator can search the trail for a value he knows
 * (`ldgate audit hash`), but nobody without the key can test guesses.
 *
 * Canonical JSON is what jansson's json_dumps() writes with JSON_COMPACT |
 * JSON_SORT_KEYS | JSON_ENCODE_ANY: no whitespace at all (jansson's compact
 * separators are "," and ":"), object keys sorted bytewise (strcmp of
 * their UTF-8), strings escaped as jansson does ('"', '\\' and control
 * characters only; '/' and non-ASCII stay raw UTF-8), integers in decimal,
 * reals with 17 significant digits ("%.17g", plus ".0" when that looks
 * like an integer).  So 1 and 1.0 differ, and {"a":2,"b":1} equals
 * { "b": 1, "a": 2 }.
 */
#ifndef LDGATE_REDACT_H
#define LDGATE_REDACT_H

#include <stddef.h>

#include <jansson.h>

#define REDACT_KEY_LEN	32
#define REDACT_PREFIX	"hmac-sha256:"
#define REDACT_LEN	(12 + 64)	/* prefix + hex, without NUL */

struct jsonw;
struct redact;

/*
 * Reads the key file at path.  When it does not exist and create is set,
 * creates it first with REDACT_KEY_LEN random bytes, mode 0600, durably
 * (file and directory fsync'd) and atomically (a partly written key is
 * never visible under path).  Refuses a file that is not a regular file,
 * that group or others can read or write, or that is not REDACT_KEY_LEN
 * bytes.  Returns the key (free with redact_free) or NULL with a message
 * naming the file in err.
 */
struct redact	*redact_open(const char *path, int create, char *err,
		    size_t errlen);
void		 redact_free(struct redact *);

/*
 * Writes "hmac-sha256:<64 lowercase hex>" and a NUL to out: the HMAC of
 * value's canonical JSON.  Returns 0, or -1 when out of memory.
 */
int		 redact_value(const struct redact *, const json_t *value,
		    char out[REDACT_LEN + 1]);

/*
 * Writes the JSON Patch op array ops to w (the audit record) with every
 * op whose path names a secret field (request/field.h: secret on either
 * kind, or the whole document "") carrying redact_value's form as its
 * "value".  Fails safe: an op whose path is missing, not a string or not
 * a valid pointer is redacted too.  Other ops, and the other members of
 * each op, are written unchanged, in order; ops itself is not changed
 * (anything but an array is written as null).  An out-of-memory failure
 * marks w failed.
 */
void		 redact_patch_write(const struct redact *, json_t *ops,
		    struct jsonw *w);
/* Whether an op's path is one whose value redact_patch_write replaces. */
int		 redact_path_secret(const char *path);

#endif
