/*
 * The audit trail's writer.  One thread owns the file; event loops hand it
 * records through one mutex-protected queue and hear back through their
 * own audit_notify (a mutex-protected list and an event made active from
 * the writer thread).  Each pass of the writer takes the whole queue,
 * chains and writes it, and makes it durable with one fdatasync(): group
 * commit, so throughput grows with load while each caller still waits for
 * its own record only.
 *
 * Failure (docs/design.md section 8): when a write or fdatasync fails, every
 * record of that batch is reported not durable and is not retried (its
 * request was refused).  The writer cuts the file back to its size before
 * the batch, closes it, and reopens the path for the next batch, which
 * starts with a "recovery" record saying what failed.  So the file never
 * keeps half a line, the chain never breaks, and ldgate recovers by itself
 * when the disk does.
 */
#include <sys/file.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "audit/audit.h"
#include "util/fingerprint.h"
#include "util/fsutil.h"
#include "util/jsonw.h"
#include "util/log.h"

#define AUDIT_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_WRITE_CHUNK	(1024 * 1024)	/* bytes buffered per write() */
#define AUDIT_LAZY_MS		100	/* a record nobody waits on waits <= 2x */
#define AUDIT_TAIL_CHUNK	65536		/* first read of the tail */

struct audit_rec {
	TAILQ_ENTRY(audit_rec)	 ar_entry;	/* queue, then notify list */
	char			*ar_text;	/* the record without its '}' */
	size_t			 ar_len;
	struct audit_notify	*ar_notify;	/* NULL: fire-and-forget */
	audit_done_fn		 ar_done;
	void			*ar_arg;
	int			 ar_durable;
	/* Under ar_notify->n_mtx: */
	int			 ar_detached;	/* nobody waits any more */
	int			 ar_listed;	/* on ar_notify->n_done */
};

TAILQ_HEAD(audit_recq, audit_rec);

struct audit_notify {
	pthread_mutex_t		 n_mtx;
	struct event		*n_ev;
	struct audit_recq	 n_done;	/* completed, for the loop */
	size_t			 n_pending;	/* submitted, not completed */
	int			 n_dead;	/* audit_notify_free called */
	/* The loop's own (audit_notify_batch): */
	struct audit		*n_batch;	/* wakes this writer late */
	struct event		*n_kick;
	int			 n_kicking;	/* n_kick is active */
};

/* What the next recovery record must say; writer thread only. */
struct audit_recovery {
	int		 pending;	/* there is something to say */
	int		 eager;		/* say it even with nothing queued */
	uint64_t	 failed_records;
	uint64_t	 failed_batches;
	int64_t		 since_ms;	/* first failure */
	int		 error;		/* last errno */
	long long	 torn_bytes;	/* first cut not yet recorded */
	char		 torn_sha[AUDIT_HASH_LEN + 1];
	uint64_t	 unconf_from;	/* lines left by a failed batch */
	uint64_t	 unconf_to;
};

struct audit {
	pthread_mutex_t		 a_mtx;
	pthread_cond_t		 a_cond;
	/* Under a_mtx: */
	struct audit_recq	 a_queue;
	size_t			 a_outstanding;	/* queued + being written */
	size_t			 a_urgent;	/* queued with a waiter */
	size_t			 a_max;
	int			 a_stopping;
	int			 a_reopen;
	struct audit_stats	 a_stats;
	/* The writer thread's (audit_open's before it starts): */
	pthread_t		 a_thread;
	int			 a_started;
	char			*a_path;
	char			*a_policy;	/* sha256 or NULL */
	char			*a_instance;	/* '"instance":"NAME",' or "" */
	int			 a_fd;		/* -1: reopen before writing */
	int			 a_failing;	/* last batch failed */
	uint64_t		 a_seq;		/* of the last durable line */
	char			 a_prev[AUDIT_HASH_LEN + 1];
	struct audit_recovery	 a_rec;
	char			*a_buf;
	size_t			 a_buflen;
	size_t			 a_bufcap;
};

/* What the end of a trail file says (tail_scan). */
struct audit_tail {
	int		 have;		/* a last record exists */
	uint64_t	 seq;
	char		 hash[AUDIT_HASH_LEN + 1];
	off_t		 keep;		/* size once the torn tail is cut */
};

/* ---------------------------------------------------------------- ids */

static pthread_once_t	 id_once = PTHREAD_ONCE_INIT;
static unsigned char	 id_random[5];
static uint32_t		 id_counter;

