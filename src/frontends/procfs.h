/*
 * The /proc frontend (stockade scan): every running container on the host,
 * found from its namespaces and named from its cgroup, described as one
 * WL_PROC workload.  Every read goes through dirfds (the proc root, the sys
 * root, the stockade state root), so a recorded tree works like the host's.
 * docs/scan.md describes the heuristics and their limits.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "workload/workload.h"

struct proc_scan_opts {
	int proc_fd;          /* the proc root (/proc or a recorded tree) */
	const char *proc_dir; /* as the user named it, for locations ("/proc") */
	int sys_fd;           /* the sys root (/sys), -1: no cgroup limits are read */
	const char *sys_dir;  /* as the user named it ("/sys") */
	int state_fd;         /* stockade's --root state directory, -1: none */
	int run_fd;           /* the /run tree, for Kubernetes pod and container names (CRI state), -1: none */
	const char *filter;   /* --container: ID prefix or name; NULL for all */
};

/* What scan prints above a container's findings; parallel to w->containers. */
struct proc_container_info {
	const char *engine; /* "docker", "podman", "kubernetes", "containerd", "lxc", "stockade", "unknown" */
	const char *id;     /* full ID as the engine names it (may be NULL) */
	const char *pod;    /* Kubernetes pod UID, else NULL */
	int init_pid;
	size_t n_procs;
};

/* Engine and container ID named by a cgroup path (docs/scan.md lists the
 * patterns); engine "unknown" and an empty id when none matches.  `state_fd`:
 * stockade's state root, to recognise a container with its own cgroupsPath. */
struct proc_cg_name {
	const char *engine;
	char id[256];
	char pod[128]; /* Kubernetes pod UID, "" if none */
};
void proc_cgroup_name(const char *path, int state_fd, struct proc_cg_name *out);

/*
 * Kubernetes names of a CRI container, from the runtime's state under `run_fd`
 * (the annotations of its bundle config.json): containerd's
 * containerd/io.containerd.runtime.v2.task/k8s.io/<id>/config.json
 * (io.kubernetes.cri.sandbox-namespace, -sandbox-name, -container-name) or
 * CRI-O's containers/storage/overlay-containers/<id>/userdata/config.json
 * (io.kubernetes.pod.namespace, .pod.name, .container.name).  Writes
 * "NAMESPACE/POD/CONTAINER" (or "NAMESPACE/POD" for a pod's sandbox) and
 * returns true when found.
 */
bool proc_cri_name(int run_fd, const char *id, char *out, size_t n);

/*
 * Scan the proc tree.  On success *out is a WL_PROC workload (one container
 * per (mnt, pid) namespace pair that differs from PID 1's) and *info its
 * per-container details (in the workload's arena).  Returns 0, 1 when PID 1
 * could not be read and the scanner's own namespaces stood in for the host's,
 * or -errno (err_msg() says why: nothing readable).
 */
int fe_proc_scan(const struct proc_scan_opts *o, struct workload **out, struct proc_container_info **info);
