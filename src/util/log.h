/*
 * log: the operator log, one line per event on stderr.  log_warn appends
 * strerror(errno), log_warnx does not (OpenBSD httpd/relayd).  Nothing
 * secret is ever passed here: no token, no integration config value.
 * Levels are honest (docs/design.md section 5, "Operator log"): error is
 * what stops ldgate (it exits after saying so), warning what an operator
 * should look at while it runs.
 */
#ifndef LDGATE_LOG_H
#define LDGATE_LOG_H

#include <stdarg.h>

void	log_init(const char *progname, int verbose);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* What stops ldgate; the caller then exits non-zero. */
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errorx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* For start-up failures and broken invariants only; never for bad input. */
void	log_fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	log_fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
