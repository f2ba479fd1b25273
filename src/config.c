/*
 * config: strict loading of the ldgate configuration file.
 *
 * The document is walked member by member in file order; every key is
 * looked up in one of two tables (bounded numbers, everything else), so an
 * unknown key, a wrong type or a bad value is reported where it sits and
 * the walk goes on: the operator sees every problem in one run.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "audit/audit.h"
#include "engine/policyset.h"
#include "request/pipeline.h"
#include "util/jsonfile.h"
#include "util/log.h"

#define CONFIG_PTR_MAX		512
#define CONFIG_LABEL_MAX	256

struct config_load {
	struct config		*cfg;
	struct jsonfile		*jf;
	struct diag		*diag;
};

/* Where a value sits: its JSON pointer and its name in messages. */
struct config_at {
	char		 ptr[CONFIG_PTR_MAX];
	char		 label[CONFIG_LABEL_MAX];
};

/*
 * Bounded numeric settings, one row each (Redis static_configs[]).
 * Bounds are inclusive.
 */
struct config_num {
	const char	*section;	/* NULL: top level */
	const char	*key;
	uint64_t	 def;
	uint64_t	 min;
	uint64_t	 max;
	size_t		 off;		/* into struct config */
	size_t		 size;		/* of the member: 4 or 8 */
};

#define CONFIG_MEMBER(m) \
	offsetof(struct config, m), sizeof(((struct config *)0)->m)

#define MS_HOUR		3600000

static const struct config_num config_nums[] = {
	{ NULL, "workers", CONFIG_DEFAULT_WORKERS, 0, CONFIG_MAX_WORKERS,
	    CONFIG_MEMBER(workers) },
	{ NULL, "shutdownTimeoutMs", CONFIG_DEFAULT_SHUTDOWN_TIMEOUT_MS,
	    0, MS_HOUR, CONFIG_MEMBER(shutdown_timeout_ms) },
	{ "upstream", "connectTimeoutMs", CONFIG_DEFAULT_CONNECT_TIMEOUT_MS,
	    1, MS_HOUR, CONFIG_MEMBER(upstream.connect_timeout_ms) },
	{ "upstream", "responseTimeoutMs",
	    CONFIG_DEFAULT_RESPONSE_TIMEOUT_MS,
	    1, MS_HOUR, CONFIG_MEMBER(upstream.response_timeout_ms) },
	{ "upstream", "idleTimeoutMs", CONFIG_DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS,
	    1, MS_HOUR, CONFIG_MEMBER(upstream.idle_timeout_ms) },
	{ "upstream", "poolSize", CONFIG_DEFAULT_POOL_SIZE,
	    0, 65536, CONFIG_MEMBER(upstream.pool_size) },
	{ "resolve", "cacheSize", CONFIG_DEFAULT_RESOLVE_CACHE_SIZE,
	    1, 10000000, CONFIG_MEMBER(resolve_cache_size) },
	{ "audit", "commitTimeoutMs", CONFIG_DEFAULT_COMMIT_TIMEOUT_MS,
	    1, 60000, CONFIG_MEMBER(audit.commit_timeout_ms) },
	{ "audit", "queueSize", CONFIG_DEFAULT_QUEUE_SIZE,
	    1, 1048576, CONFIG_MEMBER(audit.queue_size) },
	{ "limits", "bodyBytes", CONFIG_DEFAULT_BODY_BYTES,
	    1024, 1073741824, CONFIG_MEMBER(limits.body_bytes) },
	{ "limits", "headerBytes", CONFIG_DEFAULT_HEADER_BYTES,
	    1024, 1048576, CONFIG_MEMBER(limits.header_bytes) },
	{ "limits", "patchOps", CONFIG_DEFAULT_PATCH_OPS,
	    1, 10000, CONFIG_MEMBER(limits.patch_ops) },
	{ "limits", "jsonDepth", CONFIG_DEFAULT_JSON_DEPTH,
	    2, 1024, CONFIG_MEMBER(limits.json_depth) },
	{ "limits", "headerTimeoutMs", CONFIG_DEFAULT_HEADER_TIMEOUT_MS,
	    1, MS_HOUR, CONFIG_MEMBER(limits.header_timeout_ms) },
	{ "limits", "bodyTimeoutMs", CONFIG_DEFAULT_BODY_TIMEOUT_MS,
	    1, MS_HOUR, CONFIG_MEMBER(limits.body_timeout_ms) },
	{ "limits", "idleTimeoutMs", CONFIG_DEFAULT_IDLE_TIMEOUT_MS,
	    1, MS_HOUR, CONFIG_MEMBER(limits.idle_timeout_ms) },
	{ "limits", "connections", CONFIG_DEFAULT_CONNECTIONS,
	    1, 1048576, CONFIG_MEMBER(limits.connections) },
};

