/*
 * Kernel features the runtime's hardening needs.  Informational items only:
 * a missing feature makes stockade refuse or degrade a container, it is not
 * a finding against the host by itself.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/host.h"

static void userns(struct host *h)
{
	const char *max = host_read_line(h, "/proc/sys/user/max_user_namespaces");
	const char *clone = host_read_line(h, "/proc/sys/kernel/unprivileged_userns_clone");
	if (!max)
		host_item(h, HOST_KERNEL, HV_WARN, "user namespaces", "/proc/sys/user/max_user_namespaces is missing: the "
			  "kernel has no user namespaces (CONFIG_USER_NS)");
	else if (atol(max) <= 0)
		host_item(h, HOST_KERNEL, HV_WARN, "user namespaces", "user.max_user_namespaces = %s: switched off, "
			  "rootless containers and uid remapping cannot run", max);
	else
		host_item(h, HOST_KERNEL, HV_OK, "user namespaces", "user.max_user_namespaces = %s", max);
	/* Debian's and Ubuntu's knob; other kernels do not restrict unprivileged users this way */
	if (clone)
		host_item(h, HOST_KERNEL, strcmp(clone, "0") ? HV_OK : HV_WARN, "unprivileged userns",
			  "kernel.unprivileged_userns_clone = %s%s", clone,
			  strcmp(clone, "0") ? "" : ": only root can create user namespaces (rootless mode will fail)");
	else
		host_item(h, HOST_KERNEL, HV_INFO, "unprivileged userns", "kernel.unprivileged_userns_clone is not there "
			  "(not a Debian/Ubuntu kernel knob here): unprivileged user namespaces are not restricted by it");
}

static void seccomp(struct host *h)
{
	const char *st = host_read(h, "/proc/self/status", NULL);
	const char *acts = host_read_line(h, "/proc/sys/kernel/seccomp/actions_avail");
	if (!st || !strstr(st, "\nSeccomp:")) {
		host_item(h, HOST_KERNEL, HV_WARN, "seccomp", "no Seccomp field in /proc/self/status: the kernel has no "
			  "seccomp (CONFIG_SECCOMP), syscalls cannot be filtered");
		return;
	}
	if (!acts)
		host_item(h, HOST_KERNEL, HV_OK, "seccomp", "seccomp present (/proc/self/status); actions_avail unreadable");
	else if (!strstr(acts, "errno"))
		host_item(h, HOST_KERNEL, HV_WARN, "seccomp", "seccomp present but actions_avail (%s) lacks errno: "
			  "filters cannot return EPERM", acts);
	else
		host_item(h, HOST_KERNEL, HV_OK, "seccomp", "filter mode available; actions: %s%s", acts,
			  strstr(acts, "user_notif") ? "" : " (no user_notif)");
}

static void cgroups(struct host *h)
{
	const char *mi = host_read(h, "/proc/self/mountinfo", NULL);
	bool v1 = false, v2 = false, v2_root = false;
	for (const char *l = mi; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *dash = strstr(l, " - ");
		const char *eol = strchr(l, '\n');
		if (!dash || (eol && dash > eol))
			continue;
		char point[512];
		if (strncmp(dash + 3, "cgroup2 ", 8) == 0) {
			v2 = true;
			v2_root |= sscanf(l, "%*s %*s %*s %*s %511s", point) == 1 && !strcmp(point, "/sys/fs/cgroup");
		} else if (strncmp(dash + 3, "cgroup ", 7) == 0) {
			v1 = true;
		}
	}
	const char *mode = v2_root && !v1 ? "v2 (unified)" : v1 && v2 ? "hybrid (v1 controllers, v2 mounted too)"
			   : v1 ? "v1 (legacy)" : v2 ? "v2 (not at /sys/fs/cgroup)" : NULL;
	if (!mode) {
		host_item(h, HOST_KERNEL, HV_WARN, "cgroups", "no cgroup filesystem in /proc/self/mountinfo: memory and pids "
			  "limits cannot be enforced");
		return;
	}
	char ctl[512] = "";
	const char *v2c = v2_root ? host_read_line(h, "/sys/fs/cgroup/cgroup.controllers") : NULL;
	if (v2c) {
		snprintf(ctl, sizeof(ctl), "%s", v2c);
	} else {
		/* /proc/cgroups: subsys_name hierarchy num_cgroups enabled */
		const char *pc = host_read(h, "/proc/cgroups", NULL);
		size_t n = 0;
		for (const char *l = pc; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
			char name[64];
			int en = 0;
			if (*l == '#' || sscanf(l, "%63s %*d %*d %d", name, &en) != 2 || !en)
				continue;
			n += (size_t)snprintf(ctl + n, n < sizeof(ctl) ? sizeof(ctl) - n : 0, "%s%s", n ? " " : "", name);
			if (n >= sizeof(ctl))
				break;
		}
	}
	bool mem = strstr(ctl, "memory") != NULL, pids = strstr(ctl, "pids") != NULL;
	enum host_verdict v = !mem || !pids ? HV_WARN : v1 ? HV_INFO : HV_OK;
	host_item(h, HOST_KERNEL, v, "cgroups", "%s; controllers: %s%s", mode, *ctl ? ctl : "(none listed)",
		  !mem || !pids ? " — memory or pids is missing: limits cannot be enforced" : "");
}

static void lsms(struct host *h)
{
	const char *lsm = host_read_line(h, "/sys/kernel/security/lsm");
	if (!lsm) {
		host_item(h, HOST_KERNEL, HV_INFO, "LSMs", "/sys/kernel/security/lsm is not readable (securityfs not "
			  "mounted?): AppArmor, SELinux and Landlock unknown");
		return;
	}
	bool aa = strstr(lsm, "apparmor") != NULL, se = strstr(lsm, "selinux") != NULL;
	bool ll = strstr(lsm, "landlock") != NULL;
	host_item(h, HOST_KERNEL, aa || se ? HV_OK : HV_WARN, "LSMs", "%s: AppArmor %s, SELinux %s, Landlock %s%s", lsm,
		  aa ? "yes" : "no", se ? "yes" : "no", ll ? "yes" : "no",
		  aa || se ? "" : " — no mandatory access control confines containers");
}

void host_check_kernel(struct host *h)
{
	const char *osr = host_read_line(h, "/proc/sys/kernel/osrelease");
	host_item(h, HOST_KERNEL, HV_INFO, "kernel", "%s", osr ? osr : "release unknown (/proc/sys/kernel/osrelease)");
	userns(h);
	seccomp(h);
	cgroups(h);
	lsms(h);
	struct stat st;
	/* a recorded tree cannot hold a device node: any file stands for it there */
	if (host_stat(h, "/dev/kvm", &st) && (S_ISCHR(st.st_mode) || !h->live))
		host_item(h, HOST_KERNEL, HV_INFO, "/dev/kvm", "present: VM-isolated runtimes (Kata, Firecracker) can run");
	else
		host_item(h, HOST_KERNEL, HV_INFO, "/dev/kvm", "absent: no VM-isolated runtimes here");
}
