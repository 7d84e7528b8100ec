/*
 * Pieces shared by cgroup.c and cgroup_devices.c (and the unit test).  Not
 * part of the runtime's API: use sandbox/cgroup.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "oci/spec.h"
#include "sandbox/cgroup.h"

/* Where every hierarchy we use must be mounted (state files are checked against it). */
#define CG_ROOT "/sys/fs/cgroup"

/*
 * Open a cgroup directory (absolute host path) read-only, refusing symlinks
 * and magic links anywhere on the way.  Returns the fd or -errno (no
 * message recorded).
 */
int cg_open_dir(const char *path);

/*
 * Write `val` to dirfd/file with a single write(2) (cgroupfs takes one
 * value per write), never following a symlink.  Returns 0 or -errno (no
 * message recorded: callers name the field).
 */
int cg_write_at(int dirfd, const char *file, const char *val);
/* Read dirfd/file (no symlinks) into a malloc'd NUL-terminated string.  0 or -errno. */
int cg_read_at(int dirfd, const char *file, char **out);

/*
 * Apply the device rules: deny everything, allow the default devices
 * (null, zero, full, random, urandom, tty, console, ptmx, pts), then the
 * spec's rules in order (res may be NULL).  v1: devices.deny/devices.allow
 * of the devices hierarchy; otherwise a BPF_PROG_TYPE_CGROUP_DEVICE program
 * on the cgroup2 directory.  Errors name the rule.
 */
int cg_devices_apply(const struct cgroup *cg, const struct oci_resources *res);

/*
 * Compile rules into a cgroup device program and attach it to the cgroup2
 * directory dirfd (path is for messages), replacing device programs attached
 * there before.  The rules are read the way the v1 devices controller reads
 * them: a rule of type 'a' resets (everything allowed or denied, exceptions
 * forgotten); for the other rules the last one naming a device and an access
 * (r, w or m) decides; an access asked for several rights at once must be
 * allowed for each.
 */
int cg_devices_bpf_attach(int dirfd, const char *path, const struct oci_device_rule *rules, size_t n);

/* "c 1:3 rwm", "a" (for v1 devices.allow/deny).  buf of at least 64 bytes. */
void cg_device_rule_string(const struct oci_device_rule *r, char *buf, size_t n);
