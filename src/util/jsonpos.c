/*
 * jsonpos: one pass over a JSON text recording, for every value, its RFC
 * 6901 pointer and where it starts.  The table is then sorted so lookups
 * are a binary search.
 *
 * Positions follow jansson's json_error_t so that decode errors and
 * validation errors agree: lines are 1-based and split on '\n' only;
 * columns are 1-based and count characters, i.e. bytes that are not UTF-8
 * continuation bytes (jansson load.c stream_get()).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonpos.h"

/* jansson refuses deeper documents (JSON_PARSER_MAX_DEPTH). */
#define JSONPOS_MAX_DEPTH	2048

struct jsonpos_entry {
	size_t		 name;		/* offset of the pointer in names */
	const char	*ptr;		/* names + name, once names is final */
	size_t		 seq;		/* order of appearance */
	int		 line;
	int		 column;
};

struct buf {
	char		*s;
	size_t		 len;
	size_t		 cap;
};

struct jsonpos {
	struct jsonpos_entry	*entries;
	size_t			 nentries;
	size_t			 cap;
	struct buf		 names;		/* NUL-separated pointers */
};

struct scan {
	const char	*p;
	const char	*end;
	int		 line;
	int		 col;		/* characters before p on this line */
	int		 depth;
	struct buf	 path;		/* pointer of the value being scanned */
	struct buf	 key;		/* decoded member name */
	struct jsonpos	*jp;
};

static int	scan_value(struct scan *);

static int
buf_reserve(struct buf *b, size_t more)
{
	size_t	 cap;
	char	*s;

	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + more + 1) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if ((s = realloc(b->s, cap)) == NULL)
		return -1;
	b->s = s;
	b->cap = cap;
	return 0;
}

static int
buf_add(struct buf *b, const char *s, size_t len)
{
	if (buf_reserve(b, len) == -1)
		return -1;
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
	return 0;
}

static int
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

static int
scan_peek(const struct scan *sc)
{
	return sc->p < sc->end ? (unsigned char)*sc->p : -1;
}

static void
scan_next(struct scan *sc)
{
	unsigned char	c = (unsigned char)*sc->p++;

	if (c == '\n') {
		sc->line++;
		sc->col = 0;
	} else if ((c & 0xc0) != 0x80)
		sc->col++;
}

/* Consumes c if it is next; returns whether it was. */
static int
scan_accept(struct scan *sc, int c)
{
	if (scan_peek(sc) != c)
		return 0;
	scan_next(sc);
	return 1;
}

static void
scan_ws(struct scan *sc)
{
	int	c;

	while ((c = scan_peek(sc)) == ' ' || c == '\t' || c == '\n' ||
	    c == '\r')
		scan_next(sc);
}

