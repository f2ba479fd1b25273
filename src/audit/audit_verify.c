/*
 * Verification of an audit trail's hash chain (`ldgate audit verify`).
 * Each line must be a JSON object whose "prev" is the SHA-256 of the line
 * before it (64 zeros before the very first) and whose "seq" is one more
 * than that line's.  An edited line breaks the next line's prev; a deleted,
 * inserted or moved line breaks seq or prev where it happened.  Nothing
 * here can tell that the newest lines were cut off: that is what anchoring
 * the last seq and hash elsewhere is for (docs/audit.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "util/fingerprint.h"

#define VERIFY_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* Sets v->why to "path:line: message"; returns 1 (broken). */
static int __attribute__((format(printf, 4, 5)))
broken(struct audit_verify *v, const char *path, unsigned long lineno,
    const char *fmt, ...)
{
	char	msg[384];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(v->why, sizeof(v->why), "%s:%lu: %s", path, lineno, msg);
	return 1;
}

/* The line's seq and prev; 0, or 1 with v->why set. */
static int
fields(struct audit_verify *v, const char *path, unsigned long lineno,
    json_t *j, uint64_t *seq, const char **prev)
{
	json_t	*s = json_object_get(j, "seq"), *p = json_object_get(j, "prev");

	if (!json_is_integer(s) || json_integer_value(s) < 1)
		return broken(v, path, lineno, "no \"seq\" positive integer");
	if (!json_is_string(p) || strlen(json_string_value(p)) !=
	    AUDIT_HASH_LEN)
		return broken(v, path, lineno, "no \"prev\" hash");
	*seq = (uint64_t)json_integer_value(s);
	*prev = json_string_value(p);
	return 0;
}

/* Checks seq and prev against the line before.  0, or 1 (broken). */
static int
chain(struct audit_verify *v, const char *path, unsigned long lineno,
    uint64_t seq, const char *prev)
{
	if (v->records == 0) {
		if (v->prev[0] == '\0' && seq != 1)
			return broken(v, path, lineno, "the first record has "
			    "seq %llu, not 1: the trail's beginning is missing "
			    "(give its first file, or --prev HASH)",
			    (unsigned long long)seq);
		if (strcmp(prev, v->last) != 0)
			return broken(v, path, lineno, v->prev[0] == '\0' ?
			    "the first record's prev is not 64 zeros" :
			    "prev does not match --prev");
		return 0;
	}
	if (seq != v->seq_last + 1)
		return broken(v, path, lineno, "seq %llu follows seq %llu "
		    "(%s): a line was deleted, inserted or moved",
		    (unsigned long long)seq, (unsigned long long)v->seq_last,
		    v->last_where);
	if (strcmp(prev, v->last) != 0)
		return broken(v, path, lineno, "prev is not the sha256 of the "
		    "line before (%s): that line was edited, or a line was "
		    "inserted, deleted or moved", v->last_where);
	return 0;
}

static void
note_recovery(const char *path, unsigned long lineno, json_t *j,
    void (*notes)(const char *))
{
	json_t	*torn = json_object_get(j, "torn");
	json_t	*failed = json_object_get(j, "failed");
	char	 msg[512];
	int	 len;

	len = snprintf(msg, sizeof(msg), "%s:%lu: recovery: %s", path, lineno,
	    json_is_string(json_object_get(j, "reason")) ?
	    json_string_value(json_object_get(j, "reason")) : "?");
	if (json_is_object(torn) && len < (int)sizeof(msg))
		len += snprintf(msg + len, sizeof(msg) - (size_t)len,
		    "; %lld torn byte(s) cut",
		    (long long)json_integer_value(json_object_get(torn,
		    "bytes")));
	if (json_is_object(failed) && len < (int)sizeof(msg))
		snprintf(msg + len, sizeof(msg) - (size_t)len,
		    "; %lld record(s) not durable",
		    (long long)json_integer_value(json_object_get(failed,
		    "records")));
	notes(msg);
}

/* One line with its newline.  0, or 1 (broken). */
static int
check_line(struct audit_verify *v, const char *path, unsigned long lineno,
    const char *line, size_t len, void (*notes)(const char *))
{
	json_error_t	 e;
	json_t		*j;
	const char	*prev = NULL;
	uint64_t	 seq = 0;
	int		 rc;

	if (line[len - 1] != '\n')
		return broken(v, path, lineno, "last line has no newline "
		    "(a torn write?)");
	if ((j = json_loadb(line, len - 1, JSON_REJECT_DUPLICATES, &e)) == NULL)
		return broken(v, path, lineno, "not JSON: %s (column %d)",
		    e.text, e.column);
	if (!json_is_object(j))
		rc = broken(v, path, lineno, "not a JSON object");
	else if ((rc = fields(v, path, lineno, j, &seq, &prev)) == 0 &&
	    (rc = chain(v, path, lineno, seq, prev)) == 0) {
		if (json_is_string(json_object_get(j, "event")) &&
		    strcmp(json_string_value(json_object_get(j, "event")),
		    "recovery") == 0) {
			v->recoveries++;
			if (notes != NULL)
				note_recovery(path, lineno, j, notes);
		}
		if (v->records++ == 0)
			v->seq_first = seq;
		v->seq_last = seq;
		fingerprint_sha256_hex(line, len - 1, v->last);
		snprintf(v->last_where, sizeof(v->last_where), "%s:%lu", path,
		    lineno);
	}
	json_decref(j);
	return rc;
}

int
audit_verify_file(struct audit_verify *v, const char *path,
    void (*notes)(const char *))
{
	FILE		*fp;
	char		*line = NULL;
	size_t		 cap = 0;
	ssize_t		 n;
	unsigned long	 lineno = 0;
	int		 rc = 0;

	if (!v->started) {
		memcpy(v->last, v->prev[0] != '\0' ? v->prev :
		    VERIFY_ZERO_HASH, sizeof(v->last));
		v->started = 1;
	}
	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(v->why, sizeof(v->why), "%s: %s", path,
		    strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = getline(&line, &cap, fp)) > 0)
		rc = check_line(v, path, ++lineno, line, (size_t)n, notes);
	if (rc == 0 && ferror(fp)) {
		snprintf(v->why, sizeof(v->why), "%s: read error", path);
		rc = -1;
	}
	free(line);
	fclose(fp);
	return rc;
}
