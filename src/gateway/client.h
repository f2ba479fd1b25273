/*
 * client: one client connection, for what evhttp 2.1 does not do itself --
 * count connections against limits.connections (pausing the listeners at
 * the cap), bound the keep-alive idle time and the time a request may take
 * to arrive, spot obs-fold in the raw header bytes, and write each
 * response in the loop pass that queued it.  A struct client lives from
 * client_new until evhttp frees its connection; it belongs to its worker's
 * thread and is freed by this module only.
 */
#ifndef LDGATE_CLIENT_H
#define LDGATE_CLIENT_H

struct bufferevent;
struct event_base;
struct evhttp_connection;
struct worker;

/*
 * evhttp_set_bevcb's callback (arg: the struct worker): a new client
 * connection's bufferevent, or NULL (evhttp then drops the connection).
 */
struct bufferevent	*client_new(struct event_base *, void *arg);

/* Did this client connection send a header line with obs-fold? */
int			 client_header_folded(struct worker *,
			    const struct evhttp_connection *);

/* Is every client connection's output written?  (Shutdown waits on it.) */
int			 client_all_flushed(struct worker *);

/* How long the listeners pause when accept() runs out of fds. */
#define CLIENT_ACCEPT_PAUSE_MS	100

struct evconnlistener;

/*
 * Under or at limits.connections: turns the worker's listeners on or off
 * (they stay off while paused for lack of fds or while stopping).
 */
void			 client_listeners_set(struct worker *, int on);

/*
 * Hooks a new listener of w: a failed accept() pauses, never spins.  Call
 * it from the main thread, before the workers run (it records which loop
 * is whose).  0, or -1 when memory ran out or there are too many workers.
 */
int			 client_listener_init(struct worker *,
			    struct evconnlistener *);

#endif
