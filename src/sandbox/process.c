#include "sandbox/process.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/names.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/macros.h"
#include "util/path.h"

static bool have_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return (data[cap / 32].effective >> (cap % 32)) & 1;
}

bool process_clamp_host_limits;

/* "RLIMIT_NOFILE" -> "nofile": the name podman's and docker's --ulimit use */
static void ulimit_name(const char *type, char *out, size_t n)
{
	const char *t = strncmp(type, "RLIMIT_", 7) == 0 ? type + 7 : type;
	size_t i = 0;
	for (; t[i] && i + 1 < n; i++)
		out[i] = (char)(t[i] >= 'A' && t[i] <= 'Z' ? t[i] + 32 : t[i]);
	out[i] = '\0';
}

int process_preflight(struct oci_spec *s)
{
	struct oci_process *p = &s->process;
	bool sys_resource = have_cap(CAP_SYS_RESOURCE);

	for (size_t i = 0; i < p->n_rlimits && !sys_resource; i++) {
		struct oci_rlimit *rl = &p->rlimits[i];
		struct rlimit cur;
		if (getrlimit(rl->resource, &cur) < 0)
			return err_sys(errno, "getrlimit(%s)", rl->type);
		if (cur.rlim_max == RLIM_INFINITY || rl->hard <= cur.rlim_max)
			continue;
		if (process_clamp_host_limits) {
			/* asked for: the runtime says so, every time */
			log_warn("%s: process.rlimits[%zu]: %s hard limit %llu is above this host's maximum %llu; clamped to "
				 "%llu (--host-limits clamp)", s->config_path, i, rl->type, (unsigned long long)rl->hard,
				 (unsigned long long)cur.rlim_max, (unsigned long long)cur.rlim_max);
			rl->hard = cur.rlim_max;
			if (rl->soft > rl->hard)
				rl->soft = rl->hard;
			continue;
		}
		char u[32];
		ulimit_name(rl->type, u, sizeof(u));
		return err_set(EPERM, "%s: process.rlimits[%zu]: %s hard limit %llu is above this host's maximum %llu, "
				      "and raising it needs CAP_SYS_RESOURCE, which stockade does not have here; "
				      "ask for at most %llu (podman/docker: --ulimit %s=%llu:%llu), or run stockade with "
				      "--host-limits clamp to lower such limits to the host's maximum with a warning",
			       s->config_path, i, rl->type, (unsigned long long)rl->hard, (unsigned long long)cur.rlim_max,
			       (unsigned long long)cur.rlim_max, u, (unsigned long long)cur.rlim_max,
			       (unsigned long long)cur.rlim_max);
	}
	return 0;
}

int process_apply_rlimits(const struct oci_process *p)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		const struct oci_rlimit *rl = &p->rlimits[i];
		struct rlimit v = { .rlim_cur = rl->soft, .rlim_max = rl->hard };
		if (setrlimit(rl->resource, &v) < 0)
			return err_sys(errno, "process.rlimits[%zu]: cannot set %s to %llu/%llu", i, rl->type,
				       (unsigned long long)rl->soft, (unsigned long long)rl->hard);
	}
	return 0;
}

struct sched_attr_ {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};

int process_apply_sched(const struct oci_spec *s)
{
	const struct oci_process *p = &s->process;
	if (s->linux_.has_personality && personality(s->linux_.personality) < 0)
		return err_sys(errno, "linux.personality");
	if (p->has_io_priority) {
		int value = (p->io_priority_class << 13) | p->io_priority;
		if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, value) < 0)
			return err_sys(errno, "process.ioPriority");
	}
	if (p->has_scheduler) {
		static const int pol[] = { SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, 4 /* ISO */, SCHED_IDLE, 6 /* DEADLINE */ };
		struct sched_attr_ a = {
			.size = sizeof(a), .sched_policy = (uint32_t)pol[p->sched_policy], .sched_flags = p->sched_flags,
			.sched_nice = p->sched_nice, .sched_priority = (uint32_t)p->sched_priority,
			.sched_runtime = p->sched_runtime, .sched_deadline = p->sched_deadline, .sched_period = p->sched_period,
		};
		if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
			return err_sys(errno, "process.scheduler");
	}
	return 0;
}

static const char *env_path(const struct oci_process *p)
{
	for (size_t i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], "PATH=", 5) == 0)
			return p->env[i] + 5;
	return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

static int executable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return 0;
}

int process_find_exec(const struct oci_process *p, char *out, size_t n)
{
	const char *name = p->args[0];
	if (strchr(name, '/')) {
		int r = executable(name);
		if (r < 0)
			return err_sys(r, "process.args[0]: cannot run \"%s\"", name);
		snprintf(out, n, "%s", name);
		return 0;
	}
	const char *path = env_path(p);
	while (*path) {
		const char *colon = strchrnul(path, ':');
		size_t dl = (size_t)(colon - path);
		if ((size_t)snprintf(out, n, "%.*s/%s", (int)dl, dl ? path : ".", name) < n && executable(out) == 0)
			return 0;
		path = *colon ? colon + 1 : colon;
	}
	return err_set(ENOENT, "process.args[0]: executable \"%s\" not found in $PATH (%s) inside the container", name,
		       env_path(p));
}

