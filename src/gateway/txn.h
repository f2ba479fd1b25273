/*
 * txn: one client request from arrival to the last byte of its response --
 * route, patch, principal, resolve, decide, forward, relay.  A struct txn
 * owns everything created for the request and txn_free() is the only
 * function that frees it; the client request is finished with exactly one
 * evhttp_send_* (or its connection is dropped) before that.
 */
#ifndef LDGATE_TXN_H
#define LDGATE_TXN_H

struct evhttp_connection;
struct evhttp_request;
struct worker;

/* evhttp's generic callback: arg is the struct worker. */
void	txn_handle(struct evhttp_request *, void *arg);

/* Is a request in progress on this client connection? */
int	txn_busy_on(struct worker *, const struct evhttp_connection *);

/* Shutdown: abandons every request still in progress on w. */
void	txn_abort_all(struct worker *);

#endif
