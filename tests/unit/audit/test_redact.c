/*
 * Tests src/redact.c: canonical JSON, the HMAC against a vector computed
 * with openssl(1), patch redaction, and the key file's creation and checks.
 * redact.c is included to reach struct redact and REDACT_CANON_FLAGS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit/redact.c"

/*
 * KEY_HEX is bytes 0x00..0x1f.  The vectors come from
 *   printf '%s' "$CANON" | openssl dgst -sha256 -mac HMAC -macopt hexkey:$KEY_HEX
 */
#define VEC_CANON	"{\"a\":[true,null,\"x/\xc3\xa9\\n\"],\"b\":1}"
#define VEC_HMAC	"hmac-sha256:" \
	"66a95d58222b0565e17ae7460d97637aab5066e4b36f1b8fdc2ffec64f228333"
#define VEC_SECRET_HMAC	"hmac-sha256:" \
	"c7eb4dcd3fdd4b39469794d6339df25b0ac48717dee7e69336c5963528d1c87c"

static char	tmpdir[1024];

static struct redact *
test_key(void)
{
	struct redact	*r;
	int		 i;

	assert_non_null(r = malloc(sizeof(*r)));
	for (i = 0; i < REDACT_KEY_LEN; i++)
		r->key[i] = (unsigned char)i;
	return r;
}

static json_t *
parse(const char *text)
{
	json_t	*j;

	j = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(j);
	return j;
}

static void
assert_canon(const char *in, const char *want)
{
	json_t	*j = parse(in);
	char	*s;

	assert_non_null(s = json_dumps(j, REDACT_CANON_FLAGS));
	assert_string_equal(s, want);
	free(s);
	json_decref(j);
}

/* What docs and redact.h promise canonical JSON is. */
static void
test_canonical(void **state)
{
	(void)state;
	assert_canon("{ \"b\" : 1 ,\n \"a\" : [ 2 , { \"d\": null, \"c\": "
	    "true } ] }", "{\"a\":[2,{\"c\":true,\"d\":null}],\"b\":1}");
	assert_canon("{\"B\":1,\"a\":2,\"\":3,\"aa\":4}",
	    "{\"\":3,\"B\":1,\"a\":2,\"aa\":4}");	/* bytewise */
	assert_canon("\"x/\\u00e9\\u0001\\t\"", "\"x/\xc3\xa9\\u0001\\t\"");
	assert_canon("1", "1");
	assert_canon("1.0", "1.0");
	assert_canon("1e2", "100.0");
	assert_canon("0.1", "0.10000000000000001");
	assert_canon("-0", "0");
	assert_canon("[]", "[]");
	assert_canon("{}", "{}");
}

static void
test_hmac_vector(void **state)
{
	struct redact	*r = test_key();
	char		 out[REDACT_LEN + 1];
	json_t		*j;

	(void)state;
	j = parse("{\"b\": 1, \"a\": [true, null, \"x/\xc3\xa9\\n\"]}");
	assert_int_equal(redact_value(r, j, out), 0);
	assert_string_equal(out, VEC_HMAC);
	json_decref(j);
	assert_canon("{\"b\": 1, \"a\": [true, null, \"x/\xc3\xa9\\n\"]}",
	    VEC_CANON);
	j = json_string("s3cr3t");
	assert_int_equal(redact_value(r, j, out), 0);
	assert_string_equal(out, VEC_SECRET_HMAC);
	json_decref(j);
	redact_free(r);
}

static void
test_equal_values(void **state)
{
	struct redact	*r = test_key();
	char		 a[REDACT_LEN + 1], b[REDACT_LEN + 1];
	json_t		*x, *y;

	(void)state;
	x = parse("{\"b\":1,\"a\":2}");
	y = parse("{\"a\": 2, \"b\": 1}");
	assert_int_equal(redact_value(r, x, a), 0);
	assert_int_equal(redact_value(r, y, b), 0);
	assert_string_equal(a, b);
	json_decref(y);
	y = parse("{\"a\": 2, \"b\": 1.0}");
	assert_int_equal(redact_value(r, y, b), 0);
	assert_string_not_equal(a, b);
	json_decref(x);
	json_decref(y);
	redact_free(r);
}

