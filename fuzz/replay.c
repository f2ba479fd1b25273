/*
 * replay: a main() for the fuzz targets, so each builds as a plain program
 * that `make check` runs over its corpus (tests/build/test_fuzz_corpus.sh)
 * without libFuzzer.  Every argument is a file or a directory; a directory's
 * regular files are replayed in name order, its subdirectories ignored.
 * Exits 0 when every input was read and replayed; a crash is the target's.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Replays one file; returns 0, or -1 if it could not be read. */
static int
replay_file(const char *path)
{
	FILE		*f;
	uint8_t		*buf = NULL, *nbuf;
	size_t		 len = 0, cap = 0, n;
	int		 rc = -1;

	if ((f = fopen(path, "rb")) == NULL) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((nbuf = realloc(buf, cap)) == NULL)
				goto done;
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		perror(path);
		goto done;
	}
	/* An exact-size copy, so ASan sees a read one past the input. */
	if ((nbuf = malloc(len ? len : 1)) == NULL)
		goto done;
	memcpy(nbuf, buf, len);
	LLVMFuzzerTestOneInput(nbuf, len);
	free(nbuf);
	rc = 0;
done:
	fclose(f);
	free(buf);
	return rc;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays every regular file of dir, in name order; returns the failures. */
static int
replay_dir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		**names = NULL, **nn, *p;
	size_t		 n = 0, i;
	int		 failures = 0;

	if ((d = opendir(dir)) == NULL) {
		perror(dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((p = malloc(strlen(dir) + strlen(de->d_name) + 2)) == NULL ||
		    (nn = realloc(names, (n + 1) * sizeof(*names))) == NULL) {
			free(p);
			failures++;
			break;
		}
		sprintf(p, "%s/%s", dir, de->d_name);
		names = nn;
		names[n++] = p;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    replay_file(names[i]) != 0)
			failures++;
		free(names[i]);
	}
	free(names);
	return failures;
}

int
main(int argc, char **argv)
{
	struct stat	st;
	int		i, failures = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			failures++;
		} else if (S_ISDIR(st.st_mode))
			failures += replay_dir(argv[i]);
		else if (replay_file(argv[i]) != 0)
			failures++;
	}
	return failures ? 1 : 0;
}
