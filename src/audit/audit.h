/*
 * audit: the audit trail (docs/design.md sections 6 and 8) -- one file of JSON
 * lines, hash-chained, appended by one writer thread that commits in
 * groups: every record queued while it writes goes out with the next
 * write() and one fdatasync().  Event loops never touch the disk: they
 * queue a record and hear back, on their own loop, whether it is durable.
 *
 * Threads: audit_open, audit_reopen, audit_stats and audit_close_stats are for
 * the main thread; audit_submit, audit_append and audit_event_new for any
 * thread; an audit_notify and the records submitted through it belong to
 * the thread running its event_base.
 */
#ifndef LDGATE_AUDIT_H
#define LDGATE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct event_base;

#define AUDIT_ID_LEN	24	/* hex digits of an _id */
#define AUDIT_HASH_LEN	64	/* hex digits of prev */
#define AUDIT_INSTANCE_MAX 64	/* an instance name's characters */
#define AUDIT_INSTANCE_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

struct audit;		/* the open trail and its writer thread */
struct audit_notify;	/* one per event loop: where completions arrive */
struct audit_rec;	/* a submitted record, until done() or detach */

/*
 * Called on the notify's event loop once rec was written and fsync'd
 * (durable = 1) or its batch failed (durable = 0: the request it belongs to
 * must be refused).  rec is freed when this returns.
 */
typedef void (*audit_done_fn)(struct audit_rec *rec, int durable, void *arg);

struct audit_stats {
	uint64_t	records;	/* lines made durable */
	uint64_t	fsyncs;		/* successful group commits */
	uint64_t	failed_records;	/* reported durable = 0 */
	uint64_t	failed_batches;
	uint64_t	seq;		/* seq of the last durable line */
	uint64_t	queued;		/* submitted, not yet written */
	uint64_t	commit_us;	/* time committing the fsyncs' batches */
};

/*
 * Opens (creating with mode 0600) the file conf->file and continues its
 * chain: seq and prev come from its last line.  A torn tail -- bytes after
 * the last newline, and at most one last complete line that is not an
 * audit record -- is cut off and noted in a "recovery" record; a file
 * whose last lines are no audit records at all is refused untouched.
 * policy_sha256 (may be NULL) goes into recovery records.  instance (may
 * be NULL: none) names this ldgate in every record it writes, as
 * "instance" before "seq": 1 to AUDIT_INSTANCE_MAX characters of
 * [A-Za-z0-9._-], else refused.  Starts the
 * writer thread.  Returns NULL with a message in err on failure.
 */
/* Is name 1 to AUDIT_INSTANCE_MAX of AUDIT_INSTANCE_CHARS? */
int		 audit_instance_valid(const char *name);

struct audit	*audit_open(const char *file, uint32_t queue_size,
		    const char *policy_sha256, const char *instance, char *err,
		    size_t errlen);

/*
 * Writes everything queued (a final "stop" record is the caller's to
 * append first), joins the writer and frees a.  Records submitted through
 * a still-live notify get their done() when that loop next runs.  The
 * final figures go to *out (all records written) unless out is NULL.
 */
void		 audit_close_stats(struct audit *a, struct audit_stats *out);

/*
 * Has the writer close and reopen the file's path before its next write
 * (SIGUSR1, after an external rename).  The chain continues.  The writer
 * also reopens by itself when the path no longer names its file.
 */
void		 audit_reopen(struct audit *a);

void		 audit_stats(struct audit *a, struct audit_stats *out);

/*
 * A completion channel to base's loop.  evthread_use_pthreads() must have
 * been called before base was created.  Free it on base's thread, before
 * base and not from within a done(); records still in flight through it
 * are then written but their done() is never called.  It may be freed
 * before or after audit_close_stats.
 */
struct audit_notify *audit_notify_new(struct event_base *base);
void		 audit_notify_free(struct audit_notify *n);

/*
 * Records submitted through n to a then wake a's writer once per pass of
 * n's loop -- after the callbacks already active in it, which may submit
 * more -- instead of each one: a worker that answers many requests in one
 * pass commits their records as one group, with one context switch.  The
 * price: the first record of a pass waits for the pass (a pass is a few
 * requests' work; the flush takes longer).  a must outlive n.  Call it on
 * n's thread before submitting.  0, or -1 if memory ran out.
 */
int		 audit_notify_batch(struct audit_notify *n, struct audit *a);

/*
 * Queues a record written as text (jsonw.c, record.c) for a durable
 * append; done(rec, durable, arg) will run on n's loop.  text (malloc'd,
 * stolen) is a JSON object without its closing brace and without "seq"
 * and "prev", which the writer adds as its last keys, e.g.
 * {"_id":"...","event":"decision",...  Returns a handle valid until done()
 * returns or audit_detach(), or NULL (text freed, done never called) if
 * the queue holds queue_size records already, the trail is closing, or
 * memory ran out.
 */
struct audit_rec *audit_submit_text(struct audit *a, struct audit_notify *n,
		    char *text, size_t len, audit_done_fn done, void *arg);

/*
 * The caller stops waiting for rec (commit timeout): done() will not be
 * called; the record is still written.  Call it on n's thread, never from
 * within rec's own done().
 */
void		 audit_detach(struct audit_rec *rec);

/*
 * Queues rec (reference stolen) with no one waiting: outcome, start, stop
 * and config records.  Returns 0, or -1 (rec freed) as audit_submit_text.
 */
int		 audit_append(struct audit *a, json_t *rec);
/* audit_append for text as audit_submit_text takes it. */
int		 audit_append_text(struct audit *a, char *text, size_t len);

/*
 * A new record {"_id", "date", "event": event}; the caller adds fields
 * and owns it.  NULL if memory ran out.
 */
json_t		*audit_event_new(const char *event);

/*
 * A new _id: 24 lowercase hex digits, MongoDB ObjectId-like as
 * LaunchDarkly's own ids -- 4 bytes of seconds, 5 random bytes per process,
 * a 3-byte counter -- so ids are unique and sort by time.
 */
void		 audit_id_new(char out[AUDIT_ID_LEN + 1]);
/* Milliseconds since the epoch, the unit of "date". */
int64_t		 audit_now_ms(void);

/* ---------------------------------------------------------------- verify */

/*
 * Verification of a trail, file after file (audit_verify.c).  Zero the
 * struct, optionally set prev to the hash the first record must chain to
 * (default: 64 zeros, and the first seq must then be 1), then feed files
 * in order.
 */
struct audit_verify {
	char		prev[AUDIT_HASH_LEN + 1];	/* "" = 64 zeros */
	/* results */
	uint64_t	records;
	uint64_t	recoveries;
	uint64_t	seq_first;
	uint64_t	seq_last;
	char		last[AUDIT_HASH_LEN + 1];	/* of the last line */
	char		why[512];	/* "FILE:LINE: reason" when broken */
	/* state */
	int		started;
	char		last_where[256];	/* FILE:LINE of the last line */
};

/*
 * Checks path's lines against the chain so far.  Returns 0 if intact so
 * far, 1 if broken (why says where and how), -1 on an I/O error (why says
 * which).  Recovery records are counted and each is reported as a note
 * "FILE:LINE: recovery: ..." to notes, if not NULL.
 */
int		 audit_verify_file(struct audit_verify *v, const char *path,
		    void (*notes)(const char *));

#endif
