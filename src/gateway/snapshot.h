/*
 * snapshot: the part of the configuration a reload (SIGHUP) may replace --
 * the policy set and what the request pipeline reads -- as one immutable,
 * reference-counted object (docs/design.md section 5, "Signals").
 *
 * Ownership: a snapshot owns its struct policyset, and copies what it
 * needs of its configuration (which the caller keeps or frees).  The
 * main thread holds one reference to the current snapshot, each worker
 * one to the snapshot it serves new requests with, and each request one
 * to the snapshot it began under, so a request in flight finishes under
 * the configuration it started with.  The last snapshot_unref(), from any
 * thread, frees it.
 */
#ifndef LDGATE_SNAPSHOT_H
#define LDGATE_SNAPSHOT_H

#include <stdatomic.h>

#include "request/pipeline.h"

struct config;
struct policyset;

struct snapshot {
	atomic_uint		 refs;
	struct policyset	*set;		/* owned */
	struct pipeline_conf	 pipeline;	/* borrows set */
	int			 dry_run;	/* mode: decide, never block */
};

/*
 * A snapshot of set and what the pipeline reads of conf, with refs
 * references.  Takes ownership of set (freed here when memory runs out:
 * NULL is returned then); conf is only read.
 */
struct snapshot	*snapshot_new(const struct config *conf,
		    struct policyset *set, unsigned refs);
/* One more reference to s; returns s. */
struct snapshot	*snapshot_ref(struct snapshot *s);
/* Drops a reference; the last one frees s.  NULL is fine. */
void		 snapshot_unref(struct snapshot *s);

#endif
