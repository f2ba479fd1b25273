/*
 * diag: a growing list of located errors and warnings.
 *
 * Out of memory while recording still counts the problem, so a loader
 * never mistakes a lost error for success; only its text is lost.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/diag.h"

static void	diag_add(struct diag *, enum diag_level, const char *, int, int,
		    const char *, va_list) __attribute__((format(printf, 6, 0)));

static const char *
diag_level_name(enum diag_level level)
{
	return level == DIAG_WARNING ? "warning" : "error";
}

static void
diag_add(struct diag *d, enum diag_level level, const char *file, int line,
    int column, const char *fmt, va_list ap)
{
	struct diag_item	*item, *items;
	char			*message;
	size_t			 cap;

	if (level == DIAG_WARNING)
		d->nwarnings++;
	else
		d->nerrors++;

	if (vasprintf(&message, fmt, ap) == -1)
		return;
	if (d->nitems == d->cap) {
		cap = d->cap ? d->cap * 2 : 8;
		if ((items = reallocarray(d->items, cap, sizeof(*items))) ==
		    NULL) {
			free(message);
			return;
		}
		d->items = items;
		d->cap = cap;
	}
	item = &d->items[d->nitems];
	item->file = NULL;
	if (file != NULL && (item->file = strdup(file)) == NULL) {
		free(message);
		return;
	}
	item->level = level;
	item->line = line > 0 ? line : 0;
	item->column = column > 0 ? column : 0;
	item->message = message;
	d->nitems++;
}

void
diag_error(struct diag *d, const char *file, int line, int column,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	diag_add(d, DIAG_ERROR, file, line, column, fmt, ap);
	va_end(ap);
}

void
diag_warn(struct diag *d, const char *file, int line, int column,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	diag_add(d, DIAG_WARNING, file, line, column, fmt, ap);
	va_end(ap);
}

/*
 * Unknown parts of the location are left out rather than printed as 0,
 * which editors and compilers' users read as a real position.
 */
void
diag_print(const struct diag *d, FILE *fp)
{
	const struct diag_item	*item;
	size_t			 i;

	for (i = 0; i < d->nitems; i++) {
		item = &d->items[i];
		if (item->file != NULL) {
			fputs(item->file, fp);
			if (item->line > 0)
				fprintf(fp, ":%d", item->line);
			if (item->line > 0 && item->column > 0)
				fprintf(fp, ":%d", item->column);
			fputs(": ", fp);
		}
		fprintf(fp, "%s: %s\n", diag_level_name(item->level),
		    item->message);
	}
}

void
diag_clear(struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->nitems; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}
