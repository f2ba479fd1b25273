/*
 * Tests src/audit.c and src/audit_verify.c: the chain across reopen and
 * restart, torn tails, group commit, the bounded queue, write failures
 * and recovery, detach, and verification against each kind of tampering.
 * audit.c is included to reach its statics (audit_new / audit_start: a
 * trail whose writer is not running yet fills its queue deterministically).
 *
 * Write failures are made with RLIMIT_FSIZE (EFBIG, after a partial
 * write) and by removing the trail's directory: both work as root, which
 * read-only directories do not.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/resource.h>

#include <event2/thread.h>

#include "audit/audit.c"

#define WAIT_MS		10000	/* longest wait for a completion */

static char			 tmpdir[1024];
static char			 trail[1200];
static struct event_base	*base;
static struct audit_notify	*notify;

struct waiter {
	int	calls;
	int	durable;	/* how many of them were durable */
};

/* ---------------------------------------------------------------- helpers */

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test_audit.XXXXXX",
	    t != NULL ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(trail, sizeof(trail), "%s/audit.log", tmpdir);
	if ((base = event_base_new()) == NULL ||
	    (notify = audit_notify_new(base)) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[1100];

	(void)state;
	audit_notify_free(notify);
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/* Runs the loop until w has seen n calls; fails after WAIT_MS. */
static void
wait_calls(struct waiter *w, int n)
{
	struct timeval	 tv = { 0, 10000 };
	struct event	*timer;
	int64_t		 deadline = audit_now_ms() + WAIT_MS;

	assert_non_null(timer = event_new(base, -1, EV_PERSIST, tick, NULL));
	event_add(timer, &tv);
	while (w->calls < n && audit_now_ms() < deadline)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(timer);
	assert_int_equal(w->calls, n);
}

/* Waits until the writer has nothing outstanding. */
static void
wait_idle(struct audit *a)
{
	struct audit_stats	st;
	int64_t			deadline = audit_now_ms() + WAIT_MS;

	do {
		audit_stats(a, &st);
		if (st.queued == 0)
			return;
		usleep(1000);
	} while (audit_now_ms() < deadline);
	fail_msg("the writer did not finish");
}

static void
done_cb(struct audit_rec *rec, int durable, void *arg)
{
	struct waiter	*w = arg;

	assert_non_null(rec);
	w->calls++;
	w->durable += durable;
}

static void
never_cb(struct audit_rec *rec, int durable, void *arg)
{
	(void)rec;
	(void)durable;
	(void)arg;
	fail_msg("done() called for a detached record");
}

/* A record built as a jansson tree, queued as production queues text. */
static struct audit_rec *
submit_json(struct audit *a, struct audit_notify *n, json_t *rec,
    audit_done_fn done, void *arg)
{
	size_t	 len = 0;
	char	*text = record_text(rec, &len);

	return audit_submit_text(a, n, text, len, done, arg);
}

/* What audit_open takes, kept together as the configuration keeps it. */
struct trail_conf {
	const char	*file;
	uint32_t	 commit_timeout_ms;
	uint32_t	 queue_size;
};

static struct trail_conf
conf_for(const char *file, uint32_t queue)
{
	struct trail_conf	c;

	memset(&c, 0, sizeof(c));
	c.file = file;
	c.commit_timeout_ms = 1000;
	c.queue_size = queue;
	return c;
}

static struct audit *
open_trail(const char *file)
{
	struct trail_conf	 c = conf_for(file, 4096);
	struct audit		*a;
	char			 err[512];

	a = audit_open(c.file, c.queue_size, "c0ffee", NULL, err, sizeof(err));
	if (a == NULL)
		fail_msg("audit_open: %s", err);
	return a;
}

static json_t *
record(int n)
{
	json_t	*j;

	assert_non_null(j = audit_event_new("test"));
	assert_int_equal(json_object_set_new(j, "n", json_integer(n)), 0);
	return j;
}

/* Submits n records numbered from first and waits for their done(). */
static void
submit_wait(struct audit *a, int first, int n, int want_durable)
{
	struct waiter	w = { 0, 0 };
	int		i;

	for (i = 0; i < n; i++)
		assert_non_null(submit_json(a, notify, record(first + i),
		    done_cb, &w));
	wait_calls(&w, n);
	assert_int_equal(w.durable, want_durable ? n : 0);
}

struct lines {
	char	*buf;
	size_t	 len;
	char	*line[256];	/* each with its '\n' */
	size_t	 linelen[256];
	size_t	 n;
};

static void
read_lines(const char *path, struct lines *l)
{
	FILE	*fp;
	size_t	 cap = 1 << 20, i, start = 0;

	memset(l, 0, sizeof(*l));
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(l->buf = malloc(cap));
	l->len = fread(l->buf, 1, cap, fp);
	fclose(fp);
	for (i = 0; i < l->len; i++)
		if (l->buf[i] == '\n') {
			assert_true(l->n < 256);
			l->line[l->n] = l->buf + start;
			l->linelen[l->n++] = i + 1 - start;
			start = i + 1;
		}
	assert_int_equal(start, l->len);	/* no torn tail */
}

static json_t *
line_json(const struct lines *l, size_t i)
{
	json_t	*j;

	j = json_loadb(l->line[i], l->linelen[i] - 1, 0, NULL);
	assert_non_null(j);
	return j;
}

static const char *
line_event(const struct lines *l, size_t i)
{
	static char	 event[64];
	json_t		*j = line_json(l, i);

	snprintf(event, sizeof(event), "%s",
	    json_string_value(json_object_get(j, "event")));
	json_decref(j);
	return event;
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
append_file(const char *path, const char *data, size_t len)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "a"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* Writes the lines of l in the order given (indexes, -1 ends). */
static void
write_order(const char *path, const struct lines *l, const int *order)
{
	FILE	*fp;

	assert_non_null(fp = fopen(path, "w"));
	for (; *order >= 0; order++)
		fwrite(l->line[*order], 1, l->linelen[*order], fp);
	assert_int_equal(fclose(fp), 0);
}

/* Verifies files (NULL-terminated) from prev (NULL: the start). */
static int
verify(struct audit_verify *v, const char *prev, const char *const *files)
{
	int	rc = 0;

	memset(v, 0, sizeof(*v));
	if (prev != NULL)
		snprintf(v->prev, sizeof(v->prev), "%s", prev);
	for (; *files != NULL && rc == 0; files++)
		rc = audit_verify_file(v, *files, NULL);
	return rc;
}

static void
assert_intact(const char *path, uint64_t records)
{
	struct audit_verify	v;
	const char		*files[] = { path, NULL };

	if (verify(&v, NULL, files) != 0)
		fail_msg("verify: %s", v.why);
	assert_int_equal(v.records, records);
	assert_int_equal(v.seq_first, 1);
	assert_int_equal(v.seq_last, records);
}

static off_t
file_size(const char *path)
{
	struct stat	st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* ---------------------------------------------------------------- chain */

static void
test_chain(void **state)
{
	struct audit		*a;
	struct audit_stats	 st;
	struct lines		 l;
	struct stat		 sb;
	char			 want[AUDIT_HASH_LEN + 1], *dump;
	json_t			*j;
	size_t			 i;

	(void)state;
	a = open_trail(trail);
	assert_int_equal(audit_append(a, audit_event_new("start")), 0);
	submit_wait(a, 1, 10, 1);
	audit_stats(a, &st);
	assert_int_equal(st.records, 11);
	assert_int_equal(st.seq, 11);
	assert_int_equal(st.failed_records, 0);
	audit_close_stats(a, NULL);

	read_lines(trail, &l);
	assert_int_equal(l.n, 11);
	assert_string_equal(line_event(&l, 0), "start");
	memcpy(want, AUDIT_ZERO_HASH, sizeof(want));
	for (i = 0; i < l.n; i++) {
		j = line_json(&l, i);
		assert_int_equal(json_integer_value(json_object_get(j, "seq")),
		    i + 1);
		assert_string_equal(json_string_value(json_object_get(j,
		    "prev")), want);
		/* _id first, seq and prev last; compact. */
		assert_int_equal(strncmp(l.line[i], "{\"_id\":\"", 8), 0);
		assert_int_equal(strlen(json_string_value(json_object_get(j,
		    "_id"))), AUDIT_ID_LEN);
		assert_non_null(dump = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER));
		assert_memory_equal(dump, l.line[i], l.linelen[i] - 1);
		assert_non_null(strstr(dump, ",\"seq\":"));
		assert_int_equal(strncmp(dump + strlen(dump) - 75,
		    ",\"prev\":\"", 9), 0);
		free(dump);
		json_decref(j);
		fingerprint_sha256_hex(l.line[i], l.linelen[i] - 1, want);
	}
	free(l.buf);
	assert_intact(trail, 11);
	/* The trail is created 0600. */
	assert_int_equal(stat(trail, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
}

/* A caller's own seq and prev are replaced and moved to the end. */
#define PREFIX	"{\"event\":\"t\",\"seq\":1,\"prev\":\"0000"
static void
test_caller_seq_replaced(void **state)
{
	struct audit	*a;
	struct lines	 l;
	json_t		*j;

	(void)state;
	a = open_trail(trail);
	j = json_pack("{s:i, s:s, s:s}", "seq", 99, "prev", "x", "event", "t");
	assert_int_equal(audit_append(a, j), 0);
	audit_close_stats(a, NULL);
	read_lines(trail, &l);
	assert_int_equal(l.n, 1);
	assert_memory_equal(l.line[0], PREFIX, strlen(PREFIX));
	free(l.buf);
}

static void
test_restart(void **state)
{
	struct audit	*a;
	int		 i;

	(void)state;
	for (i = 0; i < 3; i++) {
		a = open_trail(trail);
		assert_int_equal(audit_append(a, audit_event_new("start")), 0);
		submit_wait(a, 1, 2, 1);
		assert_int_equal(audit_append(a, audit_event_new("stop")), 0);
		audit_close_stats(a, NULL);
	}
	assert_intact(trail, 12);
}

static void
test_reopen(void **state)
{
	struct audit		*a;
	struct audit_verify	 v;
	struct lines		 l;
	char			 old[1300], old2[1300], last[AUDIT_HASH_LEN + 1];
	const char		*both[] = { old, trail, NULL };
	const char		*three[] = { old2, old, trail, NULL };
	const char		*alone[] = { trail, NULL };

	(void)state;
	snprintf(old, sizeof(old), "%s.1", trail);
	snprintf(old2, sizeof(old2), "%s.2", trail);
	a = open_trail(trail);
	submit_wait(a, 1, 3, 1);
	/* logrotate: rename, then SIGUSR1. */
	assert_int_equal(rename(trail, old), 0);
	audit_reopen(a);
	submit_wait(a, 4, 3, 1);
	read_lines(old, &l);
	assert_int_equal(l.n, 3);
	fingerprint_sha256_hex(l.line[2], l.linelen[2] - 1, last);
	free(l.buf);
	read_lines(trail, &l);
	assert_int_equal(l.n, 3);
	free(l.buf);
	assert_int_equal(verify(&v, NULL, both), 0);
	assert_int_equal(v.records, 6);
	/* The newer file alone does not start the trail... */
	assert_int_equal(verify(&v, NULL, alone), 1);
	assert_non_null(strstr(v.why, "seq 4, not 1"));
	/* ...but continues from the older one's last hash. */
	assert_int_equal(verify(&v, last, alone), 0);
	assert_int_equal(v.seq_first, 4);
	/* Renamed with no SIGUSR1: the writer notices the path moved. */
	assert_int_equal(rename(old, old2), 0);
	assert_int_equal(rename(trail, old), 0);
	submit_wait(a, 7, 2, 1);
	audit_close_stats(a, NULL);
	assert_int_equal(verify(&v, NULL, three), 0);
	assert_int_equal(v.records, 8);
	/* Files out of order break the chain. */
	both[0] = trail;
	both[1] = old;
	assert_int_equal(verify(&v, NULL, both), 1);
}

/* ---------------------------------------------------------------- torn */

/* Opens a trail with a torn tail; checks the recovery record. */
static void
check_torn(const char *tail, size_t taillen, uint64_t before)
{
	struct audit	*a;
	struct lines	 l;
	char		 sha[AUDIT_HASH_LEN + 1];
	json_t		*j, *torn;

	append_file(trail, tail, taillen);
	a = open_trail(trail);
	submit_wait(a, 100, 1, 1);
	audit_close_stats(a, NULL);
	read_lines(trail, &l);
	assert_int_equal(l.n, before + 2);
	j = line_json(&l, before);
	assert_string_equal(json_string_value(json_object_get(j, "event")),
	    "recovery");
	assert_string_equal(json_string_value(json_object_get(j, "reason")),
	    "torn tail");
	torn = json_object_get(j, "torn");
	assert_int_equal(json_integer_value(json_object_get(torn, "bytes")),
	    taillen);
	fingerprint_sha256_hex(tail, taillen, sha);
	assert_string_equal(json_string_value(json_object_get(torn, "sha256")),
	    sha);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "policy"), "sha256")), "c0ffee");
	json_decref(j);
	free(l.buf);
	assert_intact(trail, before + 2);
}

