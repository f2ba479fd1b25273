#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/log.h"
#include "gateway/resolve.h"
#include "request/access.h"

/* Direct-mapped: a collision evicts.  Keys never go stale, so an
 * eviction costs one extra GET, never a wrong answer. */
struct resolve_entry {
	char	*id;
	char	*key;
};

struct resolve {
	struct resolve_entry	*slots;
	size_t			 n;
};

static size_t
slot_of(const struct resolve *r, const char *id)
{
	uint64_t	h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 1099511628211ULL;
	return (size_t)(h % r->n);
}

struct resolve *
resolve_new(size_t capacity)
{
	struct resolve	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->n = capacity ? capacity : 1;
	if ((r->slots = calloc(r->n, sizeof(*r->slots))) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void
resolve_free(struct resolve *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->slots[i].id);
		free(r->slots[i].key);
	}
	free(r->slots);
	free(r);
}

const char *
resolve_lookup(const struct resolve *r, const char *id)
{
	const struct resolve_entry	*e = &r->slots[slot_of(r, id)];

	return e->id != NULL && strcmp(e->id, id) == 0 ? e->key : NULL;
}

void
resolve_store(struct resolve *r, const char *id, const char *key)
{
	struct resolve_entry	*e = &r->slots[slot_of(r, id)];
	char			*nid = strdup(id), *nkey = strdup(key);

	if (nid == NULL || nkey == NULL) {	/* a cache may forget */
		free(nid);
		free(nkey);
		return;
	}
	free(e->id);
	free(e->key);
	e->id = nid;
	e->key = nkey;
}

int
resolve_parse_key(const char *body, size_t len, char *out, size_t outlen)
{
	json_t		*doc;
	const char	*key;
	int		 rc = -1;

	if ((doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return -1;
	key = json_string_value(json_object_get(doc, "_integrationKey"));
	if (key != NULL && access_key_valid(key) && strlen(key) < outlen) {
		memcpy(out, key, strlen(key) + 1);
		rc = 0;
	}
	json_decref(doc);
	return rc;
}
