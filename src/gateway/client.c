#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_struct.h>	/* ev_write: see client_flush */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include <errno.h>

#include "config.h"
#include "gateway/client.h"
#include "gateway/worker.h"
#include "util/log.h"

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
 * (docs/libevent.md item 5), so a fold can only be seen in the raw bytes:
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

/* ---------------------------------------------------- connection limits */

/*
 * The listeners accept while the worker is under limits.connections and
 * accept() has not just run out of file descriptors.
 */
static void
listeners_apply(struct worker *w)
{
	int	on = w->accepting && !w->accept_paused && !w->stopping;
	size_t	i;

	if (w->listening == on)
		return;
	for (i = 0; i < w->nlisteners; i++)
		if (on)
			evconnlistener_enable(w->listeners[i]);
		else
			evconnlistener_disable(w->listeners[i]);
	w->listening = on;
}

void
client_listeners_set(struct worker *w, int on)
{
	w->accepting = on;
	listeners_apply(w);
}

static void
accept_resume(evutil_socket_t fd, short ev, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)ev;
	w->accept_paused = 0;
	listeners_apply(w);
}

/*
 * Which worker a listener's loop belongs to: evhttp keeps the listener's
 * callback argument for itself.  Filled by the main thread before the
 * workers run, read-only after.
 */
static struct {
	struct event_base	*base;
	struct worker		*w;
} client_loops[CONFIG_MAX_WORKERS];
static size_t	client_nloops;

static struct worker *
client_worker_of(struct event_base *base)
{
	size_t	i;

	for (i = 0; i < client_nloops; i++)
		if (client_loops[i].base == base)
			return client_loops[i].w;
	return NULL;
}

/*
 * accept() failed.  Out of file descriptors (or kernel memory), the
 * pending connection stays queued and the listener would be readable again
 * at once: libevent's own answer is to log and retry, a spin at 100 % CPU
 * writing megabytes of log a second.  Instead the listeners pause for
 * CLIENT_ACCEPT_PAUSE_MS while established connections are served and
 * close, and the log gets one line a second at most (docs/design.md
 * section 1a).
 */
static void
accept_error(struct evconnlistener *l, void *arg)
{
	struct worker	*w = NULL;
	struct timeval	 now;
	int		 err = EVUTIL_SOCKET_ERROR();

	(void)arg;	/* evhttp's, not ours: find the worker by its loop */
	w = client_worker_of(evconnlistener_get_base(l));
	if (w == NULL)
		return;
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		w->accept_paused = 1;
		listeners_apply(w);
		worker_timer_arm(w->accept_timer, CLIENT_ACCEPT_PAUSE_MS);
	}
	evutil_gettimeofday(&now, NULL);
	if (now.tv_sec != w->accept_logged) {
		w->accept_logged = now.tv_sec;
		log_warnx("worker %u: accept: %s%s (%u client connections open)",
		    w->id, evutil_socket_error_to_string(err), w->accept_paused ?
		    "; pausing new connections" : "", w->nconns);
	}
}

int
client_listener_init(struct worker *w, struct evconnlistener *l)
{
	if (client_worker_of(w->base) == NULL) {
		if (client_nloops == CONFIG_MAX_WORKERS)
			return -1;
		client_loops[client_nloops].base = w->base;
		client_loops[client_nloops++].w = w;
	}
	if (w->accept_timer == NULL && (w->accept_timer = evtimer_new(w->base,
	    accept_resume, w)) == NULL)
		return -1;
	evconnlistener_set_error_cb(l, accept_error);
	return 0;
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
		client_listeners_set(w, 1);
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
	if (c->w->txn_busy(c->w, c->evcon)) {
		worker_timer_arm(c->timer, c->w->gw->conf->limits.idle_timeout_ms);
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
		worker_timer_arm(c->timer, phase == CLIENT_IDLE ? lim->idle_timeout_ms :
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
client_header_folded(struct worker *w, const struct evhttp_connection *evcon)
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

struct bufferevent *
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
		client_listeners_set(w, 0);
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

int
client_all_flushed(struct worker *w)
{
	struct client	*c;

	TAILQ_FOREACH(c, &w->clients, link)
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
			return 0;
	return 1;
}
