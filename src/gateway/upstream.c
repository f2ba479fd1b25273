#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>	/* ev_write: see conn_flush */
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "config.h"
#include "util/log.h"
#include "gateway/tls.h"
#include "gateway/upstream.h"

#define UPSTREAM_MAX_HEADERS	(64 * 1024)
#define UPSTREAM_RECORD_MAX	16384	/* TLS plaintext per record */

struct upconn {
	TAILQ_ENTRY(upconn)	 link;		/* idle or graveyard list */
	struct upstream		*up;
	struct evhttp_connection *evcon;	/* owns the bufferevent + SSL */
	struct bufferevent	*bev;
	struct event		*hold;		/* see conn_hold */
	struct event		*drain;		/* see conn_drain */
	struct upstream_call	*call;		/* in flight, or NULL */
	struct timeval		 idle_since;
	int			 dead;		/* closed: never reuse */
	int			 listed;	/* on idle or graveyard */
	int			 used;		/* has carried a request */
};
TAILQ_HEAD(upconn_list, upconn);

struct upstream {
	struct event_base		*base;
	const struct config_upstream	*conf;
	SSL_CTX				*ctx;
	const char			*addr;
	struct upconn_list		 idle;
	size_t				 nidle;
	struct upconn_list		 grave;		/* to free, deferred */
	struct event			*reaper;
	char				 host_header[300];
};

struct upstream_call {
	struct upstream			*up;
	struct upconn			*conn;
	struct evhttp_request		*req;	/* owned by evhttp once made */
	struct event			*deadline;
	struct event			*connect_timer;
	const struct upstream_cbs	*cbs;
	void				*arg;
	enum upstream_result		 fail;	/* why, once it failed */
	int				 sent;	/* bytes may have left */
	int				 starting;	/* in evhttp_make_request */
	int				 start_errno;	/* it failed there: why */
	int				 start_failed;
};

static void	call_finish(struct upstream_call *, enum upstream_result);

/* ------------------------------------------------------------ headers */

int
upstream_hop_header(const char *name)
{
	/* Expect is end to end, but evhttp has already answered the
	 * client's 100-continue and holds the whole body: an upstream asked
	 * again would send a second 100 the client never expects. */
	static const char *const hop[] = { "Connection", "Keep-Alive",
	    "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
	    "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
	    "Host", "Expect" };
	size_t	i;

	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (strcasecmp(name, hop[i]) == 0)
			return 1;
	return 0;
}

int
upstream_connection_named(const struct evkeyvalq *headers, const char *name)
{
	const struct evkeyval	*kv;
	const char		*p, *end;
	size_t			 len = strlen(name);

	TAILQ_FOREACH(kv, headers, next) {
		if (strcasecmp(kv->key, "Connection") != 0)
			continue;
		for (p = kv->value; *p != '\0'; p = *end ? end + 1 : end) {
			p += strspn(p, " \t");
			end = p + strcspn(p, ",");
			while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			if ((size_t)(end - p) == len && strncasecmp(p, name,
			    len) == 0)
				return 1;
			end += strcspn(end, ",");
		}
	}
	return 0;
}

/* Copies src's end-to-end headers, except those that override names. */
static void
copy_headers(struct evkeyvalq *dst, const struct evkeyvalq *src,
    const struct evkeyvalq *override)
{
	const struct evkeyval	*kv;

	TAILQ_FOREACH(kv, src, next)
		if (!upstream_hop_header(kv->key) &&
		    !upstream_connection_named(src, kv->key) &&
		    (override == NULL || evhttp_find_header(override,
		    kv->key) == NULL))
			evhttp_add_header(dst, kv->key, kv->value);
}

/* ------------------------------------------------------- connections */

static void
reap(evutil_socket_t fd, short ev, void *arg)
{
	struct upstream	*up = arg;
	struct upconn	*c;

	(void)fd;
	(void)ev;
	while ((c = TAILQ_FIRST(&up->grave)) != NULL) {
		TAILQ_REMOVE(&up->grave, c, link);
		if (c->hold != NULL) {
			event_free(c->hold);	/* before the fd closes */
			c->hold = NULL;
		}
		evhttp_connection_free(c->evcon);
		event_free(c->drain);
		free(c);
	}
}

