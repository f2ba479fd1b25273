/*
 * fsutil: the two file-system steps durability rests on, shared by the
 * audit trail and the redaction key file.
 */
#ifndef LDGATE_FSUTIL_H
#define LDGATE_FSUTIL_H

#include <stddef.h>

/* Writes all of buf, retrying short writes and EINTR; 0 or -1 (errno). */
int	fsutil_write_full(int fd, const void *buf, size_t len);
/* fsyncs the directory holding path, so a new name in it survives a
 * crash; 0 or -1 with errno preserved. */
int	fsutil_sync_dir(const char *path);

#endif