int process_chdir(const struct oci_process *p)
{
	/* Resolve inside "/" (the pivoted root) with no magic links: a leaked fd
	 * such as /proc/self/fd/7 can never become the working directory
	 * (CVE-2024-21626). */
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return err_sys(errno, "open /");
	_cleanup_close_ int fd = in_root_open(root, p->cwd, O_PATH | O_DIRECTORY, IN_ROOT_FOLLOW);
	if (fd < 0)
		return err_sys(fd, "process.cwd: cannot use \"%s\" as the working directory", p->cwd);
	if (fchdir(fd) < 0)
		return err_sys(errno, "process.cwd: cannot change to \"%s\"", p->cwd);
	char buf[PATH_MAX];
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return err_set(EPERM, "process.cwd: \"%s\" is outside the container's root", p->cwd);
	return 0;
}

int process_prepare_fds(int preserve_fds)
{
	unsigned first = 3u + (unsigned)preserve_fds;
	/* everything stockade opened is O_CLOEXEC already; this catches anything inherited */
	if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return err_sys(errno, "close_range");
	for (int fd = 3; fd < (int)first; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && (fl & FD_CLOEXEC))
			(void)fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	return 0;
}

int process_set_oom_score_adj(const struct oci_spec *s, pid_t pid)
{
	const struct oci_process *p = &s->process;
	if (!p->has_oom_score_adj)
		return 0;
	char path[64], val[16];
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	snprintf(val, sizeof(val), "%d", p->oom_score_adj);
	int r = write_knob_at(AT_FDCWD, path, val);
	if (r != -EACCES && r != -EPERM)
		return r < 0 ? err_sys(r, "%s: process.oomScoreAdj: cannot set %s", s->config_path, val) : 0;
	/* below the minimum this process tree may go without CAP_SYS_RESOURCE */
	char cur[32] = "?";
	if (read_small_at(AT_FDCWD, path, cur, sizeof(cur)) > 0)
		cur[strcspn(cur, "\n")] = '\0';
	if (process_clamp_host_limits) {
		log_warn("%s: process.oomScoreAdj: the kernel refuses %s without CAP_SYS_RESOURCE; kept %s (--host-limits clamp)",
			 s->config_path, val, cur);
		return 0;
	}
	return err_sys(r, "%s: process.oomScoreAdj: the kernel refuses %s (lower than this host lets a process without "
			  "CAP_SYS_RESOURCE go; the runtime's own value is %s): ask for %s or more, or run stockade with "
			  "--host-limits clamp to keep %s with a warning",
		       s->config_path, val, cur, cur, cur);
}

int process_cpu_list(const char *list, const char *what, cpu_set_t *set)
{
	CPU_ZERO(set);
	const char *p = list;
	if (!*p)
		return err_set(EINVAL, "%s: the CPU list is empty; give CPUs like \"0-3,7\"", what);
	while (*p) {
		char *end;
		errno = 0;
		unsigned long a = strtoul(p, &end, 10), b;
		if (end == p || errno || *p == '-' || *p == '+')
			goto bad;
		b = a;
		p = end;
		if (*p == '-') {
			const char *q = p + 1;
			b = strtoul(q, &end, 10);
			if (end == q || errno || *q == '-' || *q == '+' || b < a)
				goto bad;
			p = end;
		}
		if (b >= CPU_SETSIZE)
			return err_set(EINVAL, "%s: CPU %lu is beyond the %d this runtime can address", what, b, CPU_SETSIZE);
		for (unsigned long c = a; c <= b; c++)
			CPU_SET(c, set);
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	return 0;
bad:
	return err_set(EINVAL, "%s: \"%s\" is not a CPU list like \"0-3,7\"", what, list);
}

int process_exec_affinity(const struct oci_process *p, bool set_initial, pid_t pid, pid_t init_pid)
{
	cpu_set_t set;
	int r;
	const char *initial = p->initial_cpu_affinity, *final = p->exec_cpu_affinity;
	if (initial && !*initial)
		initial = NULL;
	if (final && !*final)
		final = NULL; /* "omitted or empty": the container's default */
	if (set_initial) {
		if (!initial)
			return 0;
		if ((r = process_cpu_list(initial, "process.execCPUAffinity.initial", &set)) < 0)
			return r;
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			return err_sys(errno, "process.execCPUAffinity.initial: cannot run on CPUs \"%s\"", initial);
		return 0;
	}
	if (final) {
		if ((r = process_cpu_list(final, "process.execCPUAffinity.final", &set)) < 0)
			return r;
		if (sched_setaffinity(pid, sizeof(set), &set) < 0)
			return err_sys(errno, "process.execCPUAffinity.final: cannot run on CPUs \"%s\" (are they in the "
					      "container's cpuset?)", final);
		return 0;
	}
	if (!initial)
		return 0;
	/* the process inherited "initial": give it the container's default back */
	if (sched_getaffinity(init_pid, sizeof(set), &set) < 0)
		return err_sys(errno, "process.execCPUAffinity: cannot read the CPU affinity of the container's init");
	if (sched_setaffinity(pid, sizeof(set), &set) < 0)
		return err_sys(errno, "process.execCPUAffinity: cannot reset the CPU affinity of the new process");
	return 0;
}
