/*
 * Tests src/config.c (and diag_print).  config.c is included so every row
 * of its bounds table can be tried at min - 1, min, max and max + 1.
 *
 * Files come from $TESTDATA/config or are written to a temporary
 * directory as ldgate.json.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.c"

#define POLICY	"\"policy\": {\"roles\": \"r.json\", \"principals\": \"p.json\"}"

static char	tmpdir[PATH_MAX];
static char	cfgfile[PATH_MAX + 16];

static int
setup_tmpdir(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_config.XXXXXX",
	    t != NULL ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(cfgfile, sizeof(cfgfile), "%s/ldgate.json", tmpdir);
	return 0;
}

static int
remove_tmpdir(void **state)
{
	char	path[PATH_MAX + 16];

	(void)state;
	unlink(cfgfile);
	snprintf(path, sizeof(path), "%s/ca.pem", tmpdir);
	unlink(path);
	return rmdir(tmpdir);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static struct config *
load_text(const char *text, struct diag *d)
{
	write_file(cfgfile, text);
	return config_load(cfgfile, d);
}

static struct config *
load_data(const char *name, struct diag *d)
{
	const char	*data = getenv("TESTDATA");
	char		 path[PATH_MAX];

	if (data == NULL)
		data = "tests/data";
	snprintf(path, sizeof(path), "%s/config/%s", data, name);
	return config_load(path, d);
}

/* realpath of $TESTDATA/config joined with name. */
static char *
data_path(const char *name)
{
	const char	*data = getenv("TESTDATA");
	char		 path[PATH_MAX], *dir, *p;

	snprintf(path, sizeof(path), "%s/config",
	    data != NULL ? data : "tests/data");
	assert_non_null(dir = realpath(path, NULL));
	assert_int_not_equal(asprintf(&p, "%s/%s", dir, name), -1);
	free(dir);
	return p;
}

static void
expect_path(const char *got, const char *name)
{
	char	*want = data_path(name);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(want);
}

/* Fails, showing every message, unless cfg loaded. */
static void
expect_ok(const struct config *cfg, const struct diag *d)
{
	if (cfg == NULL || d->nitems != 0) {
		diag_print(d, stderr);
		fail_msg("configuration refused");
	}
}

static void
expect_item(const struct diag *d, size_t i, int line, int column,
    const char *message)
{
	const struct diag_item	*it = &d->items[i];

	if (i >= d->nitems || it->line != line || it->column != column ||
	    strcmp(it->message, message) != 0) {
		diag_print(d, stderr);
		fail_msg("item %zu: expected %d:%d: %s", i, line, column,
		    message);
	}
	assert_int_equal(it->level, DIAG_ERROR);
}

/* Loads text and expects exactly one error. */
static void
expect_error(const char *text, int line, int column, const char *message)
{
	struct diag	 d;
	struct config	*cfg;

	memset(&d, 0, sizeof(d));
	cfg = load_text(text, &d);
	if (cfg != NULL || d.nitems != 1) {
		diag_print(&d, stderr);
		fail_msg("expected one error for %s", text);
	}
	expect_item(&d, 0, line, column, message);
	diag_clear(&d);
}