#define CONFIG_NULLABLE		0x01	/* null means "not set" */
#define CONFIG_READABLE		0x02	/* the file must be readable now */

/* Every other key: a setter, and for generic setters a member. */
struct config_key {
	const char	*section;	/* NULL: top level */
	const char	*key;
	void		(*set)(struct config_load *, const struct config_key *,
			    json_t *, const struct config_at *);
	size_t		 off;		/* into struct config, if used */
	int		 flags;
};

static void	set_section(struct config_load *, const struct config_key *,
		    json_t *, const struct config_at *);
static void	set_listen(struct config_load *, const struct config_key *,
		    json_t *, const struct config_at *);
static void	set_bool(struct config_load *, const struct config_key *,
		    json_t *, const struct config_at *);
static void	set_instance(struct config_load *, const struct config_key *,
		    json_t *, const struct config_at *);
static void	set_mode(struct config_load *, const struct config_key *,
		    json_t *, const struct config_at *);
static void	set_url(struct config_load *, const struct config_key *,
		    json_t *, const struct config_at *);
static void	set_path(struct config_load *, const struct config_key *,
		    json_t *, const struct config_at *);
static void	set_roles(struct config_load *, const struct config_key *,
		    json_t *, const struct config_at *);

#define OFF(m)	offsetof(struct config, m)

