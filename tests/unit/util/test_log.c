/*
 * Unit tests for src/util/log.c, the operator log on stderr: one line per
 * event, "<UTC time to the millisecond>Z <progname> <level>: <message>",
 * with ": strerror(errno)" after log_warn and log_fatal only, errno left
 * as it was, debug lines only when verbose, and a fatal exit status of 1.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/log.h"

static char	path[64];
static int	saved_fd = -1;

/* Sends stderr to a fresh temporary file. */
static void
capture(void)
{
	int	fd;

	snprintf(path, sizeof(path), "/tmp/ldgate-test-log.XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	fflush(stderr);
	assert_true((saved_fd = dup(STDERR_FILENO)) != -1);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Restores stderr; returns what was written (caller frees). */
static char *
captured(void)
{
	char	*buf;
	long	 n;
	FILE	*fp;

	fflush(stderr);
	assert_int_equal(dup2(saved_fd, STDERR_FILENO), STDERR_FILENO);
	close(saved_fd);
	assert_non_null(fp = fopen(path, "r"));
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	assert_non_null(buf = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	unlink(path);
	return buf;
}

/*
 * line is one log line: a timestamp within a few seconds of now, then
 * rest exactly.  Returns the next line.
 */
static const char *
expect_line(const char *line, const char *rest)
{
	struct tm	 tm;
	time_t		 t, now = time(NULL);
	const char	*nl;
	int		 ms, n = 0;

	assert_non_null(nl = strchr(line, '\n'));
	memset(&tm, 0, sizeof(tm));
	if (sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ %n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms,
	    &n) != 7 || n != 25)
		fail_msg("no timestamp: %.*s", (int)(nl - line), line);
	assert_true(ms >= 0 && ms <= 999);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	/* UTC, not local time. */
	t = timegm(&tm);
	if (t < now - 5 || t > now + 1)
		fail_msg("timestamp %.24s is not now (%lld)", line,
		    (long long)now);
	if ((size_t)(nl - line - n) != strlen(rest) ||
	    strncmp(line + n, rest, strlen(rest)) != 0)
		fail_msg("got \"%.*s\", want \"%s\"", (int)(nl - line - n),
		    line + n, rest);
	return nl + 1;
}

static void
test_levels(void **state)
{
	const char	*p;
	char		*out, want[128];

	(void)state;
	log_init("ldgate-test", 0);
	capture();
	log_warnx("plain %d %s", 7, "x");
	errno = ENOENT;
	log_warn("open %s", "/nonexistent");
	assert_int_equal(errno, ENOENT);
	errno = EACCES;
	log_info("started %s", "ok");
	log_debug("not shown");
	assert_int_equal(errno, EACCES);
	out = captured();
	p = expect_line(out, "ldgate-test warning: plain 7 x");
	snprintf(want, sizeof(want), "ldgate-test warning: open /nonexistent: "
	    "%s", strerror(ENOENT));
	p = expect_line(p, want);
	/* info takes no errno suffix, and debug is off. */
	p = expect_line(p, "ldgate-test info: started ok");
	assert_string_equal(p, "");
	free(out);

	log_init("other", 1);
	capture();
	log_debug("shown %d", 2);
	out = captured();
	p = expect_line(out, "other debug: shown 2");
	assert_string_equal(p, "");
	free(out);
}

/*
 * log_warn keeps errno even when writing the line fails (stderr full):
 * callers log and then test errno.
 */
static void
test_errno_kept(void **state)
{
	int	fd, saved;

	(void)state;
	if ((fd = open("/dev/full", O_WRONLY)) == -1)
		skip();
	fflush(stderr);
	assert_true((saved = dup(STDERR_FILENO)) != -1);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	errno = ENOENT;
	log_warn("lost");
	fd = errno;
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	assert_int_equal(fd, ENOENT);
}

/* A long message is cut, still one line. */
static void
test_long(void **state)
{
	char	*big, *out;
	size_t	 lines = 0;
	const char *p;

	(void)state;
	log_init("ldgate", 0);
	assert_non_null(big = malloc(5000));
	memset(big, 'm', 4999);
	big[4999] = '\0';
	capture();
	log_warnx("%s", big);
	out = captured();
	for (p = out; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1);
	assert_true(strlen(out) < 1100);
	assert_non_null(strstr(out, " ldgate warning: mmm"));
	free(out);
	free(big);
}

/* Fatal: the line, then exit 1 (in a child). */
static void
test_fatal(void **state)
{
	pid_t	 pid;
	int	 status, which;
	char	*out, want[128];

	(void)state;
	for (which = 0; which < 2; which++) {
		capture();
		assert_true((pid = fork()) != -1);
		if (pid == 0) {
			log_init("ldgate", 0);
			errno = EPERM;
			if (which == 0)
				log_fatal("cannot %s", "start");
			log_fatalx("broken %s", "invariant");
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		out = captured();
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 1);
		if (which == 0)
			snprintf(want, sizeof(want), "ldgate fatal: cannot "
			    "start: %s", strerror(EPERM));
		else
			snprintf(want, sizeof(want), "ldgate fatal: broken "
			    "invariant");
		assert_string_equal(expect_line(out, want), "");
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_errno_kept),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_fatal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