/* Moves c to the graveyard; it is freed from the reaper event, outside
 * every evhttp callback (docs/libevent.md item 6, libevent #115). */
static void
conn_bury(struct upconn *c)
{
	struct upstream	*up = c->up;

	if (c->listed) {
		TAILQ_REMOVE(&up->idle, c, link);
		up->nidle--;
	}
	c->dead = 1;
	c->listed = 1;
	TAILQ_INSERT_TAIL(&up->grave, c, link);
	event_active(up->reaper, EV_TIMEOUT, 0);
}

/*
 * evhttp stops reading the connection at the end of each response and
 * starts again at once to notice the upstream closing it, and does the
 * same as it sends each request: both times the changelist (server.c)
 * makes a redundant epoll_ctl MOD.  The kernel's interest changes only
 * when the number of events reading an fd goes from or to zero, so this
 * second read event, which never reads, keeps it registered as it is.
 * If it fires while nothing reads (paused: upstream_pause), it deletes
 * itself rather than spin on level-triggered readiness.  It is deleted
 * before the fd is closed: conn_closed and reap.
 */
static void
conn_hold(evutil_socket_t fd, short ev, void *arg)
{
	struct upconn	*c = arg;

	(void)fd;
	(void)ev;
	if (!event_pending(&c->bev->ev_read, EV_READ, NULL))
		event_del(c->hold);
}

/* While evhttp reads the open connection: adding it costs no epoll_ctl. */
static void
conn_hold_on(struct upconn *c)
{
	evutil_socket_t	fd;

	if (c->dead)	/* its fd may be closed already */
		return;
	if (c->hold == NULL) {
		if ((fd = bufferevent_getfd(c->bev)) == -1 || (c->hold =
		    event_new(c->up->base, fd, EV_READ | EV_PERSIST, conn_hold,
		    c)) == NULL)
			return;
	}
	if (!event_pending(c->hold, EV_READ, NULL))
		event_add(c->hold, NULL);
}

/*
 * With read-ahead (conn_new), OpenSSL reads as much as its record buffer
 * holds (about 16 KiB) instead of each record's 5-byte header and then
 * the rest: one read() for a small response instead of two, about two
 * per 16 KiB for a large one.  But bufferevent_openssl 2.1 stops
 * reading when SSL_pending() is 0, and that does not count records read
 * ahead and not yet decrypted: with the socket drained, epoll would never
 * wake it for them, and the response would stall.  So after each read
 * (conn_input), and on resume, this makes it read again while OpenSSL
 * still holds bytes.  Run from an event, so after bufferevent_openssl's
 * read loop has finished.  (A partial record whose rest has not arrived
 * costs one read() that gets EAGAIN.)
 */
static void
conn_drain(evutil_socket_t fd, short ev, void *arg)
{
	struct upconn	*c = arg;
	SSL		*ssl = bufferevent_openssl_get_ssl(c->bev);

	(void)fd;
	(void)ev;
	if (ssl != NULL && SSL_has_pending(ssl) &&
	    event_pending(&c->bev->ev_read, EV_READ, NULL))
		event_active(&c->bev->ev_read, EV_READ, 0);
}

static void
conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct upconn	*c = arg;

	(void)buf;
	if (info->n_added > 0)
		event_active(c->drain, EV_TIMEOUT, 0);
}

/* evhttp calls this before it closes the fd. */
static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct upconn	*c = arg;

	(void)evcon;
	if (c->hold != NULL)
		event_del(c->hold);
	if (c->dead)
		return;
	c->dead = 1;
	if (c->call == NULL)	/* idle: a busy one is buried by its call */
		conn_bury(c);
}