static const struct config_key config_keys[] = {
	{ NULL, "listen", set_listen, 0, 0 },
	{ NULL, "passthrough", set_bool, OFF(passthrough), 0 },
	{ NULL, "mode", set_mode, 0, 0 },
	{ NULL, "instance", set_instance, 0, 0 },
	{ NULL, "upstream", set_section, 0, 0 },
	{ NULL, "policy", set_section, 0, 0 },
	{ NULL, "resolve", set_section, 0, 0 },
	{ NULL, "audit", set_section, 0, 0 },
	{ NULL, "limits", set_section, 0, 0 },
	{ "upstream", "url", set_url, 0, 0 },
	{ "upstream", "caFile", set_path, OFF(upstream.ca_file),
	    CONFIG_NULLABLE | CONFIG_READABLE },
	{ "policy", "roles", set_roles, 0, 0 },
	{ "policy", "principals", set_path, OFF(policy.principals), 0 },
	{ "policy", "guardrails", set_path, OFF(policy.guardrails),
	    CONFIG_NULLABLE },
	{ "audit", "file", set_path, OFF(audit.file), 0 },
	{ "audit", "keyFile", set_path, OFF(audit.key_file), 0 },
};

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static int
same_section(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static const struct config_num *
num_find(const char *section, const char *key)
{
	size_t	i;

	for (i = 0; i < nitems(config_nums); i++)
		if (same_section(config_nums[i].section, section) &&
		    strcmp(config_nums[i].key, key) == 0)
			return &config_nums[i];
	return NULL;
}

static const struct config_key *
key_find(const char *section, const char *key)
{
	size_t	i;

	for (i = 0; i < nitems(config_keys); i++)
		if (same_section(config_keys[i].section, section) &&
		    strcmp(config_keys[i].key, key) == 0)
			return &config_keys[i];
	return NULL;
}

/*
 * Names member key of the value at parent, labelled "a.b" in messages.
 * A label cut short only shortens a message.
 */
static void
at_key(struct config_at *at, const struct config_at *parent, const char *key)
{
	const char	*dot = parent->label[0] != '\0' ? "." : "";

	jsonfile_ptr_join(at->ptr, sizeof(at->ptr), parent->ptr, key);
	if (snprintf(at->label, sizeof(at->label), "%s%s%s", parent->label,
	    dot, key) < 0)
		at->label[0] = '\0';
}

/* Names element i of the array at parent, labelled "a[i]". */
static void
at_index(struct config_at *at, const struct config_at *parent, size_t i)
{
	jsonfile_ptr_join_index(at->ptr, sizeof(at->ptr), parent->ptr, i);
	if (snprintf(at->label, sizeof(at->label), "%s[%zu]", parent->label,
	    i) < 0)
		at->label[0] = '\0';
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

static void
type_error(struct config_load *ld, const struct config_at *at,
    const char *want, const json_t *v)
{
	jsonfile_error(ld->diag, ld->jf, at->ptr, "%s: expected %s, got %s",
	    at->label, want, type_name(v));
}

static void *
member(struct config *cfg, size_t off)
{
	return (char *)cfg + off;
}

static void
num_store(struct config *cfg, const struct config_num *n, uint64_t v)
{
	if (n->size == sizeof(uint64_t))
		*(uint64_t *)member(cfg, n->off) = v;
	else
		*(uint32_t *)member(cfg, n->off) = (uint32_t)v;
}

static void
set_num(struct config_load *ld, const struct config_num *n, json_t *v,
    const struct config_at *at)
{
	json_int_t	i;

	if (!json_is_integer(v)) {
		type_error(ld, at, "an integer", v);
		return;
	}
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i < n->min || (uint64_t)i > n->max) {
		jsonfile_error(ld->diag, ld->jf, at->ptr,
		    "%s: %" JSON_INTEGER_FORMAT " is out of range "
		    "(%" PRIu64 "..%" PRIu64 ")", at->label, i, n->min, n->max);
		return;
	}
	num_store(ld->cfg, n, (uint64_t)i);
}

/* Sets one member of an object; unknown keys are errors. */
static void
config_member(struct config_load *ld, const char *section, const char *key,
    json_t *v, const struct config_at *parent)
{
	const struct config_num	*n;
	const struct config_key	*k;
	struct config_at	 at;

	at_key(&at, parent, key);
	if ((n = num_find(section, key)) != NULL)
		set_num(ld, n, v, &at);
	else if ((k = key_find(section, key)) != NULL)
		k->set(ld, k, v, &at);
	else if (section == NULL)
		jsonfile_error(ld->diag, ld->jf, at.ptr, "unknown key \"%s\"",
		    key);
	else
		jsonfile_error(ld->diag, ld->jf, at.ptr,
		    "%s: unknown key \"%s\"", section, key);
}

static void
config_walk(struct config_load *ld, const char *section, json_t *obj,
    const struct config_at *at)
{
	const char	*key;
	json_t		*v;

	/* jansson >= 2.8 iterates in file order, so messages come in order. */
	json_object_foreach(obj, key, v)
		config_member(ld, section, key, v, at);
}

static void
set_section(struct config_load *ld, const struct config_key *k, json_t *v,
    const struct config_at *at)
{
	if (!json_is_object(v)) {
		type_error(ld, at, "an object", v);
		return;
	}
	config_walk(ld, k->key, v, at);
}

static void
set_bool(struct config_load *ld, const struct config_key *k, json_t *v,
    const struct config_at *at)
{
	if (!json_is_boolean(v)) {
		type_error(ld, at, "a boolean", v);
		return;
	}
	*(int *)member(ld->cfg, k->off) = json_is_true(v);
}

static void
set_mode(struct config_load *ld, const struct config_key *k, json_t *v,
    const struct config_at *at)
{
	const char	*s;

	(void)k;
	if (!json_is_string(v)) {
		type_error(ld, at, "a string", v);
		return;
	}
	s = json_string_value(v);
	if (strcmp(s, "enforce") == 0)
		ld->cfg->mode = CONFIG_MODE_ENFORCE;
	else if (strcmp(s, "dry-run") == 0)
		ld->cfg->mode = CONFIG_MODE_DRY_RUN;
	else
		jsonfile_error(ld->diag, ld->jf, at->ptr,
		    "%s: \"%s\" is not \"enforce\" or \"dry-run\"", at->label, s);
}

static void
set_instance(struct config_load *ld, const struct config_key *k, json_t *v,
    const struct config_at *at)
{
	const char	*s;

	(void)k;
	if (!json_is_string(v)) {
		type_error(ld, at, "a string", v);
		return;
	}
	s = json_string_value(v);
	if (!audit_instance_valid(s)) {
		jsonfile_error(ld->diag, ld->jf, at->ptr, "%s: \"%s\" is not 1 "
		    "to %d characters of [A-Za-z0-9._-]", at->label, s,
		    AUDIT_INSTANCE_MAX);
		return;
	}
	free(ld->cfg->instance);
	if ((ld->cfg->instance = strdup(s)) == NULL)
		diag_error(ld->diag, ld->jf->path, 0, 0, "out of memory");
}

static char *
xstrndup(struct config_load *ld, const char *s, size_t len)
{
	char	*p;

	if ((p = strndup(s, len)) == NULL)
		diag_error(ld->diag, ld->jf->path, 0, 0, "out of memory");
	return p;
}

/* Letters, digits, '.' and '-': a DNS name or an IPv4 address. */
static int
valid_hostname(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' &&
		    s[i] != '-')
			return 0;
	return 1;
}

