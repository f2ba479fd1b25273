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
#include <event2/bufferevent_struct.h>	/* ev_write: see client_flush */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "audit/audit.h"
#include "config.h"
#include "util/log.h"
#include "gateway/resolve.h"
#include "gateway/server.h"
#include "gateway/txn.h"
#include "gateway/upstream.h"

#define LISTEN_BACKLOG	1024

/*
 * One client connection, for what evhttp 2.1 does not do itself: count
 * connections against limits.connections (evhttp_set_max_connections is
 * 2.2 only), and bound the keep-alive idle time and the time a request may
 * take to arrive.
 */
enum client_phase {
	CLIENT_IDLE = 1,	/* between requests: idleTimeoutMs */
	CLIENT_READING		/* a request is arriving: headerTimeoutMs */
};

/*
 * evhttp 2.1 joins an obs-fold continuation line onto the header before it
 * (libevent-notes.md item 5), so a fold can only be seen in the raw bytes:
 * this scanner follows each request's head, line by line, up to its empty
 * line, and flags a line that starts with a space or a tab.
 */
enum head_scan {
	SCAN_FIRST = 1,		/* before the request line */
	SCAN_LINE,		/* inside a line */
	SCAN_LINE_START,	/* at the start of a header line */
	SCAN_CR,		/* "\r" at a line start: the head may end */
	SCAN_DONE		/* past the head: body or next request */
};

struct client {
	TAILQ_ENTRY(client)		 link;		/* worker's clients */
	struct worker			*w;
	struct bufferevent		*bev;
	struct evhttp_connection	*evcon;		/* once attached */
	struct event			*timer;
	struct event			*flush;		/* write in this pass */
	struct event			*hold;		/* see client_hold */
	struct evbuffer_cb_entry	*in_cb, *out_cb;
	enum client_phase		 phase;
	enum head_scan			 scan;
	int				 folded;	/* obs-fold seen */
	int				 got_input;	/* see client_hold */
	int				 interim;	/* output: a 1xx alone */
};

static struct evhttp_bound_socket **bound;	/* per worker, per listen */

static void	worker_drain_check(evutil_socket_t, short, void *);

/* ---------------------------------------------------- connection limits */

static void
listeners_set(struct worker *w, int on)
{
	size_t	i;

	if (w->accepting == on || w->stopping)
		return;
	for (i = 0; i < w->nlisteners; i++)
		if (on)
			evconnlistener_enable(w->listeners[i]);
		else
			evconnlistener_disable(w->listeners[i]);
	w->accepting = on;
}

static void
timer_arm(struct event *ev, uint32_t ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_add(ev, &tv);
}

static void
client_release(struct client *c)
{
	struct worker	*w = c->w;

	w->nconns--;
	if (c->folded)
		w->nfolded--;
	TAILQ_REMOVE(&w->clients, c, link);
	if (w->nconns < w->gw->conf->limits.connections)
		listeners_set(w, 1);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->flush != NULL)
		event_free(c->flush);
	if (c->hold != NULL)
		event_free(c->hold);
	free(c);
}

/* evhttp is freeing the connection: the only way we learn of it. */
static void
client_closed(struct evhttp_connection *evcon, void *arg)
{
	struct client	*c = arg;

	(void)evcon;
	evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->in_cb);
	evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
	client_release(c);
}

static void
client_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct client	*c = arg;

	(void)fd;
	(void)ev;
	/* A request being handled is bounded by the upstream timeouts. */
	if (txn_busy_on(c->w, c->evcon)) {
		timer_arm(c->timer, c->w->gw->conf->limits.idle_timeout_ms);
		return;
	}
	log_debug("closing client connection: %s timeout",
	    c->phase == CLIENT_IDLE ? "idle" : "request");
	evhttp_connection_free(c->evcon);	/* calls client_closed */
}

static void
client_phase(struct client *c, enum client_phase phase)
{
	const struct config_limits	*lim = &c->w->gw->conf->limits;

	c->phase = phase;
	if (c->evcon != NULL)
		timer_arm(c->timer, phase == CLIENT_IDLE ? lim->idle_timeout_ms :
		    lim->header_timeout_ms);
}