static void
test_minimal_defaults(void **state)
{
	struct config	*cfg;
	struct diag	 d;
	long		 cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char		*dir;

	(void)state;
	memset(&d, 0, sizeof(d));
	cfg = load_data("minimal.json", &d);
	expect_ok(cfg, &d);
	assert_int_equal(cfg->nlisten, 1);
	assert_string_equal(cfg->listen[0].host, "127.0.0.1");
	assert_string_equal(cfg->listen[0].port, "8080");
	assert_int_equal(cfg->workers, cpus < 1 ? 1 :
	    cpus > CONFIG_MAX_WORKERS ? CONFIG_MAX_WORKERS : cpus);
	assert_int_equal(cfg->passthrough, 1);
	assert_int_equal(cfg->mode, CONFIG_MODE_ENFORCE);
	assert_int_equal(cfg->shutdown_timeout_ms, 10000);
	assert_int_equal(cfg->resolve_cache_size, 10000);
	assert_string_equal(cfg->upstream.url, "https://app.launchdarkly.com");
	assert_string_equal(cfg->upstream.scheme, "https");
	assert_string_equal(cfg->upstream.host, "app.launchdarkly.com");
	assert_int_equal(cfg->upstream.port, 443);
	assert_null(cfg->upstream.ca_file);
	assert_int_equal(cfg->upstream.connect_timeout_ms, 5000);
	assert_int_equal(cfg->upstream.response_timeout_ms, 30000);
	assert_int_equal(cfg->upstream.idle_timeout_ms, 30000);
	assert_int_equal(cfg->upstream.pool_size, 64);
	assert_int_equal(cfg->policy.nroles, 1);
	expect_path(cfg->policy.roles[0], "roles.json");
	expect_path(cfg->policy.principals, "principals.json");
	assert_null(cfg->policy.guardrails);
	expect_path(cfg->audit.file, "audit.log");
	expect_path(cfg->audit.key_file, "audit.key");
	assert_int_equal(cfg->audit.commit_timeout_ms, 1000);
	assert_int_equal(cfg->audit.queue_size, 4096);
	assert_int_equal(cfg->limits.body_bytes, 1048576);
	assert_int_equal(cfg->limits.header_bytes, 16384);
	assert_int_equal(cfg->limits.patch_ops, 100);
	assert_int_equal(cfg->limits.json_depth, 32);
	assert_int_equal(cfg->limits.header_timeout_ms, 10000);
	assert_int_equal(cfg->limits.body_timeout_ms, 30000);
	assert_int_equal(cfg->limits.idle_timeout_ms, 60000);
	assert_int_equal(cfg->limits.connections, 1024);
	dir = data_path("");
	dir[strlen(dir) - 1] = '\0';
	assert_string_equal(cfg->dir, dir);
	free(dir);
	config_free(cfg);
}

static void
test_full(void **state)
{
	struct config	*cfg;
	struct diag	 d;

	(void)state;
	memset(&d, 0, sizeof(d));
	cfg = load_data("full.json", &d);
	expect_ok(cfg, &d);
	assert_int_equal(cfg->nlisten, 3);
	assert_string_equal(cfg->listen[0].host, "127.0.0.1");
	assert_string_equal(cfg->listen[0].port, "18083");
	assert_string_equal(cfg->listen[1].host, "::1");
	assert_string_equal(cfg->listen[1].port, "18084");
	assert_string_equal(cfg->listen[2].host, "localhost");
	assert_int_equal(cfg->workers, 3);
	assert_int_equal(cfg->passthrough, 0);
	assert_int_equal(cfg->mode, CONFIG_MODE_DRY_RUN);
	assert_int_equal(cfg->shutdown_timeout_ms, 2500);
	assert_string_equal(cfg->upstream.url, "https://localhost:18443/");
	assert_string_equal(cfg->upstream.host, "localhost");
	assert_int_equal(cfg->upstream.port, 18443);
	expect_path(cfg->upstream.ca_file, "ca-placeholder.pem");
	assert_int_equal(cfg->upstream.connect_timeout_ms, 1500);
	assert_int_equal(cfg->upstream.response_timeout_ms, 20000);
	assert_int_equal(cfg->upstream.idle_timeout_ms, 15000);
	assert_int_equal(cfg->upstream.pool_size, 256);
	assert_int_equal(cfg->policy.nroles, 2);
	expect_path(cfg->policy.roles[0], "roles.json");
	assert_string_equal(cfg->policy.roles[1],
	    "/etc/ldgate/extra-roles.json");
	expect_path(cfg->policy.principals, "principals.json");
	expect_path(cfg->policy.guardrails, "guardrails.json");
	assert_int_equal(cfg->resolve_cache_size, 500);
	assert_string_equal(cfg->audit.file, "/var/log/ldgate/audit.log");
	expect_path(cfg->audit.key_file, "keys/audit.key");
	assert_int_equal(cfg->audit.commit_timeout_ms, 50);
	assert_int_equal(cfg->audit.queue_size, 128);
	assert_int_equal(cfg->limits.body_bytes, 65536);
	assert_int_equal(cfg->limits.header_bytes, 8192);
	assert_int_equal(cfg->limits.patch_ops, 20);
	assert_int_equal(cfg->limits.json_depth, 16);
	assert_int_equal(cfg->limits.header_timeout_ms, 5000);
	assert_int_equal(cfg->limits.body_timeout_ms, 10000);
	assert_int_equal(cfg->limits.idle_timeout_ms, 30000);
	assert_int_equal(cfg->limits.connections, 512);
	config_free(cfg);
}