static void
test_path_secret(void **state)
{
	(void)state;
	assert_true(redact_path_secret("/config"));
	assert_true(redact_path_secret("/config/apiKey"));
	assert_true(redact_path_secret("/configValues/x/y"));
	assert_true(redact_path_secret("/capabilityConfig"));
	assert_true(redact_path_secret(""));
	assert_true(redact_path_secret(NULL));
	assert_true(redact_path_secret("/c~6onfig"));	/* bad escape */
	assert_true(redact_path_secret("config"));	/* not a pointer */
	assert_false(redact_path_secret("/configX"));
	assert_false(redact_path_secret("/Config"));
	assert_false(redact_path_secret("/name"));
	assert_false(redact_path_secret("/tags/0"));
	assert_false(redact_path_secret("/"));
	assert_false(redact_path_secret("/con~1fig"));	/* "con/fig" */
	/* "/config~1x" is the token "config/x", not "config". */
	assert_false(redact_path_secret("/config~1x"));
	/* Only the first token is read; one too long names no field. */
	assert_false(redact_path_secret("/name/~2"));
	assert_false(redact_path_secret("/config0123456789012345678901234567"
	    "89012345678901234567890123456789"));
	/* Secret under either kind: config and configValues alike. */
	assert_true(redact_path_secret("/capabilityConfig/x"));
}

/*
 * What redact_patch_write (the audit record) writes for ops, parsed back,
 * or NULL when it wrote null (ops no array).  ops is left unchanged, and
 * the text keeps each op's key order.
 */
static json_t *
written(const struct redact *r, json_t *ops)
{
	struct jsonw	 w;
	json_t		*out;
	char		*got, *before, *after;
	size_t		 len;

	assert_non_null(before = json_dumps(ops, JSON_COMPACT));
	jsonw_init(&w, 0);
	redact_patch_write(r, ops, &w);
	assert_non_null(got = jsonw_finish(&w, &len));
	assert_non_null(out = json_loads(got, JSON_DECODE_ANY, NULL));
	free(got);
	assert_non_null(after = json_dumps(ops, JSON_COMPACT));
	assert_string_equal(before, after);
	free(before);
	free(after);
	if (json_is_null(out)) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static void
test_patch(void **state)
{
	struct redact	*r = test_key();
	json_t		*ops, *out, *op;
	char		 form[REDACT_LEN + 1], *dump;
	size_t		 i;
	static const char *const secret[] = {
		"/config/apiKey", "/configValues", "/capabilityConfig/x",
		"", "/config"
	};

	(void)state;
	ops = parse("["
	    "{\"op\":\"replace\",\"path\":\"/config/apiKey\",\"value\":\"s3cr3t\"},"
	    "{\"op\":\"add\",\"path\":\"/configValues\",\"value\":\"s3cr3t\"},"
	    "{\"op\":\"add\",\"path\":\"/capabilityConfig/x\",\"value\":\"s3cr3t\"},"
	    "{\"op\":\"replace\",\"path\":\"\",\"value\":\"s3cr3t\"},"
	    "{\"op\":\"test\",\"path\":\"/config\",\"value\":\"s3cr3t\"},"
	    "{\"op\":\"replace\",\"path\":\"/name\",\"value\":\"n\"},"
	    "{\"op\":\"add\",\"path\":\"/tags/-\",\"value\":\"t\"},"
	    "{\"op\":\"replace\",\"path\":\"/con~1fig\",\"value\":\"c\"},"
	    "{\"op\":\"remove\",\"path\":\"/config/apiKey\"},"
	    "{\"op\":\"move\",\"from\":\"/config/a\",\"path\":\"/config/b\"},"
	    "{\"op\":\"add\",\"value\":\"s3cr3t\"}"
	    "]");
	assert_non_null(out = written(r, ops));
	assert_int_equal(json_array_size(out), json_array_size(ops));
	for (i = 0; i < 5; i++) {
		op = json_array_get(out, i);
		assert_string_equal(json_string_value(json_object_get(op,
		    "value")), VEC_SECRET_HMAC);
		assert_string_equal(json_string_value(json_object_get(op,
		    "path")), secret[i]);
	}
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(out, 5), "value")), "n");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(out, 6), "value")), "t");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(out, 7), "value")), "c");
	assert_true(json_equal(json_array_get(out, 8), json_array_get(ops, 8)));
	assert_true(json_equal(json_array_get(out, 9), json_array_get(ops, 9)));
	/* No path: fail safe. */
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(out, 10), "value")), VEC_SECRET_HMAC);
	/* The secret is nowhere in the copy; the original is untouched. */
	assert_non_null(dump = json_dumps(out, 0));
	assert_null(strstr(dump, "s3cr3t"));
	free(dump);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(ops, 0), "value")), "s3cr3t");
	/* Key order within an op is kept. */
	assert_non_null(dump = json_dumps(json_array_get(out, 0),
	    JSON_COMPACT));
	assert_int_equal(strncmp(dump, "{\"op\":\"replace\",\"path\":", 23), 0);
	free(dump);
	/* A structured value is redacted whole. */
	json_decref(ops);
	json_decref(out);
	ops = parse("[{\"op\":\"replace\",\"path\":\"/config\",\"value\":"
	    "{\"b\":1,\"a\":[true,null,\"x/\xc3\xa9\\n\"]}}]");
	assert_non_null(out = written(r, ops));
	assert_int_equal(redact_value(r, json_object_get(json_array_get(ops, 0),
	    "value"), form), 0);
	assert_string_equal(form, VEC_HMAC);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(out, 0), "value")), VEC_HMAC);
	json_decref(ops);
	json_decref(out);
	ops = parse("{\"patch\":[]}");
	assert_null(written(r, ops));
	json_decref(ops);
	redact_free(r);
}