static struct upconn *
conn_new(struct upstream *up)
{
	struct upconn	*c;
	SSL		*ssl;
	struct timeval	 tv;
	int		 timeout_ms = up->conf->response_timeout_ms;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->up = up;
	if ((c->drain = event_new(up->base, -1, 0, conn_drain, c)) == NULL ||
	    (ssl = tls_client_ssl_new(up->ctx, up->conf->host)) == NULL)
		goto fail;
	SSL_set_read_ahead(ssl, 1);	/* see conn_drain */
	c->bev = bufferevent_openssl_socket_new(up->base, -1, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
	/* No SSL_free on failure: libevent 2.1 frees ssl itself on every
	 * failure after its first allocation (BEV_OPT_CLOSE_ON_FREE); if that
	 * allocation fails, one SSL leaks -- better than freeing it twice. */
	if (c->bev == NULL)
		goto fail;
	c->evcon = evhttp_connection_base_bufferevent_new(up->base, NULL,
	    c->bev, up->addr, (unsigned short)up->conf->port);
	if (c->evcon == NULL) {
		bufferevent_free(c->bev);
		goto fail;
	}
	if (evbuffer_add_cb(bufferevent_get_input(c->bev), conn_input,
	    c) == NULL) {
		evhttp_connection_free(c->evcon);
		goto fail;
	}
	/* libevent's defaults are 45 s connect and 50 s I/O: bound both by
	 * the response timeout; ldgate's own timers are tighter. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evhttp_connection_set_timeout_tv(c->evcon, &tv);
	evhttp_connection_set_retries(c->evcon, 0);
	evhttp_connection_set_max_headers_size(c->evcon, UPSTREAM_MAX_HEADERS);
	evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	return c;
fail:
	if (c->drain != NULL)
		event_free(c->drain);
	free(c);
	return NULL;
}

/*
 * evhttp creates the socket inside evhttp_make_request (there is no hook
 * before): set TCP_NODELAY right after, so a request is not held back by
 * Nagle waiting on the upstream's delayed ACK.
 */
static void
conn_nodelay(struct upconn *c)
{
	evutil_socket_t	fd = bufferevent_getfd(c->bev);
	int		one = 1;

	if (fd != -1)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * Sends the request evhttp just queued on an open connection now, as one
 * TLS record where it fits in one.
 *
 * bufferevent_openssl calls SSL_write once per evbuffer chain, and evhttp
 * queues the head and the body as separate chains: two records, two
 * write()s.  Joining the first record's worth makes it one (a copy of at
 * most 16 KiB).  And bufferevent_openssl writes only once epoll reports
 * the socket writable: an epoll_ctl to ask, a loop pass, and another to
 * stop.  Activating its write event runs that same write path in this
 * pass instead; the buffer drains, the event is deleted before the
 * changelist (server.c) reaches the kernel, and neither epoll_ctl is made.
 * A full socket (EAGAIN) leaves the event pending: epoll takes over.
 *
 * Only an event that is pending (added) is activated: an event_add on an
 * active but unadded event does not register it, and the write would
 * stall.  bufferevent_struct.h is libevent's public but unstable layout.
 */
static void
conn_flush(struct upconn *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	size_t		 len = evbuffer_get_length(out);

	if (len == 0)
		return;
	evbuffer_pullup(out, len < UPSTREAM_RECORD_MAX ? (ev_ssize_t)len :
	    UPSTREAM_RECORD_MAX);
	if (event_pending(&c->bev->ev_write, EV_WRITE, NULL))
		event_active(&c->bev->ev_write, EV_WRITE, 0);
}

static long
ms_since(const struct timeval *then)
{
	struct timeval	now, d;

	gettimeofday(&now, NULL);
	timersub(&now, then, &d);
	return d.tv_sec * 1000 + d.tv_usec / 1000;
}

/* An idle connection still young enough to trust, or a new one. */
static struct upconn *
conn_get(struct upstream *up, int *fresh)
{
	struct upconn	*c;

	while ((c = TAILQ_FIRST(&up->idle)) != NULL) {
		TAILQ_REMOVE(&up->idle, c, link);
		up->nidle--;
		c->listed = 0;
		/* Our idle bound stays below the upstream's so that it does
		 * not close a connection as we write on it (docs/libevent.md
		 * item 8, libevent #1415). */
		if (ms_since(&c->idle_since) < (long)up->conf->idle_timeout_ms) {
			*fresh = 0;
			return c;
		}
		conn_bury(c);
	}
	*fresh = 1;
	return conn_new(up);
}

static void
conn_release(struct upconn *c)
{
	struct upstream	*up = c->up;

	c->call = NULL;
	/* Bytes after a complete response mean the framing is off: the
	 * connection cannot carry another request.  Records that OpenSSL
	 * read ahead count too (a close_notify among them is a close). */
	if (!c->dead && (evbuffer_get_length(bufferevent_get_input(c->bev)) >
	    0 || SSL_has_pending(bufferevent_openssl_get_ssl(c->bev))))
		c->dead = 1;
	if (c->dead || up->nidle >= up->conf->pool_size) {
		conn_bury(c);
		return;
	}
	conn_hold_on(c);
	gettimeofday(&c->idle_since, NULL);
	c->listed = 1;
	TAILQ_INSERT_HEAD(&up->idle, c, link);
	up->nidle++;
}

/* -------------------------------------------------------------- calls */

static int
req_head(struct evhttp_request *req, void *arg)
{
	struct upstream_call	*call = arg;

	if (call->connect_timer != NULL)
		event_del(call->connect_timer);
	return call->cbs->head(call->arg, evhttp_request_get_response_code(req),
	    evhttp_request_get_response_code_line(req),
	    evhttp_request_get_input_headers(req));
}

static void
req_chunk(struct evhttp_request *req, void *arg)
{
	struct upstream_call	*call = arg;

	call->cbs->data(call->arg, evhttp_request_get_input_buffer(req));
}

static void
req_error(enum evhttp_request_error err, void *arg)
{
	struct upstream_call	*call = arg;

	if (call->fail == 0)
		call->fail = err == EVREQ_HTTP_TIMEOUT ? UPSTREAM_TIMEOUT :
		    UPSTREAM_UNAVAILABLE;
}

/*
 * A connection that failed before its TLS handshake finished: say why,
 * since nothing else will (docs/design.md section 5, "Operator log"): the
 * certificate verification result and the host name checked, or OpenSSL's
 * own error.  A plain connect failure (nothing to say about TLS) is left
 * to the caller's log line.
 */
static void
conn_tls_why(const struct upconn *c)
{
	const struct upstream	*up = c->up;
	SSL			*ssl = bufferevent_openssl_get_ssl(c->bev);
	unsigned long		 e;
	long			 v;
	char			 buf[256];

	if (ssl == NULL || SSL_is_init_finished(ssl))
		return;
	if ((v = SSL_get_verify_result(ssl)) != X509_V_OK) {
		log_warnx("upstream %s port %d: TLS: certificate not accepted "
		    "for host name %s: %s", up->addr, up->conf->port,
		    up->conf->host, X509_verify_cert_error_string(v));
		return;
	}
	if ((e = bufferevent_get_openssl_error(c->bev)) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("upstream %s port %d: TLS handshake with %s failed: "
		    "%s", up->addr, up->conf->port, up->conf->host, buf);
	}
}

/* evhttp's completion callback: req is NULL when the request failed. */
static void
req_done(struct evhttp_request *req, void *arg)
{
	struct upstream_call	*call = arg;

	call->req = NULL;	/* evhttp frees it after we return */
	if (call->starting) {
		/*
		 * The request failed inside evhttp_make_request, before a byte
		 * left: a new connection whose socket() or connect() failed at
		 * once (EMFILE, EADDRNOTAVAIL, ...) is failed synchronously by
		 * libevent, through this callback.  upstream_send still holds
		 * the call and returns NULL ("no callback will follow"): ending
		 * it here would free it, and the caller's txn, under its feet.
		 */
		call->start_errno = errno;
		call->start_failed = 1;
		return;
	}
	if (req == NULL || evhttp_request_get_response_code(req) == 0) {
		conn_tls_why(call->conn);
		call->conn->dead = 1;
		call_finish(call, call->fail ? call->fail : UPSTREAM_UNAVAILABLE);
		return;
	}
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) > 0)
		call->cbs->data(call->arg, evhttp_request_get_input_buffer(req));
	call_finish(call, UPSTREAM_OK);
}

