/*
 * config.json (OCI runtime-spec 1.2) as C structures.  Parsing validates
 * everything that can be validated without touching the system, so a bad
 * config is refused before anything is created; every error names the file,
 * the JSON path, what was expected and what was found.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/arena.h"

#define OPT_UNSET INT64_MIN /* optional integer not present */

struct kv {
	char *key, *value;
};

enum ns_type { NS_PID, NS_NET, NS_MNT, NS_IPC, NS_UTS, NS_USER, NS_CGROUP, NS_TIME, NS__MAX };
extern const char *const ns_type_names[NS__MAX];   /* spec names: "pid", "network", ... */
extern const char *const ns_proc_names[NS__MAX];   /* /proc/PID/ns names: "pid", "net", ... */
extern const int ns_clone_flags[NS__MAX];

struct oci_namespace {
	bool present;
	char *path; /* join when set */
};

struct oci_idmap {
	uint32_t container_id, host_id, size;
};

struct oci_mount {
	char *destination, *type, *source;
	char **options;
	size_t n_options;
	/* derived from options */
	bool bind, rbind;
	uint64_t attr_set, attr_clr;     /* MOUNT_ATTR_* for the top mount */
	uint64_t rattr_set, rattr_clr;   /* MOUNT_ATTR_* applied recursively (rro, rnosuid...) */
	unsigned long ms_flags;          /* MS_* for the classic mount(2) fallback */
	unsigned long propagation;       /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC) */
	char *data;                      /* fs-specific options, comma-joined */
	bool tmpcopyup, idmap, ridmap;
	struct oci_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	char *jpath;                     /* "mounts[3]" */
};

struct oci_rlimit {
	int resource;
	char *type;
	uint64_t soft, hard;
};

struct oci_caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_user {
	uint32_t uid, gid;
	bool has_umask;
	uint32_t umask;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	char *username;
};

struct oci_process {
	bool terminal;
	uint32_t console_height, console_width;
	char *cwd;
	char **env;
	size_t n_env;
	char **args;
	size_t n_args;
	char *command_line;
	struct oci_user user;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool has_caps;
	struct oci_caps caps;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile, *selinux_label;
	bool has_io_priority;
	int io_priority_class, io_priority;
	bool has_scheduler;
	int sched_policy, sched_nice, sched_priority;
	uint64_t sched_flags, sched_runtime, sched_deadline, sched_period;
	char *exec_cpu_affinity, *initial_cpu_affinity;
};

struct oci_hook {
	char *path;
	char **args;
	size_t n_args;
	char **env;
	size_t n_env;
	int timeout; /* seconds, 0 = none */
	char *jpath;
};

enum hook_kind { HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER,
	HOOK_POSTSTART, HOOK_POSTSTOP, HOOK__MAX };
extern const char *const hook_kind_names[HOOK__MAX];

struct oci_hooks {
	struct oci_hook *list[HOOK__MAX];
	size_t n[HOOK__MAX];
};

struct oci_device {
	char *path;
	char type; /* c, b, u, p */
	int64_t major, minor;
	bool has_mode, has_uid, has_gid;
	uint32_t file_mode, uid, gid;
	char *jpath;
};

struct oci_device_rule {
	bool allow;
	char type;          /* a, c, b */
	int64_t major, minor; /* -1 = wildcard */
	char access[4];     /* subset of "rwm" */
};

struct oci_throttle {
	int64_t major, minor;
	uint64_t rate;
};

struct oci_weight_dev {
	int64_t major, minor;
	int64_t weight, leaf_weight; /* OPT_UNSET when absent */
};