static int
valid_ipv6(const char *s, size_t len)
{
	struct in6_addr	 a;
	char		 buf[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

/* A decimal port 1..65535; returns it or -1. */
static int
parse_port(const char *s, size_t len)
{
	int	port = 0;
	size_t	i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		port = port * 10 + (s[i] - '0');
	}
	return port >= 1 && port <= 65535 ? port : -1;
}

/*
 * Splits "host", "host:port", "[v6]" or "[v6]:port" (len bytes of s).
 * Sets host and hostlen (brackets removed) and port (-1 when absent,
 * 0 when present but invalid).  Returns NULL or what is wrong.
 */
static const char *
split_hostport(const char *s, size_t len, const char **host,
    size_t *hostlen, int *port)
{
	const char	*end = s + len, *colon;

	*port = -1;
	if (len > 0 && s[0] == '[') {
		if ((colon = memchr(s, ']', len)) == NULL)
			return "missing ']'";
		*host = s + 1;
		*hostlen = (size_t)(colon - s - 1);
		if (!valid_ipv6(*host, *hostlen))
			return "invalid IPv6 address";
		colon++;
		if (colon != end && *colon != ':')
			return "unexpected text after ']'";
	} else {
		if ((colon = memchr(s, ':', len)) == NULL)
			colon = end;
		*host = s;
		*hostlen = (size_t)(colon - s);
		if (colon != end &&
		    memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL)
			return "an IPv6 address needs brackets, as in [::1]:8080";
		if (*hostlen == 0)
			return "missing host";
		if (!valid_hostname(*host, *hostlen))
			return "invalid host";
	}
	if (colon != end && (*port = parse_port(colon + 1,
	    (size_t)(end - colon - 1))) == -1) {
		*port = 0;
		return "port must be a number from 1 to 65535";
	}
	return NULL;
}

static int
parse_listen(struct config_load *ld, const char *s,
    struct config_listen *l, const struct config_at *at)
{
	const char	*host, *err;
	size_t		 hostlen;
	char		 port[8];
	int		 p;

	if ((err = split_hostport(s, strlen(s), &host, &hostlen, &p)) ==
	    NULL && p == -1)
		err = "missing port";
	if (err != NULL) {
		jsonfile_error(ld->diag, ld->jf, at->ptr,
		    "%s: invalid address \"%s\": %s", at->label, s, err);
		return -1;
	}
	snprintf(port, sizeof(port), "%d", p);
	if ((l->host = xstrndup(ld, host, hostlen)) == NULL)
		return -1;
	if ((l->port = xstrndup(ld, port, strlen(port))) == NULL) {
		free(l->host);
		l->host = NULL;
		return -1;
	}
	return 0;
}

/*
 * Accepts one string or a non-empty array of strings; calls fn on each
 * with its location.  Anything else is reported here.
 */
static void
each_string(struct config_load *ld, json_t *v, const struct config_at *at,
    void (*fn)(struct config_load *, size_t, const char *,
    const struct config_at *))
{
	struct config_at	 el;
	json_t			*e;
	size_t			 i;

	if (json_is_string(v)) {
		fn(ld, 0, json_string_value(v), at);
		return;
	}
	if (!json_is_array(v)) {
		type_error(ld, at, "an array of strings", v);
		return;
	}
	if (json_array_size(v) == 0) {
		jsonfile_error(ld->diag, ld->jf, at->ptr,
		    "%s: must not be empty", at->label);
		return;
	}
	json_array_foreach(v, i, e) {
		at_index(&el, at, i);
		if (json_is_string(e))
			fn(ld, i, json_string_value(e), &el);
		else
			type_error(ld, &el, "a string", e);
	}
}

/*
 * Is host a loopback address: 127.0.0.0/8, ::1, or the name localhost?
 * Any other name may resolve anywhere, so it is not.
 */
static int
listen_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&a6);
}