/* ---------------------------------------------------------------- key file */

static int
setup_tmpdir(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_redact.XXXXXX",
	    t != NULL ? t : "/tmp");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
remove_tmpdir(void **state)
{
	char	cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
key_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

static void
write_key(const char *path, size_t len, mode_t mode)
{
	unsigned char	buf[64];
	int		fd;

	memset(buf, 7, sizeof(buf));
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void
test_key_create(void **state)
{
	struct redact	*r, *r2;
	struct stat	 st;
	char		 path[PATH_MAX], err[512];
	mode_t		 old;

	(void)state;
	key_path(path, sizeof(path), "new.key");
	/* Not created without create. */
	assert_null(redact_open(path, 0, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
	/* A permissive umask must not widen the mode. */
	old = umask(0);
	r = redact_open(path, 1, err, sizeof(err));
	umask(old);
	assert_non_null(r);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, REDACT_KEY_LEN);
	/* Opened again: the same key, not a new one. */
	assert_non_null(r2 = redact_open(path, 1, err, sizeof(err)));
	assert_memory_equal(r->key, r2->key, REDACT_KEY_LEN);
	redact_free(r);
	redact_free(r2);
	/* No temporary file is left behind. */
	assert_int_equal(system("test $(ls \"$TEST_REDACT_DIR\" | wc -l) -eq 1"),
	    0);
}

static void
test_key_refused(void **state)
{
	struct redact	*r;
	char		 path[PATH_MAX], err[512];

	(void)state;
	key_path(path, sizeof(path), "wide.key");
	write_key(path, REDACT_KEY_LEN, 0644);
	assert_null(redact_open(path, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "mode 0644"));
	assert_non_null(strstr(err, path));
	write_key(path, REDACT_KEY_LEN, 0620);
	assert_null(redact_open(path, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "mode 0620"));

	key_path(path, sizeof(path), "short.key");
	write_key(path, 31, 0600);
	assert_null(redact_open(path, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "31 bytes, expected 32"));
	write_key(path, 0, 0600);
	assert_null(redact_open(path, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "0 bytes"));

	key_path(path, sizeof(path), "dir.key");
	assert_int_equal(mkdir(path, 0700), 0);
	assert_null(redact_open(path, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "not a regular file"));

	key_path(path, sizeof(path), "ok.key");
	write_key(path, REDACT_KEY_LEN, 0400);
	redact_free(redact_open(path, 0, err, sizeof(err)));
	write_key(path, REDACT_KEY_LEN, 0600);
	assert_non_null(r = redact_open(path, 0, err, sizeof(err)));
	assert_int_equal(r->key[0], 7);
	redact_free(r);
}

static int
setup_keydir(void **state)
{
	if (setup_tmpdir(state) == -1)
		return -1;
	return setenv("TEST_REDACT_DIR", tmpdir, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_hmac_vector),
		cmocka_unit_test(test_equal_values),
		cmocka_unit_test(test_path_secret),
		cmocka_unit_test(test_patch),
		cmocka_unit_test_setup_teardown(test_key_create, setup_keydir,
		    remove_tmpdir),
		cmocka_unit_test_setup_teardown(test_key_refused, setup_tmpdir,
		    remove_tmpdir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
