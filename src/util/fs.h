/* File helpers for host-side paths (state directory, cgroupfs, /proc). */
#pragma once

#include <stdbool.h>
#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

/* Read a whole file (at most max bytes) into a malloc'd NUL-terminated buffer. */
int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len);
/* Read fd to EOF into a malloc'd, NUL-terminated buffer of at most max bytes (-EFBIG beyond). */
int read_fd_all(int fd, size_t max, char **out, size_t *len);
/* Read a small file into buf (NUL-terminated, trailing newline kept). */
int read_small_at(int dirfd, const char *path, char *buf, size_t n);
/* open(O_WRONLY|O_TRUNC) + write; no O_CREAT: cgroupfs and procfs knobs. */
int write_knob_at(int dirfd, const char *path, const char *data);
/* Write via a temporary file and rename(2) so readers see all or nothing. */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode);
int mkdir_p(const char *path, mode_t mode);
/* opendir(3) of dirfd/path, its last component not followed if a symlink;
 * NULL with errno set, and nothing left open, on failure. */
DIR *opendir_at(int dirfd, const char *path);
/* Remove a directory tree below dirfd/name without following symlinks. */
int rm_rf_at(int dirfd, const char *name);
int write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);
/* "123\n" -> 123; returns -EINVAL on junk. */
int parse_u64(const char *s, unsigned long long *out);
int parse_i64(const char *s, long long *out);