/* Every problem in one file, each where it sits, in file order. */
static void
test_many_errors(void **state)
{
	struct diag	 d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_null(load_data("errors.json", &d));
	expect_item(&d, 0, 2, 32,
	    "listen[1]: invalid address \"127.0.0.1\": missing port");
	expect_item(&d, 1, 3, 14, "workers: expected an integer, got a string");
	expect_item(&d, 2, 4, 11,
	    "mode: \"audit\" is not \"enforce\" or \"dry-run\"");
	expect_item(&d, 3, 6, 13, "upstream: unknown key \"urll\"");
	expect_item(&d, 4, 7, 12, "upstream.url: upstream must use https");
	expect_item(&d, 5, 9, 23, "policy.roles: must not be empty");
	expect_item(&d, 6, 9, 41,
	    "policy.principals: expected a string, got an integer");
	expect_item(&d, 7, 10, 26,
	    "limits.patchOps: 0 is out of range (1..10000)");
	expect_item(&d, 8, 10, 42,
	    "limits.jsonDepth: 1025 is out of range (2..1024)");
	expect_item(&d, 9, 10, 61,
	    "limits.bodyBytes: expected an integer, got a real number");
	expect_item(&d, 10, 11, 15, "unknown key \"logLevel\"");
	assert_int_equal(d.nitems, 11);
	assert_int_equal(d.nerrors, 11);
	diag_clear(&d);
}

static void
test_unknown_and_duplicate_keys(void **state)
{
	struct diag	d;

	(void)state;
	expect_error("{" POLICY ",\n \"Workers\": 2}", 2, 13,
	    "unknown key \"Workers\"");
	expect_error("{" POLICY ", \"limits\": {\"patch_ops\": 2}}", 1, 81,
	    "limits: unknown key \"patch_ops\"");
	expect_error("{\"policy\": {\"roles\": \"r\", \"principals\": \"p\", "
	    "\"extra\": {}}}", 1, 55, "policy: unknown key \"extra\"");
	memset(&d, 0, sizeof(d));
	assert_null(load_data("duplicate.json", &d));
	expect_item(&d, 0, 5, 14, "duplicate object key near '\"patchOps\"'");
	assert_int_equal(d.nitems, 1);
	diag_clear(&d);
}

static void
test_wrong_types(void **state)
{
	(void)state;
	expect_error("[]", 1, 1, "expected an object, got an array");
	expect_error("{" POLICY ", \"passthrough\": \"yes\"}", 1, 72,
	    "passthrough: expected a boolean, got a string");
	expect_error("{" POLICY ", \"limits\": 5}", 1, 67,
	    "limits: expected an object, got an integer");
	expect_error("{" POLICY ", \"listen\": {}}", 1, 67,
	    "listen: \"address\" is required");
	expect_error("{" POLICY ", \"listen\": [\"127.0.0.1:1\", 8080]}", 1, 83,
	    "listen[1]: expected a string or an object, got an integer");
	expect_error("{" POLICY ", \"upstream\": {\"url\": null}}", 1, 77,
	    "upstream.url: expected a string, got null");
	expect_error("{" POLICY ", \"upstream\": {\"caFile\": true}}", 1, 80,
	    "upstream.caFile: expected a string or null, got a boolean");
	expect_error("{" POLICY ", \"resolve\": {\"cacheSize\": \"1\"}}", 1, 82,
	    "resolve.cacheSize: expected an integer, got a string");
	expect_error("{\"policy\": {\"roles\": [\"a\", null], \"principals\": "
	    "\"p\"}}", 1, 28, "policy.roles[1]: expected a string, got null");
	expect_error("{\"policy\": {\"roles\": \"a\", \"principals\": null}}",
	    1, 41, "policy.principals: expected a string, got null");
	expect_error("{\"policy\": {\"roles\": \"\", \"principals\": \"p\"}}",
	    1, 22, "policy.roles: must not be empty");
	expect_error("{" POLICY ", \"mode\": \"Enforce\"}", 1, 65,
	    "mode: \"Enforce\" is not \"enforce\" or \"dry-run\"");
}

static void
test_required(void **state)
{
	struct diag	d;

	(void)state;
	expect_error("{\"policy\": {\"roles\": \"r\"}}", 1, 12,
	    "policy.principals: required key is missing");
	memset(&d, 0, sizeof(d));
	assert_null(load_text("{\n  \"workers\": 1\n}", &d));
	expect_item(&d, 0, 1, 1, "policy.roles: required key is missing");
	expect_item(&d, 1, 1, 1, "policy.principals: required key is missing");
	assert_int_equal(d.nitems, 2);
	diag_clear(&d);
}