/*
 * One listen entry: "host:port", or {"address": "host:port", "plaintext":
 * true}.  Plain HTTP carries tokens in clear, so on an address other
 * than loopback it must be asked for by name (docs/design.md section 5,
 * "Listeners").
 */
static void
add_listen(struct config_load *ld, json_t *e, const struct config_at *at)
{
	struct config		*cfg = ld->cfg;
	struct config_listen	*l = &cfg->listen[cfg->nlisten];
	struct config_at	 addr_at = *at, m_at;
	const char		*key, *addr = NULL;
	json_t			*m;

	if (json_is_string(e))
		addr = json_string_value(e);
	else if (!json_is_object(e)) {
		type_error(ld, at, "a string or an object", e);
		return;
	} else json_object_foreach(e, key, m) {
		at_key(&m_at, at, key);
		if (strcmp(key, "address") == 0 && json_is_string(m)) {
			addr = json_string_value(m);
			addr_at = m_at;
		} else if (strcmp(key, "plaintext") == 0 && json_is_boolean(m))
			l->plaintext = json_is_true(m);
		else if (strcmp(key, "address") == 0)
			type_error(ld, &m_at, "a string", m);
		else if (strcmp(key, "plaintext") == 0)
			type_error(ld, &m_at, "a boolean", m);
		else
			jsonfile_error(ld->diag, ld->jf, m_at.ptr,
			    "%s: unknown key \"%s\"", at->label, key);
	}
	if (addr == NULL) {
		if (json_is_object(e))
			jsonfile_error(ld->diag, ld->jf, at->ptr,
			    "%s: \"address\" is required", at->label);
		return;
	}
	if (parse_listen(ld, addr, l, &addr_at) == -1)
		return;
	cfg->nlisten++;
	if (!l->plaintext && !listen_loopback(l->host))
		jsonfile_error(ld->diag, ld->jf, addr_at.ptr, "%s: %s is not a "
		    "loopback address: plain HTTP there carries tokens in "
		    "clear; say {\"address\": \"%s\", \"plaintext\": true} "
		    "to mean it", addr_at.label, addr, addr);
}

static void
set_listen(struct config_load *ld, const struct config_key *k, json_t *v,
    const struct config_at *at)
{
	struct config_at	 el;
	size_t			 i, n = json_is_array(v) ? json_array_size(v) : 1;
	json_t			*e;

	(void)k;
	if ((ld->cfg->listen = calloc(n ? n : 1, sizeof(*ld->cfg->listen))) ==
	    NULL) {
		diag_error(ld->diag, ld->jf->path, 0, 0, "out of memory");
		return;
	}
	if (!json_is_array(v)) {
		add_listen(ld, v, at);
		return;
	}
	if (n == 0) {
		jsonfile_error(ld->diag, ld->jf, at->ptr,
		    "%s: must not be empty", at->label);
		return;
	}
	json_array_foreach(v, i, e) {
		at_index(&el, at, i);
		add_listen(ld, e, &el);
	}
}

/*
 * Makes a configured path absolute against the config file's directory.
 * Returns a new string or NULL after reporting.
 */
static char *
config_path(struct config_load *ld, const char *s,
    const struct config_at *at)
{
	char	*p;

	if (*s == '\0') {
		jsonfile_error(ld->diag, ld->jf, at->ptr,
		    "%s: must not be empty", at->label);
		return NULL;
	}
	if (*s == '/')
		p = strdup(s);
	else if (asprintf(&p, "%s/%s", ld->cfg->dir, s) == -1)
		p = NULL;
	if (p == NULL)
		diag_error(ld->diag, ld->jf->path, 0, 0, "out of memory");
	return p;
}

/* 0 if path can be opened for reading as a regular file, else an errno. */
static int
file_readable(const char *path)
{
	struct stat	st;
	int		fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno;
	if (fstat(fd, &st) == -1)
		rc = errno;
	else if (S_ISDIR(st.st_mode))
		rc = EISDIR;
	close(fd);
	return rc;
}

static void
set_path(struct config_load *ld, const struct config_key *k, json_t *v,
    const struct config_at *at)
{
	char	**dst = member(ld->cfg, k->off), *p;
	int	  err;

	if (json_is_null(v) && (k->flags & CONFIG_NULLABLE)) {
		free(*dst);
		*dst = NULL;
		return;
	}
	if (!json_is_string(v)) {
		type_error(ld, at, k->flags & CONFIG_NULLABLE ?
		    "a string or null" : "a string", v);
		return;
	}
	if ((p = config_path(ld, json_string_value(v), at)) == NULL)
		return;
	if ((k->flags & CONFIG_READABLE) && (err = file_readable(p)) != 0) {
		jsonfile_error(ld->diag, ld->jf, at->ptr,
		    "%s: cannot read %s: %s", at->label, p, strerror(err));
		free(p);
		return;
	}
	free(*dst);
	*dst = p;
}

