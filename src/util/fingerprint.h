/*
 * fingerprint: how ldgate names a caller without storing its token -- the
 * SHA-256 of the Authorization header value, as "sha256:<lowercase hex>".
 */
#ifndef LDGATE_FINGERPRINT_H
#define LDGATE_FINGERPRINT_H

#include <stddef.h>

#define FINGERPRINT_LEN	(7 + 64)	/* "sha256:" + hex, without NUL */

/* Writes 64 lowercase hex digits and a NUL to out. */
void	fingerprint_sha256_hex(const void *data, size_t len, char out[65]);
/* Writes "sha256:<hex>" and a NUL to out. */
void	fingerprint(const char *token, size_t len, char out[FINGERPRINT_LEN + 1]);

#endif