/* Loads {POLICY, section: {key: value}} (or top-level key). */
static struct config *
load_num(const struct config_num *n, long long value, struct diag *d)
{
	char	text[512];

	if (n->section == NULL)
		snprintf(text, sizeof(text), "{" POLICY ", \"%s\": %lld}",
		    n->key, value);
	else
		snprintf(text, sizeof(text),
		    "{" POLICY ", \"%s\": {\"%s\": %lld}}", n->section, n->key,
		    value);
	return load_text(text, d);
}

static uint64_t
num_get(const struct config *cfg, const struct config_num *n)
{
	const char	*p = (const char *)cfg + n->off;

	if (n->size == sizeof(uint64_t))
		return *(const uint64_t *)p;
	return *(const uint32_t *)p;
}

static void
expect_num_refused(const struct config_num *n, long long value)
{
	struct config	*cfg;
	struct diag	 d;
	char		 want[256];

	memset(&d, 0, sizeof(d));
	cfg = load_num(n, value, &d);
	if (n->section != NULL)
		snprintf(want, sizeof(want), "%s.%s: %lld is out of range "
		    "(%" PRIu64 "..%" PRIu64 ")", n->section, n->key, value,
		    n->min, n->max);
	else
		snprintf(want, sizeof(want), "%s: %lld is out of range "
		    "(%" PRIu64 "..%" PRIu64 ")", n->key, value, n->min, n->max);
	assert_null(cfg);
	assert_int_equal(d.nitems, 1);
	assert_int_equal(d.items[0].line, 1);
	assert_string_equal(d.items[0].message, want);
	diag_clear(&d);
}

static void
expect_num_accepted(const struct config_num *n, long long value)
{
	struct config	*cfg;
	struct diag	 d;

	memset(&d, 0, sizeof(d));
	cfg = load_num(n, value, &d);
	expect_ok(cfg, &d);
	/* workers 0 means "one per CPU" and is resolved. */
	if (!(n->off == offsetof(struct config, workers) && value == 0))
		assert_int_equal(num_get(cfg, n), value);
	config_free(cfg);
}

/* Limits are inclusive: min and max accepted, min - 1 and max + 1 not. */
static void
test_bounds(void **state)
{
	const struct config_num	*n;
	size_t			 i;

	(void)state;
	for (i = 0; i < nitems(config_nums); i++) {
		n = &config_nums[i];
		expect_num_accepted(n, (long long)n->min);
		expect_num_accepted(n, (long long)n->max);
		expect_num_refused(n, (long long)n->min - 1);
		expect_num_refused(n, (long long)n->max + 1);
		assert_true(n->def >= n->min && n->def <= n->max);
	}
	/* The documented bounds, independently of the table. */
	expect_error("{" POLICY ", \"limits\": {\"patchOps\": 10001}}", 1, 80,
	    "limits.patchOps: 10001 is out of range (1..10000)");
	expect_error("{" POLICY ", \"workers\": 257}", 1, 68,
	    "workers: 257 is out of range (0..256)");
}

static void
test_upstream_url(void **state)
{
	static const struct {
		const char	*url;
		const char	*err;
	} bad[] = {
		{ "http://app.launchdarkly.com", "upstream must use https" },
		{ "ftp://h", "upstream must use https" },
		{ "app.launchdarkly.com", "not an absolute URL" },
		{ "https://", "missing host" },
		{ "https://h/api/v2", "a path is not allowed" },
		{ "https://h?x=1", "a query is not allowed" },
		{ "https://h/#top", "a fragment is not allowed" },
		{ "https://u:p@h", "user information is not allowed" },
		{ "https://h:0", "port must be a number from 1 to 65535" },
		{ "https://h:65536", "port must be a number from 1 to 65535" },
		{ "https://h:", "port must be a number from 1 to 65535" },
		{ "https://::1", "an IPv6 address needs brackets, as in [::1]:8080" },
		{ "https://[::g]", "invalid IPv6 address" },
		{ "https://h_x", "invalid host" },
	};
	char		 text[256], want[128];
	struct config	*cfg;
	struct diag	 d;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		    "{" POLICY ",\n \"upstream\": {\"url\": \"%s\"}}", bad[i].url);
		snprintf(want, sizeof(want), "upstream.url: %s", bad[i].err);
		expect_error(text, 2, 22, want);
	}
	memset(&d, 0, sizeof(d));
	cfg = load_text("{" POLICY ", \"upstream\": "
	    "{\"url\": \"HTTPS://[::1]:8443/\"}}", &d);
	expect_ok(cfg, &d);
	assert_string_equal(cfg->upstream.scheme, "https");
	assert_string_equal(cfg->upstream.host, "::1");
	assert_int_equal(cfg->upstream.port, 8443);
	config_free(cfg);
}

