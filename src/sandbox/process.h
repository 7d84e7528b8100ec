/* Process attributes applied in the container's init before exec. */
#pragma once

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"

/* Host-side check before anything is created: can these rlimits / oomScoreAdj be applied? */
int process_preflight(struct oci_spec *s);
/*
 * --host-limits clamp: what the host cannot grant without CAP_SYS_RESOURCE
 * (rlimits above its hard limit, an oomScoreAdj below the runtime's own) is
 * adjusted to the nearest grantable value with a warning instead of refusing
 * the container (the default, --host-limits refuse).
 */
extern bool process_clamp_host_limits;
/* Write process.oomScoreAdj for pid (from the runtime); see --host-limits. */
int process_set_oom_score_adj(const struct oci_spec *s, pid_t pid);
int process_apply_rlimits(const struct oci_process *p);
int process_apply_sched(const struct oci_spec *s);
/* Resolve args[0] with the container's PATH; out gets the path to execve. */
int process_find_exec(const struct oci_process *p, char *out, size_t n);
/* chdir to process.cwd, resolved inside the (pivoted) root with no magic links. */
int process_chdir(const struct oci_process *p);
/* Close everything above 2 + preserve_fds that is not close-on-exec, and clear CLOEXEC on preserved fds. */
int process_prepare_fds(int preserve_fds);
/*
 * A CPU list like "0-3,7" (process.execCPUAffinity.initial/final) into set;
 * what names the field in the error.  An empty list is an error too.
 */
int process_cpu_list(const char *list, const char *what, cpu_set_t *set);
/*
 * process.execCPUAffinity of an exec'd process, from the runtime side:
 * set_initial: the calling (runtime) process runs on "initial" before it joins
 * the container; otherwise pid (now in the container's cgroup) gets "final",
 * or when "final" is unset but "initial" was set, the affinity of the
 * container's init (the cgroup's default).  No-op without execCPUAffinity.
 */
int process_exec_affinity(const struct oci_process *p, bool set_initial, pid_t pid, pid_t init_pid);
