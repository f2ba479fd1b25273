#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "util/fingerprint.h"

int
cmd_version(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		printf("usage: ldgate version\n\nPrints the version.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: ldgate version\n");
		return EXIT_USAGE;
	}
	printf("ldgate %s\n", LDGATE_VERSION);
	return 0;
}

/*
 * Reads one token from stdin -- never from argv, where it would show in
 * ps(1) and shell history.  One trailing newline (CRLF too) is dropped:
 * `echo "$TOKEN" | ldgate fingerprint` must give the fingerprint of the
 * header value, not of the value plus '\n'.  Returns its length, or -1
 * after printing why to stderr.  The caller wipes buf after use.
 */
ssize_t
cmd_read_token(const char *cmd, char *buf, size_t bufsz)
{
	size_t	len = 0, n;

	while (len < bufsz && (n = fread(buf + len, 1, bufsz - len,
	    stdin)) > 0)
		len += n;
	if (ferror(stdin)) {
		fprintf(stderr, "ldgate %s: stdin: read error\n", cmd);
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len >= bufsz - 1) {
		fprintf(stderr, "ldgate %s: token longer than %zu bytes\n", cmd,
		    bufsz - 2);
		return -1;
	}
	if (len == 0 || memchr(buf, '\n', len) != NULL) {
		fprintf(stderr, "ldgate %s: expected one non-empty line on "
		    "stdin\n", cmd);
		return -1;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

int
cmd_fingerprint(int argc, char **argv)
{
	char	buf[CMD_TOKEN_MAX + 2], fp[FINGERPRINT_LEN + 1];
	ssize_t	len;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		printf("usage: ldgate fingerprint < TOKEN\n\n"
		    "Reads an Authorization header value on stdin and prints the\n"
		    "sha256: fingerprint a principal lists under \"tokens\".\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "usage: ldgate fingerprint < TOKEN\n");
		return EXIT_USAGE;
	}
	if ((len = cmd_read_token("fingerprint", buf, sizeof(buf))) == -1)
		return 1;
	fingerprint(buf, (size_t)len, fp);
	explicit_bzero(buf, sizeof(buf));
	printf("%s\n", fp);
	return 0;
}
