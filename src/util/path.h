/*
 * Path resolution inside a container root.  Every path a bundle controls is
 * resolved relative to an fd of the rootfs with openat2(2): symlinks are
 * either resolved as if the rootfs were "/" (RESOLVE_IN_ROOT) or refused
 * (RESOLVE_NO_SYMLINKS), and magic links (/proc/self/fd/N) never followed.
 * Nothing here calls realpath(3) on a container-controlled path.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/openat2.h>

int openat2_fd(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);

/* Lexically clean an absolute path ("//a/./b/../c" -> "/a/c"). */
int path_clean(const char *in, char *out, size_t n);
/* Split a cleaned absolute path into its directory ("/a/b" -> "/a") and last name. */
void path_split(const char *clean, char *dir, size_t n, const char **base);

enum in_root_mode {
	IN_ROOT_FOLLOW,   /* symlinks are resolved, scoped to the rootfs */
	IN_ROOT_NOFOLLOW, /* any symlink on the way is refused (ELOOP) */
};

/* O_PATH (plus extra flags) fd of path inside root. */
int in_root_open(int rootfd, const char *path, int flags, enum in_root_mode mode);
/* Ensure the directory exists (creating missing parts, mode) and return an O_PATH fd. */
int in_root_mkdirs(int rootfd, const char *path, mode_t mode, enum in_root_mode how);
/* Ensure a regular file (or existing non-directory) exists; return an O_PATH fd. */
int in_root_mkfile(int rootfd, const char *path, mode_t mode, enum in_root_mode how);
