/*
 * server: `ldgate serve`'s threads -- one worker thread per
 * configured worker, each with its own event loop, evhttp, SO_REUSEPORT
 * listeners and upstream pool (docs/libevent.md item 9); the main thread
 * waits for signals, then stops the workers and drains them.  Only the
 * immutable struct gateway (worker.h) is shared between threads.
 */
#ifndef LDGATE_SERVER_H
#define LDGATE_SERVER_H

struct gateway;

/*
 * Runs the gateway until SIGTERM or SIGINT, then drains in-flight requests
 * within conf->shutdown_timeout_ms.  Returns the process exit status.
 */
int	server_run(const struct gateway *);

#endif
