#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "gateway/tls.h"

static void
ssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long	e = ERR_get_error();

	snprintf(err, errlen, "%s: %s", what, e ? ERR_reason_error_string(e) :
	    "unknown error");
	ERR_clear_error();
}

SSL_CTX *
tls_client_ctx_new(const char *ca_file, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		ssl_error(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* Read-ahead halves the reads per record, but libevent 2.1's
	 * bufferevent_openssl does not drain what OpenSSL then buffers and
	 * responses stall: upstream.c turns it on per connection, with the
	 * drain it needs (conn_drain). */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/* No session resumption: tried with a session set on each new
	 * connection, none resumed (libevent 2.1's bufferevent_openssl calls
	 * SSL_clear when evhttp sets the fd), and pooled keep-alive
	 * connections make new handshakes rare (docs/performance.md). */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	if (ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, ca_file,
	    NULL) != 1 : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		ssl_error(err, errlen, ca_file ? ca_file : "system CA store");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

SSL *
tls_client_ssl_new(SSL_CTX *ctx, const char *host)
{
	unsigned char	 addr[sizeof(struct in6_addr)];
	int		 is_ip;
	SSL		*ssl;

	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	is_ip = inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
	/* RFC 6066: no SNI for IP literals; verify the address instead. */
	/* SSL_set_tlsext_host_name() casts the const away in a macro. */
	if (!is_ip && SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME,
	    TLSEXT_NAMETYPE_host_name, (void *)(uintptr_t)host) != 1)
		goto fail;
	if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
	    host) != 1 : SSL_set1_host(ssl, host) != 1)
		goto fail;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return ssl;
fail:
	SSL_free(ssl);
	return NULL;
}