static void
test_torn_tail(void **state)
{
	struct audit	*a;
	static const char frag[] = "{\"_id\":\"5f1\",\"da";
	static const char zeros[] = "\0\0\0\0\0\0\n\0\0\0";

	(void)state;
	a = open_trail(trail);
	submit_wait(a, 1, 3, 1);
	audit_close_stats(a, NULL);
	/* A write cut short. */
	check_torn(frag, sizeof(frag) - 1, 3);
	/* Zeros a crash left, with a newline among them. */
	check_torn(zeros, sizeof(zeros) - 1, 5);
	/* A complete line that is no record. */
	check_torn("garbage\n", 8, 7);
}

/* A crash during the very first write: the chain starts afresh. */
static void
test_torn_first(void **state)
{
	static const char frag[] = "{\"_id\":\"5f1\",\"da";

	(void)state;
	check_torn(frag, sizeof(frag) - 1, 0);
}

/* More than a torn line at the end: not ours to cut. */
static void
test_foreign_refused(void **state)
{
	struct trail_conf	 c = conf_for(trail, 16);
	struct audit		*a;
	char			 err[512];
	static const char	 text[] = "root:x:0:0\ndaemon:x:1:1\nbin:x:2";

	(void)state;
	write_file(trail, text, sizeof(text) - 1);
	a = audit_open(c.file, c.queue_size, NULL, NULL, err, sizeof(err));
	assert_null(a);
	assert_non_null(strstr(err, trail));
	assert_non_null(strstr(err, "not audit records"));
	assert_int_equal(file_size(trail), sizeof(text) - 1);

	/* Another writer holds the trail. */
	unlink(trail);
	a = open_trail(trail);
	assert_null(audit_open(c.file, c.queue_size, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "in use by another ldgate"));
	audit_close_stats(a, NULL);

	c.file = tmpdir;	/* a directory */
	assert_null(audit_open(c.file, c.queue_size, NULL, NULL, err, sizeof(err)));
	snprintf(trail, sizeof(trail), "%s/no/such/dir/audit.log", tmpdir);
	c.file = trail;
	assert_null(audit_open(c.file, c.queue_size, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
}

/*
 * The trail is opened by its own name only: a symbolic link there (to a
 * new file or an existing one) is refused and nothing is written through
 * it; a trail ldgate creates is mode 0600.
 */
static void
test_trail_file_safety(void **state)
{
	struct trail_conf	 c = conf_for(trail, 16);
	struct audit		*a;
	struct stat		 st;
	char			 err[512], target[PATH_MAX + 16];

	(void)state;
	snprintf(target, sizeof(target), "%s/elsewhere", tmpdir);
	assert_int_equal(symlink(target, trail), 0);
	assert_null(audit_open(c.file, c.queue_size, NULL, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "is a symbolic link"));
	assert_int_equal(lstat(target, &st), -1);	/* not created */
	write_file(target, "", 0);
	assert_null(audit_open(c.file, c.queue_size, NULL, NULL, err, sizeof(err)));
	assert_int_equal(file_size(target), 0);		/* nothing written */
	unlink(trail);

	assert_non_null(a = open_trail(trail));
	assert_int_equal(stat(trail, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	audit_close_stats(a, NULL);
}

/* instance names the writer in every line, just before seq; a name that
 * could break the line is refused. */
static void
test_instance(void **state)
{
	struct trail_conf	 c = conf_for(trail, 16);
	struct audit		*a;
	struct lines		 l;
	char			 err[512], *text;

	(void)state;
	assert_non_null(a = audit_open(c.file, c.queue_size, NULL, "gw-1.a_b",
	    err, sizeof(err)));
	assert_int_equal(audit_append(a, audit_event_new("start")), 0);
	assert_non_null(text = strdup("{"));
	assert_int_equal(audit_append_text(a, text, 1), 0);
	audit_close_stats(a, NULL);
	read_lines(trail, &l);
	assert_int_equal(l.n, 2);
	assert_non_null(strstr(l.line[0], "\"event\":\"start\",\"instance\":"
	    "\"gw-1.a_b\",\"seq\":1,"));
	assert_int_equal(strncmp(l.line[1], "{\"instance\":\"gw-1.a_b\","
	    "\"seq\":2,", 30), 0);
	free(l.buf);
	assert_intact(trail, 2);
	assert_null(audit_open(c.file, c.queue_size, NULL, "a\"b", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "instance"));
	assert_null(audit_open(c.file, c.queue_size, NULL, "", err,
	    sizeof(err)));
}

/* ---------------------------------------------------------------- queue */

static void
test_group_commit(void **state)
{
	struct audit		*a;
	struct audit_stats	 st;
	struct waiter		 w = { 0, 0 };
	json_t			*recs[100];
	int			 i;

	(void)state;
	a = open_trail(trail);
	for (i = 0; i < 100; i++)
		recs[i] = record(i);
	for (i = 0; i < 100; i++)
		assert_non_null(submit_json(a, notify, recs[i], done_cb, &w));
	wait_calls(&w, 100);
	assert_int_equal(w.durable, 100);
	audit_stats(a, &st);
	assert_int_equal(st.records, 100);
	assert_true(st.fsyncs < 100);
	print_message("100 records, %llu fsyncs\n",
	    (unsigned long long)st.fsyncs);
	audit_close_stats(a, NULL);
	assert_intact(trail, 100);
}

/* A pass of the loop that submits records a few at a time, slowly. */
struct burst {
	struct audit	*a;
	struct waiter	*w;
	int		 n;
};

static void
burst_cb(evutil_socket_t fd, short what, void *arg)
{
	struct burst	*b = arg;
	int		 i;

	(void)fd;
	(void)what;
	for (i = 0; i < b->n; i++) {
		assert_non_null(submit_json(b->a, notify, record(i), done_cb,
		    b->w));
		usleep(1000);	/* a writer woken now would commit alone */
	}
}

/*
 * With audit_notify_batch, what one pass of the loop submits is one group
 * commit, however long the pass takes: the writer is woken after it.
 */
static void
test_batched_wakeup(void **state)
{
	struct audit		*a;
	struct audit_stats	 before, after;
	struct waiter		 w = { 0, 0 };
	struct burst		 b;
	struct event		*ev;

	(void)state;
	a = open_trail(trail);
	assert_int_equal(audit_notify_batch(notify, a), 0);
	/* A commit first: the writer's lazy poll (100 ms) starts afresh
	 * once it is back waiting, which 10 ms leaves it time to be. */
	submit_wait(a, 0, 1, 1);
	usleep(10000);
	audit_stats(a, &before);
	b.a = a;
	b.w = &w;
	b.n = 4;
	assert_non_null(ev = event_new(base, -1, 0, burst_cb, &b));
	event_active(ev, EV_TIMEOUT, 0);
	wait_calls(&w, 4);
	event_free(ev);
	audit_stats(a, &after);
	assert_int_equal(after.records - before.records, 4);
	assert_int_equal(after.fsyncs - before.fsyncs, 1);
	audit_close_stats(a, NULL);
	assert_intact(trail, 5);
}

static void
test_queue_full(void **state)
{
	struct trail_conf	 c = conf_for(trail, 4);
	struct audit		*a;
	struct waiter		 w = { 0, 0 };
	char			 err[512];
	int			 i;

	(void)state;
	/* No writer yet: nothing drains the queue. */
	assert_non_null(a = audit_new(c.file, c.queue_size, NULL, NULL, err, sizeof(err)));
	for (i = 0; i < 3; i++)
		assert_non_null(submit_json(a, notify, record(i), done_cb, &w));
	assert_int_equal(audit_append(a, record(3)), 0);
	assert_null(submit_json(a, notify, record(4), done_cb, &w));
	assert_int_equal(audit_append(a, record(5)), -1);
	assert_int_equal(audit_start(a), 0);
	wait_calls(&w, 3);
	assert_int_equal(w.durable, 3);
	/* Room again. */
	submit_wait(a, 6, 4, 1);
	audit_close_stats(a, NULL);
	assert_intact(trail, 8);
}

/* ---------------------------------------------------------------- failure */

static void
set_fsize(rlim_t limit)
{
	struct rlimit	rl;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = limit;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static void
test_write_failure(void **state)
{
	struct audit		*a;
	struct audit_stats	 st;
	struct rlimit		 saved;
	struct lines		 l;
	off_t			 size;
	json_t			*j, *failed;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	a = open_trail(trail);
	submit_wait(a, 1, 2, 1);
	size = file_size(trail);
	/* Room for part of one line: a partial write, then EFBIG. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	set_fsize((rlim_t)size + 10);
	submit_wait(a, 3, 3, 0);
	set_fsize(saved.rlim_cur);
	/* Cut back: no half line. */
	assert_int_equal(file_size(trail), size);
	audit_stats(a, &st);
	assert_int_equal(st.failed_records, 3);
	assert_true(st.failed_batches >= 1);
	/* The next batch works and starts with a recovery record. */
	submit_wait(a, 6, 1, 1);
	audit_close_stats(a, NULL);
	read_lines(trail, &l);
	assert_int_equal(l.n, 4);
	j = line_json(&l, 2);
	assert_string_equal(json_string_value(json_object_get(j, "event")),
	    "recovery");
	assert_string_equal(json_string_value(json_object_get(j, "reason")),
	    "write failed");
	failed = json_object_get(j, "failed");
	assert_int_equal(json_integer_value(json_object_get(failed, "records")),
	    3);
	assert_string_equal(json_string_value(json_object_get(failed, "error")),
	    strerror(EFBIG));
	assert_null(json_object_get(j, "torn"));
	json_decref(j);
	j = line_json(&l, 3);
	assert_int_equal(json_integer_value(json_object_get(j, "n")), 6);
	json_decref(j);
	free(l.buf);
	assert_intact(trail, 4);
	signal(SIGXFSZ, SIG_DFL);
}

static void
test_dir_removed(void **state)
{
	struct audit		*a;
	struct audit_verify	 v;
	struct lines		 l;
	char			 dir[1100], keep[1100], cmd[4096];
	const char		*files[] = { keep, trail, NULL };
	json_t			*j;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/sub", tmpdir);
	snprintf(keep, sizeof(keep), "%s/kept.log", tmpdir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(trail, sizeof(trail), "%s/audit.log", dir);
	a = open_trail(trail);
	submit_wait(a, 1, 2, 1);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && rm -rf '%s'", trail, keep,
	    dir);
	assert_int_equal(system(cmd), 0);
	/* Nowhere to write: refused, again and again. */
	submit_wait(a, 3, 2, 0);
	submit_wait(a, 5, 1, 0);
	assert_int_equal(audit_append(a, record(6)), 0);
	wait_idle(a);
	/* The directory is back: ldgate recovers by itself. */
	assert_int_equal(mkdir(dir, 0700), 0);
	submit_wait(a, 7, 1, 1);
	audit_close_stats(a, NULL);
	read_lines(trail, &l);
	assert_int_equal(l.n, 2);
	j = line_json(&l, 0);
	assert_string_equal(json_string_value(json_object_get(j, "event")),
	    "recovery");
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(j, "failed"), "records")), 4);
	assert_int_equal(json_integer_value(json_object_get(j, "seq")), 3);
	json_decref(j);
	free(l.buf);
	assert_int_equal(verify(&v, NULL, files), 0);
	assert_int_equal(v.records, 4);
	assert_int_equal(v.recoveries, 1);
}

/*
 * A failed batch whose lines could not be cut back stays in the file; the
 * reopen resyncs from it and notes those lines as "unconfirmed".
 */
static void
test_unconfirmed(void **state)
{
	struct audit	*a;
	struct lines	 l;
	json_t		*j;

	(void)state;
	a = open_trail(trail);
	submit_wait(a, 1, 2, 1);
	read_lines(trail, &l);
	/* The writer is idle; holding its mutex keeps it so. */
	pthread_mutex_lock(&a->a_mtx);
	a->a_rec.failed_batches = 1;
	a->a_rec.failed_records = 1;
	a->a_rec.pending = 1;
	a->a_seq = 1;
	fingerprint_sha256_hex(l.line[0], l.linelen[0] - 1, a->a_prev);
	trail_close(a);
	pthread_mutex_unlock(&a->a_mtx);
	free(l.buf);
	submit_wait(a, 3, 1, 1);
	audit_close_stats(a, NULL);
	read_lines(trail, &l);
	assert_int_equal(l.n, 4);
	j = line_json(&l, 2);
	assert_string_equal(json_string_value(json_object_get(j, "event")),
	    "recovery");
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(j, "unconfirmed"), "from")), 2);
	assert_int_equal(json_integer_value(json_object_get(
	    json_object_get(j, "unconfirmed"), "to")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "seq")), 3);
	json_decref(j);
	free(l.buf);
	assert_intact(trail, 4);
}

