/*
 * bench_audit: what the durable decision record costs.  CLIENTS closed-loop
 * clients on one event loop (as on a gateway worker) each submit a
 * decision-sized record, wait until the writer thread reports it durable
 * (group commit: one write + one fdatasync per batch), and submit the
 * next.  Reports committed records per second, records per fsync, and the
 * p50/p99 of the submit-to-durable wait -- the latency the trail adds to
 * an intercepted PATCH before it is forwarded.
 *
 *   bench/bench_audit DIR [SECONDS] [CLIENTS...]     (default 3 s; 1 16 128)
 *
 * DIR must be on the filesystem the trail would use: the figures are the
 * disk's.  One JSON line per client count.
 */
#include <sys/time.h>

#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <jansson.h>

#include "audit/audit.h"
#include "config.h"

#define MAX_SAMPLES	(4 * 1024 * 1024)

struct run {
	struct audit		*audit;
	struct audit_notify	*notify;
	struct event_base	*base;
	char			*proto_text;	/* a decision-sized record, */
	size_t			 proto_len;	/* as audit_submit_text takes it */
	long long		 deadline;
	long long		*lat;
	size_t			 nlat;
	unsigned		 inflight;
	unsigned long		 failed;
};

struct client {
	struct run	*run;
	long long	 sent;
};

static long long
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void	submit(struct client *);

static void
durable(struct audit_rec *rec, int ok, void *arg)
{
	struct client	*c = arg;
	struct run	*r = c->run;

	(void)rec;
	r->inflight--;
	if (!ok)
		r->failed++;
	else if (r->nlat < MAX_SAMPLES)
		r->lat[r->nlat++] = now_ns() - c->sent;
	if (now_ns() < r->deadline)
		submit(c);
	else if (r->inflight == 0)
		event_base_loopbreak(r->base);
}