static void
id_init(void)
{
	unsigned char	c[3];

	/* Uniqueness, not secrecy: fall back to pid and time. */
	if (RAND_bytes(id_random, sizeof(id_random)) != 1 ||
	    RAND_bytes(c, sizeof(c)) != 1) {
		uint64_t x = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
		memcpy(id_random, &x, sizeof(id_random));
		c[0] = c[1] = c[2] = 0;
	}
	id_counter = (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2];
}

void
audit_id_new(char out[AUDIT_ID_LEN + 1])
{
	uint32_t	secs, count;

	pthread_once(&id_once, id_init);
	secs = (uint32_t)time(NULL);
	count = __atomic_fetch_add(&id_counter, 1, __ATOMIC_RELAXED) & 0xffffff;
	snprintf(out, AUDIT_ID_LEN + 1, "%08x%02x%02x%02x%02x%02x%06x",
	    (unsigned)secs, id_random[0], id_random[1], id_random[2],
	    id_random[3], id_random[4], (unsigned)count);
}

int64_t
audit_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

json_t *
audit_event_new(const char *event)
{
	char	id[AUDIT_ID_LEN + 1];

	audit_id_new(id);
	return json_pack("{s:s, s:I, s:s}", "_id", id, "date",
	    (json_int_t)audit_now_ms(), "event", event);
}

/* ---------------------------------------------------------------- file */