/* ---------------------------------------------------------------- detach */

static void
test_detach(void **state)
{
	struct audit		*a;
	struct audit_rec	*r;
	struct waiter		 w = { 0, 0 };
	struct audit_notify	*other;

	(void)state;
	a = open_trail(trail);
	/* Detached while queued or being written. */
	assert_non_null(r = submit_json(a, notify, record(1), never_cb, NULL));
	audit_detach(r);
	/* Detached once completed, before the loop delivered it. */
	assert_non_null(r = submit_json(a, notify, record(2), never_cb, NULL));
	wait_idle(a);
	audit_detach(r);
	submit_wait(a, 3, 1, 1);
	/* A notify freed with records in flight; one never run. */
	assert_non_null(other = audit_notify_new(base));
	assert_non_null(submit_json(a, other, record(4), never_cb, NULL));
	audit_notify_free(other);
	assert_non_null(other = audit_notify_new(base));
	assert_non_null(submit_json(a, other, record(5), never_cb, NULL));
	wait_idle(a);
	audit_notify_free(other);
	/* Completions outlive audit_close. */
	assert_non_null(submit_json(a, notify, record(6), done_cb, &w));
	audit_close_stats(a, NULL);
	wait_calls(&w, 1);
	assert_int_equal(w.durable, 1);
	assert_intact(trail, 6);
}

