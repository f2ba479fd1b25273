#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "audit/audit.h"
#include "config.h"
#include "engine/policyset.h"
#include "gateway/snapshot.h"
#include "util/diag.h"
#include "util/log.h"
#include "gateway/client.h"
#include "gateway/resolve.h"
#include "gateway/server.h"
#include "gateway/txn.h"
#include "gateway/upstream.h"
#include "gateway/worker.h"

#define LISTEN_BACKLOG	1024

static struct evhttp_bound_socket **bound;	/* per worker, per listen */

static void	worker_drain_check(evutil_socket_t, short, void *);

/* ------------------------------------------------------------ listeners */

/*
 * Binds host:port with SO_REUSEPORT so every worker has its own listener on
 * the same address and the kernel spreads connections.  *port_out gets the
 * bound port (for port 0, so later workers bind the same one).
 */
static struct evconnlistener *
listen_on(struct event_base *base, const char *host, const char *port,
    char *port_out, size_t port_len)
{
	struct addrinfo		 hints, *res;
	struct evconnlistener	*l;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 hbuf[NI_MAXHOST];
	int			 rc, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		log_errorx("listen %s:%s: %s", host, port, gai_strerror(rc));
		return NULL;
	}
	l = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT,
	    LISTEN_BACKLOG, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (l == NULL) {
		log_error("listen %s:%s", host, port);
		return NULL;
	}
	/* Accepted sockets inherit it: responses go out when written rather
	 * than waiting on Nagle and the client's delayed ACK (40 ms). */
	if (setsockopt(evconnlistener_get_fd(l), IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1)
		log_warn("listen %s:%s: TCP_NODELAY", host, port);
	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss,
	    &sslen) == 0)
		getnameinfo((struct sockaddr *)&ss, sslen, hbuf, sizeof(hbuf),
		    port_out, port_len, NI_NUMERICHOST | NI_NUMERICSERV);
	return l;
}

/*
 * SO_REUSEPORT would let a second ldgate (same user) bind the address too,
 * and the two would share its connections.  Before the first worker binds,
 * a socket without SO_REUSEPORT tries the address: taken by anyone, even
 * with SO_REUSEPORT, it fails with EADDRINUSE and ldgate does not start.
 * (Port 0 asks for a free port: nothing to test.)  0, or -1 logged.
 */
static int
listen_probe(const char *host, const char *port)
{
	struct addrinfo	 hints, *res;
	int		 fd, rc = 0, one = 1;

	if (strcmp(port, "0") == 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return 0;	/* listen_on says why */
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) != -1) {
		/* TIME_WAIT leftovers of our own last run are no owner. */
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 &&
		    errno == EADDRINUSE) {
			log_errorx("listen %s:%s: address already in use (another "
			    "ldgate, or another server, has it)", host, port);
			rc = -1;
		}
		close(fd);
	}
	freeaddrinfo(res);
	return rc;
}

static int
worker_listen(struct worker *w, char (*ports)[NI_MAXSERV])
{
	const struct config	*conf = w->gw->conf;
	size_t			 i;

	w->listeners = calloc(conf->nlisten, sizeof(*w->listeners));
	if (w->listeners == NULL)
		return -1;
	for (i = 0; i < conf->nlisten; i++) {
		if (w->id == 0 && listen_probe(conf->listen[i].host,
		    conf->listen[i].port) == -1)
			return -1;
		w->listeners[i] = listen_on(w->base, conf->listen[i].host,
		    ports[i][0] ? ports[i] : conf->listen[i].port, ports[i],
		    NI_MAXSERV);
		if (w->listeners[i] == NULL)
			return -1;
		w->nlisteners++;
		bound[w->id * conf->nlisten + i] = evhttp_bind_listener(w->http,
		    w->listeners[i]);
		if (bound[w->id * conf->nlisten + i] == NULL ||
		    client_listener_init(w, w->listeners[i]) == -1)
			return -1;
		if (w->id == 0)
			log_info("listening on %s port %s", conf->listen[i].host,
			    ports[i]);
	}
	w->accepting = w->listening = 1;
	return 0;
}

/* -------------------------------------------------------------- workers */

static void
worker_stop_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)ev;
	log_warnx("worker %u: %u request(s) still in progress after "
	    "shutdownTimeoutMs; abandoning them", w->id, w->ntxns);
	event_base_loopexit(w->base, NULL);
}

/* Stop accepting; leave once the requests in progress are done. */
static void
worker_stop(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;
	size_t		 i, n = w->gw->conf->nlisten;

	(void)fd;
	(void)ev;
	w->stopping = 1;
	for (i = 0; i < w->nlisteners; i++)
		evhttp_del_accept_socket(w->http, bound[w->id * n + i]);
	w->nlisteners = 0;
	worker_timer_arm(w->stop_timer, w->gw->conf->shutdown_timeout_ms);
	worker_drain_check(-1, 0, w);
}