static void
add_role(struct config_load *ld, size_t i, const char *s,
    const struct config_at *at)
{
	struct config_policy	*pol = &ld->cfg->policy;

	(void)i;
	if ((pol->roles[pol->nroles] = config_path(ld, s, at)) != NULL)
		pol->nroles++;
}

static void
set_roles(struct config_load *ld, const struct config_key *k, json_t *v,
    const struct config_at *at)
{
	struct config_policy	*pol = &ld->cfg->policy;
	size_t			 n = json_is_array(v) ? json_array_size(v) : 1;

	(void)k;
	if ((pol->roles = calloc(n ? n : 1, sizeof(*pol->roles))) == NULL) {
		diag_error(ld->diag, ld->jf->path, 0, 0, "out of memory");
		return;
	}
	each_string(ld, v, at, add_role);
}

/*
 * Checks "https://host[:port][/]" and fills scheme, host and port.
 * Returns NULL or what is wrong.  The request path is the client's, so
 * the URL may not carry one.
 */
static const char *
parse_url(const char *url, struct config_upstream *up)
{
	const char	*auth, *end, *host, *err;
	size_t		 hostlen;
	int		 port;

	if ((auth = strstr(url, "://")) == NULL)
		return "not an absolute URL";
	if ((size_t)(auth - url) != 5 || strncasecmp(url, "https", 5) != 0)
		return "upstream must use https";
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL)
		return "user information is not allowed";
	if ((err = split_hostport(auth, (size_t)(end - auth), &host,
	    &hostlen, &port)) != NULL)
		return err;
	if (*end == '/')
		end++;
	if (*end == '?')
		return "a query is not allowed";
	if (*end == '#')
		return "a fragment is not allowed";
	if (*end != '\0')
		return "a path is not allowed";
	free(up->host);
	free(up->scheme);
	up->scheme = NULL;
	if ((up->host = strndup(host, hostlen)) == NULL ||
	    (up->scheme = strdup("https")) == NULL)
		return "out of memory";
	up->port = port == -1 ? CONFIG_DEFAULT_UPSTREAM_PORT : port;
	return NULL;
}

static void
set_url(struct config_load *ld, const struct config_key *k, json_t *v,
    const struct config_at *at)
{
	struct config_upstream	*up = &ld->cfg->upstream;
	const char		*err;
	char			*url;

	(void)k;
	if (!json_is_string(v)) {
		type_error(ld, at, "a string", v);
		return;
	}
	if ((err = parse_url(json_string_value(v), up)) != NULL) {
		jsonfile_error(ld->diag, ld->jf, at->ptr, "%s: %s", at->label,
		    err);
		return;
	}
	if ((url = xstrndup(ld, json_string_value(v),
	    json_string_length(v))) == NULL)
		return;
	free(up->url);
	up->url = url;
}

/* Defaults that are not numbers: filled after the walk if still unset. */
/*
 * The host name, as far as it is a valid instance name (cut at its first
 * other character, e.g. a name's domain stays); "ldgate" when there is
 * none.  NULL only when memory ran out.
 */
static char *
config_default_instance(void)
{
	char	host[256];
	size_t	n;

	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	n = strspn(host, AUDIT_INSTANCE_CHARS);
	if (n > AUDIT_INSTANCE_MAX)
		n = AUDIT_INSTANCE_MAX;
	return n > 0 ? strndup(host, n) : strdup("ldgate");
}

static void
config_defaults(struct config_load *ld)
{
	struct config		*cfg = ld->cfg;
	struct config_at	 at = { "", "" };

	if (cfg->listen == NULL &&
	    (cfg->listen = calloc(1, sizeof(*cfg->listen))) != NULL &&
	    parse_listen(ld, CONFIG_DEFAULT_LISTEN, cfg->listen, &at) == 0)
		cfg->nlisten = 1;
	if (cfg->upstream.url == NULL) {
		if (parse_url(CONFIG_DEFAULT_UPSTREAM_URL, &cfg->upstream) !=
		    NULL ||
		    (cfg->upstream.url = strdup(CONFIG_DEFAULT_UPSTREAM_URL)) ==
		    NULL)
			diag_error(ld->diag, ld->jf->path, 0, 0,
			    "out of memory");
	}
	if (cfg->instance == NULL)
		cfg->instance = config_default_instance();
	if (cfg->audit.file == NULL)
		cfg->audit.file = config_path(ld, CONFIG_DEFAULT_AUDIT_FILE,
		    &at);
	if (cfg->audit.key_file == NULL)
		cfg->audit.key_file = config_path(ld,
		    CONFIG_DEFAULT_AUDIT_KEY_FILE, &at);
}

