#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"

#define JW_MIN_CAP	256

void
jsonw_init(struct jsonw *w, size_t hint)
{
	memset(w, 0, sizeof(*w));
	w->cap = hint;
}

void
jsonw_free(struct jsonw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

/* Room for n more bytes and a NUL; 0, or -1 (w->failed set). */
static int
jsonw_reserve(struct jsonw *w, size_t n)
{
	size_t	 cap;
	char	*nbuf;

	if (w->failed)
		return -1;
	if (w->buf != NULL && w->len + n < w->cap)
		return 0;
	cap = w->cap > JW_MIN_CAP ? w->cap : JW_MIN_CAP;
	while (cap <= w->len + n) {
		if (cap > SIZE_MAX / 2) {
			w->failed = 1;
			return -1;
		}
		cap *= 2;
	}
	if ((nbuf = realloc(w->buf, cap)) == NULL) {
		w->failed = 1;
		return -1;
	}
	w->buf = nbuf;
	w->cap = cap;
	return 0;
}

void
jsonw_raw(struct jsonw *w, const char *s, size_t n)
{
	if (jsonw_reserve(w, n) == -1)
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/*
 * Length of the UTF-8 sequence at s (at most n bytes), or 0 if it is not
 * one: no overlong forms, no surrogates, nothing above U+10FFFF -- what
 * jansson accepts.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t		len, i;
	uint32_t	cp;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* The escape for a byte below 0x20, '"' or '\'. */
static void
jsonw_escape(struct jsonw *w, unsigned char c)
{
	static const char	hex[] = "0123456789ABCDEF";
	char			esc[6] = { '\\', 'u', '0', '0' };

	switch (c) {
	case '"':  jsonw_lit(w, "\\\""); return;
	case '\\': jsonw_lit(w, "\\\\"); return;
	case '\b': jsonw_lit(w, "\\b"); return;
	case '\f': jsonw_lit(w, "\\f"); return;
	case '\n': jsonw_lit(w, "\\n"); return;
	case '\r': jsonw_lit(w, "\\r"); return;
	case '\t': jsonw_lit(w, "\\t"); return;
	}
	/* Upper-case hex, as jansson writes it. */
	esc[4] = hex[c >> 4];
	esc[5] = hex[c & 0xf];
	jsonw_raw(w, esc, sizeof(esc));
}

void
jsonw_strn(struct jsonw *w, const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, run, seq;

	jsonw_lit(w, "\"");
	while (i < n) {
		/* Copy the longest run that needs nothing done. */
		for (run = i; run < n && s[run] >= 0x20 && s[run] < 0x80 &&
		    s[run] != '"' && s[run] != '\\'; run++)
			;
		jsonw_raw(w, str + i, run - i);
		if ((i = run) == n)
			break;
		if (s[i] < 0x80) {
			jsonw_escape(w, s[i++]);
		} else if ((seq = utf8_len(s + i, n - i)) > 0) {
			jsonw_raw(w, str + i, seq);
			i += seq;
		} else {
			jsonw_lit(w, "\xef\xbf\xbd");	/* U+FFFD */
			i++;
		}
	}
	jsonw_lit(w, "\"");
}

void
jsonw_str(struct jsonw *w, const char *s)
{
	if (s == NULL)
		jsonw_lit(w, "null");
	else
		jsonw_strn(w, s, strlen(s));
}

void
jsonw_int(struct jsonw *w, long long v)
{
	char	num[24];
	int	n;

	n = snprintf(num, sizeof(num), "%lld", v);
	jsonw_raw(w, num, (size_t)n);
}

void
jsonw_sep(struct jsonw *w, int *first)
{
	if (!*first)
		jsonw_lit(w, ",");
	*first = 0;
}

void
jsonw_key(struct jsonw *w, int *first, const char *key)
{
	jsonw_sep(w, first);
	jsonw_str(w, key);
	jsonw_lit(w, ":");
}

/* A real as jansson prints it: rare in a record, so jansson does it. */
static void
jsonw_real(struct jsonw *w, json_t *v)
{
	char	*s;

	if ((s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT)) == NULL) {
		w->failed = 1;
		return;
	}
	jsonw_raw(w, s, strlen(s));
	free(s);
}

void
jsonw_value(struct jsonw *w, json_t *v)
{
	const char	*key;
	json_t		*m;
	size_t		 i;
	int		 first = 1;

	switch (v != NULL ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		jsonw_lit(w, "{");
		json_object_foreach(v, key, m) {
			jsonw_key(w, &first, key);
			jsonw_value(w, m);
		}
		jsonw_lit(w, "}");
		break;
	case JSON_ARRAY:
		jsonw_lit(w, "[");
		for (i = 0; i < json_array_size(v); i++) {
			if (i > 0)
				jsonw_lit(w, ",");
			jsonw_value(w, json_array_get(v, i));
		}
		jsonw_lit(w, "]");
		break;
	case JSON_STRING:
		jsonw_strn(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jsonw_int(w, (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		jsonw_real(w, v);
		break;
	case JSON_TRUE:
		jsonw_lit(w, "true");
		break;
	case JSON_FALSE:
		jsonw_lit(w, "false");
		break;
	case JSON_NULL:
		jsonw_lit(w, "null");
		break;
	}
}

char *
jsonw_finish(struct jsonw *w, size_t *len)
{
	char	*buf;

	if (jsonw_reserve(w, 0) == -1) {
		jsonw_free(w);
		return NULL;
	}
	buf = w->buf;
	buf[w->len] = '\0';
	*len = w->len;
	memset(w, 0, sizeof(*w));
	return buf;
}
