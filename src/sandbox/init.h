/*
 * The container's init: everything that happens inside the new namespaces
 * between clone and execve.  The parent fills `struct init_ctx` before
 * cloning; the child gets its own copy of memory and never returns.
 *
 * Order (each step depends on the one before):
 *   wait for the parent (id maps written, cgroup joined)
 *   join namespaces given by path; [intermediate: unshare + fork the real init]
 *   hostname, domainname
 *   rootfs: make / private, bind the rootfs onto itself, mounts, /run/secrets, /dev,
 *           sysctl, maskedPaths, readonlyPaths
 *   parent runs prestart + createRuntime hooks; createContainer hooks here
 *   pivot_root, root read-only, rootfs propagation
 *   console, rlimits, personality, ioprio, scheduler, executable lookup
 *   tell the parent "ready"; wait until `start` opens exec.fifo
 *   user, groups, capabilities; no_new_privs; cwd; startContainer hooks
 *   fds; seccomp; execve
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"
#include "sandbox/cgroup.h"
#include "sandbox/seccomp.h"
#include "sandbox/secrets.h"
#include "util/macros.h"

struct init_ctx {
	const struct oci_spec *spec;
	const char *id;
	int sync_fd;            /* the init's end of the socketpair */
	int state_dirfd;        /* O_PATH of the container's state directory (exec.fifo) */
	int console_sock;       /* connected --console-socket, or -1 */
	bool console_to_parent; /* foreground run with a terminal: send the master to the parent */
	int ns_fds[NS__MAX];    /* namespaces to join, -1 otherwise */
	int clone_flags;        /* namespaces created by clone3 itself */
	int unshare_flags;      /* namespaces the init still has to create (intermediate mode) */
	bool late_cgroupns;     /* unshare(CLONE_NEWCGROUP) once in the container's cgroup */
	bool intermediate;      /* joins + new user ns, time offsets or a joined pid ns: fork the init */
	const struct seccomp_prog *seccomp;
	int preserve_fds;
	bool no_pivot;
	int last_cap;
	const struct cgroup *cg;
	const char *state_json; /* for startContainer/createContainer hooks ("creating"/"created") */
	const struct secrets *secrets; /* io.stockade.secrets, read by the runtime; may be NULL */
	int seccomp_agent;      /* connected to linux.seccomp.listenerPath (SCMP_ACT_NOTIFY), or -1 */
};

/* Runs in the child; never returns. */
NORETURN void init_main(struct init_ctx *x);