/*
 * Stopping: leave once no request is in progress and every response has
 * been written out (evhttp_send_reply only queues it; freeing the
 * connections with output pending would cut the last responses short).
 */
static int
worker_drained(struct worker *w)
{
	return w->ntxns == 0 && client_all_flushed(w);
}

static void
worker_drain_check(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)ev;
	if (worker_drained(w))
		event_base_loopexit(w->base, NULL);
	else
		worker_timer_arm(w->drain_timer, 20);
}

/*
 * The main thread left a newer snapshot in w->next: new requests start
 * under it; requests in flight keep the one they hold.
 */
static void
worker_reload(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;
	struct snapshot	*s;

	(void)fd;
	(void)ev;
	if ((s = atomic_exchange(&w->next, NULL)) == NULL)
		return;
	snapshot_unref(w->snap);
	w->snap = s;
}

/*
 * With the changelist, the epoll backend folds the enable/disable churn of
 * one loop iteration into one epoll_ctl per fd (evhttp toggles read and
 * write interest around every request: 10 calls per GET without it), and
 * an event added and deleted again in the same pass costs none: what
 * client_flush and upstream.c's conn_flush rely on.
 */
static struct event_base *
worker_base_new(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

static int
worker_init(struct worker *w, const struct gateway *gw, unsigned id,
    char (*ports)[NI_MAXSERV])
{
	const struct config	*conf = gw->conf;
	struct timeval		 tv;

	w->id = id;
	w->gw = gw;
	TAILQ_INIT(&w->txns);
	TAILQ_INIT(&w->clients);
	w->snap = snapshot_ref(gw->snap);
	atomic_init(&w->next, NULL);
	if ((w->base = worker_base_new()) == NULL ||
	    (w->http = evhttp_new(w->base)) == NULL ||
	    (w->up = upstream_new(w->base, &conf->upstream, gw->upstream_addr,
	    gw->tls)) == NULL ||
	    (w->resolve = resolve_new(conf->resolve_cache_size)) == NULL ||
	    (w->notify = audit_notify_new(w->base)) == NULL ||
	    audit_notify_batch(w->notify, gw->audit) == -1 ||
	    (w->stop_ev = event_new(w->base, -1, 0, worker_stop, w)) == NULL ||
	    (w->stop_timer = evtimer_new(w->base, worker_stop_timeout,
	    w)) == NULL ||
	    (w->drain_timer = evtimer_new(w->base, worker_drain_check,
	    w)) == NULL ||
	    (w->reload_ev = event_new(w->base, -1, 0, worker_reload,
	    w)) == NULL)
		return -1;
	/* docs/libevent.md items 1 and 2: evhttp has no limits by default. */
	evhttp_set_max_headers_size(w->http, conf->limits.header_bytes);
	evhttp_set_max_body_size(w->http, (ev_ssize_t)conf->limits.body_bytes);
	evhttp_set_allowed_methods(w->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(w->http, NULL);
	evhttp_set_flags(w->http, EVHTTP_SERVER_LINGERING_CLOSE);
	tv.tv_sec = conf->limits.body_timeout_ms / 1000;
	tv.tv_usec = (conf->limits.body_timeout_ms % 1000) * 1000;
	evhttp_set_timeout_tv(w->http, &tv);	/* read/write inactivity */
	evhttp_set_bevcb(w->http, client_new, w);
	evhttp_set_gencb(w->http, txn_handle, w);
	w->txn_busy = txn_busy_on;
	return worker_listen(w, ports);
}

static void
worker_free(struct worker *w)
{
	txn_abort_all(w);
	if (w->http != NULL)
		evhttp_free(w->http);	/* closes client connections */
	if (w->notify != NULL)
		audit_notify_free(w->notify);
	upstream_free(w->up);
	resolve_free(w->resolve);
	if (w->stop_ev != NULL)
		event_free(w->stop_ev);
	if (w->stop_timer != NULL)
		event_free(w->stop_timer);
	if (w->drain_timer != NULL)
		event_free(w->drain_timer);
	if (w->reload_ev != NULL)
		event_free(w->reload_ev);
	if (w->accept_timer != NULL)
		event_free(w->accept_timer);
	snapshot_unref(atomic_exchange(&w->next, NULL));
	snapshot_unref(w->snap);
	w->snap = NULL;
	if (w->base != NULL)
		event_base_free(w->base);
	free(w->listeners);
}

static void *
worker_main(void *arg)
{
	struct worker	*w = arg;
	char		 name[16];

	/* For top -H and perf: which thread is which worker. */
	snprintf(name, sizeof(name), "ldgate-w%u", w->id);
	(void)pthread_setname_np(pthread_self(), name);
	event_base_dispatch(w->base);
	return NULL;
}

/* ----------------------------------------------------------------- main */

/*
 * SIGHUP: reads and validates the whole configuration here, off the event
 * loops, and hands it to the workers only if all of it loads and nothing
 * but what a snapshot holds has changed (docs/design.md section 5,
 * "Signals").  Otherwise every error goes to the operator log and the
 * last good configuration stays.
 */
static void
server_reload(const struct gateway *gw, struct worker *workers, unsigned n)
{
	struct diag		 diag;
	struct config		*conf;
	struct policyset	*set = NULL;
	struct snapshot		*s;
	char			 why[128];
	unsigned		 i;

	log_info("received SIGHUP; reloading %s", gw->conf->path);
	memset(&diag, 0, sizeof(diag));
	if ((conf = config_load(gw->conf->path, &diag)) != NULL)
		set = config_policy_load(conf, &diag);
	diag_print(&diag, stderr);	/* the operator log's stream */
	diag_clear(&diag);
	if (set == NULL) {
		log_warnx("reload failed: %s has errors; still serving with "
		    "the last good configuration", gw->conf->path);
		config_free(conf);
		return;
	}
	if (config_reload_check(gw->conf, conf, why, sizeof(why)) == -1) {
		log_warnx("reload refused: %s, which only a restart applies; "
		    "still serving with the last good configuration", why);
		policyset_free(set);
		config_free(conf);
		return;
	}
	if ((s = snapshot_new(conf, set, n)) == NULL) {
		log_warnx("reload failed: out of memory; still serving with the "
		    "last good configuration");
		config_free(conf);
		return;
	}
	config_audit_record(gw->audit, "config", conf, set);
	config_free(conf);
	for (i = 0; i < n; i++) {
		/* A snapshot a worker has not taken yet is superseded. */
		snapshot_unref(atomic_exchange(&workers[i].next, s));
		event_active(workers[i].reload_ev, EV_TIMEOUT, 0);
	}
	log_info("reloaded %s; policy sha256 %s", gw->conf->path,
	    s->set->sha256);
}

/* The main thread's only job once workers run: signals. */
static int
wait_for_stop(const struct gateway *gw, struct worker *workers, unsigned n)
{
	sigset_t	set;
	int		sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			return -1;
		if (sig == SIGHUP) {
			server_reload(gw, workers, n);
			continue;
		}
		if (sig == SIGUSR1) {
			/* logrotate renamed the trail: the writer reopens the
			 * path before its next batch, the chain goes on. */
			log_info("received SIGUSR1; reopening the audit trail");
			audit_reopen(gw->audit);
			continue;
		}
		log_info("received %s; stopping", sig == SIGTERM ? "SIGTERM" :
		    "SIGINT");
		return 0;
	}
}

int
server_run(const struct gateway *gw)
{
	const struct config	*conf = gw->conf;
	struct worker		*workers;
	char			(*ports)[NI_MAXSERV];
	sigset_t		 set;
	unsigned		 i, started = 0;
	int			 rc = 1;

	/* Workers inherit this mask: only the main thread takes signals. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (evthread_use_pthreads() == -1)
		log_fatalx("evthread_use_pthreads");
	workers = calloc(conf->workers, sizeof(*workers));
	ports = calloc(conf->nlisten, sizeof(*ports));
	bound = calloc((size_t)conf->workers * conf->nlisten, sizeof(*bound));
	if (workers == NULL || ports == NULL || bound == NULL)
		log_fatal("calloc");
	for (i = 0; i < conf->workers; i++)
		if (worker_init(&workers[i], gw, i, ports) == -1) {
			log_errorx("worker %u: start-up failed", i);
			goto out;
		}
	for (i = 0; i < conf->workers; i++, started++)
		if (pthread_create(&workers[i].thread, NULL, worker_main,
		    &workers[i]) != 0) {
			log_errorx("pthread_create failed");
			break;
		}
	log_info("ldgate %s serving with %u worker(s), upstream %s, mode %s",
	    LDGATE_VERSION, conf->workers, conf->upstream.url,
	    conf->mode == CONFIG_MODE_DRY_RUN ? "dry-run" : "enforce");
	if (started == conf->workers && wait_for_stop(gw, workers, started) == 0)
		rc = 0;
	for (i = 0; i < started; i++)
		event_active(workers[i].stop_ev, EV_TIMEOUT, 0);
	for (i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	log_info("stopped");
out:
	for (i = 0; i < conf->workers; i++)
		worker_free(&workers[i]);
	free(workers);
	free(ports);
	free(bound);
	bound = NULL;
	return rc;
}
