/*
 * tls: the upstream side's TLS -- one client SSL_CTX for the process
 * (verification on, TLS >= 1.2, the system store or a CA file) and a fresh
 * SSL per TCP connection with SNI and hostname verification set on it
 * (docs/libevent.md item 7: never reuse an SSL across connections).
 */
#ifndef LDGATE_TLS_H
#define LDGATE_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/*
 * Returns a client context that verifies peers against ca_file, or against
 * the system store when ca_file is NULL; NULL with a reason in err.  Shared
 * read-only by every worker (OpenSSL contexts are thread-safe once set up).
 */
SSL_CTX	*tls_client_ctx_new(const char *ca_file, char *err, size_t errlen);

/*
 * A new SSL for one connection to host: SNI and hostname (or IP address)
 * verification set.  NULL on allocation failure.  Caller owns it (normally
 * handing it to a bufferevent with BEV_OPT_CLOSE_ON_FREE).
 */
SSL	*tls_client_ssl_new(SSL_CTX *, const char *host);

#endif
