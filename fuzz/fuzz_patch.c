/*
 * Fuzz target for patch_parse() (src/request/patch.c).  Input: a first
 * byte of flags -- bit 0 the target (delivery or integration), bit 1 no
 * Content-Type at all, bit 2 tight limits (4 ops, depth 4) instead of the
 * defaults -- then the Content-Type value up to the first '\n', then the
 * body, raw bytes (NULs included).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request/patch.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct patch_limits tight = { 4, 4 };
	struct patch	 p;
	const uint8_t	*nl;
	char		*ct, err[256];
	size_t		 ctlen;
	uint8_t		 flags;
	int		 rc;

	if (size < 1)
		return 0;
	flags = data[0];
	data++, size--;
	nl = memchr(data, '\n', size);
	ctlen = nl != NULL ? (size_t)(nl - data) : size;
	if ((ct = fuzz_strdup(data, ctlen)) == NULL)
		return 0;
	data += ctlen, size -= ctlen;
	if (size > 0)
		data++, size--;		/* the '\n' */
	rc = patch_parse((const char *)data, size, (flags & 2) ? NULL : ct,
	    (flags & 1) ? PATCH_TARGET_INTEGRATION : PATCH_TARGET_DELIVERY,
	    (flags & 4) ? &tight : NULL, &p, err, sizeof(err));
	/* Success and only success hands over an op array. */
	if ((rc == 0) != (p.ops != NULL))
		abort();
	if (rc != 0 && (p.comment != NULL || memchr(err, '\0', sizeof(err)) ==
	    NULL))
		abort();
	patch_clear(&p);
	free(ct);
	return 0;
}
