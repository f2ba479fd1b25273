#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "request/field.h"
#include "util/fsutil.h"
#include "util/jsonw.h"
#include "audit/redact.h"

#define REDACT_CANON_FLAGS \
	(JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY)

struct redact {
	unsigned char	key[REDACT_KEY_LEN];
};

/* ---------------------------------------------------------------- key file */

static int
read_full(int fd, unsigned char *buf, size_t len)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < len) {
		n = read(fd, buf + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/*
 * Creates path with fresh random bytes.  The key is written and fsync'd
 * under a temporary name and then link(2)ed into place: link fails rather
 * than replacing a key another process created meanwhile, and path never
 * names a half-written key.  Returns 0 (also when path appeared
 * meanwhile: the caller reads whichever key won) or -1 with err set.
 */
static int
key_create(const char *path, char *err, size_t errlen)
{
	unsigned char	key[REDACT_KEY_LEN];
	char		tmp[PATH_MAX];
	int		fd, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if (RAND_bytes(key, sizeof(key)) != 1) {
		snprintf(err, errlen, "%s: no random bytes for a new key",
		    path);
		return -1;
	}
	/* mkstemp creates the file with mode 0600 whatever the umask. */
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: cannot create: %s", path,
		    strerror(errno));
		goto out;
	}
	if (fsutil_write_full(fd, key, sizeof(key)) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: cannot write: %s", tmp,
		    strerror(errno));
		close(fd);
		goto unlink;
	}
	close(fd);
	if (link(tmp, path) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create: %s", path,
		    strerror(errno));
		goto unlink;
	}
	if (fsutil_sync_dir(path) == -1) {
		snprintf(err, errlen, "%s: cannot sync its directory: %s", path,
		    strerror(errno));
		goto unlink;
	}
	rc = 0;
unlink:
	unlink(tmp);
out:
	explicit_bzero(key, sizeof(key));
	return rc;
}

static int
key_check(const char *path, int fd, char *err, size_t errlen)
{
	struct stat	st;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: key file is not a regular file",
		    path);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: key file has mode %04o: group or "
		    "others may use it; chmod 600 it", path,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_size != REDACT_KEY_LEN) {
		snprintf(err, errlen, "%s: key file is %lld bytes, expected %d",
		    path, (long long)st.st_size, REDACT_KEY_LEN);
		return -1;
	}
	return 0;
}

struct redact *
redact_open(const char *path, int create, char *err, size_t errlen)
{
	struct redact	*r;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 && errno == ENOENT && create) {
		if (key_create(path, err, errlen) == -1)
			return NULL;
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	}
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (key_check(path, fd, err, errlen) == -1) {
		close(fd);
		return NULL;
	}
	if ((r = malloc(sizeof(*r))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		close(fd);
		return NULL;
	}
	if (read_full(fd, r->key, sizeof(r->key)) == -1) {
		snprintf(err, errlen, "%s: cannot read the key", path);
		close(fd);
		redact_free(r);
		return NULL;
	}
	close(fd);
	return r;
}

void
redact_free(struct redact *r)
{
	if (r == NULL)
		return;
	explicit_bzero(r, sizeof(*r));
	free(r);
}

/* ---------------------------------------------------------------- values */

int
redact_value(const struct redact *r, const json_t *value,
    char out[REDACT_LEN + 1])
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0, i;
	char			*canon;
	size_t			 len;

	if ((canon = json_dumps(value, REDACT_CANON_FLAGS)) == NULL)
		return -1;
	len = strlen(canon);
	if (HMAC(EVP_sha256(), r->key, sizeof(r->key),
	    (const unsigned char *)canon, len, md, &mdlen) == NULL)
		mdlen = 0;
	/* The canonical text is the secret in clear: wipe it. */
	explicit_bzero(canon, len);
	free(canon);
	if (mdlen != 32)
		return -1;
	memcpy(out, REDACT_PREFIX, 12);
	for (i = 0; i < mdlen; i++) {
		out[12 + 2 * i] = digits[md[i] >> 4];
		out[12 + 2 * i + 1] = digits[md[i] & 0xf];
	}
	out[REDACT_LEN] = '\0';
	return 0;
}

int
redact_path_secret(const char *path)
{
	const struct field	*f;

	/* Missing, or not a pointer: fail safe. */
	if (path == NULL || field_find(path, &f) == -1)
		return 1;
	/*
	 * Secret under either kind: the record is written without the
	 * route's kind, so a name is redacted when any kind holds a secret
	 * under it (config on a delivery configuration, configValues and
	 * capabilityConfig on an integration, the whole document on both).
	 * Only parsed patches are recorded today, whose fields their kind
	 * knows, so this merely widens redaction; it keeps the trail safe if
	 * a patch of the wrong kind is ever recorded.
	 */
	return field_secret(f, FIELD_KIND_DELIVERY) ||
	    field_secret(f, FIELD_KIND_INTEGRATION);
}

/* Does op carry a value that must be redacted? */
static int
op_secret(json_t *op)
{
	json_t	*path;

	if (!json_is_object(op) || json_object_get(op, "value") == NULL)
		return 0;
	path = json_object_get(op, "path");
	return !json_is_string(path) ||
	    redact_path_secret(json_string_value(path));
}

/* A secret op: its members in order, "value" as its redacted form. */
static void
op_write(const struct redact *r, json_t *op, struct jsonw *w)
{
	char		 form[REDACT_LEN + 1];
	const char	*key;
	json_t		*m;
	int		 first = 1;

	jsonw_lit(w, "{");
	json_object_foreach(op, key, m) {
		jsonw_key(w, &first, key);
		if (strcmp(key, "value") != 0)
			jsonw_value(w, m);
		else if (redact_value(r, m, form) == 0)
			jsonw_str(w, form);
		else
			w->failed = 1;
	}
	jsonw_lit(w, "}");
}

void
redact_patch_write(const struct redact *r, json_t *ops, struct jsonw *w)
{
	json_t	*op;
	size_t	 i;

	if (!json_is_array(ops)) {
		jsonw_lit(w, "null");
		return;
	}
	jsonw_lit(w, "[");
	json_array_foreach(ops, i, op) {
		if (i > 0)
			jsonw_lit(w, ",");
		if (op_secret(op))
			op_write(r, op, w);
		else
			jsonw_value(w, op);
	}
	jsonw_lit(w, "]");
}
