/*
 * cgroups for one container on v1, v2 and hybrid hosts.
 *
 * Hybrid (this machine): v1 controllers under /sys/fs/cgroup/<ctrl>, cgroup2
 * at /sys/fs/cgroup/unified with few or no controllers.  The container gets a
 * directory in every mounted v1 hierarchy (named ones like name=systemd
 * included) and in the unified one; limits are written to the v1 controller
 * files; device rules go to devices.allow/deny on v1 and to an eBPF
 * BPF_PROG_TYPE_CGROUP_DEVICE program on pure v2.
 */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/spec.h"

enum cg_mode { CG_MODE_V1, CG_MODE_HYBRID, CG_MODE_V2 };

struct cg_hier {
	char *mountpoint;  /* /sys/fs/cgroup/memory, /sys/fs/cgroup/unified, /sys/fs/cgroup */
	char *name;        /* directory name under /sys/fs/cgroup: "memory", "cpu,cpuacct", "unified", "systemd", "" (v2) */
	char *controllers; /* "memory", "cpu,cpuacct", "name=systemd", "" for cgroup2 */
	bool v2;
	char *path;        /* the container's cgroup, absolute on the host (mountpoint + cgroup path) */
	bool created;      /* we made the leaf (so delete removes it) */
};

struct cgroup {
	enum cg_mode mode;
	char *rel;         /* cgroup path relative to the hierarchy roots, "/stockade/abc" */
	struct cg_hier *h;
	size_t n;
};

int cg_detect_mode(enum cg_mode *out);

/*
 * Work out the container's cgroup in every hierarchy.  cgroups_path is the
 * spec's linux.cgroupsPath (NULL: "stockade/<id>" below the caller's own
 * cgroup); an absolute value is taken from each hierarchy's root, a
 * relative one from the runtime's own cgroup in that hierarchy.
 * Nothing is created.
 */
int cg_plan(const char *cgroups_path, const char *id, struct cgroup **out);

/*
 * Create the directories and apply `res` (may be NULL) plus the default
 * device allow rules (null, zero, full, random, urandom, tty, console,
 * ptmx, pts/N).  On failure everything it made is removed again and the
 * error names the resource ("linux.resources.memory.limit: ...").
 */
int cg_create(struct cgroup *cg, const struct oci_resources *res);
/* Move pid into the container's cgroup in every hierarchy. */
int cg_enter(const struct cgroup *cg, pid_t pid);
/* Re-apply resources to a live container (`update`). */
int cg_update(const struct cgroup *cg, const struct oci_resources *res);
/* Remove the directories we created (after the processes are gone; retries EBUSY briefly). */
int cg_destroy(struct cgroup *cg);
/* Signal every process in the cgroup (cgroup.kill on v2 when sig is SIGKILL). */
int cg_signal_all(const struct cgroup *cg, int sig);
/* The pids in the container's cgroup (malloc'd array). */
int cg_pids(const struct cgroup *cg, pid_t **pids, size_t *n);
bool cg_has_processes(const struct cgroup *cg);
/* Freezer (v1 freezer.state, v2 cgroup.freeze); waits until frozen/thawed. */
int cg_freeze(const struct cgroup *cg, bool freeze);
int cg_frozen(const struct cgroup *cg, bool *frozen);
/* memory / pids / cpu usage for `events --stats` (JSON object per runc's stats). */
int cg_stats(const struct cgroup *cg, json_object **out);

/* Persist in state.json and read back in later commands. */
json_object *cg_to_json(const struct cgroup *cg);
int cg_from_json(json_object *o, struct cgroup **out);
void cg_free(struct cgroup *cg);
