#include <sys/socket.h>

#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>

#include <unistd.h>

#include "audit/audit.h"
#include "cmd/cmd.h"
#include "config.h"
#include "util/log.h"
#include "engine/policyset.h"
#include "audit/redact.h"
#include "gateway/server.h"
#include "gateway/snapshot.h"
#include "gateway/worker.h"
#include "gateway/tls.h"

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

static void
serve_error(int error, const char *msg)
{
	(error ? log_errorx : log_warnx)("%s", msg);
}

/* Opens the trail and its redaction key; runs the gateway; closes. */
static int
serve_audited(struct gateway *gw, struct config *conf, struct policyset *set)
{
	struct redact		*redact;
	struct audit_stats	 st;
	char			 err[512];
	int			 rc;

	if ((redact = redact_open(conf->audit.key_file, 1, err,
	    sizeof(err))) == NULL) {
		log_errorx("audit key: %s", err);
		return 1;
	}
	if ((gw->audit = audit_open(conf->audit.file, conf->audit.queue_size,
	    set->sha256, conf->instance, err, sizeof(err))) == NULL) {
		log_errorx("audit trail: %s", err);
		redact_free(redact);
		return 1;
	}
	gw->redact = redact;
	config_audit_record(gw->audit, "start", NULL, NULL);
	config_audit_record(gw->audit, "config", conf, set);
	log_info("configuration %s loaded; policy sha256 %s; audit trail %s",
	    conf->path, set->sha256, conf->audit.file);
	rc = server_run(gw);
	config_audit_record(gw->audit, "stop", NULL, NULL);
	audit_close_stats(gw->audit, &st);
	gw->audit = NULL;
	log_info("audit trail: %llu records made durable in %llu group "
	    "commits (%llu us each on average); %llu records failed",
	    (unsigned long long)st.records, (unsigned long long)st.fsyncs,
	    (unsigned long long)(st.fsyncs ? st.commit_us / st.fsyncs : 0),
	    (unsigned long long)st.failed_records);
	redact_free(redact);
	return rc;
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
	/* The first snapshot owns the policy set from here on. */
	if ((gw.snap = snapshot_new(conf, set, 1)) == NULL) {
		log_errorx("out of memory");
		config_free(conf);
		return 1;
	}
	/* What `ldgate check` checks, with the same messages. */
	rc = 1;
	if (cmd_preflight(conf, gw.upstream_addr, sizeof(gw.upstream_addr),
	    serve_error) == 0) {
		if ((gw.tls = tls_client_ctx_new(conf->upstream.ca_file, err,
		    sizeof(err))) == NULL)
			log_errorx("upstream TLS: %s", err);
		else
			rc = serve_audited(&gw, conf, set);
	}
	SSL_CTX_free(gw.tls);
	snapshot_unref(gw.snap);
	config_free(conf);
	return rc;
}
