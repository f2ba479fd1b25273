/*
 * jsonfile: strict JSON loading with located messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/jsonfile.h"
#include "util/jsonpos.h"

static void	jsonfile_report(struct diag *, const struct jsonfile *,
		    enum diag_level, const char *, const char *, va_list)
		    __attribute__((format(printf, 5, 0)));

/* Reads fd to the end; returns a malloc'd buffer or NULL with errno set. */
static char *
read_all(int fd, size_t *lenp)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;

	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8192;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nbuf;
		}
		if ((n = read(fd, buf + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	return buf;
 fail:
	free(buf);
	return NULL;
}

struct jsonfile *
jsonfile_load(const char *path, struct diag *diag)
{
	struct jsonfile	*jf;
	struct stat	 st;
	char		*buf;
	size_t		 len;
	int		 fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		diag_error(diag, path, 0, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	/* read() of a directory fails with EISDIR on Linux, not everywhere. */
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		diag_error(diag, path, 0, 0, "cannot read: %s",
		    strerror(EISDIR));
		return NULL;
	}
	buf = read_all(fd, &len);
	saved = errno;
	close(fd);
	if (buf == NULL) {
		diag_error(diag, path, 0, 0, "cannot read: %s", strerror(saved));
		return NULL;
	}
	jf = jsonfile_load_buffer(path, buf, len, diag);
	free(buf);
	return jf;
}

struct jsonfile *
jsonfile_load_buffer(const char *name, const char *buf, size_t len,
    struct diag *diag)
{
	struct jsonfile	*jf;
	json_error_t	 err;

	if ((jf = calloc(1, sizeof(*jf))) == NULL ||
	    (jf->path = strdup(name)) == NULL) {
		diag_error(diag, name, 0, 0, "out of memory");
		goto fail;
	}
	if ((jf->root = json_loadb(buf, len, JSON_REJECT_DUPLICATES,
	    &err)) == NULL) {
		diag_error(diag, name, err.line, err.column, "%s", err.text);
		goto fail;
	}
	/*
	 * Without positions messages lose only their line:column, so a
	 * failure here (memory) is not worth refusing the document for.
	 */
	jf->pos = jsonpos_new(buf, len);
	return jf;
 fail:
	jsonfile_free(jf);
	return NULL;
}

void
jsonfile_free(struct jsonfile *jf)
{
	if (jf == NULL)
		return;
	free(jf->path);
	json_decref(jf->root);
	jsonpos_free(jf->pos);
	free(jf);
}

/*
 * Finds where ptr's value starts, trying its ancestors when ptr itself is
 * unknown (a missing key is best reported at the object that lacks it).
 */
static void
jsonfile_locate(const struct jsonfile *jf, const char *ptr, int *line,
    int *column)
{
	char	*p, *slash;

	*line = *column = 0;
	if (jf->pos == NULL || ptr == NULL)
		return;
	if (jsonpos_lookup(jf->pos, ptr, line, column) == 0)
		return;
	if ((p = strdup(ptr)) == NULL)
		return;
	while ((slash = strrchr(p, '/')) != NULL) {
		*slash = '\0';
		if (jsonpos_lookup(jf->pos, p, line, column) == 0)
			break;
	}
	free(p);
}

static void
jsonfile_report(struct diag *diag, const struct jsonfile *jf,
    enum diag_level level, const char *ptr, const char *fmt, va_list ap)
{
	const char	*text;
	char		*msg;
	int		 line, column;

	jsonfile_locate(jf, ptr, &line, &column);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	text = msg != NULL ? msg : "out of memory";
	if (level == DIAG_WARNING)
		diag_warn(diag, jf->path, line, column, "%s", text);
	else
		diag_error(diag, jf->path, line, column, "%s", text);
	free(msg);
}

void
jsonfile_error(struct diag *diag, const struct jsonfile *jf, const char *ptr,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	jsonfile_report(diag, jf, DIAG_ERROR, ptr, fmt, ap);
	va_end(ap);
}

void
jsonfile_warn(struct diag *diag, const struct jsonfile *jf, const char *ptr,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	jsonfile_report(diag, jf, DIAG_WARNING, ptr, fmt, ap);
	va_end(ap);
}

/* Copies base into buf unless it is already there (appending in place). */
static size_t
jsonptr_base(char *buf, size_t bufsz, const char *base)
{
	size_t	len;

	if (base == NULL)
		base = "";
	len = strlen(base);
	if (len >= bufsz)
		len = bufsz - 1;
	if (base != buf)
		memmove(buf, base, len);
	buf[len] = '\0';
	return len;
}

char *
jsonfile_ptr_join(char *buf, size_t bufsz, const char *base, const char *token)
{
	const char	*esc;
	size_t		 len, n;

	if (bufsz == 0)
		return buf;
	len = jsonptr_base(buf, bufsz, base);
	if (len + 1 < bufsz)
		buf[len++] = '/';
	for (; token != NULL && *token != '\0'; token++) {
		esc = *token == '~' ? "~0" : *token == '/' ? "~1" : NULL;
		n = esc != NULL ? 2 : 1;
		if (len + n >= bufsz)
			break;
		if (esc != NULL)
			memcpy(buf + len, esc, n);
		else
			buf[len] = *token;
		len += n;
	}
	buf[len] = '\0';
	return buf;
}

char *
jsonfile_ptr_join_index(char *buf, size_t bufsz, const char *base, size_t index)
{
	char	token[32];

	snprintf(token, sizeof(token), "%zu", index);
	return jsonfile_ptr_join(buf, bufsz, base, token);
}