struct stress_rec {
	struct audit_rec	*rec;
	int			 state;	/* 0 waiting, 1 done, 2 detached */
};

static int	stress_done;

static void
stress_cb(struct audit_rec *rec, int durable, void *arg)
{
	struct stress_rec	*s = arg;

	assert_ptr_equal(rec, s->rec);
	assert_int_equal(s->state, 0);
	assert_int_equal(durable, 1);
	s->state = 1;
	stress_done++;
}

/* Detach racing the writer: done() exactly for the records not detached. */
static void
test_detach_stress(void **state)
{
	struct audit		*a;
	struct stress_rec	*s;
	struct waiter		 w = { 0, 0 };
	int			 i, j, detached = 0;

	(void)state;
	a = open_trail(trail);
	assert_non_null(s = calloc(2000, sizeof(*s)));
	stress_done = 0;
	for (i = 0; i < 2000; i++) {
		s[i].rec = submit_json(a, notify, record(i), stress_cb, &s[i]);
		assert_non_null(s[i].rec);
		if (i % 7 == 0)
			event_base_loop(base, EVLOOP_NONBLOCK);
		/* Detach an earlier record, whatever stage it is in. */
		j = (i * 31) % (i + 1);
		if (j % 3 == 0 && s[j].state == 0) {
			audit_detach(s[j].rec);
			s[j].state = 2;
			detached++;
		}
	}
	/* Wait for the rest through one more record. */
	assert_non_null(submit_json(a, notify, record(-1), done_cb, &w));
	wait_calls(&w, 1);
	assert_int_equal(stress_done + detached, 2000);
	for (i = 0; i < 2000; i++)
		assert_int_not_equal(s[i].state, 0);
	free(s);
	audit_close_stats(a, NULL);
	assert_intact(trail, 2001);
}