static void
call_free(struct upstream_call *call)
{
	if (call->deadline != NULL)
		event_free(call->deadline);
	if (call->connect_timer != NULL)
		event_free(call->connect_timer);
	free(call);
}

/* Ends a call: the connection goes back to the pool or to the grave. */
static void
call_finish(struct upstream_call *call, enum upstream_result result)
{
	const struct upstream_cbs	*cbs = call->cbs;
	void				*arg = call->arg;
	int				 sent = call->sent;

	if (result != UPSTREAM_OK)
		call->conn->dead = 1;
	conn_release(call->conn);
	call_free(call);
	cbs->done(arg, result, sent);
}

/* Abandons the request on its connection; no evhttp callback follows. */
static void
call_abort(struct upstream_call *call)
{
	struct evhttp_request	*req = call->req;

	call->conn->dead = 1;
	if (req != NULL) {
		/* Cancellation runs evhttp's failure path synchronously, which
		 * may call our callbacks: detach them first. */
		evhttp_request_set_header_cb(req, NULL);
		evhttp_request_set_chunked_cb(req, NULL);
		evhttp_request_set_error_cb(req, NULL);
		call->req = NULL;
		evhttp_cancel_request(req);
	}
}

static void
call_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct upstream_call	*call = arg;

	(void)fd;
	(void)ev;
	call_abort(call);
	call_finish(call, UPSTREAM_TIMEOUT);
}

