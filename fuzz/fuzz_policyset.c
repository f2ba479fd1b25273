/*
 * Fuzz target for policyset_build() (src/engine/policyset.c) from role,
 * principal and guardrail documents.  Input: documents separated by a
 * line "%%" -- the principals, then the guardrails, then one or more
 * roles documents (at most 4):
 *
 *	[{"name": "ops", "tokens": [...], "roles": ["ops"]}]
 *	%%
 *	[]			(an empty part: no guardrails file)
 *	%%
 *	[{"key": "ops", "policy": [...]}]
 *
 * A part that is not JSON stops at jsonfile_load_buffer(), as a file
 * would at jsonfile_load().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/policyset.h"
#include "util/diag.h"
#include "util/jsonfile.h"
#include "fuzz.h"

#define MAX_PARTS	6
#define SEP		"\n%%\n"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonfile		*jf[MAX_PARTS] = { NULL };
	struct policyset	*set;
	struct diag		 d;
	const char		*p = (const char *)data, *q;
	const char		*end = p + size;
	size_t			 n = 0, i;
	int			 ok = 1;

	memset(&d, 0, sizeof(d));
	while (n < MAX_PARTS) {
		q = n + 1 < MAX_PARTS ? memmem(p, (size_t)(end - p), SEP,
		    strlen(SEP)) : NULL;
		if (q == NULL)
			q = end;
		/* An empty guardrails part means no guardrails file. */
		if (!(n == 1 && q == p) && (jf[n] = jsonfile_load_buffer(
		    n == 0 ? "principals.json" : n == 1 ? "guardrails.json" :
		    "roles.json", p, (size_t)(q - p), &d)) == NULL)
			ok = 0;
		n++;
		if (q == end)
			break;
		p = q + strlen(SEP);
	}
	if (ok && n >= 3) {
		set = policyset_build((const struct jsonfile *const *)jf + 2,
		    n - 2, jf[0], jf[1], &d);
		if ((set == NULL) != (d.nerrors > 0))
			abort();
		if (set != NULL) {
			for (i = 0; i < set->nprincipals; i++)
				if (policyset_by_name(set,
				    set->principals[i].name) == NULL)
					abort();
			policyset_by_fingerprint(set, "sha256:2a9f2b88c8268f198e1"
			    "6df35c5f28d26560bf11a6be9fd6b2b6bc56de601fc37");
		}
		policyset_free(set);
	}
	for (i = 0; i < n; i++)
		jsonfile_free(jf[i]);
	diag_clear(&d);
	return 0;
}
