/*
 * struct workload: the normalized description every rule reads.
 *
 * A frontend (config.json, Dockerfile, compose, Kubernetes, docker run,
 * /proc) turns its input into one workload holding one or more containers;
 * rules never see the input format, only facts, and every fact carries the
 * place it came from (file:line:col and/or a JSON/YAML key path) so that a
 * finding can point at it.  Everything is allocated in the workload's arena.
 *
 * Conventions:
 *  - "unset" (WL_UNSET) means the input did not say; the rule decides what the
 *    engine default means (no USER -> root; no read_only -> writable).
 *  - A fact's `at` points at where it was said; when unset, rules point at the
 *    container's own `at`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

enum wl_kind { WL_OCI, WL_DOCKERFILE, WL_COMPOSE, WL_K8S, WL_DOCKER_RUN, WL_PROC, WL__KINDS };
extern const char *const wl_kind_names[WL__KINDS]; /* "oci", "dockerfile", "compose", "kubernetes", "docker-run", "proc" */

struct wl_loc {
	const char *file; /* as the user named it; NULL for none */
	int line, col;    /* 1-based; 0 = unknown */
	const char *path; /* JSON/YAML key path ("process.user.uid", "services.web.user"); may be NULL */
};

enum wl_tri { WL_UNSET = 0, WL_NO, WL_YES };

struct wl_flag {
	enum wl_tri v;
	struct wl_loc at;
};

#define WL_CAP_ALL (-1) /* "ALL" in an add list */

struct wl_cap {
	int cap;          /* CAP_* number, or WL_CAP_ALL; -2 for a name we do not know */
	const char *name; /* as written, without "CAP_" ("NET_ADMIN") */
	struct wl_loc at;
};

struct wl_caps {
	/* Docker/compose/k8s: drop list contains ALL.  OCI: always true, the
	 * sets are explicit (see `explicit_set`). */
	struct wl_flag drop_all;
	/* Capabilities added (docker --cap-add, compose cap_add, k8s add), or
	 * for OCI every capability in bounding|effective|permitted|ambient. */
	struct wl_cap *add;
	size_t n_add;
	bool explicit_set; /* OCI: `add` is the complete set the process may hold */
	struct wl_loc at;  /* process.capabilities / securityContext.capabilities */
};

struct wl_user {
	enum wl_tri set;    /* WL_UNSET: no user given (image default: root) */
	long uid;           /* -1: a user name that cannot be resolved here */
	const char *name;   /* as written ("app", "1000:1000", "0") */
	bool run_as_non_root;     /* k8s runAsNonRoot: true (kubelet refuses uid 0) */
	bool userns_unprivileged; /* OCI/proc: uid 0 maps to a non-zero host uid */
	struct wl_loc at;
};

enum wl_seccomp {
	WL_SECCOMP_ENGINE_DEFAULT, /* not said; the engine applies its default filter (docker, podman, compose) */
	WL_SECCOMP_NONE,           /* not said and nothing applies one (OCI without linux.seccomp, k8s unset) */
	WL_SECCOMP_UNCONFINED,     /* explicitly switched off */
	WL_SECCOMP_PROFILE,        /* a filter is in force (RuntimeDefault, Localhost, OCI linux.seccomp) */
};

enum wl_ns { WL_NS_PID, WL_NS_NET, WL_NS_IPC, WL_NS_UTS, WL_NS_MNT, WL_NS_USER, WL_NS__MAX };
extern const char *const wl_ns_names[WL_NS__MAX]; /* "pid", "network", "ipc", "uts", "mount", "user" */

enum wl_mount_type { WL_MNT_BIND, WL_MNT_TMPFS, WL_MNT_VOLUME, WL_MNT_OTHER };

struct wl_mount {
	enum wl_mount_type type; /* VOLUME: a named/engine volume, not a host path the user chose */
	const char *source;      /* host path for BIND; volume name for VOLUME; NULL otherwise */
	const char *destination;
	bool read_only, noexec, nosuid, nodev;
	/* The engine's own per-container files (hosts, resolv.conf, hostname,
	 * .containerenv, k8s service account tokens): not a host path the user chose. */
	bool engine_managed;
	struct wl_loc at;
};

struct wl_port {
	const char *host_ip; /* NULL or "" = every interface; "0.0.0.0" and "::" too */
	int host_port;       /* 0 = none given (ephemeral) */
	int container_port;
	const char *proto;   /* "tcp" unless said */
	bool k8s_host_port;  /* a Kubernetes hostPort */
	struct wl_loc at;
};

struct wl_env {
	const char *name;
	const char *value;    /* NULL when it comes from a reference, not a literal */
	bool from_secret_ref; /* k8s secretKeyRef/envFrom secretRef, compose env_file */
	bool build_time;      /* Dockerfile ARG */
	struct wl_loc at;
};

struct wl_device {
	const char *path; /* host device ("/dev/fuse"), or "*" for all */
	struct wl_loc at;
};