static void
call_connect_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct upstream_call	*call = arg;

	(void)fd;
	(void)ev;
	call_abort(call);
	call_finish(call, UPSTREAM_UNAVAILABLE);
}

/*
 * The plaintext output buffer of a new connection drains only once the TCP
 * connect and the TLS handshake (with verification) have succeeded: until
 * then nothing of the request has left ldgate.
 */
static void
output_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct upconn	*c = arg;

	(void)buf;
	if (info->n_deleted > 0 && c->call != NULL) {
		c->call->sent = 1;
		if (c->call->connect_timer != NULL)
			event_del(c->call->connect_timer);
	}
}

static void
arm(struct event *ev, uint32_t ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_add(ev, &tv);
}

static struct evhttp_request *
call_request(struct upstream_call *call, const struct evkeyvalq *headers,
    const struct evkeyvalq *extra, struct evbuffer *body,
    enum evhttp_cmd_type method)
{
	struct evhttp_request	*req;
	struct evkeyvalq	*out;
	char			 len[32];
	size_t			 n = body ? evbuffer_get_length(body) : 0;

	if ((req = evhttp_request_new(req_done, call)) == NULL)
		return NULL;
	evhttp_request_set_header_cb(req, req_head);
	evhttp_request_set_chunked_cb(req, req_chunk);
	evhttp_request_set_error_cb(req, req_error);
	out = evhttp_request_get_output_headers(req);
	evhttp_add_header(out, "Host", call->up->host_header);
	if (headers != NULL)
		copy_headers(out, headers, extra);
	if (extra != NULL)
		copy_headers(out, extra, NULL);
	/* evhttp adds Content-Length by itself only for POST and PUT. */
	if (n > 0 || method == EVHTTP_REQ_POST || method == EVHTTP_REQ_PUT ||
	    method == EVHTTP_REQ_PATCH) {
		snprintf(len, sizeof(len), "%zu", n);
		evhttp_add_header(out, "Content-Length", len);
	}
	if (n > 0)
		evbuffer_add_buffer(evhttp_request_get_output_buffer(req), body);
	return req;
}

