#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "fingerprint.h"

#define TOKEN_MAX	8192

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
 * ps(1) and shell history -- and prints its fingerprint.  One trailing
 * newline (CRLF too) is dropped: `echo "$TOKEN" | ldgate fingerprint` must
 * give the fingerprint of the header value, not of the value plus '\n'.
 */
int
cmd_fingerprint(int argc, char **argv)
{
	char	buf[TOKEN_MAX + 2], fp[FINGERPRINT_LEN + 1];
	size_t	len = 0, n;

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
	while (len < sizeof(buf) && (n = fread(buf + len, 1, sizeof(buf) - len,
	    stdin)) > 0)
		len += n;
	if (ferror(stdin)) {
		perror("ldgate fingerprint: stdin");
		return 1;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > TOKEN_MAX) {
		fprintf(stderr, "ldgate fingerprint: token longer than %d "
		    "bytes\n", TOKEN_MAX);
		return 1;
	}
	if (len == 0 || memchr(buf, '\n', len) != NULL) {
		fprintf(stderr, "ldgate fingerprint: expected one non-empty "
		    "line on stdin\n");
		return 1;
	}
	fingerprint(buf, len, fp);
	printf("%s\n", fp);
	explicit_bzero(buf, sizeof(buf));
	return 0;
}