static void
config_require(struct config_load *ld, const char *section, const char *key)
{
	json_t	*obj = json_object_get(ld->jf->root, section);
	char	 ptr[CONFIG_PTR_MAX], sec[CONFIG_PTR_MAX];

	if (obj != NULL && json_object_get(obj, key) != NULL)
		return;
	/* A present section of the wrong type was reported already. */
	if (obj != NULL && !json_is_object(obj))
		return;
	jsonfile_ptr_join(sec, sizeof(sec), "", section);
	jsonfile_ptr_join(ptr, sizeof(ptr), sec, key);
	jsonfile_error(ld->diag, ld->jf, ptr, "%s.%s: required key is missing",
	    section, key);
}

static void
config_resolve_workers(struct config *cfg)
{
	long	n;

	if (cfg->workers != 0)
		return;
	if ((n = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		n = 1;
	cfg->workers = n > CONFIG_MAX_WORKERS ? CONFIG_MAX_WORKERS :
	    (uint32_t)n;
}

/* The absolute directory of path, which exists: it was just read. */
static char *
config_dir(const char *path)
{
	char	*copy, *dir;

	if ((copy = strdup(path)) == NULL)
		return NULL;
	dir = realpath(dirname(copy), NULL);
	free(copy);
	return dir;
}

/* A config with every numeric default and nothing else set. */
static struct config *
config_new(const char *path)
{
	struct config	*cfg;
	size_t		 i;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	if ((cfg->path = strdup(path)) == NULL) {
		free(cfg);
		return NULL;
	}
	cfg->passthrough = CONFIG_DEFAULT_PASSTHROUGH;
	cfg->mode = CONFIG_DEFAULT_MODE;
	for (i = 0; i < nitems(config_nums); i++)
		num_store(cfg, &config_nums[i], config_nums[i].def);
	return cfg;
}

static void
config_check(struct config_load *ld)
{
	struct config_at	 root = { "", "" };
	json_t			*doc = ld->jf->root;

	if (!json_is_object(doc)) {
		jsonfile_error(ld->diag, ld->jf, "",
		    "expected an object, got %s", type_name(doc));
		return;
	}
	config_walk(ld, NULL, doc, &root);
	config_require(ld, "policy", "roles");
	config_require(ld, "policy", "principals");
	config_defaults(ld);
	config_resolve_workers(ld->cfg);
}

struct config *
config_load(const char *path, struct diag *diag)
{
	struct config_load	 ld;
	size_t			 nerrors = diag->nerrors;

	memset(&ld, 0, sizeof(ld));
	ld.diag = diag;
	if ((ld.jf = jsonfile_load(path, diag)) == NULL)
		return NULL;
	if ((ld.cfg = config_new(path)) == NULL ||
	    (ld.cfg->dir = config_dir(path)) == NULL)
		diag_error(diag, path, 0, 0, "%s", strerror(errno));
	else
		config_check(&ld);
	jsonfile_free(ld.jf);
	if (diag->nerrors != nerrors) {
		config_free(ld.cfg);
		return NULL;
	}
	return ld.cfg;
}

void
config_free(struct config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nlisten; i++) {
		free(cfg->listen[i].host);
		free(cfg->listen[i].port);
	}
	free(cfg->listen);
	free(cfg->upstream.url);
	free(cfg->upstream.scheme);
	free(cfg->upstream.host);
	free(cfg->upstream.ca_file);
	for (i = 0; i < cfg->policy.nroles; i++)
		free(cfg->policy.roles[i]);
	free(cfg->policy.roles);
	free(cfg->policy.principals);
	free(cfg->policy.guardrails);
	free(cfg->audit.file);
	free(cfg->audit.key_file);
	free(cfg->instance);
	free(cfg->path);
	free(cfg->dir);
	free(cfg);
}

/* The policy files conf names, read and built (engine/policyset.h). */
struct policyset *
config_policy_load(const struct config *conf, struct diag *diag)
{
	struct jsonfile		**roles, *principals, *guardrails = NULL;
	struct policyset	 *set = NULL;
	size_t			  i, before = diag->nerrors;

	if ((roles = calloc(conf->policy.nroles, sizeof(*roles))) == NULL)
		log_fatal("calloc");
	for (i = 0; i < conf->policy.nroles; i++)
		roles[i] = jsonfile_load(conf->policy.roles[i], diag);
	principals = jsonfile_load(conf->policy.principals, diag);
	if (conf->policy.guardrails != NULL)
		guardrails = jsonfile_load(conf->policy.guardrails, diag);
	if (diag->nerrors == before)
		set = policyset_build((const struct jsonfile *const *)roles,
		    conf->policy.nroles, principals, guardrails, diag);
	for (i = 0; i < conf->policy.nroles; i++)
		jsonfile_free(roles[i]);
	free(roles);
	jsonfile_free(principals);
	jsonfile_free(guardrails);
	return set;
}

void
config_pipeline(const struct config *conf, const struct policyset *set,
    struct pipeline_conf *out)
{
	memset(out, 0, sizeof(*out));
	out->policy = set;
	out->passthrough = conf->passthrough;
	out->body_bytes = conf->limits.body_bytes;
	out->patch_ops = conf->limits.patch_ops;
	out->json_depth = conf->limits.json_depth;
}

/*
 * Keys a reload applies (docs/design.md section 5, "Signals"): what the
 * request pipeline reads.  Every other numeric key of config_nums built
 * the workers, their listeners, pools and timers, and must not change.
 */
static const char *const config_live_keys[] = { "patchOps", "jsonDepth" };

static int
config_num_live(const struct config_num *n)
{
	size_t	i;

	for (i = 0; i < sizeof(config_live_keys) / sizeof(config_live_keys[0]);
	    i++)
		if (strcmp(n->key, config_live_keys[i]) == 0)
			return 1;
	return 0;
}

static int
str_differ(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a != NULL && strcmp(a, b) != 0);
}