/* ---------------------------------------------------------------- verify */

/* Writes a trail of 6 records; fills l with its lines. */
static void
six(struct lines *l)
{
	struct audit	*a;

	a = open_trail(trail);
	submit_wait(a, 1, 6, 1);
	audit_close_stats(a, NULL);
	read_lines(trail, l);
	assert_int_equal(l->n, 6);
}

static void
assert_broken(const char *path, const char *where, const char *why)
{
	struct audit_verify	 v;
	const char		*files[] = { path, NULL };
	char			 at[1300];

	assert_int_equal(verify(&v, NULL, files), 1);
	snprintf(at, sizeof(at), "%s:%s: ", path, where);
	if (strncmp(v.why, at, strlen(at)) != 0 || strstr(v.why, why) == NULL)
		fail_msg("expected \"%s...%s\", got \"%s\"", at, why, v.why);
}

static void
test_verify_intact(void **state)
{
	struct audit_verify	 v;
	struct lines		 l;
	char			 a[1100], b[1100], last[AUDIT_HASH_LEN + 1];
	const char		*files[] = { a, b, NULL };
	const char		*empty[] = { a, NULL };
	static const int	 first[] = { 0, 1, 2, -1 }, second[] = { 3, 4,
	    5, -1 };

	(void)state;
	six(&l);
	assert_int_equal(verify(&v, NULL, (const char *[]){ trail, NULL }), 0);
	assert_int_equal(v.records, 6);
	assert_int_equal(v.seq_first, 1);
	assert_int_equal(v.seq_last, 6);
	assert_int_equal(v.recoveries, 0);
	fingerprint_sha256_hex(l.line[5], l.linelen[5] - 1, last);
	assert_string_equal(v.last, last);
	/* Split in two files, in order. */
	snprintf(a, sizeof(a), "%s/a", tmpdir);
	snprintf(b, sizeof(b), "%s/b", tmpdir);
	write_order(a, &l, first);
	write_order(b, &l, second);
	assert_int_equal(verify(&v, NULL, files), 0);
	assert_int_equal(v.records, 6);
	assert_string_equal(v.last, last);
	/* An empty file is an intact, empty trail. */
	write_file(a, "", 0);
	assert_int_equal(verify(&v, NULL, empty), 0);
	assert_int_equal(v.records, 0);
	/* A missing file is an I/O error. */
	unlink(a);
	assert_int_equal(verify(&v, NULL, empty), -1);
	assert_non_null(strstr(v.why, "No such file"));
	free(l.buf);
}