static void
test_listen(void **state)
{
	static const struct {
		const char	*addr;
		const char	*err;
	} bad[] = {
		{ "127.0.0.1", "missing port" },
		{ ":8080", "missing host" },
		{ "127.0.0.1:0", "port must be a number from 1 to 65535" },
		{ "127.0.0.1:http", "port must be a number from 1 to 65535" },
		{ "::1:8080", "an IPv6 address needs brackets, as in [::1]:8080" },
		{ "[::1]8080", "unexpected text after ']'" },
		{ "[::1", "missing ']'" },
		{ "[127.0.0.1]:80", "invalid IPv6 address" },
		{ "local host:80", "invalid host" },
	};
	char		 text[256], want[128];
	struct config	*cfg;
	struct diag	 d;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{\"listen\": [\"%s\"],\n" POLICY "}",
		    bad[i].addr);
		snprintf(want, sizeof(want), "listen[0]: invalid address \"%s\": %s",
		    bad[i].addr, bad[i].err);
		expect_error(text, 1, 13, want);
	}
	expect_error("{\"listen\": [],\n" POLICY "}", 1, 12,
	    "listen: must not be empty");
	memset(&d, 0, sizeof(d));
	cfg = load_text("{\"listen\": {\"address\": \"[::]:65535\", "
	    "\"plaintext\": true}, " POLICY "}", &d);
	expect_ok(cfg, &d);
	assert_int_equal(cfg->nlisten, 1);
	assert_string_equal(cfg->listen[0].host, "::");
	assert_string_equal(cfg->listen[0].port, "65535");
	assert_int_equal(cfg->listen[0].plaintext, 1);
	config_free(cfg);
}

/* instance: the host name by default, else 1 to 64 of [A-Za-z0-9._-]. */
static void
test_instance(void **state)
{
	struct diag	 d;
	struct config	*cfg;
	char		 host[256];
	size_t		 n;

	(void)state;
	memset(&d, 0, sizeof(d));
	cfg = load_text("{" POLICY "}", &d);
	expect_ok(cfg, &d);
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	n = strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-");
	assert_true(n > 0);
	assert_int_equal(strlen(cfg->instance), n > 64 ? 64 : n);
	assert_int_equal(strncmp(cfg->instance, host, strlen(cfg->instance)),
	    0);
	config_free(cfg);
	cfg = load_text("{\"instance\": \"gw-east.1_a\", " POLICY "}", &d);
	expect_ok(cfg, &d);
	assert_string_equal(cfg->instance, "gw-east.1_a");
	config_free(cfg);
	expect_error("{\"instance\": \"gw east\", " POLICY "}", 1, 14,
	    "instance: \"gw east\" is not 1 to 64 characters of "
	    "[A-Za-z0-9._-]");
	expect_error("{\"instance\": \"\", " POLICY "}", 1, 14,
	    "instance: \"\" is not 1 to 64 characters of [A-Za-z0-9._-]");
	expect_error("{\"instance\": 7, " POLICY "}", 1, 14,
	    "instance: expected a string, got an integer");
}

/*
 * Plain HTTP off loopback carries tokens in clear: only when the entry
 * says "plaintext": true (docs/design.md section 5, "Listeners").
 */