struct oci_resources {
	struct oci_device_rule *devices;
	size_t n_devices;
	/* memory */
	int64_t mem_limit, mem_reservation, mem_swap, mem_kernel, mem_kernel_tcp, mem_swappiness;
	bool has_disable_oom_killer, disable_oom_killer;
	bool has_use_hierarchy, use_hierarchy;
	bool check_before_update;
	/* cpu */
	int64_t cpu_shares, cpu_quota, cpu_burst, cpu_period, cpu_rt_runtime, cpu_rt_period, cpu_idle;
	char *cpu_cpus, *cpu_mems;
	/* pids */
	int64_t pids_limit;
	/* block io */
	int64_t blkio_weight, blkio_leaf_weight;
	struct oci_weight_dev *blkio_weight_devices;
	size_t n_blkio_weight_devices;
	struct oci_throttle *throttle[4]; /* read bps, write bps, read iops, write iops */
	size_t n_throttle[4];
	/* hugetlb */
	struct kv *hugepage_limits; /* pageSize -> limit (decimal string) */
	size_t n_hugepage_limits;
	/* network */
	int64_t net_class_id;
	struct kv *net_priorities; /* name -> priority */
	size_t n_net_priorities;
	/* rdma, unified */
	struct kv *unified;
	size_t n_unified;
	bool present;
};

enum seccomp_op { SCMP_OP_NE_ = 1, SCMP_OP_LT_, SCMP_OP_LE_, SCMP_OP_EQ_, SCMP_OP_GE_, SCMP_OP_GT_, SCMP_OP_MASKED_EQ_ };

struct oci_seccomp_arg {
	unsigned index;
	uint64_t value, value_two;
	int op; /* enum seccomp_op, same numbering as libseccomp's scmp_compare */
};

struct oci_seccomp_rule {
	char **names;
	size_t n_names;
	uint32_t action; /* SCMP_ACT_* without the errno payload */
	bool has_errno;
	uint32_t errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
	char *jpath;
};

struct oci_seccomp {
	uint32_t default_action;
	bool has_default_errno;
	uint32_t default_errno;
	char **archs;
	size_t n_archs;
	unsigned flags; /* SECCOMP_FILTER_FLAG_* */
	char *listener_path, *listener_metadata;
	struct oci_seccomp_rule *rules;
	size_t n_rules;
};

struct oci_linux {
	struct oci_namespace ns[NS__MAX];
	struct oci_idmap *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct oci_device *devices;
	size_t n_devices;
	char *cgroups_path;
	struct oci_resources resources;
	unsigned long rootfs_propagation; /* MS_* | MS_REC, 0 = default */
	char *rootfs_propagation_name;
	char **masked_paths, **readonly_paths;
	size_t n_masked_paths, n_readonly_paths;
	bool has_masked_paths;
	struct kv *sysctl;
	size_t n_sysctl;
	struct oci_seccomp *seccomp; /* NULL: none */
	char *mount_label;
	bool has_personality;
	unsigned long personality;
	bool has_time_offsets;
	int64_t time_offset_monotonic_s, time_offset_monotonic_ns;
	int64_t time_offset_boottime_s, time_offset_boottime_ns;
};

struct oci_spec {
	struct arena arena;
	char *config_path; /* for messages */
	char *bundle;      /* absolute */
	char *oci_version;
	char *root_path;   /* absolute */
	bool root_readonly;
	char *hostname, *domainname;
	struct oci_mount *mounts;
	size_t n_mounts;
	bool has_process;
	struct oci_process process;
	struct oci_hooks hooks;
	struct kv *annotations;
	size_t n_annotations;
	bool has_linux;
	struct oci_linux linux_;
};

/* Parse and validate <bundle>/config.json.  On error returns <0 with err_msg() set. */
int oci_spec_load(const char *bundle, struct oci_spec **out);
/* Parse from memory; `name` is used in messages, `bundle` resolves relative paths. */
int oci_spec_parse(const char *json, size_t len, const char *name, const char *bundle, struct oci_spec **out);
void oci_spec_free(struct oci_spec *s);
const char *oci_spec_annotation(const struct oci_spec *s, const char *key);

/* Capability names <-> numbers ("CAP_SYS_ADMIN"). */
int cap_from_name(const char *name);
const char *cap_to_name(int cap);
int cap_last_known(void);
/* Signal names ("SIGTERM", "TERM", "15"). */
int signal_from_name(const char *name);
const char *signal_to_name(int sig);