static int
scan_record(struct scan *sc)
{
	struct jsonpos		*jp = sc->jp;
	struct jsonpos_entry	*e;
	size_t			 cap, name = jp->names.len;

	if (jp->nentries == jp->cap) {
		cap = jp->cap ? jp->cap * 2 : 32;
		if ((e = reallocarray(jp->entries, cap, sizeof(*e))) == NULL)
			return -1;
		jp->entries = e;
		jp->cap = cap;
	}
	/* Keep the NUL: names is a sequence of C strings. */
	if (buf_add(&jp->names, sc->path.s, sc->path.len + 1) == -1)
		return -1;
	e = &jp->entries[jp->nentries];
	e->name = name;
	e->ptr = NULL;
	e->seq = jp->nentries;
	e->line = sc->line;
	e->column = sc->col + 1;
	jp->nentries++;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long
scan_hex4(struct scan *sc)
{
	long	v = 0;
	int	i, h;

	for (i = 0; i < 4; i++) {
		if ((h = hexval(scan_peek(sc))) == -1)
			return -1;
		v = v * 16 + h;
		scan_next(sc);
	}
	return v;
}

static int
put_utf8(struct buf *b, long cp)
{
	char	u[4];
	size_t	n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_add(b, u, n);
}

/*
 * After "\u": reads one code point, joining a surrogate pair.  Lone
 * surrogates and U+0000 are refused, as jansson refuses them.
 */
static long
scan_unicode(struct scan *sc)
{
	long	cp, lo;

	if ((cp = scan_hex4(sc)) <= 0)
		return -1;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return -1;
	if (cp < 0xd800 || cp > 0xdbff)
		return cp;
	if (!scan_accept(sc, '\\') || !scan_accept(sc, 'u'))
		return -1;
	if ((lo = scan_hex4(sc)) < 0xdc00 || lo > 0xdfff)
		return -1;
	return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
}

static int
scan_escape(struct scan *sc, struct buf *out)
{
	static const char	 from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char		*e;
	long			 cp;
	int			 c = scan_peek(sc);

	if (c == 'u') {
		scan_next(sc);
		if ((cp = scan_unicode(sc)) == -1)
			return -1;
		return out != NULL ? put_utf8(out, cp) : 0;
	}
	if (c <= 0 || (e = strchr(from, c)) == NULL)
		return -1;
	scan_next(sc);
	return out != NULL ? buf_addc(out, to[e - from]) : 0;
}

/* Scans a string; its decoded text goes to out unless out is NULL. */
static int
scan_string(struct scan *sc, struct buf *out)
{
	int	c;

	if (!scan_accept(sc, '"'))
		return -1;
	if (out != NULL && buf_add(out, "", 0) == -1)
		return -1;
	for (;;) {
		if ((c = scan_peek(sc)) == -1 || c < 0x20)
			return -1;
		scan_next(sc);
		if (c == '"')
			return 0;
		if (c == '\\') {
			if (scan_escape(sc, out) == -1)
				return -1;
		} else if (out != NULL && buf_addc(out, (char)c) == -1)
			return -1;
	}
}

static int
scan_digits(struct scan *sc)
{
	int	n = 0, c;

	while ((c = scan_peek(sc)) >= '0' && c <= '9') {
		scan_next(sc);
		n++;
	}
	return n > 0 ? 0 : -1;
}

static int
scan_number(struct scan *sc)
{
	int	c;

	scan_accept(sc, '-');
	if (!scan_accept(sc, '0') && scan_digits(sc) == -1)
		return -1;
	if (scan_accept(sc, '.') && scan_digits(sc) == -1)
		return -1;
	if ((c = scan_peek(sc)) == 'e' || c == 'E') {
		scan_next(sc);
		if (!scan_accept(sc, '+'))
			scan_accept(sc, '-');
		if (scan_digits(sc) == -1)
			return -1;
	}
	return 0;
}

static int
scan_literal(struct scan *sc, const char *word)
{
	for (; *word != '\0'; word++)
		if (!scan_accept(sc, (unsigned char)*word))
			return -1;
	return 0;
}

/* Appends "/token" to the current pointer, escaping per RFC 6901. */
static int
path_push(struct buf *path, const char *token, size_t len)
{
	size_t	i;
	int	rc = buf_addc(path, '/');

	for (i = 0; rc == 0 && i < len; i++) {
		if (token[i] == '~')
			rc = buf_add(path, "~0", 2);
		else if (token[i] == '/')
			rc = buf_add(path, "~1", 2);
		else
			rc = buf_addc(path, token[i]);
	}
	return rc;
}

static int
scan_member(struct scan *sc)
{
	size_t	saved = sc->path.len;
	int	rc;

	sc->key.len = 0;
	if (scan_string(sc, &sc->key) == -1)
		return -1;
	/* Embedded NULs cannot be named by a C-string pointer. */
	if (strlen(sc->key.s) != sc->key.len)
		return -1;
	scan_ws(sc);
	if (!scan_accept(sc, ':'))
		return -1;
	scan_ws(sc);
	if (path_push(&sc->path, sc->key.s, sc->key.len) == -1)
		return -1;
	rc = scan_value(sc);
	sc->path.len = saved;
	sc->path.s[saved] = '\0';
	return rc;
}

static int
scan_object(struct scan *sc)
{
	scan_next(sc);			/* '{' */
	scan_ws(sc);
	if (scan_accept(sc, '}'))
		return 0;
	for (;;) {
		if (scan_member(sc) == -1)
			return -1;
		scan_ws(sc);
		if (scan_accept(sc, '}'))
			return 0;
		if (!scan_accept(sc, ','))
			return -1;
		scan_ws(sc);
	}
}

static int
scan_array(struct scan *sc)
{
	char	index[32];
	size_t	saved = sc->path.len, i;
	int	n;

	scan_next(sc);			/* '[' */
	scan_ws(sc);
	if (scan_accept(sc, ']'))
		return 0;
	for (i = 0;; i++) {
		n = snprintf(index, sizeof(index), "%zu", i);
		if (path_push(&sc->path, index, (size_t)n) == -1 ||
		    scan_value(sc) == -1)
			return -1;
		sc->path.len = saved;
		sc->path.s[saved] = '\0';
		scan_ws(sc);
		if (scan_accept(sc, ']'))
			return 0;
		if (!scan_accept(sc, ','))
			return -1;
		scan_ws(sc);
	}
}

/* Records the value at the current position under the current pointer. */
static int
scan_value(struct scan *sc)
{
	int	c = scan_peek(sc), rc;

	if (scan_record(sc) == -1)
		return -1;
	switch (c) {
	case '{':
	case '[':
		if (++sc->depth > JSONPOS_MAX_DEPTH)
			return -1;
		rc = c == '{' ? scan_object(sc) : scan_array(sc);
		sc->depth--;
		return rc;
	case '"':
		return scan_string(sc, NULL);
	case 't':
		return scan_literal(sc, "true");
	case 'f':
		return scan_literal(sc, "false");
	case 'n':
		return scan_literal(sc, "null");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return scan_number(sc);
		return -1;
	}
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct jsonpos_entry	*ea = a, *eb = b;
	int				 c;

	if ((c = strcmp(ea->ptr, eb->ptr)) != 0)
		return c;
	return ea->seq < eb->seq ? -1 : ea->seq > eb->seq;
}

/*
 * Sorts by pointer and keeps only the first occurrence of each, so a
 * repeated key (which jansson would have refused) still finds the first.
 */
static void
jsonpos_index(struct jsonpos *jp)
{
	size_t	i, n = 0;

	if (jp->nentries == 0)
		return;
	/* names no longer moves: offsets can become pointers. */
	for (i = 0; i < jp->nentries; i++)
		jp->entries[i].ptr = jp->names.s + jp->entries[i].name;
	qsort(jp->entries, jp->nentries, sizeof(*jp->entries), entry_cmp);
	for (i = 1; i < jp->nentries; i++)
		if (strcmp(jp->entries[n].ptr, jp->entries[i].ptr) != 0)
			jp->entries[++n] = jp->entries[i];
	jp->nentries = n + 1;
}

struct jsonpos *
jsonpos_new(const char *text, size_t len)
{
	struct scan	 sc;
	struct jsonpos	*jp;
	int		 rc;

	if ((jp = calloc(1, sizeof(*jp))) == NULL)
		return NULL;
	memset(&sc, 0, sizeof(sc));
	sc.p = text;
	sc.end = text + len;
	sc.line = 1;
	sc.jp = jp;
	if ((rc = buf_add(&sc.path, "", 0)) == 0) {
		scan_ws(&sc);
		rc = scan_value(&sc);
		scan_ws(&sc);
	}
	free(sc.path.s);
	free(sc.key.s);
	if (rc == -1 || sc.p != sc.end) {
		jsonpos_free(jp);
		return NULL;
	}
	jsonpos_index(jp);
	return jp;
}

int
jsonpos_lookup(const struct jsonpos *jp, const char *ptr, int *line,
    int *column)
{
	const struct jsonpos_entry	*e;
	size_t				 lo = 0, hi, mid;
	int				 c;

	if (jp == NULL || ptr == NULL)
		return -1;
	hi = jp->nentries;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		e = &jp->entries[mid];
		if ((c = strcmp(ptr, e->ptr)) == 0) {
			*line = e->line;
			*column = e->column;
			return 0;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

void
jsonpos_free(struct jsonpos *jp)
{
	if (jp == NULL)
		return;
	free(jp->entries);
	free(jp->names.s);
	free(jp);
}
