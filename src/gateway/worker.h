/*
 * worker: what one worker thread of `ldgate serve` holds -- its event loop,
 * listeners, client connections, requests in progress, upstream pool --
 * and the read-only struct gateway that every worker shares
 * (docs/architecture.md, "The gateway").  Data only: client.c, txn.c and
 * server.c act on a worker, and each reaches it through this header rather
 * than through another's, so gateway/ has no include cycle.  A worker and
 * everything in it belongs to its own thread; server.c creates and frees
 * it.
 */
#ifndef LDGATE_WORKER_H
#define LDGATE_WORKER_H

#include <sys/queue.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include <openssl/ssl.h>

#include "gateway/snapshot.h"

struct audit;
struct audit_notify;
struct client;
struct config;
struct evconnlistener;
struct evhttp;
struct evhttp_connection;
struct policyset;
struct redact;
struct resolve;
struct txn;
struct upstream;

/*
 * Read-only after start-up; shared by every worker.  conf is the
 * configuration ldgate started with: a reload may not change what the
 * workers were built from (listeners, upstream, audit, connection limits),
 * only what a snapshot holds.
 */
struct gateway {
	const struct config	*conf;
	struct snapshot		*snap;		/* the first; server.c owns it */
	SSL_CTX			*tls;
	struct audit		*audit;		/* thread-safe by design */
	const struct redact	*redact;
	/* The upstream host, resolved once at start-up (as nginx does for
	 * a literal proxy_pass host), preferring IPv4. */
	char			 upstream_addr[64];
};

TAILQ_HEAD(txn_list, txn);
TAILQ_HEAD(client_list, client);

struct worker {
	unsigned		 id;
	pthread_t		 thread;
	const struct gateway	*gw;
	struct event_base	*base;
	struct evhttp		*http;
	struct upstream		*up;
	struct resolve		*resolve;
	struct audit_notify	*notify;	/* audit completions */
	struct evconnlistener	**listeners;
	size_t			 nlisteners;
	int			 accepting;	/* under limits.connections */
	int			 accept_paused;	/* accept() ran out of fds */
	int			 listening;	/* listeners enabled */
	struct event		*accept_timer;	/* ends accept_paused */
	time_t			 accept_logged;	/* last accept error logged */
	unsigned		 nconns;	/* client connections open */
	struct client_list	 clients;
	unsigned		 nfolded;	/* clients that sent obs-fold */
	struct txn_list		 txns;		/* requests in progress */
	unsigned		 ntxns;
	int			 stopping;
	struct event		*stop_ev;	/* activated by the main thread */
	struct event		*stop_timer;	/* shutdownTimeoutMs bound */
	struct event		*drain_timer;	/* waits for output to flush */
	/* Reload: new requests start under snap (a reference held); the main
	 * thread leaves a newer one in next and activates reload_ev, and
	 * the worker swaps them on its own thread. */
	struct snapshot		*snap;
	_Atomic(struct snapshot *) next;
	struct event		*reload_ev;
	/* Is a request in progress on this client connection?  txn.c's
	 * answer, set by server.c: client.c asks before a timeout closes a
	 * connection, without depending on txn.c. */
	int			(*txn_busy)(struct worker *,
				    const struct evhttp_connection *);
};

/* (Re)arms a timer ms milliseconds from now. */
static inline void
worker_timer_arm(struct event *ev, uint32_t ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_add(ev, &tv);
}

#endif