static void
submit(struct client *c)
{
	struct run	*r = c->run;

	c->sent = now_ns();
	/* As the gateway queues a decision: text made on the worker. */
	if (audit_submit_text(r->audit, r->notify, strdup(r->proto_text),
	    r->proto_len, durable, c) == NULL) {
		fprintf(stderr, "audit queue full\n");
		exit(1);
	}
	r->inflight++;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long	x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * Roughly a real decision record: the fields and sizes the gateway writes,
 * as text without its closing brace (malloc'd), its length in *len.
 */
static char *
proto_record(size_t *len)
{
	static const char rec[] = "{\"_id\":\"6b014210e539992591b87fbc\",\"date\":1795244561021,"
	    "\"event\":\"decision\",\"kind\":\"integration\",\"principal\":"
	    "\"checkout-team\",\"token\":{\"fingerprint\":\"sha256:13911ebddefaaab6dd4"
	    "f4dad13cfea5c1444efa4e53f18529d5a25aee46b2d5d\",\"ending\":\"oken\"},"
	    "\"client\":\"127.0.0.1:59794\",\"http\":{\"method\":\"PATCH\",\"path\":"
	    "\"/api/v2/integration-configurations/65a1f0c2e4b0a1b2c3d4e5f6\","
	    "\"ldApiVersion\":null},\"accesses\":[{\"action\":\"updateConfiguration\","
	    "\"resource\":\"integration/datadog/65a1f0c2e4b0a1b2c3d4e5f6\"}],"
	    "\"comment\":\"rotate\",\"delta\":[{\"op\":\"replace\",\"path\":"
	    "\"/configValues/apiKey\",\"value\":\"hmac-sha256:b41abf5abf26276bb122e5"
	    "69ce7d2d5ef914c951e95535aa295457ced3b75d36\"}],\"decision\":\"allow\","
	    "\"mode\":\"enforce\",\"reason\":{\"allowed\":[{\"action\":"
	    "\"updateConfiguration\",\"resource\":\"integration/datadog/65a1f0c2e4b0"
	    "a1b2c3d4e5f6\",\"reason\":{\"effect\":\"allow\",\"resources\":["
	    "\"integration/datadog\"],\"actions\":[\"*\"],\"role_name\":\"Datadog "
	    "owner\",\"role_key\":\"datadog-owner\"}}],\"denied\":[]},\"policy\":"
	    "{\"sha256\":\"a4d9322d37fcc28a979eea012f5a6342f42adea2a63c965c7aff4817"
	    "891ae6df\"}}";

	*len = sizeof(rec) - 2;		/* without the NUL and the '}' */
	return strndup(rec, *len);
}

static void
tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
}

static void
bench(const char *dir, int seconds, unsigned nclients)
{
	struct config_audit	 conf;
	struct audit_stats	 before, after;
	struct client		*clients;
	struct run		 r;
	struct event		*keepalive;
	struct timeval		 second = { 1, 0 };
	char			 path[4096], err[512];
	long long		 t0, elapsed;
	unsigned		 i;

	memset(&conf, 0, sizeof(conf));
	snprintf(path, sizeof(path), "%s/bench-audit-%u.log", dir, nclients);
	unlink(path);
	conf.file = path;
	conf.commit_timeout_ms = 10000;
	conf.queue_size = 65536;
	memset(&r, 0, sizeof(r));
	if ((r.audit = audit_open(conf.file, conf.queue_size, "0", NULL, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "audit_open: %s\n", err);
		exit(1);
	}
	r.base = event_base_new();
	r.notify = audit_notify_new(r.base);
	r.proto_text = proto_record(&r.proto_len);
	r.lat = calloc(MAX_SAMPLES, sizeof(*r.lat));
	clients = calloc(nclients, sizeof(*clients));
	if (r.lat == NULL || clients == NULL || r.proto_text == NULL)
		exit(1);
	/* Completions arrive by event_active on an event that is never
	 * added: keep the loop from returning with "nothing pending". */
	keepalive = event_new(r.base, -1, EV_PERSIST, tick, NULL);
	event_add(keepalive, &second);
	audit_stats(r.audit, &before);
	t0 = now_ns();
	r.deadline = t0 + seconds * 1000000000LL;
	for (i = 0; i < nclients; i++) {
		clients[i].run = &r;
		submit(&clients[i]);
	}
	event_base_dispatch(r.base);
	elapsed = now_ns() - t0;
	event_free(keepalive);
	audit_stats(r.audit, &after);
	qsort(r.lat, r.nlat, sizeof(*r.lat), cmp_ll);
	printf("{\"clients\": %u, \"records\": %zu, \"recordsPerSecond\": %.0f, "
	    "\"recordsPerFsync\": %.1f, \"p50Us\": %.0f, \"p99Us\": %.0f, "
	    "\"failed\": %lu}\n", nclients, r.nlat, r.nlat * 1e9 / elapsed,
	    (double)(after.records - before.records) /
	    (double)(after.fsyncs - before.fsyncs ? after.fsyncs - before.fsyncs : 1),
	    r.nlat ? r.lat[r.nlat / 2] / 1e3 : 0.0,
	    r.nlat ? r.lat[r.nlat * 99 / 100] / 1e3 : 0.0, r.failed);
	fflush(stdout);
	audit_notify_free(r.notify);
	audit_close_stats(r.audit, NULL);
	event_base_free(r.base);
	free(r.proto_text);
	free(r.lat);
	free(clients);
	unlink(path);
}

int
main(int argc, char **argv)
{
	static const unsigned	 defaults[] = { 1, 16, 128 };
	int			 seconds, i;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_audit DIR [SECONDS] [CLIENTS...]\n");
		return 2;
	}
	evthread_use_pthreads();
	seconds = argc > 2 ? atoi(argv[2]) : 3;
	if (argc > 3)
		for (i = 3; i < argc; i++)
			bench(argv[1], seconds, (unsigned)atoi(argv[i]));
	else
		for (i = 0; i < 3; i++)
			bench(argv[1], seconds, defaults[i]);
	return 0;
}
