/*
 * Mounts inside the container's root, with the new mount API only:
 * a filesystem or a bind is prepared as a detached mount (fsopen/fsmount or
 * open_tree), its flags set with mount_setattr, and attached with
 * move_mount onto an O_PATH fd of the destination that openat2 resolved
 * inside the rootfs.  No path is looked up twice, so a container cannot
 * swap a directory for a symlink between the check and the mount
 * (CVE-2021-30465 class).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/mount.h>

#include "oci/spec.h"
#include "sandbox/cgroup.h"

struct mount_env {
	int rootfd;             /* O_PATH fd of the container's root (bind-mounted onto itself) */
	const char *config;     /* config file name for messages */
	bool userns;            /* inside a new user namespace: no mknod, some mounts need fallbacks */
	bool cgroupns;          /* the container has its own cgroup namespace */
	bool netns;             /* the container has its own network namespace */
	const struct cgroup *cg; /* for "cgroup" mounts, may be NULL */
};

/* Mount one linux "mounts" entry. */
int mount_entry(const struct mount_env *env, const struct oci_mount *m);

/* fsopen + fsconfig(data) + fsmount: a detached mount (fd) of a new filesystem. */
int mount_new_fs(const char *type, const char *source, const char *data, uint64_t attr, int *out);
/* open_tree(OPEN_TREE_CLONE): a detached copy of the mount at dfd/path. */
int mount_clone(int dfd, const char *path, bool recursive, int *out);
int mount_set(int mntfd, bool recursive, uint64_t set, uint64_t clr, unsigned long propagation);
/* move_mount(mntfd -> destfd). */
int mount_attach(int mntfd, int destfd);
/* Read-only bind of a path onto itself (readonlyPaths); missing paths are skipped. */
int mount_readonly_path(int rootfd, const char *path);
/* Hide a path: /dev/null over files, an empty read-only tmpfs over directories. */
int mount_mask_path(int rootfd, const char *path, int devnull_fd);
