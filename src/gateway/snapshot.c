#include <stdlib.h>

#include "config.h"
#include "engine/policyset.h"
#include "gateway/snapshot.h"

struct snapshot *
snapshot_new(const struct config *conf, struct policyset *set, unsigned refs)
{
	struct snapshot	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		policyset_free(set);
		return NULL;
	}
	atomic_init(&s->refs, refs);
	s->set = set;
	s->dry_run = conf->mode == CONFIG_MODE_DRY_RUN;
	config_pipeline(conf, set, &s->pipeline);
	return s;
}

struct snapshot *
snapshot_ref(struct snapshot *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
	return s;
}

void
snapshot_unref(struct snapshot *s)
{
	/* acq_rel: whoever frees sees every other holder's last use. */
	if (s == NULL || atomic_fetch_sub_explicit(&s->refs, 1,
	    memory_order_acq_rel) != 1)
		return;
	policyset_free(s->set);
	free(s);
}