int
config_reload_check(const struct config *old, const struct config *new,
    char *why, size_t len)
{
	const struct config_num	*n;
	size_t			 i;

	if (old->nlisten != new->nlisten) {
		snprintf(why, len, "listen changed");
		return -1;
	}
	for (i = 0; i < old->nlisten; i++)
		if (str_differ(old->listen[i].host, new->listen[i].host) ||
		    str_differ(old->listen[i].port, new->listen[i].port) ||
		    old->listen[i].plaintext != new->listen[i].plaintext) {
			snprintf(why, len, "listen changed");
			return -1;
		}
	if (str_differ(old->upstream.url, new->upstream.url) ||
	    str_differ(old->upstream.ca_file, new->upstream.ca_file)) {
		snprintf(why, len, "upstream changed");
		return -1;
	}
	if (str_differ(old->audit.file, new->audit.file) ||
	    str_differ(old->audit.key_file, new->audit.key_file)) {
		snprintf(why, len, "audit changed");
		return -1;
	}
	if (str_differ(old->instance, new->instance)) {
		snprintf(why, len, "instance changed");
		return -1;
	}
	for (n = config_nums; n < config_nums + sizeof(config_nums) /
	    sizeof(config_nums[0]); n++)
		if (!config_num_live(n) && memcmp((const char *)old + n->off,
		    (const char *)new + n->off, n->size) != 0) {
			snprintf(why, len, "%s%s%s changed", n->section ?
			    n->section : "", n->section ? "." : "", n->key);
			return -1;
		}
	return 0;
}

void
config_audit_record(struct audit *a, const char *event,
    const struct config *conf, const struct policyset *set)
{
	json_t	*r = audit_event_new(event);

	json_object_set_new(r, "version", json_string(LDGATE_VERSION));
	json_object_set_new(r, "pid", json_integer(getpid()));
	if (conf != NULL) {
		json_object_set_new(r, "config", json_string(conf->path));
		json_object_set_new(r, "policy", json_pack("{s:s}", "sha256",
		    set->sha256));
		json_object_set_new(r, "mode", json_string(conf->mode ==
		    CONFIG_MODE_DRY_RUN ? "dry-run" : "enforce"));
	}
	if (audit_append(a, r) == -1)
		log_warnx("audit queue full: %s record lost", event);
}
