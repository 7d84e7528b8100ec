/*
 * Virtualization: is the kernel under us our own (bare metal, a VM) or shared
 * with other tenants (a container, an OpenVZ/Virtuozzo/LXC VPS)?  Container
 * clues win over hypervisor clues: a container inside a KVM guest still sees
 * the guest's CPUID and DMI, and it still shares the guest's kernel.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "host/host.h"

struct clues {
	struct host *h;
	char buf[1024];
	size_t len;
};

static void clue(struct clues *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void clue(struct clues *c, const char *fmt, ...)
{
	if (c->len && c->len + 2 < sizeof(c->buf))
		c->len += (size_t)snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "; ");
	if (c->len >= sizeof(c->buf))
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(c->buf + c->len, sizeof(c->buf) - c->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->len = c->len + (size_t)n < sizeof(c->buf) ? c->len + (size_t)n : sizeof(c->buf) - 1;
}

/* ---- shared kernel --------------------------------------------------------------- */

/* The fstype of the mount at `mnt` in a mountinfo text ("overlay"), or NULL. */
static const char *mount_fstype(const char *mountinfo, const char *mnt, char *out, size_t n)
{
	const char *found = NULL;
	for (const char *l = mountinfo; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		char point[512], fstype[64];
		/* id parent maj:min root mountpoint ... - fstype source opts */
		if (sscanf(l, "%*s %*s %*s %*s %511s", point) != 1 || strcmp(point, mnt) != 0)
			continue;
		const char *dash = strstr(l, " - ");
		const char *eol = strchr(l, '\n');
		if (!dash || (eol && dash > eol) || sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		snprintf(out, n, "%s", fstype); /* the last mount on a point is the one seen */
		found = out;
	}
	return found;
}

static const char *const container_cgroups[][2] = {
	{ "/docker/", "docker" }, { "/docker-", "docker" }, { "/lxc/", "lxc" }, { "/lxc.payload", "lxc" },
	{ "/kubepods", "kubernetes" }, { "/libpod-", "podman" }, { "/machine.slice/systemd-nspawn", "systemd-nspawn" },
	{ "/ecs/", "ecs" }, { "/garden/", "garden" },
};

/* Returns the container kind when a clue is conclusive, NULL otherwise. */
static const char *shared_kernel(struct host *h, struct clues *c)
{
	const char *kind = NULL;
	bool bc = host_stat(h, "/proc/bc", NULL);
	/* /proc/vz and /proc/bc both exist on an OpenVZ hardware node; a container has /proc/vz only */
	if (host_stat(h, "/proc/vz", NULL) && !bc) {
		clue(c, "/proc/vz without /proc/bc (OpenVZ/Virtuozzo container)");
		kind = "openvz";
	}
	if (host_stat(h, "/proc/user_beancounters", NULL) && !bc) {
		clue(c, "/proc/user_beancounters (OpenVZ resource accounting)");
		kind = kind ? kind : "openvz";
	}
	if (host_stat(h, "/run/.containerenv", NULL)) {
		clue(c, "/run/.containerenv (podman)");
		kind = kind ? kind : "podman";
	}
	size_t n = 0;
	const char *env = host_read(h, "/proc/1/environ", &n);
	for (size_t i = 0; env && i < n; i += strlen(env + i) + 1) {
		if (strncmp(env + i, "container=", 10) == 0 && env[i + 10]) {
			clue(c, "container=%s in /proc/1/environ", env + i + 10);
			kind = kind ? kind : env + i + 10;
		}
	}
	const char *sd = host_read_line(h, "/run/systemd/container");
	if (sd) {
		clue(c, "/run/systemd/container says %s", sd);
		kind = kind ? kind : sd;
	}
	const char *cg = host_read(h, "/proc/1/cgroup", NULL);
	for (size_t i = 0; cg && i < sizeof(container_cgroups) / sizeof(container_cgroups[0]); i++) {
		if (strstr(cg, container_cgroups[i][0])) {
			clue(c, "/proc/1/cgroup has a %s path (%s)", container_cgroups[i][1], container_cgroups[i][0]);
			kind = kind ? kind : container_cgroups[i][1];
			break;
		}
	}
	const char *mi = host_read(h, "/proc/self/mountinfo", NULL);
	char fst[64];
	if (mi && mount_fstype(mi, "/", fst, sizeof(fst)) &&
	    (!strcmp(fst, "overlay") || !strcmp(fst, "aufs") || !strcmp(fst, "fuse-overlayfs"))) {
		clue(c, "the root filesystem is %s (a container image's layers)", fst);
		kind = kind ? kind : "container";
	}
	if (mi && strstr(mi, " - fuse.lxcfs ")) {
		clue(c, "lxcfs is mounted over /proc files (LXC)");
		kind = kind ? kind : "lxc";
	}
	/* A VM image built from a container image keeps /.dockerenv: alone it proves nothing */
	if (host_stat(h, "/.dockerenv", NULL)) {
		bool root_known = mi && mount_fstype(mi, "/", fst, sizeof(fst));
		if (kind)
			clue(c, "/.dockerenv");
		else
			host_item(h, HOST_VIRT, HV_INFO, "/.dockerenv", "present, but nothing else says container%s%s%s: "
				  "taken as a leftover of a docker-built image", root_known ? " (the root filesystem is " : "",
				  root_known ? fst : "", root_known ? ")" : "");
	}
	return kind;
}

/* ---- hypervisors ----------------------------------------------------------------- */

static const char *const cpuid_vendors[][2] = {
	{ "KVMKVMKVM", "kvm" }, { "Microsoft Hv", "hyper-v" }, { "VMwareVMware", "vmware" }, { "XenVMMXenVMM", "xen" },
	{ "TCGTCGTCGTCG", "qemu" }, { "VBoxVBoxVBox", "virtualbox" }, { "bhyve bhyve ", "bhyve" },
	{ " lrpepyh  vr", "parallels" }, { "ACRNACRNACRN", "acrn" }, { "QNXQVMBSQG", "qnx" },
};

static const char *cpuid_hypervisor(struct clues *c)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, cx, d;
	if (!__get_cpuid(1, &a, &b, &cx, &d) || !(cx & (1u << 31)))
		return NULL;
	char sig[13];
	__cpuid(0x40000000, a, b, cx, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &cx, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	for (size_t i = 0; i < sizeof(cpuid_vendors) / sizeof(cpuid_vendors[0]); i++)
		if (strncmp(sig, cpuid_vendors[i][0], strlen(cpuid_vendors[i][0])) == 0) {
			clue(c, "CPUID leaf 0x40000000 says \"%s\"", cpuid_vendors[i][0]);
			return cpuid_vendors[i][1];
		}
	for (int i = 0; i < 12; i++)
		if (!isprint((unsigned char)sig[i]))
			sig[i] = '.';
	clue(c, "CPUID hypervisor bit set (vendor \"%s\")", sig);
	return "unknown-hypervisor";
#else
	(void)c;
	return NULL;
#endif
}

static const char *const dmi_vendors[][2] = {
	{ "KVM", "kvm" }, { "QEMU", "qemu" }, { "VMware", "vmware" }, { "Xen", "xen" }, { "innotek", "virtualbox" },
	{ "VirtualBox", "virtualbox" }, { "Parallels", "parallels" }, { "BHYVE", "bhyve" }, { "Amazon EC2", "kvm" },
	{ "Google Compute Engine", "kvm" }, { "OpenStack", "kvm" }, { "DigitalOcean", "kvm" }, { "Hetzner", "kvm" },
	{ "Firecracker", "firecracker" }, { "Cloud Hypervisor", "cloud-hypervisor" }, { "Bochs", "qemu" },
};

static const char *dmi_hypervisor(struct host *h, struct clues *c, bool *have_dmi)
{
	static const char *const files[] = { "/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/product_name",
		"/sys/class/dmi/id/board_vendor", "/sys/class/dmi/id/bios_vendor" };
	const char *vendor[4] = { 0 };
	for (size_t i = 0; i < 4; i++) {
		vendor[i] = host_read_line(h, files[i]);
		*have_dmi |= vendor[i] != NULL;
	}
	/* Hyper-V: "Microsoft Corporation" makes hardware too; the product says "Virtual Machine" */
	if (vendor[0] && strstr(vendor[0], "Microsoft") && vendor[1] && strstr(vendor[1], "Virtual Machine")) {
		clue(c, "DMI: %s %s", vendor[0], vendor[1]);
		return "hyper-v";
	}
	for (size_t i = 0; i < 4; i++)
		for (size_t k = 0; vendor[i] && k < sizeof(dmi_vendors) / sizeof(dmi_vendors[0]); k++)
			if (strcasestr(vendor[i], dmi_vendors[k][0])) {
				clue(c, "DMI %s is \"%s\"", strrchr(files[i], '/') + 1, vendor[i]);
				return dmi_vendors[k][1];
			}
	if (vendor[0])
		clue(c, "DMI sys_vendor \"%s\"%s%s", vendor[0], vendor[1] ? ", product " : "", vendor[1] ? vendor[1] : "");
	return NULL;
}

static bool cpuinfo_hypervisor_flag(struct host *h)
{
	const char *ci = host_read(h, "/proc/cpuinfo", NULL);
	for (const char *l = ci; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, "flags", 5) != 0)
			continue;
		const char *eol = strchr(l, '\n');
		const char *p = strstr(l, " hypervisor");
		if (p && (!eol || p < eol) && (p[11] == ' ' || p[11] == '\n' || p[11] == '\0'))
			return true;
		return false; /* every CPU has the same flags */
	}
	return false;
}

