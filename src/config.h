/*
 * config: the ldgate configuration file (docs/design.md section 5).
 *
 * Parsed into a fresh struct config, validated whole, and only then handed
 * to the caller; the gateway shares it read-only between worker threads.
 * Policy files are named here but loaded by policyset.c.
 */
#ifndef LDGATE_CONFIG_H
#define LDGATE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "util/diag.h"

struct audit;
struct pipeline_conf;
struct policyset;

#define CONFIG_DEFAULT_PATH	"/etc/ldgate/ldgate.json"

/*
 * Defaults, each overridable by the key named beside it.  Bounds live in
 * config.c's table beside these; docs/configuration.md lists both.
 */
#define CONFIG_DEFAULT_LISTEN			"127.0.0.1:8080" /* listen */
#define CONFIG_DEFAULT_WORKERS			0	/* workers: online CPUs */
#define CONFIG_MAX_WORKERS			256
#define CONFIG_DEFAULT_PASSTHROUGH		1	/* passthrough */
#define CONFIG_DEFAULT_MODE			CONFIG_MODE_ENFORCE /* mode */
#define CONFIG_DEFAULT_SHUTDOWN_TIMEOUT_MS	10000	/* shutdownTimeoutMs */
#define CONFIG_DEFAULT_UPSTREAM_URL		"https://app.launchdarkly.com"
#define CONFIG_DEFAULT_UPSTREAM_PORT		443
#define CONFIG_DEFAULT_CONNECT_TIMEOUT_MS	5000	/* upstream. */
#define CONFIG_DEFAULT_RESPONSE_TIMEOUT_MS	30000
#define CONFIG_DEFAULT_UPSTREAM_IDLE_TIMEOUT_MS	30000
#define CONFIG_DEFAULT_POOL_SIZE		64
#define CONFIG_DEFAULT_RESOLVE_CACHE_SIZE	10000	/* resolve.cacheSize */
#define CONFIG_DEFAULT_AUDIT_FILE		"audit.log" /* audit. */
#define CONFIG_DEFAULT_AUDIT_KEY_FILE		"audit.key"
#define CONFIG_DEFAULT_COMMIT_TIMEOUT_MS	1000
#define CONFIG_DEFAULT_QUEUE_SIZE		4096
#define CONFIG_DEFAULT_BODY_BYTES		1048576	/* limits. */
#define CONFIG_DEFAULT_HEADER_BYTES		16384
#define CONFIG_DEFAULT_PATCH_OPS		100
#define CONFIG_DEFAULT_JSON_DEPTH		32
#define CONFIG_DEFAULT_HEADER_TIMEOUT_MS	10000
#define CONFIG_DEFAULT_BODY_TIMEOUT_MS		30000
#define CONFIG_DEFAULT_IDLE_TIMEOUT_MS		60000
#define CONFIG_DEFAULT_CONNECTIONS		1024

enum config_mode {
	CONFIG_MODE_ENFORCE = 1,
	CONFIG_MODE_DRY_RUN
};

struct config_listen {
	char		*host;		/* numeric address or name, owned */
	char		*port;		/* decimal string, owned */
	int		 plaintext;	/* plain HTTP off loopback, asked for */
};

struct config_upstream {
	char		*url;		/* as given, owned */
	char		*scheme;	/* always "https" after validation */
	char		*host;		/* owned, IPv6 without brackets; used for
					   SNI and verification */
	int		 port;
	char		*ca_file;	/* absolute path or NULL = system store */
	uint32_t	 connect_timeout_ms;
	uint32_t	 response_timeout_ms;
	uint32_t	 idle_timeout_ms;	/* pooled connection reuse bound */
	uint32_t	 pool_size;		/* idle connections kept per worker */
};

struct config_policy {
	char		**roles;	/* absolute paths, owned; nroles >= 1 */
	size_t		  nroles;
	char		 *principals;	/* absolute path, owned */
	char		 *guardrails;	/* absolute path or NULL */
};

struct config_audit {
	char		*file;		/* absolute path, owned */
	char		*key_file;	/* absolute path, owned */
	uint32_t	 commit_timeout_ms;
	uint32_t	 queue_size;
};

struct config_limits {
	uint64_t	 body_bytes;
	uint32_t	 header_bytes;
	uint32_t	 patch_ops;
	uint32_t	 json_depth;
	uint32_t	 header_timeout_ms;
	uint32_t	 body_timeout_ms;
	uint32_t	 idle_timeout_ms;
	uint32_t	 connections;	/* per worker */
};

struct config {
	char			*path;		/* the file loaded, owned */
	char			*instance;	/* names this ldgate in its
						   trail, owned */
	char			*dir;		/* its directory, owned */
	struct config_listen	*listen;
	size_t			 nlisten;
	uint32_t		 workers;	/* resolved: never 0 */
	int			 passthrough;
	enum config_mode	 mode;
	uint32_t		 shutdown_timeout_ms;
	uint32_t		 resolve_cache_size;
	struct config_upstream	 upstream;
	struct config_policy	 policy;
	struct config_audit	 audit;
	struct config_limits	 limits;
};

/*
 * Loads and validates path.  Every problem goes to diag as a located error;
 * returns NULL if there was any.  The caller frees the result with
 * config_free().
 */
struct config	*config_load(const char *path, struct diag *);
void		 config_free(struct config *);

/*
 * Reads the policy files conf names and builds them into a policy set.
 * Every problem goes to diag; returns NULL if there was an error.  The
 * caller frees the result with policyset_free().
 */
struct policyset	*config_policy_load(const struct config *, struct diag *);

/*
 * What the request pipeline reads of conf and its policy set, filled into
 * *out: the one mapping `serve` and `eval` share.  out borrows set.
 */
void		 config_pipeline(const struct config *, const struct policyset *set,
		    struct pipeline_conf *out);

/*
 * Can a running gateway started with old take new on a reload?  Only the
 * policy files and what the request pipeline reads (passthrough, mode,
 * limits.patchOps, limits.jsonDepth) may differ.  0, or -1 with the first
 * key that differs in why ("listen changed").
 */
int		 config_reload_check(const struct config *old,
		    const struct config *new, char *why, size_t len);

/*
 * Appends a start, config or stop record to the trail: ldgate's version
 * and pid, and for a config record (conf and set not NULL) the file, the
 * policy's sha256 and the mode.
 */
void		 config_audit_record(struct audit *, const char *event,
		    const struct config *conf, const struct policyset *set);

#endif