static void
test_listen_plaintext(void **state)
{
	static const char *const loopback[] = {
		"\"127.0.0.1:8080\"", "\"127.9.8.7:1\"", "\"[::1]:8080\"",
		"\"localhost:8080\"", "{\"address\": \"127.0.0.1:8080\"}",
		"{\"address\": \"0.0.0.0:8080\", \"plaintext\": true}",
		"{\"plaintext\": true, \"address\": \"gw.example:80\"}",
	};
	static const struct {
		const char	*entry;
		int		 col;
		const char	*want;
	} refused[] = {
		{ "\"0.0.0.0:8080\"", 13, "listen[0]: 0.0.0.0:8080 is not a "
		    "loopback address: plain HTTP there carries tokens in "
		    "clear; say {\"address\": \"0.0.0.0:8080\", \"plaintext\": "
		    "true} to mean it" },
		{ "\"10.1.2.3:80\"", 13, "listen[0]: 10.1.2.3:80 is not a "
		    "loopback" },
		{ "\"[::]:80\"", 13, "listen[0]: [::]:80 is not a loopback" },
		{ "\"gw.example:80\"", 13, "listen[0]: gw.example:80 is not a "
		    "loopback" },
		{ "{\"address\": \"0.0.0.0:1\", \"plaintext\": false}", 25,
		    "listen[0].address: 0.0.0.0:1 is not a loopback" },
		{ "{\"address\": \"127.0.0.1:1\", \"plaintext\": 1}", 53,
		    "listen[0].plaintext: expected a boolean, got an integer" },
		{ "{\"address\": \"127.0.0.1:1\", \"tls\": {}}", 47,
		    "listen[0]: unknown key \"tls\"" },
		{ "{\"plaintext\": true}", 13,
		    "listen[0]: \"address\" is required" },
	};
	struct diag	 d;
	struct config	*cfg;
	char		 text[512];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++) {
		memset(&d, 0, sizeof(d));
		snprintf(text, sizeof(text), "{\"listen\": [%s], " POLICY "}",
		    loopback[i]);
		cfg = load_text(text, &d);
		expect_ok(cfg, &d);
		config_free(cfg);
		diag_clear(&d);
	}
	/* One error each, located, its message beginning as want. */
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		snprintf(text, sizeof(text), "{\"listen\": [%s], " POLICY "}",
		    refused[i].entry);
		memset(&d, 0, sizeof(d));
		cfg = load_text(text, &d);
		if (cfg != NULL || d.nitems != 1 || d.items[0].line != 1 ||
		    d.items[0].column != refused[i].col ||
		    strncmp(d.items[0].message, refused[i].want,
		    strlen(refused[i].want)) != 0) {
			diag_print(&d, stderr);
			fail_msg("%s: want 1:%d: %s...", refused[i].entry,
			    refused[i].col, refused[i].want);
		}
		diag_clear(&d);
	}
}

/* Relative paths resolve against the config file's directory. */
static void
test_paths(void **state)
{
	char		*dir, ca[PATH_MAX + 16], want[PATH_MAX + 64];
	struct config	*cfg;
	struct diag	 d;

	(void)state;
	assert_non_null(dir = realpath(tmpdir, NULL));
	snprintf(ca, sizeof(ca), "%s/ca.pem", tmpdir);
	write_file(ca, "x\n");
	memset(&d, 0, sizeof(d));
	cfg = load_text("{\"policy\": {\"roles\": [\"../r.json\", \"/abs/r.json\"],"
	    " \"principals\": \"sub/p.json\", \"guardrails\": null},"
	    " \"upstream\": {\"caFile\": \"ca.pem\"},"
	    " \"audit\": {\"file\": \"log/a.log\"}}", &d);
	expect_ok(cfg, &d);
	snprintf(want, sizeof(want), "%s/../r.json", dir);
	assert_string_equal(cfg->policy.roles[0], want);
	assert_string_equal(cfg->policy.roles[1], "/abs/r.json");
	snprintf(want, sizeof(want), "%s/sub/p.json", dir);
	assert_string_equal(cfg->policy.principals, want);
	assert_null(cfg->policy.guardrails);
	snprintf(want, sizeof(want), "%s/ca.pem", dir);
	assert_string_equal(cfg->upstream.ca_file, want);
	snprintf(want, sizeof(want), "%s/log/a.log", dir);
	assert_string_equal(cfg->audit.file, want);
	snprintf(want, sizeof(want), "%s/audit.key", dir);
	assert_string_equal(cfg->audit.key_file, want);
	config_free(cfg);

	snprintf(want, sizeof(want), "upstream.caFile: cannot read "
	    "%s/missing.pem: No such file or directory", dir);
	expect_error("{" POLICY ", \"upstream\": {\"caFile\": \"missing.pem\"}}",
	    1, 80, want);
	snprintf(want, sizeof(want), "upstream.caFile: cannot read "
	    "%s: Is a directory", dir);
	snprintf(ca, sizeof(ca), "{" POLICY ", \"upstream\": {\"caFile\": "
	    "\"%s\"}}", dir);
	expect_error(ca, 1, 80, want);
	free(dir);
}