static const char *pretty(const char *name)
{
	static const char *const names[][2] = { { "kvm", "KVM" }, { "qemu", "QEMU (TCG emulation)" },
		{ "vmware", "VMware" }, { "xen", "Xen" }, { "hyper-v", "Hyper-V" }, { "firecracker", "Firecracker (KVM)" },
		{ "virtualbox", "VirtualBox" }, { "wsl2", "WSL2 (Hyper-V)" }, { "openvz", "OpenVZ/Virtuozzo" },
		{ "lxc", "LXC" }, { "docker", "Docker" }, { "podman", "Podman" }, { "bare-metal", "bare metal" } };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i][0]))
			return names[i][1];
	return name;
}

static const char *hypervisor(struct host *h, struct clues *c)
{
	const char *by_cpuid = h->live ? cpuid_hypervisor(c) : NULL;
	bool have_dmi = false;
	const char *by_dmi = dmi_hypervisor(h, c, &have_dmi);
	const char *xen = host_read_line(h, "/sys/hypervisor/type");
	if (xen)
		clue(c, "/sys/hypervisor/type is %s", xen);
	bool flag = cpuinfo_hypervisor_flag(h);
	if (flag)
		clue(c, "the hypervisor flag in /proc/cpuinfo");
	const char *dt = host_read(h, "/proc/device-tree/compatible", NULL);
	const char *cmdline = host_read_line(h, "/proc/cmdline");
	/* Firecracker has no DMI (before 1.x on x86) and hands its virtio devices to the kernel on the command line */
	bool fc_cmdline = cmdline && (strstr(cmdline, "virtio_mmio.device=") || strcasestr(cmdline, "firecracker"));
	bool fc_dt = dt && strcasestr(dt, "firecracker");
	if (fc_cmdline)
		clue(c, "/proc/cmdline has %s", strstr(cmdline, "virtio_mmio.device=") ? "virtio_mmio.device= (a microVM's MMIO "
										      "devices)" : "a firecracker hint");
	if (fc_dt)
		clue(c, "/proc/device-tree/compatible names firecracker");
	else if (dt && strstr(dt, "linux,dummy-virt"))
		clue(c, "/proc/device-tree/compatible is linux,dummy-virt (QEMU/KVM virt machine)");

	if ((by_dmi && !strcmp(by_dmi, "firecracker")) || fc_dt || (!have_dmi && fc_cmdline && (flag || by_cpuid)))
		return "firecracker";
	if (by_dmi && !strcmp(by_dmi, "qemu") && ((by_cpuid && !strcmp(by_cpuid, "kvm")) || (!by_cpuid && flag)))
		return "kvm"; /* QEMU's machine with KVM acceleration: the CPU flag says a hypervisor runs it */
	if (by_cpuid && strcmp(by_cpuid, "unknown-hypervisor") != 0)
		return by_cpuid;
	if (by_dmi)
		return by_dmi;
	if (xen)
		return "xen";
	if (dt && strstr(dt, "linux,dummy-virt"))
		return "kvm";
	if (flag || by_cpuid)
		return "unknown-hypervisor";
	return NULL;
}