static void
test_verify_tampering(void **state)
{
	struct lines	 l;
	char		 t[1100], *edit, *p;
	static const int del[] = { 0, 1, 3, 4, 5, -1 };
	static const int dup[] = { 0, 1, 1, 2, 3, 4, 5, -1 };
	static const int swap[] = { 0, 1, 3, 2, 4, 5, -1 };
	static const int dellast[] = { 0, 1, 2, 3, 4, -1 };
	static const int delfirst[] = { 1, 2, 3, 4, 5, -1 };

	(void)state;
	six(&l);
	snprintf(t, sizeof(t), "%s/t", tmpdir);

	/* Edited: "n":3 becomes "n":8 in line 3; line 4 no longer chains. */
	assert_non_null(edit = malloc(l.len));
	memcpy(edit, l.buf, l.len);
	assert_non_null(p = strstr(edit + (l.line[2] - l.buf), "\"n\":3"));
	p[4] = '8';
	write_file(t, edit, l.len);
	assert_broken(t, "4", "prev is not the sha256 of the line before");
	/* Edited so the line is no JSON any more. */
	p[4] = '}';
	write_file(t, edit, l.len);
	assert_broken(t, "3", "not JSON");
	free(edit);

	write_order(t, &l, del);
	assert_broken(t, "3", "seq 4 follows seq 2");
	write_order(t, &l, dup);
	assert_broken(t, "3", "seq 2 follows seq 2");
	write_order(t, &l, swap);
	assert_broken(t, "3", "seq 4 follows seq 2");
	write_order(t, &l, delfirst);
	assert_broken(t, "1", "seq 2, not 1");
	/* The newest line cut: the chain cannot tell (docs/audit.md). */
	write_order(t, &l, dellast);
	assert_intact(t, 5);

	/* A torn last line. */
	write_file(t, l.buf, l.len - 1);
	assert_broken(t, "6", "no newline");
	write_file(t, "[1,2]\n", 6);
	assert_broken(t, "1", "not a JSON object");
	write_file(t, "{\"seq\":1}\n", 10);
	assert_broken(t, "1", "no \"prev\"");
	free(l.buf);
}

