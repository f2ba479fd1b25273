#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "cmd/cmd.h"
#include "config.h"
#include "util/diag.h"
#include "audit/redact.h"
#include "engine/policyset.h"
#include "gateway/tls.h"

int
cmd_load(const char *path, struct config **confp, struct policyset **setp)
{
	struct diag	 diag;
	struct config	*conf;
	struct policyset *set = NULL;

	memset(&diag, 0, sizeof(diag));
	conf = config_load(path ? path : CONFIG_DEFAULT_PATH, &diag);
	if (conf != NULL)
		set = config_policy_load(conf, &diag);
	diag_print(&diag, stderr);
	diag_clear(&diag);
	if (set == NULL) {
		config_free(conf);
		return -1;
	}
	*confp = conf;
	*setp = set;
	return 0;
}

/* Formats a problem and hands it to report. */
static void __attribute__((format(printf, 3, 4)))
report_f(void (*report)(int, const char *), int error, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(error, msg);
}

/* The upstream's address, once: IPv4 first, then whatever comes. */
static int
resolve_upstream(const char *host, char *out, size_t outlen, int required,
    void (*report)(int, const char *))
{
	struct addrinfo	 hints, *res, *ai, *pick = NULL;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		report_f(report, required, "upstream %s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && pick == NULL; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			pick = ai;
	if (pick == NULL)
		pick = res;
	rc = getnameinfo(pick->ai_addr, pick->ai_addrlen, out, outlen, NULL, 0,
	    NI_NUMERICHOST);
	freeaddrinfo(res);
	return rc == 0 ? 0 : -1;
}

/* Can ldgate write a new file in path's directory? */
static int
dir_writable(const char *path)
{
	char	dir[PATH_MAX];
	char	*slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return access(".", W_OK | X_OK) == 0;
	if (slash == dir)
		slash++;
	*slash = '\0';
	return access(dir, W_OK | X_OK) == 0;
}

/* The redaction key: valid if it exists, creatable if it does not. */
static int
preflight_key(const struct config *conf, void (*report)(int, const char *))
{
	struct redact	*r;
	char		 err[512];

	if (access(conf->audit.key_file, F_OK) == -1 && errno == ENOENT) {
		if (dir_writable(conf->audit.key_file))
			return 0;
		report_f(report, 1, "audit key: %s: cannot be created: %s",
		    conf->audit.key_file, strerror(errno));
		return -1;
	}
	if ((r = redact_open(conf->audit.key_file, 0, err, sizeof(err))) ==
	    NULL) {
		report_f(report, 1, "audit key: %s", err);
		return -1;
	}
	redact_free(r);
	return 0;
}

/*
 * The trail, without opening it for writing (a running ldgate holds it):
 * no symbolic link, a regular file ldgate may write, or a directory it
 * may create one in.  Messages as audit_open's.
 */
static int
preflight_trail(const struct config *conf, void (*report)(int, const char *))
{
	const char	*path = conf->audit.file;
	struct stat	 st;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT && dir_writable(path))
			return 0;
		report_f(report, 1, "audit trail: %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		report_f(report, 1, "audit trail: %s: is a symbolic link; ldgate "
		    "opens its trail only by its own name", path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		report_f(report, 1, "audit trail: %s: not a regular file", path);
		return -1;
	}
	if (access(path, R_OK | W_OK) == -1) {
		report_f(report, 1, "audit trail: %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
cmd_preflight(const struct config *conf, char *addr, size_t addrlen,
    void (*report)(int, const char *))
{
	SSL_CTX	*ctx;
	char	 err[512];
	int	 rc = 0;

	if ((ctx = tls_client_ctx_new(conf->upstream.ca_file, err,
	    sizeof(err))) == NULL) {
		report_f(report, 1, "upstream TLS: %s", err);
		rc = -1;
	}
	SSL_CTX_free(ctx);
	/*
	 * XXX Only serve resolves the upstream's name: it resolves it once,
	 * at start, and cannot run without an answer.  `check` leaves DNS
	 * alone, since where it runs (a build host, CI) may not be where
	 * ldgate runs; with issue 12's asynchronous resolution a failure
	 * becomes a warning in both.
	 */
	if (addr != NULL && resolve_upstream(conf->upstream.host, addr,
	    addrlen, 1, report) == -1)
		rc = -1;
	if (preflight_key(conf, report) == -1)
		rc = -1;
	if (preflight_trail(conf, report) == -1)
		rc = -1;
	return rc;
}

static void
check_report(int error, const char *msg)
{
	fprintf(stderr, "%s: %s\n", error ? "error" : "warning", msg);
}

static void
check_usage(FILE *f)
{
	fputs("usage: ldgate check [-c CONFIG]\n"
	    "\n"
	    "Validates the configuration file and the roles, principals and\n"
	    "guardrails it names.  Prints every problem as file:line:column:\n"
	    "message and exits 1, or prints \"configuration OK\" and exits 0.\n"
	    "\n"
	    "  -c, --config CONFIG   configuration file (default "
	    CONFIG_DEFAULT_PATH ")\n", f);
}

int
cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config		*conf;
	struct policyset	*set;
	const char		*path = NULL;
	int			 ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return 0;
		default:
			check_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "ldgate check: unexpected argument \"%s\"\n",
		    argv[optind]);
		check_usage(stderr);
		return EXIT_USAGE;
	}
	if (cmd_load(path, &conf, &set) == -1)
		return 1;
	/* What serve would refuse to start with, it refuses here too. */
	if (cmd_preflight(conf, NULL, 0, check_report) == -1) {
		policyset_free(set);
		config_free(conf);
		return 1;
	}
	printf("configuration OK\n");
	policyset_free(set);
	config_free(conf);
	return 0;
}