static void
test_unreadable_file(void **state)
{
	struct diag	 d;
	char		*out = NULL;
	size_t		 len;
	FILE		*fp;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_null(config_load("/nonexistent/ldgate.json", &d));
	assert_non_null(fp = open_memstream(&out, &len));
	diag_print(&d, fp);
	fclose(fp);
	assert_string_equal(out, "/nonexistent/ldgate.json: error: "
	    "cannot read: No such file or directory\n");
	free(out);
	diag_clear(&d);
}

static void
test_diag_print(void **state)
{
	struct diag	 d;
	char		*out = NULL;
	size_t		 len;
	FILE		*fp;

	(void)state;
	memset(&d, 0, sizeof(d));
	diag_error(&d, "a.json", 7, 24, "limits.patchOps: %d is out of range "
	    "(1..10000)", 0);
	diag_warn(&d, "b.json", 3, 0, "no column");
	diag_error(&d, NULL, 0, 0, "no file");
	assert_non_null(fp = open_memstream(&out, &len));
	diag_print(&d, fp);
	fclose(fp);
	assert_string_equal(out,
	    "a.json:7:24: error: limits.patchOps: 0 is out of range (1..10000)\n"
	    "b.json:3: warning: no column\n"
	    "error: no file\n");
	assert_int_equal(d.nerrors, 2);
	assert_int_equal(d.nwarnings, 1);
	free(out);
	diag_clear(&d);
	assert_int_equal(d.nitems, 0);
	assert_null(d.items);
}

/*
 * A reload applies the policy and what the pipeline reads; anything the
 * workers were built from refuses it, naming the first key that differs.
 */
static void
test_reload_check(void **state)
{
	static const struct {
		const char	*extra;		/* JSON members, or "" */
		const char	*why;		/* NULL: accepted */
	} cases[] = {
		{ "", NULL },
		{ "\"limits\": {\"patchOps\": 7, \"jsonDepth\": 9}", NULL },
		{ "\"passthrough\": false", NULL },
		{ "\"mode\": \"dry-run\"", NULL },
		{ "\"listen\": \"127.0.0.1:9\"", "listen changed" },
		{ "\"listen\": [\"127.0.0.1:8080\", \"127.0.0.1:9\"]",
		    "listen changed" },
		{ "\"workers\": 3", "workers changed" },
		{ "\"limits\": {\"connections\": 5}",
		    "limits.connections changed" },
		{ "\"limits\": {\"bodyBytes\": 4096}",
		    "limits.bodyBytes changed" },
		{ "\"upstream\": {\"url\": \"https://example.invalid\"}",
		    "upstream changed" },
		{ "\"upstream\": {\"poolSize\": 3}",
		    "upstream.poolSize changed" },
		{ "\"audit\": {\"file\": \"other.log\"}", "audit changed" },
		{ "\"audit\": {\"commitTimeoutMs\": 7}",
		    "audit.commitTimeoutMs changed" },
		{ "\"instance\": \"other\"", "instance changed" },
	};
	struct diag	 d;
	struct config	*old, *new;
	char		 text[1024], why[128];
	size_t		 i;
	int		 rc;

	(void)state;
	memset(&d, 0, sizeof(d));
	old = load_text("{" POLICY "}", &d);
	expect_ok(old, &d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "{" POLICY "%s%s}",
		    cases[i].extra[0] ? ", " : "", cases[i].extra);
		new = load_text(text, &d);
		expect_ok(new, &d);
		why[0] = '\0';
		rc = config_reload_check(old, new, why, sizeof(why));
		if (cases[i].why == NULL && rc != 0)
			fail_msg("case %zu (%s): refused: %s", i, cases[i].extra,
			    why);
		if (cases[i].why != NULL && (rc != -1 ||
		    strcmp(why, cases[i].why) != 0))
			fail_msg("case %zu (%s): rc %d \"%s\", want \"%s\"", i,
			    cases[i].extra, rc, why, cases[i].why);
		config_free(new);
	}
	config_free(old);
	diag_clear(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_many_errors),
		cmocka_unit_test(test_unknown_and_duplicate_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_upstream_url),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_listen_plaintext),
		cmocka_unit_test(test_instance),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_diag_print),
		cmocka_unit_test(test_reload_check),
	};

	return cmocka_run_group_tests(tests, setup_tmpdir, remove_tmpdir);
}
