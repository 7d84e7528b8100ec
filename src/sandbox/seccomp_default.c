/*
 * stockade's default seccomp profile.
 *
 * Start: Docker's default profile (moby/profiles seccomp/default.json,
 * Apache-2.0) resolved for a container with no capabilities on this machine's
 * architecture: the unconditional allowlist, the socket and personality rules
 * with argument checks, the architecture-specific entries, clone without
 * namespace flags and clone3 -> ENOSYS.  The lists below are that resolution,
 * written out as data.
 *
 * Then removed, or never added although Docker grants them with a capability
 * or a kernel version:
 *  - ptrace, process_vm_readv, process_vm_writev: Docker allows them on
 *    kernels >= 4.8 for everyone; they read and write other processes' memory
 *    and have a long history of kernel bugs.  Debuggers need a custom profile.
 *  - keyctl, add_key, request_key: the kernel keyring is not namespaced; keys
 *    of other containers of the same uid are reachable.
 *  - bpf, perf_event_open: large kernel attack surface and host-wide
 *    observation; Docker only grants them with CAP_SYS_ADMIN/CAP_BPF/CAP_PERFMON.
 *  - userfaultfd: lets a process stall the kernel in a page fault at will, the
 *    classic way to win kernel race conditions.
 *  - io_uring_setup, io_uring_enter, io_uring_register: io_uring bypasses
 *    seccomp for the operations it performs and has been a steady source of
 *    privilege escalations.
 *  - unshare, setns and clone/clone3 with namespace flags: new user namespaces
 *    hand a process a full capability set over fresh kernel objects, the entry
 *    point of most container escapes.  clone is allowed only without
 *    CLONE_NEW* flags (Docker's mask 0x7E020000 = NEWNS|NEWCGROUP|NEWUTS|
 *    NEWIPC|NEWUSER|NEWPID|NEWNET; CLONE_NEWTIME shares its bit with the exit
 *    signal for clone() and only works with unshare/clone3).  clone3 passes its
 *    flags in memory where seccomp cannot look, so it fails with ENOSYS and
 *    glibc falls back to clone.
 *  - mount, umount, umount2, fsopen, fsconfig, fsmount, fspick, move_mount,
 *    open_tree, mount_setattr, pivot_root: the container's mount table is
 *    fixed by the runtime; changing it is only useful to undo masking.
 *  - personality: only the values Docker allows (PER_LINUX, PER_LINUX32,
 *    UNAME26 and their combination, and 0xffffffff to query), no
 *    ADDR_NO_RANDOMIZE or READ_IMPLIES_EXEC.
 * Everything not listed fails with EPERM (defaultErrnoRet 1).
 *
 * The socket rules are Docker's: every address family except AF_ALG (38) and
 * AF_VSOCK (40).  As in Docker, 32-bit socketcall(2) is not argument-checked.
 */
#include "sandbox/seccomp.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "util/macros.h"

/* Allowed without conditions, on every architecture (names a given
 * architecture lacks are ignored by libseccomp). */
static const char *const allowed[] = {
	"_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat",
	"capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
	"clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64",
	"close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
	"epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old",
	"eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
	"fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown",
	"fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
	"fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
	"ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake",
	"futimesat", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid",
	"getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
	"getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid",
	"getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt",
	"gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
	"inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy", "io_getevents", "io_pgetevents",
	"io_pgetevents_time64", "io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc", "kill",
	"landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr",
	"link", "linkat", "listen", "listmount", "listxattr", "listxattrat", "llistxattr", "lremovexattr", "lseek",
	"lsetxattr", "lstat", "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
	"mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect",
	"mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend",
	"mq_timedsend_time64", "mq_unlink", "mremap", "mseal", "msgctl", "msgget", "msgrcv", "msgsnd", "msync",
	"munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "open", "openat", "openat2",
	"pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect",
	"poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
	"pselect6", "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
	"readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages",
	"removexattr", "removexattrat", "rename", "renameat", "renameat2", "restart_syscall", "riscv_hwprobe", "rmdir",
	"rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend",
	"rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
	"sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler",
	"sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr",
	"sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
	"semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto",
	"set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
	"setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority", "setregid",
	"setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
	"setsid", "setsockopt", "setuid", "setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget",
	"shutdown", "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
	"splice", "stat", "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat", "sync",
	"sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
	"timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
	"timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate",
	"truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "uretprobe", "utime", "utimensat",
	"utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
};

