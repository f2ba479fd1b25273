/*
 * cmd: the subcommands of the ldgate binary (docs/design.md section 5).  Each
 * takes main's argc/argv shifted so argv[0] is the subcommand, and returns
 * the process exit status.
 */
#ifndef LDGATE_CMD_H
#define LDGATE_CMD_H

struct config;
struct policyset;

#include <stddef.h>
#include <sys/types.h>

#define EXIT_USAGE	2
#define CMD_TOKEN_MAX	8192

int	cmd_audit(int, char **);
int	cmd_check(int, char **);
int	cmd_eval(int, char **);
int	cmd_fingerprint(int, char **);
int	cmd_serve(int, char **);
int	cmd_version(int, char **);

/* Reads one token line from stdin into buf (see cmd_misc.c). */
ssize_t	cmd_read_token(const char *cmd, char *buf, size_t bufsz);

/*
 * Loads the configuration at path (NULL: the default) and the policy it
 * names, printing every error and warning to stderr.  Returns 0 with both
 * set (caller frees), or -1.
 */
int	cmd_load(const char *path, struct config **, struct policyset **);

/*
 * What `serve` needs beyond a valid configuration, checked without
 * changing anything: the upstream CA file parses; the upstream's name
 * resolves (only when addr is not NULL: its address goes there); the
 * redaction key is valid or can be created; the trail is a regular file
 * ldgate may write (not a symbolic link) or can be created.  Each problem
 * goes to report as one line (error 1, or 0 for a warning); `check` and
 * `serve` share the messages.  0, or -1 after an error.
 */
int	cmd_preflight(const struct config *, char *addr, size_t addrlen,
	    void (*report)(int error, const char *));

#endif