static void
scan_head(struct client *c, const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n && c->scan != SCAN_DONE; i++) {
		switch (c->scan) {
		case SCAN_FIRST:	/* RFC 9112 2.2: skip empty lines first */
			if (p[i] != '\r' && p[i] != '\n')
				c->scan = SCAN_LINE;
			break;
		case SCAN_LINE:
			if (p[i] == '\n')
				c->scan = SCAN_LINE_START;
			break;
		case SCAN_LINE_START:
			if ((p[i] == ' ' || p[i] == '\t') && !c->folded) {
				c->folded = 1;
				c->w->nfolded++;
			}
			c->scan = p[i] == '\r' ? SCAN_CR : p[i] == '\n' ?
			    SCAN_DONE : SCAN_LINE;
			break;
		case SCAN_CR:
			c->scan = p[i] == '\n' ? SCAN_DONE : SCAN_LINE;
			break;
		case SCAN_DONE:
			break;
		}
	}
}

/* Scans buf from offset on, while a request head is still arriving. */
static void
scan_buffer(struct client *c, struct evbuffer *buf, size_t offset)
{
	struct evbuffer_ptr	 ptr;
	struct evbuffer_iovec	 v[8];
	int			 i, n;

	while (c->scan != SCAN_DONE && offset < evbuffer_get_length(buf)) {
		if (evbuffer_ptr_set(buf, &ptr, offset, EVBUFFER_PTR_SET) == -1 ||
		    (n = evbuffer_peek(buf, -1, &ptr, v, 8)) <= 0)
			return;
		for (i = 0; i < n && i < 8; i++) {
			scan_head(c, v[i].iov_base, v[i].iov_len);
			offset += v[i].iov_len;
		}
	}
}

static void
client_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct client	*c = arg;

	if (info->n_added == 0)
		return;
	c->got_input = 1;
	if (c->phase == CLIENT_IDLE)
		client_phase(c, CLIENT_READING);
	scan_buffer(c, buf, evbuffer_get_length(buf) - info->n_added);
}

int
server_header_folded(struct worker *w, const struct evhttp_connection *evcon)
{
	struct client	*c;

	if (w->nfolded == 0)	/* the common case costs nothing */
		return 0;
	TAILQ_FOREACH(c, &w->clients, link)
		if (c->evcon == evcon)
			return c->folded;
	return 0;
}

/*
 * Writes a response in the loop pass that queued it.  A bufferevent
 * writes only once epoll reports the socket writable: an epoll_ctl to
 * ask, a pass, and another to stop asking, for every response.  Running
 * its write event now does the same write; when the buffer drains, the
 * event is deleted in this pass and the changelist never tells the
 * kernel.  A full socket (EAGAIN) leaves it pending for epoll.
 *
 * This runs from an event activated when output was queued, so after the
 * callback that queued it has returned and evhttp has enabled writing.  Only a pending event
 * is activated: an event_add on an active, unadded one would not register
 * it.  bufferevent_struct.h is libevent's public but unstable layout.
 */
static void
client_flush(evutil_socket_t fd, short ev, void *arg)
{
	struct client	*c = arg;

	(void)fd;
	(void)ev;
	if (event_pending(&c->bev->ev_write, EV_WRITE, NULL))
		event_active(&c->bev->ev_write, EV_WRITE, 0);
}

/*
 * evhttp stops reading a client connection while it handles a request and
 * reads again once it starts the response: an epoll_ctl DEL and an ADD
 * for every request.  The kernel's interest changes only when the number of
 * events reading an fd goes from or to zero, so this second read event on
 * the fd, which never reads, keeps the registration as it is.
 *
 * Readiness is level-triggered: if it fires while evhttp is not reading
 * (a pipelined request, the client's EOF), nothing would consume it and
 * the loop would spin.  Unless the bufferevent took input since the hold
 * last saw evhttp reading (evhttp stopped reading after it; this
 * readiness may be that input's), it deletes itself -- the DEL evhttp
 * would have made -- until the client's output drains again.  It never
 * outlives the fd: client_closed runs before evhttp closes it.
 */
