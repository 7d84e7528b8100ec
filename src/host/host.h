/*
 * stockade check-host: what the host under the containers gives them.  Every
 * file is read relative to a directory fd of the root directory (--root-dir,
 * default /), so recorded /proc, /sys and /etc trees stand in for a live host.
 * Checks add items (a verdict per thing looked at, for the grouped report)
 * and findings of the host rules STK801-804.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "rules/rules.h"
#include "util/arena.h"

enum host_area { HOST_VIRT, HOST_KERNEL, HOST_RUNTIMES, HOST_DOCKER, HOST__AREAS };
extern const char *const host_area_names[HOST__AREAS];

enum host_verdict { HV_OK, HV_INFO, HV_WARN, HV_FAIL };
extern const char *const host_verdict_names[4]; /* "ok", "info", "warning", "FAIL" */

struct host_item {
	enum host_area area;
	enum host_verdict verdict;
	const char *name;   /* "user namespaces" */
	const char *detail; /* what was seen */
};

enum host_virt_kind {
	VIRT_BARE_METAL,
	VIRT_VM,        /* its own kernel under a hypervisor */
	VIRT_CONTAINER, /* a container or container-based VPS: the kernel is shared */
	VIRT_WSL1,      /* no Linux kernel at all */
};

struct host_virt {
	enum host_virt_kind kind;
	const char *name;     /* "kvm", "firecracker", "openvz", "docker", "bare-metal" ... */
	const char *evidence; /* "; "-separated list of what was seen */
};

struct host_runtime {
	const char *name;    /* "runc" */
	const char *path;    /* "/usr/sbin/runc" (in the root dir) */
	const char *version; /* "1.1.5+ds1", NULL when unknown */
};

#define HOST_MAX_RUNTIMES 8

struct host {
	int rootfd;
	bool live;          /* the root dir is the running host's /: CPUID and running binaries are allowed */
	struct arena arena; /* items, strings */
	struct host_item *items;
	size_t n_items, cap_items;
	struct findings *out;
	struct host_virt virt;
	struct host_runtime runtimes[HOST_MAX_RUNTIMES];
	size_t n_runtimes;
};

/* Open root_dir (NULL: "/"); findings go to `out`. */
int host_open(struct host *h, const char *root_dir, struct findings *out);
void host_close(struct host *h);

void host_check_virt(struct host *h);
void host_check_kernel(struct host *h);
void host_check_runtimes(struct host *h);
void host_check_docker(struct host *h);
void host_check_all(struct host *h);

/* Compare two version strings the way release numbering means them: numeric
 * components (1.1.5 < 1.1.12), a pre-release is older than its release
 * (1.0.0-rc6 < 1.0.0, rc6 < rc10; "~rc" too), build and packaging suffixes
 * are ignored (+ds1, ~ds1, -ce, a Debian revision), a leading v or epoch too. */
int host_version_cmp(const char *a, const char *b);

/* ---- for the checks ---------------------------------------------------------- */

/* openat relative to the root dir; `path` is absolute in host terms ("/proc/cpuinfo"). */
int host_openat(const struct host *h, const char *path, int flags);
/* Read a whole file (at most 1 MiB) into the arena; NULL if it is not there. */
char *host_read(struct host *h, const char *path, size_t *len);
/* The first line of a small file, trimmed; NULL if missing or empty. */
char *host_read_line(struct host *h, const char *path);
bool host_stat(const struct host *h, const char *path, struct stat *st);
void host_item(struct host *h, enum host_area area, enum host_verdict v, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* A finding of host rule `id` located at `file` (the file it was read from). */
void host_finding(struct host *h, const char *id, int sev, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
