/*
 * server: `ldgate serve` -- worker threads, each with its own event loop,
 * evhttp, SO_REUSEPORT listeners and upstream pool (libevent-notes.md item
 * 9); client connection accounting and timeouts; graceful shutdown.
 * Only the immutable struct gateway is shared between threads.
 */
#ifndef LDGATE_SERVER_H
#define LDGATE_SERVER_H

#include <sys/queue.h>

#include <pthread.h>

#include <openssl/ssl.h>

struct audit;
struct audit_notify;
struct client;
struct config;
struct evhttp_connection;
struct event;
struct event_base;
struct evconnlistener;
struct evhttp;
struct policyset;
struct redact;
struct resolve;
struct txn;
struct upstream;

/* Read-only after start-up; shared by every worker. */
struct gateway {
	const struct config	*conf;
	const struct policyset	*policy;
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
	int			 accepting;	/* listeners enabled */
	unsigned		 nconns;	/* client connections open */
	struct client_list	 clients;
	unsigned		 nfolded;	/* clients that sent obs-fold */
	struct txn_list		 txns;		/* requests in progress */
	unsigned		 ntxns;
	int			 stopping;
	struct event		*stop_ev;	/* activated by the main thread */
	struct event		*stop_timer;	/* shutdownTimeoutMs bound */
	struct event		*drain_timer;	/* waits for output to flush */
};

/*
 * Runs the gateway until SIGTERM or SIGINT, then drains in-flight requests
 * within conf->shutdown_timeout_ms.  Returns the process exit status.
 */
int	server_run(const struct gateway *);

/* Did this client connection send a header with obs-fold? */
int	server_header_folded(struct worker *, const struct evhttp_connection *);

/* Called by txn.c whenever a request finishes (shutdown waits on it). */
void	server_txn_done(struct worker *);

#endif