static void
client_hold(evutil_socket_t fd, short ev, void *arg)
{
	struct client	*c = arg;

	(void)fd;
	(void)ev;
	if (event_pending(&c->bev->ev_read, EV_READ, NULL)) {
		c->got_input = 0;	/* evhttp reads what comes */
		return;
	}
	if (c->got_input) {
		c->got_input = 0;
		return;
	}
	event_del(c->hold);
}

/* While evhttp reads (so adding it costs no epoll_ctl). */
static void
client_hold_on(struct client *c)
{
	if (c->hold == NULL || event_pending(c->hold, EV_READ, NULL))
		return;
	c->got_input = 0;
	event_add(c->hold, NULL);
}

/* Once evhttp has set the fd.  Without it, only epoll_ctl calls are lost. */
static void
client_hold_new(struct client *c)
{
	evutil_socket_t	fd = bufferevent_getfd(c->bev);

	if (fd == -1 || (c->hold = event_new(c->w->base, fd, EV_READ |
	    EV_PERSIST, client_hold, c)) == NULL)
		return;
	client_hold_on(c);
}

/* Does buf start with an interim (1xx) status line, "HTTP/1.1 100 "? */
static int
interim_status(struct evbuffer *buf)
{
	char	line[10];

	return evbuffer_copyout(buf, line, sizeof(line)) == sizeof(line) &&
	    memcmp(line, "HTTP/1.", 7) == 0 && line[8] == ' ' &&
	    line[9] == '1';
}

/*
 * Output queued: write it in this pass.  A response fully written: the
 * connection is idle again, and whatever is already in the input buffer
 * starts the next request (evhttp reads the next one only after the
 * response).  A "100 Continue" written on its own is no response: the
 * body is still arriving, and must not be scanned as the next head.
 */
static void
client_output(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct client	*c = arg;

	if (info->n_added > 0) {
		/* Anything queued behind an interim status ends with it. */
		c->interim = info->orig_size == 0 && interim_status(buf);
		event_active(c->flush, EV_TIMEOUT, 0);
	}
	if (info->n_deleted == 0 || evbuffer_get_length(buf) > 0)
		return;
	if (c->interim) {
		c->interim = 0;
		return;
	}
	client_phase(c, CLIENT_IDLE);
	client_hold_on(c);
	c->scan = SCAN_FIRST;
	scan_buffer(c, bufferevent_get_input(c->bev), 0);
}

/*
 * Runs once evhttp has wrapped the bufferevent in a connection (it sets
 * itself as the callbacks' argument).  If the connection is already gone,
 * the callbacks were cleared by bufferevent_free(); our reference kept
 * the bufferevent valid until now.
 */
static void
client_attach(evutil_socket_t fd, short ev, void *arg)
{
	struct client	*c = arg;
	void		*cbarg = NULL;

	(void)fd;
	(void)ev;
	bufferevent_getcb(c->bev, NULL, NULL, NULL, &cbarg);
	if (cbarg == NULL) {
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev), c->in_cb);
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev),
		    c->out_cb);
		bufferevent_decref(c->bev);
		client_release(c);
		return;
	}
	bufferevent_decref(c->bev);
	c->evcon = cbarg;
	evhttp_connection_set_closecb(c->evcon, client_closed, c);
	client_phase(c, c->phase);
	client_hold_new(c);
}

