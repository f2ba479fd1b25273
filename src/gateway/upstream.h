/*
 * upstream: one worker's keep-alive pool of verified-TLS connections to the
 * upstream, and the requests sent over it.
 *
 * Each pooled connection is one TCP + TLS session: a fresh SSL, bufferevent
 * and evhttp_connection, discarded when it closes, never reconnected
 * (docs/libevent.md item 7).  Nothing is ever retried: a request that may
 * have reached the upstream is not sent twice.  Every call has ldgate's own
 * deadline (docs/libevent.md item 6), and connections are freed from a
 * deferred event, never inside their own callbacks.
 */
#ifndef LDGATE_UPSTREAM_H
#define LDGATE_UPSTREAM_H

#include <stddef.h>

#include <event2/http.h>
#include <openssl/ssl.h>

struct config_upstream;
struct event_base;
struct evbuffer;
struct evkeyvalq;
struct upstream;
struct upstream_call;

enum upstream_result {
	UPSTREAM_OK = 1,
	UPSTREAM_UNAVAILABLE,	/* connect, TLS or protocol failure: 502 */
	UPSTREAM_TIMEOUT	/* no complete response in time: 504 */
};

/* The caller's side of one call.  Exactly one done() ends every call. */
struct upstream_cbs {
	/* Response status and headers arrived.  Return -1 to abandon the
	 * call (done() then reports UPSTREAM_UNAVAILABLE). */
	int	(*head)(void *arg, int status, const char *reason,
		    struct evkeyvalq *headers);
	/* Body bytes: move or drain all of buf. */
	void	(*data)(void *arg, struct evbuffer *buf);
	/* The response is complete (UPSTREAM_OK) or the call failed; sent is
	 * 0 when the request certainly never left ldgate. */
	void	(*done)(void *arg, enum upstream_result, int sent);
};

/* addr: the upstream host's numeric address (TLS still names conf->host). */
struct upstream	*upstream_new(struct event_base *, const struct config_upstream *,
		    const char *addr, SSL_CTX *);
/* Frees the pool.  Calls still in flight are cancelled without callbacks. */
void		 upstream_free(struct upstream *);

/*
 * Sends method target upstream with the given headers (the client's:
 * hop-by-hop, framing and Host headers are dropped and Host is set to the
 * upstream; extra, if not NULL, is added after them and replaces the
 * client's headers of the same names) and body (moved out of body; may be
 * NULL).  Returns the call, or NULL with nothing sent (no
 * callback will follow) and errno saying why: ENOMEM, EMFILE or ENFILE
 * when ldgate itself ran out, another value when the connection failed.
 */
struct upstream_call *upstream_send(struct upstream *, enum evhttp_cmd_type,
		    const char *target, const struct evkeyvalq *headers,
		    const struct evkeyvalq *extra, struct evbuffer *body,
		    const struct upstream_cbs *, void *arg);
/* Abandons a call: no further callback, the connection is discarded. */
void		 upstream_cancel(struct upstream_call *);
/* Flow control for relaying a large body to a slow client. */
void		 upstream_pause(struct upstream_call *);
void		 upstream_resume(struct upstream_call *);

/* Is name a hop-by-hop or framing header that a proxy never copies? */
int		 upstream_hop_header(const char *name);
/* Is name listed in a Connection header's value? */
int		 upstream_connection_named(const struct evkeyvalq *, const char *name);

#endif
