/*
 * diag: collects configuration errors and warnings, each located as
 * file:line:column, so a loader can report every problem in one run
 * instead of stopping at the first (OpenBSD httpd parse.y habit).
 */
#ifndef LDGATE_DIAG_H
#define LDGATE_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum diag_level {
	DIAG_ERROR = 1,
	DIAG_WARNING
};

struct diag_item {
	enum diag_level	 level;
	char		*file;		/* owned; may be NULL */
	int		 line;		/* 1-based; 0 = unknown */
	int		 column;	/* 1-based; 0 = unknown */
	char		*message;	/* owned */
};

struct diag {
	struct diag_item *items;
	size_t		  nitems;
	size_t		  cap;
	size_t		  nerrors;
	size_t		  nwarnings;
};

/* Zero-initialised struct diag is ready to use. */
void	diag_error(struct diag *, const char *file, int line, int column,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	diag_warn(struct diag *, const char *file, int line, int column,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Prints "file:line:column: error: message" lines, in the order added. */
void	diag_print(const struct diag *, FILE *);
/* Frees every item; the struct can be reused afterwards. */
void	diag_clear(struct diag *);

#endif
