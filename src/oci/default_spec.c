#include "oci/default_spec.h"

#include <string.h>

#include "sandbox/seccomp.h"
#include "util/macros.h"

/* Docker's masked paths plus a few more that leak host details */
const char *const default_masked_paths[] = { "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kallsyms",
	"/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
	"/proc/timer_stats", "/proc/vmallocinfo", "/sys/devices/virtual/powercap", "/sys/firmware", "/sys/kernel/debug",
	"/sys/kernel/tracing" };
const size_t default_n_masked_paths = ARRAY_SIZE(default_masked_paths);
const char *const default_readonly_paths[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" };
const size_t default_n_readonly_paths = ARRAY_SIZE(default_readonly_paths);

json_object *json_strarr(const char *const *v, size_t n)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

#define STRARR(...) \
	({ \
		static const char *const _v[] = { __VA_ARGS__ }; \
		json_strarr(_v, ARRAY_SIZE(_v)); \
	})

void oci_env_set(json_object *env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
	size_t n = json_object_array_length(env);
	for (size_t i = 0; i < n; i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (e && strncmp(e, kv, kl) == 0 && (e[kl] == '=' || e[kl] == '\0')) {
			json_object_array_put_idx(env, i, json_object_new_string(kv));
			return;
		}
	}
	json_object_array_add(env, json_object_new_string(kv));
}

json_object *oci_mount_json(const char *dest, const char *type, const char *src, json_object *options)
{
	json_object *m = json_object_new_object();
	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	json_object_object_add(m, "source", json_object_new_string(src));
	json_object_object_add(m, "options", options);
	return m;
}

static json_object *ns(const char *type)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string(type));
	return o;
}

json_object *default_spec_json(const char *const *args, int nargs)
{
	json_object *root = json_object_new_object();
	json_object_object_add(root, "ociVersion", json_object_new_string(OCI_SPEC_VERSION));

	/* process: nobody, no capabilities at all, no_new_privs */
	json_object *proc = json_object_new_object();
	json_object_object_add(proc, "terminal", json_object_new_boolean(0));
	json_object *user = json_object_new_object();
	json_object_object_add(user, "uid", json_object_new_int(65534));
	json_object_object_add(user, "gid", json_object_new_int(65534));
	json_object_object_add(proc, "user", user);
	if (nargs > 0)
		json_object_object_add(proc, "args", json_strarr(args, (size_t)nargs));
	else
		json_object_object_add(proc, "args", STRARR("sh"));
	json_object_object_add(proc, "env", STRARR("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp"));
	json_object_object_add(proc, "cwd", json_object_new_string("/"));
	json_object *caps = json_object_new_object();
	static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
	for (size_t i = 0; i < ARRAY_SIZE(sets); i++)
		json_object_object_add(caps, sets[i], json_object_new_array());
	json_object_object_add(proc, "capabilities", caps);
	json_object *rl = json_object_new_object();
	json_object_object_add(rl, "type", json_object_new_string("RLIMIT_NOFILE"));
	json_object_object_add(rl, "hard", json_object_new_int(1024));
	json_object_object_add(rl, "soft", json_object_new_int(1024));
	json_object *rls = json_object_new_array();
	json_object_array_add(rls, rl);
	json_object_object_add(proc, "rlimits", rls);
	json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(1));
	json_object_object_add(root, "process", proc);

	json_object *r = json_object_new_object();
	json_object_object_add(r, "path", json_object_new_string("rootfs"));
	json_object_object_add(r, "readonly", json_object_new_boolean(1));
	json_object_object_add(root, "root", r);
	json_object_object_add(root, "hostname", json_object_new_string("stockade"));

	json_object *mounts = json_object_new_array();
	json_object_array_add(mounts, oci_mount_json("/proc", "proc", "proc", STRARR("nosuid", "noexec", "nodev")));
	json_object_array_add(mounts, oci_mount_json("/dev", "tmpfs", "tmpfs", STRARR("nosuid", "noexec", "strictatime", "mode=755", "size=65536k")));
	json_object_array_add(mounts, oci_mount_json("/dev/pts", "devpts", "devpts",
					  STRARR("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620")));
	json_object_array_add(mounts, oci_mount_json("/dev/shm", "tmpfs", "shm", STRARR("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
	json_object_array_add(mounts, oci_mount_json("/dev/mqueue", "mqueue", "mqueue", STRARR("nosuid", "noexec", "nodev")));
	json_object_array_add(mounts, oci_mount_json("/sys", "sysfs", "sysfs", STRARR("nosuid", "noexec", "nodev", "ro")));
	json_object_array_add(mounts, oci_mount_json("/sys/fs/cgroup", "cgroup", "cgroup", STRARR("nosuid", "noexec", "nodev", "relatime", "ro")));
	json_object_array_add(mounts, oci_mount_json("/tmp", "tmpfs", "tmpfs", STRARR("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
	json_object_object_add(root, "mounts", mounts);

	json_object *lnx = json_object_new_object();
	json_object *res = json_object_new_object();
	json_object *dev = json_object_new_object();
	json_object_object_add(dev, "allow", json_object_new_boolean(0));
	json_object_object_add(dev, "access", json_object_new_string("rwm"));
	json_object *devs = json_object_new_array();
	json_object_array_add(devs, dev);
	json_object_object_add(res, "devices", devs);
	json_object *pids = json_object_new_object();
	json_object_object_add(pids, "limit", json_object_new_int(1024));
	json_object_object_add(res, "pids", pids);
	json_object *mem = json_object_new_object();
	json_object_object_add(mem, "limit", json_object_new_int64(1LL << 30));
	json_object_object_add(res, "memory", mem);
	json_object_object_add(lnx, "resources", res);
	json_object *nss = json_object_new_array();
	static const char *const nsl[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
	for (size_t i = 0; i < ARRAY_SIZE(nsl); i++)
		json_object_array_add(nss, ns(nsl[i]));
	json_object_object_add(lnx, "namespaces", nss);
	json_object_object_add(lnx, "maskedPaths", json_strarr(default_masked_paths, default_n_masked_paths));
	json_object_object_add(lnx, "readonlyPaths", json_strarr(default_readonly_paths, default_n_readonly_paths));
	json_object_object_add(lnx, "seccomp", seccomp_default_profile());
	json_object_object_add(root, "linux", lnx);
	return root;
}
