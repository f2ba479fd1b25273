/*
 * Unit tests for src/util/fsutil.c on real files in a fresh directory:
 * fsutil_write_full writes every byte even when a signal cuts a write()
 * short or makes it fail with EINTR, and reports a write that fails; fsutil_sync_dir syncs the
 * directory holding a path and keeps errno when it cannot.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/fsutil.h"

static char	tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ldgate-test-fsutil.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The whole file at path (caller frees); its size in *len. */
static char *
slurp(const char *path, size_t *len)
{
	struct stat	 st;
	char		*buf;
	int		 fd;

	assert_true((fd = open(path, O_RDONLY)) != -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_non_null(buf = malloc((size_t)st.st_size + 1));
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void
test_write_file(void **state)
{
	char	 path[128], *buf, *got;
	size_t	 i, len, n = 3 * 1024 * 1024 + 17;
	int	 fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/big", tmpdir);
	assert_non_null(buf = malloc(n));
	for (i = 0; i < n; i++)
		buf[i] = (char)(i * 31 + i / 7);
	assert_true((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) != -1);
	assert_int_equal(fsutil_write_full(fd, "head:", 5), 0);
	assert_int_equal(fsutil_write_full(fd, buf, n), 0);
	/* Nothing to write is success, and writes nothing. */
	assert_int_equal(fsutil_write_full(fd, buf, 0), 0);
	close(fd);
	got = slurp(path, &len);
	assert_int_equal(len, n + 5);
	assert_memory_equal(got, "head:", 5);
	assert_memory_equal(got + 5, buf, n);
	free(got);
	free(buf);
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * A blocking write interrupted by a signal handler returns what it had
 * moved so far, or fails with EINTR when that was nothing.  A child
 * writes into a pipe under a fast interval timer (no SA_RESTART) while
 * the parent reads slowly: both happen many times, and every byte must
 * still arrive, in order.
 */
static void
test_interrupted_writes(void **state)
{
	struct sigaction	 sa;
	struct itimerval	 it;
	char			*buf, *got;
	size_t			 i, n = 2 * 1024 * 1024, have = 0;
	ssize_t			 r;
	pid_t			 pid;
	int			 p[2], status;

	(void)state;
	assert_non_null(buf = malloc(n));
	assert_non_null(got = malloc(n));
	for (i = 0; i < n; i++)
		buf[i] = (char)(i % 251);
	assert_int_equal(pipe(p), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(p[0]);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sa.sa_flags = 0;	/* no SA_RESTART: write() returns */
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGALRM, &sa, NULL) == -1)
			_exit(2);
		memset(&it, 0, sizeof(it));
		it.it_interval.tv_usec = 200;
		it.it_value.tv_usec = 200;
		if (setitimer(ITIMER_REAL, &it, NULL) == -1)
			_exit(2);
		_exit(fsutil_write_full(p[1], buf, n) == 0 ? 0 : 1);
	}
	close(p[1]);
	/* Small reads, so the writer keeps waiting on a full pipe. */
	while ((r = read(p[0], got + have, have + 4093 < n ? 4093 :
	    n - have)) > 0) {
		have += (size_t)r;
		usleep(100);
	}
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(have, n);
	assert_memory_equal(got, buf, n);
	free(buf);
	free(got);
}

/* A write that fails is -1 with errno, not a loop or a success. */
static void
test_write_errors(void **state)
{
	char	path[128];
	int	fd, p[2];
	void	(*old)(int);

	(void)state;
	errno = 0;
	assert_int_equal(fsutil_write_full(-1, "x", 1), -1);
	assert_int_equal(errno, EBADF);

	/* Read-only descriptor. */
	snprintf(path, sizeof(path), "%s/ro", tmpdir);
	assert_true((fd = open(path, O_RDONLY | O_CREAT, 0600)) != -1);
	errno = 0;
	assert_int_equal(fsutil_write_full(fd, "x", 1), -1);
	assert_int_equal(errno, EBADF);
	close(fd);

	/* Nobody reading: EPIPE (with SIGPIPE ignored, as ldgate does). */
	old = signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	errno = 0;
	assert_int_equal(fsutil_write_full(p[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(p[1]);
	signal(SIGPIPE, old);

	/* /dev/full: no space, the audit trail's failure. */
	if ((fd = open("/dev/full", O_WRONLY)) != -1) {
		errno = 0;
		assert_int_equal(fsutil_write_full(fd, "x", 1), -1);
		assert_int_equal(errno, ENOSPC);
		close(fd);
	}
}

static void
test_sync_dir(void **state)
{
	char	path[PATH_MAX + 16], sub[128];
	size_t	i;
	int	fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/new-file", tmpdir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	assert_int_equal(fsutil_sync_dir(path), 0);
	/* The path itself is left as it was (dirname works on a copy). */
	snprintf(sub, sizeof(sub), "%s/new-file", tmpdir);
	assert_string_equal(path, sub);
	/* The file need not exist: only its directory does. */
	snprintf(path, sizeof(path), "%s/not-yet", tmpdir);
	assert_int_equal(fsutil_sync_dir(path), 0);
	/* A path in a subdirectory syncs that one. */
	snprintf(sub, sizeof(sub), "%s/sub", tmpdir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/sub/f", tmpdir);
	assert_int_equal(fsutil_sync_dir(path), 0);
	/* A bare name is in the current directory. */
	assert_int_equal(fsutil_sync_dir("relative-name"), 0);

	/* No such directory: -1 and ENOENT. */
	snprintf(path, sizeof(path), "%s/missing/f", tmpdir);
	errno = 0;
	assert_int_equal(fsutil_sync_dir(path), -1);
	assert_int_equal(errno, ENOENT);
	/* Its "directory" a file: ENOTDIR. */
	snprintf(path, sizeof(path), "%s/new-file/f", tmpdir);
	errno = 0;
	assert_int_equal(fsutil_sync_dir(path), -1);
	assert_int_equal(errno, ENOTDIR);
	/* Too long for the copy: ENAMETOOLONG, not a truncated path. */
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	for (i = 100; i < sizeof(path) - 1; i += 100)
		path[i] = '/';
	errno = 0;
	assert_int_equal(fsutil_sync_dir(path), -1);
	assert_int_equal(errno, ENAMETOOLONG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_file),
		cmocka_unit_test(test_interrupted_writes),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_sync_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
