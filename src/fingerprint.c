#include <string.h>

#include <openssl/sha.h>

#include "fingerprint.h"

static void
hex(const unsigned char *in, size_t len, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

void
sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	hex(md, sizeof(md), out);
}

void
fingerprint(const char *token, size_t len, char out[FINGERPRINT_LEN + 1])
{
	memcpy(out, "sha256:", 7);
	sha256_hex(token, len, out + 7);
}
