/*
 * Fuzz target for resolve_parse_key() (src/gateway/resolve.c): the body of
 * an upstream GET, raw bytes.  The key it yields goes through the cache
 * too, and a second parse into a buffer sized by the input's length checks
 * that a key that does not fit is refused, never cut short.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/resolve.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resolve	*r;
	char		 key[512], small[16];
	size_t		 smallen = size % sizeof(small);
	const char	*got;

	if (resolve_parse_key((const char *)data, size, key, sizeof(key)) != 0)
		return 0;
	if (resolve_parse_key((const char *)data, size, small, smallen) == 0 &&
	    strcmp(small, key) != 0)
		abort();
	if ((r = resolve_new(4)) == NULL)
		return 0;
	resolve_store(r, "id", key);
	if ((got = resolve_lookup(r, "id")) == NULL || strcmp(got, key) != 0)
		abort();
	resolve_free(r);
	return 0;
}