struct upstream_call *
upstream_send(struct upstream *up, enum evhttp_cmd_type method,
    const char *target, const struct evkeyvalq *headers,
    const struct evkeyvalq *extra, struct evbuffer *body,
    const struct upstream_cbs *cbs, void *arg)
{
	struct upstream_call	*call;
	int			 fresh, rc, why = ENOMEM;

	if ((call = calloc(1, sizeof(*call))) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	call->up = up;
	call->cbs = cbs;
	call->arg = arg;
	call->deadline = evtimer_new(up->base, call_timeout, call);
	if (call->deadline == NULL || (call->conn = conn_get(up,
	    &fresh)) == NULL) {
		call_free(call);
		errno = ENOMEM;
		return NULL;
	}
	call->conn->call = call;
	if (fresh) {
		call->connect_timer = evtimer_new(up->base, call_connect_timeout,
		    call);
		/* Without it the connect timer outlives the connect, and would
		 * abort a request the upstream may have taken. */
		if (evbuffer_add_cb(bufferevent_get_output(call->conn->bev),
		    output_drained, call->conn) == NULL)
			goto fail;
	} else
		call->sent = 1;	/* a reused connection may take it at once */
	if ((call->req = call_request(call, headers, extra, body,
	    method)) == NULL || (fresh && call->connect_timer == NULL))
		goto fail;
	/* evhttp_make_request owns req even when it fails; it may also fail
	 * the request before it returns (req_done). */
	call->starting = 1;
	rc = evhttp_make_request(call->conn->evcon, call->req, method, target);
	call->starting = 0;
	if (rc == -1 || call->start_failed) {
		if (call->start_failed)
			log_warnx("upstream %s port %d: cannot connect: %s",
			    up->addr, up->conf->port, strerror(call->start_errno));
		why = call->start_failed ? call->start_errno : EIO;
		call->req = NULL;
		goto fail;
	}
	/* A new connection sends once its TLS handshake is done. */
	if (fresh)
		conn_nodelay(call->conn);
	else
		conn_flush(call->conn);
	arm(call->deadline, up->conf->response_timeout_ms);
	if (call->connect_timer != NULL)
		arm(call->connect_timer, up->conf->connect_timeout_ms);
	return call;
fail:
	if (call->req != NULL)
		evhttp_request_free(call->req);
	call->conn->dead = 1;
	conn_release(call->conn);
	call_free(call);
	errno = why;
	return NULL;
}

void
upstream_cancel(struct upstream_call *call)
{
	call_abort(call);
	call->conn->dead = 1;
	conn_release(call->conn);
	call_free(call);
}

void
upstream_pause(struct upstream_call *call)
{
	bufferevent_disable(call->conn->bev, EV_READ);
}

void
upstream_resume(struct upstream_call *call)
{
	bufferevent_enable(call->conn->bev, EV_READ);
	conn_hold_on(call->conn);
	/* Enabling only waits for the socket: read what OpenSSL holds. */
	event_active(call->conn->drain, EV_TIMEOUT, 0);
}

/* ---------------------------------------------------------------- pool */

struct upstream *
upstream_new(struct event_base *base, const struct config_upstream *conf,
    const char *addr, SSL_CTX *ctx)
{
	struct upstream	*up;

	if ((up = calloc(1, sizeof(*up))) == NULL)
		return NULL;
	up->base = base;
	up->conf = conf;
	up->ctx = ctx;
	up->addr = addr;
	TAILQ_INIT(&up->idle);
	TAILQ_INIT(&up->grave);
	if ((up->reaper = event_new(base, -1, 0, reap, up)) == NULL) {
		free(up);
		return NULL;
	}
	if (conf->port == 443)
		snprintf(up->host_header, sizeof(up->host_header), "%s",
		    conf->host);
	else if (strchr(conf->host, ':') != NULL)
		snprintf(up->host_header, sizeof(up->host_header), "[%s]:%d",
		    conf->host, conf->port);
	else
		snprintf(up->host_header, sizeof(up->host_header), "%s:%d",
		    conf->host, conf->port);
	return up;
}

void
upstream_free(struct upstream *up)
{
	struct upconn	*c;

	if (up == NULL)
		return;
	while ((c = TAILQ_FIRST(&up->idle)) != NULL)
		conn_bury(c);
	reap(-1, 0, up);
	event_free(up->reaper);
	free(up);
}