static int
pread_full(int fd, char *buf, size_t len, off_t off)
{
	size_t	done = 0;
	ssize_t	n;

	while (done < len) {
		n = pread(fd, buf + done, len - done, off + (off_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;	/* the file shrank under us */
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/*
 * Reads the end of the file, growing the read until it holds three
 * newlines (a fragment and two complete lines) or the whole file.  Returns
 * the bytes [*offp, size) in a malloc'd buffer, or NULL with errno set.
 * XXX Lines are bounded only by limits.bodyBytes, so this can be large.
 */
static char *
tail_read(int fd, off_t size, off_t *offp)
{
	off_t	 want = AUDIT_TAIL_CHUNK, off;
	size_t	 len, i, nl;
	char	*buf;

	for (;;) {
		off = size > want ? size - want : 0;
		len = (size_t)(size - off);
		if ((buf = malloc(len + 1)) == NULL)
			return NULL;
		if (pread_full(fd, buf, len, off) == -1) {
			free(buf);
			return NULL;
		}
		for (i = nl = 0; i < len; i++)
			nl += buf[i] == '\n';
		if (nl >= 3 || off == 0) {
			*offp = off;
			return buf;
		}
		free(buf);
		want *= 4;
	}
}

/* The index after the last '\n' in buf[0, end), or 0. */
static size_t
line_start(const char *buf, size_t end)
{
	while (end > 0 && buf[end - 1] != '\n')
		end--;
	return end;
}

/* Whether line (no newline) is an audit record; sets *seq if so. */
static int
is_record(const char *line, size_t len, uint64_t *seq)
{
	json_t	*j, *s;
	int	 ok;

	if ((j = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	s = json_object_get(j, "seq");
	ok = json_is_object(j) && json_is_integer(s) &&
	    json_integer_value(s) >= 0 && json_is_string(json_object_get(j,
	    "prev"));
	if (ok)
		*seq = (uint64_t)json_integer_value(s);
	json_decref(j);
	return ok;
}

/*
 * Finds where the trail's last record ends.  Torn: bytes after the last
 * newline (a write cut short), then at most one complete line that is no
 * audit record (say, blocks of zeros a crash left behind).  Anything more
 * is refused: the file is not ours to cut.  Returns 0 with t filled in, or
 * -1 with err set.
 */
static int
tail_scan(int fd, off_t size, struct audit_tail *t, char *err, size_t errlen)
{
	char	*buf;
	off_t	 off;
	size_t	 end, start;
	int	 tries;

	memset(t, 0, sizeof(*t));
	if (size == 0)
		return 0;
	if ((buf = tail_read(fd, size, &off)) == NULL) {
		snprintf(err, errlen, "cannot read: %s", strerror(errno));
		return -1;
	}
	end = line_start(buf, (size_t)(size - off));	/* drops a fragment */
	for (tries = 0; end > 0; tries++) {
		start = line_start(buf, end - 1);
		if (is_record(buf + start, end - 1 - start, &t->seq)) {
			t->have = 1;
			fingerprint_sha256_hex(buf + start, end - 1 - start, t->hash);
			break;
		}
		if (tries == 1) {
			free(buf);
			snprintf(err, errlen, "its last lines are not audit "
			    "records; refusing to append");
			return -1;
		}
		end = start;
	}
	t->keep = off + (off_t)end;
	free(buf);
	return 0;
}

/* sha256 of the bytes [from, to) of fd, in 64 KiB reads. */
static int
hash_range(int fd, off_t from, off_t to, char out[AUDIT_HASH_LEN + 1])
{
	EVP_MD_CTX	*ctx;
	unsigned char	 md[32];
	char		 buf[65536];
	size_t		 n;
	int		 i, rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	while (from < to) {
		n = (size_t)(to - from) < sizeof(buf) ? (size_t)(to - from) :
		    sizeof(buf);
		if (pread_full(fd, buf, n, from) == -1 ||
		    EVP_DigestUpdate(ctx, buf, n) != 1)
			goto out;
		from += (off_t)n;
	}
	if (EVP_DigestFinal_ex(ctx, md, NULL) != 1)
		goto out;
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* Cuts fd back to t->keep, noting what was cut for the recovery record. */
static int
tail_cut(struct audit *a, int fd, off_t size, const struct audit_tail *t,
    char *err, size_t errlen)
{
	char	sha[AUDIT_HASH_LEN + 1];

	if (hash_range(fd, t->keep, size, sha) == -1 ||
	    ftruncate(fd, t->keep) == -1 || fdatasync(fd) == -1) {
		snprintf(err, errlen, "cannot cut its torn last line: %s",
		    strerror(errno));
		return -1;
	}
	log_warnx("audit: %s: cut %lld torn byte(s) at its end (sha256 %s)",
	    a->a_path, (long long)(size - t->keep), sha);
	/* Later cuts can only be of our own failed batches: keep the first. */
	if (a->a_rec.torn_bytes == 0) {
		a->a_rec.torn_bytes = (long long)(size - t->keep);
		memcpy(a->a_rec.torn_sha, sha, sizeof(sha));
	}
	a->a_rec.pending = a->a_rec.eager = 1;
	return 0;
}

/*
 * Opens path, creating it mode 0600 (and making its name durable) if need
 * be.  A symbolic link is not followed (ELOOP): whoever can plant one
 * could point the trail at a file of their choosing (docs/design.md
 * section 6).
 */
static int
trail_create(const char *path)
{
	int	fd, flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOCTTY |
		    O_NOFOLLOW;

	if ((fd = open(path, flags)) != -1 || errno != ENOENT)
		return fd;
	if ((fd = open(path, flags | O_CREAT | O_EXCL, 0600)) == -1)
		return errno == EEXIST ? open(path, flags) : -1;
	if (fsutil_sync_dir(path) == -1) {
		int saved = errno;
		close(fd);
		unlink(path);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * Opens the trail and continues its chain: from its last record if it has
 * one, else from where this process left off (a fresh file after a
 * rotation).  Returns 0, or -1 with err set.
 */
static int
trail_open(struct audit *a, char *err, size_t errlen)
{
	struct audit_tail	 t;
	struct stat		 st;
	char			 why[256];
	int			 fd;

	if ((fd = trail_create(a->a_path)) == -1) {
		snprintf(err, errlen, "%s: %s", a->a_path, errno == ELOOP ?
		    "is a symbolic link; ldgate opens its trail only by its own "
		    "name" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", a->a_path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", a->a_path);
		goto fail;
	}
	/* Two writers would fork the chain. */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		snprintf(err, errlen, "%s: %s", a->a_path,
		    errno == EWOULDBLOCK ? "in use by another ldgate" :
		    strerror(errno));
		goto fail;
	}
	if (tail_scan(fd, st.st_size, &t, why, sizeof(why)) == -1 ||
	    (t.keep < st.st_size &&
	    tail_cut(a, fd, st.st_size, &t, why, sizeof(why)) == -1)) {
		snprintf(err, errlen, "%s: %s", a->a_path, why);
		goto fail;
	}
	if (t.have) {
		/* A failed batch that could not be cut back left lines. */
		if (a->a_rec.failed_batches > 0 && t.seq > a->a_seq) {
			a->a_rec.unconf_from = a->a_seq + 1;
			a->a_rec.unconf_to = t.seq;
		}
		a->a_seq = t.seq;
		memcpy(a->a_prev, t.hash, sizeof(a->a_prev));
	}
	a->a_fd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

static void
trail_close(struct audit *a)
{
	if (a->a_fd != -1)
		close(a->a_fd);
	a->a_fd = -1;
}

/*
 * Makes sure a->a_fd is open on the file a->a_path names now: after a
 * rename (rotation) or removal, a write to the old descriptor would land
 * where nobody looks, so the path is checked before every batch.
 */
static int
trail_ensure(struct audit *a, off_t *size, char *err, size_t errlen)
{
	struct stat	st, fst;
	int		saved;

	if (a->a_fd != -1) {
		if (stat(a->a_path, &st) == 0 && fstat(a->a_fd, &fst) == 0 &&
		    st.st_dev == fst.st_dev && st.st_ino == fst.st_ino) {
			*size = fst.st_size;
			return 0;
		}
		trail_close(a);
	}
	if (trail_open(a, err, errlen) == -1)
		return -1;
	if (fstat(a->a_fd, &fst) == -1) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", a->a_path, strerror(saved));
		trail_close(a);
		errno = saved;
		return -1;
	}
	*size = fst.st_size;
	return 0;
}

/* ---------------------------------------------------------------- writer */

/* Builds the recovery record from a->a_rec; NULL if out of memory. */
static json_t *
recovery_new(struct audit *a)
{
	struct audit_recovery	*r = &a->a_rec;
	json_t			*j;
	int			 ok;

	if ((j = audit_event_new("recovery")) == NULL)
		return NULL;
	ok = json_object_set_new(j, "reason", json_string(r->failed_batches ?
	    "write failed" : "torn tail")) == 0;
	if (r->torn_bytes > 0)
		ok &= json_object_set_new(j, "torn", json_pack("{s:I, s:s}",
		    "bytes", (json_int_t)r->torn_bytes, "sha256",
		    r->torn_sha)) == 0;
	if (r->failed_batches > 0)
		ok &= json_object_set_new(j, "failed", json_pack(
		    "{s:I, s:I, s:I, s:s}", "records",
		    (json_int_t)r->failed_records, "batches",
		    (json_int_t)r->failed_batches, "since",
		    (json_int_t)r->since_ms, "error", strerror(r->error))) == 0;
	if (r->unconf_to > 0)
		ok &= json_object_set_new(j, "unconfirmed", json_pack(
		    "{s:I, s:I}", "from", (json_int_t)r->unconf_from, "to",
		    (json_int_t)r->unconf_to)) == 0;
	if (a->a_policy != NULL)
		ok &= json_object_set_new(j, "policy", json_pack("{s:s}",
		    "sha256", a->a_policy)) == 0;
	if (!ok) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int
buf_flush(struct audit *a)
{
	int	rc;

	rc = fsutil_write_full(a->a_fd, a->a_buf, a->a_buflen);
	a->a_buflen = 0;
	return rc;
}

/*
 * Chains a record after *seq / prev (both advanced): its text (a JSON
 * object without the closing brace) gets "seq" and "prev" as its last keys
 * and a newline, in the write buffer, which is written out when full.
 * Returns 0, or -1 with errno set.
 */
static int
line_add(struct audit *a, const char *text, size_t len, uint64_t *seq,
    char *prev)
{
	char	 tail[AUDIT_HASH_LEN + AUDIT_INSTANCE_MAX + 96], *nbuf;
	size_t	 cap, start = a->a_buflen;
	int	 n;

	/* An empty object ("{") takes no comma before what is added. */
	n = snprintf(tail, sizeof(tail), "%s%s\"seq\":%llu,\"prev\":\"%s\"}",
	    len > 1 ? "," : "", a->a_instance, (unsigned long long)*seq + 1,
	    prev);
	if (a->a_buflen + len + (size_t)n + 1 > a->a_bufcap) {
		cap = a->a_buflen + len + (size_t)n + 1 + AUDIT_WRITE_CHUNK;
		if ((nbuf = realloc(a->a_buf, cap)) == NULL)
			return -1;
		a->a_buf = nbuf;
		a->a_bufcap = cap;
	}
	memcpy(a->a_buf + a->a_buflen, text, len);
	memcpy(a->a_buf + a->a_buflen + len, tail, (size_t)n);
	a->a_buflen += len + (size_t)n;
	fingerprint_sha256_hex(a->a_buf + start, a->a_buflen - start, prev);
	a->a_buf[a->a_buflen++] = '\n';
	(*seq)++;
	if (a->a_buflen >= AUDIT_WRITE_CHUNK)
		return buf_flush(a);
	return 0;
}

/*
 * A record's text for the queue: rec (consumed) without "seq" and "prev",
 * which the writer adds, and without its closing brace.  NULL if memory
 * ran out or rec is no object (NULL included).
 */
static char *
record_text(json_t *rec, size_t *len)
{
	struct jsonw	 w;
	char		*text = NULL;

	if (json_is_object(rec)) {
		json_object_del(rec, "seq");
		json_object_del(rec, "prev");
		jsonw_init(&w, 1024);
		jsonw_value(&w, rec);
		if ((text = jsonw_finish(&w, len)) != NULL)
			text[--*len] = '\0';	/* the '}' */
	}
	json_decref(rec);
	return text;
}

/* Writes the chained lines and syncs them.  0, or -1 with errno set. */
static int
batch_write(struct audit *a, struct audit_recq *batch, uint64_t *seq,
    char *prev, size_t *nlines)
{
	struct audit_rec	*r;
	char			*text;
	size_t			 len;
	int			 rc;

	*nlines = 0;
	a->a_buflen = 0;
	if (a->a_rec.pending) {
		if ((text = record_text(recovery_new(a), &len)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		rc = line_add(a, text, len, seq, prev);
		free(text);
		if (rc == -1)
			return -1;
		(*nlines)++;
	}
	TAILQ_FOREACH(r, batch, ar_entry) {
		if (line_add(a, r->ar_text, r->ar_len, seq, prev) == -1)
			return -1;
		(*nlines)++;
	}
	if (*nlines == 0)
		return 0;
	if (buf_flush(a) == -1 || fdatasync(a->a_fd) == -1)
		return -1;
	return 0;
}

static void
batch_failed(struct audit *a, size_t n, int error, const char *why)
{
	struct audit_recovery	*r = &a->a_rec;

	if (r->failed_batches++ == 0)
		r->since_ms = audit_now_ms();
	r->failed_records += n;
	r->error = error;
	r->pending = 1;
	if (!a->a_failing)
		log_warnx("audit: %s; %zu record(s) not durable, requests "
		    "refused until writes succeed again", why, n);
	a->a_failing = 1;
}

/*
 * Commits a batch: one or more write()s and one fdatasync().  Returns
 * the number of lines written, or -1 if the batch failed (every record in
 * it is then not durable, and the file is as it was before the batch).
 */
static long
batch_commit(struct audit *a, struct audit_recq *batch, size_t n)
{
	off_t		 size;
	uint64_t	 seq;
	char		 prev[AUDIT_HASH_LEN + 1], why[512];
	size_t		 nlines;
	int		 saved;

	a->a_rec.eager = 0;
	/* Also the size to cut a failed batch back to. */
	if (trail_ensure(a, &size, why, sizeof(why)) == -1) {
		batch_failed(a, n, errno, why);
		return -1;
	}
	seq = a->a_seq;
	memcpy(prev, a->a_prev, sizeof(prev));
	if (batch_write(a, batch, &seq, prev, &nlines) == -1) {
		saved = errno;
		snprintf(why, sizeof(why), "%s: write failed: %s", a->a_path,
		    strerror(saved));
		/* If this fails, trail_open cuts or resyncs at the reopen. */
		(void)ftruncate(a->a_fd, size);
		trail_close(a);
		batch_failed(a, n, saved, why);
		return -1;
	}
	if (a->a_failing)
		log_warnx("audit: %s: writes succeed again", a->a_path);
	a->a_failing = 0;
	memset(&a->a_rec, 0, sizeof(a->a_rec));
	a->a_seq = seq;
	memcpy(a->a_prev, prev, sizeof(a->a_prev));
	return (long)nlines;
}

static void
rec_free(struct audit_rec *r)
{
	free(r->ar_text);
	free(r);
}

static void notify_destroy(struct audit_notify *);

/* Hands r back to its notify's loop, or frees it if nobody waits. */
static void
rec_complete(struct audit_rec *r, int durable)
{
	struct audit_notify	*n = r->ar_notify;
	int			 destroy;

	if (n == NULL) {
		rec_free(r);
		return;
	}
	pthread_mutex_lock(&n->n_mtx);
	n->n_pending--;
	if (r->ar_detached || n->n_dead)
		rec_free(r);
	else {
		r->ar_durable = durable;
		r->ar_listed = 1;
		if (TAILQ_EMPTY(&n->n_done))
			event_active(n->n_ev, EV_TIMEOUT, 0);
		TAILQ_INSERT_TAIL(&n->n_done, r, ar_entry);
	}
	destroy = n->n_dead && n->n_pending == 0;
	pthread_mutex_unlock(&n->n_mtx);
	if (destroy)
		notify_destroy(n);
}

/*
 * Counts the batch, then hands its records back: stats first, so that a
 * done() sees them up to date.
 */
static void
batch_done(struct audit *a, struct audit_recq *batch, size_t n, long nlines,
    uint64_t us)
{
	struct audit_rec	*r;

	pthread_mutex_lock(&a->a_mtx);
	a->a_outstanding -= n;
	if (nlines > 0) {
		a->a_stats.records += (uint64_t)nlines;
		a->a_stats.fsyncs++;
		a->a_stats.commit_us += us;
	} else if (nlines < 0) {
		a->a_stats.failed_records += n;
		a->a_stats.failed_batches++;
	}
	a->a_stats.seq = a->a_seq;
	pthread_mutex_unlock(&a->a_mtx);
	while ((r = TAILQ_FIRST(batch)) != NULL) {
		TAILQ_REMOVE(batch, r, ar_entry);
		rec_complete(r, nlines >= 0);
	}
}

static uint64_t
mono_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
lazy_wait(struct audit *a)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += AUDIT_LAZY_MS * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return pthread_cond_timedwait(&a->a_cond, &a->a_mtx, &ts);
}

static void *
writer_main(void *arg)
{
	struct audit		*a = arg;
	struct audit_recq	 batch;
	struct audit_rec	*r;
	uint64_t		 start;
	size_t			 n;
	long			 nlines;
	int			 reopen;

	pthread_mutex_lock(&a->a_mtx);
	for (;;) {
		/*
		 * Records nobody waits on (outcome, start, config) do not wake
		 * the writer: they go with the next durable one, or after
		 * AUDIT_LAZY_MS -- a context switch and an fdatasync saved per
		 * forwarded request.
		 */
		while (a->a_urgent == 0 && !a->a_reopen && !a->a_rec.eager &&
		    !a->a_stopping) {
			int	empty = TAILQ_EMPTY(&a->a_queue);

			/* Nothing signals a lazy record: poll for them. */
			if (lazy_wait(a) == ETIMEDOUT && !empty)
				break;
		}
		if (TAILQ_EMPTY(&a->a_queue) && !a->a_reopen &&
		    !a->a_rec.eager)
			break;	/* stopping, and all written */
		TAILQ_INIT(&batch);
		TAILQ_CONCAT(&batch, &a->a_queue, ar_entry);
		a->a_urgent = 0;
		reopen = a->a_reopen;
		a->a_reopen = 0;
		pthread_mutex_unlock(&a->a_mtx);

		n = 0;
		TAILQ_FOREACH(r, &batch, ar_entry)
			n++;
		if (reopen)
			trail_close(a);
		start = mono_us();
		nlines = batch_commit(a, &batch, n);
		batch_done(a, &batch, n, nlines, mono_us() - start);
		pthread_mutex_lock(&a->a_mtx);
	}
	pthread_mutex_unlock(&a->a_mtx);
	return NULL;
}

/* ---------------------------------------------------------------- notify */

static void
notify_destroy(struct audit_notify *n)
{
	pthread_mutex_destroy(&n->n_mtx);
	free(n);
}

/* On the notify's loop: runs each completed record's done(), in order. */
static void
notify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct audit_notify	*n = arg;
	struct audit_rec	*r;

	(void)fd;
	(void)what;
	/* One at a time, so a done() may detach records still listed. */
	for (;;) {
		pthread_mutex_lock(&n->n_mtx);
		if ((r = TAILQ_FIRST(&n->n_done)) != NULL) {
			TAILQ_REMOVE(&n->n_done, r, ar_entry);
			r->ar_listed = 0;
		}
		pthread_mutex_unlock(&n->n_mtx);
		if (r == NULL)
			break;
		r->ar_done(r, r->ar_durable, r->ar_arg);
		rec_free(r);
	}
}

struct audit_notify *
audit_notify_new(struct event_base *base)
{
	struct audit_notify	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	if ((n->n_ev = event_new(base, -1, 0, notify_cb, n)) == NULL) {
		free(n);
		return NULL;
	}
	pthread_mutex_init(&n->n_mtx, NULL);
	TAILQ_INIT(&n->n_done);
	return n;
}

/* After the loop's active callbacks: one wake-up for all their records. */
static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct audit_notify	*n = arg;
	struct audit		*a = n->n_batch;

	(void)fd;
	(void)what;
	n->n_kicking = 0;
	pthread_mutex_lock(&a->a_mtx);
	if (a->a_urgent > 0)
		pthread_cond_signal(&a->a_cond);
	pthread_mutex_unlock(&a->a_mtx);
}

int
audit_notify_batch(struct audit_notify *n, struct audit *a)
{
	if (n->n_kick == NULL && (n->n_kick = event_new(event_get_base(n->n_ev),
	    -1, 0, kick_cb, n)) == NULL)
		return -1;
	n->n_batch = a;
	return 0;
}

/*
 * Whoever comes last frees n: this call if nothing is in flight, else the
 * writer when it completes the last record submitted through n.
 */
void
audit_notify_free(struct audit_notify *n)
{
	struct audit_recq	 done;
	struct audit_rec	*r;
	struct event		*ev;
	int			 destroy;

	if (n == NULL)
		return;
	TAILQ_INIT(&done);
	pthread_mutex_lock(&n->n_mtx);
	n->n_dead = 1;
	TAILQ_CONCAT(&done, &n->n_done, ar_entry);
	ev = n->n_ev;
	n->n_ev = NULL;
	destroy = n->n_pending == 0;
	pthread_mutex_unlock(&n->n_mtx);
	/* The writer no longer touches ev once n_dead is set. */
	event_free(ev);
	if (n->n_kick != NULL)
		event_free(n->n_kick);
	while ((r = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, r, ar_entry);
		rec_free(r);
	}
	if (destroy)
		notify_destroy(n);
}

/* ---------------------------------------------------------------- api */

/* Queues a record; text is stolen.  NULL if refused. */
static struct audit_rec *
enqueue(struct audit *a, struct audit_notify *n, char *text, size_t len,
    audit_done_fn done, void *arg)
{
	struct audit_rec	*r;

	if (text == NULL)
		return NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		free(text);
		return NULL;
	}
	r->ar_text = text;
	r->ar_len = len;
	r->ar_notify = n;
	r->ar_done = done;
	r->ar_arg = arg;
	pthread_mutex_lock(&a->a_mtx);
	if (a->a_stopping || a->a_outstanding >= a->a_max) {
		pthread_mutex_unlock(&a->a_mtx);
		rec_free(r);
		return NULL;
	}
	if (n != NULL) {
		pthread_mutex_lock(&n->n_mtx);
		n->n_pending++;
		pthread_mutex_unlock(&n->n_mtx);
	}
	TAILQ_INSERT_TAIL(&a->a_queue, r, ar_entry);
	a->a_outstanding++;
	if (n != NULL && a->a_urgent++ == 0 && n->n_batch != a)
		pthread_cond_signal(&a->a_cond);
	pthread_mutex_unlock(&a->a_mtx);
	/* On n's loop (audit_notify_batch): wake the writer later, once. */
	if (n != NULL && n->n_batch == a && !n->n_kicking) {
		n->n_kicking = 1;
		event_active(n->n_kick, EV_TIMEOUT, 0);
	}
	return r;
}

struct audit_rec *
audit_submit_text(struct audit *a, struct audit_notify *n, char *text,
    size_t len, audit_done_fn done, void *arg)
{
	return enqueue(a, n, text, len, done, arg);
}

int
audit_append(struct audit *a, json_t *rec)
{
	size_t	 len = 0;
	char	*text = record_text(rec, &len);

	return enqueue(a, NULL, text, len, NULL, NULL) == NULL ? -1 : 0;
}

int
audit_append_text(struct audit *a, char *text, size_t len)
{
	return enqueue(a, NULL, text, len, NULL, NULL) == NULL ? -1 : 0;
}

void
audit_detach(struct audit_rec *r)
{
	struct audit_notify	*n = r->ar_notify;
	int			 listed;

	pthread_mutex_lock(&n->n_mtx);
	if ((listed = r->ar_listed))
		TAILQ_REMOVE(&n->n_done, r, ar_entry);
	else
		r->ar_detached = 1;	/* the writer frees it */
	pthread_mutex_unlock(&n->n_mtx);
	if (listed)
		rec_free(r);
}

void
audit_reopen(struct audit *a)
{
	pthread_mutex_lock(&a->a_mtx);
	a->a_reopen = 1;
	pthread_cond_signal(&a->a_cond);
	pthread_mutex_unlock(&a->a_mtx);
}

void
audit_stats(struct audit *a, struct audit_stats *out)
{
	pthread_mutex_lock(&a->a_mtx);
	*out = a->a_stats;
	out->queued = a->a_outstanding;
	pthread_mutex_unlock(&a->a_mtx);
}

static void
audit_free(struct audit *a)
{
	struct audit_rec	*r;

	while ((r = TAILQ_FIRST(&a->a_queue)) != NULL) {
		TAILQ_REMOVE(&a->a_queue, r, ar_entry);
		rec_complete(r, 0);
	}
	trail_close(a);
	pthread_cond_destroy(&a->a_cond);
	pthread_mutex_destroy(&a->a_mtx);
	free(a->a_path);
	free(a->a_policy);
	free(a->a_instance);
	free(a->a_buf);
	free(a);
}

int
audit_instance_valid(const char *name)
{
	size_t	n = strspn(name, AUDIT_INSTANCE_CHARS);

	return n > 0 && n <= AUDIT_INSTANCE_MAX && name[n] == '\0';
}

/* Opens the trail; the writer is not running yet. */
static struct audit *
audit_new(const char *file, uint32_t queue_size, const char *policy_sha256,
    const char *instance, char *err, size_t errlen)
{
	struct audit	*a;

	if (instance != NULL && !audit_instance_valid(instance)) {
		snprintf(err, errlen, "instance \"%s\": not 1 to %d characters "
		    "of [A-Za-z0-9._-]", instance, AUDIT_INSTANCE_MAX);
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->a_mtx, NULL);
	pthread_cond_init(&a->a_cond, NULL);
	TAILQ_INIT(&a->a_queue);
	a->a_max = queue_size > 0 ? queue_size : 1;
	a->a_fd = -1;
	memcpy(a->a_prev, AUDIT_ZERO_HASH, sizeof(a->a_prev));
	a->a_path = strdup(file);
	a->a_policy = policy_sha256 ? strdup(policy_sha256) : NULL;
	if (instance == NULL)
		a->a_instance = strdup("");
	else if (asprintf(&a->a_instance, "\"instance\":\"%s\",",
	    instance) == -1)
		a->a_instance = NULL;
	if (a->a_path == NULL || (policy_sha256 && a->a_policy == NULL) ||
	    a->a_instance == NULL) {
		snprintf(err, errlen, "out of memory");
		audit_free(a);
		return NULL;
	}
	if (trail_open(a, err, errlen) == -1) {
		audit_free(a);
		return NULL;
	}
	a->a_stats.seq = a->a_seq;
	return a;
}

/*
 * Starts the writer with every signal blocked: signals are the main
 * thread's (sigwait), and a blocked SIGXFSZ turns a file-size limit into
 * a failed write (EFBIG) instead of a dead process.
 */
static int
audit_start(struct audit *a)
{
	sigset_t	all, old;
	int		rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&a->a_thread, NULL, writer_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	/* For top -H and perf: which thread is the writer. */
	(void)pthread_setname_np(a->a_thread, "ldgate-audit");
	a->a_started = 1;
	return 0;
}

struct audit *
audit_open(const char *file, uint32_t queue_size, const char *policy_sha256,
    const char *instance, char *err, size_t errlen)
{
	struct audit	*a;

	if ((a = audit_new(file, queue_size, policy_sha256, instance, err,
	    errlen)) == NULL)
		return NULL;
	if (audit_start(a) == -1) {
		snprintf(err, errlen, "cannot start the audit writer thread");
		audit_free(a);
		return NULL;
	}
	return a;
}

void
audit_close_stats(struct audit *a, struct audit_stats *out)
{
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->a_mtx);
	a->a_stopping = 1;
	pthread_cond_signal(&a->a_cond);
	pthread_mutex_unlock(&a->a_mtx);
	if (a->a_started)
		pthread_join(a->a_thread, NULL);
	if (out != NULL)
		audit_stats(a, out);
	audit_free(a);
}