struct wl_image {
	const char *ref;    /* as written, after ARG/ENV expansion */
	bool unresolved;    /* contained a variable that could not be expanded: not judged */
	struct wl_loc at;
};

/* Dockerfile build steps, for the build rules (STK503-506, STK603). */
struct wl_run {
	const char *cmd; /* shell text (JSON form joined with spaces), continuation lines joined */
	struct wl_loc at;
};

struct wl_copy {
	bool add;            /* ADD rather than COPY */
	const char **srcs;   /* sources as written */
	size_t n_srcs;
	bool from_stage;     /* COPY --from=...: not from the build context */
	struct wl_loc at;
};

struct kvl {
	const char *key, *value;
};

struct wl_container {
	const char *name;        /* service / container name; "config.json"; Dockerfile stage name or "final stage" */
	const char *kind;        /* "Deployment", "service", "container", ...; may be NULL */
	const char *k8s_namespace;       /* Kubernetes: namespace ("default" when unset) */
	const char *k8s_workload;        /* Kubernetes: owning object name */
	struct kvl *labels;      /* Kubernetes: pod labels (for NetworkPolicy selection) */
	size_t n_labels;
	bool build_stage;        /* Dockerfile: a stage that is not the final image (only build rules apply) */
	struct wl_loc at;        /* where it is declared (FROM line, service key, container entry) */

	struct wl_user user;
	struct wl_flag privileged;
	struct wl_flag no_new_privs;
	struct wl_caps caps;
	enum wl_seccomp seccomp;
	struct wl_loc seccomp_at;
	struct wl_flag host_ns[WL_NS__MAX]; /* WL_YES: shares the host's namespace */
	struct wl_device *devices;
	size_t n_devices;
	struct wl_flag device_cgroup_all;   /* OCI: the device cgroup allows a *:* rwm */
	struct wl_flag read_only_root;
	struct wl_flag proc_unmasked;       /* procMount: Unmasked, systempaths=unconfined, OCI no maskedPaths */
	struct wl_mount *mounts;
	size_t n_mounts;
	struct wl_port *ports;
	size_t n_ports;
	struct wl_env *env;
	size_t n_env;
	struct wl_image *images; /* the image run; a Dockerfile lists every FROM */
	size_t n_images;
	struct wl_flag mem_limit, pids_limit, cpu_limit; /* WL_YES: a limit is set */
	struct wl_run *runs;
	size_t n_runs;
	struct wl_copy *copies;
	size_t n_copies;
	/* Rule IDs suppressed for this container (k8s stockade.io/ignore annotations). */
	const char **ignore;
	size_t n_ignore;
	struct wl_loc ignore_at;
};

/* An inline `# stockade:ignore STK101 reason` comment, resolved by the
 * frontend to the lines it covers. */
struct wl_suppress {
	int first_line, last_line;
	const char **ids; /* NULL/0 = every rule */
	size_t n_ids;
	const char *reason; /* NULL: no reason given (itself reported at info) */
	struct wl_loc at;
};

/* Kubernetes NetworkPolicy, for the cross-file rules STK402-404. */
struct wl_netpol {
	const char *name, *k8s_namespace;
	struct kvl *selector; /* podSelector.matchLabels; n_selector == 0 && !selector_exprs: selects every pod */
	size_t n_selector;
	bool selector_exprs;  /* matchExpressions present (treated as selecting some pods) */
	bool ingress_type;    /* Ingress in policyTypes (or implied) */
	size_t n_ingress_rules;
	bool open_rule;       /* ingress: [{}], or from: namespaceSelector {} without podSelector, or no ports restriction with any source */
	struct wl_loc at, open_at;
};

/* A problem reading the input, reported as STK000 parse-error. */
struct wl_parse_error {
	const char *message;
	struct wl_loc at;
};

struct workload {
	struct arena arena;
	enum wl_kind kind;
	const char *file; /* as named by the user ("-" for stdin) */
	struct wl_container *containers;
	size_t n_containers;
	struct wl_suppress *suppress;
	size_t n_suppress;
	struct wl_netpol *netpols;
	size_t n_netpols;
	struct wl_parse_error *errors;
	size_t n_errors;
};

struct workload *workload_new(enum wl_kind kind, const char *file);
void workload_free(struct workload *w);
/* Append a zeroed element to a workload array; `n` is incremented.  Capacity
 * grows in the arena (old storage is abandoned, freed with the arena). */
void *wl_push(struct workload *w, void **array, size_t *n, size_t elem_size);
#define WL_PUSH(w, arr, n) ((__typeof__(*(arr)) *)wl_push((w), (void **)&(arr), &(n), sizeof(*(arr))))
struct wl_container *wl_add_container(struct workload *w, const char *name, struct wl_loc at);
void wl_parse_error(struct workload *w, struct wl_loc at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* String helpers in the arena. */
char *wl_strdup(struct workload *w, const char *s);
struct wl_loc wl_at(struct workload *w, int line, int col, const char *path_fmt, ...) __attribute__((format(printf, 4, 5)));
