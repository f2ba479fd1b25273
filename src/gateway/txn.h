/*
 * txn: one client request from arrival to the last byte of its response
 * (docs/architecture.md, "A request's states").  The rules that decide
 * what to do with it are request/pipeline.c's; txn.c adds what needs the
 * network and the clock: learning an integration key upstream, making the
 * decision record durable, forwarding, relaying, answering.
 *
 * A struct txn is a state machine: t->state names its next step and
 * txn_advance() is the one function that takes steps.  It owns everything
 * created for the request, and txn_free() -- the TXN_DONE step -- is the
 * only function that frees it, after the client request was finished with
 * exactly one evhttp_send_* (or its connection dropped).
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
