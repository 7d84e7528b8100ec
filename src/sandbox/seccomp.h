/*
 * linux.seccomp -> a classic BPF program.
 *
 * The runtime compiles the filter in the parent (before anything is created,
 * so a bad rule is refused with its JSON path) and the container init only
 * loads the finished program with seccomp(2) just before execve.
 */
#pragma once

#include <json-c/json.h>
#include <linux/filter.h>
#include <stdbool.h>

#include "oci/spec.h"

struct seccomp_prog {
	struct sock_fprog fprog; /* fprog.filter is malloc'd */
	unsigned flags;          /* SECCOMP_FILTER_FLAG_* to pass to seccomp(2) */
	bool notify;             /* the filter uses SCMP_ACT_NOTIFY: load with NEW_LISTENER */
};

/*
 * Compile `sc` for this machine.  `config` names the file in messages.
 * Errors (malformed syscall names, unknown architectures, bad argument
 * conditions, bad errnoRet) come back as <0 with err_msg() =
 * "<config>: linux.seccomp.syscalls[3].names[1]: ...".  A well-formed name
 * this libseccomp does not know (a newer kernel's call) is skipped with a
 * debug line, as runc does; with an ERRNO default action, syscall numbers
 * above the newest one libseccomp knows return ENOSYS so libc falls back.
 */
int seccomp_compile(const struct oci_seccomp *sc, const char *config, struct seccomp_prog *out);
void seccomp_prog_free(struct seccomp_prog *p);

/*
 * Install the program in the calling thread (async-signal-safe: no malloc).
 * With p->notify, *listener receives the notification fd, else -1.
 * Returns 0 or -errno.
 */
int seccomp_install(const struct seccomp_prog *p, int *listener);

/*
 * stockade's default filter, as an OCI "linux.seccomp" object (for `stockade
 * spec` and for hardening): Docker's default allowlist for a container with
 * no capabilities, minus ptrace, process_vm_*, keyctl/add_key/request_key,
 * bpf, perf_event_open, userfaultfd, io_uring_*, new user namespaces
 * (unshare/clone flags, clone3 -> ENOSYS) and the mount APIs.
 */
json_object *seccomp_default_profile(void);

/*
 * seccomp_compile() through a cache of finished programs in <root>/.cache
 * (0700, owned by us): compiling Docker-sized profiles with libseccomp costs
 * more than the rest of a container start.  The cache key is everything that
 * determines the program (the whole linux.seccomp, the libseccomp and
 * stockade versions, the kernel's seccomp API level and release); a hit is
 * used only when the stored key matches byte for byte.  Any cache problem
 * falls back to compiling.
 */
int seccomp_compile_cached(const struct oci_seccomp *sc, const char *config, const char *root,
			   struct seccomp_prog *out);