static struct bufferevent *
client_new(struct event_base *base, void *arg)
{
	struct worker		*w = arg;
	struct client		*c;
	struct timeval		 now = { 0, 0 };

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->w = w;
	c->phase = CLIENT_IDLE;
	c->scan = SCAN_FIRST;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(base, client_timeout, c);
	c->flush = event_new(base, -1, 0, client_flush, c);
	if (c->bev == NULL || c->timer == NULL || c->flush == NULL)
		goto fail;
	c->in_cb = evbuffer_add_cb(bufferevent_get_input(c->bev), client_input,
	    c);
	c->out_cb = evbuffer_add_cb(bufferevent_get_output(c->bev),
	    client_output, c);
	if (c->in_cb == NULL || c->out_cb == NULL ||
	    event_base_once(base, -1, EV_TIMEOUT, client_attach, c, &now) == -1)
		goto fail;
	bufferevent_incref(c->bev);
	TAILQ_INSERT_TAIL(&w->clients, c, link);
	if (++w->nconns >= w->gw->conf->limits.connections)
		listeners_set(w, 0);
	return c->bev;
fail:
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->flush != NULL)
		event_free(c->flush);
	if (c->bev != NULL)
		bufferevent_free(c->bev);
	free(c);
	return NULL;
}

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
		log_warnx("listen %s:%s: %s", host, port, gai_strerror(rc));
		return NULL;
	}
	l = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE | LEV_OPT_REUSEABLE_PORT,
	    LISTEN_BACKLOG, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (l == NULL) {
		log_warn("listen %s:%s", host, port);
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

static int
worker_listen(struct worker *w, char (*ports)[NI_MAXSERV])
{
	const struct config	*conf = w->gw->conf;
	size_t			 i;

	w->listeners = calloc(conf->nlisten, sizeof(*w->listeners));
	if (w->listeners == NULL)
		return -1;
	for (i = 0; i < conf->nlisten; i++) {
		w->listeners[i] = listen_on(w->base, conf->listen[i].host,
		    ports[i][0] ? ports[i] : conf->listen[i].port, ports[i],
		    NI_MAXSERV);
		if (w->listeners[i] == NULL)
			return -1;
		w->nlisteners++;
		bound[w->id * conf->nlisten + i] = evhttp_bind_listener(w->http,
		    w->listeners[i]);
		if (bound[w->id * conf->nlisten + i] == NULL)
			return -1;
		if (w->id == 0)
			log_info("listening on %s port %s", conf->listen[i].host,
			    ports[i]);
	}
	w->accepting = 1;
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
	timer_arm(w->stop_timer, w->gw->conf->shutdown_timeout_ms);
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
	struct client	*c;

	if (w->ntxns > 0)
		return 0;
	TAILQ_FOREACH(c, &w->clients, link)
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			return 0;
	return 1;
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
		timer_arm(w->drain_timer, 20);
}

void
server_txn_done(struct worker *w)
{
	if (w->stopping && w->ntxns == 0)
		timer_arm(w->drain_timer, 0);
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
	    w)) == NULL)
		return -1;
	/* libevent-notes.md item 1: evhttp has no limits by default. */
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

/* The main thread's only job once workers run: signals. */
static int
wait_for_stop(const struct gateway *gw)
{
	sigset_t	set;
	int		sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			return -1;
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
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (evthread_use_pthreads() == -1)
		fatalx("evthread_use_pthreads");
	workers = calloc(conf->workers, sizeof(*workers));
	ports = calloc(conf->nlisten, sizeof(*ports));
	bound = calloc((size_t)conf->workers * conf->nlisten, sizeof(*bound));
	if (workers == NULL || ports == NULL || bound == NULL)
		fatal("calloc");
	for (i = 0; i < conf->workers; i++)
		if (worker_init(&workers[i], gw, i, ports) == -1) {
			log_warnx("worker %u: start-up failed", i);
			goto out;
		}
	for (i = 0; i < conf->workers; i++, started++)
		if (pthread_create(&workers[i].thread, NULL, worker_main,
		    &workers[i]) != 0) {
			log_warnx("pthread_create failed");
			break;
		}
	log_info("ldgate %s serving with %u worker(s), upstream %s, mode %s",
	    LDGATE_VERSION, conf->workers, conf->upstream.url,
	    conf->mode == CONFIG_MODE_DRY_RUN ? "dry-run" : "enforce");
	if (started == conf->workers && wait_for_stop(gw) == 0)
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
