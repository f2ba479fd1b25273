#include <sys/socket.h>

#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "policyset.h"
#include "server.h"
#include "tls.h"

static void
serve_usage(FILE *f)
{
	fputs("usage: ldgate serve [-c CONFIG] [-v]\n"
	    "\n"
	    "Runs the gateway in the foreground; the operator log goes to\n"
	    "stderr.  SIGTERM or SIGINT stops accepting, lets requests in\n"
	    "progress finish within shutdownTimeoutMs, and exits 0.\n"
	    "\n"
	    "  -c, --config CONFIG   configuration file (default "
	    CONFIG_DEFAULT_PATH ")\n"
	    "  -v, --verbose         debug messages too\n", f);
}

/* The upstream's address, once: IPv4 first, then whatever comes. */
static int
resolve_upstream(const char *host, char *out, size_t outlen)
{
	struct addrinfo	 hints, *res, *ai, *pick = NULL;
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, NULL, &hints, &res)) != 0) {
		log_warnx("upstream %s: %s", host, gai_strerror(rc));
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

int
cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct config		*conf;
	struct policyset	*set;
	struct gateway		 gw;
	const char		*path = NULL;
	char			 err[256];
	int			 ch, verbose = 0, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			serve_usage(stdout);
			return 0;
		default:
			serve_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		serve_usage(stderr);
		return EXIT_USAGE;
	}
	log_init("ldgate", verbose);
	if (cmd_load(path, &conf, &set) == -1)
		return 1;
	memset(&gw, 0, sizeof(gw));
	gw.conf = conf;
	gw.policy = set;
	rc = 1;
	if ((gw.tls = tls_client_ctx_new(conf->upstream.ca_file, err,
	    sizeof(err))) == NULL)
		log_warnx("upstream TLS: %s", err);
	else if (resolve_upstream(conf->upstream.host, gw.upstream_addr,
	    sizeof(gw.upstream_addr)) == 0) {
		log_info("configuration %s loaded; policy sha256 %s", conf->path,
		    set->sha256);
		rc = server_run(&gw);
	}
	SSL_CTX_free(gw.tls);
	policyset_free(set);
	config_free(conf);
	return rc;
}