/* Allowed without conditions on this architecture only. */
#if defined(__x86_64__)
static const char *const arch_allowed[] = { "arch_prctl", "modify_ldt" };
static const char *const archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" };
#elif defined(__aarch64__)
static const char *const arch_allowed[] = { "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2",
					    "breakpoint", "cacheflush", "set_tls" };
static const char *const archs[] = { "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM" };
#else
/* other architectures: the native one only, no extra calls */
static const char *const arch_allowed[] = { NULL };
static const char *const archs[] = { NULL };
#endif

/* s390 passes clone's flags second */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif
#define CLONE_NS_MASK 0x7E020000ULL /* CLONE_NEW{NS,CGROUP,UTS,IPC,USER,PID,NET} */

/* personality(2) values Docker allows: PER_LINUX, PER_LINUX32, UNAME26,
 * UNAME26|PER_LINUX32 and 0xffffffff (query only) */
static const uint64_t personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

static json_object *str_array(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		if (v[i])
			json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *arg(unsigned index, uint64_t value, const char *op)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "index", json_object_new_int(index));
	json_object_object_add(o, "value", json_object_new_uint64(value));
	json_object_object_add(o, "op", json_object_new_string(op));
	return o;
}

/* {"names": [name], "action": action, "args": [cond]} (cond may be NULL) */
static json_object *rule1(const char *name, const char *action, json_object *cond)
{
	json_object *r = json_object_new_object();
	json_object_object_add(r, "names", str_array(&name, 1));
	json_object_object_add(r, "action", json_object_new_string(action));
	if (cond) {
		json_object *args = json_object_new_array();
		json_object_array_add(args, cond);
		json_object_object_add(r, "args", args);
	}
	return r;
}

json_object *seccomp_default_profile(void)
{
	json_object *sc = json_object_new_object(), *rules = json_object_new_array(), *r;

	json_object_object_add(sc, "defaultAction", json_object_new_string("SCMP_ACT_ERRNO"));
	json_object_object_add(sc, "defaultErrnoRet", json_object_new_int(EPERM));
	if (archs[0])
		json_object_object_add(sc, "architectures", str_array(archs, ARRAY_SIZE(archs)));

	r = json_object_new_object();
	json_object_object_add(r, "names", str_array(allowed, ARRAY_SIZE(allowed)));
	json_object_object_add(r, "action", json_object_new_string("SCMP_ACT_ALLOW"));
	json_object_array_add(rules, r);

	if (arch_allowed[0]) {
		r = json_object_new_object();
		json_object_object_add(r, "names", str_array(arch_allowed, ARRAY_SIZE(arch_allowed)));
		json_object_object_add(r, "action", json_object_new_string("SCMP_ACT_ALLOW"));
		json_object_array_add(rules, r);
	}

	/* socket: any family but AF_ALG (38) and AF_VSOCK (40), as Docker */
	json_object_array_add(rules, rule1("socket", "SCMP_ACT_ALLOW", arg(0, 38, "SCMP_CMP_LT")));
	json_object_array_add(rules, rule1("socket", "SCMP_ACT_ALLOW", arg(0, 39, "SCMP_CMP_EQ")));
	json_object_array_add(rules, rule1("socket", "SCMP_ACT_ALLOW", arg(0, 40, "SCMP_CMP_GT")));

	for (size_t i = 0; i < ARRAY_SIZE(personalities); i++)
		json_object_array_add(rules, rule1("personality", "SCMP_ACT_ALLOW", arg(0, personalities[i], "SCMP_CMP_EQ")));

	/* clone only when (flags & CLONE_NS_MASK) == 0 */
	json_object *c = arg(CLONE_FLAGS_ARG, CLONE_NS_MASK, "SCMP_CMP_MASKED_EQ");
	json_object_object_add(c, "valueTwo", json_object_new_uint64(0));
	json_object_array_add(rules, rule1("clone", "SCMP_ACT_ALLOW", c));

	/* clone3: ENOSYS, so that libcs fall back to clone */
	r = rule1("clone3", "SCMP_ACT_ERRNO", NULL);
	json_object_object_add(r, "errnoRet", json_object_new_int(ENOSYS));
	json_object_array_add(rules, r);

	json_object_object_add(sc, "syscalls", rules);
	return sc;
}