/* Chains lines by hand: prev right, seq as given. */
static void
test_verify_seq_gap(void **state)
{
	static const int	 seqs[] = { 1, 2, 4, 5 };
	char			 t[1100], prev[AUDIT_HASH_LEN + 1], line[256];
	FILE			*fp;
	size_t			 i;
	int			 n;

	(void)state;
	snprintf(t, sizeof(t), "%s/gap", tmpdir);
	memcpy(prev, AUDIT_ZERO_HASH, sizeof(prev));
	assert_non_null(fp = fopen(t, "w"));
	for (i = 0; i < 4; i++) {
		n = snprintf(line, sizeof(line), "{\"event\":\"x\",\"seq\":%d,"
		    "\"prev\":\"%s\"}", seqs[i], prev);
		fprintf(fp, "%s\n", line);
		fingerprint_sha256_hex(line, (size_t)n, prev);
	}
	fclose(fp);
	assert_broken(t, "3", "seq 4 follows seq 2 (");
	/* The first record's prev must be zeros. */
	assert_non_null(fp = fopen(t, "w"));
	fprintf(fp, "{\"seq\":1,\"prev\":\"%s\"}\n", prev);
	fclose(fp);
	assert_broken(t, "1", "prev is not 64 zeros");
}

static void
test_ids(void **state)
{
	char	a[AUDIT_ID_LEN + 1], b[AUDIT_ID_LEN + 1];
	json_t	*j;

	(void)state;
	audit_id_new(a);
	audit_id_new(b);
	assert_int_equal(strlen(a), AUDIT_ID_LEN);
	assert_int_equal(strspn(a, "0123456789abcdef"), AUDIT_ID_LEN);
	assert_string_not_equal(a, b);
	assert_memory_equal(a + 8, b + 8, 10);	/* same process */
	assert_non_null(j = audit_event_new("start"));
	assert_int_equal(json_object_size(j), 3);
	assert_true(json_integer_value(json_object_get(j, "date")) >
	    1600000000000LL);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caller_seq_replaced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_first, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_foreign_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_trail_file_safety, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_instance, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_group_commit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_batched_wakeup, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dir_removed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unconfirmed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_detach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detach_stress, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_intact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_tampering, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verify_seq_gap, setup,
		    teardown),
	};

	/* Completions cross threads: before any event_base exists. */
	if (evthread_use_pthreads() == -1)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
