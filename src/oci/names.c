/* Name tables shared by the parser and the CLI: capabilities, signals, rlimits. */
#include <linux/capability.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "oci/names.h"
#include "oci/spec.h"
#include "util/macros.h"

static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
	"CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
	"CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
	"CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int cap_from_name(const char *name)
{
	const char *n = name;
	if (strncasecmp(n, "CAP_", 4) != 0) {
		/* accept "SYS_ADMIN" as docker does */
		for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
			if (strcasecmp(cap_names[i] + 4, n) == 0)
				return (int)i;
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strcasecmp(cap_names[i], n) == 0)
			return (int)i;
	return -1;
}

const char *cap_to_name(int cap)
{
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

int cap_last_known(void)
{
	return (int)ARRAY_SIZE(cap_names) - 1;
}

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int signal_from_name(const char *name)
{
	const char *n = name;
	char *end;
	long v = strtol(n, &end, 10);

	if (*n && !*end)
		return (v > 0 && v < NSIG) ? (int)v : -1;
	if (strncasecmp(n, "SIG", 3) == 0)
		n += 3;
	if (strncasecmp(n, "RTMIN", 5) == 0 || strncasecmp(n, "RTMAX", 5) == 0) {
		bool min = strncasecmp(n, "RTMIN", 5) == 0;
		int base = min ? SIGRTMIN : SIGRTMAX;
		if (!n[5])
			return base;
		v = strtol(n + 5, &end, 10);
		if (*end || (min && v <= 0) || (!min && v >= 0))
			return -1;
		v += base;
		return (v >= SIGRTMIN && v <= SIGRTMAX) ? (int)v : -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (strcasecmp(signals[i].name, n) == 0)
			return signals[i].sig;
	return -1;
}

const char *signal_to_name(int sig)
{
	for (size_t i = 0; i < ARRAY_SIZE(signals); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return NULL;
}

static const struct {
	const char *name;
	int res;
} rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (STREQ(rlimits[i].name, name))
			return rlimits[i].res;
	return -1;
}

const char *rlimit_to_name(int res)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++)
		if (rlimits[i].res == res)
			return rlimits[i].name;
	return NULL;
}

const char *const ns_type_names[NS__MAX] = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" };
const char *const ns_proc_names[NS__MAX] = { "pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time" };
const int ns_clone_flags[NS__MAX] = {
	0x20000000 /* CLONE_NEWPID */, 0x40000000 /* CLONE_NEWNET */, 0x00020000 /* CLONE_NEWNS */,
	0x08000000 /* CLONE_NEWIPC */, 0x04000000 /* CLONE_NEWUTS */, 0x10000000 /* CLONE_NEWUSER */,
	0x02000000 /* CLONE_NEWCGROUP */, 0x00000080 /* CLONE_NEWTIME */,
};
const char *const hook_kind_names[HOOK__MAX] = { "prestart", "createRuntime", "createContainer",
	"startContainer", "poststart", "poststop" };
