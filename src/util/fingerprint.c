#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "util/fingerprint.h"

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

/* OpenSSL 3 looks the algorithm up on every SHA256() call: fetch it once. */
static EVP_MD		*sha256_md;
static pthread_once_t	 sha256_once = PTHREAD_ONCE_INIT;

static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void
fingerprint_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	pthread_once(&sha256_once, sha256_fetch);
	if (sha256_md == NULL || EVP_Digest(data, len, md, NULL, sha256_md,
	    NULL) != 1)
		SHA256(data, len, md);	/* the slow way still works */
	hex(md, sizeof(md), out);
}

void
fingerprint(const char *token, size_t len, char out[FINGERPRINT_LEN + 1])
{
	memcpy(out, "sha256:", 7);
	fingerprint_sha256_hex(token, len, out + 7);
}
