/*
 * Fuzz target for config_load() (src/config.c), which reads a file: each
 * input is written to ldgate.json in a directory made once per process
 * (removed at exit) and loaded from there.  Relative paths in it resolve
 * against that directory; config_load() only names the policy files, so
 * nothing else is read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util/diag.h"
#include "fuzz.h"

static char	dir[64];
static char	path[sizeof(dir) + 16];

static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

static int
setup(void)
{
	const char	*tmp = getenv("TMPDIR");

	if (dir[0] != '\0')
		return 0;
	if (tmp == NULL || strlen(tmp) > 32)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz_config.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/ldgate.json", dir);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*conf;
	struct diag	 d;
	FILE		*f;

	if (setup() != 0)
		abort();
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror(path);
		abort();
	}
	memset(&d, 0, sizeof(d));
	conf = config_load(path, &d);
	if ((conf == NULL) != (d.nerrors > 0))
		abort();
	config_free(conf);
	diag_clear(&d);
	return 0;
}