void host_check_virt(struct host *h)
{
	struct clues c = { .h = h };
	struct host_virt *v = &h->virt;
	const char *osr = host_read_line(h, "/proc/sys/kernel/osrelease");
	const char *kind = shared_kernel(h, &c);
	if (kind) {
		v->kind = VIRT_CONTAINER;
		v->name = arena_strdup(&h->arena, kind);
	} else if (osr && (strcasestr(osr, "microsoft") || strcasestr(osr, "wsl"))) {
		clue(&c, "/proc/sys/kernel/osrelease is %s", osr);
		/* WSL1 translates syscalls in the NT kernel ("4.4.0-19041-Microsoft"); WSL2 runs a real kernel in a VM */
		bool wsl2 = strcasestr(osr, "wsl2") || strstr(osr, "microsoft-standard");
		v->kind = wsl2 ? VIRT_VM : VIRT_WSL1;
		v->name = wsl2 ? "wsl2" : "wsl1";
	} else {
		const char *hv = hypervisor(h, &c);
		v->kind = hv ? VIRT_VM : VIRT_BARE_METAL;
		v->name = hv ? hv : "bare-metal";
	}
	if (!c.len)
		clue(&c, "no hypervisor or container clue");
	v->evidence = arena_strdup(&h->arena, c.buf);
	switch (v->kind) {
	case VIRT_CONTAINER:
		host_item(h, HOST_VIRT, HV_FAIL, "virtualization", "a container or container-based VPS (%s): the kernel is "
			  "shared; seen: %s", pretty(v->name), v->evidence);
		host_finding(h, "STK801", -1, "/proc", "this host runs inside a container or VPS (%s): its kernel is shared (seen: %s)",
			     pretty(v->name), v->evidence);
		break;
	case VIRT_VM:
		host_item(h, HOST_VIRT, HV_OK, "virtualization", "a %s virtual machine with its own kernel; seen: %s",
			  pretty(v->name), v->evidence);
		break;
	case VIRT_WSL1:
		host_item(h, HOST_VIRT, HV_WARN, "virtualization", "WSL1: no Linux kernel (namespaces, cgroups and seccomp "
			  "are missing or emulated); seen: %s", v->evidence);
		break;
	case VIRT_BARE_METAL:
		host_item(h, HOST_VIRT, HV_OK, "virtualization", "bare metal; seen: %s", v->evidence);
		break;
	}
}
